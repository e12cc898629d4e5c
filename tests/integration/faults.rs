//! Fault tests: archives cut off, corrupted or hostile, and inputs that go away.

use std::io::Write;

use callq::analyze::{Analyzer, Progress};
use callq::generate::{GenConfig, Shape, generate};
use callq::input::InputSource;

fn sample() -> Vec<u8> {
    let mut out = Vec::new();
    generate(
        &GenConfig {
            seed: 3,
            size: 400_000,
            shape: Shape::Sessions,
        },
        &mut out,
    )
    .unwrap();
    out
}

#[test]
fn a_file_cut_off_in_the_middle_of_a_line_loses_only_that_line() {
    let data = sample();
    let whole = Analyzer::new().analyze_bytes("f", &data).unwrap();
    // Cut in the middle of the last line.
    let last_start = data[..data.len() - 1]
        .iter()
        .rposition(|&b| b == b'\n')
        .unwrap()
        + 1;
    let cut = &data[..last_start + (data.len() - last_start) / 2];
    let report = Analyzer::new().analyze_bytes("f", cut).unwrap();
    assert_eq!(report.input.lines, whole.input.lines);
    assert_eq!(report.input.bad_lines, 1);
    assert_eq!(report.input.documents, whole.input.documents - 1);
    let e = &report.errors[0];
    assert_eq!(
        (e.position.line, e.position.byte_offset),
        (whole.input.lines, last_start as u64)
    );
    assert!(e.message.starts_with("invalid JSON"), "{}", e.message);
}

#[test]
fn invalid_utf8_is_a_bad_line_with_a_clear_message() {
    let report = Analyzer::new()
        .analyze_bytes("u", b"{\"value\":[{\"id\":\"caf\xE9\"}]}\n{\"value\":[]}\n")
        .unwrap();
    assert_eq!((report.input.bad_lines, report.input.documents), (1, 1));
    assert!(
        report.errors[0].message.contains("not valid UTF-8"),
        "{}",
        report.errors[0].message
    );
}

#[test]
fn a_million_nested_brackets_in_an_unknown_property_is_a_bad_line_not_a_crash() {
    let mut line = b"{\"value\":[],\"x\":".to_vec();
    line.extend(std::iter::repeat_n(b'[', 1_000_000));
    line.extend(std::iter::repeat_n(b']', 1_000_000));
    line.extend_from_slice(b"}\n{\"value\":[{}]}\n");
    let report = Analyzer::new().analyze_bytes("deep", &line).unwrap();
    assert_eq!(
        (
            report.input.lines,
            report.input.bad_lines,
            report.input.sessions
        ),
        (2, 1, 1)
    );
    assert!(
        report.errors[0].message.contains("deeper than 1024"),
        "{}",
        report.errors[0].message
    );
}

#[test]
fn nul_bytes_and_garbage_lines_are_counted_not_fatal() {
    let mut data = b"\0\0\0\n\xFF\xFE{}\n{\"value\":[{}]}\0\n".to_vec();
    data.extend_from_slice(b"{\"value\":[{}]}\n");
    let report = Analyzer::new().analyze_bytes("g", &data).unwrap();
    assert_eq!(
        (
            report.input.lines,
            report.input.bad_lines,
            report.input.documents
        ),
        (4, 3, 1)
    );
}

#[test]
fn streaming_and_mapping_a_file_give_the_same_report() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("s.ndjson");
    let mut data = sample();
    data.extend_from_slice(b"{\"broken\n");
    std::fs::File::create(&path)
        .unwrap()
        .write_all(&data)
        .unwrap();
    let input = [InputSource::File {
        path: path.clone(),
        name: "s".into(),
    }];
    // SAFETY: the test's own temporary file, not modified while read.
    let mapped = unsafe { Analyzer::new().memory_map() }
        .analyze_inputs(&input, &Progress::default(), Vec::new())
        .unwrap();
    let streamed = Analyzer::new()
        .chunk_size(4096)
        .analyze_inputs(&input, &Progress::default(), Vec::new())
        .unwrap();
    assert_eq!(mapped.input, streamed.input);
    assert_eq!(mapped.errors, streamed.errors);
    assert_eq!(
        callq::report::analyze_json(&mapped),
        callq::report::analyze_json(&streamed)
    );
}

#[test]
fn a_directory_given_as_a_file_inside_a_list_is_searched_and_a_missing_one_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("d/.hidden")).unwrap();
    std::fs::write(tmp.path().join("d/.hidden/a.ndjson"), b"{\"value\":[{}]}\n").unwrap();
    std::fs::write(tmp.path().join("d/b.json"), b"{\"value\":[{},{}]}\n").unwrap();
    std::fs::create_dir_all(tmp.path().join("empty")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(tmp.path().join("d"), tmp.path().join("empty/link")).unwrap();
    let args: Vec<String> = ["d", "empty", "gone"]
        .iter()
        .map(|p| tmp.path().join(p).to_string_lossy().into_owned())
        .collect();
    let report = Analyzer::new()
        .analyze_paths(&args, &Progress::default())
        .unwrap();
    // Hidden files are read; the symlinked directory is not followed; the empty directory is
    // not an error; the missing path is.
    assert_eq!(report.input.files, 2);
    assert_eq!(report.input.sessions, 3);
    assert_eq!(report.unreadable.len(), 1);
    assert!(report.unreadable[0].to_string().contains("gone"));
}
