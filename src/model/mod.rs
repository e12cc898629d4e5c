//! The borrowed callRecords model: session → segment → media → mediaStream.
//!
//! Every string is a `&'a str` into the line (or into the parser's copy of it, where simd-json
//! unescaped it in place), every collection is a slice in a per-line [`bumpalo::Bump`] arena,
//! and the large sub-objects (endpoints, identity sets, device and network info) are
//! references into that arena, which keeps sessions, segments and media small to copy. Parsing
//! a line allocates nothing on the heap once the buffers are warm. `null` and an absent property are the same
//! (`None`, or an empty slice); `null` elements of collections are skipped.
//!
//! The types follow `microsoft.graph.callRecords` (v1.0 and beta). Where Graph has a type
//! hierarchy told apart by `@odata.type` (endpoints, user agents, identities), the model has one
//! flat struct holding the properties of every subtype, plus a `kind` read from `@odata.type`.
//!
//! # serde
//!
//! With the `serde` feature (on by default) every type here implements `serde::Serialize`,
//! generated from the property table, and writes the Graph JSON it was read from:
//!
//! - Keys are the Graph property names (camelCase, `@odata.type`), in the property table's
//!   order; a document keeps its shape (a page of sessions is `{"@odata.context", "value"}`).
//!   A page of another kind ([`OtherDocument`]) is given the `@odata.context` Graph gives its
//!   kind (the model does not keep the original), so it reads back as that kind; a batch of
//!   change notifications is only counted when read, and serializing one is an error.
//! - An absent property (`None`, an empty collection, an unspecified `kind`) is left out:
//!   `null` and absent mean the same, to callq and to Graph.
//! - Values are in the form Graph sends and callq reads back: durations as canonical ISO-8601
//!   (`PT0.016S`), date-times as RFC 3339 in their original offset, enumerations as their wire
//!   string (unknown values as sent), `Edm.Single`/`Edm.Double` as numbers or, when not
//!   finite, as the strings `"NaN"`, `"INF"` and `"-INF"`.
//! - Only what the model holds is written: properties callq does not declare, annotations
//!   other than `@odata.type`, and `null` elements of collections are not there. A document
//!   read with [`Reading::Analyze`](crate::document::Reading::Analyze) holds only what
//!   `analyze` uses; read with [`Reading::Full`](crate::document::Reading::Full) to keep every
//!   declared property.
//!
//! Reading the output back gives an equal model, and serializing that gives the same bytes.
//! There is no `Deserialize`: the collections and sub-objects live in the parser's per-line
//! arena, which serde has no way to fill; [`LineParser`](crate::document::LineParser) reads.
//!
//! ```
//! # #[cfg(feature = "serde")] {
//! use callq::document::{LineParser, Reading};
//!
//! let line = br#"{"value":[{"id":"s1","unknown":1,"segments":[{"media":[{"streams":[
//!     {"averageJitter":"PT0.0160S","averageAudioDegradation":"NaN","packetUtilization":"709"}
//! ]}]}]}]}"#;
//! let json = LineParser::new().parse(line, Reading::Full, |doc| {
//!     serde_json::to_string(&doc.unwrap()).unwrap()
//! });
//! assert_eq!(json, concat!(
//!     r#"{"value":[{"segments":[{"media":[{"streams":[{"averageAudioDegradation":"NaN","#,
//!     r#""averageJitter":"PT0.016S","packetUtilization":709}]}]}],"id":"s1"}]}"#,
//! ));
//! # }
//! ```
//!
//! `examples/reemit_sessions.rs` re-emits selected sessions of an archive as NDJSON this way.

mod enums;
#[cfg(feature = "serde")]
mod ser;

pub use enums::*;

use crate::datetime::DateTimeOffset;
use crate::duration::Duration;
use crate::properties::model_struct;

