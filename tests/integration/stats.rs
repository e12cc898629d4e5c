//! Properties of the statistics accumulator: exactness of count/nulls/min/max, accuracy of
//! mean and quantiles, and bit-for-bit independence from order and merge grouping.

use callq::stats::{EXACT_VALUES, ExactSum, MetricStats, Number, ValueKind};
use proptest::prelude::*;

// ----------------------------------------------------------------------------- references

/// Correctly rounded sum (Shewchuk / Python's `math.fsum`): an algorithm independent of
/// `ExactSum`'s superaccumulator.
fn fsum(xs: &[f64]) -> f64 {
    let mut partials: Vec<f64> = Vec::new();
    for &x0 in xs {
        let mut x = x0;
        let mut i = 0;
        for j in 0..partials.len() {
            let mut y = partials[j];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let lo = y - (hi - x);
            if lo != 0.0 {
                partials[i] = lo;
                i += 1;
            }
            x = hi;
        }
        partials.truncate(i);
        partials.push(x);
    }
    let mut n = partials.len();
    if n == 0 {
        return 0.0;
    }
    n -= 1;
    let mut hi = partials[n];
    let mut lo = 0.0;
    while n > 0 {
        let x = hi;
        n -= 1;
        let y = partials[n];
        hi = x + y;
        let yr = hi - x;
        lo = y - yr;
        if lo != 0.0 {
            break;
        }
    }
    if n > 0 && ((lo < 0.0 && partials[n - 1] < 0.0) || (lo > 0.0 && partials[n - 1] > 0.0)) {
        let y = lo * 2.0;
        let x = hi + y;
        let yr = x - hi;
        if y == yr {
            hi = x;
        }
    }
    hi
}

/// Exact nearest-rank quantile of already sorted values.
fn nearest_rank(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
    sorted[rank - 1]
}

fn within(actual: f64, expected: f64, rel: f64) -> bool {
    if expected == 0.0 {
        actual == 0.0
    } else {
        (actual - expected).abs() <= rel * expected.abs()
    }
}

/// Every statistic, as bits, for bit-for-bit comparisons.
fn fingerprint(s: &MetricStats) -> Vec<Option<u64>> {
    let num = |n: Option<Number>| {
        n.map(|n| match n {
            Number::Int(i) => i as u64,
            Number::Float(f) => f.to_bits(),
        })
    };
    let mut v = vec![
        Some(s.count()),
        Some(s.nulls()),
        s.mean().map(f64::to_bits),
        num(s.min()),
        num(s.max()),
    ];
    for q in [0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1.0] {
        v.push(num(s.quantile(q)));
    }
    v
}

/// A tiny deterministic generator for splitting and merge trees.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

// ----------------------------------------------------------------------------- strategies

/// Realistic and hostile metric values: zeros, tiny, large, negative, duplicates.
fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => Just(0.0),
        1 => Just(-0.0),
        2 => (1u32..1000).prop_map(|k| k as f64 * 1e-7),
        3 => 0.0f64..1.0,
        3 => 0.5f64..2000.0,
        1 => Just(4294967295.0),
        1 => 1e6f64..1e12,
        1 => -5000.0f64..0.0,
        1 => prop::sample::select(vec![0.016, 0.5, 1.0, 3.0, 42.0, 0.0001]),
        1 => (-1000i32..1000).prop_map(|e| 2f64.powi(e / 4)),
    ]
}

fn int_value() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => Just(0i64),
        3 => 0i64..100,
        3 => 0i64..100_000_000,
        1 => Just(4294967295),
        1 => Just(i64::MAX),
        1 => Just(i64::MIN),
        1 => -1000i64..0,
        1 => any::<i64>(),
    ]
}

/// Any finite f64 whose magnitude keeps a few thousand of them summable without overflow.
fn wide_value() -> impl Strategy<Value = f64> {
    (any::<bool>(), 0u64..(1 << 53), -1074i32..960).prop_map(|(neg, m, e)| {
        let v =
            m as f64 * 2f64.powi(e.max(-1022)) * if e < -1022 { 2f64.powi(e + 1022) } else { 1.0 };
        if neg { -v } else { v }
    })
}

fn accumulate(values: &[f64], kind: ValueKind) -> MetricStats {
    let mut s = MetricStats::new(kind);
    for &v in values {
        s.add(v);
    }
    s
}

