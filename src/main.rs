//! The `callq` command: a thin layer of clap arguments over the library's [`Analyzer`].

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration as StdDuration, Instant};

use anyhow::Context;
use callq::analyze::{
    Analyzer, Condition, DEFAULT_MAX_GROUPS, DEFAULT_MAX_LINE_BYTES, Dimension, Filter,
    MAX_LISTED_ERRORS, OnError, Progress, Report, RunError, UnreadableInput, parse_time,
};
use callq::buildings::Buildings;
use callq::classify::Classifier;
use callq::datetime::DateTimeOffset;
use callq::document::Reading;
use callq::generate::{Form, GenConfig, Shape, generate_form, generate_versions, parse_size};
use callq::input::{InputSource, discover, is_input_name};
use callq::output::{self, Output};
use callq::report::{self, Format, counted, decimal_size, grouped, terminal_safe};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

/// Crunch archived Microsoft Graph callRecords (NDJSON pages of sessions) into per-stream
/// quality statistics.
#[derive(Parser, Debug)]
#[command(name = "callq", version, about, long_about = None, arg_required_else_help = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Report the quality of every media stream, grouped and classified like CQD.
    Analyze(AnalyzeArgs),
    /// Validate every declared property of every line; exit 1 if any line is bad.
    Check(CheckArgs),
    /// Write a deterministic, realistic callRecords NDJSON corpus (for benchmarks and tests).
    Gen(GenArgs),
    /// Merge partial reports (`analyze --format partial`) into the report of one run over
    /// all their inputs.
    Merge(MergeArgs),
    /// Write one self-contained HTML quality report with charts (no network, no script).
    Report(ReportArgs),
    /// Write one row per stream (with its call, session and endpoint context) as Parquet, CSV
    /// or NDJSON, for DuckDB, Spark, Polars and Power BI.
    Flatten(FlattenArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum OnErrorArg {
    /// Count bad lines, list the first 100 in the report, and go on.
    Skip,
    /// Stop at the first bad line, write no report, exit 1.
    Fail,
}

impl From<OnErrorArg> for OnError {
    fn from(a: OnErrorArg) -> Self {
        match a {
            OnErrorArg::Skip => OnError::Skip,
            OnErrorArg::Fail => OnError::Fail,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ClassifierArg {
    /// The current CQD stream classification rules.
    Current,
    /// The rules as first published (2019–2020).
    #[value(name = "cqd-2020")]
    Cqd2020,
}

/// The report formats of `analyze`, `merge` and `report`: one list, each command taking the
/// ones it can write ([`format_parser`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum AnalyzeFormat {
    /// An aligned table on stdout.
    Table,
    /// JSON, schemaVersion 1.
    Json,
    /// One row per group and metric.
    Csv,
    /// The self-contained HTML report of `callq report`.
    Html,
    /// The run's mergeable state for `callq merge` (binary; needs --output or a pipe).
    Partial,
}

/// The `--format` parser of a command that writes the formats `allowed` (their help is the
/// variants' own).
fn format_parser(
    allowed: &'static [AnalyzeFormat],
) -> impl clap::builder::TypedValueParser<Value = AnalyzeFormat> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(allowed.iter().filter_map(|f| f.to_possible_value()))
        .map(|s| <AnalyzeFormat as ValueEnum>::from_str(&s, false).expect("a possible value"))
}

use AnalyzeFormat as F;
/// What `analyze` writes.
const ANALYZE_FORMATS: &[AnalyzeFormat] = &[F::Table, F::Json, F::Csv, F::Partial];
/// What `merge` writes.
const MERGE_FORMATS: &[AnalyzeFormat] = &[F::Table, F::Json, F::Csv, F::Html, F::Partial];
/// What `report` writes.
const REPORT_FORMATS: &[AnalyzeFormat] = &[F::Html, F::Partial];

#[derive(Clone, Copy, Debug, ValueEnum)]
enum CheckFormat {
    /// A short table.
    Table,
    /// JSON: schemaVersion, input and errors.
    Json,
}

#[derive(Args, Debug)]
struct CommonArgs {
    /// Worker threads (default: one per core; at most 4 per core). The report is identical
    /// for any value.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// What a bad line does.
    #[arg(long, value_enum, default_value = "skip", value_name = "MODE")]
    on_error: OnErrorArg,
    #[command(flatten)]
    out: OutputArgs,
    /// Write every bad line to FILE as NDJSON (file, line, byteOffset, message); the report
    /// lists only the first 100.
    #[arg(long, value_name = "FILE")]
    errors: Option<PathBuf>,
    /// Longest line read, in bytes (units allowed: 64MiB); a longer line is a bad line.
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_line_limit)]
    max_line_bytes: u64,
    /// Memory that lines over 1 MiB may take at once while parsed (units allowed: 2GiB);
    /// default: a quarter of the RAM, at most 4 GiB. A line that needs more is a bad line.
    #[arg(long, value_name = "SIZE", value_parser = parse_size_arg)]
    max_memory: Option<u64>,
    /// No progress bar (it is shown only when stderr is a terminal anyway).
    #[arg(long)]
    no_progress: bool,
    /// Read plain files with read(2) instead of mapping them: for files that may be truncated
    /// or rewritten while callq runs (a mapped file cut short stops the run with exit 2).
    #[arg(long)]
    no_mmap: bool,
    /// Inputs: files, directories (searched for *.ndjson, *.jsonl, *.json, also .gz/.zst),
    /// or - for standard input. .ndjson/.jsonl files hold one document per line; .json files
    /// and standard input may also hold pretty-printed documents and JSON arrays of them.
    /// Graph pages of sessions or callRecords, callRecords and $batch replies are read; other
    /// Graph documents (PSTN or direct-routing rows, ...) are counted, not read as sessions.
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<String>,
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    callq analyze --by direction,label archive/\n  \
    callq analyze --since 2026-11-01 --until 2026-11-08 --where caller.connectionType=wired archive/\n  \
    callq analyze --buildings buildings.csv --by caller.building,week --top 20 archive/\n  \
    callq analyze --by caller.userDisplayName --where label=main-audio --top 20 --min-streams 50 archive/")]
struct AnalyzeArgs {
    /// Group streams by these dimensions, comma-separated: direction, label, day, hour
    /// (2026-11-02T14), week (ISO, 2026-W45), month (all UTC, of the session's start), quality
    /// (good, poor, unclassified), and caller.X, callee.X, sender.X, receiver.X where X is
    /// platform, productFamily, connectionType, kind (participant or service), userId,
    /// userDisplayName, captureDevice, renderDevice, subnet, wifiBand, or, with --buildings,
    /// building, city, country, region, network, insideCorp.
    #[arg(long, value_name = "DIMS", value_parser = parse_dims)]
    by: Option<DimensionList>,
    #[command(flatten)]
    filters: FilterArgs,
    /// Report only the N groups with the highest poor rate (among those with at least
    /// --min-streams classified streams), worst first; needs --by.
    #[arg(long, value_name = "N")]
    top: Option<usize>,
    /// With --top: the fewest classified (good + poor) streams a group needs to be ranked.
    #[arg(long, value_name = "M", default_value_t = 10, requires = "top")]
    min_streams: u64,
    /// Report format.
    #[arg(long, default_value = "table", value_parser = format_parser(ANALYZE_FORMATS))]
    format: AnalyzeFormat,
    #[command(flatten)]
    csv: CsvArgs,
    #[command(flatten)]
    limits: GroupLimitArgs,
    #[command(flatten)]
    dedupe: DedupeArgs,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    callq report -o report.html archive/\n  \
    callq report --by-time week --buildings buildings.csv --since 2026-10-01 -o q4.html archive/")]
struct ReportArgs {
    /// Step of the trend charts: day, week (ISO) or month (UTC, of the session's start).
    #[arg(long, value_name = "STEP", default_value = "day", value_parser = ["day", "week", "month"])]
    by_time: String,
    /// What to write: the HTML report, or the run's mergeable state for `callq merge --format
    /// html` (binary; needs --output or a pipe).
    #[arg(long, default_value = "html", value_parser = format_parser(REPORT_FORMATS))]
    format: AnalyzeFormat,
    #[command(flatten)]
    filters: FilterArgs,
    /// The fewest classified (good + poor) streams a group needs to be charted and ranked.
    #[arg(long, value_name = "M", default_value_t = 10)]
    min_streams: u64,
    #[command(flatten)]
    limits: GroupLimitArgs,
    #[command(flatten)]
    dedupe: DedupeArgs,
    #[command(flatten)]
    common: CommonArgs,
}

/// The stream filters (`--since`, `--until`, `--where`) with the building file and the
/// classifier they may need: one definition for every command that reads streams
/// (`analyze`, `report`, `flatten`).
#[derive(Args, Debug)]
struct FilterArgs {
    /// Keep sessions that start at or after T: a date (2026-11-01, midnight UTC) or a
    /// date-time with an offset (2026-11-01T08:00:00+01:00).
    #[arg(long, value_name = "T", value_parser = parse_time)]
    since: Option<DateTimeOffset>,
    /// Keep sessions that start before T (same forms as --since).
    #[arg(long, value_name = "T", value_parser = parse_time)]
    until: Option<DateTimeOffset>,
    /// Keep streams whose value of dimension DIM (any `analyze --by` dimension) is one of the
    /// values; `null` stands for a missing value. Repeatable: all must hold. Filtered streams
    /// are counted (input.filteredStreams) and left out of everything else.
    #[arg(long = "where", value_name = "DIM=V[,V...]", value_parser = Condition::parse)]
    where_: Vec<Condition>,
    /// The CQD building data file (CSV or TSV, no header, 14 or 15 columns, as uploaded to
    /// the Call Quality Dashboard): gives the building, city, country, region, network and
    /// insideCorp dimensions (report: a building chart; flatten: building columns), by the
    /// longest range holding the endpoint's subnet (else its IP address).
    #[arg(long, value_name = "FILE")]
    buildings: Option<PathBuf>,
    /// Classification rules (flatten writes both verdicts, quality and quality2020; this one
    /// decides --where quality=...).
    #[arg(long, value_enum, default_value = "current")]
    classifier: ClassifierArg,
}

impl FilterArgs {
    fn classifier(&self) -> Classifier {
        match self.classifier {
            ClassifierArg::Current => Classifier::Current,
            ClassifierArg::Cqd2020 => Classifier::Cqd2020,
        }
    }

    /// The filter, checked, with the building file a `--where` (or a dimension of `by`)
    /// needs.
    fn filter(&self, by: &[Dimension]) -> anyhow::Result<Filter> {
        let mut filter = Filter::new();
        if let Some(t) = self.since {
            filter = filter.since(t);
        }
        if let Some(t) = self.until {
            filter = filter.until(t);
        }
        for c in &self.where_ {
            filter = filter.condition(c.clone());
        }
        filter.check().map_err(anyhow::Error::msg)?;
        if self.buildings.is_none()
            && let Some(d) = by
                .iter()
                .chain(filter.conditions().iter().map(|c| &c.dimension))
                .find(|d| d.needs_buildings())
        {
            anyhow::bail!(
                "dimension `{}` comes from the building file: give it with --buildings FILE",
                d.name()
            );
        }
        Ok(filter)
    }

    /// The analyzer with this classifier, filter and building file (read, and refused when
    /// it breaks the rules, before any input); `by` as for [`FilterArgs::filter`].
    fn apply(&self, analyzer: Analyzer, by: &[Dimension]) -> anyhow::Result<Analyzer> {
        let mut analyzer = analyzer
            .classifier(self.classifier())
            .filter(self.filter(by)?);
        if let Some(path) = &self.buildings {
            let buildings = Buildings::load(path)
                .map_err(|e| anyhow::anyhow!("invalid building file (--buildings): {e}"))?;
            analyzer = analyzer.buildings(Arc::new(buildings));
        }
        Ok(analyzer)
    }

    /// `--where` as given (for flatten's Parquet metadata).
    fn where_texts(&self) -> Vec<String> {
        self.where_
            .iter()
            .map(|c| {
                let values: Vec<&str> = c
                    .values
                    .iter()
                    .map(|v| v.as_deref().unwrap_or("null"))
                    .collect();
                format!("{}={}", c.dimension.name(), values.join(","))
            })
            .collect()
    }
}

/// Duplicate handling, for every command that reads sessions for their streams.
#[derive(Args, Debug)]
struct DedupeArgs {
    /// Keep every copy of a session. By default one copy of each (record id, session id) is
    /// kept: the one with the highest record version, then the last in input order.
    #[arg(long)]
    keep_duplicates: bool,
    /// Memory for deduplication: up to 1/8 for the batch statistics kept for its second pass
    /// (past 1/64 they are packed, past 1/8 adjacent batches merge, and a merged span is read
    /// again whole if it holds a dropped copy), the rest for session identities
    /// (40 bytes each) before they spill to temporary files: 1GiB, 200MB, ... (results never
    /// depend on it).
    #[arg(long, value_name = "SIZE", default_value = "1GiB", value_parser = parse_size_arg)]
    dedupe_memory: u64,
}

impl DedupeArgs {
    fn apply(&self, analyzer: Analyzer) -> Analyzer {
        analyzer
            .keep_duplicates(self.keep_duplicates)
            .dedupe_memory(self.dedupe_memory)
    }
}

/// The bound on groups, for the commands that group.
#[derive(Args, Debug)]
struct GroupLimitArgs {
    /// Most groups a grouping may make; past it the run stops with an error (exit 2).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_GROUPS)]
    max_groups: usize,
}

/// CSV cell safety, for the commands that write CSV reports.
#[derive(Args, Debug)]
struct CsvArgs {
    /// CSV text cells as they are: by default one starting with = + - @ tab or CR gets a leading '.
    #[arg(long)]
    csv_raw: bool,
}

impl CsvArgs {
    fn options(&self) -> report::CsvOptions {
        report::CsvOptions::default().with_raw(self.csv_raw)
    }
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// Report format.
    #[arg(long, value_enum, default_value = "table")]
    format: CheckFormat,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Args, Debug)]
struct GenArgs {
    /// Seed: the same seed and size give the same bytes.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// How much to write: 200MB, 4GiB, 1.5GB, 1000 (bytes). Whole documents are written
    /// until at least SIZE bytes are out, so at least one (a few tens of kB), and the last
    /// line may pass SIZE.
    #[arg(long, value_parser = parse_size_arg)]
    size: u64,
    /// Document shape of each line.
    #[arg(long, default_value = "sessions", value_parser = ["sessions", "callrecord", "callrecords-page", "mixed"])]
    shape: String,
    /// Layout of the documents: ndjson (one per line), pretty (each pretty-printed, a JSON
    /// text sequence), array (one top-level JSON array), batch (Graph $batch replies of 20).
    /// Name the output .json for every form but ndjson.
    #[arg(long, default_value = "ndjson", value_parser = ["ndjson", "pretty", "array", "batch"])]
    form: String,
    /// Re-send every document N-1 times, each a version higher with revised metrics (as
    /// Graph re-sends a record for hours after the call), 50 documents after the one before:
    /// an archive with duplicates (NDJSON only; SIZE bounds the original documents).
    #[arg(long, value_name = "N", default_value_t = 1)]
    versions: u32,
    #[command(flatten)]
    out: OutputArgs,
}

/// Where a command writes: one definition of `--output` for every command.
#[derive(Args, Debug)]
struct OutputArgs {
    /// Write to FILE instead of stdout (- is stdout). The file appears only when it is
    /// complete; an input is never overwritten.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

fn parse_size_arg(s: &str) -> Result<u64, String> {
    parse_size(s).map_err(|e| e.to_string())
}

fn parse_line_limit(s: &str) -> Result<u64, String> {
    match parse_size(s).map_err(|e| e.to_string())? {
        0 => Err("the longest line must be at least 1 byte".into()),
        n => Ok(n),
    }
}

/// A parsed `--by` list (a newtype so clap takes it as one value).
#[derive(Clone, Debug)]
struct DimensionList(Vec<Dimension>);

fn parse_dims(s: &str) -> Result<DimensionList, String> {
    Dimension::parse_list(s)
        .map(DimensionList)
        .map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    // Windows shells pass `archive\*.ndjson` unexpanded; wild expands it as a Unix shell
    // would (elsewhere it returns the arguments as they are).
    // `--version` also names the structural scanner's kernel picked at run time on this CPU.
    let long_version = format!(
        "{}\nscanner kernel: {}",
        env!("CARGO_PKG_VERSION"),
        callq::scan::Kernel::detect().description()
    );
    let cli = Cli::command()
        .long_version(long_version.leak() as &'static str)
        .get_matches_from(wild::args_os());
    let cli = Cli::from_arg_matches(&cli).unwrap_or_else(|e| e.exit());
    callq::input::install_sigbus_handler();
    let result = match cli.command {
        Command::Analyze(a) => run_analyze(a),
        Command::Check(c) => run_check(c),
        Command::Gen(g) => run_gen(g),
        Command::Merge(m) => run_merge(m),
        Command::Report(r) => run_report(r),
        Command::Flatten(f) => run_flatten(f),
    };
    match result {
        Ok(code) => code,
        // A bad line under --on-error fail: status 1, as the contract says; no report.
        Err(e) if matches!(e.downcast_ref(), Some(RunError::BadLine(_))) => {
            eprintln!("callq: {}", terminal_safe(&format!("{e:#}")));
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("callq: error: {}", terminal_safe(&format!("{e:#}")));
            ExitCode::from(2)
        }
    }
}

/// At most this many worker threads per core: more only costs memory and start-up time.
const MAX_THREADS_PER_CORE: usize = 4;

fn thread_pool(threads: Option<u16>) -> anyhow::Result<rayon::ThreadPool> {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let max = (cores * MAX_THREADS_PER_CORE).max(8);
    let n = match threads.map(usize::from) {
        None => cores,
        Some(n) if n > max => {
            eprintln!(
                "callq: note: --threads {n} is more than {MAX_THREADS_PER_CORE} per core on this \
                 {cores}-core machine; using {max} (the report is the same)"
            );
            max
        }
        Some(n) => n,
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .context("cannot start worker threads")
}

/// The inputs found on the command line, and the outputs opened before anything is read, so
/// that a bad output path or an output that is an input fails at once.
struct Prepared {
    inputs: Vec<InputSource>,
    unreadable: Vec<UnreadableInput>,
    report: Output,
    errors: Option<(PathBuf, Output)>,
}

fn prepare(common: &CommonArgs) -> anyhow::Result<Prepared> {
    if common.paths.iter().filter(|p| *p == "-").count() > 1 {
        anyhow::bail!("standard input (-) is named twice; it can be read only once");
    }
    let found = discover(&common.paths);
    for s in &found.skipped {
        eprintln!("callq: skipped {}", terminal_safe(&s.to_string()));
    }
    let unreadable: Vec<UnreadableInput> = found.errors.iter().map(UnreadableInput::from).collect();
    let dirs: Vec<PathBuf> = common
        .paths
        .iter()
        .map(PathBuf::from)
        .filter(|p| p.is_dir())
        .collect();
    let open = |path: Option<&PathBuf>, what: &str| -> anyhow::Result<Output> {
        if let Some(path) = path.filter(|p| p.as_os_str() != "-") {
            let shown = terminal_safe(&path.to_string_lossy()).into_owned();
            output::refuse_if_input(path, &found.inputs)
                .with_context(|| format!("refusing to write the {what} to {shown}"))?;
            if output::is_inside_any(path, &dirs)
                && is_input_name(&path.file_name().unwrap_or_default().to_string_lossy())
            {
                eprintln!(
                    "callq: warning: the {what} {shown} is written inside a directory this run \
                     reads; a later run over that directory skips callq's JSON reports but would \
                     read other files as input: consider writing it elsewhere"
                );
            }
        }
        Output::create(path.map(PathBuf::as_path)).with_context(|| {
            format!(
                "cannot write the {what} to {}",
                terminal_safe(&path.map(|p| p.to_string_lossy()).unwrap_or_default())
            )
        })
    };
    let report = open(common.out.output.as_ref(), "report")?;
    let errors = match &common.errors {
        Some(path) => {
            if common
                .out
                .output
                .as_ref()
                .is_some_and(|o| o.as_os_str() != "-" && o == path)
            {
                anyhow::bail!("--errors and --output name the same file");
            }
            Some((path.clone(), open(Some(path), "bad-line list")?))
        }
        None => None,
    };
    Ok(Prepared {
        inputs: found.inputs,
        unreadable,
        report,
        errors,
    })
}

/// Runs the analyzer over the inputs with a progress bar, writes `--errors`, then prints the
/// summary and what the user must know (unreadable inputs, nothing read, bad lines).
fn run_analyzer(
    analyzer: &Analyzer,
    common: &CommonArgs,
    prepared: &mut Prepared,
    report_lists_errors: bool,
) -> anyhow::Result<Report> {
    let mut reports = run_analyzer_with(common, prepared, report_lists_errors, |inputs, p, u| {
        analyzer.analyze_inputs(inputs, p, u).map(|r| vec![r])
    })?;
    Ok(reports.remove(0))
}

/// [`run_analyzer`] for a run that makes one report or several (one per grouping): `run`
/// gets the inputs, the progress and the unreadable inputs, and returns at least one report;
/// the summary and `--errors` come from the first.
fn run_analyzer_with(
    common: &CommonArgs,
    prepared: &mut Prepared,
    report_lists_errors: bool,
    run: impl FnOnce(&[InputSource], &Progress, Vec<UnreadableInput>) -> Result<Vec<Report>, RunError>
    + Send,
) -> anyhow::Result<Vec<Report>> {
    let inputs = &prepared.inputs;
    let started = Instant::now();
    let unreadable = std::mem::take(&mut prepared.unreadable);
    let result = run_with_progress(common, inputs, |progress| run(inputs, progress, unreadable))?;
    let mut reports = result?;
    let errors_file = prepared.errors.take();
    if let Some((path, out)) = errors_file {
        out.write_with(|w| report::write_errors_ndjson(&reports[0].errors, w))
            .with_context(|| format!("cannot write {}", terminal_safe(&path.to_string_lossy())))?;
    }
    // The report itself lists the first ones only (`--errors` has them all).
    for report in &mut reports {
        report.errors.truncate(MAX_LISTED_ERRORS);
    }
    print_summary(
        &reports[0],
        started.elapsed().as_secs_f64(),
        common,
        report_lists_errors,
    );
    Ok(reports)
}

/// Runs `run` in a pool of `--threads` workers with the progress bar on stderr (shown when it
/// is a terminal and without --no-progress): the one bar of every command that reads inputs.
fn run_with_progress<T: Send>(
    common: &CommonArgs,
    inputs: &[InputSource],
    run: impl FnOnce(&Progress) -> T + Send,
) -> anyhow::Result<T> {
    let pool = thread_pool(common.threads)?;
    // The bar's total is what the inputs hold as stored (compressed files by their compressed
    // size, which is what the position counts for them too); a stream (standard input, a
    // FIFO) has no known size, and then the bar is a counter.
    let total_bytes: u64 = inputs
        .iter()
        .map(|i| match i {
            InputSource::File { path, .. } => std::fs::metadata(path)
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len()),
            InputSource::Stdin => None,
        })
        .sum::<Option<u64>>()
        .unwrap_or(0);
    let progress = Arc::new(Progress::default());
    let done = Arc::new(AtomicBool::new(false));
    let show = !common.no_progress && std::io::stderr().is_terminal();
    let bar_thread = show.then(|| {
        let progress = Arc::clone(&progress);
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let (bar, template) = if total_bytes > 0 {
                (
                    indicatif::ProgressBar::new(total_bytes),
                    "{bar:40} {decimal_bytes}/{decimal_total_bytes} {decimal_bytes_per_sec} eta {eta}",
                )
            } else {
                (
                    indicatif::ProgressBar::new_spinner(),
                    "{spinner} {decimal_bytes} {decimal_bytes_per_sec}",
                )
            };
            bar.set_style(
                indicatif::ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            while !done.load(Ordering::Relaxed) {
                bar.set_position(progress.bytes_done.load(Ordering::Relaxed));
                std::thread::sleep(StdDuration::from_millis(100));
            }
            bar.finish_and_clear();
        })
    });
    let result = pool.install(|| run(&progress));
    done.store(true, Ordering::Relaxed);
    if let Some(t) = bar_thread {
        let _ = t.join();
    }
    Ok(result)
}

fn print_summary(report: &Report, secs: f64, common: &CommonArgs, report_lists_errors: bool) {
    let c = &report.input;
    eprintln!(
        "callq: {}, {} in {:.2} s ({}/s), {}, {}",
        counted(c.files, "file", "files"),
        decimal_size(c.bytes),
        secs,
        decimal_size(if secs > 0.0 {
            (c.bytes as f64 / secs) as u64
        } else {
            0
        }),
        counted(c.sessions, "session", "sessions"),
        counted(c.bad_lines, "bad line", "bad lines"),
    );
    if c.duplicate_sessions > 0 {
        eprintln!(
            "callq: note: dropped {} (another copy of the same record id and session id was \
             kept: the highest version, then the last in input order; --keep-duplicates \
             counts every copy)",
            counted(
                c.duplicate_sessions,
                "duplicate session",
                "duplicate sessions"
            ),
        );
    }
    let slow = c.tape_rereads;
    if slow > 0 && slow * 100 >= c.documents {
        eprintln!(
            "callq: note: {} of {} good lines ({:.0}%) took the slower full parser \
             (a pretty-printed document, a tab or CR inside a line, an escaped key, ...); \
             the report is the same",
            grouped(slow),
            grouped(c.documents),
            slow as f64 * 100.0 / c.documents as f64
        );
    }
    let other: Vec<String> = callq::model::OtherKind::ALL
        .iter()
        .filter(|&&k| c.other(k) > 0)
        .map(|&k| format!("{} {}", grouped(c.other(k)), k.name()))
        .collect();
    if !other.is_empty() {
        eprintln!(
            "callq: note: documents that hold no sessions (counted in input.otherDocuments, \
             not as sessions): {}",
            other.join(", ")
        );
    }
    if c.truncated_records > 0 {
        eprintln!(
            "callq: warning: {} incomplete: {} sessions@odata.nextLink, so only the \
             first page of {} sessions is in the input; fetch the remaining pages \
             (GET the nextLink) to count them all",
            counted(c.truncated_records, "callRecord is", "callRecords are"),
            if c.truncated_records == 1 {
                "it has"
            } else {
                "they have"
            },
            if c.truncated_records == 1 {
                "its"
            } else {
                "their"
            },
        );
    }
    for u in &report.unreadable {
        eprintln!(
            "callq: error: cannot read {}",
            terminal_safe(&u.to_string())
        );
    }
    if let Some(first) = report.errors.first() {
        let listed = match &common.errors {
            Some(path) => format!("all listed in {}", terminal_safe(&path.to_string_lossy())),
            None if report_lists_errors => {
                "the first 100 listed in the report; --errors FILE lists every one".to_string()
            }
            None => "--errors FILE lists every one".to_string(),
        };
        eprintln!(
            "callq: skipped {} ({listed}); first: {}",
            counted(c.bad_lines, "bad line", "bad lines"),
            terminal_safe(&first.to_string())
        );
    }
    if c.documents == 0 && report.unreadable.is_empty() {
        eprintln!("callq: warning: {}", nothing_read(report));
    }
}

/// Why a run read no document, and what to do about it.
fn nothing_read(report: &Report) -> String {
    let c = &report.input;
    if c.files == 0 {
        return "no input was read: the report is empty".into();
    }
    if c.lines == 0 {
        return format!(
            "the {} held no lines (empty): the report is empty",
            if c.files == 1 { "input" } else { "inputs" }
        );
    }
    let hint = match report.errors.first() {
        Some(e) if e.message.contains("UTF-8") => {
            "the input is not UTF-8 text: is it binary, or in another encoding?"
        }
        Some(e) if e.message.contains("found array") => {
            "lines are JSON arrays: in .ndjson/.jsonl files callq reads one JSON object (a \
             Graph page) per line; name the file .json to read arrays and pretty-printed JSON"
        }
        _ => {
            "callq reads Graph pages of sessions, callRecords and $batch replies, one per line \
             in .ndjson/.jsonl files, or as pretty-printed JSON, arrays or NDJSON in .json \
             files and standard input; `callq check` lists what is wrong with each line"
        }
    };
    format!(
        "every line was bad ({}), nothing was read; {hint}",
        counted(c.bad_lines, "line", "lines")
    )
}

fn base_analyzer(common: &CommonArgs) -> Analyzer {
    let analyzer = Analyzer::new()
        .on_error(common.on_error.into())
        .max_line_bytes(usize::try_from(common.max_line_bytes).unwrap_or(DEFAULT_MAX_LINE_BYTES));
    let analyzer = if common.no_mmap {
        analyzer
    } else {
        // SAFETY: callq's documented contract is that archives are not modified while it
        // reads them (README, "Files changed while mapped"); a file truncated anyway raises
        // SIGBUS, which the handler installed in main turns into an error naming the file.
        unsafe { analyzer.memory_map() }
    };
    let analyzer = match common.max_memory {
        Some(bytes) => analyzer.max_memory(bytes),
        None => analyzer,
    };
    if common.errors.is_some() {
        analyzer.listed_errors(usize::MAX)
    } else {
        analyzer
    }
}

/// Exit status after a report: 2 when an input was unreadable, 1 when a bad line fails the
/// command or when nothing at all was read (as grep exits 1 when nothing matched).
fn finish(report: &Report, bad_is_failure: bool) -> ExitCode {
    if !report.unreadable.is_empty() {
        ExitCode::from(2)
    } else if (bad_is_failure && report.input.bad_lines > 0) || report.input.documents == 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn run_analyze(args: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let by = args.by.map(|d| d.0).unwrap_or_default();
    if args.top.is_some() && by.is_empty() {
        anyhow::bail!(
            "--top needs --by: it ranks groups, and without --by there is one group \
             (for example --by caller.platform --top 10)"
        );
    }
    let analyzer = base_analyzer(&args.common)
        .max_groups(args.limits.max_groups)
        .reading(Reading::Analyze);
    let mut analyzer = args
        .filters
        .apply(args.dedupe.apply(analyzer), &by)?
        .group_by(by);
    if let Some(n) = args.top {
        analyzer = analyzer.top(n, args.min_streams);
    }
    let to_terminal = args
        .common
        .out
        .output
        .as_ref()
        .is_none_or(|o| o.as_os_str() == "-")
        && std::io::stdout().is_terminal();
    let width = to_terminal
        .then(|| terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)))
        .flatten();
    if matches!(args.format, AnalyzeFormat::Partial) {
        return run_analyze_partial(analyzer, &args.common);
    }
    let mut prepared = prepare(&args.common)?;
    let lists_errors = !matches!(args.format, AnalyzeFormat::Csv);
    let report = run_analyzer(&analyzer, &args.common, &mut prepared, lists_errors)?;
    let format = match args.format {
        AnalyzeFormat::Table => Format::Table,
        AnalyzeFormat::Json => Format::Json,
        AnalyzeFormat::Csv => Format::Csv,
        AnalyzeFormat::Html | AnalyzeFormat::Partial => unreachable!("not analyze's"),
    };
    // JSON and CSV are streamed: with tens of thousands of groups they run to hundreds of MB.
    prepared
        .report
        .write_with(|out| match format {
            Format::Table => out.write_all(report::analyze_table_width(&report, width).as_bytes()),
            Format::Json => report::write_analyze_json(&report, out),
            Format::Csv => report::write_analyze_csv_with(&report, out, args.csv.options()),
        })
        .context("cannot write the report")?;
    Ok(finish(&report, false))
}

/// `analyze --format partial`: the run's whole state, every group (`--top` is recorded and
/// applied by `callq merge`), in the binary partial format.
fn run_analyze_partial(analyzer: Analyzer, common: &CommonArgs) -> anyhow::Result<ExitCode> {
    refuse_binary_to_terminal(common.out.output.as_deref())?;
    let options = analyzer.partial_options();
    let (_, top) = analyzer.partial_grouping();
    let analyzer = analyzer.without_top();
    let mut prepared = prepare(common)?;
    let found_unreadable = prepared.unreadable.len();
    let report = run_analyzer(&analyzer, common, &mut prepared, true)?;
    let code = finish(&report, false);
    let bytes =
        callq::partial::Partial::from_report(report, options, top, found_unreadable).to_bytes();
    prepared
        .report
        .write_with(|out| out.write_all(&bytes))
        .context("cannot write the partial report")?;
    Ok(code)
}

/// A partial is binary: not for a terminal.
fn refuse_binary_to_terminal(output: Option<&std::path::Path>) -> anyhow::Result<()> {
    let to_stdout = output.is_none_or(|o| o.as_os_str() == "-");
    if to_stdout && std::io::stdout().is_terminal() {
        anyhow::bail!(
            "--format partial writes binary data: give --output FILE (or redirect stdout)"
        );
    }
    Ok(())
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    callq analyze --by day,label --format partial -o a.part 2026-11-01/\n  \
    callq analyze --by day,label --format partial -o b.part 2026-11-02/\n  \
    callq merge --format json a.part b.part   # the report of analyze over both days\n  \
    callq report --format partial -o a.rpart 2026-11-01/\n  \
    callq report --format partial -o b.rpart 2026-11-02/\n  \
    callq merge --format html -o report.html a.rpart b.rpart   # = callq report over both days")]
struct MergeArgs {
    /// Report format (`partial` writes the merged partial, for merging in a tree; `html` needs
    /// partials of `callq report --format partial`).
    #[arg(long, default_value = "table", value_parser = format_parser(MERGE_FORMATS))]
    format: AnalyzeFormat,
    #[command(flatten)]
    csv: CsvArgs,
    #[command(flatten)]
    out: OutputArgs,
    /// Partial reports (`callq analyze --format partial`), in input order: the report is the
    /// one `callq analyze` gives over their inputs in this order, with the same options.
    #[arg(value_name = "PART", required = true)]
    parts: Vec<PathBuf>,
}

fn run_merge(args: MergeArgs) -> anyhow::Result<ExitCode> {
    use callq::partial::Partial;
    let started = Instant::now();
    let shown = |p: &PathBuf| terminal_safe(&p.to_string_lossy()).into_owned();
    let to_stdout = args
        .out
        .output
        .as_ref()
        .is_none_or(|o| o.as_os_str() == "-");
    if args.format == AnalyzeFormat::Partial {
        refuse_binary_to_terminal(args.out.output.as_deref())?;
    }
    let width = (to_stdout && std::io::stdout().is_terminal())
        .then(|| terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)))
        .flatten();
    if let Some(out) = args.out.output.as_ref().filter(|o| o.as_os_str() != "-") {
        // The partials are this command's inputs: the same check as every command's.
        let parts: Vec<InputSource> = args
            .parts
            .iter()
            .map(|p| InputSource::File {
                path: p.clone(),
                name: p.to_string_lossy().into_owned(),
            })
            .collect();
        output::refuse_if_input(out, &parts)
            .with_context(|| format!("refusing to write the report to {}", shown(out)))?;
    }
    let output = Output::create(args.out.output.as_deref()).with_context(|| {
        format!(
            "cannot write the report to {}",
            args.out.output.as_ref().map(shown).unwrap_or_default()
        )
    })?;
    let mut merged: Option<Partial> = None;
    for path in &args.parts {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", shown(path)))?;
        let part =
            Partial::from_bytes(&bytes).with_context(|| format!("cannot merge {}", shown(path)))?;
        if args.format == AnalyzeFormat::Html && part.report.is_none() {
            anyhow::bail!(
                "cannot make an HTML report of {}: it is a partial of `callq analyze`, which \
                 holds only its --by grouping; make the partials with `callq report --format \
                 partial --output PART` (with the options the report needs: --by-time, \
                 --buildings, filters)",
                shown(path)
            );
        }
        match &mut merged {
            None => merged = Some(part),
            Some(m) => m
                .merge(part)
                .with_context(|| format!("cannot merge {}", shown(path)))?,
        }
    }
    let merged = merged.expect("clap requires at least one partial");
    if matches!(args.format, AnalyzeFormat::Partial) {
        let bytes = merged.to_bytes();
        output
            .write_with(|out| out.write_all(&bytes))
            .context("cannot write the partial report")?;
        eprintln!(
            "callq: merged {} in {:.2} s",
            counted(args.parts.len() as u64, "partial", "partials"),
            started.elapsed().as_secs_f64()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let report_options = merged.report.clone();
    let reports = merged.into_reports();
    let report = &reports[0];
    let c = &report.input;
    eprintln!(
        "callq: merged {} in {:.2} s: {}, {}, {}, {}",
        counted(args.parts.len() as u64, "partial", "partials"),
        started.elapsed().as_secs_f64(),
        counted(c.files, "file", "files"),
        decimal_size(c.bytes),
        counted(c.sessions, "session", "sessions"),
        counted(c.bad_lines, "bad line", "bad lines"),
    );
    for u in &report.unreadable {
        eprintln!(
            "callq: error: cannot read {}",
            terminal_safe(&u.to_string())
        );
    }
    let html = match (args.format, report_options) {
        (AnalyzeFormat::Html, Some(options)) => Some(callq::html::render(
            &callq::html::ReportData::from_reports(&reports, &options)?,
        )),
        _ => None,
    };
    output
        .write_with(|out| match args.format {
            AnalyzeFormat::Table => {
                out.write_all(report::analyze_table_width(report, width).as_bytes())
            }
            AnalyzeFormat::Json => report::write_analyze_json(report, out),
            AnalyzeFormat::Csv => report::write_analyze_csv_with(report, out, args.csv.options()),
            AnalyzeFormat::Html => out.write_all(html.as_deref().unwrap_or_default().as_bytes()),
            AnalyzeFormat::Partial => unreachable!("written above"),
        })
        .context("cannot write the report")?;
    Ok(finish(report, false))
}

fn run_check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    // check validates and counts: no classification, no statistics.
    let analyzer = base_analyzer(&args.common)
        .reading(Reading::Full)
        .statistics(false)
        // check validates every line, and counts every copy.
        .keep_duplicates(true);
    let mut prepared = prepare(&args.common)?;
    let report = run_analyzer(&analyzer, &args.common, &mut prepared, true)?;
    let text = match args.format {
        CheckFormat::Table => report::check_table(&report),
        CheckFormat::Json => report::check_json(&report),
    };
    prepared
        .report
        .write_with(|out| out.write_all(text.as_bytes()))
        .context("cannot write the report")?;
    Ok(finish(&report, true))
}

fn run_gen(args: GenArgs) -> anyhow::Result<ExitCode> {
    let shape: Shape = args.shape.parse()?;
    let config = GenConfig {
        seed: args.seed,
        size: args.size,
        shape,
    };
    let form: Form = args.form.parse().map_err(anyhow::Error::msg)?;
    let dest = args.out.output.as_deref();
    let shown = dest.map_or("-".into(), |p| {
        terminal_safe(&p.to_string_lossy()).into_owned()
    });
    if form != Form::Ndjson
        && dest.is_some_and(|p| p.as_os_str() != "-")
        && !dest.is_some_and(|p| callq::sequence::is_sequence_name(&p.to_string_lossy()))
    {
        anyhow::bail!(
            "--form {} writes JSON that is not one document per line: name the output .json \
             (callq reads .ndjson and .jsonl files line by line)",
            args.form
        );
    }
    let started = Instant::now();
    let out = Output::create(dest).with_context(|| format!("cannot create {shown}"))?;
    if args.versions > 1 && form != Form::Ndjson {
        anyhow::bail!("--versions writes NDJSON only (--form ndjson)");
    }
    let mut summary = None;
    out.write_with(|w| {
        summary = Some(if args.versions > 1 {
            generate_versions(&config, args.versions, w)?
        } else {
            generate_form(&config, form, w)?
        });
        Ok(())
    })
    .context("cannot write the corpus")?;
    // A closed pipe (`callq gen ... | head`) ends the corpus early: that is not an error.
    let Some(summary) = summary else {
        return Ok(ExitCode::SUCCESS);
    };
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "callq gen: {} bytes, {}, {}, {} in {:.2} s ({:.0} MB/s)",
        grouped(summary.bytes),
        counted(summary.lines, "document", "documents"),
        counted(summary.sessions, "session", "sessions"),
        counted(summary.streams, "stream", "streams"),
        secs,
        summary.bytes as f64 / 1e6 / secs.max(1e-9)
    );
    Ok(ExitCode::SUCCESS)
}

