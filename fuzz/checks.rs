//! The properties the fuzz targets check, shared by `fuzz/fuzz_targets/*.rs` (through
//! `#[path]`) and by `tests/integration/fuzz_regressions.rs`, which replays the seeds and every input that
//! ever failed through the same functions under plain `cargo test`.
//!
//! Each `check_*` function panics (with a message) when a property does not hold.

#![allow(dead_code)]

use callq::analyze::{Analyzer, METRICS, MetricValue};
use callq::document::{DocumentErrorKind, LineParser, Reading};
use callq::duration::Duration;
use callq::framing::UTF8_BOM;
use callq::model::Document;
use serde_json::Value;

// ---- line -------------------------------------------------------------------------------------

/// What both readings must agree on: the structure and everything `callq analyze` uses.
#[derive(Debug, PartialEq)]
pub struct AnalyzeView {
    /// The document's kind: it depends on neither the reading nor the reader.
    pub kind: &'static str,
    pub sessions: usize,
    pub segments: usize,
    pub media: usize,
    pub streams: Vec<StreamFacts>,
}

/// One stream's facts that `callq analyze` uses.
#[derive(Debug, PartialEq)]
pub struct StreamFacts {
    pub label: Option<String>,
    pub direction: Option<String>,
    /// The 22 metrics, with floats compared by bits (every NaN equal).
    pub metrics: Vec<Metric>,
}

/// A metric value compared exactly.
#[derive(Debug, PartialEq)]
pub enum Metric {
    Absent,
    Float(u64),
    Int(i64),
}

fn metric(v: MetricValue) -> Metric {
    match v {
        MetricValue::Absent => Metric::Absent,
        MetricValue::Float(x) if x.is_nan() => Metric::Float(f64::NAN.to_bits()),
        MetricValue::Float(x) => Metric::Float(x.to_bits()),
        MetricValue::Int(x) => Metric::Int(x),
    }
}

/// Walks the document through its variants (not through `Document::sessions`) and checks the
/// counts against `Document::sessions()`; returns the view.
fn view(doc: &Document<'_>) -> AnalyzeView {
    let by_variant: Vec<&callq::model::Session<'_>> = match doc {
        Document::SessionsPage(p) => p.sessions.iter().collect(),
        Document::CallRecord(r) => r.sessions.iter().collect(),
        Document::CallRecordsPage(p) => p.records.iter().flat_map(|r| r.sessions).collect(),
        // Documents of other kinds hold no sessions.
        Document::Other(_) => Vec::new(),
        _ => panic!("a new document shape: teach the fuzz checks about it"),
    };
    let by_iter: Vec<_> = doc.sessions().collect();
    assert_eq!(by_variant.len(), by_iter.len(), "session counts differ");
    for (a, b) in by_variant.iter().zip(&by_iter) {
        assert!(std::ptr::eq(*a, *b), "sessions() yields other sessions");
    }
    let mut v = AnalyzeView {
        kind: doc.shape_name(),
        sessions: 0,
        segments: 0,
        media: 0,
        streams: Vec::new(),
    };
    for s in by_iter {
        v.sessions += 1;
        for g in s.segments {
            v.segments += 1;
            for m in g.media {
                v.media += 1;
                for st in m.streams {
                    v.streams.push(StreamFacts {
                        label: m.label.map(str::to_owned),
                        direction: st.stream_direction.map(|d| d.as_str().to_owned()),
                        metrics: METRICS.iter().map(|k| metric((k.extract)(st))).collect(),
                    });
                }
            }
        }
    }
    v
}

/// One line through both readings: no panic; an error renders; Analyze accepts whenever Full
/// accepts and then sees the same structure and the same values; and the on-demand Analyze
/// reading gives exactly the tape's document or error.
pub fn check_line(data: &[u8]) {
    let mut parser = LineParser::new();
    let on_demand = analyze_outcome(&mut parser, data, false);
    assert_eq!(
        on_demand,
        analyze_outcome(&mut parser, data, true),
        "the on-demand reading and the tape disagree"
    );
    // The same for `check`'s reading: every property of the table, on demand and by the tape.
    let on_demand_full = reading_outcome(&mut parser, data, Reading::Full, false);
    assert_eq!(
        on_demand_full,
        reading_outcome(&mut parser, data, Reading::Full, true),
        "the on-demand full reading and the tape disagree"
    );
    let full = parse_view(&mut parser, data, Reading::Full);
    let analyze = parse_view(&mut parser, data, Reading::Analyze);
    // The parser is reused: a second parse of the same line gives the same answer.
    let again = parse_view(&mut parser, data, Reading::Full);
    assert_eq!(full, again, "a reused parser answers differently");
    match (&full, &analyze) {
        (Ok(f), Ok(a)) => assert_eq!(f, a, "Full and Analyze see different documents"),
        (Ok(_), Err(e)) => panic!("Full accepts but Analyze rejects: {e:?}"),
        (Err((kf, _)), Err((ka, _))) => {
            // The syntax and the shape do not depend on the reading.
            if *kf != DocumentErrorKind::Value || *ka != DocumentErrorKind::Value {
                assert_eq!(kf, ka, "the readings disagree on the kind of error");
            }
        }
        (Err((kf, m)), Ok(_)) => assert_eq!(
            *kf,
            DocumentErrorKind::Value,
            "Analyze accepts what Full calls {kf:?}: {m}"
        ),
    }
}

