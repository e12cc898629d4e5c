//! `Edm.DateTimeOffset`: an instant with the UTC offset it was written in.
//!
//! The accepted form is `YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)`: upper-case `T` and `Z`, a
//! real date (leap years and month lengths checked) and time (hours 00–23, minutes and seconds
//! 00–59, so no leap second and no `24:00:00`), an offset of hours 00–23 and minutes 00–59
//! (`-00:00` is accepted as UTC), and a fraction of one or more digits of which those past the
//! ninth are dropped. The date reported by [`DateTimeOffset::utc_date`] is taken in UTC.
//!
//! ```
//! use callq::datetime::{Date, DateTimeOffset};
//!
//! let t = DateTimeOffset::parse("2020-02-25T23:30:00-02:00").unwrap();
//! assert_eq!(t.utc_date(), Date { year: 2020, month: 2, day: 26 });
//! assert_eq!(t.offset_minutes(), -120);
//! assert_eq!(t.to_string(), "2020-02-25T23:30:00-02:00");
//!
//! let graph = DateTimeOffset::parse("2020-02-25T18:52:21.2169889Z").unwrap();
//! assert_eq!(graph.unix_seconds(), 1_582_656_741);
//! assert_eq!(graph.subsec_nanos(), 216_988_900);
//! ```

use std::fmt;

use crate::duration::Duration;

/// An instant (seconds and nanoseconds since the Unix epoch, in UTC) and the UTC offset of
/// the text it was parsed from.
///
/// Equality compares the instant and the offset: the same instant written with two offsets
/// gives two unequal values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DateTimeOffset {
    secs: i64,
    nanos: u32,
    offset_minutes: i16,
}

/// A proleptic Gregorian calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// The year (astronomical numbering: the year before 1 is 0, then -1).
    pub year: i32,
    /// The month, 1 to 12.
    pub month: u8,
    /// The day of the month, from 1.
    pub day: u8,
}

/// Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
const fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // [0, 399]
    let mp = (month as i64 + 9) % 12; // March is 0
    let doy = (153 * mp + 2) / 5 + day as i64 - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
const fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
}

const fn is_leap(year: u32) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

const fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Two ASCII digits at `s[at..at + 2]`, or the offset of the first non-digit.
#[inline(always)]
fn two_digits(s: &[u8], at: usize) -> Result<u32, usize> {
    let hi = s.get(at).map_or(10, |b| b.wrapping_sub(b'0'));
    if hi > 9 {
        return Err(at);
    }
    let lo = s.get(at + 1).map_or(10, |b| b.wrapping_sub(b'0'));
    if lo > 9 {
        return Err(at + 1);
    }
    Ok(u32::from(hi) * 10 + u32::from(lo))
}

impl DateTimeOffset {
    /// Parses `YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)` (see the
    /// [module documentation](self)).
    ///
    /// ```
    /// use callq::datetime::{DateTimeErrorKind, DateTimeOffset};
    ///
    /// let t = DateTimeOffset::parse("2000-02-29T00:00:00+14:00").unwrap();
    /// assert_eq!(t.offset_minutes(), 14 * 60);
    /// let err = DateTimeOffset::parse("1900-02-29T00:00:00Z").unwrap_err();
    /// assert_eq!(err.kind(), &DateTimeErrorKind::InvalidDate);
    /// ```
    pub fn parse(s: &str) -> Result<Self, DateTimeError> {
        Self::parse_bytes(s.as_bytes())
    }

