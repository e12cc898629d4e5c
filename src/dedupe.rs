//! Record identity and duplicates: which copies of a session count.
//!
//! A session's identity is (record id, session `id`); among copies of one identity the one
//! kept comes from the highest record `version` (a page of sessions has none and ranks below
//! every version), then the last in input order (see "Record identity and duplicates" in
//! `docs/contract.md`, and `docs/dedupe.md` for how `callq analyze` applies it).
//!
//! A driver records one [`IdentityRecord`] (40 bytes) per identified session while it reads,
//! hands them to an [`IdentityStore`] (which spills sorted runs to temporary files past its
//! memory budget), and asks it for the [`DedupePlan`]: the losing copies, by their
//! [`SessionOrder`] (input, unit offset, session index within the unit). Everything that
//! counted a losing copy is then recomputed without it.
//!
//! ```
//! use callq::dedupe::{IdentityRecord, IdentityStore, SessionOrder};
//!
//! let at = |input, offset| SessionOrder { input, offset, index: 0 };
//! let mut store = IdentityStore::new(1 << 20);
//! // The same session in two files at version 1, and re-sent at version 2 in the first.
//! store.push(IdentityRecord::new("rec-1", "sess-1", Some(1), at(0, 0))).unwrap();
//! store.push(IdentityRecord::new("rec-1", "sess-1", Some(2), at(0, 900))).unwrap();
//! store.push(IdentityRecord::new("rec-1", "sess-1", Some(1), at(1, 0))).unwrap();
//! // Another session, once.
//! store.push(IdentityRecord::new("rec-2", "sess-1", None, at(1, 400))).unwrap();
//! let plan = store.plan(|_| true).unwrap();
//! assert_eq!(plan.losers(), &[at(0, 0), at(1, 0)]);
//! assert!(plan.is_loser(&at(1, 0)) && !plan.is_loser(&at(0, 900)));
//! // Which byte ranges of input 1 hold a losing copy: only the first 400 bytes.
//! assert!(plan.any_loser_in(1, 0..400) && !plan.any_loser_in(1, 400..800));
//! assert_eq!((plan.identities(), plan.distinct()), (4, 2));
//! ```

use rayon::slice::ParallelSliceMut;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

/// Where a copy of a session is: its input (in the order given), the byte offset of its unit
/// (NDJSON line or JSON text sequence document) in the decompressed input, and its index among
/// the unit's sessions (across the entries of a `$batch` reply). Ordered by input order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SessionOrder {
    /// Byte offset of the unit's first byte.
    pub offset: u64,
    /// Index of the input, in the order given.
    pub input: u32,
    /// Index of the session within its unit, in document order.
    pub index: u32,
}

impl Ord for SessionOrder {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.input, self.offset, self.index).cmp(&(other.input, other.offset, other.index))
    }
}

impl PartialOrd for SessionOrder {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// One copy of an identified session: a 128-bit hash of its identity, its record's version
/// and where it is. 40 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdentityRecord {
    /// The hash of (record id, session id) ([`identity_key`]).
    pub key: [u64; 2],
    /// The record's `version`; `i64::MIN` for none (a page of sessions).
    pub version: i64,
    /// Where the copy is.
    pub order: SessionOrder,
}

impl IdentityRecord {
    /// The record of a copy of session `session_id` of record `record_id`.
    pub fn new(
        record_id: &str,
        session_id: &str,
        version: Option<i64>,
        order: SessionOrder,
    ) -> Self {
        IdentityRecord {
            key: identity_key(record_id, session_id),
            version: version.unwrap_or(i64::MIN),
            order,
        }
    }

    /// The rank among copies of one identity: the kept copy ranks highest.
    fn rank(&self) -> (i64, SessionOrder) {
        (self.version, self.order)
    }