/// Everything the Analyze reading made of a line, as text: the document's `{:?}` (every
/// field, doubles exactly) or the error message. `tape` forces simd-json's tape; otherwise the
/// on-demand reader answers (and hands what it is unsure of to the tape).
pub fn analyze_outcome(parser: &mut LineParser, data: &[u8], tape: bool) -> String {
    reading_outcome(parser, data, Reading::Analyze, tape)
}

/// Everything `reading` made of a line, as text (see [`analyze_outcome`]); with
/// `Reading::Full`, what `callq check` sees: every property of the table.
pub fn reading_outcome(
    parser: &mut LineParser,
    data: &[u8],
    reading: Reading,
    tape: bool,
) -> String {
    let show = |d: Result<Document<'_>, callq::document::DocumentError>| match d {
        Ok(doc) => format!("{doc:?}"),
        Err(e) => format!("error: {e}"),
    };
    if tape {
        parser.parse_with_tape(data, reading, show)
    } else {
        parser.parse(data, reading, show)
    }
}

type Parsed = Result<AnalyzeView, (DocumentErrorKind, String)>;

fn parse_view(parser: &mut LineParser, data: &[u8], reading: Reading) -> Parsed {
    parser.parse(data, reading, |doc| match doc {
        Ok(doc) => Ok(view(&doc)),
        Err(e) => {
            let msg = e.to_string();
            assert!(!msg.is_empty());
            if let Some(b) = e.byte_in_line() {
                assert!(b <= data.len(), "error byte {b} beyond the line");
            }
            if *e.kind() == DocumentErrorKind::Syntax {
                assert_eq!(e.path().count(), 0, "a syntax error with a path");
            }
            Err((e.kind().clone(), msg))
        }
    })
}

// ---- reader -----------------------------------------------------------------------------------

/// One physical line as a naive splitter sees it.
struct NaiveLine<'a> {
    offset: usize,
    bytes: &'a [u8],
}

/// Splits at every LF; a final line without LF counts; a CR before the LF (or at the end) and
/// a BOM at the very start are dropped.
fn naive_lines(data: &[u8]) -> Vec<NaiveLine<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < data.len() {
        let end = data[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(data.len(), |n| start + n);
        let mut bytes = &data[start..end];
        if bytes.last() == Some(&b'\r') {
            bytes = &bytes[..bytes.len() - 1];
        }
        if start == 0 && bytes.starts_with(UTF8_BOM) {
            bytes = &bytes[UTF8_BOM.len()..];
        }
        out.push(NaiveLine {
            offset: start,
            bytes,
        });
        start = end + 1;
    }
    out
}

fn naive_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r'))
}

/// A chunk size from the first byte: 1 to 64 bytes.
pub fn small_chunk(data: &[u8]) -> usize {
    1 + usize::from(data.first().copied().unwrap_or(0) % 64)
}

/// A whole file through the analyzer with a small chunk size, against a naive splitter, a
/// line-by-line parse, and the report of a single chunk.
pub fn check_reader(data: &[u8]) {
    let chunk = small_chunk(data);
    let report = Analyzer::new()
        .chunk_size(chunk)
        .keep_duplicates(true)
        .analyze_bytes("fuzz", data)
        .expect("skip mode never fails");
    // Deduplicating drops copies and nothing else, whatever the chunk size.
    let deduped = Analyzer::new()
        .chunk_size(chunk)
        .analyze_bytes("fuzz", data)
        .expect("skip mode never fails");
    let deduped_whole = Analyzer::new()
        .chunk_size(data.len() + 1)
        .analyze_bytes("fuzz", data)
        .expect("skip mode never fails");
    assert_eq!(
        deduped.input, deduped_whole.input,
        "dedupe depends on the chunk size"
    );
    assert_eq!(
        deduped.input.sessions + deduped.input.duplicate_sessions,
        report.input.sessions,
        "dedupe lost or invented sessions"
    );
    assert_eq!(deduped.input.documents, report.input.documents);
    assert_eq!(
        deduped.input.unidentified_sessions,
        report.input.unidentified_sessions
    );
    let lines = naive_lines(data);
    let blank = lines.iter().filter(|l| naive_blank(l.bytes)).count() as u64;
    let c = report.input;
    assert_eq!(c.files, 1);
    assert_eq!(c.bytes, data.len() as u64);
    assert_eq!(
        c.documents + c.bad_lines + blank,
        lines.len() as u64,
        "good + bad + blank != physical lines ({c:?}, blank {blank})"
    );
    assert_eq!(c.lines, c.documents + c.bad_lines);
    assert_eq!(
        report.errors.len() as u64,
        c.bad_lines.min(callq::analyze::MAX_LISTED_ERRORS as u64)
    );
    let mut prev: Option<(u64, u64)> = None;
    for e in &report.errors {
        let p = &e.position;
        assert_eq!(p.file, "fuzz");
        assert!(p.byte_offset < data.len() as u64, "offset outside the file");
        assert!(
            p.line >= 1 && p.line <= lines.len() as u64,
            "line number out of range"
        );
        if let Some((line, off)) = prev {
            assert!(p.line > line, "line numbers do not increase");
            assert!(p.byte_offset > off, "offsets do not increase");
        }
        prev = Some((p.line, p.byte_offset));
        let naive = &lines[(p.line - 1) as usize];
        assert_eq!(
            p.byte_offset, naive.offset as u64,
            "line {} starts elsewhere",
            p.line
        );
        assert!(!naive_blank(naive.bytes), "a blank line reported bad");
        assert!(!e.message.is_empty());
    }

    // Line by line with one parser: the same counts.
    let mut parser = LineParser::new();
    let (mut docs, mut sessions, mut streams) = (0u64, 0u64, 0u64);
    let mut bad_lines = Vec::new();
    for (k, l) in lines.iter().enumerate() {
        if naive_blank(l.bytes) {
            continue;
        }
        parser.parse(l.bytes, Reading::Analyze, |doc| match doc {
            Ok(doc) => {
                docs += 1;
                for s in doc.sessions() {
                    sessions += 1;
                    for g in s.segments {
                        for m in g.media {
                            streams += m.streams.len() as u64;
                        }
                    }
                }
            }
            Err(_) => bad_lines.push(k as u64 + 1),
        });
    }
    assert_eq!(
        c.documents, docs,
        "documents differ from a line-by-line parse"
    );
    assert_eq!(c.sessions, sessions);
    assert_eq!(c.streams, streams);
    let listed: Vec<u64> = report.errors.iter().map(|e| e.position.line).collect();
    assert_eq!(
        listed,
        bad_lines[..bad_lines.len().min(listed.len())],
        "bad lines differ from a line-by-line parse"
    );

    // The report does not depend on the chunk size.
    let whole = Analyzer::new()
        .chunk_size(data.len() + 1)
        .keep_duplicates(true)
        .analyze_bytes("fuzz", data)
        .expect("skip mode never fails");
    assert_eq!(report.input, whole.input, "counts depend on the chunk size");
    assert_eq!(
        report.errors, whole.errors,
        "errors depend on the chunk size"
    );
    assert_eq!(
        callq::report::analyze_json(&report),
        callq::report::analyze_json(&whole),
        "the report depends on the chunk size"
    );
}

