//! Parsing the lines of a 200 MB `Sessions` corpus on one core: callq's readings (full and
//! analyze, each on demand and through the tape walk) against serde_json and sonic-rs deserializing into borrowed derived
//! structs, and simd-json's `BorrowedValue`.
//!
//! Every function parses all non-blank lines (framed once, before timing, by
//! `callq::framing::Lines`) and counts streams; before timing, each one's count is asserted
//! equal to the generator's. The peers' structs are in `common/serde_model.rs`: they convert
//! what callq converts (durations and date-times with callq's parsers, enumerations with
//! callq's `from_wire`, `Edm.Int64` strings and `"NaN"` singles) while deserializing.
//!
//! Group `parse_parts` breaks callq's time down by ablation: copying each line into the padded
//! buffer alone, and the copy plus `simd_json::fill_tape_padded` (the tape, no walk).
//!
//! `CALLQ_BENCH_BYTES=20MB cargo bench --bench parse` runs on a smaller corpus.

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;

use callq::document::{LineParser, Reading};
use common::runs::{
    TapeOnly, callq_count, callq_full_tape_count, callq_tape_count, copy_only, serde_analyze_count,
    serde_full_count, simd_value_count, sonic_analyze_count, sonic_full_count,
};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    common::print_load("before parse");
    let (data, sum) = common::corpus();
    let lines = common::lines(&data);
    let bytes: u64 = lines.iter().map(|l| l.len() as u64 + 1).sum();
    assert_eq!(lines.len() as u64, sum.lines);
    eprintln!(
        "lines {} sessions {} segments {} media {} streams {}",
        sum.lines, sum.sessions, sum.segments, sum.media, sum.streams
    );

    // Correctness on the data that is timed.
    let mut parser = LineParser::new();
    let mut buf = Vec::new();
    assert_eq!(
        callq_count(&mut parser, &lines, Reading::Full),
        sum.streams,
        "callq_full"
    );
    assert_eq!(
        callq_count(&mut parser, &lines, Reading::Analyze),
        sum.streams,
        "callq_analyze"
    );
    assert_eq!(
        parser.tape_rereads(),
        0,
        "callq_full, callq_analyze: every line on the on-demand path"
    );
    assert_eq!(
        callq_full_tape_count(&mut parser, &lines),
        sum.streams,
        "callq_full_tape"
    );
    // The full reading on demand gives the tape's documents, every property, line by line.
    let mut oracle = LineParser::new();
    for line in &lines {
        let show = |d: Result<callq::model::Document<'_>, _>| format!("{d:?}");
        assert_eq!(
            parser.parse(line, Reading::Full, show),
            oracle.parse_with_tape(line, Reading::Full, show),
            "callq_full: the on-demand full reading differs from the tape's"
        );
    }
    assert_eq!(
        callq_tape_count(&mut parser, &lines),
        sum.streams,
        "callq_analyze_tape"
    );
    assert_eq!(serde_full_count(&lines), sum.streams, "serde_json_borrowed");
    assert_eq!(
        serde_analyze_count(&lines),
        sum.streams,
        "serde_json_analyze"
    );
    assert_eq!(
        simd_value_count(&mut buf, &lines),
        sum.streams,
        "simd_json_borrowed_value"
    );
    assert_eq!(sonic_full_count(&lines), sum.streams, "sonic_rs_typed");
    assert_eq!(sonic_analyze_count(&lines), sum.streams, "sonic_rs_analyze");
    let mut tape_only = TapeOnly::new();
    assert!(tape_only.run(&lines) > sum.streams);

    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(bytes));
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    let lines = &lines[..];
    group.bench_function("callq_full", |b| {
        b.iter(|| callq_count(&mut parser, black_box(lines), Reading::Full))
    });
    group.bench_function("callq_full_tape", |b| {
        b.iter(|| callq_full_tape_count(&mut parser, black_box(lines)))
    });
    group.bench_function("callq_analyze", |b| {
        b.iter(|| callq_count(&mut parser, black_box(lines), Reading::Analyze))
    });
    group.bench_function("callq_analyze_tape", |b| {
        b.iter(|| callq_tape_count(&mut parser, black_box(lines)))
    });
    group.bench_function("serde_json_borrowed", |b| {
        b.iter(|| serde_full_count(black_box(lines)))
    });
    group.bench_function("serde_json_analyze", |b| {
        b.iter(|| serde_analyze_count(black_box(lines)))
    });
    group.bench_function("simd_json_borrowed_value", |b| {
        b.iter(|| simd_value_count(&mut buf, black_box(lines)))
    });
    group.bench_function("sonic_rs_typed", |b| {
        b.iter(|| sonic_full_count(black_box(lines)))
    });
    group.bench_function("sonic_rs_analyze", |b| {
        b.iter(|| sonic_analyze_count(black_box(lines)))
    });
    group.finish();

    let mut group = c.benchmark_group("parse_parts");
    group.throughput(Throughput::Bytes(bytes));
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("copy_only", |b| {
        b.iter(|| copy_only(&mut buf, black_box(lines)))
    });
    group.bench_function("copy_and_tape", |b| {
        b.iter(|| tape_only.run(black_box(lines)))
    });
    group.finish();
    common::print_load("after parse");
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = bench
}
criterion_main!(benches);
