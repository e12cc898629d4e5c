//! Streams → statistics: the [`Analyzer`] behind `callq analyze` and `callq check`.
//!
//! Every media stream (`sessions[*].segments[*].media[*].streams[*]`) is one observation. It is
//! grouped by the requested [`Dimension`]s, classified by the CQD rules, and each of the 22
//! numeric properties of `mediaStream` goes into a mergeable [`MetricStats`]. Inputs are cut
//! into chunks that depend only on the bytes; each chunk has its own accumulator and the
//! accumulators merge in input order, so the report is identical for any number of threads.
//!
//! ```
//! use callq::analyze::{Analyzer, Dimension};
//!
//! let page = r#"{"value":[{"startDateTime":"2020-02-25T18:52:21Z","segments":[{"media":[
//!   {"label":"main-audio","streams":[
//!     {"streamDirection":"callerToCallee","averageJitter":"PT0.012S","packetUtilization":900},
//!     {"streamDirection":"calleeToCaller","averageJitter":"PT0.045S","packetUtilization":900}]}]}]}]}"#
//!     .replace('\n', ""); // one JSON document per line
//! let report = Analyzer::new()
//!     .group_by(vec![Dimension::parse("direction").unwrap()])
//!     .analyze_bytes("page.ndjson", page.as_bytes())
//!     .unwrap();
//! assert_eq!(report.groups.len(), 2);
//! // Groups sort by key: "calleeToCaller" first, with its 45 ms of jitter: poor.
//! assert_eq!(report.groups[0].key, vec![Some("calleeToCaller".to_string())]);
//! assert_eq!(report.groups[0].stats.poor, 1);
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use rayon::prelude::*;

use crate::classify::{Classifier, Quality, Reasons, classify};
use crate::document::{DocumentError, LineParser, Reading};
use crate::framing::{Line, Piece, Pieces, Position};
use crate::input::{Block, BlockReader, InputSource, discover, map_file, open_stream_counting};
use crate::model::{Document, Endpoint, Media, MediaStream, Segment, Session};
use crate::parallel::{Merge, ParallelLines, StreamPosition};
use crate::stats::{MetricStats, ValueKind};

/// How many bad lines a report lists (the rest are only counted).
pub const MAX_LISTED_ERRORS: usize = 100;

/// The default longest line read: 64 MiB. A 50 MB page is legal; anything longer is a bad line.
pub const DEFAULT_MAX_LINE_BYTES: usize = 64 << 20;

/// The default largest number of groups a run may make ([`Analyzer::max_groups`]).
pub const DEFAULT_MAX_GROUPS: usize = 1_000_000;

/// Lines longer than this must take their share of the memory budget
/// ([`Analyzer::max_memory`]) before they are parsed, and free their parse state afterwards.
/// Shorter lines are parsed freely, one per thread (a realistic page is 10–500 KB).
pub const HUGE_LINE_BYTES: usize = 1 << 20;

/// Parse state per byte of a line, at worst: simd-json's structural index and tape when the
/// on-demand reader hands the line to it (measured: 16.6 bytes per byte on a line of 30
/// million `0,`).
const STATE_PER_BYTE: u64 = 16;

/// Parse state per `{` of a line, at worst: every object may become a model struct, and a
/// stream costs about 1 KB while the reader collects a media's streams (measured: 965 bytes per
/// stream on a 61.6 MB page of 700,000 streams, 970 on a 60 MB page of 20 million `{}` streams).
const STATE_PER_OBJECT: u64 = 1024;

/// An upper estimate of the memory that parsing `line` takes: 16 bytes per byte plus 1 KiB per
/// `{`. It is what a line longer than [`HUGE_LINE_BYTES`] takes from the budget.
pub fn line_memory_estimate(line: &[u8]) -> u64 {
    let objects = memchr::memchr_iter(b'{', line).count() as u64;
    (line.len() as u64)
        .saturating_mul(STATE_PER_BYTE)
        .saturating_add(objects.saturating_mul(STATE_PER_OBJECT))
}

/// The default memory budget for huge lines in flight: a quarter of the physical memory, at
/// most 4 GiB (`MemTotal` of `/proc/meminfo`); 2 GiB where that cannot be read.
pub fn default_max_memory() -> u64 {
    const CAP: u64 = 4 << 30;
    const FALLBACK: u64 = 2 << 30;
    let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        let line = m.lines().find(|l| l.starts_with("MemTotal:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib.saturating_mul(1024))
    });
    match total {
        Some(bytes) if bytes > 0 => (bytes / 4).min(CAP),
        _ => FALLBACK,
    }
}

/// The memory budget shared by the lines in flight: a huge line takes its estimate before it
/// is parsed and gives it back afterwards; a thread waits while the budget is short.
///
/// The parsers of huge lines live here too. A parser keeps the buffers it grew to (parsing
/// into fresh memory costs a page fault every 4 KiB: about 0.4 s per 60 MB line), so a finished
/// one stays idle here with its share still counted, to be reused by the next huge line, or
/// freed as soon as a line that needs the memory cannot get it otherwise. Idle parsers belong
/// to no thread, so a waiting thread can always reclaim them: no deadlock.
#[derive(Debug)]
struct MemoryBudget {
    limit: u64,
    state: Mutex<BudgetState>,
    freed: Condvar,
}

#[derive(Debug, Default)]
struct BudgetState {
    /// Bytes held by lines in flight and by idle parsers.
    in_use: u64,
    /// Parsers of finished huge lines, with the share each still holds (the most recent last).
    idle: Vec<(LineParser, u64)>,
}

