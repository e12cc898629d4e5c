//! Grouping dimensions (`--by`) and the encoded group keys built from them.

use super::*;
use crate::model::MediaStreamDirection;

/// Which endpoint a dimension reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// The segment's (or session's) caller.
    Caller,
    /// The segment's (or session's) callee.
    Callee,
    /// Whichever endpoint sent the stream, by its `streamDirection`.
    Sender,
    /// Whichever endpoint received the stream, by its `streamDirection`.
    Receiver,
}

/// What a dimension reads from an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EndpointField {
    /// `userAgent.platform` (the segment's endpoint, else the session's).
    Platform,
    /// `userAgent.productFamily` (likewise).
    ProductFamily,
    /// The media's `callerNetwork`/`calleeNetwork` `connectionType`.
    ConnectionType,
}

/// A `--by` dimension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dimension {
    /// `direction`: the stream's `streamDirection`.
    Direction,
    /// `label`: the media's label.
    Label,
    /// `day`: the UTC date of the session's `startDateTime`.
    Day,
    /// `month`: the UTC month of the session's `startDateTime`.
    Month,
    /// `caller.X`, `callee.X`, `sender.X`, `receiver.X`.
    Endpoint(Side, EndpointField),
}

/// What is wrong with a dimension name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DimensionErrorKind {
    /// Not one of [`Dimension::NAMES`].
    Unknown,
    /// Named twice in one list.
    Repeated,
}

/// A dimension name that [`Dimension::parse`] or [`Dimension::parse_list`] rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DimensionError {
    kind: DimensionErrorKind,
    name: String,
}

impl DimensionError {
    /// What is wrong.
    pub fn kind(&self) -> DimensionErrorKind {
        self.kind
    }

    /// The name as given.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for DimensionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            DimensionErrorKind::Unknown => write!(
                f,
                "unknown dimension `{}` (expected one of: {})",
                self.name,
                Dimension::NAMES.join(", ")
            ),
            DimensionErrorKind::Repeated => {
                write!(f, "dimension `{}` is repeated in --by", self.name)
            }
        }
    }
}

impl std::error::Error for DimensionError {}

impl Dimension {
    /// Every dimension name, in the order `--help` lists them.
    pub const NAMES: [&'static str; 16] = [
        "direction",
        "label",
        "day",
        "month",
        "caller.platform",
        "caller.productFamily",
        "caller.connectionType",
        "callee.platform",
        "callee.productFamily",
        "callee.connectionType",
        "sender.platform",
        "sender.productFamily",
        "sender.connectionType",
        "receiver.platform",
        "receiver.productFamily",
        "receiver.connectionType",
    ];

    /// Parses an exact dimension name.
    pub fn parse(name: &str) -> Result<Dimension, DimensionError> {
        let simple = match name {
            "direction" => Some(Dimension::Direction),
            "label" => Some(Dimension::Label),
            "day" => Some(Dimension::Day),
            "month" => Some(Dimension::Month),
            _ => None,
        };
        if let Some(d) = simple {
            return Ok(d);
        }
        let unknown = || DimensionError {
            kind: DimensionErrorKind::Unknown,
            name: name.to_owned(),
        };
        let (side, field) = name.split_once('.').ok_or_else(unknown)?;
        let side = match side {
            "caller" => Side::Caller,
            "callee" => Side::Callee,
            "sender" => Side::Sender,
            "receiver" => Side::Receiver,
            _ => return Err(unknown()),
        };
        let field = match field {
            "platform" => EndpointField::Platform,
            "productFamily" => EndpointField::ProductFamily,
            "connectionType" => EndpointField::ConnectionType,
            _ => return Err(unknown()),
        };
        Ok(Dimension::Endpoint(side, field))
    }

    /// Parses a comma-separated `--by` list; an unknown or repeated name is an error.
    ///
    /// ```
    /// use callq::analyze::{Dimension, DimensionErrorKind};
    /// assert_eq!(Dimension::parse_list("direction,label").unwrap().len(), 2);
    /// let e = Dimension::parse_list("label,lable").unwrap_err();
    /// assert_eq!(e.kind(), DimensionErrorKind::Unknown);
    /// assert_eq!(e.name(), "lable");
    /// assert!(e.to_string().starts_with("unknown dimension `lable` (expected one of: direction,"));
    /// let e = Dimension::parse_list("day,day").unwrap_err();
    /// assert_eq!(e.to_string(), "dimension `day` is repeated in --by");
    /// ```
    pub fn parse_list(list: &str) -> Result<Vec<Dimension>, DimensionError> {
        let mut dims = Vec::new();
        for name in list.split(',') {
            let d = Dimension::parse(name)?;
            if dims.contains(&d) {
                return Err(DimensionError {
                    kind: DimensionErrorKind::Repeated,
                    name: name.to_owned(),
                });
            }
            dims.push(d);
        }
        Ok(dims)
    }

