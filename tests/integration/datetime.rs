//! Tests for `callq::datetime`: a table of valid and invalid strings, the UTC date across
//! midnight, a display round trip, and a differential test against `jiff`.

use callq::datetime::{Date, DateTimeErrorKind, DateTimeOffset};
use proptest::prelude::*;

use DateTimeErrorKind as K;

/// Expected unix seconds, nanoseconds and offset minutes, or the error kind.
type Expected = Result<(i64, u32, i16), DateTimeErrorKind>;

/// `(input, expected)`.
const TABLE: &[(&str, Expected)] = &[
    ("1970-01-01T00:00:00Z", Ok((0, 0, 0))),
    (
        "2020-02-25T18:52:21.2169889Z",
        Ok((1_582_656_741, 216_988_900, 0)),
    ),
    ("2020-02-25T18:52:21Z", Ok((1_582_656_741, 0, 0))),
    (
        "2020-02-25T18:52:21.5Z",
        Ok((1_582_656_741, 500_000_000, 0)),
    ),
    (
        "2020-02-25T18:52:21.123456789Z",
        Ok((1_582_656_741, 123_456_789, 0)),
    ),
    (
        "2020-02-25T18:52:21.1234567891Z",
        Ok((1_582_656_741, 123_456_789, 0)),
    ),
    (
        "2020-02-25T18:52:21.99999999999+00:00",
        Ok((1_582_656_741, 999_999_999, 0)),
    ),
    ("2020-02-25T20:52:21+02:00", Ok((1_582_656_741, 0, 120))),
    ("2020-02-25T16:22:21-02:30", Ok((1_582_656_741, 0, -150))),
    ("2020-02-26T08:52:21+14:00", Ok((1_582_656_741, 0, 840))),
    ("2020-02-25T18:52:21-00:00", Ok((1_582_656_741, 0, 0))),
    ("2020-02-25T18:52:21+00:00", Ok((1_582_656_741, 0, 0))),
    (
        "2020-02-25T18:52:21+23:59",
        Ok((1_582_656_741 - 86_340, 0, 1_439)),
    ),
    (
        "2020-02-25T18:52:21-23:59",
        Ok((1_582_656_741 + 86_340, 0, -1_439)),
    ),
    ("2020-02-29T00:00:00Z", Ok((1_582_934_400, 0, 0))),
    ("2000-02-29T00:00:00Z", Ok((951_782_400, 0, 0))),
    ("2024-02-29T12:00:00Z", Ok((1_709_208_000, 0, 0))),
    ("1969-12-31T23:59:59.5Z", Ok((-1, 500_000_000, 0))),
    ("1900-01-01T00:00:00Z", Ok((-2_208_988_800, 0, 0))),
    ("0000-01-01T00:00:00Z", Ok((-62_167_219_200, 0, 0))),
    ("9999-12-31T23:59:59Z", Ok((253_402_300_799, 0, 0))),
    ("2020-12-31T23:59:59Z", Ok((1_609_459_199, 0, 0))),
    ("2021-04-30T00:00:00Z", Ok((1_619_740_800, 0, 0))),
    // Rejected.
    ("", Err(K::Syntax)),
    ("1900-02-29T00:00:00Z", Err(K::InvalidDate)),
    ("2019-02-29T00:00:00Z", Err(K::InvalidDate)),
    ("2100-02-29T00:00:00Z", Err(K::InvalidDate)),
    ("2020-02-30T00:00:00Z", Err(K::InvalidDate)),
    ("2021-04-31T00:00:00Z", Err(K::InvalidDate)),
    ("2020-13-01T00:00:00Z", Err(K::InvalidDate)),
    ("2020-00-01T00:00:00Z", Err(K::InvalidDate)),
    ("2020-01-00T00:00:00Z", Err(K::InvalidDate)),
    ("2020-01-32T00:00:00Z", Err(K::InvalidDate)),
    ("2020-02-25T24:00:00Z", Err(K::InvalidTime)),
    ("2020-02-25T23:60:00Z", Err(K::InvalidTime)),
    ("2020-02-25T23:59:60Z", Err(K::InvalidTime)),
    ("2020-02-25t18:52:21Z", Err(K::Syntax)),
    ("2020-02-25T18:52:21z", Err(K::Syntax)),
    ("2020-02-25 18:52:21Z", Err(K::Syntax)),
    ("2020-02-25T18:52:21", Err(K::MissingOffset)),
    ("2020-02-25T18:52:21.2169889", Err(K::MissingOffset)),
    ("2020-02-25T18:52:21.Z", Err(K::Syntax)),
    ("2020-02-25T18:52Z", Err(K::Syntax)),
    ("2020-02-25T18:52:21+0200", Err(K::Syntax)),
    ("2020-02-25T18:52:21+02", Err(K::Syntax)),
    ("2020-02-25T18:52:21+24:00", Err(K::InvalidOffset)),
    ("2020-02-25T18:52:21+02:60", Err(K::InvalidOffset)),
    ("2020-02-25T18:52:21Z ", Err(K::Syntax)),
    (" 2020-02-25T18:52:21Z", Err(K::Syntax)),
    ("2020-2-25T18:52:21Z", Err(K::Syntax)),
    ("20200225T185221Z", Err(K::Syntax)),
    ("+2020-02-25T18:52:21Z", Err(K::Syntax)),
    ("2020-02-25", Err(K::Syntax)),
    ("2020-02-25T18:52:21ZZ", Err(K::Syntax)),
];

