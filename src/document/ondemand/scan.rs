//! The byte scanner: tokens, the values `analyze` reads converted in place, and values it does
//! not read validated without being built.

use super::{Cursor, Fallback, MAX_SKIP_DEPTH, R};
use crate::datetime::DateTimeOffset;
use crate::document::parse_int64_string;
use crate::duration::Duration;

pub(super) use crate::scan::has_control_byte;
use crate::scan::quote_or_backslash;

impl<'a, const FULL: bool> Cursor<'a, FULL> {
    // ---- tokens ---------------------------------------------------------------------------

    #[inline(always)]
    pub(super) fn skip_spaces(&mut self) {
        while self.bytes.get(self.pos) == Some(&b' ') {
            self.pos += 1;
        }
    }

    /// The next non-space byte, not consumed.
    #[inline(always)]
    pub(super) fn peek(&mut self) -> R<u8> {
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
    pub(super) fn next(&mut self) -> R<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Ok(b)
    }

    #[inline(always)]
    pub(super) fn literal(&mut self, word: &[u8]) -> R<()> {
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
    pub(super) fn plain_string(&mut self) -> R<&'a str> {
        let start = self.pos + 1;
        self.plain_bytes()?;
        self.text.get(start..self.pos - 1).ok_or(Fallback)
    }

