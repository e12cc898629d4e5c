//! Streams → rows: the table behind `callq flatten` (one row per stream, with its context).
//!
//! Every kept, unfiltered media stream becomes one row: the ids of its record, session,
//! segment and stream, the session's and segment's times, the caller's and callee's context
//! (platform, user, network, devices), the 22 metrics (durations in milliseconds), both CQD
//! classifiers' verdicts and reasons, and with a building file the buildings of both ends.
//! One [column table](columns) defines them once: it drives the Arrow schema of the Parquet
//! writer, the CSV header and the NDJSON keys, and anything else a caller writes rows to.
//!
//! The parts, from the smallest:
//!
//! * [`StreamRow`]: one stream with its context; [`StreamRow::value`] reads any [`Column`].
//!   Usable alone over documents from a [`LineParser`](crate::document::LineParser).
//! * [`RowBatch`]: rows stored column by column (what the parallel pass hands over).
//! * [`Flattener`]: a whole run over inputs, with the filters, duplicate removal, bad-line
//!   handling and buildings of [`Analyzer`](crate::analyze::Analyzer) (it is configured by
//!   one), handing [`RowBatch`]es in input order to a [`RowSink`]: the same rows whatever the
//!   thread count.
//! * Sinks: [`FileSink`] (one CSV, NDJSON or Parquet file) and [`DirSink`] (a Hive layout
//!   partitioned by day or month), which write under temporary names and rename at the end.
//!
//! ```
//! use callq::analyze::Analyzer;
//! use callq::flatten::{Flattener, RowBatch, column_index};
//!
//! let page = concat!(
//!     r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#communications/callRecords('r1')/sessions","#,
//!     r#""value":[{"id":"s1","startDateTime":"2026-11-02T14:00:00Z","segments":[{"media":[{"label":"main-audio","#,
//!     r#""streams":[{"streamDirection":"callerToCallee","averageJitter":"PT0.045S","packetUtilization":900}]}]}]}]}"#
//! );
//! let mut rows = Vec::new();
//! let mut sink = |batch: &RowBatch| -> std::io::Result<()> {
//!     let jitter = column_index("averageJitter").unwrap();
//!     let quality = column_index("quality").unwrap();
//!     for r in 0..batch.len() {
//!         rows.push((batch.value(r, jitter).to_string(), batch.value(r, quality).to_string()));
//!     }
//!     Ok(())
//! };
//! let summary = Flattener::new(Analyzer::new())
//!     .run_bytes("a.ndjson", page.as_bytes(), &mut sink)
//!     .unwrap();
//! assert_eq!(summary.rows, 1);
//! assert_eq!(rows, vec![("45.0".to_string(), "poor".to_string())]);
//! ```

use std::sync::LazyLock;

use crate::analyze::{EndpointField, METRICS, MetricValue, StreamContext, endpoint_value};
use crate::buildings::Buildings;
use crate::classify::{Classifier, Quality, Reasons, classify};
use crate::datetime::DateTimeOffset;
use crate::model::{Media, MediaStream, Segment, Session};

mod batch;
#[cfg(feature = "parquet")]
mod parquet;
mod run;
mod sink;
mod text;

pub use batch::{RowBatch, RowForm};
#[cfg(feature = "parquet")]
pub use parquet::{ParquetOptions, arrow_schema};
pub use run::{FlattenError, FlattenSummary, Flattener};
pub use sink::{
    DirSink, FileSink, HIVE_DEFAULT_PARTITION, OutputFormat, PartitionBy, RowSink, SinkOptions,
};
pub use text::{write_csv_header, write_csv_row, write_ndjson_row};

/// The type of a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    /// A string (UTF-8).
    String,
    /// A 64-bit integer.
    Int64,
    /// A double.
    Float64,
    /// An instant, in microseconds since 1970-01-01T00:00:00Z (UTC).
    Timestamp,
    /// A boolean.
    Boolean,
    /// A list of [`Reasons`] names, in `poorDueTo` order (a `;`-joined string in CSV).
    Reasons,
}

/// Which endpoint of the segment a column describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    Caller,
    Callee,
}

/// Where a column's value comes from.
#[derive(Clone, Copy, Debug)]
enum Source {
    RecordId,
    RecordVersion,
    SessionId,
    SegmentId,
    StreamId,
    Label,
    Direction,
    SessionStart,
    SessionEnd,
    SegmentStart,
    SegmentEnd,
    Endpoint(End, EndpointField),
    IpAddress(End),
    Metric(usize),
    Quality(Classifier),
    PoorDueTo(Classifier),
}

