//! Lines → documents: the borrowed [`model`](crate::model), read on demand or from simd-json's
//! tape.
//!
//! simd-json parses a line into a flat tape in which every object and array records how many
//! nodes it spans, so the walk below jumps over a subtree it does not need in O(1). The walk is
//! directed by the schema: each type's function matches the keys it knows and skips the rest.
//! [`Reading::Full`] reads and validates every declared property (`callq check`);
//! [`Reading::Analyze`] reads only what `callq analyze` uses and skips everything else unseen,
//! so a wrong type in, say, a trace-route hop costs nothing there.
//!
//! The tape still converts every number and copies every string of the line, which is most of
//! the work when `analyze` needs a tenth of them. So [`Reading::Analyze`] first goes through an
//! on-demand reader (`ondemand`): one pass over the line's bytes that builds what `analyze` uses
//! and only validates the rest. It accepts a line only when it is sure, and hands anything else
//! (every bad line among them) to the tape, so the answer, errors included, is always the
//! tape's; [`LineParser::parse_with_tape`] forces the tape, for tests and benchmarks.
//!
//! Errors carry the JSON path of the first offending value in document order, built only on the
//! error path while unwinding.

use std::fmt;

use bumpalo::Bump;
use simd_json::{Buffers, Node, StaticNode, Tape};

use crate::datetime::DateTimeOffset;
use crate::duration::Duration;
use crate::model::*;

mod ondemand;

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
    fn new(kind: DocumentErrorKind, message: String) -> Self {
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
    fn syntax(e: &simd_json::Error, line: &[u8]) -> Self {
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
        DocumentError {
            kind: DocumentErrorKind::Syntax,
            reversed_path: Vec::new(),
            message: format!("invalid JSON at byte {byte} of the line: {what}"),
            byte: Some(byte),
        }
    }

    fn in_key(mut self, key: &str) -> Self {
        self.reversed_path.push(PathSegment::Key(key.to_owned()));
        self
    }

    fn in_index(mut self, index: usize) -> Self {
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
    // A single line: serde_json's column is the 1-based byte column of the offending byte.
    let byte = err.column().saturating_sub(1).min(line.len());
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

type Res<T> = Result<T, DocumentError>;

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
            tape_rereads: 0,
        }
    }

    /// Parses one line (without its line terminator) and hands the result to `f`.
    ///
    /// The document borrows this parser's buffers and the line, so it only lives inside `f`.
    ///
    /// [`Reading::Analyze`] first tries the on-demand reader, which walks the line's bytes and
    /// builds only what `analyze` uses; a line it is not certain about (any error, and a few
    /// rare forms such as escapes in the strings it reads) is read again through simd-json's
    /// tape, which decides and names the error. The result is the same either way.
    pub fn parse<R>(
        &mut self,
        line: &[u8],
        reading: Reading,
        f: impl for<'a> FnOnce(Result<Document<'a>, DocumentError>) -> R,
    ) -> R {
        if reading == Reading::Analyze {
            self.bump.reset();
            if let Some(document) = ondemand::analyze_document(line, &self.bump) {
                return f(Ok(document));
            }
            self.tape_rereads += 1;
        }
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
        self.bump.reset();
        self.buf.clear();
        self.buf.extend_from_slice(line);
        self.buf.resize(line.len() + simd_json::INPUT_PADDING, b' ');
        let mut tape = self.tape.take().unwrap_or_else(Tape::null).reset();
        let result = match simd_json::fill_tape_padded(
            &mut self.buf,
            line.len(),
            &mut self.buffers,
            &mut tape,
        ) {
            Err(e) => Err(DocumentError::syntax(&e, line)),
            Ok(()) => match reading {
                Reading::Full => Walker::<true> {
                    nodes: &tape.0,
                    bump: &self.bump,
                }
                .document(),
                Reading::Analyze => Walker::<false> {
                    nodes: &tape.0,
                    bump: &self.bump,
                }
                .document(),
            },
        };
        let out = f(result);
        self.tape = Some(tape.reset());
        out
    }

    /// How many [`Reading::Analyze`] lines the on-demand reader handed to the tape so far
    /// (bad lines, and valid ones in a rare form). Useful to check that a workload stays on
    /// the fast path.
    pub fn tape_rereads(&self) -> u64 {
        self.tape_rereads
    }
}

