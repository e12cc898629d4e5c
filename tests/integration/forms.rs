//! Files that are not NDJSON (contract: "Files that are not NDJSON", "Document kinds"): every
//! file of `corpus/forms/` against its golden outcome, the forms of one generated archive
//! against each other, and NDJSON content under a `.json` name against the same bytes as
//! `.ndjson`.

use callq::analyze::{Analyzer, Report};
use callq::document::Reading;
use callq::generate::{Form, GenConfig, Shape, generate_form};
use callq::input::InputSource;
use proptest::prelude::*;

use crate::util::{dims, in_pool, repo_path};

/// What a report says about its input, as the golden files hold it.
fn outcome(report: &Report) -> String {
    let c = &report.input;
    let mut out = format!(
        "lines {} badLines {} documents {} sessions {} segments {} media {} streams {} \
         truncatedRecords {}\n",
        c.lines,
        c.bad_lines,
        c.documents,
        c.sessions,
        c.segments,
        c.media,
        c.streams,
        c.truncated_records
    );
    for kind in callq::model::OtherKind::ALL {
        if c.other(kind) > 0 {
            out += &format!("other {} {}\n", kind.name(), c.other(kind));
        }
    }
    for e in &report.errors {
        out += &format!(
            "error line {} byte {}: {}\n",
            e.position.line, e.position.byte_offset, e.message
        );
    }
    for u in &report.unreadable {
        out += &format!("unreadable: {}\n", u.message);
    }
    out
}

fn analyze_file(name: &str, reading: Reading) -> Report {
    let input = InputSource::File {
        name: name.to_owned(),
        path: repo_path("corpus/forms").join(name),
    };
    Analyzer::new()
        .reading(reading)
        .analyze_inputs(&[input], &Default::default(), Vec::new())
        .unwrap()
}

