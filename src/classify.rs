//! Stream quality classification, as Microsoft's Call Quality Dashboard (CQD) does it.
//!
//! Only the metrics Graph call records carry are used; a rule that needs anything else leaves
//! the stream [`Quality::Unclassified`]. Thresholds are strict comparisons. "Present" means
//! present, not null, and finite.
//!
//! ```
//! use callq::classify::{classify, Classifier, Quality, Reasons};
//! use callq::model::MediaStream;
//! use callq::duration::Duration;
//!
//! let mut stream = MediaStream::default();
//! stream.packet_utilization = Some(501);
//! stream.average_jitter = Some(Duration::from_nanos(31_000_000)); // 31 ms
//! let (quality, reasons) = classify(Classifier::Current, Some("main-audio"), &stream);
//! assert_eq!(quality, Quality::Poor);
//! assert_eq!(reasons, Reasons::JITTER);
//! ```

use crate::duration::Duration;
use crate::model::{MediaStream, VideoCodec};

/// Which published rules to apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Classifier {
    /// The current rules ("Stream Classification in Call Quality Dashboard").
    #[default]
    Current,
    /// The rules as first published (2019–2020), `--classifier cqd-2020`.
    Cqd2020,
}

impl std::str::FromStr for Classifier {
    type Err = UnknownClassifier;
    /// Parses `current` or `cqd-2020`.
    fn from_str(s: &str) -> Result<Self, UnknownClassifier> {
        match s {
            "current" => Ok(Classifier::Current),
            "cqd-2020" => Ok(Classifier::Cqd2020),
            other => Err(UnknownClassifier {
                input: other.to_owned(),
            }),
        }
    }
}

/// A name that is not a [`Classifier`] (the only way `Classifier::from_str` fails).
///
/// ```
/// use callq::classify::Classifier;
/// assert_eq!("cqd-2020".parse(), Ok(Classifier::Cqd2020));
/// let err = "cqd-2019".parse::<Classifier>().unwrap_err();
/// assert_eq!(err.input(), "cqd-2019");
/// assert_eq!(
///     err.to_string(),
///     "unknown classifier `cqd-2019` (expected `current` or `cqd-2020`)"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnknownClassifier {
    input: String,
}

impl UnknownClassifier {
    /// The name, as given.
    pub fn input(&self) -> &str {
        &self.input
    }
}

impl std::fmt::Display for UnknownClassifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "unknown classifier `{}` (expected `current` or `cqd-2020`)",
            self.input
        )
    }
}

impl std::error::Error for UnknownClassifier {}

/// A stream's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Quality {
    /// No present metric breaches.
    Good,
    /// At least one deciding metric breaches.
    Poor,
    /// No classifier applies, its precondition fails, or no deciding metric is present.
    Unclassified,
}

/// The set of reasons a poor stream breached, as bit flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Reasons(u8);

impl Reasons {
    /// No reason.
    pub const NONE: Reasons = Reasons(0);
    /// `averageRoundTripTime` > 500 ms.
    pub const ROUND_TRIP: Reasons = Reasons(1);
    /// `averagePacketLossRate` > 0.1.
    pub const PACKET_LOSS: Reasons = Reasons(1 << 1);
    /// `averageJitter` > 30 ms.
    pub const JITTER: Reasons = Reasons(1 << 2);
    /// `averageAudioDegradation` > 1.0 (2020 rules).
    pub const DEGRADATION: Reasons = Reasons(1 << 3);
    /// `averageRatioOfConcealedSamples` > 0.07 (2020 rules).
    pub const CONCEALED: Reasons = Reasons(1 << 4);
    /// `averageVideoFrameLossPercentage` > 50.
    pub const FRAME_LOSS: Reasons = Reasons(1 << 5);
    /// `averageVideoFrameRate` below the classifier's floor.
    pub const FRAME_RATE: Reasons = Reasons(1 << 6);
    /// `postForwardErrorCorrectionPacketLossRate` > 0.15.
    pub const POST_FEC_PACKET_LOSS: Reasons = Reasons(1 << 7);

