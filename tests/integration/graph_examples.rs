//! The official Microsoft Graph callRecords examples (`corpus/graph-examples/`), parsed by
//! callq's `LineParser` and cross-checked against an independent `serde_json` walk.

use std::path::{Path, PathBuf};

use callq::analyze::Analyzer;
use callq::document::{DocumentErrorKind, LineParser, Reading};
use serde_json::Value;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/graph-examples")
}

/// The one file that is not valid JSON (a stray `{ … }` wrapper inside `caller.identity`).
const INVALID: &str =
    "history/beta-callrecord-get-expand-sessions-segments-2020-02-27-e84e3c50fc.json";
/// The one file with a duplicate key (`"@odata.type"` twice in `segments[0].callee`).
const DUPLICATE_KEY: &str = "v1.0-session-list-expand-segments.json";

/// Every `.json` file of the examples, relative to `corpus/graph-examples`, sorted.
fn json_files() -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["", "history", "english-original", "related"] {
        for entry in std::fs::read_dir(corpus().join(dir)).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".json") && name != "pages.manifest.json" {
                out.push(if dir.is_empty() {
                    name
                } else {
                    format!("{dir}/{name}")
                });
            }
        }
    }
    out.sort();
    out
}

/// The file as one line: re-serialised compactly by serde_json, or, where serde_json would
/// change the document (duplicate keys collapse) or cannot read it, with CR/LF turned into
/// spaces (valid JSON whitespace everywhere outside strings, and the files have none inside).
fn one_line(rel: &str) -> Vec<u8> {
    let bytes = std::fs::read(corpus().join(rel)).unwrap();
    if rel == INVALID || rel == DUPLICATE_KEY {
        return newlines_to_spaces(&bytes);
    }
    let v: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_json::to_vec(&v).unwrap()
}

fn newlines_to_spaces(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .map(|&b| if b == b'\n' || b == b'\r' { b' ' } else { b })
        .collect()
}

/// What callq makes of one line, as a short stable string.
fn outcome(line: &[u8], reading: Reading) -> String {
    LineParser::new().parse(line, reading, |doc| match doc {
        Ok(doc) => format!(
            "ok {} sessions={}",
            doc.shape_name(),
            doc.sessions().count()
        ),
        Err(e) => match e.kind() {
            DocumentErrorKind::Syntax => "syntax".to_owned(),
            DocumentErrorKind::Shape => format!("shape: {e}"),
            DocumentErrorKind::Value => format!("value: {}", e.path_string()),
            other => format!("{other:?}: {e}"),
        },
    })
}

/// callRecords fetched without `$expand=sessions`: documents of another kind, no sessions.
const WITHOUT_SESSIONS: &str = "ok callRecord without sessions sessions=0";

