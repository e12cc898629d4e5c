//! Filters (`--since`, `--until`, `--where`), the new dimensions, `--top`, and the table cut to
//! the terminal's width: golden reports of the bundled corpus, and the rules on small inputs.

use std::path::Path;
use std::sync::Arc;

use callq::analyze::{Analyzer, Condition, Filter, Report, parse_time};
use callq::buildings::Buildings;
use callq::report::{analyze_json, analyze_table, analyze_table_width};

use crate::util::{dims, repo_path, sample, text};

fn buildings() -> Arc<Buildings> {
    Arc::new(Buildings::load(&repo_path("corpus/buildings.csv")).unwrap())
}

fn filter(since: Option<&str>, until: Option<&str>, wheres: &[&str]) -> Filter {
    let mut f = Filter::new();
    if let Some(t) = since {
        f = f.since(parse_time(t).unwrap());
    }
    if let Some(t) = until {
        f = f.until(parse_time(t).unwrap());
    }
    for w in wheres {
        f = f.condition(Condition::parse(w).unwrap());
    }
    f
}

fn run(by: &str, f: Filter, data: &[u8]) -> Report {
    Analyzer::new()
        .group_by(if by.is_empty() { Vec::new() } else { dims(by) })
        .filter(f)
        .buildings(buildings())
        // The sample is 25 copies of one session: these reports count every copy.
        .keep_duplicates(true)
        .analyze_bytes("corpus/sample.ndjson", data)
        .unwrap()
}

fn assert_golden(file: &str, got: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(file);
    if std::env::var_os("CALLQ_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, got).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        got == want,
        "{file} differs from the golden report; run with CALLQ_UPDATE_GOLDEN=1 to accept"
    );
}

/// Every new dimension and filter on the bundled corpus, as JSON reports.
#[test]
fn golden_reports_of_the_new_dimensions_and_filters() {
    let data = sample();
    let cases: [(&str, &str, Filter); 8] = [
        (
            "sample-by-hour-week-quality.json",
            "hour,week,quality",
            Filter::new(),
        ),
        (
            "sample-by-kind-and-user.json",
            "caller.kind,callee.kind,caller.userId,caller.userDisplayName,sender.userDisplayName",
            Filter::new(),
        ),
        (
            "sample-by-devices-and-networks.json",
            "caller.captureDevice,callee.renderDevice,caller.subnet,callee.subnet,receiver.wifiBand",
            Filter::new(),
        ),
        (
            "sample-by-buildings.json",
            "caller.building,caller.city,caller.country,caller.region,caller.network,callee.insideCorp,callee.building",
            Filter::new(),
        ),
        (
            "sample-where-null.json",
            "direction",
            filter(None, None, &["caller.userId=null"]),
        ),
        (
            "sample-where-two.json",
            "label",
            filter(
                None,
                None,
                &[
                    "quality=good,unclassified",
                    "sender.userDisplayName=Owen Franklin,null",
                ],
            ),
        ),
        (
            "sample-since-until.json",
            "",
            filter(
                Some("2020-02-25T19:52:21+01:00"),
                Some("2020-02-25T18:52:22Z"),
                &[],
            ),
        ),
        (
            "sample-since-none-left.json",
            "",
            filter(Some("2020-02-26"), None, &[]),
        ),
    ];
    for (file, by, f) in cases {
        assert_golden(file, &analyze_json(&run(by, f, &data)));
    }
}

