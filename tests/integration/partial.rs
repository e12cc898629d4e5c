//! Partial reports and `callq merge`: any archive split at line boundaries, analyzed in pieces
//! and merged in order, gives the whole run's report byte for byte (every format, any
//! `--threads`); damage, other options and other versions are refused.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use callq::analyze::{Analyzer, Condition, Filter, Progress, Report};
use callq::classify::Classifier;
use callq::generate::{GenConfig, Shape, generate};
use callq::partial::{FORMAT_VERSION, MergeError, Partial, PartialError};
use callq::report::{CsvOptions, analyze_csv_with, analyze_json, analyze_table};
use proptest::prelude::*;

use crate::util::{dims, in_pool, text};

fn callq(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_callq"))
        .args(args)
        .output()
        .unwrap()
}

/// Distinct generated lines (no two copies of a session), of every document shape.
fn corpus_lines() -> &'static Vec<Vec<u8>> {
    static LINES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    LINES.get_or_init(|| {
        let mut out = Vec::new();
        generate(
            &GenConfig {
                seed: 16,
                size: 4_000_000,
                shape: Shape::Mixed,
            },
            &mut out,
        )
        .unwrap();
        out.split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(<[u8]>::to_vec)
            .collect()
    })
}

/// Every format of a report, concatenated.
fn all_formats(r: &Report) -> String {
    format!(
        "{}\n--\n{}\n--\n{}",
        analyze_json(r),
        analyze_table(r),
        analyze_csv_with(r, CsvOptions::default())
    )
}

fn write_pieces(dir: &Path, pieces: &[Vec<u8>]) -> Vec<String> {
    pieces
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let path = dir.join(format!("piece{i:02}.ndjson"));
            std::fs::write(&path, p).unwrap();
            path.to_string_lossy().into_owned()
        })
        .collect()
}

/// The partial of one run, through its bytes.
fn partial_of(analyzer: &Analyzer, top: Option<(usize, u64)>, paths: &[String]) -> Partial {
    let report = analyzer
        .clone()
        .without_top()
        .analyze_paths(paths, &Progress::default())
        .unwrap();
    let bytes = Partial::from_report(report, analyzer.partial_options(), top, 0).to_bytes();
    let back = Partial::from_bytes(&bytes).unwrap();
    assert_eq!(
        back.to_bytes(),
        bytes,
        "a partial re-encodes to its own bytes"
    );
    back
}

fn analyzer_for(choice: u8, keep_duplicates: bool) -> (Analyzer, Option<(usize, u64)>) {
    let a = Analyzer::new().keep_duplicates(keep_duplicates);
    match choice % 5 {
        0 => (a, None),
        1 => (a.group_by(dims("direction,label")), None),
        2 => (
            a.group_by(dims("day,caller.platform"))
                .classifier(Classifier::Cqd2020),
            None,
        ),
        3 => {
            let a = a.group_by(dims("callee.productFamily,label")).top(4, 2);
            (a, Some((4, 2)))
        }
        _ => (
            a.group_by(dims("label")).filter(
                Filter::new().condition(Condition::parse("direction=callerToCallee,null").unwrap()),
            ),
            None,
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20))]

    /// Any archive (with bad and blank lines) split at any line boundaries into any number of
    /// pieces: the pieces' partials merged in order give the whole run's report, in every
    /// format, whatever the threads of each run.
    #[test]
    fn pieces_merged_in_order_are_the_whole_run(
        start in 0usize..8,
        picks in proptest::collection::vec(0u8..12, 1..40),
        cuts in proptest::collection::vec(0usize..45, 0..6),
        choice in 0u8..5,
        keep_duplicates in any::<bool>(),
        threads in 1usize..4,
        piece_threads in 1usize..4,
    ) {
        let lines = corpus_lines();
        let mut archive_lines: Vec<Vec<u8>> = Vec::new();
        let mut next = start;
        for kind in picks {
            archive_lines.push(match kind {
                0 => b"{\"value\":[{\"isTest\":1,\"segments\":7}]}".to_vec(),
                1 => b"   ".to_vec(),
                _ => {
                    next += 1;
                    match lines.get(next) {
                        Some(l) => l.clone(),
                        None => continue, // never a second copy of a line
                    }
                }
            });
        }
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(archive_lines.len())).collect();
        cuts.push(0);
        cuts.push(archive_lines.len());
        cuts.sort_unstable();
        let pieces: Vec<Vec<u8>> = cuts
            .windows(2)
            .map(|w| archive_lines[w[0]..w[1]].iter().flat_map(|l| l.iter().copied().chain([b'\n'])).collect())
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let paths = write_pieces(dir.path(), &pieces);
        let (analyzer, top) = analyzer_for(choice, keep_duplicates);
        let whole = in_pool(threads, || analyzer.analyze_paths(&paths, &Progress::default()).unwrap());
        let merged = in_pool(piece_threads, || {
            let mut merged: Option<Partial> = None;
            for p in &paths {
                let part = partial_of(&analyzer, top, std::slice::from_ref(p));
                match &mut merged {
                    None => merged = Some(part),
                    Some(m) => m.merge(part).unwrap(),
                }
            }
            merged.unwrap().into_report()
        });
        let (m, w) = (all_formats(&merged), all_formats(&whole));
        if m != w {
            let diff = m.lines().zip(w.lines()).enumerate().find(|(_, (a, b))| a != b);
            prop_assert!(false, "first difference (merged, whole): {:?}", diff);
        }
    }
}