/// One parsed document: one of the three shapes that hold sessions, or a Graph document of
/// another kind (counted, validated by `check`, holding no sessions).
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
#[allow(clippy::large_enum_variant)] // lives for one line, on the stack
pub enum Document<'a> {
    /// The body of `GET /communications/callRecords/{id}/sessions`: sessions under `value`.
    SessionsPage(SessionsPage<'a>),
    /// One `callRecord` fetched with `$expand=sessions($expand=segments)`.
    CallRecord(CallRecord<'a>),
    /// The body of `GET /communications/callRecords`, sessions expanded: records under `value`.
    CallRecordsPage(CallRecordsPage<'a>),
    /// A document that holds no sessions: PSTN or direct-routing log rows, participants,
    /// change notifications, or callRecords fetched without their sessions.
    Other(OtherDocument<'a>),
}

impl<'a> Document<'a> {
    /// Every session of the document, in document order.
    pub fn sessions(&self) -> impl Iterator<Item = &Session<'a>> + '_ {
        let (direct, records): (&[Session<'a>], &[CallRecord<'a>]) = match self {
            Document::SessionsPage(p) => (p.sessions, &[]),
            Document::CallRecord(r) => (r.sessions, &[]),
            Document::CallRecordsPage(p) => (&[], p.records),
            Document::Other(_) => (&[], &[]),
        };
        direct
            .iter()
            .chain(records.iter().flat_map(|r| r.sessions.iter()))
    }

    /// Every session of the document with its record's identity, in document order: the
    /// record id (a callRecord's `id`, or for a page of sessions the id in its
    /// `@odata.context`) and the record's `version` (a page of sessions has none).
    pub fn sessions_with_record(
        &self,
    ) -> impl Iterator<Item = (Option<&'a str>, Option<i64>, &Session<'a>)> + '_ {
        let (direct, id, records): (&[Session<'a>], Option<&'a str>, &[CallRecord<'a>]) = match self
        {
            Document::SessionsPage(p) => (p.sessions, p.call_record_id(), &[]),
            Document::CallRecord(r) => (&[], None, std::slice::from_ref(r)),
            Document::CallRecordsPage(p) => (&[], None, p.records),
            Document::Other(_) => (&[], None, &[]),
        };
        direct.iter().map(move |s| (id, None, s)).chain(
            records
                .iter()
                .flat_map(|r| r.sessions.iter().map(move |s| (r.id, r.version, s))),
        )
    }

    /// The callRecords of the document that hold only the first page of their sessions
    /// (their `sessions` carry `sessions@odata.nextLink`).
    pub fn truncated_records(&self) -> usize {
        match self {
            Document::CallRecord(r) => usize::from(r.sessions_next_link.is_some()),
            Document::CallRecordsPage(p) => p
                .records
                .iter()
                .filter(|r| r.sessions_next_link.is_some())
                .count(),
            _ => 0,
        }
    }

    /// The shape's name as reports spell it.
    pub fn shape_name(&self) -> &'static str {
        match self {
            Document::SessionsPage(_) => "page of sessions",
            Document::CallRecord(_) => "callRecord",
            Document::CallRecordsPage(_) => "page of callRecords",
            Document::Other(o) => o.kind.description(),
        }
    }
}

/// A document of a kind that holds no sessions (see [`OtherKind`]). Under
/// [`Reading::Full`](crate::document::Reading::Full) its rows are read and validated; under
/// `Analyze` only its structure is.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct OtherDocument<'a> {
    /// What it is.
    pub kind: OtherKind,
    /// `callRecord` / `callRecords`: the records, fetched without their sessions.
    pub records: &'a [CallRecord<'a>],
    /// `participants`: the participants.
    pub participants: &'a [Participant<'a>],
    /// `pstnCallLogRows`: the rows.
    pub pstn_call_log_rows: &'a [PstnCallLogRow<'a>],
    /// `directRoutingLogRows`: the rows.
    pub direct_routing_log_rows: &'a [DirectRoutingLogRow<'a>],
    /// `notifications`: how many notifications the batch holds.
    pub notifications: usize,
}

impl<'a> OtherDocument<'a> {
    /// An empty document of `kind`.
    pub fn new(kind: OtherKind) -> Self {
        OtherDocument {
            kind,
            records: &[],
            participants: &[],
            pstn_call_log_rows: &[],
            direct_routing_log_rows: &[],
            notifications: 0,
        }
    }
}

/// The kinds of documents that hold no sessions, in the order (and with the names) of the
/// report's `input.otherDocuments`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OtherKind {
    /// One callRecord fetched without `$expand=sessions`.
    CallRecord,
    /// A page of callRecords without expanded sessions.
    CallRecords,
    /// A page of `getDirectRoutingCalls` rows.
    DirectRoutingLogRows,
    /// A batch of change notifications (`{"value":[{"subscriptionId":…,"resourceData":…}]}`).
    Notifications,
    /// A page of a callRecord's `participants_v2` (or `participants`).
    Participants,
    /// A page of `getPstnCalls` rows.
    PstnCallLogRows,
}

