//! `serde::Serialize` for the borrowed model (feature `serde`), generated from the property
//! table (`src/properties.rs`); what it writes is documented in [`crate::model`]'s "serde"
//! section.

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::*;

/// How a model value is written, and whether it is absent (then its key is left out).
trait Wire {
    fn absent(&self) -> bool {
        false
    }
    fn put<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error>;
}

/// A [`Wire`] value as a `Serialize` one.
struct W<'x, T: ?Sized>(&'x T);

impl<T: Wire + ?Sized> Serialize for W<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.put(s)
    }
}

impl<T: Wire + ?Sized> Wire for &T {
    fn absent(&self) -> bool {
        (**self).absent()
    }
    fn put<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (**self).put(s)
    }
}

impl<T: Wire> Wire for Option<T> {
    fn absent(&self) -> bool {
        self.is_none()
    }
    fn put<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Some(v) => v.put(s),
            None => s.serialize_none(),
        }
    }
}

/// A collection: absent when empty (`null` elements were skipped when it was read).
impl<T: Wire> Wire for [T] {
    fn absent(&self) -> bool {
        self.is_empty()
    }
    fn put<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter().map(W))
    }
}

/// `Edm.Single` and `Edm.Double`: a number, or the string Graph uses for a non-finite one.
impl Wire for f64 {
    fn put<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            x if x.is_finite() => s.serialize_f64(x),
            x if x.is_nan() => s.serialize_str("NaN"),
            x if x > 0.0 => s.serialize_str("INF"),
            _ => s.serialize_str("-INF"),
        }
    }
}

/// Types written by their own `Serialize`.
macro_rules! wire_by_serialize {
    ($($ty:ty),* $(,)?) => {$(
        impl Wire for $ty {
            fn put<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                Serialize::serialize(self, s)
            }
        }
    )*};
}

wire_by_serialize!(i64, i32, bool, str, Duration, DateTimeOffset);

impl Wire for EndpointKind<'_> {
    fn absent(&self) -> bool {
        *self == EndpointKind::Unspecified
    }
    fn put<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.serialize(s)
    }
}

impl Wire for UserAgentKind<'_> {
    fn absent(&self) -> bool {
        *self == UserAgentKind::Unspecified
    }
    fn put<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.serialize(s)
    }
}

/// `userFeedback.tokens`: an open type whose members are the tokens.
struct Tokens<'a>(&'a [(&'a str, bool)]);

impl Wire for Tokens<'_> {
    fn absent(&self) -> bool {
        self.0.is_empty()
    }
    fn put<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// `administrativeUnitInfos`: `[{"id": …}]` (`{}` for an element without an id).
struct AdministrativeUnits<'a>(&'a [Option<&'a str>]);

impl Wire for AdministrativeUnits<'_> {
    fn absent(&self) -> bool {
        self.0.is_empty()
    }
    fn put<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Unit<'a>(Option<&'a str>);
        impl Serialize for Unit<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(usize::from(self.0.is_some())))?;
                if let Some(id) = self.0 {
                    m.serialize_entry("id", id)?;
                }
                m.end()
            }
        }
        s.collect_seq(self.0.iter().map(|id| Unit(*id)))
    }
}

/// The value of one table entry, by its conversion: the field itself, or a wrapper for the
/// nested readers whose JSON is not the field's shape.
macro_rules! wire {
    ([With(feedback_tokens)] $v:expr) => {
        &Tokens($v)
    };
    ([With(administrative_unit_ids)] $v:expr) => {
        &AdministrativeUnits($v)
    };
    ([$($conversion:tt)*] $v:expr) => {
        &$v
    };
}

/// `Serialize` for a model struct from its property table: a map of the present properties.
macro_rules! serialize_model {
    (($ty:ident) $($reading:ident $json:literal $field:ident : $conv:ident $(($($arg:tt)*))? $(, $unit:ident)?;)*) => {
        #[doc = concat!("The Graph object: each present property under its JSON name, in the ",
                        "property table's order (see [`crate::model`]'s serde section).")]
        impl Serialize for $ty<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let len = 0 $(+ usize::from(!Wire::absent(wire!([$conv $(($($arg)*))?] self.$field))))*;
                let mut m = s.serialize_map(Some(len))?;
                $(
                    let v = wire!([$conv $(($($arg)*))?] self.$field);
                    if !Wire::absent(v) {
                        m.serialize_entry($json, &W(v))?;
                    }
                )*
                m.end()
            }
        }

        impl Wire for $ty<'_> {
            fn put<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.serialize(s)
            }
        }
    };
}

use crate::properties::{
    call_record, device_info, direct_routing_log_row, endpoint, failure_info, identity,
    identity_set, media, media_stream, network_info, participant, pstn_call_log_row, segment,
    session, trace_route_hop, user_agent, user_feedback,
};

media_stream!(serialize_model! MediaStream);
media!(serialize_model! Media);
network_info!(serialize_model! NetworkInfo);
session!(serialize_model! Session);
segment!(serialize_model! Segment);
endpoint!(serialize_model! Endpoint);
user_agent!(serialize_model! UserAgent);
call_record!(serialize_model! CallRecord);
device_info!(serialize_model! DeviceInfo);
trace_route_hop!(serialize_model! TraceRouteHop);
failure_info!(serialize_model! FailureInfo);
user_feedback!(serialize_model! UserFeedback);
participant!(serialize_model! Participant);
identity_set!(serialize_model! IdentitySet);
identity!(serialize_model! Identity);
pstn_call_log_row!(serialize_model! PstnCallLogRow);
direct_routing_log_row!(serialize_model! DirectRoutingLogRow);

