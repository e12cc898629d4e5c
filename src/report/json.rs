//! The JSON reports (schemaVersion 1, members in the contract's order) and the bad-line NDJSON.

use super::*;

/// A JSON value whose objects keep their members in the order they were built: reports are
/// part of the contract, key order included, and the library should not need serde_json's
/// `preserve_order` feature (which would change `serde_json::Map` for every crate linking it).
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Json {
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

pub(super) fn obj(members: Vec<(&'static str, Json)>) -> Json {
    Json::Obj(
        members
            .into_iter()
            .map(|(k, v)| (Cow::Borrowed(k), v))
            .collect(),
    )
}

/// Appends `s` as a JSON string literal (serde_json's escaping; no allocation when nothing
/// needs escaping, which is every key and almost every value here).
pub(super) fn push_json_string(out: &mut String, s: &str) {
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
    pub(super) fn write_pretty(&self, out: &mut String, indent: usize) {
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

    pub(super) fn pretty(&self) -> String {
        let mut out = String::new();
        self.write_pretty(&mut out, 0);
        out.push('\n');
        out
    }
}

/// A finite double as JSON writes it (shortest round-trip form, `1.0` not `1`); `None` for a
/// non-finite one, which JSON cannot represent (only an overflowing sum produces one).
pub(super) fn float_text(x: f64) -> Option<String> {
    x.is_finite()
        .then(|| serde_json::to_string(&x).unwrap_or_default())
}

pub(super) fn float(x: f64) -> Json {
    if x.is_finite() {
        Json::Float(x)
    } else {
        Json::Null
    }
}

pub(super) fn number(n: Option<Number>) -> Json {
    match n {
        None => Json::Null,
        Some(Number::Int(i)) => Json::Int(i),
        Some(Number::Float(f)) => float(f),
    }
}

pub(super) fn input_json(c: &InputCounts) -> Json {
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

/// `input` of an analyze report: with `filteredStreams` (last) when the run had a filter.
fn analyze_input_json(report: &Report) -> Json {
    let mut input = input_json(&report.input);
    if let (true, Json::Obj(members)) = (report.filtered, &mut input) {
        members.push((
            Cow::Borrowed("filteredStreams"),
            report.input.filtered_streams.into(),
        ));
    }
    input
}

pub(super) fn errors_json(errors: &[BadLine]) -> Json {
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

pub(super) fn unreadable_json(unreadable: &[UnreadableInput]) -> Json {
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

pub(super) fn metric_json(unit: &str, m: &MetricStats) -> Json {
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

pub(super) fn quality_json(g: &GroupStats) -> Json {
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

pub(super) fn group_json(report: &Report, g: &GroupReport) -> Json {
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
        ("input", analyze_input_json(report)),
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
