//! Deterministic generator of realistic Microsoft Graph `callRecords` NDJSON corpora.
//!
//! The output models the official Graph examples: pages of sessions, callRecords with their
//! sessions expanded, and pages of callRecords, with all the quirks seen in real archives
//! (nulls, absent properties, `Edm.Single` written as integers, `"NaN"`, Int64 as decimal
//! strings, every duration form .NET's `XmlConvert` writes, unicode and escaped names,
//! unknown properties and `@odata.*` annotations).
//!
//! Everything is derived from a built-in xoshiro256** PRNG seeded with SplitMix64 and from
//! integer or exactly-rounded floating point arithmetic only (no `libm` calls), so a given
//! [`GenConfig`] produces the same bytes on every platform and with every crate version.
//!
//! (The module is named `r#gen` in Rust code because `gen` is a reserved keyword in
//! edition 2024.)

use std::io::Write;
use std::str::FromStr;

/// Which document shape each line has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Shape {
    /// A page of sessions (`GET /communications/callRecords/{id}/sessions?$expand=segments`).
    #[default]
    Sessions,
    /// One callRecord with `sessions($expand=segments)` expanded.
    CallRecord,
    /// A page of callRecords, each with its sessions expanded.
    CallRecordsPage,
    /// Each line picks one of the three shapes above.
    Mixed,
}

impl FromStr for Shape {
    type Err = String;

    /// Parses `sessions`, `callrecord`, `callrecords-page` or `mixed` (case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "sessions" => Ok(Shape::Sessions),
            "callrecord" => Ok(Shape::CallRecord),
            "callrecords-page" => Ok(Shape::CallRecordsPage),
            "mixed" => Ok(Shape::Mixed),
            _ => Err(format!(
                "unknown shape {s:?}: expected sessions, callrecord, callrecords-page or mixed"
            )),
        }
    }
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct GenConfig {
    /// Seed of the PRNG; the same seed gives the same output.
    pub seed: u64,
    /// Target size in bytes; generation stops after the first line that reaches it.
    pub size: u64,
    /// Document shape of the lines.
    pub shape: Shape,
}

/// What was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenSummary {
    /// Bytes written, newlines included.
    pub bytes: u64,
    /// Lines written.
    pub lines: u64,
    /// Sessions in all lines.
    pub sessions: u64,
    /// Segments in all sessions.
    pub segments: u64,
    /// Media in all segments.
    pub media: u64,
    /// Streams in all media.
    pub streams: u64,
}

/// What one call of [`Generator::next_line`] appended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LineSummary {
    /// Bytes appended, the newline included.
    pub bytes: u64,
    /// Sessions in the line.
    pub sessions: u64,
    /// Segments in the line.
    pub segments: u64,
    /// Media in the line.
    pub media: u64,
    /// Streams in the line.
    pub streams: u64,
}

/// Writes NDJSON to `out`. Same config => same bytes, on every platform.
///
/// Lines are produced by a [`Generator`] until at least `config.size` bytes are written
/// (a `size` of 0 writes nothing). Output is batched in about 1 MiB writes, so `out` need
/// not be buffered.
///
/// ```
/// use callq::r#gen::{GenConfig, Shape, generate};
///
/// let mut out = Vec::new();
/// let config = GenConfig { seed: 42, size: 100_000, shape: Shape::Sessions };
/// let summary = generate(&config, &mut out)?;
/// assert_eq!(summary.bytes, out.len() as u64);
/// assert!(summary.bytes >= 100_000);
/// assert_eq!(summary.lines, out.iter().filter(|&&b| b == b'\n').count() as u64);
/// let first = out.split(|&b| b == b'\n').next().unwrap();
/// let doc: serde_json::Value = serde_json::from_slice(first).unwrap();
/// assert!(doc["value"].is_array());
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn generate<W: Write>(config: &GenConfig, mut out: W) -> std::io::Result<GenSummary> {
    const BATCH: usize = 1 << 20;
    let mut g = Generator::new(config.seed, config.shape);
    let mut buf = Vec::with_capacity(BATCH + (1 << 20));
    let mut sum = GenSummary::default();
    while sum.bytes < config.size {
        let l = g.next_line(&mut buf);
        sum.bytes += l.bytes;
        sum.lines += 1;
        sum.sessions += l.sessions;
        sum.segments += l.segments;
        sum.media += l.media;
        sum.streams += l.streams;
        if buf.len() >= BATCH {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    out.write_all(&buf)?;
    out.flush()?;
    Ok(sum)
}

/// Parses a size: `"200MB"`, `"4GiB"`, `"1.5GB"`, `"512KiB"`, `"1000"` (bytes).
///
/// Decimal units (`KB`, `MB`, `GB`, `TB`) are powers of 1000, binary ones (`KiB`, `MiB`,
/// `GiB`, `TiB`) powers of 1024; `B` or no unit means bytes. Units are case-insensitive and
/// may follow a space. A fractional number is rounded down to whole bytes.
///
/// ```
/// use callq::r#gen::parse_size;
/// assert_eq!(parse_size("1.5GB"), Ok(1_500_000_000));
/// assert_eq!(parse_size("512KiB"), Ok(512 * 1024));
/// assert!(parse_size("12 parsecs").is_err());
/// ```
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("empty size: expected a number with an optional unit such as 200MB".into());
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = (&t[..split], t[split..].trim_start());
    if num.is_empty() {
        return Err(format!("size {s:?} does not start with a number"));
    }
    let mult: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" | "k" => 1000,
        "mb" | "m" => 1_000_000,
        "gb" | "g" => 1_000_000_000,
        "tb" | "t" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        _ => {
            return Err(format!(
                "unknown unit {unit:?} in size {s:?}: use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB"
            ));
        }
    };
    let (int, frac) = match num.split_once('.') {
        Some((i, f)) => (i, f),
        None => (num, ""),
    };
    if frac.contains('.') || (int.is_empty() && frac.is_empty()) {
        return Err(format!("malformed number {num:?} in size {s:?}"));
    }
    let too_big = || format!("size {s:?} is too large (more than 2^64-1 bytes)");
    let mut total: u64 = 0;
    if !int.is_empty() {
        let i: u64 = int.parse().map_err(|_| too_big())?;
        total = i.checked_mul(mult).ok_or_else(too_big)?;
    }
    // Fraction: exact rational arithmetic, rounded down.
    let mut num_f: u128 = 0;
    let mut den_f: u128 = 1;
    for c in frac.bytes().take(30) {
        num_f = num_f * 10 + u128::from(c - b'0');
        den_f *= 10;
    }
    let extra = (num_f * u128::from(mult) / den_f) as u64;
    total.checked_add(extra).ok_or_else(too_big)
}

// ---------------------------------------------------------------------------------------
// PRNG and deterministic math
// ---------------------------------------------------------------------------------------

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256** (Blackman & Vigna), seeded with SplitMix64.
#[derive(Clone, Debug)]
struct Rng {
    s: [u64; 4],
}

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut sm = seed;
        Rng {
            s: [
                splitmix64(&mut sm),
                splitmix64(&mut sm),
                splitmix64(&mut sm),
                splitmix64(&mut sm),
            ],
        }
    }

    #[inline]
    fn next(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; tiny bias is irrelevant here).
    #[inline]
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    #[inline]
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// True with probability `per_mille / 1000`.
    #[inline]
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    /// Uniform in `[0, 1)`.
    #[inline]
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Approximately standard normal (Irwin–Hall sum of 4 uniforms, rescaled).
    #[inline]
    fn normal(&mut self) -> f64 {
        let s = self.unit() + self.unit() + self.unit() + self.unit();
        (s - 2.0) * 1.732_050_807_568_877_2
    }

    /// Log-normal with the given median and shape, with an occasional heavy tail.
    #[inline]
    fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * exp(self.normal() * sigma)
    }

    /// Picks from a weighted table (weights need not sum to anything in particular).
    #[inline]
    fn pick<T: Copy>(&mut self, table: &[(u32, T)]) -> T {
        let total: u32 = table.iter().map(|e| e.0).sum();
        let mut x = self.below(u64::from(total)) as u32;
        for &(w, v) in table {
            if x < w {
                return v;
            }
            x -= w;
        }
        table[table.len() - 1].1
    }

    #[inline]
    fn one<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// `e^x` from +, *, / only (bit-identical on every IEEE 754 platform).
fn exp(x: f64) -> f64 {
    let x = x.clamp(-700.0, 700.0);
    const LN2: f64 = std::f64::consts::LN_2;
    let k = (x / LN2 + if x < 0.0 { -0.5 } else { 0.5 }) as i64;
    let r = x - k as f64 * LN2;
    // Taylor series to degree 12 on |r| <= 0.35.
    let mut term = 1.0;
    let mut sum = 1.0;
    for i in 1..=12 {
        term = term * r / f64::from(i);
        sum += term;
    }
    // Multiply by 2^k exactly.
    sum * f64::from_bits(((k + 1023) as u64) << 52)
}

// ---------------------------------------------------------------------------------------
// Low-level JSON writing
// ---------------------------------------------------------------------------------------

