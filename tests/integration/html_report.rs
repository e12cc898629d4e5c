//! `callq report`: the multi-grouping pass, the report's summary, and its HTML.

use std::fmt::Write as _;
use std::process::Command;

use callq::analyze::{Analyzer, Grouping, Progress};
use callq::buildings::Buildings;
use callq::html::{ReportData, ReportOptions, TimeUnit, render};
use callq::input::discover;

use crate::util::{dims, repo_path, sample};

/// One session page: `(start, label, jitter ms, packets, subnet, platform)` per stream, each in
/// a session of its own.
fn page(streams: &[(&str, &str, f64, i64, &str, &str)]) -> String {
    let mut out = String::new();
    for (i, (start, label, jitter, packets, subnet, platform)) in streams.iter().enumerate() {
        let start = if start.is_empty() {
            String::new()
        } else {
            format!(r#""startDateTime":"{start}","#)
        };
        let _ = writeln!(
            out,
            r#"{{"value":[{{"id":"s{i}",{start}"caller":{{"userAgent":{{"platform":{platform}}}}},"segments":[{{"media":[{{"label":"{label}","callerNetwork":{{"subnet":{subnet},"ipAddress":"10.1.2.3"}},"streams":[{{"streamDirection":"callerToCallee","averageJitter":"PT{:.3}S","averageRoundTripTime":"PT0.05S","averagePacketLossRate":0.01,"packetUtilization":{packets},"averageVideoFrameRate":25.0}}]}}]}}]}}]}}"#,
            jitter / 1000.0,
            subnet = serde_json::to_string(subnet).unwrap(),
            platform = serde_json::to_string(platform).unwrap(),
        );
    }
    out
}

fn report_of(name: &str, data: &[u8], options: &ReportOptions, analyzer: Analyzer) -> String {
    let reports = analyzer
        .analyze_bytes_grouped(name, data, &options.groupings())
        .unwrap();
    render(&ReportData::from_reports(&reports, options).unwrap())
}

/// The checks every report passes: one document, no script, no external reference, every
/// chart's SVG closed, nothing unescaped.
fn well_formed(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(html.ends_with("</html>\n"));
    // Every tag is one the renderer writes: input text never makes markup.
    const TAGS: &[&str] = &[
        "!DOCTYPE",
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "main",
        "header",
        "h1",
        "h2",
        "h3",
        "p",
        "section",
        "div",
        "span",
        "figure",
        "figcaption",
        "svg",
        "rect",
        "line",
        "text",
        "polyline",
        "circle",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "bdi",
        "code",
        "small",
        "footer",
    ];
    for (i, _) in html.match_indices('<') {
        let rest = html[i + 1..].trim_start_matches('/');
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '!' || *c == '-')
            .collect();
        assert!(TAGS.contains(&name.as_str()), "<{name} in the report");
    }
    // Nothing is fetched: no URL in any tag (the SVG namespace is a name, not a fetch).
    assert_eq!(
        html.matches("http").count(),
        html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
            + html.matches("<meta http-equiv=").count()
    );
    assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
    assert_eq!(
        html.matches("<table").count(),
        html.matches("</table>").count()
    );
    assert!(html.contains("Content-Security-Policy"));
}

#[test]
fn several_groupings_in_one_pass_equal_one_run_each() {
    // analyze_inputs over the corpus's valid files: several inputs, duplicates dropped (the
    // second pass), bad lines; each grouping of the one pass equals its own run.
    let found = discover(&[repo_path("corpus/pass").to_string_lossy().into_owned()]);
    assert!(found.inputs.len() > 1);
    let groupings = [
        Grouping::new(dims("day,label")),
        Grouping::counts(dims("caller.platform")),
        Grouping::new(dims("direction")),
        Grouping::counts(dims("caller.subnet,callee.connectionType")),
    ];
    let analyzer = Analyzer::new();
    let many = analyzer
        .analyze_inputs_grouped(&found.inputs, &Progress::default(), Vec::new(), &groupings)
        .unwrap();
    assert_eq!(many.len(), groupings.len());
    for (g, got) in groupings.iter().zip(&many) {
        let one = analyzer
            .clone()
            .group_by(g.by.clone())
            .analyze_inputs(&found.inputs, &Progress::default(), Vec::new())
            .unwrap();
        assert_eq!(got.input, one.input);
        assert_eq!(got.errors, one.errors);
        assert_eq!(got.group_by, one.group_by);
        assert_eq!(got.groups.len(), one.groups.len(), "{:?}", g.by);
        for (a, b) in got.groups.iter().zip(&one.groups) {
            assert_eq!(a.key, b.key);
            assert_eq!(
                (
                    a.stats.streams,
                    a.stats.good,
                    a.stats.poor,
                    a.stats.unclassified
                ),
                (
                    b.stats.streams,
                    b.stats.good,
                    b.stats.poor,
                    b.stats.unclassified
                )
            );
            assert_eq!(a.stats.poor_due_to, b.stats.poor_due_to);
            if g.metrics {
                for (x, y) in a.stats.metrics.iter().zip(&b.stats.metrics) {
                    assert_eq!(x.count(), y.count());
                    assert_eq!(x.quantile(0.9), y.quantile(0.9));
                }
                assert_eq!(a.stats.metrics.len(), 22);
            } else {
                assert!(a.stats.metrics.is_empty());
            }
        }
    }
    assert!(many[0].input.duplicate_sessions > 0, "the dedupe pass ran");
    // max_groups bounds each grouping.
    let err = Analyzer::new()
        .max_groups(1)
        .analyze_inputs_grouped(&found.inputs, &Progress::default(), Vec::new(), &groupings)
        .unwrap_err();
    assert!(matches!(
        err,
        callq::analyze::RunError::TooManyGroups { limit: 1 }
    ));
}

