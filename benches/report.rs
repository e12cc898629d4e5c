//! Writing the `--format json` report of many small groups (issue 20): the report of an
//! in-memory corpus (`CALLQ_REPORT_BENCH_BYTES`, default 120 MB, seed 42) grouped by
//! `day,caller.platform,callee.platform,receiver.connectionType,label`, about 14,500 groups,
//! written into a sink and into a reused `Vec` (the time a `-o FILE` run spends on the report,
//! without the disk).

use std::hint::black_box;

use callq::analyze::{Analyzer, Dimension};
use callq::generate::{GenConfig, Shape, generate};
use callq::report::write_analyze_json;
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let size = match std::env::var("CALLQ_REPORT_BENCH_BYTES") {
        Ok(s) => callq::generate::parse_size(&s).expect("CALLQ_REPORT_BENCH_BYTES is a size"),
        Err(_) => 120_000_000,
    };
    let config = GenConfig {
        seed: 42,
        size,
        shape: Shape::Sessions,
    };
    let mut data = Vec::with_capacity(size as usize + (1 << 20));
    generate(&config, &mut data).expect("generating into memory cannot fail");
    let dims =
        Dimension::parse_list("day,caller.platform,callee.platform,receiver.connectionType,label")
            .expect("known dimensions");
    let report = Analyzer::new()
        .group_by(dims)
        .analyze_bytes("bench.ndjson", &data)
        .expect("the corpus analyzes");
    drop(data);
    let mut out = Vec::new();
    write_analyze_json(&report, &mut out).expect("writing to a Vec cannot fail");
    eprintln!(
        "report: {} groups, {} bytes of JSON",
        report.groups.len(),
        out.len()
    );

    let mut group = c.benchmark_group("report");
    group.throughput(Throughput::Bytes(out.len() as u64));
    group.sample_size(20);
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("json_to_sink", |b| {
        b.iter(|| write_analyze_json(black_box(&report), &mut std::io::sink()))
    });
    group.bench_function("json_to_vec", |b| {
        b.iter(|| {
            out.clear();
            write_analyze_json(black_box(&report), &mut out)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
