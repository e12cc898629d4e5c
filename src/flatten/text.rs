//! The text forms of rows: CSV (RFC 4180, with a header) and NDJSON (one object per row).

use std::io::{self, Write};

use super::{RowBatch, Value};
use crate::classify::Reasons;

/// An instant in microseconds since the epoch as RFC 3339 in UTC with six decimals
/// (`2026-11-02T14:03:05.123456Z`), as DuckDB, Spark and Polars read it.
pub(crate) fn timestamp(us: i64) -> String {
    let mut out = Vec::with_capacity(27);
    push_timestamp(&mut out, us);
    String::from_utf8(out).unwrap_or_default()
}

/// Appends `n` as `width` digits (zero-padded; `n` is below 10^width).
fn push_digits(out: &mut Vec<u8>, mut n: u64, width: usize) {
    let start = out.len();
    out.resize(start + width, b'0');
    for i in (0..width).rev() {
        out[start + i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// Appends [`timestamp`]'s text without allocating.
fn push_timestamp(out: &mut Vec<u8>, us: i64) {
    let secs = us.div_euclid(1_000_000);
    let frac = us.rem_euclid(1_000_000) as u64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400) as u64;
    let (y, m, d) = civil_from_days(days);
    if (0..10_000).contains(&y) {
        push_digits(out, y as u64, 4);
    } else {
        out.extend_from_slice(y.to_string().as_bytes());
    }
    out.push(b'-');
    push_digits(out, u64::from(m), 2);
    out.push(b'-');
    push_digits(out, u64::from(d), 2);
    out.push(b'T');
    push_digits(out, rem / 3600, 2);
    out.push(b':');
    push_digits(out, rem / 60 % 60, 2);
    out.push(b':');
    push_digits(out, rem % 60, 2);
    out.push(b'.');
    push_digits(out, frac, 6);
    out.push(b'Z');
}

/// Appends an integer in decimal without allocating.
fn push_int(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    let mut v = n.unsigned_abs();
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// The proleptic Gregorian date of a day number (days since 1970-01-01), after Howard
/// Hinnant's `civil_from_days`.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Writes the CSV header: the column names, comma-separated, CRLF-free (LF line ends).
pub fn write_csv_header(batch_columns: &[super::Column], out: &mut impl Write) -> io::Result<()> {
    let mut line = Vec::new();
    for (i, c) in batch_columns.iter().enumerate() {
        if i > 0 {
            line.push(b',');
        }
        csv_field(&mut line, c.name().as_bytes());
    }
    line.push(b'\n');
    out.write_all(&line)
}

/// Appends a CSV field, quoted when it holds a comma, a quote, CR or LF (quotes doubled), or
/// when it is empty (so that an empty string is told apart from a missing value, which is
/// written as nothing).
fn csv_field(out: &mut Vec<u8>, s: &[u8]) {
    if s.is_empty()
        || memchr::memchr3(b',', b'"', b'\n', s).is_some()
        || memchr::memchr(b'\r', s).is_some()
    {
        out.push(b'"');
        for &b in s {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(s);
    }
}

fn reasons_joined(out: &mut Vec<u8>, r: Reasons, sep: &[u8], quote: bool) {
    let mut first = true;
    for (reason, name) in Reasons::ALL {
        if r.contains(reason) {
            if !first {
                out.extend_from_slice(sep);
            }
            if quote {
                out.push(b'"');
            }
            out.extend_from_slice(name.as_bytes());
            if quote {
                out.push(b'"');
            }
            first = false;
        }
    }
}

/// Appends row `row` of `batch` as a CSV record (LF-terminated). Missing values are empty
/// fields; timestamps RFC 3339 UTC; reasons `;`-joined; doubles in their shortest
/// round-trip form.
pub fn write_csv_row(batch: &RowBatch, row: usize, out: &mut Vec<u8>) {
    csv_record((0..batch.columns().len()).map(|k| batch.value(row, k)), out);
}

/// Appends one CSV record of `values`.
pub(crate) fn csv_record<'v>(values: impl Iterator<Item = Value<'v>>, out: &mut Vec<u8>) {
    let mut num = ryu::Buffer::new();
    for (k, v) in values.enumerate() {
        if k > 0 {
            out.push(b',');
        }
        match v {
            Value::Null => {}
            Value::String(s) => csv_field(out, s.as_bytes()),
            Value::Int(n) => push_int(out, n),
            Value::Float(x) => out.extend_from_slice(num.format_finite(x).as_bytes()),
            Value::Timestamp(us) => push_timestamp(out, us),
            Value::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
            Value::Reasons(r) => reasons_joined(out, r, b";", false),
        }
    }
    out.push(b'\n');
}

/// Appends row `row` of `batch` as one JSON object and a newline: the columns in table order,
/// a missing value left out; timestamps as RFC 3339 UTC strings; reasons as arrays.
pub fn write_ndjson_row(batch: &RowBatch, row: usize, out: &mut Vec<u8>) {
    ndjson_record(
        batch
            .columns()
            .iter()
            .enumerate()
            .map(|(k, c)| (c.name(), batch.value(row, k))),
        out,
    );
}

/// Appends one NDJSON object of `(name, value)` members.
pub(crate) fn ndjson_record<'v>(
    members: impl Iterator<Item = (&'v str, Value<'v>)>,
    out: &mut Vec<u8>,
) {
    let mut num = ryu::Buffer::new();
    out.push(b'{');
    let mut first = true;
    for (name, v) in members {
        // A missing value is a missing member (every JSON reader takes it as null; rows are
        // about half the size).
        if v == Value::Null {
            continue;
        }
        if !first {
            out.push(b',');
        }
        first = false;
        // Column names are plain ASCII identifiers: no escaping needed.
        out.push(b'"');
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"\":");
        match v {
            Value::Null => out.extend_from_slice(b"null"),
            Value::String(s) => {
                // Writing a string into a Vec cannot fail.
                let _ = serde_json::to_writer(&mut *out, s);
            }
            Value::Int(n) => push_int(out, n),
            Value::Float(x) => out.extend_from_slice(num.format_finite(x).as_bytes()),
            Value::Timestamp(us) => {
                out.push(b'"');
                push_timestamp(out, us);
                out.push(b'"');
            }
            Value::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
            Value::Reasons(r) => {
                out.push(b'[');
                reasons_joined(out, r, b",", true);
                out.push(b']');
            }
        }
    }
    out.extend_from_slice(b"}\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(timestamp(-1), "1969-12-31T23:59:59.999999Z");
        // 2026-11-02T14:03:05.123456Z
        assert_eq!(
            timestamp(1_793_628_185_123_456),
            "2026-11-02T14:03:05.123456Z"
        );
        assert_eq!(
            timestamp(951_782_400_000_000),
            "2000-02-29T00:00:00.000000Z"
        );
    }

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        let mut out = Vec::new();
        csv_field(&mut out, b"a,b");
        out.push(b'|');
        csv_field(&mut out, b"say \"hi\"");
        out.push(b'|');
        csv_field(&mut out, b"");
        out.push(b'|');
        csv_field(&mut out, b"plain");
        assert_eq!(out, b"\"a,b\"|\"say \"\"hi\"\"\"|\"\"|plain");
    }
}