/// `corpus/forms/NAME.expected` holds the `analyze` outcome, then the `check` one.
#[test]
fn every_forms_file_has_its_expected_outcome() {
    let dir = repo_path("corpus/forms");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.ends_with(".expected"))
        .collect();
    names.sort();
    assert!(names.len() >= 12, "{names:?}");
    let mut wrong = Vec::new();
    for name in &names {
        let got = format!(
            "# callq analyze\n{}# callq check\n{}",
            outcome(&analyze_file(name, Reading::Analyze)),
            outcome(&analyze_file(name, Reading::Full))
        );
        let path = dir.join(format!("{name}.expected"));
        if std::env::var_os("CALLQ_UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        if got != want {
            wrong.push(format!("{name}\n--- want\n{want}--- got\n{got}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The Microsoft documentation's examples are pretty-printed `.json` files: read as
/// themselves, they give what their minified lines give.
#[test]
fn graph_doc_examples_read_as_themselves() {
    let pages = std::fs::read(repo_path("corpus/graph-examples/pages.ndjson")).unwrap();
    let analyzer = Analyzer::new().group_by(dims("direction,label"));
    let from_lines = analyzer.analyze_bytes("pages.ndjson", &pages).unwrap();
    // The four current session-list pages are the first four lines of pages.ndjson.
    let files = [
        "v1.0-session-list.json",
        "v1.0-session-list-expand-segments.json",
        "beta-session-list.json",
        "beta-session-list-expand-segments.json",
    ];
    let mut sequence = Vec::new();
    for f in files {
        sequence.extend(std::fs::read(repo_path("corpus/graph-examples").join(f)).unwrap());
        sequence.push(b'\n');
    }
    let first_four: Vec<u8> = pages
        .split_inclusive(|&b| b == b'\n')
        .take(4)
        .flatten()
        .copied()
        .collect();
    let want = analyzer.analyze_bytes("four.ndjson", &first_four).unwrap();
    let got = analyzer.analyze_bytes("four.json", &sequence).unwrap();
    assert_eq!(got.input.sessions, want.input.sessions);
    assert_eq!(got.input.streams, want.input.streams);
    assert_eq!(groups_json(&got), groups_json(&want));
    assert!(from_lines.input.streams >= got.input.streams);
}

/// The report's groups, as JSON.
fn groups_json(report: &Report) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(&callq::report::analyze_json(report)).unwrap();
    v["groups"].clone()
}

fn stats_of(name: &str, data: &[u8], threads: usize) -> Report {
    in_pool(threads, || {
        Analyzer::new()
            .group_by(dims("direction,label,caller.platform"))
            .chunk_size(64 << 10)
            .analyze_bytes(name, data)
            .unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Any generated archive written as NDJSON, as pretty-printed documents, as one array and
    /// as `$batch` replies gives the same statistics, at 1 and 3 threads; NDJSON bytes named
    /// `.json` give the report the same bytes named `.ndjson` give.
    #[test]
    fn every_form_gives_the_same_statistics(seed in 0u64..1000, docs in 1usize..45, shape in 0usize..4) {
        let shape = [Shape::Sessions, Shape::CallRecord, Shape::CallRecordsPage, Shape::Mixed][shape];
        // Generate `docs` documents exactly: NDJSON first, then the same count in each form.
        let mut ndjson = Vec::new();
        let config = GenConfig { seed, size: 1, shape };
        let mut n = 0;
        while n < docs {
            ndjson.clear();
            let size = ndjson_prefix_size(&config, docs);
            generate_form(&GenConfig { size, ..config.clone() }, Form::Ndjson, &mut ndjson).unwrap();
            n = ndjson.iter().filter(|&&b| b == b'\n').count();
        }
        let want = stats_of("a.ndjson", &ndjson, 1);
        let same_bytes = stats_of("a.json", &ndjson, 3);
        prop_assert_eq!(groups_json(&want), groups_json(&same_bytes));
        prop_assert_eq!(&want.input, &same_bytes.input);
        for form in [Form::Pretty, Form::Array, Form::Batch] {
            let mut out = Vec::new();
            let mut size = 1;
            // Grow the target until the form holds the same documents.
            loop {
                out.clear();
                let sum = generate_form(&GenConfig { size, ..config.clone() }, form, &mut out).unwrap();
                if sum.lines as usize >= docs {
                    break;
                }
                size = sum.bytes + 1;
            }
            for threads in [1, 3] {
                let got = stats_of("a.json", &out, threads);
                prop_assert_eq!(groups_json(&got), groups_json(&want), "{:?} at {} threads", form, threads);
                prop_assert_eq!(got.input.streams, want.input.streams);
                prop_assert_eq!(got.input.bad_lines, 0);
            }
        }
    }
}

/// The byte size that makes NDJSON generation stop after `docs` documents.
fn ndjson_prefix_size(config: &GenConfig, docs: usize) -> u64 {
    let mut out = Vec::new();
    let mut g = callq::generate::Generator::new(config.seed, config.shape);
    for _ in 0..docs {
        g.next_line(&mut out);
    }
    out.len() as u64
}

/// A million nested brackets inside an array: that element alone is bad (nesting beyond the
/// contract's 1024 levels), the elements around it count, nothing recurses.
#[test]
fn deep_nesting_inside_an_array_is_one_bad_document() {
    let mut data = b"[{\"value\":[{\"id\":\"a\"}]},\n".to_vec();
    data.extend(std::iter::repeat_n(b'[', 1_000_000));
    data.extend(std::iter::repeat_n(b']', 1_000_000));
    data.extend(b",\n{\"value\":[{\"id\":\"b\"}]}]\n");
    let report = Analyzer::new().analyze_bytes("deep.json", &data).unwrap();
    assert_eq!(report.input.lines, 3);
    assert_eq!(report.input.bad_lines, 1);
    assert_eq!(report.input.sessions, 2);
    assert_eq!(report.errors[0].position.line, 2);
    assert!(
        report.errors[0].message.contains("1024"),
        "{}",
        report.errors[0].message
    );
}