fn found(node: &Node<'_>) -> String {
    match node {
        Node::Object { .. } => "object".into(),
        Node::Array { .. } => "array".into(),
        Node::String(s) => {
            let mut shown: String = s.chars().take(40).collect();
            if shown.len() < s.len() {
                shown.push('…');
            }
            format!(
                "string {}",
                serde_json::to_string(&shown).unwrap_or_default()
            )
        }
        Node::Static(StaticNode::Null) => "null".into(),
        Node::Static(StaticNode::Bool(_)) => "boolean".into(),
        Node::Static(_) => "number".into(),
    }
}

fn type_error(expected: &str, node: &Node<'_>) -> DocumentError {
    DocumentError::new(
        DocumentErrorKind::Value,
        format!("expected {expected}, found {}", found(node)),
    )
}

struct Walker<'t, 'a, const FULL: bool> {
    nodes: &'t [Node<'a>],
    bump: &'a Bump,
}

impl<'t, 'a, const FULL: bool> Walker<'t, 'a, FULL> {
    /// The index just past the value at `i`.
    #[inline]
    fn skip(&self, i: usize) -> usize {
        match self.nodes[i] {
            Node::Object { count, .. } | Node::Array { count, .. } => i + 1 + count,
            _ => i + 1,
        }
    }