#[test]
fn partial_bytes_do_not_depend_on_threads_or_merge_grouping() {
    let lines = corpus_lines();
    let data: Vec<u8> = lines[..]
        .iter()
        .flat_map(|l| l.iter().copied().chain([b'\n']))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let pieces: Vec<Vec<u8>> = data
        .chunks(data.len() / 3 + 1)
        .map(<[u8]>::to_vec)
        .collect();
    // Cut at line boundaries: chunks() may split a line, so re-cut on newlines.
    let mut cut = Vec::new();
    let mut rest = &data[..];
    for p in &pieces {
        let want = p.len().min(rest.len());
        let end = rest[want.saturating_sub(1)..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |i| want.saturating_sub(1) + i + 1);
        cut.push(rest[..end].to_vec());
        rest = &rest[end..];
    }
    let paths = write_pieces(dir.path(), &cut);
    let analyzer = Analyzer::new().group_by(dims("direction,label,day"));
    let one = in_pool(1, || partial_of(&analyzer, None, &paths).to_bytes());
    let three = in_pool(3, || partial_of(&analyzer, None, &paths).to_bytes());
    assert_eq!(one, three);
    // ((a b) c) and (a (b c)) give the same bytes, and the bytes of the whole run.
    let parts: Vec<Partial> = paths
        .iter()
        .map(|p| partial_of(&analyzer, None, std::slice::from_ref(p)))
        .collect();
    let mut left = parts[0].clone();
    left.merge(parts[1].clone()).unwrap();
    left.merge(parts[2].clone()).unwrap();
    let mut right = parts[1].clone();
    right.merge(parts[2].clone()).unwrap();
    let mut right_all = parts[0].clone();
    right_all.merge(right).unwrap();
    assert_eq!(left.to_bytes(), right_all.to_bytes());
    assert_eq!(left.to_bytes(), one);
}

/// A small partial that has every part: a bad line, a metric past the exact values (a
/// sketch, with an exact sum), metrics with a few values, so that every byte can be changed.
fn small_partial() -> Vec<u8> {
    let streams: Vec<String> = (0..70)
        .map(|i| {
            format!(
                r#"{{"averageJitter":"PT0.{:03}S","packetUtilization":{}{}}}"#,
                i * 7 % 200,
                i * 13,
                if i < 3 {
                    r#","averageRoundTripTime":"PT0.05S""#
                } else {
                    ""
                }
            )
        })
        .collect();
    let data = format!(
        "{{\"value\":[{{\"segments\":[{{\"media\":[{{\"label\":\"main-audio\",\"streams\":[{}]}}]}}]}}]}}\nnot json\n",
        streams.join(",")
    );
    let analyzer = Analyzer::new();
    let report = analyzer
        .analyze_bytes("small.ndjson", data.as_bytes())
        .unwrap();
    let bytes = Partial::from_report(report, analyzer.partial_options(), None, 0).to_bytes();
    let back = Partial::from_bytes(&bytes).unwrap().into_report();
    assert_eq!(back.input.bad_lines, 1);
    assert_eq!(
        back.groups[0].stats.metrics[4].count(),
        70,
        "averageJitter, in a sketch"
    );
    bytes
}

