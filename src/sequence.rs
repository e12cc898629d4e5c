//! Bytes → documents for files that are not NDJSON: JSON text sequences and top-level arrays.
//!
//! A `.json` file or standard input is read as a *JSON text sequence*: JSON values separated
//! by whitespace. NDJSON is the case of one value per line; one pretty-printed document over
//! many lines is another. A top-level array is a list of documents, each element a document of
//! its own. The [`Splitter`] finds where each document starts and ends with a structural scan
//! (strings, escapes, brackets; no number or literal is checked, the document parser does that
//! later), so documents can then be parsed in parallel like NDJSON lines. It knows nothing of
//! files: it is fed byte slices, possibly in pieces (a stream's blocks), and it holds no bytes.
//!
//! Positions are those of NDJSON lines: a document's 1-based line number and byte offset are
//! where its first byte is. After a syntax error the splitter resumes at the next line that
//! starts with `{` or `[` at column 0, so NDJSON content loses only its bad line, and the bad
//! region (from the document's start to there) becomes one [`UnitKind::Malformed`] unit that
//! the document parser rejects with its own message.
//!
//! ```
//! use callq::sequence::{split_all, UnitKind};
//!
//! let text = b"[\n  {\"value\": []},\n  {\"value\": [{\"id\": \"s\"}]}\n]\n{\n  \"sessions\": []\n}\n";
//! let units = split_all(text);
//! let starts: Vec<(u64, &[u8])> = units
//!     .iter()
//!     .map(|u| (u.line, &text[u.start as usize..u.end as usize]))
//!     .collect();
//! assert_eq!(starts[0], (2, &b"{\"value\": []}"[..]));
//! assert_eq!(starts[1].0, 3);
//! assert_eq!(starts[2], (5, &b"{\n  \"sessions\": []\n}"[..]));
//! assert!(units.iter().all(|u| u.kind == UnitKind::Document));
//! ```

use crate::framing::UTF8_BOM;

/// One document (or one bad region) found by the [`Splitter`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    /// Byte offset of its first byte in the input.
    pub start: u64,
    /// Byte offset just past its last byte.
    pub end: u64,
    /// 1-based line number of its first byte.
    pub line: u64,
    /// What it is.
    pub kind: UnitKind,
}

/// What a [`Unit`] holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnitKind {
    /// A complete JSON value (structurally: brackets balanced, strings closed), to be parsed.
    Document,
    /// A region that is not a well-formed value: from a document's start (or a stray byte) to
    /// where reading resumed. Parsing it fails with the parser's own diagnosis.
    Malformed,
    /// Longer than the splitter's limit: its bytes were not kept.
    TooLong,
    /// A problem without bytes worth parsing (an array never closed, a missing `,` between
    /// elements): the message says what.
    Problem(String),
}

/// What the splitter is doing between bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Between top-level values.
    Top,
    /// Inside a top-level array, before an element (just after `[` when `first`).
    ArrayBeforeElement { first: bool },
    /// Inside a top-level array, after an element: `,` or `]` must follow.
    ArrayAfterElement,
    /// Inside a value (a top-level document or an array element).
    Value,
    /// Inside a scalar array element that is not a string (`5`, `true`): until `,`, `]` or
    /// whitespace.
    Scalar,
    /// After a syntax error: looking for a line that starts with `{` or `[`.
    Recovering,
}

/// A resumable structural scanner that cuts a JSON text sequence into [`Unit`]s.
///
/// Feed it the input in order with [`feed`](Self::feed); each call returns how much of the
/// slice it no longer needs, and the next call must pass the input again from there (plus
/// whatever follows). It scans each byte once, except after a document that the end of the
/// input leaves open: it then resumes at the first line inside it that starts with `{` or `[`
/// (bounded: at most as many bytes again as the input holds).
#[derive(Clone, Debug)]
pub struct Splitter {
    mode: Mode,
    /// Open brackets of the current value, innermost last.
    stack: Vec<u8>,
    in_string: bool,
    /// The previous byte was a backslash inside a string.
    escaped: bool,
    /// Absolute offset of the next byte to scan.
    pos: u64,
    /// Line number of the next byte to scan.
    line: u64,
    /// The byte before `pos` was a LF (or `pos` is the start): a `{` or `[` at `pos` is at
    /// column 0.
    at_line_start: bool,
    /// Start of the current unit (value or bad region), and its line.
    unit_start: u64,
    unit_line: u64,
    /// The current value is inside the top-level array.
    in_array: bool,
    /// Where the top-level array started (for "never closed").
    array_start: (u64, u64),
    /// The current unit grew past `max_unit`: its bytes are no longer kept.
    too_long: bool,
    max_unit: u64,
    /// Bytes that may still be scanned a second time (see the type's docs).
    rescan_budget: u64,
    /// How far the input fed so far reaches.
    seen_end: u64,
    /// In [`Mode::Recovering`] after an error already reported: the region is skipped
    /// without a unit of its own.
    silent: bool,
    started: bool,
}

