//! The on-demand reading behind [`Reading::Analyze`](super::Reading::Analyze) and
//! [`Reading::Full`](super::Reading::Full): one pass over the line's bytes that builds only
//! what the reading reads (`callq analyze`'s properties, or for `callq check` every property
//! of the table).
//!
//! simd-json's tape converts every number and copies every string of a line, and `analyze`
//! skips most of them. This reader walks the bytes directly instead, directed by the same
//! entries of the property table as the tape walk (its `FULL` parameter is the tape walker's).
//! A value it needs is converted; a value it does not need is validated without being built:
//! strings by their escapes, numbers by the JSON grammar and a conservative range rule,
//! containers token by token.
//!
//! It is a fast path with an oracle behind it. It answers only "here is the document" or
//! "ask the tape": anything unusual (a syntax or type error, an escape in a key (strings it
//! reads are unescaped into the arena), a control byte anywhere in the line, a number near the edge of the double range,
//! `-0`, nesting beyond [`MAX_SKIP_DEPTH`]) returns `None`, and the caller re-reads the line
//! with simd-json's tape, which decides and names the error. So its acceptance must never be
//! wider than the tape's, and its documents must equal the tape walker's: the `line` fuzz
//! target and `tests/integration/ondemand.rs` compare the two readings value for value.
//!
//! `scan` is the byte scanner (tokens, conversions in place, validation of skipped values);
//! `walk` is the schema-directed walk over it (objects, arrays, the document's shapes, and
//! the member arms from the property table), with the types only the full reading reads in
//! `walk/full.rs`. The cursor tracks how deep it is, for the nesting
//! limit of skipped values.

use bumpalo::Bump;

use crate::model::Document;

mod scan;
mod walk;

use scan::has_control_byte;
pub(super) use walk::ScratchStore;

/// "Ask the tape": carries no information, so `?` costs nothing.
#[derive(Debug)]
pub(super) struct Fallback;

type R<T> = Result<T, Fallback>;

/// How deep a skipped value may nest before the tape decides (the contract's limit is 1024
/// levels; everything near it goes to the tape, which implements it exactly).
pub(super) const MAX_SKIP_DEPTH: usize = 512;

/// Reads `line` for `analyze`, or `None` when the tape must decide.
pub(super) fn analyze_document<'a>(
    line: &'a [u8],
    bump: &'a Bump,
    store: &mut ScratchStore,
) -> Option<Document<'a>> {
    read_document::<false>(line, bump, store)
}

/// Reads `line` for `check`: every property of the table read and validated, as the tape's
/// `Reading::Full` walk reads it; `None` when the tape must decide.
pub(super) fn full_document<'a>(
    line: &'a [u8],
    bump: &'a Bump,
    store: &mut ScratchStore,
) -> Option<Document<'a>> {
    read_document::<true>(line, bump, store)
}

/// The on-demand reading; `FULL` chooses `Reading::Full` over `Reading::Analyze`, as the tape
/// walker's parameter does.
#[inline(always)]
fn read_document<'a, const FULL: bool>(
    line: &'a [u8],
    bump: &'a Bump,
    store: &mut ScratchStore,
) -> Option<Document<'a>> {
    // RFC 8259 text is UTF-8 throughout, so one check of the whole line covers every string;
    // and a line without control bytes has no raw control character in a string and no
    // whitespace but spaces, which keeps the scanners below simple.
    if has_control_byte(line) {
        return None;
    }
    let text = simdutf8::basic::from_utf8(line).ok()?;
    let mut cursor = Cursor::<FULL> {
        bytes: line,
        text,
        pos: 0,
        depth: 0,
        bump,
        scratch: store.lend(),
    };
    let document = cursor.document().ok();
    cursor.skip_spaces();
    store.keep(cursor.scratch);
    document.filter(|_| cursor.pos == line.len())
}

/// The reader's position in the line, with the per-line arena and scratch vectors. `FULL`
/// reads every property of the table (`Reading::Full`, for `check`); otherwise only the
/// `analyze` ones, the rest validated and skipped.
struct Cursor<'a, const FULL: bool> {
    bytes: &'a [u8],
    /// The same bytes, known to be UTF-8: strings are sliced from here.
    text: &'a str,
    pos: usize,
    /// How many objects and arrays the walk is inside; a value read or skipped here would open
    /// nesting level `depth + 1` (the root object is level 1).
    depth: usize,
    bump: &'a Bump,
    scratch: walk::Scratch<'a>,
}