// ---- duration ---------------------------------------------------------------------------------

/// `Duration::parse` never panics, agrees with the reference parser, and an accepted value
/// survives `Display` → `parse`, whose text is canonical (it prints itself again).
pub fn check_duration(data: &[u8]) {
    let bytes = Duration::parse_bytes(data);
    let Ok(s) = std::str::from_utf8(data) else {
        // Not UTF-8: never a duration (the grammar is ASCII).
        assert!(bytes.is_err(), "accepted invalid UTF-8 {data:?}");
        return;
    };
    let got = Duration::parse(s);
    assert_eq!(got, bytes, "parse and parse_bytes differ on {s:?}");
    if let Err(e) = &got {
        assert!(e.offset() <= s.len(), "error offset beyond the input {s:?}");
        assert!(!e.to_string().is_empty());
    }
    let want = reference_duration(s);
    assert_eq!(
        got.as_ref().ok().map(|d| i128::from(d.as_nanos())),
        want,
        "callq and the reference parser disagree on {s:?}"
    );
    if let Ok(d) = got {
        let text = d.to_string();
        assert_eq!(Duration::parse(&text), Ok(d), "{s:?} prints as {text:?}");
        assert_eq!(Duration::parse(&text).unwrap().to_string(), text);
        let ms = d.as_millis_f64();
        assert!(ms.is_finite());
    }
}

/// A slow, obviously correct parser (from `tests/integration/duration.rs`): splits at the first `T`, reads
/// each side as a list of (number, designator) tokens, and sums the exact value in `i128`.
/// `None` for any reject.
pub fn reference_duration(s: &str) -> Option<i128> {
    let (neg, rest) = if let Some(r) = s.strip_prefix('-') {
        (true, r)
    } else if let Some(r) = s.strip_prefix('+') {
        (false, r)
    } else {
        (false, s)
    };
    let rest = rest.strip_prefix('P')?;
    let (date, time) = match rest.find('T') {
        Some(k) => (&rest[..k], Some(&rest[k + 1..])),
        None => (rest, None),
    };
    let mut tokens = duration_section(date, &[('W', 604_800), ('D', 86_400)])?;
    if let Some(time) = time {
        let t = duration_section(time, &[('H', 3_600), ('M', 60), ('S', 1)])?;
        if t.is_empty() {
            return None;
        }
        tokens.extend(t);
    }
    if tokens.is_empty() {
        return None;
    }
    let last = tokens.len() - 1;
    let mut total: i128 = 0;
    for (k, (int, frac, unit)) in tokens.into_iter().enumerate() {
        if frac.is_some() && k != last {
            return None;
        }
        let mut value: i128 = 0;
        for c in int.chars() {
            value = value
                .checked_mul(10)?
                .checked_add(i128::from(c.to_digit(10)?))?;
        }
        let frac: String = frac.unwrap_or_default().chars().take(9).collect();
        let padded = format!("{frac:0<9}");
        let mut nanos_of_unit: i128 = 0;
        for c in padded.chars() {
            nanos_of_unit = nanos_of_unit * 10 + i128::from(c.to_digit(10)?);
        }
        total = total.checked_add(
            value
                .checked_mul(unit * 1_000_000_000)?
                .checked_add(nanos_of_unit * unit)?,
        )?;
    }
    let signed = if neg { -total } else { total };
    (i128::from(i64::MIN)..=i128::from(i64::MAX))
        .contains(&signed)
        .then_some(signed)
}

type Token = (String, Option<String>, i128);

fn duration_section(s: &str, units: &[(char, i128)]) -> Option<Vec<Token>> {
    let mut out = Vec::new();
    let mut next_unit = 0;
    let mut number = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let k = units.iter().position(|&(d, _)| d == c)?;
        if k < next_unit {
            return None;
        }
        next_unit = k + 1;
        let (int, frac) = match number.split_once('.') {
            Some((i, f)) => (i.to_string(), Some(f.to_string())),
            None => (number.clone(), None),
        };
        let frac_len = frac.as_ref().map_or(0, String::len);
        if int.len() + frac_len == 0 || frac.as_ref().is_some_and(|f| f.contains('.')) {
            return None;
        }
        out.push((int, frac, units[k].1));
        number.clear();
    }
    if !number.is_empty() {
        return None;
    }
    Some(out)
}

