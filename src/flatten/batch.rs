//! [`RowBatch`]: rows stored column by column, as the parallel pass builds them.

use std::io::{self, Read, Write};

use super::{Column, ColumnKind, StreamRow, Value, columns};
use crate::classify::Reasons;
use crate::dedupe::SessionOrder;

/// One column's values.
#[derive(Clone, Debug)]
pub(crate) enum ColumnData {
    /// Strings: `offsets` has one more entry than rows (Arrow's layout).
    Str {
        offsets: Vec<i32>,
        bytes: Vec<u8>,
        valid: Vec<bool>,
    },
    /// Integers.
    I64 { values: Vec<i64>, valid: Vec<bool> },
    /// Timestamps (microseconds).
    Ts { values: Vec<i64>, valid: Vec<bool> },
    /// Doubles.
    F64 { values: Vec<f64>, valid: Vec<bool> },
    /// Booleans.
    Bool { values: Vec<bool>, valid: Vec<bool> },
    /// Reason sets (never null: a stream without reasons has an empty list).
    Reasons(Vec<u8>),
}

impl ColumnData {
    fn new(kind: ColumnKind) -> Self {
        match kind {
            ColumnKind::String => ColumnData::Str {
                offsets: vec![0],
                bytes: Vec::new(),
                valid: Vec::new(),
            },
            ColumnKind::Int64 => ColumnData::I64 {
                values: Vec::new(),
                valid: Vec::new(),
            },
            ColumnKind::Timestamp => ColumnData::Ts {
                values: Vec::new(),
                valid: Vec::new(),
            },
            ColumnKind::Float64 => ColumnData::F64 {
                values: Vec::new(),
                valid: Vec::new(),
            },
            ColumnKind::Boolean => ColumnData::Bool {
                values: Vec::new(),
                valid: Vec::new(),
            },
            ColumnKind::Reasons => ColumnData::Reasons(Vec::new()),
        }
    }

    #[inline]
    fn push(&mut self, v: Value<'_>) {
        match (self, v) {
            (
                ColumnData::Str {
                    offsets,
                    bytes,
                    valid,
                },
                Value::String(s),
            ) => {
                bytes.extend_from_slice(s.as_bytes());
                offsets.push(i32::try_from(bytes.len()).unwrap_or(i32::MAX));
                valid.push(true);
            }
            (
                ColumnData::Str {
                    offsets,
                    bytes,
                    valid,
                },
                _,
            ) => {
                offsets.push(i32::try_from(bytes.len()).unwrap_or(i32::MAX));
                valid.push(false);
            }
            (ColumnData::I64 { values, valid }, Value::Int(n))
            | (ColumnData::Ts { values, valid }, Value::Timestamp(n)) => {
                values.push(n);
                valid.push(true);
            }
            (ColumnData::I64 { values, valid } | ColumnData::Ts { values, valid }, _) => {
                values.push(0);
                valid.push(false);
            }
            (ColumnData::F64 { values, valid }, Value::Float(x)) => {
                values.push(x);
                valid.push(true);
            }
            (ColumnData::F64 { values, valid }, _) => {
                values.push(0.0);
                valid.push(false);
            }
            (ColumnData::Bool { values, valid }, Value::Bool(b)) => {
                values.push(b);
                valid.push(true);
            }
            (ColumnData::Bool { values, valid }, _) => {
                values.push(false);
                valid.push(false);
            }
            (ColumnData::Reasons(r), Value::Reasons(x)) => r.push(x.bits()),
            (ColumnData::Reasons(r), _) => r.push(0),
        }
    }
}

/// The rows of one session in a batch (for leaving out dropped copies).
#[derive(Clone, Copy, Debug)]
pub(crate) struct SessionRows {
    /// The session's place, when it has an identity (only then can it be dropped).
    pub(crate) order: Option<SessionOrder>,
    /// One past its last row.
    pub(crate) end: u32,
}

