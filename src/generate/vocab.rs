//! Word lists: enum values with their weights, names, devices and media labels.

pub(super) const NS: &str = "#microsoft.graph.callRecords.";

pub(super) const PLATFORMS: &[(u32, &[u8])] = &[
    (450, b"windows"),
    (120, b"macOS"),
    (100, b"iOS"),
    (100, b"android"),
    (100, b"web"),
    (30, b"ipPhone"),
    (40, b"roomSystem"),
    (10, b"surfaceHub"),
    (5, b"holoLens"),
    (30, b"unknown"),
    (10, b"unknownFutureValue"),
    (5, b"chromeOS"),
];

pub(super) const PRODUCT_FAMILIES: &[(u32, &[u8])] = &[
    (800, b"teams"),
    (90, b"skypeForBusiness"),
    (20, b"lync"),
    (40, b"azureCommunicationServices"),
    (30, b"unknown"),
    (10, b"unknownFutureValue"),
    (5, b"teamsPhone"),
];

pub(super) const CONNECTION_TYPES: &[(u32, &[u8])] = &[
    (420, b"wired"),
    (420, b"wifi"),
    (60, b"mobile"),
    (40, b"tunnel"),
    (50, b"unknown"),
    (5, b"unknownFutureValue"),
    (5, b"satellite"),
];

pub(super) const SERVICE_ROLES: &[(u32, &[u8])] = &[
    (500, b"skypeForBusinessAudioVideoMcu"),
    (120, b"skypeForBusinessApplicationSharingMcu"),
    (80, b"mediationServer"),
    (60, b"conferencingAnnouncementService"),
    (50, b"mediaController"),
    (40, b"skypeForBusinessMicrosoftTeamsGateway"),
    (30, b"customBot"),
    (20, b"voicemail"),
    (20, b"skypeForBusinessCallQueues"),
    (20, b"skypeForBusinessAutoAttendant"),
    (20, b"gateway"),
    (10, b"exchangeUnifiedMessagingService"),
    (10, b"conferencingAttendant"),
    (10, b"unknown"),
    (5, b"unknownFutureValue"),
    (3, b"skypeTranslator"),
];

pub(super) const AUDIO_CODECS: &[(u32, &[u8])] = &[
    (550, b"satin"),
    (200, b"opus"),
    (60, b"silkWide"),
    (40, b"silk"),
    (30, b"g722"),
    (30, b"pcmu"),
    (20, b"pcma"),
    (15, b"rtAudio16"),
    (10, b"satinFullband"),
    (10, b"g729"),
    (10, b"amrWide"),
    (10, b"unknown"),
    (5, b"xmsRta"),
    (5, b"unknownFutureValue"),
    (5, b"lyra"),
];

pub(super) const VIDEO_CODECS: &[(u32, &[u8])] = &[
    (500, b"h264"),
    (150, b"h264uc"),
    (100, b"av1"),
    (60, b"h265"),
    (60, b"xrtvc1"),
    (30, b"rtVideo"),
    (20, b"rtvc1"),
    (10, b"h263"),
    (20, b"unknown"),
    (5, b"invalid"),
    (5, b"vp9"),
];

pub(super) const WIFI_BANDS: &[(u32, &[u8])] = &[
    (350, b"frequency24GHz"),
    (600, b"frequency50GHz"),
    (20, b"frequency60GHz"),
    (30, b"unknown"),
];

pub(super) const WIFI_RADIOS: &[(u32, &[u8])] = &[
    (400, b"wifi80211ac"),
    (250, b"wifi80211ax"),
    (200, b"wifi80211n"),
    (50, b"wifi80211g"),
    (20, b"wifi80211a"),
    (10, b"wifi80211b"),
    (50, b"unknown"),
    (20, b"unknownFutureValue"),
];

pub(super) const RATINGS: &[(u32, &[u8])] = &[
    (300, b"good"),
    (200, b"excellent"),
    (150, b"fair"),
    (150, b"poor"),
    (100, b"bad"),
    (100, b"notRated"),
];

pub(super) const FEEDBACK_TOKENS: &[&[u8]] = &[
    b"NoSound",
    b"OtherNoSound",
    b"Echo",
    b"Noisy",
    b"LowVolume",
    b"Stopped",
    b"DistortedSound",
    b"Interruptions",
    b"FrozenVideo",
    b"PixelatedVideo",
    b"DarkVideo",
    b"NoVideo",
];

pub(super) const FEEDBACK_TEXTS: &[&str] = &[
    "Could not hear the other side",
    "Echo during the whole call.\nPlease fix!",
    "Le son était haché 😕",
    "音声が途切れました",
    "video froze \"twice\" \\ audio ok",
    "👍",
    "Bild eingefroren, Ton gut",
    "tab\tseparated / slash",
];

