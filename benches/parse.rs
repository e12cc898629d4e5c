//! Parsing the lines of a 200 MB `Sessions` corpus on one core: callq's tape walk (full and
//! analyze readings) against serde_json and sonic-rs deserializing into borrowed derived
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
use common::serde_model::{APage, Page, analyze_streams, full_streams};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use simd_json::prelude::*;

fn callq_count(parser: &mut LineParser, lines: &[&[u8]], reading: Reading) -> u64 {
    let mut n = 0;
    for line in lines {
        n += parser.parse(line, reading, |doc| {
            let doc = doc.expect("callq parses every line");
            doc.sessions()
                .flat_map(|s| s.segments)
                .flat_map(|g| g.media)
                .map(|m| m.streams.len() as u64)
                .sum::<u64>()
        });
    }
    n
}

fn serde_full_count(lines: &[&[u8]]) -> u64 {
    let mut n = 0;
    for line in lines {
        let page: Page<'_> = serde_json::from_slice(line).expect("serde_json parses every line");
        n += full_streams(&page);
    }
    n
}

fn serde_analyze_count(lines: &[&[u8]]) -> u64 {
    let mut n = 0;
    for line in lines {
        let page: APage<'_> = serde_json::from_slice(line).expect("serde_json parses every line");
        n += analyze_streams(&page);
    }
    n
}

fn sonic_full_count(lines: &[&[u8]]) -> u64 {
    let mut n = 0;
    for line in lines {
        let page: Page<'_> = sonic_rs::from_slice(line).expect("sonic-rs parses every line");
        n += full_streams(&page);
    }
    n
}

fn sonic_analyze_count(lines: &[&[u8]]) -> u64 {
    let mut n = 0;
    for line in lines {
        let page: APage<'_> = sonic_rs::from_slice(line).expect("sonic-rs parses every line");
        n += analyze_streams(&page);
    }
    n
}

fn arr<'v, 'a>(v: Option<&'v simd_json::BorrowedValue<'a>>) -> &'v [simd_json::BorrowedValue<'a>] {
    v.and_then(|v| v.as_array())
        .map(|a| a.as_slice())
        .unwrap_or(&[])
}

fn value_streams(v: &simd_json::BorrowedValue<'_>) -> u64 {
    let mut n = 0;
    for s in arr(v.get("value")) {
        for g in arr(s.get("segments")) {
            for m in arr(g.get("media")) {
                n += arr(m.get("streams")).len() as u64;
            }
        }
    }
    n
}

fn simd_value_count(buf: &mut Vec<u8>, lines: &[&[u8]]) -> u64 {
    let mut n = 0;
    for line in lines {
        buf.clear();
        buf.extend_from_slice(line);
        let v = simd_json::to_borrowed_value(buf).expect("simd-json parses every line");
        n += value_streams(&v);
    }
    n
}

/// The line copy callq does: into a reused buffer padded for simd-json.
#[inline]
fn copy_padded(buf: &mut Vec<u8>, line: &[u8]) {
    buf.clear();
    buf.extend_from_slice(line);
    buf.resize(line.len() + simd_json::INPUT_PADDING, b' ');
}

fn copy_only(buf: &mut Vec<u8>, lines: &[&[u8]]) -> u64 {
    let mut n = 0u64;
    for line in lines {
        copy_padded(buf, line);
        n = n.wrapping_add(u64::from(black_box(&buf[..])[0]));
    }
    n
}

/// What `LineParser::parse` does before its walk: the copy and the tape, buffers reused.
struct TapeOnly {
    buf: Vec<u8>,
    buffers: simd_json::Buffers,
    tape: Option<simd_json::Tape<'static>>,
}

impl TapeOnly {
    fn new() -> Self {
        TapeOnly {
            buf: Vec::new(),
            buffers: simd_json::Buffers::new(64 * 1024),
            tape: Some(simd_json::Tape::null()),
        }
    }

    /// Total tape nodes over all lines.
    fn run(&mut self, lines: &[&[u8]]) -> u64 {
        let mut nodes = 0;
        for line in lines {
            copy_padded(&mut self.buf, line);
            let mut tape = self
                .tape
                .take()
                .unwrap_or_else(simd_json::Tape::null)
                .reset();
            simd_json::fill_tape_padded(&mut self.buf, line.len(), &mut self.buffers, &mut tape)
                .expect("simd-json parses every line");
            nodes += tape.0.len() as u64;
            self.tape = Some(tape.reset());
        }
        nodes
    }
}

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
    group.bench_function("callq_analyze", |b| {
        b.iter(|| callq_count(&mut parser, black_box(lines), Reading::Analyze))
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
