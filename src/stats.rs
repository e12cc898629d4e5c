//! Mergeable, deterministic per-metric statistics.
//!
//! [`MetricStats`] accumulates one metric of one group: `count`, `nulls`, exact `min`/`max`,
//! a `mean` computed from an exact sum ([`ExactSum`]), and nearest-rank quantiles from a
//! bounded-memory [DDSketch](https://arxiv.org/abs/1908.10693) of this module's own, which
//! reproduces the buckets, merges and answers of the crate `sketches-ddsketch` 0.4 as callq
//! configured it (that crate is the tests' oracle), and can be written to a partial report.
//!
//! Every statistic is a function of the *multiset* of values added (and the number of nulls)
//! only: the order of [`MetricStats::add`] calls and the grouping of [`MetricStats::merge`]
//! calls never change a single bit of the results. That is what makes a parallel report
//! byte-identical whatever the number of threads.
//!
//! # Why DDSketch rather than HdrHistogram
//!
//! The metrics are floats spanning many decades (loss ratios of 1e-7, bandwidths of 4e9),
//! sometimes negative, mostly exactly zero, and the contract asks for a *relative* error bound.
//! DDSketch gives exactly that: a logarithmic bucket index `floor(ln v / ln γ)`, γ = (1+α)/(1−α),
//! and the representative `γ^k · 2γ/(1+γ)`, within α of every value of the bucket; a separate
//! store for negative values (indexed by `-v`); and an exact zero count for `|v| <= min_value`,
//! returned as `0.0`. HdrHistogram records `u64` only, with an absolute lowest discernible
//! value: floats would need a fixed scale (losing the relative bound for tiny values) and
//! negatives a second histogram.
//!
//! What `sketches-ddsketch` does, what this module's sketch does the same, and how it is used:
//!
//! * **Index** `floor(ln v / ln γ)`: computed here from the float's exponent and a 256-entry
//!   table of `log2` of the mantissa (linear interpolation, error below 3e-6 binades), which
//!   decides the bucket unless the estimate lies within 5e-4 of a bucket boundary (~0.1% of
//!   values, and subnormals): those take the original expression. So every index, hence every
//!   report, is the crate's, without `ln` or libm's `floor` per value (tested against the crate
//!   at every bucket boundary and on random values).
//! * **Merge** adds `u64` bin counts: order-independent. The crate's stores collapse their
//!   lowest bins past `max_num_bins` (which would depend on insertion history); callq configured
//!   it so that they never do, and this sketch's stores never collapse. Stores are dense
//!   `Vec<u64>` covering only the range of keys seen, so memory stays small for real data and
//!   bounded (≈ 1.3 MB, both signs, every bucket of the `f64` range) at worst.
//! * **Rank**: its `quantile(q)` picks the 0-based rank `floor(q·(n−1))`, not the contract's
//!   nearest rank ⌈q·n⌉; its `q = 0` and `q = 1` return the exact min and max. This module
//!   computes the nearest rank itself and asks the sketch for the middle of that rank, answers
//!   the first and last ranks with the exact min and max, and clamps estimates into [min, max].
//! * The crate's `sum` is a plain `f64` running sum (order-dependent) and it keeps its own min
//!   and max: this sketch keeps neither; the mean comes from [`ExactSum`].
//! * α is 0.009 for floats (1% minus a margin for `ln`/`exp` rounding) and 0.0045 for
//!   integers, so that rounding the estimate to an integer still stays within 1%.
//!
//! ```
//! use callq::stats::{MetricStats, Number, ValueKind};
//!
//! let mut a = MetricStats::new(ValueKind::Float);
//! a.add(0.0);
//! a.add(0.25);
//! a.add_null();
//! let mut b = MetricStats::new(ValueKind::Float);
//! b.add(0.5);
//! b.add(f64::NAN); // non-finite: counted as a null
//! a.merge(&b);
//! assert_eq!(a.count(), 3);
//! assert_eq!(a.nulls(), 2);
//! assert_eq!(a.mean(), Some(0.25));
//! assert_eq!(a.quantile(0.5), Some(Number::Float(0.25)));
//! assert_eq!(a.max(), Some(Number::Float(0.5)));
//! ```

use std::fmt;
use std::sync::LazyLock;

// ---------------------------------------------------------------------------------------------
// ExactSum
// ---------------------------------------------------------------------------------------------

/// Number of 32-bit-wide chunks: 64 cover the finite f64 range (2046 binary exponents of
/// 53-bit mantissas, in units of 2^-1074), the rest absorb carries (up to 2^64 terms).
const CHUNKS: usize = 67;
/// Terms that may be added between two carry propagations. After a propagation every chunk
/// but the top one is in [0, 2^32); each term adds less than 2^52 in magnitude to any chunk,
/// so 2^32 + 1024 * 2^52 < 2^63 can never overflow.
const CARRY_EVERY: u32 = 1024;

/// An exact, order-independent sum of `f64` values.
///
/// A fixed-point "superaccumulator" in the spirit of Radford Neal's *xsum* small accumulator:
/// the binary exponent range of `f64` is split into 67 signed 64-bit chunks, each holding 32
/// bits of weight, so every finite `f64` is added *exactly* with two integer additions (carries
/// are propagated every 1024 additions). [`ExactSum::value`] rounds the exact sum once, to
/// nearest, ties to even: the result is the correctly rounded sum, hence identical whatever
/// the order of [`add`](ExactSum::add) and [`merge`](ExactSum::merge) calls.
///
/// Infinities and NaN are tracked separately: the value is NaN if a NaN or both infinities
/// were added, otherwise ±∞ if one infinity was. A finite sum beyond the `f64` range is ±∞.
///
/// Size: 544 bytes inline, no heap allocation.
///
/// ```
/// use callq::stats::ExactSum;
///
/// let mut s = ExactSum::new();
/// for x in [1e100, 1.0, -1e100, 1e-30] {
///     s.add(x);
/// }
/// assert_eq!(s.value(), 1.0 + 1e-30); // a naive f64 sum gives 1e-30
///
/// let mut t = ExactSum::new();
/// t.add(0.1);
/// t.add(0.2);
/// s.merge(&t);
/// // Correctly rounded 1 + 0.1 + 0.2 + 1e-30; naive `1.0 + 0.1 + 0.2` is 1.3000000000000003.
/// assert_eq!(s.value(), 1.3);
/// ```
#[derive(Clone)]
pub struct ExactSum {
    chunks: [i64; CHUNKS],
    until_carry: u32,
    nan: bool,
    pos_inf: bool,
    neg_inf: bool,
}

impl Default for ExactSum {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ExactSum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ExactSum").field(&self.value()).finish()
    }
}

/// `x * 2^e`, with at most one rounding (at the last step) as long as `|x| >= 1`.
fn ldexp(mut x: f64, mut e: i32) -> f64 {
    let pow2 = |k: i32| f64::from_bits(((k + 1023) as u64) << 52); // k in -1022..=1023
    while e > 1000 {
        x *= pow2(1000);
        e -= 1000;
        if x.is_infinite() {
            return x;
        }
    }
    while e < -1000 {
        x *= pow2(-1000);
        e += 1000;
    }
    x * pow2(e)
}

impl ExactSum {
    /// An empty sum (value `0.0`).
    pub fn new() -> Self {
        ExactSum {
            chunks: [0; CHUNKS],
            until_carry: CARRY_EVERY,
            nan: false,
            pos_inf: false,
            neg_inf: false,
        }
    }

