//! The NEON kernel (aarch64). NEON is part of the aarch64 baseline, so its compares need no
//! detection; the prefix XOR of the quotes is a PMULL carry-less multiply when the CPU has the
//! `aes` extension (detected at run time: some cores, such as the Raspberry Pi 4's
//! Cortex-A72, lack it), else the portable kernel's six shifts.
//!
//! NEON has no `movemask`. The block is loaded deinterleaved (`ld4`: vector `k` holds bytes
//! `k, k + 4, k + 8 ..`), so that three shift-and-inserts and one narrowing shift turn a
//! class's four comparisons into its `u64`, byte 0 in bit 0 (see [`mask`]). (simdjson's
//! `to_bitmask`, a table of lane bits and three rounds of pairwise additions, was the first
//! version: LLVM compiled its 21 `addp` per block to 42 `uzp1`/`uzp2` and 7 `add`, and the
//! loop of `classify` to 233 instructions per block; this way needs no table and the loop is
//! 215. Counted in the disassembly, not timed: no aarch64 hardware was at hand.)
//!
//! Rust asks for `#[target_feature(enable = "neon")]` on every function that calls NEON
//! intrinsics even where the target enables NEON (as aarch64 targets all do), and calling
//! such a function from one without the attribute is `unsafe`: hence the small wrappers below.

use std::arch::aarch64::*;

use super::{Algo, BLOCK, Classify, Masks, Portable, Raw};

/// Whether this CPU runs the kernel (NEON: always on aarch64, but asked honestly).
#[inline]
pub(super) fn available() -> bool {
    std::arch::is_aarch64_feature_detected!("neon")
}

/// Whether this CPU has PMULL (`vmull_p64`, part of the `aes` extension).
#[inline]
pub(super) fn has_pmull() -> bool {
    std::arch::is_aarch64_feature_detected!("aes")
}

/// One class's 64-bit mask from its four comparison results (lanes all ones or zero) over a
/// block loaded by `vld4q_u8`, which deinterleaves: vector `k`'s lane `i` is byte `4i + k`.
/// Shift-right-and-insert (`sri`) gathers the four vectors' lanes `i` into bits 0..3 of one
/// byte (vector `k` in bit `k`, twice: both nibbles), and a narrowing shift (`shrn`) packs two
/// such nibbles per byte, so bit `4i + k`, byte `4i + k`'s bit, is in place.
#[inline]
#[target_feature(enable = "neon")]
fn mask(m: [uint8x16_t; 4]) -> u64 {
    let t0 = vsriq_n_u8::<1>(m[1], m[0]);
    let t1 = vsriq_n_u8::<1>(m[3], m[2]);
    let t2 = vsriq_n_u8::<2>(t1, t0);
    let t3 = vsriq_n_u8::<4>(t2, t2);
    let packed = vshrn_n_u16::<4>(vreinterpretq_u16_u8(t3));
    vget_lane_u64::<0>(vreinterpret_u64_u8(packed))
}

/// The raw classes of a block with NEON compares (shared by both kernels below).
#[inline]
#[target_feature(enable = "neon")]
fn raw_neon(block: &[u8; BLOCK]) -> Raw {
    // SAFETY: `vld4q_u8` reads 64 bytes from the pointer: the whole array, in bounds (no
    // alignment requirement).
    let v = unsafe { vld4q_u8(block.as_ptr()) };
    let v = [v.0, v.1, v.2, v.3];
    let eq = |v: [uint8x16_t; 4], c: u8| v.map(|x| vceqq_u8(x, vdupq_n_u8(c)));
    let or = |x: [uint8x16_t; 4], y: [uint8x16_t; 4]| [0, 1, 2, 3].map(|i| vorrq_u8(x[i], y[i]));
    // `[` is `{` with bit 5 clear, `]` is `}`: setting bit 5 folds each pair into one compare
    // (no other byte becomes `{` or `}`).
    let v20 = v.map(|x| vorrq_u8(x, vdupq_n_u8(0x20)));
    let separator = or(eq(v, b':'), eq(v, b','));
    let space = or(
        or(eq(v, b' '), eq(v, b'\t')),
        or(eq(v, b'\n'), eq(v, b'\r')),
    );
    let (quote, backslash) = (mask(eq(v, b'"')), mask(eq(v, b'\\')));
    let (open, close) = (mask(eq(v20, b'{')), mask(eq(v20, b'}')));
    let (separator, space) = (mask(separator), mask(space));
    Raw {
        quote,
        backslash,
        open,
        close,
        separator,
        space,
    }
}

/// NEON compares with PMULL's prefix XOR.
pub(super) struct NeonPmull;

impl Classify for NeonPmull {
    #[inline]
    #[target_feature(enable = "neon")]
    unsafe fn raw(block: &[u8; BLOCK]) -> Raw {
        raw_neon(block)
    }

    #[inline]
    #[target_feature(enable = "neon,aes")]
    unsafe fn prefix_xor(x: u64) -> u64 {
        // The caller runs this only on a CPU with PMULL (the trait's contract). A carry-less
        // multiply by all ones is the prefix XOR; its low half is the block's.
        vmull_p64(x, !0) as u64
    }
}

/// NEON compares with the portable prefix XOR (a CPU without PMULL).
pub(super) struct Neon;

impl Classify for Neon {
    #[inline]
    #[target_feature(enable = "neon")]
    unsafe fn raw(block: &[u8; BLOCK]) -> Raw {
        raw_neon(block)
    }

    #[inline(always)]
    unsafe fn prefix_xor(x: u64) -> u64 {
        // SAFETY: the portable kernel uses no CPU feature: it runs anywhere.
        unsafe { Portable::prefix_xor(x) }
    }
}

