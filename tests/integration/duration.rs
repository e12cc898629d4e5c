//! Tests for `callq::duration`: a table of valid and invalid strings, a differential property
//! test against a slow reference parser, and a display round trip.

// The slow, obviously correct reference parser is shared with the fuzz targets.
use crate::checks;

use callq::duration::{Duration, DurationErrorKind};
use checks::reference_duration as reference;
use proptest::prelude::*;

const S: i64 = 1_000_000_000;
const MIN: i64 = 60 * S;
const HOUR: i64 = 3_600 * S;
const DAY: i64 = 86_400 * S;

use DurationErrorKind as K;

/// `(input, expected nanoseconds or error kind)`.
const TABLE: &[(&str, Result<i64, DurationErrorKind>)] = &[
    // What .NET's XmlConvert writes.
    ("PT0S", Ok(0)),
    ("PT0.016S", Ok(16_000_000)),
    ("PT0.1S", Ok(100_000_000)),
    ("PT0.01S", Ok(10_000_000)),
    ("PT0.001S", Ok(1_000_000)),
    ("PT0.0001S", Ok(100_000)),
    ("PT0.00001S", Ok(10_000)),
    ("PT0.000001S", Ok(1_000)),
    ("PT0.0000001S", Ok(100)),
    ("PT0.0160001S", Ok(16_000_100)),
    ("PT0.2169889S", Ok(216_988_900)),
    ("PT1.5S", Ok(1_500_000_000)),
    ("PT59.9999999S", Ok(59 * S + 999_999_900)),
    ("-PT0.5S", Ok(-500_000_000)),
    ("-PT0.0000001S", Ok(-100)),
    ("-PT1M", Ok(-MIN)),
    ("P1DT2H", Ok(DAY + 2 * HOUR)),
    ("PT1M0.5S", Ok(MIN + 500_000_000)),
    ("PT1M2.5S", Ok(MIN + 2_500_000_000)),
    ("PT2H", Ok(2 * HOUR)),
    ("PT1H1M1S", Ok(HOUR + MIN + S)),
    ("PT1H0.25S", Ok(HOUR + 250_000_000)),
    ("PT12.12345678S", Ok(12 * S + 123_456_780)),
    ("PT1234567M0.1234567S", Ok(1_234_567 * MIN + 123_456_700)),
    ("PT12345678M0.5S", Ok(12_345_678 * MIN + 500_000_000)),
    ("PT1M.5S", Ok(MIN + 500_000_000)),
    ("P1D", Ok(DAY)),
    ("P1DT1S", Ok(DAY + S)),
    (
        "P1DT2H3M4.5678901S",
        Ok(DAY + 2 * HOUR + 3 * MIN + 4_567_890_100),
    ),
    ("-P1DT2H", Ok(-(DAY + 2 * HOUR))),
    // i64::MAX and i64::MIN nanoseconds, and one past each.
    ("PT9223372036.854775807S", Ok(i64::MAX)),
    ("PT9223372036.854775808S", Err(K::Overflow)),
    ("-PT9223372036.854775808S", Ok(i64::MIN)),
    ("-PT9223372036.854775809S", Err(K::Overflow)),
    ("P106751DT23H47M16.854775807S", Ok(i64::MAX)),
    ("-P106751DT23H47M16.854775807S", Ok(-i64::MAX)),
    ("-P106751DT23H47M16.854775808S", Ok(i64::MIN)),
    ("P106751DT23H47M16.854775808S", Err(K::Overflow)),
    ("-P106751DT23H47M16.854775809S", Err(K::Overflow)),
    ("P106752D", Err(K::Overflow)),
    // .NET's TimeSpan.MaxValue is i64::MAX ticks of 100 ns: 100 times beyond i64 nanoseconds.
    ("P10675199DT2H48M5.4775807S", Err(K::Overflow)),
    ("-P10675199DT2H48M5.4775808S", Err(K::Overflow)),
    // Other accepted forms.
    ("PT1.S", Ok(S)),
    ("PT.5S", Ok(500_000_000)),
    ("PT1.1234567891S", Ok(1_123_456_789)),
    ("PT1.9999999999999S", Ok(1_999_999_999)),
    ("-PT1.1234567899S", Ok(-1_123_456_789)),
    ("PT0.0000000009S", Ok(0)),
    ("P1W", Ok(7 * DAY)),
    ("P2W3D", Ok(17 * DAY)),
    ("P1WT1S", Ok(7 * DAY + S)),
    ("P1.5W", Ok(7 * DAY + 7 * DAY / 2)),
    ("P0.5D", Ok(DAY / 2)),
    ("PT1.5M", Ok(90 * S)),
    ("PT0.5H", Ok(30 * MIN)),
    ("PT1.000000001M", Ok(MIN + 60)),
    ("+PT1S", Ok(S)),
    ("-PT0S", Ok(0)),
    ("PT0000000000000000000000000000001S", Ok(S)),
    ("PT1000000000S", Ok(1_000_000_000 * S)),
    ("PT3600S", Ok(HOUR)),
    ("PT90M", Ok(90 * MIN)),
    ("PT25H", Ok(25 * HOUR)),
    ("P0D", Ok(0)),
    ("PT0H0M0S", Ok(0)),
    // Rejected.
    ("", Err(K::Empty)),
    ("-", Err(K::MissingP)),
    ("+", Err(K::MissingP)),
    ("P", Err(K::NoComponents)),
    ("-P", Err(K::NoComponents)),
    ("PT", Err(K::EmptyTime)),
    ("P1DT", Err(K::EmptyTime)),
    ("-PT", Err(K::EmptyTime)),
    ("P1Y", Err(K::YearsOrMonths)),
    ("P1M", Err(K::YearsOrMonths)),
    ("P1Y2M3DT4H", Err(K::YearsOrMonths)),
    ("P1DT1Y", Err(K::YearsOrMonths)),
    ("PT1,5S", Err(K::UnexpectedByte)),
    ("pt1s", Err(K::MissingP)),
    ("Pt1S", Err(K::UnexpectedByte)),
    ("PT1s", Err(K::UnexpectedByte)),
    (" PT1S", Err(K::MissingP)),
    ("PT1S ", Err(K::UnexpectedByte)),
    ("PT 1S", Err(K::UnexpectedByte)),
    ("PT1 S", Err(K::UnexpectedByte)),
    ("PT1.5M2S", Err(K::FractionNotLast)),
    ("P1.5DT2H", Err(K::FractionNotLast)),
    ("P1.5W1D", Err(K::FractionNotLast)),
    ("PT-1S", Err(K::UnexpectedByte)),
    ("--PT1S", Err(K::MissingP)),
    ("+-PT1S", Err(K::MissingP)),
    ("PTS", Err(K::MissingNumber)),
    ("PT.S", Err(K::MissingNumber)),
    ("P.D", Err(K::MissingNumber)),
    ("PT1", Err(K::MissingDesignator)),
    ("PT1.5", Err(K::MissingDesignator)),
    ("P1", Err(K::MissingDesignator)),
    ("PT1..5S", Err(K::UnexpectedByte)),
    ("PT1.5.S", Err(K::UnexpectedByte)),
    ("P1H", Err(K::Misplaced)),
    ("P1S", Err(K::Misplaced)),
    ("PT1D", Err(K::Misplaced)),
    ("PT1W", Err(K::Misplaced)),
    ("PT1S2M", Err(K::OutOfOrder)),
    ("PT1S1S", Err(K::OutOfOrder)),
    ("PT1M1H", Err(K::OutOfOrder)),
    ("P1D1W", Err(K::OutOfOrder)),
    ("P1D1D", Err(K::OutOfOrder)),
    ("PT1HT1S", Err(K::OutOfOrder)),
    ("PTT1S", Err(K::OutOfOrder)),
    ("P1T1S", Err(K::UnexpectedByte)),
    ("T1S", Err(K::MissingP)),
    ("1S", Err(K::MissingP)),
    ("PT1E3S", Err(K::UnexpectedByte)),
    ("PT0.0:16S", Err(K::UnexpectedByte)),
    ("PT0.0/16S", Err(K::UnexpectedByte)),
    ("PT0.016 S", Err(K::UnexpectedByte)),
    ("PT1MS", Err(K::MissingNumber)),
    ("PTM1S", Err(K::MissingNumber)),
    ("PT1SX", Err(K::UnexpectedByte)),
    ("PT1S\n", Err(K::UnexpectedByte)),
    ("PT１S", Err(K::UnexpectedByte)),
    ("PT99999999999999999999S", Err(K::Overflow)),
    (
        "PT999999999999999999999999999999999999999999999999999999S",
        Err(K::Overflow),
    ),
    (
        "-PT99999999999999999999999999999999999999999S",
        Err(K::Overflow),
    ),
    ("P99999999999999999999999999999999999999W", Err(K::Overflow)),
    ("PT9223372037S", Err(K::Overflow)),
    ("PT18446744073709551616S", Err(K::Overflow)),
    // Syntax errors win over overflow.
    ("PT99999999999999999999999999", Err(K::MissingDesignator)),
    ("PT9999999999999999999999999S1M", Err(K::OutOfOrder)),
];