impl Splitter {
    /// A splitter for one input; units longer than `max_unit_bytes` are reported as
    /// [`UnitKind::Problem`] without their bytes being kept.
    pub fn new(max_unit_bytes: usize) -> Self {
        Splitter {
            mode: Mode::Top,
            stack: Vec::new(),
            in_string: false,
            escaped: false,
            pos: 0,
            line: 1,
            at_line_start: true,
            unit_start: 0,
            unit_line: 1,
            in_array: false,
            array_start: (0, 1),
            too_long: false,
            max_unit: max_unit_bytes.max(1) as u64,
            rescan_budget: 0,
            seen_end: 0,
            silent: false,
            started: false,
        }
    }

    /// Scans `data`, which holds the input from absolute offset `base` on (it must start at or
    /// before the offset the previous call returned, and reach at least as far as the
    /// previous call's data did). `eof` says no more input follows `data`. Complete units go
    /// to `out` in input order. Returns the absolute offset before which the caller may drop
    /// bytes: every later unit starts at or after it.
    pub fn feed(&mut self, data: &[u8], base: u64, eof: bool, out: &mut Vec<Unit>) -> u64 {
        debug_assert!(base <= self.pos && self.pos <= base + data.len() as u64);
        let data_end = base + data.len() as u64;
        self.rescan_budget += data_end.saturating_sub(self.seen_end);
        self.seen_end = self.seen_end.max(data_end);
        if !self.started {
            self.started = true;
            if base == 0 {
                if data.len() < UTF8_BOM.len() && !eof && UTF8_BOM.starts_with(data) {
                    self.started = false;
                    return 0;
                }
                if data.starts_with(UTF8_BOM) {
                    self.pos = UTF8_BOM.len() as u64;
                    self.at_line_start = false;
                }
            }
        }
        loop {
            self.scan(data, base, out);
            if self.outgrown(data, base, out) {
                continue;
            }
            if !eof {
                break;
            }
            // The end of the input: close what is open.
            match self.mode {
                Mode::Top => break,
                Mode::Scalar => {
                    self.emit(out, UnitKind::Document);
                    self.mode = Mode::ArrayAfterElement;
                }
                Mode::ArrayBeforeElement { .. } | Mode::ArrayAfterElement => {
                    let (start, line) = self.array_start;
                    out.push(Unit {
                        start,
                        end: start + 1,
                        line,
                        kind: UnitKind::Problem(
                            "the array that starts here is never closed: the input ends before \
                             its `]`"
                                .into(),
                        ),
                    });
                    self.in_array = false;
                    self.mode = Mode::Top;
                }
                Mode::Recovering => {
                    self.pos = data_end;
                    self.emit_bad(out);
                    self.mode = Mode::Top;
                }
                Mode::Value => {
                    // An unclosed document: it is bad up to the first line inside it that
                    // starts like a document; reading resumes there, so the documents after a
                    // truncated one are not lost.
                    if self.resync_inside(data, base, out) {
                        continue;
                    }
                    self.pos = data_end;
                    self.emit_bad(out);
                    self.reset_to_top();
                }
            }
        }
        if self.too_long {
            self.pos
        } else {
            match self.mode {
                Mode::Top | Mode::ArrayBeforeElement { .. } | Mode::ArrayAfterElement => self.pos,
                Mode::Value | Mode::Scalar | Mode::Recovering => self.unit_start,
            }
        }
    }

    /// The current value is bad (the input ended inside it, or it outgrew the limit): when a
    /// line inside it starts like a document, the value is a bad region up to there and
    /// reading resumes at that line. False when there is no such line (or the rescan budget
    /// is spent).
    fn resync_inside(&mut self, data: &[u8], base: u64, out: &mut Vec<Unit>) -> bool {
        if self.too_long {
            return false;
        }
        let from = (self.unit_start + 1 - base) as usize;
        let Some(at) = next_document_line(data, from).map(|i| base + i as u64) else {
            return false;
        };
        let rescan = self.pos.saturating_sub(at);
        if rescan > self.rescan_budget {
            return false;
        }
        self.rescan_budget -= rescan;
        let line = self.unit_line
            + crate::framing::count_newlines(
                &data[(self.unit_start - base) as usize..(at - base) as usize],
            );
        self.pos = at;
        self.emit_bad(out);
        self.line = line;
        self.reset_to_top();
        self.at_line_start = true;
        true
    }

