//! NDJSON framing as the analyzer sees it: line ends, blank lines, BOM, final line, long lines,
//! exact positions of bad lines, and a property test against a naive reference splitter.

use callq::analyze::{Analyzer, Report};
use callq::document::Reading;
use callq::framing::Lines;
use proptest::prelude::*;

const GOOD: &str = r#"{"value":[{"id":"s","segments":[{"media":[{"streams":[{"averageJitter":"PT0.01S"},{}]}]}]}]}"#;
const BAD_JSON: &str = r#"{"value":[{"id":"s"}"#;
const BAD_SHAPE: &str = r#"{"error":{"code":"TooManyRequests"}}"#;

fn run(data: &[u8]) -> Report {
    Analyzer::new()
        .reading(Reading::Full)
        .analyze_bytes("in.ndjson", data)
        .unwrap()
}

/// (line, byteOffset) of every listed bad line, checking the file name on the way.
fn positions(r: &Report) -> Vec<(u64, u64)> {
    r.errors
        .iter()
        .map(|e| {
            assert_eq!(e.position.file, "in.ndjson");
            (e.position.line, e.position.byte_offset)
        })
        .collect()
}

#[test]
fn crlf_line_ends() {
    let data = format!("{GOOD}\r\n{BAD_JSON}\r\n{GOOD}\r\n");
    let r = run(data.as_bytes());
    assert_eq!(
        (
            r.input.lines,
            r.input.documents,
            r.input.bad_lines,
            r.input.streams
        ),
        (3, 2, 1, 4)
    );
    let off = (GOOD.len() + 2) as u64;
    assert_eq!(positions(&r), vec![(2, off)]);
    // The CR is not part of the line: the same line with LF only gives the same message.
    let lf = run(format!("{GOOD}\n{BAD_JSON}\n").as_bytes());
    assert_eq!(r.errors[0].message, lf.errors[0].message);
}

#[test]
fn blank_lines_are_skipped_but_counted_in_line_numbers() {
    let data = format!("\n  \n\t\n\r\n \t\r \r\n{GOOD}\n\n{BAD_SHAPE}\n   ");
    let r = run(data.as_bytes());
    assert_eq!(
        (r.input.lines, r.input.documents, r.input.bad_lines),
        (2, 1, 1)
    );
    let bad_at = data.find(BAD_SHAPE).unwrap() as u64;
    assert_eq!(positions(&r), vec![(8, bad_at)]);
    assert!(
        r.errors[0]
            .message
            .starts_with("not a callRecords document")
    );
    // A line with a vertical tab, form feed or NUL is not blank (not JSON either).
    for odd in ["\x0b", "\x0c", "\0", " \u{a0} "] {
        let r = run(format!("{GOOD}\n{odd}\n").as_bytes());
        assert_eq!((r.input.lines, r.input.bad_lines), (2, 1), "{odd:?}");
    }
}

#[test]
fn a_bom_at_the_start_is_skipped_and_line_1_starts_at_offset_0() {
    let r = run(format!("\u{feff}{GOOD}\n").as_bytes());
    assert_eq!(
        (r.input.lines, r.input.documents, r.input.bad_lines),
        (1, 1, 0)
    );
    let r = run(format!("\u{feff}{BAD_JSON}\n{GOOD}").as_bytes());
    assert_eq!(positions(&r), vec![(1, 0)]);
    // Only at the start of the input: a BOM on line 2 makes it bad.
    let r = run(format!("{GOOD}\n\u{feff}{GOOD}\n").as_bytes());
    assert_eq!(positions(&r), vec![(2, GOOD.len() as u64 + 1)]);
    // A BOM alone, or a BOM then a blank line, is an input without lines.
    assert_eq!(run("\u{feff}".as_bytes()).input.lines, 0);
    assert_eq!(run("\u{feff} \r\n".as_bytes()).input.lines, 0);
    // `bytes` counts the BOM.
    assert_eq!(
        run(format!("\u{feff}{GOOD}").as_bytes()).input.bytes,
        GOOD.len() as u64 + 3
    );
}

#[test]
fn a_final_line_without_newline_is_an_ordinary_line() {
    let r = run(format!("{GOOD}\n{GOOD}").as_bytes());
    assert_eq!((r.input.lines, r.input.documents), (2, 2));
    let r = run(format!("{GOOD}\n{BAD_JSON}").as_bytes());
    assert_eq!(positions(&r), vec![(2, GOOD.len() as u64 + 1)]);
    // … also when it ends with a CR.
    let r = run(format!("{GOOD}\r\n{GOOD}\r").as_bytes());
    assert_eq!(
        (r.input.lines, r.input.documents, r.input.bad_lines),
        (2, 2, 0)
    );
    assert_eq!(run(b"").input.lines, 0);
}

