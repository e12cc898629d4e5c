//! Accumulation: a group's statistics, input counts, bad lines, and the per-chunk accumulator.

use super::*;
use crate::partial::codec::{Reader, Writer};
use crate::partial::{encode_group_stats, group_stats};
use indexmap::IndexMap;

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
            metrics: METRICS.iter().map(|m| MetricStats::new(m.kind)).collect(),
            ..Self::counts_only()
        }
    }

    /// An empty group that keeps counts only: [`GroupStats::metrics`] stays empty (the groups
    /// of a [`Grouping::counts`]).
    pub fn counts_only() -> Self {
        GroupStats {
            streams: 0,
            good: 0,
            poor: 0,
            unclassified: 0,
            poor_due_to: [0; 8],
            metrics: Vec::new(),
        }
    }

    /// Adds one classified stream.
    pub fn add(&mut self, stream: &MediaStream<'_>, quality: Quality, reasons: Reasons) {
        self.add_verdict(quality, reasons);
        crate::properties::add_stream_metrics(stream, &mut self.metrics);
    }

    /// Adds one stream's verdict only: the counts and poor-due-to, not its metrics.
    pub fn add_verdict(&mut self, quality: Quality, reasons: Reasons) {
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
    /// Units read: non-blank NDJSON lines; in a JSON text sequence, each document (each
    /// element of a top-level array); in a `$batch` reply, each entry instead of the reply.
    pub lines: u64,
    /// Bad lines (units).
    pub bad_lines: u64,
    /// Lines (units) that were not bad.
    pub documents: u64,
    /// Sessions in good lines.
    pub sessions: u64,
    /// Segments in good lines.
    pub segments: u64,
    /// Media in good lines.
    pub media: u64,
    /// Streams in good lines, less the filtered ones.
    pub streams: u64,
    /// Streams in good lines that a filter ([`Analyzer::filter`]) left out.
    pub filtered_streams: u64,
    /// Good lines that `analyze`'s on-demand reader handed to simd-json's tape because of a
    /// rare form (a tab or CR inside the line, an escaped key, ...): read the same, more slowly.
    pub tape_rereads: u64,
    /// Good documents that hold no sessions, by kind (indexed like
    /// [`OtherKind::ALL`](crate::model::OtherKind::ALL)).
    pub other_documents: [u64; 6],
    /// callRecords that hold only the first page of their sessions
    /// (`sessions@odata.nextLink`).
    pub truncated_records: u64,
    /// Copies of sessions dropped because another copy of the same identity (record id,
    /// session id) was kept: one from a higher record `version`, or the last in input order
    /// (0 under [`Analyzer::keep_duplicates`]).
    pub duplicate_sessions: u64,
    /// Sessions in good documents without a record id or a session id: never duplicates.
    pub unidentified_sessions: u64,
}

impl InputCounts {
    /// The count of good documents of `kind`.
    pub fn other(&self, kind: crate::model::OtherKind) -> u64 {
        self.other_documents[kind as usize]
    }

