//! What the library does with compressed inputs depends on the `compression` feature, and a
//! build without it says so in a typed error instead of reporting half an archive.
//! CI runs this file both ways (`cargo test --no-default-features --test features` too).

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
