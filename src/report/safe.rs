//! Text from the input, made safe for its destination: a terminal or a spreadsheet.

use super::*;

/// True for a character that must not reach a terminal as it is: the C0 controls (tab and line
/// feed included), DEL, the C1 controls (U+0080–U+009F, e.g. U+009B, a one-character CSI), the
/// bidirectional formatting characters (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069)
/// and the Unicode line and paragraph separators (U+2028, U+2029).
pub(super) fn unsafe_for_terminal(c: char) -> bool {
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
