//! `callq flatten` and the `callq::flatten` library: rows against the model and `analyze`,
//! Parquet read back with the parquet crate, determinism, duplicates, partitions, and outputs
//! that never appear half-written.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use callq::analyze::{Analyzer, Dimension};
use callq::flatten::{Flattener, RowBatch, Value, column_index, columns};

use crate::util::{repo_path, sample};

fn callq(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_callq"))
        .args(args)
        .output()
        .expect("callq runs")
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every row of a run, as (column name → value text) maps.
fn rows_of(name: &str, data: &[u8], analyzer: Analyzer) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut sink = |b: &RowBatch| -> std::io::Result<()> {
        for r in 0..b.len() {
            rows.push(
                (0..b.columns().len())
                    .map(|k| b.value(r, k).to_string())
                    .collect(),
            );
        }
        Ok(())
    };
    Flattener::new(analyzer)
        .run_bytes(name, data, &mut sink)
        .unwrap();
    rows
}

fn generate(dir: &Path, size: &str, versions: &str) -> PathBuf {
    let path = dir.join("archive.ndjson");
    let out = callq(&[
        "gen",
        "--size",
        size,
        "--seed",
        "7",
        "--versions",
        versions,
        "-o",
        s(&path),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    path
}

#[test]
fn one_row_per_stream_that_analyze_counts_with_the_models_values() {
    let data = sample();
    let report = Analyzer::new()
        .group_by(vec![Dimension::parse("label").unwrap()])
        .analyze_bytes("sample.ndjson", &data)
        .unwrap();
    let rows = rows_of("sample.ndjson", &data, Analyzer::new());
    assert_eq!(rows.len() as u64, report.input.streams);
    assert!(!rows.is_empty());
    // Against the model: every copy kept, row 0 is the file's first stream.
    let all = rows_of(
        "sample.ndjson",
        &data,
        Analyzer::new().keep_duplicates(true),
    );
    let mut parser = callq::document::LineParser::new();
    let mut compared = false;
    for line in data.split(|&b| b == b'\n') {
        if compared || line.is_empty() {
            continue;
        }
        parser.parse(line, callq::document::Reading::Full, |doc| {
            let Ok(doc) = doc else { return };
            let Some(first) = callq::flatten::StreamRow::all(&doc, None).next() else {
                return;
            };
            for name in [
                "sessionId",
                "label",
                "direction",
                "averageJitter",
                "packetUtilization",
                "callerPlatform",
                "sessionStart",
                "quality",
                "poorDueTo2020",
            ] {
                let k = column_index(name).unwrap();
                assert_eq!(
                    all[0][k],
                    first.value(&columns(false)[k]).to_string(),
                    "{name}"
                );
            }
            compared = true;
        });
    }
    assert!(compared);
}

#[test]
fn both_classifiers_and_durations_in_milliseconds() {
    let line = br#"{"value":[{"id":"s","startDateTime":"2026-11-02T14:03:05.1234567+01:00","segments":[{"id":"g","media":[{"label":"main-audio","streams":[{"streamId":"7","streamDirection":"calleeToCaller","averageJitter":"PT0.045S","averageRoundTripTime":"PT0.6S","averagePacketLossRate":"NaN","packetUtilization":900,"averageAudioDegradation":1.5}]}]}]}]}"#;
    let rows = rows_of("a.ndjson", line, Analyzer::new());
    assert_eq!(rows.len(), 1);
    let v = |name: &str| rows[0][column_index(name).unwrap()].clone();
    assert_eq!(v("averageJitter"), "45.0");
    assert_eq!(v("averageRoundTripTime"), "600.0");
    assert_eq!(v("averagePacketLossRate"), "", "not finite: null");
    assert_eq!(v("sessionStart"), "2026-11-02T13:03:05.123456Z");
    assert_eq!(v("quality"), "poor");
    assert_eq!(v("poorDueTo"), "roundTrip;jitter");
    assert_eq!(v("poorDueTo2020"), "roundTrip;jitter;degradation");
    assert_eq!(v("segmentId"), "g");
    assert_eq!(
        v("recordId"),
        "",
        "a page without a context has no record id"
    );
}

#[test]
fn filters_and_duplicates_leave_the_same_rows_as_analyze_counts() {
    let dir = tempdir();
    let path = generate(dir.path(), "2MB", "3");
    let data = std::fs::read(&path).unwrap();
    for keep in [false, true] {
        let an = || {
            Analyzer::new()
                .keep_duplicates(keep)
                .filter(callq::analyze::Filter::new().condition(
                    callq::analyze::Condition::parse("label=main-audio,main-video").unwrap(),
                ))
        };
        let report = an().analyze_bytes("a.ndjson", &data).unwrap();
        let rows = rows_of("a.ndjson", &data, an());
        assert_eq!(rows.len() as u64, report.input.streams, "keep {keep}");
        if !keep {
            assert!(report.input.duplicate_sessions > 0);
        }
    }
}

#[cfg(feature = "parquet")]
#[test]
fn parquet_reads_back_with_the_schema_rows_and_values() {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let dir = tempdir();
    let input = repo_path("corpus/sample.ndjson");
    let out = dir.path().join("rows.parquet");
    let o = callq(&["flatten", "-o", s(&out), s(&input)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let file = std::fs::File::open(&out).unwrap();
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let meta = builder.metadata().clone();
    let kv = meta.file_metadata().key_value_metadata().unwrap();
    assert!(
        kv.iter()
            .any(|k| k.key == "callq.version"
                && k.value.as_deref() == Some(env!("CARGO_PKG_VERSION")))
    );
    assert!(kv.iter().any(|k| k.key == "callq.options"));
    for rg in meta.row_groups() {
        for c in rg.columns() {
            assert!(
                matches!(c.compression(), parquet::basic::Compression::ZSTD(_)),
                "{}",
                c.column_path()
            );
        }
    }
    let dictionary = meta.row_groups()[0].column(column_index("label").unwrap());
    assert!(
        dictionary.dictionary_page_offset().is_some(),
        "strings are dictionary-encoded"
    );
    let schema = builder.schema().clone();
    let want = callq::flatten::arrow_schema(false);
    assert_eq!(schema.fields(), want.fields());
    let batches: Vec<_> = builder.build().unwrap().collect::<Result<_, _>>().unwrap();
    let n: usize = batches.iter().map(|b| b.num_rows()).sum();
    let expected = rows_of("sample.ndjson", &sample(), Analyzer::new());
    assert_eq!(n, expected.len());
    // Values: every jitter and quality, in order.
    let jitter = column_index("averageJitter").unwrap();
    let quality = column_index("quality").unwrap();
    let mut r = 0;
    for b in &batches {
        let j = b
            .column(jitter)
            .as_any()
            .downcast_ref::<arrow_array::Float64Array>()
            .unwrap();
        let q = b
            .column(quality)
            .as_any()
            .downcast_ref::<arrow_array::StringArray>()
            .unwrap();
        for i in 0..b.num_rows() {
            let got = if arrow_array::Array::is_null(j, i) {
                String::new()
            } else {
                Value::Float(j.value(i)).to_string()
            };
            assert_eq!(got, expected[r][jitter], "row {r}");
            assert_eq!(q.value(i), expected[r][quality], "row {r}");
            r += 1;
        }
    }
}

#[test]
fn every_format_is_the_same_bytes_for_any_thread_count() {
    use callq::flatten::{FileSink, OutputFormat, PartitionBy, SinkOptions};
    let dir = tempdir();
    let input = generate(dir.path(), "3MB", "2");
    let data = std::fs::read(&input).unwrap();
    for format in [
        OutputFormat::Parquet,
        OutputFormat::Csv,
        OutputFormat::Ndjson,
    ] {
        if format == OutputFormat::Parquet && !cfg!(feature = "parquet") {
            continue;
        }
        for keep in [false, true] {
            let mut outs = Vec::new();
            for (threads, chunk) in [(1, 64 << 10), (3, 64 << 10)] {
                let out = dir
                    .path()
                    .join(format!("t{threads}.{}", format.extension()));
                let mut sink =
                    FileSink::create(&out, format, false, &SinkOptions::default()).unwrap();
                crate::util::in_pool(threads, || {
                    Flattener::new(Analyzer::new().chunk_size(chunk).keep_duplicates(keep))
                        .partition_by(Some(PartitionBy::Day))
                        .run_bytes("a.ndjson", &data, &mut sink)
                        .unwrap()
                });
                sink.finish().unwrap();
                outs.push(std::fs::read(&out).unwrap());
            }
            assert!(outs[0].len() > 1000);
            assert!(outs[0] == outs[1], "{format:?}: threads changed the bytes");
        }
    }
}

#[test]
fn csv_has_a_header_and_ndjson_one_object_per_row() {
    let dir = tempdir();
    let input = repo_path("corpus/sample.ndjson");
    let csv = dir.path().join("r.csv");
    let nd = dir.path().join("r.ndjson");
    assert!(
        callq(&["flatten", "-o", s(&csv), s(&input)])
            .status
            .success()
    );
    assert!(
        callq(&["flatten", "-o", s(&nd), s(&input)])
            .status
            .success()
    );
    let csv = std::fs::read_to_string(&csv).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let names: Vec<&str> = columns(false).iter().map(|c| c.name()).collect();
    assert_eq!(header, names);
    let nd = std::fs::read_to_string(&nd).unwrap();
    assert_eq!(nd.lines().count(), csv.lines().count() - 1);
    for line in nd.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let obj = v.as_object().unwrap();
        // The columns in table order, missing values left out.
        let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        let mut at = names.iter();
        for k in &keys {
            assert!(at.any(|n| n == k), "{k} out of order or unknown");
        }
        assert!(obj["poorDueTo"].is_array() && obj["quality"].is_string());
    }
}

#[test]
fn partitions_are_a_hive_layout_by_the_sessions_utc_day() {
    let dir = tempdir();
    let input = generate(dir.path(), "2MB", "1");
    let lake = dir.path().join("lake");
    let o = callq(&[
        "flatten",
        "--format",
        "csv",
        "--output-dir",
        s(&lake),
        "--partition-by",
        "day",
        s(&input),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let whole = dir.path().join("whole.csv");
    assert!(
        callq(&["flatten", "-o", s(&whole), s(&input)])
            .status
            .success()
    );
    let mut rows = 0;
    let start = column_index("sessionStart").unwrap();
    for entry in std::fs::read_dir(&lake).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        let day = name.strip_prefix("day=").expect("day=… directories only");
        let files: Vec<_> = std::fs::read_dir(entry.path()).unwrap().collect();
        assert_eq!(files.len(), 1);
        let text = std::fs::read_to_string(entry.path().join("part-00000.csv")).unwrap();
        for line in text.lines().skip(1) {
            // No commas inside the generated fields before sessionStart.
            let field = line.split(',').nth(start).unwrap();
            assert!(field.starts_with(day), "{field} in day={day}");
            rows += 1;
        }
    }
    let whole = std::fs::read_to_string(&whole).unwrap();
    assert_eq!(rows, whole.lines().count() - 1);
}

#[test]
fn a_non_empty_output_dir_is_refused_unless_overwrite_which_replaces_the_partitions() {
    let dir = tempdir();
    let input = repo_path("corpus/sample.ndjson");
    let lake = dir.path().join("lake");
    std::fs::create_dir(&lake).unwrap();
    std::fs::write(lake.join("notes.txt"), "mine").unwrap();
    let stale = lake.join("month=1999-01");
    std::fs::create_dir(&stale).unwrap();
    std::fs::write(stale.join("part-00000.csv"), "old").unwrap();
    let args = |extra: &[&str]| {
        let mut a = vec![
            "flatten",
            "--format",
            "csv",
            "--output-dir",
            s(&lake),
            "--partition-by",
            "month",
        ];
        a.extend_from_slice(extra);
        a.push(s(&input));
        a.iter().map(|x| x.to_string()).collect::<Vec<_>>()
    };
    let o = callq(&args(&[]).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--overwrite"));
    let o = callq(
        &args(&["--overwrite"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!stale.exists(), "the earlier run's partition is gone");
    assert_eq!(
        std::fs::read_to_string(lake.join("notes.txt")).unwrap(),
        "mine"
    );
    assert!(lake.join("month=2020-02").join("part-00000.csv").exists());
}

/// Everything under `dir`, recursively (names relative to it).
fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            out.push(e.path().strip_prefix(dir).unwrap().display().to_string());
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn on_error_fail_leaves_no_output_behind() {
    let dir = tempdir();
    let input = dir.path().join("in.ndjson");
    let mut data = sample();
    data.extend_from_slice(b"{\"value\":[{\"segments\":7}]}\n");
    std::fs::write(&input, &data).unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let file = out.join("rows.parquet");
    let o = callq(&["flatten", "--on-error", "fail", "-o", s(&file), s(&input)]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(listing(&out).is_empty(), "{:?}", listing(&out));
    let lake = out.join("lake");
    let o = callq(&[
        "flatten",
        "--on-error",
        "fail",
        "--format",
        "ndjson",
        "--output-dir",
        s(&lake),
        "--partition-by",
        "day",
        s(&input),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(listing(&out).is_empty(), "{:?}", listing(&out));
    // Skipped by default: the rows of the good lines, exit 0.
    let o = callq(&["flatten", "--format", "csv", "-o", s(&file), s(&input)]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("skipped 1 bad line"));
}

#[test]
fn an_unwritable_or_full_output_exits_2_with_a_message() {
    let dir = tempdir();
    let input = repo_path("corpus/sample.ndjson");
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, "x").unwrap();
    let o = callq(&["flatten", "-o", s(&blocker.join("rows.csv")), s(&input)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot write"));
    let o = callq(&[
        "flatten",
        "--output-dir",
        s(&blocker.join("lake")),
        "--format",
        "csv",
        s(&input),
    ]);
    assert_eq!(o.status.code(), Some(2));
    if Path::new("/dev/full").exists() {
        let o = callq(&[
            "flatten",
            "--format",
            "ndjson",
            "-o",
            "/dev/full",
            s(&input),
        ]);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("/dev/full") && err.contains("space"), "{err}");
    }
    assert_eq!(listing(dir.path()), vec!["a-file".to_string()]);
}

#[test]
fn the_output_is_never_an_input() {
    let dir = tempdir();
    let input = dir.path().join("in.ndjson");
    std::fs::write(&input, sample()).unwrap();
    let o = callq(&["flatten", "--format", "ndjson", "-o", s(&input), s(&input)]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read(&input).unwrap(), sample());
    let o = callq(&[
        "flatten",
        "--output-dir",
        s(dir.path()),
        "--overwrite",
        s(&input),
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn buildings_add_twelve_columns() {
    let dir = tempdir();
    let out = dir.path().join("r.ndjson");
    let o = callq(&[
        "flatten",
        "--buildings",
        s(&repo_path("corpus/buildings.csv")),
        "-o",
        s(&out),
        s(&repo_path("corpus/sample.ndjson")),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&out).unwrap();
    let names: Vec<&str> = columns(true).iter().map(|c| c.name()).collect();
    let mut buildings = 0;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let obj = v.as_object().unwrap();
        assert!(obj.keys().all(|k| names.contains(&k.as_str())));
        if let Some(inside) = obj.get("callerInsideCorp") {
            assert!(inside.is_boolean());
            assert!(obj["callerBuilding"].is_string());
            buildings += 1;
        }
    }
    assert!(
        buildings > 0,
        "the sample's caller networks are in the building file"
    );
}

#[test]
fn dropped_copies_are_rewritten_out_of_files_and_of_standard_input() {
    let dir = tempdir();
    let input = generate(dir.path(), "2MB", "3");
    let report = callq(&["analyze", "--format", "json", s(&input)]);
    let report: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    let streams = report["input"]["streams"].as_u64().unwrap();
    assert!(report["input"]["duplicateSessions"].as_u64().unwrap() > 0);
    let from_file = dir.path().join("f.csv");
    let o = callq(&["flatten", "-o", s(&from_file), s(&input)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let from_file = std::fs::read_to_string(&from_file).unwrap();
    assert_eq!(from_file.lines().count() as u64 - 1, streams);
    // Standard input is spooled while read, and read again from the spool.
    let from_stdin = dir.path().join("s.csv");
    let o = Command::new(env!("CARGO_BIN_EXE_callq"))
        .args(["flatten", "-o", s(&from_stdin), "-"])
        .stdin(std::fs::File::open(&input).unwrap())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read_to_string(&from_stdin).unwrap(), from_file);
    // The library's spool path (a sink that cannot start again) writes the same rows.
    let data = std::fs::read(&input).unwrap();
    let mut text = Vec::new();
    callq::flatten::write_csv_header(columns(false), &mut text).unwrap();
    Flattener::new(Analyzer::new())
        .run_bytes("a.ndjson", &data, &mut |b: &RowBatch| {
            for r in 0..b.len() {
                callq::flatten::write_csv_row(b, r, &mut text);
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(String::from_utf8(text).unwrap(), from_file);
}