fn run_report(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let options = callq::html::ReportOptions {
        time: args.by_time.parse().map_err(anyhow::Error::msg)?,
        min_streams: args.min_streams,
        buildings: args.filters.buildings.is_some(),
        ..Default::default()
    };
    let analyzer = base_analyzer(&args.common)
        .max_groups(args.limits.max_groups)
        .reading(Reading::Analyze);
    let analyzer = args.filters.apply(args.dedupe.apply(analyzer), &[])?;
    let groupings = options.groupings();
    let partial = args.format == AnalyzeFormat::Partial;
    if partial {
        refuse_binary_to_terminal(args.common.out.output.as_deref())?;
    }
    let mut prepared = prepare(&args.common)?;
    let found_unreadable = prepared.unreadable.len();
    let reports = run_analyzer_with(&args.common, &mut prepared, true, |inputs, p, u| {
        analyzer.analyze_inputs_grouped(inputs, p, u, &groupings)
    })?;
    if partial {
        let code = finish(&reports[0], false);
        let part = callq::partial::Partial::for_html_report(
            reports,
            &options,
            analyzer.partial_options(),
            found_unreadable,
        );
        let bytes = part.to_bytes();
        prepared
            .report
            .write_with(|out| out.write_all(&bytes))
            .context("cannot write the partial report")?;
        return Ok(code);
    }
    let data = callq::html::ReportData::from_reports(&reports, &options)?;
    let html = callq::html::render(&data);
    prepared
        .report
        .write_with(|out| out.write_all(html.as_bytes()))
        .context("cannot write the report")?;
    Ok(finish(&reports[0], false))
}

