//! [`Flattener`]: a whole run over inputs, rows handed to a sink in input order.

use std::fmt;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::sync::mpsc::sync_channel;

use super::{PartitionBy, RowBatch, RowForm, RowSink, StreamRow};
use crate::analyze::{
    Accumulator, Analyzer, Dedupe, OnError, Progress, Report, RunError, Scratch, Seen, Visit,
};
use crate::dedupe::{DedupePlan, IdentityStore, TempFile};
use crate::framing::Line;
use crate::input::{InputSource, discover};
use crate::parallel::{BatchSpan, InputStop, Merge, SpanKind};
use std::sync::Mutex;

/// Chunks per batch handed to the sink: fixed (not scaled with the threads, as `analyze`'s
/// are) so that batch boundaries, and so the bytes of every file written, depend on the input
/// only. For the same reason each chunk keeps an accumulator of its own (the driver's
/// `fold_chunks` is off): its rows make row batches of their own, whatever the thread count.
const BATCH_CHUNKS: usize = 8;

/// Batches in flight between the parser and the writer thread.
const WRITER_QUEUE: usize = 2;

/// Why a run stopped without its rows.
#[derive(Debug)]
#[non_exhaustive]
pub enum FlattenError {
    /// Reading stopped: a bad line under [`OnError::Fail`], an input that could not be read
    /// (a flatten run never writes a table missing part of an input), a feature missing.
    Run(RunError),
    /// The sink failed (a full disk, an unwritable directory), or the temporary row spool
    /// used while removing duplicates did.
    Output(io::Error),
}

impl fmt::Display for FlattenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlattenError::Run(e) => e.fmt(f),
            FlattenError::Output(e) => write!(f, "cannot write the rows: {e}"),
        }
    }
}

impl std::error::Error for FlattenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FlattenError::Run(e) => Some(e),
            FlattenError::Output(e) => Some(e),
        }
    }
}

impl From<RunError> for FlattenError {
    fn from(e: RunError) -> Self {
        FlattenError::Run(e)
    }
}

/// What a run read and wrote.
#[derive(Clone, Debug)]
pub struct FlattenSummary {
    /// Rows written: the streams kept (after filters and duplicate removal).
    pub rows: u64,
    /// What was read, as `analyze` reports it (its `input` counts, with `streams` equal to
    /// `rows` and `sessions` without the dropped copies, and the bad lines); its groups are
    /// empty.
    pub report: Report,
}

/// Runs over inputs and hands every kept, unfiltered stream's row to a [`RowSink`], in input
/// order, in [`RowBatch`]es (one per partition met in each batch of input).
///
/// It is configured by an [`Analyzer`]: its filters, classifier (for the `quality` filter
/// dimension), building file, duplicate removal (`keep_duplicates`, `dedupe_memory`),
/// bad-line handling, line limits and memory mapping apply as they do to `analyze`
/// (its `--by` is ignored). Rows are built in parallel on the current rayon pool and written
/// on a thread of their own; the rows, and so the bytes of the files, are the same for any
/// number of threads.
///
/// While removing duplicates, a copy can only be known as dropped once every input is read.
/// A sink that can start again ([`RowSink::restartable`]: the file sinks) gets the rows as
/// they are made and, only when copies were dropped, [`RowSink::restart`] and every row
/// again: the batches are read again (from the file, or from a spool of a streamed input's
/// decompressed bytes) leaving the dropped copies out. Any other sink (a closure) gets the
/// rows after the last input, from a temporary spool of the rows (a private binary form,
/// about their size), without the dropped copies. With `keep_duplicates(true)` rows reach
/// every sink as they are made. [`run_bytes`](Self::run_bytes) always uses the row spool.
#[derive(Clone, Debug)]
pub struct Flattener {
    analyzer: Analyzer,
    partition_by: Option<PartitionBy>,
    /// The form of the rows made (the sink's, when rows go to it as they are made).
    form: RowForm,
}

/// The accumulator of a chunk: the analyze counts and bad lines, and the rows.
struct FlatAcc {
    acc: Accumulator,
    batches: Vec<RowBatch>,
    with_buildings: bool,
    partition_by: Option<PartitionBy>,
    form: RowForm,
    /// The batch the last row went to.
    last: usize,
}

impl FlatAcc {
    fn new(
        acc: Accumulator,
        with_buildings: bool,
        partition_by: Option<PartitionBy>,
        form: RowForm,
    ) -> Self {
        FlatAcc {
            acc,
            batches: Vec::new(),
            with_buildings,
            partition_by,
            form,
            last: 0,
        }
    }