#[test]
fn a_50_mb_line_is_read_with_default_limits() {
    const SIZE: usize = 50 << 20;
    let head = r#"{"value":[{"segments":[{"media":[{"streams":[{"averageJitter":"PT0.02S"}]}]}]}],"padding":""#;
    let mut line = Vec::with_capacity(SIZE + 64);
    line.extend_from_slice(head.as_bytes());
    line.resize(SIZE - 2, b'x');
    line.extend_from_slice(b"\"}");
    assert_eq!(line.len(), SIZE);
    let mut data = format!("{GOOD}\n").into_bytes();
    data.extend_from_slice(&line);
    data.extend_from_slice(format!("\n{BAD_SHAPE}\n").as_bytes());
    let r = Analyzer::new().analyze_bytes("in.ndjson", &data).unwrap();
    assert_eq!(
        (
            r.input.lines,
            r.input.documents,
            r.input.bad_lines,
            r.input.streams
        ),
        (3, 2, 1, 3)
    );
    assert_eq!(positions(&r), vec![(3, (GOOD.len() + 1 + SIZE + 1) as u64)]);
    // With a lower limit the same line is a bad line, at its own position.
    let r = Analyzer::new()
        .max_line_bytes(1 << 20)
        .analyze_bytes("in.ndjson", &data)
        .unwrap();
    assert_eq!(
        positions(&r),
        vec![
            (2, GOOD.len() as u64 + 1),
            (3, (GOOD.len() + 1 + SIZE + 1) as u64)
        ]
    );
    assert!(
        r.errors[0].message.contains("longer than --max-line-bytes"),
        "{}",
        r.errors[0].message
    );
}

#[test]
fn bad_lines_are_reported_with_exact_positions() {
    let lines = [
        GOOD, BAD_JSON, "", GOOD, BAD_SHAPE, " ", "[1,2]", GOOD, "nul\0l", "{}",
    ];
    let data = lines.join("\n");
    let r = run(data.as_bytes());
    let mut want = Vec::new();
    let mut offset = 0;
    for (i, l) in lines.iter().enumerate() {
        if [BAD_JSON, BAD_SHAPE, "[1,2]", "nul\0l", "{}"].contains(l) {
            want.push((i as u64 + 1, offset));
        }
        offset += l.len() as u64 + 1;
    }
    assert_eq!(positions(&r), want);
    // By hand: GOOD is 92 bytes, BAD_JSON 20, BAD_SHAPE 36.
    assert_eq!(GOOD.len(), 92);
    assert_eq!(
        positions(&r),
        vec![(2, 93), (5, 208), (7, 247), (9, 346), (10, 352)]
    );
    assert_eq!(
        (r.input.lines, r.input.documents, r.input.bad_lines),
        (8, 3, 5)
    );
    assert!(r.errors[0].message.starts_with("invalid JSON at byte"));
    assert_eq!(
        r.errors[2].message,
        "not a callRecords document: expected a JSON object, found array"
    );
}

// ---- property: the analyzer frames like a naive splitter, whatever the chunk size ----------

#[derive(Clone, Debug)]
enum Kind {
    Good(usize),
    BadJson,
    BadShape,
    Blank(String),
}