#[test]
fn table() {
    assert!(TABLE.len() >= 80, "table has {} rows", TABLE.len());
    for &(input, expected) in TABLE {
        let got = Duration::parse(input)
            .map(Duration::as_nanos)
            .map_err(|e| *e.kind());
        assert_eq!(got, expected, "input {input:?}");
        // parse_bytes and FromStr agree with parse.
        let bytes = Duration::parse_bytes(input.as_bytes())
            .map(Duration::as_nanos)
            .map_err(|e| *e.kind());
        assert_eq!(bytes, expected, "parse_bytes {input:?}");
        let from_str = input
            .parse::<Duration>()
            .map(Duration::as_nanos)
            .map_err(|e| *e.kind());
        assert_eq!(from_str, expected, "from_str {input:?}");
        // The reference parser agrees on every row.
        assert_eq!(
            reference(input).map(|v| v as i64),
            expected.ok(),
            "reference {input:?}"
        );
    }
}

#[test]
fn error_offsets_and_messages() {
    let cases: &[(&str, usize)] = &[
        ("", 0),
        ("pt1s", 0),
        ("-pt1s", 1),
        ("P1Y", 2),
        ("P1DT1M1Y", 7),
        ("PT1,5S", 3),
        ("PT1.5M2S", 3),
        ("PT1S2M", 5),
        ("PTS", 2),
        ("PT1", 3),
        ("P1DT", 4),
        ("P", 1),
        ("P1H", 2),
        ("PT99999999999999999999S", 2),
        ("P1DT99999999999999H", 4),
    ];
    for &(input, at) in cases {
        let err = Duration::parse(input).unwrap_err();
        assert_eq!(err.offset(), at, "input {input:?}: {err:?}");
    }
    let err = Duration::parse("P1M").unwrap_err();
    assert_eq!(
        err.to_string(),
        "years and months are not supported in a duration (their length depends on the calendar)"
    );
    // Every message is short and lower case, and the error is a std error.
    for &(input, expected) in TABLE {
        if expected.is_err() {
            let err = Duration::parse(input).unwrap_err();
            let msg = err.to_string();
            assert!(!msg.is_empty() && msg.len() < 100, "{msg}");
            assert!(msg.starts_with(|c: char| c.is_ascii_lowercase()), "{msg}");
            let _: &dyn std::error::Error = &err;
        }
    }
}

