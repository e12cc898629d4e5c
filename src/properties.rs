//! The property table: every property callq reads, defined once.
//!
//! Each callRecords type of the model has one table below, a `macro_rules!` macro listing its
//! properties in one line each:
//!
//! ```text
//! reading  "jsonName"  rust_field: Conversion [, Unit];
//! ```
//!
//! - *reading*: `analyze` when [`Reading::Analyze`](crate::document::Reading::Analyze) reads it
//!   (and so `callq analyze` may use it), `full` when only [`Reading::Full`] (`callq check`)
//!   reads and validates it.
//! - *Conversion*: the Graph type and how it becomes the model's value: `Single`, `Double`,
//!   `Duration`, `Int64`, `Int32`, `Boolean`, `String`, `DateTimeOffset` (the `Edm.*` types),
//!   `Enum(RustEnum)`, `EnumArray(RustEnum)`, `Annotation` (an `@odata.*` annotation kept when it is
//!   a string, else ignored), or a nested type read by the readers' function of that name:
//!   `With(f)` (by value), `Boxed(f)` (in the arena), `Array(f)` (its elements).
//! - *Unit*: present on exactly the `mediaStream` properties that are metrics; their table
//!   order is the report order.
//!
//! From these tables come the [`MediaStream`](crate::model::MediaStream) struct, the member
//! arms of both readers (the tape walk in `document/tape.rs`, the on-demand walk in
//! `document/ondemand/walk.rs`) and [`METRICS`]. A table expands by calling back the consumer
//! macro named in its invocation, `media_stream!(consumer!, context…)`, which receives
//! `(context…) entries…`. Adding a metric is one line in [`media_stream`]. The other model
//! structs are written out in `model` for their documentation, but a field missing from its
//! table does not compile (`every_field_listed!`).
//!
//! [`Reading::Full`]: crate::document::Reading::Full

use crate::analyze::{Metric, MetricValue, Unit};
use crate::duration::Duration;
use crate::model::MediaStream;
use crate::stats::{MetricStats, ValueKind};

/// `microsoft.graph.callRecords.mediaStream`: one observation of `callq analyze`.
macro_rules! media_stream {
    ($then:ident ! $($context:tt)*) => { $then! { ($($context)*)
        full    "audioCodec"                               audio_codec: Enum(AudioCodec);
        analyze "averageAudioDegradation"                  average_audio_degradation: Single, Mos;
        analyze "averageAudioNetworkJitter"                average_audio_network_jitter: Duration, Ms;
        analyze "averageBandwidthEstimate"                 average_bandwidth_estimate: Int64, Bps;
        analyze "averageFreezeDuration"                    average_freeze_duration: Duration, Ms;
        analyze "averageJitter"                            average_jitter: Duration, Ms;
        analyze "averagePacketLossRate"                    average_packet_loss_rate: Single, Ratio;
        analyze "averageRatioOfConcealedSamples"           average_ratio_of_concealed_samples: Single, Ratio;
        analyze "averageReceivedFrameRate"                 average_received_frame_rate: Single, Fps;
        analyze "averageRoundTripTime"                     average_round_trip_time: Duration, Ms;
        analyze "averageVideoFrameLossPercentage"          average_video_frame_loss_percentage: Single, Percent;
        analyze "averageVideoFrameRate"                    average_video_frame_rate: Single, Fps;
        analyze "averageVideoPacketLossRate"               average_video_packet_loss_rate: Single, Ratio;
        full    "endDateTime"                              end_date_time: DateTimeOffset;
        full    "isAudioForwardErrorCorrectionUsed"        is_audio_forward_error_correction_used: Boolean;
        analyze "lowFrameRateRatio"                        low_frame_rate_ratio: Single, Ratio;
        analyze "lowVideoProcessingCapabilityRatio"        low_video_processing_capability_ratio: Single, Ratio;
        analyze "maxAudioNetworkJitter"                    max_audio_network_jitter: Duration, Ms;
        analyze "maxJitter"                                max_jitter: Duration, Ms;
        analyze "maxPacketLossRate"                        max_packet_loss_rate: Single, Ratio;
        analyze "maxRatioOfConcealedSamples"               max_ratio_of_concealed_samples: Single, Ratio;
        analyze "maxRoundTripTime"                         max_round_trip_time: Duration, Ms;
        analyze "packetUtilization"                        packet_utilization: Int64, Packets;
        analyze "postForwardErrorCorrectionPacketLossRate" post_forward_error_correction_packet_loss_rate: Single, Ratio;
        analyze "rmsFreezeDuration"                        rms_freeze_duration: Duration, Ms;
        full    "startDateTime"                            start_date_time: DateTimeOffset;
        analyze "streamDirection"                          stream_direction: Enum(MediaStreamDirection);
        analyze "streamId"                                 stream_id: String;
        analyze "videoCodec"                               video_codec: Enum(VideoCodec);
        full    "wasMediaBypassed"                         was_media_bypassed: Boolean;
    } };
}