/// The rules behind the goldens: a filtered stream leaves every figure but its session stays.
#[test]
fn filtered_streams_leave_every_figure_but_their_sessions_count() {
    let data = sample();
    let all = run("caller.userId", Filter::new(), &data);
    let nulls = run(
        "caller.userId",
        filter(None, None, &["caller.userId=null"]),
        &data,
    );
    assert_eq!(all.input.sessions, nulls.input.sessions);
    assert_eq!(all.input.media, nulls.input.media);
    assert_eq!(
        nulls.input.streams + nulls.input.filtered_streams,
        all.input.streams
    );
    assert_eq!(nulls.groups.len(), 1);
    assert_eq!(nulls.groups[0].key, vec![None]);
    assert_eq!(nulls.groups[0].stats.streams, all.groups[0].stats.streams);
    assert_eq!(nulls.input.streams, nulls.groups[0].stats.streams);
    // Every analyze report has filteredStreams: 0 without a filter.
    assert!(analyze_json(&all).contains("\"filteredStreams\": 0"));
    assert!(analyze_json(&nulls).contains("\"filteredStreams\": 30"));
    // since is inclusive, until exclusive, offsets honoured: the corpus starts at 18:52:21.2169889Z.
    let kept = |since: &str, until: &str| {
        run("", filter(Some(since), Some(until), &[]), &data)
            .input
            .streams
    };
    assert_eq!(
        kept(
            "2020-02-25T18:52:21.2169889Z",
            "2020-02-25T18:52:21.216989Z"
        ),
        33
    );
    assert_eq!(kept("2020-02-25T18:52:21.216989Z", "2020-02-26"), 0);
    assert_eq!(kept("2020-02-25", "2020-02-25T18:52:21.2169889Z"), 0);
    assert_eq!(
        kept("2020-02-25T20:00:00+02:00", "2020-02-25T18:53:00Z"),
        33
    );
}

