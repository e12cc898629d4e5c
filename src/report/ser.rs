//! The JSON report's shape, defined once, as `serde::Serialize` impls.
//!
//! The report writers ([`write_analyze_json`](super::write_analyze_json),
//! [`check_json`](super::check_json), [`write_errors_ndjson`](super::write_errors_ndjson)) feed
//! the private views below to serde_json, whether or not the `serde` feature is on. With the
//! feature the report types implement `Serialize` themselves, through the same views, so that
//! `serde_json::to_writer_pretty(w, &report)` followed by a newline **is** the
//! `--format json` report, byte for byte, and other serde formats get the same structure.
//!
//! Members are in the contract's order (`schemaVersion` first; metrics alphabetically, as
//! [`METRICS`] lists them). A statistic that is absent, or a float that is not finite (only an
//! overflowing sum makes one), is written as `none` (JSON `null`); the statistics of the two
//! `Edm.Int64` metrics are integers, the others floats (serde_json writes floats in their
//! shortest round-trip form, `1.0` not `1`).

use serde::ser::{Serialize, SerializeMap, SerializeSeq, SerializeStruct, Serializer};

use super::{GENERATOR, SCHEMA_VERSION, classifier_name};
use crate::analyze::{
    BadLine, GroupReport, GroupStats, InputCounts, METRICS, Report, UnreadableInput,
};
use crate::classify::Reasons;
use crate::model::OtherKind;
use crate::stats::{MetricStats, Number};

/// A float statistic: `none` when absent or not finite.
pub(super) struct Float(pub(super) Option<f64>);

impl Serialize for Float {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(x) if x.is_finite() => s.serialize_f64(x),
            _ => s.serialize_none(),
        }
    }
}

/// A statistic that is an integer for integer metrics: `none` when absent or not finite.
struct Num(Option<Number>);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(Number::Int(i)) => s.serialize_i64(i),
            Some(Number::Float(f)) => Float(Some(f)).serialize(s),
            None => s.serialize_none(),
        }
    }
}

/// `input`: the counts of what was read, then `filtered_streams` as `filteredStreams` when
/// given (the member an analyze report of a filtered run adds last).
pub(super) struct Input<'a> {
    pub(super) counts: &'a InputCounts,
    pub(super) filtered_streams: Option<u64>,
}

impl<'a> Input<'a> {
    /// The counts alone (`check` reports, and every report of an unfiltered run).
    pub(super) fn counts(counts: &'a InputCounts) -> Self {
        Input {
            counts,
            filtered_streams: None,
        }
    }
}

impl Serialize for Input<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.counts;
        let len = 13 + usize::from(self.filtered_streams.is_some());
        let mut m = s.serialize_struct("InputCounts", len)?;
        m.serialize_field("files", &c.files)?;
        m.serialize_field("bytes", &c.bytes)?;
        m.serialize_field("lines", &c.lines)?;
        m.serialize_field("badLines", &c.bad_lines)?;
        m.serialize_field("documents", &c.documents)?;
        m.serialize_field("sessions", &c.sessions)?;
        m.serialize_field("segments", &c.segments)?;
        m.serialize_field("media", &c.media)?;
        m.serialize_field("streams", &c.streams)?;
        m.serialize_field("otherDocuments", &OtherDocuments(c))?;
        m.serialize_field("truncatedRecords", &c.truncated_records)?;
        m.serialize_field("duplicateSessions", &c.duplicate_sessions)?;
        m.serialize_field("unidentifiedSessions", &c.unidentified_sessions)?;
        if let Some(filtered) = self.filtered_streams {
            m.serialize_field("filteredStreams", &filtered)?;
        }
        m.end()
    }
}

/// `input.otherDocuments`: kind → count, the kinds that occurred, in report order.
struct OtherDocuments<'a>(&'a InputCounts);

impl Serialize for OtherDocuments<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.0;
        let kinds = || OtherKind::ALL.into_iter().filter(|&k| c.other(k) > 0);
        let mut m = s.serialize_map(Some(kinds().count()))?;
        for k in kinds() {
            m.serialize_entry(k.name(), &c.other(k))?;
        }
        m.end()
    }
}

/// One element of `errors` (and one line of the bad-line NDJSON).
pub(super) struct Bad<'a>(pub(super) &'a BadLine);

impl Serialize for Bad<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        let mut m = s.serialize_struct("BadLine", 4)?;
        m.serialize_field("file", &e.position.file)?;
        m.serialize_field("line", &e.position.line)?;
        m.serialize_field("byteOffset", &e.position.byte_offset)?;
        m.serialize_field("message", &e.message)?;
        m.end()
    }
}

/// `errors`.
struct Errors<'a>(&'a [BadLine]);

impl Serialize for Errors<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(Bad))
    }
}

/// One element of `unreadable`.
struct Unreadable<'a>(&'a UnreadableInput);