#[target_feature(enable = "neon,aes")]
fn classify_pmull(bytes: &[u8], out: &mut Vec<Masks>) {
    Algo::<NeonPmull>::classify(bytes, out)
}

#[target_feature(enable = "neon,aes")]
fn skip_value_pmull(bytes: &[u8], at: usize) -> Option<usize> {
    Algo::<NeonPmull>::skip_value(bytes, at)
}

#[target_feature(enable = "neon")]
fn classify_plain(bytes: &[u8], out: &mut Vec<Masks>) {
    Algo::<Neon>::classify(bytes, out)
}

#[target_feature(enable = "neon")]
fn skip_value_plain(bytes: &[u8], at: usize) -> Option<usize> {
    Algo::<Neon>::skip_value(bytes, at)
}

/// [`super::classify`] with this kernel. The caller has checked [`available`].
pub(super) fn classify(bytes: &[u8], out: &mut Vec<Masks>) {
    debug_assert!(available());
    if has_pmull() {
        // SAFETY: the caller checked `available()` (NEON) and `has_pmull()` says the CPU has
        // the `aes` extension (PMULL).
        unsafe { classify_pmull(bytes, out) }
    } else {
        // SAFETY: the caller checked `available()`: the CPU has NEON.
        unsafe { classify_plain(bytes, out) }
    }
}

/// [`super::Scanner::skip_value`] with this kernel. The caller has checked [`available`].
#[inline]
pub(super) fn skip_value(bytes: &[u8], at: usize) -> Option<usize> {
    debug_assert!(available());
    if has_pmull() {
        // SAFETY: as in `classify`.
        unsafe { skip_value_pmull(bytes, at) }
    } else {
        // SAFETY: as in `classify`.
        unsafe { skip_value_plain(bytes, at) }
    }
}

/// The kernel without PMULL, whatever the CPU has: the tests check it too, since the CPUs
/// (and QEMU's models) that run them usually have PMULL.
#[cfg(test)]
pub(super) fn classify_without_pmull(bytes: &[u8], out: &mut Vec<Masks>) {
    assert!(available());
    // SAFETY: the CPU has NEON (asserted).
    unsafe { classify_plain(bytes, out) }
}

/// See [`classify_without_pmull`].
#[cfg(test)]
pub(super) fn skip_value_without_pmull(bytes: &[u8], at: usize) -> Option<usize> {
    assert!(available());
    // SAFETY: the CPU has NEON (asserted).
    unsafe { skip_value_plain(bytes, at) }
}

/// [`super::has_control_byte`] with NEON (enabled at compile time, as on every aarch64
/// target): the unsigned minimum of 128 bytes, then one across-vector minimum (`uminv`).
#[cfg(target_feature = "neon")]
#[inline]
pub(super) fn has_control_byte(bytes: &[u8]) -> bool {
    // SAFETY: NEON is enabled at compile time (the cfg above), so the CPU has it.
    unsafe { has_control_byte_neon(bytes) }
}

#[inline]
#[target_feature(enable = "neon")]
fn has_control_byte_neon(bytes: &[u8]) -> bool {
    let mut wide = bytes.chunks_exact(128);
    for chunk in &mut wide {
        let p = chunk.as_ptr();
        // SAFETY: eight 16-byte loads at offsets 0, 16 .. 112 of a 128-byte chunk: all in
        // bounds (`vld1q_u8` has no alignment requirement).
        let v = unsafe { [0, 16, 32, 48, 64, 80, 96, 112].map(|at| vld1q_u8(p.add(at))) };
        let low = vminq_u8(
            vminq_u8(vminq_u8(v[0], v[1]), vminq_u8(v[2], v[3])),
            vminq_u8(vminq_u8(v[4], v[5]), vminq_u8(v[6], v[7])),
        );
        if vminvq_u8(low) < 0x20 {
            return true;
        }
    }
    let mut blocks = wide.remainder().chunks_exact(16);
    for block in &mut blocks {
        // SAFETY: the 16-byte load reads exactly the chunk, in bounds.
        let v = unsafe { vld1q_u8(block.as_ptr()) };
        if vminvq_u8(v) < 0x20 {
            return true;
        }
    }
    blocks.remainder().iter().any(|&b| b < 0x20)
}

/// The `"` and `\` of 16 bytes, four bits per byte (all ones for a hit, byte `i` in bits
/// `4i .. 4i + 4`): the comparison narrowed by `shrn` (NEON's usual stand-in for `movemask`
/// when only the first hit matters). For [`super::quote_or_backslash`].
#[cfg(target_feature = "neon")]
#[inline(always)]
pub(super) fn quote_or_backslash16(bytes: &[u8; 16]) -> u64 {
    // SAFETY: NEON is enabled at compile time (the cfg above), so the CPU has it.
    unsafe { quote_or_backslash16_neon(bytes) }
}

#[inline]
#[target_feature(enable = "neon")]
fn quote_or_backslash16_neon(bytes: &[u8; 16]) -> u64 {
    // SAFETY: a 16-byte load of a 16-byte array.
    let v = unsafe { vld1q_u8(bytes.as_ptr()) };
    let hits = vorrq_u8(
        vceqq_u8(v, vdupq_n_u8(b'"')),
        vceqq_u8(v, vdupq_n_u8(b'\\')),
    );
    let nibbles = vshrn_n_u16::<4>(vreinterpretq_u16_u8(hits));
    vget_lane_u64::<0>(vreinterpret_u64_u8(nibbles))
}
