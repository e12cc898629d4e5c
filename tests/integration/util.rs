//! Helpers shared by the test modules: the repository's files, gzip, a sized thread pool.

use std::io::Write;
use std::path::{Path, PathBuf};

use callq::analyze::Dimension;

/// A path inside the repository (`corpus/...`, `tests/golden/...`).
pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The bytes of `corpus/sample.ndjson`, the README's archive.
pub fn sample() -> Vec<u8> {
    std::fs::read(repo_path("corpus/sample.ndjson")).unwrap()
}

/// `bytes` gzip-compressed (one member, fast level).
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// Runs `f` on a rayon pool of `threads` threads (more than the machine's cores is fine).
pub fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

/// A `--by` list, parsed.
pub fn dims(list: &str) -> Vec<Dimension> {
    Dimension::parse_list(list).unwrap()
}

/// Command output as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The golden reports of the bundled corpus (`tests/golden/`), by file name: checked by
/// `analyze::golden_reports_of_the_bundled_corpus` and serialized in `serialize`.
pub fn golden_reports() -> Vec<(&'static str, callq::analyze::Report)> {
    let data = sample();
    [
        ("sample-all.json", "", callq::classify::Classifier::Current),
        (
            "sample-by-direction-label.json",
            "direction,label",
            callq::classify::Classifier::Current,
        ),
        (
            "sample-by-caller-platform-cqd2020.json",
            "caller.platform,callee.productFamily",
            callq::classify::Classifier::Cqd2020,
        ),
    ]
    .into_iter()
    .map(|(file, by, classifier)| {
        let report = callq::analyze::Analyzer::new()
            .group_by(if by.is_empty() { Vec::new() } else { dims(by) })
            .classifier(classifier)
            // The golden reports count every copy: the sample's 25 pages repeat the same two
            // sessions (`dedupe::the_sample_keeps_one_copy_of_its_one_session` keeps one copy of each).
            .keep_duplicates(true)
            .analyze_bytes("corpus/sample.ndjson", &data)
            .unwrap();
        (file, report)
    })
    .collect()
}
