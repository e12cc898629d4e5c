//! Every file under `corpus/pass/` and `corpus/fail/` (see `corpus/README.md`).
//!
//! `pass/` files must read with no bad line under both `check` (every declared property) and
//! `analyze`. Each `fail/X.ndjson` has a `fail/X.expected` listing every bad line `check`
//! reports, as `LINE<TAB>MESSAGE`; regenerate with `CALLQ_UPDATE_GOLDEN=1 cargo test`.

use std::path::{Path, PathBuf};

use callq::analyze::Analyzer;
use callq::document::Reading;

fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(dir);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no *.{ext} in {}", dir.display());
    out
}

#[test]
fn every_pass_file_has_no_bad_line() {
    for path in files("pass", "ndjson") {
        let data = std::fs::read(&path).unwrap();
        for reading in [Reading::Full, Reading::Analyze] {
            let report = Analyzer::new()
                .reading(reading)
                .analyze_bytes("f", &data)
                .unwrap();
            assert_eq!(
                report.input.bad_lines,
                0,
                "{} {reading:?}: {:?}",
                path.display(),
                report.errors
            );
            assert!(report.input.lines > 0, "{}", path.display());
        }
    }
}

#[test]
fn every_fail_file_reports_exactly_its_expected_errors() {
    for path in files("fail", "ndjson") {
        let data = std::fs::read(&path).unwrap();
        let report = Analyzer::new()
            .reading(Reading::Full)
            .analyze_bytes("f", &data)
            .unwrap();
        let got: String = report
            .errors
            .iter()
            .map(|e| format!("{}\t{}\n", e.position.line, e.message))
            .collect();
        let expected_path = path.with_extension("expected");
        if std::env::var_os("CALLQ_UPDATE_GOLDEN").is_some() {
            std::fs::write(&expected_path, &got).unwrap();
        }
        let want = std::fs::read_to_string(&expected_path).unwrap_or_default();
        assert_eq!(got, want, "{}", path.display());
        // Every line of a fail file is bad: a test of one rule per line.
        assert_eq!(
            report.input.bad_lines,
            report.input.lines,
            "{}",
            path.display()
        );
    }
}
