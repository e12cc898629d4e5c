//! Statistics → reports: JSON (schemaVersion 1), an aligned table, and CSV.
//!
//! Every function here is pure: it renders a [`Report`] into a `String` and prints nothing.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::analyze::{BadLine, GroupReport, GroupStats, InputCounts, METRICS, Report};
use crate::classify::Reasons;
use crate::stats::{MetricStats, Number};

/// The JSON report's schema version.
pub const SCHEMA_VERSION: u64 = 1;

/// Output formats of `callq analyze`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// An aligned, human table.
    #[default]
    Table,
    /// JSON, schemaVersion 1.
    Json,
    /// One CSV row per group and metric.
    Csv,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            other => Err(format!(
                "unknown format `{other}` (expected table, json or csv)"
            )),
        }
    }
}

/// A JSON value whose objects keep their members in the order they were built: reports are
/// part of the contract, key order included, and the library should not need serde_json's
/// `preserve_order` feature (which would change `serde_json::Map` for every crate linking it).
#[derive(Clone, Debug, PartialEq)]
enum Json {
    Null,
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Arr(Vec<Json>),
    /// Keys are mostly the schema's own names: borrowed, not allocated, per group.
    Obj(Vec<(Cow<'static, str>, Json)>),
}

impl From<u64> for Json {
    fn from(v: u64) -> Json {
        Json::UInt(v)
    }
}

impl From<&str> for Json {
    fn from(v: &str) -> Json {
        Json::Str(v.to_owned())
    }
}

fn obj(members: Vec<(&'static str, Json)>) -> Json {
    Json::Obj(
        members
            .into_iter()
            .map(|(k, v)| (Cow::Borrowed(k), v))
            .collect(),
    )
}

/// Appends `s` as a JSON string literal (serde_json's escaping; no allocation when nothing
/// needs escaping, which is every key and almost every value here).
fn push_json_string(out: &mut String, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        out.push_str(&serde_json::to_string(s).unwrap_or_default());
    }
}

impl Json {
    /// Pretty-printed like `serde_json::to_string_pretty`: two-space indent, `"key": value`.
    fn write_pretty(&self, out: &mut String, indent: usize) {
        let pad = |out: &mut String, n: usize| out.extend(std::iter::repeat_n(' ', 2 * n));
        match self {
            Json::Null => out.push_str("null"),
            Json::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Json::UInt(u) => {
                let _ = write!(out, "{u}");
            }
            Json::Float(f) => out.push_str(&float_text(*f).unwrap_or_else(|| "null".into())),
            Json::Str(s) => push_json_string(out, s),
            Json::Arr(items) if items.is_empty() => out.push_str("[]"),
            Json::Obj(members) if members.is_empty() => out.push_str("{}"),
            Json::Arr(items) => {
                out.push_str("[\n");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(",\n");
                    }
                    pad(out, indent + 1);
                    item.write_pretty(out, indent + 1);
                }
                out.push('\n');
                pad(out, indent);
                out.push(']');
            }
            Json::Obj(members) => {
                out.push_str("{\n");
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push_str(",\n");
                    }
                    pad(out, indent + 1);
                    push_json_string(out, key);
                    out.push_str(": ");
                    value.write_pretty(out, indent + 1);
                }
                out.push('\n');
                pad(out, indent);
                out.push('}');
            }
        }
    }

    fn pretty(&self) -> String {
        let mut out = String::new();
        self.write_pretty(&mut out, 0);
        out.push('\n');
        out
    }
}

/// A finite double as JSON writes it (shortest round-trip form, `1.0` not `1`); `None` for a
/// non-finite one, which JSON cannot represent (only an overflowing sum produces one).
fn float_text(x: f64) -> Option<String> {
    x.is_finite()
        .then(|| serde_json::to_string(&x).unwrap_or_default())
}

fn float(x: f64) -> Json {
    if x.is_finite() {
        Json::Float(x)
    } else {
        Json::Null
    }
}

fn number(n: Option<Number>) -> Json {
    match n {
        None => Json::Null,
        Some(Number::Int(i)) => Json::Int(i),
        Some(Number::Float(f)) => float(f),
    }
}