// ---- differential -----------------------------------------------------------------------------

// Disagreements between callq (simd-json) and serde_json allowed on purpose; every other one
// fails the target. The comparison is made only where both parsers accept the line, so a
// disagreement that makes only one of them reject needs no exception here unless it is in the
// "serde_json accepts, callq says the JSON is invalid" direction, which is checked too.
//
// 1. Depth: serde_json stops at 128 levels, callq (simd-json) at 1024. serde_json rejects the
//    deeper lines, so they are never compared. No exception needed.
// 2. The integer literal `-0`: serde_json makes it the float -0.0, simd-json the integer 0.
//    callq reads `-0` as Int64 0, and as the double +0.0 for an Edm.Single. The oracle, which
//    cannot tell `-0` from `-0.0` in a `serde_json::Value`, accepts -0.0 as Int64 0 and
//    compares Edm.Single zeros by value (+0.0 == -0.0), not by bits.
// 3. Integers beyond the u64 range: both parsers make them doubles (simd-json through its
//    `big-int-as-float` feature). Allowed: none so far (the values must agree to the bit).
// 4. `"NaN"`, `"INF"`, `"-INF"` as Edm.Single: not JSON numbers to serde_json; the oracle maps
//    exactly those three strings, as the contract says.
// 5. Duplicate keys: both keep the last (serde_json's `Value` replaces, callq's walk lets the
//    last occurrence win). No exception needed.
// 6. Invalid UTF-8 and lone surrogate escapes: both reject them everywhere (serde_json checks
//    every string it builds into a `Value`, keys included). No exception needed.
// 7. Only one direction for values: callq rejects lines the oracle accepts when a property
//    the oracle does not read has a wrong type (Analyze reads dates, endpoints, networks...).
//    Then callq's error must be a value error, never a syntax or shape error.

/// The values compared per stream.
#[derive(Debug, PartialEq)]
pub struct DiffStream {
    pub jitter_ns: Option<i64>,
    pub packets: Option<i64>,
    pub loss: Option<Single>,
}

/// An Edm.Single compared by value, every NaN equal (and +0 == -0, see exception 2).
#[derive(Debug)]
pub enum Single {
    NaN,
    Num(f64),
}

impl PartialEq for Single {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Single::NaN, Single::NaN) => true,
            // Bitwise, except that the two zeros are equal.
            (Single::Num(a), Single::Num(b)) => {
                a.to_bits() == b.to_bits() || (*a == 0.0 && *b == 0.0)
            }
            _ => false,
        }
    }
}

fn single(x: f64) -> Single {
    if x.is_nan() {
        Single::NaN
    } else {
        Single::Num(x)
    }
}

/// What both sides extract from a line.
#[derive(Debug, PartialEq)]
pub struct DiffView {
    pub sessions: usize,
    pub segments: usize,
    pub media: usize,
    pub streams: Vec<DiffStream>,
}

/// Why the oracle rejects a line.
#[derive(Debug, PartialEq)]
pub enum OracleError {
    /// Not an object with `value` or `sessions`.
    Shape,
    /// A property the oracle reads has a wrong type or value.
    Value(String),
}

fn callq_diff(data: &[u8]) -> Result<DiffView, (DocumentErrorKind, String)> {
    LineParser::new().parse(data, Reading::Analyze, |doc| {
        let doc = doc.map_err(|e| (e.kind().clone(), e.to_string()))?;
        let mut v = DiffView {
            sessions: 0,
            segments: 0,
            media: 0,
            streams: Vec::new(),
        };
        for s in doc.sessions() {
            v.sessions += 1;
            for g in s.segments {
                v.segments += 1;
                for m in g.media {
                    v.media += 1;
                    for st in m.streams {
                        v.streams.push(DiffStream {
                            jitter_ns: st.average_jitter.map(Duration::as_nanos),
                            packets: st.packet_utilization,
                            loss: st.average_packet_loss_rate.map(single),
                        });
                    }
                }
            }
        }
        Ok(v)
    })
}

fn member<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    v.get(key).filter(|x| !x.is_null())
}

/// The non-null elements of an array member; absent or null is empty, elements must be
/// objects.
fn oracle_objects<'v>(v: &'v Value, key: &str) -> Result<Vec<&'v Value>, OracleError> {
    match member(v, key) {
        None => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .filter(|e| !e.is_null())
            .map(|e| {
                if e.is_object() {
                    Ok(e)
                } else {
                    Err(OracleError::Value(format!("{key}: element not an object")))
                }
            })
            .collect(),
        Some(_) => Err(OracleError::Value(format!("{key}: not an array"))),
    }
}

