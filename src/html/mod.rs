//! `callq report`: the groupings a quality report needs, their summary ([`ReportData`]), and a
//! pure renderer of that summary into one self-contained HTML file ([`render`]).
//!
//! The steps are separate so that each can run on its own:
//!
//! 1. [`ReportOptions::groupings`] lists the groupings; [`Analyzer::analyze_inputs_grouped`]
//!    (or [`Analyzer::analyze_bytes_grouped`]) computes them all in one pass over the inputs.
//!    The first grouping, time × label, keeps every metric statistic (it costs what
//!    `callq analyze --by day,label` costs); the others (platforms, connection types, subnets,
//!    buildings) keep counts only.
//! 2. [`ReportData::from_reports`] summarises those reports: no I/O, so it runs the same on the
//!    reports of a merge of partial states.
//! 3. [`render`] turns the summary into one HTML `String`: inline CSS and SVG, no script, no
//!    network access (a Content-Security-Policy forbids both), every number in a table too.
//!
//! ```
//! use callq::analyze::Analyzer;
//! use callq::html::{ReportData, ReportOptions, render};
//!
//! let page = concat!(
//!     r#"{"value":[{"startDateTime":"2026-11-02T09:00:00Z","segments":[{"media":["#,
//!     r#"{"label":"main-audio","streams":[{"averageJitter":"PT0.045S","packetUtilization":900}]}]}]}]}"#,
//! );
//! let options = ReportOptions::default();
//! let reports = Analyzer::new()
//!     .analyze_bytes_grouped("page.ndjson", page.as_bytes(), &options.groupings())
//!     .unwrap();
//! let data = ReportData::from_reports(&reports, &options).unwrap();
//! assert_eq!(data.kinds[0].counts.poor, 1); // the audio stream, 45 ms of jitter
//! let html = render(&data);
//! assert!(html.starts_with("<!DOCTYPE html>"));
//! assert!(!html.contains("<script"));
//! ```
//!
//! [`Analyzer::analyze_inputs_grouped`]: crate::analyze::Analyzer::analyze_inputs_grouped
//! [`Analyzer::analyze_bytes_grouped`]: crate::analyze::Analyzer::analyze_bytes_grouped

use std::fmt;

use crate::analyze::{
    BadLine, Dimension, EndpointField, GroupStats, Grouping, InputCounts, METRICS, Report, Side,
    UnreadableInput,
};
use crate::classify::{
    AUDIO_JITTER_MS, AUDIO_PACKET_LOSS_RATE, AUDIO_ROUND_TRIP_MS, Classifier, StreamKind,
    stream_kind,
};
use crate::stats::MetricStats;

mod render;
mod svg;

pub use render::render;

/// The time step of the report's trend charts (`--by-time`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TimeUnit {
    /// UTC days, `2026-11-02`.
    #[default]
    Day,
    /// ISO weeks, `2026-W45`.
    Week,
    /// UTC months, `2026-11`.
    Month,
}

impl TimeUnit {
    /// `day`, `week` or `month`: also the dimension's name.
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Day => "day",
            TimeUnit::Week => "week",
            TimeUnit::Month => "month",
        }
    }

    /// The grouping dimension of the step.
    pub fn dimension(self) -> Dimension {
        match self {
            TimeUnit::Day => Dimension::Day,
            TimeUnit::Week => Dimension::Week,
            TimeUnit::Month => Dimension::Month,
        }
    }
}

impl std::str::FromStr for TimeUnit {
    type Err = String;
    /// Parses `day`, `week` or `month`.
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "day" => Ok(TimeUnit::Day),
            "week" => Ok(TimeUnit::Week),
            "month" => Ok(TimeUnit::Month),
            other => Err(format!(
                "unknown time step `{other}` (expected day, week or month)"
            )),
        }
    }
}

/// What a report shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportOptions {
    /// The step of the trend charts.
    pub time: TimeUnit,
    /// The fewest classified (good + poor) streams a group needs to be charted and ranked.
    pub min_streams: u64,
    /// Whether a building file was given (adds the building grouping).
    pub buildings: bool,
    /// How many worst groups to list (20).
    pub worst: usize,
    /// Most bars in a chart by platform, connection type or building (the groups with the
    /// most classified streams); the rest are counted under the chart.
    pub max_bars: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            time: TimeUnit::Day,
            min_streams: 10,
            buildings: false,
            worst: 20,
            max_bars: 25,
        }
    }
}