/// Rows stored column by column, all in one partition (when the run is partitioned).
///
/// ```
/// use callq::analyze::Analyzer;
/// use callq::flatten::{Flattener, RowBatch, Value, column_index};
///
/// let line = br#"{"value":[{"segments":[{"media":[{"label":"main-video","streams":[{"averageVideoFrameRate":30.0},{}]}]}]}]}"#;
/// let mut batches: Vec<RowBatch> = Vec::new();
/// Flattener::new(Analyzer::new())
///     .run_bytes("a.ndjson", line, &mut |b: &RowBatch| { batches.push(b.clone()); Ok(()) })
///     .unwrap();
/// let fps = column_index("averageVideoFrameRate").unwrap();
/// assert_eq!(batches[0].len(), 2);
/// assert_eq!(batches[0].value(0, fps), Value::Float(30.0));
/// assert_eq!(batches[0].value(1, fps), Value::Null);
/// ```
#[derive(Clone, Debug)]
pub struct RowBatch {
    len: usize,
    with_buildings: bool,
    partition: Option<Box<str>>,
    pub(crate) columns: Vec<ColumnData>,
    pub(crate) sessions: Vec<SessionRows>,
    /// Rows already written as CSV or NDJSON text ([`RowForm`]), instead of `columns`.
    encoded: Option<Vec<u8>>,
    form: RowForm,
}

/// How a sink wants its rows: as column values, or already written as CSV or NDJSON records
/// (the text is then made on the worker threads, in parallel, and the sink only copies it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowForm {
    /// Column values ([`RowBatch::value`]).
    Columns,
    /// CSV records ([`RowBatch::encoded`]), no header.
    Csv,
    /// NDJSON objects ([`RowBatch::encoded`]).
    Ndjson,
}

impl RowBatch {
    /// An empty batch of the table [`columns`]`(with_buildings)`, in `partition` (its Hive
    /// directory name, `day=2026-11-02`; `None` when the run is not partitioned).
    pub fn new(with_buildings: bool, partition: Option<Box<str>>) -> Self {
        RowBatch {
            len: 0,
            with_buildings,
            partition,
            columns: columns(with_buildings)
                .iter()
                .map(|c| ColumnData::new(c.kind()))
                .collect(),
            sessions: Vec::new(),
            encoded: None,
            form: RowForm::Columns,
        }
    }

    /// An empty batch whose rows are written as text in `form` as they are pushed (no column
    /// values are kept: [`value`](Self::value) panics; [`encoded`](Self::encoded) has them).
    pub fn encoding(with_buildings: bool, partition: Option<Box<str>>, form: RowForm) -> Self {
        let mut b = RowBatch::new(with_buildings, partition);
        if form != RowForm::Columns {
            b.columns.clear();
            b.encoded = Some(Vec::new());
            b.form = form;
        }
        b
    }

    /// The rows as text, for a batch made by [`encoding`](Self::encoding).
    pub fn encoded(&self) -> Option<&[u8]> {
        self.encoded.as_deref()
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True without rows.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The partition's directory name (`day=2026-11-02`, `month=2026-11`), when partitioned.
    pub fn partition(&self) -> Option<&str> {
        self.partition.as_deref()
    }

    /// The columns of the rows.
    pub fn columns(&self) -> &'static [Column] {
        columns(self.with_buildings)
    }

    /// Whether the building columns are there.
    pub fn with_buildings(&self) -> bool {
        self.with_buildings
    }

    /// Appends a row.
    #[inline]
    pub fn push(&mut self, row: &StreamRow<'_, '_>) {
        let cols = self.columns();
        match (&mut self.encoded, self.form) {
            (Some(text), RowForm::Csv) => {
                super::text::csv_record(cols.iter().map(|c| row.value(c)), text)
            }
            (Some(text), _) => {
                super::text::ndjson_record(cols.iter().map(|c| (c.name(), row.value(c))), text)
            }
            (None, _) => {
                for (c, data) in cols.iter().zip(self.columns.iter_mut()) {
                    data.push(row.value(c));
                }
            }
        }
        self.len += 1;
    }