    fn to_bytes(self) -> [u8; 40] {
        let mut b = [0u8; 40];
        b[0..8].copy_from_slice(&self.key[0].to_le_bytes());
        b[8..16].copy_from_slice(&self.key[1].to_le_bytes());
        b[16..24].copy_from_slice(&self.version.to_le_bytes());
        b[24..32].copy_from_slice(&self.order.offset.to_le_bytes());
        b[32..36].copy_from_slice(&self.order.input.to_le_bytes());
        b[36..40].copy_from_slice(&self.order.index.to_le_bytes());
        b
    }

    fn from_bytes(b: &[u8; 40]) -> Self {
        let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes"));
        IdentityRecord {
            key: [u64_at(0), u64_at(8)],
            version: u64_at(16) as i64,
            order: SessionOrder {
                offset: u64_at(24),
                input: u32_at(32),
                index: u32_at(36),
            },
        }
    }
}

impl Ord for IdentityRecord {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key
            .cmp(&other.key)
            .then_with(|| self.rank().cmp(&other.rank()))
    }
}

impl PartialOrd for IdentityRecord {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A 128-bit hash of (record id, session id): two lanes of a multiply-fold hash over the
/// bytes of both ids (with their lengths, so no two pairs of strings spell the same input).
/// Not cryptographic: two distinct identities collide with probability about 2⁻¹²⁸ per pair.
pub fn identity_key(record_id: &str, session_id: &str) -> [u64; 2] {
    const K: [u64; 4] = [
        0x9E37_79B9_7F4A_7C15,
        0xC2B2_AE3D_27D4_EB4F,
        0x1656_67B1_9E37_79F9,
        0xD6E8_FEB8_6659_FD93,
    ];
    #[inline(always)]
    fn fold(a: u64, b: u64) -> u64 {
        let m = u128::from(a).wrapping_mul(u128::from(b));
        (m as u64) ^ ((m >> 64) as u64)
    }
    let mut h = [K[0], K[1]];
    let mut eat = |w: u64| {
        h[0] = fold(h[0] ^ w, K[2]).rotate_left(23);
        h[1] = fold(h[1] ^ w.rotate_left(32), K[3]).rotate_left(17) ^ h[0];
    };
    for s in [record_id.as_bytes(), session_id.as_bytes()] {
        eat(s.len() as u64);
        let mut words = s.chunks_exact(8);
        for w in &mut words {
            eat(u64::from_le_bytes(w.try_into().expect("8 bytes")));
        }
        let rest = words.remainder();
        let mut last = [0u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        eat(u64::from_le_bytes(last));
    }
    [
        fold(h[0] ^ K[1], h[1] ^ K[0]) ^ h[1],
        fold(h[1] ^ K[3], h[0] ^ K[2]) ^ h[0],
    ]
}

// ---- temporary files -------------------------------------------------------------------------

/// A file in [`std::env::temp_dir`], removed when dropped (on Unix, unlinked as soon as it is
/// created: it lives on through its handle, and a killed process leaves nothing behind).
/// Positioned reads go through a lock (one reader at a time).
#[derive(Debug)]
pub struct TempFile {
    path: PathBuf,
    file: Mutex<File>,
}

impl TempFile {
    /// Creates a fresh empty file named after `what`, the process and a counter.
    pub fn new(what: &str) -> std::io::Result<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir();
        loop {
            let n = NEXT.fetch_add(1, AtomicOrdering::Relaxed);
            let path = dir.join(format!("callq-{what}-{}-{n}", std::process::id()));
            match std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(file) => {
                    // Unlinked at once where the open handle keeps it readable (Unix): a
                    // process killed mid-run leaves nothing behind.
                    #[cfg(unix)]
                    let _ = std::fs::remove_file(&path);
                    return Ok(TempFile {
                        path,
                        file: Mutex::new(file),
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(std::io::Error::new(
                        e.kind(),
                        format!("cannot create a temporary file in {}: {e}", dir.display()),
                    ));
                }
            }
        }
    }

    /// The path it was created at (on Unix no longer in the directory).
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    fn file(&self) -> std::sync::MutexGuard<'_, File> {
        self.file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Appends `bytes`.
    pub fn append(&self, bytes: &[u8]) -> std::io::Result<()> {
        let mut f = self.file();
        f.seek(SeekFrom::End(0))?;
        f.write_all(bytes)
    }

    /// Another handle on the file (sharing its position), to stream through.
    pub fn try_clone_file(&self) -> std::io::Result<File> {
        self.file().try_clone()
    }

    /// Reads the bytes of `range`.
    pub fn read_range(&self, range: Range<u64>) -> std::io::Result<Vec<u8>> {
        let mut f = self.file();
        read_range(&mut f, range)
    }

    /// Reads the bytes of `range` into `buf`, as [`read_range_into`] does.
    pub fn read_range_into(&self, range: Range<u64>, buf: &mut Vec<u8>) -> std::io::Result<()> {
        let mut f = self.file();
        read_range_into(&mut f, range, buf)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Reads the bytes of `range` of `file`.
pub fn read_range(file: &mut File, range: Range<u64>) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    read_range_into(file, range, &mut buf)?;
    Ok(buf)
}

/// Reads the bytes of `range` of `file` into `buf`, replacing what it held. Reading range after
/// range into one buffer keeps one allocation whose pages are already mapped; a fresh buffer of
/// megabytes each time costs a page fault per 4 kB and the kernel's zeroing of every page.
pub fn read_range_into(
    file: &mut File,
    range: Range<u64>,
    buf: &mut Vec<u8>,
) -> std::io::Result<()> {
    let len = usize::try_from(range.end.saturating_sub(range.start))
        .map_err(|_| std::io::Error::other("a range longer than memory"))?;
    file.seek(SeekFrom::Start(range.start))?;
    buf.clear();
    buf.try_reserve_exact(len)?;
    if file.take(len as u64).read_to_end(buf)? < len {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "failed to fill whole buffer",
        ));
    }
    Ok(())
}

// ---- the store and the plan ------------------------------------------------------------------

/// Identity records collected in any order, in memory up to a budget and past it in sorted
/// runs spilled to temporary files (40 bytes per record either way).
#[derive(Debug)]
pub struct IdentityStore {
    records: Vec<IdentityRecord>,
    capacity: usize,
    runs: Vec<(TempFile, u64)>,
}

impl IdentityStore {
    /// A store that holds up to `memory_bytes` of records in memory (at least 16 records).
    pub fn new(memory_bytes: u64) -> Self {
        IdentityStore {
            records: Vec::new(),
            capacity: ((memory_bytes / 40) as usize).max(16),
            runs: Vec::new(),
        }
    }

