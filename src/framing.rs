//! Bytes → lines: NDJSON framing on `&[u8]`, knowing nothing of JSON or files.
//!
//! Lines end at LF; a CR right before the LF (or at the very end of the input) is dropped. A
//! line holding only spaces, tabs and CRs is blank. Line numbers are physical and 1-based (blank
//! lines count). A UTF-8 byte-order mark at the start of the input is skipped, while line 1
//! still starts at byte offset 0. A final line without a newline is an ordinary line.
//!
//! For parallel work, input is cut into [chunks](chunk_starts) whose boundaries depend only on
//! the bytes and a target size, never on the number of threads: chunk `k` holds the lines that
//! start at or after `k × target` and before the next chunk's first line.

use std::ops::Range;

/// The UTF-8 byte-order mark.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Where a line is: its file, 1-based physical line number and the byte offset of its start.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Position {
    /// The file as named in reports: the path as given, or `-` for standard input.
    pub file: String,
    /// 1-based physical line number.
    pub line: u64,
    /// Byte offset of the line's first byte in the (decompressed) input.
    pub byte_offset: u64,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{} (byte {})", self.file, self.line, self.byte_offset)
    }
}

/// One line of input, without its terminator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line<'b> {
    /// The line's content: no LF, no CR before it, no BOM.
    pub bytes: &'b [u8],
    /// 1-based physical line number, relative to where the [`Lines`] iterator started counting.
    pub number: u64,
    /// Byte offset of the line's start, relative to the same origin.
    pub offset: u64,
}

impl Line<'_> {
    /// True when the line holds only spaces, tabs and CRs (and is skipped silently).
    #[inline]
    pub fn is_blank(&self) -> bool {
        is_blank(self.bytes)
    }
}

/// True when `bytes` holds only spaces, tabs and CRs.
#[inline]
pub fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| b == b' ' || b == b'\t' || b == b'\r')
}

/// Iterates over the lines of a buffer, blank ones included.
///
/// ```
/// use callq::framing::Lines;
///
/// let input = b"\xEF\xBB\xBF{\"a\":1}\r\n\n{\"b\":2}";
/// let lines: Vec<_> = Lines::new(input).map(|l| (l.number, l.offset, l.bytes)).collect();
/// assert_eq!(lines, vec![
///     (1, 0, &b"{\"a\":1}"[..]),
///     (2, 12, &b""[..]),
///     (3, 13, &b"{\"b\":2}"[..]),
/// ]);
/// ```
#[derive(Clone, Debug)]
pub struct Lines<'b> {
    data: &'b [u8],
    at: usize,
    number: u64,
    base: u64,
}

impl<'b> Lines<'b> {
    /// Lines of a whole input: numbering from 1 at offset 0, a leading BOM skipped.
    pub fn new(data: &'b [u8]) -> Self {
        Lines {
            data,
            at: 0,
            number: 0,
            base: 0,
        }
    }

    /// Lines of a piece of an input that starts at a line start: `first_number` is the number
    /// of its first line and `base_offset` the offset of its first byte. A BOM is skipped only
    /// when `base_offset` is 0.
    pub fn starting_at(data: &'b [u8], first_number: u64, base_offset: u64) -> Self {
        Lines {
            data,
            at: 0,
            number: first_number.saturating_sub(1),
            base: base_offset,
        }
    }

    /// Bytes not yet consumed.
    pub fn remainder(&self) -> &'b [u8] {
        &self.data[self.at..]
    }
}

impl<'b> Iterator for Lines<'b> {
    type Item = Line<'b>;

    #[inline]
    fn next(&mut self) -> Option<Line<'b>> {
        if self.at >= self.data.len() {
            return None;
        }
        let start = self.at;
        let rest = &self.data[start..];
        let (raw, consumed) = match memchr::memchr(b'\n', rest) {
            Some(n) => (&rest[..n], n + 1),
            None => (rest, rest.len()),
        };
        self.at += consumed;
        self.number += 1;
        let mut bytes = raw.strip_suffix(b"\r").unwrap_or(raw);
        if start == 0 && self.base == 0 {
            bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
        }
        Some(Line {
            bytes,
            number: self.number,
            offset: self.base + start as u64,
        })
    }
}