fn line_text(k: &Kind) -> String {
    match k {
        Kind::Good(n) => {
            let sessions: Vec<&str> =
                std::iter::repeat_n(r#"{"segments":[{"media":[{"streams":[{}]}]}]}"#, *n).collect();
            format!(r#"{{"value":[{}]}}"#, sessions.join(","))
        }
        Kind::BadJson => BAD_JSON.to_owned(),
        Kind::BadShape => BAD_SHAPE.to_owned(),
        Kind::Blank(s) => s.clone(),
    }
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        4 => (0usize..4).prop_map(Kind::Good),
        1 => Just(Kind::BadJson),
        1 => Just(Kind::BadShape),
        1 => proptest::string::string_regex("[ \t\r]{0,4}").unwrap().prop_map(Kind::Blank),
    ]
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Expected {
    lines: u64,
    documents: u64,
    bad_lines: u64,
    sessions: u64,
    errors: Vec<(u64, u64)>,
}

/// The reference: `split(b'\n')`, drop the empty piece after a final LF, strip one CR, skip a
/// BOM on the first line, classify by content with no knowledge of chunks.
fn reference(data: &[u8]) -> Expected {
    let mut e = Expected::default();
    let mut pieces: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if data.is_empty() || data.ends_with(b"\n") {
        pieces.pop();
    }
    let mut offset = 0u64;
    for (i, piece) in pieces.iter().enumerate() {
        let mut content = piece.strip_suffix(b"\r").unwrap_or(piece);
        if i == 0 {
            content = content.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(content);
        }
        if !content.iter().all(|b| b" \t\r".contains(b)) {
            e.lines += 1;
            let v: Option<serde_json::Value> = serde_json::from_slice(content).ok();
            match v
                .as_ref()
                .and_then(|v| v.get("value"))
                .and_then(|v| v.as_array())
            {
                Some(sessions) => {
                    e.documents += 1;
                    e.sessions += sessions.len() as u64;
                }
                None => {
                    e.bad_lines += 1;
                    e.errors.push((i as u64 + 1, offset));
                }
            }
        }
        offset += piece.len() as u64 + 1;
    }
    e
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn analyzer_framing_matches_a_naive_splitter(
        kinds in proptest::collection::vec(kind(), 0..40),
        crlf in any::<bool>(),
        final_newline in any::<bool>(),
        bom in any::<bool>(),
        chunk in 1usize..300,
    ) {
        let sep = if crlf { "\r\n" } else { "\n" };
        let mut text = if bom { "\u{feff}".to_owned() } else { String::new() };
        text.push_str(&kinds.iter().map(line_text).collect::<Vec<_>>().join(sep));
        if final_newline && !kinds.is_empty() {
            text.push_str(sep);
        }
        let data = text.as_bytes();
        let want = reference(data);
        for reading in [Reading::Full, Reading::Analyze] {
            let r = Analyzer::new().reading(reading).chunk_size(chunk).analyze_bytes("in.ndjson", data).unwrap();
            let got = Expected {
                lines: r.input.lines,
                documents: r.input.documents,
                bad_lines: r.input.bad_lines,
                sessions: r.input.sessions,
                errors: positions(&r),
            };
            prop_assert_eq!(&got, &want);
            prop_assert_eq!(r.input.streams, want.sessions);
            prop_assert_eq!(r.input.bytes, data.len() as u64);
        }
    }
}

/// A sum over lines, merged by addition (for the driver's tests).
#[derive(Default)]
struct Sum(u64);

impl callq::parallel::Merge for Sum {
    fn merge(&mut self, later: Self) {
        self.0 += later.0;
    }
}

/// Runs `driver` on a 4-thread pool with a per-line closure that itself uses rayon (while it
/// waits, its thread may steal another chunk or a helper of the driver), and checks the sum
/// against a sequential one; a deadlock fails after a minute.
fn sum_with_nested_rayon(driver: callq::parallel::ParallelLines, what: &str) {
    use rayon::prelude::*;
    let data: Vec<u8> = (0..20_000u32)
        .flat_map(|i| format!("{i} {}\n", "x".repeat((i % 97) as usize)).into_bytes())
        .collect();
    let expected: u64 = data
        .split(|&b| b == b'\n')
        .map(|l| l.iter().map(|&b| u64::from(b)).sum::<u64>())
        .sum();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let total = pool.install(|| {
            driver.chunk_size(4096).run(
                &data,
                Vec::<u8>::new,
                Sum::default,
                |scratch: &mut Vec<u8>, acc: &mut Sum, line| {
                    scratch.clear();
                    scratch.extend_from_slice(line.bytes);
                    acc.0 += scratch.par_iter().map(|&b| u64::from(b)).sum::<u64>();
                },
            )
        });
        let _ = tx.send(total.0);
    });
    let got = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("{what}: the driver deadlocked with a nested rayon call"));
    assert_eq!(got, expected, "{what}");
}

/// A per-line closure that itself uses rayon does not deadlock the driver (a chunk's scratch
/// state is not locked while it runs), and the result is the same as a sequential count.
#[test]
fn per_line_closures_may_use_rayon_themselves() {
    sum_with_nested_rayon(callq::parallel::ParallelLines::new(), "counted batches");
}

/// The same with batches that flow into each other, while the driver's helpers stop and start
/// at the window's edge (batches of one small chunk).
#[test]
fn per_line_closures_may_use_rayon_while_batches_flow() {
    use callq::parallel::ParallelLines;
    for (batch, fold) in [(1, true), (1, false), (3, true), (0, true)] {
        let mut driver = ParallelLines::new()
            .chunk_relative_lines(true)
            .fold_chunks(fold);
        if batch > 0 {
            driver = driver.batch_chunks(batch);
        }
        sum_with_nested_rayon(driver, &format!("batch {batch}, fold {fold}"));
    }
}

