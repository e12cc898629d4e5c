//! A SIMD structural scanner over JSON bytes, in the spirit of simdjson's stage 1: skip a
//! value, find a member by key, iterate an array's elements, over any `&[u8]`.
//!
//! The input is read in 64-byte blocks. Each block becomes bitmasks ([`Masks`]): which bytes
//! are real (unescaped) quotes, which are inside strings, which are brackets, separators and
//! whitespace outside strings. Escapes and "inside a string" carry from one block to the next
//! (backslash runs by the carry trick of simdjson's `find_escaped`; strings by a prefix XOR of
//! the quotes, a carry-less multiply where the CPU has one). Skipping a container is then
//! bracket counting on the masks, 64 bytes a step, and a string's end is one bit scan.
//!
//! **This layer finds structure; it does not validate JSON.** On valid JSON its answers are
//! exact (where a value ends, where a member is); on invalid JSON they are deterministic and
//! memory-safe but unspecified (brackets of the two kinds are counted together, scalars are not
//! checked). Validate separately when that matters: callq's own readers validate every byte.
//!
//! The kernel is picked at run time ([`Kernel::detect`]): AVX2 with PCLMULQDQ on x86-64, NEON on
//! aarch64 (with PMULL for the prefix XOR where the CPU has it), else a portable one (any
//! platform). Every kernel gives the same masks, bit for bit, as a naive byte-at-a-time oracle
//! ([`naive_masks`], [`naive_skip_value`]); the `scanner` fuzz target and the proptests in
//! `tests/integration/scan.rs` check that on arbitrary bytes. All of callq's `unsafe` for SIMD
//! lives in this module.
//!
//! ```
//! use callq::scan::Scanner;
//!
//! let line = br#"{"hops":[{"ip":"10.0.0.1"},{"ip":"a \"quoted\" ]}"}],"id":"s1","n":[1,2,3]}"#;
//! let scanner = Scanner::new();
//! // The whole line is one value.
//! assert_eq!(scanner.skip_value(line, 0), Some(line.len()));
//! // Find a member without looking inside the ones before it.
//! let at = scanner.find_key(line, 0, b"id").unwrap();
//! assert_eq!(&line[at..scanner.skip_value(line, at).unwrap()], br#""s1""#);
//! // Iterate an array's elements.
//! let n = scanner.find_key(line, 0, b"n").unwrap();
//! let items: Vec<&[u8]> = scanner.elements(line, n).map(|r| &line[r]).collect();
//! assert_eq!(items, [&b"1"[..], b"2", b"3"]);
//! ```

use std::ops::Range;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "aarch64")]
mod neon;

/// Bytes per block.
pub const BLOCK: usize = 64;

/// A scanner kernel: how a 64-byte block is turned into masks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kernel {
    /// Plain Rust, any platform (the runtime fallback).
    Portable,
    /// AVX2 compares and PCLMULQDQ prefix XOR (x86-64, detected at run time).
    Avx2,
    /// NEON compares (aarch64), and a PMULL prefix XOR where the CPU has the `aes` extension
    /// (detected at run time; without it, the portable prefix XOR).
    Neon,
}

impl Kernel {
    /// The fastest kernel this CPU runs.
    pub fn detect() -> Kernel {
        #[cfg(target_arch = "x86_64")]
        if avx2::available() {
            return Kernel::Avx2;
        }
        #[cfg(target_arch = "aarch64")]
        if neon::available() {
            return Kernel::Neon;
        }
        Kernel::Portable
    }

    /// Every kernel this CPU runs (for tests and benchmarks).
    pub fn available() -> Vec<Kernel> {
        [Kernel::Portable, Kernel::Avx2, Kernel::Neon]
            .into_iter()
            .filter(|k| k.runs_here())
            .collect()
    }

    /// Whether this CPU runs the kernel.
    fn runs_here(self) -> bool {
        match self {
            Kernel::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => avx2::available(),
            #[cfg(not(target_arch = "x86_64"))]
            Kernel::Avx2 => false,
            #[cfg(target_arch = "aarch64")]
            Kernel::Neon => neon::available(),
            #[cfg(not(target_arch = "aarch64"))]
            Kernel::Neon => false,
        }
    }

