//! Partial reports: an analyze run's whole mergeable state, written to bytes, read back and
//! merged, so that runs over parts of an archive (on many machines) give the report of one
//! run over all of it, byte for byte (`callq analyze --format partial`, `callq merge`).
//!
//! A [`Partial`] holds what [`Analyzer`](crate::analyze::Analyzer) knows at the end of a run,
//! before it renders a report: the input counts, the first bad lines and the total, the
//! unreadable inputs, and for each grouping every group's classification counts and every
//! metric's accumulator ([`MetricStats`]: exact counts, nulls,
//! extrema and sums, and the values themselves or a sketch), plus the options that must match
//! ([`PartialOptions`]). Statistics are functions of the multiset of values, so merging the
//! partials of inputs A, B, C in that order gives the state of one run over A B C; the counts
//! add, and the bad lines and unreadable inputs keep input order.
//!
//! The bytes are the format of `docs/partial-format.md`: a magic number, a format version
//! ([`FORMAT_VERSION`]), the length, a little-endian body and a CRC-32 over all of it. They
//! depend only on the state: not on the thread count, the platform or the order of merges.
//! Any damage (a changed byte, a truncation) is detected before anything is used.
//!
//! ```
//! use callq::analyze::{Analyzer, Dimension};
//! use callq::partial::Partial;
//!
//! let line = |jitter: &str| format!(
//!     r#"{{"value":[{{"segments":[{{"media":[{{"label":"main-audio","streams":[{{"averageJitter":"{jitter}"}}]}}]}}]}}]}}"#);
//! let (a, b) = (line("PT0.016S"), line("PT0.045S"));
//! let analyzer = Analyzer::new().group_by(vec![Dimension::parse("label").unwrap()]);
//! let part = |name: &str, text: &str| {
//!     let report = analyzer.analyze_bytes(name, text.as_bytes()).unwrap();
//!     Partial::from_report(report, analyzer.partial_options(), None, 0).to_bytes()
//! };
//! // Two runs (say, on two machines), each writing a partial...
//! let (pa, pb) = (part("a.ndjson", &a), part("b.ndjson", &b));
//! // ... read back and merged in input order, report what one run over both reports.
//! let mut merged = Partial::from_bytes(&pa).unwrap();
//! merged.merge(Partial::from_bytes(&pb).unwrap()).unwrap();
//! let merged = merged.into_report();
//! assert_eq!(merged.input.files, 2);
//! assert_eq!(merged.groups[0].stats.metrics.iter().map(|m| m.count()).sum::<u64>(), 2);
//! // Damage is detected.
//! let mut bad = pa.clone();
//! bad[30] ^= 1;
//! assert!(Partial::from_bytes(&bad).is_err());
//! assert!(Partial::from_bytes(&pa[..pa.len() - 1]).is_err());
//! ```

use std::collections::BTreeMap;
use std::fmt;

use crate::analyze::{
    BadLine, Condition, Dimension, Filter, GroupReport, GroupStats, InputCounts, MAX_LISTED_ERRORS,
    METRICS, Report, UnreadableInput,
};
use crate::classify::Classifier;
use crate::framing::Position;
use crate::html::{ReportOptions, TimeUnit};
use crate::stats::{DECODE_BUCKETS_BASE, MetricStats};

pub(crate) mod codec;
pub use codec::DecodeError;
use codec::{Reader, Writer};

/// The first 8 bytes of every partial: a byte with the high bit set (catches transfers that
/// strip it), `CQPART`, and a newline (catches newline conversions).
pub const MAGIC: [u8; 8] = *b"\x89CQPART\n";

/// The format version this build writes and the only one it reads (2: groupings may keep
/// counts only, and a partial of `callq report` records the report's options).
pub const FORMAT_VERSION: u16 = 2;

/// Magic, version, flags, body length.
const HEADER_LEN: usize = 8 + 2 + 2 + 8;
/// The CRC-32.
const TRAILER_LEN: usize = 4;

/// The 64-bit FNV-1a digest of `bytes` (not a cryptographic hash): what a partial records of
/// the building file ([`crate::buildings::Buildings::digest`]).
///
/// ```
/// assert_eq!(callq::partial::digest(b""), 0xcbf2_9ce4_8422_2325);
/// assert_ne!(callq::partial::digest(b"a"), callq::partial::digest(b"b"));
/// ```
pub fn digest(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The options of a run that a partial records and that must be equal in every partial of a
/// merge: each of them can change the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartialOptions {
    /// `--classifier`.
    pub classifier: Classifier,
    /// `--since`, `--until`, `--where`.
    pub filter: Filter,
    /// The digest of the `--buildings` file, if any.
    pub buildings: Option<u64>,
    /// `--keep-duplicates`.
    pub keep_duplicates: bool,
    /// `--max-line-bytes` (decides which lines are bad).
    pub max_line_bytes: u64,
    /// `--max-groups` (decides whether there is a report).
    pub max_groups: u64,
}

