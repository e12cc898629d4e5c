//! The on-demand reading (`LineParser::parse`) against its oracle, the tape walk
//! (`LineParser::parse_with_tape`), in both readings (`Reading::Analyze` for `analyze`,
//! `Reading::Full` for `check`): same document, same error, on every corpus line, on generated
//! archives, and on random edits of both.

use std::path::Path;

use callq::document::{LineParser, Reading};
use callq::generate::{Generator, Shape};
use proptest::prelude::*;

// The fuzz targets' checks: the `line` target makes the same comparison.
use crate::checks;

use checks::reading_outcome;

/// Both readings, each on demand and by the tape: the same document or the same error.
fn assert_same(line: &[u8]) {
    let mut parser = LineParser::new();
    for reading in [Reading::Analyze, Reading::Full] {
        let fast = reading_outcome(&mut parser, line, reading, false);
        let oracle = reading_outcome(&mut parser, line, reading, true);
        assert_eq!(
            fast,
            oracle,
            "the {reading:?} readings disagree on {:?}",
            String::from_utf8_lossy(line)
        );
    }
}

fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    bytes
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
}

fn visit(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read corpus dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            visit(&path, files);
        } else {
            files.push(path);
        }
    }
}

#[test]
fn every_corpus_line_reads_the_same_both_ways() {
    let mut files = Vec::new();
    visit(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus"),
        &mut files,
    );
    files.sort();
    let mut checked = 0;
    for file in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "json" || e == "ndjson"))
    {
        let bytes = std::fs::read(file).expect("read corpus file");
        for line in lines(&bytes) {
            assert_same(line);
            checked += 1;
        }
    }
    assert!(checked > 400, "only {checked} corpus lines found");
}

/// Forty generated lines of each shape read on demand as the tape reads them, with no line
/// handed to the tape.
fn assert_generated_lines_stay_on_the_fast_path(reading: Reading, seed: u64) {
    for shape in [Shape::Sessions, Shape::CallRecord, Shape::CallRecordsPage] {
        let mut generator = Generator::new(seed, shape);
        let mut parser = LineParser::new();
        let mut buf = Vec::new();
        for _ in 0..40 {
            buf.clear();
            generator.next_line(&mut buf);
            let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
            let fast = reading_outcome(&mut parser, line, reading, false);
            assert!(!fast.starts_with("error"), "{shape:?}: {fast}");
            assert_eq!(
                fast,
                reading_outcome(&mut parser, line, reading, true),
                "{shape:?}"
            );
        }
        assert_eq!(
            parser.tape_rereads(),
            0,
            "{shape:?}: valid generated lines went to the tape in the {reading:?} reading"
        );
    }
}

#[test]
fn generated_archives_stay_on_the_fast_path() {
    assert_generated_lines_stay_on_the_fast_path(Reading::Analyze, 7);
}

#[test]
fn generated_archives_stay_on_the_fast_path_in_full() {
    assert_generated_lines_stay_on_the_fast_path(Reading::Full, 11);
}

const STREAM: &str = r#"{"value":[{"segments":[{"media":[{"label":"main-audio","streams":[{"streamDirection":"callerToCallee","averagePacketLossRate":VALUE,"averageJitter":"PT0.01S"}]}]}]}]}"#;

#[test]
fn number_forms() {
    let forms = [
        "0",
        "-0",
        "1",
        "-1",
        "0.5",
        "-0.0",
        "1e5",
        "1E+5",
        "1e-5",
        "1.25e-3",
        "12345678901234567",
        "123456789012345678",
        "1234567890123456789",
        "18446744073709551615",
        "18446744073709551616",
        "9223372036854775807",
        "-9223372036854775808",
        "0.1234567890123456789012345678",
        "1e99",
        "1e100",
        "1e308",
        "1e309",
        "1e400",
        "1e-400",
        "2.2250738585072014e-308",
        "4.9e-324",
        "01",
        "1.",
        ".5",
        "-",
        "+1",
        "1e",
        "1e+",
        "0x1",
        "NaN",
        "\"NaN\"",
        "\"INF\"",
        "\"-INF\"",
        "\"nan\"",
        "\"1\"",
        "true",
        "null",
        "[]",
        "{}",
        "1 ",
        " 1",
        "1.0e0000",
    ];
    for form in forms {
        assert_same(STREAM.replace("VALUE", form).as_bytes());
    }
}