    /// Parses from raw bytes; the same as [`DateTimeOffset::parse`].
    pub fn parse_bytes(s: &[u8]) -> Result<Self, DateTimeError> {
        use DateTimeErrorKind as K;
        let fail = |kind, at| Err(DateTimeError { kind, at });
        let syntax = |at| DateTimeError {
            kind: K::Syntax,
            at,
        };
        let expect = |at: usize, want: u8| {
            if s.get(at) == Some(&want) {
                Ok(())
            } else {
                Err(syntax(at))
            }
        };
        let year = two_digits(s, 0).map_err(syntax)? * 100 + two_digits(s, 2).map_err(syntax)?;
        expect(4, b'-')?;
        let month = two_digits(s, 5).map_err(syntax)?;
        expect(7, b'-')?;
        let day = two_digits(s, 8).map_err(syntax)?;
        expect(10, b'T')?;
        let hour = two_digits(s, 11).map_err(syntax)?;
        expect(13, b':')?;
        let minute = two_digits(s, 14).map_err(syntax)?;
        expect(16, b':')?;
        let second = two_digits(s, 17).map_err(syntax)?;
        if !(1..=12).contains(&month) {
            return fail(K::InvalidDate, 5);
        }
        if day == 0 || day > days_in_month(year, month) {
            return fail(K::InvalidDate, 8);
        }
        if hour > 23 {
            return fail(K::InvalidTime, 11);
        }
        if minute > 59 {
            return fail(K::InvalidTime, 14);
        }
        if second > 59 {
            return fail(K::InvalidTime, 17);
        }
        let mut i = 19;
        let mut nanos: u32 = 0;
        if s.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while let Some(&b) = s.get(i) {
                let d = b.wrapping_sub(b'0');
                if d > 9 {
                    break;
                }
                if i - start < 9 {
                    nanos = nanos * 10 + u32::from(d);
                }
                i += 1;
            }
            let digits = i - start;
            if digits == 0 {
                return fail(K::Syntax, i);
            }
            for _ in digits..9 {
                nanos *= 10;
            }
        }
        let offset_minutes: i32 = match s.get(i) {
            None => return fail(K::MissingOffset, i),
            Some(b'Z') => {
                i += 1;
                0
            }
            Some(&sign @ (b'+' | b'-')) => {
                let hours = two_digits(s, i + 1).map_err(syntax)?;
                expect(i + 3, b':')?;
                let minutes = two_digits(s, i + 4).map_err(syntax)?;
                if hours > 23 {
                    return fail(K::InvalidOffset, i + 1);
                }
                if minutes > 59 {
                    return fail(K::InvalidOffset, i + 4);
                }
                let m = (hours * 60 + minutes) as i32;
                i += 6;
                if sign == b'-' { -m } else { m }
            }
            Some(_) => return fail(K::Syntax, i),
        };
        if i != s.len() {
            return fail(K::Syntax, i);
        }
        let local = days_from_civil(i64::from(year), month, day) * 86_400
            + i64::from(hour * 3_600 + minute * 60 + second);
        Ok(DateTimeOffset {
            secs: local - i64::from(offset_minutes) * 60,
            nanos,
            offset_minutes: offset_minutes as i16,
        })
    }

    /// Whole seconds since 1970-01-01T00:00:00Z (negative before it).
    pub fn unix_seconds(&self) -> i64 {
        self.secs
    }

    /// Nanoseconds past [`unix_seconds`](Self::unix_seconds), below 10^9.
    pub fn subsec_nanos(&self) -> u32 {
        self.nanos
    }

    /// The UTC offset of the parsed text in minutes (east positive; `Z` and `-00:00` are 0).
    pub fn offset_minutes(&self) -> i16 {
        self.offset_minutes
    }

    /// The calendar date of this instant in UTC.
    pub fn utc_date(&self) -> Date {
        let (year, month, day) = civil_from_days(self.secs.div_euclid(86_400));
        Date {
            year: year as i32,
            month,
            day,
        }
    }

    /// The hour of this instant in UTC, 0 to 23.
    pub fn utc_hour(&self) -> u8 {
        (self.secs.rem_euclid(86_400) / 3_600) as u8
    }

    /// The ISO 8601 week of this instant in UTC: (week-based year, week 1 to 53). Weeks start
    /// on Monday; week 1 is the one holding the year's first Thursday.
    ///
    /// ```
    /// use callq::datetime::DateTimeOffset;
    /// let t = |s: &str| DateTimeOffset::parse(s).unwrap().utc_iso_week();
    /// assert_eq!(t("2026-11-02T14:00:00Z"), (2026, 45));
    /// assert_eq!(t("2021-01-03T23:59:59Z"), (2020, 53)); // a Sunday
    /// assert_eq!(t("2024-12-30T00:00:00Z"), (2025, 1)); // a Monday
    /// ```
    pub fn utc_iso_week(&self) -> (i32, u8) {
        let days = self.secs.div_euclid(86_400);
        // 1970-01-01 was a Thursday: Monday is 0.
        let weekday = (days + 3).rem_euclid(7);
        let thursday = days - weekday + 3;
        let (year, _, _) = civil_from_days(thursday);
        let jan1 = days_from_civil(year, 1, 1);
        (year as i32, ((thursday - jan1) / 7 + 1) as u8)
    }

    /// A date `YYYY-MM-DD` as midnight UTC.
    ///
    /// ```
    /// use callq::datetime::DateTimeOffset;
    /// let d = DateTimeOffset::parse_date("2026-11-01").unwrap();
    /// assert_eq!(d, DateTimeOffset::parse("2026-11-01T00:00:00Z").unwrap());
    /// assert!(DateTimeOffset::parse_date("2026-02-30").is_err());
    /// ```
    pub fn parse_date(s: &str) -> Result<Self, DateTimeError> {
        if s.len() != 10 {
            return Err(DateTimeError {
                kind: DateTimeErrorKind::Syntax,
                at: s.len().min(10),
            });
        }
        Self::parse(&format!("{s}T00:00:00Z"))
    }

    /// Nanoseconds between two instants (other - self), saturating.
    pub fn duration_until(&self, later: &DateTimeOffset) -> Duration {
        let nanos = i128::from(later.secs - self.secs) * 1_000_000_000 + i128::from(later.nanos)
            - i128::from(self.nanos);
        Duration::from_nanos(nanos.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
    }
}

