//! The end-to-end typed baseline of issue 18: what a user writes in an afternoon with a typed
//! parser. Each line is deserialized into the borrowed analyze-subset structs
//! ([`APage`](super::serde_model::APage)), the streams are grouped by direction × label, and
//! each group gets count, mean, min, max and the exact p50/p90/p99 (sorted values) of
//! [`METRICS`]. No classification, no validation beyond the parser's own.
//!
//! Used by `benches/interleaved.rs` (sonic-rs and serde_json, next to callq's `Analyzer`) and by
//! `examples/typed_baseline.rs` (the same as a program, for CLI comparisons).

use super::serde_model::{APage, AStream};

/// A metric's value in a stream.
pub type Extract = fn(&AStream<'_>) -> Option<f64>;

/// A group key (direction, label) and its ten metrics' values.
type Group = ((String, String), [Vec<f64>; 10]);

/// The ten metrics, in milliseconds, percent or frames per second as callq reports them.
pub const METRICS: [(&str, Extract); 10] = [
    ("averageJitter", |s| {
        s.average_jitter.map(|d| d.0.as_millis_f64())
    }),
    ("maxJitter", |s| s.max_jitter.map(|d| d.0.as_millis_f64())),
    ("averageRoundTripTime", |s| {
        s.average_round_trip_time.map(|d| d.0.as_millis_f64())
    }),
    ("maxRoundTripTime", |s| {
        s.max_round_trip_time.map(|d| d.0.as_millis_f64())
    }),
    ("averagePacketLossRate", |s| {
        s.average_packet_loss_rate.map(|x| x.0 * 100.0)
    }),
    ("maxPacketLossRate", |s| {
        s.max_packet_loss_rate.map(|x| x.0 * 100.0)
    }),
    ("averageRatioOfConcealedSamples", |s| {
        s.average_ratio_of_concealed_samples.map(|x| x.0 * 100.0)
    }),
    ("averageAudioDegradation", |s| {
        s.average_audio_degradation.map(|x| x.0)
    }),
    ("averageVideoFrameRate", |s| {
        s.average_video_frame_rate.map(|x| x.0)
    }),
    ("averageBandwidthEstimate", |s| {
        s.average_bandwidth_estimate.map(|x| x.0 as f64)
    }),
];

/// One metric of one group: count, mean, min, max, exact p50/p90/p99 (nearest rank).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Summary {
    pub count: u64,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
}

/// The baseline's report: groups in key order.
#[derive(Debug, Default)]
pub struct Report {
    pub streams: u64,
    pub groups: Vec<((String, String), [Summary; 10])>,
}

/// A parser of one line into the analyze subset.
pub type Parse = for<'a> fn(&'a [u8]) -> APage<'a>;

pub fn sonic(line: &[u8]) -> APage<'_> {
    sonic_rs::from_slice(line).expect("sonic-rs parses every line")
}

pub fn serde(line: &[u8]) -> APage<'_> {
    serde_json::from_slice(line).expect("serde_json parses every line")
}

/// Runs the baseline over NDJSON `data` (lines framed with memchr) with `parse`.
pub fn run(data: &[u8], parse: Parse) -> Report {
    // A handful of groups: a linear search by (direction, label) beats hashing them.
    let mut groups: Vec<Group> = Vec::new();
    let mut streams = 0u64;
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', data).chain([data.len()]) {
        let line = &data[start..end];
        start = end + 1;
        if line.is_empty() {
            continue;
        }
        let page = parse(line);
        for session in page.value.iter().flatten() {
            for segment in session.segments.iter().flatten() {
                for media in segment.media.iter().flatten() {
                    let label = media.label.as_ref().map_or("", |l| &*l.0);
                    for stream in media.streams.iter().flatten() {
                        streams += 1;
                        let direction = stream.stream_direction.map_or("", |d| d.0.as_str());
                        let at = match groups
                            .iter()
                            .position(|((d, l), _)| d == direction && l == label)
                        {
                            Some(at) => at,
                            None => {
                                let key = (direction.to_owned(), label.to_owned());
                                groups.push((key, Default::default()));
                                groups.len() - 1
                            }
                        };
                        let values = &mut groups[at].1;
                        for (v, (_, metric)) in values.iter_mut().zip(METRICS) {
                            if let Some(x) = metric(stream) {
                                v.push(x);
                            }
                        }
                    }
                }
            }
        }
    }
    let mut out: Vec<_> = groups
        .into_iter()
        .map(|(key, mut values)| {
            let summaries = std::array::from_fn(|i| summarize(&mut values[i]));
            (key, summaries)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Report {
        streams,
        groups: out,
    }
}

fn summarize(values: &mut [f64]) -> Summary {
    if values.is_empty() {
        return Summary::default();
    }
    values.sort_unstable_by(f64::total_cmp);
    let n = values.len();
    let rank = |q: f64| values[((q * n as f64).ceil() as usize).clamp(1, n) - 1];
    Summary {
        count: n as u64,
        mean: values.iter().sum::<f64>() / n as f64,
        min: values[0],
        max: values[n - 1],
        p50: rank(0.5),
        p90: rank(0.9),
        p99: rank(0.99),
    }
}
