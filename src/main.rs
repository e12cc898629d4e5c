//! The `callq` command: a thin layer of clap arguments over the library's [`Analyzer`].

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration as StdDuration, Instant};

use anyhow::Context;
use callq::analyze::{
    Analyzer, DEFAULT_MAX_GROUPS, DEFAULT_MAX_LINE_BYTES, Dimension, OnError, Progress, Report,
    RunError,
};
use callq::classify::Classifier;
use callq::document::Reading;
use callq::r#gen::{GenConfig, Shape, generate, parse_size};
use callq::input::{InputSource, discover};
use callq::report::{self, Format};
use clap::{Args, Parser, Subcommand, ValueEnum};

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

#[derive(Clone, Copy, Debug, ValueEnum)]
enum AnalyzeFormat {
    /// An aligned table on stdout.
    Table,
    /// JSON, schemaVersion 1.
    Json,
    /// One row per group and metric.
    Csv,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum CheckFormat {
    /// A short table.
    Table,
    /// JSON: schemaVersion, input and errors.
    Json,
}

#[derive(Args, Debug)]
struct CommonArgs {
    /// Worker threads (default: one per core). The report is identical for any value.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// What a bad line does.
    #[arg(long, value_enum, default_value = "skip", value_name = "MODE")]
    on_error: OnErrorArg,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Longest line read, in bytes (units allowed: 64MiB); a longer line is a bad line.
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size_arg)]
    max_line_bytes: u64,
    /// Memory that lines over 1 MiB may take at once while parsed (units allowed: 2GiB);
    /// default: a quarter of the RAM, at most 4 GiB. A line that needs more is a bad line.
    #[arg(long, value_name = "SIZE", value_parser = parse_size_arg)]
    max_memory: Option<u64>,
    /// No progress bar (it is shown only when stderr is a terminal anyway).
    #[arg(long)]
    no_progress: bool,
    /// Read plain files with read(2) instead of mapping them: for files that may be truncated
    /// or rewritten while callq runs (a mapped file cut short raises SIGBUS).
    #[arg(long)]
    no_mmap: bool,
    /// Inputs: files, directories (searched for *.ndjson, *.jsonl, *.json, also .gz/.zst),
    /// or - for standard input.
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<String>,
}

#[derive(Args, Debug)]
struct AnalyzeArgs {
    /// Group streams by these dimensions, comma-separated: direction, label, day, month,
    /// caller.X, callee.X, sender.X, receiver.X where X is platform, productFamily or
    /// connectionType.
    #[arg(long, value_name = "DIMS", value_parser = parse_dims)]
    by: Option<DimensionList>,
    /// Classification rules.
    #[arg(long, value_enum, default_value = "current")]
    classifier: ClassifierArg,
    /// Report format.
    #[arg(long, value_enum, default_value = "table")]
    format: AnalyzeFormat,
    /// Most groups a run may make; past it the run stops with an error (exit 2).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_GROUPS)]
    max_groups: usize,
    #[command(flatten)]
    common: CommonArgs,
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
    /// How much to write: 200MB, 4GiB, 1.5GB, 1000 (bytes).
    #[arg(long, value_parser = parse_size_arg)]
    size: u64,
    /// Document shape of each line.
    #[arg(long, default_value = "sessions", value_parser = ["sessions", "callrecord", "callrecords-page", "mixed"])]
    shape: String,
    /// Write to FILE (default: stdout, or -).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<String>,
}

fn parse_size_arg(s: &str) -> Result<u64, String> {
    parse_size(s)
}

/// A parsed `--by` list (a newtype so clap takes it as one value).
#[derive(Clone, Debug)]
struct DimensionList(Vec<Dimension>);

