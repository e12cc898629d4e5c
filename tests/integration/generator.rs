//! Tests of the corpus generator (`callq gen`).

use callq::generate::{
    GenConfig, GenSummary, Generator, Shape, SizeErrorKind, generate, parse_size,
};
use serde_json::Value;

const SHAPES: [Shape; 4] = [
    Shape::Sessions,
    Shape::CallRecord,
    Shape::CallRecordsPage,
    Shape::Mixed,
];

fn gen_bytes(seed: u64, size: u64, shape: Shape) -> (Vec<u8>, GenSummary) {
    let mut out = Vec::new();
    let s = generate(&GenConfig { seed, size, shape }, &mut out).expect("write to Vec");
    (out, s)
}

fn fnv1a64(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[test]
fn same_config_same_bytes() {
    for shape in SHAPES {
        let (a, sa) = gen_bytes(7, 400_000, shape);
        let (b, sb) = gen_bytes(7, 400_000, shape);
        assert_eq!(a, b, "{shape:?}");
        assert_eq!(sa, sb);
        assert_eq!(sa.bytes, a.len() as u64);
        assert!(sa.bytes >= 400_000);
    }
}

/// Regression pins: FNV-1a 64 of the first 1 MB (1,000,000 bytes) for seed 42.
///
/// These change whenever the generator's output changes. That is a breaking change for
/// people comparing benchmark numbers across versions: update the values only deliberately,
/// together with a note in the changelog.
#[test]
fn regression_hashes() {
    let pins = [
        (Shape::Sessions, 0x5ef10109542b3b94_u64),
        (Shape::CallRecord, 0x30b02bcc26f00acc),
        (Shape::CallRecordsPage, 0x485bf0b25ea9f13e),
        (Shape::Mixed, 0x002bea5caf52fb53),
    ];
    let mut got = Vec::new();
    for (shape, _) in pins {
        let (out, _) = gen_bytes(42, 1_000_000, shape);
        got.push((shape, fnv1a64(&out[..1_000_000])));
    }
    assert_eq!(
        got, pins,
        "generator output changed (see the comment to update the pins)"
    );
}

#[test]
fn different_seeds_differ() {
    for shape in SHAPES {
        let (a, _) = gen_bytes(1, 100_000, shape);
        let (b, _) = gen_bytes(2, 100_000, shape);
        assert_ne!(a[..50_000], b[..50_000], "{shape:?}");
    }
}

#[test]
fn size_zero_writes_nothing_and_generator_matches_generate() {
    let (out, s) = gen_bytes(3, 0, Shape::Mixed);
    assert!(out.is_empty());
    assert_eq!(s, GenSummary::default());

    let (out, s) = gen_bytes(3, 300_000, Shape::Mixed);
    let mut g = Generator::new(3, Shape::Mixed);
    let mut buf = Vec::new();
    for _ in 0..s.lines {
        let before = buf.len();
        let l = g.next_line(&mut buf);
        assert_eq!(l.bytes, (buf.len() - before) as u64);
    }
    assert_eq!(buf, out);
}

/// Sessions of a parsed line, and which shape it is.
fn sessions_of(doc: &Value) -> (Shape, Vec<&Value>) {
    let obj = doc.as_object().expect("line is an object");
    if obj.contains_key("sessions") {
        assert!(!obj.contains_key("value"));
        let s = obj["sessions"]
            .as_array()
            .expect("sessions array")
            .iter()
            .collect();
        return (Shape::CallRecord, s);
    }
    let value = obj["value"].as_array().expect("value array");
    assert!(!value.is_empty());
    if value.iter().any(|r| !r["sessions"].is_null()) {
        let mut v = Vec::new();
        for r in value {
            assert!(r["id"].is_string());
            assert!(r["version"].is_i64() || r["version"].is_string());
            v.extend(r["sessions"].as_array().expect("sessions array"));
        }
        (Shape::CallRecordsPage, v)
    } else {
        let ctx = obj["@odata.context"].as_str().expect("context");
        assert!(
            ctx.contains("/callRecords('") && ctx.contains("')/sessions"),
            "{ctx}"
        );
        (Shape::Sessions, value.iter().collect())
    }
}

fn arr(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], |a| a.as_slice())
}

