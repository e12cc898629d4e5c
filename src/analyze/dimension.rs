//! Grouping dimensions (`--by`) and the encoded group keys built from them.

use std::fmt::Write as _;

use super::*;
use crate::buildings::Buildings;
use crate::model::{EndpointKind, MediaStreamDirection};

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
    /// `participant` or `service`, from the endpoint's `@odata.type` (segment's, else session's).
    Kind,
    /// The endpoint's `identity.user.id` (segment's, else session's).
    UserId,
    /// The endpoint's `identity.user.displayName` (segment's, else session's).
    UserDisplayName,
    /// The media's `callerDevice`/`calleeDevice` `captureDeviceName`.
    CaptureDevice,
    /// The media's `callerDevice`/`calleeDevice` `renderDeviceName`.
    RenderDevice,
    /// The media's `callerNetwork`/`calleeNetwork` `subnet`.
    Subnet,
    /// The media's `callerNetwork`/`calleeNetwork` `wifiBand`.
    WifiBand,
    /// `BuildingName` of the network's row in the building file ([`Analyzer::buildings`]).
    Building,
    /// `City` of that row.
    City,
    /// `Country` of that row.
    Country,
    /// `Region` of that row.
    Region,
    /// `NetworkName` of that row.
    Network,
    /// `InsideCorp` of that row, as `true` or `false`.
    InsideCorp,
}

impl EndpointField {
    /// Every field, in the order `--help` lists them.
    pub const ALL: [EndpointField; 16] = [
        EndpointField::Platform,
        EndpointField::ProductFamily,
        EndpointField::ConnectionType,
        EndpointField::Kind,
        EndpointField::UserId,
        EndpointField::UserDisplayName,
        EndpointField::CaptureDevice,
        EndpointField::RenderDevice,
        EndpointField::Subnet,
        EndpointField::WifiBand,
        EndpointField::Building,
        EndpointField::City,
        EndpointField::Country,
        EndpointField::Region,
        EndpointField::Network,
        EndpointField::InsideCorp,
    ];

    /// The field's name after `caller.` (and the other sides).
    pub fn name(self) -> &'static str {
        match self {
            EndpointField::Platform => "platform",
            EndpointField::ProductFamily => "productFamily",
            EndpointField::ConnectionType => "connectionType",
            EndpointField::Kind => "kind",
            EndpointField::UserId => "userId",
            EndpointField::UserDisplayName => "userDisplayName",
            EndpointField::CaptureDevice => "captureDevice",
            EndpointField::RenderDevice => "renderDevice",
            EndpointField::Subnet => "subnet",
            EndpointField::WifiBand => "wifiBand",
            EndpointField::Building => "building",
            EndpointField::City => "city",
            EndpointField::Country => "country",
            EndpointField::Region => "region",
            EndpointField::Network => "network",
            EndpointField::InsideCorp => "insideCorp",
        }
    }

    /// Whether the field comes from the building file (`--buildings`).
    pub fn needs_buildings(self) -> bool {
        matches!(
            self,
            EndpointField::Building
                | EndpointField::City
                | EndpointField::Country
                | EndpointField::Region
                | EndpointField::Network
                | EndpointField::InsideCorp
        )
    }
}

/// A `--by` (and `--where`) dimension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dimension {
    /// `direction`: the stream's `streamDirection`.
    Direction,
    /// `label`: the media's label.
    Label,
    /// `day`: the UTC date of the session's `startDateTime`.
    Day,
    /// `hour`: its UTC hour, `2026-11-02T14`.
    Hour,
    /// `week`: its ISO week (UTC), `2026-W45`.
    Week,
    /// `month`: the UTC month of the session's `startDateTime`.
    Month,
    /// `quality`: the stream's classification, `good`, `poor` or `unclassified`.
    Quality,
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
            DimensionErrorKind::Unknown => {
                let fields: Vec<&str> = EndpointField::ALL.iter().map(|f| f.name()).collect();
                write!(f, "unknown dimension `{}` (", self.name)?;
                if let Some(near) = nearest_name(&self.name) {
                    write!(f, "did you mean `{near}`? ")?;
                }
                write!(
                    f,
                    "expected one of: {}, or caller.X, callee.X, sender.X, receiver.X where X is \
                     one of: {})",
                    Dimension::SIMPLE_NAMES.join(", "),
                    fields.join(", ")
                )
            }
            DimensionErrorKind::Repeated => {
                write!(f, "dimension `{}` is repeated in --by", self.name)
            }
        }
    }
}