/// The sessions of a document by the contract's "Document kinds", written from the contract
/// independently of callq's readers: `@odata.context` first, else the members.
fn oracle_sessions(page: &Value) -> Result<Vec<&Value>, OracleError> {
    const RECORD_ONLY: [&str; 8] = [
        "version",
        "type",
        "organizer",
        "organizer_v2",
        "participants",
        "participants_v2",
        "lastModifiedDateTime",
        "joinWebUrl",
    ];
    if !page.is_object() {
        return Err(OracleError::Shape);
    }
    let has = |v: &Value, k: &str| member(v, k).is_some();
    fn records_of(elements: Vec<&Value>) -> Result<Vec<&Value>, OracleError> {
        let mut out = Vec::new();
        for r in elements {
            out.extend(oracle_objects(r, "sessions")?);
        }
        Ok(out)
    }
    // A page of rows of another kind: its `value` must be there, as an array of objects.
    fn rows(page: &Value) -> Result<Vec<&Value>, OracleError> {
        match member(page, "value") {
            None => Err(OracleError::Shape),
            Some(_) => oracle_objects(page, "value").map(|_| Vec::new()),
        }
    }
    // A `$batch` reply holds several documents: a single-document parse refuses it.
    if has(page, "responses") && !has(page, "value") && !has(page, "sessions") {
        return Err(OracleError::Shape);
    }
    if let Some(ctx) = page.get("@odata.context").and_then(Value::as_str) {
        if ctx.contains("pstnCallLogRow")
            || ctx.contains("directRoutingLogRow")
            || ctx.contains("/participants")
        {
            return rows(page);
        }
        if ctx.contains("/sessions") {
            return oracle_objects(page, "value");
        }
        if ctx.contains("#communications/callRecords") {
            return if ctx.contains("/$entity") {
                oracle_objects(page, "sessions")
            } else {
                records_of(oracle_objects(page, "value")?)
            };
        }
    }
    if has(page, "sessions") || RECORD_ONLY.iter().any(|k| has(page, k)) {
        return oracle_objects(page, "sessions");
    }
    let Some(value) = member(page, "value") else {
        return Err(OracleError::Shape);
    };
    let elements: Vec<&Value> = value.as_array().map_or(Vec::new(), |a| a.iter().collect());
    let any = |test: &dyn Fn(&Value) -> bool| elements.iter().any(|e| test(e));
    if any(&|e| has(e, "sessions") || RECORD_ONLY.iter().any(|k| has(e, k))) {
        records_of(oracle_objects(page, "value")?)
    } else if any(&|e| has(e, "callType") && has(e, "charge"))
        || any(&|e| has(e, "trunkFullyQualifiedDomainName"))
        || any(&|e| has(e, "subscriptionId") && has(e, "resourceData"))
    {
        rows(page)
    } else {
        oracle_objects(page, "value")
    }
}

fn oracle_int64(v: &Value) -> Result<i64, OracleError> {
    let bad = || OracleError::Value(format!("packetUtilization: {v}"));
    match v {
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(x), _) => Ok(x),
            // Exception 2: the literal `-0` reaches the oracle as -0.0.
            (None, Some(x)) if n.is_f64() && x == 0.0 && x.is_sign_negative() => Ok(0),
            _ => Err(bad()),
        },
        Value::String(s) => {
            let digits = s.strip_prefix('-').unwrap_or(s);
            let canonical = !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit())
                && (digits == "0" || !digits.starts_with('0'));
            if canonical {
                s.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        }
        _ => Err(bad()),
    }
}

fn oracle_single(v: &Value) -> Result<Single, OracleError> {
    match v {
        Value::Number(n) => n
            .as_f64()
            .map(single)
            .ok_or_else(|| OracleError::Value(format!("averagePacketLossRate: {v}"))),
        Value::String(s) if s == "NaN" => Ok(Single::NaN),
        Value::String(s) if s == "INF" => Ok(single(f64::INFINITY)),
        Value::String(s) if s == "-INF" => Ok(single(f64::NEG_INFINITY)),
        _ => Err(OracleError::Value(format!("averagePacketLossRate: {v}"))),
    }
}

fn oracle_duration(v: &Value) -> Result<i64, OracleError> {
    v.as_str()
        .and_then(|s| Duration::parse(s).ok())
        .map(Duration::as_nanos)
        .ok_or_else(|| OracleError::Value(format!("averageJitter: {v}")))
}

/// The serde_json oracle's view of a parsed line.
pub fn oracle_diff(page: &Value) -> Result<DiffView, OracleError> {
    let sessions = oracle_sessions(page)?;
    let mut v = DiffView {
        sessions: sessions.len(),
        segments: 0,
        media: 0,
        streams: Vec::new(),
    };
    for s in sessions {
        for g in oracle_objects(s, "segments")? {
            v.segments += 1;
            for m in oracle_objects(g, "media")? {
                v.media += 1;
                for st in oracle_objects(m, "streams")? {
                    v.streams.push(DiffStream {
                        jitter_ns: member(st, "averageJitter")
                            .map(oracle_duration)
                            .transpose()?,
                        packets: member(st, "packetUtilization")
                            .map(oracle_int64)
                            .transpose()?,
                        loss: member(st, "averagePacketLossRate")
                            .map(oracle_single)
                            .transpose()?,
                    });
                }
            }
        }
    }
    Ok(v)
}

/// The same line through callq and through serde_json + the oracle.
pub fn check_differential(data: &[u8]) {
    let ours = callq_diff(data);
    let theirs = serde_json::from_slice::<Value>(data);
    let Ok(value) = theirs else {
        return;
    };
    let oracle = oracle_diff(&value);
    let shown = String::from_utf8_lossy(data);
    match (&ours, &oracle) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "callq and serde_json read different values: {shown}"),
        (Ok(a), Err(e)) => panic!("callq accepts ({a:?}) what the oracle rejects ({e:?}): {shown}"),
        (Err((kind, msg)), Ok(_)) => assert_eq!(
            *kind,
            DocumentErrorKind::Value,
            "serde_json and the oracle accept, callq says {msg}: {shown}"
        ),
        (Err((kind, msg)), Err(OracleError::Shape)) => assert_eq!(
            *kind,
            DocumentErrorKind::Shape,
            "the oracle sees a wrong shape, callq says {msg}: {shown}"
        ),
        (Err((kind, msg)), Err(OracleError::Value(_))) => assert_eq!(
            *kind,
            DocumentErrorKind::Value,
            "serde_json accepts the JSON, callq says {msg}: {shown}"
        ),
    }
}

