//! `Edm.Duration`: ISO-8601 durations as .NET's `XmlConvert` writes them.
//!
//! The grammar accepted is `[+|-] P [nW] [nD] [T [nH] [nM] [nS]]`, upper case only, with at
//! least one component and at least one component after a `T`. A fraction (`.` then digits;
//! `1.` and `.5` are both accepted) is allowed on the last component present only, and digits
//! beyond the ninth of a fraction are dropped. Years and months are rejected because their
//! length depends on the calendar. A week is 7 days and a day is 86 400 seconds.
//!
//! The value is a signed count of nanoseconds in an `i64`; anything beyond is an error.
//!
//! ```
//! use callq::duration::{Duration, DurationErrorKind};
//!
//! let d: Duration = "PT0.016S".parse().unwrap();
//! assert_eq!(d.as_nanos(), 16_000_000);
//! assert_eq!(d.as_millis_f64(), 16.0);
//! assert_eq!(d.to_string(), "PT0.016S");
//!
//! assert_eq!(Duration::parse("P1DT2H").unwrap().to_string(), "P1DT2H");
//! assert_eq!(Duration::parse("-PT0.5S").unwrap().as_nanos(), -500_000_000);
//!
//! let err = Duration::parse("P1Y").unwrap_err();
//! assert_eq!(err.kind(), &DurationErrorKind::YearsOrMonths);
//! assert_eq!(err.offset(), 2);
//! ```

use std::fmt;
use std::str::FromStr;

/// Nanoseconds in one second.
const NANOS_PER_SEC: u64 = 1_000_000_000;

/// `10^(9 - n)` for `n` fraction digits (`n` in `0..=9`): scales a truncated fraction to
/// nanoseconds.
const FRACTION_SCALE: [u64; 10] = [
    1_000_000_000,
    100_000_000,
    10_000_000,
    1_000_000,
    100_000,
    10_000,
    1_000,
    100,
    10,
    1,
];

/// A signed span of time with nanosecond resolution, parsed from an `Edm.Duration`.
///
/// Ordering and equality are those of the nanosecond count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration {
    nanos: i64,
}

impl Duration {
    /// The zero-length duration (`PT0S`).
    pub const ZERO: Duration = Duration { nanos: 0 };

    /// A duration of `nanos` nanoseconds (negative for a negative duration).
    pub const fn from_nanos(nanos: i64) -> Self {
        Duration { nanos }
    }

    /// The signed number of nanoseconds.
    pub const fn as_nanos(self) -> i64 {
        self.nanos
    }

    /// The double nearest to nanos / 10^6 (exact division of an exactly representable value).
    ///
    /// For |nanos| ≤ 2^53 the nanosecond count converts to `f64` exactly and one IEEE
    /// division by the exact `1e6` rounds correctly. Beyond that (durations longer than about
    /// 104 days) the exact decimal is formed and parsed, which also rounds correctly.
    ///
    /// ```
    /// use callq::duration::Duration;
    /// assert_eq!(Duration::parse("PT0.0000001S").unwrap().as_millis_f64(), 0.0001);
    /// ```
    pub fn as_millis_f64(self) -> f64 {
        const EXACT: u64 = 1 << 53;
        let n = self.nanos;
        if n.unsigned_abs() <= EXACT {
            return n as f64 / 1e6;
        }
        let abs = n.unsigned_abs();
        let mut buf = [0u8; 32];
        let mut w = Cursor {
            buf: &mut buf,
            len: 0,
        };
        // Writing to a fixed buffer that is large enough cannot fail.
        let _ = fmt::write(
            &mut w,
            format_args!(
                "{}{}.{:06}",
                if n < 0 { "-" } else { "" },
                abs / 1_000_000,
                abs % 1_000_000
            ),
        );
        let len = w.len;
        std::str::from_utf8(&buf[..len])
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(n as f64 / 1e6)
    }

    /// Parses an `Edm.Duration` string (see the [module documentation](self) for the grammar).
    ///
    /// ```
    /// use callq::duration::{Duration, DurationErrorKind};
    ///
    /// assert_eq!(Duration::parse("PT1M0.5S").unwrap().as_nanos(), 60_500_000_000);
    /// assert_eq!(Duration::parse("PT1.1234567891S").unwrap().as_nanos(), 1_123_456_789);
    /// assert_eq!(Duration::parse("P1W").unwrap().as_nanos(), 7 * 86_400 * 1_000_000_000);
    /// assert_eq!(
    ///     Duration::parse("PT1,5S").unwrap_err().kind(),
    ///     &DurationErrorKind::UnexpectedByte
    /// );
    /// ```
    #[inline]
    pub fn parse(s: &str) -> Result<Duration, DurationError> {
        Self::parse_bytes(s.as_bytes())
    }