fn parse_dims(s: &str) -> Result<DimensionList, String> {
    Dimension::parse_list(s).map(DimensionList)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Analyze(a) => run_analyze(a),
        Command::Check(c) => run_check(c),
        Command::Gen(g) => run_gen(g),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("callq: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn thread_pool(threads: Option<u16>) -> anyhow::Result<rayon::ThreadPool> {
    let n = threads.map(usize::from).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .context("cannot start worker threads")
}

/// Runs the analyzer over the inputs with a progress bar, then prints the summary line.
fn run_analyzer(
    analyzer: &Analyzer,
    common: &CommonArgs,
) -> anyhow::Result<Result<Report, RunError>> {
    let pool = thread_pool(common.threads)?;
    let (inputs, errors) = discover(&common.paths);
    let unreadable: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let total_bytes: u64 = inputs
        .iter()
        .map(|i| match i {
            InputSource::File { path, .. } => std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
            InputSource::Stdin => 0,
        })
        .sum();
    let progress = Arc::new(Progress::default());
    let done = Arc::new(AtomicBool::new(false));
    let show = !common.no_progress && std::io::stderr().is_terminal();
    let bar_thread = show.then(|| {
        let progress = Arc::clone(&progress);
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            // Sizes of plain files are known; standard input and decompressed bytes are not,
            // so without a total the bar becomes a spinner with bytes and rate.
            let (bar, template) = if total_bytes > 0 {
                (
                    indicatif::ProgressBar::new(total_bytes),
                    "{bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
                )
            } else {
                (
                    indicatif::ProgressBar::new_spinner(),
                    "{spinner} {bytes} {binary_bytes_per_sec}",
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
    let started = Instant::now();
    let result = pool.install(|| analyzer.analyze_inputs(&inputs, &progress, unreadable));
    done.store(true, Ordering::Relaxed);
    if let Some(t) = bar_thread {
        let _ = t.join();
    }
    if let Ok(report) = &result {
        let secs = started.elapsed().as_secs_f64();
        let gb = report.input.bytes as f64 / 1e9;
        eprintln!(
            "callq: {} files, {:.3} GB in {:.2} s ({:.2} GB/s), {} bad lines",
            report.input.files,
            gb,
            secs,
            if secs > 0.0 { gb / secs } else { 0.0 },
            report.input.bad_lines
        );
        let slow = report.input.tape_rereads;
        if slow > 0 && slow * 100 >= report.input.documents {
            eprintln!(
                "callq: note: {slow} of {} good lines ({:.0}%) took the slower full parser \
                 (a tab or CR inside a line, an escaped key, ...); the report is the same",
                report.input.documents,
                slow as f64 * 100.0 / report.input.documents as f64
            );
        }
        for u in &report.unreadable {
            eprintln!("callq: error: cannot read {u}");
        }
        if let Some(first) = report.errors.first() {
            eprintln!(
                "callq: skipped {} bad lines (listed in the report); first: {first}",
                report.input.bad_lines
            );
        }
    }
    Ok(result)
}

fn write_output(output: &Option<PathBuf>, text: &str) -> anyhow::Result<()> {
    write_output_with(output, |out| out.write_all(text.as_bytes()))
}

/// Runs `render` on a buffered writer to `--output FILE` or stdout (a closed pipe is not an
/// error: `callq analyze ... | head` is fine).
fn write_output_with(
    output: &Option<PathBuf>,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
            render(&mut out)
                .and_then(|()| out.flush())
                .with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            match render(&mut out).and_then(|()| out.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.context("cannot write to stdout"),
            }
        }
    }
}

fn base_analyzer(common: &CommonArgs) -> Analyzer {
    let analyzer = Analyzer::new()
        .on_error(common.on_error.into())
        .max_line_bytes(usize::try_from(common.max_line_bytes).unwrap_or(DEFAULT_MAX_LINE_BYTES))
        .mmap(!common.no_mmap);
    match common.max_memory {
        Some(bytes) => analyzer.max_memory(bytes),
        None => analyzer,
    }
}

/// Exit status after a report: 2 when an input was unreadable.
fn finish(report: &Report, bad_is_failure: bool) -> ExitCode {
    if !report.unreadable.is_empty() {
        ExitCode::from(2)
    } else if bad_is_failure && report.input.bad_lines > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn failed(e: RunError) -> ExitCode {
    match e {
        RunError::BadLine(b) => {
            eprintln!("callq: bad line: {b}");
            ExitCode::from(1)
        }
        other => {
            eprintln!("callq: error: {other}");
            ExitCode::from(2)
        }
    }
}

fn run_analyze(args: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let classifier = match args.classifier {
        ClassifierArg::Current => Classifier::Current,
        ClassifierArg::Cqd2020 => Classifier::Cqd2020,
    };
    let analyzer = base_analyzer(&args.common)
        .group_by(args.by.map(|d| d.0).unwrap_or_default())
        .classifier(classifier)
        .max_groups(args.max_groups)
        .reading(Reading::Analyze);
    let result = run_analyzer(&analyzer, &args.common)?;
    let report = match result {
        Ok(r) => r,
        Err(e) => return Ok(failed(e)),
    };
    let format = match args.format {
        AnalyzeFormat::Table => Format::Table,
        AnalyzeFormat::Json => Format::Json,
        AnalyzeFormat::Csv => Format::Csv,
    };
    // JSON and CSV are streamed: with tens of thousands of groups they run to hundreds of MB.
    write_output_with(&args.common.output, |out| match format {
        Format::Table => out.write_all(report::analyze_table(&report).as_bytes()),
        Format::Json => report::write_analyze_json(&report, out),
        Format::Csv => report::write_analyze_csv(&report, out),
    })?;
    Ok(finish(&report, false))
}

fn run_check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let analyzer = base_analyzer(&args.common).reading(Reading::Full);
    let result = run_analyzer(&analyzer, &args.common)?;
    let report = match result {
        Ok(r) => r,
        Err(e) => return Ok(failed(e)),
    };
    let text = match args.format {
        CheckFormat::Table => report::check_table(&report),
        CheckFormat::Json => report::check_json(&report),
    };
    write_output(&args.common.output, &text)?;
    Ok(finish(&report, true))
}

fn run_gen(args: GenArgs) -> anyhow::Result<ExitCode> {
    let shape: Shape = args.shape.parse().map_err(|e: String| anyhow::anyhow!(e))?;
    let config = GenConfig {
        seed: args.seed,
        size: args.size,
        shape,
    };
    let started = Instant::now();
    let summary = match args.output.as_deref() {
        None | Some("-") => generate(&config, std::io::stdout().lock()),
        Some(path) => {
            let file =
                std::fs::File::create(path).with_context(|| format!("cannot create {path}"))?;
            generate(&config, file)
        }
    }
    .context("cannot write the corpus")?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "callq gen: {} bytes, {} lines, {} sessions, {} streams in {:.2} s ({:.0} MB/s)",
        summary.bytes,
        summary.lines,
        summary.sessions,
        summary.streams,
        secs,
        summary.bytes as f64 / 1e6 / secs.max(1e-9)
    );
    Ok(ExitCode::SUCCESS)
}
