//! A custom aggregation over call records: minutes of poor streams per user.
//!
//! It reuses callq's layers: the I/O shell maps the file, the parallel driver runs a
//! `LineParser` per task, the CQD classifier judges each stream, and a user-defined `Merge`
//! accumulator sums the session minutes of every poor stream under its sender's display name.
//!
//! `cargo run --example poor_minutes_per_user -- [FILE...]` (default: corpus/sample.ndjson)

use std::collections::BTreeMap;

use callq::classify::{Classifier, Quality, classify};
use callq::document::{LineParser, Reading};
use callq::framing::Line;
use callq::input::map_file;
use callq::model::{Endpoint, Session};
use callq::parallel::{Merge, ParallelLines};

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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        files.push(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/sample.ndjson").to_string());
    }
    let mut total = PoorMinutes::default();
    for file in &files {
        let bytes = map_file(file.as_ref())?;
        let result = ParallelLines::new().run(
            &bytes,
            LineParser::new,
            PoorMinutes::default,
            |parser: &mut LineParser, acc: &mut PoorMinutes, line: Line<'_>| {
                if line.is_blank() {
                    return;
                }
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
                                    let (quality, _) =
                                        classify(Classifier::Cqd2020, media.label, stream);
                                    if quality != Quality::Poor {
                                        continue;
                                    }
                                    let sender = match stream.stream_direction.map(|d| d.as_str()) {
                                        Some("calleeToCaller") => segment.callee.or(session.callee),
                                        _ => segment.caller.or(session.caller),
                                    };
                                    let user = user_name(sender).unwrap_or("(unknown)");
                                    *acc.by_user.entry(user.to_owned()).or_default() +=
                                        session_nanos(session);
                                }
                            }
                        }
                    }
                });
            },
        );
        total.merge(result);
    }
    println!("{:<30} {:>12}", "user", "poor minutes");
    for (user, nanos) in &total.by_user {
        println!("{user:<30} {:>12.2}", *nanos as f64 / 60e9);
    }
    println!("({} bad lines skipped)", total.bad_lines);
    Ok(())
}
