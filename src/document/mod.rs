//! Lines → documents: the borrowed [`model`](crate::model), read on demand or from simd-json's
//! tape.
//!
//! [`Reading::Full`] reads and validates every declared property (`callq check`);
//! [`Reading::Analyze`] reads only what `callq analyze` uses and skips everything else unseen,
//! so a wrong type in, say, a trace-route hop costs nothing there. Which properties each reading
//! reads is defined once, in the property table (`src/properties.rs`), and both readers take
//! their member arms from it.
//!
//! - `tape`: simd-json's tape of the line, walked by the schema. It converts every number and
//!   copies every string of the line, which is most of the work when `analyze` needs a tenth
//!   of them.
//! - `ondemand`: one pass over the line's bytes that builds what the reading reads (for
//!   [`Reading::Analyze`] what `analyze` uses, for [`Reading::Full`] every property of the
//!   table) and only validates the rest. Both readings go through it first; it accepts a line
//!   only when it is sure, and hands anything else (every bad line among them) to the tape, so
//!   the answer, errors included, is always the tape's. [`LineParser::parse_with_tape`] forces
//!   the tape, for tests and benchmarks.
//! - `error`: [`DocumentError`]. Errors carry the JSON path of the first offending value in
//!   document order, built only on the error path while unwinding.

use std::fmt;

use bumpalo::Bump;
use simd_json::{Buffers, Tape};

use crate::model::Document;

mod error;
mod ondemand;
mod tape;

pub use error::{DocumentError, DocumentErrorKind, PathSegment};
use tape::Walker;

/// How much of a document to read and validate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reading {
    /// Every declared property of the schema (what `callq check` validates).
    #[default]
    Full,
    /// The document structure and the properties `callq analyze` uses; the rest is skipped
    /// unseen and left `None`.
    Analyze,
}

/// Parses lines into [`Document`]s, reusing every buffer from one line to the next: the padded
/// copy of the line, simd-json's buffers and tape, and the arena the model lives in.
///
/// ```
/// use callq::document::{LineParser, Reading};
///
/// let mut parser = LineParser::new();
/// let line = br#"{"value":[{"id":"s1","segments":[{"media":[{"label":"main-audio",
///     "streams":[{"streamDirection":"callerToCallee","averageJitter":"PT0.016S"}]}]}]}]}"#;
/// let jitter_ms = parser.parse(line, Reading::Analyze, |doc| {
///     let doc = doc.expect("a valid page");
///     let session = doc.sessions().next().unwrap();
///     session.segments[0].media[0].streams[0].average_jitter.unwrap().as_millis_f64()
/// });
/// assert_eq!(jitter_ms, 16.0);
/// ```
pub struct LineParser {
    buf: Vec<u8>,
    buffers: Buffers,
    tape: Option<Tape<'static>>,
    bump: Bump,
    scratch: ondemand::ScratchStore,
    tape_rereads: u64,
}

impl Default for LineParser {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for LineParser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LineParser")
            .field("buffer_capacity", &self.buf.capacity())
            .finish()
    }
}

impl LineParser {
    /// A parser with empty buffers; they grow to the largest line seen and stay.
    pub fn new() -> Self {
        LineParser {
            buf: Vec::new(),
            buffers: Buffers::new(64 * 1024),
            tape: Some(Tape::null()),
            bump: Bump::new(),
            scratch: ondemand::ScratchStore::default(),
            tape_rereads: 0,
        }
    }

