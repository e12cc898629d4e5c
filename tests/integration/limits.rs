//! Hostile inputs (issue 19): every resource a run uses is bounded. Memory is measured for
//! real, as the peak RSS (`VmHWM`) of a child process: either this test binary run again on
//! one test (`CALLQ_LIMITS_CHILD` names it) or the `callq` command itself.

use crate::util::in_pool;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use callq::analyze::{Analyzer, HUGE_LINE_BYTES, Progress, line_memory_estimate};
use callq::report::analyze_json;

const CHILD: &str = "CALLQ_LIMITS_CHILD";
const DATA: &str = "CALLQ_LIMITS_DATA";

/// Peak resident memory of a live process, in KiB.
fn vm_hwm_kib(pid: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// In the child: runs `work` and prints how much it raised the peak RSS (MiB).
fn child_report(work: impl FnOnce() -> String) {
    let before = vm_hwm_kib("self");
    let summary = work();
    let after = vm_hwm_kib("self");
    println!(
        "CHILD-PEAK-GROWTH-MIB {}",
        (after.saturating_sub(before)) / 1024
    );
    println!("CHILD-SUMMARY {summary}");
}

/// Runs test `name` of this binary in a child with `data` as its input; returns the growth of
/// its peak RSS in MiB and its summary line.
fn in_child(name: &str, data: &Path, extra: &[(&str, String)]) -> (u64, String) {
    // The test's full name in this binary: its module path without the crate's name.
    let module = module_path!().split_once("::").map_or("", |(_, m)| m);
    let test = format!("{module}::{name}");
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        test.as_str(),
        "--exact",
        "--nocapture",
        "--test-threads",
        "1",
    ])
    .env(CHILD, name)
    .env(DATA, data);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let field = |tag: &str| {
        stdout
            .lines()
            .find_map(|l| l.split(tag).nth(1))
            .unwrap_or_else(|| panic!("no {tag} in {stdout}"))
            .trim()
            .to_string()
    };
    (
        field("CHILD-PEAK-GROWTH-MIB").parse().unwrap(),
        field("CHILD-SUMMARY"),
    )
}

fn is_child(name: &str) -> bool {
    std::env::var(CHILD).as_deref() == Ok(name)
}

const HEAD: &[u8] = br#"{"value":[{"id":"s","startDateTime":"2020-02-25T18:52:21Z","segments":[{"media":[{"label":"main-audio","streams":["#;
const TAIL: &[u8] = b"]}]}]}]}\n";
const STREAM: &[u8] =
    br#"{"streamDirection":"callerToCallee","averageJitter":"PT0.012S","packetUtilization":900}"#;

/// A legal page of one session, segment and media holding `streams` copies of `stream`.
fn page(streams: usize, stream: &[u8]) -> Vec<u8> {
    let mut line = HEAD.to_vec();
    for i in 0..streams {
        if i > 0 {
            line.push(b',');
        }
        line.extend_from_slice(stream);
    }
    line.extend_from_slice(TAIL);
    line
}

const HUGE_LINES: usize = 8;
const HUGE_STREAMS: usize = 40_000;