    pub(super) fn add(&mut self, o: &InputCounts) {
        self.files += o.files;
        self.bytes += o.bytes;
        self.lines += o.lines;
        self.bad_lines += o.bad_lines;
        self.documents += o.documents;
        self.sessions += o.sessions;
        self.segments += o.segments;
        self.media += o.media;
        self.streams += o.streams;
        self.filtered_streams += o.filtered_streams;
        self.tape_rereads += o.tape_rereads;
        for (a, b) in self.other_documents.iter_mut().zip(o.other_documents) {
            *a += b;
        }
        self.truncated_records += o.truncated_records;
        self.duplicate_sessions += o.duplicate_sessions;
        self.unidentified_sessions += o.unidentified_sessions;
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
pub(crate) struct Accumulator {
    pub(crate) counts: InputCounts,
    pub(crate) errors: Vec<BadLine>,
    /// How many bad lines `errors` keeps (all accumulators of a run share it).
    pub(super) error_limit: usize,
    pub(super) groups: Groups,
    /// The groups of the further groupings of a multi-grouping run, one per grouping after
    /// the first ([`Analyzer::analyze_inputs_grouped`]); empty otherwise.
    pub(super) more: Vec<Groups>,
    /// The identities of the copies counted, in input order (only while deduplicating).
    pub(crate) identities: Vec<crate::dedupe::IdentityRecord>,
}

impl Default for Accumulator {
    fn default() -> Self {
        Accumulator::listing(MAX_LISTED_ERRORS)
    }
}

/// Groups by encoded key, each key stored once (in the map, found again by its position).
/// Consecutive streams mostly share a group (always, without `--by`), so the last group found
/// is checked before hashing.
#[derive(Debug, Default)]
pub(super) struct Groups {
    pub(super) stats: IndexMap<Box<[u8]>, GroupStats, foldhash::fast::RandomState>,
    pub(super) last: Option<usize>,
}

impl Groups {
    #[inline]
    pub(super) fn get(&mut self, key: &[u8]) -> &mut GroupStats {
        self.get_or(key, GroupStats::new)
    }

    /// The group of `key`, made by `new` when it is not there yet.
    #[inline]
    pub(super) fn get_or(&mut self, key: &[u8], new: fn() -> GroupStats) -> &mut GroupStats {
        let i = match self.last {
            Some(i) if matches!(self.stats.get_index(i), Some((k, _)) if **k == *key) => i,
            _ => {
                let i = match self.stats.get_index_of(key) {
                    Some(i) => i,
                    None => self.stats.insert_full(key.into(), new()).0,
                };
                self.last = Some(i);
                i
            }
        };
        &mut self.stats[i]
    }

    /// Folds `later`'s groups in: its keys move over, none is copied. The smaller map is
    /// folded into the larger (a batch into an empty total is a move): a group's statistics
    /// merge to the same state either way, being functions of the multiset of values.
    pub(super) fn merge(&mut self, mut later: Groups) {
        if later.stats.len() > self.stats.len() {
            std::mem::swap(&mut self.stats, &mut later.stats);
            self.last = None;
        }
        for (key, stats) in later.stats {
            match self.stats.get_mut(&key) {
                Some(mine) => mine.merge(&stats),
                None => {
                    self.stats.insert(key, stats);
                }
            }
        }
    }
}

/// The groups of an [`Accumulator`] written compactly: what deduplication keeps of a batch
/// for its second pass. In memory a batch's groups with `--by direction,label` hold about
/// 1.4 MB, mostly sketch bins allocated in steps of 128 (two thirds of them zero) and exact
/// sums of 67 words; written with the partial format's encoding of a metric (the non-zero
/// buckets and words only, as varints), about 145 kB. So ten times as many batches fit in the
/// budget before two merge into a coarser span, which pass 2 reads again whole when it holds
/// a dropped copy.
#[derive(Debug, Default)]
pub(super) struct PackedGroups(Vec<u8>);

/// Packed groups are written by [`Accumulator::pack_groups`] of this run only.
const PACKED: &str = "groups packed by this run read back";

impl PackedGroups {
    /// The bytes it holds.
    pub(super) fn heap_bytes(&self) -> usize {
        self.0.capacity()
    }
}

impl Accumulator {
    /// Moves the groups of every grouping out into a [`PackedGroups`].
    pub(super) fn pack_groups(&mut self) -> PackedGroups {
        let mut w = Writer::default();
        for groups in std::iter::once(&self.groups).chain(&self.more) {
            w.uvar(groups.stats.len() as u64);
            for (key, s) in &groups.stats {
                w.bytes(key);
                w.bool(!s.metrics.is_empty());
                encode_group_stats(&mut w, s);
            }
        }
        self.clear_groups();
        w.buf.shrink_to_fit();
        PackedGroups(w.buf)
    }

    /// Merges groups that [`pack_groups`](Self::pack_groups) packed (from an accumulator of
    /// the same run) into this accumulator's.
    pub(super) fn unpack_groups(&mut self, packed: &PackedGroups) {
        if packed.0.is_empty() {
            return;
        }
        let mut r = Reader::new(&packed.0, 0);
        let mut buckets = u64::MAX;
        for groups in std::iter::once(&mut self.groups).chain(&mut self.more) {
            let n = r.uvar("groups").expect(PACKED);
            let mut later = Groups::default();
            for _ in 0..n {
                let key: Box<[u8]> = r.bytes("key").expect(PACKED).into();
                let metrics = r.bool("metrics").expect(PACKED);
                let s = group_stats(&mut r, metrics, &mut buckets).expect(PACKED);
                later.stats.insert(key, s);
            }
            groups.merge(later);
        }
        debug_assert!(r.is_at_end(), "{PACKED}");
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
        if self.more.len() < later.more.len() {
            self.more.resize_with(later.more.len(), Groups::default);
        }
        for (a, b) in self.more.iter_mut().zip(later.more) {
            a.merge(b);
        }
        self.identities.extend(later.identities);
    }
}

impl Accumulator {
    pub(super) fn listing(error_limit: usize) -> Self {
        Accumulator {
            counts: InputCounts::default(),
            errors: Vec::new(),
            error_limit,
            groups: Groups::default(),
            more: Vec::new(),
            identities: Vec::new(),
        }
    }

    /// The most groups any of its groupings holds (what [`Analyzer::max_groups`] bounds).
    pub(super) fn group_count(&self) -> usize {
        self.more
            .iter()
            .map(|g| g.stats.len())
            .fold(self.groups.stats.len(), usize::max)
    }

    /// About the heap memory its groups and listed bad lines hold: what deduplication counts
    /// against its budget for kept batch accumulators.
    pub(super) fn heap_bytes(&self) -> usize {
        let groups = |g: &Groups| -> usize {
            g.stats
                .iter()
                .map(|(key, stats)| {
                    // The key twice (the list and the index), the index entry, the statistics.
                    2 * key.len()
                        + 48
                        + std::mem::size_of::<(Box<[u8]>, GroupStats)>()
                        + stats.metrics.capacity() * std::mem::size_of::<MetricStats>()
                        + stats
                            .metrics
                            .iter()
                            .map(MetricStats::heap_bytes)
                            .sum::<usize>()
                })
                .sum()
        };
        let errors: usize = self
            .errors
            .iter()
            .map(|e| {
                std::mem::size_of::<BadLine>() + e.message.capacity() + e.position.file.capacity()
            })
            .sum();
        groups(&self.groups) + self.more.iter().map(groups).sum::<usize>() + errors
    }

    /// Drops every group of every grouping.
    pub(super) fn clear_groups(&mut self) {
        self.groups = Groups::default();
        for g in &mut self.more {
            *g = Groups::default();
        }
    }

    pub(super) fn bad_line(&mut self, position: Position, message: String) {
        self.counts.bad_lines += 1;
        if self.errors.len() < self.error_limit {
            self.errors.push(BadLine { position, message });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Number;

    /// What a report reads of a group, exactly.
    fn summary(s: &GroupStats) -> String {
        let mut out = format!(
            "{} {} {} {} {:?};",
            s.streams, s.good, s.poor, s.unclassified, s.poor_due_to
        );
        for m in &s.metrics {
            let q: Vec<Option<Number>> = [0.01, 0.5, 0.9, 0.99, 1.0]
                .iter()
                .map(|&q| m.quantile(q))
                .collect();
            out += &format!(
                "{} {} {:?} {:?} {:?} {q:?};",
                m.count(),
                m.nulls(),
                m.mean(),
                m.min(),
                m.max()
            );
        }
        out
    }

    fn summaries(acc: &Accumulator) -> Vec<Vec<(Vec<u8>, String)>> {
        std::iter::once(&acc.groups)
            .chain(&acc.more)
            .map(|g| {
                let mut v: Vec<_> = g
                    .stats
                    .iter()
                    .map(|(k, s)| (k.to_vec(), summary(s)))
                    .collect();
                v.sort();
                v
            })
            .collect()
    }

    /// An accumulator with a second grouping of counts only, its groups holding one, two,
    /// a few and many values (so every form of a metric's values), negative and zero ones:
    /// a state a run can reach (every stream classified, and counted or null in each metric),
    /// which is what unpacking checks.
    fn filled(seed: u64) -> Accumulator {
        let mut acc = Accumulator::default();
        acc.more.push(Groups::default());
        let mut x = seed | 1;
        for (g, n) in [1u64, 2, 5, 64, 65, 3000].into_iter().enumerate() {
            let key = format!("group {}", (g as u64 + seed) % 5);
            let s = acc.groups.get(key.as_bytes());
            for _ in 0..n {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                s.streams += 1;
                s.good += x & 1;
                s.poor += 1 - (x & 1);
                s.poor_due_to[(x % 8) as usize] += 1 - (x & 1);
                for (i, m) in s.metrics.iter_mut().enumerate() {
                    match x.rotate_left(i as u32) % 7 {
                        0 => m.add_null(),
                        1 => m.add(0.0),
                        2 => m.add(-((x >> 20) as f64) / 1e3),
                        _ => m.add((x >> (i + 30)) as f64 / 7.0),
                    }
                }
            }
            let counts = acc.more[0].get_or(key.as_bytes(), GroupStats::counts_only);
            counts.streams += n;
            counts.unclassified += n;
        }
        acc
    }

    #[test]
    fn packed_groups_read_back_as_they_were_and_merge_as_groups_do() {
        let mut a = filled(7);
        let want = summaries(&a);
        let packed = a.pack_groups();
        assert!(a.groups.stats.is_empty() && a.more[0].stats.is_empty());
        a.unpack_groups(&packed);
        assert_eq!(summaries(&a), want);

        // Unpacked into an accumulator with groups of its own, as a merge would.
        let (mut b, mut c) = (filled(11), filled(11));
        b.merge(filled(7));
        let packed = filled(7).pack_groups();
        c.unpack_groups(&packed);
        assert_eq!(summaries(&c), summaries(&b));
    }
}