#[test]
fn every_single_byte_change_and_every_truncation_is_detected() {
    let good = small_partial();
    assert!(Partial::from_bytes(&good).is_ok());
    eprintln!("small partial: {} bytes", good.len());
    for i in 0..good.len() {
        let mut bad = good.clone();
        for v in 0..=255u8 {
            if v == good[i] {
                continue;
            }
            bad[i] = v;
            assert!(
                Partial::from_bytes(&bad).is_err(),
                "byte {i} set to {v} went unnoticed"
            );
        }
    }
    for n in 0..good.len() {
        let err = Partial::from_bytes(&good[..n]).unwrap_err();
        assert!(
            matches!(
                err,
                PartialError::Truncated { .. } | PartialError::NotAPartial
            ),
            "{n}: {err}"
        );
    }
    let mut longer = good.clone();
    longer.push(0);
    assert!(matches!(
        Partial::from_bytes(&longer),
        Err(PartialError::TrailingBytes { .. })
    ));
}

/// `bytes` with the version changed, the CRC-32 recomputed.
fn with_version(bytes: &[u8], version: u16) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[8..10].copy_from_slice(&version.to_le_bytes());
    let n = b.len();
    let crc = crc32(&b[..n - 4]);
    b[n - 4..].copy_from_slice(&crc.to_le_bytes());
    b
}

/// CRC-32 (IEEE), bit by bit: the format's checksum, independently of the crate computing it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn another_version_is_refused_and_the_checksum_is_crc32() {
    let good = small_partial();
    assert_eq!(
        with_version(&good, FORMAT_VERSION),
        good,
        "the trailer is the CRC-32 of the rest"
    );
    let err = Partial::from_bytes(&with_version(&good, FORMAT_VERSION + 1)).unwrap_err();
    assert_eq!(
        err,
        PartialError::Version {
            found: FORMAT_VERSION + 1
        }
    );
    assert!(
        err.to_string()
            .contains(&format!("version {}", FORMAT_VERSION + 1)),
        "{err}"
    );
}