impl MemoryBudget {
    fn new(limit: u64) -> Self {
        MemoryBudget {
            limit: limit.max(1),
            state: Mutex::new(BudgetState::default()),
            freed: Condvar::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BudgetState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Waits until `bytes` (at most the limit) are free and takes them, with a parser to use.
    /// A holder parses one line and gives its share back without waiting for anything, and
    /// idle parsers are freed on demand, so waiting always ends.
    fn acquire(&self, bytes: u64) -> BudgetShare<'_> {
        let need = bytes.min(self.limit);
        let mut state = self.lock();
        loop {
            if let Some((parser, held)) = state.idle.pop() {
                let charge = need.max(held);
                if state.in_use - held + charge <= self.limit {
                    state.in_use = state.in_use - held + charge;
                    return BudgetShare {
                        budget: self,
                        parser: Some(parser),
                        bytes: charge,
                    };
                }
                // Too much together with the lines in flight: free it and try again.
                state.in_use -= held;
                drop(parser);
                continue;
            }
            if state.in_use + need <= self.limit {
                state.in_use += need;
                return BudgetShare {
                    budget: self,
                    parser: Some(LineParser::new()),
                    bytes: need,
                };
            }
            state = self
                .freed
                .wait(state)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }

    /// Frees the idle parsers (at the end of a run: their memory is no longer needed).
    fn release_idle(&self) {
        let idle = {
            let mut state = self.lock();
            let idle = std::mem::take(&mut state.idle);
            state.in_use -= idle.iter().map(|(_, held)| held).sum::<u64>();
            idle
        };
        drop(idle);
        self.freed.notify_all();
    }
}

/// A share of the [`MemoryBudget`] and the parser that uses it; both go back (the parser
/// idle, its share still counted) when dropped.
struct BudgetShare<'a> {
    budget: &'a MemoryBudget,
    parser: Option<LineParser>,
    bytes: u64,
}

impl Drop for BudgetShare<'_> {
    fn drop(&mut self) {
        if let Some(parser) = self.parser.take() {
            self.budget.lock().idle.push((parser, self.bytes));
        }
        self.budget.freed.notify_all();
    }
}

// ---- metrics ------------------------------------------------------------------------------

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

// ---- dimensions ---------------------------------------------------------------------------

/// Which endpoint a dimension reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// The segment's (or session's) caller.
    Caller,
    /// The segment's (or session's) callee.
    Callee,
    /// Whichever endpoint sent the stream, by its `streamDirection`.
    Sender,
    /// Whichever endpoint received the stream, by its `streamDirection`.
    Receiver,
}

/// What a dimension reads from an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EndpointField {
    /// `userAgent.platform` (the segment's endpoint, else the session's).
    Platform,
    /// `userAgent.productFamily` (likewise).
    ProductFamily,
    /// The media's `callerNetwork`/`calleeNetwork` `connectionType`.
    ConnectionType,
}

/// A `--by` dimension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dimension {
    /// `direction`: the stream's `streamDirection`.
    Direction,
    /// `label`: the media's label.
    Label,
    /// `day`: the UTC date of the session's `startDateTime`.
    Day,
    /// `month`: the UTC month of the session's `startDateTime`.
    Month,
    /// `caller.X`, `callee.X`, `sender.X`, `receiver.X`.
    Endpoint(Side, EndpointField),
}

/// What is wrong with a dimension name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DimensionErrorKind {
    /// Not one of [`Dimension::NAMES`].
    Unknown,
    /// Named twice in one list.
    Repeated,
}

/// A dimension name that [`Dimension::parse`] or [`Dimension::parse_list`] rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DimensionError {
    kind: DimensionErrorKind,
    name: String,
}

impl DimensionError {
    /// What is wrong.
    pub fn kind(&self) -> DimensionErrorKind {
        self.kind
    }

    /// The name as given.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for DimensionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            DimensionErrorKind::Unknown => write!(
                f,
                "unknown dimension `{}` (expected one of: {})",
                self.name,
                Dimension::NAMES.join(", ")
            ),
            DimensionErrorKind::Repeated => {
                write!(f, "dimension `{}` is repeated in --by", self.name)
            }
        }
    }
}

impl std::error::Error for DimensionError {}

impl Dimension {
    /// Every dimension name, in the order `--help` lists them.
    pub const NAMES: [&'static str; 16] = [
        "direction",
        "label",
        "day",
        "month",
        "caller.platform",
        "caller.productFamily",
        "caller.connectionType",
        "callee.platform",
        "callee.productFamily",
        "callee.connectionType",
        "sender.platform",
        "sender.productFamily",
        "sender.connectionType",
        "receiver.platform",
        "receiver.productFamily",
        "receiver.connectionType",
    ];

    /// Parses an exact dimension name.
    pub fn parse(name: &str) -> Result<Dimension, DimensionError> {
        let simple = match name {
            "direction" => Some(Dimension::Direction),
            "label" => Some(Dimension::Label),
            "day" => Some(Dimension::Day),
            "month" => Some(Dimension::Month),
            _ => None,
        };
        if let Some(d) = simple {
            return Ok(d);
        }
        let unknown = || DimensionError {
            kind: DimensionErrorKind::Unknown,
            name: name.to_owned(),
        };
        let (side, field) = name.split_once('.').ok_or_else(unknown)?;
        let side = match side {
            "caller" => Side::Caller,
            "callee" => Side::Callee,
            "sender" => Side::Sender,
            "receiver" => Side::Receiver,
            _ => return Err(unknown()),
        };
        let field = match field {
            "platform" => EndpointField::Platform,
            "productFamily" => EndpointField::ProductFamily,
            "connectionType" => EndpointField::ConnectionType,
            _ => return Err(unknown()),
        };
        Ok(Dimension::Endpoint(side, field))
    }

    /// Parses a comma-separated `--by` list; an unknown or repeated name is an error.
    ///
    /// ```
    /// use callq::analyze::{Dimension, DimensionErrorKind};
    /// assert_eq!(Dimension::parse_list("direction,label").unwrap().len(), 2);
    /// let e = Dimension::parse_list("label,lable").unwrap_err();
    /// assert_eq!(e.kind(), DimensionErrorKind::Unknown);
    /// assert_eq!(e.name(), "lable");
    /// assert!(e.to_string().starts_with("unknown dimension `lable` (expected one of: direction,"));
    /// let e = Dimension::parse_list("day,day").unwrap_err();
    /// assert_eq!(e.to_string(), "dimension `day` is repeated in --by");
    /// ```
    pub fn parse_list(list: &str) -> Result<Vec<Dimension>, DimensionError> {
        let mut dims = Vec::new();
        for name in list.split(',') {
            let d = Dimension::parse(name)?;
            if dims.contains(&d) {
                return Err(DimensionError {
                    kind: DimensionErrorKind::Repeated,
                    name: name.to_owned(),
                });
            }
            dims.push(d);
        }
        Ok(dims)
    }

