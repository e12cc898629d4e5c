//! The `callq` binary: arguments, exit statuses, inputs and outputs.

use crate::util::text;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn callq(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_callq"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn callq_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_callq"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn golden(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden")
            .join(name),
    )
    .unwrap()
}

fn temp_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn analyze_json_matches_the_golden_report() {
    let out = callq(&[
        "analyze",
        "--format",
        "json",
        "--by",
        "direction,label",
        "--keep-duplicates",
        "corpus/sample.ndjson",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), golden("sample-by-direction-label.json"));
    let summary = text(&out.stderr);
    assert!(
        summary.contains("1 file,") && summary.contains("0 bad lines"),
        "{summary}"
    );
    assert!(!summary.contains("slower"), "{summary}");
}

#[test]
fn lines_on_the_slow_path_are_noted_and_read_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let compact = br#"{"value":[{"segments":[{"media":[{"label":"main-audio","streams":[{"averageJitter":"PT0.02S"}]}]}]}]}"#;
    let tabbed = b"{\"value\":[{\"segments\":[{\"media\":[{\"label\":\"main-audio\",\t\"streams\":[{\"averageJitter\":\"PT0.02S\"}]}]}]}]}";
    let mut both = compact.to_vec();
    both.push(b'\n');
    both.extend_from_slice(tabbed);
    both.push(b'\n');
    let f = temp_file(tmp.path(), "tabs.ndjson", &both);
    let out = callq(&["analyze", "--format", "json", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["input"]["streams"], 2);
    assert_eq!(json["input"]["badLines"], 0);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("note: 1 of 2 good lines (50%) took the slower full parser"),
        "{stderr}"
    );
}

/// The README's first command, exactly: the sample is 25 copies of Graph's documentation
/// example, so one copy of each session is kept and the header says how many were dropped.
#[test]
fn the_readme_command_prints_the_readme_table() {
    let out = callq(&["analyze", "--by", "direction,label", "corpus/sample.ndjson"]);
    assert_eq!(out.status.code(), Some(0));
    let golden_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/sample-readme.txt");
    if std::env::var_os("CALLQ_UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden_path, &out.stdout).unwrap();
    }
    assert_eq!(text(&out.stdout), golden("sample-readme.txt"));
}

