//! The schema-directed walk: which members `analyze` reads, from the property table
//! (`crate::properties`), and the document's structure (objects, arrays, the root's shapes).

use super::{Cursor, Fallback, R};
use crate::document::{CALL_RECORD_ONLY, Kind, kind_from_context};
use crate::model::*;
use crate::properties::{self, split_by_reading};

mod full;

impl<'a, const FULL: bool> Cursor<'a, FULL> {
    // ---- structure ------------------------------------------------------------------------

    /// `None` for `null`, else `read`'s value: `null` and an absent property are the same.
    #[inline(always)]
    fn or_null<T>(&mut self, read: impl FnOnce(&mut Self) -> R<T>) -> R<Option<T>> {
        if self.peek()? == b'n' {
            self.literal(b"null").map(|()| None)
        } else {
            read(self).map(Some)
        }
    }

    /// An object (or `null`, then `None`): see [`Self::object_into`].
    #[inline]
    fn object<T: Default>(
        &mut self,
        member: impl FnMut(&mut Self, &mut T, &'a [u8]) -> R<()>,
    ) -> R<Option<T>> {
        self.or_null(|c| {
            let mut value = T::default();
            c.object_into(&mut value, member)?;
            Ok(value)
        })
    }

    /// An object (or `null`, then `None`) read straight into the arena, for the large
    /// sub-objects the model holds by reference.
    #[inline]
    fn boxed_object<T: Default>(
        &mut self,
        member: impl FnMut(&mut Self, &mut T, &'a [u8]) -> R<()>,
    ) -> R<Option<&'a T>> {
        self.or_null(|c| {
            let value = c.bump.alloc(T::default());
            c.object_into(value, member)?;
            Ok(&*value)
        })
    }

    /// An object, read into `value`: `member` is called at each member's value with its key
    /// and must consume the value. Repeated keys simply assign again, so the last one wins; an
    /// error anywhere falls back, so validity needs no bookkeeping.
    #[inline]
    fn object_into<T>(
        &mut self,
        value: &mut T,
        mut member: impl FnMut(&mut Self, &mut T, &'a [u8]) -> R<()>,
    ) -> R<()> {
        if self.peek()? != b'{' {
            return Err(Fallback);
        }
        self.pos += 1;
        if self.peek()? == b'}' {
            self.pos += 1;
            return Ok(());
        }
        self.depth += 1;
        loop {
            if self.peek()? != b'"' {
                return Err(Fallback);
            }
            // A key with an escape could spell a known name: the tape unescapes it. Keys are
            // compared as bytes: a `&str` would check its character boundaries every time.
            let key = self.plain_bytes()?;
            if self.next()? != b':' {
                return Err(Fallback);
            }
            // Every member reader starts with `peek`, which skips the spaces before the value.
            member(self, value, key)?;
            match self.next()? {
                b',' => {}
                b'}' => {
                    self.depth -= 1;
                    return Ok(());
                }
                _ => return Err(Fallback),
            }
        }
    }

    /// An array of objects (or `null`, then empty) with its `null` elements skipped; each
    /// element is read in place by `element` into a slot of the cursor's scratch vector for
    /// `T`, and the finished elements are copied into the arena at once.
    #[inline]
    fn array<T: Element<'a>>(
        &mut self,
        mut element: impl FnMut(&mut Self, &mut T) -> R<()>,
    ) -> R<&'a [T]> {
        match self.peek()? {
            b'[' => self.pos += 1,
            b'n' => return self.literal(b"null").map(|()| &[][..]),
            _ => return Err(Fallback),
        }
        if self.peek()? == b']' {
            self.pos += 1;
            return Ok(&[]);
        }
        // Taken out while the elements are read (they use the other scratch vectors); an
        // element type never nests inside itself, and if it did this would still be right.
        let mut items = std::mem::take(T::scratch(&mut self.scratch));
        items.clear();
        self.depth += 1;
        loop {
            if self.peek()? == b'n' {
                self.literal(b"null")?;
            } else {
                items.push(T::default());
                element(self, items.last_mut().expect("just pushed"))?;
            }
            match self.next()? {
                b',' => {}
                b']' => break,
                _ => return Err(Fallback),
            }
        }
        self.depth -= 1;
        let slice = self.bump.alloc_slice_copy(&items);
        *T::scratch(&mut self.scratch) = items;
        Ok(slice)
    }

    // ---- the analyze schema ---------------------------------------------------------------