    /// The dimension's name in reports.
    pub fn name(&self) -> String {
        match self {
            Dimension::Direction => "direction".into(),
            Dimension::Label => "label".into(),
            Dimension::Day => "day".into(),
            Dimension::Month => "month".into(),
            Dimension::Endpoint(side, field) => {
                let side = match side {
                    Side::Caller => "caller",
                    Side::Callee => "callee",
                    Side::Sender => "sender",
                    Side::Receiver => "receiver",
                };
                let field = match field {
                    EndpointField::Platform => "platform",
                    EndpointField::ProductFamily => "productFamily",
                    EndpointField::ConnectionType => "connectionType",
                };
                format!("{side}.{field}")
            }
        }
    }
}

/// Everything a dimension can read about one stream.
struct StreamContext<'r, 'a> {
    session: &'r Session<'a>,
    segment: &'r Segment<'a>,
    media: &'r Media<'a>,
    stream: &'r MediaStream<'a>,
}

fn endpoint_value<'a>(
    ctx: &StreamContext<'_, 'a>,
    caller: bool,
    field: EndpointField,
) -> Option<&'a str> {
    let pick = |e: Option<&Endpoint<'a>>| -> Option<&'a str> {
        let ua = e?.user_agent.as_ref()?;
        match field {
            EndpointField::Platform => ua.platform.map(|p| p.as_str()),
            EndpointField::ProductFamily => ua.product_family.map(|p| p.as_str()),
            EndpointField::ConnectionType => None,
        }
    };
    let (seg, ses) = if caller {
        (ctx.segment.caller, ctx.session.caller)
    } else {
        (ctx.segment.callee, ctx.session.callee)
    };
    match field {
        EndpointField::ConnectionType => {
            let net = if caller {
                ctx.media.caller_network
            } else {
                ctx.media.callee_network
            };
            net?.connection_type.map(|c| c.as_str())
        }
        _ => pick(seg).or_else(|| pick(ses)),
    }
}

/// Appends one key component: a tag byte (0 = null, 1 = string), then a length-prefixed string.
fn push_component(key: &mut Vec<u8>, value: Option<&str>) {
    match value {
        None => key.push(0),
        Some(s) => {
            key.push(1);
            key.extend_from_slice(&(s.len() as u32).to_le_bytes());
            key.extend_from_slice(s.as_bytes());
        }
    }
}

fn decode_key(mut key: &[u8]) -> Vec<Option<String>> {
    let mut out = Vec::new();
    while let Some((&tag, rest)) = key.split_first() {
        if tag == 0 {
            out.push(None);
            key = rest;
        } else {
            let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
            out.push(Some(
                String::from_utf8_lossy(&rest[4..4 + len]).into_owned(),
            ));
            key = &rest[4 + len..];
        }
    }
    out
}

fn build_key(
    dims: &[Dimension],
    ctx: &StreamContext<'_, '_>,
    key: &mut Vec<u8>,
    scratch: &mut String,
) {
    key.clear();
    for dim in dims {
        match dim {
            Dimension::Direction => {
                push_component(key, ctx.stream.stream_direction.map(|d| d.as_str()))
            }
            Dimension::Label => push_component(key, ctx.media.label),
            Dimension::Day | Dimension::Month => match ctx.session.start_date_time {
                None => push_component(key, None),
                Some(t) => {
                    scratch.clear();
                    let date = t.utc_date();
                    if *dim == Dimension::Day {
                        date.write_day(scratch);
                    } else {
                        date.write_month(scratch);
                    }
                    push_component(key, Some(scratch));
                }
            },
            Dimension::Endpoint(side, field) => {
                let caller = match side {
                    Side::Caller => Some(true),
                    Side::Callee => Some(false),
                    Side::Sender | Side::Receiver => {
                        let dir = ctx.stream.stream_direction.map(|d| d.as_str());
                        let from_caller = match dir {
                            Some("callerToCallee") => Some(true),
                            Some("calleeToCaller") => Some(false),
                            _ => None,
                        };
                        from_caller.map(|c| if *side == Side::Sender { c } else { !c })
                    }
                };
                push_component(key, caller.and_then(|c| endpoint_value(ctx, c, *field)));
            }
        }
    }
}

// ---- accumulation -------------------------------------------------------------------------

/// The statistics of one group of streams.
#[derive(Clone, Debug)]
pub struct GroupStats {
    /// Streams in the group.
    pub streams: u64,
    /// Streams classified good.
    pub good: u64,
    /// Streams classified poor.
    pub poor: u64,
    /// Streams left unclassified.
    pub unclassified: u64,
    /// Poor streams breaching each reason, indexed like [`Reasons::ALL`].
    pub poor_due_to: [u64; 8],
    /// One accumulator per metric, indexed like [`METRICS`].
    pub metrics: Vec<MetricStats>,
}

impl Default for GroupStats {
    fn default() -> Self {
        Self::new()
    }
}

impl GroupStats {
    /// An empty group.
    pub fn new() -> Self {
        GroupStats {
            streams: 0,
            good: 0,
            poor: 0,
            unclassified: 0,
            poor_due_to: [0; 8],
            metrics: METRICS.iter().map(|m| MetricStats::new(m.kind)).collect(),
        }
    }