/// One grouping of a partial: its dimensions, its `--top`, whether its groups keep metric
/// statistics, and every group (all of them, `--top` is applied when the report is made).
#[derive(Clone, Debug)]
pub struct Grouping {
    /// The `--by` dimensions.
    pub by: Vec<Dimension>,
    /// `--top N` and `--min-streams M`.
    pub top: Option<(usize, u64)>,
    /// Whether the groups keep every metric's statistics ([`analyze::Grouping::new`]) or
    /// counts only ([`analyze::Grouping::counts`]: [`GroupStats::metrics`] empty).
    ///
    /// [`analyze::Grouping::new`]: crate::analyze::Grouping::new
    /// [`analyze::Grouping::counts`]: crate::analyze::Grouping::counts
    pub metrics: bool,
    /// Every group by key (`None` first, then strings in byte order: the report's order).
    pub groups: BTreeMap<Vec<Option<String>>, GroupStats>,
}

/// An analyze run's mergeable state (see the [module docs](self)).
///
/// `callq analyze` makes one grouping; the format holds any number, so that a run computing
/// several groupings in one pass can be written and merged too (all partials of a merge must
/// have the same groupings). `callq report --format partial` writes the groupings of
/// [`ReportOptions::groupings`] and the report's options ([`Partial::report`]), so that
/// merged partials render the same HTML report as one `callq report` run.
#[derive(Clone, Debug)]
pub struct Partial {
    /// The options that must match.
    pub options: PartialOptions,
    /// What was read.
    pub input: InputCounts,
    /// The first bad lines in input order ([`MAX_LISTED_ERRORS`] at most; the total is
    /// `input.bad_lines`).
    pub errors: Vec<BadLine>,
    /// Inputs found unreadable before reading started (a path that does not exist, ...).
    pub unreadable_found: Vec<UnreadableInput>,
    /// Inputs that could not be read to their end.
    pub unreadable_read: Vec<UnreadableInput>,
    /// The groupings.
    pub groupings: Vec<Grouping>,
    /// The HTML report's options, in a partial of `callq report` (its groupings are then
    /// exactly [`ReportOptions::groupings`]); `None` in a partial of `callq analyze`.
    pub report: Option<ReportOptions>,
}

/// Why bytes are not a usable partial.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PartialError {
    /// The bytes do not start with [`MAGIC`].
    NotAPartial,
    /// Fewer bytes than the header says.
    Truncated {
        /// Bytes the header announces (or the header's own length).
        expected: u64,
        /// Bytes there are.
        found: u64,
    },
    /// More bytes than the header says.
    TrailingBytes {
        /// Bytes the header announces.
        expected: u64,
        /// Bytes there are.
        found: u64,
    },
    /// The CRC-32 does not match: the bytes were changed.
    Checksum,
    /// Another format version.
    Version {
        /// The version found.
        found: u16,
    },
    /// The checksum matches but the content is not a valid state.
    Damaged(DecodeError),
}

impl fmt::Display for PartialError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartialError::NotAPartial => write!(
                f,
                "not a callq partial report (it does not start with the partial format's magic \
                 number; make partials with `callq analyze --format partial --output FILE`)"
            ),
            PartialError::Truncated { expected, found } => write!(
                f,
                "truncated partial report: {found} bytes of the {expected} it should have \
                 (copy it again)"
            ),
            PartialError::TrailingBytes { expected, found } => write!(
                f,
                "damaged partial report: {found} bytes where it should have {expected}"
            ),
            PartialError::Checksum => write!(
                f,
                "damaged partial report: its CRC-32 does not match its bytes (copy it again)"
            ),
            PartialError::Version { found } => write!(
                f,
                "partial report of format version {found}; this callq reads version \
                 {FORMAT_VERSION} only (make and merge partials with the same callq release)"
            ),
            PartialError::Damaged(e) => write!(f, "damaged partial report: {e}"),
        }
    }
}

impl std::error::Error for PartialError {}

/// Why two partials cannot be merged.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MergeError {
    /// An option differs.
    Mismatch {
        /// The option (`--by`, `--classifier`, ...).
        option: &'static str,
        /// Its value in the partials merged so far.
        expected: String,
        /// Its value in this one.
        found: String,
    },
    /// The merged groups of a grouping are more than `--max-groups`.
    TooManyGroups {
        /// The limit.
        limit: u64,
    },
    /// A count would overflow 64 bits.
    TooLarge,
}

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MergeError::Mismatch {
                option,
                expected,
                found,
            } => write!(
                f,
                "made with {option} {found}, but the partials before it with {option} \
                 {expected}: partials merge only when made with the same options"
            ),
            MergeError::TooManyGroups { limit } => write!(
                f,
                "more than {limit} groups: the --by dimensions split the streams too finely \
                 (make the partials with a higher --max-groups, or group by fewer dimensions)"
            ),
            MergeError::TooLarge => write!(f, "the merged counts overflow 64 bits"),
        }
    }
}