    /// Parses one line (without its line terminator) and hands the result to `f`.
    ///
    /// The document borrows this parser's buffers and the line, so it only lives inside `f`.
    ///
    /// It first tries the on-demand reader, which walks the line's bytes and builds what the
    /// reading reads ([`Reading::Analyze`]: only what `analyze` uses); a line it is not certain
    /// about (any error, and a few rare forms such as escaped keys) is read again through
    /// simd-json's tape, which decides and names the error. The result is the same either way.
    pub fn parse<R>(
        &mut self,
        line: &[u8],
        reading: Reading,
        f: impl for<'a> FnOnce(Result<Document<'a>, DocumentError>) -> R,
    ) -> R {
        self.bump.reset();
        if let Some(document) = self.on_demand(line, reading) {
            return f(Ok(document));
        }
        self.tape_rereads += 1;
        self.parse_with_tape(line, reading, f)
    }

    /// Like [`parse`](Self::parse), but always through simd-json's tape: the reference the
    /// on-demand reading is tested against.
    pub fn parse_with_tape<R>(
        &mut self,
        line: &[u8],
        reading: Reading,
        f: impl for<'a> FnOnce(Result<Document<'a>, DocumentError>) -> R,
    ) -> R {
        let mut f = Some(f);
        let mut out = None;
        self.tape_documents(line, reading, true, &mut |doc| {
            if let Some(f) = f.take() {
                out = Some(f(doc));
            }
        });
        out.expect("one document")
    }

    /// Parses one line or document that may hold several documents (a Graph `$batch` reply:
    /// each entry's body is one; an entry whose status is not 2xx is an error), and hands each
    /// to `f` in order. For anything else it calls `f` once, as [`parse`](Self::parse) does.
    ///
    /// ```
    /// use callq::document::{LineParser, Reading};
    ///
    /// let reply = br#"{"responses":[
    ///     {"id":"1","status":200,"body":{"value":[{"id":"s1"},{"id":"s2"}]}},
    ///     {"id":"2","status":429,"body":{"error":{"code":"TooManyRequests"}}}]}"#;
    /// let mut seen = Vec::new();
    /// LineParser::new().parse_each(reply, Reading::Analyze, |doc| {
    ///     seen.push(doc.map(|d| d.sessions().count()).map_err(|e| e.to_string()));
    /// });
    /// assert_eq!(seen, vec![Ok(2), Err("responses[1]: status 429 (TooManyRequests)".into())]);
    /// ```
    pub fn parse_each(
        &mut self,
        line: &[u8],
        reading: Reading,
        mut f: impl for<'a> FnMut(Result<Document<'a>, DocumentError>),
    ) {
        self.bump.reset();
        if let Some(document) = self.on_demand(line, reading) {
            return f(Ok(document));
        }
        self.tape_rereads += 1;
        self.tape_documents(line, reading, false, &mut f)
    }

    /// The on-demand reading of `line` in the arena (reset by the caller), or `None` when the
    /// tape must decide.
    #[inline(always)]
    fn on_demand<'a>(&'a mut self, line: &'a [u8], reading: Reading) -> Option<Document<'a>> {
        match reading {
            Reading::Analyze => ondemand::analyze_document(line, &self.bump, &mut self.scratch),
            Reading::Full => ondemand::full_document(line, &self.bump, &mut self.scratch),
        }
    }

    /// The tape reading of `line`: its document, or (unless `single`) each document of a
    /// `$batch` reply.
    fn tape_documents(
        &mut self,
        line: &[u8],
        reading: Reading,
        single: bool,
        f: &mut dyn for<'a> FnMut(Result<Document<'a>, DocumentError>),
    ) {
        self.bump.reset();
        self.buf.clear();
        self.buf.extend_from_slice(line);
        self.buf.resize(line.len() + simd_json::INPUT_PADDING, b' ');
        let mut tape = self.tape.take().unwrap_or_else(Tape::null).reset();
        match simd_json::fill_tape_padded(&mut self.buf, line.len(), &mut self.buffers, &mut tape) {
            Err(e) => f(Err(DocumentError::syntax(&e, line))),
            Ok(()) => {
                macro_rules! walk {
                    ($full:literal) => {{
                        let walker = Walker::<$full> {
                            nodes: &tape.0,
                            bump: &self.bump,
                        };
                        if single {
                            f(walker.single_document())
                        } else {
                            walker.documents(f)
                        }
                    }};
                }
                match reading {
                    Reading::Full => walk!(true),
                    Reading::Analyze => walk!(false),
                }
            }
        }
        self.tape = Some(tape.reset());
    }

    /// How many lines (of either reading) the on-demand reader handed to the tape so far (bad
    /// lines, and valid ones in a rare form). Useful to check that a workload stays on the
    /// fast path.
    pub fn tape_rereads(&self) -> u64 {
        self.tape_rereads
    }
}

/// What a document is, before it is read (the contract's "Document kinds").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Sessions,
    CallRecords,
    CallRecord,
    Other(crate::model::OtherKind),
}