    /// Appends a row of `session` (identified by `order`, when it has an identity).
    pub(crate) fn push_in_session(&mut self, row: &StreamRow<'_, '_>, order: Option<SessionOrder>) {
        self.push(row);
        let end = self.len as u32;
        match self.sessions.last_mut() {
            Some(last) if last.order == order && order.is_some() => last.end = end,
            _ => self.sessions.push(SessionRows { order, end }),
        }
    }

    /// Row `row`'s value in column `column` (an index into [`columns`](Self::columns)).
    ///
    /// # Panics
    ///
    /// When either is out of range.
    #[inline]
    pub fn value(&self, row: usize, column: usize) -> Value<'_> {
        assert!(row < self.len, "row {row} of a batch of {}", self.len);
        match &self.columns[column] {
            ColumnData::Str {
                offsets,
                bytes,
                valid,
            } => {
                if !valid[row] {
                    return Value::Null;
                }
                let (a, b) = (offsets[row] as usize, offsets[row + 1] as usize);
                let slice = &bytes[a..b];
                // SAFETY: every row's bytes are a whole `&str`: pushed from one, or read back
                // from the spool by `read_from`, which checks each row's bytes are UTF-8.
                Value::String(unsafe { std::str::from_utf8_unchecked(slice) })
            }
            ColumnData::I64 { values, valid } => {
                if valid[row] {
                    Value::Int(values[row])
                } else {
                    Value::Null
                }
            }
            ColumnData::Ts { values, valid } => {
                if valid[row] {
                    Value::Timestamp(values[row])
                } else {
                    Value::Null
                }
            }
            ColumnData::F64 { values, valid } => {
                if valid[row] {
                    Value::Float(values[row])
                } else {
                    Value::Null
                }
            }
            ColumnData::Bool { values, valid } => {
                if valid[row] {
                    Value::Bool(values[row])
                } else {
                    Value::Null
                }
            }
            ColumnData::Reasons(r) => Value::Reasons(Reasons::from_bits(r[row])),
        }
    }

    /// Appends row `row` of `other` (a batch of the same columns).
    fn push_from(&mut self, other: &RowBatch, row: usize) {
        for (k, data) in self.columns.iter_mut().enumerate() {
            data.push(other.value(row, k));
        }
        self.len += 1;
    }

    /// The batch without the rows of the sessions `drop` says to leave out (a copy only
    /// when some are left out), and how many rows were left out.
    pub(crate) fn without_sessions(self, drop: impl Fn(&SessionOrder) -> bool) -> (RowBatch, u64) {
        if !self
            .sessions
            .iter()
            .any(|s| s.order.as_ref().is_some_and(&drop))
        {
            return (self, 0);
        }
        let mut out = RowBatch::new(self.with_buildings, self.partition.clone());
        let mut start = 0usize;
        let mut dropped = 0u64;
        for s in &self.sessions {
            let end = s.end as usize;
            if s.order.as_ref().is_some_and(&drop) {
                dropped += (end - start) as u64;
            } else {
                for r in start..end {
                    out.push_from(&self, r);
                }
                out.sessions.push(SessionRows {
                    order: s.order,
                    end: out.len as u32,
                });
            }
            start = end;
        }
        (out, dropped)
    }

    // ---- the spool: batches kept on disk until duplicates are known ------------------------

    /// Writes the batch in a private binary form that [`read_from`](Self::read_from) reads.
    pub(crate) fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        let mut buf: Vec<u8> = Vec::with_capacity(self.len * 256);
        put_u64(&mut buf, self.len as u64);
        buf.push(u8::from(self.with_buildings));
        match &self.partition {
            Some(p) => {
                buf.push(1);
                put_bytes(&mut buf, p.as_bytes());
            }
            None => buf.push(0),
        }
        put_u64(&mut buf, self.sessions.len() as u64);
        for s in &self.sessions {
            match s.order {
                Some(o) => {
                    buf.push(1);
                    put_u64(&mut buf, o.offset);
                    buf.extend_from_slice(&o.input.to_le_bytes());
                    buf.extend_from_slice(&o.index.to_le_bytes());
                }
                None => buf.push(0),
            }
            buf.extend_from_slice(&s.end.to_le_bytes());
        }
        for c in &self.columns {
            match c {
                ColumnData::Str {
                    offsets,
                    bytes,
                    valid,
                } => {
                    for o in offsets {
                        buf.extend_from_slice(&o.to_le_bytes());
                    }
                    put_bytes(&mut buf, bytes);
                    put_bools(&mut buf, valid);
                }
                ColumnData::I64 { values, valid } | ColumnData::Ts { values, valid } => {
                    for v in values {
                        buf.extend_from_slice(&v.to_le_bytes());
                    }
                    put_bools(&mut buf, valid);
                }
                ColumnData::F64 { values, valid } => {
                    for v in values {
                        buf.extend_from_slice(&v.to_le_bytes());
                    }
                    put_bools(&mut buf, valid);
                }
                ColumnData::Bool { values, valid } => {
                    put_bools(&mut buf, values);
                    put_bools(&mut buf, valid);
                }
                ColumnData::Reasons(r) => buf.extend_from_slice(r),
            }
        }
        out.write_all(&(buf.len() as u64).to_le_bytes())?;
        out.write_all(&buf)
    }

    /// Reads a batch [`write_to`](Self::write_to) wrote.
    pub(crate) fn read_from(input: &mut impl Read) -> io::Result<RowBatch> {
        let mut len = [0u8; 8];
        input.read_exact(&mut len)?;
        let mut buf = vec![0u8; u64::from_le_bytes(len) as usize];
        input.read_exact(&mut buf)?;
        let mut r = Reader { buf: &buf, at: 0 };
        let rows = r.u64()? as usize;
        let with_buildings = r.u8()? != 0;
        let partition = match r.u8()? {
            0 => None,
            _ => Some(
                String::from_utf8(r.bytes()?.to_vec())
                    .map_err(|_| corrupt())?
                    .into_boxed_str(),
            ),
        };
        let mut batch = RowBatch::new(with_buildings, partition);
        batch.len = rows;
        let n = r.u64()? as usize;
        for _ in 0..n {
            let order = match r.u8()? {
                0 => None,
                _ => Some(SessionOrder {
                    offset: r.u64()?,
                    input: r.u32()?,
                    index: r.u32()?,
                }),
            };
            let end = r.u32()?;
            batch.sessions.push(SessionRows { order, end });
        }
        for c in &mut batch.columns {
            match c {
                ColumnData::Str {
                    offsets,
                    bytes,
                    valid,
                } => {
                    offsets.clear();
                    for _ in 0..=rows {
                        offsets.push(r.u32()? as i32);
                    }
                    *bytes = r.bytes()?.to_vec();
                    *valid = r.bools(rows)?;
                    // `value` relies on every row's bytes being UTF-8, within the buffer.
                    let mut start = 0usize;
                    for (k, &end) in offsets.iter().enumerate() {
                        let end = usize::try_from(end).map_err(|_| corrupt())?;
                        if k > 0 {
                            let row = bytes.get(start..end).ok_or_else(corrupt)?;
                            std::str::from_utf8(row).map_err(|_| corrupt())?;
                        }
                        start = end;
                    }
                }
                ColumnData::I64 { values, valid } | ColumnData::Ts { values, valid } => {
                    for _ in 0..rows {
                        values.push(r.u64()? as i64);
                    }
                    *valid = r.bools(rows)?;
                }
                ColumnData::F64 { values, valid } => {
                    for _ in 0..rows {
                        values.push(f64::from_bits(r.u64()?));
                    }
                    *valid = r.bools(rows)?;
                }
                ColumnData::Bool { values, valid } => {
                    *values = r.bools(rows)?;
                    *valid = r.bools(rows)?;
                }
                ColumnData::Reasons(x) => *x = r.take(rows)?.to_vec(),
            }
        }
        Ok(batch)
    }
}

