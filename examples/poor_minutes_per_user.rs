//! A custom aggregation over call records: minutes of poor streams per user.
//!
//! It reuses callq's layers: the parallel driver reads each input (mapped, or decompressed as
//! it streams) and runs a `LineParser` per task, the CQD classifier judges each stream, and a user-defined `Merge`
//! accumulator sums the session minutes of every poor stream under its sender's display name.
//!
//! `cargo run --release --example poor_minutes_per_user -- [PATH...]` (default:
//! corpus/sample.ndjson). PATHs are what `callq analyze` takes: files, directories, `.gz` and
//! `.zst` files, `-` for standard input. (The first `cargo run --example` also builds the
//! crate's dev-dependencies, as cargo does for every example.)

use std::collections::BTreeMap;

use callq::classify::{Classifier, Quality, classify};
use callq::document::{LineParser, Reading};
use callq::framing::Line;
use callq::input::{InputError, InputSource, discover};
use callq::model::{Endpoint, Session};
use callq::parallel::{InputOptions, InputStop, Merge, ParallelLines};
use std::sync::atomic::AtomicU64;

/// Poor-stream time per user name, in nanoseconds: integer sums merge exactly, so the result
/// is the same for any number of threads (float sums could differ in the last bits, as the
/// merge tree's shape may).
#[derive(Default)]
struct PoorMinutes {
    by_user: BTreeMap<String, i128>,
    bad_lines: u64,
}

impl Merge for PoorMinutes {
    fn merge(&mut self, later: Self) {
        for (user, minutes) in later.by_user {
            *self.by_user.entry(user).or_default() += minutes;
        }
        self.bad_lines += later.bad_lines;
    }
}

fn user_name<'a>(endpoint: Option<&Endpoint<'a>>) -> Option<&'a str> {
    let identity = endpoint?.identity?;
    let who = identity.user.or(identity.guest).or(identity.phone)?;
    who.display_name.or(who.id)
}

fn session_nanos(session: &Session<'_>) -> i128 {
    match (session.start_date_time, session.end_date_time) {
        (Some(start), Some(end)) => i128::from(start.duration_until(&end).as_nanos()),
        _ => 0,
    }
}

/// Adds one line's poor-stream time to `acc`.
fn per_line(parser: &mut LineParser, acc: &mut PoorMinutes, line: Line<'_>) {
    if line.is_blank() {
        return;
    }
    // The full reading: identities and end times are not part of what `analyze` reads.
    // The 2020 rules, so the Graph docs' example has a poor stream to show.
    parser.parse(line.bytes, Reading::Full, |doc| {
        let Ok(doc) = doc else {
            acc.bad_lines += 1;
            return;
        };
        for session in doc.sessions() {
            for segment in session.segments {
                for media in segment.media {
                    for stream in media.streams {
                        let (quality, _) = classify(Classifier::Cqd2020, media.label, stream);
                        if quality != Quality::Poor {
                            continue;
                        }
                        let sender = match stream.stream_direction.map(|d| d.as_str()) {
                            Some("calleeToCaller") => segment.callee.or(session.callee),
                            _ => segment.caller.or(session.caller),
                        };
                        let user = user_name(sender).unwrap_or("(unknown)");
                        *acc.by_user.entry(user.to_owned()).or_default() += session_nanos(session);
                    }
                }
            }
        }
    });
}

/// Runs `per_line` over one input, whatever it is (a plain file, a `.gz` or `.zst` file, a
/// FIFO, standard input): the driver reads it; lines over 64 MiB are counted as bad.
fn run_input(driver: &ParallelLines, input: &InputSource) -> Result<PoorMinutes, InputError> {
    let mut total = PoorMinutes::default();
    // SAFETY: like the callq command, this example reads archives nobody is writing.
    let options = unsafe { InputOptions::new(64 << 20).memory_map() };
    driver
        .run_input(
            input,
            options,
            &AtomicU64::new(0),
            &LineParser::new,
            &PoorMinutes::default,
            &per_line,
            &|_overlong| PoorMinutes {
                bad_lines: 1,
                ..PoorMinutes::default()
            },
            |acc| -> Result<(), std::convert::Infallible> {
                total.merge(acc);
                Ok(())
            },
        )
        .map_err(|stop| match stop {
            InputStop::Io(source) => InputError {
                name: input.name().to_owned(),
                source,
            },
            InputStop::Stopped(never) => match never {},
        })?;
    Ok(total)
}

fn main() -> std::process::ExitCode {
    match poor_minutes() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("poor_minutes_per_user: {e}"); // "archive/x.gz: No such file ..."
            std::process::ExitCode::from(2)
        }
    }
}

fn poor_minutes() -> Result<(), InputError> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        args.push(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/sample.ndjson").to_string());
    }
    let found = discover(&args);
    if let Some(e) = found.errors.into_iter().next() {
        return Err(e);
    }
    let driver = ParallelLines::new();
    let mut total = PoorMinutes::default();
    for input in &found.inputs {
        total.merge(run_input(&driver, input)?);
    }
    // Most poor minutes first; ties by name, so the output is stable.
    let mut rows: Vec<(&String, &i128)> = total.by_user.iter().collect();
    rows.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    println!("{:<30} {:>12}", "user", "poor minutes");
    for (user, nanos) in rows {
        println!("{user:<30} {:>12.2}", *nanos as f64 / 60e9);
    }
    println!(
        "({} inputs, {} bad lines skipped)",
        found.inputs.len(),
        total.bad_lines
    );
    Ok(())
}
