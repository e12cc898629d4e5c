//! callq: crunch archived Microsoft Graph `callRecords` into per-stream quality statistics.
#![deny(missing_docs)]

pub mod r#gen;
