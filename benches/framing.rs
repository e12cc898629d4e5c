//! Line framing over the 200 MB corpus: `callq::framing::Lines` (memchr, CR and BOM handling)
//! counting non-blank lines, against a naive `split(|b| *b == b'\n')` doing the same count.

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;

use callq::framing::{Lines, is_blank};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

fn callq_lines(data: &[u8]) -> u64 {
    Lines::new(data).filter(|l| !l.is_blank()).count() as u64
}

fn naive_split(data: &[u8]) -> u64 {
    data.split(|b| *b == b'\n').filter(|l| !is_blank(l)).count() as u64
}

fn bench(c: &mut Criterion) {
    common::print_load("before framing");
    let (data, sum) = common::corpus();
    assert_eq!(callq_lines(&data), sum.lines, "callq framing");
    assert_eq!(naive_split(&data), sum.lines, "naive split");

    let mut group = c.benchmark_group("framing");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    let data = &data[..];
    group.bench_function("callq_lines", |b| b.iter(|| callq_lines(black_box(data))));
    group.bench_function("naive_split", |b| b.iter(|| naive_split(black_box(data))));
    group.finish();
    common::print_load("after framing");
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = bench
}
criterion_main!(benches);
