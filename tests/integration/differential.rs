//! Differential test: random session pages, serialised with serde_json, read by callq's
//! `LineParser` (Full) and by a slow oracle over `serde_json::Value`; the values must agree.

use callq::document::{LineParser, Reading};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

// ---- generation -------------------------------------------------------------------------------

/// Strings with escapes: each char is written raw or as `\uXXXX` (surrogate pairs beyond the
/// BMP), and `"`, `\` and controls always escaped.
fn escape(s: &str, mask: u64) -> String {
    let mut out = String::from("\"");
    for (i, c) in s.chars().enumerate() {
        let force = mask >> (i % 64) & 1 == 1;
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || force => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A string literal to splice into the serialised page in place of a placeholder.
#[derive(Clone, Debug)]
struct Escaped(String, u64);

fn text() -> impl Strategy<Value = Escaped> {
    (
        "\\PC{0,12}|[a-z\"\\\\/\t\n\u{0}-\u{1f}é€😀]{0,8}",
        any::<u64>(),
    )
        .prop_map(|(s, m)| Escaped(s, m))
}

/// Durations in the forms .NET's XmlConvert writes (and a few more the grammar allows).
fn duration() -> impl Strategy<Value = String> {
    let frac = proptest::option::of("[0-9]{1,12}");
    prop_oneof![
        (0u64..100, frac.clone())
            .prop_map(|(s, f)| format!("PT{s}{}S", f.map(|f| format!(".{f}")).unwrap_or_default())),
        (1u64..60, 0u64..60, frac.clone()).prop_map(|(m, s, f)| format!(
            "PT{m}M{s}{}S",
            f.map(|f| format!(".{f}")).unwrap_or_default()
        )),
        (0u64..30, 0u64..24, 0u64..60).prop_map(|(d, h, m)| format!("P{d}DT{h}H{m}M")),
        (1u64..10).prop_map(|w| format!("P{w}W")),
        (0u64..5, frac)
            .prop_map(|(d, f)| format!("-P{d}{}D", f.map(|f| format!(".{f}")).unwrap_or_default())),
        (0u64..1000).prop_map(|ms| format!("PT0.{ms:03}S")),
    ]
}

fn single() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => (0.0f64..1.0).prop_map(|x| json!(x)),
        2 => (proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO).prop_map(|x| json!(x)),
        1 => (-1000i64..1000).prop_map(|x| json!(x)),
        1 => prop_oneof![Just("NaN"), Just("INF"), Just("-INF")].prop_map(|s| json!(s)),
    ]
}

fn int64() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(|x| json!(x)),
        any::<i64>().prop_map(|x| json!(x.to_string())),
        (0i64..2000).prop_map(|x| json!(x))
    ]
}

fn datetime() -> impl Strategy<Value = String> {
    (
        1970i32..2100,
        1u32..13,
        1u32..29,
        0u32..24,
        0u32..60,
        0u32..60,
        proptest::option::of("[0-9]{1,9}"),
        prop_oneof![
            Just(None),
            (-14i32..15, prop_oneof![Just(0u32), Just(30), Just(45)]).prop_map(Some)
        ],
    )
        .prop_map(|(y, mo, d, h, mi, s, f, off)| {
            let frac = f.map(|f| format!(".{f}")).unwrap_or_default();
            let off = match off {
                None => "Z".to_owned(),
                Some((oh, om)) => {
                    format!("{}{:02}:{om:02}", if oh < 0 { '-' } else { '+' }, oh.abs())
                }
            };
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}{off}")
        })
}

fn unknown() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-z]{0,5}".prop_map(Value::from)
    ];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z@.]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Inserts `key: value` with probability ~ (absent / null / value).
fn maybe(map: &mut Map<String, Value>, key: &str, choice: u8, value: Value) {
    match choice % 4 {
        0 => {}
        1 => {
            map.insert(key.to_owned(), Value::Null);
        }
        _ => {
            map.insert(key.to_owned(), value);
        }
    }
}

fn stream() -> impl Strategy<Value = Value> {
    (
        (any::<[u8; 5]>(), duration(), single(), int64()),
        prop_oneof![
            Just("callerToCallee".to_owned()),
            Just("calleeToCaller".to_owned()),
            "[a-zA-Z]{1,8}"
        ],
        (duration(), single()),
        proptest::option::of(unknown()),
    )
        .prop_map(|((c, jitter, loss, packets), dir, (rtt, conceal), extra)| {
            let mut m = Map::new();
            maybe(&mut m, "averageJitter", c[0], json!(jitter));
            maybe(&mut m, "averagePacketLossRate", c[1], loss);
            maybe(&mut m, "packetUtilization", c[2], packets);
            maybe(&mut m, "streamDirection", c[3], json!(dir));
            maybe(&mut m, "averageRoundTripTime", c[4], json!(rtt));
            maybe(&mut m, "averageRatioOfConcealedSamples", c[4] >> 2, conceal);
            if let Some(x) = extra {
                m.insert("someFutureMetric".into(), x);
            }
            if c[0] & 0x80 != 0 {
                m.insert("@odata.type".into(), json!(5));
            }
            Value::Object(m)
        })
}

