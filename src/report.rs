//! Statistics → reports: JSON (schemaVersion 1), an aligned table, and CSV.
//!
//! Every function here is pure: it renders a [`Report`] into a `String` and prints nothing.

use serde_json::{Map, Value, json};

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

fn float(x: f64) -> Value {
    // Non-finite values cannot appear in JSON; they only arise from overflowing sums.
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

fn number(n: Option<Number>) -> Value {
    match n {
        None => Value::Null,
        Some(Number::Int(i)) => Value::from(i),
        Some(Number::Float(f)) => float(f),
    }
}

fn input_json(c: &InputCounts) -> Value {
    json!({
        "files": c.files,
        "bytes": c.bytes,
        "lines": c.lines,
        "badLines": c.bad_lines,
        "documents": c.documents,
        "sessions": c.sessions,
        "segments": c.segments,
        "media": c.media,
        "streams": c.streams,
    })
}

fn errors_json(errors: &[BadLine]) -> Value {
    Value::Array(
        errors
            .iter()
            .map(|e| {
                json!({
                    "file": e.position.file,
                    "line": e.position.line,
                    "byteOffset": e.position.byte_offset,
                    "message": e.message,
                })
            })
            .collect(),
    )
}

fn metric_json(unit: &str, m: &MetricStats) -> Value {
    json!({
        "unit": unit,
        "count": m.count(),
        "nulls": m.nulls(),
        "mean": m.mean().map_or(Value::Null, float),
        "min": number(m.min()),
        "max": number(m.max()),
        "p50": number(m.quantile(0.5)),
        "p90": number(m.quantile(0.9)),
        "p99": number(m.quantile(0.99)),
    })
}

fn quality_json(g: &GroupStats) -> Value {
    let mut due = Map::new();
    for (i, (_, name)) in Reasons::ALL.iter().enumerate() {
        if g.poor_due_to[i] > 0 {
            due.insert((*name).to_owned(), Value::from(g.poor_due_to[i]));
        }
    }
    json!({
        "good": g.good,
        "poor": g.poor,
        "unclassified": g.unclassified,
        "poorRate": g.poor_rate().map_or(Value::Null, float),
        "poorDueTo": due,
    })
}

fn group_json(report: &Report, g: &GroupReport) -> Value {
    let mut key = Map::new();
    for (dim, value) in report.group_by.iter().zip(&g.key) {
        key.insert(
            dim.name(),
            value
                .as_ref()
                .map_or(Value::Null, |s| Value::from(s.as_str())),
        );
    }
    let mut metrics = Map::new();
    for (metric, stats) in METRICS.iter().zip(&g.stats.metrics) {
        metrics.insert(
            metric.name.to_owned(),
            metric_json(metric.unit.as_str(), stats),
        );
    }
    json!({
        "key": key,
        "streams": g.stats.streams,
        "quality": quality_json(&g.stats),
        "metrics": metrics,
    })
}

/// The `callq analyze --format json` report (schemaVersion 1), pretty-printed, with a final
/// newline.
pub fn analyze_json(report: &Report) -> String {
    let doc = json!({
        "schemaVersion": SCHEMA_VERSION,
        "input": input_json(&report.input),
        "errors": errors_json(&report.errors),
        "groupBy": report.group_by.iter().map(|d| d.name()).collect::<Vec<_>>(),
        "groups": report.groups.iter().map(|g| group_json(report, g)).collect::<Vec<_>>(),
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// The `callq check --format json` report: `schemaVersion`, `input` and `errors`.
pub fn check_json(report: &Report) -> String {
    let doc = json!({
        "schemaVersion": SCHEMA_VERSION,
        "input": input_json(&report.input),
        "errors": errors_json(&report.errors),
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
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
        Some(Number::Float(f)) => float_text(f),
    }
}

fn float_text(f: f64) -> String {
    match float(f) {
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// The `callq analyze --format csv` report: a header, then one row per group and metric.
/// Missing values are empty fields; a missing key value is empty too.
pub fn analyze_csv(report: &Report) -> String {
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
                g.stats.poor_rate().map(float_text).unwrap_or_default(),
                metric.name.to_string(),
                metric.unit.as_str().to_string(),
                m.count().to_string(),
                m.nulls().to_string(),
                m.mean().map(float_text).unwrap_or_default(),
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
    }
    out
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