#[test]
fn display() {
    let cases: &[(i64, &str)] = &[
        (0, "PT0S"),
        (16_000_000, "PT0.016S"),
        (16_000_100, "PT0.0160001S"),
        (-500_000_000, "-PT0.5S"),
        (DAY + 2 * HOUR, "P1DT2H"),
        (MIN + 500_000_000, "PT1M0.5S"),
        (DAY, "P1D"),
        (7 * DAY, "P7D"),
        (1, "PT0.000000001S"),
        (S, "PT1S"),
        (HOUR + S, "PT1H1S"),
        (i64::MAX, "P106751DT23H47M16.854775807S"),
        (i64::MIN, "-P106751DT23H47M16.854775808S"),
    ];
    for &(nanos, text) in cases {
        assert_eq!(Duration::from_nanos(nanos).to_string(), text);
        assert_eq!(Duration::parse(text), Ok(Duration::from_nanos(nanos)));
    }
    assert_eq!(Duration::ZERO, Duration::default());
    assert_eq!(Duration::ZERO.as_nanos(), 0);
}

#[test]
fn as_millis_f64() {
    let ms = |s: &str| Duration::parse(s).unwrap().as_millis_f64();
    assert_eq!(ms("PT0.016S"), 16.0);
    assert_eq!(ms("PT0.0000001S"), 0.0001);
    assert_eq!(ms("PT0.0160001S"), 16.0001);
    assert_eq!(ms("-PT0.5S"), -500.0);
    assert_eq!(ms("PT0S"), 0.0);
    assert_eq!(ms("P1DT2H"), 93_600_000.0);
    // Beyond 2^53 ns the result is still the double nearest to the exact decimal.
    for n in [
        i64::MAX,
        i64::MIN,
        i64::MAX - 1,
        (1 << 53) + 1,
        -(1 << 53) - 1,
        1 << 53,
        123_456_789_012_345_678,
    ] {
        let exact = format!("{}{}", n / 1_000_000, {
            let r = (n % 1_000_000).unsigned_abs();
            format!(".{r:06}")
        });
        let exact = if n < 0 && n / 1_000_000 == 0 {
            format!("-{exact}")
        } else {
            exact
        };
        let want: f64 = exact.parse().unwrap();
        assert_eq!(Duration::from_nanos(n).as_millis_f64(), want, "{n}");
    }
}