    /// A short name, for reports.
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Portable => "portable",
            Kernel::Avx2 => "avx2",
            Kernel::Neon => "neon",
        }
    }

    /// What the kernel uses on this CPU, for reports: the name, plus how the prefix XOR is
    /// computed where that depends on the CPU.
    ///
    /// ```
    /// use callq::scan::Kernel;
    ///
    /// assert_eq!(Kernel::Portable.description(), "portable");
    /// // On x86-64 with AVX2 "avx2+pclmulqdq"; on aarch64 "neon+pmull" or "neon".
    /// assert!(Kernel::detect().description().starts_with(Kernel::detect().name()));
    /// ```
    pub fn description(self) -> &'static str {
        match self {
            Kernel::Portable => "portable",
            Kernel::Avx2 => "avx2+pclmulqdq",
            #[cfg(target_arch = "aarch64")]
            Kernel::Neon if neon::has_pmull() => "neon+pmull",
            Kernel::Neon => "neon",
        }
    }
}

/// The masks of one 64-byte block: bit `i` stands for the block's byte `i`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Masks {
    /// Quotes that are not escaped (they open or close strings).
    pub quote: u64,
    /// Bytes inside a string: from its opening quote (included) to its closing quote
    /// (excluded).
    pub in_string: u64,
    /// Bytes preceded by an odd run of backslashes (counted over the whole input, inside
    /// strings or not).
    pub escaped: u64,
    /// `{` and `[` outside strings.
    pub open: u64,
    /// `}` and `]` outside strings.
    pub close: u64,
    /// `:` and `,` outside strings.
    pub separator: u64,
    /// Space, tab, line feed and carriage return outside strings.
    pub space: u64,
}

/// The raw character classes of one block, before escapes and strings are resolved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Raw {
    quote: u64,
    backslash: u64,
    open: u64,
    close: u64,
    separator: u64,
    space: u64,
}

/// What carries from one block to the next.
#[derive(Clone, Copy, Debug, Default)]
struct Carry {
    /// 1 when the previous block ended in an escaping backslash.
    escaped: u64,
    /// All ones when the previous block ended inside a string.
    in_string: u64,
}

/// A kernel's two primitives; everything above them is shared.
///
/// # Safety
///
/// The methods may use CPU features: call them only when the kernel is available on this CPU
/// (always, for [`Portable`]).
trait Classify {
    /// # Safety
    /// See the trait.
    unsafe fn raw(block: &[u8; BLOCK]) -> Raw;
    /// # Safety
    /// See the trait.
    unsafe fn prefix_xor(x: u64) -> u64;
}

/// The portable kernel.
struct Portable;

