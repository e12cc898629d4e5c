//! `Edm.Duration` parsing: callq against `iso8601` and `jiff` on a realistic, deterministic
//! set of strings as .NET's `XmlConvert` writes them.
//!
//! Peers and the APIs used:
//! - `iso8601`: `iso8601::duration(&str) -> Result<iso8601::Duration, String>`. It keeps only
//!   milliseconds (digits past the third are truncated) and has no sign, so the negative
//!   strings are excluded from its set, and its total is checked against callq's values
//!   truncated to milliseconds.
//! - `jiff`: `str::parse::<jiff::Span>()` (ISO 8601 "temporal" format). `jiff::SignedDuration`
//!   rejects `P1DT2H` (days are calendar units to it); `Span` accepts every string here, and
//!   its fields are summed into nanoseconds with a day of 24 hours.

use std::hint::black_box;

use callq::duration::Duration;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Deterministic 64-bit LCG (Knuth's MMIX constants); the high bits are used.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// About 10,000 duration strings in the proportions seen in callRecords: mostly sub-second
/// jitter/round-trip values with 1 to 7 fraction digits, some zeros, minutes, negatives and
/// days. Each is written by callq's canonical (XmlConvert-style) `Display`.
fn corpus() -> Vec<String> {
    const TICK: i64 = 100; // .NET's resolution: 100 ns.
    const S: i64 = 1_000_000_000;
    let mut rng = Lcg(0x5eed_ca11_0000_0001);
    (0..10_000)
        .map(|_| {
            let nanos = match rng.below(100) {
                // PT0.0xxS: up to 100 ms, rounded to 10^k ticks so that 1 to 7 digits occur.
                0..=74 => {
                    let ticks = 1 + rng.below(1_000_000) as i64;
                    let round = 10i64.pow(rng.below(5) as u32);
                    ((ticks / round).max(1) * round) * TICK
                }
                75..=84 => 0,
                // PT1M2.5S-like: a minute or more, with a fraction.
                85..=91 => 60 * S + rng.below(3_000 * 10_000) as i64 * TICK * 10,
                // -PT0.5S-like.
                92..=96 => -(rng.below(10_000) as i64 + 1) * 100_000,
                // P1DT2H-like.
                _ => (rng.below(3) as i64 + 1) * 86_400 * S + rng.below(24) as i64 * 3_600 * S,
            };
            Duration::from_nanos(nanos).to_string()
        })
        .collect()
}

fn iso8601_nanos(s: &str) -> i64 {
    match iso8601::duration(s).expect("iso8601 accepts the string") {
        iso8601::Duration::YMDHMS {
            year: 0,
            month: 0,
            day,
            hour,
            minute,
            second,
            millisecond,
        } => {
            ((i64::from(day) * 24 + i64::from(hour)) * 60 + i64::from(minute)) * 60 * 1_000_000_000
                + i64::from(second) * 1_000_000_000
                + i64::from(millisecond) * 1_000_000
        }
        other => panic!("unexpected iso8601 duration {other:?}"),
    }
}

fn jiff_nanos(s: &str) -> i64 {
    let span: jiff::Span = s.parse().expect("jiff accepts the string");
    ((i64::from(span.get_weeks()) * 7 + i64::from(span.get_days())) * 24
        + i64::from(span.get_hours()))
        * 3_600_000_000_000
        + span.get_minutes() * 60_000_000_000
        + span.get_seconds() * 1_000_000_000
        + span.get_milliseconds() * 1_000_000
        + span.get_microseconds() * 1_000
        + span.get_nanoseconds()
}

fn callq_nanos(s: &str) -> i64 {
    Duration::parse(s)
        .expect("callq accepts the string")
        .as_nanos()
}

fn bench(c: &mut Criterion) {
    let all = corpus();
    // iso8601 has no sign: negative strings are excluded from its set.
    let unsigned: Vec<&str> = all
        .iter()
        .map(String::as_str)
        .filter(|s| !s.starts_with('-'))
        .collect();
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    let bytes = |set: &[&str]| set.iter().map(|s| s.len() as u64).sum::<u64>();

    // Correctness on the data that is timed.
    let callq_total: i64 = all.iter().map(|s| callq_nanos(s)).sum();
    let jiff_total: i64 = all.iter().map(|s| jiff_nanos(s)).sum();
    assert_eq!(jiff_total, callq_total, "jiff disagrees with callq");
    let callq_ms_total: i64 = unsigned
        .iter()
        .map(|s| callq_nanos(s) / 1_000_000 * 1_000_000)
        .sum();
    let iso_total: i64 = unsigned.iter().map(|s| iso8601_nanos(s)).sum();
    assert_eq!(
        iso_total, callq_ms_total,
        "iso8601 disagrees with callq (ms)"
    );

    let mut group = c.benchmark_group("duration");
    group.throughput(Throughput::Bytes(bytes(&all)));
    group.bench_function("callq", |b| {
        b.iter(|| {
            let mut sum = 0i64;
            for s in black_box(&all) {
                sum = sum.wrapping_add(callq_nanos(s));
            }
            sum
        })
    });
    group.bench_function("jiff", |b| {
        b.iter(|| {
            let mut sum = 0i64;
            for s in black_box(&all) {
                sum = sum.wrapping_add(jiff_nanos(s));
            }
            sum
        })
    });
    group.throughput(Throughput::Bytes(bytes(&unsigned)));
    group.bench_function("iso8601", |b| {
        b.iter(|| {
            let mut sum = 0i64;
            for s in black_box(&unsigned) {
                sum = sum.wrapping_add(iso8601_nanos(s));
            }
            sum
        })
    });
    group.finish();

    eprintln!(
        "strings: {} ({} bytes); iso8601 set: {} ({} bytes)",
        all.len(),
        bytes(&all),
        unsigned.len(),
        bytes(&unsigned)
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