    /// Every reason with its report name, in report order.
    pub const ALL: [(Reasons, &'static str); 8] = [
        (Reasons::ROUND_TRIP, "roundTrip"),
        (Reasons::PACKET_LOSS, "packetLoss"),
        (Reasons::JITTER, "jitter"),
        (Reasons::DEGRADATION, "degradation"),
        (Reasons::CONCEALED, "concealed"),
        (Reasons::FRAME_LOSS, "frameLoss"),
        (Reasons::FRAME_RATE, "frameRate"),
        (Reasons::POST_FEC_PACKET_LOSS, "postFecPacketLoss"),
    ];

    /// True when every reason of `other` is in `self`.
    pub fn contains(self, other: Reasons) -> bool {
        self.0 & other.0 == other.0
    }

    /// True when there is no reason.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The raw bits (bit `i` is `ALL[i]`).
    pub fn bits(self) -> u8 {
        self.0
    }

    /// The reasons of [`bits`](Self::bits).
    pub fn from_bits(bits: u8) -> Reasons {
        Reasons(bits)
    }
}

impl std::ops::BitOr for Reasons {
    type Output = Reasons;
    fn bitor(self, rhs: Reasons) -> Reasons {
        Reasons(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for Reasons {
    fn bitor_assign(&mut self, rhs: Reasons) {
        self.0 |= rhs.0;
    }
}

/// The audio rule's limit on `averageRoundTripTime`, in milliseconds (poor above it).
pub const AUDIO_ROUND_TRIP_MS: f64 = 500.0;
/// The audio rule's limit on `averagePacketLossRate` (a ratio; poor above it).
pub const AUDIO_PACKET_LOSS_RATE: f64 = 0.1;
/// The audio rule's limit on `averageJitter`, in milliseconds (poor above it).
pub const AUDIO_JITTER_MS: f64 = 30.0;

/// Which rule set a media label selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamKind {
    /// The label ends with `-audio`.
    Audio,
    /// The label ends with `-video` and contains `applicationsharing` or `screen`.
    ScreenSharing,
    /// Any other label ending with `-video`.
    Video,
    /// Anything else, or no label.
    Other,
}

/// Picks the classifier for a media label (case-sensitive; the `-audio` test comes first).
pub fn stream_kind(label: Option<&str>) -> StreamKind {
    match label {
        Some(l) if l.ends_with("-audio") => StreamKind::Audio,
        Some(l) if l.ends_with("-video") => {
            if l.contains("applicationsharing") || l.contains("screen") {
                StreamKind::ScreenSharing
            } else {
                StreamKind::Video
            }
        }
        _ => StreamKind::Other,
    }
}

#[inline]
fn finite(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite())
}

#[inline]
fn millis(d: Option<Duration>) -> Option<f64> {
    d.map(Duration::as_millis_f64)
}

/// Classifies one stream of a media with the given label.
pub fn classify(
    classifier: Classifier,
    label: Option<&str>,
    s: &MediaStream<'_>,
) -> (Quality, Reasons) {
    let enough_packets = s.packet_utilization.is_some_and(|p| p > 500);
    let legacy = classifier == Classifier::Cqd2020;
    match stream_kind(label) {
        StreamKind::Other => (Quality::Unclassified, Reasons::NONE),
        StreamKind::Audio => {
            if !legacy && !enough_packets {
                return (Quality::Unclassified, Reasons::NONE);
            }
            let mut checks: [(Option<f64>, f64, Reasons); 5] = [
                (
                    millis(s.average_round_trip_time),
                    AUDIO_ROUND_TRIP_MS,
                    Reasons::ROUND_TRIP,
                ),
                (
                    finite(s.average_packet_loss_rate),
                    AUDIO_PACKET_LOSS_RATE,
                    Reasons::PACKET_LOSS,
                ),
                (millis(s.average_jitter), AUDIO_JITTER_MS, Reasons::JITTER),
                (None, 1.0, Reasons::DEGRADATION),
                (None, 0.07, Reasons::CONCEALED),
            ];
            if legacy {
                checks[3].0 = finite(s.average_audio_degradation);
                checks[4].0 = finite(s.average_ratio_of_concealed_samples);
            }
            let mut any = false;
            let mut reasons = Reasons::NONE;
            for (value, limit, reason) in checks {
                if let Some(v) = value {
                    any = true;
                    if v > limit {
                        reasons |= reason;
                    }
                }
            }
            verdict(any, reasons)
        }
        StreamKind::Video => {
            if !legacy && !enough_packets {
                return (Quality::Unclassified, Reasons::NONE);
            }
            video_chain(s, 7.0)
        }
        StreamKind::ScreenSharing => {
            if legacy {
                return video_chain(s, 2.0);
            }
            let h264s = matches!(s.video_codec, Some(VideoCodec::H264s));
            if !h264s && let Some(loss) = finite(s.average_video_frame_loss_percentage) {
                return decide(loss > 50.0, Reasons::FRAME_LOSS);
            }
            match finite(s.average_video_frame_rate) {
                Some(fps) => decide(fps < 1.0, Reasons::FRAME_RATE),
                None => (Quality::Unclassified, Reasons::NONE),
            }
        }
    }
}

/// The video chain: the first present metric decides alone.
fn video_chain(s: &MediaStream<'_>, min_fps: f64) -> (Quality, Reasons) {
    if let Some(loss) = finite(s.average_video_frame_loss_percentage) {
        return decide(loss > 50.0, Reasons::FRAME_LOSS);
    }
    if let Some(fps) = finite(s.average_video_frame_rate) {
        return decide(fps < min_fps, Reasons::FRAME_RATE);
    }
    if let Some(loss) = finite(s.post_forward_error_correction_packet_loss_rate) {
        return decide(loss > 0.15, Reasons::POST_FEC_PACKET_LOSS);
    }
    (Quality::Unclassified, Reasons::NONE)
}

fn decide(poor: bool, reason: Reasons) -> (Quality, Reasons) {
    if poor {
        (Quality::Poor, reason)
    } else {
        (Quality::Good, Reasons::NONE)
    }
}

fn verdict(any_present: bool, reasons: Reasons) -> (Quality, Reasons) {
    if !reasons.is_empty() {
        (Quality::Poor, reasons)
    } else if any_present {
        (Quality::Good, Reasons::NONE)
    } else {
        (Quality::Unclassified, Reasons::NONE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::VideoCodec;

    fn ms(x: i64) -> Option<Duration> {
        Some(Duration::from_nanos(x * 1_000_000))
    }

    fn audio(packets: Option<i64>) -> MediaStream<'static> {
        MediaStream {
            packet_utilization: packets,
            ..Default::default()
        }
    }

    #[test]
    fn labels() {
        assert_eq!(stream_kind(Some("main-audio")), StreamKind::Audio);
        assert_eq!(stream_kind(Some("screen-audio")), StreamKind::Audio);
        assert_eq!(stream_kind(Some("main-video")), StreamKind::Video);
        assert_eq!(
            stream_kind(Some("applicationsharing-video")),
            StreamKind::ScreenSharing
        );
        assert_eq!(
            stream_kind(Some("video-based-screen-sharing-video")),
            StreamKind::ScreenSharing
        );
        assert_eq!(stream_kind(Some("Main-video")), StreamKind::Video);
        assert_eq!(stream_kind(Some("main-VIDEO")), StreamKind::Other);
        assert_eq!(stream_kind(Some("data")), StreamKind::Other);
        assert_eq!(stream_kind(None), StreamKind::Other);
    }

    #[test]
    fn audio_packet_precondition_is_strict() {
        let mut s = audio(Some(500));
        s.average_jitter = ms(10);
        assert_eq!(
            classify(Classifier::Current, Some("main-audio"), &s).0,
            Quality::Unclassified
        );
        s.packet_utilization = Some(501);
        assert_eq!(
            classify(Classifier::Current, Some("main-audio"), &s).0,
            Quality::Good
        );
        s.packet_utilization = None;
        assert_eq!(
            classify(Classifier::Current, Some("main-audio"), &s).0,
            Quality::Unclassified
        );
        // The 2020 rules have no precondition.
        assert_eq!(
            classify(Classifier::Cqd2020, Some("main-audio"), &s).0,
            Quality::Good
        );
    }

    #[test]
    fn audio_thresholds_are_strict() {
        let mut s = audio(Some(1000));
        s.average_jitter = ms(30);
        s.average_round_trip_time = ms(500);
        s.average_packet_loss_rate = Some(0.1);
        assert_eq!(
            classify(Classifier::Current, Some("main-audio"), &s),
            (Quality::Good, Reasons::NONE)
        );
        s.average_jitter = Some(Duration::from_nanos(30_000_001));
        s.average_packet_loss_rate = Some(0.100001);
        let (q, r) = classify(Classifier::Current, Some("main-audio"), &s);
        assert_eq!(q, Quality::Poor);
        assert_eq!(r, Reasons::JITTER | Reasons::PACKET_LOSS);
    }

    #[test]
    fn audio_without_metrics_or_non_finite() {
        let mut s = audio(Some(1000));
        assert_eq!(
            classify(Classifier::Current, Some("main-audio"), &s).0,
            Quality::Unclassified
        );
        s.average_packet_loss_rate = Some(f64::NAN);
        assert_eq!(
            classify(Classifier::Current, Some("main-audio"), &s).0,
            Quality::Unclassified
        );
        s.average_audio_degradation = Some(1.2);
        // Degradation is not a current reason.
        assert_eq!(
            classify(Classifier::Current, Some("main-audio"), &s).0,
            Quality::Unclassified
        );
        assert_eq!(
            classify(Classifier::Cqd2020, Some("main-audio"), &s),
            (Quality::Poor, Reasons::DEGRADATION)
        );
        s.average_audio_degradation = None;
        s.average_ratio_of_concealed_samples = Some(0.07);
        assert_eq!(
            classify(Classifier::Cqd2020, Some("main-audio"), &s).0,
            Quality::Good
        );
        s.average_ratio_of_concealed_samples = Some(0.0700001);
        assert_eq!(
            classify(Classifier::Cqd2020, Some("main-audio"), &s),
            (Quality::Poor, Reasons::CONCEALED)
        );
    }

    #[test]
    fn video_chain_first_present_decides() {
        let mut s = audio(Some(600));
        s.average_video_frame_rate = Some(6.9);
        s.post_forward_error_correction_packet_loss_rate = Some(0.0);
        assert_eq!(
            classify(Classifier::Current, Some("main-video"), &s),
            (Quality::Poor, Reasons::FRAME_RATE)
        );
        s.average_video_frame_loss_percentage = Some(50.0);
        assert_eq!(
            classify(Classifier::Current, Some("main-video"), &s).0,
            Quality::Good
        );
        s.average_video_frame_loss_percentage = None;
        s.average_video_frame_rate = Some(7.0);
        assert_eq!(
            classify(Classifier::Current, Some("main-video"), &s).0,
            Quality::Good
        );
        s.average_video_frame_rate = None;
        s.post_forward_error_correction_packet_loss_rate = Some(0.15000001);
        assert_eq!(
            classify(Classifier::Current, Some("main-video"), &s),
            (Quality::Poor, Reasons::POST_FEC_PACKET_LOSS)
        );
        s.packet_utilization = Some(500);
        assert_eq!(
            classify(Classifier::Current, Some("main-video"), &s).0,
            Quality::Unclassified
        );
        assert_eq!(
            classify(Classifier::Cqd2020, Some("main-video"), &s).0,
            Quality::Poor
        );
    }

    #[test]
    fn screen_sharing() {
        let mut s = audio(None);
        s.average_video_frame_loss_percentage = Some(60.0);
        s.average_video_frame_rate = Some(5.0);
        let label = Some("applicationsharing-video");
        assert_eq!(
            classify(Classifier::Current, label, &s),
            (Quality::Poor, Reasons::FRAME_LOSS)
        );
        s.video_codec = Some(VideoCodec::from_wire("h264s"));
        assert_eq!(classify(Classifier::Current, label, &s).0, Quality::Good);
        s.average_video_frame_rate = Some(0.5);
        assert_eq!(
            classify(Classifier::Current, label, &s),
            (Quality::Poor, Reasons::FRAME_RATE)
        );
        s.average_video_frame_rate = None;
        assert_eq!(
            classify(Classifier::Current, label, &s).0,
            Quality::Unclassified
        );
        // 2020: the video chain regardless of codec, 2 fps floor.
        assert_eq!(
            classify(Classifier::Cqd2020, label, &s),
            (Quality::Poor, Reasons::FRAME_LOSS)
        );
        s.average_video_frame_loss_percentage = None;
        s.average_video_frame_rate = Some(1.5);
        assert_eq!(
            classify(Classifier::Cqd2020, label, &s),
            (Quality::Poor, Reasons::FRAME_RATE)
        );
    }
}