impl Classify for Portable {
    // Not inlined: inside the callers' loops the compiler stopped vectorising the byte-wise
    // passes (a standalone copy ran 5x faster than the same code inlined); one call per 64
    // bytes costs nothing next to it.
    #[inline(never)]
    unsafe fn raw(block: &[u8; BLOCK]) -> Raw {
        // One byte-wise pass per class (0 or 1 per byte: the compiler vectorises these with
        // whatever the target has), then eight bytes at a time packed into bits.
        #[inline(always)]
        fn class(block: &[u8; BLOCK], is: impl Fn(u8) -> bool) -> u64 {
            let mut flags = [0u8; BLOCK];
            for (f, &b) in flags.iter_mut().zip(block) {
                *f = u8::from(is(b));
            }
            let mut bits = 0u64;
            for (i, word) in flags.chunks_exact(8).enumerate() {
                let word = u64::from_le_bytes(word.try_into().expect("eight bytes"));
                // Bytes of 0 or 1: the multiply gathers byte i's bit into bit 56 + i, with no
                // carries between the partial products.
                bits |= (word.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * i);
            }
            bits
        }
        Raw {
            quote: class(block, |b| b == b'"'),
            backslash: class(block, |b| b == b'\\'),
            open: class(block, |b| b | 0x20 == b'{'),
            close: class(block, |b| b | 0x20 == b'}'),
            separator: class(block, |b| b == b':' || b == b','),
            space: class(block, |b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')),
        }
    }

    #[inline(always)]
    unsafe fn prefix_xor(mut x: u64) -> u64 {
        x ^= x << 1;
        x ^= x << 2;
        x ^= x << 4;
        x ^= x << 8;
        x ^= x << 16;
        x ^= x << 32;
        x
    }
}

/// simdjson's `find_escaped`: the bytes escaped by a backslash, with the carry of a block
/// that ended in an escaping backslash.
#[inline(always)]
fn find_escaped(backslash: u64, carry: &mut u64) -> u64 {
    const EVEN: u64 = 0x5555_5555_5555_5555;
    let backslash = backslash & !*carry;
    let follows_escape = backslash << 1 | *carry;
    let odd_starts = backslash & !EVEN & !follows_escape;
    let (even_starts, overflow) = odd_starts.overflowing_add(backslash);
    *carry = u64::from(overflow);
    let invert = even_starts << 1;
    (EVEN ^ invert) & follows_escape
}

/// A block's masks from its raw classes and the carry.
#[inline(always)]
fn resolve<K: Classify>(raw: Raw, carry: &mut Carry) -> Masks {
    let escaped = find_escaped(raw.backslash, &mut carry.escaped);
    let quote = raw.quote & !escaped;
    // SAFETY: `Algo<K>` runs only with an available kernel (see `Algo`).
    let in_string = unsafe { K::prefix_xor(quote) } ^ carry.in_string;
    carry.in_string = ((in_string as i64) >> 63) as u64;
    let outside = !in_string;
    Masks {
        quote,
        in_string,
        escaped,
        open: raw.open & outside,
        close: raw.close & outside,
        separator: raw.separator & outside,
        space: raw.space & outside,
    }
}

/// The block of `bytes` starting at `at` (which is in bounds), padded with spaces past the
/// end, and how many of its bytes are real.
#[inline(always)]
fn block_at<'b>(bytes: &'b [u8], at: usize, pad: &'b mut [u8; BLOCK]) -> (&'b [u8; BLOCK], usize) {
    match bytes.get(at..at + BLOCK) {
        Some(block) => (block.try_into().expect("a whole block"), BLOCK),
        None => {
            let rest = &bytes[at..];
            *pad = [b' '; BLOCK];
            pad[..rest.len()].copy_from_slice(rest);
            (pad, rest.len())
        }
    }
}

/// The mask of a block's first `len` bytes.
#[inline(always)]
fn real(len: usize) -> u64 {
    if len >= BLOCK { !0 } else { (1u64 << len) - 1 }
}

/// The shared algorithms, for one kernel. Monomorphized per kernel so that the kernel's
/// classification inlines into the loops (for AVX2, inside a `#[target_feature]` function).
/// Its functions are only called with a kernel available on this CPU: [`Portable`] anywhere,
/// the others from their modules' entry points after detection.
struct Algo<K>(std::marker::PhantomData<K>);

/// A block's raw classes with kernel `K` (available: see [`Algo`]).
#[inline(always)]
fn raw<K: Classify>(block: &[u8; BLOCK]) -> Raw {
    // SAFETY: `Algo<K>` runs only with an available kernel.
    unsafe { K::raw(block) }
}

impl<K: Classify> Algo<K> {
    #[inline(always)]
    fn classify(bytes: &[u8], out: &mut Vec<Masks>) {
        let mut carry = Carry::default();
        let mut pad = [b' '; BLOCK];
        let mut at = 0;
        while at < bytes.len() {
            let (block, len) = block_at(bytes, at, &mut pad);
            let mut m = resolve::<K>(raw::<K>(block), &mut carry);
            let keep = real(len);
            for mask in [
                &mut m.quote,
                &mut m.in_string,
                &mut m.escaped,
                &mut m.open,
                &mut m.close,
                &mut m.separator,
                &mut m.space,
            ] {
                *mask &= keep;
            }
            out.push(m);
            at += BLOCK;
        }
    }

    #[inline(always)]
    fn skip_value(bytes: &[u8], at: usize) -> Option<usize> {
        match *bytes.get(at)? {
            b'{' | b'[' => Self::skip_container(bytes, at),
            b'"' => Self::skip_string(bytes, at),
            b',' | b':' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r' => None,
            _ => Some(Self::scalar_end(bytes, at)),
        }
    }

