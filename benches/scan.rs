//! The structural scanner's raw speed (`callq::scan`) over the 200 MB corpus, in bytes per
//! second: each kernel skipping every line whole (masks of every 64-byte block, escape and
//! string carries, bracket counting), the masks alone, and iterating each page's sessions;
//! next to memchr counting the newlines, the floor of any pass over the bytes.
//!
//! `cargo bench --bench scan`

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;

use callq::scan::{Kernel, Scanner, classify};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

fn newlines(data: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', data).count() as u64
}

/// Skips every line whole: the number of lines that end where the scanner says.
fn skip_lines(scanner: &Scanner, lines: &[&[u8]]) -> u64 {
    lines
        .iter()
        .filter(|l| scanner.skip_value(l, 0) == Some(l.len()))
        .count() as u64
}

/// The masks of every line: the open brackets counted.
fn masks(kernel: Kernel, lines: &[&[u8]], out: &mut Vec<callq::scan::Masks>) -> u64 {
    let mut n = 0;
    for line in lines {
        out.clear();
        classify(kernel, line, out);
        n += out
            .iter()
            .map(|m| u64::from(m.open.count_ones()))
            .sum::<u64>();
    }
    n
}

/// The sessions of every page: `value`'s elements, each skipped whole.
fn sessions(scanner: &Scanner, lines: &[&[u8]]) -> u64 {
    let mut n = 0;
    for line in lines {
        let value = scanner.find_key(line, 0, b"value").expect("a page");
        n += scanner.elements(line, value).count() as u64;
    }
    n
}

fn bench(c: &mut Criterion) {
    common::print_load("before scan");
    // Which kernels run here (each has its own benchmark ids below) and which one
    // `Scanner::new` picks.
    let names: Vec<&str> = Kernel::available()
        .iter()
        .map(|k| k.description())
        .collect();
    eprintln!(
        "scanner kernels on this CPU: {}; Scanner::new picks {}",
        names.join(", "),
        Kernel::detect().description()
    );
    let (data, sum) = common::corpus();
    let lines = common::lines(&data);
    let lines = &lines[..];
    assert_eq!(newlines(&data), sum.lines, "newlines");
    let mut out = Vec::new();
    let opens = masks(Kernel::Portable, lines, &mut out);

    let mut group = c.benchmark_group("scan");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    let bytes = &data[..];
    group.bench_function("memchr_newlines", |b| b.iter(|| newlines(black_box(bytes))));
    for kernel in Kernel::available() {
        let scanner = Scanner::with_kernel(kernel);
        assert_eq!(skip_lines(&scanner, lines), sum.lines, "{kernel:?} skip");
        assert_eq!(
            sessions(&scanner, lines),
            sum.sessions,
            "{kernel:?} sessions"
        );
        assert_eq!(masks(kernel, lines, &mut out), opens, "{kernel:?} masks");
        let name = kernel.name();
        group.bench_function(format!("skip_lines/{name}"), |b| {
            b.iter(|| skip_lines(&scanner, black_box(lines)))
        });
        group.bench_function(format!("masks/{name}"), |b| {
            b.iter(|| masks(kernel, black_box(lines), &mut out))
        });
        group.bench_function(format!("sessions/{name}"), |b| {
            b.iter(|| sessions(&scanner, black_box(lines)))
        });
    }
    group.finish();
    common::print_load("after scan");
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = bench
}
criterion_main!(benches);
