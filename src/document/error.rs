//! Why a line is not a usable document: the error kinds, the JSON path of the first offending
//! value, and the stable messages reports show.

use std::fmt;

/// One step of a JSON path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathSegment {
    /// An object member.
    Key(String),
    /// An array element (its index in the JSON array, nulls included).
    Index(usize),
}

/// Why a line is not a usable document.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DocumentErrorKind {
    /// The line is not valid JSON (RFC 8259, strict UTF-8, at most 1024 levels deep).
    Syntax,
    /// Valid JSON, but not one of the three accepted shapes.
    Shape,
    /// A property the reading uses has a value of the wrong type or an invalid value.
    Value,
    /// An entry of a Graph `$batch` reply that did not succeed (its status is not 2xx).
    Response,
}

/// A bad line's reason: a stable message and, inside a document, the JSON path of the first
/// offending value in document order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentError {
    kind: DocumentErrorKind,
    /// Innermost segment first: pushed while unwinding.
    reversed_path: Vec<PathSegment>,
    message: String,
    byte: Option<usize>,
}

impl DocumentError {
    pub(super) fn new(kind: DocumentErrorKind, message: String) -> Self {
        DocumentError {
            kind,
            reversed_path: Vec::new(),
            message,
            byte: None,
        }
    }

    /// A syntax error. simd-json's error kinds are coarse (trailing content, a stray byte and
    /// many others are all "internal"), so on this cold path serde_json re-reads the line to
    /// name the problem and its byte; simd-json's verdict stands either way.
    pub(super) fn syntax(e: &simd_json::Error, line: &[u8]) -> Self {
        use simd_json::ErrorType as E;
        let known = match e.error() {
            E::InvalidUtf8 => Some("the line is not valid UTF-8"),
            E::DepthLimitExceeded => Some("nesting deeper than 1024 levels"),
            E::InvalidNumber | E::InvalidExponent => {
                Some("invalid number (or one beyond the range of a double)")
            }
            E::InvalidUnicodeCodepoint => {
                Some("invalid unicode escape (a lone surrogate?) in a string")
            }
            E::InputTooLarge => Some("the line is larger than 4 GiB"),
            _ => None,
        };
        let diagnosis = if matches!(e.error(), E::DepthLimitExceeded | E::InputTooLarge) {
            None // serde_json would only hit its own, lower recursion limit
        } else {
            serde_json_diagnosis(line)
        };
        let (byte, what) = match (known, diagnosis) {
            (Some(what), Some((byte, _))) => (byte, what.to_owned()),
            (Some(what), None) => (e.index().min(line.len()), what.to_owned()),
            (None, Some((byte, what))) => (byte, what),
            (None, None) => (e.index().min(line.len()), "malformed JSON".to_owned()),
        };
        // A pretty-printed document of a JSON text sequence spans lines: say which.
        let message = match memchr::memchr(b'\n', line) {
            None => format!("invalid JSON at byte {byte} of the line: {what}"),
            Some(_) => format!(
                "invalid JSON at byte {byte} of the document (its line {}): {what}",
                crate::framing::count_newlines(&line[..byte.min(line.len())]) + 1
            ),
        };
        DocumentError {
            kind: DocumentErrorKind::Syntax,
            reversed_path: Vec::new(),
            message,
            byte: Some(byte),
        }
    }

    pub(super) fn in_key(mut self, key: &str) -> Self {
        self.reversed_path.push(PathSegment::Key(key.to_owned()));
        self
    }

    pub(super) fn in_index(mut self, index: usize) -> Self {
        self.reversed_path.push(PathSegment::Index(index));
        self
    }

    /// What kind of problem this is.
    pub fn kind(&self) -> &DocumentErrorKind {
        &self.kind
    }

    /// The JSON path of the offending value, outermost first (empty for syntax errors).
    pub fn path(&self) -> impl Iterator<Item = &PathSegment> {
        self.reversed_path.iter().rev()
    }

    /// The JSON path rendered as in reports: `value[3].segments[0].averageJitter`.
    pub fn path_string(&self) -> String {
        let mut out = String::new();
        for seg in self.path() {
            match seg {
                PathSegment::Key(k) if is_plain_key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                PathSegment::Key(k) => {
                    out.push('[');
                    out.push_str(&serde_json::to_string(k).unwrap_or_default());
                    out.push(']');
                }
                PathSegment::Index(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
            }
        }
        out
    }

    /// The message without the path.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// For a syntax error, the byte offset within the line where the parser stopped.
    pub fn byte_in_line(&self) -> Option<usize> {
        self.byte
    }
}

/// serde_json's account of a syntax error: the 0-based byte it stopped at and what it expected.
/// `None` when serde_json accepts the line or gives up for its own reasons (its recursion
/// limit is 128 levels, ours 1024).
fn serde_json_diagnosis(line: &[u8]) -> Option<(usize, String)> {
    let err = serde_json::from_slice::<serde_json::Value>(line).err()?;
    let text = err.to_string();
    if text.starts_with("recursion limit") {
        return None;
    }
    let what = text.split(" at line ").next().unwrap_or(&text).to_owned();
    // serde_json's line and column are 1-based; its column counts bytes.
    let line_start = match err.line() {
        0 | 1 => 0,
        n => memchr::memchr_iter(b'\n', line)
            .nth(n - 2)
            .map_or(line.len(), |i| i + 1),
    };
    let byte = (line_start + err.column().saturating_sub(1)).min(line.len());
    Some((byte, what))
}

fn is_plain_key(k: &str) -> bool {
    !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'@' || b == b'.')
}

impl fmt::Display for DocumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.reversed_path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path_string(), self.message)
        }
    }
}

impl std::error::Error for DocumentError {}

pub(super) type Res<T> = Result<T, DocumentError>;