    /// At `{` or `[`: the index after the bracket that closes it.
    #[inline(always)]
    fn skip_container(bytes: &[u8], at: usize) -> Option<usize> {
        let mut carry = Carry::default();
        let mut pad = [b' '; BLOCK];
        let mut depth = 0u32;
        let mut pos = at;
        while pos < bytes.len() {
            let (block, len) = block_at(bytes, pos, &mut pad);
            let m = resolve::<K>(raw::<K>(block), &mut carry);
            let keep = real(len);
            let open = m.open & keep;
            let close = m.close & keep;
            let closes = close.count_ones();
            if closes >= depth {
                // The container may end in this block: walk its brackets in order.
                let mut brackets = open | close;
                while brackets != 0 {
                    let bit = brackets.trailing_zeros();
                    brackets &= brackets - 1;
                    if open & (1 << bit) != 0 {
                        depth += 1;
                    } else {
                        depth -= 1;
                        if depth == 0 {
                            return Some(pos + bit as usize + 1);
                        }
                    }
                }
            } else {
                depth = depth + open.count_ones() - closes;
            }
            pos += BLOCK;
        }
        None
    }

    /// At `"`: the index after the quote that closes the string.
    #[inline(always)]
    fn skip_string(bytes: &[u8], at: usize) -> Option<usize> {
        let mut carry = Carry::default();
        let mut pad = [b' '; BLOCK];
        let mut pos = at;
        while pos < bytes.len() {
            let (block, len) = block_at(bytes, pos, &mut pad);
            let m = resolve::<K>(raw::<K>(block), &mut carry);
            let closing = m.quote & !m.in_string & real(len);
            if closing != 0 {
                return Some(pos + closing.trailing_zeros() as usize + 1);
            }
            pos += BLOCK;
        }
        None
    }

    /// A scalar's end: the first whitespace, separator, bracket or quote, or the end.
    #[inline(always)]
    fn scalar_end(bytes: &[u8], at: usize) -> usize {
        let mut pad = [b' '; BLOCK];
        let mut pos = at;
        while pos < bytes.len() {
            let (block, len) = block_at(bytes, pos, &mut pad);
            let r = raw::<K>(block);
            let ends = (r.space | r.separator | r.open | r.close | r.quote) & real(len);
            if ends != 0 {
                return pos + ends.trailing_zeros() as usize;
            }
            pos += BLOCK;
        }
        bytes.len()
    }
}

/// The index of the first `"` or `\\` at or after `from` (used by the on-demand reader for
/// every string it reads or skips). On x86-64, 16 bytes a step with SSE2 (part of the x86-64
/// baseline, so it inlines without detection), on aarch64 the same with NEON (baseline
/// there), then memchr's vector loop past 64 bytes; elsewhere 8 bytes a step in plain Rust.
#[inline(always)]
pub(crate) fn quote_or_backslash(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        use std::arch::x86_64::*;
        let hits = |at: usize| {
            debug_assert!(at + 16 <= rest.len());
            // SAFETY: callers pass `at + 16 <= rest.len()`, so the unaligned 16-byte load is
            // in bounds; SSE2 is enabled at compile time (the cfg above), so the CPU has it.
            unsafe {
                let v = _mm_loadu_si128(rest.as_ptr().add(at).cast::<__m128i>());
                let q = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
                let b = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
                _mm_movemask_epi8(_mm_or_si128(q, b)) as u32
            }
        };
        let mut at = 0;
        while at + 16 <= rest.len() && at < 64 {
            let m = hits(at);
            if m != 0 {
                return Some(from + at + m.trailing_zeros() as usize);
            }
            at += 16;
        }
        if at < 64 {
            // Fewer than 16 bytes left: the last 16 bytes of the input, minus those seen.
            if rest.len() >= 16 {
                let last = rest.len() - 16;
                let m = hits(last) >> (at - last);
                return (m != 0).then(|| from + at + m.trailing_zeros() as usize);
            }
            return rest[at..]
                .iter()
                .position(|&b| b == b'"' || b == b'\\')
                .map(|k| from + at + k);
        }
        memchr::memchr2(b'"', b'\\', &rest[at..]).map(|k| from + at + k)
    }
    #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
    {
        // Four bits per byte (see `neon::quote_or_backslash16`).
        let hits =
            |at: usize| neon::quote_or_backslash16(rest[at..at + 16].try_into().expect("16 bytes"));
        let mut at = 0;
        while at + 16 <= rest.len() && at < 64 {
            let m = hits(at);
            if m != 0 {
                return Some(from + at + m.trailing_zeros() as usize / 4);
            }
            at += 16;
        }
        if at < 64 {
            // Fewer than 16 bytes left: the last 16 bytes of the input, minus those seen.
            if rest.len() >= 16 {
                let last = rest.len() - 16;
                // (`at - last` is 16 when nothing is left: no hit.)
                let m = hits(last).checked_shr(4 * (at - last) as u32).unwrap_or(0);
                return (m != 0).then(|| from + at + m.trailing_zeros() as usize / 4);
            }
            return rest[at..]
                .iter()
                .position(|&b| b == b'"' || b == b'\\')
                .map(|k| from + at + k);
        }
        memchr::memchr2(b'"', b'\\', &rest[at..]).map(|k| from + at + k)
    }
    #[cfg(not(any(
        all(target_arch = "x86_64", target_feature = "sse2"),
        all(target_arch = "aarch64", target_feature = "neon")
    )))]
    {
        const WORD: usize = 8;
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGHS: u64 = 0x8080_8080_8080_8080;
        let mut words = rest.chunks_exact(WORD);
        let mut scanned = 0;
        for word in (&mut words).take(64 / WORD) {
            let word = u64::from_le_bytes(word.try_into().expect("one word"));
            // The high bit of each matching byte; bits above the first match may be
            // spurious, and are not looked at.
            let equal = |byte: u8| {
                let x = word ^ (ONES * u64::from(byte));
                x.wrapping_sub(ONES) & !x & HIGHS
            };
            let hits = equal(b'"') | equal(b'\\');
            if hits != 0 {
                return Some(from + scanned + hits.trailing_zeros() as usize / 8);
            }
            scanned += WORD;
        }
        memchr::memchr2(b'"', b'\\', &rest[scanned..]).map(|k| from + scanned + k)
    }
}