    /// Parses an `Edm.Duration` from raw bytes; the same as [`Duration::parse`].
    #[inline]
    pub fn parse_bytes(s: &[u8]) -> Result<Duration, DurationError> {
        match parse_fast(s) {
            Some(nanos) => Ok(Duration { nanos }),
            None => parse_slow(s).map(|nanos| Duration { nanos }),
        }
    }
}

/// A small `fmt::Write` over a stack buffer.
struct Cursor<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl fmt::Write for Cursor<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        let dst = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// The fast path: `[-]PT[<minutes>M]<digits>[.<digits>]S` with at most 9 digits on either
/// side of the point and at most 7 of minutes. Returns `None` for anything else (including
/// every error), which the slow path then parses from the start. A fraction of 1 to 7
/// digits (all that .NET writes) is read with one 8-byte load and SWAR arithmetic.
#[inline(always)]
fn parse_fast(s: &[u8]) -> Option<i64> {
    let (neg, rest) = match s {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, s),
    };
    let [b'P', b'T', body @ .., b'S'] = rest else {
        return None;
    };
    let mut i = 0;
    let mut secs = read_digits(body, &mut i);
    let mut int_digits = i;
    let mut minutes: u64 = 0;
    if i < body.len() && body[i] == b'M' {
        // `PT<m>M<s>[.<f>]S`: at most 7 digits of minutes keeps the total below 2^63 ns.
        if int_digits == 0 || int_digits > 7 {
            return None;
        }
        minutes = secs;
        i += 1;
        let start = i;
        secs = read_digits(body, &mut i);
        int_digits = i - start;
    }
    if int_digits > 9 {
        return None;
    }
    let mut frac: u64 = 0;
    if i < body.len() {
        if body[i] != b'.' {
            return None;
        }
        let frac_digits = body.len() - i - 1;
        if frac_digits > 9 || (frac_digits == 0 && int_digits == 0) {
            return None;
        }
        if frac_digits <= 7 && s.len() >= 8 {
            // The last 8 bytes of the input end with the fraction and the `S`.
            let tail = u64::from_le_bytes(s[s.len() - 8..].try_into().ok()?);
            frac = u64::from(parse_8_digits(tail, frac_digits)?) * 10;
        } else {
            i += 1;
            while i < body.len() {
                let d = body[i].wrapping_sub(b'0');
                if d > 9 {
                    return None;
                }
                frac = frac * 10 + d as u64;
                i += 1;
            }
            frac *= FRACTION_SCALE[frac_digits];
        }
    } else if int_digits == 0 {
        return None;
    }
    // minutes < 10^7 and secs < 10^9: the total is below 1.7 * 10^18 < i64::MAX.
    let nanos = ((minutes * 60 + secs) * NANOS_PER_SEC + frac) as i64;
    Some(if neg { -nanos } else { nanos })
}

