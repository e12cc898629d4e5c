//! The JSON reports (schemaVersion 1, members in the contract's order) and the bad-line NDJSON,
//! written by serde_json from the `Serialize` impls in `ser.rs` (the one place that defines
//! the reports' shape).

use std::io::{BufWriter, Write};

use super::ser::{AnalyzeReport, Bad, CheckReport, Float};
use super::*;

/// A finite double as JSON writes it (shortest round-trip form, `1.0` not `1`); `None` for a
/// non-finite one, which JSON cannot represent (only an overflowing sum produces one).
pub(super) fn float_text(x: f64) -> Option<String> {
    x.is_finite()
        .then(|| serde_json::to_string(&Float(Some(x))).unwrap_or_default())
}

/// The `callq analyze --format json` report (schemaVersion 1), pretty-printed, with a final
/// newline.
pub fn analyze_json(report: &Report) -> String {
    let mut out = Vec::new();
    write_analyze_json(report, &mut out).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("the report is UTF-8")
}

/// [`analyze_json`] written to `out` a group at a time, so that a report of many groups never
/// exists whole in memory (with `--by day,caller.platform,label` over months there are tens of
/// thousands of groups and hundreds of megabytes of JSON). Byte-identical to [`analyze_json`].
/// `out` need not be buffered: the report goes out in 64 KiB writes.
///
/// Top-level members, in order: `schemaVersion`, `input`, `errors`, `groupBy`, `groups` (the
/// contract's), then `classifier` (`current` or `cqd-2020`), `generator` ([`GENERATOR`]) and
/// `unreadable`: the contract adds members after those it shows.
///
/// The report is serde_json's pretty form (two-space indent) of the report's `Serialize`
/// impl, plus a newline; with the `serde` feature that impl is public, so this is also
/// `serde_json::to_writer_pretty(out, report)` followed by `\n`.
pub fn write_analyze_json(
    report: &Report,
    out: &mut (impl std::io::Write + ?Sized),
) -> std::io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut out, &AnalyzeReport(report))?;
    out.write_all(b"\n")?;
    out.flush()
}

/// The `callq check --format json` report: `schemaVersion`, `input`, `errors`, then
/// `unreadable` (the inputs that could not be read, with why).
pub fn check_json(report: &Report) -> String {
    let mut out = serde_json::to_string_pretty(&CheckReport(report))
        .expect("serializing a report into memory cannot fail");
    out.push('\n');
    out
}

/// The bad lines as NDJSON, for `callq analyze --errors FILE`: one compact JSON object per line,
/// `{"file":…,"line":…,"byteOffset":…,"message":…}`, in the order given, each line ending in
/// `\n` (nothing at all for no bad line). Strings are escaped like the JSON report's.
pub fn write_errors_ndjson(
    errors: &[BadLine],
    out: &mut (impl std::io::Write + ?Sized),
) -> std::io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 16, out);
    for e in errors {
        serde_json::to_writer(&mut out, &Bad(e))?;
        out.write_all(b"\n")?;
    }
    out.flush()
}