/// Whether any byte is below 0x20 (a raw control character: JSON allows none in strings, and
/// the on-demand reader leaves lines with one, whitespace included, to the tape). AVX2 when
/// the CPU has it, NEON on aarch64 (baseline there, so no detection), else 64 bytes a step
/// in plain Rust.
#[inline]
pub(crate) fn has_control_byte(bytes: &[u8]) -> bool {
    #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
    {
        neon::has_control_byte(bytes)
    }
    #[cfg(not(all(target_arch = "aarch64", target_feature = "neon")))]
    {
        #[cfg(target_arch = "x86_64")]
        if avx2::available() {
            return avx2::has_control_byte(bytes);
        }
        portable_has_control_byte(bytes)
    }
}

/// [`has_control_byte`] in plain Rust: the minimum of each 64-byte block (which vectorises).
#[inline(always)]
#[cfg_attr(
    all(target_arch = "aarch64", target_feature = "neon", not(test)),
    allow(dead_code)
)]
fn portable_has_control_byte(bytes: &[u8]) -> bool {
    let mut blocks = bytes.chunks_exact(BLOCK);
    blocks.any(|block| block.iter().fold(u8::MAX, |low, &b| low.min(b)) < 0x20)
        || blocks.remainder().iter().any(|&b| b < 0x20)
}

/// The masks of `bytes`, a block of 64 at a time from its start, with `kernel`; the last block
/// is padded with spaces and its masks are cut to the input. Appends one [`Masks`] per block
/// to `out`.
pub fn classify(kernel: Kernel, bytes: &[u8], out: &mut Vec<Masks>) {
    match kernel {
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2 if avx2::available() => avx2::classify(bytes, out),
        #[cfg(target_arch = "aarch64")]
        Kernel::Neon if neon::available() => neon::classify(bytes, out),
        _ => Algo::<Portable>::classify(bytes, out),
    }
}

