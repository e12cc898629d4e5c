//! Times `callq::generate::generate` and prints line-size statistics.
//!
//! `cargo run --release --example gen_speed -- [SIZE] [SHAPE] [SEED]`
//! (defaults: 200MB sessions 42). Output goes to `std::io::sink()`.

use callq::generate::{GenConfig, Generator, Shape, generate, parse_size};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let size = parse_size(args.get(1).map_or("200MB", |s| s.as_str())).expect("size");
    let shape: Shape = args
        .get(2)
        .map_or("sessions", |s| s.as_str())
        .parse()
        .expect("shape");
    let seed: u64 = args.get(3).map_or(Ok(42), |s| s.parse()).expect("seed");
    let config = GenConfig { seed, size, shape };
    // Warm up, then time the best of three runs.
    let _ = generate(
        &GenConfig {
            size: size / 10,
            ..config.clone()
        },
        std::io::sink(),
    );
    let mut best = f64::MAX;
    let mut summary = None;
    for _ in 0..3 {
        let t = Instant::now();
        let s = generate(&config, std::io::sink()).expect("generate");
        best = best.min(t.elapsed().as_secs_f64());
        summary = Some(s);
    }
    let s = summary.expect("ran");
    println!("{s:?}");
    println!(
        "{:.0} MB/s (best of 3, {:.3} s)",
        s.bytes as f64 / best / 1e6,
        best
    );

    // Line sizes for the first 50 MB of the same config.
    let mut g = Generator::new(seed, shape);
    let mut buf = Vec::new();
    let mut sizes = Vec::new();
    let mut total = 0u64;
    while total < 50_000_000 {
        buf.clear();
        let l = g.next_line(&mut buf);
        total += l.bytes;
        sizes.push(l.bytes);
    }
    sizes.sort_unstable();
    let q = |p: f64| sizes[((sizes.len() - 1) as f64 * p) as usize];
    println!(
        "lines {}: min {} p10 {} median {} p90 {} max {} bytes",
        sizes.len(),
        sizes[0],
        q(0.1),
        q(0.5),
        q(0.9),
        sizes[sizes.len() - 1]
    );
}