/// The exact outcome of every example file under `Reading::Full` (what `callq check` does).
///
/// * callRecords fetched without `$expand=sessions` (`*-get-basic`, `*-participants_v2`) are
///   documents of another kind ("Document kinds" in the contract): counted, no sessions.
/// * The 2020-01-20 history callRecord with sessions has placeholder date-times
///   (`"datetime-value"`): a value error on the first one in document order. callq builds
///   serde_json with `preserve_order`, so the minified line keeps the file's key order and the
///   first is `lastModifiedDateTime` (see also the next test).
/// * `related/` holds a page of participants and a page of callRecords without sessions: by
///   their `@odata.context` (and the callRecord-only members) documents of other kinds.
const EXPECTED: &[(&str, &str)] = &[
    ("beta-callrecord-get-basic.json", WITHOUT_SESSIONS),
    (
        "beta-callrecord-get-expand-participants_v2.json",
        WITHOUT_SESSIONS,
    ),
    (
        "beta-callrecord-get-expand-sessions-segments.json",
        "ok callRecord sessions=1",
    ),
    (
        "beta-session-list-expand-segments.json",
        "ok page of sessions sessions=1",
    ),
    ("beta-session-list.json", "ok page of sessions sessions=1"),
    (
        "english-original/beta-callrecord-get-basic.json",
        WITHOUT_SESSIONS,
    ),
    (
        "english-original/beta-callrecord-get-expand-sessions-segments.json",
        "ok callRecord sessions=1",
    ),
    (
        "english-original/beta-session-list-expand-segments.json",
        "ok page of sessions sessions=1",
    ),
    (
        "english-original/beta-session-list.json",
        "ok page of sessions sessions=1",
    ),
    (
        "english-original/v1.0-callrecord-get-basic.json",
        WITHOUT_SESSIONS,
    ),
    (
        "english-original/v1.0-callrecord-get-expand-sessions-segments.json",
        "ok callRecord sessions=1",
    ),
    (
        "english-original/v1.0-session-list-expand-segments.json",
        "ok page of sessions sessions=1",
    ),
    (
        "english-original/v1.0-session-list.json",
        "ok page of sessions sessions=1",
    ),
    (
        "history/beta-callrecord-get-basic-2020-01-20-5505e13244.json",
        // Without sessions, still validated by `check`: its placeholder date-times are bad.
        "value: lastModifiedDateTime",
    ),
    (
        "history/beta-callrecord-get-basic-2020-02-27-e60dd24cab.json",
        WITHOUT_SESSIONS,
    ),
    (
        "history/beta-callrecord-get-expand-sessions-segments-2020-01-20-151ebe1ae6.json",
        "value: lastModifiedDateTime",
    ),
    (
        "history/beta-callrecord-get-expand-sessions-segments-2020-02-27-bd2270cd2f.json",
        "ok callRecord sessions=1",
    ),
    (
        "history/beta-callrecord-get-expand-sessions-segments-2020-02-27-e84e3c50fc.fixed.json",
        "ok callRecord sessions=1",
    ),
    (
        "history/beta-callrecord-get-expand-sessions-segments-2020-02-27-e84e3c50fc.json",
        "syntax",
    ),
    (
        "history/beta-callrecord-get-expand-sessions-segments-2020-02-27-f448a067af.json",
        "ok callRecord sessions=1",
    ),
    (
        "history/beta-callrecord-get-expand-sessions-segments-2020-02-27-f4e7de8192.json",
        "ok callRecord sessions=1",
    ),
    (
        "history/beta-callrecord-get-expand-sessions-segments-2020-05-21-a14d82e3aa.json",
        "ok callRecord sessions=1",
    ),
    (
        "history/beta-session-list-2020-05-21-3aff80ba4e.json",
        "ok page of sessions sessions=1",
    ),
    (
        "history/beta-session-list-expand-segments-2020-05-21-aaec2d4ec3.json",
        "ok page of sessions sessions=1",
    ),
    (
        "history/v1.0-callrecord-get-expand-sessions-segments-2020-05-04-bfe3f8e807.json",
        "ok callRecord sessions=1",
    ),
    (
        "history/v1.0-callrecord-get-expand-sessions-segments-2020-05-28-a5bd5da1c4.json",
        "ok callRecord sessions=1",
    ),
    (
        "history/v1.0-session-list-2020-05-28-7c74f1dbf0.json",
        "ok page of sessions sessions=1",
    ),
    (
        "history/v1.0-session-list-expand-segments-2020-05-28-55af1a0886.json",
        "ok page of sessions sessions=1",
    ),
    (
        "related/beta-participants_v2-list.json",
        "ok page of participants sessions=0",
    ),
    (
        "related/v1.0-callrecords-list.json",
        "ok page of callRecords without sessions sessions=0",
    ),
    ("v1.0-callrecord-get-basic.json", WITHOUT_SESSIONS),
    (
        "v1.0-callrecord-get-expand-participants_v2.json",
        WITHOUT_SESSIONS,
    ),
    (
        "v1.0-callrecord-get-expand-sessions-segments.json",
        "ok callRecord sessions=1",
    ),
    (
        "v1.0-session-list-expand-segments.fixed.json",
        "ok page of sessions sessions=1",
    ),
    (
        "v1.0-session-list-expand-segments.json",
        "ok page of sessions sessions=1",
    ),
    ("v1.0-session-list.json", "ok page of sessions sessions=1"),
];