    /// Adds one classified stream.
    pub fn add(&mut self, stream: &MediaStream<'_>, quality: Quality, reasons: Reasons) {
        self.streams += 1;
        match quality {
            Quality::Good => self.good += 1,
            Quality::Poor => self.poor += 1,
            Quality::Unclassified => self.unclassified += 1,
        }
        if !reasons.is_empty() {
            for (i, (r, _)) in Reasons::ALL.iter().enumerate() {
                if reasons.contains(*r) {
                    self.poor_due_to[i] += 1;
                }
            }
        }
        for (metric, stats) in METRICS.iter().zip(self.metrics.iter_mut()) {
            match (metric.extract)(stream) {
                MetricValue::Absent => stats.add_null(),
                MetricValue::Float(v) => stats.add(v),
                MetricValue::Int(v) => stats.add_int(v),
            }
        }
    }

    /// Folds another group's statistics into this one.
    pub fn merge(&mut self, other: &GroupStats) {
        self.streams += other.streams;
        self.good += other.good;
        self.poor += other.poor;
        self.unclassified += other.unclassified;
        for (a, b) in self.poor_due_to.iter_mut().zip(other.poor_due_to) {
            *a += b;
        }
        for (a, b) in self.metrics.iter_mut().zip(&other.metrics) {
            a.merge(b);
        }
    }

    /// poor / (good + poor), or `None` when both are 0.
    pub fn poor_rate(&self) -> Option<f64> {
        let classified = self.good + self.poor;
        (classified > 0).then(|| self.poor as f64 / classified as f64)
    }
}

/// What was read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InputCounts {
    /// Inputs read.
    pub files: u64,
    /// Bytes read (after decompression).
    pub bytes: u64,
    /// Non-blank lines.
    pub lines: u64,
    /// Bad lines.
    pub bad_lines: u64,
    /// Lines that were not bad.
    pub documents: u64,
    /// Sessions in good lines.
    pub sessions: u64,
    /// Segments in good lines.
    pub segments: u64,
    /// Media in good lines.
    pub media: u64,
    /// Streams in good lines.
    pub streams: u64,
    /// Good lines that `analyze`'s on-demand reader handed to simd-json's tape because of a
    /// rare form (a tab or CR inside the line, an escaped key, ...): read the same, more slowly.
    pub tape_rereads: u64,
}

impl InputCounts {
    fn add(&mut self, o: &InputCounts) {
        self.files += o.files;
        self.bytes += o.bytes;
        self.lines += o.lines;
        self.bad_lines += o.bad_lines;
        self.documents += o.documents;
        self.sessions += o.sessions;
        self.segments += o.segments;
        self.media += o.media;
        self.streams += o.streams;
        self.tape_rereads += o.tape_rereads;
    }
}

/// A bad line: where, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadLine {
    /// File, line and byte offset of the line's start.
    pub position: Position,
    /// Why it is bad; inside a document, prefixed by the JSON path.
    pub message: String,
}

impl fmt::Display for BadLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: byte {}: {}",
            self.position.file, self.position.line, self.position.byte_offset, self.message
        )
    }
}

/// An input that could not be read, or not to its end: nothing of it is counted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnreadableInput {
    /// The input's name, as reports name files.
    pub file: String,
    /// Why, and for an input that failed part-way, where reading stopped.
    pub message: String,
}

impl fmt::Display for UnreadableInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.message)
    }
}

impl From<&crate::input::InputError> for UnreadableInput {
    fn from(e: &crate::input::InputError) -> Self {
        UnreadableInput {
            file: e.name.clone(),
            message: e.source.to_string(),
        }
    }
}

/// The accumulator of one chunk (and, merged, of everything).
#[derive(Debug)]
struct Accumulator {
    counts: InputCounts,
    errors: Vec<BadLine>,
    /// How many bad lines `errors` keeps (all accumulators of a run share it).
    error_limit: usize,
    groups: Groups,
}

impl Default for Accumulator {
    fn default() -> Self {
        Accumulator::listing(MAX_LISTED_ERRORS)
    }
}

/// Groups by encoded key. Consecutive streams mostly share a group (always, without `--by`),
/// so the last group found is checked before hashing.
#[derive(Debug, Default)]
struct Groups {
    stats: Vec<(Box<[u8]>, GroupStats)>,
    index: HashMap<Box<[u8]>, usize>,
    last: Option<usize>,
}

impl Groups {
    #[inline]
    fn get(&mut self, key: &[u8]) -> &mut GroupStats {
        let i = match self.last {
            Some(i) if *self.stats[i].0 == *key => i,
            _ => {
                let i = match self.index.get(key) {
                    Some(&i) => i,
                    None => {
                        self.stats.push((key.into(), GroupStats::new()));
                        self.index.insert(key.into(), self.stats.len() - 1);
                        self.stats.len() - 1
                    }
                };
                self.last = Some(i);
                i
            }
        };
        &mut self.stats[i].1
    }

    fn merge(&mut self, later: Groups) {
        for (key, stats) in later.stats {
            match self.index.get(&key) {
                Some(&i) => self.stats[i].1.merge(&stats),
                None => {
                    self.index.insert(key.clone(), self.stats.len());
                    self.stats.push((key, stats));
                }
            }
        }
    }
}

impl Merge for Accumulator {
    fn rebase(&mut self, lines_before: u64) {
        for e in &mut self.errors {
            e.position.line += lines_before;
        }
    }

    fn merge(&mut self, later: Self) {
        self.counts.add(&later.counts);
        let room = self.error_limit.saturating_sub(self.errors.len());
        self.errors.extend(later.errors.into_iter().take(room));
        self.groups.merge(later.groups);
    }
}

impl Accumulator {
    fn listing(error_limit: usize) -> Self {
        Accumulator {
            counts: InputCounts::default(),
            errors: Vec::new(),
            error_limit,
            groups: Groups::default(),
        }
    }

    fn bad_line(&mut self, position: Position, message: String) {
        self.counts.bad_lines += 1;
        if self.errors.len() < self.error_limit {
            self.errors.push(BadLine { position, message });
        }
    }
}