/// `microsoft.graph.callRecords.media`.
macro_rules! media {
    ($then:ident ! $($context:tt)*) => { $then! { ($($context)*)
        analyze "streams"       streams: Array(stream);
        analyze "label"         label: String;
        analyze "callerNetwork" caller_network: Boxed(network);
        analyze "calleeNetwork" callee_network: Boxed(network);
        analyze "callerDevice"  caller_device: Boxed(device);
        analyze "calleeDevice"  callee_device: Boxed(device);
    } };
}

/// `microsoft.graph.callRecords.networkInfo`.
macro_rules! network_info {
    ($then:ident ! $($context:tt)*) => { $then! { ($($context)*)
        analyze "connectionType"             connection_type: Enum(NetworkConnectionType);
        full    "bandwidthLowEventRatio"     bandwidth_low_event_ratio: Single;
        full    "basicServiceSetIdentifier"  basic_service_set_identifier: String;
        full    "delayEventRatio"            delay_event_ratio: Single;
        full    "dnsSuffix"                  dns_suffix: String;
        analyze "ipAddress"                  ip_address: String;
        full    "linkSpeed"                  link_speed: Int64;
        full    "macAddress"                 mac_address: String;
        full    "networkTransportProtocol"   network_transport_protocol: Enum(NetworkTransportProtocol);
        full    "port"                       port: Int32;
        full    "receivedQualityEventRatio"  received_quality_event_ratio: Single;
        full    "reflexiveIPAddress"         reflexive_ip_address: String;
        full    "relayIPAddress"             relay_ip_address: String;
        full    "relayPort"                  relay_port: Int32;
        full    "sentQualityEventRatio"      sent_quality_event_ratio: Single;
        analyze "subnet"                     subnet: String;
        full    "traceRouteHops"             trace_route_hops: Array(hop);
        analyze "wifiBand"                   wifi_band: Enum(WifiBand);
        full    "wifiBatteryCharge"          wifi_battery_charge: Int32;
        full    "wifiChannel"                wifi_channel: Int32;
        full    "wifiMicrosoftDriver"        wifi_microsoft_driver: String;
        full    "wifiMicrosoftDriverVersion" wifi_microsoft_driver_version: String;
        full    "wifiRadioType"              wifi_radio_type: Enum(WifiRadioType);
        full    "wifiSignalStrength"         wifi_signal_strength: Int32;
        full    "wifiVendorDriver"           wifi_vendor_driver: String;
        full    "wifiVendorDriverVersion"    wifi_vendor_driver_version: String;
    } };
}

/// `microsoft.graph.callRecords.session` (and `id` from `graph.entity`).
macro_rules! session {
    ($then:ident ! $($context:tt)*) => { $then! { ($($context)*)
        analyze "segments"      segments: Array(segment);
        analyze "startDateTime" start_date_time: DateTimeOffset;
        analyze "caller"        caller: Boxed(endpoint);
        analyze "callee"        callee: Boxed(endpoint);
        analyze "id"            id: String;
        full    "modalities"    modalities: EnumArray(Modality);
        analyze "endDateTime"   end_date_time: DateTimeOffset;
        full    "isTest"        is_test: Boolean;
        full    "failureInfo"   failure_info: With(failure_info);
    } };
}

/// `microsoft.graph.callRecords.segment` (and `id` from `graph.entity`).
macro_rules! segment {
    ($then:ident ! $($context:tt)*) => { $then! { ($($context)*)
        analyze "media"         media: Array(media);
        analyze "caller"        caller: Boxed(endpoint);
        analyze "callee"        callee: Boxed(endpoint);
        analyze "id"            id: String;
        analyze "startDateTime" start_date_time: DateTimeOffset;
        analyze "endDateTime"   end_date_time: DateTimeOffset;
        full    "failureInfo"   failure_info: With(failure_info);
    } };
}