/// The oracle of [`classify`]: the same masks, computed a byte at a time with a two-state
/// machine (escaped or not, in a string or not).
pub fn naive_masks(bytes: &[u8], out: &mut Vec<Masks>) {
    let mut escaping = false;
    let mut in_string = false;
    for chunk in bytes.chunks(BLOCK) {
        let mut m = Masks::default();
        for (i, &b) in chunk.iter().enumerate() {
            let bit = 1u64 << i;
            let escaped = escaping;
            escaping = b == b'\\' && !escaped;
            if escaped {
                m.escaped |= bit;
            }
            if b == b'"' && !escaped {
                m.quote |= bit;
                if !in_string {
                    m.in_string |= bit;
                }
                in_string = !in_string;
                continue;
            }
            if in_string {
                m.in_string |= bit;
                continue;
            }
            match b {
                b'{' | b'[' => m.open |= bit,
                b'}' | b']' => m.close |= bit,
                b':' | b',' => m.separator |= bit,
                b' ' | b'\t' | b'\n' | b'\r' => m.space |= bit,
                _ => {}
            }
        }
        out.push(m);
    }
}

/// The oracle of [`Scanner::skip_value`], a byte at a time.
pub fn naive_skip_value(bytes: &[u8], at: usize) -> Option<usize> {
    let first = *bytes.get(at)?;
    match first {
        b',' | b':' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r' => None,
        b'{' | b'[' | b'"' => {
            let (mut escaping, mut in_string, mut depth) = (false, false, 0u32);
            for (i, &b) in bytes.iter().enumerate().skip(at) {
                let escaped = escaping;
                escaping = b == b'\\' && !escaped;
                if b == b'"' && !escaped {
                    in_string = !in_string;
                    if !in_string && first == b'"' {
                        return Some(i + 1);
                    }
                } else if !in_string {
                    match b {
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                return Some(i + 1);
                            }
                        }
                        _ => {}
                    }
                }
            }
            None
        }
        _ => Some(
            bytes[at..]
                .iter()
                .position(|b| b" \t\n\r,:{}[]\"".contains(b))
                .map_or(bytes.len(), |k| at + k),
        ),
    }
}

/// Skips values, finds members and iterates arrays over JSON bytes with one [`Kernel`].
///
/// Positions are byte indexes into the slice given to each call. A value's position is its
/// first byte (no whitespace before it). See the [module documentation](self) for what is and
/// is not checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scanner {
    kernel: Kernel,
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner::new()
    }
}

impl Scanner {
    /// A scanner with the fastest kernel of this CPU.
    pub fn new() -> Scanner {
        Scanner {
            kernel: Kernel::detect(),
        }
    }

    /// A scanner with `kernel`, or the portable one when this CPU cannot run it.
    pub fn with_kernel(kernel: Kernel) -> Scanner {
        let kernel = if kernel.runs_here() {
            kernel
        } else {
            Kernel::Portable
        };
        Scanner { kernel }
    }