/// Chunks per block read from a stream. Fixed: chunks never cross a block boundary, so a
/// block size that followed the thread count would make a stream's chunk boundaries depend on
/// it. Eight keep two to eight threads busy while the blocks in circulation (reading, queued,
/// analyzed, the reader's own buffer) stay small.
const STREAM_BLOCK_CHUNKS: usize = 8;

/// Chunks per piece of an input held in memory (a mapped file): pieces only exist to find
/// over-long lines without touching them whole, and cost a few short searches each, so they
/// are large (1 GiB by default: every thread of a large machine busy within one) and fixed,
/// like stream blocks, so that chunk boundaries depend on the input only.
const MAPPED_PIECE_CHUNKS: usize = 256;

/// What one input (or a run of them, merged in order) produced.
#[derive(Default)]
struct InputOutcome {
    acc: Accumulator,
    unreadable: Vec<UnreadableInput>,
    /// The first failure in input order; nothing after it counts.
    failure: Option<RunError>,
}

impl InputOutcome {
    /// `self` followed by `later`, in input order (associative, for an ordered reduce).
    /// Groups beyond `max_groups` make a failure (the number of groups of a merge of
    /// consecutive inputs only grows, so whether one is seen depends on the inputs only).
    fn then(mut self, later: InputOutcome, max_groups: usize) -> InputOutcome {
        if self.failure.is_none() {
            self.acc.merge(later.acc);
            self.unreadable.extend(later.unreadable);
            self.failure = later.failure;
            if self.failure.is_none() && self.acc.groups.stats.len() > max_groups {
                self.failure = Some(RunError::TooManyGroups { limit: max_groups });
            }
        }
        self
    }
}

/// Per-task scratch state: the line parser and the reusable key buffers.
#[derive(Default)]
struct Scratch {
    parser: LineParser,
    key: Vec<u8>,
    text: String,
}

// ---- the analyzer -------------------------------------------------------------------------

/// What to do with a bad line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnError {
    /// Count it, list it (the first 100), and go on.
    #[default]
    Skip,
    /// Stop at the first bad line.
    Fail,
}

/// Why a run stopped without a report.
#[derive(Debug)]
#[non_exhaustive]
pub enum RunError {
    /// A bad line under [`OnError::Fail`].
    BadLine(BadLine),
    /// An input could not be read (it names the file).
    Input(crate::input::InputError),
    /// An input needs a cargo feature this build of the library lacks: a `.gz` or `.zst` file
    /// without the `compression` feature. Returned before anything is read, whatever
    /// [`Analyzer::keep_going_on_unreadable`] says, so that half an archive is never reported
    /// as the whole.
    FeatureMissing {
        /// The input's name.
        input: String,
        /// The feature to enable.
        feature: &'static str,
    },
    /// The `--by` dimensions made more groups than [`Analyzer::max_groups`] allows.
    TooManyGroups {
        /// The limit that was exceeded.
        limit: usize,
    },
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::BadLine(b) => write!(f, "bad line: {b}"),
            RunError::Input(e) => write!(f, "cannot read {e}"),
            RunError::FeatureMissing { input, feature } => write!(
                f,
                "cannot read {input}: callq was built without the `{feature}` feature"
            ),
            RunError::TooManyGroups { limit } => write!(
                f,
                "more than {limit} groups: the --by dimensions split the streams too finely \
                 (raise the limit with --max-groups N, or group by fewer dimensions)"
            ),
        }
    }
}

impl std::error::Error for RunError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RunError::Input(e) => Some(e),
            _ => None,
        }
    }
}

/// Why a streamed input stopped: its reader failed, or the analysis did.
enum StreamError {
    Io(std::io::Error),
    Run(RunError),
}

/// A group's key and statistics, ready to report.
#[derive(Clone, Debug)]
pub struct GroupReport {
    /// One value per `--by` dimension; `None` is a missing value.
    pub key: Vec<Option<String>>,
    /// The statistics.
    pub stats: GroupStats,
}

/// The result of a run: what was read, the bad lines, and the groups.
#[derive(Clone, Debug)]
pub struct Report {
    /// What was read.
    pub input: InputCounts,
    /// The first bad lines, in input order: [`MAX_LISTED_ERRORS`] of them unless
    /// [`Analyzer::listed_errors`] asked for more.
    pub errors: Vec<BadLine>,
    /// The grouping dimensions.
    pub group_by: Vec<Dimension>,
    /// The groups, sorted by key (`None` first, then strings in byte order).
    pub groups: Vec<GroupReport>,
    /// Inputs that could not be read, or not to their end, with the reason, in input order
    /// (nothing of them is counted, and they are not in `input.files`).
    pub unreadable: Vec<UnreadableInput>,
    /// The classification rules the run applied.
    pub classifier: Classifier,
}

/// Progress of a run, for a progress bar.
#[derive(Debug, Default)]
pub struct Progress {
    /// Bytes of input processed so far, as stored: a compressed input counts its compressed
    /// bytes, so the total to compare with is the inputs' file sizes.
    pub bytes_done: AtomicU64,
}

/// Configures and runs an analysis. The CLI is a thin layer over this.
#[derive(Clone, Debug)]
pub struct Analyzer {
    group_by: Vec<Dimension>,
    classifier: Classifier,
    on_error: OnError,
    reading: Reading,
    driver: ParallelLines,
    max_line_bytes: usize,
    keep_going_on_unreadable: bool,
    mmap: bool,
    listed_errors: usize,
    budget: Arc<MemoryBudget>,
    max_groups: usize,
    statistics: bool,
}

impl Default for Analyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl Analyzer {
    /// One group, current CQD rules, bad lines skipped, analyze's reading.
    pub fn new() -> Self {
        Analyzer {
            group_by: Vec::new(),
            classifier: Classifier::Current,
            on_error: OnError::Skip,
            reading: Reading::Analyze,
            driver: ParallelLines::new().chunk_relative_lines(true),
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            keep_going_on_unreadable: true,
            mmap: true,
            listed_errors: MAX_LISTED_ERRORS,
            budget: Arc::new(MemoryBudget::new(default_max_memory())),
            max_groups: DEFAULT_MAX_GROUPS,
            statistics: true,
        }
    }