impl std::str::FromStr for DateTimeOffset {
    type Err = DateTimeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DateTimeOffset::parse(s)
    }
}

/// Appends `n` (below 100) as two digits.
fn push2(out: &mut String, n: u8) {
    out.push(char::from(b'0' + n / 10));
    out.push(char::from(b'0' + n % 10));
}

impl Date {
    /// Appends the day as `2020-02-25` (years outside 0–9999 get more digits or a `-`).
    pub fn write_day(&self, out: &mut String) {
        self.write_month(out);
        out.push('-');
        push2(out, self.day);
    }

    /// Appends the month as `2020-02`.
    pub fn write_month(&self, out: &mut String) {
        if (0..10_000).contains(&self.year) {
            let y = self.year as u16;
            push2(out, (y / 100) as u8);
            push2(out, (y % 100) as u8);
        } else {
            use fmt::Write;
            let sign = if self.year < 0 { "-" } else { "" };
            let _ = write!(out, "{sign}{:04}", self.year.unsigned_abs());
        }
        out.push('-');
        push2(out, self.month);
    }
}

impl fmt::Display for Date {
    /// `2020-02-25`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::with_capacity(10);
        self.write_day(&mut s);
        f.write_str(&s)
    }
}

impl fmt::Display for DateTimeOffset {
    /// RFC 3339 in the original offset: `2020-02-25T18:52:21.2169889Z`,
    /// `2020-02-25T23:30:00-02:00`; the fraction without trailing zeros (none when zero) and
    /// `Z` for a zero offset. Parsing the output gives back an equal value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let local = self.secs + i64::from(self.offset_minutes) * 60;
        let (year, month, day) = civil_from_days(local.div_euclid(86_400));
        let tod = local.rem_euclid(86_400);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            tod / 3_600,
            tod / 60 % 60,
            tod % 60
        )?;
        if self.nanos > 0 {
            let mut frac = self.nanos;
            let mut width = 9;
            while frac.is_multiple_of(10) {
                frac /= 10;
                width -= 1;
            }
            write!(f, ".{frac:0width$}")?;
        }
        match self.offset_minutes {
            0 => f.write_str("Z"),
            m => {
                let sign = if m < 0 { '-' } else { '+' };
                let m = m.unsigned_abs();
                write!(f, "{sign}{:02}:{:02}", m / 60, m % 60)
            }
        }
    }
}

/// Why a string is not an `Edm.DateTimeOffset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DateTimeErrorKind {
    /// Not of the form `YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)`: a wrong or missing byte,
    /// lower-case `t` or `z`, an empty fraction, or anything after the offset.
    Syntax,
    /// No `Z` or `±hh:mm` after the time.
    MissingOffset,
    /// A month outside 01–12 or a day that month does not have.
    InvalidDate,
    /// Hours outside 00–23, or minutes or seconds outside 00–59.
    InvalidTime,
    /// Offset hours outside 00–23 or minutes outside 00–59.
    InvalidOffset,
}

/// An invalid `Edm.DateTimeOffset`: what went wrong and the byte offset in the input where.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DateTimeError {
    kind: DateTimeErrorKind,
    at: usize,
}

impl DateTimeError {
    /// What went wrong.
    pub fn kind(&self) -> &DateTimeErrorKind {
        &self.kind
    }

    /// The byte index in the input where it went wrong (the input's length when it ended
    /// too early; the first byte of the field for an out-of-range field).
    pub fn offset(&self) -> usize {
        self.at
    }
}

impl fmt::Display for DateTimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.kind {
            DateTimeErrorKind::Syntax => {
                "expected a date-time of the form YYYY-MM-DDThh:mm:ss[.fraction](Z|+hh:mm|-hh:mm)"
            }
            DateTimeErrorKind::MissingOffset => "a date-time needs a UTC offset (Z or +hh:mm)",
            DateTimeErrorKind::InvalidDate => "not a real calendar date",
            DateTimeErrorKind::InvalidTime => {
                "time out of range (hours 00-23, minutes and seconds 00-59)"
            }
            DateTimeErrorKind::InvalidOffset => {
                "utc offset out of range (hours 00-23, minutes 00-59)"
            }
        })
    }
}

impl std::error::Error for DateTimeError {}