// ----------------------------------------------------------------------------- properties

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn float_statistics_are_exact_or_within_bounds(
        values in prop::collection::vec(value(), 0..5000),
        nulls in 0u64..50,
    ) {
        let mut s = accumulate(&values, ValueKind::Float);
        for _ in 0..nulls {
            s.add_null();
        }
        prop_assert_eq!(s.count(), values.len() as u64);
        prop_assert_eq!(s.nulls(), nulls);
        if values.is_empty() {
            prop_assert_eq!(s.mean(), None);
            prop_assert_eq!(s.min(), None);
            prop_assert_eq!(s.max(), None);
            prop_assert_eq!(s.quantile(0.5), None);
            return Ok(());
        }
        let mut sorted: Vec<f64> = values.iter().map(|v| v + 0.0).collect();
        sorted.sort_by(f64::total_cmp);
        prop_assert_eq!(s.min(), Some(Number::Float(sorted[0])));
        prop_assert_eq!(s.max(), Some(Number::Float(*sorted.last().unwrap())));
        let exact_mean = fsum(&values) / values.len() as f64;
        let mean = s.mean().unwrap();
        prop_assert!(within(mean, exact_mean, 1e-9) || (mean - exact_mean).abs() < 1e-300,
            "mean {} vs {}", mean, exact_mean);
        for q in [0.5, 0.9, 0.99, 0.01, 1.0] {
            let expected = nearest_rank(&sorted, q);
            let Some(Number::Float(actual)) = s.quantile(q) else {
                return Err(TestCaseError::fail("missing quantile"));
            };
            if values.len() <= EXACT_VALUES {
                prop_assert_eq!(actual.to_bits(), expected.to_bits());
            }
            prop_assert!(within(actual, expected, 0.01),
                "q{} = {} vs exact {} (n = {})", q, actual, expected, values.len());
        }
    }

    #[test]
    fn integer_statistics_are_exact_or_within_bounds(
        values in prop::collection::vec(int_value(), 0..3000),
    ) {
        let mut s = MetricStats::new(ValueKind::Integer);
        for &v in &values {
            s.add_int(v);
        }
        prop_assert_eq!(s.count(), values.len() as u64);
        let mut sorted = values.clone();
        sorted.sort_unstable();
        prop_assert_eq!(s.min(), sorted.first().map(|&v| Number::Int(v)));
        prop_assert_eq!(s.max(), sorted.last().map(|&v| Number::Int(v)));
        if values.is_empty() {
            return Ok(());
        }
        let exact_mean = values.iter().map(|&v| v as i128).sum::<i128>() as f64 / values.len() as f64;
        let mean = s.mean().unwrap();
        prop_assert!(within(mean, exact_mean, 1e-9) || (mean - exact_mean).abs() < 1e-6);
        for q in [0.5, 0.9, 0.99] {
            let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
            let expected = sorted[rank - 1];
            let Some(Number::Int(actual)) = s.quantile(q) else {
                return Err(TestCaseError::fail("missing quantile"));
            };
            if values.len() <= EXACT_VALUES || expected == 0 {
                prop_assert_eq!(actual, expected);
            }
            prop_assert!(within(actual as f64, expected as f64, 0.01),
                "q{} = {} vs exact {}", q, actual, expected);
        }
    }

    #[test]
    fn merge_in_any_grouping_is_bit_identical(
        values in prop::collection::vec(value(), 0..3000),
        nulls in 0usize..20,
        parts in 1usize..12,
        interleaved in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let sequential = {
            let mut s = accumulate(&values, ValueKind::Float);
            for _ in 0..nulls { s.add_null(); }
            s
        };
        let mut rng = Rng(seed);
        let mut accs: Vec<MetricStats> = (0..parts).map(|_| MetricStats::new(ValueKind::Float)).collect();
        if interleaved {
            for &v in &values {
                accs[rng.below(parts)].add(v);
            }
        } else {
            let mut cuts: Vec<usize> = (0..parts - 1).map(|_| rng.below(values.len() + 1)).collect();
            cuts.push(0);
            cuts.push(values.len());
            cuts.sort_unstable();
            for (p, w) in cuts.windows(2).enumerate() {
                for &v in &values[w[0]..w[1]] {
                    accs[p].add(v);
                }
            }
        }
        for _ in 0..nulls {
            accs[rng.below(parts)].add_null();
        }
        // A random merge tree.
        while accs.len() > 1 {
            let a = accs.swap_remove(rng.below(accs.len()));
            let i = rng.below(accs.len());
            if rng.next() & 1 == 0 {
                accs[i].merge(&a);
            } else {
                let mut a = a;
                a.merge(&accs[i]);
                accs[i] = a;
            }
        }
        prop_assert_eq!(fingerprint(&accs[0]), fingerprint(&sequential));

        // And in reverse order of `add`.
        let mut rev = MetricStats::new(ValueKind::Float);
        for _ in 0..nulls { rev.add_null(); }
        for &v in values.iter().rev() { rev.add(v); }
        prop_assert_eq!(fingerprint(&rev), fingerprint(&sequential));
    }

    #[test]
    fn integer_merge_is_bit_identical(
        values in prop::collection::vec(int_value(), 0..2000),
        seed in any::<u64>(),
    ) {
        let mut seq = MetricStats::new(ValueKind::Integer);
        for &v in &values { seq.add_int(v); }
        let mut rng = Rng(seed);
        let mut accs: Vec<MetricStats> = (0..5).map(|_| MetricStats::new(ValueKind::Integer)).collect();
        for &v in values.iter().rev() { accs[rng.below(5)].add_int(v); }
        while accs.len() > 1 {
            let a = accs.swap_remove(rng.below(accs.len()));
            let i = rng.below(accs.len());
            accs[i].merge(&a);
        }
        prop_assert_eq!(fingerprint(&accs[0]), fingerprint(&seq));
    }

    #[test]
    fn exact_sum_is_correctly_rounded_and_order_independent(
        values in prop::collection::vec(wide_value(), 0..2000),
        split in any::<prop::sample::Index>(),
    ) {
        let mut s = ExactSum::new();
        for &v in &values { s.add(v); }
        let expected = fsum(&values);
        prop_assert_eq!(s.value().to_bits(), expected.to_bits(), "{} vs {}", s.value(), expected);
        let k = split.index(values.len() + 1);
        let (mut a, mut b) = (ExactSum::new(), ExactSum::new());
        for &v in values[..k].iter().rev() { a.add(v); }
        for &v in &values[k..] { b.add(v); }
        b.merge(&a);
        prop_assert_eq!(b.value().to_bits(), expected.to_bits());
    }
}