#[test]
fn string_and_structure_forms() {
    let cases = [
        r#"{"value":[{"id":"a\"b\\c\/\b\f\n\r\t\u00e9\ud83d\ude00"}]}"#,
        r#"{"value":[{"id":"\ud800"}]}"#,
        r#"{"value":[{"id":"\ud835\udd18\uD835\uDD2B x"}]}"#,
        r#"{"value":[{"id":"\ud835\u0041"}]}"#,
        r#"{"value":[{"id":"\ud835\ud835"}]}"#,
        r#"{"value":[{"id":"\ud835"}]}"#,
        r#"{"value":[{"id":"\ud835\"}]}"#,
        r#"{"value":[{"id":"\uDBFF\uDFFF\uE000\uFFFF"}]}"#,
        r#"{"value":[{"id":"\udc00x"}]}"#,
        r#"{"value":[{"id":"\u12"}]}"#,
        r#"{"value":[{"id":"\x"}]}"#,
        r#"{"value":[{"segm\u0065nts":5}]}"#,
        r#"{"value":[{"segments":[{"media":[{"label":"m\u0061in"}]}]}]}"#,
        "{\"value\":[{\"id\":\"tab\there\"}]}",
        "{\"value\":[ {\"id\" : \"a\" } , null ] }  ",
        "{\"value\":[{\"id\":\"a\"}]}\t",
        r#"{"value":[{"x":[1,[2,{"y":[true,false,null]}],{}],"z":{}}]}"#,
        r#"{"value":[{"x":[1,]}]}"#,
        r#"{"value":[{"x":{"a":1,}}]}"#,
        r#"{"value":[{"x":{"a" 1}}]}"#,
        r#"{"value":[{"x":tru}]}"#,
        r#"{"value":[{"x":nul}]}"#,
        r#"{"value":[]}x"#,
        r#"{"value":[]}{}"#,
        r#"{"value":[],"sessions":null}"#,
        r#"{"value":null,"sessions":[{}]}"#,
        r#"{"sessions":[{}],"sessions":null}"#,
        r#"{"value":[{"sessions":null},{"sessions":[{"segments":[]}]}]}"#,
        r#"{"value":[{"sessions":[{}]},{"segments":5}]}"#,
        r#"{"value":[{"segments":5},{"sessions":[{}]}]}"#,
        r#"{"value":[{"segments":5,"segments":[]}]}"#,
        r#"{"value":[1]}"#,
        r#"{"value":{}}"#,
        r#"{"@odata.context":5,"value":[],"@odata.nextLink":"n"}"#,
        r#"{}"#,
        r#"[]"#,
        r#""#,
        "\u{feff}{\"value\":[]}",
        r#"{"value":[{"caller":{"userAgent":{"platform":"windows","productFamily":7}}}]}"#,
    ];
    for case in cases {
        assert_same(case.as_bytes());
    }
    let deep = |n: usize| {
        format!(
            r#"{{"value":[{{"x":{}{}}}]}}"#,
            "[".repeat(n),
            "]".repeat(n)
        )
    };
    for n in [
        1, 100, 500, 508, 509, 510, 511, 600, 1020, 1021, 1022, 1023, 1030,
    ] {
        assert_same(deep(n).as_bytes());
    }
}

/// Bytes worth splicing into JSON: structure, literals, escapes, numbers at the edges.
fn fragment() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::sample::select(vec![
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"",
            "\\",
            " ",
            "\t",
            "\r",
            "null",
            "true",
            "false",
            "-0",
            "1e400",
            "1e-400",
            "0.1",
            "18446744073709551616",
            "\\ud800",
            "\\u0041",
            "\\n",
            "é",
            "\u{0}",
            "{}",
            "[]",
            "\"x\":1,",
            ",\"sessions\":[{}]",
            "\"NaN\"",
            "\"PT1S\"",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        any::<u8>().prop_map(|b| vec![b]),
    ]
}