/// `@odata.context`, `@odata.nextLink` (when present), then `value`, `key`'s array.
fn page<S: Serializer, T: Wire>(
    s: S,
    context: Option<&str>,
    next_link: Option<&str>,
    items: &[T],
) -> Result<S::Ok, S::Error> {
    let len = 1 + usize::from(context.is_some()) + usize::from(next_link.is_some());
    let mut m = s.serialize_map(Some(len))?;
    if let Some(c) = context {
        m.serialize_entry("@odata.context", c)?;
    }
    if let Some(n) = next_link {
        m.serialize_entry("@odata.nextLink", n)?;
    }
    m.serialize_entry("value", &W(items))?;
    m.end()
}

/// A page of sessions: `@odata.context` and `@odata.nextLink` when present, then `value`
/// (always, even empty).
impl Serialize for SessionsPage<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        page(s, self.odata_context, self.next_link, self.sessions)
    }
}

/// A page of callRecords: `@odata.context` and `@odata.nextLink` when present, then `value`
/// (always, even empty).
impl Serialize for CallRecordsPage<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        page(s, self.odata_context, self.next_link, self.records)
    }
}

/// The document as the shape it was read as (no tag: the shape shows in the JSON).
impl Serialize for Document<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Document::SessionsPage(p) => p.serialize(s),
            Document::CallRecord(r) => r.serialize(s),
            Document::CallRecordsPage(p) => p.serialize(s),
            Document::Other(o) => o.serialize(s),
        }
    }
}

/// The `@odata.context` Graph gives each kind of page (the model does not keep the original
/// one; a page of participants cannot be told from a page of sessions without it).
const METADATA: &str = "https://graph.microsoft.com/v1.0/$metadata#";

/// A document of another kind: the callRecord without sessions as itself; the pages as
/// `{"@odata.context", "value"}`, with the context Graph gives their kind
/// (`…#communications/callRecords`, `…#communications/callRecords/participants_v2`,
/// `…#Collection(microsoft.graph.callRecords.pstnCallLogRow)`, …), so that callq reads them
/// back as the same kind. A batch of change notifications is only counted when read, so it
/// cannot be written: serializing one is an error.
impl Serialize for OtherDocument<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let context = |rest: &str| format!("{METADATA}{rest}");
        match self.kind {
            OtherKind::CallRecord if self.records.len() == 1 => self.records[0].serialize(s),
            OtherKind::CallRecord | OtherKind::CallRecords => page(
                s,
                Some(&context("communications/callRecords")),
                None,
                self.records,
            ),
            OtherKind::Participants => page(
                s,
                Some(&context("communications/callRecords/participants_v2")),
                None,
                self.participants,
            ),
            OtherKind::PstnCallLogRows => page(
                s,
                Some(&context(
                    "Collection(microsoft.graph.callRecords.pstnCallLogRow)",
                )),
                None,
                self.pstn_call_log_rows,
            ),
            OtherKind::DirectRoutingLogRows => page(
                s,
                Some(&context(
                    "Collection(microsoft.graph.callRecords.directRoutingLogRow)",
                )),
                None,
                self.direct_routing_log_rows,
            ),
            OtherKind::Notifications => Err(serde::ser::Error::custom(
                "a batch of change notifications is counted, not kept: it cannot be serialized",
            )),
        }
    }
}

/// The `@odata.type` Graph sends for the subtype (`#microsoft.graph.callRecords.…`); an
/// unknown one as it was sent; `none` for [`EndpointKind::Unspecified`].
impl Serialize for EndpointKind<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            EndpointKind::Unspecified => s.serialize_none(),
            EndpointKind::Participant => {
                s.serialize_str("#microsoft.graph.callRecords.participantEndpoint")
            }
            EndpointKind::Service => {
                s.serialize_str("#microsoft.graph.callRecords.serviceEndpoint")
            }
            EndpointKind::Other(t) => s.collect_str(&format_args!("#{t}")),
        }
    }
}

/// The `@odata.type` Graph sends for the subtype (`#microsoft.graph.callRecords.…`); an
/// unknown one as it was sent; `none` for [`UserAgentKind::Unspecified`].
impl Serialize for UserAgentKind<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            UserAgentKind::Unspecified => s.serialize_none(),
            UserAgentKind::Client => {
                s.serialize_str("#microsoft.graph.callRecords.clientUserAgent")
            }
            UserAgentKind::Service => {
                s.serialize_str("#microsoft.graph.callRecords.serviceUserAgent")
            }
            UserAgentKind::Other(t) => s.collect_str(&format_args!("#{t}")),
        }
    }
}

/// The canonical ISO-8601 form (`PT0.016S`), as [`Duration`]'s `Display` writes it.
impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// RFC 3339 in the original offset (`2020-02-25T18:52:21.2169889Z`), as
/// [`DateTimeOffset`]'s `Display` writes it.
impl Serialize for DateTimeOffset {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Enumerations: the wire string, exactly as Graph sends it (an unknown value as sent).
macro_rules! serialize_enums {
    ($($e:ident),* $(,)?) => {$(
        #[doc = concat!("The wire string ([`", stringify!($e), "::as_str`]).")]
        impl Serialize for $e<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl Wire for $e<'_> {
            fn put<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.serialize(s)
            }
        }
    )*};
}

serialize_enums!(
    AudioCodec,
    CallType,
    ClientPlatform,
    FailureStage,
    EndpointType,
    MediaStreamDirection,
    Modality,
    NetworkConnectionType,
    NetworkTransportProtocol,
    ProductFamily,
    PstnCallDurationSource,
    PstnUserBlockMode,
    ServiceRole,
    UserFeedbackRating,
    VideoCodec,
    WifiBand,
    WifiRadioType,
);
