//! Statistics → reports: JSON (schemaVersion 1), an aligned table, CSV, and the bad-line list
//! as NDJSON.
//!
//! Every function here is pure: it renders a [`Report`] into a `String` or a writer and prints
//! nothing. Text from the input (group key values, file names, messages) is made harmless for
//! its destination: escaped for a terminal in tables ([`terminal_safe`]), neutralised against
//! spreadsheet formulas in CSV unless asked not to ([`CsvOptions`]), JSON-escaped in JSON.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::analyze::{
    BadLine, GroupReport, GroupStats, InputCounts, METRICS, Report, UnreadableInput,
};
use crate::classify::{Classifier, Reasons};
use crate::stats::{MetricStats, Number};

/// The JSON report's schema version.
pub const SCHEMA_VERSION: u64 = 1;

/// What the JSON report's `generator` member says: `callq` and the crate version.
pub const GENERATOR: &str = concat!("callq ", env!("CARGO_PKG_VERSION"));

/// The name of a classifier in reports and on the command line (`current`, `cqd-2020`).
fn classifier_name(c: Classifier) -> &'static str {
    match c {
        Classifier::Current => "current",
        Classifier::Cqd2020 => "cqd-2020",
    }
}

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
    type Err = UnknownFormat;
    /// Parses `table`, `json` or `csv`.
    fn from_str(s: &str) -> Result<Self, UnknownFormat> {
        match s {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            other => Err(UnknownFormat {
                input: other.to_owned(),
            }),
        }
    }
}

/// A name that is not a [`Format`] (the only way `Format::from_str` fails).
///
/// ```
/// use callq::report::Format;
/// let err = "yaml".parse::<Format>().unwrap_err();
/// assert_eq!(err.input(), "yaml");
/// assert_eq!(err.to_string(), "unknown format `yaml` (expected table, json or csv)");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnknownFormat {
    input: String,
}

impl UnknownFormat {
    /// The name, as given.
    pub fn input(&self) -> &str {
        &self.input
    }
}

impl std::fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "unknown format `{}` (expected table, json or csv)",
            self.input
        )
    }
}

impl std::error::Error for UnknownFormat {}

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