    /// Adds `x` exactly.
    #[inline]
    pub fn add(&mut self, x: f64) {
        let bits = x.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as u32;
        if biased == 0x7ff {
            self.add_special(x);
            return;
        }
        let frac = bits & ((1 << 52) - 1);
        // x = ±m * 2^(s - 1074), with m < 2^53 and s in 0..=2045.
        let (m, s) = if biased == 0 {
            (frac, 0)
        } else {
            (frac | (1 << 52), biased - 1)
        };
        let idx = (s >> 5) as usize;
        let sh = s & 31;
        let low = ((m << sh) & 0xffff_ffff) as i64; // bits that fall into chunk idx
        let high = (m >> (32 - sh)) as i64; // bits that fall into chunk idx + 1 (< 2^52)
        let neg = -((bits >> 63) as i64); // 0 or -1
        self.chunks[idx] += (low ^ neg) - neg;
        self.chunks[idx + 1] += (high ^ neg) - neg;
        self.until_carry -= 1;
        if self.until_carry == 0 {
            self.carry();
        }
    }

    #[cold]
    fn add_special(&mut self, x: f64) {
        if x.is_nan() {
            self.nan = true;
        } else if x > 0.0 {
            self.pos_inf = true;
        } else {
            self.neg_inf = true;
        }
    }

    /// Propagates carries: afterwards chunks `0..CHUNKS-1` are in `[0, 2^32)`.
    fn carry(&mut self) {
        for i in 0..CHUNKS - 1 {
            let c = self.chunks[i] >> 32;
            self.chunks[i] -= c << 32;
            self.chunks[i + 1] += c;
        }
        self.until_carry = CARRY_EVERY;
    }

    /// Adds every term of `other` to this sum, exactly.
    pub fn merge(&mut self, other: &Self) {
        // Below the top chunk, a sum with `used` terms added since its last carry holds less
        // than (used + 1) * 2^52 in any chunk (a normalised chunk is below 2^32). Two sums add
        // chunk by chunk into less than (used_a + used_b + 2) * 2^52, the bound of
        // `used_a + used_b + 1` terms: while that stays below CARRY_EVERY, no carry is needed
        // (67 independent additions instead of a copy and two serial carry passes).
        let used = 2 * CARRY_EVERY + 1 - self.until_carry - other.until_carry;
        if used < CARRY_EVERY {
            for (a, b) in self.chunks.iter_mut().zip(other.chunks.iter()) {
                *a += *b;
            }
            self.until_carry = CARRY_EVERY - used;
        } else {
            let mut o = other.clone();
            o.carry();
            self.carry();
            // Both normalised: chunks now stay below 2^33, within the bound of one term.
            for (a, b) in self.chunks.iter_mut().zip(o.chunks.iter()) {
                *a += *b;
            }
            self.until_carry = CARRY_EVERY - 1;
        }
        self.nan |= other.nan;
        self.pos_inf |= other.pos_inf;
        self.neg_inf |= other.neg_inf;
    }

    /// The exact finite sum as `(negative, mantissa, exponent)`: `±mantissa * 2^exponent`, where
    /// `mantissa` is the correctly rounded value of the top bits (`0.0` for an exact zero).
    fn finite_parts(&self) -> (bool, f64, i32) {
        let mut c = self.chunks;
        let norm = |c: &mut [i64; CHUNKS]| {
            for i in 0..CHUNKS - 1 {
                let k = c[i] >> 32;
                c[i] -= k << 32;
                c[i + 1] += k;
            }
        };
        norm(&mut c);
        let negative = c[CHUNKS - 1] < 0;
        if negative {
            for v in c.iter_mut() {
                *v = -*v;
            }
            norm(&mut c);
        }
        let Some(h) = c.iter().rposition(|&v| v != 0) else {
            return (false, 0.0, 0);
        };
        let lo = h.saturating_sub(2);
        let mut top: u128 = 0;
        for i in (lo..=h).rev() {
            top = (top << 32) | c[i] as u128;
        }
        // Anything below the 3-chunk window only matters as a sticky bit; the window holds at
        // least 65 significant bits when it has any bits below it.
        if c[..lo].iter().any(|&v| v != 0) {
            top |= 1;
        }
        (negative, top as f64, 32 * lo as i32 - 1074)
    }

    /// The special (non-finite) value of the sum, if any infinity or NaN was added.
    fn special(&self) -> Option<f64> {
        match (self.nan, self.pos_inf, self.neg_inf) {
            (true, _, _) | (false, true, true) => Some(f64::NAN),
            (false, true, false) => Some(f64::INFINITY),
            (false, false, true) => Some(f64::NEG_INFINITY),
            (false, false, false) => None,
        }
    }

    /// The sum, correctly rounded to the nearest `f64` (ties to even); `0.0` when empty.
    pub fn value(&self) -> f64 {
        if let Some(s) = self.special() {
            return s;
        }
        let (negative, m, e) = self.finite_parts();
        let v = ldexp(m, e);
        if negative { -v } else { v }
    }

    /// The sum divided by `n`, without intermediate overflow (deterministic, within a couple
    /// of ulps of the exact quotient). `None` if `n == 0`.
    pub fn mean(&self, n: u64) -> Option<f64> {
        if n == 0 {
            return None;
        }
        if let Some(s) = self.special() {
            return Some(s);
        }
        let (negative, m, e) = self.finite_parts();
        let v = ldexp(m / n as f64, e);
        Some(if negative { -v } else { v })
    }
}

// ---------------------------------------------------------------------------------------------
// MetricStats
// ---------------------------------------------------------------------------------------------

/// Whether a metric's values are integers (Edm.Int64) or floating point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// `f64` values; statistics are reported as [`Number::Float`].
    Float,
    /// `i64` values; `min`, `max` and quantiles are reported as [`Number::Int`].
    Integer,
}

/// A statistic's value: integer for Integer metrics, float otherwise.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    /// A statistic of an [`ValueKind::Integer`] metric.
    Int(i64),
    /// A statistic of a [`ValueKind::Float`] metric.
    Float(f64),
}

impl Number {
    /// The value as `f64` (rounded to nearest for integers beyond 2^53).
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}

/// Values of a group are kept exactly while there are at most this many (quantiles are then
/// exact); beyond that they go to the sketch.
pub const EXACT_VALUES: usize = 64;

/// Relative accuracy of the sketch for float metrics: below 1% with a margin for the
/// rounding of `ln`/`exp`.
const FLOAT_ALPHA: f64 = 0.009;
/// Relative accuracy for integer metrics: rounding the estimate to an integer then stays
/// within 1% (exact below ~111; `0.5 + 0.0045 v <= 0.01 v` above 91).
const INT_ALPHA: f64 = 0.0045;

// ---------------------------------------------------------------------------------------------
// Sketch
// ---------------------------------------------------------------------------------------------

/// Values `|v|` at most this count as zero (the smallest subnormal, as the configuration of
/// `sketches-ddsketch` this sketch reproduces had it).
const ZERO_BOUND: f64 = f64::from_bits(1);

/// Bits of the mantissa that index [`Log2Table`]: 256 intervals per binade.
const TABLE_BITS: u32 = 8;
/// The fast index is trusted when it is farther than this from a bucket boundary (in buckets).
/// Its error is below 1.1e-4 buckets for float metrics and 2.2e-4 for integer ones (the chord
/// of `log2` over an interval of 2^-8 lies within 2.8e-6 of it, times 38.5 or 77 buckets per
/// binade), plus ~1e-11 of rounding: 5e-4 leaves a margin, and sends ~0.1% of values to `ln`.
const FAST_MARGIN: f64 = 5e-4;

/// `log2(1 + i/256)` for `i` in `0..=256`, as (value, slope to the next entry) pairs.
#[derive(Debug)]
struct Log2Table([(f64, f64); 1 << TABLE_BITS]);

static LOG2_TABLE: LazyLock<Log2Table> = LazyLock::new(|| {
    let at = |i: usize| (1.0 + i as f64 / (1 << TABLE_BITS) as f64).log2();
    let mut t = [(0.0, 0.0); 1 << TABLE_BITS];
    for (i, e) in t.iter_mut().enumerate() {
        *e = (at(i), at(i + 1) - at(i));
    }
    Log2Table(t)
});

