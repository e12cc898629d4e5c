//! `Analyzer` end to end: determinism across threads and chunk sizes, the seed's classification,
//! every input kind, and golden JSON snapshots of the bundled corpus.

use crate::util::{dims, gzip, in_pool};
use std::io::Write;
use std::path::{Path, PathBuf};

use callq::analyze::{Analyzer, OnError, Progress, Report, RunError};
use callq::classify::Classifier;
use callq::generate::{GenConfig, Shape, generate};
use callq::input::InputSource;
use callq::report::{analyze_csv, analyze_json, analyze_table};

fn corpus(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(rel)
}

fn generated(size: u64, shape: Shape) -> Vec<u8> {
    let mut out = Vec::new();
    generate(
        &GenConfig {
            seed: 11,
            size,
            shape,
        },
        &mut out,
    )
    .unwrap();
    out
}

#[test]
fn report_is_byte_identical_for_any_thread_count_and_chunk_size() {
    let mut data = generated(6_000_000, Shape::Mixed);
    // Some bad lines too, so the error list is part of the comparison.
    data.extend_from_slice(
        b"{\"value\":[{\"segments\":[{\"media\":[{\"streams\":[{\"averageJitter\":1}]}]}]}]}\n",
    );
    data.extend_from_slice(b"not json\n\n");
    let analyzer = Analyzer::new().group_by(dims("month,label,sender.platform"));
    let reference = in_pool(1, || {
        analyze_json(&analyzer.analyze_bytes("g.ndjson", &data).unwrap())
    });
    assert!(reference.contains("\"badLines\": 2"));
    for threads in [2, 8] {
        for chunk in [1 << 12, 1 << 16, 1 << 22] {
            let a = analyzer.clone().chunk_size(chunk);
            let got = in_pool(threads, || {
                analyze_json(&a.analyze_bytes("g.ndjson", &data).unwrap())
            });
            assert!(
                got == reference,
                "threads {threads}, chunk {chunk}: report differs"
            );
        }
    }
}

fn seed_report(classifier: Classifier) -> Report {
    let page = std::fs::read(corpus(
        "graph-examples/v1.0-session-list-expand-segments.fixed.json",
    ))
    .unwrap();
    let line: Vec<u8> = page
        .iter()
        .map(|&b| if b == b'\n' || b == b'\r' { b' ' } else { b })
        .collect();
    Analyzer::new()
        .group_by(dims("direction"))
        .classifier(classifier)
        .analyze_bytes("seed.json", &line)
        .unwrap()
}

#[test]
fn the_seeds_two_streams_classify_as_cqd_md_says() {
    // calleeToCaller is stream 1785122252 (709 packets, 7 ms jitter, degradation 1.16);
    // callerToCallee is stream 1504545584 (67 packets, 16 ms jitter).
    let current = seed_report(Classifier::Current);
    let by_dir = |r: &Report, d: &str| {
        r.groups
            .iter()
            .find(|g| g.key == vec![Some(d.to_string())])
            .unwrap()
            .stats
            .clone()
    };
    let s1785 = by_dir(&current, "calleeToCaller");
    assert_eq!((s1785.good, s1785.poor, s1785.unclassified), (1, 0, 0));
    let s1504 = by_dir(&current, "callerToCallee");
    assert_eq!(
        (s1504.good, s1504.poor, s1504.unclassified),
        (0, 0, 1),
        "67 packets is not > 500"
    );

    let legacy = seed_report(Classifier::Cqd2020);
    let s1785 = by_dir(&legacy, "calleeToCaller");
    assert_eq!((s1785.good, s1785.poor), (0, 1));
    assert_eq!(s1785.poor_due_to[3], 1, "poor due to degradation");
    let s1504 = by_dir(&legacy, "callerToCallee");
    assert_eq!((s1504.good, s1504.poor), (1, 0));
}