#[test]
fn table() {
    assert!(TABLE.len() >= 30);
    for &(input, expected) in TABLE {
        let got = DateTimeOffset::parse(input)
            .map(|t| (t.unix_seconds(), t.subsec_nanos(), t.offset_minutes()))
            .map_err(|e| *e.kind());
        assert_eq!(got, expected, "input {input:?}");
        if let Ok(t) = DateTimeOffset::parse(input) {
            assert_eq!(input.parse::<DateTimeOffset>(), Ok(t));
            assert_eq!(DateTimeOffset::parse(&t.to_string()), Ok(t), "{input}");
        }
    }
}

#[test]
fn errors() {
    let err = DateTimeOffset::parse("2020-02-25T18:52:21").unwrap_err();
    assert_eq!(err.offset(), 19);
    assert_eq!(
        err.to_string(),
        "a date-time needs a UTC offset (Z or +hh:mm)"
    );
    assert_eq!(
        DateTimeOffset::parse("2020-02-25t18:52:21Z")
            .unwrap_err()
            .offset(),
        10
    );
    assert_eq!(
        DateTimeOffset::parse("2020-02-30T00:00:00Z")
            .unwrap_err()
            .offset(),
        8
    );
    let _: &dyn std::error::Error = &err;
}

#[test]
fn utc_date_shifts_across_midnight() {
    let date = |s: &str| DateTimeOffset::parse(s).unwrap().utc_date();
    let d = |year, month, day| Date { year, month, day };
    assert_eq!(date("2020-02-25T23:30:00-02:00"), d(2020, 2, 26));
    assert_eq!(date("2020-02-25T21:59:59-02:00"), d(2020, 2, 25));
    assert_eq!(date("2020-02-25T22:00:00-02:00"), d(2020, 2, 26));
    assert_eq!(date("2020-02-26T01:00:00+02:00"), d(2020, 2, 25));
    assert_eq!(date("2020-03-01T00:30:00+01:00"), d(2020, 2, 29));
    assert_eq!(date("2019-03-01T00:30:00+01:00"), d(2019, 2, 28));
    assert_eq!(date("2020-12-31T23:00:00-05:00"), d(2021, 1, 1));
    assert_eq!(date("2021-01-01T00:59:59.999+01:00"), d(2020, 12, 31));
    assert_eq!(date("1970-01-01T00:00:00+00:01"), d(1969, 12, 31));
    assert_eq!(date("0000-01-01T00:00:00+01:00"), d(-1, 12, 31));
    assert_eq!(date("9999-12-31T23:00:00-01:00"), d(10_000, 1, 1));

    let t = DateTimeOffset::parse("2020-02-25T23:30:00-02:00").unwrap();
    let mut out = String::new();
    t.utc_date().write_day(&mut out);
    out.push(' ');
    t.utc_date().write_month(&mut out);
    assert_eq!(out, "2020-02-26 2020-02");
    assert_eq!(d(2020, 2, 5).to_string(), "2020-02-05");
    assert_eq!(d(-1, 12, 31).to_string(), "-0001-12-31");
    assert_eq!(d(10_000, 1, 1).to_string(), "10000-01-01");
    assert_eq!(d(7, 1, 1).to_string(), "0007-01-01");
}

#[test]
fn duration_until() {
    let t = |s: &str| DateTimeOffset::parse(s).unwrap();
    let a = t("2020-02-25T18:52:21.2169889Z");
    let b = t("2020-02-25T20:52:22.0000001+02:00");
    assert_eq!(a.duration_until(&b).as_nanos(), 783_011_200);
    assert_eq!(b.duration_until(&a).as_nanos(), -783_011_200);
    assert_eq!(a.duration_until(&a).as_nanos(), 0);
    let far = t("0000-01-01T00:00:00Z").duration_until(&t("9999-12-31T23:59:59Z"));
    assert_eq!(far.as_nanos(), i64::MAX);
    let far = t("9999-12-31T23:59:59Z").duration_until(&t("0000-01-01T00:00:00Z"));
    assert_eq!(far.as_nanos(), i64::MIN);
}