    /// Records held in memory, and runs spilled.
    pub fn spilled_runs(&self) -> usize {
        self.runs.len()
    }

    /// Adds one record (spilling when the memory budget is reached).
    pub fn push(&mut self, record: IdentityRecord) -> std::io::Result<()> {
        if self.records.len() >= self.capacity {
            self.spill()?;
        }
        self.records.push(record);
        Ok(())
    }

    /// Adds records.
    pub fn extend(
        &mut self,
        records: impl IntoIterator<Item = IdentityRecord>,
    ) -> std::io::Result<()> {
        for r in records {
            self.push(r)?;
        }
        Ok(())
    }

    fn spill(&mut self) -> std::io::Result<()> {
        self.records.par_sort_unstable();
        let run = TempFile::new("identities")?;
        {
            let mut f = run.file();
            let mut w = BufWriter::with_capacity(1 << 20, &mut *f);
            for r in &self.records {
                w.write_all(&r.to_bytes())?;
            }
            w.flush()?;
        }
        self.runs.push((run, self.records.len() as u64));
        self.records.clear();
        self.records.shrink_to(self.capacity.min(1 << 20));
        Ok(())
    }

    /// The plan over every record of an input for which `keep_input` holds (an input that
    /// could not be read to its end keeps none: nothing of it counts, nor drops a copy).
    pub fn plan(mut self, keep_input: impl Fn(u32) -> bool) -> std::io::Result<DedupePlan> {
        let mut plan = DedupePlan::default();
        let mut current: Option<IdentityRecord> = None;
        let mut take = |r: IdentityRecord, plan: &mut DedupePlan| {
            if !keep_input(r.order.input) {
                return;
            }
            plan.identities += 1;
            match current {
                // Sorted by key, then rank: the one before in the same key ranks lower.
                Some(prev) if prev.key == r.key => plan.losers.push(prev.order),
                _ => plan.distinct += 1,
            }
            current = Some(r);
        };
        if self.runs.is_empty() {
            self.records.par_sort_unstable();
            for r in self.records.drain(..) {
                take(r, &mut plan);
            }
        } else {
            if !self.records.is_empty() {
                self.spill()?;
            }
            // A k-way merge of the sorted runs.
            let mut readers = Vec::with_capacity(self.runs.len());
            for (run, _) in &self.runs {
                let mut f = run.file().try_clone()?;
                f.seek(SeekFrom::Start(0))?;
                readers.push(BufReader::with_capacity(1 << 16, f));
            }
            let next = |r: &mut BufReader<File>| -> std::io::Result<Option<IdentityRecord>> {
                let mut b = [0u8; 40];
                match r.read_exact(&mut b) {
                    Ok(()) => Ok(Some(IdentityRecord::from_bytes(&b))),
                    Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(None),
                    Err(e) => Err(e),
                }
            };
            let mut heap = BinaryHeap::new();
            for (k, r) in readers.iter_mut().enumerate() {
                if let Some(rec) = next(r)? {
                    heap.push(std::cmp::Reverse((rec, k)));
                }
            }
            while let Some(std::cmp::Reverse((rec, k))) = heap.pop() {
                take(rec, &mut plan);
                if let Some(rec) = next(&mut readers[k])? {
                    heap.push(std::cmp::Reverse((rec, k)));
                }
            }
        }
        plan.losers.par_sort_unstable();
        Ok(plan)
    }
}

/// Which copies lose: every copy of an identity but the kept one, sorted by input order.
/// About 16 bytes per dropped copy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DedupePlan {
    losers: Vec<SessionOrder>,
    identities: u64,
    distinct: u64,
}

