//! The CSV report: one row per group and metric.

use super::*;

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
pub(super) fn csv_field(out: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

/// Appends one text field, neutralised unless the options say raw.
pub(super) fn csv_text(out: &mut String, s: &str, options: CsvOptions) {
    if options.raw {
        csv_field(out, s);
    } else {
        csv_field(out, &spreadsheet_safe(s));
    }
}

pub(super) fn plain(n: Option<Number>) -> String {
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