pub(super) const CPU_NAMES: &[&[u8]] = &[
    b"AMD EPYC 7452 32-Core Processor",
    b"Intel(R) Xeon(R) Platinum 8272CL CPU @ 2.60GHz",
    b"Intel(R) Core(TM) i7-10610U CPU @ 1.80GHz",
    b"Intel(R) Core(TM) i5-8365U CPU @ 1.60GHz",
    b"11th Gen Intel(R) Core(TM) i7-1185G7 @ 3.00GHz",
    b"13th Gen Intel(R) Core(TM) i7-1365U",
    b"AMD Ryzen 7 PRO 5850U with Radeon Graphics",
    b"Apple M1",
    b"Apple M2 Pro",
    b"Qualcomm Snapdragon 8cx Gen 3",
    b"ARMv8 Processor rev 1 (v8l)",
];

pub(super) const FIRST_NAMES: &[&str] = &[
    "Abbie",
    "Owen",
    "Zoë",
    "Jürgen",
    "Søren",
    "María",
    "José",
    "Chloé",
    "Ayşe",
    "Łukasz",
    "Nguyễn",
    "Priya",
    "Olga",
    "Wei",
    "Fatima",
    "Ólafur",
    "Noah",
    "Emma",
    "Liam",
    "Ava",
    "Mateo",
    "Isabella",
    "Hiroshi",
    "Yuki",
    "Kwame",
    "Siobhán",
    "Björk",
    "François",
];

pub(super) const LAST_NAMES: &[&str] = &[
    "Wilkins",
    "Franklin",
    "Ng",
    "Müller",
    "Ødegaard",
    "García",
    "O'Brien",
    "Smith",
    "Johnson",
    "Kowalski",
    "Dubois",
    "Rossi",
    "Nakamura",
    "Okafor",
    "Ivanova",
    "Patel",
    "Chen",
    "Kim",
    "Silva",
    "Andersson",
    "Hernández",
    "Nowak",
    "Yılmaz",
    "Brown",
];

/// Names that are written whole (unicode, quotes, slashes, emoji).
pub(super) const SPECIAL_NAMES: &[&str] = &[
    "Zoë \"ZZ\" Ng",
    "山田 太郎",
    "王小明",
    "김민준",
    "Мария Иванова",
    "محمد علي",
    "Renée 🎧 Laurent",
    "Team Room / Building 4",
    "Back\\slash Bob",
    "Conf Room 🚀 Apollo",
    "Dr. Ana-María de la Cruz",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 Fan",
];

pub(super) const DEVICE_CAPTURE: &[&str] = &[
    "Default input device",
    "Microphone (Realtek(R) Audio)",
    "Microphone Array (Intel® Smart Sound Technology for Digital Microphones)",
    "Headset Microphone (Jabra Evolve2 65)",
    "Microphone (Microsoft Virtual Audio Device (Simple) (WDM))",
    "MacBook Pro Microphone",
    "Echo Cancelling Speakerphone (Poly Sync 20)",
    "Mikrofon (HD Pro Webcam C920)",
    "麦克风 (USB Audio Device)",
];

pub(super) const DEVICE_RENDER: &[&str] = &[
    "Default output device",
    "Speakers (Realtek(R) Audio)",
    "Headset Earphone (Jabra Evolve2 65)",
    "Speakers (Microsoft Virtual Audio Device (Simple) (WDM))",
    "MacBook Pro Speakers",
    "Echo Cancelling Speakerphone (Poly Sync 20)",
    "Lautsprecher (Surface Dock)",
];

pub(super) const DRIVERS: &[&[u8]] = &[
    b"Microsoft: 5.0.8638.1100",
    b"Realtek Semiconductor Corp.: 6.0.9235.1",
    b"Intel Corporation: 10.29.0.5152",
    b"Jabra: 1.2.3.4",
    b"Apple: 1.0",
];

pub(super) const WIFI_VENDORS: &[&[u8]] = &[
    b"Intel(R) Wi-Fi 6 AX201 160MHz",
    b"Killer(R) Wi-Fi 6 AX1650i 160MHz Wireless Network Adapter (201NGW)",
    b"Qualcomm Atheros QCA61x4A Wireless Network Adapter",
    b"Realtek RTL8822CE 802.11ac PCIe Adapter",
];

pub(super) const DNS_SUFFIXES: &[&[u8]] = &[
    b"corp.contoso.com",
    b"fabrikam.local",
    b"home",
    b"lan",
    b"europe.contoso.com",
];

pub(super) const MEDIA_LABELS: &[(u32, MediaKind, &[u8])] = &[
    (560, MediaKind::Audio, b"main-audio"),
    (220, MediaKind::Video, b"main-video"),
    (110, MediaKind::Vbss, b"applicationsharing-video"),
    (30, MediaKind::Data, b"data"),
    (20, MediaKind::Vbss, b"video-based-screen-sharing-video"),
    (15, MediaKind::Video, b"panoramic-video"),
    (10, MediaKind::Audio, b"transfer-audio"),
    (10, MediaKind::Other, b"applicationsharing"),
    (5, MediaKind::Other, b"unknown-media"),
];

/// What a media label carries, which decides the metrics its streams have.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum MediaKind {
    Audio,
    Video,
    Vbss,
    Data,
    Other,
}