fn input_json(c: &InputCounts) -> Json {
    obj(vec![
        ("files", c.files.into()),
        ("bytes", c.bytes.into()),
        ("lines", c.lines.into()),
        ("badLines", c.bad_lines.into()),
        ("documents", c.documents.into()),
        ("sessions", c.sessions.into()),
        ("segments", c.segments.into()),
        ("media", c.media.into()),
        ("streams", c.streams.into()),
    ])
}

fn errors_json(errors: &[BadLine]) -> Json {
    Json::Arr(
        errors
            .iter()
            .map(|e| {
                obj(vec![
                    ("file", e.position.file.as_str().into()),
                    ("line", e.position.line.into()),
                    ("byteOffset", e.position.byte_offset.into()),
                    ("message", e.message.as_str().into()),
                ])
            })
            .collect(),
    )
}

fn metric_json(unit: &str, m: &MetricStats) -> Json {
    obj(vec![
        ("unit", unit.into()),
        ("count", m.count().into()),
        ("nulls", m.nulls().into()),
        ("mean", m.mean().map_or(Json::Null, float)),
        ("min", number(m.min())),
        ("max", number(m.max())),
        ("p50", number(m.quantile(0.5))),
        ("p90", number(m.quantile(0.9))),
        ("p99", number(m.quantile(0.99))),
    ])
}

fn quality_json(g: &GroupStats) -> Json {
    let due = Reasons::ALL
        .iter()
        .enumerate()
        .filter(|(i, _)| g.poor_due_to[*i] > 0)
        .map(|(i, (_, name))| (Cow::Borrowed(*name), Json::from(g.poor_due_to[i])))
        .collect();
    obj(vec![
        ("good", g.good.into()),
        ("poor", g.poor.into()),
        ("unclassified", g.unclassified.into()),
        ("poorRate", g.poor_rate().map_or(Json::Null, float)),
        ("poorDueTo", Json::Obj(due)),
    ])
}