// ---- writers ----------------------------------------------------------------------------------

/// The fuzz input cut at its 0xFF bytes (never part of UTF-8) into up to four texts, each read
/// as lossy UTF-8: two media labels, a file name, and the string a bad line carries.
pub fn check_writers(data: &[u8]) {
    let mut parts = data.split(|&b| b == 0xff).map(String::from_utf8_lossy);
    let label_a = parts.next().unwrap_or_default();
    let label_b = parts.next().unwrap_or_default();
    let file = parts.next().unwrap_or_default();
    let bad = parts.next().unwrap_or_default();
    check_writer_texts(&label_a, &label_b, &file, &bad);
}

/// True for what no table may print: a control character other than a line feed (C0, DEL, C1),
/// a bidirectional formatting character, or a Unicode line or paragraph separator.
pub fn unsafe_in_table(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(
            c,
            '\u{61c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// A strict RFC 4180 reader for the CSV callq writes (records end with LF): an unquoted field
/// holds no quote, comma, CR or LF; a quoted field doubles its quotes and its closing quote is
/// followed by a comma or the record's LF; the text ends with a LF. Anything else is an error.
pub fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut records = Vec::new();
    if text.is_empty() {
        return Ok(records);
    }
    let mut record = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    None => return Err("an unterminated quoted field".into()),
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(c) => field.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                match c {
                    ',' | '\n' => break,
                    '"' | '\r' => return Err(format!("{c:?} in an unquoted field")),
                    _ => {
                        field.push(c);
                        chars.next();
                    }
                }
            }
        }
        record.push(field);
        match chars.next() {
            Some(',') => {}
            Some('\n') => {
                records.push(std::mem::take(&mut record));
                if chars.peek().is_none() {
                    return Ok(records);
                }
            }
            None => return Err("the last record does not end with a line feed".into()),
            Some(c) => return Err(format!("{c:?} after a quoted field")),
        }
    }
}

/// A report whose group keys, file name and bad-line message come from the given texts, through
/// every writer: the tables print no control or bidi character and show each key (escaped) at
/// the start of its row, with exactly one row per group; the CSV reads back (strictly) to the
/// neutralised keys by default and to the keys themselves when raw, and no number cell is
/// neutralised; the JSON report and the bad-line NDJSON read back to the same texts.
pub fn check_writer_texts(label_a: &str, label_b: &str, file: &str, bad: &str) {
    use callq::analyze::Dimension;
    use callq::report::{self, CsvOptions, spreadsheet_safe, terminal_safe};

    let q = |s: &str| serde_json::to_string(s).expect("a string serialises");
    // Group keys (label, direction): (a, callerToCallee), (a, none), (b, calleeToCaller); the
    // second line is bad (segments must be an array) and its message quotes `bad`.
    let input = format!(
        concat!(
            r#"{{"value":[{{"segments":[{{"media":["#,
            r#"{{"label":{},"streams":[{{"streamDirection":"callerToCallee","packetUtilization":600,"averageJitter":"PT0.05S"}},{{}}]}},"#,
            r#"{{"label":{},"streams":[{{"streamDirection":"calleeToCaller","averagePacketLossRate":-0.5}}]}}"#,
            "]}}]}}]}}\n",
            r#"{{"value":[{{"segments":{}}}]}}"#,
            "\n"
        ),
        q(label_a),
        q(label_b),
        q(bad)
    );
    let by = Dimension::parse_list("label,direction").expect("known dimensions");
    let report = Analyzer::new()
        .group_by(by)
        .analyze_bytes(file, input.as_bytes())
        .expect("skip mode never fails");
    let mut want: Vec<Vec<Option<String>>> = vec![
        vec![Some(label_a.into()), Some("callerToCallee".into())],
        vec![Some(label_a.into()), None],
        vec![Some(label_b.into()), Some("calleeToCaller".into())],
    ];
    want.sort();
    let keys: Vec<Vec<Option<String>>> = report.groups.iter().map(|g| g.key.clone()).collect();
    assert_eq!(keys, want, "the labels did not come through as group keys");
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert_eq!(report.errors[0].position.file, file);

    // Tables.
    let table = report::analyze_table(&report);
    for text in [&table, &report::check_table(&report)] {
        if let Some(c) = text.chars().find(|&c| unsafe_in_table(c)) {
            panic!("the table prints {c:?}: {text}");
        }
    }
    let lines: Vec<&str> = table.split('\n').collect();
    assert!(lines[4].starts_with("label"), "{table}");
    for (i, g) in report.groups.iter().enumerate() {
        let cell = g.key[0].as_deref().map_or("(none)".into(), terminal_safe);
        assert!(
            lines[5 + i].starts_with(cell.as_ref()),
            "row {i} does not start with {cell:?}: {table}"
        );
    }
    assert_eq!(
        lines[5 + report.groups.len()],
        "",
        "more rows than groups: {table}"
    );
    assert!(table.contains(terminal_safe(file).as_ref()), "{table}");
    // Header, rows, blank, legend (5 lines), blank, "1 bad line:", the bad line, final "".
    assert_eq!(
        lines.len(),
        5 + report.groups.len() + 1 + 5 + 3 + 1,
        "{table}"
    );

    // CSV, neutralised and raw.
    for raw in [false, true] {
        let csv = report::analyze_csv_with(&report, CsvOptions::default().with_raw(raw));
        let records = parse_csv(&csv).unwrap_or_else(|e| panic!("bad CSV ({e}): {csv:?}"));
        assert_eq!(records.len(), 1 + 22 * report.groups.len());
        assert_eq!(records[0][..3], ["label", "direction", "streams"]);
        for (i, g) in report.groups.iter().enumerate() {
            for r in &records[1 + 22 * i..1 + 22 * (i + 1)] {
                assert_eq!(r.len(), 17, "{r:?}");
                for (cell, key) in r.iter().zip(&g.key) {
                    let key = key.as_deref().unwrap_or_default();
                    // OWASP's rule, written out here rather than taken from the writer.
                    let formula = key.starts_with(['=', '+', '-', '@', '\t', '\r']);
                    let want = if formula && !raw {
                        format!("'{key}")
                    } else {
                        key.to_owned()
                    };
                    assert_eq!(*cell, want);
                    assert_eq!(
                        spreadsheet_safe(key).as_ref(),
                        if formula {
                            format!("'{key}")
                        } else {
                            key.to_owned()
                        }
                    );
                }
                for (k, cell) in r.iter().enumerate().skip(2) {
                    if k == 7 || k == 8 {
                        continue; // metric and unit names
                    }
                    assert!(
                        cell.is_empty() || cell.parse::<f64>().is_ok(),
                        "not a number in column {k}: {cell:?}"
                    );
                }
            }
        }
        // The negative packet loss rate of group (b, calleeToCaller) is a number, not text.
        let b = report
            .groups
            .iter()
            .position(|g| g.key[1].as_deref() == Some("calleeToCaller"))
            .expect("group b");
        let loss = &records[1 + 22 * b + 5];
        assert_eq!(
            (loss[7].as_str(), loss[12].as_str()),
            ("averagePacketLossRate", "-0.5")
        );
    }

    // JSON and the bad-line NDJSON read back to the same texts.
    let json: Value = serde_json::from_str(&report::analyze_json(&report)).expect("JSON");
    for (g, j) in report
        .groups
        .iter()
        .zip(json["groups"].as_array().expect("groups"))
    {
        assert_eq!(j["key"]["label"].as_str(), g.key[0].as_deref());
        assert_eq!(j["key"]["direction"].as_str(), g.key[1].as_deref());
    }
    let mut nd = Vec::new();
    report::write_errors_ndjson(&report.errors, &mut nd).expect("a Vec");
    let nd = String::from_utf8(nd).expect("UTF-8");
    let lines: Vec<&str> = nd.lines().collect();
    assert_eq!(lines.len(), report.errors.len(), "{nd:?}");
    for (line, e) in lines.iter().zip(&report.errors) {
        let v: Value = serde_json::from_str(line).expect("a JSON line");
        assert_eq!(v["file"].as_str(), Some(e.position.file.as_str()));
        assert_eq!(v["line"].as_u64(), Some(e.position.line));
        assert_eq!(v["byteOffset"].as_u64(), Some(e.position.byte_offset));
        assert_eq!(v["message"].as_str(), Some(e.message.as_str()));
    }
}