#[test]
fn display() {
    let cases = [
        (
            "2020-02-25T18:52:21.2169889Z",
            "2020-02-25T18:52:21.2169889Z",
        ),
        ("2020-02-25T18:52:21.100Z", "2020-02-25T18:52:21.1Z"),
        ("2020-02-25T18:52:21.000Z", "2020-02-25T18:52:21Z"),
        ("2020-02-25T23:30:00-02:00", "2020-02-25T23:30:00-02:00"),
        ("2020-02-25T23:30:00+00:00", "2020-02-25T23:30:00Z"),
        ("2020-02-25T23:30:00-00:00", "2020-02-25T23:30:00Z"),
        ("0000-01-01T00:00:00+01:00", "0000-01-01T00:00:00+01:00"),
        (
            "9999-12-31T23:59:59.999999999-23:59",
            "9999-12-31T23:59:59.999999999-23:59",
        ),
    ];
    for (input, output) in cases {
        assert_eq!(DateTimeOffset::parse(input).unwrap().to_string(), output);
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][month as usize - 1]
}

/// A valid RFC 3339 string with years in `years`, a fraction of 0 to `max_frac` digits and
/// an offset `Z` or ±00:00–23:59.
fn datetime_string(
    years: std::ops::RangeInclusive<u32>,
    max_frac: usize,
) -> impl Strategy<Value = String> {
    (
        years,
        1..=12u32,
        0..31u32,
        0..24u32,
        0..60u32,
        0..60u32,
        proptest::collection::vec(0..10u8, 0..=max_frac),
        prop_oneof![
            Just(None),
            (any::<bool>(), 0..24u32, 0..60u32).prop_map(Some)
        ],
    )
        .prop_map(|(y, mo, d, h, mi, s, frac, offset)| {
            let d = d % days_in_month(y, mo) + 1;
            let mut out = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
            if !frac.is_empty() {
                out.push('.');
                out.extend(frac.iter().map(|&f| char::from(b'0' + f)));
            }
            match offset {
                None => out.push('Z'),
                Some((neg, oh, om)) => {
                    out.push_str(&format!("{}{oh:02}:{om:02}", if neg { '-' } else { '+' }))
                }
            }
            out
        })
}

/// Nanoseconds since the epoch (jiff keeps the sign on both parts before 1970).
fn nanos(t: &DateTimeOffset) -> i128 {
    i128::from(t.unix_seconds()) * 1_000_000_000 + i128::from(t.subsec_nanos())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn display_round_trips(s in datetime_string(0..=9999, 12)) {
        let t = DateTimeOffset::parse(&s).unwrap();
        let shown = t.to_string();
        prop_assert_eq!(DateTimeOffset::parse(&shown), Ok(t), "{} -> {}", s, shown);
    }

    #[test]
    fn agrees_with_jiff(s in datetime_string(1..=9998, 9)) {
        let t = DateTimeOffset::parse(&s).unwrap();
        let j: jiff::Timestamp = s.parse().unwrap();
        prop_assert_eq!(nanos(&t), j.as_nanosecond(), "{}", s);
        let day = jiff::tz::Offset::UTC.to_datetime(j).date();
        let date = t.utc_date();
        prop_assert_eq!(
            (date.year, date.month as i8, date.day as i8),
            (day.year() as i32, day.month(), day.day()),
            "{}", s
        );
    }

    #[test]
    fn never_panics(s in "[0-9T:Z.+-]{0,40}") {
        let _ = DateTimeOffset::parse(&s);
    }

    /// Strings jiff rejects we reject too, and whatever we accept jiff reads the same.
    #[test]
    fn agrees_with_jiff_on_mutations(
        s in datetime_string(1..=9998, 9),
        at in any::<prop::sample::Index>(),
        byte in prop::sample::select(b"0123456789T:Z.+- ".to_vec()),
    ) {
        let mut b = s.into_bytes();
        let k = at.index(b.len());
        b[k] = byte;
        let s = String::from_utf8(b).unwrap();
        if let Ok(t) = DateTimeOffset::parse(&s) {
            match s.parse::<jiff::Timestamp>() {
                Ok(j) => prop_assert_eq!(nanos(&t), j.as_nanosecond(), "{}", s),
                // jiff's range ends at 9999-12-30T22:00:00Z (so that every offset fits).
                Err(e) => prop_assert!(t.unix_seconds() > 253_402_207_200, "{}: {}", s, e),
            }
        }
    }
}