/// `microsoft.graph.callRecords.endpoint` and its subtypes `participantEndpoint` and
/// `serviceEndpoint`, flattened.
macro_rules! endpoint {
    ($then:ident ! $($context:tt)*) => { $then! { ($($context)*)
        analyze "userAgent"              user_agent: With(user_agent);
        analyze "@odata.type"            kind: With(endpoint_kind);
        full    "name"                   name: String;
        full    "cpuName"                cpu_name: String;
        full    "cpuCoresCount"          cpu_cores_count: Int32;
        full    "cpuProcessorSpeedInMhz" cpu_processor_speed_in_mhz: Int32;
        full    "feedback"               feedback: With(feedback);
        analyze "identity"               identity: Boxed(identity_set);
        full    "associatedIdentity"     associated_identity: With(identity);
    } };
}

/// `microsoft.graph.callRecords.userAgent` and its subtypes `clientUserAgent` and
/// `serviceUserAgent`, flattened.
macro_rules! user_agent {
    ($then:ident ! $($context:tt)*) => { $then! { ($($context)*)
        analyze "platform"               platform: Enum(ClientPlatform);
        analyze "productFamily"          product_family: Enum(ProductFamily);
        full    "@odata.type"            kind: With(user_agent_kind);
        full    "headerValue"            header_value: String;
        full    "applicationVersion"     application_version: String;
        full    "azureADAppId"           azure_ad_app_id: String;
        full    "communicationServiceId" communication_service_id: String;
        full    "role"                   role: Enum(ServiceRole);
    } };
}

/// `microsoft.graph.callRecords.callRecord` (and `id` from `graph.entity`). The on-demand
/// reader reads a callRecord's `sessions` while it still reads the element as a session too,
/// so it does not expand this table (see `UnionElement` there).
macro_rules! call_record {
    ($then:ident ! $($context:tt)*) => { $then! { ($($context)*)
        analyze "sessions"             sessions: Array(session);
        analyze "sessions@odata.nextLink" sessions_next_link: Annotation;
        analyze "id"                   id: String;
        analyze "version"              version: Int64;
        full    "type"                 call_type: Enum(CallType);
        full    "modalities"           modalities: EnumArray(Modality);
        full    "lastModifiedDateTime" last_modified_date_time: DateTimeOffset;
        full    "startDateTime"        start_date_time: DateTimeOffset;
        full    "endDateTime"          end_date_time: DateTimeOffset;
        full    "joinWebUrl"           join_web_url: String;
        full    "organizer"            organizer: Boxed(identity_set);
        full    "participants"         participants: Array(identity_set);
        full    "organizer_v2"         organizer_v2: Boxed(participant);
        full    "participants_v2"      participants_v2: Array(participant);
    } };
}

/// `microsoft.graph.callRecords.deviceInfo`.
macro_rules! device_info {
    ($then:ident ! $($context:tt)*) => { $then! { ($($context)*)
        full "captureDeviceDriver"              capture_device_driver: String;
        analyze "captureDeviceName"             capture_device_name: String;
        full "captureNotFunctioningEventRatio"  capture_not_functioning_event_ratio: Single;
        full "cpuInsufficentEventRatio"         cpu_insufficent_event_ratio: Single;
        full "deviceClippingEventRatio"         device_clipping_event_ratio: Single;
        full "deviceGlitchEventRatio"           device_glitch_event_ratio: Single;
        full "howlingEventCount"                howling_event_count: Int32;
        full "initialSignalLevelRootMeanSquare" initial_signal_level_root_mean_square: Single;
        full "lowSpeechLevelEventRatio"         low_speech_level_event_ratio: Single;
        full "lowSpeechToNoiseEventRatio"       low_speech_to_noise_event_ratio: Single;
        full "micGlitchRate"                    mic_glitch_rate: Single;
        full "receivedNoiseLevel"               received_noise_level: Int32;
        full "receivedSignalLevel"              received_signal_level: Int32;
        full "renderDeviceDriver"               render_device_driver: String;
        analyze "renderDeviceName"              render_device_name: String;
        full "renderMuteEventRatio"             render_mute_event_ratio: Single;
        full "renderNotFunctioningEventRatio"   render_not_functioning_event_ratio: Single;
        full "renderZeroVolumeEventRatio"       render_zero_volume_event_ratio: Single;
        full "sentNoiseLevel"                   sent_noise_level: Int32;
        full "sentSignalLevel"                  sent_signal_level: Int32;
        full "speakerGlitchRate"                speaker_glitch_rate: Single;
    } };
}

