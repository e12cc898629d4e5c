//! Re-sent versions of generated documents: what Graph does for hours after a call (a record
//! comes again with a higher `version` and revised metrics), for archives with duplicates.

use std::io::Write;

use super::{GenConfig, GenSummary, Generator};

/// Metrics whose values a re-send revises (halved per version: ratios stay ratios).
const REVISED: [&[u8]; 4] = [
    b"\"averagePacketLossRate\":",
    b"\"maxPacketLossRate\":",
    b"\"averageRatioOfConcealedSamples\":",
    b"\"packetUtilization\":",
];

/// How many lines later a re-send follows its original (re-sends come hours later, so other
/// records come in between).
const RESEND_DELAY: usize = 50;

/// `line` re-sent `k` times: every `"version":V` is `V + k` (kept a string when it was one), and
/// the revised metrics are halved `k` times. Ids and everything else stay as they are.
///
/// ```
/// let line = br#"{"id":"r","version":"3","sessions":[{"id":"s","segments":[{"media":[{"streams":[{"packetUtilization":100,"maxPacketLossRate":0.5}]}]}]}]}"#;
/// let mut out = Vec::new();
/// callq::generate::resend(line, 2, &mut out);
/// assert_eq!(
///     String::from_utf8(out).unwrap(),
///     r#"{"id":"r","version":"5","sessions":[{"id":"s","segments":[{"media":[{"streams":[{"packetUtilization":25,"maxPacketLossRate":0.125}]}]}]}]}"#
/// );
/// ```
pub fn resend(line: &[u8], k: u32, out: &mut Vec<u8>) {
    let mut at = 0;
    while at < line.len() {
        let rest = &line[at..];
        let key = if rest.starts_with(b"\"version\":") {
            Some((b"\"version\":".len(), true))
        } else {
            REVISED
                .iter()
                .find(|key| rest.starts_with(key))
                .map(|key| (key.len(), false))
        };
        let Some((key_len, version)) = key else {
            out.push(line[at]);
            at += 1;
            continue;
        };
        out.extend_from_slice(&rest[..key_len]);
        at += key_len;
        let quoted = line.get(at) == Some(&b'"');
        let start = at + usize::from(quoted);
        let end = start
            + line[start..]
                .iter()
                .position(|b| !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                .unwrap_or(line.len() - start);
        let text = std::str::from_utf8(&line[start..end]).unwrap_or("");
        let new = if version {
            text.parse::<i64>()
                .ok()
                .map(|v| (v + i64::from(k)).to_string())
        } else if let Ok(n) = text.parse::<i64>() {
            Some((n >> k.min(63)).to_string())
        } else {
            text.parse::<f64>()
                .ok()
                .map(|x| format!("{:?}", x / f64::from(1u32 << k.min(31))))
        };
        // Not a number (null): left as it was.
        if let Some(new) = new {
            if quoted {
                out.push(b'"');
            }
            out.extend_from_slice(new.as_bytes());
            at = end;
        }
    }
}

/// [`generate`](super::generate) with every document re-sent `versions - 1` times (each a
/// version higher, its metrics revised; see [`resend`]), 50 documents after the
/// one before it. Pages of sessions have no version: their re-sends are plain copies whose
/// metrics differ, and the last one counts. `config.size` bounds the original documents; the
/// output is about `versions` times as large.
pub fn generate_versions<W: Write>(
    config: &GenConfig,
    versions: u32,
    mut out: W,
) -> std::io::Result<GenSummary> {
    let versions = versions.max(1);
    let mut g = Generator::new(config.seed, config.shape);
    let mut buf = Vec::new();
    let mut pending: std::collections::VecDeque<(usize, u32, Vec<u8>, super::LineSummary)> =
        std::collections::VecDeque::new();
    let mut sum = GenSummary::default();
    let mut originals = 0u64;
    let mut n = 0usize;
    let mut batch = Vec::with_capacity(1 << 20);
    let count = |l: &super::LineSummary, bytes: u64, sum: &mut GenSummary| {
        sum.bytes += bytes;
        sum.add_document(l);
    };
    loop {
        let more = originals < config.size;
        while let Some((due, ..)) = pending.front() {
            if more && *due > n {
                break;
            }
            let (_, k, line, l) = pending.pop_front().expect("just seen");
            let start = batch.len();
            resend(&line[..line.len() - 1], k, &mut batch);
            batch.push(b'\n');
            count(&l, (batch.len() - start) as u64, &mut sum);
            if k + 1 < versions {
                pending.push_back((n + RESEND_DELAY, k + 1, line, l));
            }
        }
        if !more {
            break;
        }
        buf.clear();
        let l = g.next_line(&mut buf);
        originals += l.bytes;
        count(&l, l.bytes, &mut sum);
        batch.extend_from_slice(&buf);
        if versions > 1 {
            pending.push_back((n + RESEND_DELAY, 1, buf.clone(), l));
        }
        n += 1;
        if batch.len() >= 1 << 20 {
            out.write_all(&batch)?;
            batch.clear();
        }
    }
    out.write_all(&batch)?;
    out.flush()?;
    Ok(sum)
}