/// `--top`: poor rate descending, then streams descending, then key order, among groups with
/// at least `--min-streams` classified streams.
#[test]
fn top_orders_ties_by_streams_then_key() {
    // (user, good streams, poor streams)
    let users = [
        ("u0", 4, 0),
        ("u1", 2, 2),
        ("u2", 1, 1),
        ("u3", 2, 2),
        ("u4", 0, 4),
        ("u5", 0, 1),
        ("u6", 3, 3),
    ];
    let mut data = String::new();
    for (user, good, poor) in users {
        let streams: Vec<String> = (0..good)
            .map(|_| r#"{"averageJitter":"PT0.005S","averageRoundTripTime":"PT0.05S","averagePacketLossRate":0.001,"packetUtilization":900}"#.to_string())
            .chain((0..poor).map(|_| r#"{"averageJitter":"PT0.090S","averageRoundTripTime":"PT0.05S","averagePacketLossRate":0.001,"packetUtilization":900}"#.to_string()))
            .collect();
        data.push_str(&format!(
            r#"{{"value":[{{"caller":{{"identity":{{"user":{{"id":"{user}"}}}}}},"segments":[{{"media":[{{"label":"main-audio","streams":[{}]}}]}}]}}]}}"#,
            streams.join(",")
        ));
        data.push('\n');
    }
    let top = |n: usize, min: u64| -> Vec<String> {
        Analyzer::new()
            .group_by(dims("caller.userId"))
            .top(n, min)
            .analyze_bytes("t.ndjson", data.as_bytes())
            .unwrap()
            .groups
            .iter()
            .map(|g| g.key[0].clone().unwrap())
            .collect()
    };
    // u4 and u5 are all poor, but u5 has 1 classified stream; u6 (6 streams), then u1 and u3
    // (4 each, key order), then u2 (2) share 0.5.
    assert_eq!(top(10, 2), ["u4", "u6", "u1", "u3", "u2", "u0"]);
    assert_eq!(top(3, 2), ["u4", "u6", "u1"]);
    assert_eq!(top(4, 2), ["u4", "u6", "u1", "u3"]);
    assert_eq!(top(2, 1), ["u4", "u5"]);
    assert_eq!(top(10, 10), Vec::<String>::new());
    assert_eq!(top(0, 0), Vec::<String>::new());
}

/// Long keys are cut with an ellipsis to the width; JSON and CSV keep them whole.
#[test]
fn long_keys_are_cut_to_the_terminal_width() {
    let name = "Adalberto Maximiliano Fitzgerald-Montgomery de la Vega y Santisteban";
    let line = format!(
        r#"{{"value":[{{"caller":{{"identity":{{"user":{{"displayName":"{name}"}}}}}},"segments":[{{"media":[{{"label":"main-audio","callerDevice":{{"captureDeviceName":"Microphone Array (Realtek(R) High Definition Audio with SST and more words)"}},"streams":[{{"averageJitter":"PT0.005S"}}]}}]}}]}}]}}"#
    );
    let report = Analyzer::new()
        .group_by(dims("caller.userDisplayName,caller.captureDevice"))
        .analyze_bytes("t.ndjson", line.as_bytes())
        .unwrap();
    let wide = analyze_table(&report);
    assert!(wide.contains(name));
    let narrow = analyze_table_width(&report, Some(150));
    let row = narrow.lines().find(|l| l.starts_with("Adalberto")).unwrap();
    assert!(row.chars().count() <= 150, "{row}");
    assert!(row.contains('…'), "{row}");
    assert!(!narrow.contains(name));
    // Too narrow for even the minimum: keys stop at their header's width (at least 12).
    let tiny = analyze_table_width(&report, Some(20));
    let row = tiny.lines().find(|l| l.starts_with("Adalberto")).unwrap();
    assert!(row.starts_with("Adalberto Maximiliano…  "), "{row}");
    assert!(analyze_json(&report).contains(name));
}

#[test]
fn cli_usage_errors_say_what_would_be_valid() {
    let callq = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_callq"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap()
    };
    for (args, says) in [
        (
            &[
                "analyze",
                "--where",
                "caller.colour=red",
                "corpus/sample.ndjson",
            ][..],
            "expected one of: direction, label, day, hour, week, month, quality, or caller.X",
        ),
        (
            &["analyze", "--where", "label", "corpus/sample.ndjson"][..],
            "is not DIMENSION=VALUE",
        ),
        (
            &[
                "analyze",
                "--since",
                "2026-11-08",
                "--until",
                "2026-11-01",
                "corpus/sample.ndjson",
            ][..],
            "--since 2026-11-08T00:00:00Z is not before --until 2026-11-01T00:00:00Z",
        ),
        (
            &[
                "analyze",
                "--since",
                "2026-11-08T10:00:00",
                "corpus/sample.ndjson",
            ][..],
            "or a date-time with an offset",
        ),
        (
            &["analyze", "--top", "5", "corpus/sample.ndjson"][..],
            "--top needs --by",
        ),
        (
            &["analyze", "--min-streams", "5", "corpus/sample.ndjson"][..],
            "--top",
        ),
    ] {
        let out = callq(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let out = callq(&[
        "analyze",
        "--by",
        "caller.userDisplayName",
        "--where",
        "quality=good",
        "--top",
        "1",
        "--min-streams",
        "1",
        "--format",
        "csv",
        "corpus/sample.ndjson",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout)
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("Abbie Wilkins,")
    );
}

#[test]
fn filters_give_the_same_report_for_any_thread_count() {
    let data = crate::util::in_pool(1, || {
        let mut out = Vec::new();
        callq::generate::generate(
            &callq::generate::GenConfig {
                seed: 3,
                size: 1_500_000,
                shape: callq::generate::Shape::Mixed,
            },
            &mut out,
        )
        .unwrap();
        out
    });
    let report = |threads| {
        crate::util::in_pool(threads, || {
            Analyzer::new()
                .group_by(dims("caller.building,week"))
                .filter(filter(
                    Some("2024-03-01"),
                    None,
                    &[
                        "callee.kind=participant",
                        "caller.wifiBand=null,frequency50GHz",
                    ],
                ))
                .buildings(buildings())
                .chunk_size(64 << 10)
                .top(5, 1)
                .analyze_bytes("g.ndjson", &data)
                .unwrap()
        })
    };
    let one = analyze_json(&report(1));
    assert_eq!(one, analyze_json(&report(3)));
    assert!(one.contains("filteredStreams"));
}
