//! Borrowed `#[derive(Deserialize)]` structs for the peers (serde_json, sonic-rs).
//!
//! - [`Str`] borrows from the input when the string has no escapes and owns it otherwise
//!   (serde's `Cow` impl alone always owns, and `#[serde(borrow)]` does not reach through
//!   `Option<Cow>`).
//! - [`Single`] / [`Int64`] accept what callq accepts: `Edm.Single` as any number or `"NaN"`,
//!   `"INF"`, `"-INF"`; `Edm.Int64` as an integer or a decimal string.
//! - [`Dur`] / [`Dt`] parse with callq's own duration and date-time parsers while
//!   deserializing, and [`En`] maps an enumeration with callq's `from_wire`, so the peers do
//!   the same conversions as callq's walk.
//! - Arrays are `Option<Vec<_>>`: `null` is allowed where callq allows it.
//!
//! Only the `Sessions` shape (a page of sessions) is modelled: the corpus has nothing else.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use callq::datetime::DateTimeOffset;
use callq::duration::Duration;
use callq::model::*;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

/// A string borrowed from the input when it has no escapes.
#[derive(Debug, Clone)]
pub struct Str<'a>(pub Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Str<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V(PhantomData))
    }
}

/// `Edm.Single`/`Edm.Double`: a number, or `"NaN"`, `"INF"`, `"-INF"`.
#[derive(Debug, Clone, Copy)]
pub struct Single(pub f64);