impl std::error::Error for DimensionError {}

/// The dimension name closest to `name`, when it is close enough to be a typo: letter case
/// ignored, at most one edit (a letter added, dropped, changed, or two neighbours swapped) for
/// every four letters, and at least one. An endpoint field without its side (`building`) gets
/// the caller's.
fn nearest_name(name: &str) -> Option<String> {
    // (how it is spelled, what it suggests)
    let bare_field = EndpointField::ALL
        .into_iter()
        .map(|field| (field.name(), format!("caller.{}", field.name())));
    let wanted = name.to_lowercase();
    let limit = (wanted.chars().count() / 4).max(1);
    Dimension::NAMES
        .into_iter()
        .map(|dimension| (dimension, dimension.to_owned()))
        .chain(bare_field)
        .map(|(spelled, meant)| (edits(&wanted, &spelled.to_lowercase()), meant))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, meant)| meant)
}

/// The fewest single-letter insertions, deletions, substitutions and swaps of adjacent letters
/// that turn `a` into `b` (the optimal string alignment distance).
fn edits(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // d[i][j]: the distance between the first i letters of a and the first j of b.
    let mut d = vec![vec![0; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

macro_rules! side_names {
    ($($side:literal),*) => {
        [
            "direction", "label", "day", "hour", "week", "month", "quality",
            $(
                concat!($side, ".platform"),
                concat!($side, ".productFamily"),
                concat!($side, ".connectionType"),
                concat!($side, ".kind"),
                concat!($side, ".userId"),
                concat!($side, ".userDisplayName"),
                concat!($side, ".captureDevice"),
                concat!($side, ".renderDevice"),
                concat!($side, ".subnet"),
                concat!($side, ".wifiBand"),
                concat!($side, ".building"),
                concat!($side, ".city"),
                concat!($side, ".country"),
                concat!($side, ".region"),
                concat!($side, ".network"),
                concat!($side, ".insideCorp"),
            )*
        ]
    };
}

impl Dimension {
    /// The dimensions that are not about an endpoint.
    pub const SIMPLE_NAMES: [&'static str; 7] = [
        "direction",
        "label",
        "day",
        "hour",
        "week",
        "month",
        "quality",
    ];

    /// Every dimension name, in the order `--help` lists them.
    pub const NAMES: [&'static str; 7 + 4 * 16] =
        side_names!("caller", "callee", "sender", "receiver");

    /// Parses an exact dimension name.
    pub fn parse(name: &str) -> Result<Dimension, DimensionError> {
        let simple = match name {
            "direction" => Some(Dimension::Direction),
            "label" => Some(Dimension::Label),
            "day" => Some(Dimension::Day),
            "hour" => Some(Dimension::Hour),
            "week" => Some(Dimension::Week),
            "month" => Some(Dimension::Month),
            "quality" => Some(Dimension::Quality),
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
        let field = EndpointField::ALL
            .into_iter()
            .find(|f| f.name() == field)
            .ok_or_else(unknown)?;
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
    /// assert!(e.to_string().starts_with("unknown dimension `lable` (did you mean `label`? expected one of: direction,"));
    /// let e = Dimension::parse_list("caller.userid").unwrap_err();
    /// assert!(e.to_string().contains("did you mean `caller.userId`?"));
    /// let e = Dimension::parse_list("colour").unwrap_err();
    /// assert!(e.to_string().starts_with("unknown dimension `colour` (expected one of: direction,"));
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

    /// Whether the dimension comes from the building file (`--buildings`).
    pub fn needs_buildings(&self) -> bool {
        matches!(self, Dimension::Endpoint(_, f) if f.needs_buildings())
    }

    /// The dimension's name in reports.
    pub fn name(&self) -> String {
        match self {
            Dimension::Direction => "direction".into(),
            Dimension::Label => "label".into(),
            Dimension::Day => "day".into(),
            Dimension::Hour => "hour".into(),
            Dimension::Week => "week".into(),
            Dimension::Month => "month".into(),
            Dimension::Quality => "quality".into(),
            Dimension::Endpoint(side, field) => {
                let side = match side {
                    Side::Caller => "caller",
                    Side::Callee => "callee",
                    Side::Sender => "sender",
                    Side::Receiver => "receiver",
                };
                format!("{side}.{}", field.name())
            }
        }
    }
}

impl Dimension {
    /// Whether two streams of one media can differ in this dimension (their direction, their
    /// verdict, or the endpoint their direction picks); every other dimension is the same for
    /// all the streams of a media.
    pub(super) fn per_stream(&self) -> bool {
        matches!(
            self,
            Dimension::Direction
                | Dimension::Quality
                | Dimension::Endpoint(Side::Sender | Side::Receiver, _)
        )
    }
}

/// Everything a dimension can read about one stream.
pub(crate) struct StreamContext<'r, 'a> {
    pub(crate) session: &'r Session<'a>,
    pub(crate) segment: &'r Segment<'a>,
    pub(crate) media: &'r Media<'a>,
    pub(crate) stream: &'r MediaStream<'a>,
    pub(crate) quality: Quality,
}

/// The endpoint's subtype as a dimension value (`None` when `@odata.type` is absent).
fn kind_name<'a>(kind: EndpointKind<'a>) -> Option<&'a str> {
    match kind {
        EndpointKind::Unspecified => None,
        EndpointKind::Participant => Some("participant"),
        EndpointKind::Service => Some("service"),
        EndpointKind::Other(other) => Some(other),
    }
}

/// The endpoint field's value of the caller (`caller == true`) or the callee, with building
/// fields looked up in `buildings`.
pub(crate) fn endpoint_value<'s, 'a: 's>(
    ctx: &StreamContext<'_, 'a>,
    caller: bool,
    field: EndpointField,
    buildings: Option<&'s Buildings>,
) -> Option<&'s str> {
    let pick = |e: Option<&Endpoint<'a>>| -> Option<&'a str> {
        let e = e?;
        match field {
            EndpointField::Platform => e.user_agent?.platform.map(|p| p.as_str()),
            EndpointField::ProductFamily => e.user_agent?.product_family.map(|p| p.as_str()),
            EndpointField::Kind => kind_name(e.kind),
            EndpointField::UserId => e.identity?.user?.id,
            EndpointField::UserDisplayName => e.identity?.user?.display_name,
            _ => None,
        }
    };
    let (seg, ses) = if caller {
        (ctx.segment.caller, ctx.session.caller)
    } else {
        (ctx.segment.callee, ctx.session.callee)
    };
    let net = || {
        if caller {
            ctx.media.caller_network
        } else {
            ctx.media.callee_network
        }
    };
    let device = || {
        if caller {
            ctx.media.caller_device
        } else {
            ctx.media.callee_device
        }
    };
    let building = || {
        let n = net()?;
        let b = buildings?;
        n.subnet
            .and_then(crate::buildings::parse_address)
            .or_else(|| n.ip_address.and_then(crate::buildings::parse_address))
            .and_then(|a| b.lookup(a))
    };
    match field {
        EndpointField::ConnectionType => net()?.connection_type.map(|c| c.as_str()),
        EndpointField::Subnet => net()?.subnet,
        EndpointField::WifiBand => net()?.wifi_band.map(|w| w.as_str()),
        EndpointField::CaptureDevice => device()?.capture_device_name,
        EndpointField::RenderDevice => device()?.render_device_name,
        EndpointField::Building => building()?.building.as_deref(),
        EndpointField::City => building()?.city.as_deref(),
        EndpointField::Country => building()?.country.as_deref(),
        EndpointField::Region => building()?.region.as_deref(),
        EndpointField::Network => building()?.network_name.as_deref(),
        EndpointField::InsideCorp => Some(if building()?.inside_corp {
            "true"
        } else {
            "false"
        }),
        EndpointField::Platform
        | EndpointField::ProductFamily
        | EndpointField::Kind
        | EndpointField::UserId
        | EndpointField::UserDisplayName => pick(seg).or_else(|| pick(ses)),
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

/// Appends `n` (below 100) as two digits.
fn push2(out: &mut String, n: u8) {
    out.push(char::from(b'0' + n / 10));
    out.push(char::from(b'0' + n % 10));
}

/// The stream's value of `dim`: borrowed from the document or the building file, or written
/// into `scratch` (dates) and borrowed from there.
pub(super) fn dimension_value<'s, 'a: 's>(
    dim: &Dimension,
    ctx: &StreamContext<'_, 'a>,
    buildings: Option<&'s Buildings>,
    scratch: &'s mut String,
) -> Option<&'s str> {
    match dim {
        Dimension::Direction => ctx.stream.stream_direction.map(|d| d.as_str()),
        Dimension::Label => ctx.media.label,
        Dimension::Quality => Some(match ctx.quality {
            Quality::Good => "good",
            Quality::Poor => "poor",
            Quality::Unclassified => "unclassified",
        }),
        Dimension::Day | Dimension::Month | Dimension::Hour | Dimension::Week => {
            let t = ctx.session.start_date_time?;
            scratch.clear();
            match dim {
                Dimension::Day => t.utc_date().write_day(scratch),
                Dimension::Month => t.utc_date().write_month(scratch),
                Dimension::Hour => {
                    t.utc_date().write_day(scratch);
                    scratch.push('T');
                    push2(scratch, t.utc_hour());
                }
                _ => {
                    let (year, week) = t.utc_iso_week();
                    if (0..10_000).contains(&year) {
                        push2(scratch, (year / 100) as u8);
                        push2(scratch, (year % 100) as u8);
                    } else {
                        let _ = write!(scratch, "{year:04}");
                    }
                    scratch.push_str("-W");
                    push2(scratch, week);
                }
            }
            Some(scratch.as_str())
        }
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
            caller.and_then(|c| endpoint_value(ctx, c, *field, buildings))
        }
    }
}

pub(super) fn build_key(
    dims: &[Dimension],
    ctx: &StreamContext<'_, '_>,
    buildings: Option<&Buildings>,
    key: &mut Vec<u8>,
    scratch: &mut String,
) {
    key.clear();
    for dim in dims {
        push_component(key, dimension_value(dim, ctx, buildings, scratch));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_count_swaps_as_one() {
        assert_eq!(edits("label", "label"), 0);
        assert_eq!(edits("lable", "label"), 1);
        assert_eq!(edits("labl", "label"), 1);
        assert_eq!(edits("labell", "label"), 1);
        assert_eq!(edits("lbael", "label"), 1);
        assert_eq!(edits("", "day"), 3);
        assert_eq!(edits("week", "day"), 4);
    }

    #[test]
    fn typos_get_the_nearest_dimension() {
        for (typo, meant) in [
            ("lable", "label"),
            ("Direction", "direction"),
            ("dya", "day"),
            ("caller.userid", "caller.userId"),
            ("calee.platform", "callee.platform"),
            ("reciever.subnet", "receiver.subnet"),
            ("sender.wifiband", "sender.wifiBand"),
            ("building", "caller.building"),
            ("userId", "caller.userId"),
        ] {
            assert_eq!(nearest_name(typo).as_deref(), Some(meant), "{typo}");
        }
        for far in ["colour", "x", "caller", "caller.", "callee.colour"] {
            assert_eq!(nearest_name(far), None, "{far}");
        }
    }
}