// ----------------------------------------------------------------------------- examples

#[test]
fn empty_accumulator_has_no_statistics() {
    for kind in [ValueKind::Float, ValueKind::Integer] {
        let mut s = MetricStats::new(kind);
        s.add_null();
        assert_eq!(s.kind(), kind);
        assert_eq!(s.count(), 0);
        assert_eq!(s.nulls(), 1);
        assert_eq!(s.mean(), None);
        assert_eq!(s.min(), None);
        assert_eq!(s.max(), None);
        for q in [0.5, 0.9, 0.99, 1.0] {
            assert_eq!(s.quantile(q), None);
        }
    }
}

#[test]
fn single_value_is_every_quantile() {
    for v in [1.160898, 0.0, -3.5, 1e-7, 4294967295.0, 1e300] {
        let mut s = MetricStats::new(ValueKind::Float);
        s.add(v);
        assert_eq!(s.mean(), Some(v));
        for q in [1e-9, 0.5, 0.9, 0.99, 1.0] {
            assert_eq!(s.quantile(q), Some(Number::Float(v)));
        }
    }
}

#[test]
fn non_finite_values_are_nulls() {
    let mut s = MetricStats::new(ValueKind::Float);
    for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        s.add(v);
    }
    s.add(2.0);
    assert_eq!((s.count(), s.nulls()), (1, 3));
    assert_eq!(s.mean(), Some(2.0));
    let mut i = MetricStats::new(ValueKind::Integer);
    i.add(f64::NAN);
    i.add(7.0);
    assert_eq!((i.count(), i.nulls()), (1, 1));
    assert_eq!(i.max(), Some(Number::Int(7)));
}