impl OtherKind {
    /// Every kind, in report order.
    pub const ALL: [OtherKind; 6] = [
        OtherKind::CallRecord,
        OtherKind::CallRecords,
        OtherKind::DirectRoutingLogRows,
        OtherKind::Notifications,
        OtherKind::Participants,
        OtherKind::PstnCallLogRows,
    ];

    /// What the kind is, in words.
    pub fn description(self) -> &'static str {
        match self {
            OtherKind::CallRecord => "callRecord without sessions",
            OtherKind::CallRecords => "page of callRecords without sessions",
            OtherKind::DirectRoutingLogRows => "page of direct routing log rows",
            OtherKind::Notifications => "batch of change notifications",
            OtherKind::Participants => "page of participants",
            OtherKind::PstnCallLogRows => "page of PSTN call log rows",
        }
    }

    /// The report's name for the kind (`pstnCallLogRows`).
    pub fn name(self) -> &'static str {
        match self {
            OtherKind::CallRecord => "callRecord",
            OtherKind::CallRecords => "callRecords",
            OtherKind::DirectRoutingLogRows => "directRoutingLogRows",
            OtherKind::Notifications => "notifications",
            OtherKind::Participants => "participants",
            OtherKind::PstnCallLogRows => "pstnCallLogRows",
        }
    }
}

/// A page of sessions (`value[*]` are sessions).
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct SessionsPage<'a> {
    /// `@odata.context`: for a page of sessions it carries the callRecord's id.
    pub odata_context: Option<&'a str>,
    /// `@odata.nextLink`, when more pages follow.
    pub next_link: Option<&'a str>,
    /// The sessions.
    pub sessions: &'a [Session<'a>],
}

impl<'a> SessionsPage<'a> {
    /// The callRecord id inside `@odata.context`, if any: `…callRecords('<id>')/sessions…` or
    /// `…callRecords/<id>/sessions…`. An empty id is none.
    ///
    /// ```
    /// use callq::model::SessionsPage;
    ///
    /// fn id(ctx: &str) -> Option<String> {
    ///     let mut page = SessionsPage::default();
    ///     page.odata_context = Some(ctx);
    ///     page.call_record_id().map(str::to_owned)
    /// }
    /// let base = "https://graph.microsoft.com/v1.0/$metadata#communications/";
    /// assert_eq!(id(&format!("{base}callRecords('e52')/sessions")).as_deref(), Some("e52"));
    /// assert_eq!(id(&format!("{base}callRecords/e52/sessions(segments())")).as_deref(), Some("e52"));
    /// assert_eq!(id(&format!("{base}callRecords/$entity")), None);
    /// ```
    pub fn call_record_id(&self) -> Option<&'a str> {
        let ctx = self.odata_context?;
        let id = if let Some(at) = ctx.find("callRecords('") {
            let start = at + "callRecords('".len();
            let len = ctx[start..].find('\'')?;
            &ctx[start..start + len]
        } else {
            let at = ctx.find("callRecords/")?;
            let rest = &ctx[at + "callRecords/".len()..];
            let len = rest.find('/')?;
            if !rest[len..].starts_with("/sessions") {
                return None;
            }
            &rest[..len]
        };
        (!id.is_empty()).then_some(id)
    }
}

/// A page of callRecords (`value[*]` are callRecords with their sessions).
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct CallRecordsPage<'a> {
    /// `@odata.context`.
    pub odata_context: Option<&'a str>,
    /// `@odata.nextLink`, when more pages follow.
    pub next_link: Option<&'a str>,
    /// The records.
    pub records: &'a [CallRecord<'a>],
}

/// `microsoft.graph.callRecords.callRecord`.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct CallRecord<'a> {
    /// `id`.
    pub id: Option<&'a str>,
    /// `version`: grows as richer data arrives for the same call.
    pub version: Option<i64>,
    /// `type`.
    pub call_type: Option<CallType<'a>>,
    /// `modalities`.
    pub modalities: &'a [Modality<'a>],
    /// `lastModifiedDateTime`.
    pub last_modified_date_time: Option<DateTimeOffset>,
    /// `startDateTime`.
    pub start_date_time: Option<DateTimeOffset>,
    /// `endDateTime`.
    pub end_date_time: Option<DateTimeOffset>,
    /// `joinWebUrl`.
    pub join_web_url: Option<&'a str>,
    /// `organizer`.
    pub organizer: Option<&'a IdentitySet<'a>>,
    /// `participants`.
    pub participants: &'a [IdentitySet<'a>],
    /// `organizer_v2`.
    pub organizer_v2: Option<&'a Participant<'a>>,
    /// `participants_v2`.
    pub participants_v2: &'a [Participant<'a>],
    /// `sessions`.
    pub sessions: &'a [Session<'a>],
    /// `sessions@odata.nextLink`: present when `sessions` holds only its first page.
    pub sessions_next_link: Option<&'a str>,
}

