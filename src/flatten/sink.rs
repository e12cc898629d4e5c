//! Where rows go: [`RowSink`], one file ([`FileSink`]) or a Hive-partitioned directory
//! ([`DirSink`]), written under temporary names and renamed when complete.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::{RowBatch, RowForm};
use crate::datetime::DateTimeOffset;
use crate::output::{Output, OutputFile};

/// What receives the rows of a run, batch after batch, in input order.
///
/// A closure `FnMut(&RowBatch) -> io::Result<()>` is one. An error stops the run
/// ([`FlattenError::Output`](super::FlattenError::Output)).
pub trait RowSink {
    /// Takes the next batch.
    fn write(&mut self, batch: RowBatch) -> io::Result<()>;

    /// How the sink wants its rows (default: column values). A sink that asks for text gets
    /// batches made by [`RowBatch::encoding`] whenever the run hands rows over as it makes
    /// them, and column values when they come from the spool.
    fn form(&self) -> RowForm {
        RowForm::Columns
    }

    /// Whether [`restart`](Self::restart) works. While removing duplicates, a run writes to
    /// a sink that can restart as it reads, and writes again only when copies turned out to
    /// be dropped; into any other sink, rows wait in a temporary spool until every input is
    /// read. (The default: no.)
    fn restartable(&self) -> bool {
        false
    }

    /// Throws away everything written so far, to take the rows again from the start.
    fn restart(&mut self) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "this sink cannot start again",
        ))
    }
}

impl<F: FnMut(&RowBatch) -> io::Result<()>> RowSink for F {
    fn write(&mut self, batch: RowBatch) -> io::Result<()> {
        self(&batch)
    }
}

/// The file format of the rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// Apache Parquet (cargo feature `parquet`).
    Parquet,
    /// CSV, RFC 4180, with a header row.
    Csv,
    /// One JSON object per line.
    Ndjson,
}

impl OutputFormat {
    /// The file name extension (`parquet`, `csv`, `ndjson`).
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Parquet => "parquet",
            OutputFormat::Csv => "csv",
            OutputFormat::Ndjson => "ndjson",
        }
    }

    /// The format a file name's extension names (`.parquet`, `.csv`, `.ndjson` or `.jsonl`).
    pub fn from_name(name: &str) -> Option<OutputFormat> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "parquet" | "pq" => Some(OutputFormat::Parquet),
            "csv" => Some(OutputFormat::Csv),
            "ndjson" | "jsonl" => Some(OutputFormat::Ndjson),
            _ => None,
        }
    }
}

/// How a directory output is partitioned: by the UTC day or month of the session's start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartitionBy {
    /// `day=2026-11-02`.
    Day,
    /// `month=2026-11`.
    Month,
}

/// Hive's name for the partition of rows without a value (here: no session start).
pub const HIVE_DEFAULT_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

impl PartitionBy {
    /// The partition column's name (`day`, `month`).
    pub fn name(self) -> &'static str {
        match self {
            PartitionBy::Day => "day",
            PartitionBy::Month => "month",
        }
    }

    /// Writes the partition's directory name for a session starting at `start` into `out`:
    /// `day=2026-11-02`, or `day=__HIVE_DEFAULT_PARTITION__` without a start.
    pub fn directory(self, start: Option<DateTimeOffset>, out: &mut String) {
        out.clear();
        out.push_str(self.name());
        out.push('=');
        match start {
            None => out.push_str(HIVE_DEFAULT_PARTITION),
            Some(t) => match self {
                PartitionBy::Day => t.utc_date().write_day(out),
                PartitionBy::Month => t.utc_date().write_month(out),
            },
        }
    }
}

/// An output being written: a file committed at the end, a device, or standard output.
enum Target {
    File(OutputFile),
    Device(BufWriter<File>),
    Stdout(BufWriter<io::Stdout>),
}

impl Target {
    fn open(path: Option<&Path>) -> io::Result<Target> {
        Ok(match Output::create(path)? {
            Output::File(f) => Target::File(f),
            Output::Device(d) => Target::Device(d),
            _ => Target::Stdout(BufWriter::with_capacity(1 << 16, io::stdout())),
        })
    }

    fn finish(self) -> io::Result<()> {
        match self {
            Target::File(f) => f.commit(),
            Target::Device(mut d) => crate::output::ignore_broken_pipe(d.flush()),
            Target::Stdout(mut s) => crate::output::ignore_broken_pipe(s.flush()),
        }
    }
}