/// One column of the table: its name (camelCase) and type.
#[derive(Clone, Debug)]
pub struct Column {
    name: String,
    kind: ColumnKind,
    source: Source,
}

impl Column {
    /// The column's name: `recordId`, `callerPlatform`, `averageJitter`, …
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The column's type.
    pub fn kind(&self) -> ColumnKind {
        self.kind
    }

    /// True for the columns that come from the building file (`--buildings`).
    pub fn needs_buildings(&self) -> bool {
        matches!(self.source, Source::Endpoint(_, f) if f.needs_buildings())
    }
}

/// The endpoint columns, in table order (`caller…` then `callee…`).
const ENDPOINT_FIELDS: [EndpointField; 10] = [
    EndpointField::Kind,
    EndpointField::Platform,
    EndpointField::ProductFamily,
    EndpointField::UserId,
    EndpointField::UserDisplayName,
    EndpointField::ConnectionType,
    EndpointField::Subnet,
    EndpointField::WifiBand,
    EndpointField::CaptureDevice,
    EndpointField::RenderDevice,
];

/// The building columns, after every other column (`--buildings`).
const BUILDING_FIELDS: [EndpointField; 6] = [
    EndpointField::Building,
    EndpointField::City,
    EndpointField::Country,
    EndpointField::Region,
    EndpointField::Network,
    EndpointField::InsideCorp,
];

fn prefixed(prefix: &str, name: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + name.len());
    out.push_str(prefix);
    let mut chars = name.chars();
    if let Some(first) = chars.next() {
        out.extend(first.to_uppercase());
        out.push_str(chars.as_str());
    }
    out
}

static COLUMNS: LazyLock<Vec<Column>> = LazyLock::new(|| {
    let col = |name: &str, kind, source| Column {
        name: name.to_owned(),
        kind,
        source,
    };
    let mut c = vec![
        col("recordId", ColumnKind::String, Source::RecordId),
        col("recordVersion", ColumnKind::Int64, Source::RecordVersion),
        col("sessionId", ColumnKind::String, Source::SessionId),
        col("segmentId", ColumnKind::String, Source::SegmentId),
        col("streamId", ColumnKind::String, Source::StreamId),
        col("label", ColumnKind::String, Source::Label),
        col("direction", ColumnKind::String, Source::Direction),
        col("sessionStart", ColumnKind::Timestamp, Source::SessionStart),
        col("sessionEnd", ColumnKind::Timestamp, Source::SessionEnd),
        col("segmentStart", ColumnKind::Timestamp, Source::SegmentStart),
        col("segmentEnd", ColumnKind::Timestamp, Source::SegmentEnd),
    ];
    for (end, prefix) in [(End::Caller, "caller"), (End::Callee, "callee")] {
        for f in ENDPOINT_FIELDS {
            c.push(col(
                &prefixed(prefix, f.name()),
                ColumnKind::String,
                Source::Endpoint(end, f),
            ));
            if f == EndpointField::Subnet {
                c.push(col(
                    &prefixed(prefix, "ipAddress"),
                    ColumnKind::String,
                    Source::IpAddress(end),
                ));
            }
        }
    }
    for (i, m) in METRICS.iter().enumerate() {
        let kind = match m.kind {
            crate::stats::ValueKind::Integer => ColumnKind::Int64,
            crate::stats::ValueKind::Float => ColumnKind::Float64,
        };
        c.push(col(m.name, kind, Source::Metric(i)));
    }
    c.push(col(
        "quality",
        ColumnKind::String,
        Source::Quality(Classifier::Current),
    ));
    c.push(col(
        "poorDueTo",
        ColumnKind::Reasons,
        Source::PoorDueTo(Classifier::Current),
    ));
    c.push(col(
        "quality2020",
        ColumnKind::String,
        Source::Quality(Classifier::Cqd2020),
    ));
    c.push(col(
        "poorDueTo2020",
        ColumnKind::Reasons,
        Source::PoorDueTo(Classifier::Cqd2020),
    ));
    for (end, prefix) in [(End::Caller, "caller"), (End::Callee, "callee")] {
        for f in BUILDING_FIELDS {
            let kind = if f == EndpointField::InsideCorp {
                ColumnKind::Boolean
            } else {
                ColumnKind::String
            };
            c.push(col(
                &prefixed(prefix, f.name()),
                kind,
                Source::Endpoint(end, f),
            ));
        }
    }
    c
});

