//! The AVX2 + PCLMULQDQ kernel (x86-64, detected at run time).

use std::arch::x86_64::*;

use super::{Algo, BLOCK, Classify, Masks, Raw};

/// Whether this CPU runs the kernel (cached by the standard library's detection).
#[inline]
pub(super) fn available() -> bool {
    is_x86_feature_detected!("avx2") && is_x86_feature_detected!("pclmulqdq")
}

pub(super) struct Avx2;

impl Classify for Avx2 {
    #[inline]
    #[target_feature(enable = "avx2")]
    unsafe fn raw(block: &[u8; BLOCK]) -> Raw {
        // Six 64-bit masks from two 32-byte halves. Single bytes by comparison (brackets with
        // bit 5 set: `[` → `{`, `]` → `}`); separators and whitespace, classes of several
        // bytes, by a table lookup on the low nibble (`vpshufb`, as simdjson classifies): a
        // class's table holds, at each low nibble, the class's byte with that nibble and 0xff
        // elsewhere, so a byte is in the class exactly when the lookup returns the byte itself
        // (0xff is no ASCII byte's, and a byte with the high bit set looks up 0). Six
        // comparisons became two lookups (BENCHMARKS.md, "tenth pass"); the brackets stay
        // comparisons, which is all a skip needs (a lookup and a shift to tell `{` from `}`
        // ran slower).
        // SAFETY: the caller runs this only on a CPU with AVX2 (the trait's contract); the two
        // unaligned loads read the block's 64 bytes, in bounds.
        unsafe {
            let lo = _mm256_loadu_si256(block.as_ptr().cast::<__m256i>());
            let hi = _mm256_loadu_si256(block.as_ptr().add(32).cast::<__m256i>());
            let bits = |l: __m256i, h: __m256i| {
                let l = _mm256_movemask_epi8(l) as u32 as u64;
                let h = _mm256_movemask_epi8(h) as u32 as u64;
                l | h << 32
            };
            let eq = |c: u8| {
                let c = _mm256_set1_epi8(c as i8);
                bits(_mm256_cmpeq_epi8(lo, c), _mm256_cmpeq_epi8(hi, c))
            };
            let in_table = |table: [u8; 16]| {
                let t = _mm256_broadcastsi128_si256(_mm_loadu_si128(table.as_ptr().cast()));
                bits(
                    _mm256_cmpeq_epi8(_mm256_shuffle_epi8(t, lo), lo),
                    _mm256_cmpeq_epi8(_mm256_shuffle_epi8(t, hi), hi),
                )
            };
            let lo20 = _mm256_or_si256(lo, _mm256_set1_epi8(0x20));
            let hi20 = _mm256_or_si256(hi, _mm256_set1_epi8(0x20));
            let eq20 = |c: u8| {
                let c = _mm256_set1_epi8(c as i8);
                bits(_mm256_cmpeq_epi8(lo20, c), _mm256_cmpeq_epi8(hi20, c))
            };
            Raw {
                quote: eq(b'"'),
                backslash: eq(b'\\'),
                open: eq20(b'{'),
                close: eq20(b'}'),
                separator: in_table(const { nibble_table(b":,") }),
                space: in_table(const { nibble_table(b" \t\n\r") }),
            }
        }
    }

    #[inline]
    #[target_feature(enable = "pclmulqdq")]
    unsafe fn prefix_xor(x: u64) -> u64 {
        // The caller runs this only on a CPU with PCLMULQDQ (the trait's contract). A
        // carry-less multiply by all ones is the prefix XOR.
        let product = _mm_clmulepi64_si128(_mm_set_epi64x(0, x as i64), _mm_set1_epi8(-1), 0);
        _mm_cvtsi128_si64(product) as u64
    }
}

/// The lookup table of a class of bytes that differ in their low nibbles (see `Avx2::raw`):
/// each byte at its low nibble, 0xff elsewhere. Evaluated at compile time.
const fn nibble_table(class: &[u8]) -> [u8; 16] {
    let mut table = [0xff; 16];
    let mut i = 0;
    while i < class.len() {
        let b = class[i];
        assert!(
            b < 0x80 && table[(b & 0xf) as usize] == 0xff,
            "ASCII, one per nibble"
        );
        table[(b & 0xf) as usize] = b;
        i += 1;
    }
    table
}

#[target_feature(enable = "avx2,pclmulqdq")]
fn classify_avx2(bytes: &[u8], out: &mut Vec<Masks>) {
    Algo::<Avx2>::classify(bytes, out)
}

#[target_feature(enable = "avx2,pclmulqdq")]
fn skip_value_avx2(bytes: &[u8], at: usize) -> Option<usize> {
    Algo::<Avx2>::skip_value(bytes, at)
}

/// [`super::classify`] with this kernel. The caller has checked [`available`].
pub(super) fn classify(bytes: &[u8], out: &mut Vec<Masks>) {
    debug_assert!(available());
    // SAFETY: the kernel is only selected (`Kernel::Avx2` from `detect`, `available` or
    // `Scanner::with_kernel`) when `available()` is true, so the CPU has AVX2 and PCLMULQDQ.
    unsafe { classify_avx2(bytes, out) }
}

/// [`super::Scanner::skip_value`] with this kernel. The caller has checked [`available`].
#[inline]
pub(super) fn skip_value(bytes: &[u8], at: usize) -> Option<usize> {
    debug_assert!(available());
    // SAFETY: as in `classify`: a `Scanner` holds `Kernel::Avx2` only when the CPU has it.
    unsafe { skip_value_avx2(bytes, at) }
}

#[target_feature(enable = "avx2")]
fn has_control_byte_avx2(bytes: &[u8]) -> bool {
    let limit = _mm256_set1_epi8(0x1f);
    // 128 bytes a step: the unsigned minimum of four vectors, then one comparison.
    let mut wide = bytes.chunks_exact(128);
    for block in &mut wide {
        let p = block.as_ptr().cast::<__m256i>();
        // SAFETY: four 32-byte unaligned loads at offsets 0, 32, 64 and 96 of a 128-byte
        // chunk: all in bounds.
        let (a, b, c, d) = unsafe {
            (
                _mm256_loadu_si256(p),
                _mm256_loadu_si256(p.add(1)),
                _mm256_loadu_si256(p.add(2)),
                _mm256_loadu_si256(p.add(3)),
            )
        };
        let v = _mm256_min_epu8(_mm256_min_epu8(a, b), _mm256_min_epu8(c, d));
        if _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(v, limit), v)) != 0 {
            return true;
        }
    }
    let mut blocks = wide.remainder().chunks_exact(32);
    for block in &mut blocks {
        // SAFETY: the 32-byte unaligned load reads exactly the chunk, in bounds.
        let v = unsafe { _mm256_loadu_si256(block.as_ptr().cast::<__m256i>()) };
        // A byte is at most 0x1f exactly when min(byte, 0x1f) == byte.
        let low = _mm256_cmpeq_epi8(_mm256_min_epu8(v, limit), v);
        if _mm256_movemask_epi8(low) != 0 {
            return true;
        }
    }
    blocks.remainder().iter().any(|&b| b < 0x20)
}

/// [`super::has_control_byte`] with AVX2. The caller has checked [`available`].
#[inline]
pub(super) fn has_control_byte(bytes: &[u8]) -> bool {
    debug_assert!(available());
    // SAFETY: called only after `available()` returned true.
    unsafe { has_control_byte_avx2(bytes) }
}