/// The dimensions after time × label, in report order: (grouping after the first, position
/// in its key, dimension, chart title, whether it is charted). The four endpoint dimensions are
/// one grouping and the network ones another, so that a stream costs two key look-ups, not
/// six; each dimension's groups are that grouping's groups summed over the other positions.
fn report_dimensions(buildings: bool) -> Vec<(usize, usize, Dimension, &'static str, bool)> {
    let e = Dimension::Endpoint;
    let mut d = vec![
        (
            0,
            0,
            e(Side::Caller, EndpointField::Platform),
            "Caller platform",
            true,
        ),
        (
            0,
            1,
            e(Side::Callee, EndpointField::Platform),
            "Callee platform",
            true,
        ),
        (
            0,
            2,
            e(Side::Caller, EndpointField::ConnectionType),
            "Caller connection type",
            true,
        ),
        (
            0,
            3,
            e(Side::Callee, EndpointField::ConnectionType),
            "Callee connection type",
            true,
        ),
        (
            1,
            0,
            e(Side::Caller, EndpointField::Subnet),
            "Caller subnet",
            false,
        ),
    ];
    if buildings {
        d.push((
            1,
            1,
            e(Side::Caller, EndpointField::Building),
            "Caller building",
            true,
        ));
    }
    d
}

impl ReportOptions {
    /// The groupings [`ReportData::from_reports`] needs, in this order: time × label with
    /// every statistic; caller platform × callee platform × caller connection type × callee
    /// connection type, counts only; caller subnet (× caller building with a building file),
    /// counts only.
    pub fn groupings(&self) -> Vec<Grouping> {
        let mut g = vec![Grouping::new(vec![self.time.dimension(), Dimension::Label])];
        for (i, _, d, _, _) in report_dimensions(self.buildings) {
            if g.len() == i + 1 {
                g.push(Grouping::counts(Vec::new()));
            }
            g[i + 1].by.push(d);
        }
        g
    }
}

/// Stream counts of a set of streams.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Streams.
    pub streams: u64,
    /// Classified good.
    pub good: u64,
    /// Classified poor.
    pub poor: u64,
    /// Unclassified.
    pub unclassified: u64,
}

impl Counts {
    /// Good + poor.
    pub fn classified(&self) -> u64 {
        self.good + self.poor
    }

    /// poor / (good + poor), or `None` without classified streams.
    pub fn poor_rate(&self) -> Option<f64> {
        let c = self.classified();
        (c > 0).then(|| self.poor as f64 / c as f64)
    }

    fn add(&mut self, s: &GroupStats) {
        self.streams += s.streams;
        self.good += s.good;
        self.poor += s.poor;
        self.unclassified += s.unclassified;
    }
}

/// The media kinds of the report, in report order.
pub const KINDS: [StreamKind; 4] = [
    StreamKind::Audio,
    StreamKind::Video,
    StreamKind::ScreenSharing,
    StreamKind::Other,
];

/// A media kind's name in the report.
pub fn kind_name(kind: StreamKind) -> &'static str {
    match kind {
        StreamKind::Audio => "Audio",
        StreamKind::Video => "Video",
        StreamKind::ScreenSharing => "Screen sharing",
        StreamKind::Other => "Other (unclassified)",
    }
}

fn kind_index(kind: StreamKind) -> usize {
    KINDS.iter().position(|&k| k == kind).unwrap_or(3)
}

/// p50/p90/p99 of one metric over one media kind's streams.
#[derive(Clone, Debug, PartialEq)]
pub struct Distribution {
    /// The quantiles, in the display unit; `None` when no stream had the metric.
    pub p50: Option<f64>,
    /// 90th percentile.
    pub p90: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
    /// Streams with the metric.
    pub count: u64,
}

/// A metric the report shows the distribution of.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DistributionMetric {
    /// The Graph property.
    pub property: &'static str,
    /// Its name in the report.
    pub title: &'static str,
    /// The display unit (`ms`, `%`).
    pub unit: &'static str,
    /// Display value = property value × scale.
    pub scale: f64,
    /// The CQD audio limit, in the display unit (video and screen sharing rules do not use
    /// these metrics).
    pub audio_threshold: f64,
}

/// Jitter, round trip and packet loss: the distributions the report draws.
pub const DISTRIBUTIONS: [DistributionMetric; 3] = [
    DistributionMetric {
        property: "averageJitter",
        title: "Jitter",
        unit: "ms",
        scale: 1.0,
        audio_threshold: AUDIO_JITTER_MS,
    },
    DistributionMetric {
        property: "averageRoundTripTime",
        title: "Round trip",
        unit: "ms",
        scale: 1.0,
        audio_threshold: AUDIO_ROUND_TRIP_MS,
    },
    DistributionMetric {
        property: "averagePacketLossRate",
        title: "Packet loss",
        unit: "%",
        scale: 100.0,
        audio_threshold: AUDIO_PACKET_LOSS_RATE * 100.0,
    },
];