/// `microsoft.graph.callRecords.traceRouteHop`.
macro_rules! trace_route_hop {
    ($then:ident ! $($context:tt)*) => { $then! { ($($context)*)
        full "hopCount"      hop_count: Int32;
        full "ipAddress"     ip_address: String;
        full "roundTripTime" round_trip_time: Duration;
    } };
}

/// `microsoft.graph.callRecords.failureInfo`.
macro_rules! failure_info {
    ($then:ident ! $($context:tt)*) => { $then! { ($($context)*)
        full "reason" reason: String;
        full "stage"  stage: Enum(FailureStage);
    } };
}

/// `microsoft.graph.callRecords.userFeedback`.
macro_rules! user_feedback {
    ($then:ident ! $($context:tt)*) => { $then! { ($($context)*)
        full "rating" rating: Enum(UserFeedbackRating);
        full "text"   text: String;
        full "tokens" tokens: With(feedback_tokens);
    } };
}

/// `microsoft.graph.callRecords.participant` and `organizer` (both `participantBase`, and
/// `id` from `graph.entity`).
macro_rules! participant {
    ($then:ident ! $($context:tt)*) => { $then! { ($($context)*)
        full "id"                      id: String;
        full "identity"                identity: Boxed(identity_set);
        full "administrativeUnitInfos" administrative_unit_ids: With(administrative_unit_ids);
    } };
}

/// `microsoft.graph.identitySet` and `communicationsIdentitySet`, flattened.
macro_rules! identity_set {
    ($then:ident ! $($context:tt)*) => { $then! { ($($context)*)
        full "@odata.type"                    odata_type: Annotation;
        full "application"                    application: With(identity);
        full "device"                         device: With(identity);
        analyze "user"                        user: With(identity);
        full "applicationInstance"            application_instance: With(identity);
        full "assertedIdentity"               asserted_identity: With(identity);
        full "azureCommunicationServicesUser" azure_communication_services_user: With(identity);
        full "encrypted"                      encrypted: With(identity);
        full "endpointType"                   endpoint_type: Enum(EndpointType);
        full "guest"                          guest: With(identity);
        full "onPremises"                     on_premises: With(identity);
        full "phone"                          phone: With(identity);
    } };
}

/// `microsoft.graph.identity` and its subtypes (user, phone, guest, application, …), flattened.
macro_rules! identity {
    ($then:ident ! $($context:tt)*) => { $then! { ($($context)*)
        full "@odata.type"                          odata_type: Annotation;
        analyze "id"                                id: String;
        analyze "displayName"                       display_name: String;
        full "tenantId"                             tenant_id: String;
        full "userPrincipalName"                    user_principal_name: String;
        full "ipAddress"                            ip_address: String;
        full "email"                                email: String;
        full "applicationType"                      application_type: String;
        full "azureCommunicationServicesResourceId" azure_communication_services_resource_id: String;
        full "hidden"                               hidden: Boolean;
    } };
}

/// `microsoft.graph.callRecords.pstnCallLogRow` (a row of `getPstnCalls`), with the beta
/// `callLogRow` base's properties. Read by `check` only: these documents hold no sessions.
macro_rules! pstn_call_log_row {
    ($then:ident ! $($context:tt)*) => { $then! { ($($context)*)
        full "callDurationSource"      call_duration_source: Enum(PstnCallDurationSource);
        full "calleeNumber"            callee_number: String;
        full "callerNumber"            caller_number: String;
        full "callId"                  call_id: String;
        full "callType"                call_type: String;
        full "charge"                  charge: Decimal;
        full "conferenceId"            conference_id: String;
        full "connectionCharge"        connection_charge: Decimal;
        full "currency"                currency: String;
        full "destinationContext"      destination_context: String;
        full "destinationName"         destination_name: String;
        full "duration"                duration: Int32;
        full "endDateTime"             end_date_time: DateTimeOffset;
        full "id"                      id: String;
        full "inventoryType"           inventory_type: String;
        full "licenseCapability"       license_capability: String;
        full "operator"                operator: String;
        full "startDateTime"           start_date_time: DateTimeOffset;
        full "tenantCountryCode"       tenant_country_code: String;
        full "usageCountryCode"        usage_country_code: String;
        full "userDisplayName"         user_display_name: String;
        full "userId"                  user_id: String;
        full "userPrincipalName"       user_principal_name: String;
        full "clientLocalIpV4Address"  client_local_ip_v4_address: String;
        full "clientLocalIpV6Address"  client_local_ip_v6_address: String;
        full "clientPublicIpV4Address" client_public_ip_v4_address: String;
        full "clientPublicIpV6Address" client_public_ip_v6_address: String;
        full "otherPartyCountryCode"   other_party_country_code: String;
    } };
}