/// `microsoft.graph.callRecords.participant` / `organizer` (both `participantBase`).
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct Participant<'a> {
    /// `id`.
    pub id: Option<&'a str>,
    /// `identity` (a `communicationsIdentitySet`).
    pub identity: Option<&'a IdentitySet<'a>>,
    /// `administrativeUnitInfos[*].id`.
    pub administrative_unit_ids: &'a [Option<&'a str>],
}

/// `microsoft.graph.callRecords.session`.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct Session<'a> {
    /// `id`.
    pub id: Option<&'a str>,
    /// `modalities`.
    pub modalities: &'a [Modality<'a>],
    /// `startDateTime`.
    pub start_date_time: Option<DateTimeOffset>,
    /// `endDateTime`.
    pub end_date_time: Option<DateTimeOffset>,
    /// `isTest`.
    pub is_test: Option<bool>,
    /// `caller`.
    pub caller: Option<&'a Endpoint<'a>>,
    /// `callee`.
    pub callee: Option<&'a Endpoint<'a>>,
    /// `failureInfo`.
    pub failure_info: Option<FailureInfo<'a>>,
    /// `segments`.
    pub segments: &'a [Segment<'a>],
}

/// `microsoft.graph.callRecords.segment`.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct Segment<'a> {
    /// `id`.
    pub id: Option<&'a str>,
    /// `startDateTime`.
    pub start_date_time: Option<DateTimeOffset>,
    /// `endDateTime`.
    pub end_date_time: Option<DateTimeOffset>,
    /// `caller`.
    pub caller: Option<&'a Endpoint<'a>>,
    /// `callee`.
    pub callee: Option<&'a Endpoint<'a>>,
    /// `failureInfo`.
    pub failure_info: Option<FailureInfo<'a>>,
    /// `media`.
    pub media: &'a [Media<'a>],
}

/// Which subtype of `endpoint` an [`Endpoint`] is, from its `@odata.type`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointKind<'a> {
    /// No `@odata.type`: the base `endpoint` type.
    #[default]
    Unspecified,
    /// `#microsoft.graph.callRecords.participantEndpoint`.
    Participant,
    /// `#microsoft.graph.callRecords.serviceEndpoint`.
    Service,
    /// Any other `@odata.type`, kept as sent.
    Other(&'a str),
}

/// `microsoft.graph.callRecords.endpoint` and its subtypes `participantEndpoint` and
/// `serviceEndpoint`, flattened: the participant-only properties are `None` on a service.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct Endpoint<'a> {
    /// The subtype, from `@odata.type`.
    pub kind: EndpointKind<'a>,
    /// `userAgent`.
    pub user_agent: Option<UserAgent<'a>>,
    /// `name` (participant).
    pub name: Option<&'a str>,
    /// `cpuName` (participant).
    pub cpu_name: Option<&'a str>,
    /// `cpuCoresCount` (participant).
    pub cpu_cores_count: Option<i32>,
    /// `cpuProcessorSpeedInMhz` (participant).
    pub cpu_processor_speed_in_mhz: Option<i32>,
    /// `feedback` (participant).
    pub feedback: Option<UserFeedback<'a>>,
    /// `identity` (participant).
    pub identity: Option<&'a IdentitySet<'a>>,
    /// `associatedIdentity` (participant).
    pub associated_identity: Option<Identity<'a>>,
}

/// Which subtype of `userAgent` a [`UserAgent`] is, from its `@odata.type`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum UserAgentKind<'a> {
    /// No `@odata.type`.
    #[default]
    Unspecified,
    /// `#microsoft.graph.callRecords.clientUserAgent`.
    Client,
    /// `#microsoft.graph.callRecords.serviceUserAgent`.
    Service,
    /// Any other `@odata.type`, kept as sent.
    Other(&'a str),
}

