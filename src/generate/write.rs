//! Low-level JSON writing: numbers, strings, GUIDs, addresses, durations and timestamps,
//! appended to a `Vec<u8>` without allocating.

const DIGITS2: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

#[inline]
pub(super) fn write_u64(b: &mut Vec<u8>, mut n: u64) {
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
pub(super) fn write_i64(b: &mut Vec<u8>, n: i64) {
    if n < 0 {
        b.push(b'-');
    }
    write_u64(b, n.unsigned_abs());
}

/// Writes `n` zero-padded to `width` digits.
#[inline]
pub(super) fn write_padded(b: &mut Vec<u8>, n: u64, width: usize) {
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
pub(super) fn write_fixed(b: &mut Vec<u8>, v: f64, dec: usize) {
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
pub(super) fn sep(b: &mut Vec<u8>) {
    match b.last() {
        Some(b'{') | Some(b'[') => {}
        _ => b.push(b','),
    }
}

/// Writes `,"name":` (the argument is the quoted name and colon).
#[inline]
pub(super) fn key(b: &mut Vec<u8>, k: &[u8]) {
    sep(b);
    b.extend_from_slice(k);
}

/// Writes a quoted ASCII string that needs no escaping.
#[inline]
pub(super) fn qs(b: &mut Vec<u8>, s: &[u8]) {
    b.push(b'"');
    b.extend_from_slice(s);
    b.push(b'"');
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Writes `s` as a JSON string. `ascii_only` escapes every non-ASCII character as `\uXXXX`
/// (with surrogate pairs) and `/` as `\/`, as some serializers do.
pub(super) fn write_escaped(b: &mut Vec<u8>, s: &str, ascii_only: bool) {
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
pub(super) fn write_guid_raw(b: &mut Vec<u8>, hi: u64, lo: u64) {
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

pub(super) fn write_guid(b: &mut Vec<u8>, hi: u64, lo: u64) {
    b.push(b'"');
    write_guid_raw(b, hi, lo);
    b.push(b'"');
}

/// Writes a quoted IPv4 address.
pub(super) fn write_ip(b: &mut Vec<u8>, [a, bb, c, d]: [u64; 4]) {
    b.push(b'"');
    write_u64(b, a);
    b.push(b'.');
    write_u64(b, bb);
    b.push(b'.');
    write_u64(b, c);
    b.push(b'.');
    write_u64(b, d);
    b.push(b'"');
}

/// Writes a quoted MAC address (`AA-BB-...`, upper case or not) of six octets drawn by `octet`.
pub(super) fn write_mac(b: &mut Vec<u8>, upper: bool, mut octet: impl FnMut() -> u64) {
    b.push(b'"');
    for i in 0..6 {
        if i > 0 {
            b.push(b'-');
        }
        let x = octet() as usize;
        let (hi, lo) = (HEX[x >> 4], HEX[x & 15]);
        if upper {
            b.push(hi.to_ascii_uppercase());
            b.push(lo.to_ascii_uppercase());
        } else {
            b.push(hi);
            b.push(lo);
        }
    }
    b.push(b'"');
}

/// 100-ns ticks, as .NET's TimeSpan.
pub(super) const TICKS_PER_MS: i64 = 10_000;
pub(super) const TICKS_PER_SEC: i64 = 10_000_000;
pub(super) const TICKS_PER_MIN: i64 = 60 * TICKS_PER_SEC;
pub(super) const TICKS_PER_HOUR: i64 = 60 * TICKS_PER_MIN;
pub(super) const TICKS_PER_DAY: i64 = 24 * TICKS_PER_HOUR;

/// Writes a quoted duration exactly as .NET's `XmlConvert.ToString(TimeSpan)` does.
pub(super) fn write_duration(b: &mut Vec<u8>, ticks: i64) {
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
            write_trimmed_fraction(b, f);
            b.push(b'S');
        }
    }
    b.push(b'"');
}

/// Writes `.` and a 7-digit fraction of ticks without its trailing zeros (nothing for 0), as
/// .NET writes both durations and trimmed timestamps.
fn write_trimmed_fraction(b: &mut Vec<u8>, ticks: u64) {
    if ticks == 0 {
        return;
    }
    let mut f = ticks;
    let mut width = 7;
    while f.is_multiple_of(10) {
        f /= 10;
        width -= 1;
    }
    b.push(b'.');
    write_padded(b, f, width);
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
pub(super) struct TsStyle {
    /// Trim trailing zeros of the fraction (else always 7 digits, as .NET's "o" format).
    pub(super) trim: bool,
    /// Offset in minutes; 0 writes `Z`.
    pub(super) offset_min: i64,
}

/// Writes a quoted DateTimeOffset for `ticks` since the Unix epoch (UTC).
pub(super) fn write_ts(b: &mut Vec<u8>, ticks: i64, st: TsStyle) {
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
    let f = (rest % TICKS_PER_SEC) as u64;
    if st.trim {
        write_trimmed_fraction(b, f);
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