    /// Whether streams are classified and their statistics kept (`true`, the default). With
    /// `false` a run only validates and counts (what `callq check` does): the report has the
    /// input counts and bad lines, and one empty group.
    pub fn statistics(mut self, statistics: bool) -> Self {
        self.statistics = statistics;
        self
    }

    /// Sets the largest number of groups (default [`DEFAULT_MAX_GROUPS`]): a run that would
    /// make more stops with [`RunError::TooManyGroups`] rather than fold the rest into an
    /// "other" group (whose figures would depend on which keys came first) or grow without
    /// bound (a group costs about 1 KB). Whether a run stops never depends on the threads.
    pub fn max_groups(mut self, groups: usize) -> Self {
        self.max_groups = groups.max(1);
        self
    }

    /// Bounds the memory that lines longer than [`HUGE_LINE_BYTES`] may take at once, in
    /// bytes (default [`default_max_memory`]). Such a line takes [`line_memory_estimate`] of
    /// it before being parsed (waiting while others hold it), so huge lines are parsed one or a
    /// few at a time whatever the thread count, while ordinary lines go on in parallel. A line
    /// whose estimate exceeds the whole budget is a bad line. Clones of an analyzer share
    /// its budget. Results never depend on it (only the bad lines do, through that limit).
    pub fn max_memory(mut self, bytes: u64) -> Self {
        self.budget = Arc::new(MemoryBudget::new(bytes));
        self
    }

    /// Groups streams by these dimensions.
    pub fn group_by(mut self, dims: Vec<Dimension>) -> Self {
        self.group_by = dims;
        self
    }

    /// Chooses the classification rules.
    pub fn classifier(mut self, classifier: Classifier) -> Self {
        self.classifier = classifier;
        self
    }

    /// Chooses what a bad line does.
    pub fn on_error(mut self, on_error: OnError) -> Self {
        self.on_error = on_error;
        self
    }

    /// Chooses how much of each document to read: [`Reading::Full`] validates every declared
    /// property (what `callq check` does).
    pub fn reading(mut self, reading: Reading) -> Self {
        self.reading = reading;
        self
    }

    /// Sets the target chunk size (results never depend on it).
    pub fn chunk_size(mut self, bytes: usize) -> Self {
        self.driver = self.driver.chunk_size(bytes);
        self
    }

    /// Sets the longest line read; a longer one is a bad line.
    pub fn max_line_bytes(mut self, bytes: usize) -> Self {
        self.max_line_bytes = bytes.max(1);
        self
    }

    /// How many bad lines [`Report::errors`] lists (default [`MAX_LISTED_ERRORS`]);
    /// `usize::MAX` lists every one (`callq --errors FILE`), at the cost of memory for each.
    pub fn listed_errors(mut self, n: usize) -> Self {
        self.listed_errors = n;
        self
    }

    fn accumulator(&self) -> Accumulator {
        Accumulator::listing(self.listed_errors)
    }

    /// Whether an unreadable input stops the run (`false`) or is reported and skipped (`true`,
    /// the default).
    pub fn keep_going_on_unreadable(mut self, keep_going: bool) -> Self {
        self.keep_going_on_unreadable = keep_going;
        self
    }

    /// Whether plain files are memory-mapped (`true`, the default) or streamed with `read`.
    /// Streaming is for files that may change while being read: a mapped file truncated by
    /// another process raises SIGBUS on Linux, a streamed one just ends early.
    pub fn mmap(mut self, mmap: bool) -> Self {
        self.mmap = mmap;
        self
    }

    /// Analyzes one in-memory input named `name`.
    pub fn analyze_bytes(&self, name: &str, data: &[u8]) -> Result<Report, RunError> {
        let mut total = self.accumulator();
        let result = self.run_buffer(name, data, &mut total, &Progress::default(), |_| {});
        self.budget.release_idle();
        result?;
        total.counts.files += 1;
        total.counts.bytes += data.len() as u64;
        Ok(self.finish(total, Vec::new()))
    }

    /// Analyzes command-line paths (files, directories, `-`), on the current rayon pool.
    pub fn analyze_paths(&self, args: &[String], progress: &Progress) -> Result<Report, RunError> {
        let found = discover(args);
        let mut unreadable = Vec::new();
        for e in found.errors {
            if !self.keep_going_on_unreadable {
                return Err(RunError::Input(e));
            }
            unreadable.push(UnreadableInput::from(&e));
        }
        self.analyze_inputs(&found.inputs, progress, unreadable)
    }

    /// Analyzes a list of inputs.
    pub fn analyze_inputs(
        &self,
        inputs: &[InputSource],
        progress: &Progress,
        mut unreadable: Vec<UnreadableInput>,
    ) -> Result<Report, RunError> {
        if !cfg!(feature = "compression")
            && let Some(input) = inputs
                .iter()
                .find(|i| i.compression() != crate::input::Compression::None)
        {
            return Err(RunError::FeatureMissing {
                input: input.name().to_owned(),
                feature: "compression",
            });
        }
        // Inputs are analyzed a file per task as well as a chunk per task: an archive of many
        // small daily files (plain or compressed) would otherwise keep one core busy. Results
        // merge in input order, as chunks do. After a failure (`--on-error fail`, or an
        // unreadable input when that stops the run) inputs after it are not started.
        let first_failure = AtomicUsize::new(usize::MAX);
        let outcome = inputs
            .par_iter()
            .enumerate()
            .map(|(k, input)| {
                if k > first_failure.load(Ordering::Relaxed) {
                    return InputOutcome::default();
                }
                let outcome = self.input_outcome(input, progress);
                if outcome.failure.is_some() {
                    first_failure.fetch_min(k, Ordering::Relaxed);
                }
                outcome
            })
            .reduce_with(|a, b| a.then(b, self.max_groups))
            .unwrap_or_default();
        self.budget.release_idle();
        if let Some(e) = outcome.failure {
            return Err(e);
        }
        unreadable.extend(outcome.unreadable);
        Ok(self.finish(outcome.acc, unreadable))
    }