/// `microsoft.graph.callRecords.userAgent` and its subtypes `clientUserAgent` and
/// `serviceUserAgent`, flattened.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct UserAgent<'a> {
    /// The subtype, from `@odata.type`.
    pub kind: UserAgentKind<'a>,
    /// `headerValue`.
    pub header_value: Option<&'a str>,
    /// `applicationVersion`.
    pub application_version: Option<&'a str>,
    /// `platform` (client).
    pub platform: Option<ClientPlatform<'a>>,
    /// `productFamily` (client).
    pub product_family: Option<ProductFamily<'a>>,
    /// `azureADAppId` (client).
    pub azure_ad_app_id: Option<&'a str>,
    /// `communicationServiceId` (client).
    pub communication_service_id: Option<&'a str>,
    /// `role` (service).
    pub role: Option<ServiceRole<'a>>,
}

/// `microsoft.graph.identitySet` and `communicationsIdentitySet`, flattened.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct IdentitySet<'a> {
    /// `@odata.type`, as sent.
    pub odata_type: Option<&'a str>,
    /// `application`.
    pub application: Option<Identity<'a>>,
    /// `device`.
    pub device: Option<Identity<'a>>,
    /// `user`.
    pub user: Option<Identity<'a>>,
    /// `applicationInstance`.
    pub application_instance: Option<Identity<'a>>,
    /// `assertedIdentity`.
    pub asserted_identity: Option<Identity<'a>>,
    /// `azureCommunicationServicesUser`.
    pub azure_communication_services_user: Option<Identity<'a>>,
    /// `encrypted`.
    pub encrypted: Option<Identity<'a>>,
    /// `endpointType`.
    pub endpoint_type: Option<EndpointType<'a>>,
    /// `guest`.
    pub guest: Option<Identity<'a>>,
    /// `onPremises`.
    pub on_premises: Option<Identity<'a>>,
    /// `phone`.
    pub phone: Option<Identity<'a>>,
}

/// `microsoft.graph.identity` and its subtypes (user, phone, guest, application, …), flattened.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct Identity<'a> {
    /// `@odata.type`, as sent.
    pub odata_type: Option<&'a str>,
    /// `id`.
    pub id: Option<&'a str>,
    /// `displayName`.
    pub display_name: Option<&'a str>,
    /// `tenantId`.
    pub tenant_id: Option<&'a str>,
    /// `userPrincipalName`.
    pub user_principal_name: Option<&'a str>,
    /// `ipAddress`.
    pub ip_address: Option<&'a str>,
    /// `email`.
    pub email: Option<&'a str>,
    /// `applicationType`.
    pub application_type: Option<&'a str>,
    /// `azureCommunicationServicesResourceId`.
    pub azure_communication_services_resource_id: Option<&'a str>,
    /// `hidden`.
    pub hidden: Option<bool>,
}

/// `microsoft.graph.callRecords.userFeedback`.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct UserFeedback<'a> {
    /// `rating`.
    pub rating: Option<UserFeedbackRating<'a>>,
    /// `text`.
    pub text: Option<&'a str>,
    /// `tokens`: an open type; each boolean token in document order.
    pub tokens: &'a [(&'a str, bool)],
}

/// `microsoft.graph.callRecords.failureInfo`.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct FailureInfo<'a> {
    /// `reason`.
    pub reason: Option<&'a str>,
    /// `stage`.
    pub stage: Option<FailureStage<'a>>,
}

/// `microsoft.graph.callRecords.media`.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct Media<'a> {
    /// `label`: `main-audio`, `main-video`, `applicationsharing-video`, …
    pub label: Option<&'a str>,
    /// `callerDevice`.
    pub caller_device: Option<&'a DeviceInfo<'a>>,
    /// `calleeDevice`.
    pub callee_device: Option<&'a DeviceInfo<'a>>,
    /// `callerNetwork`.
    pub caller_network: Option<&'a NetworkInfo<'a>>,
    /// `calleeNetwork`.
    pub callee_network: Option<&'a NetworkInfo<'a>>,
    /// `streams`.
    pub streams: &'a [MediaStream<'a>],
}