#[test]
fn partials_of_other_options_are_refused() {
    let line = corpus_lines()[5].clone();
    let part = |a: Analyzer| {
        let r = a.clone().analyze_bytes("x.ndjson", &line).unwrap();
        Partial::from_report(r, a.partial_options(), None, 0)
    };
    let base = part(Analyzer::new().group_by(dims("label")));
    let others = [
        (Analyzer::new().group_by(dims("direction")), "--by"),
        (
            Analyzer::new()
                .group_by(dims("label"))
                .classifier(Classifier::Cqd2020),
            "--classifier",
        ),
        (
            Analyzer::new()
                .group_by(dims("label"))
                .filter(Filter::new().condition(Condition::parse("label=main-audio").unwrap())),
            "filters",
        ),
        (
            Analyzer::new()
                .group_by(dims("label"))
                .keep_duplicates(true),
            "--keep-duplicates",
        ),
        (
            Analyzer::new().group_by(dims("label")).max_line_bytes(1000),
            "--max-line-bytes",
        ),
    ];
    for (a, option) in others {
        let mut merged = base.clone();
        match merged.merge(part(a)) {
            Err(MergeError::Mismatch { option: o, .. }) => assert_eq!(o, option),
            other => panic!("{option}: {other:?}"),
        }
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn cli_merge_gives_analyze_bytes_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let lines = corpus_lines();
    let mut files = Vec::new();
    for (i, range) in [0..15, 15..16, 16..lines.len()].into_iter().enumerate() {
        let mut data: Vec<u8> = lines[range]
            .iter()
            .flat_map(|l| l.iter().copied().chain([b'\n']))
            .collect();
        if i == 1 {
            data.extend_from_slice(b"not json\n");
        }
        files.push(write(dir.path(), &format!("f{i}.ndjson"), &data));
    }
    let missing = dir.path().join("missing.ndjson");
    let f: Vec<&str> = files.iter().map(|p| p.to_str().unwrap()).collect();
    let m = missing.to_str().unwrap();
    let opts: &[&[&str]] = &[
        &["--by", "direction,label"],
        &[
            "--by",
            "caller.platform",
            "--top",
            "3",
            "--min-streams",
            "1",
        ],
    ];
    for opt in opts {
        let mut parts = Vec::new();
        for (i, (inputs, threads)) in [(vec![f[0]], "1"), (vec![f[1], m], "2"), (vec![f[2]], "3")]
            .into_iter()
            .enumerate()
        {
            let part = dir.path().join(format!("p{i}.part"));
            let mut args = vec!["analyze", "--format", "partial", "--threads", threads];
            args.extend_from_slice(opt);
            args.extend(["-o", part.to_str().unwrap()]);
            args.extend(inputs);
            let out = callq(&args);
            assert!(out.status.code().is_some(), "{}", text(&out.stderr));
            parts.push(part.to_str().unwrap().to_owned());
        }
        for format in ["json", "table", "csv"] {
            let mut args = vec!["analyze", "--format", format];
            args.extend_from_slice(opt);
            args.extend([f[0], f[1], m, f[2]]);
            let whole = callq(&args);
            let mut args = vec!["merge", "--format", format];
            args.extend(parts.iter().map(String::as_str));
            let merged = callq(&args);
            assert_eq!(
                text(&merged.stdout),
                text(&whole.stdout),
                "{opt:?} {format}"
            );
            assert_eq!(
                merged.status.code(),
                whole.status.code(),
                "{opt:?} {format}"
            );
            assert_eq!(
                whole.status.code(),
                Some(2),
                "the missing input is an error"
            );
        }
        // A tree merge: (p0 p1) p2, through a merged partial.
        let left = dir.path().join("left.part");
        let out = callq(&[
            "merge",
            "--format",
            "partial",
            "-o",
            left.to_str().unwrap(),
            &parts[0],
            &parts[1],
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let tree = callq(&[
            "merge",
            "--format",
            "json",
            left.to_str().unwrap(),
            &parts[2],
        ]);
        let flat = callq(&["merge", "--format", "json", &parts[0], &parts[1], &parts[2]]);
        assert_eq!(tree.stdout, flat.stdout);
    }
}

#[test]
fn cli_merge_refuses_bad_partials_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(
        dir.path(),
        "a.ndjson",
        &[corpus_lines()[0].as_slice(), b"\n"].concat(),
    );
    let a = data.to_str().unwrap();
    let part = |name: &str, extra: &[&str]| {
        let p = dir.path().join(name);
        let mut args = vec!["analyze", "--format", "partial", "-o", p.to_str().unwrap()];
        args.extend_from_slice(extra);
        args.push(a);
        assert_eq!(callq(&args).status.code(), Some(0));
        p.to_str().unwrap().to_owned()
    };
    let by_label = part("label.part", &["--by", "label"]);
    let by_dir = part("dir.part", &["--by", "direction"]);
    let cqd = part("cqd.part", &["--by", "label", "--classifier", "cqd-2020"]);
    let bytes = std::fs::read(&by_label).unwrap();
    let truncated = write(dir.path(), "cut.part", &bytes[..bytes.len() - 10]);
    let mut flipped = bytes.clone();
    flipped[40] ^= 0x20;
    let damaged = write(dir.path(), "damaged.part", &flipped);
    let v1 = write(dir.path(), "v1.part", &with_version(&bytes, 1));
    let cases: Vec<(String, &str)> = vec![
        (by_dir.clone(), "--by"),
        (cqd.clone(), "--classifier"),
        (truncated.to_str().unwrap().into(), "truncated"),
        (damaged.to_str().unwrap().into(), "CRC-32"),
        (v1.to_str().unwrap().into(), "version 1"),
        (a.into(), "not a callq partial"),
        (
            dir.path().join("none.part").to_str().unwrap().into(),
            "cannot read",
        ),
    ];
    for (bad, what) in cases {
        let out = callq(&["merge", "--format", "json", &by_label, &bad]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {err}");
        assert!(err.contains(&bad) && err.contains(what), "{what}: {err}");
        assert!(out.stdout.is_empty());
    }
    // Merging a partial into itself is allowed (it counts everything twice, as analyze A A).
    let out = callq(&["merge", &by_label, &by_label]);
    assert_eq!(out.status.code(), Some(0));
}