/// Reads the `n` (1 to 7) digits that precede the last byte of the little-endian word `tail`
/// as the leading digits of an 8-digit number (so `"016S"` with `n = 3` gives 01_600_000).
/// `None` if any of them is not a digit.
#[inline(always)]
fn parse_8_digits(tail: u64, n: usize) -> Option<u32> {
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    // Move the digits to the lowest n bytes and fill the rest with '0'.
    let keep = (1u64 << (8 * n)) - 1;
    let word = ((tail >> (8 * (7 - n))) & keep) | (ZEROS & !keep);
    // Every byte must be in 0x30..=0x39.
    let high_ok = word & 0xF0F0_F0F0_F0F0_F0F0 == ZEROS;
    let low_ok = (word.wrapping_add(0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) == ZEROS;
    if !(high_ok && low_ok) {
        return None;
    }
    // Combine pairs, quads, then the two halves (byte 0 is the most significant digit).
    let mut v = word - ZEROS;
    v = v.wrapping_mul(10).wrapping_add(v >> 8);
    v = ((v & 0x0000_00FF_0000_00FF).wrapping_mul(0x000F_4240_0000_0064))
        .wrapping_add(((v >> 16) & 0x0000_00FF_0000_00FF).wrapping_mul(0x0000_2710_0000_0001))
        >> 32;
    Some(v as u32)
}

/// The general parser: every accepted form, and every error with its kind and offset.
#[cold]
#[inline(never)]
fn parse_slow(s: &[u8]) -> Result<i64, DurationError> {
    use DurationErrorKind as K;
    let fail = |kind, at| Err(DurationError { kind, at });
    if s.is_empty() {
        return fail(K::Empty, 0);
    }
    let mut i = 0;
    let neg = match s[0] {
        b'-' => {
            i = 1;
            true
        }
        b'+' => {
            i = 1;
            false
        }
        _ => false,
    };
    if s.get(i) != Some(&b'P') {
        return fail(K::MissingP, i);
    }
    i += 1;
    // The largest magnitude allowed: |i64::MIN| for a negative duration, else i64::MAX.
    let limit: u128 = if neg { 1u128 << 63 } else { i64::MAX as u128 };
    let mut in_time = false;
    let mut components = 0u32;
    let mut time_components = 0u32;
    // Rank of the last designator: W 0, D 1, H 2, M 3, S 4.
    let mut last_rank: i32 = -1;
    // Offset of the `.` of the last component, when it had a fraction.
    let mut fraction_at: Option<usize> = None;
    let mut total: u128 = 0;
    let mut overflow_at: Option<usize> = None;
    while i < s.len() {
        if s[i] == b'T' {
            if in_time {
                return fail(K::OutOfOrder, i);
            }
            in_time = true;
            i += 1;
            continue;
        }
        let start = i;
        let mut int: u64 = 0;
        let mut int_overflow = false;
        while i < s.len() && s[i].is_ascii_digit() {
            match int
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(s[i] - b'0')))
            {
                Some(v) => int = v,
                None => int_overflow = true,
            }
            i += 1;
        }
        let int_digits = i - start;
        let mut frac: u64 = 0;
        let mut frac_digits = 0;
        let mut dot = None;
        if i < s.len() && s[i] == b'.' {
            dot = Some(i);
            i += 1;
            let frac_start = i;
            while i < s.len() && s[i].is_ascii_digit() {
                if i - frac_start < 9 {
                    frac = frac * 10 + u64::from(s[i] - b'0');
                }
                i += 1;
            }
            frac_digits = i - frac_start;
            frac *= FRACTION_SCALE[frac_digits.min(9)];
        }
        let has_number = int_digits + frac_digits > 0;
        let Some(&designator) = s.get(i) else {
            return if has_number {
                fail(K::MissingDesignator, i)
            } else {
                fail(K::MissingNumber, start)
            };
        };
        let (rank, unit_secs): (i32, u64) = match (designator, in_time) {
            (b'Y', _) | (b'M', false) => return fail(K::YearsOrMonths, i),
            (b'W', false) => (0, 7 * 86_400),
            (b'D', false) => (1, 86_400),
            (b'H', true) => (2, 3_600),
            (b'M', true) => (3, 60),
            (b'S', true) => (4, 1),
            (b'W' | b'D', true) | (b'H' | b'S', false) => return fail(K::Misplaced, i),
            _ => return fail(K::UnexpectedByte, i),
        };
        if !has_number {
            return fail(K::MissingNumber, start);
        }
        if rank <= last_rank {
            return fail(K::OutOfOrder, i);
        }
        if let Some(at) = fraction_at {
            return fail(K::FractionNotLast, at);
        }
        last_rank = rank;
        fraction_at = dot;
        components += 1;
        if in_time {
            time_components += 1;
        }
        // int < 2^64 and unit < 2^20 s < 2^50 ns: each term stays far below 2^128.
        let unit = u128::from(unit_secs);
        total += u128::from(int) * unit * u128::from(NANOS_PER_SEC) + u128::from(frac) * unit;
        if (int_overflow || total > limit) && overflow_at.is_none() {
            overflow_at = Some(start);
        }
        i += 1;
    }
    if components == 0 && !in_time {
        return fail(K::NoComponents, i);
    }
    if in_time && time_components == 0 {
        return fail(K::EmptyTime, i);
    }
    if let Some(at) = overflow_at {
        return fail(K::Overflow, at);
    }
    let magnitude = total as i128;
    Ok((if neg { -magnitude } else { magnitude }) as i64)
}

impl FromStr for Duration {
    type Err = DurationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Duration::parse(s)
    }
}