#[test]
fn without_by_there_is_one_group_even_with_no_streams() {
    let report = Analyzer::new().analyze_bytes("empty", b"").unwrap();
    assert_eq!(report.groups.len(), 1);
    assert!(report.groups[0].key.is_empty());
    let json = analyze_json(&report);
    assert!(json.contains("\"key\": {}"));
    let report = Analyzer::new()
        .group_by(dims("label"))
        .analyze_bytes("empty", b"")
        .unwrap();
    assert!(report.groups.is_empty());
    let json = analyze_json(&report);
    assert!(json.contains("\n  \"groups\": [],\n"), "{json}");
    // The streamed writer is the same bytes.
    let mut streamed = Vec::new();
    callq::report::write_analyze_json(&report, &mut streamed).unwrap();
    assert_eq!(streamed, json.as_bytes());
}

#[test]
fn metrics_appear_alphabetically_in_every_group() {
    let report = Analyzer::new()
        .analyze_bytes("x", b"{\"value\":[]}\n")
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(&analyze_json(&report)).unwrap();
    let metrics = json["groups"][0]["metrics"].as_object().unwrap();
    let names: Vec<&String> = metrics.keys().collect();
    assert_eq!(names.len(), 22);
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(metrics["averageJitter"]["count"], 0);
    assert_eq!(metrics["averageJitter"]["unit"], "ms");
    assert!(metrics["averageJitter"]["p50"].is_null());
}

#[test]
fn a_bad_line_is_never_half_counted_and_fail_stops() {
    let data = b"{\"value\":[{\"segments\":[{\"media\":[{\"streams\":[{}]}]}]},{\"segments\":[{\"media\":[{\"streams\":[{\"averageJitter\":5}]}]}]}]}\n";
    let report = Analyzer::new().analyze_bytes("bad.ndjson", data).unwrap();
    assert_eq!(
        (
            report.input.lines,
            report.input.bad_lines,
            report.input.documents
        ),
        (1, 1, 0)
    );
    assert_eq!((report.input.sessions, report.input.streams), (0, 0));
    assert_eq!(report.groups[0].stats.streams, 0);
    assert_eq!(
        report.errors[0].message,
        "value[1].segments[0].media[0].streams[0].averageJitter: expected an ISO-8601 duration, found number"
    );
    match Analyzer::new()
        .on_error(OnError::Fail)
        .analyze_bytes("bad.ndjson", data)
    {
        Err(RunError::BadLine(b)) => {
            assert_eq!(
                (
                    b.position.file.as_str(),
                    b.position.line,
                    b.position.byte_offset
                ),
                ("bad.ndjson", 1, 0)
            )
        }
        other => panic!("expected a bad line, got {other:?}"),
    }
}

