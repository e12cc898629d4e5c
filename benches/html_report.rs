//! `callq report` against `callq analyze --by day,label` over the 200 MB corpus in memory, on
//! one thread: the report's one pass computes time × label with every statistic (the same
//! work as the analyze run) plus its two counts-only groupings, then summarises and renders.
//! The budget: the report costs at most 10% more.

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;

use callq::analyze::{Analyzer, Dimension, Report};
use callq::html::{ReportData, ReportOptions, render};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

fn analyze(data: &[u8]) -> Report {
    Analyzer::new()
        .group_by(Dimension::parse_list("day,label").unwrap())
        .analyze_bytes("corpus.ndjson", data)
        .unwrap()
}

fn report(data: &[u8], options: &ReportOptions) -> (Vec<Report>, String) {
    let reports = Analyzer::new()
        .analyze_bytes_grouped("corpus.ndjson", data, &options.groupings())
        .unwrap();
    let html = render(&ReportData::from_reports(&reports, options).unwrap());
    (reports, html)
}

fn bench(c: &mut Criterion) {
    common::print_load("before html_report");
    let (data, sum) = common::corpus();
    let pool = common::pool(1);
    let options = ReportOptions::default();

    // Correctness on the data that is timed: every stream counted, and the report's first
    // grouping is the analyze run's.
    let (one, (many, html)) = pool.install(|| (analyze(&data), report(&data, &options)));
    assert_eq!(one.input.streams, sum.streams);
    assert_eq!(many[0].groups.len(), one.groups.len());
    for (a, b) in many[0].groups.iter().zip(&one.groups) {
        assert_eq!(a.key, b.key);
        assert_eq!((a.stats.good, a.stats.poor), (b.stats.good, b.stats.poor));
    }
    let endpoints: u64 = many[1].groups.iter().map(|g| g.stats.streams).sum();
    assert_eq!(endpoints, sum.streams);
    eprintln!("report: {} bytes of HTML", html.len());

    let mut group = c.benchmark_group("html_report");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    let data = &data[..];
    // Alternated by criterion's order within one run: both see the same load.
    group.bench_function("analyze_by_day_label_1t", |b| {
        b.iter(|| pool.install(|| analyze(black_box(data))))
    });
    group.bench_function("report_1t", |b| {
        b.iter(|| pool.install(|| report(black_box(data), &options)))
    });
    group.finish();
    common::print_load("after html_report");
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = bench
}
criterion_main!(benches);