/// DDSketch's logarithmic index mapping with relative accuracy α, exactly as
/// `sketches-ddsketch` 0.4 computes it: γ = (1+α)/(1−α), the index of `v > 0` is
/// `floor(ln v / ln γ)` and the value of index `k` is `γ^k · 2γ/(1+γ)`.
///
/// The index is computed without `ln` for almost every value: the binary exponent of `v` plus
/// a linear interpolation of `log2` of its mantissa in a 256-entry table gives `log2 v` within
/// 2.8e-6, hence the index within a few 1e-4; when that estimate is farther than
/// [`FAST_MARGIN`] from a bucket boundary it is the index, otherwise (about one value in a
/// thousand, and every subnormal) the original expression decides. So every index equals the
/// original's, bit for bit, and every report is the same as with `sketches-ddsketch`.
#[derive(Clone, Copy, Debug)]
struct Mapping {
    gamma: f64,
    gamma_ln: f64,
    /// Buckets per binade: `ln 2 / ln γ`.
    per_binade: f64,
    table: &'static Log2Table,
}

impl Mapping {
    fn new(alpha: f64) -> Self {
        // The same expressions as sketches_ddsketch::Config::new.
        let gamma = (1.0 + alpha) / (1.0 - alpha);
        let gamma_ln = gamma.ln();
        Mapping {
            gamma,
            gamma_ln,
            per_binade: std::f64::consts::LN_2 / gamma_ln,
            table: &LOG2_TABLE,
        }
    }

    /// The index of `v`, for `v > ZERO_BOUND` (finite).
    #[inline]
    fn index(&self, v: f64) -> i32 {
        let bits = v.to_bits();
        let biased = (bits >> 52) as i64;
        if biased == 0 {
            return self.exact_index(v);
        }
        let i = ((bits >> (52 - TABLE_BITS)) & ((1 << TABLE_BITS) - 1)) as usize;
        let low = bits & ((1 << (52 - TABLE_BITS)) - 1);
        let (base, slope) = self.table.0[i];
        let frac = low as f64 * (1.0 / (1u64 << (52 - TABLE_BITS)) as f64);
        let x = ((biased - 1023) as f64 + base + frac * slope) * self.per_binade;
        // floor without libm's `floor` (the baseline x86-64 has no rounding instruction).
        let t = x as i32;
        let k = t - i32::from((t as f64) > x);
        let f = x - k as f64;
        if !(FAST_MARGIN..=1.0 - FAST_MARGIN).contains(&f) {
            return self.exact_index(v);
        }
        k
    }

    /// The original expression: `floor(ln v / ln γ)`.
    #[cold]
    #[inline(never)]
    fn exact_index(&self, v: f64) -> i32 {
        (v.ln() / self.gamma_ln).floor() as i32
    }

    /// The value reported for index `k` (the original's expression).
    fn value(&self, k: i32) -> f64 {
        ((k as f64) * self.gamma_ln).exp() * (2.0 * self.gamma / (1.0 + self.gamma))
    }

    /// The smallest and largest index of a value in `(ZERO_BOUND, f64::MAX]`.
    fn index_range(&self) -> (i32, i32) {
        (self.index(f64::from_bits(2)), self.index(f64::MAX))
    }
}

static FLOAT_MAPPING: LazyLock<Mapping> = LazyLock::new(|| Mapping::new(FLOAT_ALPHA));
static INT_MAPPING: LazyLock<Mapping> = LazyLock::new(|| Mapping::new(INT_ALPHA));

/// One sign's buckets: a dense array of counts over the range of indexes seen (grown in steps
/// of 128 buckets; never collapsed, so merging is exact and order-independent).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Store {
    bins: Vec<u64>,
    /// The index of `bins[0]`.
    offset: i32,
    count: u64,
}

const STORE_STEP: usize = 128;

impl Store {
    #[inline]
    fn add(&mut self, k: i32, n: u64) {
        let i = k.wrapping_sub(self.offset) as u32 as usize;
        if i >= self.bins.len() {
            self.grow(k, k);
        }
        self.bins[(k - self.offset) as usize] += n;
        self.count += n;
    }

    /// Makes the bins cover `lo..=hi` (and what they covered).
    #[cold]
    fn grow(&mut self, lo: i32, hi: i32) {
        if self.bins.is_empty() {
            self.offset = lo - (STORE_STEP / 2) as i32;
            let len = (hi - self.offset + 1) as usize;
            self.bins = vec![0; len.div_ceil(STORE_STEP) * STORE_STEP];
            return;
        }
        let end = self.offset + self.bins.len() as i32; // exclusive
        let new_lo = lo.min(self.offset);
        let new_hi = hi.max(end - 1);
        let len = ((new_hi - new_lo + 1) as usize).div_ceil(STORE_STEP) * STORE_STEP;
        let new_offset = if new_lo < self.offset {
            new_hi - len as i32 + 1 // growing down: the slack goes below
        } else {
            self.offset
        };
        let mut bins = vec![0; len];
        let at = (self.offset - new_offset) as usize;
        bins[at..at + self.bins.len()].copy_from_slice(&self.bins);
        self.bins = bins;
        self.offset = new_offset;
    }

    fn merge(&mut self, other: &Store) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = other.clone();
            return;
        }
        let (lo, hi) = other.key_range();
        self.grow(lo, hi);
        let theirs = &other.bins[(lo - other.offset) as usize..=(hi - other.offset) as usize];
        let at = (lo - self.offset) as usize;
        for (a, b) in self.bins[at..].iter_mut().zip(theirs) {
            *a += *b;
        }
        self.count += other.count;
    }

    /// The lowest and highest index with a non-zero count (the store must not be empty).
    fn key_range(&self) -> (i32, i32) {
        let first = self.bins.iter().position(|&c| c != 0).unwrap_or(0);
        let last = self.bins.iter().rposition(|&c| c != 0).unwrap_or(0);
        (self.offset + first as i32, self.offset + last as i32)
    }

    /// The index holding 0-based `rank` in increasing index order.
    fn key_at_rank(&self, rank: u64) -> i32 {
        let mut n = 0;
        for (i, &c) in self.bins.iter().enumerate() {
            n += c;
            if n > rank {
                return self.offset + i as i32;
            }
        }
        self.key_range().1
    }

    /// The non-zero buckets, in increasing index order.
    fn buckets(&self) -> impl Iterator<Item = (i32, u64)> + '_ {
        self.bins
            .iter()
            .enumerate()
            .filter(|(_, c)| **c != 0)
            .map(|(i, &c)| (self.offset + i as i32, c))
    }
}

/// The quantile sketch of a metric: DDSketch (relative accuracy α, one store per sign and an
/// exact count of zeros), owned so that it can be written to a partial report and indexed
/// without `ln` (see [`Mapping`]). Its buckets, merges and answers are those of
/// `sketches-ddsketch` 0.4 configured as this module did before (tested against it).
#[derive(Clone, Debug)]
struct Sketch {
    mapping: &'static Mapping,
    positive: Store,
    negative: Store,
    zeros: u64,
}

impl Sketch {
    fn new(kind: ValueKind) -> Self {
        Sketch {
            mapping: match kind {
                ValueKind::Float => &FLOAT_MAPPING,
                ValueKind::Integer => &INT_MAPPING,
            },
            positive: Store::default(),
            negative: Store::default(),
            zeros: 0,
        }
    }

    #[inline]
    fn add(&mut self, v: f64) {
        if v > ZERO_BOUND {
            self.positive.add(self.mapping.index(v), 1);
        } else if v < -ZERO_BOUND {
            self.negative.add(self.mapping.index(-v), 1);
        } else {
            self.zeros += 1;
        }
    }

