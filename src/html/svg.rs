//! A small SVG and HTML writer: escaping, number formats, scales and the chart primitives.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Text made safe inside HTML and SVG, in element content and in quoted attributes: `&`, `<`,
/// `>`, `"` and `'` escaped; control characters (which HTML forbids) and lone surrogates
/// (impossible in a `str`) never pass: a C0/C1 control other than tab and newline becomes
/// U+FFFD.
pub(super) fn esc(s: &str) -> Cow<'_, str> {
    if !s
        .chars()
        .any(|c| matches!(c, '&' | '<' | '>' | '"' | '\'') || bad_control(c))
    {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if bad_control(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn bad_control(c: char) -> bool {
    c.is_control() && c != '\t' && c != '\n'
}

/// At most `max` characters of `s`, with an ellipsis when cut.
pub(super) fn clip(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => Cow::Borrowed(s),
        Some(_) => {
            let cut: String = s.chars().take(max.saturating_sub(1)).collect();
            Cow::Owned(cut + "…")
        }
    }
}

/// A rate as a percentage: `12.3%`; `—` for none.
pub(super) fn pct(rate: Option<f64>) -> String {
    match rate {
        Some(r) => format!("{:.1}%", r * 100.0),
        None => "—".to_owned(),
    }
}

/// A measured value in its unit: three significant digits, at most two decimals.
pub(super) fn value(v: Option<f64>, unit: &str) -> String {
    match v {
        None => "—".to_owned(),
        Some(v) => {
            let a = v.abs();
            let text = if a >= 100.0 || a == 0.0 {
                format!("{v:.0}")
            } else if a >= 10.0 {
                format!("{v:.1}")
            } else {
                format!("{v:.2}")
            };
            if unit == "%" {
                format!("{text}%")
            } else {
                format!("{text} {unit}")
            }
        }
    }
}

/// Thousands separated: `12,695`.
pub(super) fn int(n: u64) -> String {
    crate::report::grouped(n)
}

/// The smallest of 1, 2, 2.5, 5 × 10ⁿ at least `v` (1 for nothing above 0).
pub(super) fn nice_max(v: f64) -> f64 {
    if v.is_nan() || v <= 0.0 {
        return 1.0;
    }
    let exp = v.log10().floor();
    let base = 10f64.powf(exp);
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if m * base >= v * 0.999_999 {
            return m * base;
        }
    }
    10.0 * base
}

/// Coordinates with one decimal (enough on a 960-unit canvas, and short).
pub(super) fn f(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// An SVG under construction: a `role="img"` drawing with a `<title>` and a description that
/// point to the table holding its numbers.
pub(super) struct Svg {
    pub(super) out: String,
}

impl Svg {
    pub(super) fn new(id: &str, width: f64, height: f64, title: &str) -> Svg {
        let mut out = String::with_capacity(4096);
        let _ = write!(
            out,
            "<svg class=\"chart{}\" id=\"{id}\" viewBox=\"0 0 {} {}\" role=\"img\" \
             aria-labelledby=\"{id}-t\" xmlns=\"http://www.w3.org/2000/svg\">\
             <title id=\"{id}-t\">{}</title>",
            // A wide drawing keeps a readable size on a phone (it scrolls sideways).
            if width > 600.0 { " wide" } else { "" },
            f(width),
            f(height),
            esc(title)
        );
        Svg { out }
    }

    /// A rectangle with a hover text (may be empty).
    pub(super) fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, class: &str, hover: &str) {
        let _ = write!(
            self.out,
            "<rect class=\"{class}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"",
            f(x),
            f(y),
            f(w.max(0.0)),
            f(h.max(0.0))
        );
        self.close("rect", hover);
    }

    pub(super) fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, class: &str) {
        let _ = write!(
            self.out,
            "<line class=\"{class}\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
            f(x1),
            f(y1),
            f(x2),
            f(y2)
        );
    }

    /// Text at (x, y); `anchor` is `start`, `middle` or `end`.
    pub(super) fn text(&mut self, x: f64, y: f64, anchor: &str, class: &str, text: &str) {
        let _ = write!(
            self.out,
            "<text class=\"{class}\" x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
            f(x),
            f(y),
            esc(text)
        );
    }

    /// Text with a hover text (the whole value when the text shows it clipped).
    pub(super) fn text_hover(
        &mut self,
        x: f64,
        y: f64,
        anchor: &str,
        class: &str,
        text: &str,
        hover: &str,
    ) {
        let _ = write!(
            self.out,
            "<text class=\"{class}\" x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\"><title>{}</title>{}</text>",
            f(x),
            f(y),
            esc(hover),
            esc(text)
        );
    }

    pub(super) fn circle(&mut self, x: f64, y: f64, r: f64, class: &str, hover: &str) {
        let _ = write!(
            self.out,
            "<circle class=\"{class}\" cx=\"{}\" cy=\"{}\" r=\"{}\"",
            f(x),
            f(y),
            f(r)
        );
        self.close("circle", hover);
    }

    pub(super) fn polyline(&mut self, points: &[(f64, f64)], class: &str) {
        self.out.push_str("<polyline class=\"");
        self.out.push_str(class);
        self.out.push_str("\" points=\"");
        for (i, (x, y)) in points.iter().enumerate() {
            if i > 0 {
                self.out.push(' ');
            }
            let _ = write!(self.out, "{},{}", f(*x), f(*y));
        }
        self.out.push_str("\"/>");
    }

    /// Ends an element opened as `<tag ...`, with its hover text as a `<title>` child.
    fn close(&mut self, tag: &str, hover: &str) {
        if hover.is_empty() {
            self.out.push_str("/>");
        } else {
            let _ = write!(self.out, "><title>{}</title></{tag}>", esc(hover));
        }
    }

    pub(super) fn finish(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_controls() {
        assert_eq!(
            esc("<script>alert(\"x\")</script> & 'y'"),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(
            esc("a\u{0}b\u{1b}[31m\u{85}"),
            "a\u{FFFD}b\u{FFFD}[31m\u{FFFD}"
        );
        assert!(matches!(esc("שלום 北京"), Cow::Borrowed(_)));
    }

    #[test]
    fn clips_by_characters() {
        assert_eq!(clip("北京市朝阳区", 4), "北京市…");
        assert_eq!(clip("abc", 3), "abc");
    }

    #[test]
    fn nice_scales() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(0.031), 0.05);
        assert_eq!(nice_max(0.2), 0.2);
        assert_eq!(nice_max(0.21), 0.25);
        assert_eq!(nice_max(730.0), 1000.0);
        assert_eq!(nice_max(f64::NAN), 1.0);
    }

    #[test]
    fn formats() {
        assert_eq!(pct(Some(0.1234)), "12.3%");
        assert_eq!(pct(None), "—");
        assert_eq!(value(Some(12.345), "ms"), "12.3 ms");
        assert_eq!(value(Some(0.5), "%"), "0.50%");
        assert_eq!(value(Some(1234.4), "ms"), "1234 ms");
        assert_eq!(f(1.25), "1.3");
        assert_eq!(f(3.0), "3");
    }
}
