//! Filters (`--since`, `--until`, `--where`): which streams enter the figures.

use super::*;
use crate::buildings::Buildings;
use crate::datetime::DateTimeOffset;

/// One `--where DIM=V[,V…]` condition: the stream's value of the dimension is one of the
/// values (`None` stands for a missing value, written `null`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    /// The dimension tested.
    pub dimension: Dimension,
    /// The accepted values.
    pub values: Vec<Option<String>>,
}

impl Condition {
    /// Parses `DIM=V[,V…]`: an exact dimension name, `=`, then comma-separated values, the
    /// word `null` standing for a missing value.
    ///
    /// ```
    /// use callq::analyze::{Condition, Dimension};
    /// let c = Condition::parse("label=main-audio,null").unwrap();
    /// assert_eq!(c.dimension, Dimension::Label);
    /// assert_eq!(c.values, vec![Some("main-audio".to_string()), None]);
    /// assert!(Condition::parse("lable=x").unwrap_err().starts_with("unknown dimension `lable`"));
    /// assert!(Condition::parse("label").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Condition, String> {
        let (name, values) = text.split_once('=').ok_or_else(|| {
            format!("`{text}` is not DIMENSION=VALUE[,VALUE...] (for example label=main-audio)")
        })?;
        let dimension = Dimension::parse(name).map_err(|e| e.to_string())?;
        let values = values
            .split(',')
            .map(|v| (v != "null").then(|| v.to_owned()))
            .collect();
        Ok(Condition { dimension, values })
    }

    fn holds(&self, value: Option<&str>) -> bool {
        self.values.iter().any(|v| v.as_deref() == value)
    }
}

/// Which streams a run keeps: the session's `startDateTime` in [since, until), and every
/// [`Condition`]. A session without a `startDateTime` fails `since` and `until`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    since: Option<DateTimeOffset>,
    until: Option<DateTimeOffset>,
    conditions: Vec<Condition>,
}

/// Parses a `--since`/`--until` time: a date (`2026-11-01`, midnight UTC) or a date-time with
/// an offset (`2026-11-01T08:00:00+01:00`).
///
/// ```
/// use callq::analyze::parse_time;
/// let midnight = parse_time("2026-11-01").unwrap();
/// let same = parse_time("2026-11-01T01:00:00+01:00").unwrap();
/// assert_eq!(midnight.unix_seconds(), same.unix_seconds()); // the same instant
/// assert!(parse_time("2026-11-01T08:00:00").unwrap_err().contains("offset"));
/// ```
pub fn parse_time(text: &str) -> Result<DateTimeOffset, String> {
    let parsed = if text.len() == 10 {
        DateTimeOffset::parse_date(text)
    } else {
        DateTimeOffset::parse(text)
    };
    parsed.map_err(|e| {
        format!(
            "`{text}` is not a date (2026-11-01, midnight UTC) or a date-time with an offset \
             (2026-11-01T08:00:00Z, 2026-11-01T08:00:00+01:00): {e}"
        )
    })
}

fn instant(t: &DateTimeOffset) -> (i64, u32) {
    (t.unix_seconds(), t.subsec_nanos())
}

impl Filter {
    /// No filter: every stream is kept.
    pub fn new() -> Self {
        Filter::default()
    }

    /// Keeps sessions that start at or after `t`.
    pub fn since(mut self, t: DateTimeOffset) -> Self {
        self.since = Some(t);
        self
    }

    /// Keeps sessions that start before `t`.
    pub fn until(mut self, t: DateTimeOffset) -> Self {
        self.until = Some(t);
        self
    }

    /// Adds a condition (all must hold).
    pub fn condition(mut self, c: Condition) -> Self {
        self.conditions.push(c);
        self
    }

    /// The `since` bound, if any.
    pub fn since_time(&self) -> Option<&DateTimeOffset> {
        self.since.as_ref()
    }

    /// The `until` bound, if any.
    pub fn until_time(&self) -> Option<&DateTimeOffset> {
        self.until.as_ref()
    }

    /// The conditions, in the order given.
    pub fn conditions(&self) -> &[Condition] {
        &self.conditions
    }

    /// Whether the filter keeps everything.
    pub fn is_empty(&self) -> bool {
        self.since.is_none() && self.until.is_none() && self.conditions.is_empty()
    }

    /// `since` after `until` (or equal: the range is empty) is an error naming both.
    pub fn check(&self) -> Result<(), String> {
        if let (Some(s), Some(u)) = (&self.since, &self.until)
            && instant(s) >= instant(u)
        {
            return Err(format!(
                "--since {s} is not before --until {u}: no session could match \
                 (the range is [since, until))"
            ));
        }
        Ok(())
    }

    /// Whether the session's start is in range.
    #[inline]
    pub(super) fn session_passes(&self, session: &Session<'_>) -> bool {
        if self.since.is_none() && self.until.is_none() {
            return true;
        }
        let Some(start) = session.start_date_time.as_ref().map(instant) else {
            return false;
        };
        self.since.as_ref().is_none_or(|s| start >= instant(s))
            && self.until.as_ref().is_none_or(|u| start < instant(u))
    }

    /// Whether the stream meets every condition.
    pub(super) fn stream_passes(
        &self,
        ctx: &StreamContext<'_, '_>,
        buildings: Option<&Buildings>,
        scratch: &mut String,
    ) -> bool {
        self.conditions
            .iter()
            .all(|c| c.holds(dimension_value(&c.dimension, ctx, buildings, scratch)))
    }
}