/// A collection: a JSON array with `null` elements sprinkled in, or `null`, or absent.
fn collection<S: Strategy<Value = Value> + 'static>(
    element: S,
    max: usize,
) -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        1 => Just(None),
        1 => Just(Some(Value::Null)),
        6 => proptest::collection::vec(proptest::option::weighted(0.85, element), 0..max)
            .prop_map(|v| Some(Value::Array(v.into_iter().map(|e| e.unwrap_or(Value::Null)).collect()))),
    ]
}

/// A page and the string literals to splice in (placeholder index → literal).
fn page() -> impl Strategy<Value = (Value, Vec<Escaped>)> {
    let media = (
        proptest::option::of(prop_oneof![
            Just("main-audio".to_owned()),
            Just("main-video".to_owned()),
            "[a-z-]{0,12}"
        ]),
        collection(stream(), 4),
    )
        .prop_map(|(label, streams)| {
            let mut m = Map::new();
            if let Some(l) = label {
                m.insert("label".into(), json!(l));
            }
            if let Some(s) = streams {
                m.insert("streams".into(), s);
            }
            Value::Object(m)
        });
    let segment = collection(media, 3).prop_map(|media| {
        let mut m = Map::new();
        if let Some(x) = media {
            m.insert("media".into(), x);
        }
        Value::Object(m)
    });
    let session = (
        any::<u8>(),
        datetime(),
        collection(segment, 3),
        proptest::option::of(unknown()),
    );
    (proptest::collection::vec(proptest::option::weighted(0.9, session), 0..4), proptest::collection::vec(text(), 4))
        .prop_map(|(sessions, texts)| {
            let mut value = Vec::new();
            for (i, s) in sessions.into_iter().enumerate() {
                let Some((c, start, segments, extra)) = s else {
                    value.push(Value::Null);
                    continue;
                };
                let mut m = Map::new();
                maybe(&mut m, "id", c, json!(format!("@@TEXT{}@@", i % texts.len())));
                maybe(&mut m, "startDateTime", c >> 2, json!(start));
                if let Some(x) = segments {
                    m.insert("segments".into(), x);
                }
                if let Some(x) = extra {
                    m.insert("newSessionProperty".into(), x);
                }
                value.push(Value::Object(m));
            }
            let page = json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#x", "value": value});
            (page, texts)
        })
}

fn serialise(page: &Value, texts: &[Escaped]) -> String {
    let mut s = serde_json::to_string(page).unwrap();
    for (i, Escaped(t, mask)) in texts.iter().enumerate() {
        s = s.replace(&format!("\"@@TEXT{i}@@\""), &escape(t, *mask));
    }
    s
}

// ---- the two readers ------------------------------------------------------------------------

/// A double compared by bits, with every NaN equal.
#[derive(Debug, PartialEq)]
enum F {
    NaN,
    Bits(u64),
}

fn f(x: f64) -> F {
    if x.is_nan() {
        F::NaN
    } else {
        F::Bits(x.to_bits())
    }
}

#[derive(Debug, PartialEq)]
struct StreamView {
    label: Option<String>,
    jitter_ns: Option<i64>,
    rtt_ns: Option<i64>,
    loss: Option<F>,
    concealed: Option<F>,
    packets: Option<i64>,
    direction: Option<String>,
}

#[derive(Debug, PartialEq)]
struct SessionView {
    id: Option<String>,
    start: Option<(i64, u32)>,
    segments: usize,
    streams: Vec<StreamView>,
}

fn callq_view(line: &str) -> Result<Vec<SessionView>, String> {
    LineParser::new().parse(line.as_bytes(), Reading::Full, |doc| {
        let doc = doc.map_err(|e| e.to_string())?;
        Ok(doc
            .sessions()
            .map(|s| SessionView {
                id: s.id.map(str::to_owned),
                start: s
                    .start_date_time
                    .map(|t| (t.unix_seconds(), t.subsec_nanos())),
                segments: s.segments.len(),
                streams: s
                    .segments
                    .iter()
                    .flat_map(|g| g.media.iter())
                    .flat_map(|m| {
                        m.streams.iter().map(move |st| StreamView {
                            label: m.label.map(str::to_owned),
                            jitter_ns: st.average_jitter.map(|d| d.as_nanos()),
                            rtt_ns: st.average_round_trip_time.map(|d| d.as_nanos()),
                            loss: st.average_packet_loss_rate.map(f),
                            concealed: st.average_ratio_of_concealed_samples.map(f),
                            packets: st.packet_utilization,
                            direction: st.stream_direction.map(|d| d.as_str().to_owned()),
                        })
                    })
                    .collect(),
            })
            .collect())
    })
}

