//! Record identity and duplicates (issue 13): one copy of each (record id, session id) counts,
//! the highest version's, then the last in input order, for every input and thread count.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use callq::analyze::{Analyzer, Progress, Report};
use callq::generate::{GenConfig, Shape, generate};
use callq::report::analyze_json;
use proptest::prelude::*;
use serde_json::Value;

use crate::util::{dims, gzip, in_pool, text};

fn callq(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_callq"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let data = stdin.unwrap_or_default().to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

fn generated(seed: u64, size: u64, shape: Shape) -> Vec<u8> {
    let mut out = Vec::new();
    generate(&GenConfig { seed, size, shape }, &mut out).unwrap();
    out
}

fn lines(data: &[u8]) -> Vec<&[u8]> {
    data.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect()
}

fn join(lines: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l);
        out.push(b'\n');
    }
    out
}

/// The part of a JSON report after `"groups"`: the statistics, without the input counts.
fn groups(json: &str) -> String {
    json.split("\"groups\"").nth(1).unwrap().to_owned()
}

fn paths(files: &[PathBuf]) -> Vec<String> {
    files
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect()
}

// ---- the reference: serde_json, one copy per identity, written out and read without dedupe --

fn version_of(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// The deduplicated sessions of `files` (in order), each as a one-session page without an
/// identity, and how many copies were dropped.
fn reference(files: &[Vec<u8>]) -> (Vec<u8>, u64) {
    // identity -> ((version, order), session)
    type Rank = (i64, (usize, usize, usize));
    let mut kept: HashMap<(String, String), (Rank, Value)> = HashMap::new();
    let mut unidentified = Vec::new();
    let mut copies = 0u64;
    for (f, data) in files.iter().enumerate() {
        for (l, line) in lines(data).into_iter().enumerate() {
            let doc: Value = serde_json::from_slice(line).unwrap();
            let mut sessions: Vec<(Option<String>, i64, Value)> = Vec::new();
            if let Some(list) = doc["sessions"].as_array() {
                let version = version_of(&doc["version"]).unwrap_or(i64::MIN);
                let id = doc["id"].as_str().map(str::to_owned);
                sessions.extend(list.iter().map(|s| (id.clone(), version, s.clone())));
            } else if let Some(value) = doc["value"].as_array() {
                if value.iter().any(|e| e.get("sessions").is_some()) {
                    for r in value {
                        let version = version_of(&r["version"]).unwrap_or(i64::MIN);
                        let id = r["id"].as_str().map(str::to_owned);
                        for s in r["sessions"].as_array().into_iter().flatten() {
                            sessions.push((id.clone(), version, s.clone()));
                        }
                    }
                } else {
                    let ctx = doc["@odata.context"].as_str().unwrap_or("");
                    let id = ctx
                        .split("callRecords('")
                        .nth(1)
                        .and_then(|rest| rest.split('\'').next())
                        .map(str::to_owned);
                    sessions.extend(value.iter().map(|s| (id.clone(), i64::MIN, s.clone())));
                }
            }
            for (k, (id, version, session)) in sessions.into_iter().enumerate() {
                if session.is_null() {
                    continue;
                }
                let sid = session["id"].as_str().map(str::to_owned);
                match (id, sid) {
                    (Some(id), Some(sid)) => {
                        copies += 1;
                        let rank = (version, (f, l, k));
                        let slot = kept.entry((id, sid)).or_insert((rank, session.clone()));
                        if rank >= slot.0 {
                            *slot = (rank, session);
                        }
                    }
                    _ => unidentified.push(session),
                }
            }
        }
    }
    let dropped = copies - kept.len() as u64;
    let mut winners: Vec<_> = kept.into_values().collect();
    winners.sort_by_key(|a| a.0);
    let mut out = Vec::new();
    for s in winners.into_iter().map(|(_, s)| s).chain(unidentified) {
        serde_json::to_writer(&mut out, &serde_json::json!({ "value": [s] })).unwrap();
        out.push(b'\n');
    }
    (out, dropped)
}

fn reference_report(files: &[Vec<u8>], by: &str) -> (Report, u64) {
    let (data, dropped) = reference(files);
    let report = Analyzer::new()
        .group_by(if by.is_empty() { Vec::new() } else { dims(by) })
        .keep_duplicates(true)
        .analyze_bytes("reference.ndjson", &data)
        .unwrap();
    (report, dropped)
}

fn write_files(dir: &Path, files: &[Vec<u8>], ext: &str) -> Vec<PathBuf> {
    files
        .iter()
        .enumerate()
        .map(|(k, data)| {
            let path = dir.join(format!("f{k:02}.{ext}"));
            let bytes = match ext {
                "ndjson.gz" => gzip(data),
                "ndjson.zst" => zstd::encode_all(&data[..], 3).unwrap(),
                _ => data.clone(),
            };
            std::fs::write(&path, bytes).unwrap();
            path
        })
        .collect()
}

/// Overlapping pieces of `all`: piece k holds lines [starts[k], ends[k]).
fn overlapping(all: &[&[u8]], cuts: &[(usize, usize)]) -> Vec<Vec<u8>> {
    cuts.iter()
        .map(|&(a, b)| join(&all[a.min(all.len())..b.min(all.len())]))
        .collect()
}

// ---- tests -------------------------------------------------------------------------------

#[test]
fn the_same_file_twice_counts_once() {
    let data = generated(5, 400_000, Shape::Mixed);
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a.ndjson");
    std::fs::write(&a, &data).unwrap();
    let a = a.to_str().unwrap();
    let once = callq(&["analyze", "--format", "json", a], None);
    let twice = callq(&["analyze", "--format", "json", a, a], None);
    assert_eq!(twice.status.code(), Some(0), "{}", text(&twice.stderr));
    let once: Value = serde_json::from_slice(&once.stdout).unwrap();
    let twice_json: Value = serde_json::from_slice(&twice.stdout).unwrap();
    assert_eq!(once["input"]["duplicateSessions"], 0);
    assert_eq!(
        twice_json["input"]["duplicateSessions"],
        once["input"]["sessions"]
    );
    for k in ["sessions", "segments", "media", "streams"] {
        assert_eq!(twice_json["input"][k], once["input"][k], "{k}");
    }
    assert_eq!(twice_json["groups"], once["groups"]);
    let stderr = text(&twice.stderr);
    assert!(stderr.contains("duplicate sessions"), "{stderr}");
    // --keep-duplicates counts both.
    let every = callq(
        &["analyze", "--format", "json", "--keep-duplicates", a, a],
        None,
    );
    let every: Value = serde_json::from_slice(&every.stdout).unwrap();
    assert_eq!(
        every["input"]["sessions"].as_u64().unwrap(),
        2 * once["input"]["sessions"].as_u64().unwrap()
    );
    assert_eq!(every["input"]["duplicateSessions"], 0);
}

/// A callRecord with one session whose stream has `jitter` ms of average jitter.
fn record(id: &str, version: &str, jitter: u32) -> String {
    format!(
        r#"{{"id":"{id}","version":{version},"sessions":[{{"id":"s1","segments":[{{"media":[{{"label":"main-audio","streams":[{{"streamDirection":"callerToCallee","averageJitter":"PT0.{jitter:03}S"}}]}}]}}]}}]}}"#
    )
}

#[test]
fn the_newer_version_wins_whatever_the_order() {
    let old = format!("{}\n{}\n", record("r1", "1", 10), record("r2", "1", 20));
    let new = format!("{}\n", record("r1", "\"2\"", 90));
    let tmp = tempfile::tempdir().unwrap();
    let old_path = tmp.path().join("old.ndjson");
    let new_path = tmp.path().join("new.ndjson");
    std::fs::write(&old_path, &old).unwrap();
    std::fs::write(&new_path, &new).unwrap();
    let analyzer = Analyzer::new();
    let run = |files: &[&PathBuf]| {
        let args: Vec<String> = files
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        analyzer.analyze_paths(&args, &Progress::default()).unwrap()
    };
    let want = analyzer
        .analyze_bytes(
            "want.ndjson",
            format!("{}\n{}\n", record("r2", "1", 20), record("r1", "2", 90)).as_bytes(),
        )
        .unwrap();
    for files in [[&old_path, &new_path], [&new_path, &old_path]] {
        let got = run(&files);
        assert_eq!(got.input.sessions, 2);
        assert_eq!(got.input.duplicate_sessions, 1);
        assert_eq!(groups(&analyze_json(&got)), groups(&analyze_json(&want)));
    }
    // Equal versions: the last in input order. A page of sessions ranks below any version.
    let page = r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#communications/callRecords/r1/sessions","value":[{"id":"s1","segments":[{"media":[{"label":"main-audio","streams":[{"streamDirection":"callerToCallee","averageJitter":"PT0.555S"}]}]}]}]}"#;
    let data = format!(
        "{}\n{}\n{page}\n",
        record("r1", "1", 10),
        record("r1", "1", 30)
    );
    let got = analyzer.analyze_bytes("x.ndjson", data.as_bytes()).unwrap();
    assert_eq!((got.input.sessions, got.input.duplicate_sessions), (1, 2));
    let want = analyzer
        .analyze_bytes(
            "w.ndjson",
            format!("{}\n", record("r1", "1", 30)).as_bytes(),
        )
        .unwrap();
    assert_eq!(groups(&analyze_json(&got)), groups(&analyze_json(&want)));
}

#[test]
fn bad_identities_and_unidentified_pages() {
    let analyzer = Analyzer::new();
    // A version of the wrong type makes the line bad, with its JSON path, on both readers.
    let bad = r#"{"value":[{"id":"r1","version":1,"sessions":[]},{"id":"r2","version":true,"sessions":[{"id":"s1"}]}]}"#;
    let r = analyzer.analyze_bytes("x.ndjson", bad.as_bytes()).unwrap();
    assert_eq!(r.input.bad_lines, 1);
    assert!(
        r.errors[0]
            .message
            .starts_with("value[1].version: expected a 64-bit integer"),
        "{}",
        r.errors[0].message
    );
    let bad_id = r#"{"id":7,"version":1,"sessions":[{"id":"s1"}]}"#;
    let r = analyzer
        .analyze_bytes("x.ndjson", bad_id.as_bytes())
        .unwrap();
    assert_eq!(r.input.bad_lines, 1);
    assert!(
        r.errors[0].message.starts_with("id: expected a string"),
        "{}",
        r.errors[0].message
    );
    // A bad line drops nothing: its higher version of r1/s1 does not count.
    let good = record("r1", "1", 10);
    let worse = r#"{"id":"r1","version":5,"sessions":[{"id":"s1","segments":7}]}"#;
    let data = format!("{good}\n{worse}\n");
    let r = analyzer.analyze_bytes("x.ndjson", data.as_bytes()).unwrap();
    assert_eq!(
        (
            r.input.bad_lines,
            r.input.sessions,
            r.input.duplicate_sessions
        ),
        (1, 1, 0)
    );
    assert_eq!(r.input.streams, 1);
    // An @odata.context without a record id: the page's sessions are unidentified, never
    // duplicates.
    let page = r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#communications/callRecords('')/sessions","value":[{"id":"s1"},{"id":"s1"}]}"#;
    let bare = r#"{"value":[{"id":"s1"},{"id":"s1"}]}"#;
    let data = format!("{page}\n{bare}\n");
    let r = analyzer.analyze_bytes("x.ndjson", data.as_bytes()).unwrap();
    assert_eq!(r.input.bad_lines, 0, "{:?}", r.errors);
    assert_eq!(
        (
            r.input.sessions,
            r.input.unidentified_sessions,
            r.input.duplicate_sessions
        ),
        (4, 4, 0)
    );
}

#[test]
fn the_sample_keeps_one_copy_of_its_one_session() {
    let r = Analyzer::new()
        .analyze_bytes("corpus/sample.ndjson", &crate::util::sample())
        .unwrap();
    assert_eq!((r.input.sessions, r.input.duplicate_sessions), (2, 23));
}

/// Overlapping daily files, compressed or not, read from files or standard input, at 1, 2 and
/// 8 threads: the same bytes, and the statistics of the reference.
#[test]
fn overlapping_files_every_input_kind_and_thread_count() {
    let data = generated(21, 1_200_000, Shape::Mixed);
    let all = lines(&data);
    let n = all.len();
    let cuts = [(0, n / 2), (n / 3, 3 * n / 4), (n / 2, n), (0, n / 5)];
    let files = overlapping(&all, &cuts);
    let (want, dropped) = reference_report(&files, "direction,label");
    assert!(dropped > 0);
    let tmp = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for ext in ["ndjson", "ndjson.gz", "ndjson.zst"] {
        let dir = tmp.path().join(ext.replace('.', "_"));
        std::fs::create_dir(&dir).unwrap();
        let written = paths(&write_files(&dir, &files, ext));
        for threads in ["1", "2", "8"] {
            let mut args = vec![
                "analyze",
                "--format",
                "json",
                "--by",
                "direction,label",
                "--threads",
                threads,
            ];
            if threads == "2" {
                args.push("--no-mmap");
            }
            if threads == "8" {
                // Identities spilled to disk, and kept batches past the budget: merged into
                // coarse parts (read again whole when dirty). The same report.
                args.extend(["--dedupe-memory", "1000"]);
            }
            args.extend(written.iter().map(String::as_str));
            let out = callq(&args, None);
            assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
            outputs.push((format!("{ext} at {threads}"), text(&out.stdout)));
        }
    }
    // Standard input: the files one after the other.
    let cat: Vec<u8> = files.concat();
    for threads in ["1", "2"] {
        let out = callq(
            &[
                "analyze",
                "--format",
                "json",
                "--by",
                "direction,label",
                "--threads",
                threads,
                "-",
            ],
            Some(&cat),
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        outputs.push((format!("stdin at {threads}"), text(&out.stdout)));
    }
    let want_groups = groups(&analyze_json(&want));
    for (what, json) in &outputs {
        assert_eq!(groups(json), want_groups, "{what}");
        let v: Value = serde_json::from_str(json).unwrap();
        assert_eq!(v["input"]["duplicateSessions"], dropped, "{what}");
        assert_eq!(v["input"]["streams"], want.input.streams, "{what}");
    }
    // Every files run gives the same bytes but for the names.
    let first = &outputs[0].1;
    for (what, json) in &outputs[1..9] {
        let strip = |s: &str| {
            s.replace("ndjson_gz", "X")
                .replace("ndjson_zst", "X")
                .replace("ndjson/", "X/")
                .replace(".ndjson.gz", ".ndjson")
                .replace(".ndjson.zst", ".ndjson")
        };
        let (a, b) = (strip(first), strip(json));
        let cut = |s: &str| {
            s.split("\"bytes\"")
                .nth(1)
                .unwrap()
                .split_once('\n')
                .unwrap()
                .1
                .to_owned()
        };
        assert_eq!(cut(&a), cut(&b), "{what}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Any archive, any split into files with any overlap, in any order.
    #[test]
    fn any_split_with_overlap_gives_the_deduplicated_statistics(
        seed in 0u64..1000,
        shape in 0usize..4,
        cuts in proptest::collection::vec((0usize..100, 1usize..60), 1..6),
        order_seed in any::<u64>(),
        threads in prop_oneof![Just(1usize), Just(2), Just(3)],
        chunk in prop_oneof![Just(1usize << 12), Just(1 << 16), Just(1 << 22)],
    ) {
        let shape = [Shape::Sessions, Shape::CallRecord, Shape::CallRecordsPage, Shape::Mixed][shape];
        let data = generated(seed, 120_000, shape);
        let all = lines(&data);
        let n = all.len();
        let mut cuts: Vec<(usize, usize)> = cuts
            .into_iter()
            .map(|(a, len)| (a * n / 100, a * n / 100 + len * n / 100 + 1))
            .collect();
        cuts.push((0, n)); // everything, somewhere
        // A deterministic shuffle.
        let mut state = order_seed | 1;
        for k in (1..cuts.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            cuts.swap(k, (state % (k as u64 + 1)) as usize);
        }
        let files = overlapping(&all, &cuts);
        let (want, dropped) = reference_report(&files, "direction,label");
        let tmp = tempfile::tempdir().unwrap();
        let written = paths(&write_files(tmp.path(), &files, "ndjson"));
        let got = in_pool(threads, || {
            Analyzer::new()
                .group_by(dims("direction,label"))
                .chunk_size(chunk)
                // Identities spilled and every kept batch merged into one; some merged; none.
                .dedupe_memory([0, 1 << 21, 1 << 30][(seed % 3) as usize])
                .analyze_paths(&written, &Progress::default())
                .unwrap()
        });
        prop_assert_eq!(got.input.duplicate_sessions, dropped);
        prop_assert_eq!(got.input.sessions, want.input.sessions);
        prop_assert_eq!(got.input.streams, want.input.streams);
        prop_assert_eq!(groups(&analyze_json(&got)), groups(&analyze_json(&want)));
    }
}

/// A pretty-printed `.json` array that is never closed, holding re-sent versions whose losing
/// copies come last: the splitter reports the unclosed array at its end with the array's own
/// offset (units end out of order), and that unit lands in the batch that holds the losing
/// copies. That batch must still be found dirty and re-read from the right bytes, for mapped
/// and streamed input, at any thread count: the report is that of the winning copies alone.
#[test]
fn an_unclosed_json_array_with_resent_versions_across_batches() {
    let pretty =
        |s: &str| serde_json::to_string_pretty(&serde_json::from_str::<Value>(s).unwrap()).unwrap();
    let n = 400;
    // Version 2 of every record first, version 1 (the losers) after: the last batches hold
    // the losing copies and, last of all, the "never closed" problem unit.
    let newer: Vec<String> = (0..n)
        .map(|k| record(&format!("r{k}"), "2", 500 + k % 400))
        .collect();
    let older: Vec<String> = (0..n)
        .map(|k| record(&format!("r{k}"), "1", k % 400))
        .collect();
    let elements: Vec<String> = newer.iter().chain(&older).map(|s| pretty(s)).collect();
    let data = format!("[\n{}\n", elements.join(",\n"));
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("resent.json");
    std::fs::write(&path, &data).unwrap();
    let want = Analyzer::new()
        .group_by(dims("direction,label"))
        .keep_duplicates(true)
        .analyze_bytes("want.ndjson", format!("{}\n", newer.join("\n")).as_bytes())
        .unwrap();
    let args = [path.to_string_lossy().into_owned()];
    for threads in [1, 2] {
        for mapped in [false, true] {
            for memory in [1u64 << 30, 0] {
                let mut analyzer = Analyzer::new()
                    .group_by(dims("direction,label"))
                    .chunk_size(4096)
                    .dedupe_memory(memory);
                if mapped {
                    // SAFETY: the test's own temporary file does not change while read.
                    analyzer = unsafe { analyzer.memory_map() };
                }
                let what = format!("threads {threads}, mapped {mapped}, memory {memory}");
                let got = in_pool(threads, || {
                    analyzer.analyze_paths(&args, &Progress::default()).unwrap()
                });
                assert_eq!(got.input.duplicate_sessions, n as u64, "{what}");
                assert_eq!(got.input.sessions, n as u64, "{what}");
                assert_eq!(got.input.bad_lines, 1, "{what}: {:?}", got.errors);
                assert_eq!(
                    groups(&analyze_json(&got)),
                    groups(&analyze_json(&want)),
                    "{what}"
                );
            }
        }
    }
}

/// Kept batches merged into coarse spans past the budget (`dedupe_memory` 0 merges them all)
/// give the report of one kept accumulator per batch, bad lines and over-long lines included,
/// when a coarse span holding a dropped copy is read again whole.
#[test]
fn coarse_spans_read_again_give_the_same_report() {
    let mut lines = Vec::new();
    for k in 0..300 {
        lines.push(record(&format!("r{k}"), "1", k % 700));
        if k % 97 == 5 {
            lines.push(format!("{{\"pad\":\"{}\"}}", "x".repeat(3000))); // over-long
        }
        if k % 89 == 7 {
            lines.push("{not json".to_owned());
        }
        if k >= 40 {
            // A re-send, 40 records later.
            lines.push(record(&format!("r{}", k - 40), "2", 900 - k % 300));
        }
    }
    let data = format!("{}\n", lines.join("\n"));
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("resent.ndjson");
    std::fs::write(&path, &data).unwrap();
    let args = [path.to_string_lossy().into_owned()];
    let run = |threads: usize, memory: u64, mapped: bool| {
        let mut analyzer = Analyzer::new()
            .group_by(dims("direction,label"))
            .chunk_size(2048)
            .max_line_bytes(1000)
            .dedupe_memory(memory);
        if mapped {
            // SAFETY: the test's own temporary file does not change while read.
            analyzer = unsafe { analyzer.memory_map() };
        }
        let report = in_pool(threads, || {
            analyzer.analyze_paths(&args, &Progress::default()).unwrap()
        });
        analyze_json(&report)
    };
    let want = run(1, 1 << 30, true);
    let v: Value = serde_json::from_str(&want).unwrap();
    assert_eq!(v["input"]["duplicateSessions"], 260);
    assert_eq!(v["input"]["badLines"], 4 + 4, "{want}");
    for threads in [1, 2] {
        for mapped in [false, true] {
            for memory in [0, 1 << 16, 1 << 30] {
                assert_eq!(
                    run(threads, memory, mapped),
                    want,
                    "threads {threads}, mapped {mapped}, memory {memory}"
                );
            }
        }
    }
}