fn put_u64(buf: &mut Vec<u8>, n: u64) {
    buf.extend_from_slice(&n.to_le_bytes());
}

fn put_bytes(buf: &mut Vec<u8>, b: &[u8]) {
    put_u64(buf, b.len() as u64);
    buf.extend_from_slice(b);
}

fn put_bools(buf: &mut Vec<u8>, b: &[bool]) {
    buf.extend(b.iter().map(|&x| u8::from(x)));
}

fn corrupt() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "the temporary row spool is damaged (was it changed while callq ran?)",
    )
}

struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> io::Result<&'a [u8]> {
        let end = self.at.checked_add(n).ok_or_else(corrupt)?;
        let s = self.buf.get(self.at..end).ok_or_else(corrupt)?;
        self.at = end;
        Ok(s)
    }
    fn u8(&mut self) -> io::Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> io::Result<u32> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().map_err(|_| corrupt())?,
        ))
    }
    fn u64(&mut self) -> io::Result<u64> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().map_err(|_| corrupt())?,
        ))
    }
    fn bytes(&mut self) -> io::Result<&'a [u8]> {
        let n = self.u64()? as usize;
        self.take(n)
    }
    fn bools(&mut self, n: usize) -> io::Result<Vec<bool>> {
        Ok(self.take(n)?.iter().map(|&b| b != 0).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::Analyzer;
    use crate::flatten::Flattener;

    fn batches(data: &[u8], with_buildings: bool) -> Vec<RowBatch> {
        let mut out = Vec::new();
        let mut analyzer = Analyzer::new().keep_duplicates(true);
        if with_buildings {
            let b = crate::buildings::Buildings::parse(
                "b.csv",
                b"10.0.0.0,HQ,8,Main,,,,Oslo,,Norway,,Europe,1,0\n",
            )
            .unwrap();
            analyzer = analyzer.buildings(std::sync::Arc::new(b));
        }
        Flattener::new(analyzer)
            .run_bytes("a.ndjson", data, &mut |b: &RowBatch| {
                out.push(b.clone());
                Ok(())
            })
            .unwrap();
        out
    }

    const LINES: &str = concat!(
        r#"{"@odata.context":"x/callRecords('r1')/sessions","value":[{"id":"s1","startDateTime":"2026-11-02T14:00:00Z","segments":[{"media":[{"label":"main-audio","callerNetwork":{"ipAddress":"10.1.2.3"},"streams":[{"averageJitter":"PT0.045S","packetUtilization":900},{"streamId":"a\"b,c"}]}]}]},"#,
        r#"{"id":"s2","segments":[{"media":[{"label":"main-video","streams":[{"averageVideoFrameRate":7.5}]}]}]}]}"#,
        "\n",
        r#"{"value":[{"segments":[{"media":[{"streams":[{}]}]}]}]}"#,
        "\n"
    );

    fn texts(b: &RowBatch) -> Vec<Vec<String>> {
        (0..b.len())
            .map(|r| {
                (0..b.columns().len())
                    .map(|k| format!("{:?}", b.value(r, k)))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn the_spool_form_reads_back_the_same_rows_and_sessions() {
        for with_buildings in [false, true] {
            for b in batches(LINES.as_bytes(), with_buildings) {
                let mut bytes = Vec::new();
                b.write_to(&mut bytes).unwrap();
                let back = RowBatch::read_from(&mut bytes.as_slice()).unwrap();
                assert_eq!(texts(&back), texts(&b));
                assert_eq!(back.sessions.len(), b.sessions.len());
                assert_eq!(back.partition(), b.partition());
                // A damaged spool is an error, not a panic.
                for cut in [1, bytes.len() / 2, bytes.len() - 1] {
                    assert!(RowBatch::read_from(&mut &bytes[..cut]).is_err());
                }
            }
        }
    }

    #[test]
    fn dropping_a_session_drops_exactly_its_rows() {
        let b = batches(LINES.as_bytes(), false).remove(0);
        assert_eq!(b.len(), 4);
        // s1 (two streams) has an identity; the others do not.
        let first = b.sessions[0].order.unwrap();
        let (kept, dropped) = b.clone().without_sessions(|o| *o == first);
        assert_eq!(dropped, 2);
        assert_eq!(texts(&kept), texts(&b)[2..].to_vec());
        let (same, none) = b.clone().without_sessions(|_| false);
        assert_eq!((texts(&same), none), (texts(&b), 0));
    }
}
