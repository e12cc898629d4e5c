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

use crate::buildings::Buildings;
use crate::classify::{Classifier, Quality, Reasons, classify};
use crate::dedupe::{DedupePlan, IdentityRecord, IdentityStore, SessionOrder, TempFile};
use crate::document::{LineParser, Reading};
use crate::framing::{Line, Position};
use crate::input::{InputSource, discover};
use crate::model::{Document, Endpoint, Media, MediaStream, Segment, Session};
use crate::parallel::{
    BatchSpan, InputOptions, InputStop, Merge, ParallelLines, Runs, SkipReason, SkippedUnit,
    SpanKind, StreamPosition,
};
use crate::stats::{MetricStats, ValueKind};

mod budget;
mod dimension;
mod filter;
mod group;
mod kept;
mod metric;

use budget::*;
pub use budget::{HUGE_LINE_BYTES, default_max_memory, line_memory_estimate};
use dimension::*;
pub use dimension::{Dimension, DimensionError, DimensionErrorKind, EndpointField, Side};
pub(crate) use dimension::{StreamContext, endpoint_value};
pub use filter::{Condition, Filter, parse_time};
pub(crate) use group::Accumulator;
use group::*;
pub use group::{BadLine, GroupStats, InputCounts, UnreadableInput};
use kept::*;
pub use metric::{METRICS, Metric, MetricValue, Unit};

/// How many bad lines a report lists (the rest are only counted).
pub const MAX_LISTED_ERRORS: usize = 100;

/// The default longest line read: 64 MiB. A 50 MB page is legal; anything longer is a bad line.
pub const DEFAULT_MAX_LINE_BYTES: usize = 64 << 20;

/// The default memory for session identities before they spill to disk
/// ([`Analyzer::dedupe_memory`]): 1 GiB.
pub const DEFAULT_DEDUPE_MEMORY: u64 = 1 << 30;

/// The default largest number of groups a run may make ([`Analyzer::max_groups`]).
pub const DEFAULT_MAX_GROUPS: usize = 1_000_000;

/// What one input (or a run of them, merged in order) produced.
#[derive(Default)]
struct InputOutcome {
    acc: Accumulator,
    unreadable: Vec<UnreadableInput>,
    /// The first failure in input order; nothing after it counts.
    failure: Option<RunError>,
    /// While deduplicating: where each input read can be read again.
    sources: Vec<(u32, Source)>,
    /// While deduplicating: inputs whose identities do not count (not read to their end).
    discarded: Vec<u32>,
}

/// The share of [`Analyzer::dedupe_memory`] past which kept batch accumulators are packed:
/// 1/64 (16 MiB of the default 1 GiB).
const KEPT_BATCHES_SHARE: u64 = 64;

/// The share of [`Analyzer::dedupe_memory`] past which packed batch accumulators merge into
/// coarser spans: 1/8 (128 MiB of the default 1 GiB). Session identities get the rest.
const KEPT_BATCHES_CAP: u64 = 8;

/// Shared state of pass 1 while deduplicating.
struct PassOne {
    store: Mutex<IdentityStore>,
    /// The batch accumulators kept so far, by every input.
    kept: Mutex<KeptParts>,
}

impl PassOne {
    fn kept(&self) -> std::sync::MutexGuard<'_, KeptParts> {
        self.kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Where an input's bytes can be read again.
enum Source {
    /// The file itself (a plain regular file).
    File {
        name: String,
        path: std::path::PathBuf,
    },
    /// Its decompressed bytes, spooled while read (compressed files, standard input, FIFOs).
    Spool { name: String, spool: TempFile },
}

impl Source {
    fn name(&self) -> &str {
        match self {
            Source::File { name, .. } | Source::Spool { name, .. } => name,
        }
    }
}

/// What the per-line closure does about duplicates.
#[derive(Clone, Copy)]
pub(crate) struct Dedupe<'p> {
    /// The input's index, in the order given.
    pub(crate) input: u32,
    /// Record the identity of each copy counted.
    pub(crate) collect: bool,
    /// Leave out the copies this plan drops.
    pub(crate) plan: Option<&'p DedupePlan>,
}

impl Dedupe<'_> {
    pub(crate) const OFF: Dedupe<'static> = Dedupe {
        input: 0,
        collect: false,
        plan: None,
    };
}

/// The outcomes of the inputs finished so far, each run of consecutive inputs merged into one
/// in input order.
#[derive(Default)]
struct Finished(Runs<InputOutcome>);

impl Finished {
    /// Adds input `k`'s outcome, merged with the runs just before and after it.
    fn add(&mut self, k: usize, outcome: InputOutcome, max_groups: usize) {
        self.0
            .add(k, outcome, |earlier, later| earlier.then(later, max_groups));
    }

    /// The outcome of every input, once all are added.
    fn into_outcome(self) -> InputOutcome {
        self.0.into_whole().unwrap_or_default()
    }
}

impl InputOutcome {
    /// `self` followed by `later`, in input order (associative, for an ordered reduce).
    /// Groups beyond `max_groups` make a failure (the number of groups of a merge of
    /// consecutive inputs only grows, so whether one is seen depends on the inputs only).
    fn then(mut self, later: InputOutcome, max_groups: usize) -> InputOutcome {
        if self.failure.is_none() {
            self.acc.merge(later.acc);
            self.unreadable.extend(later.unreadable);
            self.sources.extend(later.sources);
            self.discarded.extend(later.discarded);
            self.failure = later.failure;
            if self.failure.is_none() && self.acc.group_count() > max_groups {
                self.failure = Some(RunError::TooManyGroups { limit: max_groups });
            }
        }
        self
    }
}

/// Per-task scratch state: the line parser and the reusable key buffers.
#[derive(Default)]
pub(crate) struct Scratch {
    parser: LineParser,
    key: Vec<u8>,
    text: String,
}