impl Write for Target {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Target::File(f) => f.writer().write(buf),
            Target::Device(d) => d.write(buf),
            Target::Stdout(s) => s.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Target::File(f) => f.writer().write_all(buf),
            Target::Device(d) => d.write_all(buf),
            Target::Stdout(s) => s.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Target::File(f) => f.writer().flush(),
            Target::Device(d) => d.flush(),
            Target::Stdout(s) => s.flush(),
        }
    }
}

/// One output file's writer, by format.
enum Encoder {
    Text {
        ndjson: bool,
        out: Target,
        buf: Vec<u8>,
    },
    #[cfg(feature = "parquet")]
    Parquet(Box<super::parquet::ParquetWriter<Target>>),
}

/// The error of a format this build cannot write.
fn parquet_missing() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "Parquet needs the `parquet` cargo feature, which this build of callq lacks \
         (use --format csv or ndjson, or build with default features)",
    )
}

impl Encoder {
    fn new(
        format: OutputFormat,
        mut out: Target,
        with_buildings: bool,
        options: &SinkOptions,
    ) -> io::Result<Encoder> {
        match format {
            OutputFormat::Csv => {
                super::text::write_csv_header(super::columns(with_buildings), &mut out)?;
                Ok(Encoder::Text {
                    ndjson: false,
                    out,
                    buf: Vec::new(),
                })
            }
            OutputFormat::Ndjson => Ok(Encoder::Text {
                ndjson: true,
                out,
                buf: Vec::new(),
            }),
            #[cfg(feature = "parquet")]
            OutputFormat::Parquet => {
                super::parquet::ParquetWriter::new(out, with_buildings, &options.parquet)
                    .map(|w| Encoder::Parquet(Box::new(w)))
                    .map_err(super::parquet::io_error)
            }
            #[cfg(not(feature = "parquet"))]
            OutputFormat::Parquet => {
                let _ = (out, options);
                Err(parquet_missing())
            }
        }
    }

    fn write(&mut self, batch: RowBatch) -> io::Result<()> {
        match self {
            Encoder::Text { out, .. } if batch.encoded().is_some() => {
                out.write_all(batch.encoded().unwrap_or_default())
            }
            Encoder::Text { ndjson, out, buf } => {
                buf.clear();
                for r in 0..batch.len() {
                    if *ndjson {
                        super::text::write_ndjson_row(&batch, r, buf);
                    } else {
                        super::text::write_csv_row(&batch, r, buf);
                    }
                    if buf.len() >= 1 << 16 {
                        out.write_all(buf)?;
                        buf.clear();
                    }
                }
                out.write_all(buf)
            }
            #[cfg(feature = "parquet")]
            Encoder::Parquet(w) => w.write(batch).map_err(super::parquet::io_error),
        }
    }

    fn in_progress_size(&self) -> usize {
        match self {
            Encoder::Text { .. } => 0,
            #[cfg(feature = "parquet")]
            Encoder::Parquet(w) => w.in_progress_size(),
        }
    }

    fn flush_row_group(&mut self) -> io::Result<()> {
        match self {
            Encoder::Text { .. } => Ok(()),
            #[cfg(feature = "parquet")]
            Encoder::Parquet(w) => w.flush().map_err(super::parquet::io_error),
        }
    }

    fn finish(self) -> io::Result<()> {
        match self {
            Encoder::Text { out, .. } => out.finish(),
            #[cfg(feature = "parquet")]
            Encoder::Parquet(w) => w.finish().map_err(super::parquet::io_error)?.finish(),
        }
    }
}

/// Options of the file sinks.
#[derive(Clone, Debug, Default)]
pub struct SinkOptions {
    /// How Parquet is written.
    #[cfg(feature = "parquet")]
    pub parquet: super::ParquetOptions,
}

/// Rows into one file (`--output FILE`): written under a temporary name beside it and
/// renamed over it by [`finish`](Self::finish); dropped unfinished (an error, a bad line
/// under `--on-error fail`), it leaves nothing behind. `-` is standard output, a device is
/// written in place (as [`Output`] does).
pub struct FileSink {
    encoder: Option<Encoder>,
    path: PathBuf,
    format: OutputFormat,
    with_buildings: bool,
    options: SinkOptions,
}

impl FileSink {
    /// Opens the output now (so that an unwritable destination fails before any input is
    /// read).
    pub fn create(
        path: &Path,
        format: OutputFormat,
        with_buildings: bool,
        options: &SinkOptions,
    ) -> io::Result<FileSink> {
        if format == OutputFormat::Parquet && !cfg!(feature = "parquet") {
            return Err(parquet_missing());
        }
        let target = Target::open(Some(path))?;
        Ok(FileSink {
            encoder: Some(Encoder::new(format, target, with_buildings, options)?),
            path: path.to_path_buf(),
            format,
            with_buildings,
            options: options.clone(),
        })
    }