/// Milliseconds of a duration of the shape `-?P(nD)?(T(nH)?(nM)?(n(.n)?S)?)?`, or None.
fn duration_ms(s: &str) -> Option<f64> {
    let (neg, rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let mut rest = rest.strip_prefix('P')?;
    let mut total = 0.0;
    let mut any = false;
    let num = |r: &str, allow_frac: bool| -> Option<(f64, usize)> {
        let mut n = r.bytes().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        if allow_frac && r.as_bytes().get(n) == Some(&b'.') {
            let f = r[n + 1..]
                .bytes()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if f == 0 {
                return None;
            }
            n += 1 + f;
        }
        Some((r[..n].parse().ok()?, n))
    };
    if let Some((d, n)) = num(rest, false).filter(|&(_, n)| rest.as_bytes().get(n) == Some(&b'D')) {
        total += d * 86_400_000.0;
        rest = &rest[n + 1..];
        any = true;
    }
    if let Some(t) = rest.strip_prefix('T') {
        rest = t;
        let mut in_t = false;
        for (unit, ms, frac) in [
            ('H', 3_600_000.0, false),
            ('M', 60_000.0, false),
            ('S', 1000.0, true),
        ] {
            if let Some((v, n)) = num(rest, frac).filter(|&(_, n)| rest[n..].starts_with(unit)) {
                total += v * ms;
                rest = &rest[n + 1..];
                in_t = true;
            }
        }
        if !in_t {
            return None;
        }
        any = true;
    }
    (any && rest.is_empty()).then_some(if neg { -total } else { total })
}

const DURATION_KEYS: [&str; 9] = [
    "averageAudioNetworkJitter",
    "averageFreezeDuration",
    "averageJitter",
    "averageRoundTripTime",
    "maxAudioNetworkJitter",
    "maxJitter",
    "maxRoundTripTime",
    "rmsFreezeDuration",
    "roundTripTime",
];

/// Checks every duration-typed member anywhere in `v`; returns how many were seen.
fn check_durations(v: &Value) -> u64 {
    let mut n = 0;
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if DURATION_KEYS.contains(&k.as_str()) && !x.is_null() {
                    let s = x
                        .as_str()
                        .unwrap_or_else(|| panic!("{k} is not a string: {x}"));
                    assert!(duration_ms(s).is_some(), "{k}: bad duration {s:?}");
                    n += 1;
                }
                n += check_durations(x);
            }
        }
        Value::Array(a) => {
            for x in a {
                n += check_durations(x);
            }
        }
        _ => {}
    }
    n
}

fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse::<i64>().ok().map(|i| i as f64),
        _ => None,
    }
}

#[derive(Default, Debug)]
struct Breaches {
    jitter: u64,
    rtt: u64,
    loss: u64,
    degradation: u64,
    frame_rate: u64,
    low_packets: u64,
    frame_loss: u64,
    post_fec: u64,
}