    /// The dimension's name in reports.
    pub fn name(&self) -> String {
        match self {
            Dimension::Direction => "direction".into(),
            Dimension::Label => "label".into(),
            Dimension::Day => "day".into(),
            Dimension::Month => "month".into(),
            Dimension::Endpoint(side, field) => {
                let side = match side {
                    Side::Caller => "caller",
                    Side::Callee => "callee",
                    Side::Sender => "sender",
                    Side::Receiver => "receiver",
                };
                let field = match field {
                    EndpointField::Platform => "platform",
                    EndpointField::ProductFamily => "productFamily",
                    EndpointField::ConnectionType => "connectionType",
                };
                format!("{side}.{field}")
            }
        }
    }
}

/// Everything a dimension can read about one stream.
pub(super) struct StreamContext<'r, 'a> {
    pub(super) session: &'r Session<'a>,
    pub(super) segment: &'r Segment<'a>,
    pub(super) media: &'r Media<'a>,
    pub(super) stream: &'r MediaStream<'a>,
}

pub(super) fn endpoint_value<'a>(
    ctx: &StreamContext<'_, 'a>,
    caller: bool,
    field: EndpointField,
) -> Option<&'a str> {
    let pick = |e: Option<&Endpoint<'a>>| -> Option<&'a str> {
        let ua = e?.user_agent.as_ref()?;
        match field {
            EndpointField::Platform => ua.platform.map(|p| p.as_str()),
            EndpointField::ProductFamily => ua.product_family.map(|p| p.as_str()),
            EndpointField::ConnectionType => None,
        }
    };
    let (seg, ses) = if caller {
        (ctx.segment.caller, ctx.session.caller)
    } else {
        (ctx.segment.callee, ctx.session.callee)
    };
    match field {
        EndpointField::ConnectionType => {
            let net = if caller {
                ctx.media.caller_network
            } else {
                ctx.media.callee_network
            };
            net?.connection_type.map(|c| c.as_str())
        }
        _ => pick(seg).or_else(|| pick(ses)),
    }
}

/// Appends one key component: a tag byte (0 = null, 1 = string), then a length-prefixed string.
pub(super) fn push_component(key: &mut Vec<u8>, value: Option<&str>) {
    match value {
        None => key.push(0),
        Some(s) => {
            key.push(1);
            key.extend_from_slice(&(s.len() as u32).to_le_bytes());
            key.extend_from_slice(s.as_bytes());
        }
    }
}

pub(super) fn decode_key(mut key: &[u8]) -> Vec<Option<String>> {
    let mut out = Vec::new();
    while let Some((&tag, rest)) = key.split_first() {
        if tag == 0 {
            out.push(None);
            key = rest;
        } else {
            let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
            out.push(Some(
                String::from_utf8_lossy(&rest[4..4 + len]).into_owned(),
            ));
            key = &rest[4 + len..];
        }
    }
    out
}

pub(super) fn build_key(
    dims: &[Dimension],
    ctx: &StreamContext<'_, '_>,
    key: &mut Vec<u8>,
    scratch: &mut String,
) {
    key.clear();
    for dim in dims {
        match dim {
            Dimension::Direction => {
                push_component(key, ctx.stream.stream_direction.map(|d| d.as_str()))
            }
            Dimension::Label => push_component(key, ctx.media.label),
            Dimension::Day | Dimension::Month => match ctx.session.start_date_time {
                None => push_component(key, None),
                Some(t) => {
                    scratch.clear();
                    let date = t.utc_date();
                    if *dim == Dimension::Day {
                        date.write_day(scratch);
                    } else {
                        date.write_month(scratch);
                    }
                    push_component(key, Some(scratch));
                }
            },
            Dimension::Endpoint(side, field) => {
                let caller = match side {
                    Side::Caller => Some(true),
                    Side::Callee => Some(false),
                    Side::Sender | Side::Receiver => {
                        let from_caller = match ctx.stream.stream_direction {
                            Some(MediaStreamDirection::CallerToCallee) => Some(true),
                            Some(MediaStreamDirection::CalleeToCaller) => Some(false),
                            _ => None,
                        };
                        from_caller.map(|c| if *side == Side::Sender { c } else { !c })
                    }
                };
                push_component(key, caller.and_then(|c| endpoint_value(ctx, c, *field)));
            }
        }
    }
}
