//! The quality data: networks (with trace routes), devices and media streams.
//!
//! Each property is one [`Props`] call, in the order the corpus has always had them: the
//! order of the calls is the order of the PRNG draws, so reordering changes the bytes.

use super::props::{Props, ms_ticks, ratio};
use super::rng::Rng;
use super::vocab::{
    AUDIO_CODECS, CONNECTION_TYPES, DEVICE_CAPTURE, DEVICE_RENDER, DNS_SUFFIXES, DRIVERS,
    MediaKind, VIDEO_CODECS, WIFI_BANDS, WIFI_RADIOS, WIFI_VENDORS,
};
use super::write::{
    TICKS_PER_DAY, TICKS_PER_HOUR, TICKS_PER_MS, TICKS_PER_SEC, TsStyle, key, qs, sep, write_ip,
    write_mac, write_u64,
};

/// Writes a `networkInfo`; a `bad` one has much worse event ratios.
pub(super) fn write_network(b: &mut Vec<u8>, r: &mut Rng, bad: bool) {
    let conn = r.pick(CONNECTION_TYPES);
    let wifi = conn == b"wifi";
    b.push(b'{');
    let (a, c) = (r.below(255), r.below(255));
    // The endpoint's network: one of 24 IPv4 sites 10.S.0.0/16 (S = a % 24, a below 240), or
    // one of 15 IPv6 sites 2001:db8:S::/48 (a from 240). `corpus/buildings.csv` covers the
    // IPv4 sites 0-15 and the IPv6 sites 0-7, so some endpoints have no building.
    let v6_site = a.checked_sub(240);
    let mut p = Props::new(b, r);
    p.opt("ipAddress", 20, 10, |b, r| {
        let host = 1 + r.below(250);
        match v6_site {
            Some(s) => write_ipv6(b, s, c, host),
            None => write_ip(b, [10, a % 24, c, host]),
        }
    });
    p.opt("subnet", 30, 10, |b, _| match v6_site {
        Some(s) => write_ipv6(b, s, c, 0),
        None => write_ip(b, [10, a % 24, c, 0]),
    });
    p.int64("linkSpeed", 50, 30, |r| {
        if r.chance(150) {
            4_294_967_295
        } else {
            r.one(&[
                54_000_000,
                100_000_000,
                1_000_000_000,
                866_700_000,
                300_000_000,
                10_000_000,
            ])
        }
    });
    p.key("connectionType");
    qs(p.b, conn);
    p.key("networkTransportProtocol");
    let protocol = p.r.pick(&[
        (850, &b"udp"[..]),
        (120, b"tcp"),
        (20, b"unknown"),
        (10, b"unknownFutureValue"),
    ]);
    qs(p.b, protocol);
    p.uint("port", 10, 10, |r| r.range(1024, 65535) as u64);
    p.opt("reflexiveIPAddress", 50, 20, |b, r| {
        let ip = [
            r.range(20, 220) as u64,
            r.below(255),
            r.below(255),
            r.below(255),
        ];
        write_ip(b, ip)
    });
    p.opt("relayIPAddress", 50, 20, |b, r| {
        write_ip(b, [52, 112 + r.below(4), r.below(255), r.below(255)])
    });
    p.uint("relayPort", 50, 20, |r| r.range(3478, 59999) as u64);
    p.opt("macAddress", 50, 20, |b, r| {
        write_mac(b, true, || r.below(256))
    });
    p.ascii("dnsSuffix", 400, 50, |r| r.one(DNS_SUFFIXES));
    p.key("wifiBand");
    let band = if wifi {
        p.r.pick(WIFI_BANDS)
    } else {
        b"unknown"
    };
    qs(p.b, band);
    p.key("wifiRadioType");
    let radio = if wifi {
        p.r.pick(WIFI_RADIOS)
    } else {
        b"unknown"
    };
    qs(p.b, radio);
    if wifi {
        write_wifi(&mut p);
    } else if p.r.chance(300) {
        p.b.extend_from_slice(b",\"basicServiceSetIdentifier\":null,\"wifiChannel\":null,\"wifiSignalStrength\":null,\"wifiBatteryCharge\":null,\"wifiMicrosoftDriver\":null,\"wifiMicrosoftDriverVersion\":null,\"wifiVendorDriver\":null,\"wifiVendorDriverVersion\":null");
    }
    let f = if bad { 8.0 } else { 1.0 };
    p.single("sentQualityEventRatio", 30, 20, 2, |r| {
        ratio(r, 700, 0.05 * f, 1.0)
    });
    p.single("receivedQualityEventRatio", 30, 20, 2, |r| {
        ratio(r, 700, 0.05 * f, 1.0)
    });
    p.single("delayEventRatio", 30, 20, 2, |r| {
        ratio(r, 800, 0.03 * f, 1.0)
    });
    p.single("bandwidthLowEventRatio", 30, 20, 2, |r| {
        ratio(r, 800, 0.03 * f, 1.0)
    });
    write_trace_route(&mut p);
    p.b.push(b'}');
}