    /// The batch for the row's partition (`name` is its directory name).
    fn batch(&mut self, name: Option<&str>) -> &mut RowBatch {
        let fits = |b: &RowBatch| b.partition() == name;
        let i = match self.batches.get(self.last) {
            Some(b) if fits(b) => self.last,
            _ => match self.batches.iter().rposition(fits) {
                Some(i) => i,
                None => {
                    self.batches.push(RowBatch::encoding(
                        self.with_buildings,
                        name.map(Into::into),
                        self.form,
                    ));
                    self.batches.len() - 1
                }
            },
        };
        self.last = i;
        &mut self.batches[i]
    }
}

impl Visit for FlatAcc {
    fn acc(&mut self) -> &mut Accumulator {
        &mut self.acc
    }

    #[inline]
    fn stream(
        &mut self,
        analyzer: &Analyzer,
        seen: &Seen<'_, '_>,
        _key: &mut Vec<u8>,
        text: &mut String,
    ) {
        let ctx = &seen.ctx;
        let name = match self.partition_by {
            Some(p) => {
                p.directory(ctx.session.start_date_time, text);
                Some(text.as_str())
            }
            None => None,
        };
        let row = StreamRow::new(
            seen.record_id,
            seen.version,
            (ctx.session, ctx.segment, ctx.media, ctx.stream),
            analyzer.buildings.as_deref(),
        );
        let order = seen.identified.then_some(seen.order);
        self.batch(name).push_in_session(&row, order);
    }
}

impl Merge for FlatAcc {
    fn merge(&mut self, later: Self) {
        self.acc.merge(later.acc);
        self.batches.extend(later.batches);
        self.last = self.batches.len().saturating_sub(1);
    }

    fn rebase(&mut self, lines_before: u64) {
        self.acc.rebase(lines_before);
    }
}

/// Why the per-batch callback stopped the pass.
enum Stop {
    Run(RunError),
    /// The writer thread is gone (its error says why).
    Writer,
}

impl Flattener {
    /// A flattener configured by `analyzer`, not partitioned.
    pub fn new(analyzer: Analyzer) -> Self {
        Flattener {
            analyzer,
            partition_by: None,
            form: RowForm::Columns,
        }
    }

    /// Tags each row's batch with its partition ([`RowBatch::partition`]).
    pub fn partition_by(mut self, partition_by: Option<PartitionBy>) -> Self {
        self.partition_by = partition_by;
        self
    }

    fn with_buildings(&self) -> bool {
        self.analyzer.buildings.is_some()
    }

    fn flat_acc(&self, acc: Accumulator) -> FlatAcc {
        FlatAcc::new(acc, self.with_buildings(), self.partition_by, self.form)
    }

    /// Flattens one in-memory input named `name` (a JSON text sequence when the name says
    /// so, else NDJSON).
    pub fn run_bytes(
        &self,
        name: &str,
        data: &[u8],
        sink: &mut (dyn RowSink + Send),
    ) -> Result<FlattenSummary, FlattenError> {
        // In memory, rows go through the spool while removing duplicates.
        self.in_form_of(&*sink, true).run_bytes_as(name, data, sink)
    }