fn group_json(report: &Report, g: &GroupReport) -> Json {
    let key = report
        .group_by
        .iter()
        .zip(&g.key)
        .map(|(dim, value)| {
            (
                Cow::Owned(dim.name()),
                value.as_deref().map_or(Json::Null, Json::from),
            )
        })
        .collect();
    let metrics = METRICS
        .iter()
        .zip(&g.stats.metrics)
        .map(|(metric, stats)| {
            (
                Cow::Borrowed(metric.name),
                metric_json(metric.unit.as_str(), stats),
            )
        })
        .collect();
    obj(vec![
        ("key", Json::Obj(key)),
        ("streams", g.stats.streams.into()),
        ("quality", quality_json(&g.stats)),
        ("metrics", Json::Obj(metrics)),
    ])
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
pub fn write_analyze_json(
    report: &Report,
    out: &mut (impl std::io::Write + ?Sized),
) -> std::io::Result<()> {
    let head = [
        ("schemaVersion", SCHEMA_VERSION.into()),
        ("input", input_json(&report.input)),
        ("errors", errors_json(&report.errors)),
        (
            "groupBy",
            Json::Arr(
                report
                    .group_by
                    .iter()
                    .map(|d| Json::Str(d.name()))
                    .collect(),
            ),
        ),
    ];
    let mut text = String::from("{\n");
    for (key, value) in head {
        text.push_str("  ");
        push_json_string(&mut text, key);
        text.push_str(": ");
        value.write_pretty(&mut text, 1);
        text.push_str(",\n");
    }
    text.push_str("  \"groups\": ");
    if report.groups.is_empty() {
        text.push_str("[]");
    } else {
        text.push_str("[\n");
        for (i, g) in report.groups.iter().enumerate() {
            if i > 0 {
                text.push_str(",\n");
            }
            text.push_str("    ");
            group_json(report, g).write_pretty(&mut text, 2);
            if text.len() >= 1 << 16 {
                out.write_all(text.as_bytes())?;
                text.clear();
            }
        }
        text.push_str("\n  ]");
    }
    text.push_str("\n}\n");
    out.write_all(text.as_bytes())
}

/// The `callq check --format json` report: `schemaVersion`, `input` and `errors`.
pub fn check_json(report: &Report) -> String {
    obj(vec![
        ("schemaVersion", SCHEMA_VERSION.into()),
        ("input", input_json(&report.input)),
        ("errors", errors_json(&report.errors)),
    ])
    .pretty()
}

fn csv_field(out: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

fn plain(n: Option<Number>) -> String {
    match n {
        None => String::new(),
        Some(Number::Int(i)) => i.to_string(),
        Some(Number::Float(f)) => float_text(f).unwrap_or_default(),
    }
}

/// The `callq analyze --format csv` report: a header, then one row per group and metric.
/// Missing values are empty fields; a missing key value is empty too.
pub fn analyze_csv(report: &Report) -> String {
    let mut out = Vec::new();
    write_analyze_csv(report, &mut out).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("the report is UTF-8")
}

/// [`analyze_csv`] written to `out` a group at a time. Byte-identical to [`analyze_csv`].
pub fn write_analyze_csv(
    report: &Report,
    sink: &mut (impl std::io::Write + ?Sized),
) -> std::io::Result<()> {
    let mut out = String::new();
    let mut header: Vec<String> = report.group_by.iter().map(|d| d.name()).collect();
    header.extend(
        [
            "streams",
            "good",
            "poor",
            "unclassified",
            "poorRate",
            "metric",
            "unit",
            "count",
            "nulls",
            "mean",
            "min",
            "max",
            "p50",
            "p90",
            "p99",
        ]
        .map(String::from),
    );
    for (i, h) in header.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_field(&mut out, h);
    }
    out.push('\n');
    for g in &report.groups {
        for (metric, m) in METRICS.iter().zip(&g.stats.metrics) {
            let mut fields: Vec<String> = g
                .key
                .iter()
                .map(|k| k.clone().unwrap_or_default())
                .collect();
            fields.extend([
                g.stats.streams.to_string(),
                g.stats.good.to_string(),
                g.stats.poor.to_string(),
                g.stats.unclassified.to_string(),
                g.stats.poor_rate().and_then(float_text).unwrap_or_default(),
                metric.name.to_string(),
                metric.unit.as_str().to_string(),
                m.count().to_string(),
                m.nulls().to_string(),
                m.mean().and_then(float_text).unwrap_or_default(),
                plain(m.min()),
                plain(m.max()),
                plain(m.quantile(0.5)),
                plain(m.quantile(0.9)),
                plain(m.quantile(0.99)),
            ]);
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                csv_field(&mut out, f);
            }
            out.push('\n');
        }
        if out.len() >= 1 << 16 {
            sink.write_all(out.as_bytes())?;
            out.clear();
        }
    }
    sink.write_all(out.as_bytes())
}