    /// [`Self::plain_string`] as bytes.
    #[inline(always)]
    pub(super) fn plain_bytes(&mut self) -> R<&'a [u8]> {
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
        self.pos = string_end(self.bytes, self.pos)?;
        Ok(())
    }

    /// Checks the escape at `at` (a `\`) and returns the index after it (see [`check_escape`]).
    #[inline(always)]
    fn escape(&self, at: usize) -> R<usize> {
        check_escape(self.bytes, at)
    }

    /// The UTF-16 code unit of the `\uXXXX` escape at `at`.
    #[inline(always)]
    fn code_unit(&self, at: usize) -> R<u32> {
        code_unit(self.bytes, at)
    }

    /// At `-` or a digit: moves past a number and tells whether it is an integer literal (see
    /// [`number_end`] for what it accepts).
    #[inline(always)]
    fn number(&mut self) -> R<bool> {
        let (end, integer) = number_end(self.bytes, self.pos)?;
        self.pos = end;
        Ok(integer)
    }

    /// Moves past one value of any kind, checking it. Scalars are handled inline; containers
    /// go to an out-of-line loop, so that this stays cheap to inline at every member.
    #[inline(always)]
    pub(super) fn skip_value(&mut self) -> R<()> {
        match self.peek()? {
            b'{' | b'[' => self.skip_container(self.depth + 1),
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
    ///
    /// The position lives in a local, not in the cursor, so that it stays in a register
    /// (the cursor's fields are reloaded around every call the loop makes); the scalars are
    /// checked by the free functions below. It accepts exactly what the walk over the cursor
    /// it replaced accepts, and ends at the same place (a proptest compares them).
    #[inline(never)]
    fn skip_container(&mut self, level: usize) -> R<()> {
        let b = self.bytes;
        let mut pos = self.pos;
        // The next non-space byte, not consumed.
        macro_rules! peek {
            () => {{
                let mut c = *b.get(pos).ok_or(Fallback)?;
                while c == b' ' {
                    pos += 1;
                    c = *b.get(pos).ok_or(Fallback)?;
                }
                c
            }};
        }
        // At a member's key (first byte `$c`): past the key and its colon, to the value's
        // first byte.
        macro_rules! key_then_colon {
            ($c:expr) => {{
                if $c != b'"' {
                    return Err(Fallback);
                }
                pos = string_end(b, pos)?;
                if peek!() != b':' {
                    return Err(Fallback);
                }
                pos += 1;
                peek!()
            }};
        }
        let mut is_object = [0u64; MAX_SKIP_DEPTH / 64];
        let kind_at =
            |bits: &[u64; MAX_SKIP_DEPTH / 64], i: usize| bits[i / 64] & (1 << (i % 64)) != 0;
        let mut depth = 0usize; // containers open inside this call
        let mut object = false; // the kind of the innermost open container
        let mut c = b[pos];
        'value: loop {
            // A value starts at `pos` with byte `c`.
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
                pos += 1;
                c = peek!();
                if c != if object { b'}' } else { b']' } {
                    if object {
                        c = key_then_colon!(c);
                    }
                    continue 'value;
                }
                pos += 1;
                depth -= 1;
                if depth == 0 {
                    self.pos = pos;
                    return Ok(());
                }
                object = kind_at(&is_object, depth - 1);
            } else {
                pos = match c {
                    b'"' => string_end(b, pos)?,
                    b't' if b[pos..].starts_with(b"true") => pos + 4,
                    b'f' if b[pos..].starts_with(b"false") => pos + 5,
                    b'n' if b[pos..].starts_with(b"null") => pos + 4,
                    b'-' | b'0'..=b'9' => number_end(b, pos)?.0,
                    _ => return Err(Fallback),
                };
            }
            // After a value inside the innermost container: a comma, or closing brackets.
            loop {
                let d = peek!();
                pos += 1;
                match d {
                    b',' => {
                        c = peek!();
                        if object {
                            c = key_then_colon!(c);
                        }
                        continue 'value;
                    }
                    b'}' if object => {}
                    b']' if !object => {}
                    _ => return Err(Fallback),
                }
                depth -= 1;
                if depth == 0 {
                    self.pos = pos;
                    return Ok(());
                }
                object = kind_at(&is_object, depth - 1);
            }
        }
    }

    /// The walk over the cursor's fields that [`Self::skip_container`] replaced, kept as its
    /// oracle: the same acceptance, the same end.
    #[cfg(test)]
    fn skip_container_bytes(&mut self, level: usize) -> R<()> {
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
    #[cfg(test)]
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
    pub(super) fn string(&mut self) -> R<Option<&'a str>> {
        match self.peek()? {
            b'"' => {
                let start = self.pos + 1;
                let end = quote_or_backslash(self.bytes, start).ok_or(Fallback)?;
                if self.bytes[end] != b'"' {
                    return self.escaped_string(start).map(Some);
                }
                self.pos = end + 1;
                self.text.get(start..end).ok_or(Fallback).map(Some)
            }
            b'n' => self.literal(b"null").map(|()| None),
            _ => Err(Fallback),
        }
    }

    /// The string starting at `start` (after its `"`) that has an escape, unescaped into the
    /// arena as the tape unescapes it (display names and device names often have one); the
    /// cursor moves past it. A lone surrogate half goes to the tape, as in [`Self::escape`].
    #[cold]
    fn escaped_string(&mut self, start: usize) -> R<&'a str> {
        let mut out = bumpalo::collections::String::new_in(self.bump);
        let mut at = start;
        loop {
            let end = quote_or_backslash(self.bytes, at).ok_or(Fallback)?;
            out.push_str(self.text.get(at..end).ok_or(Fallback)?);
            if self.bytes[end] == b'"' {
                self.pos = end + 1;
                return Ok(out.into_bump_str());
            }
            let next = self.escape(end)?;
            let c = match self.bytes[end + 1] {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                _ => {
                    let unit = self.code_unit(end)?;
                    let scalar = if (0xD800..=0xDBFF).contains(&unit) {
                        0x10000 + ((unit - 0xD800) << 10) + (self.code_unit(end + 6)? - 0xDC00)
                    } else {
                        unit
                    };
                    char::from_u32(scalar).ok_or(Fallback)?
                }
            };
            out.push(c);
            at = next;
        }
    }

    /// `Edm.Single`/`Edm.Double`. Integers convert as the tape's `I64`/`U64` do (`as f64`).
    #[inline]
    pub(super) fn single(&mut self) -> R<Option<f64>> {
        match self.peek()? {
            b'-' | b'0'..=b'9' => {
                let start = self.pos;
                let integer = self.number()?;
                let literal = &self.text[start..self.pos];
                if integer {
                    integer_literal(literal).map(|x| Some(x as f64))
                } else if let Some(x) = exact_decimal(literal.as_bytes()) {
                    Ok(Some(x))
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
    pub(super) fn int64(&mut self) -> R<Option<i64>> {
        match self.peek()? {
            b'-' | b'0'..=b'9' => {
                let start = self.pos;
                if !self.number()? {
                    return Err(Fallback);
                }
                integer_literal(&self.text[start..self.pos]).map(Some)
            }
            b'n' => self.literal(b"null").map(|()| None),
            b'"' => parse_int64_string(self.plain_string()?)
                .map(Some)
                .ok_or(Fallback),
            _ => Err(Fallback),
        }
    }

    #[inline]
    pub(super) fn duration(&mut self) -> R<Option<Duration>> {
        match self.string()? {
            Some(s) => Duration::parse(s).map(Some).map_err(|_| Fallback),
            None => Ok(None),
        }
    }

    #[inline]
    pub(super) fn datetime(&mut self) -> R<Option<DateTimeOffset>> {
        match self.string()? {
            Some(s) => DateTimeOffset::parse(s).map(Some).map_err(|_| Fallback),
            None => Ok(None),
        }
    }

    #[inline]
    pub(super) fn enumeration<E>(&mut self, from_wire: fn(&'a str) -> E) -> R<Option<E>> {
        Ok(self.string()?.map(from_wire))
    }

    /// An `@odata.*` annotation: kept when it is a string, otherwise skipped.
    #[inline]
    pub(super) fn annotation(&mut self) -> R<Option<&'a str>> {
        if self.peek()? == b'"' {
            self.plain_string().map(Some)
        } else {
            self.skip_value().map(|()| None)
        }
    }

    // ---- values only the full reading (`check`) reads ---------------------------------

    /// `Edm.Int32`: an integer literal in range (the tape takes no string here).
    #[inline]
    pub(super) fn int32(&mut self) -> R<Option<i32>> {
        match self.peek()? {
            b'-' | b'0'..=b'9' => {
                let start = self.pos;
                if !self.number()? {
                    return Err(Fallback);
                }
                let wide = integer_literal(&self.text[start..self.pos])?;
                i32::try_from(wide).map(Some).map_err(|_| Fallback)
            }
            b'n' => self.literal(b"null").map(|()| None),
            _ => Err(Fallback),
        }
    }

    /// `Edm.Boolean`.
    #[inline]
    pub(super) fn boolean(&mut self) -> R<Option<bool>> {
        match self.peek()? {
            b't' => self.literal(b"true").map(|()| Some(true)),
            b'f' => self.literal(b"false").map(|()| Some(false)),
            b'n' => self.literal(b"null").map(|()| None),
            _ => Err(Fallback),
        }
    }
}

/// Checks the escape at `at` (a `\`) and returns the index after it. A surrogate pair is one
/// escape; a lone surrogate half goes to the tape, which names it.
#[cold]
fn check_escape(bytes: &[u8], at: usize) -> R<usize> {
    match bytes.get(at + 1).ok_or(Fallback)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Ok(at + 2),
        b'u' => match code_unit(bytes, at)? {
            0xD800..=0xDBFF => {
                if bytes.get(at + 6..at + 8) != Some(&b"\\u"[..]) {
                    return Err(Fallback);
                }
                match code_unit(bytes, at + 6)? {
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
fn code_unit(bytes: &[u8], at: usize) -> R<u32> {
    let hex = bytes.get(at + 2..at + 6).ok_or(Fallback)?;
    hex.iter().try_fold(0u32, |unit, &h| {
        let digit = (h as char).to_digit(16).ok_or(Fallback)?;
        Ok(unit << 4 | digit)
    })
}

/// At `"` at `at`: the index after the string's closing quote, its escapes checked.
#[inline(always)]
fn string_end(b: &[u8], at: usize) -> R<usize> {
    let mut at = at + 1;
    loop {
        let end = quote_or_backslash(b, at).ok_or(Fallback)?;
        if b[end] == b'"' {
            return Ok(end + 1);
        }
        at = check_escape(b, end)?;
    }
}

/// At `-` or a digit at `start`: where the number ends, and whether it is an integer literal.
/// Accepts only what is certainly inside the double range, whatever parser the tape uses: at
/// most 32 characters before the exponent (sign and point included, so at least 30 digits)
/// and at most 2 exponent digits.
#[inline(always)]
fn number_end(b: &[u8], start: usize) -> R<(usize, bool)> {
    let mut i = start;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits_end(b, i + 1),
        _ => return Err(Fallback),
    }
    let mut integer = true;
    if b.get(i) == Some(&b'.') {
        integer = false;
        i += 1;
        let digits = i;
        i = digits_end(b, i);
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
    Ok((i, integer))
}

/// The end of the run of ASCII digits starting at `i`: eight bytes a step while eight remain.
#[inline(always)]
fn digits_end(b: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        // A byte is a digit when `x ^ b'0'` is below 10: then neither it nor it plus 0x76
        // reaches 0x80. A carry out of a non-digit byte only disturbs later bytes, so the
        // lowest flagged byte is the first non-digit.
        let t = w ^ 0x3030_3030_3030_3030;
        let flags = (t | t.wrapping_add(0x7676_7676_7676_7676)) & 0x8080_8080_8080_8080;
        if flags != 0 {
            return i + (flags.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i
}

/// Powers of ten exact as `f64`: 10^0 to 10^22.
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A decimal literal the grammar has accepted, without exponent and of at most 19 bytes
/// after its sign, whose digits make an integer `m <= 2^53` (k of them after the point, so
/// k <= 18): `m / 10^k` (Clinger's fast path). Both operands are exact, so the one division
/// rounds correctly: the value std's parser returns, bit for bit, for about a third of its
/// instructions. `None` otherwise (std then parses it).
#[inline]
fn exact_decimal(literal: &[u8]) -> Option<f64> {
    let (negative, digits) = match literal {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, literal),
    };
    // At most 19 bytes, so at most 19 digits: `m` cannot overflow, point or no point.
    if digits.len() > 19 {
        return None;
    }
    let mut m: u64 = 0;
    let mut after_point = None;
    for (i, &c) in digits.iter().enumerate() {
        let d = c.wrapping_sub(b'0');
        if d < 10 {
            m = m * 10 + u64::from(d);
        } else if c == b'.' {
            after_point = Some(digits.len() - i - 1);
        } else {
            return None;
        }
    }
    let scale = *EXACT_POWERS_OF_TEN.get(after_point.unwrap_or(0))?;
    if m > 1 << 53 {
        return None;
    }
    let x = m as f64 / scale;
    Some(if negative { -x } else { x })
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

#[cfg(test)]
mod tests {
    use super::super::{Cursor, MAX_SKIP_DEPTH};
    use super::digits_end;
    use bumpalo::Bump;
    use proptest::prelude::*;

    /// Skips the container at the start of `text` (opening nesting level `level`) with
    /// `skip_container` and with the walk it replaced: `Some(end)` or `None` (fallback) each.
    fn skip_both_ways(text: &str, level: usize) -> (Option<usize>, Option<usize>) {
        let bump = Bump::new();
        let skip = |old: bool| {
            let mut c = Cursor::<false> {
                bytes: text.as_bytes(),
                text,
                pos: 0,
                depth: 0,
                bump: &bump,
                scratch: Default::default(),
            };
            let done = if old {
                c.skip_container_bytes(level)
            } else {
                c.skip_container(level)
            };
            done.ok().map(|()| c.pos)
        };
        (skip(false), skip(true))
    }

    /// JSON values: every kind of scalar (numbers at the edges of the range rule, strings
    /// with every escape, surrogate pairs and lone halves, non-ASCII text), nested.
    fn json() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("null".to_string()),
            Just("true".to_string()),
            Just("false".to_string()),
            "-?(0|[1-9][0-9]{0,34})(\\.[0-9]{0,4})?([eE][+-]?[0-9]{0,3})?",
            r#""([a-z :,{}\[\]]|\\[\\"/bfnrtuxq]|\\u[0-9a-fA-F]{4}|\\u[dD][89aAbBcCdDeEfF][0-9a-f]{2}|é|😀){0,90}""#,
        ];
        leaf.prop_recursive(6, 80, 8, |inner| {
            prop_oneof![
                prop::collection::vec((inner.clone(), " {0,2}"), 0..8).prop_map(|v| {
                    let items: Vec<String> = v.into_iter().map(|(x, sp)| sp + &x).collect();
                    format!("[{}]", items.join(","))
                }),
                prop::collection::vec((r#""[a-z\\"]{0,5}""#, " {0,2}", inner), 0..8).prop_map(
                    |v| {
                        let items: Vec<String> = v
                            .into_iter()
                            .map(|(k, sp, x)| format!("{k}{sp}:{sp}{x}"))
                            .collect();
                        format!("{{{}}}", items.join(","))
                    }
                ),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// `skip_container` accepts exactly what the walk it replaced accepts and ends where
        /// it ends, on JSON and on JSON with a few characters replaced, inserted or deleted.
        #[test]
        fn container_skip_agrees_with_the_walk_it_replaced(
            value in json(),
            edits in prop::collection::vec(
                (any::<prop::sample::Index>(), 0..3u8, prop::sample::select(
                    &['{', '}', '[', ']', ':', ',', '"', '\\', ' ', '0', '-', '.', 'e', 'n', 'u', 'x', 'é'][..]
                )),
                0..4,
            ),
            open in prop::sample::select(&["[", "{\"k\":", "[[", ""][..]),
            tail in prop::sample::select(&["", "]", "}", " ,1", "\"\\q\"", " \\u"][..]),
            level in prop::sample::select(&[1usize, 2, MAX_SKIP_DEPTH - 8, MAX_SKIP_DEPTH - 1][..]),
        ) {
            let mut chars: Vec<char> = format!("{open}{value}{tail}").chars().collect();
            for (at, op, c) in edits {
                if chars.is_empty() {
                    break;
                }
                let i = at.index(chars.len());
                match op {
                    0 => chars[i] = c,
                    1 => chars.insert(i, c),
                    _ => {
                        chars.remove(i);
                    }
                }
            }
            let text: String = chars.into_iter().collect();
            if text.starts_with(['{', '[']) {
                let (new, old) = skip_both_ways(&text, level);
                prop_assert_eq!(new, old, "{:?}", text);
            }
        }
    }

    #[test]
    fn container_skip_edges() {
        for text in [
            "[]",
            "{}",
            "[1]",
            "[1 ]",
            "[1a]",
            "[truex]",
            "[nul]",
            "[\"\\uD83D\\uDE00\"]",
            "[\"\\uDE00\"]",
            "[\"\\uD83D\"]",
            "{\"a\\\"b\":[1,{\"c\":\"\\\\\"}]}",
            "{\"a\" 1}",
            "[1,]",
            "[1}",
            "{\"a\":1]",
            "[\"abc\"1]",
            "[-]",
            "[01]",
            "[1.]",
            "[1e]",
            "[1e100]",
            "[\\n]",
        ] {
            let (new, old) = skip_both_ways(text, 1);
            assert_eq!(new, old, "{text}");
        }
        let long = format!("[{}\"{}\\u00e9\"]", "1,".repeat(100), "x".repeat(200));
        assert_eq!(
            skip_both_ways(&long, 1),
            (Some(long.len()), Some(long.len()))
        );
        let deep = format!("{}{}", "[".repeat(600), "]".repeat(600));
        assert_eq!(skip_both_ways(&deep, 1), (None, None));
    }

    proptest::proptest! {
        /// The fast path's value is std's, bit for bit, wherever it answers; and it answers
        /// for the decimals a short literal makes.
        #[test]
        fn exact_decimals_are_std_s_values(
            negative: bool,
            int in 0u64..10_000_000_000,
            frac in 0u64..10_000_000_000,
            width in 1usize..12,
        ) {
            let literal = format!("{}{int}.{frac:0width$}", if negative { "-" } else { "" });
            let std: f64 = literal.parse().unwrap();
            match super::exact_decimal(literal.as_bytes()) {
                Some(x) => proptest::prop_assert_eq!(x.to_bits(), std.to_bits(), "{}", literal),
                // Only digits making more than 2^53 (16 or more digits) are left to std.
                None => proptest::prop_assert!(
                    literal.bytes().filter(u8::is_ascii_digit).count() >= 16,
                    "{} not answered",
                    literal
                ),
            }
        }
    }

    #[test]
    fn exact_decimal_edges() {
        for literal in [
            "0.0",
            "-0.0",
            "0.1",
            "0.02",
            "17.738364",
            "9007199254740.992",
            "-1.5",
            "0.0000000000000000000001",
            "123456789.123456789",
        ] {
            let std: f64 = literal.parse().unwrap();
            let fast = super::exact_decimal(literal.as_bytes());
            assert!(
                fast.is_none_or(|x| x.to_bits() == std.to_bits()),
                "{literal}"
            );
        }
        // Beyond 2^53, more than 19 bytes, exponents: left to std.
        for literal in [
            "99999999999999999999",
            "9007199254740.993",
            "0.00000000000000000000001",
            "1.5e3",
            "12345678901234567890.5",
        ] {
            assert_eq!(super::exact_decimal(literal.as_bytes()), None, "{literal}");
        }
        assert_eq!(super::exact_decimal(b"0.1"), Some(0.1));
        assert_eq!(
            super::exact_decimal(b"-0.0").map(f64::to_bits),
            Some((-0.0f64).to_bits())
        );
    }

    #[test]
    fn digit_runs_end_where_the_bytewise_loop_ends() {
        let bytes: Vec<u8> = (0..=255u8).collect();
        for other in bytes.iter().copied().filter(|b| !b.is_ascii_digit()) {
            for run in 0..20 {
                for tail in 0..10 {
                    let mut text = b"1".repeat(run);
                    text.push(other);
                    text.extend(std::iter::repeat_n(b'9', tail));
                    let naive = text.iter().take_while(|b| b.is_ascii_digit()).count();
                    assert_eq!(digits_end(&text, 0), naive, "{text:?}");
                }
            }
        }
        for n in 0..20 {
            assert_eq!(digits_end(&b"0123456789".repeat(2)[..n], 0), n);
        }
    }
}