    /// One input analyzed on its own, for merging in input order.
    fn input_outcome(&self, input: &InputSource, progress: &Progress) -> InputOutcome {
        let mut acc = self.accumulator();
        let mut outcome = InputOutcome::default();
        match self.run_input(input, &mut acc, progress) {
            Ok(()) => acc.counts.files += 1,
            Err(RunError::Input(e)) if self.keep_going_on_unreadable => {
                // Nothing of an input that could not be read to its end counts: a .gz whose
                // checksum fails at the end may have handed over corrupt lines, and a report
                // that counts part of a file while calling it unreadable contradicts itself.
                acc = self.accumulator();
                outcome.unreadable.push(UnreadableInput::from(&e))
            }
            Err(e) => outcome.failure = Some(e),
        }
        outcome.acc = acc;
        outcome
    }

    fn run_input(
        &self,
        input: &InputSource,
        total: &mut Accumulator,
        progress: &Progress,
    ) -> Result<(), RunError> {
        let name = input.name();
        let input_error = |source| {
            RunError::Input(crate::input::InputError {
                name: name.to_owned(),
                source,
            })
        };
        match input {
            // Only regular files with a size are mapped: a FIFO, a character device
            // (`/dev/zero`) or a /proc file (a regular file of size 0 that is not empty) has
            // no size to map and would be read whole into memory; streamed, it takes a few
            // blocks whatever its length. (An error from `metadata` is left to `map_file`,
            // which names it.)
            InputSource::File { path, .. }
                if self.mmap
                    && input.compression() == crate::input::Compression::None
                    && std::fs::metadata(path).map_or(true, |m| m.is_file() && m.len() > 0) =>
            {
                let bytes = map_file(path).map_err(input_error)?;
                self.run_buffer(name, &bytes, total, progress, |range| bytes.release(range))?;
                total.counts.bytes += bytes.len() as u64;
                Ok(())
            }
            _ => {
                // Progress counts a stream's bytes as stored (compressed, for .gz and .zst),
                // as they are read, so the position matches the files' sizes.
                let stream =
                    open_stream_counting(input, Some(&progress.bytes_done)).map_err(input_error)?;
                let bytes = self.run_stream(name, stream, total).map_err(|e| match e {
                    StreamError::Io(source) => input_error(source),
                    StreamError::Run(e) => e,
                })?;
                total.counts.bytes += bytes;
                Ok(())
            }
        }
    }

    /// Reads a stream on a thread of its own (so decompression and pipe reads overlap with
    /// parsing) in line-aligned blocks, and analyzes each block as it arrives, in order.
    /// Returns the bytes read.
    fn run_stream(
        &self,
        name: &str,
        stream: Box<dyn std::io::Read + Send + '_>,
        total: &mut Accumulator,
    ) -> Result<u64, StreamError> {
        let uncounted = Progress::default();
        enum Piece {
            Lines(Vec<u8>),
            Overlong { len: u64, newline: bool },
        }
        let block = self
            .driver
            .target_chunk_size()
            .saturating_mul(STREAM_BLOCK_CHUNKS);
        let max_line = self.max_line_bytes;
        std::thread::scope(|scope| {
            // One block in flight while one is analyzed; spent buffers come back for reuse.
            let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<std::io::Result<Piece>>(1);
            let (empty_tx, empty_rx) = std::sync::mpsc::channel::<Vec<u8>>();
            let reader = scope.spawn(move || {
                let mut reader = BlockReader::new(stream, block, max_line);
                loop {
                    let piece = match reader.next_block() {
                        Ok(None) => break,
                        Ok(Some(Block::Lines(data))) => {
                            let mut owned = empty_rx.try_recv().unwrap_or_default();
                            owned.clear();
                            owned.extend_from_slice(data);
                            Ok(Piece::Lines(owned))
                        }
                        Ok(Some(Block::Overlong { len, newline })) => {
                            Ok(Piece::Overlong { len, newline })
                        }
                        Err(e) => Err(std::io::Error::new(
                            e.kind(),
                            format!(
                                "{e} (reading stopped after byte {} of the decompressed \
                                 data; nothing of this input is counted)",
                                reader.bytes_read()
                            ),
                        )),
                    };
                    let failed = piece.is_err();
                    // A closed channel means the analysis stopped (a bad line under Fail).
                    if full_tx.send(piece).is_err() || failed {
                        break;
                    }
                }
                reader.bytes_read()
            });
            let mut pos = StreamPosition::default();
            for piece in full_rx {
                match piece.map_err(StreamError::Io)? {
                    Piece::Lines(data) => {
                        self.run_piece(name, &data, &mut pos, total, &uncounted, |_| {})
                            .map_err(StreamError::Run)?;
                        let _ = empty_tx.send(data);
                    }
                    Piece::Overlong { len, newline } => self
                        .overlong(name, len, newline, &mut pos, total, &uncounted)
                        .map_err(StreamError::Run)?,
                }
            }
            Ok(reader.join().unwrap_or(0))
        })
    }

    /// Reports a line longer than the limit, found (and skipped) before parsing.
    fn overlong(
        &self,
        name: &str,
        len: u64,
        newline: bool,
        pos: &mut StreamPosition,
        total: &mut Accumulator,
        progress: &Progress,
    ) -> Result<(), RunError> {
        let mut acc = self.accumulator();
        acc.counts.lines += 1;
        acc.bad_line(
            Position {
                file: name.to_owned(),
                line: pos.next_line,
                byte_offset: pos.base,
            },
            self.overlong_message(len),
        );
        pos.next_line += 1;
        pos.base += len + u64::from(newline);
        progress
            .bytes_done
            .fetch_add(len + u64::from(newline), Ordering::Relaxed);
        self.merge_checked(total, acc)
    }