    /// After a scan: a value or bad region longer than the limit either resyncs inside (a
    /// truncated NDJSON line in a stream loses only itself) or becomes too long, its bytes no
    /// longer kept. True when reading resumed at an earlier offset.
    fn outgrown(&mut self, data: &[u8], base: u64, out: &mut Vec<Unit>) -> bool {
        if self.too_long
            || !matches!(self.mode, Mode::Value | Mode::Scalar | Mode::Recovering)
            || self.pos - self.unit_start <= self.max_unit
        {
            return false;
        }
        if self.mode == Mode::Value && self.resync_inside(data, base, out) {
            return true;
        }
        self.too_long = true;
        false
    }

    fn reset_to_top(&mut self) {
        self.mode = Mode::Top;
        self.in_array = false;
        self.stack.clear();
        self.in_string = false;
        self.escaped = false;
        self.too_long = false;
    }

    /// A unit from `unit_start` to `pos`.
    fn emit(&mut self, out: &mut Vec<Unit>, kind: UnitKind) {
        let kind = if self.too_long || self.pos - self.unit_start > self.max_unit {
            UnitKind::TooLong
        } else {
            kind
        };
        out.push(Unit {
            start: self.unit_start,
            end: self.pos,
            line: self.unit_line,
            kind,
        });
        self.too_long = false;
    }

    fn emit_bad(&mut self, out: &mut Vec<Unit>) {
        if std::mem::take(&mut self.silent) {
            self.too_long = false;
        } else {
            self.emit(out, UnitKind::Malformed);
        }
    }

    fn start_unit(&mut self) {
        self.unit_start = self.pos;
        self.unit_line = self.line;
        self.too_long = false;
    }

    /// A syntax error at `pos`: the current unit (or, between values, one starting here) is
    /// bad; look for the next line that starts like a document.
    fn fail(&mut self) {
        if matches!(
            self.mode,
            Mode::Top | Mode::ArrayBeforeElement { .. } | Mode::ArrayAfterElement
        ) {
            self.start_unit();
        }
        self.mode = Mode::Recovering;
        self.in_array = false;
        self.stack.clear();
        self.in_string = false;
        self.escaped = false;
    }