/// Non-null elements of an array member (absent/null → none).
fn elements<'v>(v: &'v Value, key: &str) -> impl Iterator<Item = &'v Value> {
    v.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|e| !e.is_null())
}

fn present<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    v.get(key).filter(|x| !x.is_null())
}

/// The oracle's ISO-8601 duration reader: `[-]P[nW][nD][T[nH][nM][nS]]`, a fraction on the
/// last component, digits past the 9th dropped; exact in i128 nanoseconds.
fn oracle_duration(s: &str) -> i64 {
    let (neg, rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let rest = rest.strip_prefix('P').expect("P");
    let mut total: i128 = 0;
    let mut in_time = false;
    let mut num = String::new();
    for c in rest.chars() {
        match c {
            'T' => in_time = true,
            '0'..='9' | '.' => num.push(c),
            unit => {
                let unit_ns: i128 = match (unit, in_time) {
                    ('W', false) => 7 * 86_400_000_000_000,
                    ('D', false) => 86_400_000_000_000,
                    ('H', true) => 3_600_000_000_000,
                    ('M', true) => 60_000_000_000,
                    ('S', true) => 1_000_000_000,
                    other => panic!("unexpected {other:?} in {s}"),
                };
                let (int, frac) = num.split_once('.').unwrap_or((&num, ""));
                let frac9: String = frac.chars().chain(std::iter::repeat('0')).take(9).collect();
                let int: i128 = if int.is_empty() {
                    0
                } else {
                    int.parse().unwrap()
                };
                let frac_ns: i128 = frac9.parse().unwrap();
                // The fraction is of the unit, truncated to whole nanoseconds of a second's
                // fraction scaled by the unit: exact for seconds; for larger units scale first.
                total += int * unit_ns + frac_ns * unit_ns / 1_000_000_000;
                num.clear();
            }
        }
    }
    i64::try_from(if neg { -total } else { total }).unwrap()
}

fn oracle_single(v: &Value) -> F {
    match v {
        Value::String(s) if s == "NaN" => F::NaN,
        Value::String(s) if s == "INF" => f(f64::INFINITY),
        Value::String(s) if s == "-INF" => f(f64::NEG_INFINITY),
        Value::Number(n) => f(n.as_f64().unwrap()),
        other => panic!("not a single: {other}"),
    }
}

fn oracle_int64(v: &Value) -> i64 {
    match v {
        Value::String(s) => s.parse().unwrap(),
        Value::Number(n) => n.as_i64().unwrap(),
        other => panic!("not an int64: {other}"),
    }
}

fn oracle_view(line: &str) -> Vec<SessionView> {
    let page: Value = serde_json::from_str(line).unwrap();
    elements(&page, "value")
        .map(|s| SessionView {
            id: present(s, "id").map(|v| v.as_str().unwrap().to_owned()),
            start: present(s, "startDateTime").map(|v| {
                let t: jiff::Timestamp = v.as_str().unwrap().parse().unwrap();
                (t.as_second(), t.subsec_nanosecond() as u32)
            }),
            segments: elements(s, "segments").count(),
            streams: elements(s, "segments")
                .flat_map(|g| elements(g, "media"))
                .flat_map(|m| {
                    elements(m, "streams").map(move |st| StreamView {
                        label: present(m, "label").map(|v| v.as_str().unwrap().to_owned()),
                        jitter_ns: present(st, "averageJitter")
                            .map(|v| oracle_duration(v.as_str().unwrap())),
                        rtt_ns: present(st, "averageRoundTripTime")
                            .map(|v| oracle_duration(v.as_str().unwrap())),
                        loss: present(st, "averagePacketLossRate").map(oracle_single),
                        concealed: present(st, "averageRatioOfConcealedSamples").map(oracle_single),
                        packets: present(st, "packetUtilization").map(oracle_int64),
                        direction: present(st, "streamDirection")
                            .map(|v| v.as_str().unwrap().to_owned()),
                    })
                })
                .collect(),
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn callq_reads_what_serde_json_reads((page, texts) in page()) {
        let line = serialise(&page, &texts);
        let want = oracle_view(&line);
        let got = callq_view(&line);
        prop_assert!(got.is_ok(), "callq rejected {}: {:?}", line, got);
        prop_assert_eq!(got.unwrap(), want, "{}", line);
    }
}

#[test]
fn the_oracle_duration_reader_agrees_with_known_values() {
    assert_eq!(oracle_duration("PT0.016S"), 16_000_000);
    assert_eq!(oracle_duration("PT1M2.5S"), 62_500_000_000);
    assert_eq!(oracle_duration("-P1.5D"), -129_600_000_000_000);
    assert_eq!(oracle_duration("PT1.1234567891S"), 1_123_456_789);
    assert_eq!(
        escape("a\"é😀", u64::MAX),
        r#""\u0061\"\u00e9\ud83d\ude00""#
    );
}