/// One media kind's figures.
#[derive(Clone, Debug, PartialEq)]
pub struct KindSummary {
    /// The kind.
    pub kind: StreamKind,
    /// Its streams.
    pub counts: Counts,
    /// Poor streams breaching each reason, indexed like [`Reasons::ALL`](crate::classify::Reasons::ALL).
    pub poor_due_to: [u64; 8],
    /// One per [`DISTRIBUTIONS`] metric.
    pub distributions: Vec<Distribution>,
}

/// One step of the trend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimePoint {
    /// The step's key: `2026-11-02`, `2026-W45` or `2026-11`.
    pub period: String,
    /// Counts per media kind, indexed like [`KINDS`].
    pub kinds: [Counts; 4],
}

impl TimePoint {
    /// Streams of every kind.
    pub fn streams(&self) -> u64 {
        self.kinds.iter().map(|k| k.streams).sum()
    }
}

/// A group of a dimension chart or of the worst-groups list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bar {
    /// The dimension's value (`None`: missing).
    pub value: Option<String>,
    /// Its streams.
    pub counts: Counts,
}

/// Poor rate by the values of one dimension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BarChart {
    /// The dimension's name (`caller.platform`).
    pub dimension: String,
    /// The chart's title.
    pub title: String,
    /// The charted groups: at least `min_streams` classified streams, the
    /// [`ReportOptions::max_bars`] with the most classified streams, by poor rate descending.
    pub bars: Vec<Bar>,
    /// Groups with enough streams that did not fit.
    pub more: usize,
    /// Groups left out for having fewer than `min_streams` classified streams, and their
    /// streams.
    pub small: usize,
    /// Streams of the groups left out for having too few classified streams.
    pub small_streams: u64,
}

/// One of the worst groups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorstGroup {
    /// The dimension's name.
    pub dimension: String,
    /// The group.
    pub bar: Bar,
}

/// Everything a report shows, computed from the groupings' reports: the input of [`render`].
#[derive(Clone, Debug, PartialEq)]
pub struct ReportData {
    /// What was asked.
    pub options: ReportOptions,
    /// The rules applied.
    pub classifier: Classifier,
    /// What was read.
    pub input: InputCounts,
    /// Whether a filter was given (then `input.filtered_streams` counts).
    pub filtered: bool,
    /// The first bad lines.
    pub errors: Vec<BadLine>,
    /// Inputs that could not be read.
    pub unreadable: Vec<UnreadableInput>,
    /// First and last step with streams (sessions without a start time are not in it).
    pub period: Option<(String, String)>,
    /// Streams of sessions without a start time.
    pub undated: Counts,
    /// One per [`KINDS`] entry.
    pub kinds: Vec<KindSummary>,
    /// Steps in order.
    pub trend: Vec<TimePoint>,
    /// Poor rate by platform, connection type, building.
    pub charts: Vec<BarChart>,
    /// The worst groups of every dimension grouping (subnets too), worst first.
    pub worst: Vec<WorstGroup>,
}

/// The reports given to [`ReportData::from_reports`] are not those of
/// [`ReportOptions::groupings`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupingMismatch {
    /// What was expected and found.
    pub message: String,
}

impl fmt::Display for GroupingMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for GroupingMismatch {}

