//! serde (feature `serde`, in the default build): the report types serialize to the
//! `--format json` bytes (the golden reports prove it) and round-trip through
//! `serde_json::Value`; the borrowed model re-emits the Graph JSON it was read from.
#![cfg(feature = "serde")]

use callq::analyze::{Analyzer, BadLine, Dimension, Report, UnreadableInput};
use callq::classify::Classifier;
use callq::document::{LineParser, Reading};
use callq::framing::Position;
use callq::report::analyze_json;
use callq::stats::{MetricStats, Number, ValueKind};
use serde_json::{Value, json};

use crate::util::{dims, golden_reports, repo_path, sample};

/// `serde_json::to_writer_pretty` and a newline: what `--format json` writes.
fn pretty(value: &impl serde::Serialize) -> String {
    let mut out = serde_json::to_string_pretty(value).unwrap();
    out.push('\n');
    out
}

fn golden(name: &str) -> String {
    std::fs::read_to_string(repo_path("tests/golden").join(name)).unwrap()
}

/// A report with everything the text escaping meets: bad lines, unreadable inputs, control
/// characters, quotes and non-ASCII in keys, file names and messages.
fn awkward_report() -> Report {
    let mut input = String::new();
    for label in [
        "tab\there",
        "quote\"back\\slash",
        "\u{1b}[2J",
        "ünï©ødé",
        "\u{7f}",
    ] {
        input.push_str(&format!(
            "{{\"value\":[{{\"segments\":[{{\"media\":[{{\"label\":{},\"streams\":[{{\"averageJitter\":\"PT0.012S\",\"packetUtilization\":12}}]}}]}}]}}]}}\n",
            serde_json::to_string(label).unwrap()
        ));
    }
    input.push_str("{\"value\":[{\"segments\":\"\u{9b}2J\u{202e}\"}]}\nnot json\n");
    let mut report = Analyzer::new()
        .group_by(dims("label,direction"))
        .analyze_bytes("in\"put\n.ndjson", input.as_bytes())
        .unwrap();
    report.unreadable.push(UnreadableInput {
        file: "gone\u{1}.ndjson".into(),
        message: "No such file or directory (os error 2)".into(),
    });
    report
}

#[test]
fn the_report_serializes_to_the_golden_bytes() {
    for (file, report) in golden_reports() {
        let serialized = pretty(&report);
        assert!(serialized == golden(file), "{file}");
        assert_eq!(serialized, analyze_json(&report), "{file}");
        let mut written = Vec::new();
        serde_json::to_writer_pretty(&mut written, &report).unwrap();
        written.push(b'\n');
        assert_eq!(written, serialized.as_bytes(), "{file}");
    }
    let report = awkward_report();
    assert_eq!(pretty(&report), analyze_json(&report));
}

/// The issue's test: a report through `serde_json::Value` and back gives the same bytes
/// (`Value` keeps key order here: the dev-dependency has `preserve_order`), and the golden
/// files read as `Value` are the reports' `Value`s.
#[test]
fn a_report_round_trips_through_value_to_the_same_bytes() {
    let mut reports = golden_reports();
    reports.push(("awkward", awkward_report()));
    for (file, report) in &reports {
        let value = serde_json::to_value(report).unwrap();
        assert_eq!(pretty(&value), analyze_json(report), "{file}");
        let text = analyze_json(report);
        let reread: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(reread, value, "{file}");
        assert_eq!(pretty(&reread), text, "{file}");
    }
    for (file, report) in &reports[..3] {
        let from_golden: Value = serde_json::from_str(&golden(file)).unwrap();
        assert_eq!(from_golden, serde_json::to_value(report).unwrap(), "{file}");
    }
}

