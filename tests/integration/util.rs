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
