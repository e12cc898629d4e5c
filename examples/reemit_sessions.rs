//! Re-emits selected sessions as NDJSON, with serde: the sessions that have a poor stream
//! (CQD rules, `--classifier cqd-2020`'s by default), each written as a one-session page of
//! sessions that `callq` reads back, keeping its callRecord id in `@odata.context`. A way to
//! cut the calls worth a look out of a month of archives, for a ticket or a smaller test file.
//!
//! ```text
//! cargo run --example reemit_sessions -- [--all] [PATH...] > poor.ndjson
//! callq analyze --by direction,label poor.ndjson
//! ```
//!
//! PATHs are NDJSON files (default: corpus/sample.ndjson), `-` for standard input; `--all`
//! keeps every session (a re-emission of everything callq models). Lines are read with
//! [`Reading::Full`], so the output has every property callq declares; properties it does not
//! model are left out. Needs the `serde` feature (on by default).

use std::io::{BufWriter, Read, Write};

use callq::classify::{Classifier, Quality, classify};
use callq::document::{LineParser, Reading};
use callq::framing::Lines;
use callq::model::{Document, Session, SessionsPage};

/// Whether any stream of the session is poor by the 2020 rules.
fn has_poor_stream(session: &Session<'_>) -> bool {
    session.segments.iter().flat_map(|s| s.media).any(|media| {
        media
            .streams
            .iter()
            .any(|stream| classify(Classifier::Cqd2020, media.label, stream).0 == Quality::Poor)
    })
}

/// The `@odata.context` of a page of the sessions of the callRecord `id`.
fn sessions_context(id: &str) -> String {
    format!(
        "https://graph.microsoft.com/v1.0/$metadata#communications/callRecords('{id}')/sessions"
    )
}

/// Writes `session` as one line: `{"@odata.context": …, "value": [session]}`.
fn write_session(
    out: &mut impl Write,
    context: Option<&str>,
    session: &Session<'_>,
) -> std::io::Result<()> {
    // `SessionsPage` is `#[non_exhaustive]`: built from its default, field by field.
    let mut page = SessionsPage::default();
    page.odata_context = context;
    page.sessions = std::slice::from_ref(session);
    serde_json::to_writer(&mut *out, &page)?;
    out.write_all(b"\n")
}

fn main() -> std::io::Result<()> {
    let mut all = false;
    let mut paths = Vec::new();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--all" => all = true,
            _ => paths.push(arg),
        }
    }
    if paths.is_empty() {
        paths.push(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/sample.ndjson").to_owned());
    }
    let keep = |s: &Session<'_>| all || has_poor_stream(s);
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut parser = LineParser::new();
    let (mut read, mut kept, mut bad) = (0u64, 0u64, 0u64);
    for path in &paths {
        let data = if path == "-" {
            let mut data = Vec::new();
            std::io::stdin().read_to_end(&mut data)?;
            data
        } else {
            std::fs::read(path)
                .map_err(|e| std::io::Error::new(e.kind(), format!("{path}: {e}")))?
        };
        for line in Lines::new(&data) {
            if line.is_blank() {
                continue;
            }
            parser.parse(line.bytes, Reading::Full, |doc| -> std::io::Result<()> {
                let Ok(doc) = doc else {
                    bad += 1;
                    return Ok(());
                };
                // Each session with the context that names its callRecord.
                let mut emit = |context: Option<&str>, sessions: &[Session<'_>]| {
                    for session in sessions {
                        read += 1;
                        if keep(session) {
                            kept += 1;
                            write_session(&mut out, context, session)?;
                        }
                    }
                    Ok::<_, std::io::Error>(())
                };
                match doc {
                    Document::SessionsPage(page) => emit(page.odata_context, page.sessions),
                    Document::CallRecord(record) => {
                        let context = record.id.map(sessions_context);
                        emit(context.as_deref(), record.sessions)
                    }
                    Document::CallRecordsPage(page) => {
                        for record in page.records {
                            let context = record.id.map(sessions_context);
                            emit(context.as_deref(), record.sessions)?;
                        }
                        Ok(())
                    }
                    _ => Ok(()), // a shape this example does not know
                }
            })?;
        }
    }
    out.flush()?;
    eprintln!("reemit_sessions: {kept} of {read} sessions written, {bad} bad lines skipped");
    Ok(())
}