#[test]
fn the_sample_report_matches_its_snapshot() {
    let options = ReportOptions::default();
    let html = report_of(
        "corpus/sample.ndjson",
        &sample(),
        &options,
        Analyzer::new().keep_duplicates(true),
    );
    well_formed(&html);
    // The generator's version would change the snapshot at every release.
    let html = html.replace(callq::report::GENERATOR, "callq VERSION");
    let path = repo_path("tests/golden/report-sample.html");
    if std::env::var_os("CALLQ_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &html).unwrap();
    }
    let golden = std::fs::read_to_string(&path).unwrap();
    assert!(
        html == golden,
        "the sample's HTML report differs from tests/golden/report-sample.html; run with \
         CALLQ_UPDATE_GOLDEN=1 to accept"
    );
}

#[test]
fn no_streams_at_all_renders_empty_charts_said_so() {
    for data in [&b""[..], b"{\"value\":[]}\n", b"not json\n"] {
        let html = report_of("x.ndjson", data, &ReportOptions::default(), Analyzer::new());
        well_formed(&html);
        assert!(html.contains("No streams were read"));
        assert!(html.contains("no trend to draw"));
        assert!(!html.contains("id=\"chart-"), "no chart without data");
    }
    let html = report_of(
        "x.ndjson",
        b"not json\n",
        &ReportOptions::default(),
        Analyzer::new(),
    );
    assert!(html.contains("1 of 1 lines were bad"));
    assert!(html.contains("<td><bdi>x.ndjson</bdi></td><td>1</td><td>0</td>"));
}

#[test]
fn a_single_day_only_audio_draws_one_step_with_dots() {
    let streams: Vec<_> = (0..30)
        .map(|i| {
            (
                "2026-11-02T09:00:00Z",
                "main-audio",
                if i % 3 == 0 { 45.0 } else { 5.0 },
                900,
                "10.1.2.0",
                "windows",
            )
        })
        .collect();
    let html = report_of(
        "a.ndjson",
        page(&streams).as_bytes(),
        &ReportOptions::default(),
        Analyzer::new(),
    );
    well_formed(&html);
    assert!(html.contains("<title>Call quality report: 2026-11-02</title>"));
    // One dot on the trend (no line of one point), audio only in the legend.
    assert_eq!(html.matches("<circle class=\"f-audio\"").count(), 1);
    assert!(
        !html.contains("l-video\" x1"),
        "video has no stream, no legend"
    );
    assert!(html.contains("33.3%"), "10 of 30 poor");
    assert!(html.contains("id=\"chart-caller-platform\""));
    assert!(html.contains("CQD audio limit 30.0 ms"));
}

#[test]
fn all_streams_unclassified_says_so_and_draws_no_rates() {
    // Too few packets: the current rules classify nothing.
    let streams: Vec<_> = (0..12)
        .map(|_| {
            (
                "2026-11-02T09:00:00Z",
                "main-audio",
                45.0,
                10,
                "10.1.2.0",
                "windows",
            )
        })
        .collect();
    let html = report_of(
        "a.ndjson",
        page(&streams).as_bytes(),
        &ReportOptions::default(),
        Analyzer::new(),
    );
    well_formed(&html);
    assert!(html.contains("Every stream is unclassified"));
    assert!(!html.contains("id=\"chart-trend\""));
    assert!(
        html.contains("id=\"chart-volume\""),
        "the volume is still drawn"
    );
    assert!(html.contains("No poor streams."));
}

#[test]
fn hostile_rtl_and_cjk_names_are_escaped_and_kept() {
    let hostile = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "it's \"quoted\" & <b>bold</b>",
        "שלום עולם",
        "北京市朝阳区办公楼",
        "\u{202e}evil\u{0}\u{1b}[31m",
    ];
    let mut streams = Vec::new();
    for (i, name) in hostile.iter().enumerate() {
        for _ in 0..11 {
            streams.push((
                "2026-11-02T09:00:00Z",
                "main-audio",
                if i % 2 == 0 { 45.0 } else { 5.0 },
                900,
                *name,
                *name,
            ));
        }
    }
    let html = report_of(
        "<script>evil.ndjson",
        format!("{}{{\"value\":[<script>\n", page(&streams)).as_bytes(),
        &ReportOptions::default(),
        Analyzer::new(),
    );
    well_formed(&html);
    assert!(!html.contains("<img"));
    assert!(!html.contains("<b>"));
    assert!(!html.contains('\u{0}') && !html.contains('\u{1b}'));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("it&#39;s &quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;"));
    assert!(html.contains("<bdi>שלום עולם</bdi>"));
    assert!(html.contains("<bdi>北京市朝阳区办公楼</bdi>"));
    // In a chart, a name is clipped to 20 characters, with the whole name on hover.
    assert!(html.contains(">北京市朝阳区办公楼</text>"));
    assert!(
        html.contains("<bdi>&lt;script&gt;evil.ndjson</bdi>"),
        "the file of the bad line"
    );
}