#[test]
fn the_table_counts_every_copy_with_keep_duplicates() {
    // The golden table counts every copy of the sample's sessions.
    let out = callq(&[
        "analyze",
        "--by",
        "direction,label",
        "--keep-duplicates",
        "corpus/sample.ndjson",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), golden("sample-by-direction-label.txt"));
    let out = callq(&["analyze", "--by", "direction,label", "corpus/sample.ndjson"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).contains("2 sessions (23 duplicate sessions dropped)"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stderr).contains("dropped 23 duplicate sessions"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn stdin_gives_the_same_groups_as_the_file() {
    let data =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/sample.ndjson")).unwrap();
    let out = callq_stdin(
        &[
            "analyze",
            "--format",
            "json",
            "--by",
            "direction,label",
            "--keep-duplicates",
            "-",
        ],
        &data,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), golden("sample-by-direction-label.json"));
}

#[test]
fn threads_do_not_change_a_single_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("g.ndjson");
    let generated = callq(&[
        "gen",
        "--size",
        "3MB",
        "--seed",
        "5",
        "--shape",
        "mixed",
        "-o",
        corpus.to_str().unwrap(),
    ]);
    assert_eq!(
        generated.status.code(),
        Some(0),
        "{}",
        text(&generated.stderr)
    );
    let run = |threads: &str| {
        let out = callq(&[
            "analyze",
            "--format",
            "json",
            "--by",
            "day,receiver.connectionType",
            "--threads",
            threads,
            corpus.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0));
        out.stdout
    };
    let one = run("1");
    assert!(one.len() > 1000);
    assert_eq!(one, run("2"));
    assert_eq!(one, run("8"));
}

#[test]
fn gen_is_deterministic() {
    let a = callq(&["gen", "--size", "200KB", "--seed", "9"]);
    let b = callq(&["gen", "--size", "200KB", "--seed", "9"]);
    let c = callq(&["gen", "--size", "200KB", "--seed", "10"]);
    assert_eq!(a.status.code(), Some(0));
    assert!(a.stdout.len() >= 200_000);
    assert_eq!(a.stdout, b.stdout);
    assert_ne!(a.stdout, c.stdout);
}

#[test]
fn bad_lines_are_skipped_by_default_and_fail_on_request() {
    let tmp = tempfile::tempdir().unwrap();
    let f = temp_file(
        tmp.path(),
        "bad.ndjson",
        b"{\"value\":[{}]}\n{\"value\":[{\"isTest\":\"yes\",\"segments\":[{\"media\":[{\"streams\":[{\"averageJitter\":3}]}]}]}]}\n{\"value\":[{\"isTest\":\"no\"}]}\n",
    );
    let f = f.to_str().unwrap();
    let skip = callq(&["analyze", "--format", "json", f]);
    assert_eq!(skip.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&skip.stdout).unwrap();
    // analyze reads averageJitter but not isTest: only line 2 is bad for it.
    assert_eq!(json["input"]["badLines"], 1);
    assert_eq!(json["input"]["sessions"], 2);
    assert_eq!(json["errors"][0]["line"], 2);
    assert_eq!(json["errors"][0]["byteOffset"], 15);
    assert_eq!(
        json["errors"][0]["message"],
        "value[0].segments[0].media[0].streams[0].averageJitter: expected an ISO-8601 duration, found number"
    );
    assert!(
        text(&skip.stderr).contains("skipped 1 bad line ("),
        "{}",
        text(&skip.stderr)
    );

    let fail = callq(&["analyze", "--on-error", "fail", f]);
    assert_eq!(fail.status.code(), Some(1));
    assert!(fail.stdout.is_empty(), "no report under --on-error fail");
    let err = text(&fail.stderr);
    assert!(err.contains("bad.ndjson:2"), "{err}");

    // check reads every property: isTest comes first in document order, and line 3 is bad too.
    let check = callq(&["check", "--format", "json", f]);
    assert_eq!(check.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(json["input"]["badLines"], 2);
    assert_eq!(
        json["errors"][0]["message"],
        "value[0].isTest: expected a boolean, found string \"yes\""
    );
}

#[test]
fn check_exits_1_on_any_bad_line_and_0_on_a_clean_archive() {
    let clean = callq(&["check", "--format", "json", "corpus/sample.ndjson"]);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean.stdout));
    let json: serde_json::Value = serde_json::from_slice(&clean.stdout).unwrap();
    assert_eq!(
        json.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["schemaVersion", "input", "errors", "unreadable"]
    );
    let bad = callq_stdin(&["check", "-"], b"{\"value\":[]}\n{}\n");
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad.stdout).contains("-:2: byte 13: not a callRecords document"),
        "{}",
        text(&bad.stdout)
    );
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["analyze", "--by", "nope", "x"][..],
        &["analyze", "--by", "label,label", "x"],
        &["analyze", "--format", "xml", "x"],
        &["analyze", "--threads", "0", "x"],
        &["analyze"],
        &["frobnicate"],
    ] {
        let out = callq(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn an_unreadable_input_exits_2_naming_it_but_the_rest_is_reported() {
    let out = callq(&[
        "analyze",
        "--format",
        "json",
        "corpus/sample.ndjson",
        "no/such/file.ndjson",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no/such/file.ndjson"),
        "{}",
        text(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["input"]["files"], 1);
}

#[test]
fn output_goes_to_a_file_and_csv_has_a_row_per_group_and_metric() {
    let tmp = tempfile::tempdir().unwrap();
    let out_path = tmp.path().join("r.csv");
    let out = callq(&[
        "analyze",
        "--format",
        "csv",
        "--by",
        "direction,label",
        "--output",
        out_path.to_str().unwrap(),
        "--keep-duplicates",
        "corpus/sample.ndjson",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let csv = std::fs::read_to_string(&out_path).unwrap();
    assert_eq!(csv, golden("sample-by-direction-label.csv"));
    assert_eq!(csv.lines().count(), 1 + 2 * 22);
}

#[test]
fn help_lists_the_commands_and_dimensions() {
    let out = callq(&["analyze", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    for word in [
        "--by",
        "--classifier",
        "cqd-2020",
        "--on-error",
        "receiver.X",
        "--max-line-bytes",
    ] {
        assert!(help.contains(word), "--help lacks {word}");
    }
}

#[test]
fn hostile_labels_are_escaped_in_the_table_and_neutralised_in_csv_unless_raw() {
    let line = "{\"value\":[{\"segments\":[{\"media\":[\
        {\"label\":\"\\u001b]0;pwned\\u0007\",\"streams\":[{}]},\
        {\"label\":\"=cmd|' /C calc'!A0\",\"streams\":[{}]}]}]}]}\n";
    let table = callq_stdin(&["analyze", "--by", "label", "-"], line.as_bytes());
    assert_eq!(table.status.code(), Some(0), "{}", text(&table.stderr));
    let shown = text(&table.stdout);
    assert!(!shown.contains(['\u{1b}', '\u{7}']), "{shown}");
    assert!(shown.contains("\\u{1b}]0;pwned\\u{7}"), "{shown}");

    let csv = |extra: &[&str]| {
        let mut args = vec!["analyze", "--format", "csv", "--by", "label"];
        args.extend_from_slice(extra);
        args.push("-");
        let out = callq_stdin(&args, line.as_bytes());
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let safe = csv(&[]);
    assert!(safe.contains("\n'=cmd|' /C calc'!A0,1,"), "{safe}");
    assert!(!safe.contains("\n=cmd"), "{safe}");
    let raw = csv(&["--csv-raw"]);
    assert!(raw.contains("\n=cmd|' /C calc'!A0,1,"), "{raw}");
}

/// Standard input is a JSON text sequence: a pretty-printed array piped in (as
/// `m365 … --output json | callq analyze -` does) reads as the same file named `.json`, and a
/// `.gz` of it too.
#[test]
fn stdin_and_gzip_read_arrays_like_the_file() {
    let rel = "corpus/forms/array-of-callrecords.json";
    let data = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap();
    let args = ["analyze", "--format", "json", "--by", "direction,label"];
    let file = callq(&[&args[..], &[rel]].concat());
    let piped = callq_stdin(&[&args[..], &["-"]].concat(), &data);
    assert_eq!(file.status.code(), Some(0), "{}", text(&file.stderr));
    assert_eq!(piped.status.code(), Some(0), "{}", text(&piped.stderr));
    let dir = std::env::temp_dir().join(format!("callq-cli-array-gz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let gz = dir.join("a.json.gz");
    std::fs::write(&gz, crate::util::gzip(&data)).unwrap();
    let zipped = callq(&[&args[..], &[gz.to_str().unwrap()]].concat());
    std::fs::remove_dir_all(&dir).unwrap();
    let strip = |o: &Output| {
        let mut v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        for e in v["errors"].as_array_mut().unwrap() {
            e["file"] = serde_json::Value::Null;
        }
        v
    };
    assert_eq!(strip(&file), strip(&piped));
    assert_eq!(strip(&file), strip(&zipped));
    assert_eq!(strip(&file)["input"]["badLines"], 1);
}
