//! `callq report --format partial` and `callq merge --format html`: an archive split at line
//! boundaries, reported in pieces and merged in order (flat or in a tree), gives the HTML of
//! one `callq report` over all the pieces, byte for byte; partials without the report's
//! groupings, or of other report options, are refused naming the file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use callq::analyze::Analyzer;
use callq::generate::{GenConfig, Shape, generate};
use callq::html::{ReportOptions, TimeUnit};
use callq::partial::{Partial, PartialError};

use crate::util::{repo_path, text};

fn callq(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_callq"))
        .args(args)
        .output()
        .unwrap()
}

/// A generated archive over six months, with a bad line and a blank line, cut into `n`
/// pieces at line boundaries (of unequal sizes).
fn pieces(dir: &Path, n: usize) -> Vec<String> {
    let mut data = Vec::new();
    generate(
        &GenConfig {
            seed: 11,
            size: 1_500_000,
            shape: Shape::Mixed,
        },
        &mut data,
    )
    .unwrap();
    let mut lines: Vec<&[u8]> = data.split_inclusive(|&b| b == b'\n').collect();
    lines.insert(lines.len() / 3, b"{\"value\":[{\"id\":\"broken\"\n");
    lines.insert(lines.len() / 2, b"\n");
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..n {
        // Pieces of 1/6, 2/6, 3/6 ... of the lines, by weight i + 1.
        let total: usize = (1..=n).sum();
        let share: usize = (1..=i + 1).sum();
        let end = if i + 1 == n {
            lines.len()
        } else {
            lines.len() * share / total
        };
        let path = dir.join(format!("piece-{i}.ndjson"));
        std::fs::write(&path, lines[start..end].concat()).unwrap();
        out.push(path.to_str().unwrap().to_owned());
        start = end;
    }
    out
}

fn run_ok(args: &[&str]) -> Output {
    let out = callq(args);
    // 0, or 2 would mean an unreadable input; the pieces are all readable.
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        text(&out.stderr)
    );
    out
}

#[test]
fn merged_report_partials_render_the_whole_runs_html() {
    let dir = tempfile::tempdir().unwrap();
    let pieces = pieces(dir.path(), 3);
    let buildings = repo_path("corpus/buildings.csv");
    let buildings = buildings.to_str().unwrap();
    let option_sets: Vec<Vec<&str>> = vec![
        vec![],
        vec!["--by-time", "week", "--min-streams", "3"],
        vec!["--by-time", "month", "--buildings", buildings],
        vec![
            "--buildings",
            buildings,
            "--where",
            "label=main-audio,main-video",
            "--since",
            "2024-02-01",
            "--classifier",
            "cqd-2020",
        ],
    ];
    for (k, options) in option_sets.iter().enumerate() {
        let whole = dir.path().join(format!("whole-{k}.html"));
        let mut args = vec!["report", "-o", whole.to_str().unwrap()];
        args.extend(options);
        args.extend(pieces.iter().map(String::as_str));
        run_ok(&args);
        let whole = std::fs::read(&whole).unwrap();

        let mut parts = Vec::new();
        for (i, piece) in pieces.iter().enumerate() {
            let part = dir.path().join(format!("{k}-{i}.rpart"));
            let mut args = vec![
                "report",
                "--format",
                "partial",
                "-o",
                part.to_str().unwrap(),
            ];
            args.extend(options);
            args.push(piece);
            args.extend(["--threads", if i % 2 == 0 { "1" } else { "3" }]);
            run_ok(&args);
            parts.push(part.to_str().unwrap().to_owned());
        }
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        let merged = run_ok(&[&["merge", "--format", "html"], &parts[..]].concat());
        assert!(
            merged.stdout == whole,
            "options {options:?}: merged HTML differs from the whole run's"
        );
        // A tree: (p0 p1) then p2.
        let left = dir.path().join(format!("{k}-left.rpart"));
        let left = left.to_str().unwrap();
        run_ok(&[
            "merge", "--format", "partial", "-o", left, parts[0], parts[1],
        ]);
        let tree = run_ok(&["merge", "--format", "html", left, parts[2]]);
        assert!(
            tree.stdout == whole,
            "options {options:?}: tree merge differs"
        );
    }
}