    /// Allocates the buckets of `values` at once (each store grows once instead of a step at a
    /// time as they arrive); adds nothing.
    fn reserve(&mut self, values: impl Iterator<Item = f64>) {
        let (mut pos, mut neg) = ((f64::INFINITY, 0.0), (f64::INFINITY, 0.0));
        for v in values {
            let (range, a) = if v > ZERO_BOUND {
                (&mut pos, v)
            } else if v < -ZERO_BOUND {
                (&mut neg, -v)
            } else {
                continue;
            };
            range.0 = a.min(range.0);
            range.1 = a.max(range.1);
        }
        for (store, (lo, hi)) in [(&mut self.positive, pos), (&mut self.negative, neg)] {
            if lo <= hi {
                let (lo, hi) = (self.mapping.index(lo), self.mapping.index(hi));
                let end = store.offset + store.bins.len() as i32; // exclusive
                if store.bins.is_empty() || lo < store.offset || hi >= end {
                    store.grow(lo, hi);
                }
            }
        }
    }

    fn merge(&mut self, other: &Sketch) {
        self.positive.merge(&other.positive);
        self.negative.merge(&other.negative);
        self.zeros += other.zeros;
    }

    fn count(&self) -> u64 {
        self.positive.count + self.negative.count + self.zeros
    }

    /// `sketches_ddsketch::DDSketch::quantile` for `q` in (0, 1): the value at 0-based rank
    /// `floor(q · (n − 1))`.
    fn quantile(&self, q: f64) -> Option<f64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let rank = (q * (n as f64 - 1.0)) as u64;
        Some(if rank < self.negative.count {
            -self
                .mapping
                .value(self.negative.key_at_rank(self.negative.count - rank - 1))
        } else if rank < self.zeros + self.negative.count {
            0.0
        } else {
            self.mapping.value(
                self.positive
                    .key_at_rank(rank - self.zeros - self.negative.count),
            )
        })
    }

    /// Allocated buckets.
    fn length(&self) -> usize {
        self.positive.bins.len() + self.negative.bins.len()
    }
}

/// Exact minimum and maximum (and, for integers, the exact sum) in the representation of the
/// metric's kind, kept once there are more than [`EXACT_VALUES`] values (before that they are
/// computed from the kept values).
#[derive(Clone, Debug)]
enum Exact {
    Float { min: f64, max: f64 },
    Integer { sum: i128, min: i64, max: i64 },
}

/// What an accumulator needs only past [`EXACT_VALUES`] values: boxed, so that the many
/// small groups of a fine-grained `--by` stay small and merge by copying their values.
#[derive(Clone)]
struct Large {
    count: u64,
    exact: Exact,
    /// The exact float sum (unused for integer metrics, whose sum is an `i128` in `exact`).
    float_sum: ExactSum,
    sketch: Sketch,
}

impl Large {
    fn new(kind: ValueKind) -> Self {
        let exact = match kind {
            ValueKind::Float => Exact::Float {
                min: f64::INFINITY,
                max: f64::NEG_INFINITY,
            },
            ValueKind::Integer => Exact::Integer {
                sum: 0,
                min: i64::MAX,
                max: i64::MIN,
            },
        };
        Large {
            count: 0,
            exact,
            float_sum: ExactSum::new(),
            sketch: Sketch::new(kind),
        }
    }

    /// Adds a raw kept value (f64 or i64 bits by the kind of `exact`).
    #[inline]
    fn add_value(&mut self, bits: u64) {
        self.count += 1;
        match &mut self.exact {
            Exact::Float { min, max } => {
                let v = f64::from_bits(bits);
                *min = min.min(v);
                *max = max.max(v);
                self.float_sum.add(v);
                self.sketch.add(v);
            }
            Exact::Integer { sum, min, max } => {
                let v = bits as i64;
                *sum += v as i128;
                *min = (*min).min(v);
                *max = (*max).max(v);
                self.sketch.add(v as f64);
            }
        }
    }
}

/// The values of an accumulator: kept while there are at most [`EXACT_VALUES`], else summed up.
#[derive(Clone)]
enum Values {
    /// One value: no heap allocation, and no bigger than the `Vec` (so an accumulator stays
    /// 40 bytes): a high-cardinality grouping (`--by caller.userId,day`) makes most groups of
    /// a chunk this small.
    One(u64),
    /// Two values, likewise.
    Two([u64; 2]),
    /// Every value (f64 or i64 bits by kind); the count is its length. Empty (and unallocated)
    /// before the first value; at least three values once allocated.
    Small(Vec<u64>),
    /// More than [`EXACT_VALUES`] values: every one is in the sketch.
    Large(Box<Large>),
}

impl Values {
    /// The kept values, unless they are summed up in a sketch.
    #[inline]
    fn kept(&self) -> Option<&[u64]> {
        match self {
            Values::One(value) => Some(std::slice::from_ref(value)),
            Values::Two(values) => Some(values),
            Values::Small(small) => Some(small),
            Values::Large(_) => None,
        }
    }
}

/// Mergeable statistics of one metric of one group.
///
/// * `count` (present, finite values), `nulls`, `min` and `max` are exact;
/// * `mean` comes from an exact sum ([`ExactSum`] for floats, `i128` for integers) and is
///   within a couple of ulps of the exact mean;
/// * quantiles are nearest-rank (the value at 1-based rank ⌈q·count⌉ of the sorted values):
///   exact while the accumulator holds at most [`EXACT_VALUES`] values, otherwise estimated
///   by a DDSketch within 1% relative error (0 is exact, negative values are supported).
///
/// Every result is bit-for-bit independent of the order of `add` calls and of how
/// accumulators were grouped for `merge`. Memory is bounded: an accumulator is 40 bytes inline
/// (and nothing more while it has at most two values), keeps its first [`EXACT_VALUES`] values in a small
/// vector (the count, min, max and sums are computed from them), and only past those allocates
/// the exact extrema and sums and the sketch (so a grouping into a million small groups stays
/// cheap); values are never all kept; the
/// sketch is a dense array of `u64` bins covering the logarithmic range of the values seen
/// (about 110 bins per factor of 10 for float metrics, 220 for integer ones; allocated in
/// steps of 128 bins, one array for positive and one for negative values).
///
/// `-0.0` is recorded as `0.0`.
///
/// ```
/// use callq::stats::{MetricStats, Number, ValueKind};
///
/// let mut jitter = MetricStats::new(ValueKind::Float);
/// for i in 1..=1000 {
///     jitter.add(i as f64);
/// }
/// assert_eq!(jitter.count(), 1000);
/// assert_eq!(jitter.mean(), Some(500.5));
/// assert_eq!(jitter.min(), Some(Number::Float(1.0)));
/// let p90 = jitter.quantile(0.9).unwrap().as_f64();
/// assert!((p90 - 900.0).abs() <= 9.0); // within 1%
///
/// let mut bandwidth = MetricStats::new(ValueKind::Integer);
/// bandwidth.add_int(i64::MAX);
/// bandwidth.add_int(4294967295);
/// assert_eq!(bandwidth.max(), Some(Number::Int(i64::MAX)));
/// assert_eq!(bandwidth.quantile(0.5), Some(Number::Int(4294967295)));
/// ```
#[derive(Clone)]
pub struct MetricStats {
    kind: ValueKind,
    nulls: u64,
    values: Values,
}

impl fmt::Debug for MetricStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricStats")
            .field("kind", &self.kind)
            .field("count", &self.count())
            .field("nulls", &self.nulls)
            .field("mean", &self.mean())
            .field("min", &self.min())
            .field("max", &self.max())
            .field(
                "sketch_bins",
                &match &self.values {
                    Values::One(_) | Values::Two(_) | Values::Small(_) => 0,
                    Values::Large(l) => l.sketch.length(),
                },
            )
            .finish()
    }
}

impl MetricStats {
    /// An empty accumulator. Cheap: no heap allocation until the first value, and a small
    /// one until the 65th.
    pub fn new(kind: ValueKind) -> Self {
        MetricStats {
            kind,
            nulls: 0,
            values: Values::Small(Vec::new()),
        }
    }

    /// The kind of values this accumulator holds.
    pub fn kind(&self) -> ValueKind {
        self.kind
    }

