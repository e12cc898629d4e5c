//! What the library does with compressed inputs depends on the `compression` feature, and a
//! build without it says so in a typed error instead of reporting half an archive. The JSON
//! report is the same with and without the `serde` feature, which only adds the public
//! `Serialize` impls. CI runs this file with the default features, with none
//! (`cargo test --no-default-features --test features`) and with `serde` alone.

use std::io::Write;

#[cfg_attr(feature = "compression", allow(unused_imports))]
use callq::analyze::{Analyzer, Progress, RunError};

fn archive(dir: &std::path::Path) -> Vec<String> {
    let line = b"{\"value\":[{\"id\":\"s\",\"segments\":[]}]}\n";
    std::fs::write(dir.join("a.ndjson"), line).unwrap();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(line).unwrap();
    std::fs::write(dir.join("b.ndjson.gz"), enc.finish().unwrap()).unwrap();
    vec![dir.to_string_lossy().into_owned()]
}

#[cfg(feature = "compression")]
#[test]
fn compressed_inputs_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let report = Analyzer::new()
        .analyze_paths(&archive(dir.path()), &Progress::default())
        .unwrap();
    assert_eq!(report.input.files, 2);
    assert_eq!(report.input.sessions, 2);
    assert!(report.unreadable.is_empty());
}

#[cfg(not(feature = "compression"))]
#[test]
fn compressed_inputs_without_the_feature_are_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = Analyzer::new()
        .analyze_paths(&archive(dir.path()), &Progress::default())
        .unwrap_err();
    match &err {
        RunError::FeatureMissing { input, feature } => {
            assert!(input.ends_with("b.ndjson.gz"), "{input}");
            assert_eq!(*feature, "compression");
        }
        other => panic!("expected FeatureMissing, got {other}"),
    }
    assert!(
        err.to_string()
            .contains("built without the `compression` feature")
    );
}

const SESSION: &[u8] = br#"{"value":[{"id":"s","segments":[{"media":[{"label":"main-audio","streams":[{"streamDirection":"callerToCallee","averageJitter":"PT0.016S","packetUtilization":709}]}]}]}]}"#;

/// The JSON writers need no feature (they use serde_json either way); with `serde`, the
/// report's own `Serialize` gives the same bytes.
#[test]
fn the_json_report_is_the_same_with_and_without_the_serde_feature() {
    let report = Analyzer::new()
        .group_by(callq::analyze::Dimension::parse_list("direction").unwrap())
        .analyze_bytes("a.ndjson", SESSION)
        .unwrap();
    let json = callq::report::analyze_json(&report);
    assert!(json.starts_with("{\n  \"schemaVersion\": 1,\n"), "{json}");
    assert!(json.contains("\"key\": {\n        \"direction\": \"callerToCallee\"\n      },"));
    assert!(json.contains("\"min\": 709,"), "{json}");
    #[cfg(feature = "serde")]
    {
        let mut via_serde = serde_json::to_string_pretty(&report).unwrap();
        via_serde.push('\n');
        assert_eq!(via_serde, json);
    }
}

/// With `serde`, the borrowed model writes the Graph JSON it was read from.
#[cfg(feature = "serde")]
#[test]
fn with_the_serde_feature_the_model_serializes() {
    use callq::document::{LineParser, Reading};
    let json = LineParser::new().parse(SESSION, Reading::Full, |doc| {
        serde_json::to_string(&doc.unwrap()).unwrap()
    });
    assert_eq!(
        json,
        r#"{"value":[{"segments":[{"media":[{"streams":[{"averageJitter":"PT0.016S","packetUtilization":709,"streamDirection":"callerToCallee"}],"label":"main-audio"}]}],"id":"s"}]}"#
    );
}

/// `flatten` writes Parquet only with the `parquet` feature; without it, asking for Parquet is
/// a typed error before anything is written, and CSV still works.
#[test]
fn parquet_output_needs_the_parquet_feature() {
    use callq::flatten::{FileSink, OutputFormat, SinkOptions};
    let dir = std::env::temp_dir().join(format!("callq-features-pq-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pq = FileSink::create(
        &dir.join("a.parquet"),
        OutputFormat::Parquet,
        false,
        &SinkOptions::default(),
    );
    if cfg!(feature = "parquet") {
        pq.unwrap().finish().unwrap();
        assert!(
            std::fs::read(dir.join("a.parquet"))
                .unwrap()
                .starts_with(b"PAR1")
        );
    } else {
        let e = pq.err().expect("no Parquet without the feature");
        assert_eq!(e.kind(), std::io::ErrorKind::Unsupported);
        assert!(!dir.join("a.parquet").exists());
    }
    let csv = FileSink::create(
        &dir.join("a.csv"),
        OutputFormat::Csv,
        false,
        &SinkOptions::default(),
    );
    csv.unwrap().finish().unwrap();
    assert!(
        std::fs::read_to_string(dir.join("a.csv"))
            .unwrap()
            .starts_with("recordId,")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
