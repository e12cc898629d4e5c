//! Deterministic generator of realistic Microsoft Graph `callRecords` NDJSON corpora.
//!
//! The output models the official Graph examples: pages of sessions, callRecords with their
//! sessions expanded, and pages of callRecords, with all the quirks seen in real archives
//! (nulls, absent properties, `Edm.Single` written as integers, `"NaN"`, Int64 as decimal
//! strings, every duration form .NET's `XmlConvert` writes, unicode and escaped names,
//! unknown properties and `@odata.*` annotations).
//!
//! Everything is derived from a built-in xoshiro256** PRNG seeded with SplitMix64 and from
//! integer or exactly-rounded floating point arithmetic only (no `libm` calls), so a given
//! [`GenConfig`] produces the same bytes on every platform and with every crate version.
//!
//! Inside, private: `rng` (the PRNG), `write` (numbers, strings, durations and timestamps as
//! JSON), `vocab` (word lists), `props` (one call per optional property, with the quirks of
//! real archives), `corpus` (the documents down to media, [`Generator`]), `people` (identities
//! and endpoints), `quality` (networks, devices and streams) and `size` ([`parse_size`]).

use std::fmt;
use std::io::Write;
use std::str::FromStr;

mod corpus;
mod form;
mod people;
mod props;
mod quality;
mod resend;
mod rng;
mod size;
mod vocab;
mod write;

pub use corpus::Generator;
pub use form::{BATCH_SIZE, Form, generate_form, pretty_print};
pub use resend::{generate_versions, resend};
pub use size::{SizeError, SizeErrorKind, parse_size};

/// Which document shape each line has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Shape {
    /// A page of sessions (`GET /communications/callRecords/{id}/sessions?$expand=segments`).
    #[default]
    Sessions,
    /// One callRecord with `sessions($expand=segments)` expanded.
    CallRecord,
    /// A page of callRecords, each with its sessions expanded.
    CallRecordsPage,
    /// Each line picks one of the three shapes above.
    Mixed,
}

impl FromStr for Shape {
    type Err = UnknownShape;

    /// Parses `sessions`, `callrecord`, `callrecords-page` or `mixed` (case-insensitive).
    ///
    /// ```
    /// use callq::generate::Shape;
    /// assert_eq!("Mixed".parse(), Ok(Shape::Mixed));
    /// let err = "pages".parse::<Shape>().unwrap_err();
    /// assert_eq!(err.input(), "pages");
    /// assert_eq!(
    ///     err.to_string(),
    ///     r#"unknown shape "pages": expected sessions, callrecord, callrecords-page or mixed"#
    /// );
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "sessions" => Ok(Shape::Sessions),
            "callrecord" => Ok(Shape::CallRecord),
            "callrecords-page" => Ok(Shape::CallRecordsPage),
            "mixed" => Ok(Shape::Mixed),
            _ => Err(UnknownShape {
                input: s.to_owned(),
            }),
        }
    }
}

/// A name that is not a [`Shape`] (the only way [`Shape::from_str`] fails).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnknownShape {
    input: String,
}

impl UnknownShape {
    /// The name, as given.
    pub fn input(&self) -> &str {
        &self.input
    }
}

impl fmt::Display for UnknownShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown shape {:?}: expected sessions, callrecord, callrecords-page or mixed",
            self.input
        )
    }
}

impl std::error::Error for UnknownShape {}

/// What to generate.
#[derive(Clone, Debug)]
pub struct GenConfig {
    /// Seed of the PRNG; the same seed gives the same output.
    pub seed: u64,
    /// Target size in bytes; generation stops after the first line that reaches it.
    pub size: u64,
    /// Document shape of the lines.
    pub shape: Shape,
}

/// What was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenSummary {
    /// Bytes written, newlines included.
    pub bytes: u64,
    /// Lines written.
    pub lines: u64,
    /// Sessions in all lines.
    pub sessions: u64,
    /// Segments in all sessions.
    pub segments: u64,
    /// Media in all segments.
    pub media: u64,
    /// Streams in all media.
    pub streams: u64,
}

impl GenSummary {
    /// Counts one more document and what it holds (its bytes are counted by the caller:
    /// they depend on the form it is written in).
    pub(crate) fn add_document(&mut self, l: &LineSummary) {
        self.lines += 1;
        self.sessions += l.sessions;
        self.segments += l.segments;
        self.media += l.media;
        self.streams += l.streams;
    }
}

/// What one call of [`Generator::next_line`] appended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LineSummary {
    /// Bytes appended, the newline included.
    pub bytes: u64,
    /// Sessions in the line.
    pub sessions: u64,
    /// Segments in the line.
    pub segments: u64,
    /// Media in the line.
    pub media: u64,
    /// Streams in the line.
    pub streams: u64,
}

/// Writes NDJSON to `out`. Same config => same bytes, on every platform.
///
/// Lines are produced by a [`Generator`] until at least `config.size` bytes are written
/// (a `size` of 0 writes nothing). Output is batched in about 1 MiB writes, so `out` need
/// not be buffered.
///
/// ```
/// use callq::generate::{GenConfig, Shape, generate};
///
/// let mut out = Vec::new();
/// let config = GenConfig { seed: 42, size: 100_000, shape: Shape::Sessions };
/// let summary = generate(&config, &mut out)?;
/// assert_eq!(summary.bytes, out.len() as u64);
/// assert!(summary.bytes >= 100_000);
/// assert_eq!(summary.lines, out.iter().filter(|&&b| b == b'\n').count() as u64);
/// let first = out.split(|&b| b == b'\n').next().unwrap();
/// let doc: serde_json::Value = serde_json::from_slice(first).unwrap();
/// assert!(doc["value"].is_array());
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn generate<W: Write>(config: &GenConfig, mut out: W) -> std::io::Result<GenSummary> {
    const BATCH: usize = 1 << 20;
    let mut g = Generator::new(config.seed, config.shape);
    let mut buf = Vec::with_capacity(BATCH + (1 << 20));
    let mut sum = GenSummary::default();
    while sum.bytes < config.size {
        let l = g.next_line(&mut buf);
        sum.bytes += l.bytes;
        sum.add_document(&l);
        if buf.len() >= BATCH {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    out.write_all(&buf)?;
    out.flush()?;
    Ok(sum)
}