const DIGITS2: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

#[inline]
fn write_u64(b: &mut Vec<u8>, mut n: u64) {
    let mut tmp = [0u8; 20];
    let mut i = 20;
    while n >= 100 {
        let d = (n % 100) as usize * 2;
        n /= 100;
        i -= 2;
        tmp[i..i + 2].copy_from_slice(&DIGITS2[d..d + 2]);
    }
    if n >= 10 {
        let d = n as usize * 2;
        i -= 2;
        tmp[i..i + 2].copy_from_slice(&DIGITS2[d..d + 2]);
    } else {
        i -= 1;
        tmp[i] = b'0' + n as u8;
    }
    b.extend_from_slice(&tmp[i..]);
}

#[inline]
fn write_i64(b: &mut Vec<u8>, n: i64) {
    if n < 0 {
        b.push(b'-');
    }
    write_u64(b, n.unsigned_abs());
}

/// Writes `n` zero-padded to `width` digits.
#[inline]
fn write_padded(b: &mut Vec<u8>, n: u64, width: usize) {
    let mut tmp = [b'0'; 20];
    let mut n = n;
    let mut i = 20;
    while n > 0 {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    b.extend_from_slice(&tmp[20 - width..]);
}

const POW10: [u64; 10] = [
    1,
    10,
    100,
    1000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
];

/// Writes `v` with at most `dec` decimals, without trailing zeros (`1`, `0.27`, `60.25816`).
#[inline]
fn write_fixed(b: &mut Vec<u8>, v: f64, dec: usize) {
    let neg = v < 0.0;
    let a = if neg { -v } else { v };
    let p = POW10[dec];
    let scaled = (a * p as f64 + 0.5) as u64;
    if neg && scaled != 0 {
        b.push(b'-');
    }
    write_u64(b, scaled / p);
    let mut frac = scaled % p;
    if frac != 0 {
        let mut width = dec;
        while frac.is_multiple_of(10) {
            frac /= 10;
            width -= 1;
        }
        b.push(b'.');
        write_padded(b, frac, width);
    }
}

/// Separator before a member or element: a comma unless right after `{` or `[`.
#[inline]
fn sep(b: &mut Vec<u8>) {
    match b.last() {
        Some(b'{') | Some(b'[') => {}
        _ => b.push(b','),
    }
}

/// Writes `,"name":` (the argument is the quoted name and colon).
#[inline]
fn key(b: &mut Vec<u8>, k: &[u8]) {
    sep(b);
    b.extend_from_slice(k);
}

/// Writes a quoted ASCII string that needs no escaping.
#[inline]
fn qs(b: &mut Vec<u8>, s: &[u8]) {
    b.push(b'"');
    b.extend_from_slice(s);
    b.push(b'"');
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Writes `s` as a JSON string. `ascii_only` escapes every non-ASCII character as `\uXXXX`
/// (with surrogate pairs) and `/` as `\/`, as some serializers do.
fn write_escaped(b: &mut Vec<u8>, s: &str, ascii_only: bool) {
    b.push(b'"');
    for c in s.chars() {
        match c {
            '"' => b.extend_from_slice(b"\\\""),
            '\\' => b.extend_from_slice(b"\\\\"),
            '\n' => b.extend_from_slice(b"\\n"),
            '\r' => b.extend_from_slice(b"\\r"),
            '\t' => b.extend_from_slice(b"\\t"),
            '/' if ascii_only => b.extend_from_slice(b"\\/"),
            c if (c as u32) < 0x20 => write_u_escape(b, c as u32),
            c if (c as u32) < 0x80 => b.push(c as u8),
            c if ascii_only => {
                let mut units = [0u16; 2];
                for &u in c.encode_utf16(&mut units).iter() {
                    write_u_escape(b, u32::from(u));
                }
            }
            c => {
                let mut tmp = [0u8; 4];
                b.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
            }
        }
    }
    b.push(b'"');
}

fn write_u_escape(b: &mut Vec<u8>, u: u32) {
    b.extend_from_slice(b"\\u");
    for shift in [12, 8, 4, 0] {
        b.push(HEX[((u >> shift) & 0xf) as usize]);
    }
}

/// Writes a GUID derived from `x` (lower-case, 8-4-4-4-12), without quotes.
fn write_guid_raw(b: &mut Vec<u8>, hi: u64, lo: u64) {
    let mut out = [0u8; 36];
    let mut j = 0;
    for i in 0..32 {
        if i == 8 || i == 12 || i == 16 || i == 20 {
            out[j] = b'-';
            j += 1;
        }
        let nib = if i < 16 {
            hi >> (60 - 4 * i)
        } else {
            lo >> (60 - 4 * (i - 16))
        };
        out[j] = HEX[(nib & 0xf) as usize];
        j += 1;
    }
    b.extend_from_slice(&out);
}

fn write_guid(b: &mut Vec<u8>, hi: u64, lo: u64) {
    b.push(b'"');
    write_guid_raw(b, hi, lo);
    b.push(b'"');
}

/// Writes an IPv4 address without quotes.
fn write_ip_raw(b: &mut Vec<u8>, a: u64, bb: u64, c: u64, d: u64) {
    write_u64(b, a);
    b.push(b'.');
    write_u64(b, bb);
    b.push(b'.');
    write_u64(b, c);
    b.push(b'.');
    write_u64(b, d);
}

// ---------------------------------------------------------------------------------------
// Durations and timestamps
// ---------------------------------------------------------------------------------------

/// 100-ns ticks, as .NET's TimeSpan.
const TICKS_PER_MS: i64 = 10_000;
const TICKS_PER_SEC: i64 = 10_000_000;
const TICKS_PER_MIN: i64 = 60 * TICKS_PER_SEC;
const TICKS_PER_HOUR: i64 = 60 * TICKS_PER_MIN;
const TICKS_PER_DAY: i64 = 24 * TICKS_PER_HOUR;

/// Writes a quoted duration exactly as .NET's `XmlConvert.ToString(TimeSpan)` does.
fn write_duration(b: &mut Vec<u8>, ticks: i64) {
    b.push(b'"');
    if ticks < 0 {
        b.push(b'-');
    }
    let t = ticks.unsigned_abs() as i64;
    b.push(b'P');
    let days = t / TICKS_PER_DAY;
    let rest = t % TICKS_PER_DAY;
    if days > 0 {
        write_u64(b, days as u64);
        b.push(b'D');
    }
    if rest != 0 || days == 0 {
        b.push(b'T');
        let h = rest / TICKS_PER_HOUR;
        let m = rest % TICKS_PER_HOUR / TICKS_PER_MIN;
        let s = rest % TICKS_PER_MIN / TICKS_PER_SEC;
        let f = (rest % TICKS_PER_SEC) as u64;
        if h > 0 {
            write_u64(b, h as u64);
            b.push(b'H');
        }
        if m > 0 {
            write_u64(b, m as u64);
            b.push(b'M');
        }
        if s > 0 || f > 0 || rest == 0 {
            write_u64(b, s as u64);
            if f > 0 {
                let mut f = f;
                let mut width = 7;
                while f.is_multiple_of(10) {
                    f /= 10;
                    width -= 1;
                }
                b.push(b'.');
                write_padded(b, f, width);
            }
            b.push(b'S');
        }
    }
    b.push(b'"');
}

/// Days since 1970-01-01 to (year, month, day) (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u64, u64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u64;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u64;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Timestamp style: how many fraction digits and which UTC offset.
#[derive(Clone, Copy)]
struct TsStyle {
    /// Trim trailing zeros of the fraction (else always 7 digits, as .NET's "o" format).
    trim: bool,
    /// Offset in minutes; 0 writes `Z`.
    offset_min: i64,
}

/// Writes a quoted DateTimeOffset for `ticks` since the Unix epoch (UTC).
fn write_ts(b: &mut Vec<u8>, ticks: i64, st: TsStyle) {
    let local = ticks + st.offset_min * TICKS_PER_MIN;
    let days = local.div_euclid(TICKS_PER_DAY);
    let rest = local.rem_euclid(TICKS_PER_DAY);
    let (y, mo, d) = civil_from_days(days);
    b.push(b'"');
    write_padded(b, y as u64, 4);
    b.push(b'-');
    write_padded(b, mo, 2);
    b.push(b'-');
    write_padded(b, d, 2);
    b.push(b'T');
    write_padded(b, (rest / TICKS_PER_HOUR) as u64, 2);
    b.push(b':');
    write_padded(b, (rest % TICKS_PER_HOUR / TICKS_PER_MIN) as u64, 2);
    b.push(b':');
    write_padded(b, (rest % TICKS_PER_MIN / TICKS_PER_SEC) as u64, 2);
    let mut f = (rest % TICKS_PER_SEC) as u64;
    if st.trim {
        if f != 0 {
            let mut width = 7;
            while f.is_multiple_of(10) {
                f /= 10;
                width -= 1;
            }
            b.push(b'.');
            write_padded(b, f, width);
        }
    } else {
        b.push(b'.');
        write_padded(b, f, 7);
    }
    if st.offset_min == 0 {
        b.push(b'Z');
    } else {
        let o = st.offset_min.unsigned_abs();
        b.push(if st.offset_min < 0 { b'-' } else { b'+' });
        write_padded(b, o / 60, 2);
        b.push(b':');
        write_padded(b, o % 60, 2);
    }
    b.push(b'"');
}

// ---------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------

const NS: &str = "#microsoft.graph.callRecords.";

const PLATFORMS: &[(u32, &[u8])] = &[
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

const PRODUCT_FAMILIES: &[(u32, &[u8])] = &[
    (800, b"teams"),
    (90, b"skypeForBusiness"),
    (20, b"lync"),
    (40, b"azureCommunicationServices"),
    (30, b"unknown"),
    (10, b"unknownFutureValue"),
    (5, b"teamsPhone"),
];

const CONNECTION_TYPES: &[(u32, &[u8])] = &[
    (420, b"wired"),
    (420, b"wifi"),
    (60, b"mobile"),
    (40, b"tunnel"),
    (50, b"unknown"),
    (5, b"unknownFutureValue"),
    (5, b"satellite"),
];

const SERVICE_ROLES: &[(u32, &[u8])] = &[
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

const AUDIO_CODECS: &[(u32, &[u8])] = &[
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

const VIDEO_CODECS: &[(u32, &[u8])] = &[
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

const WIFI_BANDS: &[(u32, &[u8])] = &[
    (350, b"frequency24GHz"),
    (600, b"frequency50GHz"),
    (20, b"frequency60GHz"),
    (30, b"unknown"),
];

const WIFI_RADIOS: &[(u32, &[u8])] = &[
    (400, b"wifi80211ac"),
    (250, b"wifi80211ax"),
    (200, b"wifi80211n"),
    (50, b"wifi80211g"),
    (20, b"wifi80211a"),
    (10, b"wifi80211b"),
    (50, b"unknown"),
    (20, b"unknownFutureValue"),
];

const RATINGS: &[(u32, &[u8])] = &[
    (300, b"good"),
    (200, b"excellent"),
    (150, b"fair"),
    (150, b"poor"),
    (100, b"bad"),
    (100, b"notRated"),
];

const FEEDBACK_TOKENS: &[&[u8]] = &[
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

const FEEDBACK_TEXTS: &[&str] = &[
    "Could not hear the other side",
    "Echo during the whole call.\nPlease fix!",
    "Le son était haché 😕",
    "音声が途切れました",
    "video froze \"twice\" \\ audio ok",
    "👍",
    "Bild eingefroren, Ton gut",
    "tab\tseparated / slash",
];

const CPU_NAMES: &[&[u8]] = &[
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

const FIRST_NAMES: &[&str] = &[
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

const LAST_NAMES: &[&str] = &[
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
const SPECIAL_NAMES: &[&str] = &[
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

const DEVICE_CAPTURE: &[&str] = &[
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

const DEVICE_RENDER: &[&str] = &[
    "Default output device",
    "Speakers (Realtek(R) Audio)",
    "Headset Earphone (Jabra Evolve2 65)",
    "Speakers (Microsoft Virtual Audio Device (Simple) (WDM))",
    "MacBook Pro Speakers",
    "Echo Cancelling Speakerphone (Poly Sync 20)",
    "Lautsprecher (Surface Dock)",
];

const DRIVERS: &[&[u8]] = &[
    b"Microsoft: 5.0.8638.1100",
    b"Realtek Semiconductor Corp.: 6.0.9235.1",
    b"Intel Corporation: 10.29.0.5152",
    b"Jabra: 1.2.3.4",
    b"Apple: 1.0",
];

const WIFI_VENDORS: &[&[u8]] = &[
    b"Intel(R) Wi-Fi 6 AX201 160MHz",
    b"Killer(R) Wi-Fi 6 AX1650i 160MHz Wireless Network Adapter (201NGW)",
    b"Qualcomm Atheros QCA61x4A Wireless Network Adapter",
    b"Realtek RTL8822CE 802.11ac PCIe Adapter",
];

const DNS_SUFFIXES: &[&[u8]] = &[
    b"corp.contoso.com",
    b"fabrikam.local",
    b"home",
    b"lan",
    b"europe.contoso.com",
];

const MEDIA_LABELS: &[(u32, MediaKind, &[u8])] = &[
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

#[derive(Clone, Copy, PartialEq, Eq)]
enum MediaKind {
    Audio,
    Video,
    Vbss,
    Data,
    Other,
}

// ---------------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------------

/// Start of the time window: 2024-01-01T00:00:00Z in ticks since the Unix epoch.
const EPOCH_2024: i64 = 19_723 * TICKS_PER_DAY;
/// Records are spread over this many days.
const WINDOW_DAYS: i64 = 183;
/// Stop adding sessions to a line beyond this many bytes.
const LINE_BUDGET: usize = 420_000;

/// The record whose session pages are being written (shape `sessions`).
#[derive(Clone, Debug)]
struct Record {
    id: (u64, u64),
    start: i64,
    end: i64,
    tenant: (u64, u64),
    /// Seeds of the participants of the record.
    people: [u64; 8],
    npeople: usize,
    group: bool,
    beta: bool,
    expand_segments: bool,
    page: u32,
    pages: u32,
}

/// Line-at-a-time corpus generator; [`generate`] is built on it.
///
/// ```
/// use callq::r#gen::{Generator, Shape};
///
/// let mut g = Generator::new(7, Shape::Mixed);
/// let mut buf = Vec::new();
/// let line = g.next_line(&mut buf);
/// assert_eq!(line.bytes, buf.len() as u64);
/// assert_eq!(buf.last(), Some(&b'\n'));
/// ```
#[derive(Clone, Debug)]
pub struct Generator {
    rng: Rng,
    shape: Shape,
    pending: Option<Record>,
    stream_id: u64,
    sum: LineSummary,
}

impl Generator {
    /// A generator of lines of `shape`, fully determined by `seed`.
    pub fn new(seed: u64, shape: Shape) -> Generator {
        Generator {
            rng: Rng::new(seed),
            shape,
            pending: None,
            stream_id: 1_000_000_000 + (seed % 1_000_000_000),
            sum: LineSummary::default(),
        }
    }

    /// Appends one line (one JSON document and `'\n'`) to `buf` and says what it holds.
    pub fn next_line(&mut self, buf: &mut Vec<u8>) -> LineSummary {
        let start = buf.len();
        self.sum = LineSummary::default();
        let shape = match self.shape {
            Shape::Mixed => {
                if self.pending.is_some() {
                    Shape::Sessions
                } else {
                    self.rng.pick(&[
                        (55, Shape::Sessions),
                        (30, Shape::CallRecord),
                        (15, Shape::CallRecordsPage),
                    ])
                }
            }
            s => s,
        };
        match shape {
            Shape::CallRecord => self.call_record_line(buf, start),
            Shape::CallRecordsPage => self.call_records_page(buf, start),
            _ => self.sessions_page(buf, start),
        }
        buf.push(b'\n');
        let mut s = self.sum;
        s.bytes = (buf.len() - start) as u64;
        s
    }

    fn new_record(&mut self) -> Record {
        let r = &mut self.rng;
        let start = EPOCH_2024 + r.below((WINDOW_DAYS * TICKS_PER_DAY) as u64) as i64;
        let secs = r.lognormal(900.0, 1.1).clamp(3.0, 30.0 * 3600.0);
        let end = start + (secs * TICKS_PER_SEC as f64) as i64;
        let npeople = if r.chance(450) {
            2
        } else {
            r.range(3, 8) as usize
        };
        let mut people = [0u64; 8];
        for p in people.iter_mut() {
            *p = r.next();
        }
        let tenant_pick = r.below(4);
        Record {
            id: (r.next(), r.next()),
            start,
            end,
            tenant: (
                0xdc36_8399_474c_4d40 ^ tenant_pick,
                0x900c_6265_431f_d81f ^ (tenant_pick << 7),
            ),
            people,
            npeople,
            group: npeople > 2 || r.chance(100),
            beta: r.chance(200),
            expand_segments: !r.chance(30),
            page: 0,
            pages: if r.chance(700) {
                1
            } else {
                r.range(2, 5) as u32
            },
        }
    }

    /// How many sessions a page holds: 1 to 60, skewed toward few.
    fn session_count(&mut self) -> u32 {
        (self.rng.lognormal(3.0, 1.0) as u32).clamp(1, 60)
    }

    fn graph_base(b: &mut Vec<u8>, beta: bool) {
        b.extend_from_slice(if beta {
            b"https://graph.microsoft.com/beta/"
        } else {
            b"https://graph.microsoft.com/v1.0/"
        });
    }

    fn sessions_page(&mut self, b: &mut Vec<u8>, start: usize) {
        let mut rec = match self.pending.take() {
            Some(r) => r,
            None => self.new_record(),
        };
        b.extend_from_slice(b"{\"@odata.context\":\"");
        Self::graph_base(b, rec.beta);
        b.extend_from_slice(b"$metadata#communications/callRecords('");
        write_guid_raw(b, rec.id.0, rec.id.1);
        b.extend_from_slice(if rec.expand_segments {
            b"')/sessions(segments())\""
        } else {
            b"')/sessions\""
        });
        b.extend_from_slice(b",\"value\":[");
        let n = self.session_count();
        for _ in 0..n {
            self.session(b, &rec);
            if b.len() - start > LINE_BUDGET {
                break;
            }
        }
        b.push(b']');
        rec.page += 1;
        if rec.page < rec.pages {
            b.extend_from_slice(b",\"@odata.nextLink\":\"");
            Self::graph_base(b, rec.beta);
            b.extend_from_slice(b"communications/callRecords('");
            write_guid_raw(b, rec.id.0, rec.id.1);
            b.extend_from_slice(if rec.expand_segments {
                b"')/sessions?$expand=segments&$skiptoken="
            } else {
                b"')/sessions?$skiptoken="
            });
            write_guid_raw(b, self.rng.next(), rec.page as u64);
            b.push(b'"');
            self.pending = Some(rec);
        }
        b.push(b'}');
    }

    fn call_record_line(&mut self, b: &mut Vec<u8>, start: usize) {
        let mut rec = self.new_record();
        rec.expand_segments = true;
        b.push(b'{');
        key(b, b"\"@odata.context\":\"");
        Self::graph_base(b, rec.beta);
        b.extend_from_slice(
            b"$metadata#communications/callRecords(sessions(segments()))/$entity\"",
        );
        self.call_record_body(b, &rec, start, true);
        b.push(b'}');
    }

    fn call_records_page(&mut self, b: &mut Vec<u8>, start: usize) {
        let beta = self.rng.chance(200);
        b.extend_from_slice(b"{\"@odata.context\":\"");
        Self::graph_base(b, beta);
        b.extend_from_slice(
            b"$metadata#communications/callRecords(sessions(segments()))\",\"value\":[",
        );
        let n = (self.rng.lognormal(2.0, 1.0) as u32).clamp(1, 50);
        for _ in 0..n {
            let mut rec = self.new_record();
            rec.beta = beta;
            rec.expand_segments = true;
            sep(b);
            b.push(b'{');
            self.call_record_body(b, &rec, start, false);
            b.push(b'}');
            if b.len() - start > LINE_BUDGET {
                break;
            }
        }
        b.push(b']');
        if self.rng.chance(600) {
            b.extend_from_slice(b",\"@odata.nextLink\":\"");
            Self::graph_base(b, beta);
            b.extend_from_slice(
                b"communications/callRecords?$expand=sessions($expand=segments)&$skiptoken=",
            );
            write_guid_raw(b, self.rng.next(), self.rng.next());
            b.push(b'"');
        }
        b.push(b'}');
    }

    /// The members of a callRecord (without braces), sessions included.
    fn call_record_body(&mut self, b: &mut Vec<u8>, rec: &Record, start: usize, single: bool) {
        let r = &mut self.rng;
        let ts = ts_style(r);
        key(b, b"\"id\":");
        write_guid(b, rec.id.0, rec.id.1);
        key(b, b"\"version\":");
        let version = r.range(1, 6);
        if r.chance(30) {
            b.push(b'"');
            write_i64(b, version);
            b.push(b'"');
        } else {
            write_i64(b, version);
        }
        key(b, b"\"type\":");
        qs(
            b,
            if rec.group {
                b"groupCall"
            } else {
                r.pick(&[
                    (900, &b"peerToPeer"[..]),
                    (80, b"unknown"),
                    (20, b"unknownFutureValue"),
                ])
            },
        );
        key(b, b"\"modalities\":");
        write_modalities(b, r);
        key(b, b"\"lastModifiedDateTime\":");
        write_ts(
            b,
            rec.end + r.range(60, 3 * 3600) * TICKS_PER_SEC + r.range(0, 9_999_999),
            ts,
        );
        key(b, b"\"startDateTime\":");
        write_ts(b, rec.start, ts);
        key(b, b"\"endDateTime\":");
        write_ts(b, rec.end, ts);
        key(b, b"\"joinWebUrl\":");
        if rec.group && !r.chance(200) {
            b.extend_from_slice(b"\"https://teams.microsoft.com/l/meetup-join/19%3ameeting_");
            write_guid_raw(b, rec.id.1, rec.id.0);
            b.extend_from_slice(b"%40thread.v2/0?context=%7b%22Tid%22%3a%22");
            write_guid_raw(b, rec.tenant.0, rec.tenant.1);
            b.extend_from_slice(b"%22%7d\"");
        } else {
            b.extend_from_slice(b"null");
        }
        key(b, b"\"organizer\":");
        write_identity_set(b, rec.people[0], rec.tenant, false);
        key(b, b"\"participants\":[");
        for &p in &rec.people[..rec.npeople] {
            sep(b);
            write_identity_set(b, p, rec.tenant, false);
        }
        b.push(b']');
        if self.rng.chance(350) {
            let r = &mut self.rng;
            key(b, b"\"organizer_v2@odata.context\":\"");
            Self::graph_base(b, rec.beta);
            b.extend_from_slice(b"$metadata#communications/callRecords('");
            write_guid_raw(b, rec.id.0, rec.id.1);
            b.extend_from_slice(b"')/organizer_v2/$entity\"");
            key(b, b"\"organizer_v2\":");
            write_participant(b, r, rec.people[0], rec.tenant);
            key(b, b"\"participants_v2\":[");
            for &p in &rec.people[..rec.npeople] {
                sep(b);
                write_participant(b, r, p, rec.tenant);
            }
            b.push(b']');
        }
        if self.rng.chance(50) {
            key(
                b,
                b"\"x-debug\":{\"a\":[1,2],\"build\":\"2024.18.3\",\"ok\":true,\"n\":null}",
            );
        }
        key(b, b"\"sessions@odata.context\":\"");
        Self::graph_base(b, rec.beta);
        b.extend_from_slice(b"$metadata#communications/callRecords('");
        write_guid_raw(b, rec.id.0, rec.id.1);
        b.extend_from_slice(b"')/sessions(segments())\"");
        key(b, b"\"sessions\":[");
        let n = if single {
            self.session_count()
        } else {
            {
                let u = self.rng.unit();
                1 + (u * u * u * 4.0) as u32
            }
        };
        for _ in 0..n {
            self.session(b, rec);
            if b.len() - start > LINE_BUDGET {
                break;
            }
        }
        b.push(b']');
        if single && self.rng.chance(100) {
            key(b, b"\"sessions@odata.nextLink\":\"");
            Self::graph_base(b, rec.beta);
            b.extend_from_slice(b"communications/callRecords('");
            write_guid_raw(b, rec.id.0, rec.id.1);
            b.extend_from_slice(b"')/sessions?$expand=segments&$skiptoken=");
            write_u64(b, self.rng.next());
            b.push(b'"');
        }
    }

    fn session(&mut self, b: &mut Vec<u8>, rec: &Record) {
        self.sum.sessions += 1;
        let r = &mut self.rng;
        let ts = ts_style(r);
        let len = rec.end - rec.start;
        let s_start = rec.start + (len as f64 * r.unit() * 0.5) as i64;
        let s_end = s_start + ((rec.end - s_start) as f64 * (0.3 + 0.7 * r.unit())) as i64;
        let n = rec.npeople as u64;
        let ci = r.below(n);
        let caller = rec.people[ci as usize];
        let callee_service = rec.group && r.chance(600);
        let callee = if callee_service {
            r.next()
        } else {
            rec.people[((ci + 1 + r.below(n - 1)) % n) as usize]
        };
        sep(b);
        b.push(b'{');
        key(b, b"\"id\":");
        write_guid(b, r.next(), r.next());
        key(b, b"\"modalities\":");
        write_modalities(b, r);
        key(b, b"\"startDateTime\":");
        write_ts(b, s_start, ts);
        key(b, b"\"endDateTime\":");
        write_ts(b, s_end, ts);
        if !r.chance(100) {
            key(b, b"\"isTest\":");
            b.extend_from_slice(if r.chance(5) { b"true" } else { b"false" });
        }
        key(b, b"\"caller\":");
        write_endpoint(b, r, caller, rec.tenant, false, true);
        key(b, b"\"callee\":");
        write_endpoint(b, r, callee, rec.tenant, callee_service, true);
        if r.chance(40) {
            write_failure(b, r);
        }
        if r.chance(20) {
            key(
                b,
                b"\"@odata.type\":\"#microsoft.graph.callRecords.session\"",
            );
        }
        if rec.expand_segments {
            key(b, b"\"segments\":[");
            let nseg = self.rng.pick(&[(650, 1u32), (250, 2), (100, 3)]);
            let seg_len = (s_end - s_start) / i64::from(nseg);
            for i in 0..nseg {
                let st = s_start + seg_len * i64::from(i);
                self.segment(b, rec, st, st + seg_len, caller, callee, callee_service);
            }
            b.push(b']');
        }
        b.push(b'}');
    }

    #[allow(clippy::too_many_arguments)]
    fn segment(
        &mut self,
        b: &mut Vec<u8>,
        rec: &Record,
        start: i64,
        end: i64,
        caller: u64,
        callee: u64,
        callee_service: bool,
    ) {
        self.sum.segments += 1;
        let r = &mut self.rng;
        let ts = ts_style(r);
        sep(b);
        b.push(b'{');
        key(b, b"\"startDateTime\":");
        write_ts(b, start, ts);
        key(b, b"\"endDateTime\":");
        write_ts(b, end, ts);
        key(b, b"\"id\":");
        write_guid(b, r.next(), r.next());
        if !r.chance(30) {
            key(b, b"\"caller\":");
            write_endpoint(b, r, caller, rec.tenant, false, false);
        }
        if !r.chance(30) {
            key(b, b"\"callee\":");
            write_endpoint(b, r, callee, rec.tenant, callee_service, false);
        }
        if r.chance(30) {
            write_failure(b, r);
        }
        if r.chance(15) {
            key(b, b"\"media\":null");
        } else {
            key(b, b"\"media\":[");
            let nmedia = self.rng.pick(&[(380, 1u32), (300, 2), (200, 3), (120, 4)]);
            for _ in 0..nmedia {
                self.media(b, start, end);
            }
            b.push(b']');
        }
        b.push(b'}');
    }

    fn media(&mut self, b: &mut Vec<u8>, start: i64, end: i64) {
        self.sum.media += 1;
        let r = &mut self.rng;
        let total: u32 = MEDIA_LABELS.iter().map(|e| e.0).sum();
        let mut x = r.below(u64::from(total)) as u32;
        let mut pick = MEDIA_LABELS[0];
        for &e in MEDIA_LABELS {
            if x < e.0 {
                pick = e;
                break;
            }
            x -= e.0;
        }
        let (_, kind, label) = pick;
        sep(b);
        b.push(b'{');
        if !r.chance(8) {
            key(b, b"\"label\":");
            qs(b, label);
        }
        // A "bad network" media gets much worse metrics (the heavy tail).
        let bad = r.chance(60);
        key(b, b"\"callerNetwork\":");
        write_network(b, r, bad);
        key(b, b"\"calleeNetwork\":");
        write_network(b, r, false);
        key(b, b"\"callerDevice\":");
        write_device(b, r);
        key(b, b"\"calleeDevice\":");
        write_device(b, r);
        if r.chance(20) {
            key(b, b"\"x-debug\":{\"a\":[1,2]}");
        }
        if kind == MediaKind::Data && r.chance(500) {
            key(b, b"\"streams\":[]");
        } else {
            key(b, b"\"streams\":[");
            let n = if r.chance(850) { 2 } else { 1 };
            let first_dir = r.below(2);
            for i in 0..n {
                let r = &mut self.rng;
                let dir: &[u8] = if r.chance(10) {
                    b""
                } else if r.chance(5) {
                    b"bidirectional"
                } else if (i + first_dir).is_multiple_of(2) {
                    b"callerToCallee"
                } else {
                    b"calleeToCaller"
                };
                self.stream_id = self.stream_id.wrapping_add(1 + self.rng.below(1000));
                let id = self.stream_id;
                self.sum.streams += 1;
                write_stream(b, &mut self.rng, kind, dir, id, bad, start, end);
            }
            b.push(b']');
        }
        b.push(b'}');
    }
}

fn ts_style(r: &mut Rng) -> TsStyle {
    TsStyle {
        trim: r.chance(150),
        offset_min: if r.chance(20) {
            r.one(&[120, 60, -300, 330, -480, 540])
        } else {
            0
        },
    }
}

fn write_modalities(b: &mut Vec<u8>, r: &mut Rng) {
    b.extend_from_slice(r.pick(&[
        (500, &b"[\"audio\"]"[..]),
        (250, b"[\"audio\",\"video\"]"),
        (120, b"[\"audio\",\"video\",\"screenSharing\"]"),
        (50, b"[\"audio\",\"videoBasedScreenSharing\"]"),
        (30, b"[\"audio\",\"data\"]"),
        (20, b"[\"screenSharing\"]"),
        (10, b"[]"),
        (10, b"[\"audio\",\"unknownFutureValue\"]"),
        (5, b"[\"audio\",\"holographic\"]"),
    ]));
}

fn write_failure(b: &mut Vec<u8>, r: &mut Rng) {
    key(b, b"\"failureInfo\":{\"stage\":");
    qs(
        b,
        r.pick(&[
            (600, &b"midcall"[..]),
            (300, b"callSetup"),
            (80, b"unknown"),
            (20, b"unknownFutureValue"),
        ]),
    );
    b.extend_from_slice(b",\"reason\":");
    b.extend_from_slice(r.one(&[
        &b"\"Unknown\""[..],
        b"\"MediaConnectivityErrors\"",
        b"\"NetworkDisconnect\"",
        b"null",
    ]));
    b.push(b'}');
}

/// Writes a person's display name from their seed (sometimes with escapes).
fn write_person_name(b: &mut Vec<u8>, seed: u64, ascii_only: bool) {
    let mut pr = Rng::new(seed ^ 0x5eed_0000_0000_0001);
    if pr.chance(120) {
        write_escaped(b, pr.one(SPECIAL_NAMES), ascii_only);
        return;
    }
    // First and last name, joined without allocation.
    let first = pr.one(FIRST_NAMES);
    let last = pr.one(LAST_NAMES);
    let mut tmp = [0u8; 96];
    let (f, l) = (first.as_bytes(), last.as_bytes());
    tmp[..f.len()].copy_from_slice(f);
    tmp[f.len()] = b' ';
    tmp[f.len() + 1..f.len() + 1 + l.len()].copy_from_slice(l);
    let s = std::str::from_utf8(&tmp[..f.len() + 1 + l.len()]).unwrap_or("");
    write_escaped(b, s, ascii_only);
}

/// Writes an e-mail-like principal name for a person (ASCII only).
fn write_upn(b: &mut Vec<u8>, seed: u64) {
    b.push(b'"');
    b.extend_from_slice(b"user");
    write_u64(b, seed % 100_000);
    b.extend_from_slice(b"@contoso.com\"");
}

/// Writes a `graph.identitySet` for a person.
fn write_identity_set(b: &mut Vec<u8>, seed: u64, tenant: (u64, u64), typed: bool) {
    let mut pr = Rng::new(seed ^ 0x1de7_0000_0000_0002);
    b.push(b'{');
    if typed {
        key(b, b"\"@odata.type\":\"#microsoft.graph.identitySet\"");
    }
    let kind = pr.pick(&[(850, 0u8), (70, 1), (50, 2), (30, 3)]);
    let ascii = pr.chance(150);
    match kind {
        0 => {
            key(b, b"\"user\":{\"id\":");
            write_guid(b, seed, seed.rotate_left(17));
            b.extend_from_slice(b",\"displayName\":");
            write_person_name(b, seed, ascii);
            b.extend_from_slice(b",\"tenantId\":");
            write_guid(b, tenant.0, tenant.1);
            if pr.chance(400) {
                b.extend_from_slice(b",\"userPrincipalName\":");
                write_upn(b, seed);
            }
            b.push(b'}');
            if pr.chance(200) {
                b.extend_from_slice(b",\"acsUser\":null,\"spoolUser\":null,\"phone\":null,\"guest\":null,\"encrypted\":null,\"onPremises\":null,\"acsApplicationInstance\":null,\"spoolApplicationInstance\":null,\"applicationInstance\":null,\"application\":null,\"device\":null");
            }
        }
        1 => {
            key(b, b"\"phone\":{\"id\":\"+");
            write_u64(b, 10_000_000_000 + seed % 89_999_999_999);
            b.extend_from_slice(b"\",\"displayName\":null,\"tenantId\":null}");
            key(b, b"\"user\":null");
        }
        2 => {
            key(b, b"\"guest\":{\"id\":");
            write_guid(b, seed.rotate_left(5), seed);
            b.extend_from_slice(b",\"displayName\":");
            write_person_name(b, seed, ascii);
            b.extend_from_slice(b",\"email\":\"guest");
            write_u64(b, seed % 10_000);
            b.extend_from_slice(b"@fabrikam.com\",\"tenantId\":null}");
        }
        _ => {
            key(b, b"\"application\":{\"id\":");
            write_guid(b, seed.rotate_left(9), seed);
            b.extend_from_slice(b",\"displayName\":\"Contoso Recording Bot\"}");
        }
    }
    b.push(b'}');
}

/// Writes a `participant`/`organizer` entity (beta-era `participants_v2`).
fn write_participant(b: &mut Vec<u8>, r: &mut Rng, seed: u64, tenant: (u64, u64)) {
    b.extend_from_slice(b"{\"id\":");
    write_guid(b, seed, seed.rotate_left(17));
    b.extend_from_slice(b",\"identity\":");
    write_identity_set(b, seed, tenant, r.chance(100));
    if r.chance(300) {
        b.extend_from_slice(b",\"administrativeUnitInfos\":[{\"id\":");
        write_guid(b, tenant.1, tenant.0);
        b.extend_from_slice(b"}]");
    }
    b.push(b'}');
}

/// Writes an endpoint: a participantEndpoint for a person, or a serviceEndpoint.
fn write_endpoint(
    b: &mut Vec<u8>,
    r: &mut Rng,
    seed: u64,
    tenant: (u64, u64),
    service: bool,
    session_level: bool,
) {
    let mut pr = Rng::new(seed ^ 0xe9d9_0000_0000_0003);
    b.push(b'{');
    if service {
        b.extend_from_slice(b"\"@odata.type\":\"#microsoft.graph.callRecords.serviceEndpoint\",\"userAgent\":{\"@odata.type\":\"#microsoft.graph.callRecords.serviceUserAgent\",\"headerValue\":");
        b.extend_from_slice(pr.one(&[
            &b"\"av-mcu/2024.1.0.1\""[..],
            b"\"Microsoft.Skype.Mcu/8.0.0\"",
            b"null",
        ]));
        b.extend_from_slice(b",\"applicationVersion\":null,\"role\":");
        qs(b, pr.pick(SERVICE_ROLES));
        b.extend_from_slice(b"}}");
        return;
    }
    b.extend_from_slice(b"\"@odata.type\":\"");
    b.extend_from_slice(NS.as_bytes());
    b.extend_from_slice(b"participantEndpoint\"");
    key(b, b"\"name\":");
    if pr.chance(500) {
        b.extend_from_slice(b"\"machineName_");
        write_u64(b, seed % 10_000);
        b.push(b'"');
    } else if pr.chance(100) {
        b.extend_from_slice(b"null");
    } else {
        b.extend_from_slice(b"\"DESKTOP-");
        write_padded(b, seed % 10_000_000, 7);
        b.push(b'"');
    }
    key(b, b"\"cpuName\":");
    qs(b, pr.one(CPU_NAMES));
    key(b, b"\"cpuCoresCount\":");
    write_u64(b, pr.one(&[2, 4, 4, 8, 8, 8, 12, 16]));
    if !pr.chance(100) {
        key(b, b"\"cpuProcessorSpeedInMhz\":");
        write_u64(b, pr.range(1200, 4200) as u64);
    }
    key(b, b"\"userAgent\":{\"@odata.type\":\"#microsoft.graph.callRecords.clientUserAgent\",\"headerValue\":");
    let platform = pr.pick(PLATFORMS);
    let family = pr.pick(PRODUCT_FAMILIES);
    let ua: &[u8] = match platform {
        b"windows" => b"\"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Teams/24165.1410.2974.6689 Chrome/122.0.6261.130 Electron/29.4.0 Safari/537.36\"",
        b"macOS" => b"\"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Teams/24165.1410.2974.6689\"",
        b"android" => b"\"RTCC/7.0.0.0 UCWA/7.0.0.0 AndroidLync/6.25.0.27 (SM-G930U Android 8.0.0)\"",
        b"iOS" => b"\"Teams/6.12.1 (iPhone15,2; iOS 17.5.1)\"",
        b"web" => b"\"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36 Edg/125.0.0.0\"",
        _ => b"\"UCCAPI/16.0.12527.20122 OC/16.0.12527.20194 (Skype for Business)\"",
    };
    b.extend_from_slice(ua);
    b.extend_from_slice(b",\"platform\":");
    qs(b, platform);
    b.extend_from_slice(b",\"productFamily\":");
    qs(b, family);
    if !pr.chance(200) {
        b.extend_from_slice(b",\"applicationVersion\":\"");
        write_u64(b, pr.range(1, 24) as u64 * 1000 + 165);
        b.push(b'.');
        write_u64(b, pr.range(100, 2000) as u64);
        b.extend_from_slice(b".2974.6689\"");
    }
    b.extend_from_slice(b",\"azureADAppId\":");
    if pr.chance(300) {
        b.extend_from_slice(b"\"1fec8e78-bce4-4aaf-ab1b-5451cc387264\"");
    } else {
        b.extend_from_slice(b"null");
    }
    if family == b"azureCommunicationServices" {
        b.extend_from_slice(b",\"communicationServiceId\":");
        write_guid(b, seed.rotate_left(3), tenant.0);
    }
    b.push(b'}');
    key(b, b"\"identity\":");
    write_identity_set(b, seed, tenant, pr.chance(500));
    if pr.chance(100) {
        key(
            b,
            b"\"associatedIdentity\":{\"@odata.type\":\"#microsoft.graph.userIdentity\",\"id\":",
        );
        write_guid(b, seed, seed.rotate_left(17));
        b.extend_from_slice(b",\"displayName\":");
        write_person_name(b, seed, true);
        b.push(b'}');
    }
    // Feedback is per session, not per person: it comes from the session's stream.
    if session_level && r.chance(60) {
        key(b, b"\"feedback\":{\"rating\":");
        qs(b, r.pick(RATINGS));
        if r.chance(400) {
            b.extend_from_slice(b",\"text\":");
            write_escaped(b, r.one(FEEDBACK_TEXTS), r.chance(300));
        }
        b.extend_from_slice(b",\"tokens\":{");
        let n = r.range(0, FEEDBACK_TOKENS.len() as i64) as usize;
        for t in &FEEDBACK_TOKENS[..n] {
            sep(b);
            qs(b, t);
            b.push(b':');
            b.extend_from_slice(if r.chance(200) { b"true" } else { b"false" });
        }
        b.extend_from_slice(b"}}");
    }
    b.push(b'}');
}

/// Presence of an optional property: written, written as `null`, or absent.
#[derive(Clone, Copy, PartialEq, Eq)]
enum P {
    Value,
    Null,
    Absent,
}

#[inline]
fn presence(r: &mut Rng, null_pm: u64, absent_pm: u64) -> P {
    let x = r.below(1000);
    if x < null_pm {
        P::Null
    } else if x < null_pm + absent_pm {
        P::Absent
    } else {
        P::Value
    }
}

/// Writes an `Edm.Single`: a number with up to `dec` decimals (integers stay integers),
/// rarely `"NaN"`.
#[inline]
fn single(b: &mut Vec<u8>, r: &mut Rng, v: f64, dec: usize) {
    if r.below(20_000) == 0 {
        b.extend_from_slice(b"\"NaN\"");
    } else if v > 0.0 && v < 0.01 && r.chance(100) {
        // Scientific notation, as some serializers write small values (`3.5E-05`).
        let mut m = v;
        let mut e = 0;
        while m < 1.0 {
            m *= 10.0;
            e += 1;
        }
        write_fixed(b, m, 4);
        b.extend_from_slice(b"E-");
        write_padded(b, e, 2);
    } else {
        write_fixed(b, v, dec);
    }
}

/// Writes an `Edm.Int64`, sometimes as a decimal string.
#[inline]
fn int64(b: &mut Vec<u8>, r: &mut Rng, v: i64) {
    if r.chance(15) {
        b.push(b'"');
        write_i64(b, v);
        b.push(b'"');
    } else {
        write_i64(b, v);
    }
}

/// A loss-like ratio: mostly exactly 0, else a heavy tail up to 1.
#[inline]
fn ratio(r: &mut Rng, zero_pm: u64, median: f64, sigma: f64) -> f64 {
    if r.chance(zero_pm) {
        0.0
    } else {
        r.lognormal(median, sigma).min(1.0)
    }
}

/// Duration ticks from milliseconds, quantized the way Graph reports them (mostly whole ms).
#[inline]
fn ms_ticks(r: &mut Rng, ms: f64) -> i64 {
    let t = (ms * TICKS_PER_MS as f64) as i64;
    match r.below(10) {
        0..=6 => t / TICKS_PER_MS * TICKS_PER_MS,
        7 | 8 => t / 1000 * 1000,
        _ => t,
    }
}

macro_rules! single {
    ($b:expr, $r:expr, $v:expr, $dec:expr) => {{
        let v = $v;
        single($b, $r, v, $dec)
    }};
}

macro_rules! int64 {
    ($b:expr, $r:expr, $v:expr) => {{
        let v = $v;
        int64($b, $r, v)
    }};
}

macro_rules! opt {
    ($b:expr, $r:expr, $key:literal, $null:expr, $absent:expr, $val:expr) => {
        match presence($r, $null, $absent) {
            P::Value => {
                key($b, concat!("\"", $key, "\":").as_bytes());
                $val;
            }
            P::Null => {
                key($b, concat!("\"", $key, "\":null").as_bytes());
            }
            P::Absent => {}
        }
    };
}

fn write_network(b: &mut Vec<u8>, r: &mut Rng, bad: bool) {
    let conn = r.pick(CONNECTION_TYPES);
    let wifi = conn == b"wifi";
    b.push(b'{');
    let (a, c) = (r.below(255), r.below(255));
    opt!(b, r, "ipAddress", 20, 10, {
        b.push(b'"');
        write_ip_raw(b, 10, a, c, 1 + r.below(250));
        b.push(b'"');
    });
    opt!(b, r, "subnet", 30, 10, {
        b.push(b'"');
        write_ip_raw(b, 10, a, c, 0);
        b.push(b'"');
    });
    opt!(b, r, "linkSpeed", 50, 30, {
        if r.chance(150) {
            int64!(b, r, 4_294_967_295)
        } else {
            int64!(
                b,
                r,
                r.one(&[
                    54_000_000,
                    100_000_000,
                    1_000_000_000,
                    866_700_000,
                    300_000_000,
                    10_000_000
                ])
            )
        }
    });
    key(b, b"\"connectionType\":");
    qs(b, conn);
    key(b, b"\"networkTransportProtocol\":");
    qs(
        b,
        r.pick(&[
            (850, &b"udp"[..]),
            (120, b"tcp"),
            (20, b"unknown"),
            (10, b"unknownFutureValue"),
        ]),
    );
    opt!(
        b,
        r,
        "port",
        10,
        10,
        write_u64(b, r.range(1024, 65535) as u64)
    );
    opt!(b, r, "reflexiveIPAddress", 50, 20, {
        b.push(b'"');
        write_ip_raw(
            b,
            r.range(20, 220) as u64,
            r.below(255),
            r.below(255),
            r.below(255),
        );
        b.push(b'"');
    });
    opt!(b, r, "relayIPAddress", 50, 20, {
        b.push(b'"');
        write_ip_raw(b, 52, 112 + r.below(4), r.below(255), r.below(255));
        b.push(b'"');
    });
    opt!(
        b,
        r,
        "relayPort",
        50,
        20,
        write_u64(b, r.range(3478, 59999) as u64)
    );
    opt!(b, r, "macAddress", 50, 20, {
        b.push(b'"');
        for i in 0..6 {
            if i > 0 {
                b.push(b'-');
            }
            let x = r.below(256) as usize;
            b.push(HEX[x >> 4].to_ascii_uppercase());
            b.push(HEX[x & 15].to_ascii_uppercase());
        }
        b.push(b'"');
    });
    opt!(b, r, "dnsSuffix", 400, 50, qs(b, r.one(DNS_SUFFIXES)));
    key(b, b"\"wifiBand\":");
    qs(b, if wifi { r.pick(WIFI_BANDS) } else { b"unknown" });
    key(b, b"\"wifiRadioType\":");
    qs(
        b,
        if wifi {
            r.pick(WIFI_RADIOS)
        } else {
            b"unknown"
        },
    );
    if wifi {
        opt!(b, r, "basicServiceSetIdentifier", 100, 50, {
            b.extend_from_slice(b"\"");
            for i in 0..6 {
                if i > 0 {
                    b.push(b'-');
                }
                let x = r.below(256) as usize;
                b.push(HEX[x >> 4]);
                b.push(HEX[x & 15]);
            }
            b.push(b'"');
        });
        opt!(
            b,
            r,
            "wifiChannel",
            50,
            20,
            write_u64(b, r.one(&[1, 6, 11, 36, 40, 44, 48, 149, 153]))
        );
        opt!(
            b,
            r,
            "wifiSignalStrength",
            50,
            20,
            write_u64(b, r.range(20, 100) as u64)
        );
        opt!(
            b,
            r,
            "wifiBatteryCharge",
            400,
            20,
            write_u64(b, r.range(0, 100) as u64)
        );
        opt!(
            b,
            r,
            "wifiMicrosoftDriver",
            200,
            50,
            qs(b, b"Microsoft Corporation")
        );
        opt!(
            b,
            r,
            "wifiMicrosoftDriverVersion",
            200,
            50,
            qs(b, b"10.0.22621.1")
        );
        opt!(
            b,
            r,
            "wifiVendorDriver",
            200,
            50,
            qs(b, r.one(WIFI_VENDORS))
        );
        opt!(
            b,
            r,
            "wifiVendorDriverVersion",
            200,
            50,
            qs(b, b"22.250.1.2")
        );
    } else if r.chance(300) {
        b.extend_from_slice(b",\"basicServiceSetIdentifier\":null,\"wifiChannel\":null,\"wifiSignalStrength\":null,\"wifiBatteryCharge\":null,\"wifiMicrosoftDriver\":null,\"wifiMicrosoftDriverVersion\":null,\"wifiVendorDriver\":null,\"wifiVendorDriverVersion\":null");
    }
    let f = if bad { 8.0 } else { 1.0 };
    opt!(
        b,
        r,
        "sentQualityEventRatio",
        30,
        20,
        single!(b, r, ratio(r, 700, 0.05 * f, 1.0), 2)
    );
    opt!(
        b,
        r,
        "receivedQualityEventRatio",
        30,
        20,
        single!(b, r, ratio(r, 700, 0.05 * f, 1.0), 2)
    );
    opt!(
        b,
        r,
        "delayEventRatio",
        30,
        20,
        single!(b, r, ratio(r, 800, 0.03 * f, 1.0), 2)
    );
    opt!(
        b,
        r,
        "bandwidthLowEventRatio",
        30,
        20,
        single!(b, r, ratio(r, 800, 0.03 * f, 1.0), 2)
    );
    key(b, b"\"traceRouteHops\":[");
    let hops = if r.chance(400) { 0 } else { r.range(1, 9) };
    let mut rtt = 0.5;
    for h in 0..hops {
        rtt += r.lognormal(2.0, 1.0);
        sep(b);
        b.push(b'{');
        opt!(b, r, "hopCount", 10, 10, write_u64(b, (h + 1) as u64));
        opt!(b, r, "ipAddress", 50, 10, {
            b.push(b'"');
            write_ip_raw(
                b,
                r.range(10, 200) as u64,
                r.below(255),
                r.below(255),
                r.below(255),
            );
            b.push(b'"');
        });
        opt!(
            b,
            r,
            "roundTripTime",
            50,
            10,
            write_duration(b, {
                let t = (rtt * TICKS_PER_MS as f64) as i64;
                if r.chance(5) { -t / 100 } else { t }
            })
        );
        b.push(b'}');
    }
    b.push(b']');
    b.push(b'}');
}

fn write_device(b: &mut Vec<u8>, r: &mut Rng) {
    b.push(b'{');
    let ascii = r.chance(100);
    opt!(
        b,
        r,
        "captureDeviceName",
        50,
        30,
        write_escaped(b, r.one(DEVICE_CAPTURE), ascii)
    );
    opt!(b, r, "captureDeviceDriver", 300, 100, qs(b, r.one(DRIVERS)));
    opt!(
        b,
        r,
        "renderDeviceName",
        50,
        30,
        write_escaped(b, r.one(DEVICE_RENDER), ascii)
    );
    opt!(b, r, "renderDeviceDriver", 300, 100, qs(b, r.one(DRIVERS)));
    opt!(
        b,
        r,
        "receivedSignalLevel",
        60,
        30,
        write_i64(b, r.range(-40, 0))
    );
    opt!(
        b,
        r,
        "receivedNoiseLevel",
        60,
        30,
        write_i64(b, r.range(-95, -40))
    );
    opt!(
        b,
        r,
        "sentSignalLevel",
        100,
        100,
        write_i64(b, r.range(-40, 0))
    );
    opt!(
        b,
        r,
        "sentNoiseLevel",
        100,
        100,
        write_i64(b, r.range(-95, -40))
    );
    opt!(
        b,
        r,
        "initialSignalLevelRootMeanSquare",
        80,
        40,
        single!(b, r, r.lognormal(100.0, 0.8), 5)
    );
    opt!(
        b,
        r,
        "captureNotFunctioningEventRatio",
        80,
        40,
        single!(b, r, ratio(r, 950, 0.1, 1.0), 2)
    );
    opt!(
        b,
        r,
        "cpuInsufficentEventRatio",
        80,
        40,
        single!(b, r, ratio(r, 900, 0.05, 1.0), 2)
    );
    opt!(
        b,
        r,
        "deviceClippingEventRatio",
        80,
        40,
        single!(b, r, ratio(r, 900, 0.02, 1.0), 2)
    );
    opt!(
        b,
        r,
        "deviceGlitchEventRatio",
        80,
        40,
        single!(b, r, ratio(r, 850, 0.03, 1.0), 2)
    );
    opt!(
        b,
        r,
        "howlingEventCount",
        80,
        40,
        write_u64(
            b,
            if r.chance(950) {
                0
            } else {
                r.range(1, 20) as u64
            }
        )
    );
    opt!(
        b,
        r,
        "lowSpeechLevelEventRatio",
        80,
        40,
        single!(b, r, ratio(r, 800, 0.05, 1.0), 2)
    );
    opt!(
        b,
        r,
        "lowSpeechToNoiseEventRatio",
        80,
        40,
        single!(b, r, ratio(r, 850, 0.05, 1.0), 2)
    );
    opt!(
        b,
        r,
        "micGlitchRate",
        80,
        40,
        single!(b, r, r.lognormal(30.0, 1.5).min(100_000.0), 0)
    );
    opt!(
        b,
        r,
        "speakerGlitchRate",
        80,
        40,
        single!(b, r, r.lognormal(40.0, 1.8).min(100_000.0), 0)
    );
    opt!(
        b,
        r,
        "renderMuteEventRatio",
        80,
        40,
        single!(b, r, ratio(r, 800, 0.5, 0.8), 2)
    );
    opt!(
        b,
        r,
        "renderNotFunctioningEventRatio",
        80,
        40,
        single!(b, r, ratio(r, 950, 0.1, 1.0), 2)
    );
    opt!(
        b,
        r,
        "renderZeroVolumeEventRatio",
        80,
        40,
        single!(b, r, ratio(r, 850, 0.5, 0.8), 2)
    );
    b.push(b'}');
}

#[allow(clippy::too_many_arguments)]
fn write_stream(
    b: &mut Vec<u8>,
    r: &mut Rng,
    kind: MediaKind,
    dir: &[u8],
    id: u64,
    bad: bool,
    start: i64,
    end: i64,
) {
    let audio = kind == MediaKind::Audio;
    let video = matches!(kind, MediaKind::Video | MediaKind::Vbss);
    let f = if bad { 6.0 } else { 1.0 };
    sep(b);
    b.push(b'{');
    if r.chance(20) {
        key(
            b,
            b"\"@odata.type\":\"#microsoft.graph.callRecords.mediaStream\"",
        );
    }
    opt!(b, r, "streamId", 5, 5, {
        b.push(b'"');
        write_u64(b, id);
        b.push(b'"');
    });
    if !dir.is_empty() {
        key(b, b"\"streamDirection\":");
        qs(b, dir);
    }
    let len = end - start;
    opt!(
        b,
        r,
        "startDateTime",
        100,
        300,
        write_ts(
            b,
            start + (len as f64 * 0.05 * r.unit()) as i64,
            TsStyle {
                trim: false,
                offset_min: 0
            }
        )
    );
    opt!(
        b,
        r,
        "endDateTime",
        100,
        300,
        write_ts(
            b,
            end - (len as f64 * 0.05 * r.unit()) as i64,
            TsStyle {
                trim: false,
                offset_min: 0
            }
        )
    );

    // Jitter: median ~15 ms, heavy tail.
    let jitter = r.lognormal(15.0 * f, 0.55);
    opt!(
        b,
        r,
        "averageJitter",
        60,
        20,
        write_duration(b, ms_ticks(r, jitter))
    );
    opt!(b, r, "maxJitter", 60, 20, {
        let v = jitter * (1.0 + r.lognormal(0.5, 0.6));
        write_duration(b, ms_ticks(r, v))
    });
    // Round trip: median ~60 ms, heavy tail.
    let rtt = r.lognormal(60.0 * f, 0.8);
    let rtt_ticks = if r.below(5000) == 0 {
        // A long-lived outlier, written with hours and days.
        r.range(TICKS_PER_HOUR, 2 * TICKS_PER_DAY)
    } else {
        ms_ticks(r, rtt)
    };
    opt!(
        b,
        r,
        "averageRoundTripTime",
        60,
        20,
        write_duration(b, rtt_ticks)
    );
    opt!(b, r, "maxRoundTripTime", 60, 20, {
        let t = if r.below(3000) == 0 {
            r.range(60 * TICKS_PER_SEC, 2 * TICKS_PER_DAY)
        } else {
            {
                let v = rtt * (1.0 + r.lognormal(0.6, 0.7));
                ms_ticks(r, v)
            }
        };
        write_duration(b, t)
    });
    // Packet loss: mostly exactly 0, heavy tail.
    let loss = if bad {
        r.lognormal(0.12, 1.0).min(1.0)
    } else {
        ratio(r, 600, 0.004, 1.6)
    };
    opt!(
        b,
        r,
        "averagePacketLossRate",
        50,
        20,
        single!(b, r, loss, 8)
    );
    opt!(
        b,
        r,
        "maxPacketLossRate",
        50,
        20,
        single!(b, r, (loss * (1.0 + r.lognormal(1.0, 0.7))).min(1.0), 8)
    );
    opt!(b, r, "packetUtilization", 30, 20, {
        let pu = if r.chance(150) {
            r.range(0, 500)
        } else {
            r.lognormal(3000.0, 1.0) as i64 + 501
        };
        int64!(b, r, pu)
    });
    opt!(
        b,
        r,
        "averageBandwidthEstimate",
        80,
        30,
        int64!(b, r, r.lognormal(5_000_000.0, 1.2) as i64)
    );
    opt!(
        b,
        r,
        "wasMediaBypassed",
        50,
        20,
        b.extend_from_slice(if r.chance(30) { b"true" } else { b"false" })
    );
    if audio || r.chance(300) {
        opt!(b, r, "audioCodec", 100, 50, qs(b, r.pick(AUDIO_CODECS)));
        let deg = if bad {
            r.lognormal(1.5, 0.5)
        } else {
            r.lognormal(0.3, 0.9)
        };
        opt!(
            b,
            r,
            "averageAudioDegradation",
            300,
            30,
            single!(b, r, deg.min(5.0), 6)
        );
        let anj = r.lognormal(40.0 * f, 0.9);
        opt!(
            b,
            r,
            "averageAudioNetworkJitter",
            100,
            30,
            write_duration(b, ms_ticks(r, anj))
        );
        opt!(b, r, "maxAudioNetworkJitter", 100, 30, {
            let v = anj * (1.0 + r.lognormal(0.5, 0.5));
            write_duration(b, ms_ticks(r, v))
        });
        let conc = ratio(r, 300, 0.02 * f, 1.0);
        opt!(
            b,
            r,
            "averageRatioOfConcealedSamples",
            200,
            30,
            single!(b, r, conc, 8)
        );
        opt!(
            b,
            r,
            "maxRatioOfConcealedSamples",
            200,
            30,
            single!(b, r, (conc * 1.5).min(1.0), 8)
        );
        opt!(
            b,
            r,
            "isAudioForwardErrorCorrectionUsed",
            100,
            30,
            b.extend_from_slice(if r.chance(400) { b"true" } else { b"false" })
        );
    } else {
        opt!(
            b,
            r,
            "averageAudioDegradation",
            700,
            300,
            single!(b, r, 0.0, 0)
        );
        opt!(
            b,
            r,
            "averageRatioOfConcealedSamples",
            700,
            300,
            single!(b, r, 0.0, 0)
        );
    }
    if video {
        let vbss = kind == MediaKind::Vbss;
        opt!(
            b,
            r,
            "videoCodec",
            80,
            30,
            qs(
                b,
                if vbss && r.chance(400) {
                    b"h264s"
                } else {
                    r.pick(VIDEO_CODECS)
                }
            )
        );
        let fr = if vbss {
            r.lognormal(4.0, 0.8)
        } else {
            r.lognormal(22.0 / f, 0.45)
        }
        .min(60.0);
        opt!(b, r, "averageVideoFrameRate", 60, 30, single!(b, r, fr, 6));
        opt!(
            b,
            r,
            "averageReceivedFrameRate",
            60,
            30,
            single!(b, r, (fr * (0.8 + 0.2 * r.unit())).min(60.0), 6)
        );
        let fl = if bad {
            r.lognormal(30.0, 1.0)
        } else {
            ratio(r, 500, 0.02, 1.0) * 100.0
        };
        opt!(
            b,
            r,
            "averageVideoFrameLossPercentage",
            80,
            30,
            single!(b, r, fl.min(100.0), 5)
        );
        opt!(
            b,
            r,
            "averageVideoPacketLossRate",
            80,
            30,
            single!(b, r, ratio(r, 500, 0.005 * f, 1.5), 8)
        );
        opt!(
            b,
            r,
            "postForwardErrorCorrectionPacketLossRate",
            80,
            30,
            single!(b, r, ratio(r, 600, 0.01 * f, 1.5), 8)
        );
        opt!(
            b,
            r,
            "lowFrameRateRatio",
            80,
            30,
            single!(b, r, ratio(r, 500, 0.05 * f, 1.0), 6)
        );
        opt!(
            b,
            r,
            "lowVideoProcessingCapabilityRatio",
            80,
            30,
            single!(b, r, ratio(r, 800, 0.05, 1.0), 6)
        );
        let freeze = r.lognormal(400.0 * f, 1.0);
        opt!(
            b,
            r,
            "averageFreezeDuration",
            200,
            30,
            write_duration(
                b,
                if r.chance(300) {
                    0
                } else {
                    ms_ticks(r, freeze)
                }
            )
        );
        opt!(
            b,
            r,
            "rmsFreezeDuration",
            200,
            30,
            write_duration(
                b,
                if r.chance(300) {
                    0
                } else {
                    ms_ticks(r, freeze * 1.3)
                }
            )
        );
    } else {
        opt!(b, r, "rmsFreezeDuration", 600, 400, write_duration(b, 0));
        opt!(
            b,
            r,
            "averageFreezeDuration",
            600,
            400,
            write_duration(b, 0)
        );
    }
    if r.chance(10) {
        key(
            b,
            b"\"x-debug\":{\"a\":[1,2],\"note\":\"caf\\u00e9 \\/ 100%\"}",
        );
    }
    b.push(b'}');
}