impl ReportData {
    /// Summarises the reports of [`ReportOptions::groupings`] (one per grouping, in order).
    pub fn from_reports(
        reports: &[Report],
        options: &ReportOptions,
    ) -> Result<ReportData, GroupingMismatch> {
        let expected = options.groupings();
        let found: Vec<&[Dimension]> = reports.iter().map(|r| r.group_by.as_slice()).collect();
        let wanted: Vec<&[Dimension]> = expected.iter().map(|g| g.by.as_slice()).collect();
        if found != wanted {
            let names = |l: &[&[Dimension]]| {
                l.iter()
                    .map(|d| d.iter().map(|d| d.name()).collect::<Vec<_>>().join(","))
                    .collect::<Vec<_>>()
                    .join(" | ")
            };
            return Err(GroupingMismatch {
                message: format!(
                    "a report needs the groupings {}, got {}",
                    names(&wanted),
                    names(&found)
                ),
            });
        }
        let first = &reports[0];
        let jitter_etc: Vec<usize> = DISTRIBUTIONS
            .iter()
            .map(|d| {
                METRICS
                    .iter()
                    .position(|m| m.name == d.property)
                    .expect("a distribution metric is one of METRICS")
            })
            .collect();
        let mut kind_counts = [Counts::default(); 4];
        let mut due = [[0u64; 8]; 4];
        let mut sketches: Vec<Vec<Option<MetricStats>>> = vec![vec![None; 3]; 4];
        let mut trend: Vec<TimePoint> = Vec::new();
        let mut undated = Counts::default();
        for g in &first.groups {
            let period = g.key.first().cloned().flatten();
            let label = g.key.get(1).and_then(|l| l.as_deref());
            let k = kind_index(stream_kind(label));
            kind_counts[k].add(&g.stats);
            for (a, b) in due[k].iter_mut().zip(g.stats.poor_due_to) {
                *a += b;
            }
            for (slot, &m) in sketches[k].iter_mut().zip(&jitter_etc) {
                if let Some(stats) = g.stats.metrics.get(m) {
                    match slot {
                        Some(s) => s.merge(stats),
                        None => *slot = Some(stats.clone()),
                    }
                }
            }
            match period {
                None => undated.add(&g.stats),
                Some(p) => {
                    // Groups come sorted by key: a step's labels are consecutive.
                    if trend.last().is_none_or(|t| t.period != p) {
                        trend.push(TimePoint {
                            period: p,
                            kinds: [Counts::default(); 4],
                        });
                    }
                    if let Some(t) = trend.last_mut() {
                        t.kinds[k].add(&g.stats);
                    }
                }
            }
        }
        let kinds = KINDS
            .iter()
            .enumerate()
            .map(|(i, &kind)| KindSummary {
                kind,
                counts: kind_counts[i],
                poor_due_to: due[i],
                distributions: DISTRIBUTIONS
                    .iter()
                    .zip(&sketches[i])
                    .map(|(d, s)| {
                        let q = |q: f64| {
                            s.as_ref()
                                .and_then(|s| s.quantile(q))
                                .map(|n| n.as_f64() * d.scale)
                        };
                        Distribution {
                            p50: q(0.5),
                            p90: q(0.9),
                            p99: q(0.99),
                            count: s.as_ref().map_or(0, MetricStats::count),
                        }
                    })
                    .collect(),
            })
            .collect();
        let period = match (trend.first(), trend.last()) {
            (Some(a), Some(b)) => Some((a.period.clone(), b.period.clone())),
            _ => None,
        };
        let mut charts = Vec::new();
        let mut candidates = Vec::new();
        for (i, position, dimension, title, charted) in report_dimensions(options.buildings) {
            let name = dimension.name();
            // This dimension's groups: the grouping's, summed over its other dimensions.
            let mut sums: std::collections::BTreeMap<Option<&str>, Counts> =
                std::collections::BTreeMap::new();
            for g in &reports[i + 1].groups {
                let value = g.key.get(position).and_then(|v| v.as_deref());
                sums.entry(value).or_default().add(&g.stats);
            }
            let mut bars: Vec<Bar> = Vec::new();
            let (mut small, mut small_streams) = (0, 0);
            for (value, counts) in sums {
                let bar = Bar {
                    value: value.map(str::to_owned),
                    counts,
                };
                if bar.counts.classified() >= options.min_streams.max(1) {
                    candidates.push(WorstGroup {
                        dimension: name.clone(),
                        bar: bar.clone(),
                    });
                    bars.push(bar);
                } else {
                    small += 1;
                    small_streams += bar.counts.streams;
                }
            }
            if !charted {
                continue;
            }
            // The biggest groups, then worst first.
            bars.sort_by(|a, b| {
                b.counts
                    .classified()
                    .cmp(&a.counts.classified())
                    .then_with(|| a.value.cmp(&b.value))
            });
            let more = bars.len().saturating_sub(options.max_bars);
            bars.truncate(options.max_bars);
            bars.sort_by(worst_first);
            charts.push(BarChart {
                dimension: name,
                title: title.to_owned(),
                bars,
                more,
                small,
                small_streams,
            });
        }
        candidates.sort_by(|a, b| {
            worst_first(&a.bar, &b.bar).then_with(|| a.dimension.cmp(&b.dimension))
        });
        candidates.truncate(options.worst);
        Ok(ReportData {
            options: options.clone(),
            classifier: first.classifier,
            input: first.input,
            filtered: first.filtered,
            errors: first.errors.clone(),
            unreadable: first.unreadable.clone(),
            period,
            undated,
            kinds,
            trend,
            charts,
            worst: candidates,
        })
    }

    /// The summary of one media kind.
    pub fn kind(&self, kind: StreamKind) -> &KindSummary {
        &self.kinds[kind_index(kind)]
    }
}

/// Poor rate descending, then classified streams descending, then value.
fn worst_first(a: &Bar, b: &Bar) -> std::cmp::Ordering {
    let rate = |b: &Bar| b.counts.poor_rate().unwrap_or(-1.0);
    rate(b)
        .total_cmp(&rate(a))
        .then(b.counts.classified().cmp(&a.counts.classified()))
        .then_with(|| a.value.cmp(&b.value))
}