    /// Adds a present value.
    ///
    /// Non-finite values (NaN, ±∞) are counted as nulls instead. For an
    /// [`Integer`](ValueKind::Integer) metric the value is rounded to the nearest integer
    /// (saturating at the `i64` range) and recorded as by [`add_int`](Self::add_int).
    #[inline]
    pub fn add(&mut self, value: f64) {
        if !value.is_finite() {
            self.nulls += 1;
            return;
        }
        match self.kind {
            ValueKind::Float => {
                let v = value + 0.0; // -0.0 -> 0.0
                self.keep(v.to_bits());
            }
            ValueKind::Integer => self.add_int(value.round() as i64),
        }
    }

    /// Adds a present integer value. Exact for [`Integer`](ValueKind::Integer) metrics; for a
    /// [`Float`](ValueKind::Float) metric it is converted to the nearest `f64` and added.
    #[inline]
    pub fn add_int(&mut self, value: i64) {
        match self.kind {
            ValueKind::Integer => self.keep(value as u64),
            ValueKind::Float => self.add(value as f64),
        }
    }

    /// Keeps a present value (raw bits by kind): in the small vector while there are at most
    /// [`EXACT_VALUES`], afterwards in the extrema, sums and sketch.
    #[inline]
    fn keep(&mut self, bits: u64) {
        match &mut self.values {
            Values::Large(large) => large.add_value(bits),
            Values::Small(small) if small.capacity() == 0 => self.values = Values::One(bits),
            Values::One(first) => self.values = Values::Two([*first, bits]),
            Values::Two([first, second]) => {
                let mut small = Vec::with_capacity(8);
                small.extend([*first, *second, bits]);
                self.values = Values::Small(small);
            }
            Values::Small(small) if small.len() < EXACT_VALUES => small.push(bits),
            Values::Small(_) => self.promote().add_value(bits),
        }
    }

    /// Moves the kept values into a new [`Large`] (on the first value past the exact buffer,
    /// or when a merge goes past it) and returns it.
    #[cold]
    fn promote(&mut self) -> &mut Large {
        let mut large = Box::new(Large::new(self.kind));
        let kept = self.values.kept().unwrap_or_default();
        large
            .sketch
            .reserve(kept.iter().map(|&bits| match self.kind {
                ValueKind::Float => f64::from_bits(bits),
                ValueKind::Integer => bits as i64 as f64,
            }));
        for &bits in kept {
            large.add_value(bits);
        }
        self.values = Values::Large(large);
        match &mut self.values {
            Values::Large(large) => large,
            _ => unreachable!("just promoted"),
        }
    }

    /// Counts a stream where the metric is absent (or not finite).
    #[inline]
    pub fn add_null(&mut self) {
        self.nulls += 1;
    }

    /// Merges `other` into `self`, as if every value and null of `other` had been added here.
    ///
    /// # Panics
    /// If the two accumulators have different [`ValueKind`]s.
    pub fn merge(&mut self, other: &MetricStats) {
        assert_eq!(self.kind, other.kind, "merging metrics of different kinds");
        self.nulls += other.nulls;
        if other.count() == 0 {
            return;
        }
        if self.count() + other.count() <= EXACT_VALUES as u64 {
            // Both are small (a large accumulator holds more than EXACT_VALUES values).
            // (so no value here promotes).
            for &bits in other.values.kept().unwrap_or_default() {
                self.keep(bits);
            }
            return;
        }
        let large = match &mut self.values {
            Values::Large(large) => large,
            _ => self.promote(),
        };
        match &other.values {
            Values::One(_) | Values::Two(_) | Values::Small(_) => {
                for &bits in other.values.kept().unwrap_or_default() {
                    large.add_value(bits);
                }
            }
            Values::Large(theirs) => {
                large.count += theirs.count;
                match (&mut large.exact, &theirs.exact) {
                    (
                        Exact::Float { min, max },
                        Exact::Float {
                            min: omin,
                            max: omax,
                        },
                    ) => {
                        *min = min.min(*omin);
                        *max = max.max(*omax);
                    }
                    (
                        Exact::Integer { sum, min, max },
                        Exact::Integer {
                            sum: osum,
                            min: omin,
                            max: omax,
                        },
                    ) => {
                        *sum += *osum;
                        *min = (*min).min(*omin);
                        *max = (*max).max(*omax);
                    }
                    _ => unreachable!("kinds checked above"),
                }
                large.float_sum.merge(&theirs.float_sum);
                large.sketch.merge(&theirs.sketch);
            }
        }
    }

    /// Number of present, finite values.
    pub fn count(&self) -> u64 {
        match &self.values {
            Values::One(_) => 1,
            Values::Two(_) => 2,
            Values::Small(small) => small.len() as u64,
            Values::Large(large) => large.count,
        }
    }

    /// Number of nulls (absent or non-finite values).
    pub fn nulls(&self) -> u64 {
        self.nulls
    }

    /// The mean of the values, `None` if there are none.
    pub fn mean(&self) -> Option<f64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let small = match &self.values {
            Values::Large(large) => {
                return match large.exact {
                    Exact::Integer { sum, .. } => Some(sum as f64 / n as f64),
                    Exact::Float { .. } => large.float_sum.mean(n),
                };
            }
            values => values.kept().unwrap_or_default(),
        };
        match self.kind {
            ValueKind::Integer => {
                let sum: i128 = small.iter().map(|&b| b as i64 as i128).sum();
                Some(sum as f64 / n as f64)
            }
            ValueKind::Float => {
                let mut sum = ExactSum::new();
                for &bits in small {
                    sum.add(f64::from_bits(bits));
                }
                sum.mean(n)
            }
        }
    }

    /// The smallest (`max == false`) or largest value, exact; `None` if there are none.
    fn extreme(&self, max: bool) -> Option<Number> {
        match &self.values {
            Values::Large(large) => Some(match large.exact {
                Exact::Float { min, max: hi } => Number::Float(if max { hi } else { min }),
                Exact::Integer { min, max: hi, .. } => Number::Int(if max { hi } else { min }),
            }),
            values => {
                let small = values.kept().unwrap_or_default();
                if small.is_empty() {
                    return None;
                }
                Some(match self.kind {
                    ValueKind::Float => {
                        let vals = small.iter().map(|&b| f64::from_bits(b));
                        Number::Float(if max {
                            vals.fold(f64::NEG_INFINITY, f64::max)
                        } else {
                            vals.fold(f64::INFINITY, f64::min)
                        })
                    }
                    ValueKind::Integer => {
                        let vals = small.iter().map(|&b| b as i64);
                        Number::Int(if max {
                            vals.max().unwrap_or(i64::MIN)
                        } else {
                            vals.min().unwrap_or(i64::MAX)
                        })
                    }
                })
            }
        }
    }

    /// The smallest value (exact), `None` if there are none.
    pub fn min(&self) -> Option<Number> {
        self.extreme(false)
    }

    /// The largest value (exact), `None` if there are none.
    pub fn max(&self) -> Option<Number> {
        self.extreme(true)
    }

    /// Nearest-rank quantile, q in (0, 1]: the value at 1-based rank ⌈q·count⌉ of the sorted
    /// values (⌈q·count⌉ computed in `f64`).
    ///
    /// Exact while `count <= EXACT_VALUES`, and always exact when the rank is the first or
    /// the last one, or when the value at that rank is 0; otherwise within 1% relative error.
    /// Integer metrics report the estimate rounded to the nearest integer.
    ///
    /// `None` if there are no values or `q` is not in (0, 1].
    pub fn quantile(&self, q: f64) -> Option<Number> {
        let n = self.count();
        // Written so that NaN fails too.
        #[allow(clippy::neg_cmp_op_on_partial_ord)]
        if n == 0 || !(q > 0.0 && q <= 1.0) {
            return None;
        }
        let rank = ((q * n as f64).ceil() as u64).clamp(1, n); // 1-based
        let large = match &self.values {
            Values::Large(large) => large,
            values => {
                let small = values.kept().unwrap_or_default();
                return Some(self.small_quantile(small, rank as usize));
            }
        };
        let (min, max) = (self.min()?, self.max()?);
        if rank == 1 {
            return Some(min);
        }
        if rank == n {
            return Some(max);
        }
        // DDSketch picks the 0-based rank floor(q' * (n - 1)); aim at the middle of the
        // wanted one so that rounding cannot move it.
        let q_sketch = ((rank - 1) as f64 + 0.5) / (n - 1) as f64;
        let estimate = large.sketch.quantile(q_sketch)?;
        Some(match (min, max) {
            (Number::Float(lo), Number::Float(hi)) => Number::Float(estimate.clamp(lo, hi)),
            (Number::Int(lo), Number::Int(hi)) => {
                Number::Int((estimate.round() as i64).clamp(lo, hi))
            }
            _ => unreachable!("min and max have the same kind"),
        })
    }

    /// The exact value at 1-based `rank` of the kept values.
    fn small_quantile(&self, small: &[u64], rank: usize) -> Number {
        let mut vals = small.to_vec();
        match self.kind {
            ValueKind::Float => {
                vals.sort_unstable_by(|a, b| f64::from_bits(*a).total_cmp(&f64::from_bits(*b)));
                Number::Float(f64::from_bits(vals[rank - 1]))
            }
            ValueKind::Integer => {
                vals.sort_unstable_by_key(|&v| v as i64);
                Number::Int(vals[rank - 1] as i64)
            }
        }
    }

    /// Approximate memory used by this accumulator: its inline size plus the kept values or
    /// the sketch's bins.
    pub fn memory_bytes(&self) -> usize {
        let heap = match &self.values {
            Values::One(_) | Values::Two(_) => 0,
            Values::Small(small) => small.capacity() * std::mem::size_of::<u64>(),
            Values::Large(l) => {
                std::mem::size_of::<Large>() + l.sketch.length() * std::mem::size_of::<u64>()
            }
        };
        std::mem::size_of::<Self>() + heap
    }
}

