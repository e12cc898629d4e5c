//! The timed routines, shared by the criterion benches and the interleaved runner.

use std::hint::black_box;

use callq::analyze::{Analyzer, GroupStats};
use callq::classify::{Classifier, classify};
use callq::document::{LineParser, Reading};
use simd_json::prelude::*;

use super::serde_model::{APage, Page, analyze_streams, full_streams};

fn count_streams(doc: Result<callq::model::Document<'_>, callq::document::DocumentError>) -> u64 {
    let doc = doc.expect("callq parses every line");
    doc.sessions()
        .flat_map(|s| s.segments)
        .flat_map(|g| g.media)
        .map(|m| m.streams.len() as u64)
        .sum::<u64>()
}

/// `LineParser::parse`: for `Reading::Analyze`, the on-demand reader.
pub fn callq_count(parser: &mut LineParser, lines: &[&[u8]], reading: Reading) -> u64 {
    let mut n = 0;
    for line in lines {
        n += parser.parse(line, reading, count_streams);
    }
    n
}

/// `Reading::Full` (what `callq check` reads) through simd-json's tape (the on-demand full
/// reading's oracle, and how `check` read before it had one).
pub fn callq_full_tape_count(parser: &mut LineParser, lines: &[&[u8]]) -> u64 {
    let mut n = 0;
    for line in lines {
        n += parser.parse_with_tape(line, Reading::Full, count_streams);
    }
    n
}

/// `Reading::Analyze` through simd-json's tape (the on-demand reader's oracle).
pub fn callq_tape_count(parser: &mut LineParser, lines: &[&[u8]]) -> u64 {
    let mut n = 0;
    for line in lines {
        n += parser.parse_with_tape(line, Reading::Analyze, count_streams);
    }
    n
}

pub fn serde_full_count(lines: &[&[u8]]) -> u64 {
    let mut n = 0;
    for line in lines {
        let page: Page<'_> = serde_json::from_slice(line).expect("serde_json parses every line");
        n += full_streams(&page);
    }
    n
}

pub fn serde_analyze_count(lines: &[&[u8]]) -> u64 {
    let mut n = 0;
    for line in lines {
        let page: APage<'_> = serde_json::from_slice(line).expect("serde_json parses every line");
        n += analyze_streams(&page);
    }
    n
}

pub fn sonic_full_count(lines: &[&[u8]]) -> u64 {
    let mut n = 0;
    for line in lines {
        let page: Page<'_> = sonic_rs::from_slice(line).expect("sonic-rs parses every line");
        n += full_streams(&page);
    }
    n
}

pub fn sonic_analyze_count(lines: &[&[u8]]) -> u64 {
    let mut n = 0;
    for line in lines {
        let page: APage<'_> = sonic_rs::from_slice(line).expect("sonic-rs parses every line");
        n += analyze_streams(&page);
    }
    n
}

pub fn arr<'v, 'a>(
    v: Option<&'v simd_json::BorrowedValue<'a>>,
) -> &'v [simd_json::BorrowedValue<'a>] {
    v.and_then(|v| v.as_array())
        .map(|a| a.as_slice())
        .unwrap_or(&[])
}

pub fn value_streams(v: &simd_json::BorrowedValue<'_>) -> u64 {
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

pub fn simd_value_count(buf: &mut Vec<u8>, lines: &[&[u8]]) -> u64 {
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
pub fn copy_padded(buf: &mut Vec<u8>, line: &[u8]) {
    buf.clear();
    buf.extend_from_slice(line);
    buf.resize(line.len() + simd_json::INPUT_PADDING, b' ');
}

pub fn copy_only(buf: &mut Vec<u8>, lines: &[&[u8]]) -> u64 {
    let mut n = 0u64;
    for line in lines {
        copy_padded(buf, line);
        n = n.wrapping_add(u64::from(black_box(&buf[..])[0]));
    }
    n
}

/// What `LineParser::parse` does before its walk: the copy and the tape, buffers reused.
pub struct TapeOnly {
    buf: Vec<u8>,
    buffers: simd_json::Buffers,
    tape: Option<simd_json::Tape<'static>>,
}

#[allow(clippy::new_without_default)]
impl TapeOnly {
    pub fn new() -> Self {
        TapeOnly {
            buf: Vec::new(),
            buffers: simd_json::Buffers::new(64 * 1024),
            tape: Some(simd_json::Tape::null()),
        }
    }

    /// Total tape nodes over all lines.
    pub fn run(&mut self, lines: &[&[u8]]) -> u64 {
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

/// `Analyzer::new().analyze_bytes` on `pool`: the single group's statistics.
pub fn callq_analyze(pool: &rayon::ThreadPool, data: &[u8]) -> GroupStats {
    let report = pool
        .install(|| Analyzer::new().analyze_bytes("bench", data))
        .expect("analysis runs");
    assert_eq!(report.input.bad_lines, 0);
    report.groups.into_iter().next().expect("one group").stats
}

/// The same aggregation with serde_json into the analyze-only structs, on one thread.
pub fn serde_baseline(lines: &[&[u8]]) -> GroupStats {
    let mut group = GroupStats::new();
    for line in lines {
        let page: APage<'_> = serde_json::from_slice(line).expect("serde_json parses every line");
        for session in page.value.iter().flatten() {
            for segment in session.segments.iter().flatten() {
                for media in segment.media.iter().flatten() {
                    let label = media.label.as_ref().map(|l| &*l.0);
                    for stream in media.streams.iter().flatten() {
                        let s = stream.to_model();
                        let (quality, reasons) = classify(Classifier::Current, label, &s);
                        group.add(&s, quality, reasons);
                    }
                }
            }
        }
    }
    group
}