    /// The root object. Its shape depends on members that may come in any order, so `value`
    /// is read as a union: each element as a session and, when it has `sessions`, also as a
    /// callRecord. Any element property that would be a type error under either reading
    /// falls back, and the tape decides which reading applies.
    pub(super) fn document(&mut self) -> R<Document<'a>> {
        #[derive(Default)]
        struct Root<'a> {
            sessions: Option<&'a [Session<'a>]>,
            sessions_next_link: Option<&'a str>,
            id: Option<&'a str>,
            version: Option<i64>,
            value: Option<&'a [UnionElement<'a>]>,
            odata_context: Option<&'a str>,
            next_link: Option<&'a str>,
            record_only: bool,
            /// The callRecord's `full` properties (read only when `FULL`).
            record: CallRecord<'a>,
        }
        if self.peek()? != b'{' {
            return Err(Fallback);
        }
        let mut root = Root::default();
        self.object_into(&mut root, |c, r, key| {
            match key {
                b"sessions" => r.sessions = c.or_null(|c| c.array(|c, s| c.session(s)))?,
                b"value" => r.value = c.or_null(|c| c.array(|c, e| c.union_element(e)))?,
                b"@odata.context" => r.odata_context = c.annotation()?,
                b"@odata.nextLink" => r.next_link = c.annotation()?,
                b"sessions@odata.nextLink" => r.sessions_next_link = c.annotation()?,
                // A callRecord's identity (a page's root has neither: the tape decides when
                // one is of a type a callRecord would not accept).
                b"id" => r.id = c.string()?,
                b"version" => {
                    r.record_only = true;
                    r.version = c.int64()?
                }
                // A `$batch` reply, or a document of another kind: the tape reads those.
                b"responses" => return Err(Fallback),
                _ => {
                    r.record_only |= CALL_RECORD_ONLY.iter().any(|k| k.as_bytes() == key);
                    if !(FULL && c.record_member(&mut r.record, key)?) {
                        c.skip_value()?
                    }
                }
            }
            Ok(())
        })?;
        let elements = root.value.unwrap_or_default();
        let kind = match root.odata_context.and_then(kind_from_context) {
            Some(kind) => kind,
            None if root.sessions.is_some() || root.record_only => Kind::CallRecord,
            None if root.value.is_none() => return Err(Fallback),
            None if elements
                .iter()
                .any(|e| e.sessions.is_some() || e.record_only) =>
            {
                Kind::CallRecords
            }
            // Rows of other kinds (PSTN, direct routing, notifications): the tape tells them.
            None if elements.iter().any(|e| e.foreign) => return Err(Fallback),
            None => Kind::Sessions,
        };
        match kind {
            Kind::CallRecord => Ok(Document::CallRecord(CallRecord {
                // Without its sessions it is a document of another kind: the tape reads it.
                sessions: root.sessions.ok_or(Fallback)?,
                sessions_next_link: root.sessions_next_link,
                id: root.id,
                version: root.version,
                ..root.record
            })),
            Kind::CallRecords => {
                if !elements.iter().any(|e| e.sessions.is_some()) {
                    return Err(Fallback);
                }
                let mut records =
                    bumpalo::collections::Vec::with_capacity_in(elements.len(), self.bump);
                records.extend(elements.iter().map(|e| {
                    let mut record = CallRecord {
                        sessions: e.sessions.unwrap_or_default(),
                        sessions_next_link: e.sessions_next_link,
                        // Read as a session, the element's `id` is the record's.
                        id: e.session.id,
                        version: e.version,
                        ..e.record
                    };
                    if FULL {
                        // The `full` members a session has too were read as the session's
                        // (`SHARED_RECORD_MEMBERS`; both tables give them the same types).
                        record.modalities = e.session.modalities;
                        record.start_date_time = e.session.start_date_time;
                        record.end_date_time = e.session.end_date_time;
                    }
                    record
                }));
                Ok(Document::CallRecordsPage(CallRecordsPage {
                    odata_context: root.odata_context,
                    next_link: root.next_link,
                    records: records.into_bump_slice(),
                }))
            }
            Kind::Sessions => {
                let value = root.value.ok_or(Fallback)?;
                let mut sessions =
                    bumpalo::collections::Vec::with_capacity_in(value.len(), self.bump);
                sessions.extend(value.iter().map(|e| e.session));
                Ok(Document::SessionsPage(SessionsPage {
                    odata_context: root.odata_context,
                    next_link: root.next_link,
                    sessions: sessions.into_bump_slice(),
                }))
            }
            Kind::Other(_) => Err(Fallback),
        }
    }

    fn union_element(&mut self, e: &mut UnionElement<'a>) -> R<()> {
        self.object_into(e, |c, e, key| match key {
            b"sessions" => {
                e.sessions = c.or_null(|c| c.array(|c, s| c.session(s)))?;
                Ok(())
            }
            b"sessions@odata.nextLink" => {
                e.sessions_next_link = c.annotation()?;
                Ok(())
            }
            b"version" => {
                e.record_only = true;
                e.version = c.int64()?;
                Ok(())
            }
            _ => {
                e.record_only |= CALL_RECORD_ONLY.iter().any(|k| k.as_bytes() == key);
                e.foreign |= FOREIGN_ROW_MEMBERS.iter().any(|k| k.as_bytes() == key);
                if FULL
                    && !SESSION_MEMBERS.iter().any(|k| k.as_bytes() == key)
                    && c.record_member(&mut e.record, key)?
                {
                    return Ok(());
                }
                c.session_member(&mut e.session, key)
            }
        })
    }

    fn session(&mut self, s: &mut Session<'a>) -> R<()> {
        self.object_into(s, |c, s, key| c.session_member(s, key))
    }

    #[inline]
    fn session_member(&mut self, s: &mut Session<'a>, key: &[u8]) -> R<()> {
        properties::session!(split_by_reading! on_demand_members, self, s, key);
        Ok(())
    }

    fn segment(&mut self, s: &mut Segment<'a>) -> R<()> {
        self.object_into(s, |c, s, key| {
            properties::segment!(split_by_reading! on_demand_members, c, s, key);
            Ok(())
        })
    }

    fn endpoint(&mut self) -> R<Option<&'a Endpoint<'a>>> {
        self.boxed_object(|c, e: &mut Endpoint<'a>, key| {
            properties::endpoint!(split_by_reading! on_demand_members, c, e, key);
            Ok(())
        })
    }

    /// The endpoint's subtype, from its `@odata.type` (as the tape walk reads it).
    fn endpoint_kind(&mut self) -> R<EndpointKind<'a>> {
        Ok(
            match self.annotation()?.map(|t| t.trim_start_matches('#')) {
                None => EndpointKind::Unspecified,
                Some("microsoft.graph.callRecords.participantEndpoint") => {
                    EndpointKind::Participant
                }
                Some("microsoft.graph.callRecords.serviceEndpoint") => EndpointKind::Service,
                Some(other) => EndpointKind::Other(other),
            },
        )
    }

    fn identity_set(&mut self) -> R<Option<&'a IdentitySet<'a>>> {
        self.boxed_object(|c, s: &mut IdentitySet<'a>, key| {
            properties::identity_set!(split_by_reading! on_demand_members, c, s, key);
            Ok(())
        })
    }

    fn identity(&mut self) -> R<Option<Identity<'a>>> {
        self.object(|c, d: &mut Identity<'a>, key| {
            properties::identity!(split_by_reading! on_demand_members, c, d, key);
            Ok(())
        })
    }

    fn device(&mut self) -> R<Option<&'a DeviceInfo<'a>>> {
        self.boxed_object(|c, d: &mut DeviceInfo<'a>, key| {
            properties::device_info!(split_by_reading! on_demand_members, c, d, key);
            Ok(())
        })
    }

    fn user_agent(&mut self) -> R<Option<UserAgent<'a>>> {
        self.object(|c, u: &mut UserAgent<'a>, key| {
            properties::user_agent!(split_by_reading! on_demand_members, c, u, key);
            Ok(())
        })
    }

    fn media(&mut self, m: &mut Media<'a>) -> R<()> {
        self.object_into(m, |c, m, key| {
            properties::media!(split_by_reading! on_demand_members, c, m, key);
            Ok(())
        })
    }

    fn network(&mut self) -> R<Option<&'a NetworkInfo<'a>>> {
        self.boxed_object(|c, n: &mut NetworkInfo<'a>, key| {
            properties::network_info!(split_by_reading! on_demand_members, c, n, key);
            Ok(())
        })
    }

    fn stream(&mut self, s: &mut MediaStream<'a>) -> R<()> {
        self.object_into(s, |c, s, key| {
            properties::media_stream!(split_by_reading! on_demand_members, c, s, key);
            Ok(())
        })
    }
}