/// `microsoft.graph.callRecords.deviceInfo`.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
#[allow(missing_docs)] // each field is the camelCase Graph property of the same name
pub struct DeviceInfo<'a> {
    pub capture_device_driver: Option<&'a str>,
    pub capture_device_name: Option<&'a str>,
    pub capture_not_functioning_event_ratio: Option<f64>,
    pub cpu_insufficent_event_ratio: Option<f64>,
    pub device_clipping_event_ratio: Option<f64>,
    pub device_glitch_event_ratio: Option<f64>,
    pub howling_event_count: Option<i32>,
    pub initial_signal_level_root_mean_square: Option<f64>,
    pub low_speech_level_event_ratio: Option<f64>,
    pub low_speech_to_noise_event_ratio: Option<f64>,
    pub mic_glitch_rate: Option<f64>,
    pub received_noise_level: Option<i32>,
    pub received_signal_level: Option<i32>,
    pub render_device_driver: Option<&'a str>,
    pub render_device_name: Option<&'a str>,
    pub render_mute_event_ratio: Option<f64>,
    pub render_not_functioning_event_ratio: Option<f64>,
    pub render_zero_volume_event_ratio: Option<f64>,
    pub sent_noise_level: Option<i32>,
    pub sent_signal_level: Option<i32>,
    pub speaker_glitch_rate: Option<f64>,
}

/// `microsoft.graph.callRecords.networkInfo`.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
#[allow(missing_docs)] // each field is the camelCase Graph property of the same name
pub struct NetworkInfo<'a> {
    pub bandwidth_low_event_ratio: Option<f64>,
    pub basic_service_set_identifier: Option<&'a str>,
    pub connection_type: Option<NetworkConnectionType<'a>>,
    pub delay_event_ratio: Option<f64>,
    pub dns_suffix: Option<&'a str>,
    pub ip_address: Option<&'a str>,
    /// `linkSpeed` in bits per second (4294967295 is a sentinel Graph sends for "unknown").
    pub link_speed: Option<i64>,
    pub mac_address: Option<&'a str>,
    pub network_transport_protocol: Option<NetworkTransportProtocol<'a>>,
    pub port: Option<i32>,
    pub received_quality_event_ratio: Option<f64>,
    pub reflexive_ip_address: Option<&'a str>,
    pub relay_ip_address: Option<&'a str>,
    pub relay_port: Option<i32>,
    pub sent_quality_event_ratio: Option<f64>,
    pub subnet: Option<&'a str>,
    pub trace_route_hops: &'a [TraceRouteHop<'a>],
    pub wifi_band: Option<WifiBand<'a>>,
    pub wifi_battery_charge: Option<i32>,
    pub wifi_channel: Option<i32>,
    pub wifi_microsoft_driver: Option<&'a str>,
    pub wifi_microsoft_driver_version: Option<&'a str>,
    pub wifi_radio_type: Option<WifiRadioType<'a>>,
    pub wifi_signal_strength: Option<i32>,
    pub wifi_vendor_driver: Option<&'a str>,
    pub wifi_vendor_driver_version: Option<&'a str>,
}

/// `microsoft.graph.callRecords.traceRouteHop`.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct TraceRouteHop<'a> {
    /// `hopCount`.
    pub hop_count: Option<i32>,
    /// `ipAddress`.
    pub ip_address: Option<&'a str>,
    /// `roundTripTime`.
    pub round_trip_time: Option<Duration>,
}

crate::properties::media_stream!(model_struct!
    /// `microsoft.graph.callRecords.mediaStream`: one observation of `callq analyze`.
    ///
    /// `Edm.Single` values are `f64` holding the nearest double to the JSON literal; the strings
    /// `"NaN"`, `"INF"` and `"-INF"` become the non-finite doubles. The fields come from the
    /// property table (`src/properties.rs`), one per property, in its order.
    #[derive(Clone, Copy, Debug, Default)]
    #[non_exhaustive]
    MediaStream
);

crate::properties::pstn_call_log_row!(model_struct!
    /// `microsoft.graph.callRecords.pstnCallLogRow`: one row of a `getPstnCalls` page. Such
    /// pages hold no sessions; `callq check` validates them.
    #[derive(Clone, Copy, Debug, Default)]
    #[non_exhaustive]
    PstnCallLogRow
);

crate::properties::direct_routing_log_row!(model_struct!
    /// `microsoft.graph.callRecords.directRoutingLogRow`: one row of a `getDirectRoutingCalls`
    /// page. Such pages hold no sessions; `callq check` validates them.
    #[derive(Clone, Copy, Debug, Default)]
    #[non_exhaustive]
    DirectRoutingLogRow
);