/// Writes a quoted IPv6 address `2001:db8:SITE:NET::HOST` (hex; `::` alone for host 0, the
/// /64's network address).
fn write_ipv6(b: &mut Vec<u8>, site: u64, net: u64, host: u64) {
    use std::io::Write as _;
    let _ = if host == 0 {
        write!(b, "\"2001:db8:{site:x}:{net:x}::\"")
    } else {
        write!(b, "\"2001:db8:{site:x}:{net:x}::{host:x}\"")
    };
}

/// The Wi-Fi members of a `networkInfo` on Wi-Fi.
fn write_wifi(p: &mut Props<'_>) {
    p.opt("basicServiceSetIdentifier", 100, 50, |b, r| {
        write_mac(b, false, || r.below(256))
    });
    p.uint("wifiChannel", 50, 20, |r| {
        r.one(&[1, 6, 11, 36, 40, 44, 48, 149, 153])
    });
    p.uint("wifiSignalStrength", 50, 20, |r| r.range(20, 100) as u64);
    p.uint("wifiBatteryCharge", 400, 20, |r| r.range(0, 100) as u64);
    p.ascii("wifiMicrosoftDriver", 200, 50, |_| b"Microsoft Corporation");
    p.ascii("wifiMicrosoftDriverVersion", 200, 50, |_| b"10.0.22621.1");
    p.ascii("wifiVendorDriver", 200, 50, |r| r.one(WIFI_VENDORS));
    p.ascii("wifiVendorDriverVersion", 200, 50, |_| b"22.250.1.2");
}

/// `traceRouteHops`: up to 9 hops with growing round trip times.
fn write_trace_route(p: &mut Props<'_>) {
    p.key("traceRouteHops");
    p.b.push(b'[');
    let hops = if p.r.chance(400) { 0 } else { p.r.range(1, 9) };
    let mut rtt = 0.5;
    for h in 0..hops {
        rtt += p.r.lognormal(2.0, 1.0);
        sep(p.b);
        p.b.push(b'{');
        p.uint("hopCount", 10, 10, |_| (h + 1) as u64);
        p.opt("ipAddress", 50, 10, |b, r| {
            let ip = [
                r.range(10, 200) as u64,
                r.below(255),
                r.below(255),
                r.below(255),
            ];
            write_ip(b, ip)
        });
        p.duration("roundTripTime", 50, 10, |r| {
            let t = (rtt * TICKS_PER_MS as f64) as i64;
            if r.chance(5) { -t / 100 } else { t }
        });
        p.b.push(b'}');
    }
    p.b.push(b']');
}

/// Writes a `deviceInfo`.
pub(super) fn write_device(b: &mut Vec<u8>, r: &mut Rng) {
    b.push(b'{');
    let ascii = r.chance(100);
    let mut p = Props::new(b, r);
    p.text("captureDeviceName", 50, 30, ascii, |r| {
        r.one(DEVICE_CAPTURE)
    });
    p.ascii("captureDeviceDriver", 300, 100, |r| r.one(DRIVERS));
    p.text("renderDeviceName", 50, 30, ascii, |r| r.one(DEVICE_RENDER));
    p.ascii("renderDeviceDriver", 300, 100, |r| r.one(DRIVERS));
    p.int("receivedSignalLevel", 60, 30, |r| r.range(-40, 0));
    p.int("receivedNoiseLevel", 60, 30, |r| r.range(-95, -40));
    p.int("sentSignalLevel", 100, 100, |r| r.range(-40, 0));
    p.int("sentNoiseLevel", 100, 100, |r| r.range(-95, -40));
    p.single("initialSignalLevelRootMeanSquare", 80, 40, 5, |r| {
        r.lognormal(100.0, 0.8)
    });
    p.single("captureNotFunctioningEventRatio", 80, 40, 2, |r| {
        ratio(r, 950, 0.1, 1.0)
    });
    p.single("cpuInsufficentEventRatio", 80, 40, 2, |r| {
        ratio(r, 900, 0.05, 1.0)
    });
    p.single("deviceClippingEventRatio", 80, 40, 2, |r| {
        ratio(r, 900, 0.02, 1.0)
    });
    p.single("deviceGlitchEventRatio", 80, 40, 2, |r| {
        ratio(r, 850, 0.03, 1.0)
    });
    p.uint("howlingEventCount", 80, 40, |r| {
        if r.chance(950) {
            0
        } else {
            r.range(1, 20) as u64
        }
    });
    p.single("lowSpeechLevelEventRatio", 80, 40, 2, |r| {
        ratio(r, 800, 0.05, 1.0)
    });
    p.single("lowSpeechToNoiseEventRatio", 80, 40, 2, |r| {
        ratio(r, 850, 0.05, 1.0)
    });
    p.single("micGlitchRate", 80, 40, 0, |r| {
        r.lognormal(30.0, 1.5).min(100_000.0)
    });
    p.single("speakerGlitchRate", 80, 40, 0, |r| {
        r.lognormal(40.0, 1.8).min(100_000.0)
    });
    p.single("renderMuteEventRatio", 80, 40, 2, |r| {
        ratio(r, 800, 0.5, 0.8)
    });
    p.single("renderNotFunctioningEventRatio", 80, 40, 2, |r| {
        ratio(r, 950, 0.1, 1.0)
    });
    p.single("renderZeroVolumeEventRatio", 80, 40, 2, |r| {
        ratio(r, 850, 0.5, 0.8)
    });
    p.b.push(b'}');
}