// ---------------------------------------------------------------------------------------------
// The partial format (docs/partial-format.md, "Metric")
// ---------------------------------------------------------------------------------------------

use crate::partial::codec::{DecodeError, Reader, Writer};

/// Most buckets the stores decoded from one partial may span, beyond 256 per byte of it: a
/// partial of a few bytes cannot make its reader allocate gigabytes.
pub(crate) const DECODE_BUCKETS_BASE: u64 = 1 << 20;

impl ExactSum {
    /// Flags (NaN, +∞, −∞), then the non-zero range of the normalised chunks.
    fn encode(&self, w: &mut Writer) {
        let mut c = self.clone();
        c.carry();
        w.u8(u8::from(c.nan) | u8::from(c.pos_inf) << 1 | u8::from(c.neg_inf) << 2);
        match c.chunks.iter().position(|&v| v != 0) {
            None => w.uvar(0),
            Some(lo) => {
                let hi = c.chunks.iter().rposition(|&v| v != 0).unwrap_or(lo);
                w.uvar((hi - lo + 1) as u64);
                w.uvar(lo as u64);
                for &v in &c.chunks[lo..=hi] {
                    w.svar(v);
                }
            }
        }
    }

    /// Reads what [`encode`](Self::encode) wrote: the sum of `count` values.
    fn decode(r: &mut Reader<'_>, count: u64) -> Result<Self, DecodeError> {
        let flags = r.u8("sum flags")?;
        if flags > 7 {
            return Err(r.error(format!(
                "sum flags {flags} are not a combination of 1, 2, 4"
            )));
        }
        let mut s = ExactSum::new();
        s.nan = flags & 1 != 0;
        s.pos_inf = flags & 2 != 0;
        s.neg_inf = flags & 4 != 0;
        let len = r.uvar_max(CHUNKS as u64, "sum length")? as usize;
        if len > 0 {
            let lo = r.uvar_max((CHUNKS - len) as u64, "sum start")? as usize;
            // Each finite value is below 2^1024, a 2^-14 of the top chunk's unit.
            let top_max = (count >> 14) as i64 + 2;
            for i in lo..lo + len {
                let v = r.svar("sum chunk")?;
                let ok = if i == CHUNKS - 1 {
                    v.unsigned_abs() <= top_max as u64
                } else {
                    (0..1 << 32).contains(&v)
                };
                if !ok {
                    return Err(r.error(format!("sum chunk {i} holds {v}, out of its range")));
                }
                if v == 0 && (i == lo || i == lo + len - 1) {
                    return Err(r.error("the sum's chunk range starts or ends with a zero"));
                }
                s.chunks[i] = v;
            }
        }
        Ok(s)
    }
}

impl Store {
    /// The number of non-zero buckets, then the first one's index and count, then for each
    /// next one the gap from the previous index and its count.
    fn encode(&self, w: &mut Writer) {
        w.uvar(self.buckets().count() as u64);
        let mut prev = None;
        for (k, c) in self.buckets() {
            match prev {
                None => w.svar(i64::from(k)),
                Some(p) => w.uvar((k - p) as u64),
            }
            w.uvar(c);
            prev = Some(k);
        }
    }

    fn decode(
        r: &mut Reader<'_>,
        (lo, hi): (i32, i32),
        buckets: &mut u64,
    ) -> Result<Self, DecodeError> {
        let n = r.count(2, "bucket count")?;
        // Every bucket is read and checked first, so that the bins are allocated once, over
        // their whole span (growing them a step at a time cost more than the reading).
        let mut read = Vec::with_capacity(n);
        let mut count = 0u64;
        let mut k = 0i64;
        for i in 0..n {
            if i == 0 {
                k = r.svar("bucket index")?;
            } else {
                let gap = r.uvar("bucket gap")?;
                if gap == 0 {
                    return Err(r.error("bucket gap of 0: indexes must increase"));
                }
                k = k.saturating_add(i64::try_from(gap).unwrap_or(i64::MAX));
            }
            if k < i64::from(lo) || k > i64::from(hi) {
                return Err(r.error(format!("bucket index {k} is outside {lo}..={hi}")));
            }
            let c = r.uvar("bucket count")?;
            if c == 0 {
                return Err(r.error("a bucket with a count of 0"));
            }
            count = count
                .checked_add(c)
                .ok_or_else(|| r.error("bucket counts overflow"))?;
            read.push((k as i32, c));
        }
        let mut store = Store::default();
        if let (Some(&(first, _)), Some(&(last, _))) = (read.first(), read.last()) {
            // The first step of bins is free; the rest of the span counts against the budget.
            let span = (i64::from(last) - i64::from(first)) as u64 + 1;
            let grow = span.saturating_sub(STORE_STEP as u64);
            if grow > *buckets {
                return Err(
                    r.error("the sketches span more buckets than a partial of this size can")
                );
            }
            *buckets -= grow;
            store.grow(first, last);
            for (k, c) in read {
                store.bins[(k - store.offset) as usize] = c;
            }
            store.count = count;
        }
        Ok(store)
    }
}

impl Sketch {
    fn encode(&self, w: &mut Writer) {
        w.uvar(self.zeros);
        self.positive.encode(w);
        self.negative.encode(w);
    }

    fn decode(r: &mut Reader<'_>, kind: ValueKind, buckets: &mut u64) -> Result<Self, DecodeError> {
        let mut s = Sketch::new(kind);
        let range = s.mapping.index_range();
        s.zeros = r.uvar("zero count")?;
        s.positive = Store::decode(r, range, buckets)?;
        s.negative = Store::decode(r, range, buckets)?;
        Ok(s)
    }
}