/// The start offsets of the chunks of `data` for a target chunk size: always `0`, then for
/// each `k ≥ 1` the first line start at or after `k × target` (deduplicated). A chunk ends where
/// the next begins, or at the end of `data`.
///
/// ```
/// use callq::framing::chunk_starts;
/// assert_eq!(chunk_starts(b"aaaa\nbb\ncccccccc\nd\n", 5), vec![0, 5, 17]);
/// ```
pub fn chunk_starts(data: &[u8], target: usize) -> Vec<usize> {
    Chunks::new(data, target).map(|r| r.start).collect()
}

/// The chunk ranges of `data` (see [`chunk_starts`]).
pub fn chunks(data: &[u8], target: usize) -> Vec<Range<usize>> {
    Chunks::new(data, target).collect()
}

/// The chunk ranges of `data`, found lazily: each boundary is looked for only when the chunk
/// before it is asked for, so walking the first chunks touches nothing of the rest of a
/// memory-mapped input.
#[derive(Clone, Debug)]
pub struct Chunks<'b> {
    data: &'b [u8],
    target: usize,
    start: usize,
}

impl<'b> Chunks<'b> {
    /// Chunks of `data` for a target size (at least 1 byte).
    pub fn new(data: &'b [u8], target: usize) -> Self {
        Chunks {
            data,
            target: target.max(1),
            start: 0,
        }
    }

    /// Whether every chunk has been returned.
    pub(crate) fn is_exhausted(&self) -> bool {
        self.start >= self.data.len()
    }
}

impl Iterator for Chunks<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        let len = self.data.len();
        if self.start >= len {
            return None;
        }
        let start = self.start;
        // The next boundary is the first line start at or after the next multiple of the
        // target; a long line covering several multiples skips them.
        let end = match line_start_at_or_after(self.data, end_search_start(start, self.target)) {
            Some(s) if s < len => s,
            _ => len,
        };
        self.start = end;
        Some(start..end)
    }
}

/// Where [`Chunks`] starts looking for the end of the chunk that starts at `start`: the next
/// multiple of `target` (at least 1) after it. The chunk ends at the first line start at or
/// after that point, so the bytes from there to the chunk's end are read before the chunk is.
pub(crate) fn end_search_start(start: usize, target: usize) -> usize {
    (start / target + 1).saturating_mul(target)
}

/// A piece of an input cut by [`Pieces`]: whole lines, or one line longer than the limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Whole lines (the last may lack its newline only at the end of the input).
    Lines(Range<usize>),
    /// One line longer than the limit, without its newline: it is to be reported, never read.
    Overlong {
        /// Where the line is.
        range: Range<usize>,
        /// Whether a newline ended it (false: it ran to the end of the input).
        newline: bool,
    },
}

/// The windows in which an over-long line is searched for its end (and handed back).
const OVERLONG_SCAN: usize = 4 << 20;

/// Cuts a whole input held in memory (typically a memory-mapped file) into pieces of about
/// `block` bytes that end at line ends, and finds every line longer than `max_line` bytes
/// without reading it whole. Such a line is handed out as [`Piece::Overlong`]: its bytes are
/// scanned once for the newline, in windows of at most 4 MiB reported to the caller so that it
/// can release their pages, and at most about `max_line` bytes of it are looked at before it
/// is known to be over-long.
///
/// A piece is found without scanning its bytes: the first line's end is looked for (up to
/// the limit), then one aligned stride of `max_line / 2` bytes after another is probed for a
/// newline (a line longer than the limit holds a whole stride without one), each probe
/// stopping at the first newline, so a piece costs a few short searches. A piece ends before
/// the line of the first stride without a newline, which starts the next piece. Lines inside a
/// piece are at most about `max_line` bytes (a line just over the limit may be among them; it
/// is to be checked when read).
///
/// Pieces depend only on the bytes, `block` and `max_line`.
///
/// ```
/// use callq::framing::{Piece, Pieces};
///
/// let data = b"ab\ncd\nxxxxxxxxxxxx\nef";
/// let mut pieces = Pieces::new(data, 4, 8);
/// let mut all = Vec::new();
/// while let Some(p) = pieces.next_piece(|_scanned| {}) {
///     all.push(p);
/// }
/// assert_eq!(all, vec![
///     Piece::Lines(0..3),
///     Piece::Lines(3..6),
///     Piece::Overlong { range: 6..18, newline: true },
///     Piece::Lines(19..21),
/// ]);
/// ```
#[derive(Clone, Debug)]
pub struct Pieces<'b> {
    data: &'b [u8],
    at: usize,
    block: usize,
    max_line: usize,
}

