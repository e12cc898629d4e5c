//! A parallel NDJSON driver, generic over a per-line closure and a mergeable accumulator.
//!
//! Input is cut into [chunks](crate::framing::chunks) that depend only on the bytes; each chunk
//! gets a fresh accumulator (or, under [`ParallelLines::fold_chunks`], each rayon task one for
//! the run of consecutive chunks it was given), rayon tasks scan their own chunks (so page
//! faults spread across cores), and the accumulators are merged strictly in input order
//! (adjacent accumulators first, on the pool's threads). Under
//! [`ParallelLines::chunk_relative_lines`] batches of chunks flow into each other: a thread
//! that runs out of one batch's work starts the next, and batches still reach the caller whole
//! and in order. With a [`Merge`] that is
//! associative (integer
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

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::framing::{Chunks, Line, Lines, count_newlines, end_search_start};
use crate::sequence::Framing;

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
    fold_chunks: bool,
}

impl Default for ParallelLines {
    fn default() -> Self {
        Self::new()
    }
}

impl ParallelLines {
    /// 4 MiB chunks, processed in batches of four chunks per pool thread (at least 8), so a
    /// batch keeps every core busy while little of the input is resident at once; under
    /// [`fold_chunks`](Self::fold_chunks), eight per thread in tasks of four.
    pub fn new() -> Self {
        ParallelLines {
            chunk_size: DEFAULT_CHUNK_SIZE,
            batch_chunks: 0,
            relative_lines: false,
            fold_chunks: false,
        }
    }

    /// Sets the target chunk size in bytes (at least 1). Results never depend on it when the
    /// accumulator's merge is exact; it only changes the grain of parallel work.
    pub fn chunk_size(mut self, bytes: usize) -> Self {
        self.chunk_size = bytes.max(1);
        self
    }

    /// Sets how many chunks run between two in-order merges (bounds the results held at once).
    /// The default scales with the pool's threads.
    pub fn batch_chunks(mut self, chunks: usize) -> Self {
        self.batch_chunks = chunks.max(1);
        self
    }

    /// Numbers each chunk's lines from 1 and lets the accumulator fix them up in
    /// [`Merge::rebase`], instead of counting every chunk's newlines in a pass of its own before
    /// parsing (which costs a few percent of a parse at 1 GB/s). Byte offsets stay absolute.
    /// With nothing to count first, batches also flow into each other: a thread that runs out
    /// of a batch's work starts the next batch instead of waiting for the batch's slowest
    /// task; batches still reach the caller whole and in input order.
    pub fn chunk_relative_lines(mut self, relative: bool) -> Self {
        self.relative_lines = relative;
        self
    }

    /// Lets a task that runs several consecutive chunks add them all to one accumulator (one
    /// `init_acc` call and no merge between them), instead of giving each chunk a fresh
    /// accumulator. Where rayon splits a batch into tasks depends on the thread count, so this
    /// is for an accumulator whose [`Merge::merge`] of `later` gives the same result as adding
    /// `later`'s lines to it directly (counts, exact statistics, ordered lists, and line
    /// numbers kept through [`Merge::rebase`]), never for one whose shape is meant to follow
    /// the chunks (output batches of one chunk each). Accumulators that set up many groups per
    /// chunk save most: making and merging the groups of a 4 MiB chunk can cost as much as
    /// filling them.
    ///
    /// ```
    /// use callq::parallel::ParallelLines;
    ///
    /// let data = b"1\n22\n333\n4444\n";
    /// let bytes = |folded: bool| {
    ///     ParallelLines::new().chunk_size(3).fold_chunks(folded).run(
    ///         data,
    ///         || (),
    ///         || 0u64,
    ///         |_: &mut (), n: &mut u64, line| *n += line.bytes.len() as u64,
    ///     )
    /// };
    /// assert_eq!(bytes(true), 10);
    /// assert_eq!(bytes(true), bytes(false));
    /// ```
    pub fn fold_chunks(mut self, fold: bool) -> Self {
        self.fold_chunks = fold;
        self
    }

    /// The configured chunk size.
    pub fn target_chunk_size(&self) -> usize {
        self.chunk_size
    }