/// One kept, unfiltered stream as the per-line pass meets it, with its context.
pub(crate) struct Seen<'r, 'a> {
    /// The record id and version of the record holding the session (see
    /// [`Document::sessions_with_record`]).
    pub(crate) record_id: Option<&'a str>,
    pub(crate) version: Option<i64>,
    /// The session's place in the input, and whether it has an identity (record id and
    /// session id): only then can it be a dropped copy.
    pub(crate) order: SessionOrder,
    pub(crate) identified: bool,
    pub(crate) ctx: StreamContext<'r, 'a>,
    /// The reasons of the classifier chosen ([`Analyzer::classifier`]).
    pub(crate) reasons: Reasons,
}

/// What a pass does with each kept, unfiltered stream: `analyze` adds it to its group
/// ([`Accumulator`]); `flatten` makes a row of it. Monomorphized, so the analyze pass costs
/// what it did before the trait existed.
pub(crate) trait Visit {
    /// The counts and bad lines of the chunk.
    fn acc(&mut self) -> &mut Accumulator;
    /// One stream (already counted in `acc().counts.streams`).
    fn stream(
        &mut self,
        analyzer: &Analyzer,
        seen: &Seen<'_, '_>,
        key: &mut Vec<u8>,
        text: &mut String,
    );
}

impl Visit for Accumulator {
    #[inline]
    fn acc(&mut self) -> &mut Accumulator {
        self
    }

    #[inline]
    fn stream(
        &mut self,
        analyzer: &Analyzer,
        seen: &Seen<'_, '_>,
        key: &mut Vec<u8>,
        text: &mut String,
    ) {
        build_key(
            &analyzer.group_by,
            &seen.ctx,
            analyzer.buildings.as_deref(),
            key,
            text,
        );
        if analyzer.main_metrics {
            self.groups
                .get(key)
                .add(seen.ctx.stream, seen.ctx.quality, seen.reasons);
        } else {
            self.groups
                .get_or(key, GroupStats::counts_only)
                .add_verdict(seen.ctx.quality, seen.reasons);
        }
    }
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
    /// Whether the run had a filter ([`Analyzer::filter`]): the JSON report then has
    /// `input.filteredStreams`.
    pub filtered: bool,
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
    pub(crate) on_error: OnError,
    reading: Reading,
    pub(crate) driver: ParallelLines,
    max_line_bytes: usize,
    pub(crate) keep_going_on_unreadable: bool,
    mmap: bool,
    listed_errors: usize,
    budget: Arc<MemoryBudget>,
    max_groups: usize,
    statistics: bool,
    filter: Filter,
    pub(crate) buildings: Option<Arc<Buildings>>,
    top: Option<(usize, u64)>,
    pub(crate) keep_duplicates: bool,
    pub(crate) dedupe_memory: u64,
    /// Whether the groups of `group_by` keep metric statistics (false only for a first
    /// grouping made with [`Grouping::counts`]).
    main_metrics: bool,
    /// The groupings after the first of a multi-grouping run.
    more: Vec<Grouping>,
    /// Whether every one of `more` is counts-only and the same for all streams of a media
    /// (then they are counted once per media).
    more_per_media: bool,
}

/// One grouping of a multi-grouping run ([`Analyzer::analyze_inputs_grouped`]): the
/// dimensions, as for [`Analyzer::group_by`], and whether its groups keep the metrics'
/// statistics or only the counts.
///
/// A counts-only grouping costs a key and a hash look-up per stream, not the 22 metric
/// sketches: its groups have [`GroupStats::metrics`] empty, and the streams, good, poor,
/// unclassified and poor-due-to counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grouping {
    /// The dimensions (none: one group of every stream).
    pub by: Vec<Dimension>,
    /// Whether the groups keep metric statistics.
    pub metrics: bool,
}

impl Grouping {
    /// A grouping with every statistic, as `callq analyze --by` makes.
    pub fn new(by: Vec<Dimension>) -> Self {
        Grouping { by, metrics: true }
    }

