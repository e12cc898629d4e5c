//! Ratios that survive a loaded machine: every parse and analyze routine of the `parse` and
//! `analyze` benches, run round-robin (the order rotates each round) for
//! `CALLQ_BENCH_ROUNDS` rounds (default 7), one full pass over the corpus per call.
//! Reports the best and the median MB/s (10^6 bytes) of each, and the ratios of the bests:
//! the best of several interleaved passes is the least disturbed by other processes, and
//! every routine saw the same load pattern. MB/CPU-s divides the bytes by the CPU time the
//! process used (all threads, from /proc/self/stat) and CPUs is CPU time over wall time: on a
//! shared machine they show what a second thread really got. Each call's result is checked
//! against the generator's counts.
//!
//! `cargo bench --bench interleaved`

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::Instant;

use callq::document::{LineParser, Reading};
use common::runs::*;

/// CPU time (user + system) of the whole process so far, in seconds (clock-tick resolution,
/// 10 ms; summed over all rounds it is good to about 1%).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    let rounds: usize = std::env::var("CALLQ_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    common::print_load("before interleaved");
    let (data, sum) = common::corpus();
    let lines = common::lines(&data);
    let lines = &lines[..];
    let data = &data[..];
    let streams = sum.streams;
    let pool1 = common::pool(1);
    let pool2 = common::pool(2);
    let mut parser = LineParser::new();
    let mut buf = Vec::new();
    let mut tape = TapeOnly::new();

    type Routine<'r> = Box<dyn FnMut() -> u64 + 'r>;
    let mut routines: Vec<(&str, Routine)> = vec![
        (
            "parse/callq_full",
            Box::new(|| callq_count(&mut parser, black_box(lines), Reading::Full)),
        ),
        (
            "parse/serde_json_borrowed",
            Box::new(|| serde_full_count(black_box(lines))),
        ),
        (
            "parse/sonic_rs_typed",
            Box::new(|| sonic_full_count(black_box(lines))),
        ),
        (
            "parse/simd_json_borrowed_value",
            Box::new(|| simd_value_count(&mut buf, black_box(lines))),
        ),
        (
            "parse/serde_json_analyze",
            Box::new(|| serde_analyze_count(black_box(lines))),
        ),
        (
            "parse/sonic_rs_analyze",
            Box::new(|| sonic_analyze_count(black_box(lines))),
        ),
        (
            "parse_parts/copy_and_tape",
            Box::new(|| {
                tape.run(black_box(lines));
                streams
            }),
        ),
        (
            "analyze/callq_1t",
            Box::new(|| callq_analyze(&pool1, black_box(data)).streams),
        ),
        (
            "analyze/callq_2t",
            Box::new(|| callq_analyze(&pool2, black_box(data)).streams),
        ),
        (
            "analyze/serde_json_baseline_1t",
            Box::new(|| serde_baseline(black_box(lines)).streams),
        ),
        // Issue 18's end-to-end typed baselines: group by direction × label, ten metrics,
        // exact quantiles (benches/common/baseline.rs).
        (
            "analyze/sonic_rs_typed_e2e_1t",
            Box::new(|| common::baseline::run(black_box(data), common::baseline::sonic).streams),
        ),
        (
            "analyze/serde_json_typed_e2e_1t",
            Box::new(|| common::baseline::run(black_box(data), common::baseline::serde).streams),
        ),
    ];
    // callq_analyze needs its own parser (the closures above hold `parser` mutably).
    let mut parser2 = LineParser::new();
    routines.insert(
        1,
        (
            "parse/callq_analyze",
            Box::new(move || callq_count(&mut parser2, black_box(lines), Reading::Analyze)),
        ),
    );

    let mut parser3 = LineParser::new();
    routines.insert(
        2,
        (
            "parse/callq_analyze_tape",
            Box::new(move || callq_tape_count(&mut parser3, black_box(lines))),
        ),
    );

    let n = routines.len();
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); n];
    let mut cpu = vec![0.0f64; n];
    for round in 0..rounds {
        for k in 0..n {
            let i = (k + round) % n;
            let (name, f) = &mut routines[i];
            let c = cpu_seconds();
            let t = Instant::now();
            let got = f();
            let secs = t.elapsed().as_secs_f64();
            cpu[i] += cpu_seconds() - c;
            assert_eq!(got, streams, "{name}: streams");
            times[i].push(secs);
        }
        eprintln!("round {}/{rounds} done", round + 1);
    }
    common::print_load("after interleaved");

    let mb = data.len() as f64 / 1e6;
    let best = |i: usize| times[i].iter().cloned().fold(f64::INFINITY, f64::min);
    let median = |i: usize| {
        let mut t = times[i].clone();
        t.sort_by(f64::total_cmp);
        t[t.len() / 2]
    };
    println!(
        "{:<34} {:>10} {:>12} {:>10} {:>6}",
        "routine", "best MB/s", "median MB/s", "MB/CPU-s", "CPUs"
    );
    let mut best_of = std::collections::HashMap::new();
    for (i, (name, _)) in routines.iter().enumerate() {
        let wall: f64 = times[i].iter().sum();
        println!(
            "{:<34} {:>10.0} {:>12.0} {:>10.0} {:>6.2}",
            name,
            mb / best(i),
            mb / median(i),
            mb * rounds as f64 / cpu[i],
            cpu[i] / wall
        );
        best_of.insert(*name, mb / best(i));
    }
    let ratio = |a: &str, b: &str| {
        println!(
            "{:<62} {:>6.2}",
            format!("{a} / {b}"),
            best_of[a] / best_of[b]
        );
    };
    println!("ratios of best throughputs:");
    ratio("parse/callq_full", "parse/serde_json_borrowed");
    ratio("parse/callq_full", "parse/sonic_rs_typed");
    ratio("parse/callq_analyze", "parse/callq_analyze_tape");
    ratio("parse/callq_analyze", "parse/serde_json_analyze");
    ratio("parse/callq_analyze", "parse/sonic_rs_analyze");
    ratio("analyze/callq_1t", "analyze/serde_json_baseline_1t");
    ratio("analyze/callq_2t", "analyze/callq_1t");
    ratio("analyze/callq_1t", "analyze/sonic_rs_typed_e2e_1t");
    ratio("analyze/callq_1t", "analyze/serde_json_typed_e2e_1t");
}
