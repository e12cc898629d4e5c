//! Throughput of `MetricStats::add` on realistic values, and the cost of `merge`.

use std::hint::black_box;
use std::time::Duration;

use callq::stats::{ExactSum, MetricStats, ValueKind};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

const N: usize = 1_000_000;

/// splitmix64 mapped to (0, 1).
struct Rng(u64);
impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        ((z >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        (-2.0 * self.unit().ln()).sqrt() * (std::f64::consts::TAU * self.unit()).cos()
    }
}

/// Jitter in ms: log-normal around 10 ms, at the 0.1 ms resolution of the durations.
fn jitter(n: usize) -> Vec<f64> {
    let mut r = Rng(1);
    (0..n)
        .map(|_| ((10f64.ln() + r.normal()).exp() * 10.0).round() / 10.0)
        .collect()
}

/// Packet loss ratios: 90% exactly zero, the rest small.
fn loss(n: usize) -> Vec<f64> {
    let mut r = Rng(2);
    (0..n)
        .map(|_| {
            if r.unit() < 0.9 {
                0.0
            } else {
                r.unit() * r.unit() * 0.2
            }
        })
        .collect()
}

/// Bandwidth estimates in bps (an Int64 metric).
fn bandwidth(n: usize) -> Vec<i64> {
    let mut r = Rng(3);
    (0..n)
        .map(|_| (r.normal() * 1.5 + 14.0).exp() as i64)
        .collect()
}

fn fill(values: &[f64]) -> MetricStats {
    let mut s = MetricStats::new(ValueKind::Float);
    for &v in values {
        s.add(v);
    }
    s
}

fn add(c: &mut Criterion) {
    let jitter = jitter(N);
    let loss = loss(N);
    let bandwidth = bandwidth(N);
    // Correctness before timing.
    let s = fill(&jitter);
    assert_eq!(s.count(), N as u64);
    eprintln!(
        "jitter: p50 {:?} p99 {:?} mean {:?}, {} bytes",
        s.quantile(0.5),
        s.quantile(0.99),
        s.mean(),
        s.memory_bytes()
    );
    let s = fill(&loss);
    assert_eq!(s.count(), N as u64);
    assert_eq!(s.quantile(0.5), Some(callq::stats::Number::Float(0.0)));
    eprintln!(
        "loss: p90 {:?} p99 {:?}, {} bytes",
        s.quantile(0.9),
        s.quantile(0.99),
        s.memory_bytes()
    );

    let mut g = c.benchmark_group("add");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("jitter_ms", |b| {
        b.iter(|| black_box(fill(black_box(&jitter))))
    });
    g.bench_function("loss_ratio", |b| {
        b.iter(|| black_box(fill(black_box(&loss))))
    });
    g.bench_function("bandwidth_int", |b| {
        b.iter(|| {
            let mut s = MetricStats::new(ValueKind::Integer);
            for &v in black_box(&bandwidth) {
                s.add_int(v);
            }
            black_box(s)
        })
    });
    g.bench_function("ddsketch_only", |b| {
        let config = sketches_ddsketch::Config::new(0.009, 163_840, f64::from_bits(1));
        b.iter(|| {
            let mut s = sketches_ddsketch::DDSketch::new(config);
            for &v in black_box(&jitter) {
                s.add(v);
            }
            black_box(s.length())
        })
    });
    g.bench_function("exact_sum_only", |b| {
        b.iter(|| {
            let mut s = ExactSum::new();
            for &v in black_box(&jitter) {
                s.add(v);
            }
            black_box(s.value())
        })
    });
    g.finish();
}

fn merge(c: &mut Criterion) {
    let jitter = jitter(N);
    let full = fill(&jitter);
    let half = fill(&jitter[..N / 2]);
    let small = fill(&jitter[..40]);
    let mut check = fill(&jitter[N / 2..]);
    check.merge(&half);
    assert_eq!(check.count(), N as u64);
    assert_eq!(
        check.mean().map(f64::to_bits),
        full.mean().map(f64::to_bits)
    );

    let mut g = c.benchmark_group("merge");
    g.bench_function("sketch_into_sketch", |b| {
        b.iter_batched_ref(
            || full.clone(),
            |a| a.merge(black_box(&half)),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("exact_into_sketch", |b| {
        b.iter_batched_ref(
            || full.clone(),
            |a| a.merge(black_box(&small)),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("exact_into_empty", |b| {
        b.iter_batched_ref(
            || MetricStats::new(ValueKind::Float),
            |a| a.merge(black_box(&small)),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("new", |b| {
        b.iter(|| black_box(MetricStats::new(black_box(ValueKind::Float))))
    });
    g.bench_function("clone_full", |b| b.iter(|| black_box(full.clone())));
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = add, merge
}
criterion_main!(benches);