#[test]
fn only_the_first_100_bad_lines_are_listed_in_input_order() {
    let mut data = Vec::new();
    for i in 0..250 {
        writeln!(data, "{{\"broken\": {i}").unwrap();
    }
    let report = in_pool(2, || {
        Analyzer::new()
            .chunk_size(512)
            .analyze_bytes("b", &data)
            .unwrap()
    });
    assert_eq!(report.input.bad_lines, 250);
    assert_eq!(report.errors.len(), 100);
    let lines: Vec<u64> = report.errors.iter().map(|e| e.position.line).collect();
    assert_eq!(lines, (1..=100).collect::<Vec<u64>>());
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn plain_gzip_zstd_and_directories_give_the_same_report() {
    let data = generated(1_500_000, Shape::Sessions);
    let tmp = tempfile::tempdir().unwrap();
    let plain = write(tmp.path(), "a/x.ndjson", &data);
    // Two gzip members concatenated: MultiGzDecoder reads both.
    let half = data.len() / 2;
    let cut = half + data[half..].iter().position(|&b| b == b'\n').unwrap() + 1;
    let mut gz = gzip(&data[..cut]);
    gz.extend(gzip(&data[cut..]));
    let gz = write(tmp.path(), "b/x.ndjson.gz", &gz);
    let zst = write(
        tmp.path(),
        "c/x.jsonl.zst",
        &zstd::encode_all(&data[..], 3).unwrap(),
    );
    write(tmp.path(), "c/ignored.txt", b"not an input");

    let analyzer = Analyzer::new()
        .group_by(dims("direction"))
        .chunk_size(1 << 16);
    let run = |paths: &[&Path]| {
        let args: Vec<String> = paths
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        analyzer.analyze_paths(&args, &Progress::default()).unwrap()
    };
    let reference = run(&[&plain]);
    assert_eq!(reference.input.bytes, data.len() as u64);
    for path in [&gz, &zst] {
        let got = run(&[path]);
        assert_eq!(got.input, reference.input, "{}", path.display());
        assert_eq!(
            analyze_json(&got).replace(&*path.to_string_lossy(), "F"),
            analyze_json(&reference).replace(&*plain.to_string_lossy(), "F")
        );
    }
    // A directory is searched recursively by extension, in byte order of paths. The three
    // files are copies: one of each session is kept (every copy with --keep-duplicates).
    let all = run(&[tmp.path()]);
    assert_eq!(all.input.files, 3);
    assert_eq!(all.input.streams, reference.input.streams);
    assert_eq!(all.input.duplicate_sessions, 2 * reference.input.sessions);
    assert_eq!(
        analyze_json(&all).split("\"groups\"").nth(1),
        analyze_json(&reference).split("\"groups\"").nth(1)
    );
    let every = analyzer
        .clone()
        .keep_duplicates(true)
        .analyze_paths(
            &[tmp.path().to_string_lossy().into_owned()],
            &Progress::default(),
        )
        .unwrap();
    assert_eq!(every.input.streams, 3 * reference.input.streams);
}

/// Inputs run a file per task beside their own chunks: whatever the mix of sizes (smaller and
/// larger than a batch), the thread count and a missing file among them, the groups are those
/// of the same lines in one file, and a bad line keeps its file.
#[test]
fn inputs_of_mixed_sizes_give_the_report_of_one_file() {
    let data = generated(6_000_000, Shape::Mixed);
    let lines: Vec<&[u8]> = data.split_inclusive(|&b| b == b'\n').collect();
    let tmp = tempfile::tempdir().unwrap();
    // Chunks of 4 KiB make a batch 32 KiB a thread: files of one line, of a few, and of
    // hundreds of kB, in that order and mixed.
    let sizes = [1usize, 20, 2, 1, 3, 12, 1, 1, 30];
    let mut args = Vec::new();
    let mut all = Vec::new();
    let mut at = 0;
    for (i, &n) in sizes.iter().enumerate() {
        let mut file: Vec<u8> = lines[at..(at + n).min(lines.len())].concat();
        at += n;
        if i == 4 {
            file.extend_from_slice(b"not json\n");
        }
        all.extend_from_slice(&file);
        args.push(
            write(tmp.path(), &format!("{i:02}.ndjson"), &file)
                .to_string_lossy()
                .into_owned(),
        );
        if i == 6 {
            args.push(
                tmp.path()
                    .join("missing.ndjson")
                    .to_string_lossy()
                    .into_owned(),
            );
        }
    }
    assert!(at < lines.len(), "the corpus is long enough");
    let analyzer = Analyzer::new()
        .group_by(dims("day,label"))
        .keep_duplicates(true)
        .chunk_size(1 << 12);
    let one = write(tmp.path(), "one/all.ndjson", &all);
    let reference = in_pool(1, || {
        analyzer
            .analyze_paths(&[one.to_string_lossy().into_owned()], &Progress::default())
            .unwrap()
    });
    for threads in [1, 2, 3] {
        let got = in_pool(threads, || {
            analyzer.analyze_paths(&args, &Progress::default()).unwrap()
        });
        assert_eq!(got.input.files, sizes.len() as u64);
        assert_eq!(got.unreadable.len(), 1);
        assert_eq!(got.input.streams, reference.input.streams);
        assert_eq!(got.errors.len(), 1);
        assert!(got.errors[0].position.file.ends_with("04.ndjson"));
        let groups = |r: &Report| {
            let json = analyze_json(r);
            let from = json.find("\"groups\"").expect("groups");
            let to = json.find("\"classifier\"").expect("classifier");
            json[from..to].to_owned()
        };
        assert!(
            groups(&got) == groups(&reference),
            "{threads} threads: groups differ"
        );
    }
}

#[test]
fn an_unreadable_input_is_named_and_the_rest_still_processed() {
    let tmp = tempfile::tempdir().unwrap();
    let good = write(tmp.path(), "good.ndjson", b"{\"value\":[{}]}\n");
    let missing = tmp.path().join("missing.ndjson");
    let args = vec![
        good.to_string_lossy().into_owned(),
        missing.to_string_lossy().into_owned(),
    ];
    let report = Analyzer::new()
        .analyze_paths(&args, &Progress::default())
        .unwrap();
    assert_eq!(report.input.files, 1);
    assert_eq!(report.input.sessions, 1);
    assert_eq!(report.unreadable.len(), 1);
    assert!(
        report.unreadable[0].file.ends_with("missing.ndjson"),
        "{}",
        report.unreadable[0]
    );
    let strict = Analyzer::new()
        .keep_going_on_unreadable(false)
        .analyze_paths(&args, &Progress::default());
    assert!(matches!(strict, Err(RunError::Input(e)) if e.name.contains("missing.ndjson")));
}

#[test]
fn overlong_lines_are_bad_lines_from_files_and_streams() {
    let tmp = tempfile::tempdir().unwrap();
    let long = format!("{{\"value\":[],\"pad\":\"{}\"}}", "x".repeat(5000));
    let data = format!("{{\"value\":[{{}}]}}\n{long}\n{{\"value\":[{{}}]}}\n");
    let plain = write(tmp.path(), "l.ndjson", data.as_bytes());
    let gz = write(tmp.path(), "l.ndjson.gz", &gzip(data.as_bytes()));
    for path in [plain, gz] {
        let report = Analyzer::new()
            .max_line_bytes(1000)
            .analyze_inputs(
                &[InputSource::File {
                    name: "l".into(),
                    path: path.clone(),
                }],
                &Progress::default(),
                Vec::new(),
            )
            .unwrap();
        assert_eq!(
            (
                report.input.lines,
                report.input.bad_lines,
                report.input.sessions
            ),
            (3, 1, 2),
            "{} {:?}",
            path.display(),
            report.errors
        );
        let e = &report.errors[0];
        assert_eq!(
            (e.position.line, e.position.byte_offset),
            (2, 15),
            "{}",
            path.display()
        );
        assert!(
            e.message.contains("longer than --max-line-bytes"),
            "{}",
            e.message
        );
    }
}

/// Golden snapshots of the bundled corpus: the JSON report is part of the contract, so any
/// change to it must be deliberate. Regenerate with `CALLQ_UPDATE_GOLDEN=1 cargo test`.
#[test]
fn golden_reports_of_the_bundled_corpus() {
    let golden_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    for (file, report) in crate::util::golden_reports() {
        let got = analyze_json(&report);
        let path = golden_dir.join(file);
        if std::env::var_os("CALLQ_UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(&golden_dir).unwrap();
            std::fs::write(&path, &got).unwrap();
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            got == want,
            "{file} differs from the golden report; run with CALLQ_UPDATE_GOLDEN=1 to accept"
        );
    }
    // Table and CSV renderings of the same report, snapshotted too.
    let data = crate::util::sample();
    let report = Analyzer::new()
        .group_by(dims("direction,label"))
        .keep_duplicates(true)
        .analyze_bytes("corpus/sample.ndjson", &data)
        .unwrap();
    for (file, got) in [
        ("sample-by-direction-label.txt", analyze_table(&report)),
        ("sample-by-direction-label.csv", analyze_csv(&report)),
    ] {
        let path = golden_dir.join(file);
        if std::env::var_os("CALLQ_UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, &got).unwrap();
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            got == want,
            "{file} differs from the golden report; run with CALLQ_UPDATE_GOLDEN=1 to accept"
        );
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    fn corpus_lines() -> &'static Vec<Vec<u8>> {
        static LINES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
        LINES.get_or_init(|| {
            generated(600_000, Shape::Mixed)
                .split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .map(<[u8]>::to_vec)
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Sequential and parallel runs with any chunk size, LF or CRLF, with bad and blank lines
        /// mixed in, give the same report.
        #[test]
        fn parallel_equals_sequential(
            picks in proptest::collection::vec((0usize..1000, 0u8..10), 1..40),
            chunk in 1usize..200_000,
            crlf in any::<bool>(),
            threads in 2usize..5,
        ) {
            let lines = corpus_lines();
            let mut data = Vec::new();
            for (i, kind) in picks {
                match kind {
                    0 => data.extend_from_slice(b"{\"value\":[{\"isTest\":1,\"segments\":7}]}"),
                    1 => data.extend_from_slice(b"  \t"),
                    _ => data.extend_from_slice(&lines[i % lines.len()]),
                }
                data.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
            }
            let analyzer = Analyzer::new().group_by(dims("direction,caller.productFamily"));
            let sequential = in_pool(1, || analyze_json(&analyzer.clone().chunk_size(usize::MAX / 2).analyze_bytes("p", &data).unwrap()));
            let parallel = in_pool(threads, || analyze_json(&analyzer.clone().chunk_size(chunk).analyze_bytes("p", &data).unwrap()));
            prop_assert!(sequential == parallel);
        }
    }
}

#[test]
fn fail_stops_a_streamed_input_early_without_hanging() {
    // A bad line in the first block, then more blocks than the reader thread can buffer.
    let mut data = b"{\"value\":[{\"segments\":[{\"media\":[{\"streams\":[{\"packetUtilization\":\"x\"}]}]}]}]}\n".to_vec();
    data.extend(generated(3_000_000, Shape::Sessions));
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "f.ndjson.gz", &gzip(&data));
    let input = [InputSource::File {
        name: "f.ndjson.gz".into(),
        path,
    }];
    let result = Analyzer::new()
        .chunk_size(4096) // 64 KiB blocks: dozens of them
        .on_error(OnError::Fail)
        .analyze_inputs(&input, &Progress::default(), Vec::new());
    match result {
        Err(RunError::BadLine(b)) => {
            assert_eq!((b.position.line, b.position.byte_offset), (1, 0));
            assert!(b.message.contains("packetUtilization"), "{}", b.message);
        }
        other => panic!("expected the first bad line, got {other:?}"),
    }
}

#[test]
fn many_small_files_run_in_parallel_and_merge_in_input_order() {
    // 40 files of a few lines each, bad lines in files 5, 6 and 31 (in input order), and a gz
    // file in the middle (streams are read between the parallel runs of plain files).
    let data = generated(6_000_000, Shape::Sessions);
    let lines: Vec<&[u8]> = data.split_inclusive(|&b| b == b'\n').collect();
    assert!(lines.len() >= 80, "{} lines", lines.len());
    let tmp = tempfile::tempdir().unwrap();
    let per_file = lines.len() / 40;
    for (i, part) in lines[..per_file * 40].chunks(per_file).enumerate() {
        let mut bytes = part.concat();
        if [5, 6, 31].contains(&i) {
            bytes.extend_from_slice(format!("{{\"broken\": {i}\n").as_bytes());
        }
        let name = format!("d/{i:02}.ndjson");
        if i == 20 {
            write(tmp.path(), &format!("{name}.gz"), &gzip(&bytes));
        } else {
            write(tmp.path(), &name, &bytes);
        }
    }
    let dir = tmp.path().join("d").to_string_lossy().into_owned();
    let run = |threads: usize, analyzer: Analyzer| {
        in_pool(threads, || {
            analyzer.analyze_paths(std::slice::from_ref(&dir), &Progress::default())
        })
    };
    let analyzer = || Analyzer::new().group_by(dims("direction,label"));
    let one = run(1, analyzer()).unwrap();
    let two = run(2, analyzer()).unwrap();
    assert_eq!(one.input.files, 40);
    assert_eq!(one.input.bad_lines, 3);
    assert_eq!(analyze_json(&one), analyze_json(&two));
    // Mapped (as the CLI reads) or streamed (the library's default), the same report.
    // SAFETY: the test's own files, not modified while read.
    let mapped = run(2, unsafe { analyzer().memory_map() }).unwrap();
    assert_eq!(analyze_json(&one), analyze_json(&mapped));
    let files: Vec<&str> = one.errors.iter().map(|e| &*e.position.file).collect();
    assert!(files[0].ends_with("05.ndjson") && files[1].ends_with("06.ndjson"));
    assert!(files[2].ends_with("31.ndjson"), "{files:?}");
    // The same lines in one file give the same groups.
    let whole = write(tmp.path(), "whole.ndjson", &lines[..per_file * 40].concat());
    let single = Analyzer::new()
        .group_by(dims("direction,label"))
        .analyze_paths(
            &[whole.to_string_lossy().into_owned()],
            &Progress::default(),
        )
        .unwrap();
    assert_eq!(single.groups.len(), one.groups.len());
    for (a, b) in single.groups.iter().zip(&one.groups) {
        assert_eq!(a.key, b.key);
        assert_eq!(a.stats.streams, b.stats.streams);
    }
    // --on-error fail names the first bad line in input order, whatever finishes first.
    for threads in [1, 2] {
        match run(threads, analyzer().on_error(OnError::Fail)) {
            Err(RunError::BadLine(b)) => assert!(b.position.file.ends_with("05.ndjson"), "{b}"),
            other => panic!("expected the bad line of file 05, got {other:?}"),
        }
    }
}

/// Chunks of one line to a few KiB at 1, 2 and 4 threads: each rayon job folds its run of
/// consecutive chunks into one accumulator, wherever rayon splits, so the reports (several
/// groupings, a short list of bad lines in input order, dropped duplicates) must not change.
#[test]
fn tiny_chunks_at_one_two_and_four_threads_give_the_same_reports() {
    use callq::analyze::Grouping;
    let archive = generated(1_200_000, Shape::Mixed);
    let lines: Vec<&[u8]> = archive.split_inclusive(|&b| b == b'\n').collect();
    let mut data = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        data.extend_from_slice(line);
        if i % 2 == 1 {
            data.extend_from_slice(format!("not json {i}\n").as_bytes());
        }
        if i % 3 == 2 {
            // A re-sent copy of an earlier line: deduplication drops one of the two.
            data.extend_from_slice(lines[i / 2]);
        }
    }
    let groupings = [
        Grouping::new(dims("direction,label")),
        Grouping::counts(dims("day")),
        Grouping::new(dims("sender.platform")),
    ];
    for name in ["t.ndjson", "t.json"] {
        for keep in [false, true] {
            let analyzer = Analyzer::new().listed_errors(5).keep_duplicates(keep);
            let run = |threads: usize, chunk: usize| -> Vec<String> {
                in_pool(threads, || {
                    analyzer
                        .clone()
                        .chunk_size(chunk)
                        .analyze_bytes_grouped(name, &data, &groupings)
                        .unwrap()
                        .iter()
                        .map(analyze_json)
                        .collect()
                })
            };
            let reference = run(1, usize::MAX / 2);
            let bad = format!("\"badLines\": {},", lines.len() / 2);
            assert!(reference[0].contains(&bad), "{name}: {bad}");
            assert_eq!(
                reference[0].matches("\"message\"").count(),
                5,
                "{name}: 5 listed"
            );
            assert_eq!(
                reference[0].contains("\"duplicateSessions\": 0,"),
                keep,
                "{name}, keep {keep}"
            );
            for threads in [1, 2, 4] {
                for chunk in [1, 700, 1 << 12] {
                    assert!(
                        run(threads, chunk) == reference,
                        "{name}, keep {keep}, threads {threads}, chunk {chunk}: reports differ"
                    );
                }
            }
        }
    }
}