    /// Runs `per_line` on every line of `data` (blank lines included), in parallel on the
    /// current rayon pool. `init_state` builds per-task scratch state (e.g. a
    /// [`LineParser`](crate::document::LineParser)), `init_acc` a fresh accumulator per chunk
    /// (per run of consecutive chunks of a task under [`fold_chunks`](Self::fold_chunks)).
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
        self.run_batches_spans(
            data,
            pos,
            &PerThread::new(),
            (init_state, init_acc, per_line),
            &|_| {},
            &|_| {},
            |range, _, acc| on_batch(range, acc),
        )
    }

    /// [`run_batches`](Self::run_batches), telling `on_batch` the number of the batch's first
    /// line too, and `chunk_done` (on the pool's threads) the byte range of each chunk of `data`
    /// as soon as it is parsed: a mapping's pages are released a chunk at a time, so that a
    /// batch's worth of them is never resident at once. `looked_ahead` gets the ranges that
    /// finding a batch's chunk boundaries read before their chunks run (see
    /// [`RELEASE_AROUND_BOUNDARY`]), for the same purpose. `states` holds the per-thread
    /// scratch states, kept by the caller across calls (the blocks of a stream, the pieces of a
    /// mapped input). Under relative numbering batches flow into each other
    /// ([`run_flowing`](Self::run_flowing)).
    #[allow(clippy::type_complexity, clippy::too_many_arguments)]
    fn run_batches_spans<A, S>(
        &self,
        data: &[u8],
        pos: &mut StreamPosition,
        states: &PerThread<S>,
        (init_state, init_acc, per_line): (
            &(impl Fn() -> S + Sync + Send),
            &(impl Fn() -> A + Sync + Send),
            &(impl Fn(&mut S, &mut A, Line<'_>) + Sync + Send),
        ),
        chunk_done: &(impl Fn(Range<usize>) + Sync),
        looked_ahead: &(impl Fn(Range<usize>) + Sync),
        mut on_batch: impl FnMut(Range<usize>, u64, A),
    ) where
        A: Merge + Send,
        S: Send,
    {
        if self.relative_lines {
            let closures = (init_state, init_acc, per_line);
            let releases = (chunk_done, looked_ahead);
            return self.run_flowing(data, pos, states, closures, releases, on_batch);
        }
        let threads = rayon::current_num_threads();
        let batch_chunks = self.batch_chunks_for(threads);
        let mut ranges = Chunks::new(data, self.chunk_size);
        loop {
            let batch: Vec<Range<usize>> = ranges.by_ref().take(batch_chunks).collect();
            if batch.is_empty() {
                break;
            }
            release_boundaries(&batch, data.len(), self.chunk_size, looked_ahead);
            let base = pos.base;
            let first_line = pos.next_line;
            // Runs one chunk into `into` (the accumulator of the chunks before it in the same
            // run of consecutive chunks, or a fresh one), its first line numbered `first`.
            let run_chunk = |into: Option<A>, range: &Range<usize>, first: u64| {
                let mut acc = into.unwrap_or_else(init_acc);
                let mut state = states.take().unwrap_or_else(init_state);
                let lines =
                    Lines::starting_at(&data[range.clone()], first, base + range.start as u64);
                for line in lines {
                    per_line(&mut state, &mut acc, line);
                }
                states.put_back(state);
                chunk_done(range.clone());
                acc
            };
            let combine = |mut earlier: A, later: A| {
                earlier.merge(later);
                earlier
            };
            // Each chunk with the number of its first line: the newline counts of the chunks
            // before it, counted in parallel first (memchr runs at memory speed).
            let counts: Vec<u64> = batch
                .par_iter()
                .map(|r| count_newlines(&data[r.clone()]))
                .collect();
            let firsts: Vec<u64> = counts
                .iter()
                .map(|c| {
                    let first = pos.next_line;
                    pos.next_line += c;
                    first
                })
                .collect();
            let chunks = batch.par_iter().zip(firsts.par_iter());
            // Accumulators merge in input order as a tree, on the pool's threads: a long
            // sequential merge loop would be the serial part of every batch. Under
            // `fold_chunks`, each rayon job first adds the chunks of its contiguous range to
            // one accumulator, in input order (a thread running four chunks of a batch in a
            // row builds one accumulator, not four): the same result by the promise
            // `fold_chunks` asks for, wherever rayon splits.
            let merged: Option<A> = if self.fold_chunks {
                chunks
                    .with_min_len(fold_grain(batch.len(), threads))
                    .fold(
                        || None,
                        |into, (range, &first)| Some(run_chunk(into, range, first)),
                    )
                    .flatten()
                    .reduce_with(combine)
            } else {
                chunks
                    .map(|(range, &first)| run_chunk(None, range, first))
                    .reduce_with(combine)
            };
            let span = batch[0].start..batch[batch.len() - 1].end;
            if let Some(m) = merged {
                on_batch(span, first_line, m);
            }
        }
        pos.base += data.len() as u64;
    }
}

impl ParallelLines {
    /// The chunks of a batch for `threads` pool threads.
    fn batch_chunks_for(&self, threads: usize) -> usize {
        match self.batch_chunks {
            0 => default_batch_chunks(threads, self.fold_chunks, self.relative_lines),
            n => n,
        }
    }

    /// [`run_batches_spans`](Self::run_batches_spans) under relative line numbering: tasks of
    /// consecutive chunks flow from one batch into the next. Each thread takes the next task
    /// in input order (its chunks' boundaries found as it takes it), and each finished task
    /// merges with its batch's finished neighbours; a batch goes to `on_batch`, on the calling
    /// thread and in input order, once all its tasks are in. A thread that runs out of the
    /// batch's tasks starts the next batch's instead of waiting for the slowest task: with a
    /// barrier at each batch's end, two threads were busy 87–93% of a run (BENCHMARKS.md,
    /// "Issue 18, ninth pass"). Tasks run at most [`BATCHES_IN_FLIGHT`] batches ahead of the
    /// oldest batch not yet handed over, which bounds the accumulators held at once; a thread
    /// that would go further stops instead of waiting (a waiting pool thread could be the one
    /// the oldest task needs), and the caller starts it again as batches are handed over.
    #[allow(clippy::type_complexity)]
    fn run_flowing<A, S>(
        &self,
        data: &[u8],
        pos: &mut StreamPosition,
        states: &PerThread<S>,
        (init_state, init_acc, per_line): (
            &(impl Fn() -> S + Sync + Send),
            &(impl Fn() -> A + Sync + Send),
            &(impl Fn(&mut S, &mut A, Line<'_>) + Sync + Send),
        ),
        (chunk_done, looked_ahead): (
            &(impl Fn(Range<usize>) + Sync),
            &(impl Fn(Range<usize>) + Sync),
        ),
        mut on_batch: impl FnMut(Range<usize>, u64, A),
    ) where
        A: Merge + Send,
        S: Send,
    {
        let threads = rayon::current_num_threads().max(1);
        let batch_chunks = self.batch_chunks_for(threads);
        let grain = if self.fold_chunks {
            // A short input (pass 2 re-reads one batch) still gives every thread a task.
            let chunks = data.len().div_ceil(self.chunk_size).clamp(1, batch_chunks);
            fold_grain(chunks, threads)
        } else {
            1
        };
        // Accumulators that follow the chunks (rows, without `fold_chunks`) are large: the
        // oldest batch only, as before batches flowed.
        let in_flight = if self.fold_chunks {
            BATCHES_IN_FLIGHT
        } else {
            1
        };
        let base = pos.base;
        let handout = Mutex::new(Handout {
            chunks: Chunks::new(data, self.chunk_size),
            batch: 0,
            chunks_in_batch: 0,
            tasks_in_batch: 0,
        });
        let done: Mutex<FlowDone<A>> = Mutex::new(FlowDone {
            batches: BTreeMap::new(),
            next: 0,
        });
        // Batches handed to `on_batch` (the window's start).
        let emitted = AtomicUsize::new(0);
        // Runs a task's chunks into one accumulator, its lines numbered from 1.
        let run_task = |task: &Task| {
            let mut acc = init_acc();
            let mut seen = 0u64;
            for range in &task.chunks {
                let mut state = states.take().unwrap_or_else(init_state);
                let lines =
                    Lines::starting_at(&data[range.clone()], seen + 1, base + range.start as u64);
                for line in lines {
                    seen += 1;
                    per_line(&mut state, &mut acc, line);
                }
                states.put_back(state);
                chunk_done(range.clone());
            }
            (acc, seen)
        };
        // Takes and runs tasks until there are none, or the next is too far ahead; then
        // `after_task` runs after each.
        let work = |after_task: &mut dyn FnMut()| loop {
            let task = lock(&handout).take(
                grain,
                batch_chunks,
                emitted.load(Ordering::Acquire) + in_flight,
            );
            let Some(task) = task else { return };
            release_boundaries(&task.chunks, data.len(), self.chunk_size, looked_ahead);
            let result = run_task(&task);
            add_task(&done, task, result);
            after_task();
        };
        // Hands the finished batches at the window's start to `on_batch`, in order.
        let mut emit = || {
            let ready = lock(&done).take_ready();
            for (span, mut acc, lines) in ready {
                let first_line = pos.next_line;
                acc.rebase(first_line - 1);
                pos.next_line += lines;
                on_batch(span, first_line, acc);
                emitted.fetch_add(1, Ordering::Release);
            }
        };
        // Helpers besides the caller: about as many as the input has other tasks at most (a
        // small file is one chunk: a wide pool need not spawn a helper per thread for it).
        let most_tasks = data.len().div_ceil(self.chunk_size).div_ceil(grain);
        let helpers = (threads - 1).min(most_tasks.saturating_sub(1));
        let active = AtomicUsize::new(0);
        while !lock(&handout).chunks.is_exhausted() {
            rayon::in_place_scope(|scope| {
                let start_helpers = || {
                    let running = active.load(Ordering::Acquire);
                    for _ in running..helpers {
                        active.fetch_add(1, Ordering::AcqRel);
                        scope.spawn(|_| {
                            work(&mut || {});
                            active.fetch_sub(1, Ordering::AcqRel);
                        });
                    }
                };
                start_helpers();
                work(&mut || {
                    emit();
                    start_helpers();
                });
            });
            // Every task taken is in: the oldest batch is complete.
            emit();
        }
        pos.base += data.len() as u64;
    }
}

/// How many batches, from the oldest not yet handed to `on_batch`, may have tasks running
/// under [`ParallelLines::run_flowing`] with [`ParallelLines::fold_chunks`]. Batches are
/// handed over by the calling thread between its tasks, so the oldest complete batch can wait
/// for the caller's task to end: with two, a helper that finished the next batch meanwhile
/// would stop there; three keep it busy. Without folding, accumulators hold a chunk's output
/// rows (`callq flatten`), so only the oldest batch runs, as with a barrier: with three
/// batches in flight a flatten of 1 GB to Parquet peaked at 155–169 MB instead of 128–135 MB,
/// and with two at 145–148 MB, in the same time (its writer thread sets the pace).
const BATCHES_IN_FLIGHT: usize = 3;

/// Hands `looked_ahead` what finding the ends of `chunks` (of an input of `len` bytes, for a
/// target chunk size) read before the chunks run: see [`RELEASE_AROUND_BOUNDARY`].
fn release_boundaries(
    chunks: &[Range<usize>],
    len: usize,
    target: usize,
    looked_ahead: &impl Fn(Range<usize>),
) {
    for chunk in chunks {
        let searched_from = end_search_start(chunk.start, target);
        if chunk.end < len && searched_from < chunk.end {
            let around = searched_from.saturating_sub(RELEASE_AROUND_BOUNDARY);
            looked_ahead(around.max(chunk.start)..chunk.end);
        }
    }
}

/// Locks a mutex of the flowing schedule (a panic in a task propagates through the scope, so a
/// poisoned lock's state is never used for a result).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A task of the flowing schedule: consecutive chunks of one batch.
struct Task {
    batch: usize,
    /// Its place among its batch's tasks.
    index: usize,
    /// Set on a batch's last task: how many tasks the batch has.
    batch_tasks: Option<usize>,
    chunks: Vec<Range<usize>>,
}

/// Hands out the tasks of the flowing schedule in input order, finding chunk boundaries as
/// it goes.
struct Handout<'d> {
    chunks: Chunks<'d>,
    batch: usize,
    chunks_in_batch: usize,
    tasks_in_batch: usize,
}

impl Handout<'_> {
    /// The next task of at most `grain` chunks, none past its batch's `batch_chunks`; `None`
    /// when there is none or its batch is not below `batch_limit`.
    fn take(&mut self, grain: usize, batch_chunks: usize, batch_limit: usize) -> Option<Task> {
        if self.chunks.is_exhausted() || self.batch >= batch_limit {
            return None;
        }
        let want = grain.min(batch_chunks - self.chunks_in_batch);
        let chunks: Vec<Range<usize>> = self.chunks.by_ref().take(want).collect();
        let mut task = Task {
            batch: self.batch,
            index: self.tasks_in_batch,
            batch_tasks: None,
            chunks,
        };
        self.tasks_in_batch += 1;
        self.chunks_in_batch += task.chunks.len();
        if self.chunks_in_batch == batch_chunks || self.chunks.is_exhausted() {
            task.batch_tasks = Some(self.tasks_in_batch);
            self.batch += 1;
            self.chunks_in_batch = 0;
            self.tasks_in_batch = 0;
        }
        Some(task)
    }
}

/// The finished tasks of the flowing schedule, by batch.
struct FlowDone<A> {
    batches: BTreeMap<usize, BatchDone<A>>,
    /// The oldest batch not yet taken by [`FlowDone::take_ready`].
    next: usize,
}

/// One batch's finished tasks.
struct BatchDone<A> {
    /// Each run of consecutive finished tasks merged into one accumulator, with its line
    /// count and byte range.
    runs: Runs<TaskResult<A>>,
    /// How many tasks the batch has, once its last is handed out.
    tasks: Option<usize>,
}

/// A task's result: its accumulator (lines numbered from 1), line count and byte range.
type TaskResult<A> = (A, u64, Range<usize>);

/// `earlier` followed by `later`, two adjacent runs of a batch's tasks.
fn merge_runs<A: Merge>(earlier: TaskResult<A>, later: TaskResult<A>) -> TaskResult<A> {
    let ((mut acc, lines, span), (mut later_acc, more, later_span)) = (earlier, later);
    later_acc.rebase(lines);
    acc.merge(later_acc);
    (acc, lines + more, span.start..later_span.end)
}

/// Adds a finished task to its batch in `done`. The merges with the batch's finished
/// neighbours run outside the lock (a merge of 40 groups takes about a millisecond, and with
/// many threads a merge under the lock would hold every other thread's result back): the
/// neighbours are taken out, merged, and the merged run goes back, until it has none.
fn add_task<A: Merge>(done: &Mutex<FlowDone<A>>, task: Task, (acc, lines): (A, u64)) {
    let (mut start, mut end) = (task.index, task.index + 1);
    let span = task.chunks[0].start..task.chunks[task.chunks.len() - 1].end;
    let mut run = (acc, lines, span);
    loop {
        let (earlier, later) = {
            let mut done = lock(done);
            let batch = done.batches.entry(task.batch).or_insert_with(|| BatchDone {
                runs: Runs::default(),
                tasks: None,
            });
            if task.batch_tasks.is_some() {
                batch.tasks = task.batch_tasks;
            }
            match batch.runs.take_neighbours(start, end) {
                (None, None) => {
                    batch.runs.insert(start, end, run);
                    return;
                }
                neighbours => neighbours,
            }
        };
        (start, end, run) = Runs::join(start, end, run, earlier, later, merge_runs);
    }
}

impl<A> FlowDone<A> {
    /// The complete batches from the oldest on, in order: span, accumulator (lines numbered
    /// from 1) and line count.
    fn take_ready(&mut self) -> Vec<(Range<usize>, A, u64)> {
        let mut ready = Vec::new();
        while let Some(batch) = self.batches.get(&self.next)
            && batch.tasks.is_some_and(|n| batch.runs.is_whole(n))
        {
            let batch = self.batches.remove(&self.next).expect("just found");
            let (acc, lines, span) = batch.runs.into_whole().expect("complete");
            ready.push((span, acc, lines));
            self.next += 1;
        }
        ready
    }
}

/// Results of pieces `0..n` that finish in any order, each run of consecutive ones merged in
/// order as soon as its neighbours are in: `(start, (end, merged))`.
pub(crate) struct Runs<T>(BTreeMap<usize, (usize, T)>);

impl<T> Default for Runs<T> {
    fn default() -> Self {
        Runs(BTreeMap::new())
    }
}

impl<T> Runs<T> {
    /// Adds piece `k`'s result, merged with the runs just before and after it by `then`
    /// (`then(earlier, later)`, associative).
    pub(crate) fn add(&mut self, k: usize, value: T, then: impl Fn(T, T) -> T) {
        let (earlier, later) = self.take_neighbours(k, k + 1);
        let (start, end, value) = Self::join(k, k + 1, value, earlier, later, then);
        self.insert(start, end, value);
    }

    /// Pieces `start..end` merged by `then` with the neighbours [`Self::take_neighbours`] took
    /// out: the joined run's pieces and value.
    fn join(
        mut start: usize,
        mut end: usize,
        mut value: T,
        earlier: Option<(usize, T)>,
        later: Option<(usize, T)>,
        then: impl Fn(T, T) -> T,
    ) -> (usize, usize, T) {
        if let Some((first, earlier)) = earlier {
            value = then(earlier, value);
            start = first;
        }
        if let Some((after, later)) = later {
            value = then(value, later);
            end = after;
        }
        (start, end, value)
    }

    /// Takes out the runs adjacent to pieces `start..end`: the one that ends at `start`, with
    /// its first piece, and the one that starts at `end`, with the end of its pieces.
    #[allow(clippy::type_complexity)]
    fn take_neighbours(
        &mut self,
        start: usize,
        end: usize,
    ) -> (Option<(usize, T)>, Option<(usize, T)>) {
        let earlier = match self.0.range(..start).next_back() {
            Some((&first, &(after, _))) if after == start => {
                let (_, value) = self.0.remove(&first).expect("just found");
                Some((first, value))
            }
            _ => None,
        };
        (earlier, self.0.remove(&end))
    }

    /// Puts back pieces `start..end` as one run (it has no neighbours held).
    fn insert(&mut self, start: usize, end: usize, value: T) {
        self.0.insert(start, (end, value));
    }

    /// How many runs are held.
    #[cfg(test)]
    pub(crate) fn runs(&self) -> usize {
        self.0.len()
    }

    /// Whether pieces `0..n` are all in (one run).
    fn is_whole(&self, n: usize) -> bool {
        self.0.len() == 1 && self.0.get(&0).is_some_and(|&(end, _)| end == n)
    }

    /// The merged result of all pieces, if they form one run from 0 (`None` with none).
    pub(crate) fn into_whole(self) -> Option<T> {
        let mut runs = self.0.into_iter();
        let (start, (_, value)) = runs.next()?;
        debug_assert!(start == 0 && runs.next().is_none(), "a piece is missing");
        Some(value)
    }
}

/// How far before the point where a chunk's end was searched for its pages are handed back
/// at once ([`ParallelLines::run_input`] on a mapped file). Finding a batch's chunk boundaries
/// faults in the pages around each (the kernel maps a window around every faulting page: 640 to
/// 768 KB per boundary, from about 250 KB before it, on this project's Linux VM), and they
/// stayed mapped until their chunk was parsed: 5 MB more of a 2 GB run's peak RSS with 16
/// chunks to a batch, 13 MB with 32. Released, they come back from the page cache when their
/// chunk is read.
const RELEASE_AROUND_BOUNDARY: usize = 1 << 20;

/// Consecutive chunks one rayon task adds to one accumulator under
/// [`ParallelLines::fold_chunks`] on more than one thread (16 MiB of input). Each task costs an
/// accumulator: its groups set up, their sketches grown, then merged, about 1.2 ms with
/// `--by direction,label`, a sixth of a chunk's parse.
const FOLD_TASK_CHUNKS: usize = 4;

/// Tasks per pool thread in a batch under [`ParallelLines::fold_chunks`], when each batch ends
/// in a barrier (absolute line numbering). With one task each (a batch of 8 chunks split once
/// per thread, as before), a thread that finished early waited at the batch's end for the
/// slowest: two threads were busy 87–89% of the run (1 GB of `callq gen`, `--by
/// direction,label`, CPU time over twice the wall time). With two each, a thread that finishes
/// early takes another's second task, and the batch's final merge comes half as often: busy
/// 93%, median wall time 5–9% lower (BENCHMARKS.md, "Issue 18, fifth pass"). Four each was 2%
/// faster in one series, within this machine's noise, for twice the batch; a batch is also
/// what deduplication's pass 2 reads again when it holds a dropped copy, so the smaller step
/// was taken.
const FOLD_TASKS_PER_THREAD: usize = 2;

/// The same when batches flow into each other ([`ParallelLines::run_flowing`]: relative line
/// numbering, every callq command). No barrier to wait at, so one task per thread, and a batch
/// (what pass 2 reads again around a dropped copy, and what deduplication keeps a part of) is
/// half as large: at 2 threads, 2.2 GB with 9 overlaps, reports identical, medians of 3–4
/// alternating rounds, `--by day` 3.13 → 2.67 s and peak RSS 118 → 88 MB, `--by week,label`
/// 3.51 → 2.88 s, `--by direction,label` 2.44 → 2.25 s; 1 GB without duplicates unchanged
/// (BENCHMARKS.md, "tenth pass"). On one thread the batch stays two tasks' worth (32 MiB, one
/// accumulator): at 16 MiB, 1 GB took 3–6% longer (twice the accumulators and kept parts).
const FLOWING_TASKS_PER_THREAD: usize = 1;

/// The default batch, in chunks, for `threads` pool threads: under `fold`, enough chunks for
/// [`FOLD_TASKS_PER_THREAD`] tasks of [`FOLD_TASK_CHUNKS`] each (32 MiB a thread), or
/// [`FLOWING_TASKS_PER_THREAD`] when batches flow on more than one thread; otherwise four
/// chunks per thread, at least 8, which bounds the chunks' results held at once.
fn default_batch_chunks(threads: usize, fold: bool, flowing: bool) -> usize {
    let threads = threads.max(1);
    if fold {
        let tasks = if flowing && threads > 1 {
            FLOWING_TASKS_PER_THREAD
        } else {
            FOLD_TASKS_PER_THREAD
        };
        threads * tasks * FOLD_TASK_CHUNKS
    } else {
        (threads * 4).max(8)
    }
}

/// The fewest consecutive chunks of a batch of `chunks` that one rayon task runs under
/// [`ParallelLines::fold_chunks`]: on one thread the whole batch (one accumulator, nothing to
/// balance); else at most [`FOLD_TASK_CHUNKS`], and never so many that some thread gets no
/// task. (Pass 2 of deduplication re-reads a batch two chunks at a time: with a grain of four
/// it ran on one thread, and a 30%-overlap pair of files took 10% longer.)
fn fold_grain(chunks: usize, threads: usize) -> usize {
    let one_task_per_thread = chunks.div_ceil(threads.max(1)).max(1);
    if threads <= 1 {
        one_task_per_thread
    } else {
        one_task_per_thread.min(FOLD_TASK_CHUNKS)
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

// ---- whole inputs: files, directories' files, stdin, .gz and .zst ---------------------------

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

/// How [`ParallelLines::run_input`] reads an input.
#[derive(Clone, Copy, Debug)]
pub struct InputOptions {
    max_line_bytes: usize,
    mmap: bool,
}

impl InputOptions {
    /// Lines longer than `max_line_bytes` are skipped without being held, and reported to the
    /// caller's `overlong` closure. Files are streamed with `read`.
    pub fn new(max_line_bytes: usize) -> Self {
        InputOptions {
            max_line_bytes: max_line_bytes.max(1),
            mmap: false,
        }
    }

    /// Memory-maps plain regular files instead of streaming them.
    ///
    /// # Safety
    ///
    /// The caller promises that no input file is modified or truncated while it is read (see
    /// [`map_file`](crate::input::map_file)).
    pub unsafe fn memory_map(mut self) -> Self {
        self.mmap = true;
        self
    }

    /// The longest line read.
    pub fn max_line_bytes(&self) -> usize {
        self.max_line_bytes
    }
}

/// A line or document that reached no parser: longer than
/// [`InputOptions::max_line_bytes`] (skipped before anything read it), or a structural problem
/// the [sequence splitter](crate::sequence) found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedUnit {
    /// The 1-based line number of its start.
    pub number: u64,
    /// The byte offset of its start in the (decompressed) input.
    pub offset: u64,
    /// Its length in bytes, without a line's newline.
    pub len: u64,
    /// Why it was skipped.
    pub reason: SkipReason,
}

/// Why a [`SkippedUnit`] was skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// Longer than [`InputOptions::max_line_bytes`].
    TooLong,
    /// A structural problem of a JSON text sequence (an array never closed, a missing `,`
    /// between elements); the message says what.
    Problem(String),
}

/// Why [`ParallelLines::run_input`] stopped before the end of its input.
#[derive(Debug)]
pub enum InputStop<E> {
    /// The input could not be opened or read to its end (what was merged before is partial).
    Io(std::io::Error),
    /// `on_batch` returned this error.
    Stopped(E),
}

impl ParallelLines {
    /// Runs `per_line` over every line of one input, whatever it is: a plain file (mapped
    /// under [`InputOptions::memory_map`], else streamed), a FIFO or device (streamed), a
    /// `.gz` or `.zst` file (decompressed as it is read), or standard input. Streams are read
    /// on a thread of their own in line-aligned blocks, so reading overlaps with parsing.
    /// Lines longer than the limit are skipped without being held and handed to `overlong`,
    /// which makes their accumulator. Accumulators reach `on_batch` in input order; an error
    /// from it stops the run. `stored_bytes` grows by the input's bytes as stored (compressed
    /// bytes for a compressed input) as they are read. Returns the bytes read (decompressed).
    ///
    /// ```
    /// use callq::input::InputSource;
    /// use callq::parallel::{InputOptions, ParallelLines};
    /// use std::sync::atomic::AtomicU64;
    ///
    /// let dir = std::env::temp_dir().join(format!("callq-doc-run-input-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).unwrap();
    /// let path = dir.join("a.ndjson");
    /// std::fs::write(&path, "{}\n{}\n\n{}\n").unwrap();
    /// let input = InputSource::File { name: "a.ndjson".into(), path };
    /// let mut lines = 0u64;
    /// let bytes = ParallelLines::new()
    ///     .run_input(
    ///         &input,
    ///         InputOptions::new(1 << 20),
    ///         &AtomicU64::new(0),
    ///         &|| (),
    ///         &|| 0u64,
    ///         &|_: &mut (), n: &mut u64, line| *n += u64::from(!line.is_blank()),
    ///         &|_| 0,
    ///         |n| -> Result<(), ()> { lines += n; Ok(()) },
    ///     )
    ///     .unwrap();
    /// assert_eq!((lines, bytes), (3, 10));
    /// std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn run_input<A, S, E>(
        &self,
        input: &crate::input::InputSource,
        options: InputOptions,
        stored_bytes: &std::sync::atomic::AtomicU64,
        init_state: &(impl Fn() -> S + Sync + Send),
        init_acc: &(impl Fn() -> A + Sync + Send),
        per_line: &(impl Fn(&mut S, &mut A, Line<'_>) + Sync + Send),
        overlong: &impl Fn(SkippedUnit) -> A,
        mut on_batch: impl FnMut(A) -> Result<(), E>,
    ) -> Result<u64, InputStop<E>>
    where
        A: Merge + Send,
        S: Send,
    {
        self.run_input_spans(
            input,
            options,
            stored_bytes,
            None,
            (init_state, init_acc, per_line, overlong),
            |_, acc| on_batch(acc),
        )
    }

    /// [`run_input`](Self::run_input), telling `on_batch` where each batch lies
    /// ([`BatchSpan`]) so that a caller can recompute it later with
    /// [`rerun_batch`](Self::rerun_batch) over the same bytes. A streamed input (compressed,
    /// standard input, a FIFO) is copied to `spool` as it is read (its decompressed bytes, at
    /// their offsets), for such a caller to read the spans from.
    ///
    /// ```
    /// use callq::framing::Line;
    /// use callq::input::InputSource;
    /// use callq::parallel::{InputOptions, ParallelLines};
    /// use std::sync::atomic::AtomicU64;
    ///
    /// let dir = std::env::temp_dir().join(format!("callq-doc-spans-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).unwrap();
    /// let path = dir.join("a.ndjson");
    /// std::fs::write(&path, "{}\n{}\n\n{}\n").unwrap();
    /// let input = InputSource::File { name: "a.ndjson".into(), path: path.clone() };
    /// let driver = ParallelLines::new();
    /// let count = |_: &mut (), n: &mut u64, line: Line<'_>| *n += u64::from(!line.is_blank());
    /// let mut batches = Vec::new();
    /// driver
    ///     .run_input_spans(
    ///         &input,
    ///         InputOptions::new(1 << 20),
    ///         &AtomicU64::new(0),
    ///         None,
    ///         (&|| (), &|| 0u64, &count, &|_| 0u64),
    ///         |span, n| -> Result<(), ()> {
    ///             batches.push((span, n));
    ///             Ok(())
    ///         },
    ///     )
    ///     .unwrap();
    /// // Each batch again, from its bytes alone: the same result.
    /// let data = std::fs::read(&path).unwrap();
    /// for (span, n) in &batches {
    ///     let bytes = &data[span.range.start as usize..span.range.end as usize];
    ///     let again = driver.rerun_batch(bytes, span, (&|| (), &|| 0u64, &count, &|_| 0u64));
    ///     assert_eq!(again, Some(*n));
    /// }
    /// assert_eq!(batches.iter().map(|(_, n)| n).sum::<u64>(), 3);
    /// std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    #[allow(clippy::type_complexity)]
    pub fn run_input_spans<A, S, E>(
        &self,
        input: &crate::input::InputSource,
        options: InputOptions,
        stored_bytes: &std::sync::atomic::AtomicU64,
        spool: Option<&crate::dedupe::TempFile>,
        (init_state, init_acc, per_line, overlong): (
            &(impl Fn() -> S + Sync + Send),
            &(impl Fn() -> A + Sync + Send),
            &(impl Fn(&mut S, &mut A, Line<'_>) + Sync + Send),
            &impl Fn(SkippedUnit) -> A,
        ),
        mut on_batch: impl FnMut(BatchSpan, A) -> Result<(), E>,
    ) -> Result<u64, InputStop<E>>
    where
        A: Merge + Send,
        S: Send,
    {
        use crate::input::{Compression, InputSource};
        // Only regular files with a size are mapped: a FIFO, a character device (`/dev/zero`)
        // or a /proc file (a regular file of size 0 that is not empty) has no size to map and
        // would be read whole into memory; streamed, it takes a few blocks whatever its
        // length. (An error from `metadata` is left to `map_file`, which names it.)
        let framing = input.framing();
        if let InputSource::File { path, .. } = input
            && options.mmap
            && input.compression() == Compression::None
            && std::fs::metadata(path).map_or(true, |m| m.is_file() && m.len() > 0)
        {
            // SAFETY: `options.mmap` is set only by `InputOptions::memory_map`, whose caller
            // promised that the inputs do not change while read.
            let bytes = unsafe { crate::input::map_file(path) }.map_err(InputStop::Io)?;
            if framing == Framing::Lines
                && let Some(line) =
                    crate::sequence::looks_pretty_printed(&bytes[..bytes.len().min(4096)])
            {
                return Err(InputStop::Io(pretty_printed_ndjson(line)));
            }
            self.run_framed_buffer(
                &bytes,
                framing,
                options,
                stored_bytes,
                |range| bytes.release(range),
                (init_state, init_acc, per_line, overlong),
                &mut on_batch,
            )
            .map_err(InputStop::Stopped)?;
            return Ok(bytes.len() as u64);
        }
        let stream =
            crate::input::open_stream_counting(input, Some(stored_bytes)).map_err(InputStop::Io)?;
        let stream: Box<dyn std::io::Read + Send + '_> = match spool {
            Some(spool) => Box::new(Tee {
                inner: stream,
                spool,
            }),
            None => stream,
        };
        if framing == Framing::Sequence {
            return self.run_sequence_stream(
                stream,
                options,
                (init_state, init_acc, per_line, overlong),
                &mut on_batch,
            );
        }
        self.run_stream(
            stream,
            options,
            (init_state, init_acc, per_line, overlong),
            &mut on_batch,
        )
    }

    /// [`run_input`](Self::run_input) over one input already in memory, cut by `framing`
    /// (see [`Framing::for_name`]): over-long lines are found while looking for their end and
    /// handed to `overlong`, never to `per_line`; in a JSON text sequence `per_line` gets each
    /// document (each element of a top-level array), positioned at its first byte, and
    /// structural problems go to `overlong` too.
    #[allow(clippy::too_many_arguments)]
    pub fn run_bytes<A, S, E>(
        &self,
        data: &[u8],
        framing: Framing,
        options: InputOptions,
        init_state: &(impl Fn() -> S + Sync + Send),
        init_acc: &(impl Fn() -> A + Sync + Send),
        per_line: &(impl Fn(&mut S, &mut A, Line<'_>) + Sync + Send),
        overlong: &impl Fn(SkippedUnit) -> A,
        mut on_batch: impl FnMut(A) -> Result<(), E>,
    ) -> Result<(), E>
    where
        A: Merge + Send,
        S: Send,
    {
        self.run_framed_buffer(
            data,
            framing,
            options,
            &std::sync::atomic::AtomicU64::new(0),
            |_| {},
            (init_state, init_acc, per_line, overlong),
            &mut |_, acc| on_batch(acc),
        )
    }

    /// An input held in memory, cut by `framing`: [`run_buffer`](Self::run_buffer) for lines,
    /// [`run_sequence_buffer`](Self::run_sequence_buffer) for a JSON text sequence.
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    fn run_framed_buffer<A, S, E>(
        &self,
        data: &[u8],
        framing: Framing,
        options: InputOptions,
        progress: &std::sync::atomic::AtomicU64,
        release: impl Fn(Range<usize>) + Sync,
        closures: (
            &(impl Fn() -> S + Sync + Send),
            &(impl Fn() -> A + Sync + Send),
            &(impl Fn(&mut S, &mut A, Line<'_>) + Sync + Send),
            &impl Fn(SkippedUnit) -> A,
        ),
        on_batch: &mut impl FnMut(BatchSpan, A) -> Result<(), E>,
    ) -> Result<(), E>
    where
        A: Merge + Send,
        S: Send,
    {
        match framing {
            Framing::Lines => self.run_buffer(data, options, progress, release, closures, on_batch),
            Framing::Sequence => {
                self.run_sequence_buffer(data, options, progress, release, closures, on_batch)
            }
        }
    }

    /// [`run_bytes`](Self::run_bytes), counting progress and telling `release` which ranges
    /// are done with (a mapping's pages).
    #[allow(clippy::type_complexity)]
    fn run_buffer<A, S, E>(
        &self,
        data: &[u8],
        options: InputOptions,
        progress: &std::sync::atomic::AtomicU64,
        release: impl Fn(Range<usize>) + Sync,
        (init_state, init_acc, per_line, overlong): (
            &(impl Fn() -> S + Sync + Send),
            &(impl Fn() -> A + Sync + Send),
            &(impl Fn(&mut S, &mut A, Line<'_>) + Sync + Send),
            &impl Fn(SkippedUnit) -> A,
        ),
        on_batch: &mut impl FnMut(BatchSpan, A) -> Result<(), E>,
    ) -> Result<(), E>
    where
        A: Merge + Send,
        S: Send,
    {
        use std::sync::atomic::Ordering;
        let block = self.target_chunk_size().saturating_mul(MAPPED_PIECE_CHUNKS);
        let mut pieces = crate::framing::Pieces::new(data, block, options.max_line_bytes);
        let mut pos = StreamPosition::default();
        let states = PerThread::new();
        while let Some(piece) = pieces.next_piece(&release) {
            match piece {
                crate::framing::Piece::Lines(range) => {
                    let start = range.start;
                    // The driver's ranges are the piece's; the mapping's are the input's.
                    let release_in_piece =
                        |r: Range<usize>| release(start + r.start..start + r.end);
                    self.run_batches_until(
                        &data[range],
                        &mut pos,
                        &states,
                        (init_state, init_acc, per_line),
                        &|r| {
                            progress.fetch_add((r.end - r.start) as u64, Ordering::Relaxed);
                            release_in_piece(r);
                        },
                        &release_in_piece,
                        on_batch,
                    )?;
                }
                crate::framing::Piece::Overlong { range, newline } => {
                    let len = range.len() as u64;
                    progress.fetch_add(len + u64::from(newline), Ordering::Relaxed);
                    let (span, acc) = skip_overlong(&mut pos, len, newline, overlong);
                    on_batch(span, acc)?;
                }
            }
        }
        Ok(())
    }

    /// [`run_input`](Self::run_input) over a stream, read on a thread of its own in
    /// line-aligned blocks whose buffers are recycled.
    #[allow(clippy::type_complexity)]
    fn run_stream<A, S, E>(
        &self,
        stream: Box<dyn std::io::Read + Send + '_>,
        options: InputOptions,
        (init_state, init_acc, per_line, overlong): (
            &(impl Fn() -> S + Sync + Send),
            &(impl Fn() -> A + Sync + Send),
            &(impl Fn(&mut S, &mut A, Line<'_>) + Sync + Send),
            &impl Fn(SkippedUnit) -> A,
        ),
        on_batch: &mut impl FnMut(BatchSpan, A) -> Result<(), E>,
    ) -> Result<u64, InputStop<E>>
    where
        A: Merge + Send,
        S: Send,
    {
        use crate::input::{Block, BlockReader};
        enum Piece {
            Lines(Vec<u8>),
            Overlong { len: u64, newline: bool },
        }
        let block = self.target_chunk_size().saturating_mul(STREAM_BLOCK_CHUNKS);
        let max_line = options.max_line_bytes;
        std::thread::scope(|scope| {
            // One block in flight while one is analyzed; spent buffers come back for reuse.
            let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<std::io::Result<Piece>>(1);
            let (empty_tx, empty_rx) = std::sync::mpsc::channel::<Vec<u8>>();
            let reader = scope.spawn(move || {
                let mut reader = BlockReader::new(stream, block, max_line);
                let mut first = true;
                loop {
                    let next = reader.next_block();
                    let piece = match next {
                        Ok(None) => break,
                        Ok(Some(Block::Lines(data))) => {
                            // (Not an `if let` guard: Rust 1.88, our `rust-version`, rejects those.)
                            let pretty = if first {
                                crate::sequence::looks_pretty_printed(&data[..data.len().min(4096)])
                            } else {
                                None
                            };
                            match pretty {
                                Some(line) => Err(pretty_printed_ndjson(line)),
                                None => {
                                    let mut owned = empty_rx.try_recv().unwrap_or_default();
                                    owned.clear();
                                    owned.extend_from_slice(data);
                                    Ok(Piece::Lines(owned))
                                }
                            }
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
                    first = false;
                    let failed = piece.is_err();
                    // A closed channel means the caller stopped (its `on_batch` failed).
                    if full_tx.send(piece).is_err() || failed {
                        break;
                    }
                }
                reader.bytes_read()
            });
            let mut pos = StreamPosition::default();
            // Scratch states live for the whole stream, not a block.
            let states = PerThread::new();
            for piece in full_rx {
                match piece.map_err(InputStop::Io)? {
                    Piece::Lines(data) => {
                        self.run_batches_until(
                            &data,
                            &mut pos,
                            &states,
                            (init_state, init_acc, per_line),
                            &|_| {},
                            &|_| {},
                            on_batch,
                        )
                        .map_err(InputStop::Stopped)?;
                        let _ = empty_tx.send(data);
                    }
                    Piece::Overlong { len, newline } => {
                        let (span, acc) = skip_overlong(&mut pos, len, newline, overlong);
                        on_batch(span, acc).map_err(InputStop::Stopped)?;
                    }
                }
            }
            Ok(reader.join().unwrap_or(0))
        })
    }
}

impl ParallelLines {
    /// [`run_batches`](Self::run_batches), handing each batch's accumulator to `on_batch` (after
    /// `chunk_done` heard of each of its chunks' byte ranges) until `on_batch` fails. The batches of `data` still run
    /// to its end; their accumulators are dropped, and the first error is returned.
    #[allow(clippy::type_complexity, clippy::too_many_arguments)]
    fn run_batches_until<A, S, E>(
        &self,
        data: &[u8],
        pos: &mut StreamPosition,
        states: &PerThread<S>,
        closures: (
            &(impl Fn() -> S + Sync + Send),
            &(impl Fn() -> A + Sync + Send),
            &(impl Fn(&mut S, &mut A, Line<'_>) + Sync + Send),
        ),
        chunk_done: &(impl Fn(Range<usize>) + Sync),
        looked_ahead: &(impl Fn(Range<usize>) + Sync),
        on_batch: &mut impl FnMut(BatchSpan, A) -> Result<(), E>,
    ) -> Result<(), E>
    where
        A: Merge + Send,
        S: Send,
    {
        let mut failed = None;
        let base = pos.base;
        self.run_batches_spans(
            data,
            pos,
            states,
            closures,
            chunk_done,
            looked_ahead,
            |range, first_line, acc| {
                let span = BatchSpan {
                    range: base + range.start as u64..base + range.end as u64,
                    first_line,
                    kind: SpanKind::Lines,
                };
                if failed.is_none()
                    && let Err(e) = on_batch(span, acc)
                {
                    failed = Some(e);
                }
            },
        );
        failed.map_or(Ok(()), Err)
    }
}

/// The accumulator of an over-long line at `pos`, and `pos` moved past it.
fn skip_overlong<A>(
    pos: &mut StreamPosition,
    len: u64,
    newline: bool,
    overlong: &impl Fn(SkippedUnit) -> A,
) -> (BatchSpan, A) {
    let span = BatchSpan {
        range: pos.base..pos.base + len,
        first_line: pos.next_line,
        kind: SpanKind::Skipped,
    };
    let acc = overlong(SkippedUnit {
        number: pos.next_line,
        offset: pos.base,
        len,
        reason: SkipReason::TooLong,
    });
    pos.next_line += 1;
    pos.base += len + u64::from(newline);
    (span, acc)
}

/// The error for a `.ndjson`/`.jsonl` input that starts like pretty-printed JSON: one clear
/// message instead of a bad line for every line of every document.
fn pretty_printed_ndjson(line: u64) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!(
            "looks like pretty-printed JSON, not NDJSON (line {line} is a lone `{{` or `[`): \
             .ndjson and .jsonl files hold one document per line; name it .json (or pipe it \
             to `callq analyze -`) to read it as a JSON text sequence, which takes \
             pretty-printed documents and arrays"
        ),
    )
}

// ---- JSON text sequences: `.json` files and standard input ----------------------------------

/// Units per batch handed from the splitter to the parsing pool at most (besides the byte
/// bound): bounds the memory of a batch of tiny documents.
const SEQUENCE_BATCH_UNITS: usize = 1 << 16;

impl ParallelLines {
    /// [`run_input`](Self::run_input) over a JSON text sequence held in memory: a thread of
    /// its own splits it into documents (the [`sequence`](crate::sequence) splitter) while
    /// the pool parses the documents split before, a batch at a time.
    #[allow(clippy::type_complexity)]
    fn run_sequence_buffer<A, S, E>(
        &self,
        data: &[u8],
        options: InputOptions,
        progress: &std::sync::atomic::AtomicU64,
        release: impl Fn(Range<usize>) + Sync,
        closures: (
            &(impl Fn() -> S + Sync + Send),
            &(impl Fn() -> A + Sync + Send),
            &(impl Fn(&mut S, &mut A, Line<'_>) + Sync + Send),
            &impl Fn(SkippedUnit) -> A,
        ),
        on_batch: &mut impl FnMut(BatchSpan, A) -> Result<(), E>,
    ) -> Result<(), E>
    where
        A: Merge + Send,
        S: Send,
    {
        use std::sync::atomic::Ordering;
        let step = self.target_chunk_size().saturating_mul(STREAM_BLOCK_CHUNKS);
        let states = PerThread::new();
        if data.len() <= step {
            // One piece: no splitting thread to overlap with (a directory of small `.json`
            // files would pay a thread per file).
            let mut units = Vec::new();
            crate::sequence::Splitter::new(options.max_line_bytes).feed(data, 0, true, &mut units);
            for batch in units.chunks(SEQUENCE_BATCH_UNITS) {
                if let Some(acc) = self.run_units(data, 0, batch, &states, closures) {
                    on_batch(BatchSpan::units(batch), acc)?;
                }
            }
            progress.fetch_add(data.len() as u64, Ordering::Relaxed);
            return Ok(());
        }
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<(Vec<crate::sequence::Unit>, u64)>(1);
            scope.spawn(move || {
                let mut splitter = crate::sequence::Splitter::new(options.max_line_bytes);
                let mut keep = 0u64;
                let mut end = 0usize;
                while end < data.len() {
                    end = end.saturating_add(step).min(data.len());
                    let mut units = Vec::new();
                    keep = splitter.feed(
                        &data[keep as usize..end],
                        keep,
                        end == data.len(),
                        &mut units,
                    );
                    for batch in units.chunks(SEQUENCE_BATCH_UNITS) {
                        if tx.send((batch.to_vec(), keep.min(end as u64))).is_err() {
                            return;
                        }
                    }
                }
            });
            let mut released = 0u64;
            for (units, done_before) in rx {
                let acc = self.run_units(data, 0, &units, &states, closures);
                let next = units.last().map_or(done_before, |u| u.end.max(done_before));
                progress.fetch_add(next.saturating_sub(released), Ordering::Relaxed);
                release(released as usize..next as usize);
                released = released.max(next);
                if let Some(acc) = acc {
                    on_batch(BatchSpan::units(&units), acc)?;
                }
            }
            Ok(())
        })
    }

    /// [`run_input`](Self::run_input) over a JSON text sequence read from a stream: a thread
    /// reads blocks and splits them; a document cut by a block's end is carried into the next
    /// block (unless it outgrows the limit, when its bytes are dropped as they come).
    #[allow(clippy::type_complexity)]
    fn run_sequence_stream<A, S, E>(
        &self,
        mut stream: Box<dyn std::io::Read + Send + '_>,
        options: InputOptions,
        closures: (
            &(impl Fn() -> S + Sync + Send),
            &(impl Fn() -> A + Sync + Send),
            &(impl Fn(&mut S, &mut A, Line<'_>) + Sync + Send),
            &impl Fn(SkippedUnit) -> A,
        ),
        on_batch: &mut impl FnMut(BatchSpan, A) -> Result<(), E>,
    ) -> Result<u64, InputStop<E>>
    where
        A: Merge + Send,
        S: Send,
    {
        struct Block {
            bytes: Vec<u8>,
            base: u64,
            units: Vec<crate::sequence::Unit>,
        }
        let step = self.target_chunk_size().saturating_mul(STREAM_BLOCK_CHUNKS);
        let states = PerThread::new();
        std::thread::scope(|scope| {
            let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<std::io::Result<Block>>(1);
            let (empty_tx, empty_rx) = std::sync::mpsc::channel::<Vec<u8>>();
            let reader = scope.spawn(move || -> u64 {
                let mut splitter = crate::sequence::Splitter::new(options.max_line_bytes);
                // The bytes not yet handed over (a document cut by the block's end), from
                // absolute offset `base`.
                let mut carry: Vec<u8> = Vec::new();
                let mut base = 0u64;
                let mut total = 0u64;
                loop {
                    let mut buf = empty_rx.try_recv().unwrap_or_default();
                    buf.clear();
                    buf.extend_from_slice(&carry);
                    let fresh = buf.len();
                    buf.resize(fresh + step, 0);
                    let mut got = 0;
                    let mut eof = false;
                    while got < step {
                        match stream.read(&mut buf[fresh + got..]) {
                            Ok(0) => {
                                eof = true;
                                break;
                            }
                            Ok(n) => got += n,
                            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                            Err(e) => {
                                let e = std::io::Error::new(
                                    e.kind(),
                                    format!(
                                        "{e} (reading stopped after byte {} of the \
                                         decompressed data; nothing of this input is counted)",
                                        total + got as u64
                                    ),
                                );
                                let _ = full_tx.send(Err(e));
                                return total + got as u64;
                            }
                        }
                    }
                    total += got as u64;
                    buf.truncate(fresh + got);
                    let mut units = Vec::new();
                    let keep = splitter.feed(&buf, base, eof, &mut units);
                    carry.clear();
                    carry.extend_from_slice(&buf[(keep - base) as usize..]);
                    let block = Block {
                        bytes: buf,
                        base,
                        units,
                    };
                    base = keep;
                    if full_tx.send(Ok(block)).is_err() || eof {
                        return total;
                    }
                }
            });
            for block in full_rx {
                let block = block.map_err(InputStop::Io)?;
                for units in block.units.chunks(SEQUENCE_BATCH_UNITS) {
                    if let Some(acc) =
                        self.run_units(&block.bytes, block.base, units, &states, closures)
                    {
                        on_batch(BatchSpan::units(units), acc).map_err(InputStop::Stopped)?;
                    }
                }
                let _ = empty_tx.send(block.bytes);
            }
            Ok(reader.join().unwrap_or(0))
        })
    }

    /// Parses `units` (whose bytes are in `data`, which starts at absolute offset `base`) in
    /// parallel, in groups of about a chunk's bytes, and merges their accumulators in input
    /// order. `None` when there are no units.
    #[allow(clippy::type_complexity)]
    fn run_units<A, S>(
        &self,
        data: &[u8],
        base: u64,
        units: &[crate::sequence::Unit],
        states: &PerThread<S>,
        (init_state, init_acc, per_line, skipped): (
            &(impl Fn() -> S + Sync + Send),
            &(impl Fn() -> A + Sync + Send),
            &(impl Fn(&mut S, &mut A, Line<'_>) + Sync + Send),
            &impl Fn(SkippedUnit) -> A,
        ),
    ) -> Option<A>
    where
        A: Merge + Send,
        S: Send,
    {
        use crate::sequence::UnitKind;
        // Groups end where a chunk's worth of bytes is reached: they depend on the input
        // only, never on the thread count.
        let mut groups: Vec<Range<usize>> = Vec::new();
        let mut start = 0;
        let mut bytes = 0u64;
        for (k, u) in units.iter().enumerate() {
            bytes += u.end - u.start;
            if bytes >= self.target_chunk_size() as u64 || k + 1 == units.len() {
                groups.push(start..k + 1);
                start = k + 1;
                bytes = 0;
            }
        }
        // Skipped units make their accumulator on the calling thread (`skipped` need not be
        // `Sync`), in order, before the groups run.
        let skips: Vec<Option<A>> = units
            .iter()
            .map(|u| match &u.kind {
                UnitKind::Document | UnitKind::Malformed => None,
                UnitKind::TooLong | UnitKind::Problem(_) => Some(skipped(SkippedUnit {
                    number: u.line,
                    offset: u.start,
                    len: u.end - u.start,
                    reason: match &u.kind {
                        UnitKind::Problem(m) => SkipReason::Problem(m.clone()),
                        _ => SkipReason::TooLong,
                    },
                })),
            })
            .collect();
        let skips: Vec<Mutex<Option<A>>> = skips.into_iter().map(Mutex::new).collect();
        // Runs one group of units into `into` (the accumulator of the groups before it in a
        // task's run, under `fold_chunks`) or a fresh accumulator.
        let run_group = |into: Option<A>, range: &Range<usize>| -> A {
            let mut state = states.take().unwrap_or_else(init_state);
            let mut acc = into.unwrap_or_else(init_acc);
            for k in range.clone() {
                let u = &units[k];
                let taken = skips[k]
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .take();
                match taken {
                    Some(skip) => acc.merge(skip),
                    None => {
                        let mut bytes = &data[(u.start - base) as usize..(u.end - base) as usize];
                        if u.kind == UnitKind::Malformed {
                            // Its diagnosis is the parser's, as for an NDJSON line.
                            while let [rest @ .., b' ' | b'\t' | b'\r' | b'\n'] = bytes {
                                bytes = rest;
                            }
                        }
                        per_line(
                            &mut state,
                            &mut acc,
                            Line {
                                bytes,
                                number: u.line,
                                offset: u.start,
                            },
                        )
                    }
                }
            }
            states.put_back(state);
            acc
        };
        let combine = |mut earlier: A, later: A| {
            earlier.merge(later);
            earlier
        };
        // As for lines, under `fold_chunks` each rayon job adds its contiguous run of groups
        // to one accumulator, in input order.
        if self.fold_chunks {
            groups
                .par_iter()
                .with_min_len(fold_grain(groups.len(), rayon::current_num_threads()))
                .fold(|| None, |into, range| Some(run_group(into, range)))
                .flatten()
                .reduce_with(combine)
        } else {
            groups
                .par_iter()
                .map(|range| run_group(None, range))
                .reduce_with(combine)
        }
    }
}

// ---- batch spans: recomputing a batch later ---------------------------------------------------

/// Where a batch handed to [`ParallelLines::run_input_spans`]'s `on_batch` lies in its input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchSpan {
    /// Its bytes, as offsets in the (decompressed) input.
    pub range: Range<u64>,
    /// The 1-based number of its first line.
    pub first_line: u64,
    /// What it holds.
    pub kind: SpanKind,
}

/// What a [`BatchSpan`] holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpanKind {
    /// NDJSON lines.
    Lines,
    /// Units of a JSON text sequence, as the splitter found them (the bytes of a range of a
    /// sequence cannot be split again on their own: the splitter's state at the range's start
    /// matters).
    Units(Vec<crate::sequence::Unit>),
    /// A unit that reached no parser (longer than the limit): nothing to recompute.
    Skipped,
}

impl BatchSpan {
    /// The span of a batch of sequence units: the bytes of the units that are parsed
    /// (documents and malformed regions), which the splitter emits in input order. Problem
    /// and too-long units carry no bytes to read again, and need not be in order: "the array
    /// that starts here is never closed" comes at the end of the input with the array's
    /// own offset. A batch without bytes to parse has an empty range at its first unit.
    fn units(units: &[crate::sequence::Unit]) -> Self {
        use crate::sequence::UnitKind;
        let parsed = || {
            units
                .iter()
                .filter(|u| matches!(u.kind, UnitKind::Document | UnitKind::Malformed))
        };
        let at = units.first().map_or(0, |u| u.start);
        let start = parsed().map(|u| u.start).min().unwrap_or(at);
        let end = parsed().map(|u| u.end).max().unwrap_or(start);
        BatchSpan {
            range: start..end,
            first_line: units.first().map_or(1, |u| u.line),
            kind: SpanKind::Units(units.to_vec()),
        }
    }
}

/// A stream that copies what it reads to a spool file.
struct Tee<'a, 's> {
    inner: Box<dyn std::io::Read + Send + 'a>,
    spool: &'s crate::dedupe::TempFile,
}

impl std::io::Read for Tee<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.spool.append(&buf[..n]).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!(
                    "cannot spool the input to {}: {e}",
                    self.spool.path().display()
                ),
            )
        })?;
        Ok(n)
    }
}

impl ParallelLines {
    /// Recomputes a batch of [`run_input_spans`](Self::run_input_spans): `data` holds the
    /// bytes of `span.range`; `per_line` sees the same lines (numbers and offsets) as the
    /// first time. `None` for a span with nothing to parse.
    #[allow(clippy::type_complexity)]
    pub fn rerun_batch<A, S>(
        &self,
        data: &[u8],
        span: &BatchSpan,
        closures: (
            &(impl Fn() -> S + Sync + Send),
            &(impl Fn() -> A + Sync + Send),
            &(impl Fn(&mut S, &mut A, Line<'_>) + Sync + Send),
            &impl Fn(SkippedUnit) -> A,
        ),
    ) -> Option<A>
    where
        A: Merge + Send,
        S: Send,
    {
        self.rerun_batch_releasing(data, span, closures, &|_| {})
    }

    /// [`rerun_batch`](Self::rerun_batch) over a mapping: `release` hears of each byte range of
    /// `data` as soon as it is parsed (as a mapped input's first pass does), so that its pages
    /// are handed back a chunk at a time.
    #[allow(clippy::type_complexity)]
    pub(crate) fn rerun_batch_releasing<A, S>(
        &self,
        data: &[u8],
        span: &BatchSpan,
        (init_state, init_acc, per_line, skipped): (
            &(impl Fn() -> S + Sync + Send),
            &(impl Fn() -> A + Sync + Send),
            &(impl Fn(&mut S, &mut A, Line<'_>) + Sync + Send),
            &impl Fn(SkippedUnit) -> A,
        ),
        release: &(impl Fn(Range<usize>) + Sync),
    ) -> Option<A>
    where
        A: Merge + Send,
        S: Send,
    {
        match &span.kind {
            SpanKind::Skipped => None,
            SpanKind::Units(units) => {
                let acc = self.run_units(
                    data,
                    span.range.start,
                    units,
                    &PerThread::new(),
                    (init_state, init_acc, per_line, skipped),
                );
                release(0..data.len());
                acc
            }
            SpanKind::Lines => {
                let mut pos = StreamPosition {
                    next_line: span.first_line,
                    base: span.range.start,
                };
                let mut total: Option<A> = None;
                self.run_batches_spans(
                    data,
                    &mut pos,
                    &PerThread::new(),
                    (init_state, init_acc, per_line),
                    release,
                    release,
                    |_, _, acc| match &mut total {
                        Some(t) => t.merge(acc),
                        None => total = Some(acc),
                    },
                );
                total
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_thread_gets_a_task_and_folded_tasks_stay_small() {
        assert_eq!(fold_grain(8, 1), 8, "one thread: one accumulator per batch");
        assert_eq!(fold_grain(16, 2), FOLD_TASK_CHUNKS);
        // Pass 2 of deduplication re-reads two chunks at a time: both threads must get one.
        assert_eq!(fold_grain(2, 2), 1);
        assert_eq!(fold_grain(3, 2), 2);
        assert_eq!(fold_grain(0, 4), 1);
        for threads in 1..=64 {
            for flowing in [false, true] {
                let batch = default_batch_chunks(threads, true, flowing);
                let tasks = batch.div_ceil(fold_grain(batch, threads));
                assert!(tasks >= threads, "{threads} threads, {tasks} tasks");
                assert!(tasks <= threads * FOLD_TASKS_PER_THREAD);
            }
        }
        // On one thread a batch is one accumulator of two tasks' chunks, flowing or not.
        assert_eq!(default_batch_chunks(1, true, true), 2 * FOLD_TASK_CHUNKS);
        assert_eq!(default_batch_chunks(2, true, true), 2 * FOLD_TASK_CHUNKS);
        assert_eq!(default_batch_chunks(2, true, false), 4 * FOLD_TASK_CHUNKS);
    }
}
