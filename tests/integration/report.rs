//! The report writers (`callq::report`): table snapshots, terminal escaping, CSV formula
//! neutralisation, the JSON report's `classifier` and `generator`, and the bad-line NDJSON.
//! Golden files live in `tests/golden/`; regenerate with `CALLQ_UPDATE_GOLDEN=1 cargo test`.

use crate::checks;
use crate::util::{dims, sample};

use std::borrow::Cow;
use std::path::Path;

use callq::analyze::{Analyzer, BadLine, Report};
use callq::classify::Classifier;
use callq::framing::Position;
use callq::report::{
    CsvOptions, GENERATOR, analyze_csv, analyze_csv_with, analyze_json, analyze_table, check_table,
    spreadsheet_safe, terminal_safe, write_analyze_csv, write_analyze_csv_with,
    write_errors_ndjson,
};

/// Compares `got` with `tests/golden/NAME` byte for byte (rewrites it under
/// `CALLQ_UPDATE_GOLDEN=1`, as the other golden tests do).
fn assert_golden(name: &str, got: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("CALLQ_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, got).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        got == want,
        "{name} differs from the golden file; run with CALLQ_UPDATE_GOLDEN=1 to accept.\n\
         got:\n{got}\nwant:\n{want}"
    );
}

/// A report over lines whose labels try to take over a terminal or a spreadsheet, with a bad
/// line, read from a file whose name has an escape sequence in it.
fn hostile_report() -> Report {
    let labels = [
        "\u{1b}]0;pwned\u{7}",
        "main-audio\ncalleeToCaller  forged-row  999",
        "\u{9b}31mred",
        "\u{202e}oidua-niam",
        "=HYPERLINK(\"http://x\",\"click\")",
        "-2+3",
        "@SUM(A1)",
        "\tcmd",
        "\rcmd",
        "plain, \"quoted\"",
    ];
    let mut input = String::new();
    for label in labels {
        input.push_str(&format!(
            "{{\"value\":[{{\"segments\":[{{\"media\":[{{\"label\":{},\"streams\":[{{\"averageJitter\":\"PT0.012S\"}}]}}]}}]}}]}}\n",
            serde_json::to_string(label).unwrap()
        ));
    }
    input.push_str("{\"value\":[{\"segments\":\"\u{9b}2J\u{202e}\"}]}\n");
    Analyzer::new()
        .group_by(dims("label"))
        .analyze_bytes("in\u{1b}[2J.ndjson", input.as_bytes())
        .unwrap()
}

#[test]
fn the_table_of_the_readme_command_is_the_golden_one() {
    let report = Analyzer::new()
        .group_by(dims("direction,label"))
        .keep_duplicates(true)
        .analyze_bytes("corpus/sample.ndjson", &sample())
        .unwrap();
    let table = analyze_table(&report);
    assert_golden("sample-by-direction-label.txt", &table);
    // What issue 10.2 asked for, spelled out.
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0],
        "classifier: current (CQD's current stream classification)"
    );
    assert_eq!(
        lines[1],
        "1 file, 96.8 kB, 25 lines (0 bad lines), 25 sessions, 18 segments, 18 media, 33 streams"
    );
    let header: Vec<&str> = lines[4].split_whitespace().collect();
    assert_eq!(
        header[..6],
        ["direction", "label", "all", "good", "poor", "unclassified"]
    );
    for unit in ["poor % of", "jitter ms", "rtt ms", "loss %", "video fps"] {
        assert!(lines[3].contains(unit), "no {unit:?} in {}", lines[3]);
    }
    // callerToCallee: 18 streams, all unclassified, so no poor rate.
    let row: Vec<&str> = lines[6].split_whitespace().collect();
    assert_eq!(
        row[..8],
        [
            "callerToCallee",
            "main-audio",
            "18",
            "0",
            "0",
            "18",
            "-",
            "-"
        ]
    );
    // calleeToCaller: p90 packet loss 0.01381693 shown as a percentage.
    let row: Vec<&str> = lines[5].split_whitespace().collect();
    assert_eq!(row[12], "1.38");
}

#[test]
fn the_readme_shows_the_table_its_first_command_prints() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let table = std::fs::read_to_string(root.join("tests/golden/sample-readme.txt")).unwrap();
    assert!(
        readme.contains(&format!("```text\n{table}```\n")),
        "README.md's example table is not tests/golden/sample-readme.txt (the first command's \
         output, written by cli::the_readme_command_prints_the_readme_table)"
    );
}