    fn run_bytes_as(
        &self,
        name: &str,
        data: &[u8],
        sink: &mut (dyn RowSink + Send),
    ) -> Result<FlattenSummary, FlattenError> {
        let framing = crate::sequence::Framing::for_name(name);
        let never = |_: &DedupePlan, _: &mut (dyn RowSink + Send)| Ok(0);
        self.run_each(
            1,
            sink,
            false,
            |_, dedupe, on_batch| {
                let an = &self.analyzer;
                an.driver
                    .clone()
                    .batch_chunks(BATCH_CHUNKS)
                    .fold_chunks(false)
                    .run_bytes(
                        data,
                        framing,
                        an.input_options(),
                        &Scratch::default,
                        &|| self.flat_acc(an.accumulator()),
                        &|scratch: &mut Scratch, acc: &mut FlatAcc, line: Line<'_>| {
                            an.line(name, dedupe, scratch, acc, line)
                        },
                        &|o| self.flat_acc(an.skipped(name, o)),
                        on_batch,
                    )
                    .map(|()| data.len() as u64)
                    .map_err(|()| None)
            },
            never,
        )
    }

    /// Flattens command-line paths (files, directories, `-`), on the current rayon pool.
    /// A path that cannot be read stops the run.
    pub fn run_paths(
        &self,
        args: &[String],
        progress: &Progress,
        sink: &mut (dyn RowSink + Send),
    ) -> Result<FlattenSummary, FlattenError> {
        let found = discover(args);
        if let Some(e) = found.errors.into_iter().next() {
            return Err(FlattenError::Run(RunError::Input(e)));
        }
        self.run_inputs(&found.inputs, progress, sink)
    }

    /// Flattens a list of inputs, in order. An input that cannot be read, or not to its end,
    /// stops the run (its rows would be missing from the table).
    pub fn run_inputs(
        &self,
        inputs: &[InputSource],
        progress: &Progress,
        sink: &mut (dyn RowSink + Send),
    ) -> Result<FlattenSummary, FlattenError> {
        self.in_form_of(&*sink, false)
            .run_inputs_as(inputs, progress, sink)
    }

    /// This flattener making rows in the sink's form when they go to it as they are made
    /// (not through the spool, which keeps column values).
    fn in_form_of(&self, sink: &(dyn RowSink + Send), spooled: bool) -> Flattener {
        let streamed = self.analyzer.keep_duplicates || (sink.restartable() && !spooled);
        Flattener {
            form: if streamed {
                sink.form()
            } else {
                RowForm::Columns
            },
            ..self.clone()
        }
    }

    fn run_inputs_as(
        &self,
        inputs: &[InputSource],
        progress: &Progress,
        sink: &mut (dyn RowSink + Send),
    ) -> Result<FlattenSummary, FlattenError> {
        if !cfg!(feature = "compression")
            && let Some(input) = inputs
                .iter()
                .find(|i| i.compression() != crate::input::Compression::None)
        {
            return Err(FlattenError::Run(RunError::FeatureMissing {
                input: input.name().to_owned(),
                feature: "compression",
            }));
        }
        let an = &self.analyzer;
        let driver = an
            .driver
            .clone()
            .batch_chunks(BATCH_CHUNKS)
            .fold_chunks(false);
        // Removing duplicates into a sink that can start again: rows go out as they are made,
        // and only when copies turn out dropped are the batches read again (from the file, or
        // from a spool of a streamed input) and the rows written again without them.
        let direct = !an.keep_duplicates && sink.restartable();
        let spans: Mutex<Vec<(u32, BatchSpan)>> = Mutex::new(Vec::new());
        let sources: Mutex<Vec<Option<Source>>> =
            Mutex::new((0..inputs.len()).map(|_| None).collect());
        let input_error = |name: &str, source: io::Error| {
            FlattenError::Run(RunError::Input(crate::input::InputError {
                name: name.to_owned(),
                source,
            }))
        };
        let read = |k: u32,
                    dedupe: Dedupe<'static>,
                    on_batch: &mut dyn FnMut(FlatAcc) -> Result<(), ()>| {
            let input = &inputs[k as usize];
            let name = input.name();
            let source = if direct {
                Some(Source::of(input).map_err(|e| Some(input_error(name, e)))?)
            } else {
                None
            };
            let spool = match &source {
                Some(Source::Spool(t)) => Some(t),
                _ => None,
            };
            let bytes = driver
                .run_input_spans(
                    input,
                    an.input_options(),
                    &progress.bytes_done,
                    spool,
                    (
                        &Scratch::default,
                        &|| self.flat_acc(an.accumulator()),
                        &|scratch: &mut Scratch, acc: &mut FlatAcc, line: Line<'_>| {
                            an.line(name, dedupe, scratch, acc, line)
                        },
                        &|o| self.flat_acc(an.skipped(name, o)),
                    ),
                    |span, acc| {
                        if direct {
                            lock(&spans).push((k, span));
                        }
                        on_batch(acc)
                    },
                )
                .map_err(|stop| match stop {
                    InputStop::Io(source) => Some(input_error(name, source)),
                    InputStop::Stopped(()) => None,
                })?;
            lock(&sources)[k as usize] = source;
            Ok(bytes)
        };
        let rewrite =
            |plan: &DedupePlan, sink: &mut (dyn RowSink + Send)| -> Result<u64, FlattenError> {
                sink.restart().map_err(FlattenError::Output)?;
                let sources = std::mem::take(&mut *lock(&sources));
                let spans = std::mem::take(&mut *lock(&spans));
                let mut rows = 0u64;
                for (k, span) in spans {
                    let Some(source) = &sources[k as usize] else {
                        continue;
                    };
                    if span.kind == SpanKind::Skipped {
                        continue;
                    }
                    let name = inputs[k as usize].name();
                    let bytes = source.read(span.range.clone()).map_err(|e| {
                        input_error(
                            name,
                            io::Error::new(
                                e.kind(),
                                format!(
                                    "{e} (reading it again to leave out duplicate sessions; did it \
                                 change?)"
                                ),
                            ),
                        )
                    })?;
                    let dedupe = Dedupe {
                        input: k,
                        collect: false,
                        plan: Some(plan),
                    };
                    let acc = driver.rerun_batch(
                        &bytes,
                        &span,
                        (
                            &Scratch::default,
                            &|| self.flat_acc(an.accumulator()),
                            &|scratch: &mut Scratch, acc: &mut FlatAcc, line: Line<'_>| {
                                an.line(name, dedupe, scratch, acc, line)
                            },
                            &|o| self.flat_acc(an.skipped(name, o)),
                        ),
                    );
                    an.release_idle();
                    for b in acc.map(|a| a.batches).unwrap_or_default() {
                        if !b.is_empty() {
                            rows += b.len() as u64;
                            sink.write(b).map_err(FlattenError::Output)?;
                        }
                    }
                }
                Ok(rows)
            };
        self.run_each(inputs.len(), sink, direct, read, rewrite)
    }

    /// The run: `read(k, dedupe, on_batch)` reads input `k` through the per-line pass with
    /// `dedupe(k)`, handing each batch's accumulator to `on_batch` in order, and returns the
    /// bytes read, or the error that stopped it (`None` when `on_batch` did).
    ///
    /// With `direct` (while removing duplicates), rows go to the sink at once and, when the
    /// plan drops copies, `rewrite` writes them all again; else they wait in a spool.
    fn run_each<R, W>(
        &self,
        inputs: usize,
        sink: &mut (dyn RowSink + Send),
        direct: bool,
        read: R,
        rewrite: W,
    ) -> Result<FlattenSummary, FlattenError>
    where
        R: Fn(
            u32,
            Dedupe<'static>,
            &mut dyn FnMut(FlatAcc) -> Result<(), ()>,
        ) -> Result<u64, Option<FlattenError>>,
        W: FnOnce(&DedupePlan, &mut (dyn RowSink + Send)) -> Result<u64, FlattenError>,
    {
        let an = &self.analyzer;
        let dedupe = !an.keep_duplicates;
        let mut store = dedupe.then(|| IdentityStore::new(an.dedupe_memory));
        let spool = if dedupe && !direct {
            Some(TempFile::new("rows").map_err(FlattenError::Output)?)
        } else {
            None
        };
        let dedupe_of = move |k: u32| Dedupe {
            input: k,
            collect: dedupe,
            plan: None,
        };
        let mut total = an.accumulator();
        let mut unreadable = Vec::new();
        let mut rows = 0u64;
        let mut stop: Option<Stop> = None;
        let written = std::thread::scope(|scope| -> Result<(), FlattenError> {
            let (tx, rx) = sync_channel::<Vec<RowBatch>>(WRITER_QUEUE);
            // The writer: rows to the sink, or to the spool while duplicates are unknown.
            let spool_file = spool.as_ref();
            let sink_ref = &mut *sink;
            let writer = scope.spawn(move || -> io::Result<()> {
                let mut to_spool = match spool_file {
                    Some(s) => Some(BufWriter::with_capacity(1 << 20, spool_handle(s)?)),
                    None => None,
                };
                for batches in rx {
                    for b in batches {
                        match &mut to_spool {
                            Some(w) => b.write_to(w)?,
                            None => sink_ref.write(b)?,
                        }
                    }
                }
                if let Some(mut w) = to_spool {
                    w.flush()?;
                }
                Ok(())
            });
            for k in 0..inputs as u32 {
                let mut input_acc = an.accumulator();
                let mut sent = false;
                let mut on_batch = |mut acc: FlatAcc| -> Result<(), ()> {
                    if an.on_error == OnError::Fail
                        && let Some(first) = acc.acc.errors.first()
                    {
                        stop = Some(Stop::Run(RunError::BadLine(first.clone())));
                        return Err(());
                    }
                    if let Some(store) = &mut store {
                        let ids = std::mem::take(&mut acc.acc.identities);
                        if let Err(e) = store.extend(ids) {
                            stop = Some(Stop::Run(RunError::Input(crate::input::InputError {
                                name: "(session identities)".into(),
                                source: e,
                            })));
                            return Err(());
                        }
                    }
                    rows += acc.batches.iter().map(|b| b.len() as u64).sum::<u64>();
                    input_acc.merge(acc.acc);
                    let batches: Vec<RowBatch> =
                        acc.batches.into_iter().filter(|b| !b.is_empty()).collect();
                    if !batches.is_empty() {
                        sent = true;
                        if tx.send(batches).is_err() {
                            stop = Some(Stop::Writer);
                            return Err(());
                        }
                    }
                    Ok(())
                };
                let result = read(k, dedupe_of(k), &mut on_batch);
                an.release_idle();
                match result {
                    Ok(bytes) => {
                        input_acc.counts.files += 1;
                        input_acc.counts.bytes += bytes;
                        total.merge(input_acc);
                    }
                    // Unreadable before any of its lines reached the sink (missing, UTF-16,
                    // not a file): reported and skipped, as `analyze` does.
                    Err(Some(FlattenError::Run(RunError::Input(e))))
                        if !sent && an.keep_going_on_unreadable =>
                    {
                        unreadable.push(crate::analyze::UnreadableInput::from(&e));
                    }
                    Err(Some(e)) => {
                        drop(tx);
                        let _ = writer.join();
                        return Err(e);
                    }
                    Err(None) => break,
                }
            }
            drop(tx);
            let written = writer
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the writer thread panicked")));
            match stop.take() {
                Some(Stop::Run(e)) => Err(FlattenError::Run(e)),
                Some(Stop::Writer) | None => written.map_err(FlattenError::Output),
            }
        });
        written?;
        if direct && let Some(store) = store {
            let plan = store.plan(|_| true).map_err(FlattenError::Output)?;
            if !plan.is_empty() {
                rows = rewrite(&plan, sink)?;
                let losers = plan.losers().len() as u64;
                total.counts.duplicate_sessions += losers;
                total.counts.sessions -= losers.min(total.counts.sessions);
            }
        } else if let (Some(store), Some(spool)) = (store, spool) {
            let plan = store.plan(|_| true).map_err(FlattenError::Output)?;
            let mut reader = BufReader::with_capacity(
                1 << 20,
                spool_handle(&spool).map_err(FlattenError::Output)?,
            );
            reader
                .seek(SeekFrom::Start(0))
                .map_err(FlattenError::Output)?;
            let mut kept = 0u64;
            loop {
                if reader.fill_buf_is_empty().map_err(FlattenError::Output)? {
                    break;
                }
                let batch = RowBatch::read_from(&mut reader).map_err(FlattenError::Output)?;
                let (batch, _) = batch.without_sessions(|o| plan.is_loser(o));
                kept += batch.len() as u64;
                if !batch.is_empty() {
                    sink.write(batch).map_err(FlattenError::Output)?;
                }
            }
            let losers = plan.losers().len() as u64;
            total.counts.duplicate_sessions += losers;
            total.counts.sessions -= losers.min(total.counts.sessions);
            rows = kept;
        }
        total.counts.streams = rows;
        Ok(FlattenSummary {
            rows,
            report: an.finish(total, unreadable),
        })
    }
}