impl DedupePlan {
    /// The plan for these records, held in memory.
    pub fn from_records(records: Vec<IdentityRecord>) -> Self {
        let mut store = IdentityStore::new(u64::MAX);
        store.records = records;
        store.plan(|_| true).expect("a plan in memory does no I/O")
    }

    /// The losing copies, in input order.
    pub fn losers(&self) -> &[SessionOrder] {
        &self.losers
    }

    /// Whether no copy loses.
    pub fn is_empty(&self) -> bool {
        self.losers.is_empty()
    }

    /// Identified copies planned over.
    pub fn identities(&self) -> u64 {
        self.identities
    }

    /// Distinct identities among them.
    pub fn distinct(&self) -> u64 {
        self.distinct
    }

    /// Whether the copy at `order` loses.
    pub fn is_loser(&self, order: &SessionOrder) -> bool {
        self.losers.binary_search(order).is_ok()
    }

    /// Whether a losing copy of input `input` lies in a unit starting in `offsets`.
    pub fn any_loser_in(&self, input: u32, offsets: Range<u64>) -> bool {
        self.losers_in(input, offsets) > 0
    }

    /// How many losing copies of input `input` lie in units starting in `offsets`.
    pub fn losers_in(&self, input: u32, offsets: Range<u64>) -> usize {
        let at = |offset| {
            self.losers.partition_point(|o| {
                *o < SessionOrder {
                    input,
                    offset,
                    index: 0,
                }
            })
        };
        at(offsets.end) - at(offsets.start)
    }
}
