//! `docs/report.schema.json` describes the JSON report: every golden report, a report with bad
//! lines, a `check` report and an empty one validate against it, and the schema rejects
//! reports that break the contract (so it is not vacuous).

use std::path::Path;

use callq::analyze::{Analyzer, Dimension};
use callq::classify::Classifier;
use callq::report;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn validator() -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root().join("docs/report.schema.json")).unwrap())
            .unwrap();
    jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
}

fn assert_valid(v: &jsonschema::Validator, what: &str, report: &serde_json::Value) {
    let errors: Vec<String> = v.iter_errors(report).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

#[test]
fn golden_reports_follow_the_schema() {
    let v = validator();
    let mut seen = 0;
    for entry in std::fs::read_dir(root().join("tests/golden")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let report: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            assert_valid(&v, &path.display().to_string(), &report);
            seen += 1;
        }
    }
    assert!(seen >= 3, "golden JSON reports found: {seen}");
}

#[test]
fn reports_with_bad_lines_check_reports_and_empty_reports_follow_the_schema() {
    let v = validator();
    let mut data = std::fs::read(root().join("corpus/sample.ndjson")).unwrap();
    for _ in 0..120 {
        data.extend_from_slice(b"{\"value\": [}\n");
    }
    let analyzer = Analyzer::new()
        .group_by(Dimension::parse_list("day,caller.platform").unwrap())
        .classifier(Classifier::Cqd2020);
    let r = analyzer.analyze_bytes("mixed.ndjson", &data).unwrap();
    assert_eq!(r.input.bad_lines, 120);
    let json: serde_json::Value = serde_json::from_str(&report::analyze_json(&r)).unwrap();
    assert_eq!(json["errors"].as_array().unwrap().len(), 100);
    assert_valid(&v, "analyze with bad lines", &json);
    let check: serde_json::Value = serde_json::from_str(&report::check_json(&r)).unwrap();
    assert_valid(&v, "check", &check);
    let empty = Analyzer::new().analyze_bytes("empty.ndjson", b"").unwrap();
    let json: serde_json::Value = serde_json::from_str(&report::analyze_json(&empty)).unwrap();
    assert_valid(&v, "empty", &json);
}

#[test]
fn the_schema_rejects_reports_that_break_the_contract() {
    let v = validator();
    let good: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root().join("tests/golden/sample-by-direction-label.json")).unwrap(),
    )
    .unwrap();
    type Break = fn(&mut serde_json::Value);
    let broken: [(&str, Break); 5] = [
        ("schemaVersion 2", |r| r["schemaVersion"] = 2.into()),
        ("a metric missing", |r| {
            r["groups"][0]["metrics"]
                .as_object_mut()
                .unwrap()
                .remove("averageJitter");
        }),
        ("a wrong unit", |r| {
            r["groups"][0]["metrics"]["averageJitter"]["unit"] = "s".into()
        }),
        ("a fractional Int64 quantile", |r| {
            r["groups"][0]["metrics"]["packetUtilization"]["p50"] = 1.5.into()
        }),
        ("an unknown poorDueTo reason", |r| {
            r["groups"][0]["quality"]["poorDueTo"]["latency"] = 1.into()
        }),
    ];
    for (what, breaks) in broken {
        let mut r = good.clone();
        breaks(&mut r);
        assert!(!v.is_valid(&r), "the schema accepted a report with {what}");
    }
}