impl std::error::Error for MergeError {}

/// The input counts in format order: the one list behind encoding, decoding and merging.
fn count_fields(c: &mut InputCounts) -> [&mut u64; 20] {
    let [o0, o1, o2, o3, o4, o5] = &mut c.other_documents;
    [
        &mut c.files,
        &mut c.bytes,
        &mut c.lines,
        &mut c.bad_lines,
        &mut c.documents,
        &mut c.sessions,
        &mut c.segments,
        &mut c.media,
        &mut c.streams,
        &mut c.filtered_streams,
        &mut c.tape_rereads,
        o0,
        o1,
        o2,
        o3,
        o4,
        o5,
        &mut c.truncated_records,
        &mut c.duplicate_sessions,
        &mut c.unidentified_sessions,
    ]
}

fn classifier_code(c: Classifier) -> u8 {
    match c {
        Classifier::Current => 0,
        Classifier::Cqd2020 => 1,
    }
}

fn classifier_name(c: Classifier) -> &'static str {
    match c {
        Classifier::Current => "current",
        Classifier::Cqd2020 => "cqd-2020",
    }
}

fn dims_text(by: &[Dimension]) -> String {
    let names: Vec<String> = by.iter().map(|d| d.name()).collect();
    if names.is_empty() {
        "(none)".into()
    } else {
        names.join(",")
    }
}

fn filter_text(f: &Filter) -> String {
    let mut parts = Vec::new();
    if let Some(t) = f.since_time() {
        parts.push(format!("--since {t}"));
    }
    if let Some(t) = f.until_time() {
        parts.push(format!("--until {t}"));
    }
    for c in f.conditions() {
        let values: Vec<&str> = c
            .values
            .iter()
            .map(|v| v.as_deref().unwrap_or("null"))
            .collect();
        parts.push(format!(
            "--where {}={}",
            c.dimension.name(),
            values.join(",")
        ));
    }
    if parts.is_empty() {
        "(none)".into()
    } else {
        parts.join(" ")
    }
}

fn top_text(top: Option<(usize, u64)>) -> String {
    match top {
        None => "(none)".into(),
        Some((n, m)) => format!("{n} --min-streams {m}"),
    }
}

/// The report options of a partial as `callq report` flags, or what made it.
fn report_text(r: Option<&ReportOptions>) -> String {
    match r {
        None => "(none: a partial of callq analyze)".into(),
        Some(r) => {
            let mut t = format!(
                "--by-time {} --min-streams {}",
                r.time.name(),
                r.min_streams
            );
            if r.buildings {
                t.push_str(" --buildings");
            }
            let d = ReportOptions::default();
            if (r.worst, r.max_bars) != (d.worst, d.max_bars) {
                t.push_str(&format!(" (worst {}, bars {})", r.worst, r.max_bars));
            }
            t
        }
    }
}

fn time_code(t: TimeUnit) -> u8 {
    match t {
        TimeUnit::Day => 0,
        TimeUnit::Week => 1,
        TimeUnit::Month => 2,
    }
}

impl Partial {
    /// The state of a finished run: `report` must come from an analyzer run without `--top`
    /// ([`Analyzer::without_top`](crate::analyze::Analyzer::without_top): every group),
    /// `options` from [`Analyzer::partial_options`](crate::analyze::Analyzer::partial_options),
    /// `top` is the `--top` to apply when the report is made, and the first `found_unreadable`
    /// of `report.unreadable` are the inputs found unreadable before reading started (the
    /// others failed while read). Bad lines past [`MAX_LISTED_ERRORS`] are dropped (they are
    /// counted in `input.bad_lines`).
    pub fn from_report(
        report: Report,
        options: PartialOptions,
        top: Option<(usize, u64)>,
        found_unreadable: usize,
    ) -> Partial {
        let mut partial = Partial::from_reports(
            vec![report],
            &[crate::analyze::Grouping::new(Vec::new())],
            options,
            found_unreadable,
        );
        partial.groupings[0].top = top;
        partial
    }