/// `microsoft.graph.callRecords.directRoutingLogRow` (a row of `getDirectRoutingCalls`), with
/// the beta `callLogRow` base's properties. Read by `check` only.
macro_rules! direct_routing_log_row {
    ($then:ident ! $($context:tt)*) => { $then! { ($($context)*)
        full "calleeNumber"                  callee_number: String;
        full "callEndSubReason"              call_end_sub_reason: Int32;
        full "callerNumber"                  caller_number: String;
        full "callType"                      call_type: String;
        full "correlationId"                 correlation_id: String;
        full "duration"                      duration: Int32;
        full "endDateTime"                   end_date_time: DateTimeOffset;
        full "failureDateTime"               failure_date_time: DateTimeOffset;
        full "finalSipCode"                  final_sip_code: Int32;
        full "finalSipCodePhrase"            final_sip_code_phrase: String;
        full "id"                            id: String;
        full "inviteDateTime"                invite_date_time: DateTimeOffset;
        full "mediaBypassEnabled"            media_bypass_enabled: Boolean;
        full "mediaPathLocation"             media_path_location: String;
        full "signalingLocation"             signaling_location: String;
        full "startDateTime"                 start_date_time: DateTimeOffset;
        full "successfulCall"                successful_call: Boolean;
        full "trunkFullyQualifiedDomainName" trunk_fully_qualified_domain_name: String;
        full "userDisplayName"               user_display_name: String;
        full "userId"                        user_id: String;
        full "userPrincipalName"             user_principal_name: String;
        full "transferorCorrelationId"       transferor_correlation_id: String;
        full "userCountryCode"               user_country_code: String;
        full "otherPartyCountryCode"         other_party_country_code: String;
    } };
}

pub(crate) use {
    call_record, device_info, direct_routing_log_row, endpoint, failure_info, identity,
    identity_set, media, media_stream, network_info, participant, pstn_call_log_row, segment,
    session, trace_route_hop, user_agent, user_feedback,
};

// ---- consumers --------------------------------------------------------------------------------

/// Splits a table's entries into the `analyze` ones and the `full` ones, each entry becoming
/// `("json" field (Conversion…))`, then calls `$then! { (context) [analyze…] [full…] }`.
/// The readers use it to put the `analyze` arms before the point where the analyze reading
/// stops matching keys.
macro_rules! split_by_reading {
    (@go $then:ident ($($context:tt)*) [$($analyze:tt)*] [$($full:tt)*]) => {
        $then! { ($($context)*) [$($analyze)*] [$($full)*] }
    };
    (@go $then:ident $context:tt [$($analyze:tt)*] [$($full:tt)*]
        analyze $json:literal $field:ident : $conv:ident $(($($arg:tt)*))? $(, $unit:ident)?;
        $($rest:tt)*) => {
        $crate::properties::split_by_reading! { @go $then $context
            [$($analyze)* ($json $field ($conv $(($($arg)*))?))] [$($full)*] $($rest)* }
    };
    (@go $then:ident $context:tt [$($analyze:tt)*] [$($full:tt)*]
        full $json:literal $field:ident : $conv:ident $(($($arg:tt)*))?;
        $($rest:tt)*) => {
        $crate::properties::split_by_reading! { @go $then $context
            [$($analyze)*] [$($full)* ($json $field ($conv $(($($arg)*))?))] $($rest)* }
    };
    // Entry point: `table!(split_by_reading! consumer, context…)`.
    (($then:ident, $($context:tt)*) $($entries:tt)*) => {
        $crate::properties::split_by_reading! { @go $then ($($context)*) [] [] $($entries)* }
    };
}