#[test]
fn the_cqd_2020_table_names_its_classifier_and_main_poor_reason() {
    let report = Analyzer::new()
        .group_by(dims("caller.platform,callee.productFamily"))
        .classifier(Classifier::Cqd2020)
        .keep_duplicates(true)
        .analyze_bytes("corpus/sample.ndjson", &sample())
        .unwrap();
    let table = analyze_table(&report);
    assert_golden("sample-by-caller-platform-cqd2020.txt", &table);
    assert!(table.starts_with("classifier: cqd-2020 "), "{table}");
    assert!(table.contains("under --classifier cqd-2020"), "{table}");
    let row: Vec<&str> = table.lines().nth(5).unwrap().split_whitespace().collect();
    // 17 good, 15 poor, 1 unclassified: 15 / 32 = 46.9 %, all 15 poor due to degradation.
    assert_eq!(
        row[..9],
        [
            "android",
            "skypeForBusiness",
            "33",
            "17",
            "15",
            "1",
            "46.9",
            "degradation",
            "16.0"
        ]
    );
}

#[test]
fn the_hostile_table_is_the_golden_one_and_prints_no_control_character() {
    let report = hostile_report();
    assert_eq!(report.groups.len(), 10);
    assert_eq!(report.input.bad_lines, 1);
    let table = analyze_table(&report);
    assert_golden("hostile-labels.txt", &table);
    for text in [&table, &check_table(&report)] {
        assert!(
            !text.chars().any(checks::unsafe_in_table),
            "a control or bidi character is printed: {text}"
        );
    }
    // One line per group: the forged row stays inside its cell.
    let rows: Vec<&str> = table
        .lines()
        .skip(5)
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(rows.len(), 10, "{table}");
    assert!(
        table.contains("main-audio\\u{a}calleeToCaller  forged-row  999"),
        "{table}"
    );
    assert!(table.contains("\\u{1b}]0;pwned\\u{7}"), "{table}");
    // The bad-line list escapes the file name and the message.
    assert!(table.contains("in\\u{1b}[2J.ndjson:11: byte "), "{table}");
    assert!(table.contains("\\u{9b}2J\\u{202e}"), "{table}");
    assert!(check_table(&report).contains("in\\u{1b}[2J.ndjson:11: byte "));
}

#[test]
fn terminal_safe_escapes_exactly_the_dangerous_characters() {
    for clean in [
        "",
        "main-audio",
        "café 日本 🎧",
        "C:\\archive\\x.ndjson",
        "\u{a0}\u{200b}",
    ] {
        assert!(
            matches!(terminal_safe(clean), Cow::Borrowed(_)),
            "{clean:?} should be borrowed"
        );
        assert_eq!(terminal_safe(clean), clean);
    }
    let escaped: Vec<char> = (0u32..0x20)
        .chain([0x7f])
        .chain(0x80..0xa0)
        .chain([0x61c, 0x200e, 0x200f, 0x2028, 0x2029])
        .chain(0x202a..=0x202e)
        .chain(0x2066..=0x2069)
        .filter_map(char::from_u32)
        .collect();
    for c in escaped {
        let s = format!("a{c}b");
        assert_eq!(
            terminal_safe(&s),
            format!("a\\u{{{:x}}}b", u32::from(c)),
            "{c:?}"
        );
    }
    // Neighbours that are printable stay.
    for c in [
        '\u{a0}', '\u{61b}', '\u{200d}', '\u{202f}', '\u{2065}', '\u{206a}',
    ] {
        let s = c.to_string();
        assert_eq!(terminal_safe(&s), s, "{c:?}");
    }
    assert_eq!(
        terminal_safe("\u{1b}]0;pwned\u{7}\n"),
        "\\u{1b}]0;pwned\\u{7}\\u{a}"
    );
}

#[test]
fn spreadsheet_safe_neutralises_formula_starts_only() {
    for (text, want) in [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("", ""),
        ("a=1", "a=1"),
        (" =1", " =1"),
        ("'=1", "'=1"),
        ("main-audio", "main-audio"),
    ] {
        assert_eq!(spreadsheet_safe(text), want, "{text:?}");
    }
}