    /// Writes what is buffered (a Parquet footer) and renames the file to its name.
    pub fn finish(self) -> io::Result<()> {
        match self.encoder {
            Some(e) => e.finish(),
            None => Err(io::Error::other("the file could not be started again")),
        }
    }

    fn encoder(&mut self) -> io::Result<&mut Encoder> {
        self.encoder
            .as_mut()
            .ok_or_else(|| io::Error::other("the file could not be started again"))
    }
}

/// The text form of a format (Parquet takes column values).
fn form_of(format: OutputFormat) -> RowForm {
    match format {
        OutputFormat::Parquet => RowForm::Columns,
        OutputFormat::Csv => RowForm::Csv,
        OutputFormat::Ndjson => RowForm::Ndjson,
    }
}

impl RowSink for FileSink {
    fn write(&mut self, batch: RowBatch) -> io::Result<()> {
        self.encoder()?.write(batch)
    }

    fn form(&self) -> RowForm {
        form_of(self.format)
    }

    /// A file written under a temporary name can (standard output and devices cannot).
    fn restartable(&self) -> bool {
        matches!(
            self.encoder,
            Some(Encoder::Text {
                out: Target::File(_),
                ..
            })
        ) || self.parquet_to_file()
    }

    fn restart(&mut self) -> io::Result<()> {
        if !self.restartable() {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "standard output and devices cannot start again",
            ));
        }
        // The old temporary file goes first (dropping it removes it).
        self.encoder = None;
        let target = Target::open(Some(&self.path))?;
        self.encoder = Some(Encoder::new(
            self.format,
            target,
            self.with_buildings,
            &self.options,
        )?);
        Ok(())
    }
}

impl FileSink {
    #[cfg(feature = "parquet")]
    fn parquet_to_file(&self) -> bool {
        matches!(&self.encoder, Some(Encoder::Parquet(w)) if matches!(w.output(), Target::File(_)))
    }

    #[cfg(not(feature = "parquet"))]
    fn parquet_to_file(&self) -> bool {
        false
    }
}

/// The name of the one file of each partition.
const PART_FILE: &str = "part-00000";

/// The Parquet row groups in progress across partitions may hold this much before the
/// largest is written out early (each partition's row groups are bounded anyway; this bounds
/// their sum when a run spans many days).
const PARTITIONS_IN_PROGRESS_BYTES: usize = 128 << 20;

/// Rows into a directory (`--output-dir DIR`): with partitions, one file per partition in a
/// Hive layout (`DIR/day=2026-11-02/part-00000.parquet`), else `DIR/part-00000.parquet`.
/// Every file is written under a temporary name and renamed by [`finish`](Self::finish);
/// dropped unfinished, the sink removes its temporary files and the directories it made.
pub struct DirSink {
    dir: PathBuf,
    format: OutputFormat,
    with_buildings: bool,
    options: SinkOptions,
    overwrite: bool,
    files: BTreeMap<String, Encoder>,
    /// Directories this sink made, in the order made.
    made: Vec<PathBuf>,
    finished: bool,
}

/// True when `dir` exists and holds anything.
fn non_empty(dir: &Path) -> io::Result<bool> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_some()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

