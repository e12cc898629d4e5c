//! A parallel NDJSON driver, generic over a per-line closure and a mergeable accumulator.
//!
//! Input is cut into [chunks](crate::framing::chunks) that depend only on the bytes; each chunk
//! gets a fresh accumulator, rayon tasks scan their own chunks (so page faults spread across
//! cores), and the accumulators are merged strictly in input order (as a tree: adjacent
//! accumulators first, on the pool's threads). With a [`Merge`] that is associative (integer
//! counts, exact sums, minima, maxima, ordered lists), the result is the same for any number
//! of threads; a plain `f64` sum is not exactly associative and may differ in its last bits.
//!
//! ```
//! use callq::framing::Line;
//! use callq::parallel::{Merge, ParallelLines};
//!
//! #[derive(Default)]
//! struct Longest { line: u64, len: usize }
//! impl Merge for Longest {
//!     fn merge(&mut self, later: Self) {
//!         if later.len > self.len { *self = later; }
//!     }
//! }
//!
//! let data = b"a\nbbb\ncc\n";
//! let longest = ParallelLines::new().chunk_size(2).run(
//!     data,
//!     || (),
//!     Longest::default,
//!     |_state: &mut (), acc: &mut Longest, line: Line<'_>| {
//!         if line.bytes.len() > acc.len {
//!             *acc = Longest { line: line.number, len: line.bytes.len() };
//!         }
//!     },
//! );
//! assert_eq!((longest.line, longest.len), (2, 3));
//! ```

use std::ops::Range;

use std::sync::Mutex;

use rayon::prelude::*;

use crate::framing::{Chunks, Line, Lines, count_newlines};

/// Default target chunk size: 4 MiB, large enough to amortise task overhead, small enough to
/// balance two to dozens of cores.
pub const DEFAULT_CHUNK_SIZE: usize = 4 << 20;

/// An accumulator that can absorb the accumulator of the chunk that follows it in the input.
pub trait Merge {
    /// Folds `later` (the result of the chunks right after `self`'s, in input order) into
    /// `self`. Must be associative: accumulators are merged as a tree, adjacent ones first,
    /// never out of order.
    fn merge(&mut self, later: Self);

    /// Only under [`ParallelLines::chunk_relative_lines`]: this accumulator's lines were
    /// numbered from 1, and `lines_before` lines precede it; shift any line numbers kept
    /// accordingly. Called before an accumulator is merged into the one before it, on chunk
    /// accumulators and on merged ones, so it may be called more than once: shift by adding.
    /// The default keeps nothing.
    fn rebase(&mut self, lines_before: u64) {
        let _ = lines_before;
    }
}

impl Merge for () {
    fn merge(&mut self, _later: Self) {}
}

impl Merge for u64 {
    fn merge(&mut self, later: Self) {
        *self += later;
    }
}

/// Configures and runs a parallel pass over the lines of a buffer.
#[derive(Clone, Debug)]
pub struct ParallelLines {
    chunk_size: usize,
    batch_chunks: usize,
    relative_lines: bool,
}

impl Default for ParallelLines {
    fn default() -> Self {
        Self::new()
    }
}

impl ParallelLines {
    /// 4 MiB chunks, processed in batches of four chunks per pool thread (at least 8), so a
    /// batch keeps every core busy while little of the input is resident at once.
    pub fn new() -> Self {
        ParallelLines {
            chunk_size: DEFAULT_CHUNK_SIZE,
            batch_chunks: 0,
            relative_lines: false,
        }
    }

    /// Sets the target chunk size in bytes (at least 1). Results never depend on it when the
    /// accumulator's merge is exact; it only changes the grain of parallel work.
    pub fn chunk_size(mut self, bytes: usize) -> Self {
        self.chunk_size = bytes.max(1);
        self
    }

    /// Sets how many chunks run between two in-order merges (bounds memory held by results and
    /// the resident part of a mapped input). The default scales with the pool's threads.
    pub fn batch_chunks(mut self, chunks: usize) -> Self {
        self.batch_chunks = chunks.max(1);
        self
    }

    /// Numbers each chunk's lines from 1 and lets the accumulator fix them up in
    /// [`Merge::rebase`], instead of counting every chunk's newlines in a pass of its own before
    /// parsing (which costs a few percent of a parse at 1 GB/s). Byte offsets stay absolute.
    pub fn chunk_relative_lines(mut self, relative: bool) -> Self {
        self.relative_lines = relative;
        self
    }

    /// The configured chunk size.
    pub fn target_chunk_size(&self) -> usize {
        self.chunk_size
    }

