//! The tape walk: simd-json's tape of a line, walked by the schema into the borrowed model.
//!
//! simd-json parses a line into a flat tape in which every object and array records how many
//! nodes it spans, so the walk jumps over a subtree it does not need in O(1). Each type's
//! function matches the keys it knows and skips the rest; the types of the property table
//! (`crate::properties`) take their member arms from it, `analyze` arms first: under
//! [`Reading::Analyze`](super::Reading::Analyze) (`FULL == false`) nothing after them is read.

use bumpalo::Bump;
use simd_json::{Node, StaticNode};

use super::error::{DocumentError, DocumentErrorKind, Res};
use super::parse_int64_string;
use crate::datetime::DateTimeOffset;
use crate::duration::Duration;
use crate::model::*;
use crate::properties::{self, split_by_reading};

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

/// Walks one line's tape; `FULL` chooses [`Reading::Full`](super::Reading::Full) over
/// [`Reading::Analyze`](super::Reading::Analyze).
pub(super) struct Walker<'t, 'a, const FULL: bool> {
    pub(super) nodes: &'t [Node<'a>],
    pub(super) bump: &'a Bump,
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
    /// `Edm.Decimal`: a JSON number, or (under `IEEE754Compatible=true`) a decimal string.
    fn decimal(&self, i: usize) -> Res<Option<f64>> {
        match self.nodes[i] {
            Node::String(s) if is_decimal_string(s) => Ok(s.parse().ok()),
            Node::Static(StaticNode::F64(x)) => Ok(Some(x)),
            Node::Static(StaticNode::I64(x)) => Ok(Some(x as f64)),
            Node::Static(StaticNode::U64(x)) => Ok(Some(x as f64)),
            Node::Static(StaticNode::Null) => Ok(None),
            ref other => Err(type_error("a decimal number", other)),
        }
    }

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

    /// The root document (tape index 0), or for a `$batch` reply each entry's body: `each`
    /// gets every document of the line, in order.
    pub(super) fn documents(&self, each: &mut dyn FnMut(Res<Document<'a>>)) {
        if let Some(responses) = self.batch_responses(0) {
            return self.batch(responses, each);
        }
        each(self.document_at(0));
    }

    /// The root document alone: a `$batch` reply is an error here.
    pub(super) fn single_document(&self) -> Res<Document<'a>> {
        if self.batch_responses(0).is_some() {
            return Err(DocumentError::new(
                DocumentErrorKind::Shape,
                "a Graph $batch reply holds several documents: read it with \
                 LineParser::parse_each"
                    .into(),
            ));
        }
        self.document_at(0)
    }

    /// The `responses` of a Graph `$batch` reply at `i`: an object with `responses` and
    /// neither `value` nor `sessions`.
    fn batch_responses(&self, i: usize) -> Option<usize> {
        let responses = self.member(i, "responses")?;
        (self.member(i, "value").is_none() && self.member(i, "sessions").is_none())
            .then_some(responses)
    }

    fn batch(&self, responses: usize, each: &mut dyn FnMut(Res<Document<'a>>)) {
        let in_entry = |e: DocumentError, k: usize| e.in_index(k).in_key("responses");
        let Node::Array { len, .. } = self.nodes[responses] else {
            return each(Err(
                type_error("an array", &self.nodes[responses]).in_key("responses")
            ));
        };
        let mut at = responses + 1;
        for k in 0..len {
            let entry = at;
            at = self.skip(at);
            if !matches!(self.nodes[entry], Node::Object { .. }) {
                each(Err(in_entry(
                    type_error("an object", &self.nodes[entry]),
                    k,
                )));
                continue;
            }
            let status = match self.member(entry, "status").map(|v| (v, self.int32(v))) {
                Some((_, Ok(Some(status)))) => status,
                Some((_, Err(e))) => {
                    each(Err(in_entry(e.in_key("status"), k)));
                    continue;
                }
                _ => {
                    each(Err(in_entry(
                        DocumentError::new(
                            DocumentErrorKind::Response,
                            "a $batch response without a status".into(),
                        ),
                        k,
                    )));
                    continue;
                }
            };
            let body = self.member(entry, "body");
            if !(200..300).contains(&status) {
                let code = body
                    .and_then(|b| self.member(b, "error"))
                    .and_then(|e| self.member(e, "code"))
                    .and_then(|c| self.annotation(c));
                let message = match code {
                    Some(code) => format!("status {status} ({code})"),
                    None => format!("status {status}"),
                };
                each(Err(in_entry(
                    DocumentError::new(DocumentErrorKind::Response, message),
                    k,
                )));
                continue;
            }
            match body {
                Some(body) => each(
                    self.document_at(body)
                        .map_err(|e| in_entry(e.in_key("body"), k)),
                ),
                None => each(Err(in_entry(
                    DocumentError::new(
                        DocumentErrorKind::Response,
                        format!("status {status} but no body"),
                    ),
                    k,
                ))),
            }
        }
    }

    /// The document at tape index `i`, classified by its `@odata.context`, else by its
    /// members (the contract's "Document kinds").
    pub(super) fn document_at(&self, i: usize) -> Res<Document<'a>> {
        if !matches!(self.nodes[i], Node::Object { .. }) {
            return Err(DocumentError::new(
                DocumentErrorKind::Shape,
                format!(
                    "not a callRecords document: expected a JSON object, found {}",
                    found(&self.nodes[i])
                ),
            ));
        }
        let context = self
            .member(i, "@odata.context")
            .and_then(|c| self.annotation(c));
        let kind = match context.and_then(super::kind_from_context) {
            Some(kind) => kind,
            None => self.kind_from_members(i)?,
        };
        let value = self.member(i, "value");
        let rows = |what| -> Res<usize> {
            match value {
                Some(v) => match self.nodes[v] {
                    Node::Array { .. } => Ok(v),
                    ref other => Err(type_error("an array", other).in_key("value")),
                },
                None => Err(DocumentError::new(
                    DocumentErrorKind::Shape,
                    format!("not a callRecords document: a page of {what} without `value`"),
                )),
            }
        };
        use super::Kind;
        let other = |kind| Document::Other(OtherDocument::new(kind));
        Ok(match kind {
            Kind::Sessions => {
                let page = self.object(i, |p: &mut SessionsPage<'a>, key, v| {
                    match key {
                        "value" => p.sessions = self.array(v, |j| self.session(j))?,
                        "@odata.context" => p.odata_context = self.annotation(v),
                        "@odata.nextLink" => p.next_link = self.annotation(v),
                        _ => {}
                    }
                    Ok(())
                })?;
                Document::SessionsPage(page.unwrap_or_default())
            }
            Kind::CallRecords => {
                let page = self
                    .object(i, |p: &mut CallRecordsPage<'a>, key, v| {
                        match key {
                            "value" => p.records = self.array(v, |j| self.call_record(j))?,
                            "@odata.context" => p.odata_context = self.annotation(v),
                            "@odata.nextLink" => p.next_link = self.annotation(v),
                            _ => {}
                        }
                        Ok(())
                    })?
                    .unwrap_or_default();
                let expanded = value.is_some_and(|v| {
                    self.elements(v)
                        .any(|j| self.member(j, "sessions").is_some())
                });
                if expanded {
                    Document::CallRecordsPage(page)
                } else {
                    Document::Other(OtherDocument {
                        records: page.records,
                        ..OtherDocument::new(OtherKind::CallRecords)
                    })
                }
            }
            Kind::CallRecord => {
                let record = self.call_record(i)?.unwrap_or_default();
                if self.member(i, "sessions").is_some() {
                    Document::CallRecord(record)
                } else {
                    Document::Other(OtherDocument {
                        records: self.bump.alloc_slice_copy(&[record]),
                        ..OtherDocument::new(OtherKind::CallRecord)
                    })
                }
            }
            Kind::Other(OtherKind::PstnCallLogRows) => Document::Other(OtherDocument {
                pstn_call_log_rows: self
                    .array(rows("pstnCallLogRow")?, |j| self.pstn_row(j))
                    .map_err(|e| e.in_key("value"))?,
                ..OtherDocument::new(OtherKind::PstnCallLogRows)
            }),
            Kind::Other(OtherKind::DirectRoutingLogRows) => Document::Other(OtherDocument {
                direct_routing_log_rows: self
                    .array(rows("directRoutingLogRow")?, |j| self.direct_routing_row(j))
                    .map_err(|e| e.in_key("value"))?,
                ..OtherDocument::new(OtherKind::DirectRoutingLogRows)
            }),
            Kind::Other(OtherKind::Participants) => Document::Other(OtherDocument {
                participants: self
                    .array(rows("participants")?, |j| self.participant(j))
                    .map_err(|e| e.in_key("value"))?,
                ..OtherDocument::new(OtherKind::Participants)
            }),
            Kind::Other(OtherKind::Notifications) => {
                let notifications: &[()] = self
                    .array(rows("notifications")?, |j| {
                        self.object(j, |_: &mut (), _, _| Ok(()))
                    })
                    .map_err(|e| e.in_key("value"))?;
                Document::Other(OtherDocument {
                    notifications: notifications.len(),
                    ..OtherDocument::new(OtherKind::Notifications)
                })
            }
            Kind::Other(kind) => other(kind),
        })
    }

    /// The tape indices of the elements of the array at `v`.
    fn elements(&self, v: usize) -> impl Iterator<Item = usize> + '_ {
        let len = match self.nodes[v] {
            Node::Array { len, .. } => len,
            _ => 0,
        };
        let mut at = v + 1;
        (0..len).map(move |_| {
            let j = at;
            at = self.skip(at);
            j
        })
    }

    /// A document's kind by its members, for a document without a known `@odata.context`.
    fn kind_from_members(&self, i: usize) -> Res<super::Kind> {
        use super::Kind;
        let has = |j: usize, key: &str| self.member(j, key).is_some();
        if has(i, "sessions") || super::CALL_RECORD_ONLY.iter().any(|k| has(i, k)) {
            return Ok(Kind::CallRecord);
        }
        let Some(value) = self.member(i, "value") else {
            return Err(DocumentError::new(
                DocumentErrorKind::Shape,
                "not a callRecords document: the object has neither `value` nor `sessions` \
                 (an error body?)"
                    .into(),
            ));
        };
        let any = |test: &dyn Fn(usize) -> bool| self.elements(value).any(test);
        Ok(
            if any(&|j| has(j, "sessions") || super::CALL_RECORD_ONLY.iter().any(|k| has(j, k))) {
                Kind::CallRecords
            } else if any(&|j| has(j, "callType") && has(j, "charge")) {
                Kind::Other(OtherKind::PstnCallLogRows)
            } else if any(&|j| has(j, "trunkFullyQualifiedDomainName")) {
                Kind::Other(OtherKind::DirectRoutingLogRows)
            } else if any(&|j| has(j, "subscriptionId") && has(j, "resourceData")) {
                Kind::Other(OtherKind::Notifications)
            } else {
                Kind::Sessions
            },
        )
    }

    // ---- types --------------------------------------------------------------------------

    fn call_record(&self, i: usize) -> Res<Option<CallRecord<'a>>> {
        self.object(i, |r: &mut CallRecord<'a>, key, v| {
            properties::call_record!(split_by_reading! tape_members, self, r, key, v);
            Ok(())
        })
    }

    fn participant(&self, i: usize) -> Res<Option<Participant<'a>>> {
        self.object(i, |p: &mut Participant<'a>, key, v| {
            properties::participant!(split_by_reading! tape_members, self, p, key, v);
            Ok(())
        })
    }

    /// `administrativeUnitInfos[*].id`.
    fn administrative_unit_ids(&self, i: usize) -> Res<&'a [Option<&'a str>]> {
        self.array(i, |j| {
            self.object(j, |id: &mut Option<&'a str>, key, v| {
                if key == "id" {
                    *id = self.string(v)?;
                }
                Ok(())
            })
        })
    }

    fn session(&self, i: usize) -> Res<Option<Session<'a>>> {
        self.object(i, |s: &mut Session<'a>, key, v| {
            properties::session!(split_by_reading! tape_members, self, s, key, v);
            Ok(())
        })
    }

    fn segment(&self, i: usize) -> Res<Option<Segment<'a>>> {
        self.object(i, |s: &mut Segment<'a>, key, v| {
            properties::segment!(split_by_reading! tape_members, self, s, key, v);
            Ok(())
        })
    }

    fn failure_info(&self, i: usize) -> Res<Option<FailureInfo<'a>>> {
        self.object(i, |f: &mut FailureInfo<'a>, key, v| {
            properties::failure_info!(split_by_reading! tape_members, self, f, key, v);
            Ok(())
        })
    }

    fn endpoint(&self, i: usize) -> Res<Option<Endpoint<'a>>> {
        self.object(i, |e: &mut Endpoint<'a>, key, v| {
            properties::endpoint!(split_by_reading! tape_members, self, e, key, v);
            Ok(())
        })
    }

    fn user_agent(&self, i: usize) -> Res<Option<UserAgent<'a>>> {
        self.object(i, |u: &mut UserAgent<'a>, key, v| {
            properties::user_agent!(split_by_reading! tape_members, self, u, key, v);
            Ok(())
        })
    }

    /// The endpoint's subtype, from its `@odata.type`.
    fn endpoint_kind(&self, i: usize) -> Res<EndpointKind<'a>> {
        Ok(
            match self.annotation(i).map(|t| t.trim_start_matches('#')) {
                None => EndpointKind::Unspecified,
                Some("microsoft.graph.callRecords.participantEndpoint") => {
                    EndpointKind::Participant
                }
                Some("microsoft.graph.callRecords.serviceEndpoint") => EndpointKind::Service,
                Some(other) => EndpointKind::Other(other),
            },
        )
    }

    /// The user agent's subtype, from its `@odata.type`.
    fn user_agent_kind(&self, i: usize) -> Res<UserAgentKind<'a>> {
        Ok(
            match self.annotation(i).map(|t| t.trim_start_matches('#')) {
                None => UserAgentKind::Unspecified,
                Some("microsoft.graph.callRecords.clientUserAgent") => UserAgentKind::Client,
                Some("microsoft.graph.callRecords.serviceUserAgent") => UserAgentKind::Service,
                Some(other) => UserAgentKind::Other(other),
            },
        )
    }

    fn feedback(&self, i: usize) -> Res<Option<UserFeedback<'a>>> {
        self.object(i, |f: &mut UserFeedback<'a>, key, v| {
            properties::user_feedback!(split_by_reading! tape_members, self, f, key, v);
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
            properties::identity_set!(split_by_reading! tape_members, self, s, key, v);
            Ok(())
        })
    }

    fn identity(&self, i: usize) -> Res<Option<Identity<'a>>> {
        self.object(i, |d: &mut Identity<'a>, key, v| {
            properties::identity!(split_by_reading! tape_members, self, d, key, v);
            Ok(())
        })
    }

    fn media(&self, i: usize) -> Res<Option<Media<'a>>> {
        self.object(i, |m: &mut Media<'a>, key, v| {
            properties::media!(split_by_reading! tape_members, self, m, key, v);
            Ok(())
        })
    }

    fn device(&self, i: usize) -> Res<Option<DeviceInfo<'a>>> {
        self.object(i, |d: &mut DeviceInfo<'a>, key, v| {
            properties::device_info!(split_by_reading! tape_members, self, d, key, v);
            Ok(())
        })
    }

    fn network(&self, i: usize) -> Res<Option<NetworkInfo<'a>>> {
        self.object(i, |n: &mut NetworkInfo<'a>, key, v| {
            properties::network_info!(split_by_reading! tape_members, self, n, key, v);
            Ok(())
        })
    }

    fn hop(&self, i: usize) -> Res<Option<TraceRouteHop<'a>>> {
        self.object(i, |h: &mut TraceRouteHop<'a>, key, v| {
            properties::trace_route_hop!(split_by_reading! tape_members, self, h, key, v);
            Ok(())
        })
    }

    fn pstn_row(&self, i: usize) -> Res<Option<PstnCallLogRow<'a>>> {
        self.object(i, |r: &mut PstnCallLogRow<'a>, key, v| {
            properties::pstn_call_log_row!(split_by_reading! tape_members, self, r, key, v);
            Ok(())
        })
    }

    fn direct_routing_row(&self, i: usize) -> Res<Option<DirectRoutingLogRow<'a>>> {
        self.object(i, |r: &mut DirectRoutingLogRow<'a>, key, v| {
            properties::direct_routing_log_row!(split_by_reading! tape_members, self, r, key, v);
            Ok(())
        })
    }

    fn stream(&self, i: usize) -> Res<Option<MediaStream<'a>>> {
        self.object(i, |s: &mut MediaStream<'a>, key, v| {
            properties::media_stream!(split_by_reading! tape_members, self, s, key, v);
            Ok(())
        })
    }
}