/// A table's member arms (see `crate::properties`): the `analyze` properties, read where they
/// stand; then, unless `FULL`, every other member is validated and skipped; under `FULL` the
/// `full` ones are read too, and only unknown members skipped.
macro_rules! on_demand_members {
    (($cursor:ident, $value:ident, $key:ident)
     [$(($json:literal $field:ident $conv:tt))*]
     [$(($full_json:literal $full_field:ident $full_conv:tt))*]) => {
        match $key {
            $(k if k == $json.as_bytes() => $value.$field = on_demand_read!($cursor, $conv),)*
            // Analyze reads only the arms above (a constant: compiled away).
            _ if !FULL => $cursor.skip_value()?,
            $(k if k == $full_json.as_bytes() => {
                $value.$full_field = on_demand_read!($cursor, $full_conv)
            })*
            _ => $cursor.skip_value()?,
        }
    };
}
use on_demand_members;

/// A table's `full` arms alone, as a test: `true` when the key was one of them (its value
/// read), `false` (nothing consumed) otherwise.
macro_rules! on_demand_full_arms {
    (($cursor:ident, $value:ident, $key:ident)
     [$($analyze:tt)*]
     [$(($json:literal $field:ident $conv:tt))*]) => {
        match $key {
            $(k if k == $json.as_bytes() => {
                $value.$field = on_demand_read!($cursor, $conv);
                true
            })*
            _ => false,
        }
    };
}
use on_demand_full_arms;

