//! Rows somewhere else: `callq flatten`'s row builder feeding a sink of your own, here a count
//! of poor streams per user (the caller's or callee's display name, whichever sent the stream).
//!
//! The rows are the ones `callq flatten` writes: duplicates dropped, filters applied, in input
//! order, with both classifiers' verdicts. Swap the closure for a database insert, a message
//! queue or an Arrow IPC stream.
//!
//! ```text
//! cargo run --release --example poor_streams_per_user -- corpus/sample.ndjson
//! ```

use std::collections::BTreeMap;

use callq::analyze::{Analyzer, Progress};
use callq::flatten::{Flattener, RowBatch, Value, column_index};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        return Err("usage: poor_streams_per_user PATH...".into());
    }
    let col = |name: &str| column_index(name).ok_or(format!("no column {name}"));
    let (direction, caller, callee, quality) = (
        col("direction")?,
        col("callerUserDisplayName")?,
        col("calleeUserDisplayName")?,
        col("quality")?,
    );
    // (poor, classified) per user.
    let mut per_user: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut sink = |batch: &RowBatch| -> std::io::Result<()> {
        for r in 0..batch.len() {
            let sender = match batch.value(r, direction) {
                Value::String("callerToCallee") => batch.value(r, caller),
                Value::String("calleeToCaller") => batch.value(r, callee),
                _ => continue,
            };
            let Value::String(user) = sender else {
                continue;
            };
            let entry = per_user.entry(user.to_owned()).or_default();
            match batch.value(r, quality) {
                Value::String("poor") => {
                    entry.0 += 1;
                    entry.1 += 1;
                }
                Value::String("good") => entry.1 += 1,
                _ => {}
            }
        }
        Ok(())
    };
    let summary =
        Flattener::new(Analyzer::new()).run_paths(&paths, &Progress::default(), &mut sink)?;
    let mut worst: Vec<(&String, &(u64, u64))> = per_user.iter().filter(|(_, c)| c.1 > 0).collect();
    worst.sort_by(|a, b| {
        (b.1.0 * a.1.1)
            .cmp(&(a.1.0 * b.1.1))
            .then(b.1.1.cmp(&a.1.1))
    });
    println!("{:<40} {:>6} {:>10}", "user (sender)", "poor", "classified");
    for (user, (poor, classified)) in worst.iter().take(20) {
        println!("{user:<40} {poor:>6} {classified:>10}");
    }
    eprintln!(
        "{} rows from {} sessions ({} duplicate sessions dropped)",
        summary.rows, summary.report.input.sessions, summary.report.input.duplicate_sessions
    );
    Ok(())
}