    /// A grouping of counts only (empty [`GroupStats::metrics`]).
    pub fn counts(by: Vec<Dimension>) -> Self {
        Grouping { by, metrics: false }
    }
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
            driver: ParallelLines::new()
                .chunk_relative_lines(true)
                .fold_chunks(true),
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            keep_going_on_unreadable: true,
            mmap: false,
            listed_errors: MAX_LISTED_ERRORS,
            budget: Arc::new(MemoryBudget::new(default_max_memory())),
            max_groups: DEFAULT_MAX_GROUPS,
            statistics: true,
            filter: Filter::new(),
            buildings: None,
            top: None,
            keep_duplicates: false,
            dedupe_memory: DEFAULT_DEDUPE_MEMORY,
            main_metrics: true,
            more: Vec::new(),
            more_per_media: false,
        }
    }

    /// Keeps only the streams that pass `filter`; the others are counted in
    /// [`InputCounts::filtered_streams`] and left out of every other figure (their sessions,
    /// segments and media still count).
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = filter;
        self
    }

    /// The building file behind the `caller.building` family of dimensions (without one,
    /// their value is always missing).
    pub fn buildings(mut self, buildings: Arc<Buildings>) -> Self {
        self.buildings = Some(buildings);
        self
    }

    /// Reports only the `n` groups with the highest poor rate among the groups with at least
    /// `min_streams` classified (good + poor) streams, ordered by poor rate descending, then
    /// streams descending, then key.
    pub fn top(mut self, n: usize, min_streams: u64) -> Self {
        self.top = Some((n, min_streams));
        self
    }

    /// Whether every copy of a session counts (`true`, `--keep-duplicates`) or only one copy
    /// of each identity (`false`, the default; see [`crate::dedupe`]): then each batch's
    /// accumulator is kept until every input is read, and the batches that held a dropped
    /// copy are recomputed without it. `callq check` keeps duplicates (it validates every line).
    pub fn keep_duplicates(mut self, keep: bool) -> Self {
        self.keep_duplicates = keep;
        self
    }

    /// The memory deduplication may hold, in bytes (default [`DEFAULT_DEDUPE_MEMORY`]): up to
    /// 1/8 of it for the batch accumulators kept for the second pass (past 1/64 they are
    /// packed, past 1/8 adjacent ones merge into coarser spans; pass 2 reads a span again whole
    /// when it holds a dropped copy among kept ones), the rest for
    /// session identities (40 bytes each) before they spill to temporary files. Results never
    /// depend on it.
    pub fn dedupe_memory(mut self, bytes: u64) -> Self {
        self.dedupe_memory = bytes;
        self
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

    pub(crate) fn accumulator(&self) -> Accumulator {
        let mut acc = Accumulator::listing(self.listed_errors);
        acc.more.resize_with(self.more.len(), Groups::default);
        acc
    }

    /// This analyzer set up to compute `groupings` (at least one) in one pass.
    fn for_groupings(&self, groupings: &[Grouping]) -> Analyzer {
        let mut run = self.clone();
        run.group_by = groupings[0].by.clone();
        run.main_metrics = groupings[0].metrics;
        run.more = groupings[1..].to_vec();
        run.more_per_media = !run.more.is_empty()
            && run
                .more
                .iter()
                .all(|g| !g.metrics && !g.by.iter().any(Dimension::per_stream));
        run.top = None;
        run
    }

    /// Whether an unreadable input stops the run (`false`) or is reported and skipped (`true`,
    /// the default).
    pub fn keep_going_on_unreadable(mut self, keep_going: bool) -> Self {
        self.keep_going_on_unreadable = keep_going;
        self
    }

    /// Memory-maps plain files instead of streaming them with `read` (the default), as the
    /// `callq` command does unless `--no-mmap`: no copy, and no reader thread.
    ///
    /// # Safety
    ///
    /// The caller promises that no input file is modified or truncated while the analyzer
    /// reads it (see [`map_file`](crate::input::map_file)). Streaming, the default, needs no
    /// such promise: a file that shrinks just ends early.
    pub unsafe fn memory_map(mut self) -> Self {
        self.mmap = true;
        self
    }

    /// Analyzes one in-memory input named `name`: a JSON text sequence when the name says so
    /// (`*.json`, or `-`), else NDJSON.
    pub fn analyze_bytes(&self, name: &str, data: &[u8]) -> Result<Report, RunError> {
        let total = self.run_bytes(name, data)?;
        Ok(self.finish(total, Vec::new()))
    }

    /// Analyzes one in-memory input as [`analyze_bytes`](Self::analyze_bytes) does, computing
    /// every grouping of `groupings` in the same pass: one report per grouping, in order (see
    /// [`analyze_inputs_grouped`](Self::analyze_inputs_grouped)).
    ///
    /// ```
    /// use callq::analyze::{Analyzer, Dimension, Grouping};
    ///
    /// let page = concat!(
    ///     r#"{"value":[{"startDateTime":"2026-11-02T09:00:00Z","segments":[{"media":["#,
    ///     r#"{"label":"main-audio","streams":[{"streamDirection":"callerToCallee","#,
    ///     r#""averageJitter":"PT0.045S","packetUtilization":900}]}]}]}]}"#,
    /// );
    /// let dims = |s: &str| s.split(',').map(|d| Dimension::parse(d).unwrap()).collect();
    /// let reports = Analyzer::new()
    ///     .analyze_bytes_grouped(
    ///         "page.ndjson",
    ///         page.as_bytes(),
    ///         &[Grouping::new(dims("day,label")), Grouping::counts(dims("direction"))],
    ///     )
    ///     .unwrap();
    /// assert_eq!(reports.len(), 2);
    /// assert_eq!(reports[0].groups[0].key, vec![Some("2026-11-02".into()), Some("main-audio".into())]);
    /// assert_eq!(reports[0].groups[0].stats.metrics.len(), 22);
    /// assert_eq!(reports[1].groups[0].key, vec![Some("callerToCallee".into())]);
    /// assert_eq!(reports[1].groups[0].stats.poor, 1);
    /// assert!(reports[1].groups[0].stats.metrics.is_empty()); // counts only
    /// ```
    pub fn analyze_bytes_grouped(
        &self,
        name: &str,
        data: &[u8],
        groupings: &[Grouping],
    ) -> Result<Vec<Report>, RunError> {
        if groupings.is_empty() {
            return Ok(Vec::new());
        }
        let run = self.for_groupings(groupings);
        let total = run.run_bytes(name, data)?;
        Ok(run.finish_grouped(total, Vec::new()))
    }

    fn run_bytes(&self, name: &str, data: &[u8]) -> Result<Accumulator, RunError> {
        let framing = crate::sequence::Framing::for_name(name);
        let pass = |dedupe: Dedupe<'_>| -> Result<Accumulator, RunError> {
            let mut total = self.accumulator();
            let per_line = |scratch: &mut Scratch, acc: &mut Accumulator, line: Line<'_>| {
                self.line(name, dedupe, scratch, acc, line)
            };
            let skipped = |o| self.skipped(name, o);
            let init = || self.accumulator();
            let on_batch = |acc| self.merge_checked(&mut total, acc);
            let result = self.driver.run_bytes(
                data,
                framing,
                self.input_options(),
                &Scratch::default,
                &init,
                &per_line,
                &skipped,
                on_batch,
            );
            self.budget.release_idle();
            result.map(|()| total)
        };
        let mut total = pass(Dedupe {
            collect: !self.keep_duplicates,
            ..Dedupe::OFF
        })?;
        if !self.keep_duplicates {
            // In memory, a second whole pass costs no I/O: recompute all when a copy drops.
            let plan = DedupePlan::from_records(std::mem::take(&mut total.identities));
            if !plan.is_empty() {
                total = pass(Dedupe {
                    plan: Some(&plan),
                    ..Dedupe::OFF
                })?;
            }
        }
        total.counts.files += 1;
        total.counts.bytes += data.len() as u64;
        Ok(total)
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
        unreadable: Vec<UnreadableInput>,
    ) -> Result<Report, RunError> {
        let (total, unreadable) = self.run_inputs(inputs, progress, unreadable)?;
        Ok(self.finish(total, unreadable))
    }

    /// Analyzes a list of inputs once, computing every grouping of `groupings` in that pass:
    /// one [`Report`] per grouping, in order, each what a run with
    /// [`group_by`](Self::group_by)`(grouping.by)` reports (the same input counts, bad lines and
    /// unreadable inputs in each), except that a [`Grouping::counts`] grouping keeps no metric
    /// statistics and [`top`](Self::top) is not applied. The analyzer's own
    /// [`group_by`](Self::group_by) is not used. [`max_groups`](Self::max_groups) bounds each
    /// grouping. An empty `groupings` reads nothing and returns no report.
    pub fn analyze_inputs_grouped(
        &self,
        inputs: &[InputSource],
        progress: &Progress,
        unreadable: Vec<UnreadableInput>,
        groupings: &[Grouping],
    ) -> Result<Vec<Report>, RunError> {
        if groupings.is_empty() {
            return Ok(Vec::new());
        }
        let run = self.for_groupings(groupings);
        let (total, unreadable) = run.run_inputs(inputs, progress, unreadable)?;
        Ok(run.finish_grouped(total, unreadable))
    }

    fn run_inputs(
        &self,
        inputs: &[InputSource],
        progress: &Progress,
        mut unreadable: Vec<UnreadableInput>,
    ) -> Result<(Accumulator, Vec<UnreadableInput>), RunError> {
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
        // Inputs are analyzed a file per thread as well as a chunk per task: an archive of many
        // small daily files (plain or compressed) would otherwise keep one core busy. Results
        // merge in input order, as chunks do. After a failure (`--on-error fail`, or an
        // unreadable input when that stops the run) inputs after it are not started.
        let first_failure = AtomicUsize::new(usize::MAX);
        let kept_budget = self.dedupe_memory / KEPT_BATCHES_SHARE;
        let kept_cap = self.dedupe_memory / KEPT_BATCHES_CAP;
        let store = (!self.keep_duplicates).then(|| PassOne {
            store: Mutex::new(IdentityStore::new(self.dedupe_memory - kept_cap)),
            kept: Mutex::new(KeptParts::new(kept_budget, kept_cap)),
        });
        // Each pool thread takes the next input in order, and each outcome merges with its
        // finished neighbours at once: at most about two inputs per thread hold an accumulator
        // (one being read, one finished before an earlier one). A parallel iterator's reduce
        // tree started inputs from the middle of the list and kept every finished half until
        // its sibling was done: `--keep-duplicates --by day,label` over 10 files of 219 MB
        // peaked at 233 MB at 2 threads, against 99 MB for the same bytes in one file.
        let next = AtomicUsize::new(0);
        let finished = Mutex::new(Finished::default());
        (0..rayon::current_num_threads())
            .into_par_iter()
            .for_each(|_| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(input) = inputs.get(k) else { break };
                    let outcome = if k > first_failure.load(Ordering::Relaxed) {
                        InputOutcome::default()
                    } else {
                        match &store {
                            Some(one) => self.input_parts(k as u32, input, progress, one),
                            None => self.input_outcome(input, progress),
                        }
                    };
                    if outcome.failure.is_some() {
                        first_failure.fetch_min(k, Ordering::Relaxed);
                    }
                    finished
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .add(k, outcome, self.max_groups);
                }
            });
        let outcome = finished
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .into_outcome();
        self.budget.release_idle();
        if let Some(e) = outcome.failure {
            return Err(e);
        }
        unreadable.extend(outcome.unreadable);
        let total = match store {
            Some(store) => self.second_pass(outcome.sources, &outcome.discarded, store)?,
            None => outcome.acc,
        };
        Ok((total, unreadable))
    }

    /// Pass 1 of one input while deduplicating: its batches' accumulators kept apart, their
    /// identities handed to `store`, and a spool of a streamed input for pass 2.
    fn input_parts(
        &self,
        k: u32,
        input: &InputSource,
        progress: &Progress,
        one: &PassOne,
    ) -> InputOutcome {
        let mut outcome = InputOutcome::default();
        let name = input.name();
        let source = match input {
            InputSource::File { path, .. }
                if input.compression() == crate::input::Compression::None
                    && std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() > 0) =>
            {
                Ok(Source::File {
                    name: name.to_owned(),
                    path: path.clone(),
                })
            }
            _ => TempFile::new("spool").map(|spool| Source::Spool {
                name: name.to_owned(),
                spool,
            }),
        };
        let source = match source {
            Ok(s) => s,
            Err(e) => {
                outcome.failure = Some(input_error(name, e));
                return outcome;
            }
        };
        let spool = match &source {
            Source::Spool { spool, .. } => Some(spool),
            Source::File { .. } => None,
        };
        let dedupe = Dedupe {
            input: k,
            collect: true,
            plan: None,
        };
        let result = self
            .driver
            .run_input_spans(
                input,
                self.input_options(),
                &progress.bytes_done,
                spool,
                (
                    &Scratch::default,
                    &|| self.accumulator(),
                    &|scratch: &mut Scratch, acc: &mut Accumulator, line: Line<'_>| {
                        self.line(name, dedupe, scratch, acc, line)
                    },
                    &|o| self.skipped(name, o),
                ),
                |span, mut acc: Accumulator| {
                    if self.on_error == OnError::Fail
                        && let Some(first) = acc.errors.first()
                    {
                        return Err(RunError::BadLine(first.clone()));
                    }
                    let identities = std::mem::take(&mut acc.identities);
                    let identified = identities.len() as u64;
                    one.store
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .extend(identities)
                        .map_err(|e| input_error("(session identities)", e))?;
                    one.kept()
                        .push(k, Part::new(vec![(k, span)], acc, identified));
                    Ok(())
                },
            )
            .map_err(|stop| match stop {
                InputStop::Io(source) => input_error(name, source),
                InputStop::Stopped(e) => e,
            });
        match result {
            Ok(bytes) => {
                let mut last = Part::new(Vec::new(), self.accumulator(), 0);
                last.files = 1;
                last.bytes = bytes;
                one.kept().seal(k, last);
                outcome.sources.push((k, source));
            }
            Err(e) => {
                // Nothing of it counts, nor drops another copy.
                one.kept().discard(k);
                outcome.discarded.push(k);
                match e {
                    RunError::Input(e) if self.keep_going_on_unreadable => {
                        outcome.unreadable.push(UnreadableInput::from(&e));
                    }
                    e => outcome.failure = Some(e),
                }
            }
        }
        outcome
    }

    /// The plan, the kept parts holding a dropped copy recomputed without it, and every part
    /// merged in input order.
    fn second_pass(
        &self,
        sources: Vec<(u32, Source)>,
        discarded: &[u32],
        one: PassOne,
    ) -> Result<Accumulator, RunError> {
        let mut parts = one
            .kept
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .into_parts();
        let store = one
            .store
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let plan = store
            .plan(|input| !discarded.contains(&input))
            .map_err(|e| input_error("(session identities)", e))?;
        let sources: HashMap<u32, Source> = sources.into_iter().collect();
        if !plan.is_empty() {
            parts
                .par_iter_mut()
                .try_for_each(|part| -> Result<(), RunError> {
                    let losers: u64 = part
                        .spans
                        .iter()
                        .filter(|(_, span)| span.kind != SpanKind::Skipped)
                        .map(|(k, span)| plan.losers_in(*k, span.range.clone()) as u64)
                        .sum();
                    if losers == 0 {
                        return Ok(());
                    }
                    let c = &mut part.acc.counts;
                    if losers == part.identified && c.unidentified_sessions == 0 {
                        // Every session of the part is a dropped copy (a day two exports
                        // hold): what is left of it is what sessions do not count, with no
                        // need to read it again.
                        c.duplicate_sessions += losers;
                        c.sessions = 0;
                        c.segments = 0;
                        c.media = 0;
                        c.streams = 0;
                        c.filtered_streams = 0;
                        part.acc.clear_groups();
                    } else {
                        part.acc = self.recompute(&sources, part, &plan)?;
                    }
                    part.packed = None;
                    Ok(())
                })?;
        }
        let mut total = self.accumulator();
        for part in parts {
            let (files, bytes) = (part.files, part.bytes);
            total.merge(part.into_acc());
            total.counts.files += files;
            total.counts.bytes += bytes;
            if total.group_count() > self.max_groups {
                return Err(RunError::TooManyGroups {
                    limit: self.max_groups,
                });
            }
        }
        Ok(total)
    }

    /// The batches of a kept part again, one after the other, leaving out the copies `plan`
    /// drops.
    fn recompute(
        &self,
        sources: &HashMap<u32, Source>,
        part: &Part,
        plan: &DedupePlan,
    ) -> Result<Accumulator, RunError> {
        let mut total = self.accumulator();
        for (k, span) in &part.spans {
            let source = &sources[k];
            let acc = match span.kind {
                // An over-long line: nothing was read, nothing to read again.
                SpanKind::Skipped => self.skipped(
                    source.name(),
                    SkippedUnit {
                        number: span.first_line,
                        offset: span.range.start,
                        len: span.range.end - span.range.start,
                        reason: SkipReason::TooLong,
                    },
                ),
                _ => self.recompute_span(source, *k, span, plan)?,
            };
            total.merge(acc);
        }
        Ok(total)
    }

    /// One batch of pass 1 again, leaving out the copies `plan` drops. The lines of an NDJSON
    /// batch are read again a few chunks at a time (cut at a newline), so that pass 2 holds
    /// little of the input at once; a sequence's batch is read whole (its units say where its
    /// documents are).
    fn recompute_span(
        &self,
        source: &Source,
        input: u32,
        span: &BatchSpan,
        plan: &DedupePlan,
    ) -> Result<Accumulator, RunError> {
        let name = source.name();
        let mut file = None;
        // One buffer for every piece read (see `read_range_into`).
        let mut bytes = Vec::new();
        let mut read = |range: std::ops::Range<u64>, buf: &mut Vec<u8>| -> Result<(), RunError> {
            match source {
                Source::File { path, .. } => {
                    if file.is_none() {
                        file = Some(std::fs::File::open(path));
                    }
                    match file.as_mut().expect("just opened") {
                        Ok(f) => crate::dedupe::read_range_into(f, range, buf),
                        Err(e) => Err(std::io::Error::new(e.kind(), e.to_string())),
                    }
                }
                Source::Spool { spool, .. } => spool.read_range_into(range, buf),
            }
            .map_err(|e| {
                input_error(
                    name,
                    std::io::Error::new(
                        e.kind(),
                        format!(
                            "{e} (reading it again to leave out duplicate sessions; did it \
                             change?)"
                        ),
                    ),
                )
            })
        };
        let dedupe = Dedupe {
            input,
            collect: false,
            plan: Some(plan),
        };
        let closures = (
            &Scratch::default,
            &|| self.accumulator(),
            &|scratch: &mut Scratch, acc: &mut Accumulator, line: Line<'_>| {
                self.line(name, dedupe, scratch, acc, line)
            },
            &|o| self.skipped(name, o),
        );
        // A plain file is mapped again when the run maps its inputs (the caller's promise that
        // it does not change while read covers both passes): its pages are read where they
        // are, not copied into `bytes` (2.6% of the CPU time of `--by day` over 2.2 GB with
        // nine overlaps, which reads 870 MB again), and handed back a chunk at a time. A file
        // now shorter than the span is read, which names the error.
        if let Source::File { path, .. } = source
            && self.mmap
            // SAFETY: `self.mmap` is set only by `Analyzer::memory_map`, whose caller promises
            // that no input changes while the run reads it; pass 2 is part of the run.
            && let Some(map) = unsafe { crate::input::map_file(path) }
                .ok()
                .filter(|m| m.len() as u64 >= span.range.end)
        {
            let (start, end) = (span.range.start as usize, span.range.end as usize);
            let total = self.driver.rerun_batch_releasing(
                &map[start..end],
                span,
                closures,
                &|r: std::ops::Range<usize>| map.release(start + r.start..start + r.end),
            );
            self.budget.release_idle();
            return Ok(total.unwrap_or_else(|| self.accumulator()));
        }
        let mut total = self.accumulator();
        if span.kind == SpanKind::Lines {
            let piece = (self.driver.target_chunk_size() as u64).saturating_mul(2);
            let mut pos = StreamPosition {
                next_line: span.first_line,
                base: span.range.start,
            };
            while pos.base < span.range.end {
                // Up to the last newline of the next piece (a longer line is read whole: lines
                // of a batch are within the line limit).
                let mut want = piece;
                loop {
                    let end = pos.base.saturating_add(want).min(span.range.end);
                    read(pos.base..end, &mut bytes)?;
                    if end == span.range.end {
                        break;
                    }
                    if let Some(nl) = memchr::memrchr(b'\n', &bytes) {
                        bytes.truncate(nl + 1);
                        break;
                    }
                    want = want.saturating_mul(2);
                }
                self.driver.run_batches(
                    &bytes,
                    &mut pos,
                    closures.0,
                    closures.1,
                    closures.2,
                    |_, acc| total.merge(acc),
                );
            }
        } else {
            read(span.range.clone(), &mut bytes)?;
            if let Some(acc) = self.driver.rerun_batch(&bytes, span, closures) {
                total = acc;
            }
        }
        self.budget.release_idle();
        Ok(total)
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
        let bytes = self
            .driver
            .run_input(
                input,
                self.input_options(),
                &progress.bytes_done,
                &Scratch::default,
                &|| self.accumulator(),
                &|scratch: &mut Scratch, acc: &mut Accumulator, line: Line<'_>| {
                    self.line(name, Dedupe::OFF, scratch, acc, line)
                },
                &|o| self.skipped(name, o),
                |acc| self.merge_checked(total, acc),
            )
            .map_err(|stop| match stop {
                InputStop::Io(source) => RunError::Input(crate::input::InputError {
                    name: name.to_owned(),
                    source,
                }),
                InputStop::Stopped(e) => e,
            })?;
        total.counts.bytes += bytes;
        Ok(())
    }

    pub(crate) fn input_options(&self) -> InputOptions {
        let options = InputOptions::new(self.max_line_bytes);
        if self.mmap {
            // SAFETY: `self.mmap` is set only by `memory_map`, whose caller promised that the
            // inputs do not change while read.
            unsafe { options.memory_map() }
        } else {
            options
        }
    }

    /// The accumulator of a line or document skipped before parsing: longer than the limit,
    /// or a structural problem of a JSON text sequence.
    pub(crate) fn skipped(&self, name: &str, unit: SkippedUnit) -> Accumulator {
        let mut acc = self.accumulator();
        acc.counts.lines += 1;
        let message = match unit.reason {
            SkipReason::TooLong => self.overlong_message(unit.len),
            SkipReason::Problem(message) => message,
        };
        acc.bad_line(
            Position {
                file: name.to_owned(),
                line: unit.number,
                byte_offset: unit.offset,
            },
            message,
        );
        acc
    }

    fn overlong_message(&self, len: u64) -> String {
        format!(
            "line of {len} bytes is longer than --max-line-bytes ({}); raise the limit to read it",
            self.max_line_bytes
        )
    }

    fn merge_checked(&self, total: &mut Accumulator, acc: Accumulator) -> Result<(), RunError> {
        if self.on_error == OnError::Fail
            && let Some(first) = acc.errors.first()
        {
            return Err(RunError::BadLine(first.clone()));
        }
        total.merge(acc);
        if total.group_count() > self.max_groups {
            return Err(RunError::TooManyGroups {
                limit: self.max_groups,
            });
        }
        Ok(())
    }

    pub(crate) fn line<V: Visit>(
        &self,
        name: &str,
        dedupe: Dedupe<'_>,
        scratch: &mut Scratch,
        visit: &mut V,
        line: Line<'_>,
    ) {
        if line.is_blank() {
            return;
        }
        let position = || Position {
            file: name.to_owned(),
            line: line.number,
            byte_offset: line.offset,
        };
        if line.bytes.len() > self.max_line_bytes {
            visit.acc().counts.lines += 1;
            visit
                .acc()
                .bad_line(position(), self.overlong_message(line.bytes.len() as u64));
            return;
        }
        let mut share = None;
        if line.bytes.len() > HUGE_LINE_BYTES {
            let need = line_memory_estimate(line.bytes);
            if need > self.budget.limit {
                visit.acc().counts.lines += 1;
                visit
                    .acc()
                    .bad_line(position(), self.too_big_message(line.bytes.len(), need));
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
        // One line is one document, except a `$batch` reply: one per entry.
        let mut bad = false;
        // Sessions are numbered across the entries of a `$batch` reply: (input, offset, index)
        // tells every copy apart.
        let mut index = 0u32;
        parser.parse_each(line.bytes, self.reading, |doc| {
            visit.acc().counts.lines += 1;
            match doc {
                Ok(doc) => {
                    let at = SessionOrder {
                        offset: line.offset,
                        input: dedupe.input,
                        index: 0,
                    };
                    self.aggregate(&doc, visit, key, text, dedupe, at, &mut index)
                }
                Err(e) => {
                    bad = true;
                    visit.acc().bad_line(position(), e.to_string())
                }
            }
        });
        if !bad {
            visit.acc().counts.tape_rereads += parser.tape_rereads() - rereads;
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

    #[allow(clippy::too_many_arguments)]
    fn aggregate<V: Visit>(
        &self,
        doc: &Document<'_>,
        visit: &mut V,
        key: &mut Vec<u8>,
        text: &mut String,
        dedupe: Dedupe<'_>,
        at: SessionOrder,
        index: &mut u32,
    ) {
        let acc = visit.acc();
        acc.counts.documents += 1;
        if let Document::Other(other) = doc {
            acc.counts.other_documents[other.kind as usize] += 1;
        }
        acc.counts.truncated_records += doc.truncated_records() as u64;
        let buildings = self.buildings.as_deref();
        for (record_id, version, session) in doc.sessions_with_record() {
            let order = SessionOrder {
                index: *index,
                ..at
            };
            *index += 1;
            let acc = visit.acc();
            let identified = match (record_id, session.id) {
                (Some(record_id), Some(session_id)) => {
                    if let Some(plan) = dedupe.plan
                        && plan.is_loser(&order)
                    {
                        acc.counts.duplicate_sessions += 1;
                        continue;
                    }
                    if dedupe.collect {
                        acc.identities
                            .push(IdentityRecord::new(record_id, session_id, version, order));
                    }
                    true
                }
                _ => {
                    acc.counts.unidentified_sessions += 1;
                    false
                }
            };
            acc.counts.sessions += 1;
            let session_kept = self.filter.session_passes(session);
            for segment in session.segments {
                visit.acc().counts.segments += 1;
                for media in segment.media {
                    let acc = visit.acc();
                    acc.counts.media += 1;
                    if !self.statistics {
                        acc.counts.streams += media.streams.len() as u64;
                        continue;
                    }
                    if !session_kept {
                        acc.counts.filtered_streams += media.streams.len() as u64;
                        continue;
                    }
                    // The verdicts of this media's streams, for the counts-only groupings whose
                    // key is the same for every stream of a media: one key and one look-up per
                    // media instead of per stream.
                    let mut per_media = GroupStats::counts_only();
                    let mut last_stream = None;
                    for stream in media.streams {
                        let (quality, reasons) = classify(self.classifier, media.label, stream);
                        let ctx = StreamContext {
                            session,
                            segment,
                            media,
                            stream,
                            quality,
                        };
                        if !self.filter.conditions().is_empty()
                            && !self.filter.stream_passes(&ctx, buildings, text)
                        {
                            visit.acc().counts.filtered_streams += 1;
                            continue;
                        }
                        visit.acc().counts.streams += 1;
                        let seen = Seen {
                            record_id,
                            version,
                            order,
                            identified,
                            ctx,
                            reasons,
                        };
                        visit.stream(self, &seen, key, text);
                        if self.more.is_empty() {
                            continue;
                        }
                        if self.more_per_media {
                            per_media.add_verdict(quality, reasons);
                            last_stream = Some(stream);
                            continue;
                        }
                        let acc = visit.acc();
                        for (grouping, groups) in self.more.iter().zip(acc.more.iter_mut()) {
                            build_key(&grouping.by, &seen.ctx, buildings, key, text);
                            if grouping.metrics {
                                groups.get(key).add(stream, quality, reasons);
                            } else {
                                groups
                                    .get_or(key, GroupStats::counts_only)
                                    .add_verdict(quality, reasons);
                            }
                        }
                    }
                    if let Some(stream) = last_stream {
                        // Any stream of the media gives the same keys.
                        let ctx = StreamContext {
                            session,
                            segment,
                            media,
                            stream,
                            quality: Quality::Unclassified,
                        };
                        let acc = visit.acc();
                        for (grouping, groups) in self.more.iter().zip(acc.more.iter_mut()) {
                            build_key(&grouping.by, &ctx, buildings, key, text);
                            groups
                                .get_or(key, GroupStats::counts_only)
                                .merge(&per_media);
                        }
                    }
                }
            }
        }
    }

    /// Releases the parsers kept for huge lines.
    pub(crate) fn release_idle(&self) {
        self.budget.release_idle();
    }

    pub(crate) fn finish(&self, total: Accumulator, unreadable: Vec<UnreadableInput>) -> Report {
        let mut groups = sorted_groups(total.groups, &self.group_by, self.main_metrics);
        if let Some((n, min_streams)) = self.top {
            groups = top_groups(groups, n, min_streams);
        }
        Report {
            input: total.counts,
            errors: total.errors,
            group_by: self.group_by.clone(),
            groups,
            unreadable,
            classifier: self.classifier,
            filtered: !self.filter.is_empty(),
        }
    }

    /// One report per grouping of a multi-grouping run.
    fn finish_grouped(
        &self,
        mut total: Accumulator,
        unreadable: Vec<UnreadableInput>,
    ) -> Vec<Report> {
        let mut more = std::mem::take(&mut total.more);
        more.resize_with(self.more.len(), Groups::default);
        let mut reports = Vec::with_capacity(1 + more.len());
        for (grouping, groups) in self.more.iter().zip(more) {
            reports.push(Report {
                input: total.counts,
                errors: total.errors.clone(),
                group_by: grouping.by.clone(),
                groups: sorted_groups(groups, &grouping.by, grouping.metrics),
                unreadable: unreadable.clone(),
                classifier: self.classifier,
                filtered: !self.filter.is_empty(),
            });
        }
        reports.insert(0, self.finish(total, unreadable));
        reports
    }
}

/// A grouping's groups, decoded and sorted by key; without dimensions, one group even when
/// no stream was read.
fn sorted_groups(groups: Groups, by: &[Dimension], metrics: bool) -> Vec<GroupReport> {
    let mut groups: Vec<GroupReport> = groups
        .stats
        .into_iter()
        .map(|(k, stats)| GroupReport {
            key: decode_key(&k),
            stats,
        })
        .collect();
    if by.is_empty() && groups.is_empty() {
        groups.push(GroupReport {
            key: Vec::new(),
            stats: if metrics {
                GroupStats::new()
            } else {
                GroupStats::counts_only()
            },
        });
    }
    // Keys are unique (one group per key), so an unstable sort gives the one order there is,
    // without the stable sort's scratch copies of every (large) group.
    groups.sort_unstable_by(|a, b| a.key.cmp(&b.key));
    groups
}

/// What an analyzer's options are, as a partial report records them (see [`crate::partial`]).
impl Analyzer {
    /// The options of this analyzer that a partial report records and that must match for
    /// partials to be merged: every option that can change the report.
    pub fn partial_options(&self) -> crate::partial::PartialOptions {
        crate::partial::PartialOptions {
            classifier: self.classifier,
            filter: self.filter.clone(),
            buildings: self.buildings.as_ref().map(|b| b.digest()),
            keep_duplicates: self.keep_duplicates,
            max_line_bytes: self.max_line_bytes as u64,
            max_groups: self.max_groups as u64,
        }
    }

    /// The grouping of this analyzer (its `--by` and `--top`) as a partial report records it.
    pub fn partial_grouping(&self) -> (Vec<Dimension>, Option<(usize, u64)>) {
        (self.group_by.clone(), self.top)
    }

    /// Every group, sorted by key, without `--top`: what a partial report holds.
    pub fn without_top(mut self) -> Self {
        self.top = None;
        self
    }
}

/// The `n` groups of highest poor rate among those with at least `min_streams` classified
/// streams, by poor rate descending, streams descending, then key (`groups` come sorted by
/// key, and the sort is stable). Only the kept groups are sorted.
pub(crate) fn top_groups(
    mut groups: Vec<GroupReport>,
    n: usize,
    min_streams: u64,
) -> Vec<GroupReport> {
    groups.retain(|g| g.stats.good + g.stats.poor >= min_streams);
    let order = |a: &GroupReport, b: &GroupReport| {
        // A group without classified streams (only with --min-streams 0) ranks last.
        let rate = |g: &GroupReport| g.stats.poor_rate().unwrap_or(-1.0);
        rate(b)
            .total_cmp(&rate(a))
            .then(b.stats.streams.cmp(&a.stats.streams))
            .then_with(|| a.key.cmp(&b.key))
    };
    if n == 0 {
        return Vec::new();
    }
    if groups.len() > n {
        groups.select_nth_unstable_by(n - 1, order);
        groups.truncate(n);
    }
    groups.sort_by(order);
    groups
}

fn input_error(name: &str, source: std::io::Error) -> RunError {
    RunError::Input(crate::input::InputError {
        name: name.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Input `k`'s outcome: one file counted, named in its unreadable list so that the order
    /// of the merge shows.
    fn outcome(k: usize) -> InputOutcome {
        let mut outcome = InputOutcome::default();
        outcome.acc.counts.files = 1;
        outcome.unreadable.push(UnreadableInput {
            file: k.to_string(),
            message: String::new(),
        });
        outcome
    }

    proptest! {
        /// Whatever order inputs finish in, their outcomes merge in input order, and finished
        /// inputs are held as few runs as the gaps between them allow.
        #[test]
        fn finished_inputs_merge_in_input_order(
            order in (1usize..16).prop_flat_map(|n| Just((0..n).collect::<Vec<_>>()).prop_shuffle())
        ) {
            let mut finished = Finished::default();
            for (added, &k) in order.iter().enumerate() {
                finished.add(k, outcome(k), usize::MAX);
                let mut done: Vec<usize> = order[..=added].to_vec();
                done.sort_unstable();
                let gaps = 1 + done.windows(2).filter(|w| w[1] != w[0] + 1).count();
                prop_assert_eq!(finished.0.runs(), gaps);
            }
            let all = finished.into_outcome();
            prop_assert_eq!(all.acc.counts.files, order.len() as u64);
            let names: Vec<String> = all.unreadable.iter().map(|u| u.file.clone()).collect();
            let want: Vec<String> = (0..order.len()).map(|k| k.to_string()).collect();
            prop_assert_eq!(names, want);
        }
    }

    /// A failure stops the merge there: nothing of a later input counts, whichever finished
    /// first.
    #[test]
    fn nothing_after_a_failure_counts() {
        let mut finished = Finished::default();
        for k in [4, 2, 0, 3, 1] {
            let mut o = outcome(k);
            if k == 2 {
                o.failure = Some(RunError::TooManyGroups { limit: 7 });
            }
            finished.add(k, o, usize::MAX);
        }
        let all = finished.into_outcome();
        assert_eq!(all.acc.counts.files, 3);
        assert!(matches!(
            all.failure,
            Some(RunError::TooManyGroups { limit: 7 })
        ));
    }
}
