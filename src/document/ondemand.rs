//! The on-demand reading behind [`Reading::Analyze`](super::Reading::Analyze): one pass over
//! the line's bytes that builds only what `callq analyze` uses.
//!
//! simd-json's tape converts every number and copies every string of a line, and `analyze`
//! skips most of them. This reader walks the bytes directly instead, directed by the same
//! schema subset as the tape walker's `!FULL` arms. A value it needs is converted; a value it
//! does not need is validated without being built: strings by their escapes, numbers by the
//! JSON grammar and a conservative range rule, containers token by token.
//!
//! It is a fast path with an oracle behind it. It answers only "here is the document" or
//! "ask the tape": anything unusual (a syntax or type error, an escape in a key or in a string
//! it reads, a control byte anywhere in the line, a number near the edge of the double range,
//! `-0`, nesting beyond [`MAX_SKIP_DEPTH`]) returns `None`, and the caller re-reads the line
//! with simd-json's tape, which decides and names the error. So its acceptance must never be
//! wider than the tape's, and its documents must equal the tape walker's: the `line` fuzz
//! target and `tests/ondemand.rs` compare the two readings value for value.

use bumpalo::Bump;

use crate::datetime::DateTimeOffset;
use crate::duration::Duration;
use crate::model::*;

/// "Ask the tape": carries no information, so `?` costs nothing.
#[derive(Debug)]
pub(super) struct Fallback;

type R<T> = Result<T, Fallback>;

/// How deep a skipped value may nest before the tape decides (the contract's limit is 1024
/// levels; everything near it goes to the tape, which implements it exactly).
pub(super) const MAX_SKIP_DEPTH: usize = 512;

/// Reads `line` for `analyze`, or `None` when the tape must decide.
pub(super) fn analyze_document<'a>(line: &'a [u8], bump: &'a Bump) -> Option<Document<'a>> {
    // RFC 8259 text is UTF-8 throughout, so one check of the whole line covers every string;
    // and a line without control bytes has no raw control character in a string and no
    // whitespace but spaces, which keeps the scanners below simple.
    if has_control_byte(line) {
        return None;
    }
    let text = simdutf8::basic::from_utf8(line).ok()?;
    let mut cursor = Cursor {
        bytes: line,
        text,
        pos: 0,
        bump,
        scratch: Scratch::default(),
    };
    let document = cursor.document().ok()?;
    cursor.skip_spaces();
    (cursor.pos == line.len()).then_some(document)
}

/// Whether any byte is below 0x20 (the minimum of each 64-byte block, which vectorises).
fn has_control_byte(line: &[u8]) -> bool {
    let mut blocks = line.chunks_exact(64);
    blocks.any(|block| block.iter().fold(u8::MAX, |low, &b| low.min(b)) < 0x20)
        || blocks.remainder().iter().any(|&b| b < 0x20)
}

/// The index of the first `"` or `\` at or after `from`.
#[inline(always)]
fn quote_or_backslash(bytes: &[u8], from: usize) -> Option<usize> {
    // Keys and most values are short: up to 64 bytes a word at a time, then memchr's vector
    // loop.
    let rest = bytes.get(from..)?;
    let mut words = rest.chunks_exact(BLOCK);
    let mut scanned = 0;
    for block in (&mut words).take(64 / BLOCK) {
        if let Some(k) = first_quote_or_backslash(block.try_into().expect("one block")) {
            return Some(from + scanned + k);
        }
        scanned += BLOCK;
    }
    memchr::memchr2(b'"', b'\\', &rest[scanned..]).map(|k| from + scanned + k)
}

const BLOCK: usize = 8;

/// The index of the word's first `"` or `\`, a word at a time (portable SWAR: the high bit
/// of each matching byte; bits above the first match may be spurious, and are not looked at).
#[inline(always)]
fn first_quote_or_backslash(block: &[u8; BLOCK]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let word = u64::from_le_bytes(*block);
    let equal = |byte: u8| {
        let x = word ^ (ONES * u64::from(byte));
        x.wrapping_sub(ONES) & !x & HIGHS
    };
    let hits = equal(b'"') | equal(b'\\');
    (hits != 0).then(|| hits.trailing_zeros() as usize / 8)
}