impl<'b> Pieces<'b> {
    /// Pieces of `data`: `block` is the target piece size, `max_line` the longest line kept.
    pub fn new(data: &'b [u8], block: usize, max_line: usize) -> Self {
        Pieces {
            data,
            at: 0,
            block: block.max(1),
            max_line: max_line.max(1),
        }
    }

    /// The next piece, or `None` at the end. `scanned` gets the byte ranges of an over-long
    /// line as they are searched for its newline (they will not be looked at again).
    pub fn next_piece(&mut self, mut scanned: impl FnMut(Range<usize>)) -> Option<Piece> {
        let data = self.data;
        let len = data.len();
        let at = self.at;
        if at >= len {
            return None;
        }
        // The first line's end, looked for up to the limit only.
        let limit = at.saturating_add(self.max_line).saturating_add(1).min(len);
        let first_end = match memchr::memchr(b'\n', &data[at..limit]) {
            Some(n) => at + n,
            None if limit == len && len - at <= self.max_line => {
                self.at = len;
                return Some(Piece::Lines(at..len));
            }
            None => return Some(self.overlong(at, limit, &mut scanned)),
        };
        // Probe aligned strides up to the target size; a stride without a newline ends the
        // piece before the line it is in.
        let stride = (self.max_line / 2).max(1);
        let target = at.saturating_add(self.block).min(len);
        let mut probe = (first_end / stride + 1).saturating_mul(stride);
        let mut end = target;
        while probe < target {
            let stride_end = probe.saturating_add(stride).min(len);
            if memchr::memchr(b'\n', &data[probe..stride_end]).is_none() {
                end = probe;
                break;
            }
            probe = stride_end;
        }
        if end == len {
            self.at = len;
            return Some(Piece::Lines(at..len));
        }
        // The last newline before `end` (the first line's, at least).
        let end = end.max(first_end + 1);
        let last = first_end + memchr::memrchr(b'\n', &data[first_end..end]).unwrap_or(0);
        self.at = last + 1;
        Some(Piece::Lines(at..self.at))
    }

    /// An over-long line starting at `at`, known to have no newline before `from`: finds its
    /// end window by window, handing each window back as it is done.
    fn overlong(
        &mut self,
        at: usize,
        from: usize,
        scanned: &mut impl FnMut(Range<usize>),
    ) -> Piece {
        let data = self.data;
        let len = data.len();
        scanned(at..from);
        let mut from = from;
        loop {
            if from >= len {
                self.at = len;
                return Piece::Overlong {
                    range: at..len,
                    newline: false,
                };
            }
            let end = from.saturating_add(OVERLONG_SCAN).min(len);
            if let Some(n) = memchr::memchr(b'\n', &data[from..end]) {
                scanned(from..from + n);
                self.at = from + n + 1;
                return Piece::Overlong {
                    range: at..from + n,
                    newline: true,
                };
            }
            scanned(from..end);
            from = end;
        }
    }
}

/// The first offset `>= at` that starts a line (0, or just after a LF).
#[inline]
pub fn line_start_at_or_after(data: &[u8], at: usize) -> Option<usize> {
    if at == 0 {
        return Some(0);
    }
    if at > data.len() {
        return None;
    }
    if data[at - 1] == b'\n' {
        return Some(at);
    }
    memchr::memchr(b'\n', &data[at..]).map(|n| at + n + 1)
}