#[test]
fn report_parts_serialize_as_they_appear_in_the_report() {
    let report = Analyzer::new()
        .group_by(dims("direction,label"))
        .analyze_bytes("corpus/sample.ndjson", &sample())
        .unwrap();
    let whole = serde_json::to_value(&report).unwrap();
    assert_eq!(
        serde_json::to_value(report.input).unwrap(),
        whole["input"],
        "input"
    );
    assert_eq!(
        serde_json::to_value(&report.group_by).unwrap(),
        json!(["direction", "label"])
    );
    assert_eq!(
        serde_json::to_value(report.classifier).unwrap(),
        json!("current")
    );
    assert_eq!(
        serde_json::to_value(Classifier::Cqd2020).unwrap(),
        json!("cqd-2020")
    );
    assert_eq!(
        serde_json::to_value(Dimension::parse("sender.productFamily").unwrap()).unwrap(),
        json!("sender.productFamily")
    );
    for (i, g) in report.groups.iter().enumerate() {
        let in_report = &whole["groups"][i];
        let alone = serde_json::to_value(g).unwrap();
        // Alone, a group does not know the dimensions: its key is the array of values.
        let values: Vec<Value> = in_report["key"]
            .as_object()
            .unwrap()
            .values()
            .cloned()
            .collect();
        assert_eq!(alone["key"], Value::Array(values));
        for member in ["streams", "quality", "metrics"] {
            assert_eq!(alone[member], in_report[member], "{member}");
        }
        // GroupStats: the same without the key; MetricStats: a metric without its unit.
        let stats = serde_json::to_value(&g.stats).unwrap();
        assert_eq!(stats.as_object().unwrap().len(), 3);
        assert_eq!(stats["metrics"], in_report["metrics"]);
        for (metric, m) in callq::analyze::METRICS.iter().zip(&g.stats.metrics) {
            let mut want = in_report["metrics"][metric.name].clone();
            assert_eq!(
                want.as_object_mut().unwrap().shift_remove("unit"),
                Some(serde_json::to_value(metric.unit).unwrap())
            );
            assert_eq!(serde_json::to_value(m).unwrap(), want, "{}", metric.name);
        }
    }
    let bad = BadLine {
        position: Position {
            file: "a.ndjson".into(),
            line: 7,
            byte_offset: 12345,
        },
        message: "…".into(),
    };
    assert_eq!(
        serde_json::to_string(&bad).unwrap(),
        r#"{"file":"a.ndjson","line":7,"byteOffset":12345,"message":"…"}"#
    );
}

#[test]
fn numbers_keep_their_kind_and_non_finite_ones_are_null() {
    let to = |n: Number| serde_json::to_string(&n).unwrap();
    assert_eq!(to(Number::Int(709)), "709");
    assert_eq!(to(Number::Int(i64::MIN)), "-9223372036854775808");
    assert_eq!(to(Number::Float(1.0)), "1.0");
    assert_eq!(to(Number::Float(0.1 + 0.2)), "0.30000000000000004");
    assert_eq!(to(Number::Float(f64::NAN)), "null");
    assert_eq!(to(Number::Float(f64::NEG_INFINITY)), "null");

    let mut ints = MetricStats::new(ValueKind::Integer);
    ints.add_int(5);
    ints.add_int(7);
    ints.add_null();
    assert_eq!(
        serde_json::to_string(&ints).unwrap(),
        r#"{"count":2,"nulls":1,"mean":6.0,"min":5,"max":7,"p50":5,"p90":7,"p99":7}"#
    );
    let empty = MetricStats::new(ValueKind::Float);
    assert_eq!(
        serde_json::to_string(&empty).unwrap(),
        r#"{"count":0,"nulls":0,"mean":null,"min":null,"max":null,"p50":null,"p90":null,"p99":null}"#
    );
}

/// One line read in full and written back with serde.
fn reemit(line: &[u8]) -> Option<String> {
    reemit_kind(line).map(|(json, _)| json)
}

/// [`reemit`], and the document's shape (`Document::shape_name`). `None` for a bad line, and
/// for a batch of change notifications, which is counted but not kept (so not written).
fn reemit_kind(line: &[u8]) -> Option<(String, &'static str)> {
    LineParser::new().parse(line, Reading::Full, |doc| {
        let doc = doc.ok()?;
        match serde_json::to_string(&doc) {
            Ok(json) => Some((json, doc.shape_name())),
            Err(e) => {
                assert_eq!(doc.shape_name(), "batch of change notifications", "{e}");
                None
            }
        }
    })
}