    /// Runs `per_line` on every line of `data` (blank lines included), in parallel on the
    /// current rayon pool. `init_state` builds per-task scratch state (e.g. a
    /// [`LineParser`](crate::document::LineParser)), `init_acc` a fresh accumulator per chunk.
    pub fn run<A, S>(
        &self,
        data: &[u8],
        init_state: impl Fn() -> S + Sync + Send,
        init_acc: impl Fn() -> A + Sync + Send,
        per_line: impl Fn(&mut S, &mut A, Line<'_>) + Sync + Send,
    ) -> A
    where
        A: Merge + Send,
        S: Send,
    {
        let mut pos = StreamPosition {
            next_line: 1,
            base: 0,
        };
        let mut total = init_acc();
        self.run_batches(
            data,
            &mut pos,
            &init_state,
            &init_acc,
            &per_line,
            |_, acc| total.merge(acc),
        );
        total
    }

    /// Like [`run`](Self::run), for a piece of a larger input (a block of a stream): `pos` says
    /// where `data` starts and is advanced past it. `data` must start at a line start and end
    /// at a line end (or the end of the input). After each batch of chunks, `on_batch` gets the
    /// byte range of `data` just finished and the batch's merged accumulator, in input order.
    pub fn run_batches<A, S>(
        &self,
        data: &[u8],
        pos: &mut StreamPosition,
        init_state: &(impl Fn() -> S + Sync + Send),
        init_acc: &(impl Fn() -> A + Sync + Send),
        per_line: &(impl Fn(&mut S, &mut A, Line<'_>) + Sync + Send),
        mut on_batch: impl FnMut(Range<usize>, A),
    ) where
        A: Merge + Send,
        S: Send,
    {
        let batch_chunks = match self.batch_chunks {
            0 => (rayon::current_num_threads() * 4).max(8),
            n => n,
        };
        let states = PerThread::new();
        let mut ranges = Chunks::new(data, self.chunk_size);
        loop {
            let batch: Vec<Range<usize>> = ranges.by_ref().take(batch_chunks).collect();
            if batch.is_empty() {
                break;
            }
            let base = pos.base;
            // Runs one chunk whose first line is number `first`; returns its accumulator and
            // how many lines it saw.
            let run_chunk = |range: &Range<usize>, first: u64| -> (A, u64) {
                let mut state = states.take().unwrap_or_else(init_state);
                let mut acc = init_acc();
                let mut seen = 0;
                let lines =
                    Lines::starting_at(&data[range.clone()], first, base + range.start as u64);
                for line in lines {
                    seen += 1;
                    per_line(&mut state, &mut acc, line);
                }
                states.put_back(state);
                (acc, seen)
            };
            // Accumulators merge in input order as a tree, on the pool's threads: a long
            // sequential merge loop would be the serial part of every batch (with a
            // fine-grained `--by`, merging small groups costs as much as adding their values).
            let relative = self.relative_lines;
            let combine = |(mut earlier, lines): (A, u64), (mut later, more): (A, u64)| {
                if relative {
                    later.rebase(lines);
                }
                earlier.merge(later);
                (earlier, lines + more)
            };
            let merged: Option<(A, u64)> = if relative {
                // Each chunk numbers its lines from 1; accumulators learn how many lines came
                // before them (`Merge::rebase`) as they merge.
                batch
                    .par_iter()
                    .map(|range| run_chunk(range, 1))
                    .reduce_with(combine)
            } else {
                // Line numbers of each chunk's first line need the newline counts of the
                // chunks before it: count them in parallel first (memchr runs at memory speed).
                let counts: Vec<u64> = batch
                    .par_iter()
                    .map(|r| count_newlines(&data[r.clone()]))
                    .collect();
                let mut firsts = Vec::with_capacity(batch.len());
                for c in &counts {
                    firsts.push(pos.next_line);
                    pos.next_line += c;
                }
                batch
                    .par_iter()
                    .zip(firsts.par_iter())
                    .map(|(range, &first)| run_chunk(range, first))
                    .reduce_with(combine)
            };
            let merged = merged.map(|(mut acc, lines)| {
                if relative {
                    acc.rebase(pos.next_line - 1);
                    pos.next_line += lines;
                }
                acc
            });
            let span = batch[0].start..batch[batch.len() - 1].end;
            if let Some(m) = merged {
                on_batch(span, m);
            }
        }
        pos.base += data.len() as u64;
    }
}

/// Scratch state kept per pool thread for a whole run, so buffers that grew to the largest
/// line stay warm across batches (rayon's `map_init` would build a fresh one per split job,
/// and fresh memory costs a page fault per 4 KiB).
///
/// A chunk takes its thread's state out of the slot and puts it back when done, holding no
/// lock meanwhile: a `per_line` closure that itself uses rayon may make this thread run another
/// chunk while waiting (work stealing), and that chunk then finds the slot empty and builds a
/// state of its own instead of waiting for a lock its own thread holds (a deadlock).
struct PerThread<S> {
    slots: Vec<Mutex<Option<S>>>,
}

impl<S> PerThread<S> {
    fn new() -> Self {
        // One slot per pool thread, plus one for a caller outside the pool.
        let n = rayon::current_num_threads() + 1;
        PerThread {
            slots: (0..n).map(|_| Mutex::new(None)).collect(),
        }
    }

    /// This thread's slot. Uncontended: only the thread with this index takes it.
    fn slot(&self) -> std::sync::MutexGuard<'_, Option<S>> {
        let i = rayon::current_thread_index()
            .map_or(self.slots.len() - 1, |i| i.min(self.slots.len() - 2));
        self.slots[i]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes this thread's state, if it has one that no chunk on this thread is using.
    fn take(&self) -> Option<S> {
        self.slot().take()
    }

    /// Returns a state for the next chunk on this thread (a nested chunk's state is dropped
    /// when the outer one comes back: either is as good).
    fn put_back(&self, state: S) {
        *self.slot() = Some(state);
    }
}

/// Where the next piece of a stream starts: its first line's number and byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamPosition {
    /// 1-based number of the next line.
    pub next_line: u64,
    /// Byte offset of the next piece within the whole input.
    pub base: u64,
}

impl Default for StreamPosition {
    fn default() -> Self {
        StreamPosition {
            next_line: 1,
            base: 0,
        }
    }
}
