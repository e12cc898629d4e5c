//! The human tables of `analyze` and `check`, and the number formats they share with the CLI.

use super::*;

/// How a column of a table is aligned.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Align {
    Left,
    Right,
}

/// Renders rows as columns padded to their widest cell, two spaces apart, aligned as `align`
/// says. With `spans`, a line above the rows labels runs of columns: `(label, columns)` from the
/// first column on; a label over several columns is centred (between dashes when there is room
/// for two on each side), over one column it is aligned like the column. A label wider than its columns widens the last of them.
pub(super) fn align(rows: &[Vec<String>], align: &[Align], spans: &[(&str, usize)]) -> String {
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
pub(super) fn human(x: Option<f64>) -> String {
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
///
/// ```
/// use callq::report::{counted, decimal_size, grouped};
/// assert_eq!(grouped(999), "999");
/// assert_eq!(grouped(1_234_567), "1,234,567");
/// assert_eq!(counted(1, "file", "files"), "1 file");
/// assert_eq!(counted(12_695, "session", "sessions"), "12,695 sessions");
/// assert_eq!(decimal_size(96_782), "96.8 kB");
/// assert_eq!(decimal_size(999_960), "1.00 MB");
/// assert_eq!(decimal_size(2_000_000_000), "2.00 GB");
/// ```
pub fn grouped(n: u64) -> String {
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
pub fn counted(n: u64, singular: &str, plural: &str) -> String {
    format!("{} {}", grouped(n), if n == 1 { singular } else { plural })
}

/// A size in decimal units (kB = 10³ bytes, MB = 10⁶, GB = 10⁹, …) to three significant
/// digits; below 1000 bytes, exact.
pub fn decimal_size(bytes: u64) -> String {
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
pub(super) const fn metric_index(name: &str) -> usize {
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

pub(super) const JITTER: usize = metric_index("averageJitter");
pub(super) const ROUND_TRIP: usize = metric_index("averageRoundTripTime");
pub(super) const PACKET_LOSS: usize = metric_index("averagePacketLossRate");
pub(super) const VIDEO_FRAME_RATE: usize = metric_index("averageVideoFrameRate");

/// What was read, in one line: `1 file, 96.8 kB, 25 lines (0 bad lines), …`.
pub(super) fn input_line(c: &InputCounts) -> String {
    let dropped = match c.duplicate_sessions {
        0 => String::new(),
        n => format!(
            " ({} dropped)",
            counted(n, "duplicate session", "duplicate sessions")
        ),
    };
    format!(
        "{}, {}, {} ({}), {}{dropped}, {}, {} media, {}\n",
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
pub(super) fn errors_table(errors: &[BadLine], total: u64) -> String {
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
pub(super) fn main_poor_reason(s: &GroupStats) -> Option<&'static str> {
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
/// wide. Key values are never shortened: [`analyze_table_width`] fits the table to a terminal.
pub fn analyze_table(report: &Report) -> String {
    analyze_table_width(report, None)
}

/// The narrowest a key column is cut to (or its header's width, when wider).
const MIN_KEY_WIDTH: usize = 12;

/// Cuts `cell` to `width` characters, the last one an ellipsis, when it is longer.
fn ellipsize(cell: &mut String, width: usize) {
    if cell.chars().count() > width {
        let keep: String = cell.chars().take(width.saturating_sub(1)).collect();
        *cell = keep + "…";
    }
}

/// Shrinks the widest key columns (the first `keys` of `rows`, header row first) until the
/// table fits in `width` columns or every key column is at its minimum, and cuts the cells
/// longer than their column with an ellipsis.
/// `table_width` is the widest line of the table as [`align`] renders it uncut (its span
/// labels may widen columns).
fn fit_keys(rows: &mut [Vec<String>], keys: usize, width: usize, table_width: usize) {
    let mut widths = vec![0; keys];
    for row in rows.iter() {
        for (i, cell) in row.iter().take(keys).enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let floor: Vec<usize> = rows[0][..keys]
        .iter()
        .map(|h| h.chars().count().max(MIN_KEY_WIDTH))
        .collect();
    let mut total = table_width;
    while total > width {
        let Some(widest) = (0..keys)
            .filter(|&i| widths[i] > floor[i])
            .max_by_key(|&i| (widths[i], std::cmp::Reverse(i)))
        else {
            break;
        };
        widths[widest] -= 1;
        total -= 1;
    }
    for row in rows.iter_mut().skip(1) {
        for (i, cell) in row.iter_mut().take(keys).enumerate() {
            ellipsize(cell, widths[i]);
        }
    }
}

/// [`analyze_table`] fitted to a terminal `width` columns wide: key values (display names,
/// device names, …) are cut with an ellipsis, the widest key column first, down to 12
/// characters (or the column's header); the numbers are never cut. `None` cuts nothing. JSON
/// and CSV always have the whole key.
pub fn analyze_table_width(report: &Report, width: Option<usize>) -> String {
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
            // A counts-only group (`Grouping::counts`) has no metric statistics: "-".
            let v = s.metrics.get(metric).and_then(|m| m.quantile(q));
            row.push(human(v.map(|v| v.as_f64() * scale)));
        }
        rows.push(row);
    }
    if let Some(width) = width {
        let table_width = align(&rows, &aligns, &spans)
            .lines()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0);
        fit_keys(&mut rows, keys, width, table_width);
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
    if report.filtered {
        let _ = writeln!(
            out,
            "{} left out by --since, --until or --where",
            counted(report.input.filtered_streams, "stream", "streams")
        );
    }
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