// ---- callq flatten ----------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FlattenFormat {
    /// Apache Parquet: zstd, dictionary-encoded strings, typed columns.
    Parquet,
    /// CSV (RFC 4180) with a header row.
    Csv,
    /// One JSON object per row.
    Ndjson,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum PartitionArg {
    /// day=2026-11-02 (UTC day of the session's start).
    Day,
    /// month=2026-11.
    Month,
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    callq flatten --output-dir lake --partition-by month archive/\n  \
    callq flatten -o streams.parquet --since 2026-11-01 archive/\n  \
    callq flatten -o poor-audio.csv --where label=main-audio --where quality=poor archive/\n\n\
    Then, in DuckDB: SELECT callerPlatform, avg(averageJitter) FROM 'lake/**/*.parquet' GROUP BY ALL")]
struct FlattenArgs {
    /// Row format; default: from the --output file's extension (.parquet, .csv, .ndjson,
    /// .jsonl), else parquet.
    #[arg(long, value_enum)]
    format: Option<FlattenFormat>,
    /// Write the files under DIR (instead of one --output FILE): DIR/part-00000.parquet, or
    /// with --partition-by a Hive layout, DIR/day=2026-11-02/part-00000.parquet. A DIR that
    /// exists and is not empty is refused unless --overwrite.
    #[arg(long, value_name = "DIR", conflicts_with = "output")]
    output_dir: Option<PathBuf>,
    /// Partition --output-dir by the UTC day or month of each session's start (sessions
    /// without a start go to day=__HIVE_DEFAULT_PARTITION__).
    #[arg(long, value_enum, value_name = "day|month", requires = "output_dir")]
    partition_by: Option<PartitionArg>,
    /// Write into a non-empty --output-dir: its partition files are replaced, and those of an
    /// earlier run that this run does not write again (part-*.parquet|csv|ndjson in DIR and
    /// its NAME=VALUE directories) are removed. Nothing else in DIR is touched.
    #[arg(long, requires = "output_dir")]
    overwrite: bool,
    #[command(flatten)]
    filters: FilterArgs,
    #[command(flatten)]
    dedupe: DedupeArgs,
    #[command(flatten)]
    common: CommonArgs,
}

/// The run's options as JSON, for the Parquet files' `callq.options` metadata.
fn flatten_options_json(args: &FlattenArgs, format: callq::flatten::OutputFormat) -> String {
    let f = &args.filters;
    let time = |t: &Option<DateTimeOffset>| t.map(|t| format!("{t:?}"));
    serde_json::json!({
        "format": format.extension(),
        "partitionBy": args.partition_by.map(|p| format!("{p:?}").to_lowercase()),
        "since": time(&f.since),
        "until": time(&f.until),
        "where": f.where_texts(),
        "buildings": f.buildings.as_ref().map(|p| p.to_string_lossy().into_owned()),
        "classifier": match f.classifier { ClassifierArg::Current => "current", ClassifierArg::Cqd2020 => "cqd-2020" },
        "keepDuplicates": args.dedupe.keep_duplicates,
        "onError": format!("{:?}", args.common.on_error).to_lowercase(),
    })
    .to_string()
}

fn run_flatten(mut args: FlattenArgs) -> anyhow::Result<ExitCode> {
    use callq::flatten::{
        DirSink, FileSink, Flattener, OutputFormat, PartitionBy, RowSink, SinkOptions,
    };
    let analyzer = args
        .dedupe
        .apply(base_analyzer(&args.common).reading(Reading::Analyze));
    let analyzer = args.filters.apply(analyzer, &[])?;
    let with_buildings = args.filters.buildings.is_some();
    // The rows' destination is opened here, not by `prepare` (which opens report files).
    let output = args.common.out.output.take();
    if output.is_none() && args.output_dir.is_none() {
        anyhow::bail!(
            "name where the rows go: --output FILE (- for standard output) or --output-dir DIR"
        );
    }
    let format = match args.format {
        Some(FlattenFormat::Parquet) => OutputFormat::Parquet,
        Some(FlattenFormat::Csv) => OutputFormat::Csv,
        Some(FlattenFormat::Ndjson) => OutputFormat::Ndjson,
        None => output
            .as_ref()
            .and_then(|p| OutputFormat::from_name(&p.to_string_lossy()))
            .unwrap_or(OutputFormat::Parquet),
    };
    let partition_by = args.partition_by.map(|p| match p {
        PartitionArg::Day => PartitionBy::Day,
        PartitionArg::Month => PartitionBy::Month,
    });
    #[allow(unused_mut)]
    let mut options = SinkOptions::default();
    #[cfg(feature = "parquet")]
    options
        .parquet
        .metadata
        .push(("callq.options".into(), flatten_options_json(&args, format)));
    #[cfg(not(feature = "parquet"))]
    let _ = flatten_options_json;
    let mut prepared = prepare(&args.common)?;
    let shown = |p: &std::path::Path| terminal_safe(&p.to_string_lossy()).into_owned();
    enum Sink {
        File(FileSink),
        Dir(DirSink),
    }
    let (mut sink, dest) = match (&output, &args.output_dir) {
        (Some(path), _) => {
            let to_stdout = path.as_os_str() == "-";
            if format == OutputFormat::Parquet && to_stdout && std::io::stdout().is_terminal() {
                anyhow::bail!(
                    "refusing to write Parquet to a terminal: name a file with --output FILE"
                );
            }
            if !to_stdout {
                output::refuse_if_input(path, &prepared.inputs)
                    .with_context(|| format!("refusing to write the rows to {}", shown(path)))?;
            }
            let sink = FileSink::create(path, format, with_buildings, &options)
                .with_context(|| format!("cannot write {}", shown(path)))?;
            (Sink::File(sink), path.clone())
        }
        (None, Some(dir)) => {
            if let Some(input) = prepared.inputs.iter().find(|i| match i {
                InputSource::File { path, .. } => path.starts_with(dir),
                InputSource::Stdin => false,
            }) {
                anyhow::bail!(
                    "refusing to write into {}: it holds the input {}",
                    shown(dir),
                    terminal_safe(input.name())
                );
            }
            let sink = DirSink::create(dir, format, with_buildings, &options, args.overwrite)
                .with_context(|| format!("cannot write into {}", shown(dir)))?;
            (Sink::Dir(sink), dir.clone())
        }
        (None, None) => unreachable!("checked above"),
    };
    let flattener = Flattener::new(analyzer).partition_by(partition_by);
    let started = Instant::now();
    let result = {
        let sink: &mut (dyn RowSink + Send) = match &mut sink {
            Sink::File(s) => s,
            Sink::Dir(s) => s,
        };
        let inputs = &prepared.inputs;
        run_with_progress(&args.common, inputs, |progress| {
            flattener.run_inputs(inputs, progress, sink)
        })?
    };
    let summary = result.map_err(|e| match e {
        // A bad line keeps its type (exit 1); the rest are messages (exit 2).
        callq::flatten::FlattenError::Run(e @ RunError::BadLine(_)) => anyhow::Error::new(e),
        callq::flatten::FlattenError::Run(e) => anyhow::Error::msg(e.to_string()),
        callq::flatten::FlattenError::Output(e) => {
            anyhow::Error::new(e).context(format!("cannot write {}", shown(&dest)))
        }
        other => anyhow::anyhow!("{other}"),
    })?;
    match sink {
        Sink::File(s) => s.finish(),
        Sink::Dir(s) => s.finish(),
    }
    .with_context(|| format!("cannot write {}", shown(&dest)))?;
    let mut report = summary.report;
    let mut unreadable = std::mem::take(&mut prepared.unreadable);
    unreadable.append(&mut report.unreadable);
    report.unreadable = unreadable;
    if let Some((path, out)) = prepared.errors.take() {
        out.write_with(|w| report::write_errors_ndjson(&report.errors, w))
            .with_context(|| format!("cannot write {}", shown(&path)))?;
    }
    report.errors.truncate(MAX_LISTED_ERRORS);
    print_summary(
        &report,
        started.elapsed().as_secs_f64(),
        &args.common,
        false,
    );
    eprintln!(
        "callq: wrote {} to {}",
        counted(summary.rows, "row", "rows"),
        shown(&dest)
    );
    Ok(finish(&report, false))
}