/// A second handle on the spool file (it may be unlinked already).
fn spool_handle(spool: &TempFile) -> io::Result<std::fs::File> {
    spool.try_clone_file()
}

/// `BufRead::fill_buf` is empty: the end of the spool.
trait AtEnd {
    fn fill_buf_is_empty(&mut self) -> io::Result<bool>;
}

impl<R: Read> AtEnd for BufReader<R> {
    fn fill_buf_is_empty(&mut self) -> io::Result<bool> {
        use std::io::BufRead;
        Ok(self.fill_buf()?.is_empty())
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Where an input's bytes can be read again for a second pass.
enum Source {
    /// The file itself (a plain, non-empty regular file).
    File(std::path::PathBuf),
    /// Its decompressed bytes, spooled while read (compressed files, standard input, FIFOs).
    Spool(TempFile),
}

impl Source {
    fn of(input: &InputSource) -> io::Result<Source> {
        match input {
            InputSource::File { path, .. }
                if input.compression() == crate::input::Compression::None
                    && std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() > 0) =>
            {
                Ok(Source::File(path.clone()))
            }
            _ => TempFile::new("spool").map(Source::Spool),
        }
    }

    fn read(&self, range: std::ops::Range<u64>) -> io::Result<Vec<u8>> {
        match self {
            Source::File(path) => {
                std::fs::File::open(path).and_then(|mut f| crate::dedupe::read_range(&mut f, range))
            }
            Source::Spool(t) => t.read_range(range),
        }
    }
}