/// Counts the LFs in `bytes` (the number of complete lines).
#[inline]
pub fn count_newlines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(data: &[u8]) -> Vec<(u64, u64, Vec<u8>)> {
        Lines::new(data)
            .map(|l| (l.number, l.offset, l.bytes.to_vec()))
            .collect()
    }

    #[test]
    fn crlf_blank_and_final_line() {
        let got = collect(b"a\r\n \t\r\n\nb");
        assert_eq!(
            got,
            vec![
                (1, 0, b"a".to_vec()),
                (2, 3, b" \t".to_vec()),
                (3, 7, vec![]),
                (4, 8, b"b".to_vec())
            ]
        );
        assert!(
            Line {
                bytes: b" \t\r",
                number: 1,
                offset: 0
            }
            .is_blank()
        );
    }

    #[test]
    fn bom_only_at_start() {
        let got = collect(b"\xEF\xBB\xBFa\n\xEF\xBB\xBFb\n");
        assert_eq!(got[0].2, b"a".to_vec());
        assert_eq!(got[1].2, b"\xEF\xBB\xBFb".to_vec());
    }

    #[test]
    fn empty_input_has_no_lines() {
        assert!(collect(b"").is_empty());
        assert_eq!(collect(b"\n").len(), 1);
    }

    fn pieces(data: &[u8], block: usize, max: usize) -> Vec<Piece> {
        let mut p = Pieces::new(data, block, max);
        let mut out = Vec::new();
        let mut scanned = 0;
        while let Some(piece) = p.next_piece(|r| scanned += r.len()) {
            out.push(piece);
        }
        assert!(scanned <= data.len());
        out
    }

    #[test]
    fn pieces_end_at_lines_and_isolate_overlong_lines() {
        use Piece::*;
        assert_eq!(
            pieces(b"ab\ncd\nef", 4, 100),
            vec![Lines(0..3), Lines(3..6), Lines(6..8)]
        );
        assert_eq!(
            pieces(b"abcdefgh\nx\n", 4, 100),
            vec![Lines(0..9), Lines(9..11)]
        );
        assert_eq!(
            pieces(b"abcdefgh\nx\n", 4, 8),
            vec![Lines(0..9), Lines(9..11)]
        );
        assert_eq!(
            pieces(b"abcdefghi\nx\n", 4, 8),
            vec![
                Overlong {
                    range: 0..9,
                    newline: true
                },
                Lines(10..12)
            ]
        );
        // A block longer than the limit: a line filling it is already over-long.
        assert_eq!(
            pieces(b"abcdefghijklmnop\nx\n", 8, 4),
            vec![
                Overlong {
                    range: 0..16,
                    newline: true
                },
                Lines(17..19)
            ]
        );
        assert_eq!(pieces(b"abcdefgh", 4, 8), vec![Lines(0..8)]);
        assert_eq!(
            pieces(b"abcdefghi", 4, 8),
            vec![Overlong {
                range: 0..9,
                newline: false
            }]
        );
        assert_eq!(pieces(b"", 4, 8), vec![]);
        // Every piece is covered once, in order, whatever the sizes.
        let data = b"a\nbbbbbbbbbbbbbbbbbbbbbbbb\n\ncc\nddddddddddddd";
        for block in 1..40 {
            for max in 1..30 {
                let mut next = 0;
                for p in pieces(data, block, max) {
                    match p {
                        Lines(r) => {
                            assert_eq!(r.start, next);
                            for line in data[r.clone()].split(|&b| b == b'\n') {
                                assert!(line.len() <= 2 * max + 1, "block {block} max {max}");
                            }
                            next = r.end;
                        }
                        Overlong { range, newline } => {
                            assert_eq!(range.start, next);
                            assert!(range.len() > max);
                            next = range.end + usize::from(newline);
                        }
                    }
                }
                assert_eq!(next, data.len(), "block {block} max {max}");
            }
        }
    }

    #[test]
    fn pieces_of_random_inputs() {
        // xorshift: lines of random lengths, some far over the limit.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..300 {
            let mut data = Vec::new();
            for _ in 0..next() % 30 {
                let n = if next() % 4 == 0 {
                    next() % 300
                } else {
                    next() % 20
                };
                data.extend(std::iter::repeat_n(b'a', n as usize));
                data.push(b'\n');
            }
            if next() % 2 == 0 {
                data.extend(std::iter::repeat_n(b'z', (next() % 100) as usize));
            }
            let (block, max) = (1 + (next() % 200) as usize, 1 + (next() % 60) as usize);
            let mut at = 0;
            for p in pieces(&data, block, max) {
                match p {
                    Piece::Lines(r) => {
                        assert_eq!(r.start, at);
                        assert!(r.end == data.len() || data[r.end - 1] == b'\n');
                        for line in data[r.clone()].split(|&b| b == b'\n') {
                            assert!(line.len() <= 2 * max + 1);
                        }
                        at = r.end;
                    }
                    Piece::Overlong { range, newline } => {
                        assert_eq!(range.start, at);
                        assert!(range.len() > max);
                        assert!(!data[range.clone()].contains(&b'\n'));
                        assert_eq!(newline, range.end < data.len());
                        at = range.end + usize::from(newline);
                    }
                }
            }
            assert_eq!(at, data.len());
        }
    }

    #[test]
    fn chunks_cover_everything_once() {
        let data = b"aaaa\nbb\ncccccccc\nd\n";
        for target in 1..25 {
            let ranges = chunks(data, target);
            let mut joined = Vec::new();
            for r in &ranges {
                assert!(r.start == 0 || data[r.start - 1] == b'\n');
                joined.extend_from_slice(&data[r.clone()]);
            }
            assert_eq!(joined, data.to_vec(), "target {target}");
        }
    }
}