fn generated_line(seed: u64, shape: usize) -> Vec<u8> {
    let shapes = [Shape::Sessions, Shape::CallRecord, Shape::CallRecordsPage];
    let mut generator = Generator::new(seed, shapes[shape % 3]);
    let mut buf = Vec::new();
    generator.next_line(&mut buf);
    buf.pop();
    buf
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Random edits of generated lines: the two readings agree on the document or the error.
    #[test]
    fn edited_lines_read_the_same_both_ways(
        seed in 0u64..1000,
        shape in 0usize..3,
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, fragment()), 1..4),
    ) {
        let mut line = generated_line(seed, shape);
        for (at, op, bytes) in edits {
            let i = at.index(line.len() + 1);
            match op {
                0 => { line.splice(i..i, bytes); }
                1 => { let end = (i + bytes.len()).min(line.len()); line.splice(i..end, bytes); }
                _ => { let end = (i + bytes.len()).min(line.len()); line.drain(i..end); }
            }
        }
        assert_same(&line);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Decimal metric values, read on demand (a fast exact path for short decimals), equal the
    /// tape's bit for bit.
    #[test]
    fn decimal_values_read_exactly(int in 0u64..100_000_000, frac in "[0-9]{1,20}", neg: bool) {
        let literal = format!("{}{int}.{frac}", if neg { "-" } else { "" });
        assert_same(STREAM.replace("VALUE", &literal).as_bytes());
    }
}

/// Values of every JSON type and at the edges of the table's conversions (`Int32` range,
/// booleans, enumeration arrays, feedback tokens, administrative units, escapes).
const VALUES: &[&str] = &[
    "0",
    "-0",
    "-1",
    "2147483647",
    "2147483648",
    "-2147483648",
    "-2147483649",
    "9223372036854775808",
    "1.5",
    "1e400",
    "true",
    "false",
    "null",
    "tru",
    "\"x\"",
    "\"\\u0041\\n\"",
    "\"NaN\"",
    "\"12\"",
    "\"PT1S\"",
    "\"2024-01-01T00:00:00Z\"",
    "\"#microsoft.graph.callRecords.clientUserAgent\"",
    "[]",
    "{}",
    "[\"audio\",null,\"video\"]",
    "[1]",
    "[null]",
    "{\"a\":true,\"@b\":false,\"c\":1,\"a\":false}",
    "{\"rating\":\"good\",\"tokens\":{\"x\":true}}",
    "[{\"id\":\"a\"},null,{\"id\":null,\"x\":[1]}]",
    "[{\"id\":5}]",
    "{\"id\":\"u\",\"identity\":{\"user\":{\"id\":\"i\"}}}",
    "[{\"hopCount\":1,\"ipAddress\":\"a\",\"roundTripTime\":\"PT0.1S\"}]",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// `check`'s reading: scalar member values of generated lines (the `full` properties
    /// among them) replaced by values of other types and at the edges; the on-demand full
    /// reading gives the tape's document or error, as does the analyze reading.
    #[test]
    fn replaced_values_read_the_same_both_ways(
        seed in 0u64..1000,
        shape in 0usize..3,
        edits in prop::collection::vec(
            (any::<prop::sample::Index>(), prop::sample::select(VALUES)), 1..4),
    ) {
        let mut line = generated_line(seed, shape);
        for (at, value) in edits {
            // The member values that are scalars: after `":`, up to the next `,` or `}`.
            let starts: Vec<usize> = line
                .windows(2)
                .enumerate()
                .filter(|(_, w)| w == b"\":")
                .map(|(i, _)| i + 2)
                .filter(|&i| !matches!(line.get(i), Some(b'{' | b'[')))
                .collect();
            if starts.is_empty() {
                break;
            }
            let start = starts[at.index(starts.len())];
            let end = match line.get(start) {
                Some(b'"') => line[start + 1..]
                    .iter()
                    .position(|&b| b == b'"')
                    .map_or(line.len(), |p| start + p + 2),
                _ => line[start..]
                    .iter()
                    .position(|&b| b == b',' || b == b'}')
                    .map_or(line.len(), |p| start + p),
            };
            line.splice(start..end, value.bytes());
        }
        assert_same(&line);
    }
}
