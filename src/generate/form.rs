//! The forms a generated archive can take besides NDJSON: pretty-printed documents, one
//! top-level array, or Graph `$batch` replies, as scripts, the Microsoft 365 CLI and batch
//! pipelines save them. The documents are the generator's, byte for byte apart from
//! whitespace, so every form of one seed and size holds the same statistics.

use std::io::Write;

use super::{GenConfig, GenSummary, Generator};

/// How generated documents are laid out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Form {
    /// One document per line (`.ndjson`).
    #[default]
    Ndjson,
    /// Each document pretty-printed with a two-space indent, one after another (a `.json`
    /// JSON text sequence).
    Pretty,
    /// One top-level JSON array of the documents, one element per line (`.json`).
    Array,
    /// Graph `$batch` replies of 20 documents each (`{"responses":[{"id":…,"status":200,
    /// "body":…}]}`), one reply per line.
    Batch,
}

/// Documents per `$batch` reply (Graph's limit for one batch request).
pub const BATCH_SIZE: usize = 20;

impl std::str::FromStr for Form {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "ndjson" => Ok(Form::Ndjson),
            "pretty" => Ok(Form::Pretty),
            "array" => Ok(Form::Array),
            "batch" => Ok(Form::Batch),
            other => Err(format!(
                "unknown form `{other}`: expected ndjson, pretty, array or batch"
            )),
        }
    }
}

/// Writes the documents [`generate`](super::generate) would write, in `form`, until at least
/// `config.size` bytes are out (the array's closing bracket may pass it). `lines` in the
/// summary counts documents.
///
/// ```
/// use callq::generate::{Form, GenConfig, Shape, generate_form};
///
/// let config = GenConfig { seed: 7, size: 50_000, shape: Shape::Sessions };
/// let mut array = Vec::new();
/// let summary = generate_form(&config, Form::Array, &mut array)?;
/// let docs: Vec<serde_json::Value> = serde_json::from_slice(&array).unwrap();
/// assert_eq!(docs.len() as u64, summary.lines);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn generate_form<W: Write>(
    config: &GenConfig,
    form: Form,
    mut out: W,
) -> std::io::Result<GenSummary> {
    if form == Form::Ndjson {
        return super::generate(config, out);
    }
    const BATCH: usize = 1 << 20;
    let mut g = Generator::new(config.seed, config.shape);
    let mut line = Vec::new();
    let mut buf = Vec::with_capacity(BATCH + (1 << 20));
    let mut sum = GenSummary::default();
    let mut written = 0u64;
    let mut in_batch = 0;
    if form == Form::Array {
        buf.extend_from_slice(b"[\n");
    }
    while written + (buf.len() as u64) < config.size || sum.lines == 0 {
        line.clear();
        let l = g.next_line(&mut line);
        let doc = line.strip_suffix(b"\n").unwrap_or(&line);
        match form {
            Form::Ndjson => unreachable!("handled above"),
            Form::Pretty => {
                pretty_print(doc, &mut buf);
                buf.push(b'\n');
            }
            Form::Array => {
                if sum.lines > 0 {
                    buf.extend_from_slice(b",\n");
                }
                buf.extend_from_slice(doc);
            }
            Form::Batch => {
                buf.extend_from_slice(if in_batch == 0 {
                    b"{\"responses\":[".as_slice()
                } else {
                    b",".as_slice()
                });
                buf.extend_from_slice(
                    format!("{{\"id\":\"{}\",\"status\":200,\"headers\":{{\"Content-Type\":\"application/json\"}},\"body\":", in_batch + 1).as_bytes(),
                );
                buf.extend_from_slice(doc);
                buf.push(b'}');
                in_batch += 1;
                if in_batch == BATCH_SIZE {
                    buf.extend_from_slice(b"]}\n");
                    in_batch = 0;
                }
            }
        }
        sum.add_document(&l);
        if buf.len() >= BATCH {
            out.write_all(&buf)?;
            written += buf.len() as u64;
            buf.clear();
        }
    }
    match form {
        Form::Array => buf.extend_from_slice(b"\n]\n"),
        Form::Batch if in_batch > 0 => buf.extend_from_slice(b"]}\n"),
        _ => {}
    }
    out.write_all(&buf)?;
    written += buf.len() as u64;
    out.flush()?;
    sum.bytes = written;
    Ok(sum)
}

/// Appends `json` (compact JSON text) pretty-printed with a two-space indent, keeping every
/// token's bytes (numbers and strings are copied, never re-formatted).
pub fn pretty_print(json: &[u8], out: &mut Vec<u8>) {
    let newline = |out: &mut Vec<u8>, depth: usize| {
        out.push(b'\n');
        out.extend(std::iter::repeat_n(b' ', 2 * depth));
    };
    let mut depth = 0usize;
    let mut i = 0;
    while i < json.len() {
        let b = json[i];
        match b {
            b'"' => {
                let start = i;
                i += 1;
                while i < json.len() && json[i] != b'"' {
                    i += if json[i] == b'\\' { 2 } else { 1 };
                }
                out.extend_from_slice(&json[start..(i + 1).min(json.len())]);
            }
            b'{' | b'[' => {
                let close = if b == b'{' { b'}' } else { b']' };
                if json.get(i + 1) == Some(&close) {
                    out.extend_from_slice(&[b, close]);
                    i += 1;
                } else {
                    out.push(b);
                    depth += 1;
                    newline(out, depth);
                }
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                newline(out, depth);
                out.push(b);
            }
            b',' => {
                out.push(b',');
                newline(out, depth);
            }
            b':' => out.extend_from_slice(b": "),
            b' ' | b'\t' | b'\n' | b'\r' => {}
            _ => out.push(b),
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::Shape;

    #[test]
    fn pretty_printing_keeps_every_token() {
        let compact = br#"{"a":[1,2.50,{"b":"x,\"}{:"}],"e":{},"f":[],"g":-0.0e1}"#;
        let mut pretty = Vec::new();
        pretty_print(compact, &mut pretty);
        let text = String::from_utf8(pretty.clone()).unwrap();
        assert!(
            text.starts_with("{\n  \"a\": [\n    1,\n    2.50,"),
            "{text}"
        );
        let a: serde_json::Value = serde_json::from_slice(compact).unwrap();
        let b: serde_json::Value = serde_json::from_slice(&pretty).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn every_form_holds_the_same_documents() {
        let config = GenConfig {
            seed: 3,
            size: 120_000,
            shape: Shape::Mixed,
        };
        let mut ndjson = Vec::new();
        generate_form(&config, Form::Ndjson, &mut ndjson).unwrap();
        let docs: Vec<serde_json::Value> = ndjson
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect();
        for form in [Form::Pretty, Form::Array, Form::Batch] {
            let mut out = Vec::new();
            let sum = generate_form(&config, form, &mut out).unwrap();
            assert_eq!(sum.bytes, out.len() as u64);
            let got: Vec<serde_json::Value> = match form {
                Form::Array => serde_json::from_slice(&out).unwrap(),
                Form::Batch => serde_json::Deserializer::from_slice(&out)
                    .into_iter::<serde_json::Value>()
                    .flat_map(|r| {
                        let r = r.unwrap();
                        r["responses"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|e| e["body"].clone())
                            .collect::<Vec<_>>()
                    })
                    .collect(),
                _ => serde_json::Deserializer::from_slice(&out)
                    .into_iter::<serde_json::Value>()
                    .map(Result::unwrap)
                    .collect(),
            };
            assert_eq!(got, docs[..got.len()], "{form:?}");
            assert_eq!(got.len() as u64, sum.lines, "{form:?}");
        }
    }
}