impl Serialize for Unreadable<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("UnreadableInput", 2)?;
        m.serialize_field("file", &self.0.file)?;
        m.serialize_field("message", &self.0.message)?;
        m.end()
    }
}

/// `unreadable`.
struct UnreadableList<'a>(&'a [UnreadableInput]);

impl Serialize for UnreadableList<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(Unreadable))
    }
}

/// One metric's statistics, with its `unit` first when given.
struct Metric<'a> {
    unit: Option<&'static str>,
    stats: &'a MetricStats,
}

impl Serialize for Metric<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let m = self.stats;
        let len = 8 + usize::from(self.unit.is_some());
        let mut out = s.serialize_struct("MetricStats", len)?;
        if let Some(unit) = self.unit {
            out.serialize_field("unit", unit)?;
        }
        out.serialize_field("count", &m.count())?;
        out.serialize_field("nulls", &m.nulls())?;
        out.serialize_field("mean", &Float(m.mean()))?;
        out.serialize_field("min", &Num(m.min()))?;
        out.serialize_field("max", &Num(m.max()))?;
        out.serialize_field("p50", &Num(m.quantile(0.5)))?;
        out.serialize_field("p90", &Num(m.quantile(0.9)))?;
        out.serialize_field("p99", &Num(m.quantile(0.99)))?;
        out.end()
    }
}

/// `metrics`: every metric, in [`METRICS`] order (alphabetical), each with its unit.
struct Metrics<'a>(&'a GroupStats);

impl Serialize for Metrics<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let stats = &self.0.metrics;
        let mut m = s.serialize_map(Some(stats.len().min(METRICS.len())))?;
        for (metric, stats) in METRICS.iter().zip(stats) {
            let unit = Some(metric.unit.as_str());
            m.serialize_entry(metric.name, &Metric { unit, stats })?;
        }
        m.end()
    }
}

/// `poorDueTo`: reason → poor streams, only the reasons that made any stream poor.
struct PoorDueTo<'a>(&'a GroupStats);

impl Serialize for PoorDueTo<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let due = &self.0.poor_due_to;
        let mut m = s.serialize_map(Some(due.iter().filter(|&&n| n > 0).count()))?;
        for ((_, name), &n) in Reasons::ALL.iter().zip(due) {
            if n > 0 {
                m.serialize_entry(name, &n)?;
            }
        }
        m.end()
    }
}

/// `quality`.
struct Quality<'a>(&'a GroupStats);

impl Serialize for Quality<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let g = self.0;
        let mut m = s.serialize_struct("Quality", 5)?;
        m.serialize_field("good", &g.good)?;
        m.serialize_field("poor", &g.poor)?;
        m.serialize_field("unclassified", &g.unclassified)?;
        m.serialize_field("poorRate", &Float(g.poor_rate()))?;
        m.serialize_field("poorDueTo", &PoorDueTo(g))?;
        m.end()
    }
}

/// A group's `key`: an object named by the report's dimensions, or (a group on its own, which
/// does not know them) an array of the values.
enum Key<'a> {
    Named(&'a [String], &'a [Option<String>]),
    #[cfg_attr(not(feature = "serde"), allow(dead_code))]
    Values(&'a [Option<String>]),
}

impl Serialize for Key<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Key::Named(names, values) => {
                let mut m = s.serialize_map(Some(names.len().min(values.len())))?;
                for (name, value) in names.iter().zip(values) {
                    m.serialize_entry(name, value)?;
                }
                m.end()
            }
            Key::Values(values) => values.serialize(s),
        }
    }
}

/// A group: `key` (when given), `streams`, `quality`, `metrics`.
struct Group<'a> {
    key: Option<Key<'a>>,
    stats: &'a GroupStats,
}

impl Serialize for Group<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let g = self.stats;
        let len = 3 + usize::from(self.key.is_some());
        let mut m = s.serialize_struct("GroupReport", len)?;
        if let Some(key) = &self.key {
            m.serialize_field("key", key)?;
        }
        m.serialize_field("streams", &g.streams)?;
        m.serialize_field("quality", &Quality(g))?;
        m.serialize_field("metrics", &Metrics(g))?;
        m.end()
    }
}

/// `groups`, fed to the serializer a group at a time: nothing of the output is kept.
struct Groups<'a> {
    names: &'a [String],
    groups: &'a [GroupReport],
}

impl Serialize for Groups<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.groups.len()))?;
        for g in self.groups {
            seq.serialize_element(&Group {
                key: Some(Key::Named(self.names, &g.key)),
                stats: &g.stats,
            })?;
        }
        seq.end()
    }
}

/// The `callq analyze --format json` report. Members: `schemaVersion`, `input`, `errors`,
/// `groupBy`, `groups` (the contract's), then `classifier`, `generator` and `unreadable`.
pub(super) struct AnalyzeReport<'a>(pub(super) &'a Report);