// ---- sequence ---------------------------------------------------------------------------------

/// The JSON text sequence splitter on arbitrary bytes: fed in pieces of any size it splits as
/// fed whole; every unit is positioned at its first byte (line = 1 + the newlines before it)
/// and lies inside the input; when serde_json reads the whole input as a sequence of values,
/// the documents are exactly those values (a top-level array's elements instead of the
/// array); and the analyzer counts one line per unit, whatever the chunk size.
pub fn check_sequence(data: &[u8]) {
    use callq::sequence::{Splitter, UnitKind, split_all};
    let whole = split_all(data);
    let piece = small_chunk(data);
    let mut splitter = Splitter::new(usize::MAX);
    let mut pieces = Vec::new();
    let (mut keep, mut end) = (0u64, 0usize);
    loop {
        end = (end + piece).min(data.len());
        let eof = end == data.len();
        keep = splitter.feed(&data[keep as usize..end], keep, eof, &mut pieces);
        if eof {
            break;
        }
    }
    assert_eq!(
        pieces, whole,
        "splitting in pieces of {piece} bytes differs"
    );
    for u in &whole {
        assert!(
            u.start <= u.end && u.end <= data.len() as u64,
            "{u:?} outside the input"
        );
        let newlines = data[..u.start as usize]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        assert_eq!(u.line, newlines as u64 + 1, "{u:?} has the wrong line");
        if u.kind == UnitKind::Document {
            assert!(u.end > u.start, "an empty document");
        }
    }
    // The oracle: serde_json's reading of the same bytes as a whitespace-separated sequence.
    let body = data.strip_prefix(UTF8_BOM).unwrap_or(data);
    let values: Result<Vec<Value>, _> = serde_json::Deserializer::from_slice(body)
        .into_iter::<Value>()
        .collect();
    if let Ok(values) = values
        && values.iter().all(|v| v.is_object() || v.is_array())
        && !body.starts_with(b"\"")
    {
        let mut want = Vec::new();
        for v in values {
            match v {
                Value::Array(items) => want.extend(items),
                other => want.push(other),
            }
        }
        let got: Vec<Value> = whole
            .iter()
            .map(|u| {
                assert_eq!(u.kind, UnitKind::Document, "a valid sequence had {u:?}");
                serde_json::from_slice(&data[u.start as usize..u.end as usize])
                    .expect("a document of a valid sequence is valid JSON")
            })
            .collect();
        assert_eq!(got, want, "documents differ from serde_json's sequence");
    }
    let report = Analyzer::new()
        .chunk_size(small_chunk(data))
        .analyze_bytes("fuzz.json", data)
        .expect("skip mode never fails");
    assert!(
        report.input.lines
            >= whole.len() as u64
                - whole
                    .iter()
                    .filter(|u| u.kind == UnitKind::Malformed
                        && data[u.start as usize..u.end as usize]
                            .iter()
                            .all(|b| b" \t\r\n".contains(b)))
                    .count() as u64
    );
    let once = Analyzer::new()
        .chunk_size(data.len() + 1)
        .analyze_bytes("fuzz.json", data)
        .expect("skip mode never fails");
    assert_eq!(
        callq::report::analyze_json(&report),
        callq::report::analyze_json(&once),
        "the report depends on the chunk size"
    );
}