    /// The kernel in use.
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }

    /// The index just after the value that starts at `at`: after the bracket that closes an
    /// object or array, after the quote that closes a string, at the first whitespace,
    /// separator, bracket or quote after a scalar (or the end). `None` when no value starts at
    /// `at` (out of bounds, whitespace, a separator or a closing bracket) or when a container
    /// or string is not closed before the end.
    ///
    /// ```
    /// use callq::scan::Scanner;
    ///
    /// let s = Scanner::new();
    /// assert_eq!(s.skip_value(br#"[1,"]",{"a":[]}] tail"#, 0), Some(16));
    /// assert_eq!(s.skip_value(br#""a\"b" tail"#, 0), Some(6));
    /// assert_eq!(s.skip_value(b"123,", 0), Some(3));
    /// assert_eq!(s.skip_value(b"[1,2", 0), None);
    /// ```
    #[inline]
    pub fn skip_value(&self, bytes: &[u8], at: usize) -> Option<usize> {
        match self.kernel {
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => avx2::skip_value(bytes, at),
            #[cfg(target_arch = "aarch64")]
            Kernel::Neon => neon::skip_value(bytes, at),
            _ => Algo::<Portable>::skip_value(bytes, at),
        }
    }

    /// In the object that starts at `object` (its `{`), the position of the value of the
    /// first member whose key is exactly `key` (compared as raw bytes, escapes included), or
    /// `None` when there is none or the object is malformed. The other members' values are
    /// skipped whole.
    ///
    /// ```
    /// use callq::scan::Scanner;
    ///
    /// let doc = br#"{ "a" : {"b": 1}, "b": [true] }"#;
    /// let at = Scanner::new().find_key(doc, 0, b"b").unwrap();
    /// assert_eq!(&doc[at..at + 6], b"[true]");
    /// ```
    pub fn find_key(&self, bytes: &[u8], object: usize, key: &[u8]) -> Option<usize> {
        if bytes.get(object) != Some(&b'{') {
            return None;
        }
        let mut at = skip_space(bytes, object + 1);
        if bytes.get(at) == Some(&b'}') {
            return None;
        }
        loop {
            if bytes.get(at) != Some(&b'"') {
                return None;
            }
            let key_end = self.skip_value(bytes, at)?;
            let colon = skip_space(bytes, key_end);
            if bytes.get(colon) != Some(&b':') {
                return None;
            }
            let value = skip_space(bytes, colon + 1);
            if &bytes[at + 1..key_end - 1] == key {
                return bytes.get(value).is_some().then_some(value);
            }
            let next = skip_space(bytes, self.skip_value(bytes, value)?);
            match bytes.get(next) {
                Some(b',') => at = skip_space(bytes, next + 1),
                _ => return None,
            }
        }
    }

    /// The elements of the array that starts at `array` (its `[`), as byte ranges, each
    /// skipped whole. The iteration ends at the closing bracket, or early on malformed input
    /// ([`Elements::is_complete`] tells which).
    ///
    /// ```
    /// use callq::scan::Scanner;
    ///
    /// let doc = br#"[ {"a":[1,2]}, "x,y" ,null]"#;
    /// let s = Scanner::new();
    /// let mut items = s.elements(doc, 0);
    /// let found: Vec<&[u8]> = items.by_ref().map(|r| &doc[r]).collect();
    /// assert_eq!(found, [&br#"{"a":[1,2]}"#[..], br#""x,y""#, b"null"]);
    /// assert!(items.is_complete());
    /// ```
    pub fn elements<'b>(&self, bytes: &'b [u8], array: usize) -> Elements<'b> {
        let (at, state) = if bytes.get(array) == Some(&b'[') {
            let at = skip_space(bytes, array + 1);
            if bytes.get(at) == Some(&b']') {
                (at + 1, ElementsState::Done)
            } else {
                (at, ElementsState::Next)
            }
        } else {
            (array, ElementsState::Failed)
        };
        Elements {
            scanner: *self,
            bytes,
            at,
            state,
        }
    }
}

/// The index of the first non-whitespace byte at or after `at` (or the end).
#[inline]
fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while matches!(bytes.get(at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        at += 1;
    }
    at
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ElementsState {
    Next,
    Done,
    Failed,
}

/// The iterator of [`Scanner::elements`].
#[derive(Clone, Debug)]
pub struct Elements<'b> {
    scanner: Scanner,
    bytes: &'b [u8],
    at: usize,
    state: ElementsState,
}

impl Elements<'_> {
    /// Whether the iteration reached the array's closing bracket (rather than stopping at
    /// malformed input, or not being done yet).
    pub fn is_complete(&self) -> bool {
        self.state == ElementsState::Done
    }

    /// After a complete iteration, the index just after the closing bracket.
    pub fn end(&self) -> Option<usize> {
        self.is_complete().then_some(self.at)
    }
}

