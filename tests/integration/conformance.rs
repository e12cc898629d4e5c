//! JSONTestSuite (`corpus/JSONTestSuite/test_parsing`, 318 files): never a panic, `n_` always
//! rejected, `y_` always accepted as JSON, and a pinned, documented verdict for every `i_` file.
//!
//! Each file is fed twice: as a whole NDJSON input to the `Analyzer` (so a file with inner
//! newlines becomes several lines, and a leading BOM is skipped as the contract says), and as
//! ONE record to `LineParser` (the intended use of the suite: the whole file is one JSON text).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use callq::analyze::{Analyzer, Report};
use callq::document::{DocumentErrorKind, LineParser, Reading};

fn suite() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/JSONTestSuite/test_parsing")
}

/// Every file of `test_parsing/`: (name, bytes), sorted by name.
fn files() -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(suite())
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().into_string().unwrap(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Conformance is judged where the contract judges it: as an NDJSON file (one document per
/// line). The suite's `.json` names would make it a JSON text sequence.
fn analyze(name: &str, bytes: &[u8]) -> Report {
    Analyzer::new()
        .reading(Reading::Full)
        .analyze_bytes(&format!("{name}.ndjson"), bytes)
        .unwrap()
}

const NOT_A_DOCUMENT: &str = "not a callRecords document";

/// The whole file as one record: `Ok(shape-or-"document")` when the JSON was accepted
/// (whatever its shape), `Err(message)` for a syntax error.
fn one_record(bytes: &[u8]) -> Result<String, String> {
    LineParser::new().parse(bytes, Reading::Full, |doc| match doc {
        Ok(d) => Ok(d.shape_name().to_owned()),
        Err(e) if *e.kind() == DocumentErrorKind::Syntax => Err(e.to_string()),
        Err(e) => {
            assert!(
                e.to_string().contains(NOT_A_DOCUMENT),
                "valid JSON rejected for another reason: {e}"
            );
            Ok("shape error".to_owned())
        }
    })
}

#[test]
fn the_suite_is_complete() {
    let all = files();
    let count = |p: &str| all.iter().filter(|(n, _)| n.starts_with(p)).count();
    assert_eq!(
        (all.len(), count("y_"), count("n_"), count("i_")),
        (318, 95, 188, 35)
    );
}

/// No file of the 318 panics, through either entry point.
#[test]
fn no_file_panics() {
    let mut panicked = Vec::new();
    for (name, bytes) in files() {
        let r = catch_unwind(AssertUnwindSafe(|| {
            analyze(&name, &bytes);
            let _ = one_record(&bytes);
            Analyzer::new()
                .reading(Reading::Analyze)
                .analyze_bytes(&format!("{name}.ndjson"), &bytes)
                .unwrap();
            // Read as a JSON text sequence (the name as it is), nothing panics either.
            Analyzer::new()
                .reading(Reading::Analyze)
                .analyze_bytes(&name, &bytes)
                .unwrap();
        }));
        if r.is_err() {
            panicked.push(name);
        }
    }
    assert!(panicked.is_empty(), "panicked on {panicked:?}");
}

/// Blank inputs: nothing but JSON-irrelevant bytes the framing skips (a BOM, a space).
const BLANK_N: &[&str] = &[
    "n_single_space.json",
    "n_structure_UTF8_BOM_no_data.json",
    "n_structure_no_data.json",
];

#[test]
fn every_n_file_is_rejected_as_ndjson() {
    for (name, bytes) in files().into_iter().filter(|(n, _)| n.starts_with("n_")) {
        let r = analyze(&name, &bytes);
        assert_eq!(r.input.documents, 0, "{name}: {:?}", r.errors);
        assert_eq!(r.input.sessions, 0, "{name}");
        if BLANK_N.contains(&name.as_str()) {
            assert_eq!(
                (r.input.lines, r.input.bad_lines),
                (0, 0),
                "{name}: blank input"
            );
            continue;
        }
        assert!(r.input.bad_lines >= 1, "{name}");
        assert_eq!(
            r.input.bad_lines, r.input.lines,
            "{name}: every non-blank line is bad"
        );
        assert_eq!(r.errors.len() as u64, r.input.bad_lines, "{name}");
        for e in &r.errors {
            assert_eq!(e.position.file, format!("{name}.ndjson"));
            assert!(e.position.line >= 1);
        }
    }
}

/// The intended use: an `n_` file as ONE record is a syntax error — except the three blank
/// files, which are syntax errors too (nothing, a lone space, a lone BOM are not JSON texts).
#[test]
fn every_n_file_is_a_syntax_error_as_one_record() {
    for (name, bytes) in files().into_iter().filter(|(n, _)| n.starts_with("n_")) {
        let r = one_record(&bytes);
        assert!(r.is_err(), "{name}: accepted as {r:?}");
        assert!(
            r.unwrap_err().starts_with("invalid JSON at byte "),
            "{name}"
        );
    }
}

/// `y_` files whose inner newlines split them into lines that are not JSON on their own.
const SPLIT_Y: &[(&str, u64)] = &[
    ("y_array_with_1_and_newline.json", 2),
    ("y_object_with_newlines.json", 3),
];

#[test]
fn every_y_line_is_accepted_or_has_the_wrong_shape() {
    let mut accepted = 0;
    for (name, bytes) in files().into_iter().filter(|(n, _)| n.starts_with("y_")) {
        let r = analyze(&name, &bytes);
        if let Some(&(_, lines)) = SPLIT_Y.iter().find(|(n, _)| *n == name) {
            // Split on LF, each piece is invalid JSON: `[1` / `]`, `{` / `"a": "b"` / `}`.
            assert_eq!((r.input.lines, r.input.bad_lines), (lines, lines), "{name}");
            assert!(
                r.errors
                    .iter()
                    .all(|e| e.message.starts_with("invalid JSON")),
                "{name}"
            );
            continue;
        }
        assert_eq!(r.input.lines, 1, "{name}");
        assert_eq!(r.input.documents + r.input.bad_lines, 1, "{name}");
        accepted += r.input.documents;
        for e in &r.errors {
            assert!(
                e.message.starts_with(NOT_A_DOCUMENT),
                "{name}: {}",
                e.message
            );
        }
    }
    // None of the suite's objects has `value` or `sessions`: all are the wrong shape.
    assert_eq!(accepted, 0);
}

#[test]
fn every_y_file_is_valid_json_as_one_record() {
    for (name, bytes) in files().into_iter().filter(|(n, _)| n.starts_with("y_")) {
        assert!(
            one_record(&bytes).is_ok(),
            "{name}: {:?}",
            one_record(&bytes)
        );
    }
}

/// callq's verdict on every `i_` file. Column 2: the file as ONE record (`accept`: valid JSON,
/// then the wrong shape since none is a callRecords object; `reject`: a syntax error). Column 3:
/// the file as an NDJSON input through the analyzer (each `i_` file is one line, always bad):
/// `syntax` or `shape` by its message.
///
/// The choices, by class:
/// * numbers beyond the double range (`1.5e+9999`, `-1e+9999`, `123123e100000`, `0.4e00669…`):
///   **rejected** ("invalid number (or one beyond the range of a double)"); underflow
///   (`123.456e-789`, `123e-10000000`) is accepted as 0;
/// * integers beyond i64/u64 (`100000000000000000000`, `-123123123123123123123123123123`, …):
///   **accepted** as the nearest double (simd-json's `big-int-as-float`), like serde_json;
/// * lone, truncated or inverted UTF-16 surrogate escapes: **rejected**;
/// * invalid UTF-8 (overlong, truncated, Latin-1, U+D800 encoded, beyond U+10FFFF) and UTF-16
///   text (NUL bytes): **rejected** (strict UTF-8);
/// * a UTF-8 BOM: part of no JSON text, so **rejected** as a record; at the start of an NDJSON
///   input the framing skips it, leaving `{}`: valid JSON of the wrong shape;
/// * 500 nested arrays: **accepted** as JSON (the limit is 1024 levels), then the wrong shape.
const I_OUTCOMES: &[(&str, &str, &str)] = &[
    ("i_number_double_huge_neg_exp.json", "accept", "shape"),
    ("i_number_huge_exp.json", "reject", "syntax"),
    ("i_number_neg_int_huge_exp.json", "reject", "syntax"),
    ("i_number_pos_double_huge_exp.json", "reject", "syntax"),
    ("i_number_real_neg_overflow.json", "reject", "syntax"),
    ("i_number_real_pos_overflow.json", "reject", "syntax"),
    ("i_number_real_underflow.json", "accept", "shape"),
    ("i_number_too_big_neg_int.json", "accept", "shape"),
    ("i_number_too_big_pos_int.json", "accept", "shape"),
    ("i_number_very_big_negative_int.json", "accept", "shape"),
    ("i_object_key_lone_2nd_surrogate.json", "reject", "syntax"),
    (
        "i_string_1st_surrogate_but_2nd_missing.json",
        "reject",
        "syntax",
    ),
    (
        "i_string_1st_valid_surrogate_2nd_invalid.json",
        "reject",
        "syntax",
    ),
    ("i_string_UTF-16LE_with_BOM.json", "reject", "syntax"),
    ("i_string_UTF-8_invalid_sequence.json", "reject", "syntax"),
    ("i_string_UTF8_surrogate_U+D800.json", "reject", "syntax"),
    (
        "i_string_incomplete_surrogate_and_escape_valid.json",
        "reject",
        "syntax",
    ),
    (
        "i_string_incomplete_surrogate_pair.json",
        "reject",
        "syntax",
    ),
    (
        "i_string_incomplete_surrogates_escape_valid.json",
        "reject",
        "syntax",
    ),
    ("i_string_invalid_lonely_surrogate.json", "reject", "syntax"),
    ("i_string_invalid_surrogate.json", "reject", "syntax"),
    ("i_string_invalid_utf-8.json", "reject", "syntax"),
    (
        "i_string_inverted_surrogates_U+1D11E.json",
        "reject",
        "syntax",
    ),
    ("i_string_iso_latin_1.json", "reject", "syntax"),
    ("i_string_lone_second_surrogate.json", "reject", "syntax"),
    (
        "i_string_lone_utf8_continuation_byte.json",
        "reject",
        "syntax",
    ),
    ("i_string_not_in_unicode_range.json", "reject", "syntax"),
    (
        "i_string_overlong_sequence_2_bytes.json",
        "reject",
        "syntax",
    ),
    (
        "i_string_overlong_sequence_6_bytes.json",
        "reject",
        "syntax",
    ),
    (
        "i_string_overlong_sequence_6_bytes_null.json",
        "reject",
        "syntax",
    ),
    ("i_string_truncated-utf-8.json", "reject", "syntax"),
    ("i_string_utf16BE_no_BOM.json", "reject", "syntax"),
    ("i_string_utf16LE_no_BOM.json", "reject", "syntax"),
    ("i_structure_500_nested_arrays.json", "accept", "shape"),
    ("i_structure_UTF-8_BOM_empty_object.json", "reject", "shape"),
];

#[test]
fn every_i_file_has_its_pinned_outcome() {
    let mut got = Vec::new();
    for (name, bytes) in files().into_iter().filter(|(n, _)| n.starts_with("i_")) {
        let record = if one_record(&bytes).is_ok() {
            "accept"
        } else {
            "reject"
        };
        let r = analyze(&name, &bytes);
        assert_eq!(
            (r.input.lines, r.input.bad_lines, r.input.documents),
            (1, 1, 0),
            "{name}"
        );
        let e = &r.errors[0];
        assert_eq!((e.position.line, e.position.byte_offset), (1, 0), "{name}");
        let ndjson = if e.message.starts_with("invalid JSON") {
            "syntax"
        } else if e.message.starts_with(NOT_A_DOCUMENT) {
            "shape"
        } else {
            panic!("{name}: unexpected message {}", e.message)
        };
        got.push((name, record, ndjson));
    }
    let got: Vec<(&str, &str, &str)> = got.iter().map(|(n, a, b)| (n.as_str(), *a, *b)).collect();
    assert_eq!(got, I_OUTCOMES);
}

/// The specific messages behind the classes above.
#[test]
fn i_rejections_name_their_reason() {
    let msg = |name: &str| one_record(&std::fs::read(suite().join(name)).unwrap()).unwrap_err();
    assert!(msg("i_number_pos_double_huge_exp.json").contains("beyond the range of a double"));
    assert!(msg("i_string_lone_second_surrogate.json").contains("lone surrogate"));
    assert!(msg("i_string_iso_latin_1.json").contains("not valid UTF-8"));
}

/// `test_transform/`: no verdict upstream; pin callq's (as one record, the file wrapped in an
/// object member so the shape is right).
#[test]
fn transform_files_as_unknown_properties() {
    let dir = suite().parent().unwrap().join("test_transform");
    let mut rejected = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let bytes = std::fs::read(e.path()).unwrap();
        let mut line = b"{\"value\":[],\"x\":".to_vec();
        line.extend(bytes.iter().map(|&b| if b == b'\n' { b' ' } else { b }));
        line.push(b'}');
        let ok = LineParser::new().parse(&line, Reading::Full, |d| d.is_ok());
        if !ok {
            rejected.push(e.file_name().into_string().unwrap());
        }
    }
    rejected.sort();
    // Strict UTF-8: raw invalid code points are rejected; escaped ones (`"\uDFAA"`-style lone
    // surrogates) too. Everything else (big numbers, duplicate keys, NFC/NFD, escaped NUL) is fine.
    let want = [
        "string_1_escaped_invalid_codepoint.json",
        "string_1_invalid_codepoint.json",
        "string_2_escaped_invalid_codepoints.json",
        "string_2_invalid_codepoints.json",
        "string_3_escaped_invalid_codepoints.json",
        "string_3_invalid_codepoints.json",
    ];
    assert_eq!(rejected, want);
}
