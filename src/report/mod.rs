//! Statistics → reports: JSON (schemaVersion 1), an aligned table, CSV, and the bad-line list
//! as NDJSON.
//!
//! Every function here is pure: it renders a [`Report`] into a `String` or a writer and prints
//! nothing. Text from the input (group key values, file names, messages) is made harmless for
//! its destination: escaped for a terminal in tables ([`terminal_safe`]), neutralised against
//! spreadsheet formulas in CSV unless asked not to ([`CsvOptions`]), JSON-escaped in JSON.
//!
//! The JSON reports are written by serde_json from one set of `serde::Serialize` impls, the
//! only definition of their shape; with the `serde` feature the report types implement
//! `Serialize` through them, so `serde_json::to_writer_pretty(w, &report)` plus a newline is
//! [`write_analyze_json`]'s output, byte for byte.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::analyze::{BadLine, GroupStats, InputCounts, METRICS, Report};
use crate::classify::{Classifier, Reasons};
use crate::stats::Number;

/// The JSON report's schema version.
pub const SCHEMA_VERSION: u64 = 1;

/// What the JSON report's `generator` member says: `callq` and the crate version.
pub const GENERATOR: &str = concat!("callq ", env!("CARGO_PKG_VERSION"));

/// The name of a classifier in reports and on the command line (`current`, `cqd-2020`).
fn classifier_name(c: Classifier) -> &'static str {
    match c {
        Classifier::Current => "current",
        Classifier::Cqd2020 => "cqd-2020",
    }
}

/// Output formats of `callq analyze`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// An aligned, human table.
    #[default]
    Table,
    /// JSON, schemaVersion 1.
    Json,
    /// One CSV row per group and metric.
    Csv,
}

impl std::str::FromStr for Format {
    type Err = UnknownFormat;
    /// Parses `table`, `json` or `csv`.
    fn from_str(s: &str) -> Result<Self, UnknownFormat> {
        match s {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            other => Err(UnknownFormat {
                input: other.to_owned(),
            }),
        }
    }
}

/// A name that is not a [`Format`] (the only way `Format::from_str` fails).
///
/// ```
/// use callq::report::Format;
/// let err = "yaml".parse::<Format>().unwrap_err();
/// assert_eq!(err.input(), "yaml");
/// assert_eq!(err.to_string(), "unknown format `yaml` (expected table, json or csv)");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnknownFormat {
    input: String,
}

impl UnknownFormat {
    /// The name, as given.
    pub fn input(&self) -> &str {
        &self.input
    }
}

impl std::fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "unknown format `{}` (expected table, json or csv)",
            self.input
        )
    }
}

impl std::error::Error for UnknownFormat {}

mod csv;
mod json;
mod safe;
mod ser;
mod table;

pub use csv::{
    CsvOptions, analyze_csv, analyze_csv_with, write_analyze_csv, write_analyze_csv_with,
};
use json::float_text;
pub use json::{analyze_json, check_json, write_analyze_json, write_errors_ndjson};
pub use safe::{spreadsheet_safe, terminal_safe};
pub use table::{analyze_table, analyze_table_width, check_table, counted, decimal_size, grouped};