/// One media stream to write.
pub(super) struct StreamSpec<'s> {
    /// What the media carries.
    pub(super) kind: MediaKind,
    /// `streamDirection`, or empty to leave it out.
    pub(super) dir: &'s [u8],
    /// `streamId`.
    pub(super) id: u64,
    /// A stream of a "bad network" media: much worse metrics.
    pub(super) bad: bool,
    /// The segment's start, in ticks since the Unix epoch.
    pub(super) start: i64,
    /// The segment's end, in ticks since the Unix epoch.
    pub(super) end: i64,
}

/// Writes a `mediaStream`.
pub(super) fn write_stream(b: &mut Vec<u8>, r: &mut Rng, s: &StreamSpec<'_>) {
    let audio = s.kind == MediaKind::Audio;
    let video = matches!(s.kind, MediaKind::Video | MediaKind::Vbss);
    let f = if s.bad { 6.0 } else { 1.0 };
    sep(b);
    b.push(b'{');
    if r.chance(20) {
        key(
            b,
            b"\"@odata.type\":\"#microsoft.graph.callRecords.mediaStream\"",
        );
    }
    let mut p = Props::new(b, r);
    p.opt("streamId", 5, 5, |b, _| {
        b.push(b'"');
        write_u64(b, s.id);
        b.push(b'"');
    });
    if !s.dir.is_empty() {
        p.key("streamDirection");
        qs(p.b, s.dir);
    }
    let len = (s.end - s.start) as f64;
    let utc = TsStyle {
        trim: false,
        offset_min: 0,
    };
    p.timestamp("startDateTime", 100, 300, utc, |r| {
        s.start + (len * 0.05 * r.unit()) as i64
    });
    p.timestamp("endDateTime", 100, 300, utc, |r| {
        s.end - (len * 0.05 * r.unit()) as i64
    });

    // Jitter: median ~15 ms, heavy tail.
    let jitter = p.r.lognormal(15.0 * f, 0.55);
    p.duration("averageJitter", 60, 20, |r| ms_ticks(r, jitter));
    p.duration("maxJitter", 60, 20, |r| {
        let v = jitter * (1.0 + r.lognormal(0.5, 0.6));
        ms_ticks(r, v)
    });
    // Round trip: median ~60 ms, heavy tail.
    let rtt = p.r.lognormal(60.0 * f, 0.8);
    let rtt_ticks = if p.r.below(5000) == 0 {
        // A long-lived outlier, written with hours and days.
        p.r.range(TICKS_PER_HOUR, 2 * TICKS_PER_DAY)
    } else {
        ms_ticks(p.r, rtt)
    };
    p.duration("averageRoundTripTime", 60, 20, |_| rtt_ticks);
    p.duration("maxRoundTripTime", 60, 20, |r| {
        if r.below(3000) == 0 {
            r.range(60 * TICKS_PER_SEC, 2 * TICKS_PER_DAY)
        } else {
            let v = rtt * (1.0 + r.lognormal(0.6, 0.7));
            ms_ticks(r, v)
        }
    });
    // Packet loss: mostly exactly 0, heavy tail.
    let loss = if s.bad {
        p.r.lognormal(0.12, 1.0).min(1.0)
    } else {
        ratio(p.r, 600, 0.004, 1.6)
    };
    p.single("averagePacketLossRate", 50, 20, 8, |_| loss);
    p.single("maxPacketLossRate", 50, 20, 8, |r| {
        (loss * (1.0 + r.lognormal(1.0, 0.7))).min(1.0)
    });
    p.int64("packetUtilization", 30, 20, |r| {
        if r.chance(150) {
            r.range(0, 500)
        } else {
            r.lognormal(3000.0, 1.0) as i64 + 501
        }
    });
    p.int64("averageBandwidthEstimate", 80, 30, |r| {
        r.lognormal(5_000_000.0, 1.2) as i64
    });
    p.boolean("wasMediaBypassed", 50, 20, |r| r.chance(30));
    if audio || p.r.chance(300) {
        write_audio_metrics(&mut p, s.bad, f);
    } else {
        p.single("averageAudioDegradation", 700, 300, 0, |_| 0.0);
        p.single("averageRatioOfConcealedSamples", 700, 300, 0, |_| 0.0);
    }
    if video {
        write_video_metrics(&mut p, s.kind == MediaKind::Vbss, s.bad, f);
    } else {
        p.duration("rmsFreezeDuration", 600, 400, |_| 0);
        p.duration("averageFreezeDuration", 600, 400, |_| 0);
    }
    if p.r.chance(10) {
        key(
            p.b,
            b"\"x-debug\":{\"a\":[1,2],\"note\":\"caf\\u00e9 \\/ 100%\"}",
        );
    }
    p.b.push(b'}');
}