fn agrees(s: &str) -> Result<(), TestCaseError> {
    let fast = Duration::parse(s).ok().map(|d| d.as_nanos() as i128);
    prop_assert_eq!(fast, reference(s), "input {:?}", s);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn agrees_with_reference_on_the_alphabet(s in "[PTWDHMSY0-9.,+ -]{0,24}") {
        agrees(&s)?;
    }

    #[test]
    fn agrees_with_reference_on_near_valid(
        s in "[+-]?P([0-9]{0,3}(\\.[0-9]{0,3})?[WDHMSY]){0,3}(T([0-9]{0,3}(\\.[0-9]{0,11})?[WDHMS]){0,4})?"
    ) {
        agrees(&s)?;
    }

    #[test]
    fn agrees_with_reference_on_ordered_components(
        s in "[+-]?P([0-9]{1,3}(\\.[0-9]{0,3})?W)?([0-9]{0,3}(\\.[0-9]{0,3})?D)?(T([0-9]{0,3}(\\.[0-9]{0,3})?H)?([0-9]{0,3}(\\.[0-9]{0,3})?M)?([0-9]{0,3}(\\.[0-9]{0,11})?S)?)?"
    ) {
        agrees(&s)?;
    }

    /// Valid canonical strings with one byte replaced, inserted or deleted.
    #[test]
    fn agrees_with_reference_on_mutations(
        n in any::<i64>(),
        at in any::<prop::sample::Index>(),
        byte in prop::sample::select(b"PTWDHMSY0123456789.,+- ".to_vec()),
        op in 0..3u8,
    ) {
        let mut s = Duration::from_nanos(n).to_string().into_bytes();
        let k = at.index(s.len() + 1);
        match op {
            0 if k < s.len() => s[k] = byte,
            1 => s.insert(k, byte),
            _ if k < s.len() => { s.remove(k); }
            _ => {}
        }
        agrees(std::str::from_utf8(&s).unwrap())?;
    }

    #[test]
    fn agrees_with_reference_on_big_numbers(
        s in "-?P([0-9]{5,22}D)?(T([0-9]{1,22}H)?([0-9]{1,22}M)?([0-9]{1,22}(\\.[0-9]{0,12})?S)?)?"
    ) {
        agrees(&s)?;
    }

    #[test]
    fn agrees_with_reference_on_seconds(s in "[+-]?PT([0-9]{0,9}M)?[0-9]{0,12}(\\.[0-9]{0,12})?S") {
        agrees(&s)?;
    }

    #[test]
    fn display_round_trips(n in any::<i64>()) {
        let d = Duration::from_nanos(n);
        prop_assert_eq!(Duration::parse(&d.to_string()), Ok(d));
    }

    #[test]
    fn display_round_trips_small(n in -100_000_000_000i64..100_000_000_000) {
        let d = Duration::from_nanos(n);
        prop_assert_eq!(Duration::parse(&d.to_string()), Ok(d));
    }
}