/// Renders rows as columns padded to their widest cell: the first `left` columns aligned left,
/// the rest right.
fn align(rows: &[Vec<String>], left: usize) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; cols];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            let pad = widths[i] - cell.chars().count();
            if i < left {
                line.push_str(cell);
                line.extend(std::iter::repeat_n(' ', pad));
            } else {
                line.extend(std::iter::repeat_n(' ', pad));
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A number for humans: at most 4 significant digits, no exponent for everyday magnitudes.
fn human(x: Option<f64>) -> String {
    match x {
        None => "-".into(),
        Some(0.0) => "0".into(),
        Some(v) if v.abs() >= 100.0 => format!("{v:.0}"),
        Some(v) if v.abs() >= 10.0 => format!("{v:.1}"),
        Some(v) if v.abs() >= 1.0 => format!("{v:.2}"),
        Some(v) if v.abs() >= 0.001 => format!("{v:.4}"),
        Some(v) => format!("{v:.2e}"),
    }
}

fn metric_index(name: &str) -> usize {
    METRICS.iter().position(|m| m.name == name).unwrap_or(0)
}

fn input_line(c: &InputCounts) -> String {
    format!(
        "{} files, {} bytes, {} lines ({} bad), {} sessions, {} segments, {} media, {} streams\n",
        c.files, c.bytes, c.lines, c.bad_lines, c.sessions, c.segments, c.media, c.streams
    )
}

fn errors_table(errors: &[BadLine], total: u64) -> String {
    if errors.is_empty() {
        return String::new();
    }
    let mut out = String::from("\nbad lines");
    if total as usize > errors.len() {
        out.push_str(&format!(" (first {} of {total})", errors.len()));
    }
    out.push_str(":\n");
    for e in errors {
        out.push_str(&format!("  {e}\n"));
    }
    out
}

/// The `callq analyze --format table` report: one row per group with its streams, poor count,
/// poor rate and headline metrics; with two short dimensions a row fits in 100 columns.
pub fn analyze_table(report: &Report) -> String {
    let headline: [(&str, &str, f64); 6] = [
        ("jit50", "averageJitter", 0.5),
        ("jit90", "averageJitter", 0.9),
        ("rtt50", "averageRoundTripTime", 0.5),
        ("rtt90", "averageRoundTripTime", 0.9),
        ("loss90", "averagePacketLossRate", 0.9),
        ("fps50", "averageVideoFrameRate", 0.5),
    ];
    let mut header: Vec<String> = report.group_by.iter().map(|d| d.name()).collect();
    if header.is_empty() {
        header.push("group".into());
    }
    let left = header.len();
    header.extend(["streams", "poor", "poor%"].map(String::from));
    header.extend(headline.iter().map(|(h, _, _)| (*h).to_string()));
    let mut rows = vec![header];
    for g in &report.groups {
        let mut row: Vec<String> = if report.group_by.is_empty() {
            vec!["(all)".into()]
        } else {
            g.key
                .iter()
                .map(|k| k.clone().unwrap_or_else(|| "(none)".into()))
                .collect()
        };
        let s = &g.stats;
        row.push(s.streams.to_string());
        row.push(s.poor.to_string());
        row.push(
            s.poor_rate()
                .map_or("-".into(), |r| format!("{:.1}", r * 100.0)),
        );
        for (_, name, q) in headline {
            let m = &s.metrics[metric_index(name)];
            row.push(human(m.quantile(q).map(Number::as_f64)));
        }
        rows.push(row);
    }
    let mut out = input_line(&report.input);
    out.push('\n');
    out.push_str(&align(&rows, left));
    out.push_str(concat!(
        "\npoor% = poor / (good + poor) by CQD rules; jit50/jit90 and rtt50/rtt90: p50/p90 of\n",
        "averageJitter and averageRoundTripTime in ms; loss90: p90 of averagePacketLossRate;\n",
        "fps50: p50 of averageVideoFrameRate. --format json or csv has every metric.\n",
    ));
    out.push_str(&errors_table(&report.errors, report.input.bad_lines));
    out
}

/// The `callq check --format table` report: what was read, and the first bad lines.
pub fn check_table(report: &Report) -> String {
    let c = &report.input;
    let rows: Vec<Vec<String>> = [
        ("files", c.files),
        ("bytes", c.bytes),
        ("lines", c.lines),
        ("bad lines", c.bad_lines),
        ("documents", c.documents),
        ("sessions", c.sessions),
        ("segments", c.segments),
        ("media", c.media),
        ("streams", c.streams),
    ]
    .iter()
    .map(|(k, v)| vec![(*k).to_string(), v.to_string()])
    .collect();
    let mut out = align(&rows, 1);
    out.push_str(&errors_table(&report.errors, report.input.bad_lines));
    out
}

/// Text made safe for a terminal: control characters (C0, DEL, C1) and bidirectional
/// overrides are written as `\u{..}` escapes, so a label or file name can neither move the
/// cursor, retitle the terminal, forge a row, nor reorder what is shown.
pub fn terminal_safe(s: &str) -> std::borrow::Cow<'_, str> {
    fn unsafe_char(c: char) -> bool {
        c.is_control()
            || matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    }
    if !s.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Writes bad lines as NDJSON, one `{"file","line","byteOffset","message"}` object a line.
pub fn write_errors_ndjson(
    errors: &[BadLine],
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut line = String::new();
    for e in errors {
        line.clear();
        line.push_str("{\"file\":");
        push_json_string(&mut line, &e.position.file);
        line.push_str(&format!(
            ",\"line\":{},\"byteOffset\":{},\"message\":",
            e.position.line, e.position.byte_offset
        ));
        push_json_string(&mut line, &e.message);
        line.push_str("}\n");
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}
