//! callq: crunch archived Microsoft Graph `callRecords` into per-stream quality statistics.
#![deny(missing_docs)]

pub mod analyze;
pub mod classify;
pub mod datetime;
pub mod document;
pub mod duration;
pub mod framing;
pub mod r#gen;
pub mod input;
pub mod model;
pub mod parallel;
pub mod report;
pub mod stats;
