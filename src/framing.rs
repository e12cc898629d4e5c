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
        let next_target = (start / self.target + 1).saturating_mul(self.target);
        let end = match line_start_at_or_after(self.data, next_target) {
            Some(s) if s < len => s,
            _ => len,
        };
        self.start = end;
        Some(start..end)
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