impl Iterator for Elements<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        if self.state != ElementsState::Next {
            return None;
        }
        let start = self.at;
        let Some(end) = self.scanner.skip_value(self.bytes, start) else {
            self.state = ElementsState::Failed;
            return None;
        };
        let next = skip_space(self.bytes, end);
        match self.bytes.get(next) {
            Some(b',') => self.at = skip_space(self.bytes, next + 1),
            Some(b']') => {
                self.at = next + 1;
                self.state = ElementsState::Done;
            }
            _ => {
                self.state = ElementsState::Failed;
                return None;
            }
        }
        Some(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_agree(bytes: &[u8]) {
        let mut want = Vec::new();
        naive_masks(bytes, &mut want);
        for kernel in Kernel::available() {
            let mut got = Vec::new();
            classify(kernel, bytes, &mut got);
            assert_eq!(
                got,
                want,
                "{kernel:?} masks of {:?}",
                String::from_utf8_lossy(bytes)
            );
            let s = Scanner::with_kernel(kernel);
            for at in 0..=bytes.len() {
                assert_eq!(
                    s.skip_value(bytes, at),
                    naive_skip_value(bytes, at),
                    "{kernel:?} skip at {at} of {:?}",
                    String::from_utf8_lossy(bytes)
                );
            }
        }
        // The NEON kernel's other prefix XOR, for CPUs without PMULL (the one running the
        // tests, QEMU's included, usually has it, so `Kernel::Neon` takes the PMULL path).
        #[cfg(target_arch = "aarch64")]
        {
            let mut got = Vec::new();
            neon::classify_without_pmull(bytes, &mut got);
            assert_eq!(got, want, "NEON without PMULL: masks");
            for at in 0..=bytes.len() {
                assert_eq!(
                    neon::skip_value_without_pmull(bytes, at),
                    naive_skip_value(bytes, at),
                    "NEON without PMULL: skip at {at}"
                );
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 128,
            ..Default::default()
        })]

        /// Every kernel, and on aarch64 both NEON variants, against the oracles on bytes
        /// drawn mostly from JSON's structural characters.
        #[test]
        #[cfg_attr(miri, ignore = "proptest's file persistence needs isolation off")]
        fn kernels_agree_on_jsonish_bytes(
            data in proptest::collection::vec(
                proptest::sample::select(b"\"\\{}[]:, a\t\r\n\x1f\xff".to_vec()),
                0..200,
            )
        ) {
            all_agree(&data);
        }
    }

    #[test]
    fn kernel_names() {
        let detected = Kernel::detect();
        println!("scanner kernel on this CPU: {}", detected.description());
        assert!(Kernel::available().contains(&detected));
        assert!(detected.description().starts_with(detected.name()));
        if cfg!(all(target_arch = "aarch64", not(miri))) {
            assert_eq!(detected, Kernel::Neon);
        }
        if cfg!(not(target_arch = "aarch64")) {
            assert!(!Kernel::available().contains(&Kernel::Neon));
            assert_eq!(
                Scanner::with_kernel(Kernel::Neon).kernel(),
                Kernel::Portable
            );
        }
    }

    #[test]
    fn escapes_and_strings_across_blocks() {
        // Miri (the portable kernel: no CPU detection there) runs a smaller range.
        let most = if cfg!(miri) { 70 } else { 140 };
        for n in (0..most).step_by(if cfg!(miri) { 7 } else { 1 }) {
            let mut s = vec![b'['; 1];
            s.extend(std::iter::repeat_n(b' ', n));
            s.extend_from_slice(br#""a\\\"b\\",{"k":"]}\\"},"x"]"#);
            all_agree(&s);
            let mut t = vec![b'"'];
            t.extend(std::iter::repeat_n(b'\\', n));
            t.extend_from_slice(b"\"]\"[");
            all_agree(&t);
        }
    }

    #[test]
    fn nested_containers_longer_than_a_block() {
        let deep = format!("{}{}", "[{\"a\":".repeat(50), "1}]".repeat(50));
        all_agree(deep.as_bytes());
        assert_eq!(
            Scanner::new().skip_value(deep.as_bytes(), 0),
            Some(deep.len())
        );
    }

    #[test]
    fn control_bytes_everywhere() {
        for len in (0..300).step_by(if cfg!(miri) { 13 } else { 1 }) {
            for hit in 0..=len {
                // Around the limit and above the signed range: none of these counts.
                let mut s: Vec<u8> = [b' ', 0xff, b'a', 0x80]
                    .into_iter()
                    .cycle()
                    .take(len)
                    .collect();
                if hit < len {
                    s[hit] = 0x1f;
                }
                assert_eq!(has_control_byte(&s), hit < len);
                assert_eq!(portable_has_control_byte(&s), hit < len);
            }
        }
    }

    #[test]
    fn quote_or_backslash_everywhere() {
        for len in (0..150).step_by(if cfg!(miri) { 11 } else { 1 }) {
            for hit in (0..=len).step_by(if cfg!(miri) { 5 } else { 1 }) {
                for c in [b'"', b'\\'] {
                    let mut s = vec![b'a'; len];
                    if hit < len {
                        s[hit] = c;
                    }
                    for from in 0..=len + 1 {
                        let want = if from > len {
                            None
                        } else {
                            s[from..].iter().position(|&b| b == c).map(|k| from + k)
                        };
                        assert_eq!(quote_or_backslash(&s, from), want, "{len} {hit} {from}");
                    }
                }
            }
        }
    }
}