/// A table's JSON member names, as an array.
macro_rules! member_names {
    (() $($reading:ident $json:literal $field:ident : $conv:ident $(($($arg:tt)*))? $(, $unit:ident)?;)*) => {
        [$($json),*]
    };
}

/// The members of a session: in a root `value` element they are read as the session's, even
/// under `FULL` when the callRecord table has them too (`SHARED_RECORD_MEMBERS`).
const SESSION_MEMBERS: &[&str] = &properties::session!(member_names!);

/// The callRecord's `full` members that a session has too, copied from the session reading
/// of a root `value` element into its record.
#[cfg(test)]
const SHARED_RECORD_MEMBERS: [&str; 3] = ["modalities", "startDateTime", "endDateTime"];

/// One property's value at the cursor, by the table's conversion. Conversions only `full`
/// properties use have no on-demand reader yet: marking such a property `analyze` does not
/// compile until one is added here and in `scan.rs`.
macro_rules! on_demand_read {
    ($c:ident, (Single)) => { $c.single()? };
    ($c:ident, (Double)) => { $c.single()? };
    ($c:ident, (Duration)) => { $c.duration()? };
    ($c:ident, (Int64)) => { $c.int64()? };
    ($c:ident, (Int32)) => { $c.int32()? };
    ($c:ident, (Boolean)) => { $c.boolean()? };
    ($c:ident, (EnumArray($e:ident))) => { $c.enum_array($e::from_wire)? };
    ($c:ident, (String)) => { $c.string()? };
    ($c:ident, (DateTimeOffset)) => { $c.datetime()? };
    ($c:ident, (Annotation)) => { $c.annotation()? };
    ($c:ident, (Enum($e:ident))) => { $c.enumeration($e::from_wire)? };
    ($c:ident, (With($f:ident))) => { $c.$f()? };
    ($c:ident, (Boxed($f:ident))) => { $c.$f()? };
    // Types read both boxed and as array elements: the element reader reads in place.
    ($c:ident, (Array(identity_set))) => { $c.array(|c, x| c.identity_set_into(x))? };
    ($c:ident, (Array(participant))) => { $c.array(|c, x| c.participant_into(x))? };
    ($c:ident, (Array($f:ident))) => { $c.array(|c, x| c.$f(x))? };
    ($c:ident, ($($other:tt)*)) => {
        compile_error!(concat!(
            "the on-demand reader has no reader for ",
            stringify!($($other)*),
            ": add one before marking the property `analyze`"
        ))
    };
}
use on_demand_read;

/// Per-line scratch vectors, one per element type of the arrays the schema reads.
#[derive(Default)]
pub(super) struct Scratch<'a> {
    elements: Vec<UnionElement<'a>>,
    sessions: Vec<Session<'a>>,
    segments: Vec<Segment<'a>>,
    media: Vec<Media<'a>>,
    streams: Vec<MediaStream<'a>>,
    // Element types only the full reading reads.
    hops: Vec<TraceRouteHop<'a>>,
    identity_sets: Vec<IdentitySet<'a>>,
    participants: Vec<Participant<'a>>,
}

