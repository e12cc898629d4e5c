//! Sizes with units (`200MB`, `4GiB`): [`parse_size`] and its error.

use std::fmt;

/// Parses a size: `"200MB"`, `"4GiB"`, `"1.5GB"`, `"512KiB"`, `"1000"` (bytes).
///
/// Decimal units (`KB`, `MB`, `GB`, `TB`) are powers of 1000, binary ones (`KiB`, `MiB`,
/// `GiB`, `TiB`) powers of 1024; `B` or no unit means bytes. Units are case-insensitive and
/// may follow a space. A fractional number is rounded down to whole bytes.
///
/// ```
/// use callq::generate::{SizeErrorKind, parse_size};
/// assert_eq!(parse_size("1.5GB"), Ok(1_500_000_000));
/// assert_eq!(parse_size("512KiB"), Ok(512 * 1024));
/// let err = parse_size("12 parsecs").unwrap_err();
/// assert_eq!(err.kind(), &SizeErrorKind::UnknownUnit);
/// assert_eq!(
///     err.to_string(),
///     r#"unknown unit "parsecs" in size "12 parsecs": use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB"#
/// );
/// ```
pub fn parse_size(s: &str) -> Result<u64, SizeError> {
    let fail = |kind, part: &str| SizeError {
        kind,
        input: s.to_owned(),
        part: part.to_owned(),
    };
    let t = s.trim();
    if t.is_empty() {
        return Err(fail(SizeErrorKind::Empty, ""));
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = (&t[..split], t[split..].trim_start());
    if num.is_empty() {
        return Err(fail(SizeErrorKind::NoNumber, ""));
    }
    let mult: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" | "k" => 1000,
        "mb" | "m" => 1_000_000,
        "gb" | "g" => 1_000_000_000,
        "tb" | "t" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        _ => return Err(fail(SizeErrorKind::UnknownUnit, unit)),
    };
    let (int, frac) = match num.split_once('.') {
        Some((i, f)) => (i, f),
        None => (num, ""),
    };
    if frac.contains('.') || (int.is_empty() && frac.is_empty()) {
        return Err(fail(SizeErrorKind::MalformedNumber, num));
    }
    let too_big = || fail(SizeErrorKind::TooLarge, "");
    let mut total: u64 = 0;
    if !int.is_empty() {
        let i: u64 = int.parse().map_err(|_| too_big())?;
        total = i.checked_mul(mult).ok_or_else(too_big)?;
    }
    // Fraction: exact rational arithmetic, rounded down.
    let mut num_f: u128 = 0;
    let mut den_f: u128 = 1;
    for c in frac.bytes().take(30) {
        num_f = num_f * 10 + u128::from(c - b'0');
        den_f *= 10;
    }
    let extra = (num_f * u128::from(mult) / den_f) as u64;
    total.checked_add(extra).ok_or_else(too_big)
}

/// Why a string is not a size ([`parse_size`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SizeErrorKind {
    /// The input is empty or only white space.
    Empty,
    /// The input does not start with a digit or `.` (`MB`, `-5MB`).
    NoNumber,
    /// The number has two decimal points, or is a lone `.` (`1.2.3MB`, `.MB`).
    MalformedNumber,
    /// The unit is none of `B`, `KB`, `MB`, `GB`, `TB`, `KiB`, `MiB`, `GiB`, `TiB` (or `K`,
    /// `M`, `G`, `T`), in any case.
    UnknownUnit,
    /// More than 2^64-1 bytes.
    TooLarge,
}

/// An invalid size: what went wrong, and in which input.
///
/// Its `Display` is a stable message that quotes the input (the unit or number at fault too).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SizeError {
    kind: SizeErrorKind,
    /// The whole input, as given.
    input: String,
    /// The unit ([`SizeErrorKind::UnknownUnit`]) or number
    /// ([`SizeErrorKind::MalformedNumber`]) at fault, else empty.
    part: String,
}

impl SizeError {
    /// What went wrong.
    pub fn kind(&self) -> &SizeErrorKind {
        &self.kind
    }

    /// The input, as given (untrimmed).
    pub fn input(&self) -> &str {
        &self.input
    }
}

impl fmt::Display for SizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (s, part) = (&self.input, &self.part);
        match self.kind {
            SizeErrorKind::Empty => {
                f.write_str("empty size: expected a number with an optional unit such as 200MB")
            }
            SizeErrorKind::NoNumber => write!(f, "size {s:?} does not start with a number"),
            SizeErrorKind::MalformedNumber => {
                write!(f, "malformed number {part:?} in size {s:?}")
            }
            SizeErrorKind::UnknownUnit => write!(
                f,
                "unknown unit {part:?} in size {s:?}: use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB"
            ),
            SizeErrorKind::TooLarge => {
                write!(f, "size {s:?} is too large (more than 2^64-1 bytes)")
            }
        }
    }
}

impl std::error::Error for SizeError {}