/// Members only a callRecord has (a session has none of them): they tell a callRecord
/// fetched without its sessions from a session. Older beta records have no `version`.
const CALL_RECORD_ONLY: [&str; 8] = [
    "version",
    "type",
    "organizer",
    "organizer_v2",
    "participants",
    "participants_v2",
    "lastModifiedDateTime",
    "joinWebUrl",
];

/// A document's kind by its `@odata.context`, when the context names one.
fn kind_from_context(context: &str) -> Option<Kind> {
    use crate::model::OtherKind;
    Some(if context.contains("pstnCallLogRow") {
        Kind::Other(OtherKind::PstnCallLogRows)
    } else if context.contains("directRoutingLogRow") {
        Kind::Other(OtherKind::DirectRoutingLogRows)
    } else if context.contains("/participants") {
        Kind::Other(OtherKind::Participants)
    } else if context.contains("/sessions") {
        Kind::Sessions
    } else if context.contains("#communications/callRecords") {
        if context.contains("/$entity") {
            Kind::CallRecord
        } else {
            Kind::CallRecords
        }
    } else {
        return None;
    })
}

/// `Edm.Int64` as a string: exactly `-?(0|[1-9][0-9]*)`, in range.
fn parse_int64_string(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let b = digits.as_bytes();
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) || (b[0] == b'0' && b.len() > 1) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_full(line: &str) -> Result<usize, String> {
        LineParser::new().parse(line.as_bytes(), Reading::Full, |d| {
            d.map(|d| d.sessions().count()).map_err(|e| e.to_string())
        })
    }

    #[test]
    fn int64_strings() {
        assert_eq!(parse_int64_string("709"), Some(709));
        assert_eq!(parse_int64_string("-0"), Some(0));
        assert_eq!(parse_int64_string("0"), Some(0));
        assert_eq!(parse_int64_string("007"), None);
        assert_eq!(parse_int64_string("+7"), None);
        assert_eq!(parse_int64_string(""), None);
        assert_eq!(parse_int64_string("-"), None);
        assert_eq!(parse_int64_string("1e3"), None);
        assert_eq!(parse_int64_string("9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_int64_string("9223372036854775808"), None);
    }

    #[test]
    fn path_of_a_type_error() {
        let line = r#"{"value":[{},{},{},{"segments":[{"media":[{"streams":[{},{"averageJitter":5}]}]}]}]}"#;
        assert_eq!(
            parse_full(line).unwrap_err(),
            "value[3].segments[0].media[0].streams[1].averageJitter: expected an ISO-8601 duration, found number"
        );
    }

    #[test]
    fn repeated_key_last_wins() {
        let ok = r#"{"value":[{"isTest":1,"isTest":true}]}"#;
        assert_eq!(parse_full(ok), Ok(1));
        let bad = r#"{"value":[{"isTest":true,"isTest":1}]}"#;
        assert!(
            parse_full(bad)
                .unwrap_err()
                .starts_with("value[0].isTest: expected a boolean")
        );
        let gone = r#"{"sessions":[{}],"sessions":null}"#;
        assert!(parse_full(gone).unwrap_err().contains("neither"));
    }

    #[test]
    fn shapes() {
        assert_eq!(
            parse_full(r#"{"value":[{"id":"a"},null,{"id":"b"}]}"#),
            Ok(2)
        );
        assert_eq!(
            parse_full(r#"{"value":[{"id":"r","sessions":[{},{}]},{"sessions":[{}]}]}"#),
            Ok(3)
        );
        assert_eq!(
            parse_full(r#"{"id":"r","value":[1],"sessions":[{}]}"#),
            Ok(1)
        );
        assert_eq!(parse_full(r#"{"value":[]}"#), Ok(0));
        assert!(parse_full("{}").unwrap_err().contains("neither"));
        assert!(
            parse_full("[]")
                .unwrap_err()
                .contains("expected a JSON object, found array")
        );
        assert!(
            parse_full(r#"{"value":{}}"#)
                .unwrap_err()
                .starts_with("value: expected an array")
        );
    }

    #[test]
    fn analyze_skips_unread_properties() {
        let line = r#"{"value":[{"isTest":5,"segments":[{"media":[{"callerNetwork":{"traceRouteHops":[{"hopCount":"x"}]}}]}]}]}"#;
        assert!(parse_full(line).is_err());
        let analyzed = LineParser::new().parse(line.as_bytes(), Reading::Analyze, |d| d.is_ok());
        assert!(analyzed);
    }
}