impl MetricStats {
    /// Writes the accumulator: `nulls`, `count`, then the values (sorted) while there are at
    /// most [`EXACT_VALUES`], else the extrema, the exact sum and the sketch.
    pub(crate) fn encode(&self, w: &mut Writer) {
        w.uvar(self.nulls);
        w.uvar(self.count());
        match &self.values {
            Values::Large(large) => {
                match large.exact {
                    Exact::Float { min, max } => {
                        w.f64(min);
                        w.f64(max);
                        large.float_sum.encode(w);
                    }
                    Exact::Integer { sum, min, max } => {
                        w.svar(min);
                        w.svar(max);
                        w.i128_le(sum);
                    }
                }
                large.sketch.encode(w);
            }
            values => {
                let mut kept = values.kept().unwrap_or_default().to_vec();
                match self.kind {
                    ValueKind::Float => {
                        kept.sort_unstable_by(|a, b| {
                            f64::from_bits(*a).total_cmp(&f64::from_bits(*b))
                        });
                        for bits in kept {
                            w.f64(f64::from_bits(bits));
                        }
                    }
                    ValueKind::Integer => {
                        kept.sort_unstable_by_key(|&v| v as i64);
                        for v in kept {
                            w.svar(v as i64);
                        }
                    }
                }
            }
        }
    }

    /// Reads what [`encode`](Self::encode) wrote, checking that it is a state some run could
    /// have reached (so that merging and reporting it cannot fail). `buckets` is what is left
    /// of the partial's budget of sketch buckets.
    pub(crate) fn decode(
        r: &mut Reader<'_>,
        kind: ValueKind,
        buckets: &mut u64,
    ) -> Result<Self, DecodeError> {
        let mut m = MetricStats::new(kind);
        m.nulls = r.uvar("nulls")?;
        let count = r.uvar("count")?;
        if count <= EXACT_VALUES as u64 {
            let mut last: Option<u64> = None;
            for _ in 0..count {
                let bits = match kind {
                    ValueKind::Float => {
                        let v = r.f64("value")?;
                        // Finite, not -0.0, ascending: the one encoding of these values.
                        if !v.is_finite() || v.to_bits() == (-0.0f64).to_bits() {
                            return Err(r.error("a kept value is not finite, or is -0.0"));
                        }
                        if last.is_some_and(|l| f64::from_bits(l) > v) {
                            return Err(r.error("kept values are not in ascending order"));
                        }
                        v.to_bits()
                    }
                    ValueKind::Integer => {
                        let v = r.svar("value")?;
                        if last.is_some_and(|l| l as i64 > v) {
                            return Err(r.error("kept values are not in ascending order"));
                        }
                        v as u64
                    }
                };
                m.keep(bits);
                last = Some(bits);
            }
            return Ok(m);
        }
        let mut large = Box::new(Large::new(kind));
        large.count = count;
        large.exact = match kind {
            ValueKind::Float => {
                let (min, max) = (r.f64("min")?, r.f64("max")?);
                // `!(min <= max)` also refuses NaN.
                #[allow(clippy::neg_cmp_op_on_partial_ord)]
                if !(min.is_finite() && max.is_finite() && min <= max) {
                    return Err(r.error(format!(
                        "min {min} and max {max} are not finite and ordered"
                    )));
                }
                large.float_sum = ExactSum::decode(r, count)?;
                Exact::Float { min, max }
            }
            ValueKind::Integer => {
                let (min, max) = (r.svar("min")?, r.svar("max")?);
                let sum = r.i128_le("sum")?;
                let bound = i128::from(count) << 63;
                if min > max || sum.unsigned_abs() > bound as u128 {
                    return Err(r.error("integer min, max and sum are inconsistent"));
                }
                Exact::Integer { sum, min, max }
            }
        };
        large.sketch = Sketch::decode(r, kind, buckets)?;
        let sketch = &large.sketch;
        let held = sketch
            .zeros
            .checked_add(sketch.positive.count)
            .and_then(|n| n.checked_add(sketch.negative.count));
        if held != Some(count) {
            return Err(r.error(format!(
                "the sketch does not hold the {count} values counted"
            )));
        }
        m.values = Values::Large(large);
        Ok(m)
    }
}

