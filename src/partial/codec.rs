//! The primitives of the partial format: LEB128 varints, zigzag, little-endian fixed-width
//! numbers and length-prefixed UTF-8 strings (docs/partial-format.md, "Primitives").

use std::fmt;

/// What is wrong with a partial's bytes, and where (a byte offset from the file's start).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// Byte offset of the problem from the start of the file.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.offset, self.message)
    }
}

/// Appends encoded values to a byte buffer.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    pub(crate) buf: Vec<u8>,
}

impl Writer {
    pub(crate) fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    pub(crate) fn bool(&mut self, v: bool) {
        self.buf.push(u8::from(v));
    }

    /// An unsigned LEB128 varint.
    pub(crate) fn uvar(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    /// A signed varint (zigzag, then LEB128).
    pub(crate) fn svar(&mut self, v: i64) {
        self.uvar(((v << 1) ^ (v >> 63)) as u64);
    }

    pub(crate) fn f64(&mut self, v: f64) {
        self.buf.extend_from_slice(&v.to_bits().to_le_bytes());
    }

    pub(crate) fn u64_le(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub(crate) fn i128_le(&mut self, v: i128) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub(crate) fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    /// The length, then the bytes.
    pub(crate) fn bytes(&mut self, b: &[u8]) {
        self.uvar(b.len() as u64);
        self.buf.extend_from_slice(b);
    }

    pub(crate) fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.u8(0),
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
        }
    }
}

/// Reads encoded values from a byte slice; every read checks the bounds.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Added to positions in errors (the body's offset in the file).
    base: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8], base: usize) -> Self {
        Reader { buf, pos: 0, base }
    }

    /// An error at the current position.
    pub(crate) fn error(&self, message: impl Into<String>) -> DecodeError {
        DecodeError {
            offset: self.base + self.pos,
            message: message.into(),
        }
    }

    pub(crate) fn is_at_end(&self) -> bool {
        self.pos == self.buf.len()
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], DecodeError> {
        if self.buf.len() - self.pos < n {
            return Err(self.error(format!("the {what} runs past the end of the data")));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub(crate) fn u8(&mut self, what: &str) -> Result<u8, DecodeError> {
        Ok(self.take(1, what)?[0])
    }

    pub(crate) fn bool(&mut self, what: &str) -> Result<bool, DecodeError> {
        match self.u8(what)? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(self.error(format!("{what}: {b} is not a boolean (0 or 1)"))),
        }
    }

    pub(crate) fn uvar(&mut self, what: &str) -> Result<u64, DecodeError> {
        // Most varints (bucket gaps and counts) are one byte.
        if let Some(&b) = self.buf.get(self.pos)
            && b < 0x80
        {
            self.pos += 1;
            return Ok(u64::from(b));
        }
        let mut v: u64 = 0;
        for i in 0..10 {
            let b = self.u8(what)?;
            let bits = u64::from(b & 0x7f);
            if i == 9 && b > 1 {
                return Err(self.error(format!("{what}: varint longer than 64 bits")));
            }
            v |= bits << (7 * i);
            if b & 0x80 == 0 {
                if b == 0 && i > 0 {
                    return Err(self.error(format!("{what}: varint with a redundant byte")));
                }
                return Ok(v);
            }
        }
        unreachable!("the tenth byte ends the varint or fails")
    }

    /// A varint that must be at most `max`.
    pub(crate) fn uvar_max(&mut self, max: u64, what: &str) -> Result<u64, DecodeError> {
        let v = self.uvar(what)?;
        if v > max {
            return Err(self.error(format!("{what}: {v} is more than {max}")));
        }
        Ok(v)
    }

    pub(crate) fn svar(&mut self, what: &str) -> Result<i64, DecodeError> {
        let u = self.uvar(what)?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }

    pub(crate) fn f64(&mut self, what: &str) -> Result<f64, DecodeError> {
        let b = self.take(8, what)?;
        Ok(f64::from_bits(u64::from_le_bytes(
            b.try_into().expect("8 bytes"),
        )))
    }

    pub(crate) fn u64_le(&mut self, what: &str) -> Result<u64, DecodeError> {
        let b = self.take(8, what)?;
        Ok(u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }

    pub(crate) fn i128_le(&mut self, what: &str) -> Result<i128, DecodeError> {
        let b = self.take(16, what)?;
        Ok(i128::from_le_bytes(b.try_into().expect("16 bytes")))
    }

    /// What [`Writer::bytes`] wrote.
    pub(crate) fn bytes(&mut self, what: &str) -> Result<&'a [u8], DecodeError> {
        let len = self.uvar(what)?;
        let len = usize::try_from(len)
            .ok()
            .filter(|&l| l <= self.buf.len() - self.pos)
            .ok_or_else(|| self.error(format!("the {what} runs past the end of the data")))?;
        self.take(len, what)
    }

    pub(crate) fn str(&mut self, what: &str) -> Result<String, DecodeError> {
        let bytes = self.bytes(what)?;
        let at = self.pos - bytes.len();
        String::from_utf8(bytes.to_vec()).map_err(|_| DecodeError {
            offset: self.base + at,
            message: format!("{what}: not UTF-8"),
        })
    }

    pub(crate) fn opt_str(&mut self, what: &str) -> Result<Option<String>, DecodeError> {
        Ok(if self.bool(what)? {
            Some(self.str(what)?)
        } else {
            None
        })
    }

    /// A count of items, each at least `min_bytes` long, so that a corrupt count cannot make
    /// a reader reserve more than the data could hold.
    pub(crate) fn count(&mut self, min_bytes: usize, what: &str) -> Result<usize, DecodeError> {
        let n = self.uvar(what)?;
        let room = (self.buf.len() - self.pos) / min_bytes.max(1);
        usize::try_from(n)
            .ok()
            .filter(|&n| n <= room)
            .ok_or_else(|| self.error(format!("{what}: {n} items cannot fit in the data left")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip() {
        let mut w = Writer::default();
        let us = [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX];
        let ss = [0, -1, 1, i64::MIN, i64::MAX, -300];
        for &u in &us {
            w.uvar(u);
        }
        for &s in &ss {
            w.svar(s);
        }
        let mut r = Reader::new(&w.buf, 0);
        for &u in &us {
            assert_eq!(r.uvar("u").unwrap(), u);
        }
        for &s in &ss {
            assert_eq!(r.svar("s").unwrap(), s);
        }
        assert!(r.is_at_end());
        // Overlong and too long varints are refused.
        assert!(Reader::new(&[0x80, 0x00], 0).uvar("x").is_err());
        assert!(Reader::new(&[0xff; 11], 0).uvar("x").is_err());
        assert!(Reader::new(&[0x80], 0).uvar("x").is_err());
    }
}