    /// Scans from `pos` to the end of `data` (which starts at `base`).
    fn scan(&mut self, data: &[u8], base: u64, out: &mut Vec<Unit>) {
        let end = data.len();
        let mut i = (self.pos - base) as usize;
        while i < end {
            match self.mode {
                Mode::Top | Mode::ArrayBeforeElement { .. } | Mode::ArrayAfterElement => {
                    let b = data[i];
                    match b {
                        b'\n' => {
                            self.line += 1;
                            self.at_line_start = true;
                            i += 1;
                            continue;
                        }
                        b' ' | b'\t' | b'\r' => {
                            self.at_line_start = false;
                            i += 1;
                            continue;
                        }
                        _ => {}
                    }
                    self.pos = base + i as u64;
                    let column_zero = std::mem::replace(&mut self.at_line_start, false);
                    match (self.mode, b) {
                        (Mode::Top, b'[') => {
                            self.in_array = true;
                            self.array_start = (self.pos, self.line);
                            self.mode = Mode::ArrayBeforeElement { first: true };
                            i += 1;
                        }
                        (Mode::Top, b'{') | (Mode::ArrayBeforeElement { .. }, b'{' | b'[') => {
                            self.start_unit();
                            self.stack.push(b);
                            self.mode = Mode::Value;
                            i += 1;
                        }
                        (Mode::ArrayBeforeElement { .. }, b'"') => {
                            self.start_unit();
                            self.in_string = true;
                            self.mode = Mode::Value;
                            i += 1;
                        }
                        (Mode::ArrayBeforeElement { first: true }, b']')
                        | (Mode::ArrayAfterElement, b']') => {
                            self.in_array = false;
                            self.mode = Mode::Top;
                            i += 1;
                        }
                        (Mode::ArrayAfterElement, b',') => {
                            self.mode = Mode::ArrayBeforeElement { first: false };
                            i += 1;
                        }
                        (Mode::ArrayBeforeElement { .. }, c) if !b"]},:".contains(&c) => {
                            self.start_unit();
                            self.mode = Mode::Scalar;
                            i += 1;
                        }
                        (Mode::ArrayAfterElement, c) => {
                            // Reported here: the region after it may well parse (`[{} {}]`).
                            out.push(Unit {
                                start: self.pos,
                                end: self.pos + 1,
                                line: self.line,
                                kind: UnitKind::Problem(format!(
                                    "expected `,` or `]` after an element of the array that \
                                     starts at line {}, found {}",
                                    self.array_start.1,
                                    describe_byte(c)
                                )),
                            });
                            if matches!(c, b'{' | b'[') && column_zero {
                                // A document line: read on from it, outside the array.
                                self.in_array = false;
                                self.mode = Mode::Top;
                            } else {
                                self.fail();
                                self.silent = true;
                                i += 1;
                            }
                        }
                        _ => {
                            self.fail();
                            i += 1;
                        }
                    }
                }
                Mode::Scalar => {
                    match data[i..]
                        .iter()
                        .position(|&c| matches!(c, b',' | b']' | b' ' | b'\t' | b'\r' | b'\n'))
                    {
                        Some(k) => {
                            i += k;
                            self.pos = base + i as u64;
                            self.emit(out, UnitKind::Document);
                            self.mode = Mode::ArrayAfterElement;
                        }
                        None => i = end,
                    }
                }
                Mode::Value => {
                    i = self.scan_value(data, base, i, out);
                }
                Mode::Recovering => match next_document_line(data, i) {
                    Some(at) => {
                        self.line += crate::framing::count_newlines(&data[i..at]);
                        self.pos = base + at as u64;
                        self.emit_bad(out);
                        self.mode = Mode::Top;
                        self.at_line_start = true;
                        i = at;
                    }
                    None => {
                        // A LF at the very end is looked at again with the next piece (the
                        // search starts one byte back), where the byte after it is.
                        self.line += crate::framing::count_newlines(&data[i..]);
                        i = end;
                    }
                },
            }
        }
        self.pos = base + end as u64;
    }

    /// Inside a value: strings, escapes and brackets until the value closes.
    #[inline]
    fn scan_value(&mut self, data: &[u8], base: u64, mut i: usize, out: &mut Vec<Unit>) -> usize {
        let end = data.len();
        while i < end {
            if self.in_string {
                if self.escaped {
                    // An escaped raw LF (invalid JSON) is still a physical line.
                    self.line += u64::from(data[i] == b'\n');
                    self.escaped = false;
                    i += 1;
                    continue;
                }
                match memchr::memchr3(b'"', b'\\', b'\n', &data[i..]) {
                    None => return end,
                    Some(k) => {
                        i += k;
                        match data[i] {
                            b'"' => self.in_string = false,
                            b'\\' => self.escaped = true,
                            _ => self.line += 1, // a raw LF in a string: invalid, but counted
                        }
                        i += 1;
                    }
                }
                if self.stack.is_empty() && !self.in_string && !self.escaped {
                    // A string array element.
                    self.pos = base + i as u64;
                    self.emit(out, UnitKind::Document);
                    self.mode = Mode::ArrayAfterElement;
                    return i;
                }
                continue;
            }
            let b = data[i];
            i += 1;
            match b {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.stack.push(b),
                b'}' | b']' => {
                    let open = if b == b'}' { b'{' } else { b'[' };
                    if self.stack.pop() != Some(open) {
                        self.pos = base + (i - 1) as u64;
                        self.fail();
                        return i;
                    }
                    if self.stack.is_empty() {
                        self.pos = base + i as u64;
                        self.emit(out, UnitKind::Document);
                        self.mode = if self.in_array {
                            Mode::ArrayAfterElement
                        } else {
                            Mode::Top
                        };
                        self.at_line_start = false;
                        return i;
                    }
                }
                b'\n' => self.line += 1,
                _ => {}
            }
        }
        end
    }
}

fn describe_byte(c: u8) -> String {
    if c.is_ascii_graphic() {
        format!("`{}`", c as char)
    } else {
        format!("byte 0x{c:02x}")
    }
}