/// A panic in a per-line closure reaches the caller soon, whichever thread it happens on: the
/// other threads stop within the window of batches in flight (the panicking task's batch never
/// completes, so no batch past the window starts), instead of reading the rest of the input.
#[test]
fn a_panicking_line_stops_the_flowing_batches_within_the_window() {
    use callq::parallel::ParallelLines;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let lines = 20_000usize;
    let data: Vec<u8> = (0..lines)
        .flat_map(|i| format!("{i} {}\n", "x".repeat(i % 97)).into_bytes())
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    // Line 1000 is in about the 13th of ~250 chunks; with batches of one chunk, three in
    // flight and the caller's and a helper's task running, a few more chunks are read at most.
    for round in 0..8 {
        let seen = AtomicUsize::new(0);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pool.install(|| {
                ParallelLines::new()
                    .chunk_relative_lines(true)
                    .fold_chunks(true)
                    .batch_chunks(1)
                    .chunk_size(4096)
                    .run(
                        &data,
                        || (),
                        Sum::default,
                        |_: &mut (), acc: &mut Sum, line| {
                            seen.fetch_add(1, Ordering::Relaxed);
                            assert!(!line.bytes.starts_with(b"1000 "), "the bad line");
                            acc.0 += 1;
                        },
                    )
            })
        }));
        assert!(
            outcome.is_err(),
            "round {round}: the panic reaches the caller"
        );
        let seen = seen.load(Ordering::Relaxed);
        assert!(
            seen < lines / 4,
            "round {round}: {seen} of {lines} lines read after a panic on line 1001"
        );
    }
}

/// The lines an accumulator saw, as (number, offset, length): line numbers are relative to
/// the accumulator's first line until [`Merge::rebase`] shifts them.
#[derive(Default, Debug, PartialEq)]
struct SeenLines(Vec<(u64, u64, usize)>);

impl callq::parallel::Merge for SeenLines {
    fn merge(&mut self, later: Self) {
        self.0.extend(later.0);
    }
    fn rebase(&mut self, lines_before: u64) {
        for line in &mut self.0 {
            line.0 += lines_before;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Under relative line numbering (batches flow into each other, tasks finish in any order),
    /// every batch reaches `on_batch` in input order, the batches cover the input once, and the
    /// lines seen are numbered as a sequential pass numbers them, whatever the chunk size,
    /// batch size, thread count and folding.
    #[test]
    fn relative_numbering_across_flowing_batches_matches_a_sequential_pass(
        lengths in proptest::collection::vec(0usize..40, 0..60),
        chunk in 1usize..120,
        batch in 1usize..6,
        threads in 1usize..5,
        fold in any::<bool>(),
    ) {
        use callq::parallel::{ParallelLines, StreamPosition};
        let data: Vec<u8> = lengths
            .iter()
            .enumerate()
            .flat_map(|(i, &n)| {
                let mut line = vec![b'a' + (i % 26) as u8; n];
                line.push(b'\n');
                line
            })
            .collect();
        let want: Vec<(u64, u64, usize)> = Lines::new(&data)
            .map(|l| (l.number, l.offset, l.bytes.len()))
            .collect();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let driver = ParallelLines::new()
            .chunk_size(chunk)
            .batch_chunks(batch)
            .chunk_relative_lines(true)
            .fold_chunks(fold);
        let mut pos = StreamPosition { next_line: 1, base: 0 };
        let mut batches: Vec<(std::ops::Range<usize>, SeenLines)> = Vec::new();
        pool.install(|| {
            driver.run_batches(
                &data,
                &mut pos,
                &|| (),
                &SeenLines::default,
                &|_: &mut (), acc: &mut SeenLines, line: callq::framing::Line<'_>| {
                    acc.0.push((line.number, line.offset, line.bytes.len()))
                },
                |range, acc| batches.push((range, acc)),
            )
        });
        let mut end = 0;
        for (range, _) in &batches {
            prop_assert_eq!(range.start, end, "batches in order, without gaps");
            prop_assert!(range.end > range.start);
            end = range.end;
        }
        prop_assert_eq!(end, data.len());
        let got: Vec<(u64, u64, usize)> = batches.into_iter().flat_map(|(_, acc)| acc.0).collect();
        prop_assert_eq!(got, want);
        prop_assert_eq!(pos.next_line, Lines::new(&data).count() as u64 + 1);
        prop_assert_eq!(pos.base, data.len() as u64);
    }
}
