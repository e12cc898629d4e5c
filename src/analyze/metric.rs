//! The 22 metrics of a media stream: their units and how a value is read.

use super::*;

/// The unit a metric is reported in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Milliseconds (the `Edm.Duration` metrics).
    Ms,
    /// A ratio between 0 and 1.
    Ratio,
    /// A percentage between 0 and 100.
    Percent,
    /// Frames per second.
    Fps,
    /// Mean opinion score degradation.
    Mos,
    /// Bits per second.
    Bps,
    /// Packets.
    Packets,
}

impl Unit {
    /// The unit's name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Ms => "ms",
            Unit::Ratio => "ratio",
            Unit::Percent => "percent",
            Unit::Fps => "fps",
            Unit::Mos => "mos",
            Unit::Bps => "bps",
            Unit::Packets => "packets",
        }
    }
}

/// A metric's value on one stream.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MetricValue {
    /// Absent, null, or not finite.
    Absent,
    /// A floating-point value (durations in milliseconds).
    Float(f64),
    /// An `Edm.Int64` value.
    Int(i64),
}

/// One of the 22 numeric and duration properties of `mediaStream`.
#[derive(Clone, Copy)]
pub struct Metric {
    /// The Graph property name.
    pub name: &'static str,
    /// The unit it is reported in.
    pub unit: Unit,
    /// Integer or floating point.
    pub kind: ValueKind,
    /// Reads the value from a stream.
    pub extract: fn(&MediaStream<'_>) -> MetricValue,
}

impl fmt::Debug for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metric")
            .field("name", &self.name)
            .field("unit", &self.unit)
            .finish()
    }
}

/// The 22 metrics, in alphabetical order of property name (the report order), derived from
/// the property table.
pub use crate::properties::METRICS;