impl Serialize for AnalyzeReport<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        // The dimensions' names once, not once per group.
        let names: Vec<String> = r.group_by.iter().map(|d| d.name()).collect();
        let mut m = s.serialize_struct("Report", 8)?;
        m.serialize_field("schemaVersion", &SCHEMA_VERSION)?;
        // `filteredStreams` is in every analyze report (0 without a filter): consumers of the
        // JSON get one schema whatever the options.
        let input = Input {
            counts: &r.input,
            filtered_streams: Some(r.input.filtered_streams),
        };
        m.serialize_field("input", &input)?;
        m.serialize_field("errors", &Errors(&r.errors))?;
        m.serialize_field("groupBy", &names)?;
        m.serialize_field(
            "groups",
            &Groups {
                names: &names,
                groups: &r.groups,
            },
        )?;
        m.serialize_field("classifier", classifier_name(r.classifier))?;
        m.serialize_field("generator", GENERATOR)?;
        m.serialize_field("unreadable", &UnreadableList(&r.unreadable))?;
        m.end()
    }
}

/// The `callq check --format json` report: `schemaVersion`, `input`, `errors`, `unreadable`.
pub(super) struct CheckReport<'a>(pub(super) &'a Report);

impl Serialize for CheckReport<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut m = s.serialize_struct("CheckReport", 4)?;
        m.serialize_field("schemaVersion", &SCHEMA_VERSION)?;
        m.serialize_field("input", &Input::counts(&r.input))?;
        m.serialize_field("errors", &Errors(&r.errors))?;
        m.serialize_field("unreadable", &UnreadableList(&r.unreadable))?;
        m.end()
    }
}

/// The public impls (feature `serde`): each type serializes as it appears in the JSON report.
#[cfg(feature = "serde")]
mod public {
    use super::*;
    use crate::analyze::{Dimension, Unit};
    use crate::classify::Classifier;

    /// The `--format json` report (schemaVersion 1): `serde_json::to_writer_pretty` and a final
    /// newline give [`write_analyze_json`](crate::report::write_analyze_json)'s bytes.
    impl Serialize for Report {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            AnalyzeReport(self).serialize(s)
        }
    }

    /// A group as in the report's `groups`, except its `key`: a group does not know the
    /// report's dimensions, so its key is the array of values in `--by` order
    /// (`["calleeToCaller", null]`); the report names them (`{"direction": …}`).
    impl Serialize for GroupReport {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            Group {
                key: Some(Key::Values(&self.key)),
                stats: &self.stats,
            }
            .serialize(s)
        }
    }

    /// `streams`, `quality` and `metrics`, as in a report's group.
    impl Serialize for GroupStats {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            Group {
                key: None,
                stats: self,
            }
            .serialize(s)
        }
    }

    /// `count`, `nulls`, `mean`, `min`, `max`, `p50`, `p90`, `p99`, as in a report's metric
    /// (whose `unit` comes from the [`Metric`](crate::analyze::Metric), not the statistics).
    impl Serialize for MetricStats {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            Metric {
                unit: None,
                stats: self,
            }
            .serialize(s)
        }
    }

    /// An integer or a float; a non-finite float as `none` (JSON `null`).
    impl Serialize for Number {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            Num(Some(*self)).serialize(s)
        }
    }

    /// The analyze report's `input` object (`filteredStreams` included).
    impl Serialize for InputCounts {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            Input {
                counts: self,
                filtered_streams: Some(self.filtered_streams),
            }
            .serialize(s)
        }
    }

    /// `{"file", "line", "byteOffset", "message"}`, as in the report's `errors`.
    impl Serialize for BadLine {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            Bad(self).serialize(s)
        }
    }

    /// `{"file", "message"}`, as in the report's `unreadable`.
    impl Serialize for UnreadableInput {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            Unreadable(self).serialize(s)
        }
    }

    /// The name, as in `groupBy` (`caller.platform`).
    impl Serialize for Dimension {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(&self.name())
        }
    }

    /// `current` or `cqd-2020`, as in the report's `classifier`.
    impl Serialize for Classifier {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(classifier_name(*self))
        }
    }

    /// The unit's name, as in a metric's `unit` (`ms`, `ratio`, …).
    impl Serialize for Unit {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(self.as_str())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `filteredStreams` (for a filtered analyze run) comes after every count.
    #[test]
    fn filtered_streams_is_the_last_input_member_when_given() {
        let counts = InputCounts {
            streams: 5,
            ..InputCounts::default()
        };
        let plain = serde_json::to_string(&Input::counts(&counts)).unwrap();
        assert!(plain.ends_with(
            r#""streams":5,"otherDocuments":{},"truncatedRecords":0,"duplicateSessions":0,"unidentifiedSessions":0}"#
        ));
        let filtered = Input {
            counts: &counts,
            filtered_streams: Some(3),
        };
        let with = serde_json::to_string(&filtered).unwrap();
        assert_eq!(
            with,
            format!("{},\"filteredStreams\":3}}", &plain[..plain.len() - 1])
        );
    }
}