/// The first offset `>= from` (and `> 0`) that starts a line beginning with `{` or `[`.
fn next_document_line(data: &[u8], from: usize) -> Option<usize> {
    let mut i = from.max(1) - 1;
    while let Some(k) = memchr::memchr(b'\n', &data[i..]) {
        let at = i + k + 1;
        if at >= data.len() {
            return None;
        }
        if matches!(data[at], b'{' | b'[') {
            return Some(at);
        }
        i = at;
    }
    None
}

/// Splits a whole input held in memory (no length limit).
pub fn split_all(data: &[u8]) -> Vec<Unit> {
    let mut out = Vec::new();
    Splitter::new(usize::MAX).feed(data, 0, true, &mut out);
    out
}

/// How the bytes of one input are cut into documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// One document per line: `.ndjson`, `.jsonl` and files of any other name.
    Lines,
    /// A JSON text sequence, split by the [`Splitter`]: `.json` files and standard input.
    Sequence,
}

impl Framing {
    /// The framing of an input named `name` in reports: [`Framing::Sequence`] for `-`
    /// (standard input) and [`is_sequence_name`]s, else [`Framing::Lines`].
    pub fn for_name(name: &str) -> Framing {
        if name == "-" || is_sequence_name(name) {
            Framing::Sequence
        } else {
            Framing::Lines
        }
    }
}

/// True when `name` (a file name, possibly ending in `.gz` or `.zst`) is read as a JSON text
/// sequence: `*.json`. Standard input is too; `*.ndjson` and `*.jsonl` are strictly
/// line-delimited.
pub fn is_sequence_name(name: &str) -> bool {
    let base = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .unwrap_or(name);
    base.ends_with(".json")
}

