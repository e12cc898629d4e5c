//! End-to-end analysis of the 200 MB corpus in memory (no CLI, no file I/O):
//! `Analyzer::new().analyze_bytes` on a rayon pool of 1 and of 2 threads, against a
//! single-threaded baseline doing the same aggregation with serde_json: each line into the
//! analyze-only borrowed structs (`common/serde_model.rs`), then per stream callq's
//! `classify` and `GroupStats::add` (all 22 metrics) into one group, as `Analyzer::new()`
//! does with no `--by`.

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;

use common::runs::{callq_analyze, serde_baseline};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    common::print_load("before analyze");
    let (data, sum) = common::corpus();
    let pool1 = common::pool(1);
    let pool2 = common::pool(2);

    // Correctness on the data that is timed: same stream counts and the same verdicts.
    let one = callq_analyze(&pool1, &data);
    let two = callq_analyze(&pool2, &data);
    let lines = common::lines(&data);
    let base = serde_baseline(&lines);
    for g in [&one, &two, &base] {
        assert_eq!(g.streams, sum.streams);
        assert_eq!(
            (g.good, g.poor, g.unclassified),
            (one.good, one.poor, one.unclassified)
        );
        assert_eq!(g.poor_due_to, one.poor_due_to);
        for (a, b) in g.metrics.iter().zip(&one.metrics) {
            assert_eq!((a.count(), a.nulls()), (b.count(), b.nulls()));
        }
    }
    eprintln!(
        "streams {} good {} poor {} unclassified {}",
        one.streams, one.good, one.poor, one.unclassified
    );

    let mut group = c.benchmark_group("analyze");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    let data = &data[..];
    group.bench_function("callq_1t", |b| {
        b.iter(|| callq_analyze(&pool1, black_box(data)))
    });
    group.bench_function("callq_2t", |b| {
        b.iter(|| callq_analyze(&pool2, black_box(data)))
    });
    group.bench_function("serde_json_baseline_1t", |b| {
        b.iter(|| serde_baseline(black_box(&lines)))
    });
    group.finish();
    common::print_load("after analyze");
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = bench
}
criterion_main!(benches);