fn unreadable_json(unreadable: &[UnreadableInput]) -> Json {
    Json::Arr(
        unreadable
            .iter()
            .map(|u| {
                obj(vec![
                    ("file", u.file.as_str().into()),
                    ("message", u.message.as_str().into()),
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
///
/// Top-level members, in order: `schemaVersion`, `input`, `errors`, `groupBy`, `groups` (the
/// contract's), then `classifier` (`current` or `cqd-2020`) and `generator` ([`GENERATOR`]):
/// the contract adds members after those it shows.
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
    text.push_str(",\n  \"classifier\": ");
    push_json_string(&mut text, classifier_name(report.classifier));
    text.push_str(",\n  \"generator\": ");
    push_json_string(&mut text, GENERATOR);
    text.push_str(",\n  \"unreadable\": ");
    unreadable_json(&report.unreadable).write_pretty(&mut text, 1);
    text.push_str("\n}\n");
    out.write_all(text.as_bytes())
}

/// The `callq check --format json` report: `schemaVersion`, `input`, `errors`, then
/// `unreadable` (the inputs that could not be read, with why).
pub fn check_json(report: &Report) -> String {
    obj(vec![
        ("schemaVersion", SCHEMA_VERSION.into()),
        ("input", input_json(&report.input)),
        ("errors", errors_json(&report.errors)),
        ("unreadable", unreadable_json(&report.unreadable)),
    ])
    .pretty()
}

/// The bad lines as NDJSON, for `callq analyze --errors FILE`: one compact JSON object per line,
/// `{"file":…,"line":…,"byteOffset":…,"message":…}`, in the order given, each line ending in
/// `\n` (nothing at all for no bad line). Strings are escaped like the JSON report's.
pub fn write_errors_ndjson(
    errors: &[BadLine],
    out: &mut (impl std::io::Write + ?Sized),
) -> std::io::Result<()> {
    let mut text = String::new();
    for e in errors {
        text.push_str("{\"file\":");
        push_json_string(&mut text, &e.position.file);
        let _ = write!(
            text,
            ",\"line\":{},\"byteOffset\":{},\"message\":",
            e.position.line, e.position.byte_offset
        );
        push_json_string(&mut text, &e.message);
        text.push_str("}\n");
        if text.len() >= 1 << 16 {
            out.write_all(text.as_bytes())?;
            text.clear();
        }
    }
    out.write_all(text.as_bytes())
}

// ---- text from the input, made safe for its destination --------------------------------------

/// True for a character that must not reach a terminal as it is: the C0 controls (tab and line
/// feed included), DEL, the C1 controls (U+0080–U+009F, e.g. U+009B, a one-character CSI), the
/// bidirectional formatting characters (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069)
/// and the Unicode line and paragraph separators (U+2028, U+2029).
fn unsafe_for_terminal(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{61c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
    )
}

/// `s` made harmless to print on a terminal: every C0 control (tab and line feed included), DEL,
/// C1 control (U+0080–U+009F), bidirectional formatting character (U+061C, U+200E, U+200F,
/// U+202A–U+202E, U+2066–U+2069) and line or paragraph separator (U+2028, U+2029) becomes a
/// visible escape in Rust's form, `\u{` lowercase hex without leading zeros `}`: ESC is
/// `\u{1b}`, a line feed `\u{a}`, U+202E `\u{202e}`. Everything else, backslashes included, is
/// kept, so the result is for reading, not for parsing back.
///
/// Borrowed (no allocation) when nothing needs escaping. The table renderers pass every text
/// that comes from the input through it (group key values, file names, bad-line messages); the
/// CLI does the same for what it prints on stderr.
///
/// ```
/// use callq::report::terminal_safe;
/// assert_eq!(terminal_safe("main-audio"), "main-audio");
/// assert_eq!(terminal_safe("\u{1b}]0;pwned\u{7}"), "\\u{1b}]0;pwned\\u{7}");
/// assert_eq!(terminal_safe("a\nb\u{202e}c"), "a\\u{a}b\\u{202e}c");
/// ```
pub fn terminal_safe(s: &str) -> Cow<'_, str> {
    // Printable ASCII, the common case, is decided a byte at a time.
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) || !s.chars().any(unsafe_for_terminal) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_for_terminal(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A CSV text cell neutralised against spreadsheet formula injection (OWASP's rule): when `s`
/// starts with `=`, `+`, `-`, `@`, a tab or a carriage return, which a spreadsheet would take for
/// the start of a formula, it gets a leading `'`; otherwise it is returned as it is (borrowed).
/// Only text cells go through it, never numbers (`-0.5` stays a number).
///
/// ```
/// use callq::report::spreadsheet_safe;
/// assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
/// assert_eq!(spreadsheet_safe("main-audio"), "main-audio");
/// ```
pub fn spreadsheet_safe(s: &str) -> Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

// ---- CSV --------------------------------------------------------------------------------------

/// Options of the CSV writer. The default is the safe one: text cells are neutralised with
/// [`spreadsheet_safe`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CsvOptions {
    /// Write text cells exactly as they are, without neutralising formulas (for programs that
    /// read the CSV, not spreadsheets).
    pub raw: bool,
}

impl CsvOptions {
    /// These options with `raw` set to `raw`.
    pub fn with_raw(mut self, raw: bool) -> Self {
        self.raw = raw;
        self
    }
}

/// Appends one CSV field, quoted (RFC 4180) when it holds a comma, a quote, CR or LF.
fn csv_field(out: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

/// Appends one text field, neutralised unless the options say raw.
fn csv_text(out: &mut String, s: &str, options: CsvOptions) {
    if options.raw {
        csv_field(out, s);
    } else {
        csv_field(out, &spreadsheet_safe(s));
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
/// Missing values are empty fields; a missing key value is empty too. Text cells are neutralised
/// against formulas ([`spreadsheet_safe`]); [`analyze_csv_with`] can turn that off.
pub fn analyze_csv(report: &Report) -> String {
    analyze_csv_with(report, CsvOptions::default())
}

/// [`analyze_csv`] with options.
pub fn analyze_csv_with(report: &Report, options: CsvOptions) -> String {
    let mut out = Vec::new();
    write_analyze_csv_with(report, &mut out, options).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("the report is UTF-8")
}

/// [`analyze_csv`] written to `out` a group at a time. Byte-identical to [`analyze_csv`].
pub fn write_analyze_csv(
    report: &Report,
    sink: &mut (impl std::io::Write + ?Sized),
) -> std::io::Result<()> {
    write_analyze_csv_with(report, sink, CsvOptions::default())
}

/// [`analyze_csv_with`] written to `out` a group at a time. Byte-identical to
/// [`analyze_csv_with`].
pub fn write_analyze_csv_with(
    report: &Report,
    sink: &mut (impl std::io::Write + ?Sized),
    options: CsvOptions,
) -> std::io::Result<()> {
    let mut out = String::new();
    for d in &report.group_by {
        csv_text(&mut out, &d.name(), options);
        out.push(',');
    }
    out.push_str(
        "streams,good,poor,unclassified,poorRate,metric,unit,count,nulls,mean,min,max,p50,p90,p99\n",
    );
    let mut prefix = String::new();
    for g in &report.groups {
        // The key and the group's counts are the same on each of its 22 rows.
        prefix.clear();
        for k in &g.key {
            csv_text(&mut prefix, k.as_deref().unwrap_or_default(), options);
            prefix.push(',');
        }
        let s = &g.stats;
        let _ = write!(
            prefix,
            "{},{},{},{},{},",
            s.streams,
            s.good,
            s.poor,
            s.unclassified,
            s.poor_rate().and_then(float_text).unwrap_or_default()
        );
        for (metric, m) in METRICS.iter().zip(&s.metrics) {
            out.push_str(&prefix);
            csv_text(&mut out, metric.name, options);
            out.push(',');
            csv_text(&mut out, metric.unit.as_str(), options);
            let _ = writeln!(
                out,
                ",{},{},{},{},{},{},{},{}",
                m.count(),
                m.nulls(),
                m.mean().and_then(float_text).unwrap_or_default(),
                plain(m.min()),
                plain(m.max()),
                plain(m.quantile(0.5)),
                plain(m.quantile(0.9)),
                plain(m.quantile(0.99)),
            );
        }
        if out.len() >= 1 << 16 {
            sink.write_all(out.as_bytes())?;
            out.clear();
        }
    }
    sink.write_all(out.as_bytes())
}

// ---- tables -----------------------------------------------------------------------------------

/// How a column of a table is aligned.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
}

/// Renders rows as columns padded to their widest cell, two spaces apart, aligned as `align`
/// says. With `spans`, a line above the rows labels runs of columns: `(label, columns)` from the
/// first column on; a label over several columns is centred (between dashes when there is room
/// for two on each side), over one column it is aligned like the column. A label wider than its columns widens the last of them.
fn align(rows: &[Vec<String>], align: &[Align], spans: &[(&str, usize)]) -> String {
    let cols = align.len();
    let mut widths = vec![0; cols];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let span_width = |widths: &[usize], first: usize, n: usize| {
        widths[first..first + n].iter().sum::<usize>() + 2 * (n - 1)
    };
    let mut first = 0;
    for &(label, n) in spans {
        let have = span_width(&widths, first, n);
        let need = label.chars().count();
        if need > have {
            widths[first + n - 1] += need - have;
        }
        first += n;
    }
    let mut out = String::new();
    if !spans.is_empty() {
        let mut line = String::new();
        let mut first = 0;
        for (i, &(label, n)) in spans.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            let width = span_width(&widths, first, n);
            let len = label.chars().count();
            if n > 1 && !label.is_empty() && width >= len + 6 {
                let dashes = width - len - 2;
                line.extend(std::iter::repeat_n('-', dashes / 2));
                line.push(' ');
                line.push_str(label);
                line.push(' ');
                line.extend(std::iter::repeat_n('-', dashes - dashes / 2));
            } else if n > 1 {
                let pad = width - len;
                line.extend(std::iter::repeat_n(' ', pad - pad / 2));
                line.push_str(label);
                line.extend(std::iter::repeat_n(' ', pad / 2));
            } else if align[first + n - 1] == Align::Left && n == 1 {
                line.push_str(label);
                line.extend(std::iter::repeat_n(' ', width - len));
            } else {
                line.extend(std::iter::repeat_n(' ', width - len));
                line.push_str(label);
            }
            first += n;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            let pad = widths[i] - cell.chars().count();
            if align[i] == Align::Left {
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

/// A count with thousands separators: `12,695`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `n` and the noun, singular for 1: `1 file`, `12,695 files`.
fn counted(n: u64, singular: &str, plural: &str) -> String {
    format!("{} {}", grouped(n), if n == 1 { singular } else { plural })
}

/// A size in decimal units (kB = 10³ bytes, MB = 10⁶, GB = 10⁹, …) to three significant
/// digits; below 1000 bytes, exact.
fn decimal_size(bytes: u64) -> String {
    if bytes < 1000 {
        return counted(bytes, "byte", "bytes");
    }
    const UNITS: [&str; 6] = ["kB", "MB", "GB", "TB", "PB", "EB"];
    let mut unit = 0;
    let mut v = bytes as f64 / 1e3;
    loop {
        // Round first: 999.96 kB is 1.00 MB, not 1000 kB.
        let text = if v >= 99.95 {
            format!("{v:.0}")
        } else if v >= 9.995 {
            format!("{v:.1}")
        } else {
            format!("{v:.2}")
        };
        if text.len() < 4 || text.contains('.') || unit + 1 == UNITS.len() {
            return format!("{text} {}", UNITS[unit]);
        }
        unit += 1;
        v /= 1e3;
    }
}

/// The index of the metric called `name` in [`METRICS`]. A `const fn`, used in constants: a
/// name that is not a metric stops the build instead of silently reading another metric.
const fn metric_index(name: &str) -> usize {
    let mut i = 0;
    while i < METRICS.len() {
        let m = METRICS[i].name.as_bytes();
        let n = name.as_bytes();
        if m.len() == n.len() {
            let mut j = 0;
            while j < n.len() && m[j] == n[j] {
                j += 1;
            }
            if j == n.len() {
                return i;
            }
        }
        i += 1;
    }
    panic!("not a metric name")
}

const JITTER: usize = metric_index("averageJitter");
const ROUND_TRIP: usize = metric_index("averageRoundTripTime");
const PACKET_LOSS: usize = metric_index("averagePacketLossRate");
const VIDEO_FRAME_RATE: usize = metric_index("averageVideoFrameRate");

/// What was read, in one line: `1 file, 96.8 kB, 25 lines (0 bad lines), …`.
fn input_line(c: &InputCounts) -> String {
    format!(
        "{}, {}, {} ({}), {}, {}, {} media, {}\n",
        counted(c.files, "file", "files"),
        decimal_size(c.bytes),
        counted(c.lines, "line", "lines"),
        counted(c.bad_lines, "bad line", "bad lines"),
        counted(c.sessions, "session", "sessions"),
        counted(c.segments, "segment", "segments"),
        grouped(c.media),
        counted(c.streams, "stream", "streams"),
    )
}

/// The listed bad lines, each as `file:line: byte N: message` with the file name and the
/// message made [`terminal_safe`].
fn errors_table(errors: &[BadLine], total: u64) -> String {
    if errors.is_empty() {
        return String::new();
    }
    let mut out = if total as usize > errors.len() {
        format!(
            "\nbad lines (the first {} of {}):\n",
            grouped(errors.len() as u64),
            grouped(total)
        )
    } else {
        format!("\n{}:\n", counted(total, "bad line", "bad lines"))
    };
    for e in errors {
        let _ = writeln!(
            out,
            "  {}:{}: byte {}: {}",
            terminal_safe(&e.position.file),
            e.position.line,
            e.position.byte_offset,
            terminal_safe(&e.message)
        );
    }
    out
}

/// The `poorDueTo` reason the most poor streams of the group breach (ties go to the first in the
/// contract's order: roundTrip, packetLoss, jitter, …); `None` when no stream is poor.
fn main_poor_reason(s: &GroupStats) -> Option<&'static str> {
    let mut best: Option<(u64, &'static str)> = None;
    for (&n, (_, name)) in s.poor_due_to.iter().zip(Reasons::ALL.iter()) {
        if n > 0 && best.is_none_or(|(most, _)| n > most) {
            best = Some((n, name));
        }
    }
    best.map(|(_, name)| name)
}

/// The `callq analyze --format table` report. Two header lines, the classifier that ran and what
/// was read (counts with thousands separators, sizes in decimal units); then one row per group
/// with its streams (all, good, poor, unclassified), the poor share of classified streams, the
/// main poor reason, and headline metrics with their units (jitter and round trip in ms, packet
/// loss in percent, video frame rate in fps); a legend; the listed bad lines. Key values, file
/// names and messages are [`terminal_safe`]. A row of `--by direction,label` is 123 columns
/// wide.
pub fn analyze_table(report: &Report) -> String {
    // (metric, quantile, scale): the packet loss rate (a ratio) is shown as a percentage.
    let headline: [(usize, f64, f64); 6] = [
        (JITTER, 0.5, 1.0),
        (JITTER, 0.9, 1.0),
        (ROUND_TRIP, 0.5, 1.0),
        (ROUND_TRIP, 0.9, 1.0),
        (PACKET_LOSS, 0.9, 100.0),
        (VIDEO_FRAME_RATE, 0.5, 1.0),
    ];
    let mut header: Vec<String> = report.group_by.iter().map(|d| d.name()).collect();
    if header.is_empty() {
        header.push("group".into());
    }
    let keys = header.len();
    header.extend(
        [
            "all",
            "good",
            "poor",
            "unclassified",
            "classified",
            "reason",
            "p50",
            "p90",
            "p50",
            "p90",
            "p90",
            "p50",
        ]
        .map(String::from),
    );
    let mut aligns = vec![Align::Left; keys];
    aligns.extend([Align::Right; 5]);
    aligns.push(Align::Left);
    aligns.extend([Align::Right; 6]);
    let spans = [
        ("", keys),
        ("streams", 4),
        ("poor % of", 1),
        ("main poor", 1),
        ("jitter ms", 2),
        ("rtt ms", 2),
        ("loss %", 1),
        ("video fps", 1),
    ];
    let mut rows = vec![header];
    for g in &report.groups {
        let mut row: Vec<String> = if report.group_by.is_empty() {
            vec!["(all)".into()]
        } else {
            g.key
                .iter()
                .map(|k| {
                    k.as_deref()
                        .map_or("(none)".into(), |k| terminal_safe(k).into_owned())
                })
                .collect()
        };
        let s = &g.stats;
        row.extend([s.streams, s.good, s.poor, s.unclassified].map(grouped));
        row.push(
            s.poor_rate()
                .map_or("-".into(), |r| format!("{:.1}", r * 100.0)),
        );
        row.push(main_poor_reason(s).unwrap_or("-").into());
        for (metric, q, scale) in headline {
            let m = &s.metrics[metric];
            row.push(human(m.quantile(q).map(|v| v.as_f64() * scale)));
        }
        rows.push(row);
    }
    let classifier = classifier_name(report.classifier);
    let mut out = format!(
        "classifier: {classifier} ({})\n",
        match report.classifier {
            Classifier::Current => "CQD's current stream classification",
            Classifier::Cqd2020 => "CQD's stream classification as first published, 2019-2020",
        }
    );
    out.push_str(&input_line(&report.input));
    out.push('\n');
    out.push_str(&align(&rows, &aligns, &spans));
    let _ = write!(
        out,
        concat!(
            "\npoor % of classified = poor / (good + poor) under --classifier {}: unclassified\n",
            "streams (no rule applies, or no deciding metric) are left out. main poor reason: the\n",
            "poorDueTo reason the most poor streams breach. p50/p90: median and 90th percentile of\n",
            "averageJitter and averageRoundTripTime (rtt) in ms, of averagePacketLossRate in percent\n",
            "and of averageVideoFrameRate in frames per second. --format json or csv has every metric.\n",
        ),
        classifier
    );
    out.push_str(&errors_table(&report.errors, report.input.bad_lines));
    out
}

/// The `callq check --format table` report: what was read, and the first bad lines (file names
/// and messages [`terminal_safe`]).
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
    .map(|(k, v)| vec![(*k).to_string(), grouped(*v)])
    .collect();
    let mut out = align(&rows, &[Align::Left, Align::Right], &[]);
    out.push_str(&errors_table(&report.errors, report.input.bad_lines));
    out
}
