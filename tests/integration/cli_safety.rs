//! The `callq` binary facing careless commands and hostile inputs: outputs never destroy an
//! input nor appear half-written, nothing read never looks like success, wrong inputs get a
//! hint, nothing hangs.

use crate::util::{gzip, sample, text};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn callq_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_callq"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn spawn_in(dir: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_callq"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for the child at most `limit`; kills it and fails the test when it hangs.
fn wait_or_kill(mut child: Child, limit: Duration) -> Output {
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if started.elapsed() > limit {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!(
                "callq hung for {limit:?}; stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn an_output_that_is_an_input_is_refused_and_the_input_kept() {
    let dir = tempfile::tempdir().unwrap();
    let data = sample();
    std::fs::write(dir.path().join("in.ndjson"), &data).unwrap();
    std::fs::write(dir.path().join("in.ndjson.gz"), gzip(&data)).unwrap();
    std::fs::hard_link(dir.path().join("in.ndjson"), dir.path().join("link.json")).unwrap();
    for args in [
        &["analyze", "-o", "in.ndjson", "in.ndjson"][..],
        &["analyze", "--output", "in.ndjson.gz", "in.ndjson.gz"],
        &["check", "-o", "in.ndjson", "in.ndjson"],
        &["analyze", "-o", "link.json", "in.ndjson"],
        &["analyze", "-o", "./in.ndjson", "."],
        &["analyze", "--errors", "in.ndjson", "in.ndjson"],
    ] {
        let out = callq_in(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains("is also an input"), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    assert_eq!(std::fs::read(dir.path().join("in.ndjson")).unwrap(), data);
    assert_eq!(
        std::fs::read(dir.path().join("in.ndjson.gz")).unwrap(),
        gzip(&data)
    );
    assert_eq!(
        files_in(dir.path()),
        ["in.ndjson", "in.ndjson.gz", "link.json"]
    );
}

#[cfg(unix)]
#[test]
fn an_output_that_is_the_file_behind_stdin_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = sample();
    let input = dir.path().join("in.ndjson");
    std::fs::write(&input, &data).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_callq"))
        .args(["analyze", "-o", "in.ndjson", "-"])
        .current_dir(dir.path())
        .stdin(std::fs::File::open(&input).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("is also an input (-)"));
    assert_eq!(std::fs::read(&input).unwrap(), data);
}

#[test]
fn a_report_written_into_the_archive_is_not_read_back() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("arch")).unwrap();
    std::fs::write(dir.path().join("arch/a.ndjson"), sample()).unwrap();
    let first = callq_in(
        dir.path(),
        &["analyze", "--format", "json", "-o", "arch/r.json", "arch"],
    );
    assert_eq!(first.status.code(), Some(0));
    assert!(text(&first.stderr).contains("inside a directory this run reads"));
    let second = callq_in(
        dir.path(),
        &["analyze", "--format", "json", "-o", "r2.json", "arch"],
    );
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stderr));
    assert!(text(&second.stderr).contains("skipped arch/r.json: a report written by callq"));
    // Same report both times: the first report was not read as (bad) input.
    assert_eq!(
        std::fs::read(dir.path().join("arch/r.json")).unwrap(),
        std::fs::read(dir.path().join("r2.json")).unwrap()
    );
}

#[test]
fn output_dash_is_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.ndjson"), sample()).unwrap();
    let out = callq_in(
        dir.path(),
        &["analyze", "--format", "json", "-o", "-", "in.ndjson"],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).starts_with("{\n  \"schemaVersion\": 1"));
    assert_eq!(files_in(dir.path()), ["in.ndjson"]);
}

#[test]
fn an_unwritable_output_fails_before_any_input_is_read() {
    let dir = tempfile::tempdir().unwrap();
    // Standard input stays open and empty: a run that read it first would wait forever.
    let child = spawn_in(dir.path(), &["analyze", "-o", "no/such/dir/r.json", "-"]);
    let out = wait_or_kill(child, Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("cannot write the report to no/such/dir/r.json"),
        "{err}"
    );
}