impl<'de> Deserialize<'de> for Single {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Single;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or NaN/INF/-INF")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Single, E> {
                Ok(Single(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Single, E> {
                Ok(Single(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Single, E> {
                Ok(Single(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Single, E> {
                match v {
                    "NaN" => Ok(Single(f64::NAN)),
                    "INF" => Ok(Single(f64::INFINITY)),
                    "-INF" => Ok(Single(f64::NEG_INFINITY)),
                    _ => Err(E::custom("expected a number")),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// `Edm.Int64`: an integer, or a decimal string.
#[derive(Debug, Clone, Copy)]
pub struct Int64(pub i64);

impl<'de> Deserialize<'de> for Int64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Int64;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a 64-bit integer or a decimal string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Int64, E> {
                Ok(Int64(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Int64, E> {
                i64::try_from(v)
                    .map(Int64)
                    .map_err(|_| E::custom("out of range"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Int64, E> {
                let digits = v.strip_prefix('-').unwrap_or(v).as_bytes();
                if digits.is_empty()
                    || !digits.iter().all(u8::is_ascii_digit)
                    || (digits[0] == b'0' && digits.len() > 1)
                {
                    return Err(E::custom("not a decimal integer"));
                }
                v.parse().map(Int64).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// An `Edm.Duration`, parsed by callq while deserializing.
#[derive(Debug, Clone, Copy)]
pub struct Dur(pub Duration);

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Dur;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an ISO-8601 duration")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Dur, E> {
                Duration::parse(v).map(Dur).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

/// An `Edm.DateTimeOffset`, parsed by callq while deserializing.
#[derive(Debug, Clone, Copy)]
pub struct Dt(pub DateTimeOffset);

impl<'de> Deserialize<'de> for Dt {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Dt;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date-time with offset")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Dt, E> {
                DateTimeOffset::parse(v).map(Dt).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

/// A callq enumeration that can be read from its wire string.
pub trait Wire<'a>: Sized {
    fn from_wire(s: &'a str) -> Self;
}

macro_rules! wire {
    ($($t:ident),*) => {$(
        impl<'a> Wire<'a> for $t<'a> {
            #[inline]
            fn from_wire(s: &'a str) -> Self {
                $t::from_wire(s)
            }
        }
    )*};
}
wire!(
    AudioCodec,
    ClientPlatform,
    EndpointType,
    FailureStage,
    MediaStreamDirection,
    Modality,
    NetworkConnectionType,
    NetworkTransportProtocol,
    ProductFamily,
    ServiceRole,
    UserFeedbackRating,
    VideoCodec,
    WifiBand,
    WifiRadioType
);

/// An enumeration mapped with callq's `from_wire`. It must borrow from the input (an
/// enumeration member written with escapes is an error; the corpus has none).
#[derive(Debug, Clone, Copy)]
pub struct En<T>(pub T);

impl<'de: 'a, 'a, T: Wire<'a> + 'a> Deserialize<'de> for En<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a, T>(PhantomData<&'a T>);
        impl<'de: 'a, 'a, T: Wire<'a> + 'a> Visitor<'de> for V<'a, T> {
            type Value = En<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an enumeration member")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<En<T>, E> {
                Ok(En(T::from_wire(v)))
            }
        }
        d.deserialize_str(V(PhantomData))
    }
}

/// `feedbackTokenSet`: an open type of boolean tokens (annotations skipped).
#[derive(Debug, Clone, Default)]
pub struct Tokens<'a>(pub Vec<(Str<'a>, bool)>);

impl<'de: 'a, 'a> Deserialize<'de> for Tokens<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Tokens<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of boolean tokens")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut m: M) -> Result<Tokens<'a>, M::Error> {
                let mut out = Vec::new();
                while let Some(k) = m.next_key::<Str<'a>>()? {
                    if k.0.starts_with('@') {
                        m.next_value::<de::IgnoredAny>()?;
                    } else if let Some(b) = m.next_value::<Option<bool>>()? {
                        out.push((k, b));
                    }
                }
                Ok(Tokens(out))
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}

// ---- the full model ------------------------------------------------------------------------

#[derive(Deserialize, Debug)]
pub struct Page<'a> {
    #[serde(rename = "@odata.context", borrow)]
    pub odata_context: Option<Str<'a>>,
    #[serde(rename = "@odata.nextLink", borrow)]
    pub next_link: Option<Str<'a>>,
    #[serde(borrow)]
    pub value: Option<Vec<Session<'a>>>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Session<'a> {
    #[serde(borrow)]
    pub id: Option<Str<'a>>,
    #[serde(borrow)]
    pub modalities: Option<Vec<En<Modality<'a>>>>,
    pub start_date_time: Option<Dt>,
    pub end_date_time: Option<Dt>,
    pub is_test: Option<bool>,
    #[serde(borrow)]
    pub caller: Option<Endpoint<'a>>,
    #[serde(borrow)]
    pub callee: Option<Endpoint<'a>>,
    #[serde(borrow)]
    pub failure_info: Option<Failure<'a>>,
    #[serde(borrow)]
    pub segments: Option<Vec<Segment<'a>>>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Segment<'a> {
    #[serde(borrow)]
    pub id: Option<Str<'a>>,
    pub start_date_time: Option<Dt>,
    pub end_date_time: Option<Dt>,
    #[serde(borrow)]
    pub caller: Option<Endpoint<'a>>,
    #[serde(borrow)]
    pub callee: Option<Endpoint<'a>>,
    #[serde(borrow)]
    pub failure_info: Option<Failure<'a>>,
    #[serde(borrow)]
    pub media: Option<Vec<Media<'a>>>,
}

#[derive(Deserialize, Debug)]
pub struct Failure<'a> {
    #[serde(borrow)]
    pub reason: Option<Str<'a>>,
    #[serde(borrow)]
    pub stage: Option<En<FailureStage<'a>>>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint<'a> {
    #[serde(rename = "@odata.type", borrow)]
    pub odata_type: Option<Str<'a>>,
    #[serde(borrow)]
    pub user_agent: Option<UserAgent<'a>>,
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
    #[serde(borrow)]
    pub cpu_name: Option<Str<'a>>,
    pub cpu_cores_count: Option<i32>,
    pub cpu_processor_speed_in_mhz: Option<i32>,
    #[serde(borrow)]
    pub feedback: Option<Feedback<'a>>,
    #[serde(borrow)]
    pub identity: Option<IdentitySet<'a>>,
    #[serde(borrow)]
    pub associated_identity: Option<Identity<'a>>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct UserAgent<'a> {
    #[serde(rename = "@odata.type", borrow)]
    pub odata_type: Option<Str<'a>>,
    #[serde(borrow)]
    pub header_value: Option<Str<'a>>,
    #[serde(borrow)]
    pub application_version: Option<Str<'a>>,
    #[serde(borrow)]
    pub platform: Option<En<ClientPlatform<'a>>>,
    #[serde(borrow)]
    pub product_family: Option<En<ProductFamily<'a>>>,
    #[serde(rename = "azureADAppId", borrow)]
    pub azure_ad_app_id: Option<Str<'a>>,
    #[serde(borrow)]
    pub communication_service_id: Option<Str<'a>>,
    #[serde(borrow)]
    pub role: Option<En<ServiceRole<'a>>>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct IdentitySet<'a> {
    #[serde(rename = "@odata.type", borrow)]
    pub odata_type: Option<Str<'a>>,
    #[serde(borrow)]
    pub application: Option<Identity<'a>>,
    #[serde(borrow)]
    pub device: Option<Identity<'a>>,
    #[serde(borrow)]
    pub user: Option<Identity<'a>>,
    #[serde(borrow)]
    pub application_instance: Option<Identity<'a>>,
    #[serde(borrow)]
    pub asserted_identity: Option<Identity<'a>>,
    #[serde(borrow)]
    pub azure_communication_services_user: Option<Identity<'a>>,
    #[serde(borrow)]
    pub encrypted: Option<Identity<'a>>,
    #[serde(borrow)]
    pub endpoint_type: Option<En<EndpointType<'a>>>,
    #[serde(borrow)]
    pub guest: Option<Identity<'a>>,
    #[serde(borrow)]
    pub on_premises: Option<Identity<'a>>,
    #[serde(borrow)]
    pub phone: Option<Identity<'a>>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Identity<'a> {
    #[serde(rename = "@odata.type", borrow)]
    pub odata_type: Option<Str<'a>>,
    #[serde(borrow)]
    pub id: Option<Str<'a>>,
    #[serde(borrow)]
    pub display_name: Option<Str<'a>>,
    #[serde(borrow)]
    pub tenant_id: Option<Str<'a>>,
    #[serde(borrow)]
    pub user_principal_name: Option<Str<'a>>,
    #[serde(borrow)]
    pub ip_address: Option<Str<'a>>,
    #[serde(borrow)]
    pub email: Option<Str<'a>>,
    #[serde(borrow)]
    pub application_type: Option<Str<'a>>,
    #[serde(borrow)]
    pub azure_communication_services_resource_id: Option<Str<'a>>,
    pub hidden: Option<bool>,
}

#[derive(Deserialize, Debug)]
pub struct Feedback<'a> {
    #[serde(borrow)]
    pub rating: Option<En<UserFeedbackRating<'a>>>,
    #[serde(borrow)]
    pub text: Option<Str<'a>>,
    #[serde(borrow)]
    pub tokens: Option<Tokens<'a>>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Media<'a> {
    #[serde(borrow)]
    pub label: Option<Str<'a>>,
    #[serde(borrow)]
    pub caller_device: Option<Device<'a>>,
    #[serde(borrow)]
    pub callee_device: Option<Device<'a>>,
    #[serde(borrow)]
    pub caller_network: Option<Network<'a>>,
    #[serde(borrow)]
    pub callee_network: Option<Network<'a>>,
    #[serde(borrow)]
    pub streams: Option<Vec<Stream<'a>>>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Device<'a> {
    #[serde(borrow)]
    pub capture_device_driver: Option<Str<'a>>,
    #[serde(borrow)]
    pub capture_device_name: Option<Str<'a>>,
    pub capture_not_functioning_event_ratio: Option<Single>,
    pub cpu_insufficent_event_ratio: Option<Single>,
    pub device_clipping_event_ratio: Option<Single>,
    pub device_glitch_event_ratio: Option<Single>,
    pub howling_event_count: Option<i32>,
    pub initial_signal_level_root_mean_square: Option<Single>,
    pub low_speech_level_event_ratio: Option<Single>,
    pub low_speech_to_noise_event_ratio: Option<Single>,
    pub mic_glitch_rate: Option<Single>,
    pub received_noise_level: Option<i32>,
    pub received_signal_level: Option<i32>,
    #[serde(borrow)]
    pub render_device_driver: Option<Str<'a>>,
    #[serde(borrow)]
    pub render_device_name: Option<Str<'a>>,
    pub render_mute_event_ratio: Option<Single>,
    pub render_not_functioning_event_ratio: Option<Single>,
    pub render_zero_volume_event_ratio: Option<Single>,
    pub sent_noise_level: Option<i32>,
    pub sent_signal_level: Option<i32>,
    pub speaker_glitch_rate: Option<Single>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Network<'a> {
    pub bandwidth_low_event_ratio: Option<Single>,
    #[serde(borrow)]
    pub basic_service_set_identifier: Option<Str<'a>>,
    #[serde(borrow)]
    pub connection_type: Option<En<NetworkConnectionType<'a>>>,
    pub delay_event_ratio: Option<Single>,
    #[serde(borrow)]
    pub dns_suffix: Option<Str<'a>>,
    #[serde(borrow)]
    pub ip_address: Option<Str<'a>>,
    pub link_speed: Option<Int64>,
    #[serde(borrow)]
    pub mac_address: Option<Str<'a>>,
    #[serde(borrow)]
    pub network_transport_protocol: Option<En<NetworkTransportProtocol<'a>>>,
    pub port: Option<i32>,
    pub received_quality_event_ratio: Option<Single>,
    #[serde(rename = "reflexiveIPAddress", borrow)]
    pub reflexive_ip_address: Option<Str<'a>>,
    #[serde(rename = "relayIPAddress", borrow)]
    pub relay_ip_address: Option<Str<'a>>,
    pub relay_port: Option<i32>,
    pub sent_quality_event_ratio: Option<Single>,
    #[serde(borrow)]
    pub subnet: Option<Str<'a>>,
    #[serde(borrow)]
    pub trace_route_hops: Option<Vec<Hop<'a>>>,
    #[serde(borrow)]
    pub wifi_band: Option<En<WifiBand<'a>>>,
    pub wifi_battery_charge: Option<i32>,
    pub wifi_channel: Option<i32>,
    #[serde(borrow)]
    pub wifi_microsoft_driver: Option<Str<'a>>,
    #[serde(borrow)]
    pub wifi_microsoft_driver_version: Option<Str<'a>>,
    #[serde(borrow)]
    pub wifi_radio_type: Option<En<WifiRadioType<'a>>>,
    pub wifi_signal_strength: Option<i32>,
    #[serde(borrow)]
    pub wifi_vendor_driver: Option<Str<'a>>,
    #[serde(borrow)]
    pub wifi_vendor_driver_version: Option<Str<'a>>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Hop<'a> {
    pub hop_count: Option<i32>,
    #[serde(borrow)]
    pub ip_address: Option<Str<'a>>,
    pub round_trip_time: Option<Dur>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Stream<'a> {
    #[serde(borrow)]
    pub audio_codec: Option<En<AudioCodec<'a>>>,
    pub average_audio_degradation: Option<Single>,
    pub average_audio_network_jitter: Option<Dur>,
    pub average_bandwidth_estimate: Option<Int64>,
    pub average_freeze_duration: Option<Dur>,
    pub average_jitter: Option<Dur>,
    pub average_packet_loss_rate: Option<Single>,
    pub average_ratio_of_concealed_samples: Option<Single>,
    pub average_received_frame_rate: Option<Single>,
    pub average_round_trip_time: Option<Dur>,
    pub average_video_frame_loss_percentage: Option<Single>,
    pub average_video_frame_rate: Option<Single>,
    pub average_video_packet_loss_rate: Option<Single>,
    pub end_date_time: Option<Dt>,
    pub is_audio_forward_error_correction_used: Option<bool>,
    pub low_frame_rate_ratio: Option<Single>,
    pub low_video_processing_capability_ratio: Option<Single>,
    pub max_audio_network_jitter: Option<Dur>,
    pub max_jitter: Option<Dur>,
    pub max_packet_loss_rate: Option<Single>,
    pub max_ratio_of_concealed_samples: Option<Single>,
    pub max_round_trip_time: Option<Dur>,
    pub packet_utilization: Option<Int64>,
    pub post_forward_error_correction_packet_loss_rate: Option<Single>,
    pub rms_freeze_duration: Option<Dur>,
    pub start_date_time: Option<Dt>,
    #[serde(borrow)]
    pub stream_direction: Option<En<MediaStreamDirection<'a>>>,
    #[serde(borrow)]
    pub stream_id: Option<Str<'a>>,
    #[serde(borrow)]
    pub video_codec: Option<En<VideoCodec<'a>>>,
    pub was_media_bypassed: Option<bool>,
}

/// Streams in a full page.
pub fn full_streams(p: &Page<'_>) -> u64 {
    let mut n = 0;
    for s in p.value.iter().flatten() {
        for g in s.segments.iter().flatten() {
            for m in g.media.iter().flatten() {
                n += m.streams.as_ref().map_or(0, |v| v.len() as u64);
            }
        }
    }
    n
}

// ---- the analyze-only model ------------------------------------------------------------------

#[derive(Deserialize, Debug)]
pub struct APage<'a> {
    #[serde(borrow)]
    pub value: Option<Vec<ASession<'a>>>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct ASession<'a> {
    pub start_date_time: Option<Dt>,
    #[serde(borrow)]
    pub caller: Option<AEndpoint<'a>>,
    #[serde(borrow)]
    pub callee: Option<AEndpoint<'a>>,
    #[serde(borrow)]
    pub segments: Option<Vec<ASegment<'a>>>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct ASegment<'a> {
    #[serde(borrow)]
    pub caller: Option<AEndpoint<'a>>,
    #[serde(borrow)]
    pub callee: Option<AEndpoint<'a>>,
    #[serde(borrow)]
    pub media: Option<Vec<AMedia<'a>>>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct AEndpoint<'a> {
    #[serde(borrow)]
    pub user_agent: Option<AUserAgent<'a>>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct AUserAgent<'a> {
    #[serde(borrow)]
    pub platform: Option<En<ClientPlatform<'a>>>,
    #[serde(borrow)]
    pub product_family: Option<En<ProductFamily<'a>>>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct AMedia<'a> {
    #[serde(borrow)]
    pub label: Option<Str<'a>>,
    #[serde(borrow)]
    pub caller_network: Option<ANetwork<'a>>,
    #[serde(borrow)]
    pub callee_network: Option<ANetwork<'a>>,
    #[serde(borrow)]
    pub streams: Option<Vec<AStream<'a>>>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct ANetwork<'a> {
    #[serde(borrow)]
    pub connection_type: Option<En<NetworkConnectionType<'a>>>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct AStream<'a> {
    pub average_audio_degradation: Option<Single>,
    pub average_audio_network_jitter: Option<Dur>,
    pub average_bandwidth_estimate: Option<Int64>,
    pub average_freeze_duration: Option<Dur>,
    pub average_jitter: Option<Dur>,
    pub average_packet_loss_rate: Option<Single>,
    pub average_ratio_of_concealed_samples: Option<Single>,
    pub average_received_frame_rate: Option<Single>,
    pub average_round_trip_time: Option<Dur>,
    pub average_video_frame_loss_percentage: Option<Single>,
    pub average_video_frame_rate: Option<Single>,
    pub average_video_packet_loss_rate: Option<Single>,
    pub low_frame_rate_ratio: Option<Single>,
    pub low_video_processing_capability_ratio: Option<Single>,
    pub max_audio_network_jitter: Option<Dur>,
    pub max_jitter: Option<Dur>,
    pub max_packet_loss_rate: Option<Single>,
    pub max_ratio_of_concealed_samples: Option<Single>,
    pub max_round_trip_time: Option<Dur>,
    pub packet_utilization: Option<Int64>,
    pub post_forward_error_correction_packet_loss_rate: Option<Single>,
    pub rms_freeze_duration: Option<Dur>,
    #[serde(borrow)]
    pub stream_direction: Option<En<MediaStreamDirection<'a>>>,
    #[serde(borrow)]
    pub video_codec: Option<En<VideoCodec<'a>>>,
}

impl<'a> AStream<'a> {
    /// The same stream as callq's model (what classify and GroupStats take).
    pub fn to_model(&self) -> MediaStream<'a> {
        let f = |x: Option<Single>| x.map(|v| v.0);
        let d = |x: Option<Dur>| x.map(|v| v.0);
        let i = |x: Option<Int64>| x.map(|v| v.0);
        let mut m = MediaStream::default();
        m.average_audio_degradation = f(self.average_audio_degradation);
        m.average_audio_network_jitter = d(self.average_audio_network_jitter);
        m.average_bandwidth_estimate = i(self.average_bandwidth_estimate);
        m.average_freeze_duration = d(self.average_freeze_duration);
        m.average_jitter = d(self.average_jitter);
        m.average_packet_loss_rate = f(self.average_packet_loss_rate);
        m.average_ratio_of_concealed_samples = f(self.average_ratio_of_concealed_samples);
        m.average_received_frame_rate = f(self.average_received_frame_rate);
        m.average_round_trip_time = d(self.average_round_trip_time);
        m.average_video_frame_loss_percentage = f(self.average_video_frame_loss_percentage);
        m.average_video_frame_rate = f(self.average_video_frame_rate);
        m.average_video_packet_loss_rate = f(self.average_video_packet_loss_rate);
        m.low_frame_rate_ratio = f(self.low_frame_rate_ratio);
        m.low_video_processing_capability_ratio = f(self.low_video_processing_capability_ratio);
        m.max_audio_network_jitter = d(self.max_audio_network_jitter);
        m.max_jitter = d(self.max_jitter);
        m.max_packet_loss_rate = f(self.max_packet_loss_rate);
        m.max_ratio_of_concealed_samples = f(self.max_ratio_of_concealed_samples);
        m.max_round_trip_time = d(self.max_round_trip_time);
        m.packet_utilization = i(self.packet_utilization);
        m.post_forward_error_correction_packet_loss_rate =
            f(self.post_forward_error_correction_packet_loss_rate);
        m.rms_freeze_duration = d(self.rms_freeze_duration);
        m.stream_direction = self.stream_direction.map(|e| e.0);
        m.video_codec = self.video_codec.map(|e| e.0);
        m
    }
}

/// Streams in an analyze-only page.
pub fn analyze_streams(p: &APage<'_>) -> u64 {
    let mut n = 0;
    for s in p.value.iter().flatten() {
        for g in s.segments.iter().flatten() {
            for m in g.media.iter().flatten() {
                n += m.streams.as_ref().map_or(0, |v| v.len() as u64);
            }
        }
    }
    n
}
