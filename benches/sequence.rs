//! Files that are not NDJSON: the same documents as the corpus (seed 42, 200 MB by default)
//! written as one top-level array, as pretty-printed documents and as `$batch` replies, split
//! by `callq::sequence` alone and analyzed end to end (`Analyzer::analyze_bytes` with a `.json`
//! name) at 1 and 2 threads, next to the NDJSON bytes analyzed as NDJSON. Every timed run is
//! checked to count the corpus's streams.

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;

use callq::analyze::{Analyzer, Dimension};
use callq::generate::{Form, GenConfig, Shape, generate_form};
use callq::sequence::{UnitKind, split_all};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

fn form(size: u64, form: Form) -> Vec<u8> {
    let config = GenConfig {
        seed: 42,
        size,
        shape: Shape::Sessions,
    };
    let mut out = Vec::with_capacity(size as usize + (8 << 20));
    generate_form(&config, form, &mut out).expect("generating into memory cannot fail");
    out
}

fn bench(c: &mut Criterion) {
    common::print_load("before sequence");
    let (ndjson, sum) = common::corpus();
    let array = form(ndjson.len() as u64, Form::Array);
    let pretty = form(ndjson.len() as u64, Form::Pretty);
    let batch = form(ndjson.len() as u64, Form::Batch);
    let analyzer = Analyzer::new().group_by(Dimension::parse_list("direction,label").unwrap());
    let streams = |name: &str, data: &[u8], threads: usize| {
        common::pool(threads).install(|| {
            let report = analyzer.analyze_bytes(name, data).unwrap();
            assert_eq!(report.input.bad_lines, 0, "{name}");
            report.input.streams
        })
    };
    for (name, data) in [("array.json", &array), ("ndjson.json", &ndjson)] {
        assert_eq!(streams(name, data, 1), sum.streams, "{name}");
    }
    let units = split_all(&array);
    assert_eq!(units.len() as u64, sum.lines);
    assert!(units.iter().all(|u| u.kind == UnitKind::Document));

    let mut group = c.benchmark_group("sequence");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Bytes(array.len() as u64));
    group.bench_function("split_array", |b| {
        b.iter(|| split_all(black_box(&array)).len())
    });
    for threads in [1, 2] {
        for (id, name, data) in [
            ("ndjson", "a.ndjson", &ndjson),
            ("ndjson_named_json", "a.json", &ndjson),
            ("array", "a.json", &array),
            ("pretty", "a.json", &pretty),
            ("batch", "a.json", &batch),
        ] {
            group.throughput(Throughput::Bytes(data.len() as u64));
            group.bench_function(format!("analyze_{id}_{threads}t"), |b| {
                b.iter(|| streams(name, black_box(data), threads))
            });
        }
    }
    group.finish();
    common::print_load("after sequence");
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = bench
}
criterion_main!(benches);