impl MetricStats {
    /// About the heap memory this accumulator holds beyond its own 40 bytes: the kept values'
    /// vector, or the boxed extrema, sums and sketch bins (what deduplication counts against
    /// its budget for the batch accumulators it keeps).
    pub fn heap_bytes(&self) -> usize {
        match &self.values {
            Values::One(_) | Values::Two(_) => 0,
            Values::Small(small) => small.capacity() * 8,
            Values::Large(large) => {
                std::mem::size_of::<Large>()
                    + (large.sketch.positive.bins.capacity()
                        + large.sketch.negative.bins.capacity())
                        * 8
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_sum_survives_many_carries() {
        let mut s = ExactSum::new();
        for _ in 0..3_000_000 {
            s.add(0.1);
        }
        // 3e6 * fl(0.1), correctly rounded.
        assert_eq!(s.value(), 300000.0); // exact sum is 300000.0000000000166533...
        let mut big = ExactSum::new();
        for _ in 0..5000 {
            big.add(f64::MAX);
            big.add(-f64::MAX);
        }
        big.add(-1.0);
        assert_eq!(big.value(), -1.0);
    }

    /// Merges without a carry (while the terms since the last carries allow it) give the
    /// same sum, and the same normalised chunks, as adding every value to one sum.
    #[test]
    fn exact_sum_merges_without_carrying_agree_with_adding() {
        let values: Vec<f64> = (0..5000)
            .map(|i| match i % 5 {
                0 => f64::MAX / 3.0,
                1 => -f64::MAX / 7.0,
                2 => 1e-300 * i as f64,
                3 => -(i as f64) * 0.1,
                _ => f64::from_bits(1 + i as u64),
            })
            .collect();
        let mut one = ExactSum::new();
        values.iter().for_each(|&v| one.add(v));
        let normalised = |s: &ExactSum| {
            let mut c = s.clone();
            c.carry();
            c.chunks
        };
        // One value a sum, merged one by one: `used` grows by two a merge and crosses the
        // carry threshold again and again.
        let mut chain = ExactSum::new();
        for &v in &values {
            let mut single = ExactSum::new();
            single.add(v);
            chain.merge(&single);
        }
        // Runs just below CARRY_EVERY, merged from the last: the carrying path too.
        let mut runs: Vec<ExactSum> = values
            .chunks(1023)
            .map(|run| {
                let mut s = ExactSum::new();
                run.iter().for_each(|&v| s.add(v));
                s
            })
            .collect();
        while runs.len() > 1 {
            let later = runs.pop().expect("two or more");
            runs.last_mut().expect("one or more").merge(&later);
        }
        for merged in [&chain, &runs[0]] {
            assert_eq!(merged.value().to_bits(), one.value().to_bits());
            assert_eq!(normalised(merged), normalised(&one));
            assert!(merged.until_carry >= 1 && merged.until_carry <= CARRY_EVERY);
        }
    }

    #[test]
    fn exact_sum_overflow_subnormal_and_specials() {
        let mut s = ExactSum::new();
        s.add(f64::MAX);
        s.add(f64::MAX);
        assert_eq!(s.value(), f64::INFINITY);
        assert_eq!(s.mean(2), Some(f64::MAX));
        let tiny = f64::from_bits(1);
        let mut t = ExactSum::new();
        t.add(tiny);
        t.add(tiny);
        t.add(f64::MIN_POSITIVE);
        t.add(-f64::MIN_POSITIVE);
        assert_eq!(t.value(), f64::from_bits(2));
        let mut u = ExactSum::new();
        u.add(f64::INFINITY);
        assert_eq!(u.value(), f64::INFINITY);
        u.add(f64::NEG_INFINITY);
        assert!(u.value().is_nan());
        assert_eq!(ExactSum::new().value().to_bits(), 0);
        assert_eq!(ExactSum::new().mean(0), None);
    }

    #[test]
    fn exact_sum_rounds_half_to_even() {
        let mut s = ExactSum::new();
        s.add(1.0);
        s.add(f64::EPSILON / 2.0); // exactly half an ulp of 1.0: ties to even (1.0)
        assert_eq!(s.value(), 1.0);
        s.add(1e-300); // just above the half-way point
        assert_eq!(s.value(), 1.0 + f64::EPSILON);
    }

    /// The configuration of `sketches-ddsketch` this module used before owning its sketch
    /// (the oracle): `alpha`, every positive `f64` above the smallest subnormal its own bucket,
    /// and a bin limit so large that its stores never collapse.
    fn oracle_config(alpha: f64) -> sketches_ddsketch::Config {
        let min_value = f64::from_bits(1);
        let gamma_ln = ((1.0 + alpha) / (1.0 - alpha)).ln();
        let keys = ((f64::MAX.ln() - min_value.ln()) / gamma_ln).ceil() as u32 + 4;
        sketches_ddsketch::Config::new(alpha, keys.div_ceil(128) * 128, min_value)
    }

    /// The smallest positive `f64` (by bits) whose oracle index is at least `k`.
    fn boundary(cfg: &sketches_ddsketch::Config, k: i32) -> u64 {
        let (mut lo, mut hi) = (2u64, f64::MAX.to_bits());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if cfg.key(f64::from_bits(mid)) >= k {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        lo
    }

    /// Every `step`-th bucket boundary of both mappings, and 3 values on each side of it, get
    /// the oracle's index.
    fn check_boundaries(step: usize) {
        for alpha in [FLOAT_ALPHA, INT_ALPHA] {
            let cfg = oracle_config(alpha);
            let mapping = Mapping::new(alpha);
            let (lo, hi) = mapping.index_range();
            assert_eq!(lo, cfg.key(f64::from_bits(2)));
            assert_eq!(hi, cfg.key(f64::MAX));
            assert!(
                ((hi - lo) as u32) < cfg.max_num_bins,
                "the oracle never collapses"
            );
            for k in (lo + 1..=hi).step_by(step) {
                let b = boundary(&cfg, k);
                for bits in b.saturating_sub(3)..=b + 3 {
                    let v = f64::from_bits(bits);
                    if v > f64::MAX {
                        continue;
                    }
                    assert_eq!(mapping.index(v), cfg.key(v), "alpha {alpha}, v = {v:e}");
                }
            }
        }
    }

    #[test]
    fn index_matches_oracle_at_bucket_boundaries() {
        check_boundaries(if cfg!(debug_assertions) { 61 } else { 1 });
    }

    /// Every boundary of both mappings (a few seconds in release:
    /// `cargo test --release --lib every_boundary -- --ignored`).
    #[test]
    #[ignore]
    fn index_matches_oracle_at_every_boundary() {
        check_boundaries(1);
    }

    #[test]
    fn index_matches_oracle_on_special_values() {
        for alpha in [FLOAT_ALPHA, INT_ALPHA] {
            let cfg = oracle_config(alpha);
            let m = Mapping::new(alpha);
            for v in [
                f64::from_bits(2),
                f64::MIN_POSITIVE,
                f64::MIN_POSITIVE * 0.5,
                1.0,
                1.0f64.next_up(),
                1.0f64.next_down(),
                2.0,
                0.1,
                1e-7,
                4e9,
                i64::MAX as f64,
                f64::MAX,
            ] {
                assert_eq!(m.index(v), cfg.key(v), "{v:e}");
            }
        }
    }

    use proptest::prelude::*;

    proptest::proptest! {
        #[test]
        fn index_matches_oracle(bits in 2u64..0x7ff0_0000_0000_0000) {
            let v = f64::from_bits(bits);
            for alpha in [FLOAT_ALPHA, INT_ALPHA] {
                proptest::prop_assert_eq!(Mapping::new(alpha).index(v), oracle_config(alpha).key(v));
            }
        }

        #[test]
        fn index_matches_oracle_on_decimals(mantissa in 1u64..100_000_000, exp in -12i32..12) {
            // Values as archives write them: short decimals.
            let v = mantissa as f64 * 10f64.powi(exp);
            for alpha in [FLOAT_ALPHA, INT_ALPHA] {
                proptest::prop_assert_eq!(Mapping::new(alpha).index(v), oracle_config(alpha).key(v));
            }
        }

        /// However values are split into sums and merged, the sum and its normalised chunks
        /// are those of adding every value to one sum.
        #[test]
        fn exact_sum_merges_agree_with_adding(
            values in proptest::collection::vec(
                proptest::prop_oneof![
                    -1e6f64..1e6,
                    (1u64..0x7fef_ffff_ffff_ffff).prop_map(f64::from_bits),
                    (1u64..0x7fef_ffff_ffff_ffff).prop_map(|b| -f64::from_bits(b)),
                ],
                0..3000,
            ),
            cuts in proptest::collection::vec(0usize..3000, 0..12),
        ) {
            let mut one = ExactSum::new();
            values.iter().for_each(|&v| one.add(v));
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(values.len())).collect();
            cuts.push(0);
            cuts.push(values.len());
            cuts.sort_unstable();
            let mut merged = ExactSum::new();
            for w in cuts.windows(2) {
                let mut part = ExactSum::new();
                values[w[0]..w[1]].iter().for_each(|&v| part.add(v));
                merged.merge(&part);
                // Adding after a merge must keep to the same bound.
                if let Some(&v) = values.get(w[0]) {
                    merged.add(v);
                    merged.add(-v);
                }
            }
            prop_assert_eq!(merged.value().to_bits(), one.value().to_bits());
            let (mut a, mut b) = (merged.clone(), one.clone());
            a.carry();
            b.carry();
            prop_assert_eq!(a.chunks, b.chunks);
        }

        /// Sketches built from the same values (in two parts, merged) answer every quantile
        /// like the oracle, bit for bit.
        #[test]
        fn sketch_matches_oracle(
            values in proptest::collection::vec(
                proptest::prop_oneof![
                    Just(0.0),
                    -1e6f64..1e6,
                    (1u64..1_000_000).prop_map(|m| m as f64 / 1000.0),
                    (1u64..0x7fef_ffff_ffff_ffff).prop_map(f64::from_bits),
                ],
                1..400,
            ),
            split in 0usize..400,
            integer in proptest::bool::ANY,
        ) {
            let (kind, alpha) = if integer {
                (ValueKind::Integer, INT_ALPHA)
            } else {
                (ValueKind::Float, FLOAT_ALPHA)
            };
            let split = split.min(values.len());
            let mut ours = [Sketch::new(kind), Sketch::new(kind)];
            let cfg = oracle_config(alpha);
            let mut theirs = [
                sketches_ddsketch::DDSketch::new(cfg),
                sketches_ddsketch::DDSketch::new(cfg),
            ];
            for (i, &v) in values.iter().enumerate() {
                let part = usize::from(i >= split);
                ours[part].add(v);
                theirs[part].add(v);
            }
            let [mut a, b] = ours;
            let [mut ta, tb] = theirs;
            a.merge(&b);
            ta.merge(&tb).unwrap();
            prop_assert_eq!(a.count(), ta.count() as u64);
            for q in [0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999] {
                let mine = a.quantile(q).map(f64::to_bits);
                let oracle = ta.quantile(q).unwrap().map(f64::to_bits);
                prop_assert_eq!(mine, oracle, "q = {}", q);
            }
        }
    }

    #[test]
    fn sizes() {
        // Inline sizes: an accumulator is small until it holds more than EXACT_VALUES values
        // (fine-grained groupings create many groups with a few values each).
        // A group of a million-group `--by` holds 22 of them, mostly empty or with one value:
        // one or two values need no heap (they are held where the Vec would be).
        let size = std::mem::size_of::<MetricStats>();
        assert!(size <= 40, "{size}");
        let mut few = MetricStats::new(ValueKind::Float);
        assert_eq!(few.memory_bytes(), size, "no heap while empty");
        for i in 0..10 {
            few.add(i as f64);
        }
        assert!(few.memory_bytes() <= 40 + 16 * 8, "{}", few.memory_bytes());
        let mut two = MetricStats::new(ValueKind::Float);
        two.add(1.0);
        two.add(2.0);
        assert_eq!(two.memory_bytes(), size, "no heap for two values");
        eprintln!("size_of::<MetricStats>() = {size}");
        assert_eq!(std::mem::size_of::<ExactSum>(), 544);
    }
}