#[test]
fn every_example_file_has_its_expected_outcome() {
    let files = json_files();
    let listed: Vec<&str> = EXPECTED.iter().map(|(f, _)| *f).collect();
    assert_eq!(
        files, listed,
        "the table must list exactly the .json files of the corpus"
    );
    let mut wrong = Vec::new();
    for (rel, want) in EXPECTED {
        let got = outcome(&one_line(rel), Reading::Full);
        if got != *want {
            wrong.push(format!("{rel}\n   want {want}\n    got {got}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} file(s) differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// The same outcome when the file is flattened by replacing newlines instead of serde_json.
#[test]
fn flattening_by_newline_replacement_gives_the_same_outcomes() {
    for (rel, want) in EXPECTED {
        let line = newlines_to_spaces(&std::fs::read(corpus().join(rel)).unwrap());
        assert_eq!(outcome(&line, Reading::Full), *want, "{rel}");
    }
}

/// Under `Reading::Analyze` nothing callq does not use is read, so the placeholder date-times
/// of the 2020-01-20 callRecord (`lastModifiedDateTime`) are not an error; everything else is
/// as under `Full`.
#[test]
fn analyze_reading_outcomes() {
    for (rel, want) in EXPECTED {
        let got = outcome(&one_line(rel), Reading::Analyze);
        if rel.contains("2020-01-20-151ebe1ae6") {
            assert_eq!(got, "ok callRecord sessions=1", "{rel}");
        } else if rel.contains("2020-01-20-5505e13244") {
            assert_eq!(got, WITHOUT_SESSIONS, "{rel}");
        } else {
            assert_eq!(got, *want, "{rel}");
        }
    }
}

/// serde_json's view of the invalid file agrees: it is not JSON, and its `.fixed.json` is.
#[test]
fn the_invalid_example_is_invalid_for_serde_json_too() {
    let bad = std::fs::read(corpus().join(INVALID)).unwrap();
    assert!(serde_json::from_slice::<Value>(&bad).is_err());
    let fixed = std::fs::read(corpus().join(INVALID.replace(".json", ".fixed.json"))).unwrap();
    assert!(serde_json::from_slice::<Value>(&fixed).is_ok());
}

// ---- NDJSON pages -------------------------------------------------------------------------

#[derive(Debug, Default, PartialEq, Eq, Clone, Copy)]
struct Counts {
    sessions: usize,
    segments: usize,
    media: usize,
    streams: usize,
}

/// Elements of a JSON array member that are not `null` (absent or `null` → none).
fn elements<'v>(v: &'v Value, key: &str) -> impl Iterator<Item = &'v Value> {
    v.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|e| !e.is_null())
}

/// Independent count: `value[*].segments[*].media[*].streams[*]`, with serde_json.
fn oracle_counts(line: &[u8]) -> Counts {
    let page: Value = serde_json::from_slice(line).unwrap();
    let mut c = Counts::default();
    for session in elements(&page, "value") {
        c.sessions += 1;
        for segment in elements(session, "segments") {
            c.segments += 1;
            for media in elements(segment, "media") {
                c.media += 1;
                c.streams += elements(media, "streams").count();
            }
        }
    }
    c
}

fn callq_counts(parser: &mut LineParser, line: &[u8], reading: Reading) -> Result<Counts, String> {
    parser.parse(line, reading, |doc| {
        let doc = doc.map_err(|e| e.to_string())?;
        let mut c = Counts::default();
        for session in doc.sessions() {
            c.sessions += 1;
            for segment in session.segments {
                c.segments += 1;
                for media in segment.media {
                    c.media += 1;
                    c.streams += media.streams.len();
                }
            }
        }
        Ok(c)
    })
}

fn ndjson_lines(name: &str) -> Vec<Vec<u8>> {
    let data = std::fs::read(corpus().join(name)).unwrap();
    assert!(data.ends_with(b"\n"));
    data[..data.len() - 1]
        .split(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

fn check_pages(name: &str, expected_lines: usize) -> Counts {
    let lines = ndjson_lines(name);
    assert_eq!(lines.len(), expected_lines, "{name}");
    let mut parser = LineParser::new();
    let mut total = Counts::default();
    for (i, line) in lines.iter().enumerate() {
        let want = oracle_counts(line);
        for reading in [Reading::Full, Reading::Analyze] {
            let got = callq_counts(&mut parser, line, reading)
                .unwrap_or_else(|e| panic!("{name}:{} ({reading:?}): {e}", i + 1));
            assert_eq!(got, want, "{name}:{} ({reading:?})", i + 1);
        }
        total.sessions += want.sessions;
        total.segments += want.segments;
        total.media += want.media;
        total.streams += want.streams;
    }
    total
}

#[test]
fn every_line_of_pages_ndjson_parses_with_the_right_counts() {
    let total = check_pages("pages.ndjson", 12);
    // Not vacuous: the pages hold real streams.
    assert_eq!(total.sessions, 12);
    assert!(total.streams >= 8, "{total:?}");
}

#[test]
fn every_line_of_pages_edge_cases_ndjson_parses_with_the_right_counts() {
    let total = check_pages("pages-edge-cases.ndjson", 13);
    assert_eq!(total.sessions, 13);
    assert!(total.streams > 0, "{total:?}");
}

/// `corpus/sample.ndjson` is exactly the two page files, and the analyzer's input counts over
/// it equal the serde_json totals.
#[test]
fn sample_is_the_two_page_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let sample = std::fs::read(root.join("sample.ndjson")).unwrap();
    let mut concat = std::fs::read(corpus().join("pages.ndjson")).unwrap();
    concat.extend(std::fs::read(corpus().join("pages-edge-cases.ndjson")).unwrap());
    assert_eq!(sample, concat);

    let mut want = Counts::default();
    for line in sample[..sample.len() - 1].split(|&b| b == b'\n') {
        let c = oracle_counts(line);
        want.sessions += c.sessions;
        want.segments += c.segments;
        want.media += c.media;
        want.streams += c.streams;
    }
    for reading in [Reading::Full, Reading::Analyze] {
        let report = Analyzer::new()
            .reading(reading)
            .keep_duplicates(true)
            .analyze_bytes("sample.ndjson", &sample)
            .unwrap();
        let i = report.input;
        assert_eq!(
            (i.lines, i.bad_lines, i.documents),
            (25, 0, 25),
            "{:?}",
            report.errors
        );
        assert_eq!(
            (i.sessions, i.segments, i.media, i.streams),
            (
                want.sessions as u64,
                want.segments as u64,
                want.media as u64,
                want.streams as u64
            )
        );
        assert_eq!(i.bytes, sample.len() as u64);
    }
}

/// The seed example: the stream with `streamId` "1785122252" has averageJitter `PT0.007S` and
/// averageAudioNetworkJitter `PT0.266S`, checked through the model.
#[test]
fn seed_example_stream_values() {
    let line = one_line("v1.0-session-list-expand-segments.fixed.json");
    let found = LineParser::new().parse(&line, Reading::Full, |doc| {
        let doc = doc.expect("the seed example parses");
        let mut found = Vec::new();
        for session in doc.sessions() {
            for segment in session.segments {
                for media in segment.media {
                    for s in media.streams {
                        if s.stream_id == Some("1785122252") {
                            found.push((
                                media.label.map(str::to_owned),
                                s.stream_direction.map(|d| d.as_str().to_owned()),
                                s.average_jitter.map(|d| d.as_millis_f64()),
                                s.average_audio_network_jitter.map(|d| d.as_millis_f64()),
                                s.max_audio_network_jitter.map(|d| d.as_nanos()),
                                s.average_audio_degradation,
                                s.packet_utilization,
                                s.average_bandwidth_estimate,
                                s.rms_freeze_duration,
                            ));
                        }
                    }
                }
            }
        }
        found
    });
    assert_eq!(found.len(), 1, "exactly one stream 1785122252");
    let (
        label,
        direction,
        jitter,
        net_jitter,
        max_net_jitter,
        degradation,
        packets,
        bandwidth,
        rms,
    ) = found.into_iter().next().unwrap();
    assert_eq!(label.as_deref(), Some("main-audio"));
    assert_eq!(direction.as_deref(), Some("calleeToCaller"));
    assert_eq!(jitter, Some(7.0));
    assert_eq!(net_jitter, Some(266.0));
    assert_eq!(max_net_jitter, Some(474_000_000));
    assert_eq!(degradation, Some(1.160898));
    assert_eq!(packets, Some(709));
    assert_eq!(bandwidth, Some(15_644_878));
    assert_eq!(rms, None, "null is absent");
}