/// Whether `emitted` says nothing that `original` does not: every member is in the original
/// with the same value (durations, date-times and Int64 strings compared by value, `null`
/// elements of the original's arrays skipped, `#` of an `@odata.type` optional).
fn covered(emitted: &Value, original: &Value, path: &str) {
    match (emitted, original) {
        (Value::Object(e), Value::Object(o)) => {
            for (k, v) in e {
                let ov = o
                    .get(k)
                    .unwrap_or_else(|| panic!("{path}.{k}: not in the original"));
                covered(v, ov, &format!("{path}.{k}"));
            }
        }
        (Value::Array(e), Value::Array(o)) => {
            let o: Vec<&Value> = o.iter().filter(|v| !v.is_null()).collect();
            assert_eq!(e.len(), o.len(), "{path}: length");
            for (i, (ev, ov)) in e.iter().zip(o).enumerate() {
                covered(ev, ov, &format!("{path}[{i}]"));
            }
        }
        (Value::String(e), Value::String(o)) if e != o => {
            let same = e.trim_start_matches('#') == o.trim_start_matches('#')
                || matches!(
                    (callq::duration::Duration::parse(e), callq::duration::Duration::parse(o)),
                    (Ok(a), Ok(b)) if a == b
                )
                || matches!(
                    (
                        callq::datetime::DateTimeOffset::parse(e),
                        callq::datetime::DateTimeOffset::parse(o)
                    ),
                    (Ok(a), Ok(b)) if a == b
                );
            assert!(same, "{path}: {e:?} for {o:?}");
        }
        (Value::Number(e), Value::String(o)) => {
            assert_eq!(e.to_string(), *o, "{path}: an Int64 given as a string");
        }
        (Value::Number(e), Value::Number(o)) => {
            assert_eq!(e.as_f64(), o.as_f64(), "{path}");
        }
        (e, o) => assert_eq!(e, o, "{path}"),
    }
}

/// Every document of the bundled corpora that callq reads: re-emitted, it holds only what
/// the original says, and reading it back and re-emitting gives the same bytes.
#[test]
fn documents_reemit_what_they_say_and_read_back_the_same() {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    for file in [
        "sample.ndjson",
        "graph-examples/pages.ndjson",
        "graph-examples/pages-edge-cases.ndjson",
    ] {
        let data = std::fs::read(repo_path("corpus").join(file)).unwrap();
        lines.extend(data.split(|&b| b == b'\n').map(<[u8]>::to_vec));
    }
    let examples = repo_path("corpus/graph-examples");
    let history = std::fs::read_dir(examples.join("history")).unwrap();
    for entry in std::fs::read_dir(&examples).unwrap().chain(history) {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            // Pretty-printed documents: as one line (no string in them holds a newline).
            let bytes = std::fs::read(&path).unwrap();
            lines.push(
                bytes
                    .iter()
                    .map(|&b| if b == b'\n' || b == b'\r' { b' ' } else { b })
                    .collect(),
            );
        }
    }
    // corpus/forms: JSON text sequences, arrays and `$batch` replies of every document kind,
    // each document as one line (up to the first syntax error of a file).
    for entry in std::fs::read_dir(repo_path("corpus/forms")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "expected") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        for value in serde_json::Deserializer::from_slice(&bytes).into_iter::<Value>() {
            let Ok(value) = value else { break };
            let docs = match value {
                Value::Array(items) => items,
                Value::Object(ref o) if o.contains_key("responses") => o["responses"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["body"].clone())
                    .collect(),
                other => vec![other],
            };
            lines.extend(docs.iter().map(|d| serde_json::to_vec(d).unwrap()));
        }
    }
    // Generated documents of the three session shapes, and a page of participants.
    let mut generated = Vec::new();
    let config = callq::generate::GenConfig {
        seed: 7,
        size: 1_500_000,
        shape: callq::generate::Shape::Mixed,
    };
    callq::generate::generate(&config, &mut generated).unwrap();
    lines.extend(generated.split(|&b| b == b'\n').map(<[u8]>::to_vec));
    lines.push(
        concat!(
            r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#communications/callRecords('r')/participants_v2","#,
            r#""value":[{"id":"p1","identity":{"user":{"id":"u1","displayName":"A"}},"#,
            r#""administrativeUnitInfos":[{"id":"au1"},{}]},null]}"#
        )
        .as_bytes()
        .to_vec(),
    );
    let mut documents = 0;
    let mut kinds = std::collections::BTreeSet::new();
    for line in lines.iter().filter(|l| !l.trim_ascii().is_empty()) {
        let Some((emitted, kind)) = reemit_kind(line) else {
            continue;
        };
        documents += 1;
        kinds.insert(kind);
        // Read back, it is the same kind of document (a page of other documents carries
        // the `@odata.context` Graph gives its kind).
        assert_eq!(reemit_kind(emitted.as_bytes()).map(|(_, k)| k), Some(kind));
        let Ok(original) = serde_json::from_slice::<Value>(line) else {
            continue; // a duplicate key or two: serde_json's Value would not be the original
        };
        let mut value: Value = serde_json::from_str(&emitted).unwrap();
        let mut original = original;
        if !["page of sessions", "callRecord", "page of callRecords"].contains(&kind) {
            // A page of another kind is given the context Graph gives its kind.
            for v in [&mut value, &mut original] {
                v.as_object_mut().unwrap().shift_remove("@odata.context");
            }
        }
        covered(&value, &original, "$");
        assert_eq!(reemit(emitted.as_bytes()).as_deref(), Some(&*emitted));
    }
    assert!(documents >= 25, "{documents} documents");
    assert_eq!(kinds.len(), 8, "{kinds:?}");
}