/// A table's member arms (see `crate::properties`): the `analyze` properties, then, under
/// `Reading::Analyze`, nothing more, then the `full` ones. Unknown keys are ignored.
macro_rules! tape_members {
    (($walker:ident, $value:ident, $key:ident, $v:ident)
     [$(($analyze_json:literal $analyze_field:ident $analyze_conv:tt))*]
     [$(($full_json:literal $full_field:ident $full_conv:tt))*]) => {
        match $key {
            $($analyze_json => $value.$analyze_field = tape_read!($walker, $v, $analyze_conv),)*
            // Analyze reads only the arms above; everything else is skipped unseen.
            _ if !FULL => {}
            $($full_json => $value.$full_field = tape_read!($walker, $v, $full_conv),)*
            _ => {}
        }
    };
}
use tape_members;

/// One property's value at tape index `$v`, by the table's conversion.
macro_rules! tape_read {
    ($w:ident, $v:ident, (Single)) => {
        $w.single($v)?
    };
    ($w:ident, $v:ident, (Double)) => {
        $w.single($v)?
    };
    ($w:ident, $v:ident, (Decimal)) => {
        $w.decimal($v)?
    };
    ($w:ident, $v:ident, (Duration)) => {
        $w.duration($v)?
    };
    ($w:ident, $v:ident, (Int64)) => {
        $w.int64($v)?
    };
    ($w:ident, $v:ident, (Int32)) => {
        $w.int32($v)?
    };
    ($w:ident, $v:ident, (Boolean)) => {
        $w.boolean($v)?
    };
    ($w:ident, $v:ident, (String)) => {
        $w.string($v)?
    };
    ($w:ident, $v:ident, (DateTimeOffset)) => {
        $w.datetime($v)?
    };
    ($w:ident, $v:ident, (Annotation)) => {
        $w.annotation($v)
    };
    ($w:ident, $v:ident, (Enum($e:ident))) => {
        $w.enumeration($v, $e::from_wire)?
    };
    ($w:ident, $v:ident, (EnumArray($e:ident))) => {
        $w.enum_array($v, $e::from_wire)?
    };
    ($w:ident, $v:ident, (With($f:ident))) => {
        $w.$f($v)?
    };
    ($w:ident, $v:ident, (Boxed($f:ident))) => {
        $w.boxed($w.$f($v)?)
    };
    ($w:ident, $v:ident, (Array($f:ident))) => {
        $w.array($v, |j| $w.$f(j))?
    };
}
use tape_read;

/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?`: a decimal as a string.
fn is_decimal_string(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    all_digits(int) && (int == "0" || !int.starts_with('0')) && frac.is_none_or(all_digits)
}
