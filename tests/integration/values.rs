//! One test per rule of the contract's "Values" section (and the JSON rules beside it), each
//! fed as a whole NDJSON line through `LineParser` with `Reading::Full`.

use callq::datetime::Date;
use callq::document::{DocumentErrorKind, LineParser, Reading};
use callq::model::{ClientPlatform, MediaStream, MediaStreamDirection};

/// A page with one session, one segment, one media and one stream whose members are `members`.
fn stream_line(members: &str) -> String {
    format!(r#"{{"value":[{{"segments":[{{"media":[{{"streams":[{{{members}}}]}}]}}]}}]}}"#)
}

/// Parses a page with one stream and maps that stream, or returns the error as reported.
fn with_stream<R>(members: &str, f: impl FnOnce(&MediaStream<'_>) -> R) -> Result<R, String> {
    let line = stream_line(members);
    LineParser::new().parse(line.as_bytes(), Reading::Full, |doc| {
        let doc = doc.map_err(|e| e.to_string())?;
        let session = doc.sessions().next().expect("one session");
        Ok(f(&session.segments[0].media[0].streams[0]))
    })
}

/// Full reading: the line is good (`Ok(number of sessions)`) or bad (`Err(message)`).
fn full(line: &str) -> Result<usize, String> {
    parse(line, Reading::Full)
}

fn parse(line: &str, reading: Reading) -> Result<usize, String> {
    LineParser::new().parse(line.as_bytes(), reading, |d| {
        d.map(|d| d.sessions().count()).map_err(|e| e.to_string())
    })
}

fn kind(line: &str) -> Option<DocumentErrorKind> {
    LineParser::new().parse(line.as_bytes(), Reading::Full, |d| {
        d.err().map(|e| e.kind().clone())
    })
}

fn loss(v: &str) -> Result<Option<f64>, String> {
    with_stream(&format!(r#""averagePacketLossRate":{v}"#), |s| {
        s.average_packet_loss_rate
    })
}

fn packets(v: &str) -> Result<Option<i64>, String> {
    with_stream(&format!(r#""packetUtilization":{v}"#), |s| {
        s.packet_utilization
    })
}

// ---- Edm.Single / Edm.Double ----------------------------------------------------------------

#[test]
fn single_accepts_numbers_as_the_nearest_double() {
    assert_eq!(loss("0"), Ok(Some(0.0)));
    assert_eq!(loss("3"), Ok(Some(3.0)));
    assert_eq!(loss("-2"), Ok(Some(-2.0)));
    assert_eq!(loss("1e-7"), Ok(Some(1e-7)));
    assert_eq!(loss("1E+2"), Ok(Some(100.0)));
    // Not rounded to float32: 0.01381693 is kept as the nearest double.
    assert_eq!(loss("0.01381693"), Ok(Some(0.01381693)));
    assert_ne!(0.01381693_f32 as f64, 0.01381693_f64);
    assert_eq!(loss("null"), Ok(None));
}

#[test]
fn single_accepts_exactly_nan_inf_and_minus_inf_strings() {
    assert!(loss(r#""NaN""#).unwrap().unwrap().is_nan());
    assert_eq!(loss(r#""INF""#), Ok(Some(f64::INFINITY)));
    assert_eq!(loss(r#""-INF""#), Ok(Some(f64::NEG_INFINITY)));
}

#[test]
fn single_rejects_other_strings_and_booleans() {
    for bad in [
        r#""nan""#,
        r#""1.5""#,
        "true",
        r#""Infinity""#,
        r#""inf""#,
        "[]",
        "{}",
    ] {
        let err = loss(bad).unwrap_err();
        assert!(
            err.starts_with("value[0].segments[0].media[0].streams[0].averagePacketLossRate: expected a number, found"),
            "{bad}: {err}"
        );
    }
}

// ---- Edm.Int64 / Edm.Int32 ----------------------------------------------------------------

#[test]
fn int64_accepts_integer_literals_and_decimal_strings() {
    assert_eq!(packets("709"), Ok(Some(709)));
    assert_eq!(packets(r#""709""#), Ok(Some(709)));
    assert_eq!(packets(r#""-0""#), Ok(Some(0)));
    assert_eq!(packets(r#""0""#), Ok(Some(0)));
    assert_eq!(packets("-5"), Ok(Some(-5)));
    assert_eq!(packets("9223372036854775807"), Ok(Some(i64::MAX)));
    assert_eq!(packets("-9223372036854775808"), Ok(Some(i64::MIN)));
    assert_eq!(packets(r#""-9223372036854775808""#), Ok(Some(i64::MIN)));
}

#[test]
fn int64_rejects_non_canonical_strings_fractions_and_out_of_range() {
    for bad in [
        r#""007""#,
        r#""+1""#,
        r#""1e3""#,
        r#""""#,
        r#"" 1""#,
        r#""9223372036854775808""#,
        "1.5",
        "1.0",
        "1e3",
        "9223372036854775808",
        "-9223372036854775809",
        "true",
    ] {
        let err = packets(bad).unwrap_err();
        assert!(
            err.starts_with("value[0].segments[0].media[0].streams[0].packetUtilization: expected a 64-bit integer"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn int32_accepts_its_range_only() {
    let howling = |v: &str| {
        let members = format!(r#""callerDevice":{{"howlingEventCount":{v}}}"#);
        let line = format!(r#"{{"value":[{{"segments":[{{"media":[{{{members}}}]}}]}}]}}"#);
        LineParser::new().parse(line.as_bytes(), Reading::Full, |d| {
            let d = d.map_err(|e| e.to_string())?;
            Ok::<_, String>(
                d.sessions().next().unwrap().segments[0].media[0]
                    .caller_device
                    .unwrap()
                    .howling_event_count,
            )
        })
    };
    assert_eq!(howling("2147483647"), Ok(Some(i32::MAX)));
    assert_eq!(howling("-2147483648"), Ok(Some(i32::MIN)));
    assert_eq!(howling("0"), Ok(Some(0)));
    for bad in [
        "2147483648",
        "-2147483649",
        "9223372036854775808",
        "1.5",
        r#""5""#,
    ] {
        let err = howling(bad).unwrap_err();
        assert!(
            err.starts_with("value[0].segments[0].media[0].callerDevice.howlingEventCount: expected a 32-bit integer"),
            "{bad}: {err}"
        );
    }
}

// ---- Edm.DateTimeOffset ---------------------------------------------------------------------

fn session_start(v: &str) -> Result<Option<(i64, u32, i16, Date)>, String> {
    let line = format!(r#"{{"value":[{{"startDateTime":{v}}}]}}"#);
    LineParser::new().parse(line.as_bytes(), Reading::Full, |d| {
        let d = d.map_err(|e| e.to_string())?;
        let s = d.sessions().next().unwrap();
        Ok(s.start_date_time.map(|t| {
            (
                t.unix_seconds(),
                t.subsec_nanos(),
                t.offset_minutes(),
                t.utc_date(),
            )
        }))
    })
}

#[test]
fn datetime_accepts_the_iso_forms_and_takes_the_day_in_utc() {
    let d = |year, month, day| Date { year, month, day };
    assert_eq!(
        session_start(r#""2020-02-25T18:52:21.2169889Z""#),
        Ok(Some((1_582_656_741, 216_988_900, 0, d(2020, 2, 25))))
    );
    assert_eq!(
        session_start(r#""2020-02-25T18:52:21Z""#),
        Ok(Some((1_582_656_741, 0, 0, d(2020, 2, 25))))
    );
    // 23:30 at -02:00 is 01:30 UTC the next day.
    assert_eq!(
        session_start(r#""2020-02-25T23:30:00-02:00""#),
        Ok(Some((1_582_680_600, 0, -120, d(2020, 2, 26))))
    );
    assert_eq!(
        session_start(r#""2020-02-25T01:00:00.5+05:30""#),
        Ok(Some((
            1_582_592_400 - 5 * 3600 - 30 * 60,
            500_000_000,
            330,
            d(2020, 2, 24)
        )))
    );
    assert_eq!(
        session_start(r#""2020-02-29T23:59:59Z""#).map(|t| t.unwrap().3),
        Ok(d(2020, 2, 29))
    );
    assert_eq!(session_start("null"), Ok(None));
}

#[test]
fn datetime_rejects_malformed_and_unreal_values() {
    for bad in [
        r#""2020-02-25t18:52:21Z""#,
        r#""2020-02-25T18:52:21z""#,
        r#""2020-02-25 18:52:21Z""#,
        r#""2020-02-25T18:52:21""#,
        r#""2020-02-25T24:00:00Z""#,
        r#""2020-02-25T23:60:00Z""#,
        r#""2020-02-25T23:59:60Z""#,
        r#""2021-02-29T00:00:00Z""#,
        r#""2020-13-01T00:00:00Z""#,
        r#""2020-2-25T18:52:21Z""#,
        r#""2020-02-25""#,
        r#""datetime-value""#,
        r#""2020-02-25T18:52:21.Z""#,
        r#""2020-02-25T18:52:21+0530""#,
        "1582656741",
    ] {
        let err = session_start(bad).unwrap_err();
        assert!(
            err.starts_with("value[0].startDateTime: expected a date-time with offset, found"),
            "{bad}: {err}"
        );
    }
}

// ---- Edm.Duration -------------------------------------------------------------------------------

#[test]
fn durations_in_net_form() {
    let jitter = |v: &str| {
        with_stream(&format!(r#""averageJitter":{v}"#), |s| {
            s.average_jitter.map(|d| d.as_nanos())
        })
    };
    assert_eq!(jitter(r#""PT0.016S""#), Ok(Some(16_000_000)));
    assert_eq!(jitter(r#""PT1M2.5S""#), Ok(Some(62_500_000_000)));
    assert_eq!(jitter(r#""P1DT2H""#), Ok(Some(26 * 3_600_000_000_000)));
    assert_eq!(jitter(r#""-PT1S""#), Ok(Some(-1_000_000_000)));
    assert_eq!(jitter("null"), Ok(None));
    for bad in [
        r#""P1Y""#,
        r#""pt1s""#,
        r#""PT1,5S""#,
        r#""PT""#,
        r#""16ms""#,
    ] {
        let err = jitter(bad).unwrap_err();
        assert!(
            err.contains("averageJitter: expected an ISO-8601 duration, found string"),
            "{bad}: {err}"
        );
    }
}

// ---- JSON itself ----------------------------------------------------------------------------

#[test]
fn a_number_beyond_the_double_range_makes_the_line_bad() {
    for members in [
        r#""averagePacketLossRate":1e400"#,
        r#""somethingNew":1e400"#,
        r#""x":[-1e400]"#,
    ] {
        let line = stream_line(members);
        assert_eq!(kind(&line), Some(DocumentErrorKind::Syntax), "{members}");
        assert!(
            full(&line)
                .unwrap_err()
                .contains("beyond the range of a double")
        );
    }
    // Underflow is not overflow: 1e-400 is 0.
    assert_eq!(loss("1e-400"), Ok(Some(0.0)));
}

#[test]
fn a_huge_integer_in_an_unknown_property_is_accepted() {
    assert_eq!(
        full(&stream_line(
            r#""somethingNew":123456789012345678901234567890"#
        )),
        Ok(1)
    );
    assert_eq!(
        full(&stream_line(
            r#""somethingNew":-123456789012345678901234567890"#
        )),
        Ok(1)
    );
    // … and in a known Edm.Single it is the nearest double.
    assert_eq!(
        loss("123456789012345678901234567890"),
        Ok(Some(1.2345678901234568e29))
    );
}

#[test]
fn a_lone_surrogate_escape_makes_the_line_bad() {
    for members in [
        r#""somethingNew":"\ud800""#,
        r#""streamId":"a\udc00b""#,
        r#""\ud800":1"#,
    ] {
        let line = stream_line(members);
        assert_eq!(kind(&line), Some(DocumentErrorKind::Syntax), "{members}");
    }
    // A proper pair is fine.
    assert_eq!(
        with_stream(r#""streamId":"\ud83d\ude00""#, |s| s
            .stream_id
            .map(str::to_owned)),
        Ok(Some("😀".to_owned()))
    );
}

#[test]
fn trailing_content_after_the_object_makes_the_line_bad() {
    for line in [
        r#"{"value":[]} x"#,
        r#"{"value":[]}{}"#,
        r#"{"value":[]}]"#,
        r#"{"value":[]},"#,
        r#"{"value":[]} 1"#,
    ] {
        assert_eq!(kind(line), Some(DocumentErrorKind::Syntax), "{line}");
    }
    // Trailing JSON whitespace is not content.
    assert_eq!(full("{\"value\":[]} \t "), Ok(0));
}

/// `levels - 1` containers nested under `"x"`, cycling through `kinds` (`'['` array, `'{'`
/// object with key `"a"`), innermost empty.
fn containers(levels_below: usize, kinds: &[char]) -> String {
    let mut open = String::new();
    let mut close = String::new();
    for i in 0..levels_below {
        let k = kinds[i % kinds.len()];
        let last = i + 1 == levels_below;
        match (k, last) {
            ('[', false) => open.push('['),
            ('[', true) => open.push_str("[]"),
            (_, false) => open.push_str(r#"{"a":"#),
            (_, true) => open.push_str("{}"),
        }
        if !last {
            close.insert(0, if k == '[' { ']' } else { '}' });
        }
    }
    open + &close
}

/// `{"value":[],"x":…}` nested `levels` deep in total (the line's object is level 1).
fn nested(levels: usize, kinds: &[char]) -> String {
    format!(r#"{{"value":[],"x":{}}}"#, containers(levels - 1, kinds))
}

#[test]
fn nesting_up_to_1024_levels_is_accepted_and_1025_is_not() {
    assert_eq!(nested(3, &['[']), r#"{"value":[],"x":[[]]}"#);
    assert_eq!(nested(3, &['{']), r#"{"value":[],"x":{"a":{}}}"#);
    for kinds in [&['['][..], &['{'], &['[', '{']] {
        assert_eq!(full(&nested(1024, kinds)), Ok(0), "{kinds:?}");
        let line = nested(1025, kinds);
        assert_eq!(kind(&line), Some(DocumentErrorKind::Syntax), "{kinds:?}");
        assert!(
            full(&line)
                .unwrap_err()
                .contains("nesting deeper than 1024 levels")
        );
    }
    // Deep inside a stream (the stream object is level 9) the count is the same.
    let stream_at = 9;
    let deep = |levels: usize| {
        stream_line(&format!(
            r#""x":{}"#,
            containers(levels - stream_at, &['['])
        ))
    };
    assert_eq!(full(&deep(1024)), Ok(1));
    assert_eq!(kind(&deep(1025)), Some(DocumentErrorKind::Syntax));
}

#[test]
fn nesting_of_128_levels_is_always_accepted() {
    for reading in [Reading::Full, Reading::Analyze] {
        for kinds in [&['['][..], &['{'], &['[', '{']] {
            assert_eq!(parse(&nested(128, kinds), reading), Ok(0));
        }
    }
}

// ---- object rules ------------------------------------------------------------------------------

#[test]
fn repeated_keys_last_wins() {
    let jitter = |m: &str| with_stream(m, |s| s.average_jitter.map(|d| d.as_nanos()));
    // valid then valid: the last.
    assert_eq!(
        jitter(r#""averageJitter":"PT1S","averageJitter":"PT2S""#),
        Ok(Some(2_000_000_000))
    );
    // invalid then valid: good.
    assert_eq!(
        jitter(r#""averageJitter":5,"averageJitter":"PT1S""#),
        Ok(Some(1_000_000_000))
    );
    // valid then invalid: bad.
    let err = jitter(r#""averageJitter":"PT1S","averageJitter":5"#).unwrap_err();
    assert_eq!(
        err,
        "value[0].segments[0].media[0].streams[0].averageJitter: expected an ISO-8601 duration, found number"
    );
    // valid then null: absent.
    assert_eq!(
        jitter(r#""averageJitter":"PT1S","averageJitter":null"#),
        Ok(None)
    );
    // The same at the top level: the last `value` counts.
    assert_eq!(full(r#"{"value":[{},{}],"value":[{}]}"#), Ok(1));
    assert_eq!(full(r#"{"value":7,"value":[{}]}"#), Ok(1));
}

#[test]
fn unknown_properties_and_odata_annotations_are_ignored() {
    let line = r#"{"@odata.context":5,"@odata.nextLink":[1],"somethingNew":{"a":[1,{"b":null}]},
        "value":[{"@odata.type":5,"@odata.id":{},"newSessionThing":true,
        "caller":{"@odata.type":5,"userAgent":{"@odata.type":false,"platform":"windows","extra":1}},
        "segments":[{"@odata.type":[],"media":[{"@odata.type":5,"label":"main-audio","unknown":"x",
        "streams":[{"@odata.type":5,"unknownMetric":"PT1S","averageJitter":"PT0.01S"}]}]}]}]}"#
        .replace('\n', "");
    let got = LineParser::new().parse(line.as_bytes(), Reading::Full, |d| {
        let d = d.unwrap();
        let s = d.sessions().next().unwrap();
        (
            s.caller.unwrap().user_agent.unwrap().platform == Some(ClientPlatform::Windows),
            s.segments[0].media[0].streams[0]
                .average_jitter
                .map(|d| d.as_nanos()),
        )
    });
    assert_eq!(got, (true, Some(10_000_000)));
}

#[test]
fn unknown_enum_values_are_kept_raw() {
    let line = r#"{"value":[{"caller":{"userAgent":{"platform":"newThing"}},"segments":[{"media":[{"streams":[{"streamDirection":"sideways"}]}]}]}]}"#;
    let (platform, direction) = LineParser::new().parse(line.as_bytes(), Reading::Full, |d| {
        let d = d.unwrap();
        let s = d.sessions().next().unwrap();
        (
            s.caller
                .unwrap()
                .user_agent
                .unwrap()
                .platform
                .map(|p| p.as_str().to_owned()),
            s.segments[0].media[0].streams[0]
                .stream_direction
                .map(|p| p.as_str().to_owned()),
        )
    });
    assert_eq!(platform.as_deref(), Some("newThing"));
    assert_eq!(direction.as_deref(), Some("sideways"));
    let is_other = LineParser::new().parse(line.as_bytes(), Reading::Full, |d| {
        let d = d.unwrap();
        let s = d.sessions().next().unwrap();
        (
            s.caller.unwrap().user_agent.unwrap().platform
                == Some(ClientPlatform::Other("newThing")),
            s.segments[0].media[0].streams[0].stream_direction
                == Some(MediaStreamDirection::Other("sideways")),
        )
    });
    assert_eq!(is_other, (true, true));
}

#[test]
fn null_elements_are_skipped_and_null_means_absent() {
    let line = r#"{"value":[null,{"segments":[null,{"media":[null,{"streams":[null,{"averageJitter":null},null]}]}]},null],"@odata.nextLink":null}"#;
    let counts = LineParser::new().parse(line.as_bytes(), Reading::Full, |d| {
        let d = d.unwrap();
        let sessions: Vec<_> = d.sessions().collect();
        let seg = &sessions[0].segments;
        (
            sessions.len(),
            seg.len(),
            seg[0].media.len(),
            seg[0].media[0].streams.len(),
            seg[0].media[0].streams[0].average_jitter,
        )
    });
    assert_eq!(counts, (1, 1, 1, 1, None));
    // `null` collections are empty collections.
    assert_eq!(
        full(r#"{"value":[{"segments":null,"modalities":null}]}"#),
        Ok(1)
    );
    // A `null` where the document structure needs an object is still `null`: `value: null`
    // is the same as no `value`.
    assert!(
        full(r#"{"value":null}"#)
            .unwrap_err()
            .contains("neither `value` nor `sessions`")
    );
}

#[test]
fn a_wrong_type_in_a_trace_route_hop_is_bad_under_full_only() {
    let line = r#"{"value":[{"segments":[{"media":[{"callerNetwork":{"traceRouteHops":[{"hopCount":1},{"hopCount":"two"}]},"streams":[{}]}]}]}]}"#;
    assert_eq!(
        parse(line, Reading::Full),
        Err("value[0].segments[0].media[0].callerNetwork.traceRouteHops[1].hopCount: expected a 32-bit integer, found string \"two\"".to_owned())
    );
    assert_eq!(parse(line, Reading::Analyze), Ok(1));
    // A wrong type in what analyze reads is bad under both.
    let read = r#"{"value":[{"segments":[{"media":[{"streams":[{"averageJitter":1}]}]}]}]}"#;
    assert!(parse(read, Reading::Analyze).is_err());
    assert!(parse(read, Reading::Full).is_err());
}

#[test]
fn the_contract_error_message_and_path() {
    let line = r#"{"value":[{},{},{"id":"s"},{"segments":[{"media":[{"streams":[{"averageJitter":"PT1S"},{"averageJitter":16}]}]}]}]}"#;
    for reading in [Reading::Full, Reading::Analyze] {
        let e = LineParser::new().parse(line.as_bytes(), reading, |d| d.unwrap_err());
        assert_eq!(e.kind(), &DocumentErrorKind::Value);
        assert_eq!(
            e.path_string(),
            "value[3].segments[0].media[0].streams[1].averageJitter"
        );
        assert_eq!(e.message(), "expected an ISO-8601 duration, found number");
        assert_eq!(
            e.to_string(),
            "value[3].segments[0].media[0].streams[1].averageJitter: expected an ISO-8601 duration, found number"
        );
    }
}

#[test]
fn the_first_offending_value_in_document_order_is_reported() {
    let line = r#"{"value":[{"segments":[{"media":[{"streams":[{"maxJitter":1,"averageJitter":2}]}]}]},{"startDateTime":3}]}"#;
    let err = full(line).unwrap_err();
    assert!(
        err.starts_with("value[0].segments[0].media[0].streams[0].maxJitter:"),
        "{err}"
    );
    // Array indices count nulls.
    let err = full(r#"{"value":[null,{"startDateTime":3}]}"#).unwrap_err();
    assert!(err.starts_with("value[1].startDateTime:"), "{err}");
}