    /// The state of a finished multi-grouping run
    /// ([`Analyzer::analyze_inputs_grouped`](crate::analyze::Analyzer::analyze_inputs_grouped)):
    /// `reports` holds one report per grouping, in the order of `groupings` (which says which
    /// keep metric statistics; their dimensions are the reports'), without `--top`. `options`
    /// and `found_unreadable` are as for [`from_report`](Self::from_report). The input counts,
    /// bad lines and unreadable inputs are the first report's (a one-pass run gives every
    /// report the same).
    ///
    /// # Panics
    /// When `reports` is empty or is not as long as `groupings`.
    pub fn from_reports(
        reports: Vec<Report>,
        groupings: &[crate::analyze::Grouping],
        options: PartialOptions,
        found_unreadable: usize,
    ) -> Partial {
        assert!(
            !reports.is_empty() && reports.len() == groupings.len(),
            "one report per grouping"
        );
        let mut reports = reports.into_iter();
        let first = reports.next().expect("checked");
        let mut unreadable_found = first.unreadable;
        let unreadable_read =
            unreadable_found.split_off(found_unreadable.min(unreadable_found.len()));
        let mut errors = first.errors;
        errors.truncate(MAX_LISTED_ERRORS);
        let grouping = |r_by: Vec<Dimension>, groups: Vec<GroupReport>, metrics: bool| Grouping {
            by: r_by,
            top: None,
            metrics,
            groups: groups.into_iter().map(|g| (g.key, g.stats)).collect(),
        };
        let mut all = vec![grouping(first.group_by, first.groups, groupings[0].metrics)];
        for (r, g) in reports.zip(&groupings[1..]) {
            all.push(grouping(r.group_by, r.groups, g.metrics));
        }
        Partial {
            options,
            input: first.input,
            errors,
            unreadable_found,
            unreadable_read,
            groupings: all,
            report: None,
        }
    }

    /// What `callq report --format partial` writes: the state of a run of
    /// [`ReportOptions::groupings`] (`reports` as [`Analyzer::analyze_inputs_grouped`] returns
    /// them) with the report's options, so that [`into_html_data`](Self::into_html_data) of
    /// merged partials gives the report of one run over all their inputs.
    ///
    /// [`Analyzer::analyze_inputs_grouped`]: crate::analyze::Analyzer::analyze_inputs_grouped
    ///
    /// ```
    /// use callq::analyze::Analyzer;
    /// use callq::html::{ReportOptions, render};
    /// use callq::partial::Partial;
    ///
    /// let line = |day: &str| format!(concat!(
    ///     r#"{{"value":[{{"startDateTime":"2026-11-0{}T09:00:00Z","segments":[{{"media":["#,
    ///     r#"{{"label":"main-audio","streams":[{{"averageJitter":"PT0.045S","packetUtilization":900}}]}}]}}]}}]}}"#),
    ///     day);
    /// let (a, b) = (line("2"), line("3"));
    /// let options = ReportOptions { min_streams: 1, ..ReportOptions::default() };
    /// let analyzer = Analyzer::new();
    /// let part = |name: &str, text: &str| {
    ///     let reports = analyzer
    ///         .analyze_bytes_grouped(name, text.as_bytes(), &options.groupings())
    ///         .unwrap();
    ///     Partial::for_html_report(reports, &options, analyzer.partial_options(), 0).to_bytes()
    /// };
    /// let mut merged = Partial::from_bytes(&part("a.ndjson", &a)).unwrap();
    /// merged.merge(Partial::from_bytes(&part("b.ndjson", &b)).unwrap()).unwrap();
    /// let data = merged.into_html_data().unwrap();
    /// assert_eq!((data.input.files, data.trend.len()), (2, 2)); // two files, two days
    /// assert_eq!(data.kinds[0].counts.poor, 2); // two audio streams with 45 ms of jitter
    /// assert!(render(&data).starts_with("<!DOCTYPE html>"));
    ///
    /// // A partial of `callq analyze` lacks the report's groupings.
    /// let report = analyzer.analyze_bytes("a.ndjson", a.as_bytes()).unwrap();
    /// let plain = Partial::from_report(report, analyzer.partial_options(), None, 0);
    /// assert!(plain.into_html_data().is_none());
    /// ```
    pub fn for_html_report(
        reports: Vec<Report>,
        report: &ReportOptions,
        options: PartialOptions,
        found_unreadable: usize,
    ) -> Partial {
        let mut partial =
            Partial::from_reports(reports, &report.groupings(), options, found_unreadable);
        partial.report = Some(report.clone());
        partial
    }

    /// The summary of the HTML report of a partial of `callq report` (made by
    /// [`for_html_report`](Self::for_html_report), merged or not), ready for
    /// [`render`](crate::html::render); `None` for a partial of `callq analyze`, which lacks
    /// the report's groupings.
    pub fn into_html_data(self) -> Option<crate::html::ReportData> {
        let options = self.report.clone()?;
        let reports = self.into_reports();
        crate::html::ReportData::from_reports(&reports, &options).ok()
    }

    /// The report of the first grouping, as `callq analyze` would render it (its `--top`
    /// applied).
    pub fn into_report(self) -> Report {
        self.into_reports()
            .into_iter()
            .next()
            .expect("a partial has a grouping")
    }