struct Cursor<'a> {
    bytes: &'a [u8],
    /// The same bytes, known to be UTF-8: strings are sliced from here.
    text: &'a str,
    pos: usize,
    bump: &'a Bump,
    scratch: Scratch<'a>,
}

impl<'a> Cursor<'a> {
    // ---- tokens ---------------------------------------------------------------------------

    #[inline(always)]
    fn skip_spaces(&mut self) {
        while self.bytes.get(self.pos) == Some(&b' ') {
            self.pos += 1;
        }
    }

    /// The next non-space byte, not consumed.
    #[inline(always)]
    fn peek(&mut self) -> R<u8> {
        match self.bytes.get(self.pos) {
            Some(b' ') => {
                self.skip_spaces();
                self.bytes.get(self.pos).copied().ok_or(Fallback)
            }
            Some(&b) => Ok(b),
            None => Err(Fallback),
        }
    }

    /// The next non-space byte, consumed.
    #[inline(always)]
    fn next(&mut self) -> R<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Ok(b)
    }

    #[inline(always)]
    fn literal(&mut self, word: &[u8]) -> R<()> {
        if self.bytes[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(Fallback)
        }
    }

    /// At `"`: the string's raw contents when it has no escape (the cursor moves past it),
    /// else falls back.
    #[inline(always)]
    fn plain_string(&mut self) -> R<&'a str> {
        let start = self.pos + 1;
        self.plain_bytes()?;
        self.text.get(start..self.pos - 1).ok_or(Fallback)
    }

    /// [`Self::plain_string`] as bytes, for keys (matched as bytes, so no `str` is needed).
    #[inline(always)]
    fn plain_bytes(&mut self) -> R<&'a [u8]> {
        let start = self.pos + 1;
        let end = quote_or_backslash(self.bytes, start).ok_or(Fallback)?;
        if self.bytes[end] != b'"' {
            return Err(Fallback);
        }
        self.pos = end + 1;
        Ok(&self.bytes[start..end])
    }

    /// At `"`: moves past the string, checking its escapes.
    #[inline(always)]
    fn skip_string(&mut self) -> R<()> {
        let mut at = self.pos + 1;
        loop {
            let end = quote_or_backslash(self.bytes, at).ok_or(Fallback)?;
            if self.bytes[end] == b'"' {
                self.pos = end + 1;
                return Ok(());
            }
            at = self.escape(end)?;
        }
    }

    /// Checks the escape at `at` (a `\`) and returns the index after it. A surrogate pair is
    /// one escape; a lone surrogate half goes to the tape, which names it.
    #[cold]
    fn escape(&self, at: usize) -> R<usize> {
        match self.bytes.get(at + 1).ok_or(Fallback)? {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Ok(at + 2),
            b'u' => match self.code_unit(at)? {
                0xD800..=0xDBFF => {
                    if self.bytes.get(at + 6..at + 8) != Some(&b"\\u"[..]) {
                        return Err(Fallback);
                    }
                    match self.code_unit(at + 6)? {
                        0xDC00..=0xDFFF => Ok(at + 12),
                        _ => Err(Fallback),
                    }
                }
                0xDC00..=0xDFFF => Err(Fallback),
                _ => Ok(at + 6),
            },
            _ => Err(Fallback),
        }
    }

    /// The UTF-16 code unit of the `\uXXXX` escape at `at`.
    fn code_unit(&self, at: usize) -> R<u32> {
        let hex = self.bytes.get(at + 2..at + 6).ok_or(Fallback)?;
        hex.iter().try_fold(0u32, |unit, &h| {
            let digit = (h as char).to_digit(16).ok_or(Fallback)?;
            Ok(unit << 4 | digit)
        })
    }

    /// At `-` or a digit: moves past a number and tells whether it is an integer literal.
    /// Accepts only what is certainly inside the double range, whatever parser the tape
    /// uses: at most 32 characters before the exponent (sign and point included, so at least
    /// 30 digits) and at most 2 exponent digits.
    #[inline(always)]
    fn number(&mut self) -> R<bool> {
        let b = self.bytes;
        let start = self.pos;
        let mut i = start;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                i += 1;
                while b.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
            }
            _ => return Err(Fallback),
        }
        let mut integer = true;
        if b.get(i) == Some(&b'.') {
            integer = false;
            i += 1;
            let digits = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == digits {
                return Err(Fallback);
            }
        }
        if i - start > 32 {
            return Err(Fallback);
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            integer = false;
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let digits = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == digits || i - digits > 2 {
                return Err(Fallback);
            }
        }
        self.pos = i;
        Ok(integer)
    }

    /// Moves past one value of any kind, checking it. Scalars are handled inline; containers
    /// go to an out-of-line loop, so that this stays cheap to inline at every member.
    #[inline(always)]
    fn skip_value(&mut self, level: usize) -> R<()> {
        match self.peek()? {
            b'{' | b'[' => self.skip_container(level),
            c => self.skip_scalar(c),
        }
    }

    /// At a value that is not a container, whose first byte is `c`: moves past it, checking it.
    #[inline(always)]
    fn skip_scalar(&mut self, c: u8) -> R<()> {
        match c {
            b'"' => self.skip_string(),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number().map(drop),
            _ => Err(Fallback),
        }
    }

    /// At `{` or `[`, which opens nesting level `level`: moves past the whole container,
    /// checking every token. Iterative, with the open containers' kinds in a bit stack.
    #[inline(never)]
    fn skip_container(&mut self, level: usize) -> R<()> {
        let mut is_object = [0u64; MAX_SKIP_DEPTH / 64];
        let kind_at =
            |bits: &[u64; MAX_SKIP_DEPTH / 64], i: usize| bits[i / 64] & (1 << (i % 64)) != 0;
        let mut depth = 0usize; // containers open inside this call
        let mut object = false; // the kind of the innermost open container
        let mut c = self.bytes[self.pos];
        'value: loop {
            // A value starts at `self.pos` with byte `c`.
            if c == b'{' || c == b'[' {
                if level + depth > MAX_SKIP_DEPTH - 1 {
                    return Err(Fallback);
                }
                object = c == b'{';
                let bit = 1 << (depth % 64);
                if object {
                    is_object[depth / 64] |= bit;
                } else {
                    is_object[depth / 64] &= !bit;
                }
                depth += 1;
                self.pos += 1;
                c = self.peek()?;
                if c != if object { b'}' } else { b']' } {
                    if object {
                        self.key_then_colon(c)?;
                        c = self.peek()?;
                    }
                    continue 'value;
                }
                self.pos += 1;
                depth -= 1;
                if depth == 0 {
                    return Ok(());
                }
                object = kind_at(&is_object, depth - 1);
            } else {
                self.skip_scalar(c)?;
            }
            // After a value inside the innermost container: a comma, or closing brackets.
            loop {
                match self.next()? {
                    b',' => {
                        c = self.peek()?;
                        if object {
                            self.key_then_colon(c)?;
                            c = self.peek()?;
                        }
                        continue 'value;
                    }
                    b'}' if object => {}
                    b']' if !object => {}
                    _ => return Err(Fallback),
                }
                depth -= 1;
                if depth == 0 {
                    return Ok(());
                }
                object = kind_at(&is_object, depth - 1);
            }
        }
    }

    /// At a member's key (first byte `c`): moves past the key and its colon.
    #[inline(always)]
    fn key_then_colon(&mut self, c: u8) -> R<()> {
        if c != b'"' {
            return Err(Fallback);
        }
        self.skip_string()?;
        if self.next()? != b':' {
            return Err(Fallback);
        }
        Ok(())
    }

    // ---- values analyze reads -------------------------------------------------------------

    /// A string value, `None` for `null`.
    #[inline]
    fn string(&mut self) -> R<Option<&'a str>> {
        match self.peek()? {
            b'"' => self.plain_string().map(Some),
            b'n' => self.literal(b"null").map(|()| None),
            _ => Err(Fallback),
        }
    }

    /// `Edm.Single`/`Edm.Double`. Integers convert as the tape's `I64`/`U64` do (`as f64`).
    #[inline]
    fn single(&mut self) -> R<Option<f64>> {
        match self.peek()? {
            b'-' | b'0'..=b'9' => {
                let start = self.pos;
                let integer = self.number()?;
                let literal = &self.text[start..self.pos];
                if integer {
                    integer_literal(literal).map(|x| Some(x as f64))
                } else {
                    literal.parse().map(Some).map_err(|_| Fallback)
                }
            }
            b'n' => self.literal(b"null").map(|()| None),
            b'"' => match self.plain_string()? {
                "NaN" => Ok(Some(f64::NAN)),
                "INF" => Ok(Some(f64::INFINITY)),
                "-INF" => Ok(Some(f64::NEG_INFINITY)),
                _ => Err(Fallback),
            },
            _ => Err(Fallback),
        }
    }

    /// `Edm.Int64`: an integer literal, or a decimal string.
    #[inline]
    fn int64(&mut self) -> R<Option<i64>> {
        match self.peek()? {
            b'-' | b'0'..=b'9' => {
                let start = self.pos;
                if !self.number()? {
                    return Err(Fallback);
                }
                integer_literal(&self.text[start..self.pos]).map(Some)
            }
            b'n' => self.literal(b"null").map(|()| None),
            b'"' => super::parse_int64_string(self.plain_string()?)
                .map(Some)
                .ok_or(Fallback),
            _ => Err(Fallback),
        }
    }

    #[inline]
    fn duration(&mut self) -> R<Option<Duration>> {
        match self.string()? {
            Some(s) => Duration::parse(s).map(Some).map_err(|_| Fallback),
            None => Ok(None),
        }
    }

    #[inline]
    fn datetime(&mut self) -> R<Option<DateTimeOffset>> {
        match self.string()? {
            Some(s) => DateTimeOffset::parse(s).map(Some).map_err(|_| Fallback),
            None => Ok(None),
        }
    }

    #[inline]
    fn enumeration<E>(&mut self, from_wire: fn(&'a str) -> E) -> R<Option<E>> {
        Ok(self.string()?.map(from_wire))
    }

    /// An `@odata.*` annotation: kept when it is a string, otherwise skipped.
    #[inline]
    fn annotation(&mut self, level: usize) -> R<Option<&'a str>> {
        if self.peek()? == b'"' {
            self.plain_string().map(Some)
        } else {
            self.skip_value(level).map(|()| None)
        }
    }

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
        loop {
            if self.peek()? != b'"' {
                return Err(Fallback);
            }
            // A key with an escape could spell a known name: the tape unescapes it.
            let key = self.plain_bytes()?;
            if self.next()? != b':' {
                return Err(Fallback);
            }
            self.peek()?;
            member(self, value, key)?;
            match self.next()? {
                b',' => {}
                b'}' => return Ok(()),
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
        let slice = self.bump.alloc_slice_copy(&items);
        *T::scratch(&mut self.scratch) = items;
        Ok(slice)
    }

    // ---- the analyze schema ---------------------------------------------------------------

    /// The root object. Its shape depends on members that may come in any order, so `value`
    /// is read as a union: each element as a session and, when it has `sessions`, also as a
    /// callRecord. Any element property that would be a type error under either reading
    /// falls back, and the tape decides which reading applies.
    fn document(&mut self) -> R<Document<'a>> {
        #[derive(Default)]
        struct Root<'a> {
            sessions: Option<&'a [Session<'a>]>,
            value: Option<&'a [UnionElement<'a>]>,
            odata_context: Option<&'a str>,
            next_link: Option<&'a str>,
        }
        if self.peek()? != b'{' {
            return Err(Fallback);
        }
        let mut root = Root::default();
        self.object_into(&mut root, |c, r, key| {
            match key {
                b"sessions" => r.sessions = c.or_null(|c| c.array(|c, s| c.session(s, 3)))?,
                b"value" => r.value = c.or_null(|c| c.array(|c, e| c.union_element(e, 3)))?,
                b"@odata.context" => r.odata_context = c.annotation(2)?,
                b"@odata.nextLink" => r.next_link = c.annotation(2)?,
                _ => c.skip_value(2)?,
            }
            Ok(())
        })?;
        if let Some(sessions) = root.sessions {
            return Ok(Document::CallRecord(CallRecord {
                sessions,
                ..CallRecord::default()
            }));
        }
        let elements = root.value.ok_or(Fallback)?;
        if elements.iter().any(|e| e.sessions.is_some()) {
            let mut records =
                bumpalo::collections::Vec::with_capacity_in(elements.len(), self.bump);
            records.extend(elements.iter().map(|e| CallRecord {
                sessions: e.sessions.unwrap_or_default(),
                ..CallRecord::default()
            }));
            Ok(Document::CallRecordsPage(CallRecordsPage {
                odata_context: root.odata_context,
                next_link: root.next_link,
                records: records.into_bump_slice(),
            }))
        } else {
            let mut sessions =
                bumpalo::collections::Vec::with_capacity_in(elements.len(), self.bump);
            sessions.extend(elements.iter().map(|e| e.session));
            Ok(Document::SessionsPage(SessionsPage {
                odata_context: root.odata_context,
                next_link: root.next_link,
                sessions: sessions.into_bump_slice(),
            }))
        }
    }

    fn union_element(&mut self, e: &mut UnionElement<'a>, level: usize) -> R<()> {
        self.object_into(e, |c, e, key| {
            if key == b"sessions" {
                e.sessions = c.or_null(|c| c.array(|c, s| c.session(s, level + 2)))?;
                Ok(())
            } else {
                c.session_member(&mut e.session, key, level + 1)
            }
        })
    }

    fn session(&mut self, s: &mut Session<'a>, level: usize) -> R<()> {
        self.object_into(s, |c, s, key| c.session_member(s, key, level + 1))
    }

    #[inline]
    fn session_member(&mut self, s: &mut Session<'a>, key: &[u8], level: usize) -> R<()> {
        match key {
            b"segments" => s.segments = self.array(|c, g| c.segment(g, level + 1))?,
            b"startDateTime" => s.start_date_time = self.datetime()?,
            b"caller" => s.caller = self.endpoint(level)?,
            b"callee" => s.callee = self.endpoint(level)?,
            _ => self.skip_value(level)?,
        }
        Ok(())
    }

    fn segment(&mut self, s: &mut Segment<'a>, level: usize) -> R<()> {
        self.object_into(s, |c, s, key| {
            match key {
                b"media" => s.media = c.array(|c, m| c.media(m, level + 2))?,
                b"caller" => s.caller = c.endpoint(level + 1)?,
                b"callee" => s.callee = c.endpoint(level + 1)?,
                _ => c.skip_value(level + 1)?,
            }
            Ok(())
        })
    }

    fn endpoint(&mut self, level: usize) -> R<Option<&'a Endpoint<'a>>> {
        self.boxed_object(|c, e: &mut Endpoint<'a>, key| {
            match key {
                b"userAgent" => e.user_agent = c.user_agent(level + 1)?,
                _ => c.skip_value(level + 1)?,
            }
            Ok(())
        })
    }

    fn user_agent(&mut self, level: usize) -> R<Option<UserAgent<'a>>> {
        self.object(|c, u: &mut UserAgent<'a>, key| {
            match key {
                b"platform" => u.platform = c.enumeration(ClientPlatform::from_wire)?,
                b"productFamily" => u.product_family = c.enumeration(ProductFamily::from_wire)?,
                _ => c.skip_value(level + 1)?,
            }
            Ok(())
        })
    }

    fn media(&mut self, m: &mut Media<'a>, level: usize) -> R<()> {
        self.object_into(m, |c, m, key| {
            match key {
                b"streams" => m.streams = c.array(|c, s| c.stream(s, level + 2))?,
                b"label" => m.label = c.string()?,
                b"callerNetwork" => m.caller_network = c.network(level + 1)?,
                b"calleeNetwork" => m.callee_network = c.network(level + 1)?,
                _ => c.skip_value(level + 1)?,
            }
            Ok(())
        })
    }

    fn network(&mut self, level: usize) -> R<Option<&'a NetworkInfo<'a>>> {
        self.boxed_object(|c, n: &mut NetworkInfo<'a>, key| {
            match key {
                b"connectionType" => {
                    n.connection_type = c.enumeration(NetworkConnectionType::from_wire)?
                }
                _ => c.skip_value(level + 1)?,
            }
            Ok(())
        })
    }

    fn stream(&mut self, s: &mut MediaStream<'a>, level: usize) -> R<()> {
        self.object_into(s, |c, s, key| {
            match key {
                b"averageAudioDegradation" => s.average_audio_degradation = c.single()?,
                b"averageAudioNetworkJitter" => s.average_audio_network_jitter = c.duration()?,
                b"averageBandwidthEstimate" => s.average_bandwidth_estimate = c.int64()?,
                b"averageFreezeDuration" => s.average_freeze_duration = c.duration()?,
                b"averageJitter" => s.average_jitter = c.duration()?,
                b"averagePacketLossRate" => s.average_packet_loss_rate = c.single()?,
                b"averageRatioOfConcealedSamples" => {
                    s.average_ratio_of_concealed_samples = c.single()?
                }
                b"averageReceivedFrameRate" => s.average_received_frame_rate = c.single()?,
                b"averageRoundTripTime" => s.average_round_trip_time = c.duration()?,
                b"averageVideoFrameLossPercentage" => {
                    s.average_video_frame_loss_percentage = c.single()?
                }
                b"averageVideoFrameRate" => s.average_video_frame_rate = c.single()?,
                b"averageVideoPacketLossRate" => s.average_video_packet_loss_rate = c.single()?,
                b"lowFrameRateRatio" => s.low_frame_rate_ratio = c.single()?,
                b"lowVideoProcessingCapabilityRatio" => {
                    s.low_video_processing_capability_ratio = c.single()?
                }
                b"maxAudioNetworkJitter" => s.max_audio_network_jitter = c.duration()?,
                b"maxJitter" => s.max_jitter = c.duration()?,
                b"maxPacketLossRate" => s.max_packet_loss_rate = c.single()?,
                b"maxRatioOfConcealedSamples" => s.max_ratio_of_concealed_samples = c.single()?,
                b"maxRoundTripTime" => s.max_round_trip_time = c.duration()?,
                b"packetUtilization" => s.packet_utilization = c.int64()?,
                b"postForwardErrorCorrectionPacketLossRate" => {
                    s.post_forward_error_correction_packet_loss_rate = c.single()?
                }
                b"rmsFreezeDuration" => s.rms_freeze_duration = c.duration()?,
                b"streamDirection" => {
                    s.stream_direction = c.enumeration(MediaStreamDirection::from_wire)?
                }
                b"videoCodec" => s.video_codec = c.enumeration(VideoCodec::from_wire)?,
                _ => c.skip_value(level + 1)?,
            }
            Ok(())
        })
    }
}

/// Per-line scratch vectors, one per element type of the arrays the schema reads.
#[derive(Default)]
struct Scratch<'a> {
    elements: Vec<UnionElement<'a>>,
    sessions: Vec<Session<'a>>,
    segments: Vec<Segment<'a>>,
    media: Vec<Media<'a>>,
    streams: Vec<MediaStream<'a>>,
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
);

/// An element of a root `value` array, read both ways until the shape is known.
#[derive(Clone, Copy, Default)]
struct UnionElement<'a> {
    session: Session<'a>,
    /// `Some` when the element has a non-null `sessions` (it is then a callRecord).
    sessions: Option<&'a [Session<'a>]>,
}

/// An integer literal the grammar has accepted, as the tape's `I64`/`U64` would hold it.
/// `-0` and anything beyond `i64` go to the tape.
#[inline]
fn integer_literal(literal: &str) -> R<i64> {
    if literal.len() > 18 || literal == "-0" {
        return Err(Fallback);
    }
    literal.parse().map_err(|_| Fallback)
}