impl DirSink {
    /// Prepares `dir`: refuses one that exists and is not empty unless `overwrite` (then the
    /// partition files of an earlier run that this run does not write again are removed by
    /// [`finish`](Self::finish)); makes it when missing; checks now that it is writable.
    pub fn create(
        dir: &Path,
        format: OutputFormat,
        with_buildings: bool,
        options: &SinkOptions,
        overwrite: bool,
    ) -> io::Result<DirSink> {
        if format == OutputFormat::Parquet && !cfg!(feature = "parquet") {
            return Err(parquet_missing());
        }
        if dir.exists() && !dir.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "exists and is not a directory",
            ));
        }
        if non_empty(dir)? && !overwrite {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "exists and is not empty; name a new directory, or add --overwrite to replace \
                 the partitions of an earlier run",
            ));
        }
        let mut sink = DirSink {
            dir: dir.to_path_buf(),
            format,
            with_buildings,
            options: options.clone(),
            overwrite,
            files: BTreeMap::new(),
            made: Vec::new(),
            finished: false,
        };
        sink.make_dirs(dir)?;
        // Writable? A probe file, created and removed now, before any input is read.
        drop(OutputFile::create(&dir.join(".callq-probe"))?);
        Ok(sink)
    }

    /// Makes `dir` and its missing parents, remembering the ones made.
    fn make_dirs(&mut self, dir: &Path) -> io::Result<()> {
        let mut missing = Vec::new();
        let mut d = dir;
        while !d.as_os_str().is_empty() && !d.exists() {
            missing.push(d.to_path_buf());
            match d.parent() {
                Some(p) => d = p,
                None => break,
            }
        }
        for m in missing.into_iter().rev() {
            match std::fs::create_dir(&m) {
                Ok(()) => self.made.push(m),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn file_name(&self) -> String {
        format!("{PART_FILE}.{}", self.format.extension())
    }

    /// Writes every file's end and renames each to its name; with `overwrite`, then removes
    /// the partition files of an earlier run that this run did not write.
    pub fn finish(mut self) -> io::Result<()> {
        let files = std::mem::take(&mut self.files);
        let written: Vec<String> = files.keys().cloned().collect();
        for (_, encoder) in files {
            encoder.finish()?;
        }
        self.finished = true;
        self.remove_empty_made();
        if self.overwrite {
            self.remove_stale(&written)?;
        }
        Ok(())
    }

    /// Removes `part-*.{parquet,csv,ndjson}` files in `DIR` and its `name=value`
    /// directories that this run did not write, and the directories that leaves empty.
    fn remove_stale(&self, written: &[String]) -> io::Result<()> {
        let ours = self.file_name();
        let is_part = |name: &str| {
            name.starts_with("part-")
                && OutputFormat::from_name(name).is_some()
                && !name.ends_with(".jsonl")
        };
        let sweep = |dir: &Path, keep: bool| -> io::Result<()> {
            for entry in std::fs::read_dir(dir)? {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if entry.file_type()?.is_file() && is_part(&name) && !(keep && name == ours) {
                    std::fs::remove_file(entry.path())?;
                }
            }
            Ok(())
        };
        sweep(&self.dir, written.iter().any(|w| w.is_empty()))?;
        for entry in std::fs::read_dir(&self.dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.file_type()?.is_dir() && name.contains('=') && !name.starts_with('.') {
                sweep(&entry.path(), written.contains(&name))?;
                if !non_empty(&entry.path())? {
                    std::fs::remove_dir(entry.path())?;
                }
            }
        }
        Ok(())
    }
}

impl RowSink for DirSink {
    fn write(&mut self, batch: RowBatch) -> io::Result<()> {
        let key = batch.partition().unwrap_or("").to_owned();
        if !self.files.contains_key(&key) {
            let dir = if key.is_empty() {
                self.dir.clone()
            } else {
                self.dir.join(&key)
            };
            self.make_dirs(&dir)?;
            let target = Target::File(OutputFile::create(&dir.join(self.file_name()))?);
            let encoder = Encoder::new(self.format, target, self.with_buildings, &self.options)?;
            self.files.insert(key.clone(), encoder);
        }
        let encoder = self.files.get_mut(&key).expect("inserted above");
        encoder.write(batch)?;
        // Bound the row groups buffered across partitions: write the largest out early.
        // (Decided on sizes that depend on the rows only, so the bytes do not depend on the
        // thread count.)
        if self.format == OutputFormat::Parquet {
            let mut total: usize = self.files.values().map(Encoder::in_progress_size).sum();
            while total > PARTITIONS_IN_PROGRESS_BYTES {
                let Some(largest) = self.files.values_mut().max_by_key(|e| e.in_progress_size())
                else {
                    break;
                };
                let size = largest.in_progress_size();
                if size == 0 {
                    break;
                }
                largest.flush_row_group()?;
                total -= size;
            }
        }
        Ok(())
    }

    fn form(&self) -> RowForm {
        form_of(self.format)
    }

    fn restartable(&self) -> bool {
        true
    }

    fn restart(&mut self) -> io::Result<()> {
        // Dropping the writers removes their temporary files.
        self.files.clear();
        Ok(())
    }
}

impl DirSink {
    /// Removes the directories this sink made that hold nothing (a partition whose rows were
    /// all dropped copies, after a restart).
    fn remove_empty_made(&self) {
        for d in self.made.iter().rev() {
            if d != &self.dir {
                let _ = std::fs::remove_dir(d);
            }
        }
    }
}

impl Drop for DirSink {
    fn drop(&mut self) {
        if !self.finished {
            // Temporary files go with their writers; then the directories made, deepest first
            // (only when empty: nothing of anyone else's is removed).
            self.files.clear();
            for d in self.made.iter().rev() {
                let _ = std::fs::remove_dir(d);
            }
        }
    }
}