/// `partial`: arbitrary bytes read as a partial report, twice: as a whole file (refused unless
/// they are one: never a panic), and as a body framed with a valid header and CRC-32, so that
/// the body's reader sees every byte. Whatever is accepted re-encodes to the same bytes (the
/// reader accepts only the one encoding of each state), merges with itself, and renders in
/// every format (a partial of `callq report` also as HTML).
pub fn check_partial(data: &[u8]) {
    use callq::partial::{FORMAT_VERSION, Partial};
    if let Ok(p) = Partial::from_bytes(data) {
        assert_eq!(p.to_bytes(), data, "an accepted whole partial is canonical");
    }
    let Ok(p) = Partial::from_bytes(&Partial::frame(FORMAT_VERSION, data)) else {
        return;
    };
    let bytes = p.to_bytes();
    assert_eq!(
        bytes,
        Partial::frame(FORMAT_VERSION, data),
        "an accepted body is the one encoding of its state"
    );
    let q = Partial::from_bytes(&bytes).expect("a re-encoded partial reads back");
    let mut twice = q.clone();
    if twice.merge(q).is_ok() {
        let r = twice.into_report();
        let _ = callq::report::analyze_json(&r);
    }
    if p.report.is_some() {
        let data = p.clone().into_html_data();
        let data = data.expect("a report partial's groupings are its report's");
        let _ = callq::html::render(&data);
    }
    for r in p.into_reports() {
        let _ = callq::report::analyze_json(&r);
        let _ = callq::report::analyze_table(&r);
        let _ = callq::report::analyze_csv(&r);
    }
}

// ---- scanner ----------------------------------------------------------------------------------

/// The SIMD structural scanner (`callq::scan`) against its byte-at-a-time oracle, on arbitrary
/// bytes: every kernel's masks of the whole input equal `naive_masks`; `skip_value` equals
/// `naive_skip_value` at every position of the first 256 bytes and at every real quote and
/// open bracket beyond; and on the inputs valid JSON accepts, skipping the whole text lands at
/// its end and `find_key`/`elements` agree with serde_json's reading of the top level.
pub fn check_scanner(data: &[u8]) {
    use callq::scan::{Kernel, Scanner, classify, naive_masks, naive_skip_value};
    let mut want = Vec::new();
    naive_masks(data, &mut want);
    let mut starts: Vec<usize> = (0..=data.len().min(256)).collect();
    for (b, m) in want.iter().enumerate() {
        let mut bits = m.quote | m.open;
        while bits != 0 {
            starts.push(b * 64 + bits.trailing_zeros() as usize);
            bits &= bits - 1;
        }
    }
    for kernel in Kernel::available() {
        let mut got = Vec::new();
        classify(kernel, data, &mut got);
        assert_eq!(got, want, "{kernel:?}: masks differ from the oracle");
        let scanner = Scanner::with_kernel(kernel);
        for &at in &starts {
            assert_eq!(
                scanner.skip_value(data, at),
                naive_skip_value(data, at),
                "{kernel:?}: skip_value at {at}"
            );
        }
        // Valid JSON: the structure agrees with a real parser's.
        let text = data.trim_ascii();
        let Ok(value) = serde_json::from_slice::<Value>(text) else {
            continue;
        };
        assert_eq!(
            scanner.skip_value(text, 0),
            Some(text.len()),
            "{kernel:?}: whole text"
        );
        match &value {
            Value::Array(items) => {
                let mut it = scanner.elements(text, 0);
                let found: Vec<Value> = it
                    .by_ref()
                    .map(|r| serde_json::from_slice(&text[r]).expect("an element is JSON"))
                    .collect();
                assert!(it.is_complete(), "{kernel:?}: elements stopped early");
                assert_eq!(&found, items, "{kernel:?}: elements");
            }
            Value::Object(members) => {
                for (key, member) in members {
                    // A key is found by its raw bytes: check only texts without any
                    // backslash (so every key is written as its bytes) and keys written once
                    // (serde_json keeps the last of repeated keys, find_key the first).
                    let raw = serde_json::to_string(key).expect("a key");
                    let raw = raw.as_bytes();
                    if text.contains(&b'\\')
                        || text.windows(raw.len()).filter(|w| *w == raw).count() != 1
                    {
                        continue;
                    }
                    let at = scanner
                        .find_key(text, 0, key.as_bytes())
                        .unwrap_or_else(|| panic!("{kernel:?}: key {key:?} not found"));
                    let end = scanner.skip_value(text, at).expect("a member's value ends");
                    let found: Value = serde_json::from_slice(&text[at..end]).expect("a value");
                    assert_eq!(&found, member, "{kernel:?}: member {key:?}");
                }
            }
            _ => {}
        }
    }
}