#[test]
fn ten_thousand_buildings_chart_the_biggest_and_count_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::new();
    let mut streams = Vec::new();
    let mut names = Vec::new();
    for b in 0..10_000u32 {
        let (x, y) = (b / 256, b % 256);
        let _ = writeln!(
            csv,
            "10.{x}.{y}.0,Net {b},24,\"Building <{b}> \"\"{b}\"\"\",Contoso,Office,Office,City,1,US,WA,NA,1,1,0"
        );
        names.push(format!("10.{x}.{y}.0"));
    }
    let path = dir.path().join("b.csv");
    std::fs::write(&path, csv).unwrap();
    let buildings = Buildings::load(&path).unwrap();
    for (b, subnet) in names.iter().enumerate() {
        let n = if b < 40 { 12 } else { 1 };
        for _ in 0..n {
            streams.push((
                "2026-11-02T09:00:00Z",
                "main-audio",
                if b % 2 == 0 { 45.0 } else { 5.0 },
                900,
                subnet.as_str(),
                "windows",
            ));
        }
    }
    let options = ReportOptions {
        buildings: true,
        ..Default::default()
    };
    let html = report_of(
        "a.ndjson",
        page(&streams).as_bytes(),
        &options,
        Analyzer::new().buildings(std::sync::Arc::new(buildings)),
    );
    well_formed(&html);
    assert!(html.contains("id=\"chart-caller-building\""));
    assert!(html.contains("15 more groups with enough streams not shown"));
    assert!(html.contains("9,960 groups (9,960 streams) with fewer than 10 classified streams"));
    assert!(html.contains("Building &lt;0&gt; &quot;0&quot;"));
    assert!(html.len() < 2_000_000, "{} bytes", html.len());
}

#[test]
fn a_year_of_days_fits_in_two_megabytes() {
    // One session of each kind a day for a year (the generator spreads its sessions over 183
    // days, so the year is written here), with 60 platforms.
    let mut streams = Vec::new();
    let mut days = Vec::new();
    let lengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    for (m, &len) in lengths.iter().enumerate() {
        for d in 1..=len {
            days.push(format!("2025-{:02}-{d:02}T09:00:00Z", m + 1));
        }
    }
    assert_eq!(days.len(), 365);
    let platforms: Vec<String> = (0..60).map(|p| format!("platform-{p}")).collect();
    for (d, day) in days.iter().enumerate() {
        for (label, packets) in [
            ("main-audio", 900),
            ("main-video", 900),
            ("applicationsharing-video", 900),
            ("data", 0),
        ] {
            streams.push((
                day.as_str(),
                label,
                (d % 40) as f64,
                packets,
                "10.1.2.0",
                platforms[d % 60].as_str(),
            ));
        }
    }
    let html = report_of(
        "year.ndjson",
        page(&streams).as_bytes(),
        &ReportOptions::default(),
        Analyzer::new(),
    );
    well_formed(&html);
    assert!(html.contains("2025-01-01 – 2025-12-31"));
    assert!(html.len() < 2_000_000, "{} bytes", html.len());
}

#[test]
fn the_cli_writes_the_report_and_refuses_bad_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.html");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_callq"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap()
    };
    let o = run(&[
        "report",
        "--by-time",
        "week",
        "--buildings",
        "corpus/buildings.csv",
        "-o",
        out.to_str().unwrap(),
        "corpus/sample.ndjson",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(&out).unwrap();
    well_formed(&html);
    assert!(html.contains("· by week ·"));
    assert!(html.contains("2020-W09"));
    assert!(html.contains("Caller building"));
    // The library gives the same bytes.
    let options = ReportOptions {
        time: TimeUnit::Week,
        buildings: true,
        ..Default::default()
    };
    let lib = report_of(
        "corpus/sample.ndjson",
        &sample(),
        &options,
        Analyzer::new().buildings(std::sync::Arc::new(
            Buildings::load(&repo_path("corpus/buildings.csv")).unwrap(),
        )),
    );
    assert_eq!(html, lib);
    let o = run(&["report", "--by-time", "year", "corpus/sample.ndjson"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&[
        "report",
        "--where",
        "caller.building=x",
        "corpus/sample.ndjson",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--buildings FILE"));
    // An input is never overwritten by the report.
    let input = dir.path().join("in.ndjson");
    std::fs::write(&input, sample()).unwrap();
    let o = run(&[
        "report",
        "-o",
        input.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read(&input).unwrap(), sample());
}