/// The building columns at the end of the table.
const BUILDING_COLUMNS: usize = 2 * BUILDING_FIELDS.len();

/// The columns of a row, in order: without the twelve building columns unless
/// `with_buildings` (`callq flatten --buildings`).
///
/// ```
/// let names: Vec<&str> = callq::flatten::columns(false).iter().map(|c| c.name()).collect();
/// assert_eq!(&names[..3], ["recordId", "recordVersion", "sessionId"]);
/// assert!(names.contains(&"callerPlatform") && names.contains(&"averageJitter"));
/// assert!(!names.contains(&"callerBuilding"));
/// assert_eq!(callq::flatten::columns(true).len(), names.len() + 12);
/// ```
pub fn columns(with_buildings: bool) -> &'static [Column] {
    let all = COLUMNS.as_slice();
    if with_buildings {
        all
    } else {
        &all[..all.len() - BUILDING_COLUMNS]
    }
}

/// The index of the column named `name` in [`columns`] (`None` for an unknown name).
pub fn column_index(name: &str) -> Option<usize> {
    COLUMNS.iter().position(|c| c.name == name)
}

/// A column's value on one row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    /// Missing (absent, `null`, or a metric that is not finite).
    Null,
    /// A string.
    String(&'a str),
    /// An integer.
    Int(i64),
    /// A double.
    Float(f64),
    /// Microseconds since the Unix epoch, UTC.
    Timestamp(i64),
    /// A boolean.
    Bool(bool),
    /// CQD reasons (a list of names).
    Reasons(Reasons),
}

impl std::fmt::Display for Value<'_> {
    /// The value as CSV writes it (without quoting): nothing for `Null`, an RFC 3339 UTC time
    /// for a timestamp, `;`-joined names for reasons.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Value::Null => Ok(()),
            Value::String(s) => f.write_str(s),
            Value::Int(n) => write!(f, "{n}"),
            Value::Float(x) => f.write_str(ryu::Buffer::new().format_finite(x)),
            Value::Timestamp(us) => f.write_str(&text::timestamp(us)),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Reasons(r) => {
                let mut first = true;
                for (reason, name) in Reasons::ALL {
                    if r.contains(reason) {
                        if !first {
                            f.write_str(";")?;
                        }
                        f.write_str(name)?;
                        first = false;
                    }
                }
                Ok(())
            }
        }
    }
}

/// Microseconds since the Unix epoch.
fn micros(t: Option<DateTimeOffset>) -> Value<'static> {
    match t {
        Some(t) => Value::Timestamp(
            t.unix_seconds()
                .saturating_mul(1_000_000)
                .saturating_add(i64::from(t.subsec_nanos() / 1000)),
        ),
        None => Value::Null,
    }
}

fn string(s: Option<&str>) -> Value<'_> {
    s.map_or(Value::Null, Value::String)
}

/// A quality's name as the `quality` dimension and column write it.
pub fn quality_name(q: Quality) -> &'static str {
    match q {
        Quality::Good => "good",
        Quality::Poor => "poor",
        Quality::Unclassified => "unclassified",
    }
}

/// One media stream with its context: the record, session, segment and media that hold it,
/// both classifiers' verdicts, and the building file for the building columns.
///
/// ```
/// use callq::document::{LineParser, Reading};
/// use callq::flatten::{StreamRow, Value, columns};
///
/// let line = br#"{"value":[{"id":"s1","segments":[{"media":[{"label":"main-audio",
///     "streams":[{"streamDirection":"callerToCallee","averageJitter":"PT0.016S"}]}]}]}]}"#;
/// let mut parser = LineParser::new();
/// parser.parse(line, Reading::Analyze, |doc| {
///     let doc = doc.unwrap();
///     let rows: Vec<StreamRow> = StreamRow::all(&doc, None).collect();
///     assert_eq!(rows.len(), 1);
///     let named = |name: &str| {
///         let c = columns(false).iter().find(|c| c.name() == name).unwrap();
///         rows[0].value(c)
///     };
///     assert_eq!(named("sessionId"), Value::String("s1"));
///     assert_eq!(named("averageJitter"), Value::Float(16.0));
///     assert_eq!(named("quality"), Value::String("unclassified")); // too few packets known
/// });
/// ```
#[derive(Clone, Copy)]
pub struct StreamRow<'r, 'a> {
    /// The record's id (see [`Document::sessions_with_record`](crate::model::Document::sessions_with_record)).
    pub record_id: Option<&'a str>,
    /// The record's `version`.
    pub record_version: Option<i64>,
    /// The session.
    pub session: &'r Session<'a>,
    /// The segment.
    pub segment: &'r Segment<'a>,
    /// The media.
    pub media: &'r Media<'a>,
    /// The stream.
    pub stream: &'r MediaStream<'a>,
    /// The building file, for the building columns (without one they are null).
    pub buildings: Option<&'r Buildings>,
    current: (Quality, Reasons),
    cqd2020: (Quality, Reasons),
}