    fn overlong_message(&self, len: u64) -> String {
        format!(
            "line of {len} bytes is longer than --max-line-bytes ({}); raise the limit to read it",
            self.max_line_bytes
        )
    }

    fn run_buffer(
        &self,
        name: &str,
        data: &[u8],
        total: &mut Accumulator,
        progress: &Progress,
        release: impl Fn(std::ops::Range<usize>),
    ) -> Result<(), RunError> {
        // Cut like a stream, so that a line longer than the limit is found while looking for
        // its end (its pages released as that goes) and never parsed nor held whole.
        let block = self
            .driver
            .target_chunk_size()
            .saturating_mul(MAPPED_PIECE_CHUNKS);
        let mut pieces = Pieces::new(data, block, self.max_line_bytes);
        let mut pos = StreamPosition::default();
        while let Some(piece) = pieces.next_piece(&release) {
            match piece {
                Piece::Lines(range) => {
                    let start = range.start;
                    self.run_piece(name, &data[range], &mut pos, total, progress, |r| {
                        release(start + r.start..start + r.end)
                    })?
                }
                Piece::Overlong { range, newline } => {
                    self.overlong(name, range.len() as u64, newline, &mut pos, total, progress)?
                }
            }
        }
        Ok(())
    }

    fn merge_checked(&self, total: &mut Accumulator, acc: Accumulator) -> Result<(), RunError> {
        if self.on_error == OnError::Fail
            && let Some(first) = acc.errors.first()
        {
            return Err(RunError::BadLine(first.clone()));
        }
        total.merge(acc);
        if total.groups.stats.len() > self.max_groups {
            return Err(RunError::TooManyGroups {
                limit: self.max_groups,
            });
        }
        Ok(())
    }

    fn run_piece(
        &self,
        name: &str,
        data: &[u8],
        pos: &mut StreamPosition,
        total: &mut Accumulator,
        progress: &Progress,
        release: impl Fn(std::ops::Range<usize>),
    ) -> Result<(), RunError> {
        let mut failed = None;
        let per_line = |scratch: &mut Scratch, acc: &mut Accumulator, line: Line<'_>| {
            self.line(name, scratch, acc, line);
        };
        self.driver.run_batches(
            data,
            pos,
            &Scratch::default,
            &|| self.accumulator(),
            &per_line,
            |range, acc| {
                progress
                    .bytes_done
                    .fetch_add((range.end - range.start) as u64, Ordering::Relaxed);
                release(range);
                if failed.is_none()
                    && let Err(e) = self.merge_checked(total, acc)
                {
                    failed = Some(e);
                }
            },
        );
        match failed {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn line(&self, name: &str, scratch: &mut Scratch, acc: &mut Accumulator, line: Line<'_>) {
        if line.is_blank() {
            return;
        }
        acc.counts.lines += 1;
        let position = || Position {
            file: name.to_owned(),
            line: line.number,
            byte_offset: line.offset,
        };
        if line.bytes.len() > self.max_line_bytes {
            acc.bad_line(position(), self.overlong_message(line.bytes.len() as u64));
            return;
        }
        let mut share = None;
        if line.bytes.len() > HUGE_LINE_BYTES {
            let need = line_memory_estimate(line.bytes);
            if need > self.budget.limit {
                acc.bad_line(position(), self.too_big_message(line.bytes.len(), need));
                return;
            }
            share = Some(self.budget.acquire(need));
        }
        let Scratch { parser, key, text } = scratch;
        // A huge line is parsed by the budget's parser, so this thread's stays small.
        let parser = match share.as_mut().and_then(|s| s.parser.as_mut()) {
            Some(p) => p,
            None => parser,
        };
        let rereads = parser.tape_rereads();
        let result: Result<(), DocumentError> = parser.parse(line.bytes, self.reading, |doc| {
            let doc = doc?;
            self.aggregate(&doc, acc, key, text);
            Ok(())
        });
        match result {
            Err(e) => acc.bad_line(position(), e.to_string()),
            Ok(()) => acc.counts.tape_rereads += parser.tape_rereads() - rereads,
        }
    }

    fn too_big_message(&self, len: usize, need: u64) -> String {
        format!(
            "line of {len} bytes needs about {} MiB to read, more than --max-memory ({} MiB); \
             raise the limit to read it",
            need.div_ceil(1 << 20),
            self.budget.limit >> 20
        )
    }

    fn aggregate(
        &self,
        doc: &Document<'_>,
        acc: &mut Accumulator,
        key: &mut Vec<u8>,
        text: &mut String,
    ) {
        acc.counts.documents += 1;
        for session in doc.sessions() {
            acc.counts.sessions += 1;
            for segment in session.segments {
                acc.counts.segments += 1;
                for media in segment.media {
                    acc.counts.media += 1;
                    if !self.statistics {
                        acc.counts.streams += media.streams.len() as u64;
                        continue;
                    }
                    for stream in media.streams {
                        acc.counts.streams += 1;
                        let ctx = StreamContext {
                            session,
                            segment,
                            media,
                            stream,
                        };
                        build_key(&self.group_by, &ctx, key, text);
                        let (quality, reasons) = classify(self.classifier, media.label, stream);
                        acc.groups.get(key).add(stream, quality, reasons);
                    }
                }
            }
        }
    }

    fn finish(&self, total: Accumulator, unreadable: Vec<UnreadableInput>) -> Report {
        let mut groups: Vec<GroupReport> = total
            .groups
            .stats
            .into_iter()
            .map(|(k, stats)| GroupReport {
                key: decode_key(&k),
                stats,
            })
            .collect();
        if self.group_by.is_empty() && groups.is_empty() {
            groups.push(GroupReport {
                key: Vec::new(),
                stats: GroupStats::new(),
            });
        }
        groups.sort_by(|a, b| a.key.cmp(&b.key));
        Report {
            input: total.counts,
            errors: total.errors,
            group_by: self.group_by.clone(),
            groups,
            unreadable,
            classifier: self.classifier,
        }
    }
}