    /// The report of every grouping, in order.
    pub fn into_reports(self) -> Vec<Report> {
        let filtered = !self.options.filter.is_empty();
        let mut unreadable = self.unreadable_found;
        unreadable.extend(self.unreadable_read);
        self.groupings
            .into_iter()
            .map(|g| {
                let mut groups: Vec<GroupReport> = g
                    .groups
                    .into_iter()
                    .map(|(key, stats)| GroupReport { key, stats })
                    .collect();
                if let Some((n, min_streams)) = g.top {
                    groups = crate::analyze::top_groups(groups, n, min_streams);
                }
                Report {
                    input: self.input,
                    errors: self.errors.clone(),
                    group_by: g.by,
                    groups,
                    unreadable: unreadable.clone(),
                    classifier: self.options.classifier,
                    filtered,
                }
            })
            .collect()
    }

    /// Folds `later` (the partial of inputs that come after this one's) into this one: the
    /// state of one run over this partial's inputs and then `later`'s. Fails, leaving `self`
    /// unchanged, when an option or a grouping differs, when the merged groups are more than
    /// `--max-groups`, or when a count would overflow.
    pub fn merge(&mut self, later: Partial) -> Result<(), MergeError> {
        let mismatch = |option, expected: String, found: String| MergeError::Mismatch {
            option,
            expected,
            found,
        };
        let (a, b) = (&self.options, &later.options);
        if a.classifier != b.classifier {
            return Err(mismatch(
                "--classifier",
                classifier_name(a.classifier).into(),
                classifier_name(b.classifier).into(),
            ));
        }
        if a.filter != b.filter {
            return Err(mismatch(
                "filters",
                filter_text(&a.filter),
                filter_text(&b.filter),
            ));
        }
        if a.buildings != b.buildings {
            let text = |d: Option<u64>| match d {
                None => "(none)".to_string(),
                Some(d) => format!("of digest {d:016x}"),
            };
            return Err(mismatch(
                "--buildings",
                text(a.buildings),
                text(b.buildings),
            ));
        }
        if a.keep_duplicates != b.keep_duplicates {
            let text = |k: bool| if k { "given" } else { "not given" }.to_string();
            return Err(mismatch(
                "--keep-duplicates",
                text(a.keep_duplicates),
                text(b.keep_duplicates),
            ));
        }
        if a.max_line_bytes != b.max_line_bytes {
            return Err(mismatch(
                "--max-line-bytes",
                a.max_line_bytes.to_string(),
                b.max_line_bytes.to_string(),
            ));
        }
        if a.max_groups != b.max_groups {
            return Err(mismatch(
                "--max-groups",
                a.max_groups.to_string(),
                b.max_groups.to_string(),
            ));
        }
        if self.report != later.report {
            return Err(mismatch(
                "report options",
                report_text(self.report.as_ref()),
                report_text(later.report.as_ref()),
            ));
        }
        if self.groupings.len() != later.groupings.len() {
            return Err(mismatch(
                "groupings",
                self.groupings.len().to_string(),
                later.groupings.len().to_string(),
            ));
        }
        for (g, h) in self.groupings.iter().zip(&later.groupings) {
            if g.by != h.by {
                return Err(mismatch("--by", dims_text(&g.by), dims_text(&h.by)));
            }
            if g.top != h.top {
                return Err(mismatch("--top", top_text(g.top), top_text(h.top)));
            }
            if g.metrics != h.metrics {
                let text = |m: bool| if m { "every statistic" } else { "counts only" }.to_string();
                return Err(mismatch(
                    "a grouping's statistics",
                    text(g.metrics),
                    text(h.metrics),
                ));
            }
        }
        // Counts first (checked, so that no figure below can overflow: each is bounded by
        // a partial's streams or lines), then the groups.
        let mut input = self.input;
        let mut theirs = later.input;
        for (x, y) in count_fields(&mut input)
            .into_iter()
            .zip(count_fields(&mut theirs))
        {
            *x = x.checked_add(*y).ok_or(MergeError::TooLarge)?;
        }
        for (g, h) in self.groupings.iter().zip(&later.groupings) {
            let new = h
                .groups
                .keys()
                .filter(|k| !g.groups.contains_key(*k))
                .count();
            if (g.groups.len() + new) as u64 > self.options.max_groups {
                return Err(MergeError::TooManyGroups {
                    limit: self.options.max_groups,
                });
            }
        }
        self.input = input;
        let room = MAX_LISTED_ERRORS.saturating_sub(self.errors.len());
        self.errors.extend(later.errors.into_iter().take(room));
        self.unreadable_found.extend(later.unreadable_found);
        self.unreadable_read.extend(later.unreadable_read);
        for (g, h) in self.groupings.iter_mut().zip(later.groupings) {
            for (key, stats) in h.groups {
                match g.groups.entry(key) {
                    std::collections::btree_map::Entry::Occupied(mut e) => {
                        e.get_mut().merge(&stats)
                    }
                    std::collections::btree_map::Entry::Vacant(e) => {
                        e.insert(stats);
                    }
                }
            }
        }
        Ok(())
    }