#[test]
fn every_line_parses_with_the_right_shape_and_counts() {
    let mut breaches = Breaches::default();
    let mut durations = 0;
    for shape in SHAPES {
        let (out, summary) = gen_bytes(11, 3_000_000, shape);
        let mut c = GenSummary {
            bytes: out.len() as u64,
            ..GenSummary::default()
        };
        let mut seen = std::collections::HashSet::new();
        for line in out.split_inclusive(|&b| b == b'\n') {
            assert_eq!(line.last(), Some(&b'\n'));
            let doc: Value = serde_json::from_slice(&line[..line.len() - 1]).expect("valid JSON");
            c.lines += 1;
            durations += check_durations(&doc);
            let (s, sessions) = sessions_of(&doc);
            if shape != Shape::Mixed {
                assert_eq!(s, shape);
            }
            seen.insert(format!("{s:?}"));
            for session in sessions {
                c.sessions += 1;
                for seg in arr(&session["segments"]) {
                    c.segments += 1;
                    for media in arr(&seg["media"]) {
                        c.media += 1;
                        let label = media["label"].as_str().unwrap_or("");
                        for st in arr(&media["streams"]) {
                            c.streams += 1;
                            let ms = |k: &str| st[k].as_str().and_then(duration_ms);
                            if ms("averageJitter").is_some_and(|v| v > 30.0) {
                                breaches.jitter += 1;
                            }
                            if ms("averageRoundTripTime").is_some_and(|v| v > 500.0) {
                                breaches.rtt += 1;
                            }
                            if num(&st["averagePacketLossRate"]).is_some_and(|v| v > 0.1) {
                                breaches.loss += 1;
                            }
                            if num(&st["averageAudioDegradation"]).is_some_and(|v| v > 1.0) {
                                breaches.degradation += 1;
                            }
                            if num(&st["packetUtilization"]).is_some_and(|v| v <= 500.0) {
                                breaches.low_packets += 1;
                            }
                            if label.ends_with("-video") {
                                if num(&st["averageVideoFrameRate"]).is_some_and(|v| v < 7.0) {
                                    breaches.frame_rate += 1;
                                }
                                if num(&st["averageVideoFrameLossPercentage"])
                                    .is_some_and(|v| v > 50.0)
                                {
                                    breaches.frame_loss += 1;
                                }
                                if num(&st["postForwardErrorCorrectionPacketLossRate"])
                                    .is_some_and(|v| v > 0.15)
                                {
                                    breaches.post_fec += 1;
                                }
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(c, summary, "{shape:?}");
        if shape == Shape::Mixed {
            assert_eq!(seen.len(), 3, "mixed has all three shapes: {seen:?}");
        }
    }
    assert!(durations > 10_000, "{durations}");
    let b = &breaches;
    for (name, n) in [
        ("jitter > 30 ms", b.jitter),
        ("RTT > 500 ms", b.rtt),
        ("loss > 0.1", b.loss),
        ("degradation > 1.0", b.degradation),
        ("video frame rate < 7", b.frame_rate),
        ("packetUtilization <= 500", b.low_packets),
        ("frame loss > 50%", b.frame_loss),
        ("post-FEC loss > 0.15", b.post_fec),
    ] {
        assert!(n >= 5, "too few streams with {name}: {b:?}");
    }
}

#[test]
fn duration_checker_itself() {
    assert_eq!(duration_ms("PT0S"), Some(0.0));
    assert_eq!(duration_ms("PT0.016S"), Some(16.0));
    assert_eq!(duration_ms("PT1M2.5S"), Some(62_500.0));
    assert_eq!(duration_ms("P1DT2H"), Some(93_600_000.0));
    assert_eq!(duration_ms("-PT0.001S"), Some(-1.0));
    for bad in [
        "", "P", "PT", "P1D T", "PT1.S", "PT.5S", "P1Y", "pt1s", "PT1S ", "1S",
    ] {
        assert_eq!(duration_ms(bad), None, "{bad:?}");
    }
}

#[test]
fn shape_from_str() {
    assert_eq!("sessions".parse(), Ok(Shape::Sessions));
    assert_eq!("callrecord".parse(), Ok(Shape::CallRecord));
    assert_eq!("callrecords-page".parse(), Ok(Shape::CallRecordsPage));
    assert_eq!("Mixed".parse(), Ok(Shape::Mixed));
    let e = "pages".parse::<Shape>().unwrap_err();
    assert_eq!(e.input(), "pages");
    assert_eq!(
        e.to_string(),
        r#"unknown shape "pages": expected sessions, callrecord, callrecords-page or mixed"#
    );
    assert_eq!(Shape::default(), Shape::Sessions);
}

#[test]
fn parse_size_cases() {
    assert_eq!(parse_size("1000"), Ok(1000));
    assert_eq!(parse_size("0"), Ok(0));
    assert_eq!(parse_size("200MB"), Ok(200_000_000));
    assert_eq!(parse_size("200mb"), Ok(200_000_000));
    assert_eq!(parse_size("4GiB"), Ok(4 << 30));
    assert_eq!(parse_size("4gib"), Ok(4 << 30));
    assert_eq!(parse_size("1.5GB"), Ok(1_500_000_000));
    assert_eq!(parse_size("512KiB"), Ok(512 * 1024));
    assert_eq!(parse_size("1.5KiB"), Ok(1536));
    assert_eq!(parse_size("3kb"), Ok(3000));
    assert_eq!(parse_size("2TiB"), Ok(2 << 40));
    assert_eq!(parse_size("7B"), Ok(7));
    assert_eq!(parse_size(" 10 MB "), Ok(10_000_000));
    assert_eq!(parse_size("0.5"), Ok(0));
    use SizeErrorKind as K;
    for (bad, kind, what) in [
        ("", K::Empty, "empty"),
        ("MB", K::NoNumber, "number"),
        ("12 parsecs", K::UnknownUnit, "unit \"parsecs\""),
        ("1.2.3MB", K::MalformedNumber, "malformed number \"1.2.3\""),
        (".MB", K::MalformedNumber, "malformed"),
        ("-5MB", K::NoNumber, "number"),
        ("99999999999999999999", K::TooLarge, "too large"),
        ("20000000TB", K::TooLarge, "too large"),
    ] {
        let e = parse_size(bad).expect_err(bad);
        assert_eq!(e.kind(), &kind, "{bad:?}");
        assert_eq!(e.input(), bad);
        let message = e.to_string();
        assert!(message.contains(what), "{bad:?}: {message}");
    }
}

/// Throughput check; run with `cargo test --release --test gen -- --ignored --nocapture`.
#[test]
#[ignore]
fn throughput_at_least_200_mb_per_s() {
    let config = GenConfig {
        seed: 42,
        size: 200_000_000,
        shape: Shape::Sessions,
    };
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let s = generate(&config, std::io::sink()).expect("sink");
        best = best.min(s.bytes as f64 / t.elapsed().as_secs_f64() / 1e6);
    }
    println!("generate: {best:.0} MB/s");
    assert!(best >= 200.0, "{best:.0} MB/s");
}