impl<'r, 'a> StreamRow<'r, 'a> {
    /// The row of `stream`, classified by both classifiers.
    pub fn new(
        record_id: Option<&'a str>,
        record_version: Option<i64>,
        (session, segment, media, stream): (
            &'r Session<'a>,
            &'r Segment<'a>,
            &'r Media<'a>,
            &'r MediaStream<'a>,
        ),
        buildings: Option<&'r Buildings>,
    ) -> Self {
        StreamRow {
            record_id,
            record_version,
            session,
            segment,
            media,
            stream,
            buildings,
            current: classify(Classifier::Current, media.label, stream),
            cqd2020: classify(Classifier::Cqd2020, media.label, stream),
        }
    }

    /// Every stream of a document, in document order (no filter, no duplicate removal: a
    /// [`Flattener`] adds those).
    pub fn all(
        doc: &'r crate::model::Document<'a>,
        buildings: Option<&'r Buildings>,
    ) -> impl Iterator<Item = StreamRow<'r, 'a>> + 'r {
        doc.sessions_with_record()
            .flat_map(move |(record_id, version, session)| {
                session.segments.iter().flat_map(move |segment| {
                    segment.media.iter().flat_map(move |media| {
                        media.streams.iter().map(move |stream| {
                            StreamRow::new(
                                record_id,
                                version,
                                (session, segment, media, stream),
                                buildings,
                            )
                        })
                    })
                })
            })
    }

    /// The verdict and reasons of a classifier.
    pub fn quality(&self, classifier: Classifier) -> (Quality, Reasons) {
        match classifier {
            Classifier::Current => self.current,
            Classifier::Cqd2020 => self.cqd2020,
        }
    }

    /// The row's value of `column`.
    #[inline]
    pub fn value(&self, column: &Column) -> Value<'r> {
        match column.source {
            Source::RecordId => string(self.record_id),
            Source::RecordVersion => self.record_version.map_or(Value::Null, Value::Int),
            Source::SessionId => string(self.session.id),
            Source::SegmentId => string(self.segment.id),
            Source::StreamId => string(self.stream.stream_id),
            Source::Label => string(self.media.label),
            Source::Direction => string(self.stream.stream_direction.map(|d| d.as_str())),
            Source::SessionStart => micros(self.session.start_date_time),
            Source::SessionEnd => micros(self.session.end_date_time),
            Source::SegmentStart => micros(self.segment.start_date_time),
            Source::SegmentEnd => micros(self.segment.end_date_time),
            Source::Endpoint(end, field) => {
                let ctx = StreamContext {
                    session: self.session,
                    segment: self.segment,
                    media: self.media,
                    stream: self.stream,
                    quality: self.current.0,
                };
                let v = endpoint_value(&ctx, end == End::Caller, field, self.buildings);
                if field == EndpointField::InsideCorp {
                    v.map_or(Value::Null, |s| Value::Bool(s == "true"))
                } else {
                    string(v)
                }
            }
            Source::IpAddress(end) => {
                let net = match end {
                    End::Caller => self.media.caller_network,
                    End::Callee => self.media.callee_network,
                };
                string(net.and_then(|n| n.ip_address))
            }
            Source::Metric(i) => match (METRICS[i].extract)(self.stream) {
                MetricValue::Absent => Value::Null,
                MetricValue::Float(x) => Value::Float(x),
                MetricValue::Int(n) => Value::Int(n),
            },
            Source::Quality(c) => Value::String(quality_name(self.quality(c).0)),
            Source::PoorDueTo(c) => Value::Reasons(self.quality(c).1),
        }
    }
}