/// The scratch vectors' allocations kept from one line to the next (empty between lines), so
/// that a parser allocates them once, not once per line.
#[derive(Default)]
pub(crate) struct ScratchStore(Scratch<'static>);

impl ScratchStore {
    /// The kept vectors, for a line's lifetime.
    pub(super) fn lend<'a>(&mut self) -> Scratch<'a> {
        let s = std::mem::take(&mut self.0);
        Scratch {
            elements: recycle(s.elements),
            sessions: recycle(s.sessions),
            segments: recycle(s.segments),
            media: recycle(s.media),
            streams: recycle(s.streams),
            hops: recycle(s.hops),
            identity_sets: recycle(s.identity_sets),
            participants: recycle(s.participants),
        }
    }

    /// Takes the vectors back after the line.
    pub(super) fn keep(&mut self, s: Scratch<'_>) {
        self.0 = Scratch {
            elements: recycle(s.elements),
            sessions: recycle(s.sessions),
            segments: recycle(s.segments),
            media: recycle(s.media),
            streams: recycle(s.streams),
            hops: recycle(s.hops),
            identity_sets: recycle(s.identity_sets),
            participants: recycle(s.participants),
        };
    }
}

/// An emptied vector as a vector of the same type with another lifetime, keeping its
/// allocation (the standard library collects a mapped `IntoIter` in place when the layouts
/// match, as they do here).
fn recycle<T, U>(mut v: Vec<T>) -> Vec<U> {
    v.clear();
    v.into_iter()
        .map(|_| unreachable!("the vector is empty"))
        .collect()
}

/// An array element type: copied into the arena, with a scratch vector of its own.
trait Element<'a>: Copy + Default {
    fn scratch<'s>(scratch: &'s mut Scratch<'a>) -> &'s mut Vec<Self>;
}

macro_rules! element {
    ($($ty:ident => $field:ident),* $(,)?) => {$(
        impl<'a> Element<'a> for $ty<'a> {
            #[inline(always)]
            fn scratch<'s>(scratch: &'s mut Scratch<'a>) -> &'s mut Vec<Self> {
                &mut scratch.$field
            }
        }
    )*};
}

element!(
    UnionElement => elements,
    Session => sessions,
    Segment => segments,
    Media => media,
    MediaStream => streams,
    TraceRouteHop => hops,
    IdentitySet => identity_sets,
    Participant => participants,
);

/// An element of a root `value` array, read both ways until the shape is known.
#[derive(Clone, Copy, Default)]
struct UnionElement<'a> {
    session: Session<'a>,
    /// `Some` when the element has a non-null `sessions` (it is then a callRecord).
    sessions: Option<&'a [Session<'a>]>,
    sessions_next_link: Option<&'a str>,
    /// The callRecord's `version` (its `id` is read as the session's).
    version: Option<i64>,
    /// It has a member only callRecords have.
    record_only: bool,
    /// It has a member that tells a row of another document kind (PSTN, direct routing,
    /// change notification).
    foreign: bool,
    /// The callRecord's `full` members a session does not have (read only when `FULL`).
    record: CallRecord<'a>,
}

/// Members that make the tape decide a page's kind (see `kind_from_members` there).
const FOREIGN_ROW_MEMBERS: [&str; 4] = [
    "charge",
    "trunkFullyQualifiedDomainName",
    "subscriptionId",
    "resourceData",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The record members a root `value` element reads as its session's are exactly those
    /// both tables list (and `SHARED_RECORD_MEMBERS` copies): no more, no fewer.
    #[test]
    fn shared_record_members_are_the_tables_overlap() {
        macro_rules! full_names {
            (() $($reading:ident $json:literal $field:ident : $conv:ident $(($($arg:tt)*))? $(, $unit:ident)?;)*) => {
                [$((stringify!($reading), $json)),*]
            };
        }
        let record = properties::call_record!(full_names!);
        let mut shared: Vec<&str> = record
            .iter()
            .filter(|(reading, json)| *reading == "full" && SESSION_MEMBERS.contains(json))
            .map(|(_, json)| *json)
            .collect();
        shared.sort_unstable();
        let mut expected = SHARED_RECORD_MEMBERS.to_vec();
        expected.sort_unstable();
        assert_eq!(shared, expected);
    }

    #[test]
    fn recycled_vectors_keep_their_allocation() {
        let mut v: Vec<MediaStream<'static>> = Vec::with_capacity(37);
        v.push(MediaStream::default());
        let ptr = v.as_ptr() as usize;
        let w: Vec<MediaStream<'_>> = recycle(v);
        assert_eq!((w.len(), w.capacity(), w.as_ptr() as usize), (0, 37, ptr));
        let mut store = ScratchStore::default();
        let mut lent = store.lend();
        lent.streams = w;
        store.keep(lent);
        assert_eq!(store.lend().streams.capacity(), 37);
    }
}
