//! Shared by the parse, framing and analyze benches: the cached corpus, and borrowed serde
//! structs (the full model and the analyze-only subset) that serde_json and sonic-rs
//! deserialize into.
#![allow(dead_code)]

pub mod baseline;
pub mod runs;
pub mod serde_model;

use std::io::Write;
use std::path::PathBuf;

use callq::generate::{GenConfig, GenSummary, Shape, generate};

/// A rayon pool of `threads` workers.
pub fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool")
}

/// Default corpus size: 200 MB.
pub const DEFAULT_BYTES: u64 = 200_000_000;
const SEED: u64 = 42;

/// The corpus: seed 42, `Sessions` shape, `CALLQ_BENCH_BYTES` bytes (default 200 MB; a size
/// like `20MB` is accepted). Generated once and cached under `target/callq-bench/` with its
/// summary next to it.
pub fn corpus() -> (Vec<u8>, GenSummary) {
    let size = match std::env::var("CALLQ_BENCH_BYTES") {
        Ok(s) => callq::generate::parse_size(&s).expect("CALLQ_BENCH_BYTES is a size"),
        Err(_) => DEFAULT_BYTES,
    };
    let dir = cache_dir();
    std::fs::create_dir_all(&dir).expect("create the bench cache directory");
    let data_path = dir.join(format!("sessions-seed{SEED}-{size}.ndjson"));
    let sum_path = dir.join(format!("sessions-seed{SEED}-{size}.summary"));
    if let (Ok(data), Ok(text)) = (
        std::fs::read(&data_path),
        std::fs::read_to_string(&sum_path),
    ) && let Some(sum) = parse_summary(&text)
        && sum.bytes == data.len() as u64
    {
        eprintln!(
            "corpus: {} ({} bytes, cached)",
            data_path.display(),
            data.len()
        );
        return (data, sum);
    }
    let config = GenConfig {
        seed: SEED,
        size,
        shape: Shape::Sessions,
    };
    let mut data = Vec::with_capacity(size as usize + (1 << 20));
    let sum = generate(&config, &mut data).expect("generating into memory cannot fail");
    let tmp = data_path.with_extension("tmp");
    std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(&data))
        .expect("write the corpus");
    std::fs::rename(&tmp, &data_path).expect("rename the corpus");
    std::fs::write(&sum_path, format_summary(&sum)).expect("write the summary");
    eprintln!(
        "corpus: {} ({} bytes, generated)",
        data_path.display(),
        data.len()
    );
    (data, sum)
}

fn cache_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is `<target>/tmp`; the cache lives next to it.
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent()
        .map(|p| p.join("callq-bench"))
        .unwrap_or_else(|| tmp.join("callq-bench"))
}

fn format_summary(s: &GenSummary) -> String {
    format!(
        "bytes {}\nlines {}\nsessions {}\nsegments {}\nmedia {}\nstreams {}\n",
        s.bytes, s.lines, s.sessions, s.segments, s.media, s.streams
    )
}

fn parse_summary(text: &str) -> Option<GenSummary> {
    let mut s = GenSummary::default();
    for line in text.lines() {
        let (k, v) = line.split_once(' ')?;
        let v: u64 = v.parse().ok()?;
        match k {
            "bytes" => s.bytes = v,
            "lines" => s.lines = v,
            "sessions" => s.sessions = v,
            "segments" => s.segments = v,
            "media" => s.media = v,
            "streams" => s.streams = v,
            _ => return None,
        }
    }
    Some(s)
}

/// The non-blank lines of the corpus, framed by callq.
pub fn lines(data: &[u8]) -> Vec<&[u8]> {
    callq::framing::Lines::new(data)
        .filter(|l| !l.is_blank())
        .map(|l| l.bytes)
        .collect()
}

/// The load average, for the record.
pub fn print_load(when: &str) {
    if let Ok(l) = std::fs::read_to_string("/proc/loadavg") {
        eprintln!("load average {when}: {}", l.trim());
    }
}

/// Short warm-up and measurement (the command line still overrides them).
pub fn config() -> criterion::Criterion {
    criterion::Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(2))
        .measurement_time(std::time::Duration::from_secs(8))
}
