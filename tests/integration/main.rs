//! The integration tests, one binary (linking callq's dev-dependencies once instead of once per
//! file). Each module is one area; `cargo test --test integration MODULE::` runs one of them.
//! (`tests/features.rs` stays a binary of its own: CI runs it without default features, and
//! `tests/msrv.rs` asks cargo about the whole dependency graph.)

#[path = "../../fuzz/checks.rs"]
mod checks;

mod analyze;
mod buildings;
mod cli;
mod cli_safety;
mod conformance;
mod corpus_files;
mod datetime;
mod dedupe;
mod differential;
mod duration;
mod faults;
mod filters;
mod flatten;
mod forms;
mod framing;
mod fuzz_regressions;
mod generated;
mod generator;
mod graph_examples;
mod html_report;
mod limits;
mod ondemand;
mod partial;
mod readings;
mod report;
mod report_partial;
mod report_schema;
mod scan;
mod serialize;
mod stats;
mod util;
mod values;