pub(crate) use split_by_reading;

/// The model struct of a table whose properties are all scalars (`mediaStream`): one
/// `Option` field per entry, documented with its JSON name and Graph type.
macro_rules! model_struct {
    (($(#[$attr:meta])* $name:ident)
     $($reading:ident $json:literal $field:ident : $conv:ident $(($arg:ident))? $(, $unit:ident)?;)*) => {
        $(#[$attr])*
        pub struct $name<'a> {
            $(
                #[doc = concat!("`", $json, "` (", $crate::properties::graph_type!($conv $(($arg))?), ").")]
                pub $field: $crate::properties::field_type!($conv $(($arg))?),
            )*
        }
    };
}

/// The model's Rust type for a scalar conversion.
macro_rules! field_type {
    (Single) => { Option<f64> };
    (Double) => { Option<f64> };
    (Decimal) => { Option<f64> };
    (Duration) => { Option<$crate::duration::Duration> };
    (Int64) => { Option<i64> };
    (Int32) => { Option<i32> };
    (Boolean) => { Option<bool> };
    (String) => { Option<&'a str> };
    (DateTimeOffset) => { Option<$crate::datetime::DateTimeOffset> };
    (Enum($e:ident)) => { Option<$crate::model::$e<'a>> };
}

/// The Graph type's name, as documentation.
macro_rules! graph_type {
    (Enum($e:ident)) => {
        concat!("a Graph enumeration, [`", stringify!($e), "`]")
    };
    ($edm:ident) => {
        concat!("`Edm.", stringify!($edm), "`")
    };
}

pub(crate) use {field_type, graph_type, model_struct};

/// Fails to compile when a model struct has a field its table does not list: the struct
/// pattern names every table field and has no `..`, so a property cannot be added to the
/// model without deciding, in the table, which reading reads it.
macro_rules! every_field_listed {
    (($ty:ident) $($reading:ident $json:literal $field:ident : $conv:ident $(($arg:ident))? $(, $unit:ident)?;)*) => {
        const _: fn(&crate::model::$ty<'_>) = |value| {
            let crate::model::$ty { $($field: _),* } = value;
        };
    };
}

media!(every_field_listed! Media);
network_info!(every_field_listed! NetworkInfo);
session!(every_field_listed! Session);
segment!(every_field_listed! Segment);
endpoint!(every_field_listed! Endpoint);
user_agent!(every_field_listed! UserAgent);
call_record!(every_field_listed! CallRecord);
device_info!(every_field_listed! DeviceInfo);
trace_route_hop!(every_field_listed! TraceRouteHop);
failure_info!(every_field_listed! FailureInfo);
user_feedback!(every_field_listed! UserFeedback);
participant!(every_field_listed! Participant);
identity_set!(every_field_listed! IdentitySet);
identity!(every_field_listed! Identity);

/// One property as the tests see it: its JSON name, Graph type and reading.
#[cfg(test)]
#[derive(Debug)]
struct Property {
    json: &'static str,
    conversion: &'static str,
    analyze: bool,
}

#[cfg(test)]
macro_rules! property_list {
    (() $($reading:ident $json:literal $field:ident : $conv:ident $(($arg:ident))? $(, $unit:ident)?;)*) => {
        &[$(Property {
            json: $json,
            conversion: concat!(stringify!($conv) $(, "(", stringify!($arg), ")")?),
            analyze: matches!(stringify!($reading).as_bytes(), b"analyze"),
        }),*]
    };
}

/// How a metric's value is read from its Graph type.
fn float(x: Option<f64>) -> MetricValue {
    match x {
        Some(v) if v.is_finite() => MetricValue::Float(v),
        _ => MetricValue::Absent,
    }
}

fn ms(d: Option<Duration>) -> MetricValue {
    d.map_or(MetricValue::Absent, |d| {
        MetricValue::Float(d.as_millis_f64())
    })
}

fn int(x: Option<i64>) -> MetricValue {
    x.map_or(MetricValue::Absent, MetricValue::Int)
}

/// Adds a metric's value on one stream to its accumulator.
#[inline(always)]
pub(crate) fn add_metric_value(stats: &mut MetricStats, value: MetricValue) {
    match value {
        MetricValue::Absent => stats.add_null(),
        MetricValue::Float(v) => stats.add(v),
        MetricValue::Int(v) => stats.add_int(v),
    }
}

/// Collects the `mediaStream` entries that have a unit into [`METRICS`] and
/// [`add_stream_metrics`], in table order; an entry with a unit that `analyze` does not read,
/// or of a type that is not a number or a duration, does not compile.
macro_rules! metrics {
    (@go [$(($json:literal $field:ident $conv:ident $unit:ident))*]) => {
        /// The metrics: the `mediaStream` properties with a unit in the property table, in
        /// its order (alphabetical, the report order).
        pub const METRICS: [Metric; [$($json),*].len()] = [$(Metric {
            name: $json,
            unit: Unit::$unit,
            kind: metrics!(@kind $conv),
            extract: |s| metrics!(@value $conv)(s.$field),
        }),*];

        /// Adds a stream's metrics to `stats`, which holds the accumulators in [`METRICS`]
        /// order: what calling each metric's `extract` in turn does, with the fields read in
        /// place (no indirect call per metric and stream).
        #[inline]
        pub(crate) fn add_stream_metrics(stream: &MediaStream<'_>, stats: &mut [MetricStats]) {
            let mut stats = stats.iter_mut();
            $(
                if let Some(s) = stats.next() {
                    add_metric_value(s, metrics!(@value $conv)(stream.$field));
                }
            )*
        }
    };
    (@go [$($done:tt)*] analyze $json:literal $field:ident : $conv:ident, $unit:ident; $($rest:tt)*) => {
        metrics! { @go [$($done)* ($json $field $conv $unit)] $($rest)* }
    };
    (@go [$($done:tt)*] $reading:ident $json:literal $field:ident : $conv:ident $(($arg:ident))?; $($rest:tt)*) => {
        metrics! { @go [$($done)*] $($rest)* }
    };
    (@kind Int64) => { ValueKind::Integer };
    (@kind Single) => { ValueKind::Float };
    (@kind Double) => { ValueKind::Float };
    (@kind Duration) => { ValueKind::Float };
    (@value Int64) => { int };
    (@value Single) => { float };
    (@value Double) => { float };
    (@value Duration) => { ms };
    (() $($entries:tt)*) => { metrics! { @go [] $($entries)* } };
}

media_stream!(metrics!);

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed schema extract (its provenance: `tools/README.md`).
    fn schema() -> serde_json::Value {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tools/callrecords-schema.json");
        serde_json::from_str(&std::fs::read_to_string(path).expect("read the schema extract"))
            .expect("the schema extract is JSON")
    }

    /// The declared properties of a Graph type and of its base types, name → type.
    fn declared(schema: &serde_json::Value, graph_type: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut next = Some(graph_type.to_owned());
        while let Some(name) = next {
            let ty = &schema["types"][&name];
            assert!(ty.is_object(), "no type {name} in the schema extract");
            for p in ty["properties"].as_array().expect("properties") {
                out.push((
                    p["name"].as_str().unwrap().to_owned(),
                    p["type"].as_str().unwrap().to_owned(),
                ));
            }
            next = ty["baseType"].as_str().map(|base| {
                base.trim_start_matches("microsoft.graph.callRecords.")
                    .replace("microsoft.graph.", "graph.")
            });
        }
        out
    }

    /// Every table entry is a property of its Graph types, and a scalar or enumeration entry
    /// converts the property's declared type.
    #[test]
    fn the_tables_match_the_schema_extract() {
        let schema = schema();
        let identities = [
            "graph.userIdentity",
            "graph.azureCommunicationServicesUserIdentity",
            "graph.communicationsApplicationIdentity",
            "graph.communicationsApplicationInstanceIdentity",
            "graph.communicationsGuestIdentity",
            "graph.communicationsUserIdentity",
        ];
        let tables: [(&[&str], &[Property]); 17] = [
            (
                &["pstnCallLogRow", "callLogRow"],
                pstn_call_log_row!(property_list!),
            ),
            (
                &["directRoutingLogRow", "callLogRow"],
                direct_routing_log_row!(property_list!),
            ),
            (&["mediaStream"], media_stream!(property_list!)),
            (&["media"], media!(property_list!)),
            (&["networkInfo"], network_info!(property_list!)),
            (&["session"], session!(property_list!)),
            (&["segment"], segment!(property_list!)),
            (
                &["participantEndpoint", "serviceEndpoint"],
                endpoint!(property_list!),
            ),
            (
                &["clientUserAgent", "serviceUserAgent"],
                user_agent!(property_list!),
            ),
            (&["callRecord"], call_record!(property_list!)),
            (&["deviceInfo"], device_info!(property_list!)),
            (&["traceRouteHop"], trace_route_hop!(property_list!)),
            (&["failureInfo"], failure_info!(property_list!)),
            (&["userFeedback"], user_feedback!(property_list!)),
            (&["participant"], participant!(property_list!)),
            (
                &["graph.communicationsIdentitySet"],
                identity_set!(property_list!),
            ),
            (&identities, identity!(property_list!)),
        ];
        for (graph_types, properties) in tables {
            let declared: Vec<(String, String)> = graph_types
                .iter()
                .flat_map(|t| declared(&schema, t))
                .collect();
            for p in properties {
                if p.json.contains("@odata.") {
                    continue;
                }
                let (_, ty) = declared
                    .iter()
                    .find(|(name, _)| name == p.json)
                    .unwrap_or_else(|| panic!("{graph_types:?} has no property {}", p.json));
                let expected = match p.conversion {
                    c if c.starts_with("Enum(") || c.starts_with("EnumArray(") => {
                        let rust = c.split(['(', ')']).nth(1).unwrap();
                        let graph = ty.trim_start_matches("Collection(").trim_end_matches(')');
                        let short = graph.rsplit('.').next().unwrap();
                        assert!(short.eq_ignore_ascii_case(rust), "{}: {c} for {ty}", p.json);
                        continue;
                    }
                    c if c.starts_with("With(") || c.starts_with("Boxed(") => continue,
                    c if c.starts_with("Array(") => {
                        assert!(ty.starts_with("Collection("), "{}: {c} for {ty}", p.json);
                        continue;
                    }
                    scalar => format!("Edm.{scalar}"),
                };
                assert_eq!(ty, &expected, "{}", p.json);
            }
        }
    }

    /// The generated adder against the table of `extract` functions it replaces in the hot
    /// path: the same values, nulls and kinds in the same accumulators.
    #[test]
    fn add_stream_metrics_agrees_with_each_extract() {
        let mut streams = vec![MediaStream::default()];
        for i in 0..50u32 {
            let f = f64::from(i);
            let mut s = MediaStream {
                average_jitter: (i % 3 != 0)
                    .then(|| Duration::from_nanos(i64::from(i) * 1_000_017)),
                average_packet_loss_rate: (i % 4 != 1).then_some(f / 97.0),
                average_bandwidth_estimate: (i % 5 != 2).then_some(i64::from(i) * 1000 - 7),
                average_received_frame_rate: Some(if i % 7 == 0 { f64::NAN } else { f }),
                packet_utilization: Some(i64::from(i)),
                max_round_trip_time: Some(Duration::from_nanos(i64::from(i) * 3_000_001)),
                ..MediaStream::default()
            };
            if i % 2 == 0 {
                s.average_video_frame_rate = Some(f * 1.5);
            }
            streams.push(s);
        }
        let fresh =
            || -> Vec<MetricStats> { METRICS.iter().map(|m| MetricStats::new(m.kind)).collect() };
        let (mut by_table, mut generated) = (fresh(), fresh());
        for s in &streams {
            for (m, stats) in METRICS.iter().zip(by_table.iter_mut()) {
                add_metric_value(stats, (m.extract)(s));
            }
            add_stream_metrics(s, &mut generated);
        }
        for ((m, a), b) in METRICS.iter().zip(&by_table).zip(&generated) {
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "{}", m.name);
        }
        assert!(generated.iter().any(|s| s.count() > 0 && s.nulls() > 0));
    }

    #[test]
    fn metrics_are_analyzed_media_stream_numbers_in_alphabetical_order() {
        let names: Vec<&str> = METRICS.iter().map(|m| m.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        assert_eq!(METRICS.len(), 22);
        let properties: &[Property] = media_stream!(property_list!);
        for m in &METRICS {
            let p = properties.iter().find(|p| p.json == m.name).unwrap();
            assert!(
                p.analyze,
                "{} is a metric that analyze does not read",
                m.name
            );
        }
    }
}