#[test]
fn huge_lines_take_turns_within_the_memory_budget() {
    let name = "huge_lines_take_turns_within_the_memory_budget";
    if is_child(name) {
        let data = PathBuf::from(std::env::var(DATA).unwrap());
        let budget: u64 = std::env::var("CALLQ_LIMITS_BUDGET")
            .unwrap()
            .parse()
            .unwrap();
        let args = [data.to_string_lossy().into_owned()];
        // SAFETY: the test's own file, not modified while read (mapped, as the CLI does).
        let analyzer = unsafe { Analyzer::new().memory_map() }.max_memory(budget);
        child_report(|| {
            let report =
                in_pool(4, || analyzer.analyze_paths(&args, &Progress::default())).unwrap();
            assert_eq!(report.input.streams, (HUGE_LINES * HUGE_STREAMS) as u64);
            analyze_json(&report).len().to_string()
        });
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("huge.ndjson");
    let line = page(HUGE_STREAMS, STREAM);
    assert!(line.len() > HUGE_LINE_BYTES);
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for _ in 0..HUGE_LINES {
        file.write_all(&line).unwrap();
    }
    file.flush().unwrap();
    drop(file);
    let estimate = line_memory_estimate(&line);
    // A budget for one line at a time: the 8 lines are parsed one after the other, by one
    // parser, whatever the 4 threads. Without it, 4 are parsed at once and 4 parsers keep
    // their grown buffers (measured: 160-190 MiB, against 122 within the budget).
    let one = estimate + estimate / 5;
    let (bounded, summary) = in_child(name, &path, &[("CALLQ_LIMITS_BUDGET", one.to_string())]);
    eprintln!(
        "estimate {} MiB a line; peak growth {bounded} MiB within a budget of {} MiB",
        estimate >> 20,
        one >> 20
    );
    assert!(summary.parse::<usize>().unwrap() > 0);
    // The mapped input's own pages count in the peak too.
    let file_len = std::fs::metadata(&path).unwrap().len();
    let bound = (one + file_len) >> 20;
    assert!(
        bounded <= bound,
        "{bounded} MiB > budget and input, {bound} MiB"
    );
}

#[test]
fn a_line_needing_more_than_the_budget_is_a_bad_line_and_results_do_not_depend_on_threads() {
    // 2 MiB of empty streams: ~700,000 objects of ~1 KB each once parsed.
    let dense = page(700_000, b"{}");
    assert!(dense.len() > HUGE_LINE_BYTES);
    let mut data = b"{\"value\":[{}]}\n".to_vec();
    data.extend_from_slice(&dense);
    data.extend_from_slice(&page(20_000, STREAM)); // huge, but fits
    data.extend_from_slice(b"{\"value\":[{}]}\n");
    let analyzer = Analyzer::new().max_memory(128 << 20);
    let one = in_pool(1, || analyzer.analyze_bytes("d.ndjson", &data).unwrap());
    assert_eq!(
        (one.input.lines, one.input.bad_lines, one.input.streams),
        (4, 1, 20_000)
    );
    let e = &one.errors[0];
    assert_eq!((e.position.line, e.position.byte_offset), (2, 15));
    assert!(
        e.message.contains("needs about") && e.message.contains("--max-memory (128 MiB)"),
        "{}",
        e.message
    );
    let two = in_pool(3, || {
        analyzer
            .clone()
            .chunk_size(1 << 16)
            .analyze_bytes("d.ndjson", &data)
            .unwrap()
    });
    assert_eq!(analyze_json(&one), analyze_json(&two));
}

#[test]
fn an_overlong_line_in_a_mapped_file_is_never_held_whole() {
    let name = "an_overlong_line_in_a_mapped_file_is_never_held_whole";
    if is_child(name) {
        let data = std::env::var(DATA).unwrap();
        child_report(|| {
            // SAFETY: the test's own file, not modified while read.
            let report = unsafe { Analyzer::new().memory_map() }
                .max_line_bytes(1 << 20)
                .analyze_paths(&[data], &Progress::default())
                .unwrap();
            assert_eq!(
                (
                    report.input.lines,
                    report.input.bad_lines,
                    report.input.sessions
                ),
                (2, 1, 1)
            );
            report.errors[0].message.clone()
        });
        return;
    }
    // 250 MB of zeros without a newline (a sparse file), then one good line.
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("zeros.ndjson");
    let file = std::fs::File::create(&path).unwrap();
    let len = 250_000_000u64;
    file.set_len(len).unwrap();
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    file.write_all(b"\n{\"value\":[{}]}\n").unwrap();
    drop(file);
    let (growth, message) = in_child(name, &path, &[]);
    eprintln!("peak growth {growth} MiB for a {len}-byte line; {message}");
    assert!(
        message.contains(&format!("line of {len} bytes")),
        "{message}"
    );
    assert!(growth < 120, "{growth} MiB resident for an over-long line");
}

fn write_gz(path: &Path, data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    let gz = e.finish().unwrap();
    std::fs::write(path, &gz).unwrap();
    gz
}

#[test]
fn nothing_of_a_gz_that_fails_its_checksum_counts() {
    let mut data = Vec::new();
    for _ in 0..2000 {
        data.extend_from_slice(b"{\"value\":[{\"id\":\"a\"},{\"id\":\"b\"}]}\n");
    }
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good.ndjson");
    std::fs::write(&good, b"{\"value\":[{}]}\n").unwrap();
    let bad_crc = tmp.path().join("crc.ndjson.gz");
    let mut gz = write_gz(&bad_crc, &data);
    let n = gz.len();
    gz[n - 8] ^= 0xff; // the CRC-32 of the trailer: every byte decompresses, then it fails
    std::fs::write(&bad_crc, &gz).unwrap();
    let truncated = tmp.path().join("cut.ndjson.gz");
    std::fs::write(&truncated, &gz[..n / 2]).unwrap();
    for (path, whole) in [(&bad_crc, true), (&truncated, false)] {
        let args = [
            good.to_string_lossy().into_owned(),
            path.to_string_lossy().into_owned(),
        ];
        // 32 KiB blocks: many are analyzed before the reading fails.
        let report = Analyzer::new()
            .chunk_size(1 << 12)
            .analyze_paths(&args, &Progress::default())
            .unwrap();
        assert_eq!(
            (
                report.input.files,
                report.input.bytes,
                report.input.lines,
                report.input.sessions
            ),
            (1, 15, 1, 1),
            "only good.ndjson counts, not {}",
            path.display()
        );
        assert_eq!(report.groups[0].stats.streams, 0);
        assert_eq!(report.unreadable.len(), 1);
        let u = &report.unreadable[0];
        assert_eq!(u.file, path.to_string_lossy(), "{u}");
        assert!(
            u.message.contains("nothing of this input is counted"),
            "{u}"
        );
        if whole {
            assert!(
                u.message.contains(&format!("after byte {}", data.len())),
                "{u}"
            );
        }
        // The JSON report lists it.
        let json: serde_json::Value =
            serde_json::from_str(&callq::report::analyze_json(&report)).unwrap();
        assert_eq!(json["unreadable"][0]["file"], u.file.as_str());
        assert_eq!(json["unreadable"][0]["message"], u.message.as_str());
    }
}

/// Spawns `callq analyze` with `args`, `--no-progress`, a JSON report to `out`.
fn spawn_callq(args: &[&str], out: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_callq"))
        .arg("analyze")
        .args(args)
        .args(["--no-progress", "--format", "json", "-o"])
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn a_fifo_is_streamed_not_read_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("pipe.ndjson");
    let out = tmp.path().join("out.json");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let mut child = spawn_callq(&["--max-line-bytes", "1KiB", fifo.to_str().unwrap()], &out);
    let pid = child.id().to_string();
    // 400 MB of 100 KB lines, each over the limit: cheap to read (never parsed), counted.
    let lines = 4000;
    let mut line = vec![b'x'; 100_000];
    line.push(b'\n');
    let mut writer = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    for _ in 0..lines {
        writer.write_all(&line).unwrap();
    }
    // Everything but a pipe buffer's worth has been read: the peak so far is the run's.
    let peak_mib = vm_hwm_kib(&pid) / 1024;
    drop(writer);
    let status = child.wait().unwrap();
    // Every line is over the limit, so nothing was read: exit 1, with the report written.
    assert_eq!(status.code(), Some(1), "{status}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(report["input"]["badLines"], lines);
    assert_eq!(report["input"]["bytes"], lines * line.len() as u64);
    eprintln!("peak RSS {peak_mib} MiB for 400 MB through a FIFO");
    assert!(
        peak_mib < 200,
        "{peak_mib} MiB: the FIFO was held in memory"
    );
}

#[test]
fn dev_zero_is_streamed_in_bounded_memory() {
    // /dev/zero is one endless line: over the limit, it is skipped without being held, for
    // ever (documented); memory must stay flat while it is.
    if !Path::new("/dev/zero").exists() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut child = spawn_callq(
        &["--max-line-bytes", "1MiB", "/dev/zero"],
        &tmp.path().join("out.json"),
    );
    let pid = child.id().to_string();
    std::thread::sleep(Duration::from_secs(2));
    let peak_mib = vm_hwm_kib(&pid) / 1024;
    let still_running = child.try_wait().unwrap().is_none();
    child.kill().unwrap();
    let _ = child.wait();
    eprintln!("peak RSS {peak_mib} MiB after 2 s of /dev/zero");
    assert!(still_running, "callq stopped reading /dev/zero");
    assert!(
        peak_mib < 200,
        "{peak_mib} MiB: /dev/zero was read into memory"
    );
}

/// `lines` pages of one media each, with labels `L0`, `L1`, ... cycling through `labels`.
fn labelled(lines: usize, labels: usize) -> Vec<u8> {
    let mut data = Vec::new();
    for i in 0..lines {
        writeln!(
            data,
            r#"{{"value":[{{"segments":[{{"media":[{{"label":"L{}","streams":[{{}}]}}]}}]}}]}}"#,
            i % labels
        )
        .unwrap();
    }
    data
}

#[test]
fn more_groups_than_the_limit_stop_the_run_whatever_the_threads() {
    use callq::analyze::{Dimension, RunError};
    let by = Dimension::parse_list("label").unwrap();
    let data = labelled(4000, 1000);
    for threads in [1, 3] {
        for chunk in [1 << 10, 1 << 22] {
            let run = |limit: usize| {
                in_pool(threads, || {
                    Analyzer::new()
                        .group_by(by.clone())
                        .chunk_size(chunk)
                        .max_groups(limit)
                        .analyze_bytes("l.ndjson", &data)
                })
            };
            assert_eq!(run(1000).unwrap().groups.len(), 1000);
            match run(999) {
                Err(e @ RunError::TooManyGroups { limit: 999 }) => {
                    let msg = e.to_string();
                    assert!(msg.contains("more than 999 groups"), "{msg}");
                    assert!(msg.contains("--max-groups"), "{msg}");
                }
                other => panic!("threads {threads} chunk {chunk}: {other:?}"),
            }
        }
    }
    // Several files: their groups add up.
    let tmp = tempfile::tempdir().unwrap();
    let mut args = Vec::new();
    for (i, data) in [labelled(600, 600), labelled(600, 500)].iter().enumerate() {
        let path = tmp.path().join(format!("{i}.ndjson"));
        std::fs::write(&path, data).unwrap();
        args.push(path.to_string_lossy().into_owned());
    }
    let run = |limit: usize| {
        Analyzer::new()
            .group_by(by.clone())
            .max_groups(limit)
            .analyze_paths(&args, &Progress::default())
    };
    assert_eq!(run(600).unwrap().groups.len(), 600);
    assert!(matches!(
        run(599),
        Err(RunError::TooManyGroups { limit: 599 })
    ));
}

#[test]
fn the_cli_exits_2_past_max_groups() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("l.ndjson");
    std::fs::write(&path, labelled(50, 50)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_callq"))
        .args([
            "analyze",
            "--by",
            "label",
            "--max-groups",
            "49",
            "--no-progress",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "no report");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("more than 49 groups") && stderr.contains("--max-groups N"),
        "{stderr}"
    );
    let ok = Command::new(env!("CARGO_BIN_EXE_callq"))
        .args([
            "analyze",
            "--by",
            "label",
            "--max-groups",
            "50",
            "--no-progress",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0));
}