#[test]
fn report_partials_in_other_formats_are_the_trend_grouping() {
    let dir = tempfile::tempdir().unwrap();
    let pieces = pieces(dir.path(), 2);
    let mut parts = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        let part = dir.path().join(format!("{i}.rpart"));
        run_ok(&[
            "report",
            "--by-time",
            "week",
            "--format",
            "partial",
            "-o",
            part.to_str().unwrap(),
            piece,
        ]);
        parts.push(part.to_str().unwrap().to_owned());
    }
    let merged = run_ok(&["merge", "--format", "json", &parts[0], &parts[1]]);
    let analyze = run_ok(&[
        "analyze",
        "--by",
        "week,label",
        "--format",
        "json",
        &pieces[0],
        &pieces[1],
    ]);
    assert_eq!(text(&merged.stdout), text(&analyze.stdout));
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn merge_html_refuses_partials_without_the_report_groupings_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let pieces = pieces(dir.path(), 2);
    let part = |name: &str, args: &[&str]| {
        let p = dir.path().join(name);
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["-o", p.to_str().unwrap(), &pieces[0]]);
        run_ok(&all);
        p.to_str().unwrap().to_owned()
    };
    let report = part("r.rpart", &["report", "--format", "partial"]);
    let weekly = part(
        "w.rpart",
        &["report", "--format", "partial", "--by-time", "week"],
    );
    let fewer = part(
        "m.rpart",
        &["report", "--format", "partial", "--min-streams", "1"],
    );
    let analyze = part(
        "a.part",
        &["analyze", "--by", "day,label", "--format", "partial"],
    );
    // An analyze partial, first or later: exit 2, the file named, what to do said.
    for args in [
        vec![analyze.as_str()],
        vec![report.as_str(), analyze.as_str()],
    ] {
        let out = callq(&[&["merge", "--format", "html"], &args[..]].concat());
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(&analyze), "{err}");
        assert!(
            err.contains("callq report --format partial"),
            "says what to do: {err}"
        );
        assert!(out.stdout.is_empty());
    }
    // Other report options: refused naming the file and both values.
    for (other, what) in [
        (&weekly, "--by-time week"),
        (&fewer, "--min-streams 1"),
        (&analyze, "a partial of callq analyze"),
    ] {
        let out = callq(&["merge", "--format", "json", &report, other]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(other.as_str()) && err.contains(what), "{err}");
        assert!(err.contains("--by-time day --min-streams 10"), "{err}");
    }
    // `report --format` takes html and partial only, `analyze --format` no html.
    let out = callq(&["report", "--format", "json", &pieces[0]]);
    assert_eq!(out.status.code(), Some(2));
    let out = callq(&["analyze", "--format", "html", &pieces[0]]);
    assert_eq!(out.status.code(), Some(2));
    // A damaged report partial is refused as any partial is.
    let mut bytes = std::fs::read(&report).unwrap();
    let n = bytes.len();
    bytes[n - 10] ^= 4;
    let damaged = write(dir.path(), "d.rpart", &bytes);
    let out = callq(&["merge", "--format", "html", damaged.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("CRC-32"));
}

#[test]
fn a_partial_whose_groupings_are_not_its_report_options_is_refused() {
    let page = concat!(
        r#"{"value":[{"startDateTime":"2026-11-02T09:00:00Z","segments":[{"media":["#,
        r#"{"label":"main-audio","streams":[{"averageJitter":"PT0.045S"}]}]}]}]}"#,
        "\n"
    );
    let analyzer = Analyzer::new();
    let options = ReportOptions::default();
    let reports = analyzer
        .analyze_bytes_grouped("p.ndjson", page.as_bytes(), &options.groupings())
        .unwrap();
    let good = Partial::for_html_report(reports, &options, analyzer.partial_options(), 0);
    let back = Partial::from_bytes(&good.to_bytes()).unwrap();
    assert_eq!(back.report, Some(options.clone()));
    assert_eq!(back.to_bytes(), good.to_bytes());
    assert_eq!(
        back.groupings.iter().map(|g| g.metrics).collect::<Vec<_>>(),
        [true, false, false]
    );

    // The report's options say weeks, the groupings are by day.
    let mut weeks = good.clone();
    weeks.report = Some(ReportOptions {
        time: TimeUnit::Week,
        ..options.clone()
    });
    // A building file, so the report's options say buildings, but no building grouping.
    let mut buildings = good.clone();
    buildings.options.buildings = Some(1);
    buildings.report = Some(ReportOptions {
        buildings: true,
        ..options.clone()
    });
    // A counts-only grouping claimed to keep every metric.
    let mut metrics = good.clone();
    metrics.groupings[1].metrics = true;
    // An analyze partial claiming to be a report's.
    let report = analyzer.analyze_bytes("p.ndjson", page.as_bytes()).unwrap();
    let mut plain = Partial::from_report(report, analyzer.partial_options(), None, 0);
    plain.report = Some(options.clone());
    for bad in [weeks, buildings, metrics, plain] {
        let err = Partial::from_bytes(&bad.to_bytes()).unwrap_err();
        assert!(matches!(err, PartialError::Damaged(_)), "{err}");
    }
}