    /// The partial in the format of `docs/partial-format.md`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        self.encode_body(&mut w);
        Partial::frame(FORMAT_VERSION, &w.buf)
    }

    fn encode_body(&self, w: &mut Writer) {
        let o = &self.options;
        w.u8(classifier_code(o.classifier));
        w.bool(o.keep_duplicates);
        w.uvar(o.max_line_bytes);
        w.uvar(o.max_groups);
        w.bool(o.buildings.is_some());
        if let Some(d) = o.buildings {
            w.u64_le(d);
        }
        w.opt_str(o.filter.since_time().map(|t| t.to_string()).as_deref());
        w.opt_str(o.filter.until_time().map(|t| t.to_string()).as_deref());
        w.uvar(o.filter.conditions().len() as u64);
        for c in o.filter.conditions() {
            w.str(&c.dimension.name());
            w.uvar(c.values.len() as u64);
            for v in &c.values {
                w.opt_str(v.as_deref());
            }
        }
        let mut input = self.input;
        for v in count_fields(&mut input) {
            w.uvar(*v);
        }
        w.uvar(self.errors.len() as u64);
        for e in &self.errors {
            w.str(&e.position.file);
            w.uvar(e.position.line);
            w.uvar(e.position.byte_offset);
            w.str(&e.message);
        }
        for list in [&self.unreadable_found, &self.unreadable_read] {
            w.uvar(list.len() as u64);
            for u in list {
                w.str(&u.file);
                w.str(&u.message);
            }
        }
        w.uvar(self.groupings.len() as u64);
        for g in &self.groupings {
            w.uvar(g.by.len() as u64);
            for d in &g.by {
                w.str(&d.name());
            }
            w.bool(g.top.is_some());
            if let Some((n, m)) = g.top {
                w.uvar(n as u64);
                w.uvar(m);
            }
            w.uvar(g.groups.len() as u64);
            w.uvar(if g.metrics { METRICS.len() as u64 } else { 0 });
            for (key, s) in &g.groups {
                for v in key {
                    w.opt_str(v.as_deref());
                }
                encode_group_stats(w, s);
            }
        }
        w.bool(self.report.is_some());
        if let Some(r) = &self.report {
            w.u8(time_code(r.time));
            w.uvar(r.min_streams);
            w.uvar(r.worst as u64);
            w.uvar(r.max_bars as u64);
        }
    }

    /// `body` framed as a partial of format `version`: header, body and CRC-32. For tools
    /// and tests that craft partials (the fuzz target hands arbitrary bodies to
    /// [`from_bytes`](Self::from_bytes) this way); [`to_bytes`](Self::to_bytes) is
    /// `frame(FORMAT_VERSION, body)`.
    ///
    /// ```
    /// use callq::partial::{FORMAT_VERSION, Partial, PartialError};
    /// let framed = Partial::frame(FORMAT_VERSION, b"\x07");
    /// assert!(matches!(Partial::from_bytes(&framed), Err(PartialError::Damaged(_))));
    /// ```
    pub fn frame(version: u16, body: &[u8]) -> Vec<u8> {
        let mut buf = Vec::with_capacity(HEADER_LEN + body.len() + TRAILER_LEN);
        buf.extend_from_slice(&MAGIC);
        buf.extend_from_slice(&version.to_le_bytes());
        buf.extend_from_slice(&0u16.to_le_bytes());
        buf.extend_from_slice(&(body.len() as u64).to_le_bytes());
        buf.extend_from_slice(body);
        let crc = crc32fast::hash(&buf);
        buf.extend_from_slice(&crc.to_le_bytes());
        buf
    }

    /// Reads a partial, checking its magic number, length, CRC-32 and version, then that its
    /// content is a state a run could have reached.
    pub fn from_bytes(bytes: &[u8]) -> Result<Partial, PartialError> {
        let n = bytes.len();
        if bytes[..n.min(8)] != MAGIC[..n.min(8)] {
            return Err(PartialError::NotAPartial);
        }
        if n < HEADER_LEN + TRAILER_LEN {
            return Err(PartialError::Truncated {
                expected: (HEADER_LEN + TRAILER_LEN) as u64,
                found: n as u64,
            });
        }
        let body = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes"));
        let expected = body.saturating_add((HEADER_LEN + TRAILER_LEN) as u64);
        if (n as u64) < expected {
            return Err(PartialError::Truncated {
                expected,
                found: n as u64,
            });
        }
        if (n as u64) > expected {
            return Err(PartialError::TrailingBytes {
                expected,
                found: n as u64,
            });
        }
        let crc = u32::from_le_bytes(bytes[n - 4..].try_into().expect("4 bytes"));
        if crc32fast::hash(&bytes[..n - 4]) != crc {
            return Err(PartialError::Checksum);
        }
        let version = u16::from_le_bytes([bytes[8], bytes[9]]);
        if version != FORMAT_VERSION {
            return Err(PartialError::Version { found: version });
        }
        let body = &bytes[HEADER_LEN..n - TRAILER_LEN];
        let mut r = Reader::new(body, HEADER_LEN);
        if bytes[10..12] != [0, 0] {
            return Err(PartialError::Damaged(DecodeError {
                offset: 10,
                message: "unknown flags".into(),
            }));
        }
        let budget = DECODE_BUCKETS_BASE + 256 * body.len() as u64;
        Partial::decode_body(&mut r, budget).map_err(PartialError::Damaged)
    }

    fn decode_body(r: &mut Reader<'_>, mut buckets: u64) -> Result<Partial, DecodeError> {
        let classifier = match r.u8("classifier")? {
            0 => Classifier::Current,
            1 => Classifier::Cqd2020,
            c => return Err(r.error(format!("unknown classifier {c}"))),
        };
        let keep_duplicates = r.bool("keep-duplicates")?;
        let max_line_bytes = r.uvar("max-line-bytes")?;
        let max_groups = r.uvar("max-groups")?;
        let buildings = if r.bool("buildings")? {
            Some(r.u64_le("buildings digest")?)
        } else {
            None
        };
        let mut filter = Filter::new();
        let time = |r: &mut Reader<'_>, what: &str| -> Result<_, DecodeError> {
            match r.opt_str(what)? {
                None => Ok(None),
                Some(t) => match t.parse::<crate::datetime::DateTimeOffset>() {
                    Ok(v) if v.to_string() == t => Ok(Some(v)),
                    Ok(_) => {
                        Err(r.error(format!("{what} `{t}` is not written as callq writes it")))
                    }
                    Err(e) => Err(r.error(format!("{what} `{t}`: {e}"))),
                },
            }
        };
        if let Some(t) = time(r, "since")? {
            filter = filter.since(t);
        }
        if let Some(t) = time(r, "until")? {
            filter = filter.until(t);
        }
        for _ in 0..r.count(2, "conditions")? {
            let dimension = dimension(r)?;
            let mut values = Vec::new();
            for _ in 0..r.count(1, "condition values")? {
                values.push(r.opt_str("condition value")?);
            }
            filter = filter.condition(Condition { dimension, values });
        }
        let mut input = InputCounts::default();
        for v in count_fields(&mut input) {
            *v = r.uvar("input count")?;
        }
        let mut errors = Vec::new();
        let listed = r.count(4, "bad lines")?;
        if listed > MAX_LISTED_ERRORS || listed as u64 > input.bad_lines {
            return Err(r.error(format!(
                "{listed} bad lines listed, of {} (at most {MAX_LISTED_ERRORS} are)",
                input.bad_lines
            )));
        }
        for _ in 0..listed {
            let file = r.str("bad line's file")?;
            let line = r.uvar("bad line's number")?;
            let byte_offset = r.uvar("bad line's offset")?;
            let message = r.str("bad line's message")?;
            errors.push(BadLine {
                position: Position {
                    file,
                    line,
                    byte_offset,
                },
                message,
            });
        }
        let mut lists = [Vec::new(), Vec::new()];
        for list in &mut lists {
            for _ in 0..r.count(2, "unreadable inputs")? {
                list.push(UnreadableInput {
                    file: r.str("unreadable input's name")?,
                    message: r.str("unreadable input's message")?,
                });
            }
        }
        let [unreadable_found, unreadable_read] = lists;
        let mut groupings = Vec::new();
        for _ in 0..r.count(3, "groupings")? {
            let mut by = Vec::new();
            for _ in 0..r.count(1, "dimensions")? {
                by.push(dimension(r)?);
            }
            let top = if r.bool("top")? {
                let n = r.uvar("top")?;
                let n = usize::try_from(n).map_err(|_| r.error("--top too large"))?;
                Some((n, r.uvar("min-streams")?))
            } else {
                None
            };
            let count = r.count(1, "groups")?;
            if count as u64 > max_groups {
                return Err(r.error(format!(
                    "{count} groups, more than --max-groups {max_groups}"
                )));
            }
            let metrics = match r.uvar("metrics")? {
                0 => false,
                n if n == METRICS.len() as u64 => true,
                _ => {
                    return Err(r.error(format!(
                        "neither {} metrics per group nor 0 (counts only)",
                        METRICS.len()
                    )));
                }
            };
            let mut groups = BTreeMap::new();
            let mut streams: u64 = 0;
            let mut last: Option<Vec<Option<String>>> = None;
            for _ in 0..count {
                let mut key = Vec::with_capacity(by.len());
                for _ in 0..by.len() {
                    key.push(r.opt_str("key value")?);
                }
                if last.as_ref().is_some_and(|l| *l >= key) {
                    return Err(r.error("group keys are not in increasing order"));
                }
                let stats = group_stats(r, metrics, &mut buckets)?;
                streams = streams
                    .checked_add(stats.streams)
                    .ok_or_else(|| r.error("stream counts overflow"))?;
                last = Some(key.clone());
                groups.insert(key, stats);
            }
            if streams != input.streams {
                return Err(r.error(format!(
                    "the groups hold {streams} streams, the input {}",
                    input.streams
                )));
            }
            groupings.push(Grouping {
                by,
                top,
                metrics,
                groups,
            });
        }
        if groupings.is_empty() {
            return Err(r.error("no grouping"));
        }
        let report = if r.bool("report")? {
            let time = match r.u8("report's time step")? {
                0 => TimeUnit::Day,
                1 => TimeUnit::Week,
                2 => TimeUnit::Month,
                t => return Err(r.error(format!("unknown time step {t}"))),
            };
            let min_streams = r.uvar("report's min-streams")?;
            let mut size = |what: &str| -> Result<usize, DecodeError> {
                let n = r.uvar(what)?;
                usize::try_from(n).map_err(|_| r.error(format!("{what} too large")))
            };
            let worst = size("report's worst groups")?;
            let max_bars = size("report's bars")?;
            let report = ReportOptions {
                time,
                min_streams,
                buildings: buildings.is_some(),
                worst,
                max_bars,
            };
            let made: Vec<(&[Dimension], bool, bool)> = groupings
                .iter()
                .map(|g| (g.by.as_slice(), g.metrics, g.top.is_some()))
                .collect();
            let wanted = report.groupings();
            let wanted: Vec<(&[Dimension], bool, bool)> = wanted
                .iter()
                .map(|g| (g.by.as_slice(), g.metrics, false))
                .collect();
            if made != wanted {
                return Err(r.error("the groupings are not those of the report's options"));
            }
            Some(report)
        } else {
            None
        };
        if !r.is_at_end() {
            return Err(r.error("data after the report options"));
        }
        Ok(Partial {
            options: PartialOptions {
                classifier,
                filter,
                buildings,
                keep_duplicates,
                max_line_bytes,
                max_groups,
            },
            input,
            errors,
            unreadable_found,
            unreadable_read,
            groupings,
            report,
        })
    }
}