/// The audio members of a stream; `f` scales the network-driven ones.
fn write_audio_metrics(p: &mut Props<'_>, bad: bool, f: f64) {
    p.ascii("audioCodec", 100, 50, |r| r.pick(AUDIO_CODECS));
    let deg = if bad {
        p.r.lognormal(1.5, 0.5)
    } else {
        p.r.lognormal(0.3, 0.9)
    };
    p.single("averageAudioDegradation", 300, 30, 6, |_| deg.min(5.0));
    let anj = p.r.lognormal(40.0 * f, 0.9);
    p.duration("averageAudioNetworkJitter", 100, 30, |r| ms_ticks(r, anj));
    p.duration("maxAudioNetworkJitter", 100, 30, |r| {
        let v = anj * (1.0 + r.lognormal(0.5, 0.5));
        ms_ticks(r, v)
    });
    let conc = ratio(p.r, 300, 0.02 * f, 1.0);
    p.single("averageRatioOfConcealedSamples", 200, 30, 8, |_| conc);
    p.single("maxRatioOfConcealedSamples", 200, 30, 8, |_| {
        (conc * 1.5).min(1.0)
    });
    p.boolean("isAudioForwardErrorCorrectionUsed", 100, 30, |r| {
        r.chance(400)
    });
}

/// The video members of a stream (`vbss`: video-based screen sharing); `f` scales the
/// network-driven ones.
fn write_video_metrics(p: &mut Props<'_>, vbss: bool, bad: bool, f: f64) {
    p.ascii("videoCodec", 80, 30, |r| {
        if vbss && r.chance(400) {
            b"h264s"
        } else {
            r.pick(VIDEO_CODECS)
        }
    });
    let fr = if vbss {
        p.r.lognormal(4.0, 0.8)
    } else {
        p.r.lognormal(22.0 / f, 0.45)
    }
    .min(60.0);
    p.single("averageVideoFrameRate", 60, 30, 6, |_| fr);
    p.single("averageReceivedFrameRate", 60, 30, 6, |r| {
        (fr * (0.8 + 0.2 * r.unit())).min(60.0)
    });
    let fl = if bad {
        p.r.lognormal(30.0, 1.0)
    } else {
        ratio(p.r, 500, 0.02, 1.0) * 100.0
    };
    p.single("averageVideoFrameLossPercentage", 80, 30, 5, |_| {
        fl.min(100.0)
    });
    p.single("averageVideoPacketLossRate", 80, 30, 8, |r| {
        ratio(r, 500, 0.005 * f, 1.5)
    });
    p.single("postForwardErrorCorrectionPacketLossRate", 80, 30, 8, |r| {
        ratio(r, 600, 0.01 * f, 1.5)
    });
    p.single("lowFrameRateRatio", 80, 30, 6, |r| {
        ratio(r, 500, 0.05 * f, 1.0)
    });
    p.single("lowVideoProcessingCapabilityRatio", 80, 30, 6, |r| {
        ratio(r, 800, 0.05, 1.0)
    });
    let freeze = p.r.lognormal(400.0 * f, 1.0);
    p.duration("averageFreezeDuration", 200, 30, |r| {
        if r.chance(300) {
            0
        } else {
            ms_ticks(r, freeze)
        }
    });
    p.duration("rmsFreezeDuration", 200, 30, |r| {
        if r.chance(300) {
            0
        } else {
            ms_ticks(r, freeze * 1.3)
        }
    });
}