#[test]
fn csv_neutralises_key_cells_by_default_and_not_when_raw() {
    let report = hostile_report();
    let safe = analyze_csv(&report);
    let raw = analyze_csv_with(&report, CsvOptions::default().with_raw(true));
    assert_eq!(
        safe,
        analyze_csv_with(&report, CsvOptions::default()),
        "the default is the safe one"
    );
    let mut streamed = Vec::new();
    write_analyze_csv(&report, &mut streamed).unwrap();
    assert_eq!(streamed, safe.as_bytes());
    let mut streamed = Vec::new();
    write_analyze_csv_with(&report, &mut streamed, CsvOptions::default().with_raw(true)).unwrap();
    assert_eq!(streamed, raw.as_bytes());

    let safe = checks::parse_csv(&safe).unwrap();
    let raw = checks::parse_csv(&raw).unwrap();
    assert_eq!(safe.len(), 1 + 22 * 10);
    let labels = |records: &[Vec<String>]| {
        let mut l: Vec<String> = records[1..].iter().map(|r| r[0].clone()).collect();
        l.dedup();
        l
    };
    assert_eq!(
        labels(&safe),
        [
            "'\tcmd",
            "'\rcmd",
            "\u{1b}]0;pwned\u{7}",
            "'-2+3",
            "'=HYPERLINK(\"http://x\",\"click\")",
            "'@SUM(A1)",
            "main-audio\ncalleeToCaller  forged-row  999",
            "plain, \"quoted\"",
            "\u{9b}31mred",
            "\u{202e}oidua-niam",
        ]
    );
    assert_eq!(
        labels(&raw),
        report
            .groups
            .iter()
            .map(|g| g.key[0].clone().unwrap())
            .collect::<Vec<_>>()
    );
    // Numbers are never neutralised, negative ones included.
    let report = Analyzer::new()
        .analyze_bytes(
            "neg",
            b"{\"value\":[{\"segments\":[{\"media\":[{\"streams\":[{\"averageJitter\":\"-PT0.5S\"}]}]}]}]}\n",
        )
        .unwrap();
    let csv = analyze_csv(&report);
    assert!(
        csv.contains(",averageJitter,ms,1,0,-500.0,-500.0,-500.0,-500.0,-500.0,-500.0\n"),
        "{csv}"
    );
}

#[test]
fn the_json_report_ends_with_classifier_generator_and_unreadable() {
    for (classifier, name) in [
        (Classifier::Current, "current"),
        (Classifier::Cqd2020, "cqd-2020"),
    ] {
        let report = Analyzer::new()
            .classifier(classifier)
            .group_by(dims("label"))
            .keep_duplicates(true)
            .analyze_bytes("corpus/sample.ndjson", &sample())
            .unwrap();
        assert_eq!(report.classifier, classifier);
        let text = analyze_json(&report);
        // serde_json keeps key order here (the dev-dependency has `preserve_order`).
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "schemaVersion",
                "input",
                "errors",
                "groupBy",
                "groups",
                "classifier",
                "generator",
                "unreadable"
            ]
        );
        assert_eq!(json["classifier"], name);
        assert_eq!(
            json["generator"],
            format!("callq {}", env!("CARGO_PKG_VERSION"))
        );
        assert_eq!(GENERATOR, format!("callq {}", env!("CARGO_PKG_VERSION")));
    }
}

#[test]
fn errors_ndjson_is_one_escaped_object_per_line() {
    let errors = vec![
        BadLine {
            position: Position {
                file: "a.ndjson".into(),
                line: 7,
                byte_offset: 12345,
            },
            message: "value[0].isTest: expected a boolean, found string \"yes\"".into(),
        },
        BadLine {
            position: Position {
                file: "dir\\b\"\n\u{1b}\u{2028}.ndjson".into(),
                line: 1,
                byte_offset: 0,
            },
            message: "\u{0}\t\u{7f}é".into(),
        },
    ];
    let mut out = Vec::new();
    write_errors_ndjson(&errors, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(
        text,
        concat!(
            r#"{"file":"a.ndjson","line":7,"byteOffset":12345,"message":"value[0].isTest: expected a boolean, found string \"yes\""}"#,
            "\n",
            r#"{"file":"dir\\b\"\n\u001b"#,
            "\u{2028}",
            r#".ndjson","line":1,"byteOffset":0,"message":"\u0000\t"#,
            "\u{7f}é\"}\n"
        )
    );
    for (line, e) in text.lines().zip(&errors) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["file"], e.position.file.as_str());
        assert_eq!(v["line"], e.position.line);
        assert_eq!(v["byteOffset"], e.position.byte_offset);
        assert_eq!(v["message"], e.message.as_str());
    }
    assert_eq!(text.lines().count(), 2);
    let mut empty = Vec::new();
    write_errors_ndjson(&[], &mut empty).unwrap();
    assert!(empty.is_empty());
    // Through a `dyn Write` too, as the CLI's output is.
    let mut out: Vec<u8> = Vec::new();
    let dyn_out: &mut dyn std::io::Write = &mut out;
    write_errors_ndjson(&errors[..1], dyn_out).unwrap();
    assert_eq!(
        out,
        text.lines()
            .next()
            .unwrap()
            .bytes()
            .chain([b'\n'])
            .collect::<Vec<_>>()
    );
}