fn dimension(r: &mut Reader<'_>) -> Result<Dimension, DecodeError> {
    let name = r.str("dimension")?;
    match Dimension::parse(&name) {
        Ok(d) if d.name() == name => Ok(d),
        Ok(_) => Err(r.error(format!(
            "dimension `{name}` is not written as callq writes it"
        ))),
        Err(e) => Err(r.error(e.to_string())),
    }
}

/// One group's statistics: its counts, then each metric (none for a group of counts only).
pub(crate) fn encode_group_stats(w: &mut Writer, s: &GroupStats) {
    for n in [s.streams, s.good, s.poor, s.unclassified] {
        w.uvar(n);
    }
    for n in s.poor_due_to {
        w.uvar(n);
    }
    for m in &s.metrics {
        m.encode(w);
    }
}

/// One group's statistics (with every metric, or counts only), as [`encode_group_stats`]
/// wrote them, checked for consistency: the classification and each metric's count and nulls
/// add up to the group's streams.
pub(crate) fn group_stats(
    r: &mut Reader<'_>,
    metrics: bool,
    buckets: &mut u64,
) -> Result<GroupStats, DecodeError> {
    let mut s = if metrics {
        GroupStats::new()
    } else {
        GroupStats::counts_only()
    };
    s.streams = r.uvar("streams")?;
    s.good = r.uvar("good")?;
    s.poor = r.uvar("poor")?;
    s.unclassified = r.uvar("unclassified")?;
    let classified = s
        .good
        .checked_add(s.poor)
        .and_then(|n| n.checked_add(s.unclassified));
    if classified != Some(s.streams) {
        return Err(r.error("good, poor and unclassified do not add up to the streams"));
    }
    for n in &mut s.poor_due_to {
        *n = r.uvar("poor due to")?;
        if *n > s.poor {
            return Err(r.error("more streams poor due to a reason than poor streams"));
        }
    }
    for (metric, slot) in METRICS.iter().zip(&mut s.metrics) {
        let m = MetricStats::decode(r, metric.kind, buckets)?;
        if m.count().checked_add(m.nulls()) != Some(s.streams) {
            return Err(r.error(format!(
                "{}: count and nulls do not add up to the group's streams",
                metric.name
            )));
        }
        *slot = m;
    }
    Ok(s)
}