/// When the start of an NDJSON input looks pretty-printed (its first non-blank line is `{` or
/// `[` alone), that line's number.
pub fn looks_pretty_printed(head: &[u8]) -> Option<u64> {
    let head = head.strip_prefix(UTF8_BOM).unwrap_or(head);
    for (k, line) in head.split(|&b| b == b'\n').enumerate() {
        let trimmed: Vec<u8> = line
            .iter()
            .copied()
            .filter(|b| !matches!(b, b' ' | b'\t' | b'\r'))
            .collect();
        if trimmed.is_empty() {
            continue;
        }
        return (trimmed == b"{" || trimmed == b"[").then_some(k as u64 + 1);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(data: &[u8]) -> Vec<(u64, u64, String, char)> {
        split_all(data)
            .into_iter()
            .map(|u| {
                let kind = match u.kind {
                    UnitKind::Document => 'd',
                    UnitKind::Malformed => 'm',
                    UnitKind::Problem(_) => 'p',
                    UnitKind::TooLong => 't',
                };
                (
                    u.line,
                    u.start,
                    String::from_utf8_lossy(&data[u.start as usize..u.end as usize]).into_owned(),
                    kind,
                )
            })
            .collect()
    }

    /// Splitting in pieces of every size gives what splitting whole gives.
    fn in_pieces(data: &[u8], piece: usize) -> Vec<Unit> {
        let mut s = Splitter::new(usize::MAX);
        let mut out = Vec::new();
        let mut keep = 0u64;
        let mut end = 0usize;
        loop {
            end = (end + piece).min(data.len());
            let eof = end == data.len();
            keep = s.feed(&data[keep as usize..end], keep, eof, &mut out);
            if eof {
                return out;
            }
        }
    }

    #[test]
    fn ndjson_is_a_sequence_of_lines() {
        let data = b"{\"a\":1}\n\n{\"b\":[1,2]}\r\n{}";
        assert_eq!(
            texts(data),
            vec![
                (1, 0, "{\"a\":1}".into(), 'd'),
                (3, 9, "{\"b\":[1,2]}".into(), 'd'),
                (4, 22, "{}".into(), 'd'),
            ]
        );
    }

    #[test]
    fn strings_hide_brackets_and_escapes() {
        let data = br#"{"a":"}\"]{","b":"\\"} {"c":"x"}"#;
        let t = texts(data);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].2, r#"{"a":"}\"]{","b":"\\"}"#);
        assert_eq!(t[1].2, r#"{"c":"x"}"#);
    }

    #[test]
    fn arrays_are_lists_of_documents() {
        let data = b"\xEF\xBB\xBF[\n  {\"a\":1},\n  5, \"s\" ,[2],\n  {}\n]\n[]\n{}";
        let t = texts(data);
        let docs: Vec<&str> = t.iter().map(|x| x.2.as_str()).collect();
        assert_eq!(docs, vec!["{\"a\":1}", "5", "\"s\"", "[2]", "{}", "{}"]);
        assert_eq!(t[0].0, 2);
        assert_eq!(t[4].0, 4);
        assert_eq!(t[5].0, 7);
    }

    #[test]
    fn errors_resume_at_the_next_document_line() {
        let data = b"{\"a\":1}}\n{\"b\":2}\ngarbage\n[{\"c\":3},,\n{\"d\":[}\n{\"e\":5}\n";
        let t = texts(data);
        let kinds: String = t.iter().map(|x| x.3).collect();
        assert_eq!(kinds, "dmdmdmmd", "{t:?}");
        assert_eq!(t[1].2, "}\n");
        assert_eq!(t[2].0, 2);
        assert_eq!(t[3].2, "garbage\n");
        assert_eq!(t[4].2, "{\"c\":3}");
        assert_eq!(t[5].0, 4);
        assert_eq!(t[6].0, 5);
        assert_eq!(t[7], (6, 44, "{\"e\":5}".into(), 'd'));
    }

    #[test]
    fn a_truncated_document_loses_only_itself() {
        let data = b"{\n  \"value\": [\n{\"x\":1}\n{\"y\":2}\n";
        let t = texts(data);
        let kinds: String = t.iter().map(|x| x.3).collect();
        assert_eq!(kinds, "mdd", "{t:?}");
        assert_eq!(t[1].0, 3);
        assert_eq!(t[2].0, 4);
        let open = texts(b"[{\"a\":1},\n{\"b\":2}");
        let kinds: String = open.iter().map(|x| x.3).collect();
        assert_eq!(kinds, "ddp", "{open:?}");
    }

    #[test]
    fn an_escaped_raw_newline_still_counts_as_a_line() {
        let data = b"{\"a\":\"x\\\ny\"}\n{}";
        let t = texts(data);
        assert_eq!(t.last().unwrap().0, 3, "{t:?}");
    }

    #[test]
    fn deep_nesting_is_counted_not_recursed() {
        let mut data = b"[".to_vec();
        data.extend(std::iter::repeat_n(b'[', 1_000_000));
        data.extend(std::iter::repeat_n(b']', 1_000_000));
        data.extend(b",{}]");
        let t = split_all(&data);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].end - t[0].start, 2_000_000);
    }

    #[test]
    fn pieces_of_any_size_split_alike() {
        let data: &[u8] = b"\xEF\xBB\xBF[\n  {\"a\":\"x\\\"y\"},\n  5, \"s\" ,[2],\n  {}\n]\n{\"a\":1}}\n{\"b\":2}\ngarbage\n[{\"c\":3},,\n{\"d\":[}\n{\"e\":5}\n{\n \"t\": [\n{\"x\":1}\n";
        let whole = split_all(data);
        for piece in 1..=data.len() {
            assert_eq!(in_pieces(data, piece), whole, "piece {piece}");
        }
    }

    #[test]
    fn too_long_units_are_problems() {
        let data = b"{\"a\":\"0123456789\"}\n{}\n";
        let mut out = Vec::new();
        Splitter::new(8).feed(data, 0, true, &mut out);
        assert_eq!(out[0].kind, UnitKind::TooLong);
        assert_eq!(out[1].kind, UnitKind::Document);
        assert_eq!(out[1].line, 2);
        // A truncated line in a long stream of NDJSON loses only itself once it outgrows the
        // limit, even before the end of the input.
        let mut data = b"{\"a\":\n".to_vec();
        for _ in 0..100 {
            data.extend(b"{\"value\":[]}\n");
        }
        let mut s = Splitter::new(64);
        let mut out = Vec::new();
        let keep = s.feed(&data[..200], 0, false, &mut out);
        assert_eq!(out[0].kind, UnitKind::Malformed);
        assert_eq!((out[0].start, out[0].end), (0, 6));
        assert!(out[1..].iter().all(|u| u.kind == UnitKind::Document));
        assert!(keep > 6);
    }

    #[test]
    fn names_and_pretty_heads() {
        assert!(is_sequence_name("a.json"));
        assert!(is_sequence_name("a.json.gz"));
        assert!(!is_sequence_name("a.ndjson"));
        assert!(!is_sequence_name("a.jsonl.zst"));
        assert_eq!(looks_pretty_printed(b"\n{\n  \"a\": 1\n}"), Some(2));
        assert_eq!(looks_pretty_printed(b"[ \r\n"), Some(1));
        assert_eq!(looks_pretty_printed(b"{\"a\":1}\n{"), None);
    }
}