#[test]
fn model_values_are_written_the_way_graph_sends_them() {
    let line = concat!(
        r##"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#communications/callRecords('r1')/sessions","##,
        r##""value":[null,{"id":"s1","modalities":["audio","brandNewModality"],"##,
        r##""startDateTime":"2020-02-25T23:30:00.1200-02:00","##,
        r##""caller":{"@odata.type":"#microsoft.graph.callRecords.participantEndpoint","##,
        r##""userAgent":{"@odata.type":"#microsoft.graph.callRecords.clientUserAgent","platform":"windows"},"##,
        r##""feedback":{"rating":"poor","tokens":{"@odata.type":"x","NoSound":true,"Echo":false}}},"##,
        r##""callee":{"@odata.type":"#example.other","name":null},"##,
        r##""segments":[{"media":[{"label":"main-audio","streams":[{"##,
        r##""averageJitter":"PT0.0160S","averageAudioDegradation":"NaN","##,
        r##""averagePacketLossRate":"-INF","averageBandwidthEstimate":"709","##,
        r##""streamDirection":"callerToCallee","unknownProperty":[1,2]}]}]}]}]}"##
    );
    let emitted = reemit(line.as_bytes()).unwrap();
    assert_eq!(
        emitted,
        concat!(
            r##"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#communications/callRecords('r1')/sessions","##,
            r##""value":[{"segments":[{"media":[{"streams":[{"averageAudioDegradation":"NaN","##,
            r##""averageBandwidthEstimate":709,"averageJitter":"PT0.016S","##,
            r##""averagePacketLossRate":"-INF","streamDirection":"callerToCallee"}],"##,
            r##""label":"main-audio"}]}],"startDateTime":"2020-02-25T23:30:00.12-02:00","##,
            r##""caller":{"userAgent":{"platform":"windows","##,
            r##""@odata.type":"#microsoft.graph.callRecords.clientUserAgent"},"##,
            r##""@odata.type":"#microsoft.graph.callRecords.participantEndpoint","##,
            r##""feedback":{"rating":"poor","tokens":{"NoSound":true,"Echo":false}}},"##,
            r##""callee":{"@odata.type":"#example.other"},"##,
            r##""id":"s1","modalities":["audio","brandNewModality"]}]}"##
        )
    );
    // A batch of change notifications is counted, not kept: writing one is an error.
    let notifications = br#"{"value":[{"subscriptionId":"s","resourceData":{"id":"r"}}]}"#;
    let err = LineParser::new().parse(notifications, Reading::Full, |doc| {
        serde_json::to_string(&doc.unwrap())
            .unwrap_err()
            .to_string()
    });
    assert!(err.contains("change notifications"), "{err}");
    // Read as `analyze` reads, only the properties analyze uses are there to write.
    let analyze_only = LineParser::new().parse(line.as_bytes(), Reading::Analyze, |doc| {
        serde_json::to_value(doc.unwrap()).unwrap()
    });
    assert_eq!(analyze_only["value"][0].get("modalities"), None);
    // A session's id is read: it is half of its identity (issue 13).
    assert_eq!(analyze_only["value"][0]["id"], json!("s1"));
    assert_eq!(
        analyze_only["value"][0]["caller"]["userAgent"],
        json!({"platform": "windows"})
    );
}