    /// A large sub-object moved into the arena, so that the structs holding it stay small.
    #[inline]
    fn boxed<T>(&self, value: Option<T>) -> Option<&'a T> {
        value.map(|v| &*self.bump.alloc(v))
    }

    #[inline]
    fn is_null(&self, i: usize) -> bool {
        matches!(self.nodes[i], Node::Static(StaticNode::Null))
    }

    /// Walks the members of the object at `i` (or returns `None` for `null`), calling `field`
    /// for each. A member whose value fails is remembered, not returned at once: when its key
    /// repeats later in the object, the last occurrence wins.
    #[inline]
    fn object<T: Default>(
        &self,
        i: usize,
        mut field: impl FnMut(&mut T, &'a str, usize) -> Res<()>,
    ) -> Res<Option<T>> {
        let len = match self.nodes[i] {
            Node::Object { len, .. } => len,
            Node::Static(StaticNode::Null) => return Ok(None),
            ref other => return Err(type_error("an object", other)),
        };
        let mut value = T::default();
        let mut pending: Vec<(&'a str, DocumentError)> = Vec::new();
        let mut at = i + 1;
        for _ in 0..len {
            let Node::String(key) = self.nodes[at] else {
                unreachable!("simd-json tapes have a string key before every object member")
            };
            let v = at + 1;
            match field(&mut value, key, v) {
                Ok(()) => {
                    if !pending.is_empty() {
                        pending.retain(|(k, _)| *k != key);
                    }
                }
                Err(e) => {
                    pending.retain(|(k, _)| *k != key);
                    pending.push((key, e.in_key(key)));
                }
            }
            at = self.skip(v);
        }
        match pending.into_iter().next() {
            Some((_, e)) => Err(e),
            None => Ok(Some(value)),
        }
    }

    /// The elements of the array at `i` (empty for `null`), `null` elements skipped.
    #[inline]
    fn array<T>(&self, i: usize, mut element: impl FnMut(usize) -> Res<Option<T>>) -> Res<&'a [T]> {
        let len = match self.nodes[i] {
            Node::Array { len, .. } => len,
            Node::Static(StaticNode::Null) => return Ok(&[]),
            ref other => return Err(type_error("an array", other)),
        };
        let mut out = bumpalo::collections::Vec::with_capacity_in(len, self.bump);
        let mut at = i + 1;
        for index in 0..len {
            if !self.is_null(at) {
                match element(at) {
                    Ok(Some(v)) => out.push(v),
                    Ok(None) => {}
                    Err(e) => return Err(e.in_index(index)),
                }
            }
            at = self.skip(at);
        }
        Ok(out.into_bump_slice())
    }

    #[inline]
    fn string(&self, i: usize) -> Res<Option<&'a str>> {
        match self.nodes[i] {
            Node::String(s) => Ok(Some(s)),
            Node::Static(StaticNode::Null) => Ok(None),
            ref other => Err(type_error("a string", other)),
        }
    }

    /// An `@odata.*` annotation: kept when it is a string, otherwise ignored.
    #[inline]
    fn annotation(&self, i: usize) -> Option<&'a str> {
        match self.nodes[i] {
            Node::String(s) => Some(s),
            _ => None,
        }
    }

    #[inline]
    fn boolean(&self, i: usize) -> Res<Option<bool>> {
        match self.nodes[i] {
            Node::Static(StaticNode::Bool(b)) => Ok(Some(b)),
            Node::Static(StaticNode::Null) => Ok(None),
            ref other => Err(type_error("a boolean", other)),
        }
    }

    /// `Edm.Single` / `Edm.Double`: any JSON number, or `"NaN"`, `"INF"`, `"-INF"`.
    #[inline]
    fn single(&self, i: usize) -> Res<Option<f64>> {
        match self.nodes[i] {
            Node::Static(StaticNode::F64(x)) => Ok(Some(x)),
            Node::Static(StaticNode::I64(x)) => Ok(Some(x as f64)),
            Node::Static(StaticNode::U64(x)) => Ok(Some(x as f64)),
            Node::Static(StaticNode::Null) => Ok(None),
            Node::String("NaN") => Ok(Some(f64::NAN)),
            Node::String("INF") => Ok(Some(f64::INFINITY)),
            Node::String("-INF") => Ok(Some(f64::NEG_INFINITY)),
            ref other => Err(type_error("a number", other)),
        }
    }

    /// `Edm.Int64`: an integer literal in range, or a decimal string `-?(0|[1-9][0-9]*)`.
    #[inline]
    fn int64(&self, i: usize) -> Res<Option<i64>> {
        match self.nodes[i] {
            Node::Static(StaticNode::I64(x)) => Ok(Some(x)),
            Node::Static(StaticNode::U64(x)) => match i64::try_from(x) {
                Ok(x) => Ok(Some(x)),
                Err(_) => Err(DocumentError::new(
                    DocumentErrorKind::Value,
                    format!("expected a 64-bit integer, found {x}, which is out of range"),
                )),
            },
            Node::Static(StaticNode::Null) => Ok(None),
            Node::String(s) => parse_int64_string(s).map(Some).ok_or_else(|| {
                type_error(
                    "a 64-bit integer (a number or a decimal string)",
                    &self.nodes[i],
                )
            }),
            ref other => Err(type_error("a 64-bit integer", other)),
        }
    }

    /// `Edm.Int32`: an integer literal in range.
    #[inline]
    fn int32(&self, i: usize) -> Res<Option<i32>> {
        let wide = match self.nodes[i] {
            Node::Static(StaticNode::I64(x)) => i128::from(x),
            Node::Static(StaticNode::U64(x)) => i128::from(x),
            Node::Static(StaticNode::Null) => return Ok(None),
            ref other => return Err(type_error("a 32-bit integer", other)),
        };
        i32::try_from(wide).map(Some).map_err(|_| {
            DocumentError::new(
                DocumentErrorKind::Value,
                format!("expected a 32-bit integer, found {wide}, which is out of range"),
            )
        })
    }

    #[inline]
    fn duration(&self, i: usize) -> Res<Option<Duration>> {
        match self.nodes[i] {
            Node::String(s) => match Duration::parse(s) {
                Ok(d) => Ok(Some(d)),
                Err(e) => Err(DocumentError::new(
                    DocumentErrorKind::Value,
                    format!(
                        "expected an ISO-8601 duration, found {}: {e}",
                        found(&self.nodes[i])
                    ),
                )),
            },
            Node::Static(StaticNode::Null) => Ok(None),
            ref other => Err(type_error("an ISO-8601 duration", other)),
        }
    }

    #[inline]
    fn datetime(&self, i: usize) -> Res<Option<DateTimeOffset>> {
        match self.nodes[i] {
            Node::String(s) => match DateTimeOffset::parse(s) {
                Ok(d) => Ok(Some(d)),
                Err(e) => Err(DocumentError::new(
                    DocumentErrorKind::Value,
                    format!(
                        "expected a date-time with offset, found {}: {e}",
                        found(&self.nodes[i])
                    ),
                )),
            },
            Node::Static(StaticNode::Null) => Ok(None),
            ref other => Err(type_error("a date-time with offset", other)),
        }
    }

    #[inline]
    fn enumeration<E>(&self, i: usize, from_wire: fn(&'a str) -> E) -> Res<Option<E>> {
        match self.nodes[i] {
            Node::String(s) => Ok(Some(from_wire(s))),
            Node::Static(StaticNode::Null) => Ok(None),
            ref other => Err(type_error("a string (an enumeration member)", other)),
        }
    }

    fn enum_array<E>(&self, i: usize, from_wire: fn(&'a str) -> E) -> Res<&'a [E]> {
        self.array(i, |j| self.enumeration(j, from_wire))
    }

    // ---- shapes -------------------------------------------------------------------------

    /// The last occurrence of `key` among the members of the object at `i`, if its value is
    /// not `null`.
    fn member(&self, i: usize, key: &str) -> Option<usize> {
        let Node::Object { len, .. } = self.nodes[i] else {
            return None;
        };
        let mut at = i + 1;
        let mut last = None;
        for _ in 0..len {
            let v = at + 1;
            if matches!(self.nodes[at], Node::String(k) if k == key) {
                last = Some(v);
            }
            at = self.skip(v);
        }
        last.filter(|&v| !self.is_null(v))
    }

    fn document(&self) -> Res<Document<'a>> {
        if !matches!(self.nodes.first(), Some(Node::Object { .. })) {
            let what = self
                .nodes
                .first()
                .map(found)
                .unwrap_or_else(|| "nothing".into());
            return Err(DocumentError::new(
                DocumentErrorKind::Shape,
                format!("not a callRecords document: expected a JSON object, found {what}"),
            ));
        }
        if self.member(0, "sessions").is_some() {
            return Ok(Document::CallRecord(
                self.call_record(0)?.unwrap_or_default(),
            ));
        }
        let Some(value) = self.member(0, "value") else {
            return Err(DocumentError::new(
                DocumentErrorKind::Shape,
                "not a callRecords document: the object has neither `value` nor `sessions` \
                 (an error body, or a callRecord fetched without $expand=sessions?)"
                    .into(),
            ));
        };
        let is_records_page = match self.nodes[value] {
            Node::Array { len, .. } => {
                let mut at = value + 1;
                let mut any = false;
                for _ in 0..len {
                    any |= self.member(at, "sessions").is_some();
                    at = self.skip(at);
                }
                any
            }
            _ => false,
        };
        if is_records_page {
            let page = self.object(0, |p: &mut CallRecordsPage<'a>, key, v| {
                match key {
                    "value" => p.records = self.array(v, |j| self.call_record(j))?,
                    "@odata.context" => p.odata_context = self.annotation(v),
                    "@odata.nextLink" => p.next_link = self.annotation(v),
                    _ => {}
                }
                Ok(())
            })?;
            Ok(Document::CallRecordsPage(page.unwrap_or_default()))
        } else {
            let page = self.object(0, |p: &mut SessionsPage<'a>, key, v| {
                match key {
                    "value" => p.sessions = self.array(v, |j| self.session(j))?,
                    "@odata.context" => p.odata_context = self.annotation(v),
                    "@odata.nextLink" => p.next_link = self.annotation(v),
                    _ => {}
                }
                Ok(())
            })?;
            Ok(Document::SessionsPage(page.unwrap_or_default()))
        }
    }

    // ---- types --------------------------------------------------------------------------

    fn call_record(&self, i: usize) -> Res<Option<CallRecord<'a>>> {
        self.object(i, |r: &mut CallRecord<'a>, key, v| {
            match key {
                "sessions" => r.sessions = self.array(v, |j| self.session(j))?,
                // Analyze reads only the arms above; everything else is skipped unseen.
                _ if !FULL => {}
                "id" => r.id = self.string(v)?,
                "version" => r.version = self.int64(v)?,
                "type" => r.call_type = self.enumeration(v, CallType::from_wire)?,
                "modalities" => r.modalities = self.enum_array(v, Modality::from_wire)?,
                "lastModifiedDateTime" => r.last_modified_date_time = self.datetime(v)?,
                "startDateTime" => r.start_date_time = self.datetime(v)?,
                "endDateTime" => r.end_date_time = self.datetime(v)?,
                "joinWebUrl" => r.join_web_url = self.string(v)?,
                "organizer" => r.organizer = self.boxed(self.identity_set(v)?),
                "participants" => r.participants = self.array(v, |j| self.identity_set(j))?,
                "organizer_v2" => r.organizer_v2 = self.boxed(self.participant(v)?),
                "participants_v2" => r.participants_v2 = self.array(v, |j| self.participant(j))?,
                _ => {}
            }
            Ok(())
        })
    }

    fn participant(&self, i: usize) -> Res<Option<Participant<'a>>> {
        self.object(i, |p: &mut Participant<'a>, key, v| {
            match key {
                "id" => p.id = self.string(v)?,
                "identity" => p.identity = self.boxed(self.identity_set(v)?),
                "administrativeUnitInfos" => {
                    p.administrative_unit_ids = self.array(v, |j| {
                        self.object(j, |id: &mut Option<&'a str>, key, v| {
                            if key == "id" {
                                *id = self.string(v)?;
                            }
                            Ok(())
                        })
                    })?
                }
                _ => {}
            }
            Ok(())
        })
    }

    fn session(&self, i: usize) -> Res<Option<Session<'a>>> {
        self.object(i, |s: &mut Session<'a>, key, v| {
            match key {
                "segments" => s.segments = self.array(v, |j| self.segment(j))?,
                "startDateTime" => s.start_date_time = self.datetime(v)?,
                "caller" => s.caller = self.boxed(self.endpoint(v)?),
                "callee" => s.callee = self.boxed(self.endpoint(v)?),
                // Analyze reads only the arms above; everything else is skipped unseen.
                _ if !FULL => {}
                "id" => s.id = self.string(v)?,
                "modalities" => s.modalities = self.enum_array(v, Modality::from_wire)?,
                "endDateTime" => s.end_date_time = self.datetime(v)?,
                "isTest" => s.is_test = self.boolean(v)?,
                "failureInfo" => s.failure_info = self.failure_info(v)?,
                _ => {}
            }
            Ok(())
        })
    }

    fn segment(&self, i: usize) -> Res<Option<Segment<'a>>> {
        self.object(i, |s: &mut Segment<'a>, key, v| {
            match key {
                "media" => s.media = self.array(v, |j| self.media(j))?,
                "caller" => s.caller = self.boxed(self.endpoint(v)?),
                "callee" => s.callee = self.boxed(self.endpoint(v)?),
                // Analyze reads only the arms above; everything else is skipped unseen.
                _ if !FULL => {}
                "id" => s.id = self.string(v)?,
                "startDateTime" => s.start_date_time = self.datetime(v)?,
                "endDateTime" => s.end_date_time = self.datetime(v)?,
                "failureInfo" => s.failure_info = self.failure_info(v)?,
                _ => {}
            }
            Ok(())
        })
    }

    fn failure_info(&self, i: usize) -> Res<Option<FailureInfo<'a>>> {
        self.object(i, |f: &mut FailureInfo<'a>, key, v| {
            match key {
                "reason" => f.reason = self.string(v)?,
                "stage" => f.stage = self.enumeration(v, FailureStage::from_wire)?,
                _ => {}
            }
            Ok(())
        })
    }

    fn endpoint(&self, i: usize) -> Res<Option<Endpoint<'a>>> {
        self.object(i, |e: &mut Endpoint<'a>, key, v| {
            match key {
                "userAgent" => e.user_agent = self.user_agent(v)?,
                // Analyze reads only the arms above; everything else is skipped unseen.
                _ if !FULL => {}
                "@odata.type" => {
                    e.kind = match self.annotation(v).map(|t| t.trim_start_matches('#')) {
                        None => EndpointKind::Unspecified,
                        Some("microsoft.graph.callRecords.participantEndpoint") => {
                            EndpointKind::Participant
                        }
                        Some("microsoft.graph.callRecords.serviceEndpoint") => {
                            EndpointKind::Service
                        }
                        Some(other) => EndpointKind::Other(other),
                    }
                }
                "name" => e.name = self.string(v)?,
                "cpuName" => e.cpu_name = self.string(v)?,
                "cpuCoresCount" => e.cpu_cores_count = self.int32(v)?,
                "cpuProcessorSpeedInMhz" => e.cpu_processor_speed_in_mhz = self.int32(v)?,
                "feedback" => e.feedback = self.feedback(v)?,
                "identity" => e.identity = self.boxed(self.identity_set(v)?),
                "associatedIdentity" => e.associated_identity = self.identity(v)?,
                _ => {}
            }
            Ok(())
        })
    }

    fn user_agent(&self, i: usize) -> Res<Option<UserAgent<'a>>> {
        self.object(i, |u: &mut UserAgent<'a>, key, v| {
            match key {
                "platform" => u.platform = self.enumeration(v, ClientPlatform::from_wire)?,
                "productFamily" => {
                    u.product_family = self.enumeration(v, ProductFamily::from_wire)?
                }
                // Analyze reads only the arms above; everything else is skipped unseen.
                _ if !FULL => {}
                "@odata.type" => {
                    u.kind = match self.annotation(v).map(|t| t.trim_start_matches('#')) {
                        None => UserAgentKind::Unspecified,
                        Some("microsoft.graph.callRecords.clientUserAgent") => {
                            UserAgentKind::Client
                        }
                        Some("microsoft.graph.callRecords.serviceUserAgent") => {
                            UserAgentKind::Service
                        }
                        Some(other) => UserAgentKind::Other(other),
                    }
                }
                "headerValue" => u.header_value = self.string(v)?,
                "applicationVersion" => u.application_version = self.string(v)?,
                "azureADAppId" => u.azure_ad_app_id = self.string(v)?,
                "communicationServiceId" => u.communication_service_id = self.string(v)?,
                "role" => u.role = self.enumeration(v, ServiceRole::from_wire)?,
                _ => {}
            }
            Ok(())
        })
    }

    fn feedback(&self, i: usize) -> Res<Option<UserFeedback<'a>>> {
        self.object(i, |f: &mut UserFeedback<'a>, key, v| {
            match key {
                "rating" => f.rating = self.enumeration(v, UserFeedbackRating::from_wire)?,
                "text" => f.text = self.string(v)?,
                "tokens" => f.tokens = self.feedback_tokens(v)?,
                _ => {}
            }
            Ok(())
        })
    }

    /// `feedbackTokenSet` is an open type: its boolean members are the tokens.
    fn feedback_tokens(&self, i: usize) -> Res<&'a [(&'a str, bool)]> {
        let capacity = match self.nodes[i] {
            Node::Object { len, .. } => len,
            _ => 0,
        };
        let mut tokens = bumpalo::collections::Vec::with_capacity_in(capacity, self.bump);
        self.object(i, |(): &mut (), key, v| {
            if key.starts_with('@') {
                return Ok(());
            }
            // Dynamic properties of an open type have no declared type: only booleans are
            // tokens, anything else is ignored.
            if let Node::Static(StaticNode::Bool(b)) = self.nodes[v] {
                match tokens.iter_mut().find(|(k, _)| *k == key) {
                    Some(slot) => slot.1 = b,
                    None => tokens.push((key, b)),
                }
            }
            Ok(())
        })?;
        Ok(tokens.into_bump_slice())
    }

    fn identity_set(&self, i: usize) -> Res<Option<IdentitySet<'a>>> {
        self.object(i, |s: &mut IdentitySet<'a>, key, v| {
            match key {
                "@odata.type" => s.odata_type = self.annotation(v),
                "application" => s.application = self.identity(v)?,
                "device" => s.device = self.identity(v)?,
                "user" => s.user = self.identity(v)?,
                "applicationInstance" => s.application_instance = self.identity(v)?,
                "assertedIdentity" => s.asserted_identity = self.identity(v)?,
                "azureCommunicationServicesUser" => {
                    s.azure_communication_services_user = self.identity(v)?
                }
                "encrypted" => s.encrypted = self.identity(v)?,
                "endpointType" => s.endpoint_type = self.enumeration(v, EndpointType::from_wire)?,
                "guest" => s.guest = self.identity(v)?,
                "onPremises" => s.on_premises = self.identity(v)?,
                "phone" => s.phone = self.identity(v)?,
                _ => {}
            }
            Ok(())
        })
    }

    fn identity(&self, i: usize) -> Res<Option<Identity<'a>>> {
        self.object(i, |d: &mut Identity<'a>, key, v| {
            match key {
                "@odata.type" => d.odata_type = self.annotation(v),
                "id" => d.id = self.string(v)?,
                "displayName" => d.display_name = self.string(v)?,
                "tenantId" => d.tenant_id = self.string(v)?,
                "userPrincipalName" => d.user_principal_name = self.string(v)?,
                "ipAddress" => d.ip_address = self.string(v)?,
                "email" => d.email = self.string(v)?,
                "applicationType" => d.application_type = self.string(v)?,
                "azureCommunicationServicesResourceId" => {
                    d.azure_communication_services_resource_id = self.string(v)?
                }
                "hidden" => d.hidden = self.boolean(v)?,
                _ => {}
            }
            Ok(())
        })
    }

    fn media(&self, i: usize) -> Res<Option<Media<'a>>> {
        self.object(i, |m: &mut Media<'a>, key, v| {
            match key {
                "streams" => m.streams = self.array(v, |j| self.stream(j))?,
                "label" => m.label = self.string(v)?,
                "callerNetwork" => m.caller_network = self.boxed(self.network(v)?),
                "calleeNetwork" => m.callee_network = self.boxed(self.network(v)?),
                // Analyze reads only the arms above; everything else is skipped unseen.
                _ if !FULL => {}
                "callerDevice" => m.caller_device = self.boxed(self.device(v)?),
                "calleeDevice" => m.callee_device = self.boxed(self.device(v)?),
                _ => {}
            }
            Ok(())
        })
    }

    fn device(&self, i: usize) -> Res<Option<DeviceInfo<'a>>> {
        self.object(i, |d: &mut DeviceInfo<'a>, key, v| {
            match key {
                "captureDeviceDriver" => d.capture_device_driver = self.string(v)?,
                "captureDeviceName" => d.capture_device_name = self.string(v)?,
                "captureNotFunctioningEventRatio" => {
                    d.capture_not_functioning_event_ratio = self.single(v)?
                }
                "cpuInsufficentEventRatio" => d.cpu_insufficent_event_ratio = self.single(v)?,
                "deviceClippingEventRatio" => d.device_clipping_event_ratio = self.single(v)?,
                "deviceGlitchEventRatio" => d.device_glitch_event_ratio = self.single(v)?,
                "howlingEventCount" => d.howling_event_count = self.int32(v)?,
                "initialSignalLevelRootMeanSquare" => {
                    d.initial_signal_level_root_mean_square = self.single(v)?
                }
                "lowSpeechLevelEventRatio" => d.low_speech_level_event_ratio = self.single(v)?,
                "lowSpeechToNoiseEventRatio" => {
                    d.low_speech_to_noise_event_ratio = self.single(v)?
                }
                "micGlitchRate" => d.mic_glitch_rate = self.single(v)?,
                "receivedNoiseLevel" => d.received_noise_level = self.int32(v)?,
                "receivedSignalLevel" => d.received_signal_level = self.int32(v)?,
                "renderDeviceDriver" => d.render_device_driver = self.string(v)?,
                "renderDeviceName" => d.render_device_name = self.string(v)?,
                "renderMuteEventRatio" => d.render_mute_event_ratio = self.single(v)?,
                "renderNotFunctioningEventRatio" => {
                    d.render_not_functioning_event_ratio = self.single(v)?
                }
                "renderZeroVolumeEventRatio" => {
                    d.render_zero_volume_event_ratio = self.single(v)?
                }
                "sentNoiseLevel" => d.sent_noise_level = self.int32(v)?,
                "sentSignalLevel" => d.sent_signal_level = self.int32(v)?,
                "speakerGlitchRate" => d.speaker_glitch_rate = self.single(v)?,
                _ => {}
            }
            Ok(())
        })
    }

    fn network(&self, i: usize) -> Res<Option<NetworkInfo<'a>>> {
        self.object(i, |n: &mut NetworkInfo<'a>, key, v| {
            match key {
                "connectionType" => {
                    n.connection_type = self.enumeration(v, NetworkConnectionType::from_wire)?
                }
                // Analyze reads only the arms above; everything else is skipped unseen.
                _ if !FULL => {}
                "bandwidthLowEventRatio" => n.bandwidth_low_event_ratio = self.single(v)?,
                "basicServiceSetIdentifier" => n.basic_service_set_identifier = self.string(v)?,
                "delayEventRatio" => n.delay_event_ratio = self.single(v)?,
                "dnsSuffix" => n.dns_suffix = self.string(v)?,
                "ipAddress" => n.ip_address = self.string(v)?,
                "linkSpeed" => n.link_speed = self.int64(v)?,
                "macAddress" => n.mac_address = self.string(v)?,
                "networkTransportProtocol" => {
                    n.network_transport_protocol =
                        self.enumeration(v, NetworkTransportProtocol::from_wire)?
                }
                "port" => n.port = self.int32(v)?,
                "receivedQualityEventRatio" => n.received_quality_event_ratio = self.single(v)?,
                "reflexiveIPAddress" => n.reflexive_ip_address = self.string(v)?,
                "relayIPAddress" => n.relay_ip_address = self.string(v)?,
                "relayPort" => n.relay_port = self.int32(v)?,
                "sentQualityEventRatio" => n.sent_quality_event_ratio = self.single(v)?,
                "subnet" => n.subnet = self.string(v)?,
                "traceRouteHops" => n.trace_route_hops = self.array(v, |j| self.hop(j))?,
                "wifiBand" => n.wifi_band = self.enumeration(v, WifiBand::from_wire)?,
                "wifiBatteryCharge" => n.wifi_battery_charge = self.int32(v)?,
                "wifiChannel" => n.wifi_channel = self.int32(v)?,
                "wifiMicrosoftDriver" => n.wifi_microsoft_driver = self.string(v)?,
                "wifiMicrosoftDriverVersion" => n.wifi_microsoft_driver_version = self.string(v)?,
                "wifiRadioType" => {
                    n.wifi_radio_type = self.enumeration(v, WifiRadioType::from_wire)?
                }
                "wifiSignalStrength" => n.wifi_signal_strength = self.int32(v)?,
                "wifiVendorDriver" => n.wifi_vendor_driver = self.string(v)?,
                "wifiVendorDriverVersion" => n.wifi_vendor_driver_version = self.string(v)?,
                _ => {}
            }
            Ok(())
        })
    }

    fn hop(&self, i: usize) -> Res<Option<TraceRouteHop<'a>>> {
        self.object(i, |h: &mut TraceRouteHop<'a>, key, v| {
            match key {
                "hopCount" => h.hop_count = self.int32(v)?,
                "ipAddress" => h.ip_address = self.string(v)?,
                "roundTripTime" => h.round_trip_time = self.duration(v)?,
                _ => {}
            }
            Ok(())
        })
    }

    fn stream(&self, i: usize) -> Res<Option<MediaStream<'a>>> {
        self.object(i, |s: &mut MediaStream<'a>, key, v| {
            match key {
                "averageAudioDegradation" => s.average_audio_degradation = self.single(v)?,
                "averageAudioNetworkJitter" => s.average_audio_network_jitter = self.duration(v)?,
                "averageBandwidthEstimate" => s.average_bandwidth_estimate = self.int64(v)?,
                "averageFreezeDuration" => s.average_freeze_duration = self.duration(v)?,
                "averageJitter" => s.average_jitter = self.duration(v)?,
                "averagePacketLossRate" => s.average_packet_loss_rate = self.single(v)?,
                "averageRatioOfConcealedSamples" => {
                    s.average_ratio_of_concealed_samples = self.single(v)?
                }
                "averageReceivedFrameRate" => s.average_received_frame_rate = self.single(v)?,
                "averageRoundTripTime" => s.average_round_trip_time = self.duration(v)?,
                "averageVideoFrameLossPercentage" => {
                    s.average_video_frame_loss_percentage = self.single(v)?
                }
                "averageVideoFrameRate" => s.average_video_frame_rate = self.single(v)?,
                "averageVideoPacketLossRate" => {
                    s.average_video_packet_loss_rate = self.single(v)?
                }
                "lowFrameRateRatio" => s.low_frame_rate_ratio = self.single(v)?,
                "lowVideoProcessingCapabilityRatio" => {
                    s.low_video_processing_capability_ratio = self.single(v)?
                }
                "maxAudioNetworkJitter" => s.max_audio_network_jitter = self.duration(v)?,
                "maxJitter" => s.max_jitter = self.duration(v)?,
                "maxPacketLossRate" => s.max_packet_loss_rate = self.single(v)?,
                "maxRatioOfConcealedSamples" => {
                    s.max_ratio_of_concealed_samples = self.single(v)?
                }
                "maxRoundTripTime" => s.max_round_trip_time = self.duration(v)?,
                "packetUtilization" => s.packet_utilization = self.int64(v)?,
                "postForwardErrorCorrectionPacketLossRate" => {
                    s.post_forward_error_correction_packet_loss_rate = self.single(v)?
                }
                "rmsFreezeDuration" => s.rms_freeze_duration = self.duration(v)?,
                "streamDirection" => {
                    s.stream_direction = self.enumeration(v, MediaStreamDirection::from_wire)?
                }
                "videoCodec" => s.video_codec = self.enumeration(v, VideoCodec::from_wire)?,
                // Analyze reads only the arms above; everything else is skipped unseen.
                _ if !FULL => {}
                "audioCodec" => s.audio_codec = self.enumeration(v, AudioCodec::from_wire)?,
                "endDateTime" => s.end_date_time = self.datetime(v)?,
                "startDateTime" => s.start_date_time = self.datetime(v)?,
                "isAudioForwardErrorCorrectionUsed" => {
                    s.is_audio_forward_error_correction_used = self.boolean(v)?
                }
                "streamId" => s.stream_id = self.string(v)?,
                "wasMediaBypassed" => s.was_media_bypassed = self.boolean(v)?,
                _ => {}
            }
            Ok(())
        })
    }
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
        let line = r#"{"value":[{"id":5,"segments":[{"media":[{"callerNetwork":{"traceRouteHops":[{"hopCount":"x"}]}}]}]}]}"#;
        assert!(parse_full(line).is_err());
        let analyzed = LineParser::new().parse(line.as_bytes(), Reading::Analyze, |d| d.is_ok());
        assert!(analyzed);
    }
}
