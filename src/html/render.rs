//! [`ReportData`] → one self-contained HTML page.

use std::fmt::Write as _;

use super::svg::{Svg, clip, esc, int, nice_max, pct, value};
use super::*;
use crate::classify::Reasons;

/// Width of every chart's drawing, in SVG units (it scales to the page).
const W: f64 = 960.0;
/// Width of a chart in one of two columns: drawn about 1:1 at 1280 px, so its text is as
/// large as the page's.
const W2: f64 = 560.0;
/// The kinds drawn in the trend and distribution charts (the fourth is never classified).
const CLASSIFIED_KINDS: [StreamKind; 3] = [
    StreamKind::Audio,
    StreamKind::Video,
    StreamKind::ScreenSharing,
];

/// The page's style: system fonts only, Okabe–Ito colours (safe for colour-blind readers),
/// lines told apart by dash pattern too, a one-column layout below 900 px, wide charts that
/// scroll sideways on a phone, and no scroll boxes in print.
const STYLE: &str = r#"
:root{--ink:#1a1a1a;--muted:#555;--line:#d0d0d0;--bg:#fff;--band:#f4f6f8}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC","Noto Sans Hebrew",sans-serif;color:var(--ink);background:var(--bg)}
main{max-width:1200px;margin:0 auto;padding:16px 20px 40px}
h1{font-size:1.6em;margin:.2em 0 .1em}
h2{font-size:1.25em;margin:1.6em 0 .4em;padding-top:.6em;border-top:2px solid var(--line)}
h3{font-size:1.05em;margin:1em 0 .3em}
p.sub,p.note,figcaption{color:var(--muted);margin:.2em 0 .6em}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px;margin:12px 0}
.card{background:var(--band);border-radius:6px;padding:10px 12px}
.card .k{font-size:.85em;color:var(--muted)}
.card .v{font-size:1.45em;font-weight:600;font-variant-numeric:tabular-nums}
.card .d{font-size:.8em;color:var(--muted)}
.grid2{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:0 28px}
@media (max-width:900px){.grid2{grid-template-columns:minmax(0,1fr)}}
figure{margin:0 0 8px}
.scroll-x{overflow-x:auto}
svg.chart{display:block;width:100%;min-width:520px;height:auto}
svg.chart.wide{min-width:820px}
svg text{font-family:inherit;font-size:13px;fill:var(--ink)}
svg text.small{font-size:11.5px;fill:var(--muted)}
svg text.lab{font-size:12.5px}
.axis{stroke:#888;stroke-width:1}
.grid{stroke:#e3e3e3;stroke-width:1}
.hit{fill:transparent}
.hit:hover{fill:rgba(0,0,0,.06)}
.l-audio{fill:none;stroke:#0072B2;stroke-width:2.5}
.l-video{fill:none;stroke:#E69F00;stroke-width:2.5;stroke-dasharray:8 4}
.l-screen{fill:none;stroke:#009E73;stroke-width:2.5;stroke-dasharray:2 3}
.f-audio{fill:#0072B2}.f-video{fill:#E69F00}.f-screen{fill:#009E73}.f-other{fill:#999}
.bar{fill:#0072B2}.bar:hover,.f-audio:hover,.f-video:hover,.f-screen:hover,.f-other:hover,.p50:hover,.p90:hover,.p99:hover{opacity:.8}
.p50{fill:#9ecae1}.p90{fill:#4292c6}.p99{fill:#08306b}
.limit{stroke:#D55E00;stroke-width:2;stroke-dasharray:6 3}
text.limit-t{fill:#B34700;font-size:12px}
.table-box{max-height:24em;overflow:auto;border:1px solid var(--line);border-radius:4px;margin:6px 0 14px}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;font-size:.9em}
th,td{padding:3px 8px;border-bottom:1px solid #eee;text-align:right;vertical-align:top;white-space:nowrap}
th{background:var(--band);position:sticky;top:0}
th:first-child,td:first-child,td.t,th.t{text-align:left}
td.msg{text-align:left;word-break:break-word;max-width:40em;white-space:normal}
tr.small td{color:var(--muted)}
.swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.3em;vertical-align:-.05em}
.meter{display:inline-block;height:.7em;background:#0072B2;vertical-align:middle;margin-left:.4em}
.empty{padding:14px;background:var(--band);border-radius:6px;color:var(--muted)}
.warn{background:#fff4e5;border-left:4px solid #D55E00;padding:8px 12px;border-radius:4px}
code{font-size:.95em}
@media print{
 body{font-size:11pt}
 main{max-width:none;padding:0}
 .table-box{max-height:none;overflow:visible;border:0}
 th{position:static}
 figure,.card,tr{break-inside:avoid}
 h2,h3{break-after:avoid}
 .scroll-x{overflow:visible}
 svg.chart,svg.chart.wide{min-width:0}
}
"#;

/// Renders the report: one HTML document, with no script and nothing loaded from elsewhere
/// (its Content-Security-Policy forbids both). Pure: the same data gives the same bytes.
pub fn render(d: &ReportData) -> String {
    let mut h = String::with_capacity(64 * 1024 + d.trend.len() * 2048);
    let period = match &d.period {
        Some((a, b)) if a == b => a.clone(),
        Some((a, b)) => format!("{a} – {b}"),
        None => "no dated streams".to_owned(),
    };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"generator\" content=\"{}\">\n\
         <title>Call quality report: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        esc(crate::report::GENERATOR),
        esc(&period)
    );
    let _ = write!(
        h,
        "<header><h1>Call quality report</h1><p class=\"sub\">{} · by {} · CQD rules: {} · \
         made by {}</p></header>",
        esc(&period),
        d.options.time.name(),
        match d.classifier {
            Classifier::Current => "current",
            Classifier::Cqd2020 => "cqd-2020 (as first published)",
        },
        esc(crate::report::GENERATOR)
    );
    h.push('\n');
    headline(&mut h, d, &period);
    trend(&mut h, d);
    dimensions(&mut h, d);
    distributions(&mut h, d);
    poor_due_to(&mut h, d);
    worst(&mut h, d);
    bad_lines(&mut h, d);
    let _ = write!(
        h,
        "<footer><p class=\"note\">A stream is poor or good by Microsoft's Call Quality \
         Dashboard rules applied to the metrics Graph call records carry; a stream no rule \
         applies to is unclassified. The poor rate is poor ÷ (good + poor). Every chart's \
         numbers are in the table under it, and on hover. Times are UTC, of each session's \
         start.</p></footer>\n</main>\n</body>\n</html>\n"
    );
    h
}

fn card(h: &mut String, key: &str, val: &str, detail: &str) {
    let _ = write!(
        h,
        "<div class=\"card\"><div class=\"k\">{}</div><div class=\"v\">{}</div><div class=\"d\">{}</div></div>",
        esc(key),
        esc(val),
        esc(detail)
    );
}

fn headline(h: &mut String, d: &ReportData, period: &str) {
    let c = &d.input;
    h.push_str("<section id=\"headline\"><h2>Headline</h2><div class=\"cards\">");
    // The dates on lines of their own: a card is too narrow on a phone for both on one line.
    let steps = crate::report::counted(d.trend.len() as u64, "step", "steps");
    let unit = d.options.time.name();
    match &d.period {
        Some((a, b)) if a != b => card(h, "Period", a, &format!("to {b} · {steps} of a {unit}")),
        _ => card(h, "Period", period, &format!("{steps} of a {unit}")),
    }
    card(
        h,
        "Files",
        &int(c.files),
        &crate::report::decimal_size(c.bytes),
    );
    card(
        h,
        "Streams",
        &int(c.streams),
        &format!("{} sessions", int(c.sessions)),
    );
    for kind in CLASSIFIED_KINDS {
        let k = d.kind(kind);
        card(
            h,
            &format!("Poor rate, {}", kind_name(kind).to_lowercase()),
            &pct(k.counts.poor_rate()),
            &format!(
                "{} poor of {} classified ({} streams)",
                int(k.counts.poor),
                int(k.counts.classified()),
                int(k.counts.streams)
            ),
        );
    }
    card(
        h,
        "Bad lines",
        &int(c.bad_lines),
        &format!("of {} lines", int(c.lines)),
    );
    card(
        h,
        "Duplicates dropped",
        &int(c.duplicate_sessions),
        "session copies",
    );
    let other: u64 = c.other_documents.iter().sum();
    card(h, "Other documents", &int(other), "hold no sessions");
    if d.filtered {
        card(h, "Filtered out", &int(c.filtered_streams), "streams");
    }
    h.push_str("</div>");
    if c.streams == 0 {
        h.push_str(
            "<p class=\"empty\">No streams were read: every chart below is empty. \
             Check the inputs (the bad lines at the end say why lines were refused).</p>",
        );
    } else if d.kinds.iter().all(|k| k.counts.classified() == 0) {
        h.push_str(
            "<p class=\"empty\">Every stream is unclassified: no stream had the metrics a CQD \
             rule needs (audio and video need more than 500 packets), so there are no poor \
             rates to chart.</p>",
        );
    }
    if d.undated.streams > 0 {
        let _ = write!(
            h,
            "<p class=\"note\">{} streams of sessions without a start time are counted \
             everywhere but in the trend.</p>",
            int(d.undated.streams)
        );
    }
    h.push_str("</section>\n");
}

fn kind_class(kind: StreamKind) -> &'static str {
    match kind {
        StreamKind::Audio => "audio",
        StreamKind::Video => "video",
        StreamKind::ScreenSharing => "screen",
        StreamKind::Other => "other",
    }
}

fn swatch(kind: StreamKind) -> String {
    format!("<span class=\"swatch f-{}\"></span>", kind_class(kind))
}

/// A legend row at the top of a chart.
fn legend(s: &mut Svg, kinds: &[StreamKind], lines: bool) {
    let mut x = 60.0;
    for &kind in kinds {
        let class = kind_class(kind);
        if lines {
            s.line(x, 14.0, x + 28.0, 14.0, &format!("l-{class}"));
        } else {
            s.rect(x + 8.0, 7.0, 14.0, 14.0, &format!("f-{class}"), "");
        }
        s.text(x + 34.0, 19.0, "start", "lab", kind_name(kind));
        x += 48.0 + kind_name(kind).chars().count() as f64 * 7.5;
    }
}

/// The x positions of `n` steps across the plot, and the labels' spacing.
fn x_axis(s: &mut Svg, points: &[TimePoint], left: f64, right: f64, base: f64) -> f64 {
    let n = points.len().max(1) as f64;
    let step = (right - left) / n;
    let label_width = points
        .first()
        .map_or(60.0, |p| p.period.chars().count() as f64 * 7.2 + 14.0);
    let every = ((label_width / step).ceil() as usize).max(1);
    for (i, p) in points.iter().enumerate() {
        if i % every == 0 {
            let x = left + step * (i as f64 + 0.5);
            s.line(x, base, x, base + 4.0, "axis");
            s.text(x, base + 18.0, "middle", "small", &p.period);
        }
    }
    s.line(left, base, right, base, "axis");
    step
}

/// Horizontal grid lines and their labels from 0 to `max`.
fn y_grid(
    s: &mut Svg,
    left: f64,
    right: f64,
    top: f64,
    base: f64,
    max: f64,
    label: impl Fn(f64) -> String,
) {
    for i in 0..=4 {
        let v = max * i as f64 / 4.0;
        let y = base - (base - top) * i as f64 / 4.0;
        if i > 0 {
            s.line(left, y, right, y, "grid");
        }
        s.text(left - 6.0, y + 4.0, "end", "small", &label(v));
    }
}

fn trend(h: &mut String, d: &ReportData) {
    h.push_str("<section id=\"trend\"><h2>Poor rate and streams over time</h2>");
    if d.trend.is_empty() {
        h.push_str("<p class=\"empty\">No stream has a session start time: no trend to draw.</p></section>\n");
        return;
    }
    let kinds: Vec<StreamKind> = CLASSIFIED_KINDS
        .into_iter()
        .filter(|&k| d.kind(k).counts.classified() > 0)
        .collect();
    let (left, right, top, base) = (64.0, W - 16.0, 34.0, 250.0);
    let step_name = d.options.time.name();
    // The poor-rate lines.
    if kinds.is_empty() {
        h.push_str("<p class=\"empty\">No classified streams: no poor rate to draw.</p>");
    } else {
        let max_rate = d
            .trend
            .iter()
            .flat_map(|t| {
                kinds
                    .iter()
                    .filter_map(|&k| t.kinds[kind_index(k)].poor_rate())
            })
            .fold(0.0, f64::max);
        let max = nice_max(max_rate.max(0.01));
        let mut s = Svg::new(
            "chart-trend",
            W,
            base + 30.0,
            &format!("Poor rate by {step_name} and media kind"),
        );
        legend(&mut s, &kinds, true);
        y_grid(&mut s, left, right, top, base, max, |v| pct(Some(v)));
        let step = x_axis(&mut s, &d.trend, left, right, base);
        let y = |r: f64| base - (base - top) * r / max;
        for &kind in &kinds {
            let k = kind_index(kind);
            let class = format!("l-{}", kind_class(kind));
            // A step without classified streams breaks the line.
            let mut run: Vec<(f64, f64)> = Vec::new();
            for (i, t) in d.trend.iter().enumerate() {
                match t.kinds[k].poor_rate() {
                    Some(r) => run.push((left + step * (i as f64 + 0.5), y(r))),
                    None => {
                        if run.len() > 1 {
                            s.polyline(&run, &class);
                        }
                        run.clear();
                    }
                }
            }
            if run.len() > 1 {
                s.polyline(&run, &class);
            }
            // Dots where few steps are drawn (a lone step has no line to show it).
            if d.trend.len() <= 62 {
                for (i, t) in d.trend.iter().enumerate() {
                    if let Some(r) = t.kinds[k].poor_rate() {
                        s.circle(
                            left + step * (i as f64 + 0.5),
                            y(r),
                            3.5,
                            &format!("f-{}", kind_class(kind)),
                            "",
                        );
                    }
                }
            }
        }
        // One hover band per step, with every kind's figures.
        for (i, t) in d.trend.iter().enumerate() {
            let mut hover = t.period.clone();
            for &kind in &kinds {
                let c = &t.kinds[kind_index(kind)];
                let _ = write!(
                    hover,
                    "\n{}: {} poor ({} of {} classified)",
                    kind_name(kind),
                    pct(c.poor_rate()),
                    int(c.poor),
                    int(c.classified())
                );
            }
            s.rect(left + step * i as f64, top, step, base - top, "hit", &hover);
        }
        let _ = write!(
            h,
            "<figure class=\"scroll-x\">{}<figcaption>Poor rate per {step_name}, by media kind \
             (audio solid, video dashed, screen sharing dotted). Only the steps with streams are \
             drawn, evenly spaced; a gap in a line is a {step_name} without classified streams \
             of that kind.</figcaption></figure>",
            s.finish()
        );
    }
    // Volume: streams per step, stacked by kind.
    let all: Vec<StreamKind> = KINDS
        .into_iter()
        .filter(|&k| d.kind(k).counts.streams > 0)
        .collect();
    let max = nice_max(d.trend.iter().map(TimePoint::streams).max().unwrap_or(0) as f64);
    let mut s = Svg::new(
        "chart-volume",
        W,
        base + 30.0,
        &format!("Streams by {step_name} and media kind"),
    );
    legend(&mut s, &all, false);
    y_grid(&mut s, left, right, top, base, max, |v| {
        if max < 4.0 {
            format!("{v:.1}")
        } else {
            int(v.round() as u64)
        }
    });
    let step = x_axis(&mut s, &d.trend, left, right, base);
    let gap = if step > 6.0 { step * 0.15 } else { 0.0 };
    for (i, t) in d.trend.iter().enumerate() {
        let mut y0 = base;
        for &kind in &all {
            let c = &t.kinds[kind_index(kind)];
            if c.streams == 0 {
                continue;
            }
            let hgt = (base - top) * c.streams as f64 / max;
            s.rect(
                left + step * i as f64 + gap / 2.0,
                y0 - hgt,
                step - gap,
                hgt,
                &format!("f-{}", kind_class(kind)),
                &format!(
                    "{} · {}: {} streams",
                    t.period,
                    kind_name(kind),
                    int(c.streams)
                ),
            );
            y0 -= hgt;
        }
    }
    let _ = write!(
        h,
        "<figure class=\"scroll-x\">{}<figcaption>Streams per {step_name}, stacked by media \
         kind.</figcaption></figure>",
        s.finish()
    );
    // The table of both charts.
    let _ = write!(
        h,
        "<div class=\"table-box\"><table><thead><tr><th class=\"t\">{}</th><th>Streams</th>",
        esc(step_name)
    );
    for kind in CLASSIFIED_KINDS {
        let _ = write!(
            h,
            "<th>{}{} poor rate</th><th>classified</th>",
            swatch(kind),
            esc(kind_name(kind))
        );
    }
    h.push_str("<th>Other streams</th></tr></thead><tbody>");
    for t in &d.trend {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td>",
            esc(&t.period),
            int(t.streams())
        );
        for kind in CLASSIFIED_KINDS {
            let c = &t.kinds[kind_index(kind)];
            let _ = write!(
                h,
                "<td>{}</td><td>{}</td>",
                pct(c.poor_rate()),
                int(c.classified())
            );
        }
        let _ = write!(
            h,
            "<td>{}</td></tr>",
            int(t.kinds[kind_index(StreamKind::Other)].streams)
        );
    }
    h.push_str("</tbody></table></div></section>\n");
}

/// A group's value as shown: `(missing)` for none.
fn shown(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("(missing)")
}

fn dimensions(h: &mut String, d: &ReportData) {
    let _ = write!(
        h,
        "<section id=\"dimensions\"><h2>Poor rate by platform, connection type{}</h2>\
         <p class=\"note\">All media kinds together. Groups with fewer than {} classified \
         streams are left out (<code>--min-streams</code>); each bar is labelled with its poor \
         rate and classified streams.</p><div class=\"grid2\">",
        if d.options.buildings {
            " and building"
        } else {
            ""
        },
        int(d.options.min_streams)
    );
    for chart in &d.charts {
        let id = format!("chart-{}", chart.dimension.replace('.', "-"));
        let _ = write!(
            h,
            "<div><h3>{} <small><code>{}</code></small></h3>",
            esc(&chart.title),
            esc(&chart.dimension)
        );
        if chart.bars.is_empty() {
            let _ = write!(
                h,
                "<p class=\"empty\">No group has {} classified streams or more.</p>",
                int(d.options.min_streams.max(1))
            );
        } else {
            let row = 26.0;
            let (left, right, top) = (150.0, W2 - 110.0, 28.0);
            let height = top + row * chart.bars.len() as f64 + 8.0;
            let max = nice_max(
                chart
                    .bars
                    .iter()
                    .filter_map(|b| b.counts.poor_rate())
                    .fold(0.0, f64::max)
                    .max(0.01),
            );
            let mut s = Svg::new(&id, W2, height, &format!("Poor rate by {}", chart.title));
            for i in 0..=4 {
                let x = left + (right - left) * i as f64 / 4.0;
                s.line(x, top - 4.0, x, height - 6.0, "grid");
                s.text(
                    x,
                    top - 10.0,
                    "middle",
                    "small",
                    &pct(Some(max * i as f64 / 4.0)),
                );
            }
            for (i, b) in chart.bars.iter().enumerate() {
                let y = top + row * i as f64;
                let name = shown(&b.value);
                let rate = b.counts.poor_rate().unwrap_or(0.0);
                let hover = format!(
                    "{name}: {} poor ({} of {} classified; {} streams)",
                    pct(b.counts.poor_rate()),
                    int(b.counts.poor),
                    int(b.counts.classified()),
                    int(b.counts.streams)
                );
                s.text_hover(left - 8.0, y + 17.0, "end", "lab", &clip(name, 20), &hover);
                s.rect(
                    left,
                    y + 4.0,
                    (right - left) * rate / max,
                    row - 8.0,
                    "bar",
                    &hover,
                );
                s.text(
                    left + (right - left) * rate / max + 6.0,
                    y + 17.0,
                    "start",
                    "small",
                    &format!(
                        "{} · n={}",
                        pct(b.counts.poor_rate()),
                        int(b.counts.classified())
                    ),
                );
            }
            let _ = write!(h, "<figure class=\"scroll-x\">{}</figure>", s.finish());
            h.push_str(
                "<div class=\"table-box\"><table><thead><tr><th class=\"t\">Value</th>\
                 <th>Poor rate</th><th>Poor</th><th>Classified</th><th>Streams</th></tr></thead><tbody>",
            );
            for b in &chart.bars {
                let _ = write!(
                    h,
                    "<tr><td><bdi>{}</bdi></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(shown(&b.value)),
                    pct(b.counts.poor_rate()),
                    int(b.counts.poor),
                    int(b.counts.classified()),
                    int(b.counts.streams)
                );
            }
            h.push_str("</tbody></table></div>");
        }
        let mut notes = Vec::new();
        if chart.more > 0 {
            notes.push(format!(
                "{} with enough streams not shown (only the {} with the most classified \
                 streams are); <code>callq analyze --by {}</code> lists them all",
                crate::report::counted(chart.more as u64, "more group", "more groups"),
                d.options.max_bars,
                esc(&chart.dimension)
            ));
        }
        if chart.small > 0 {
            notes.push(format!(
                "{} ({}) with fewer than {} classified streams left out",
                crate::report::counted(chart.small as u64, "group", "groups"),
                crate::report::counted(chart.small_streams, "stream", "streams"),
                int(d.options.min_streams.max(1))
            ));
        }
        if !notes.is_empty() {
            let _ = write!(h, "<p class=\"note\">{}.</p>", notes.join("; "));
        }
        h.push_str("</div>");
    }
    h.push_str("</div></section>\n");
}

fn distributions(h: &mut String, d: &ReportData) {
    h.push_str(
        "<section id=\"distributions\"><h2>Jitter, round trip and packet loss</h2>\
         <p class=\"note\">p50, p90 and p99 of each stream's average, per media kind (quantiles \
         within 1%). The dashed line is the CQD limit for audio (a stream above it is poor); \
         the video and screen-sharing rules do not use these metrics.</p><div class=\"grid2\">",
    );
    let kinds: Vec<StreamKind> = CLASSIFIED_KINDS
        .into_iter()
        .filter(|&k| d.kind(k).distributions.iter().any(|x| x.count > 0))
        .collect();
    for (m, metric) in DISTRIBUTIONS.iter().enumerate() {
        let id = format!("chart-dist-{}", metric.property);
        let _ = write!(h, "<div><h3>{} ({})</h3>", metric.title, metric.unit);
        if kinds.is_empty() {
            h.push_str("<p class=\"empty\">No stream has these metrics.</p></div>");
            continue;
        }
        let max = nice_max(
            kinds
                .iter()
                .filter_map(|&k| d.kind(k).distributions[m].p99)
                .fold(metric.audio_threshold, f64::max),
        );
        let (left, right, top, bar, gap) = (110.0, W2 - 100.0, 30.0, 18.0, 18.0);
        let height = top + (bar * 3.0 + gap) * kinds.len() as f64 + 30.0;
        let mut s = Svg::new(
            &id,
            W2,
            height,
            &format!("{} p50, p90 and p99 by media kind", metric.title),
        );
        let x = |v: f64| left + (right - left) * (v / max).clamp(0.0, 1.0);
        for i in 0..=4 {
            let v = max * i as f64 / 4.0;
            s.line(x(v), top - 4.0, x(v), height - 24.0, "grid");
            // Ticks with the decimals the scale needs: 0, 50, 100 ms; 0, 2.5, 5%.
            let tick = if max >= 20.0 {
                format!("{v:.0}")
            } else if max >= 2.0 {
                format!("{v:.1}")
            } else {
                format!("{v:.2}")
            };
            let tick = if metric.unit == "%" {
                format!("{tick}%")
            } else {
                format!("{tick} {}", metric.unit)
            };
            s.text(x(v), top - 10.0, "middle", "small", &tick);
        }
        for (r, &kind) in kinds.iter().enumerate() {
            let dist = &d.kind(kind).distributions[m];
            let y0 = top + (bar * 3.0 + gap) * r as f64;
            s.text(
                left - 10.0,
                y0 + bar * 1.5 + 5.0,
                "end",
                "lab",
                kind_name(kind),
            );
            for (j, (q, v)) in [("p50", dist.p50), ("p90", dist.p90), ("p99", dist.p99)]
                .into_iter()
                .enumerate()
            {
                let y = y0 + bar * j as f64;
                let hover = format!(
                    "{} {}: {} {q} = {} (of {} streams)",
                    kind_name(kind),
                    metric.title,
                    metric.property,
                    value(v, metric.unit),
                    int(dist.count)
                );
                s.rect(
                    left,
                    y + 1.0,
                    x(v.unwrap_or(0.0)) - left,
                    bar - 2.0,
                    q,
                    &hover,
                );
                s.text(
                    x(v.unwrap_or(0.0)) + 5.0,
                    y + bar - 5.0,
                    "start",
                    "small",
                    &format!("{q} {}", value(v, metric.unit)),
                );
            }
            if kind == StreamKind::Audio {
                let t = x(metric.audio_threshold);
                s.line(t, y0 - 3.0, t, y0 + bar * 3.0 + 3.0, "limit");
            }
        }
        if kinds.contains(&StreamKind::Audio) {
            let t = x(metric.audio_threshold);
            s.text(
                t,
                height - 8.0,
                "middle",
                "limit-t",
                &format!(
                    "CQD audio limit {}",
                    value(Some(metric.audio_threshold), metric.unit)
                ),
            );
        }
        let _ = write!(h, "<figure class=\"scroll-x\">{}</figure>", s.finish());
        h.push_str(
            "<div class=\"table-box\"><table><thead><tr><th class=\"t\">Media kind</th>\
             <th>p50</th><th>p90</th><th>p99</th><th>Streams</th><th>CQD limit</th></tr></thead><tbody>",
        );
        for kind in KINDS {
            let dist = &d.kind(kind).distributions[m];
            let _ = write!(
                h,
                "<tr><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                swatch(kind),
                kind_name(kind),
                value(dist.p50, metric.unit),
                value(dist.p90, metric.unit),
                value(dist.p99, metric.unit),
                int(dist.count),
                if kind == StreamKind::Audio {
                    value(Some(metric.audio_threshold), metric.unit)
                } else {
                    "—".to_owned()
                }
            );
        }
        h.push_str("</tbody></table></div></div>");
    }
    h.push_str("</div></section>\n");
}

fn poor_due_to(h: &mut String, d: &ReportData) {
    h.push_str(
        "<section id=\"poor-due-to\"><h2>Why streams were poor</h2>\
         <p class=\"note\">The share of each media kind's poor streams that breached each \
         limit; an audio stream can breach several, so shares may add up to more than 100%.</p>",
    );
    let rows: Vec<(StreamKind, usize, u64, u64)> = CLASSIFIED_KINDS
        .into_iter()
        .flat_map(|kind| {
            let k = d.kind(kind);
            k.poor_due_to
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(move |(i, &n)| (kind, i, n, k.counts.poor))
                .collect::<Vec<_>>()
        })
        .collect();
    if rows.is_empty() {
        h.push_str("<p class=\"empty\">No poor streams.</p></section>\n");
        return;
    }
    let (left, right, top, row) = (280.0, W - 140.0, 28.0, 26.0);
    let height = top + row * rows.len() as f64 + 8.0;
    let mut s = Svg::new(
        "chart-poor-due-to",
        W,
        height,
        "Poor streams by reason and media kind",
    );
    for i in 0..=4 {
        let x = left + (right - left) * i as f64 / 4.0;
        s.line(x, top - 4.0, x, height - 6.0, "grid");
        s.text(x, top - 10.0, "middle", "small", &format!("{}%", i * 25));
    }
    for (r, &(kind, reason, n, poor)) in rows.iter().enumerate() {
        let y = top + row * r as f64;
        let share = n as f64 / poor.max(1) as f64;
        let label = format!("{}: {}", kind_name(kind), reason_title(reason));
        let hover = format!(
            "{label}: {} of {} poor streams ({})",
            int(n),
            int(poor),
            pct(Some(share))
        );
        s.text_hover(left - 8.0, y + 17.0, "end", "lab", &label, &hover);
        s.rect(
            left,
            y + 4.0,
            (right - left) * share,
            row - 8.0,
            &format!("f-{}", kind_class(kind)),
            &hover,
        );
        s.text(
            left + (right - left) * share + 6.0,
            y + 17.0,
            "start",
            "small",
            &format!("{} ({})", pct(Some(share)), int(n)),
        );
    }
    let _ = write!(h, "<figure class=\"scroll-x\">{}</figure>", s.finish());
    h.push_str(
        "<div class=\"table-box\"><table><thead><tr><th class=\"t\">Media kind</th>\
         <th class=\"t\">Reason</th><th>Poor streams breaching it</th><th>Poor streams</th>\
         <th>Share</th></tr></thead><tbody>",
    );
    for &(kind, reason, n, poor) in &rows {
        let _ = write!(
            h,
            "<tr><td>{}{}</td><td class=\"t\">{} <code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            swatch(kind),
            kind_name(kind),
            reason_title(reason),
            Reasons::ALL[reason].1,
            int(n),
            int(poor),
            pct(Some(n as f64 / poor.max(1) as f64))
        );
    }
    h.push_str("</tbody></table></div></section>\n");
}

fn reason_title(i: usize) -> &'static str {
    [
        "Round trip > 500 ms",
        "Packet loss > 10%",
        "Jitter > 30 ms",
        "Audio degradation > 1.0",
        "Concealed samples > 7%",
        "Video frame loss > 50%",
        "Video frame rate too low",
        "Packet loss after FEC > 15%",
    ][i]
}

fn worst(h: &mut String, d: &ReportData) {
    let _ = write!(
        h,
        "<section id=\"worst\"><h2>The {} worst groups</h2><p class=\"note\">Platforms, \
         connection types, subnets{} with at least {} classified streams, by poor rate (all \
         media kinds together).</p>",
        d.options.worst,
        if d.options.buildings {
            " and buildings"
        } else {
            ""
        },
        int(d.options.min_streams.max(1))
    );
    if d.worst.is_empty() {
        h.push_str("<p class=\"empty\">No group has enough classified streams.</p></section>\n");
        return;
    }
    h.push_str(
        "<div class=\"table-box\"><table><thead><tr><th>#</th><th class=\"t\">Dimension</th>\
         <th class=\"t\">Value</th><th>Poor rate</th><th>Poor</th><th>Classified</th>\
         <th>Streams</th></tr></thead><tbody>",
    );
    for (i, w) in d.worst.iter().enumerate() {
        let rate = w.bar.counts.poor_rate();
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"t\"><code>{}</code></td><td class=\"t\"><bdi>{}</bdi></td>\
             <td>{}<span class=\"meter\" style=\"width:{:.1}em\"></span></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            i + 1,
            esc(&w.dimension),
            esc(shown(&w.bar.value)),
            pct(rate),
            rate.unwrap_or(0.0) * 6.0,
            int(w.bar.counts.poor),
            int(w.bar.counts.classified()),
            int(w.bar.counts.streams)
        );
    }
    h.push_str("</tbody></table></div></section>\n");
}

fn bad_lines(h: &mut String, d: &ReportData) {
    let c = &d.input;
    h.push_str("<section id=\"bad-lines\"><h2>Bad lines and unreadable inputs</h2>");
    if c.bad_lines == 0 && d.unreadable.is_empty() {
        let _ = write!(
            h,
            "<p>No bad line: all {} lines were read.</p></section>",
            int(c.lines)
        );
        h.push('\n');
        return;
    }
    if !d.unreadable.is_empty() {
        let _ = write!(
            h,
            "<p class=\"warn\">{} input(s) could not be read; nothing of them is counted.</p>\
             <div class=\"table-box\"><table><thead><tr><th class=\"t\">Input</th>\
             <th class=\"t\">Why</th></tr></thead><tbody>",
            int(d.unreadable.len() as u64)
        );
        for u in &d.unreadable {
            let _ = write!(
                h,
                "<tr><td><bdi>{}</bdi></td><td class=\"msg\">{}</td></tr>",
                esc(&u.file),
                esc(&u.message)
            );
        }
        h.push_str("</tbody></table></div>");
    }
    if c.bad_lines > 0 {
        let _ = write!(
            h,
            "<p class=\"warn\">{} of {} lines were bad and skipped{}. The first {}:</p>\
             <div class=\"table-box\"><table><thead><tr><th class=\"t\">File</th><th>Line</th>\
             <th>Byte</th><th class=\"t\">Why</th></tr></thead><tbody>",
            int(c.bad_lines),
            int(c.lines),
            if c.bad_lines as usize > d.errors.len() {
                " (<code>--errors FILE</code> lists every one)"
            } else {
                ""
            },
            d.errors.len()
        );
        for e in &d.errors {
            let _ = write!(
                h,
                "<tr><td><bdi>{}</bdi></td><td>{}</td><td>{}</td><td class=\"msg\">{}</td></tr>",
                esc(&e.position.file),
                int(e.position.line),
                int(e.position.byte_offset),
                esc(&e.message)
            );
        }
        h.push_str("</tbody></table></div>");
    }
    h.push_str("</section>\n");
}