impl fmt::Display for Duration {
    /// Writes the canonical `XmlConvert` form: `PT0S`, `PT0.016S`, `-PT0.5S`, `P1DT2H`,
    /// `PT1M0.5S`; days as `P{d}D` (never weeks), fraction without trailing zeros.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let abs = self.nanos.unsigned_abs();
        if abs == 0 {
            return f.write_str("PT0S");
        }
        let secs_total = abs / NANOS_PER_SEC;
        let mut frac = abs % NANOS_PER_SEC;
        let days = secs_total / 86_400;
        let hours = secs_total / 3_600 % 24;
        let minutes = secs_total / 60 % 60;
        let secs = secs_total % 60;
        if self.nanos < 0 {
            f.write_str("-")?;
        }
        f.write_str("P")?;
        if days > 0 {
            write!(f, "{days}D")?;
        }
        if hours == 0 && minutes == 0 && secs == 0 && frac == 0 {
            return Ok(());
        }
        f.write_str("T")?;
        if hours > 0 {
            write!(f, "{hours}H")?;
        }
        if minutes > 0 {
            write!(f, "{minutes}M")?;
        }
        if secs > 0 || frac > 0 {
            write!(f, "{secs}")?;
            if frac > 0 {
                let mut width = 9;
                while frac.is_multiple_of(10) {
                    frac /= 10;
                    width -= 1;
                }
                write!(f, ".{frac:0width$}")?;
            }
            f.write_str("S")?;
        }
        Ok(())
    }
}

/// Why a string is not an `Edm.Duration`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DurationErrorKind {
    /// The input is empty.
    Empty,
    /// The input does not start with `P` (after an optional sign), e.g. lower case `pt1s`.
    MissingP,
    /// A year (`Y`) or month (`M` before `T`) component; their length depends on the calendar.
    YearsOrMonths,
    /// Nothing follows the `P` (`P`, `-P`).
    NoComponents,
    /// A `T` with no component after it (`PT`, `P1DT`).
    EmptyTime,
    /// A designator with no digits before it (`PTS`, `PT.S`).
    MissingNumber,
    /// The input ends after a number, with no designator (`PT1`).
    MissingDesignator,
    /// A designator on the wrong side of the `T`: `W`, `D` after it or `H`, `S` before it.
    Misplaced,
    /// A component out of order or repeated (`PT1S2M`, `PT1S1S`), or a second `T`.
    OutOfOrder,
    /// A fraction on a component that is not the last one (`PT1.5M2S`).
    FractionNotLast,
    /// A byte that cannot appear here: a comma decimal sign, a space, lower case, a sign
    /// inside the duration, anything after the last designator.
    UnexpectedByte,
    /// The value does not fit a signed 64-bit count of nanoseconds.
    Overflow,
}

impl DurationErrorKind {
    /// The stable, lower-case message for this kind.
    fn message(self) -> &'static str {
        match self {
            Self::Empty => "empty duration",
            Self::MissingP => "a duration must start with 'P' (after an optional sign)",
            Self::YearsOrMonths => {
                "years and months are not supported in a duration (their length depends on the calendar)"
            }
            Self::NoComponents => "a duration needs at least one component after 'P'",
            Self::EmptyTime => "a duration needs at least one component after 'T'",
            Self::MissingNumber => "a duration designator must follow a number",
            Self::MissingDesignator => "a number in a duration must end with a designator",
            Self::Misplaced => {
                "in a duration W and D must come before 'T', and H, M and S after it"
            }
            Self::OutOfOrder => "duration components are out of order or repeated",
            Self::FractionNotLast => "only the last component of a duration may have a fraction",
            Self::UnexpectedByte => "unexpected character in a duration",
            Self::Overflow => "duration out of range (beyond 64-bit nanoseconds)",
        }
    }
}

/// An invalid `Edm.Duration`: what went wrong and the byte offset in the input where.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DurationError {
    kind: DurationErrorKind,
    at: usize,
}

impl DurationError {
    /// What went wrong.
    pub fn kind(&self) -> &DurationErrorKind {
        &self.kind
    }

    /// The byte index in the input where it went wrong (the input's length when it ended too
    /// early; for [`DurationErrorKind::Overflow`] the start of the component that overflowed).
    pub fn offset(&self) -> usize {
        self.at
    }
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.message())
    }
}

impl std::error::Error for DurationError {}

/// Reads the ASCII digits at `body[*i..]` into a wrapping `u64`, advancing `i` past them (the
/// callers bound the digit count before trusting the value).
#[inline(always)]
fn read_digits(body: &[u8], i: &mut usize) -> u64 {
    let mut value: u64 = 0;
    while let Some(&b) = body.get(*i) {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        value = value.wrapping_mul(10).wrapping_add(u64::from(d));
        *i += 1;
    }
    value
}