#[test]
fn invalid_quantile_is_none() {
    let mut s = MetricStats::new(ValueKind::Float);
    s.add(1.0);
    for q in [0.0, -0.5, 1.5, f64::NAN] {
        assert_eq!(s.quantile(q), None);
    }
}

#[test]
fn integer_extremes_are_exact() {
    let values = [4294967295i64, 0, 12, i64::MAX, i64::MIN + 1, 12];
    let mut s = MetricStats::new(ValueKind::Integer);
    for v in values {
        s.add_int(v);
    }
    assert_eq!(s.min(), Some(Number::Int(i64::MIN + 1)));
    assert_eq!(s.max(), Some(Number::Int(i64::MAX)));
    assert_eq!(s.quantile(0.5), Some(Number::Int(12)));
    assert_eq!(s.quantile(1.0), Some(Number::Int(i64::MAX)));
    // Past the exact buffer, min and max stay exact and quantiles are integers.
    for _ in 0..1000 {
        for v in values {
            s.add_int(v);
        }
    }
    assert_eq!(s.min(), Some(Number::Int(i64::MIN + 1)));
    assert_eq!(s.max(), Some(Number::Int(i64::MAX)));
    assert_eq!(s.quantile(0.5), Some(Number::Int(12)));
    assert_eq!(s.quantile(1.0), Some(Number::Int(i64::MAX)));
    let Some(Number::Int(p90)) = s.quantile(0.9) else {
        panic!()
    };
    assert!((p90 as f64 - i64::MAX as f64).abs() <= 0.01 * i64::MAX as f64);
    // (i64::MAX + (i64::MIN + 1)) cancels exactly; mean = (4294967295 + 24) / 6.
    assert_eq!(s.mean(), Some((4294967295i64 + 24) as f64 / 6.0));
}

#[test]
fn integer_metric_accepts_floats() {
    let mut s = MetricStats::new(ValueKind::Integer);
    s.add(3830.0);
    s.add(1.4);
    assert_eq!(s.min(), Some(Number::Int(1)));
    assert_eq!(s.max(), Some(Number::Int(3830)));
}

#[test]
fn mostly_zero_loss_has_exact_zero_median() {
    let mut s = MetricStats::new(ValueKind::Float);
    for i in 0..100_000 {
        s.add(if i % 10 == 0 {
            0.01 + i as f64 * 1e-8
        } else {
            0.0
        });
    }
    assert_eq!(s.quantile(0.5), Some(Number::Float(0.0)));
    assert_eq!(s.quantile(0.9), Some(Number::Float(0.0)));
    let Some(Number::Float(p99)) = s.quantile(0.99) else {
        panic!()
    };
    assert!(p99 > 0.0100 && p99 < 0.0112, "{p99}");
}

#[test]
fn negative_zero_is_zero() {
    let mut s = MetricStats::new(ValueKind::Float);
    s.add(-0.0);
    s.add(0.0);
    assert_eq!(s.min().map(|n| n.as_f64().to_bits()), Some(0f64.to_bits()));
    assert_eq!(s.mean().map(f64::to_bits), Some(0f64.to_bits()));
}

#[test]
fn memory_is_bounded() {
    let mut s = MetricStats::new(ValueKind::Float);
    let mut x = 1e-300;
    while x < 1e300 {
        s.add(x);
        s.add(-x);
        x *= 1.001;
    }
    eprintln!("worst-case float accumulator: {} bytes", s.memory_bytes());
    // Worst case: every bucket of the f64 range in use, on both signs.
    assert!(s.memory_bytes() < 2 * 700_000, "{}", s.memory_bytes());
    let mut t = MetricStats::new(ValueKind::Float);
    for i in 0..1_000_000 {
        t.add(1.0 + (i % 1000) as f64);
    }
    assert!(t.memory_bytes() < 8 * 1024, "{}", t.memory_bytes());
}

#[test]
fn integer_memory_is_bounded() {
    let mut s = MetricStats::new(ValueKind::Integer);
    let mut x = 1.0f64;
    while x < 9e18 {
        s.add_int(x as i64);
        s.add_int(-(x as i64));
        x *= 1.001;
    }
    s.add_int(i64::MAX);
    s.add_int(i64::MIN);
    eprintln!("worst-case integer accumulator: {} bytes", s.memory_bytes());
    assert!(s.memory_bytes() < 100_000, "{}", s.memory_bytes());
}