#[test]
fn the_input_line_groups_thousands_and_counts_in_the_singular() {
    let mut report = Analyzer::new().analyze_bytes("x", b"").unwrap();
    let first_line = |r: &Report| analyze_table(r).lines().nth(1).unwrap().to_owned();
    assert_eq!(
        first_line(&report),
        "1 file, 0 bytes, 0 lines (0 bad lines), 0 sessions, 0 segments, 0 media, 0 streams"
    );
    report.input.files = 2;
    report.input.bytes = 12_695_000;
    report.input.lines = 12_695;
    report.input.bad_lines = 1;
    report.input.sessions = 1;
    report.input.segments = 1_000_000;
    report.input.media = 1;
    report.input.streams = 1;
    assert_eq!(
        first_line(&report),
        "2 files, 12.7 MB, 12,695 lines (1 bad line), 1 session, 1,000,000 segments, 1 media, 1 stream"
    );
    for (bytes, want) in [
        (1, "1 byte,"),
        (999, "999 bytes,"),
        (1_000, "1.00 kB,"),
        (99_949, "99.9 kB,"),
        (999_499, "999 kB,"),
        (999_500, "1.00 MB,"),
        (2_300_000_000, "2.30 GB,"),
        (u64::MAX, "18.4 EB,"),
    ] {
        report.input.bytes = bytes;
        let line = first_line(&report);
        assert!(line.contains(&format!(", {want}")), "{bytes}: {line}");
    }
}

#[test]
fn the_main_poor_reason_is_the_most_breached_first_in_contract_order() {
    let mut report = Analyzer::new().analyze_bytes("x", b"").unwrap();
    let reason = |r: &Report| {
        let line = analyze_table(r).lines().nth(5).unwrap().to_owned();
        line.split_whitespace().nth(6).unwrap().to_owned()
    };
    assert_eq!(reason(&report), "-");
    // Indexed like Reasons::ALL: roundTrip, packetLoss, jitter, degradation, concealed,
    // frameLoss, frameRate, postFecPacketLoss.
    for (counts, want) in [
        ([0, 0, 3, 0, 0, 0, 0, 0], "jitter"),
        ([0, 2, 3, 0, 0, 0, 0, 0], "jitter"),
        ([0, 3, 3, 0, 0, 0, 0, 0], "packetLoss"),
        ([1, 0, 0, 0, 0, 0, 0, 1], "roundTrip"),
        ([0, 0, 0, 0, 0, 0, 1, 2], "postFecPacketLoss"),
    ] {
        report.groups[0].stats.poor_due_to = counts;
        assert_eq!(reason(&report), want, "{counts:?}");
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Text that is mostly the characters that matter: controls, bidi, formula starts, CSV
    /// specials, and some ordinary and wide characters.
    fn text() -> impl Strategy<Value = String> {
        let special = prop::sample::select(vec![
            '\u{0}', '\u{7}', '\t', '\n', '\r', '\u{1b}', '\u{7f}', '\u{85}', '\u{9b}', '\u{61c}',
            '\u{200e}', '\u{200f}', '\u{2028}', '\u{2029}', '\u{202a}', '\u{202e}', '\u{2066}',
            '\u{2069}', '=', '+', '-', '@', '\'', ',', '"', '\\', ' ', 'a', 'é', '日', '🎧',
        ]);
        prop::collection::vec(prop_oneof![3 => special, 1 => any::<char>()], 0..12)
            .prop_map(|cs| cs.into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// The fuzz target's property (`fuzz/checks.rs`, `check_writer_texts`): tables print
        /// no control or bidi character and one row per group, the CSV reads back strictly to
        /// the neutralised (or raw) keys, the JSON and the bad-line NDJSON to the texts.
        #[test]
        fn writers_keep_their_output_safe_and_faithful(
            a in text(), b in text(), file in text(), bad in text()
        ) {
            checks::check_writer_texts(&a, &b, &file, &bad);
        }

        #[test]
        fn terminal_safe_output_has_no_dangerous_character(s in text()) {
            // A table may print line feeds between rows, but no text of the input may.
            let dangerous = |c: char| c == '\n' || checks::unsafe_in_table(c);
            let safe = terminal_safe(&s);
            prop_assert!(!safe.chars().any(dangerous));
            prop_assert_eq!(matches!(safe, Cow::Borrowed(_)), !s.chars().any(dangerous));
        }
    }
}

#[test]
fn a_truncated_bad_line_list_says_how_many_there_were() {
    let mut report = hostile_report();
    assert!(analyze_table(&report).contains("\n1 bad line:\n  in\\u{1b}[2J.ndjson:11: byte "));
    report.input.bad_lines = 12_345;
    let table = analyze_table(&report);
    assert!(
        table.contains("\nbad lines (the first 1 of 12,345):\n  in\\u{1b}[2J.ndjson:11: byte "),
        "{table}"
    );
    report.errors.push(report.errors[0].clone());
    report.input.bad_lines = 2;
    assert!(analyze_table(&report).contains("\n2 bad lines:\n"));
    assert!(check_table(&report).contains("\n2 bad lines:\n"));
    assert!(
        check_table(&report).contains("bad lines      2\n"),
        "{}",
        check_table(&report)
    );
}
