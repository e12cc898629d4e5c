//! The property writer: one call per optional property of a Graph object, with the quirks of
//! real archives (properties written, written as `null` or absent; `Edm.Single` as integers,
//! in scientific notation or as `"NaN"`; `Edm.Int64` as decimal strings).
//!
//! Every call draws from the [`Rng`] in a fixed order: presence first, then the value (the
//! closure), then the quirks of the value's type. The corpus depends on that order, so it must
//! not change.

use super::rng::Rng;
use super::write::{
    TICKS_PER_MS, TsStyle, qs, sep, write_duration, write_escaped, write_fixed, write_i64,
    write_padded, write_ts, write_u64,
};

/// A JSON object being written, and the PRNG that decides what goes in it.
pub(super) struct Props<'a> {
    /// The output.
    pub(super) b: &'a mut Vec<u8>,
    /// The PRNG.
    pub(super) r: &'a mut Rng,
}

impl<'a> Props<'a> {
    /// Members written to `b`, decided by `r`.
    #[inline(always)]
    pub(super) fn new(b: &'a mut Vec<u8>, r: &'a mut Rng) -> Self {
        Props { b, r }
    }

    /// Writes `,"name":` (no comma after `{` or `[`).
    #[inline(always)]
    pub(super) fn key(&mut self, name: &str) {
        sep(self.b);
        self.b.push(b'"');
        self.b.extend_from_slice(name.as_bytes());
        self.b.extend_from_slice(b"\":");
    }

    /// An optional property: `null` once in `1000 / null_pm`, absent once in
    /// `1000 / absent_pm`, else written by `value`.
    #[inline(always)]
    pub(super) fn opt(
        &mut self,
        name: &str,
        null_pm: u64,
        absent_pm: u64,
        value: impl FnOnce(&mut Vec<u8>, &mut Rng),
    ) {
        let x = self.r.below(1000);
        if x < null_pm {
            self.key(name);
            self.b.extend_from_slice(b"null");
        } else if x >= null_pm + absent_pm {
            self.key(name);
            value(self.b, self.r);
        }
    }

    /// An optional `Edm.Single` with up to `dec` decimals (see [`single`]).
    #[inline(always)]
    pub(super) fn single(
        &mut self,
        name: &str,
        null_pm: u64,
        absent_pm: u64,
        dec: usize,
        value: impl FnOnce(&mut Rng) -> f64,
    ) {
        self.opt(name, null_pm, absent_pm, |b, r| {
            let v = value(r);
            single(b, r, v, dec)
        });
    }

    /// An optional `Edm.Int64`, sometimes written as a decimal string.
    #[inline(always)]
    pub(super) fn int64(
        &mut self,
        name: &str,
        null_pm: u64,
        absent_pm: u64,
        value: impl FnOnce(&mut Rng) -> i64,
    ) {
        self.opt(name, null_pm, absent_pm, |b, r| {
            let v = value(r);
            if r.chance(15) {
                b.push(b'"');
                write_i64(b, v);
                b.push(b'"');
            } else {
                write_i64(b, v);
            }
        });
    }

    /// An optional `Edm.Int32` (always a plain number).
    #[inline(always)]
    pub(super) fn int(
        &mut self,
        name: &str,
        null_pm: u64,
        absent_pm: u64,
        value: impl FnOnce(&mut Rng) -> i64,
    ) {
        self.opt(name, null_pm, absent_pm, |b, r| write_i64(b, value(r)));
    }

    /// An optional non-negative integer.
    #[inline(always)]
    pub(super) fn uint(
        &mut self,
        name: &str,
        null_pm: u64,
        absent_pm: u64,
        value: impl FnOnce(&mut Rng) -> u64,
    ) {
        self.opt(name, null_pm, absent_pm, |b, r| write_u64(b, value(r)));
    }

    /// An optional boolean.
    #[inline(always)]
    pub(super) fn boolean(
        &mut self,
        name: &str,
        null_pm: u64,
        absent_pm: u64,
        value: impl FnOnce(&mut Rng) -> bool,
    ) {
        self.opt(name, null_pm, absent_pm, |b, r| {
            b.extend_from_slice(if value(r) { b"true" } else { b"false" })
        });
    }

    /// An optional string that needs no escaping.
    #[inline(always)]
    pub(super) fn ascii(
        &mut self,
        name: &str,
        null_pm: u64,
        absent_pm: u64,
        value: impl FnOnce(&mut Rng) -> &'static [u8],
    ) {
        self.opt(name, null_pm, absent_pm, |b, r| qs(b, value(r)));
    }

    /// An optional string, escaped (with `ascii_only`, as [`write_escaped`]).
    #[inline(always)]
    pub(super) fn text(
        &mut self,
        name: &str,
        null_pm: u64,
        absent_pm: u64,
        ascii_only: bool,
        value: impl FnOnce(&mut Rng) -> &'static str,
    ) {
        self.opt(name, null_pm, absent_pm, |b, r| {
            write_escaped(b, value(r), ascii_only)
        });
    }

    /// An optional `Edm.Duration` of `value` 100-ns ticks.
    #[inline(always)]
    pub(super) fn duration(
        &mut self,
        name: &str,
        null_pm: u64,
        absent_pm: u64,
        value: impl FnOnce(&mut Rng) -> i64,
    ) {
        self.opt(name, null_pm, absent_pm, |b, r| write_duration(b, value(r)));
    }

    /// An optional `Edm.DateTimeOffset` at `value` ticks since the Unix epoch.
    #[inline(always)]
    pub(super) fn timestamp(
        &mut self,
        name: &str,
        null_pm: u64,
        absent_pm: u64,
        style: TsStyle,
        value: impl FnOnce(&mut Rng) -> i64,
    ) {
        self.opt(name, null_pm, absent_pm, |b, r| {
            write_ts(b, value(r), style)
        });
    }
}

/// Writes an `Edm.Single`: a number with up to `dec` decimals (integers stay integers),
/// rarely `"NaN"`.
#[inline]
pub(super) fn single(b: &mut Vec<u8>, r: &mut Rng, v: f64, dec: usize) {
    if r.below(20_000) == 0 {
        b.extend_from_slice(b"\"NaN\"");
    } else if v > 0.0 && v < 0.01 && r.chance(100) {
        // Scientific notation, as some serializers write small values (`3.5E-05`).
        let mut m = v;
        let mut e = 0;
        while m < 1.0 {
            m *= 10.0;
            e += 1;
        }
        write_fixed(b, m, 4);
        b.extend_from_slice(b"E-");
        write_padded(b, e, 2);
    } else {
        write_fixed(b, v, dec);
    }
}

/// A loss-like ratio: mostly exactly 0, else a heavy tail up to 1.
#[inline]
pub(super) fn ratio(r: &mut Rng, zero_pm: u64, median: f64, sigma: f64) -> f64 {
    if r.chance(zero_pm) {
        0.0
    } else {
        r.lognormal(median, sigma).min(1.0)
    }
}

/// Duration ticks from milliseconds, quantized the way Graph reports them (mostly whole ms).
#[inline]
pub(super) fn ms_ticks(r: &mut Rng, ms: f64) -> i64 {
    let t = (ms * TICKS_PER_MS as f64) as i64;
    match r.below(10) {
        0..=6 => t / TICKS_PER_MS * TICKS_PER_MS,
        7 | 8 => t / 1000 * 1000,
        _ => t,
    }
}