#[test]
fn a_failed_run_leaves_no_file_behind() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = sample();
    data.extend_from_slice(b"{\"value\": [}\n");
    std::fs::write(dir.path().join("in.ndjson"), &data).unwrap();
    std::fs::write(dir.path().join("old.json"), b"the previous report\n").unwrap();
    let out = callq_in(
        dir.path(),
        &[
            "analyze",
            "--on-error",
            "fail",
            "-o",
            "old.json",
            "in.ndjson",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    // The previous report is untouched and no temporary file is left.
    assert_eq!(
        std::fs::read(dir.path().join("old.json")).unwrap(),
        b"the previous report\n"
    );
    assert_eq!(files_in(dir.path()), ["in.ndjson", "old.json"]);
}

#[test]
fn nothing_read_is_a_warning_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    std::fs::write(dir.path().join("empty/notes.txt"), b"not an input").unwrap();
    let out = callq_in(dir.path(), &["analyze", "empty"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("skipped empty: no input files"), "{err}");
    assert!(err.contains("warning: no input was read"), "{err}");

    let bad: Vec<u8> = (0..20).flat_map(|_| *b"{\"value\": nope}\n").collect();
    std::fs::write(dir.path().join("bad.ndjson"), bad).unwrap();
    let out = callq_in(dir.path(), &["analyze", "bad.ndjson"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("warning: every line was bad (20 lines), nothing was read"),
        "{err}"
    );
    assert!(err.contains("first: bad.ndjson:1: byte 0:"), "{err}");

    // A binary file: every line bad, and the hint names the encoding question.
    let binary: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    std::fs::write(dir.path().join("blob.ndjson"), binary).unwrap();
    let out = callq_in(dir.path(), &["analyze", "blob.ndjson"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("not UTF-8 text"));

    // One good file among them is success.
    std::fs::write(dir.path().join("good.ndjson"), sample()).unwrap();
    let out = callq_in(dir.path(), &["analyze", "bad.ndjson", "good.ndjson"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!text(&out.stderr).contains("warning"));
}

#[test]
fn utf16_and_misnamed_compressed_files_are_named_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let utf16: Vec<u8> = b"\xFF\xFE"
        .iter()
        .copied()
        .chain(
            "{\"value\":[]}\r\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    std::fs::write(dir.path().join("ps.json"), &utf16).unwrap();
    std::fs::write(dir.path().join("ps.json.gz"), gzip(&utf16)).unwrap();
    for file in ["ps.json", "ps.json.gz"] {
        let out = callq_in(dir.path(), &["analyze", file]);
        assert_eq!(out.status.code(), Some(2), "{file}");
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!("cannot read {file}: UTF-16 text")),
            "{err}"
        );
        assert!(err.contains("re-save it as UTF-8"), "{err}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_callq"))
        .args(["analyze", "-"])
        .current_dir(dir.path())
        .stdin(std::fs::File::open(dir.path().join("ps.json")).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read -: UTF-16 text"));

    std::fs::write(dir.path().join("day.ndjson"), gzip(&sample())).unwrap();
    let out = callq_in(dir.path(), &["analyze", "day.ndjson"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("gzip-compressed data under a name without .gz"));
}

#[test]
fn stdin_named_twice_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = callq_in(dir.path(), &["analyze", "-", "-"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("standard input (-) is named twice"));
}

#[test]
fn every_bad_line_goes_to_the_errors_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = Vec::new();
    for i in 0..250 {
        if i % 2 == 0 {
            data.extend_from_slice(b"{\"value\": [1}\n");
        } else {
            data.extend_from_slice(b"{\"value\": []}\n");
        }
    }
    std::fs::write(dir.path().join("in.ndjson"), &data).unwrap();
    for format in ["table", "json", "csv"] {
        let out = callq_in(
            dir.path(),
            &[
                "analyze",
                "--format",
                format,
                "--errors",
                "bad.ndjson",
                "-o",
                "report.out",
                "in.ndjson",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let err = text(&out.stderr);
        assert!(
            err.contains("skipped 125 bad lines (all listed in bad.ndjson)"),
            "{err}"
        );
        let listed = std::fs::read_to_string(dir.path().join("bad.ndjson")).unwrap();
        let rows: Vec<serde_json::Value> = listed
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(rows.len(), 125);
        for (k, row) in rows.iter().enumerate() {
            assert_eq!(row["file"], "in.ndjson");
            assert_eq!(row["line"], 2 * k as u64 + 1);
            assert_eq!(row["byteOffset"], 2 * 14 * k as u64);
            assert!(
                row["message"]
                    .as_str()
                    .unwrap()
                    .contains("at byte 12 of the line")
            );
        }
        if format == "json" {
            let report: serde_json::Value =
                serde_json::from_slice(&std::fs::read(dir.path().join("report.out")).unwrap())
                    .unwrap();
            assert_eq!(report["errors"].as_array().unwrap().len(), 100);
            assert_eq!(report["input"]["badLines"], 125);
        }
    }
    // Without --errors, stderr says where the list is, per format.
    let out = callq_in(dir.path(), &["analyze", "--format", "csv", "in.ndjson"]);
    assert!(text(&out.stderr).contains("(--errors FILE lists every one)"));
    let out = callq_in(dir.path(), &["analyze", "in.ndjson"]);
    assert!(text(&out.stderr).contains("(the first 100 listed in the report;"));
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn a_fifo_in_a_directory_is_skipped_and_a_named_one_is_streamed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("d")).unwrap();
    std::fs::write(dir.path().join("d/a.ndjson"), sample()).unwrap();
    mkfifo(&dir.path().join("d/x.ndjson"));
    let child = spawn_in(dir.path(), &["analyze", "d"]);
    let out = wait_or_kill(child, Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("skipped d/x.ndjson: not a regular file"));

    // Named explicitly, the FIFO is read as a stream.
    let fifo = dir.path().join("d/x.ndjson");
    let writer = std::thread::spawn(move || {
        let mut f = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
        f.write_all(&sample()).unwrap();
    });
    let child = spawn_in(
        dir.path(),
        &["analyze", "--format", "json", "d/x.ndjson", "d/a.ndjson"],
    );
    let out = wait_or_kill(child, Duration::from_secs(30));
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["input"]["files"], 2);
    // The sample is 25 copies of one session (Graph's documentation example): the FIFO is
    // spooled, and every copy but the last (in d/a.ndjson) is dropped.
    assert_eq!(report["input"]["sessions"], 2);
    assert_eq!(report["input"]["duplicateSessions"], 48);
}

#[test]
fn thread_counts_are_clamped_and_a_zero_line_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.ndjson"), sample()).unwrap();
    let out = callq_in(
        dir.path(),
        &[
            "analyze",
            "--threads",
            "60000",
            "--format",
            "json",
            "in.ndjson",
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let err = text(&out.stderr);
    assert!(
        err.contains("note: --threads 60000 is more than 4 per core"),
        "{err}"
    );
    let reference = callq_in(
        dir.path(),
        &["analyze", "--threads", "1", "--format", "json", "in.ndjson"],
    );
    assert_eq!(out.stdout, reference.stdout);

    let out = callq_in(
        dir.path(),
        &["analyze", "--max-line-bytes", "0", "in.ndjson"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("at least 1 byte"));
}

#[test]
fn gen_into_a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn_in(dir.path(), &["gen", "--size", "50MB"]);
    let mut head = [0u8; 100];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut head)
        .unwrap();
    drop(child.stdout.take());
    let out = wait_or_kill(child, Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("Broken pipe"));
}

#[test]
fn gen_writes_whole_documents_past_the_size() {
    let dir = tempfile::tempdir().unwrap();
    let out = callq_in(dir.path(), &["gen", "--size", "1000", "-o", "g.ndjson"]);
    assert_eq!(out.status.code(), Some(0));
    let bytes = std::fs::read(dir.path().join("g.ndjson")).unwrap();
    assert!(bytes.len() >= 1000);
    assert_eq!(bytes.iter().filter(|&&b| b == b'\n').count(), 1);
    assert_eq!(files_in(dir.path()), ["g.ndjson"]);
}

/// A mapped file truncated while callq reads it: a message naming the file and exit 2, not a
/// silent death by SIGBUS.
#[cfg(target_os = "linux")]
#[test]
fn a_mapped_file_truncated_while_read_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("big.ndjson");
    let one = sample();
    let mut data = Vec::with_capacity(one.len() * 1200);
    for _ in 0..1200 {
        data.extend_from_slice(&one);
    }
    std::fs::write(&path, &data).unwrap();
    let mut child = spawn_in(
        dir.path(),
        &["analyze", "--threads", "1", "--no-progress", "big.ndjson"],
    );
    // Wait until the file is mapped, then cut it short under the reader.
    let maps = format!("/proc/{}/maps", child.id());
    let started = Instant::now();
    loop {
        let mapped = std::fs::read_to_string(&maps).unwrap_or_default();
        if mapped.contains("big.ndjson") {
            break;
        }
        if child.try_wait().unwrap().is_some() || started.elapsed() > Duration::from_secs(20) {
            let out = child.wait_with_output().unwrap();
            panic!("never saw the mapping; {}", text(&out.stderr));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(0)
        .unwrap();
    child.stdin.take();
    let out = wait_or_kill(child, Duration::from_secs(60));
    let err = text(&out.stderr);
    // The reader may have passed every page before the cut (then it reports normally); on
    // this file in a debug build it never does, so a pass must be the SIGBUS message.
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("callq: error: big.ndjson: the file was truncated or rewritten"),
        "{err}"
    );
    assert!(err.contains("--no-mmap"), "{err}");
}

/// The progress position counts a compressed input's bytes as stored, so it ends at the file
/// size the progress bar takes as its total (it overshot to the decompressed size before).
#[test]
fn progress_counts_compressed_inputs_by_their_stored_size() {
    use callq::analyze::{Analyzer, Progress};
    use callq::input::InputSource;
    use std::sync::atomic::Ordering;
    let dir = tempfile::tempdir().unwrap();
    let plain = sample();
    let packed = gzip(&plain);
    let gz = dir.path().join("day.ndjson.gz");
    let nd = dir.path().join("day2.ndjson");
    std::fs::write(&gz, &packed).unwrap();
    std::fs::write(&nd, &plain).unwrap();
    let inputs: Vec<InputSource> = [gz, nd]
        .into_iter()
        .map(|path| InputSource::File {
            name: path.to_string_lossy().into_owned(),
            path,
        })
        .collect();
    let progress = Progress::default();
    let report = Analyzer::new()
        .analyze_inputs(&inputs, &progress, Vec::new())
        .unwrap();
    assert_eq!(report.input.bytes, 2 * plain.len() as u64);
    assert_eq!(
        progress.bytes_done.load(Ordering::Relaxed),
        (packed.len() + plain.len()) as u64
    );
}

/// A zstd frame whose window is over the decoder's 128 MiB limit is unreadable with a message
/// that says how to read it, not zstd's bare "Frame requires too much memory".
#[test]
fn a_zstd_frame_with_a_huge_window_says_how_to_read_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut enc = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
    enc.window_log(30).unwrap();
    enc.long_distance_matching(true).unwrap();
    enc.write_all(&sample()).unwrap();
    std::fs::write(
        dir.path().join("big-window.ndjson.zst"),
        enc.finish().unwrap(),
    )
    .unwrap();
    let out = callq_in(dir.path(), &["analyze", "big-window.ndjson.zst"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("cannot read big-window.ndjson.zst: zstd frame needs a window over 128 MiB"),
        "{err}"
    );
    assert!(err.contains("zstd -dc --long=31"), "{err}");
}

/// `--output /dev/null` writes into the device: a report renamed over it would replace
/// `/dev/null` itself with a regular file when run as root (it happened on the CI machine, and
/// every later build that wrote to /dev/null then read garbage back).
#[cfg(unix)]
#[test]
fn output_to_a_device_writes_in_place() {
    use std::os::unix::fs::FileTypeExt;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_callq"))
        .args([
            "analyze",
            "--format",
            "json",
            "-o",
            "/dev/null",
            "corpus/sample.ndjson",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kind = std::fs::metadata("/dev/null").unwrap().file_type();
    assert!(
        kind.is_char_device(),
        "/dev/null is no longer a device: {kind:?}"
    );
}

/// `--output LINK` replaces the file the link names and keeps the link; `--output /dev/stdout`
/// with stdout redirected to a file writes that file through the link (the system's
/// `/dev/stdout` link stays a link).
#[cfg(unix)]
#[test]
fn output_through_a_symbolic_link_keeps_the_link() {
    let dir = std::env::temp_dir().join(format!("callq-symlink-out-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let target = dir.join("report.json");
    std::fs::write(&target, b"old").unwrap();
    let link = dir.join("latest.json");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let sample = format!("{root}/corpus/sample.ndjson");
    let out = callq_in(
        &dir,
        &["analyze", "--format", "json", "-o", "latest.json", &sample],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(&target)
            .unwrap()
            .contains("schemaVersion")
    );

    let redirected = dir.join("stdout.json");
    let file = std::fs::File::create(&redirected).unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_callq"))
        .args(["analyze", "--format", "json", "-o", "/dev/stdout", &sample])
        .stdout(file)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(
        std::fs::read_to_string(&redirected)
            .unwrap()
            .contains("schemaVersion")
    );
    assert!(
        std::fs::symlink_metadata("/dev/stdout")
            .unwrap()
            .file_type()
            .is_symlink()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
