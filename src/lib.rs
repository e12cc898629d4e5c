//! callq: crunch archived Microsoft Graph `callRecords` into per-stream quality statistics.
//!
//! callq reads NDJSON archives of Graph call records (pages of
//! `GET /communications/callRecords/{id}/sessions?$expand=segments`, one page per line) at
//! memory speed, and reports the quality of every media stream, grouped and classified the way
//! Microsoft's Call Quality Dashboard does. The `callq` binary is a thin layer over this
//! library; every part of it is usable alone. The modules follow the data flow:
//!
//! | layer | modules | works on |
//! |---|---|---|
//! | bytes → lines | [`framing`], [`parallel`] | `&[u8]`: LF/CRLF framing, [`framing::Position`]s, line-aligned chunks, a parallel driver |
//! | I/O shell | [`input`], [`output`] | files (memory-mapped), directories, `.gz`/`.zst`, stdin; report files that never replace an input nor appear half-written |
//! | lines → documents | [`document`], [`model`], [`duration`], [`datetime`] | one line → a borrowed [`model::Document`] (on demand for `analyze`, through simd-json's tape for `check`) |
//! | documents → statistics | [`classify`], [`stats`], [`analyze`], [`buildings`] | streams → CQD verdicts, filters, groups (buildings from CQD's building file) and mergeable statistics |
//! | statistics → report | [`report`] | pure JSON, table and CSV renderers |
//! | streams → rows | [`flatten`] | one row per stream with its context, to Parquet, CSV, NDJSON or a sink of your own |
//! | workload | [`generate`] | a deterministic, realistic corpus generator |
//!
//! # Three layers in one example
//!
//! ```
//! use callq::framing::Lines;
//! use callq::document::{LineParser, Reading};
//! use callq::stats::{MetricStats, ValueKind};
//!
//! let archive = concat!(
//!     r#"{"value":[{"segments":[{"media":[{"label":"main-audio","streams":["#,
//!     r#"{"averageJitter":"PT0.016S"},{"averageJitter":"PT0.007S"}]}]}]}]}"#, "\n",
//!     "\n",
//!     r#"{"value":[{"segments":[{"media":[{"streams":[{"averageJitter":"PT0.045S"}]}]}]}]}"#, "\n",
//! );
//! let mut parser = LineParser::new();          // reuses its buffers line after line
//! let mut jitter = MetricStats::new(ValueKind::Float);
//! for line in Lines::new(archive.as_bytes()) { // bytes → lines
//!     if line.is_blank() { continue; }
//!     parser.parse(line.bytes, Reading::Analyze, |doc| { // lines → borrowed documents
//!         for session in doc.unwrap().sessions() {
//!             for stream in session.segments.iter().flat_map(|s| s.media).flat_map(|m| m.streams) {
//!                 if let Some(d) = stream.average_jitter {
//!                     jitter.add(d.as_millis_f64()); // documents → mergeable statistics
//!                 }
//!             }
//!         }
//!     });
//! }
//! assert_eq!(jitter.count(), 3);
//! assert_eq!(jitter.max().unwrap().as_f64(), 45.0);
//! ```
//!
//! For whole runs, [`analyze::Analyzer`] does all of this in parallel over files and streams;
//! a closure of your own gets the same inputs (mapped files, `.gz`/`.zst`, stdin) through
//! [`parallel::ParallelLines::run_input`].
//!
//! # Features
//!
//! * `cli` (default): the `callq` binary's dependencies (clap, indicatif, anyhow, wild,
//!   terminal_size).
//! * `compression` (default, via `cli`): `.gz` and `.zst` inputs (flate2, zstd). Without it,
//!   an [`analyze::Analyzer`] given a `.gz` or `.zst` input returns
//!   [`analyze::RunError::FeatureMissing`] before reading anything, so a build that lacks the
//!   feature can never report part of an archive as the whole.
//! * `parquet` (default): Parquet output for [`flatten`] through the Apache Arrow crates
//!   (`parquet` with its `arrow` and `zstd` features, `arrow-array`, `arrow-schema`,
//!   `arrow-buffer`). Without it, [`flatten`] still builds rows and writes CSV and NDJSON.
//! * `serde` (default): `serde::Serialize` for the reports ([`analyze::Report`],
//!   [`analyze::GroupReport`], [`analyze::GroupStats`], [`stats::MetricStats`],
//!   [`stats::Number`], [`analyze::InputCounts`], …) and for the borrowed [`model`], so they
//!   can be written as JSON, MessagePack, CBOR or into other storage without copying them field
//!   by field. A [`analyze::Report`] serializes as the `--format json` report:
//!   `serde_json::to_writer_pretty` and a newline give [`report::write_analyze_json`]'s bytes.
//!   The model writes the Graph JSON it was read from (see [`model`]'s "serde" section and
//!   `examples/reemit_sessions.rs`). The feature only adds public impls: the report writers use
//!   serde_json either way, so the JSON report is the same without it. No `Deserialize`: a
//!   report's statistics are sketches, not their quantiles, and the model lives in the
//!   parser's arena.
//!
//! ```
//! # #[cfg(feature = "serde")] {
//! use callq::analyze::Analyzer;
//!
//! let line = br#"{"value":[{"segments":[{"media":[{"streams":[{"averageJitter":"PT0.016S"}]}]}]}]}"#;
//! let report = Analyzer::new().analyze_bytes("a.ndjson", line).unwrap();
//! let mut json = serde_json::to_string_pretty(&report).unwrap();
//! json.push('\n');
//! assert_eq!(json, callq::report::analyze_json(&report));
//! let value = serde_json::to_value(&report.groups[0].stats).unwrap();
//! assert_eq!(value["metrics"]["averageJitter"]["max"], 16.0);
//! # }
//! ```
//!
//! With `default-features = false` the library needs only simd-json, simdutf8, memmap2, memchr,
//! rayon, bumpalo, serde, serde_json, ryu, ipnet, foldhash and crc32fast.
#![deny(missing_docs)]

pub mod analyze;
pub mod buildings;
pub mod classify;
pub mod datetime;
pub mod dedupe;
pub mod document;
pub mod duration;
pub mod flatten;
pub mod framing;
pub mod generate;
pub mod html;
pub mod input;
pub mod model;
pub mod output;
pub mod parallel;
pub mod partial;
mod properties;
pub mod report;
pub mod scan;
pub mod sequence;
pub mod stats;
