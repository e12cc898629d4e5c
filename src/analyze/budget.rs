//! The memory budget for huge lines in flight ([`Analyzer::max_memory`]).

use super::*;

/// Lines longer than this must take their share of the memory budget
/// ([`Analyzer::max_memory`]) before they are parsed, and free their parse state afterwards.
/// Shorter lines are parsed freely, one per thread (a realistic page is 10–500 KB).
pub const HUGE_LINE_BYTES: usize = 1 << 20;

/// Parse state per byte of a line, at worst: simd-json's structural index and tape when the
/// on-demand reader hands the line to it (measured: 16.6 bytes per byte on a line of 30
/// million `0,`).
pub(super) const STATE_PER_BYTE: u64 = 16;

/// Parse state per `{` of a line, at worst: every object may become a model struct, and a
/// stream costs about 1 KB while the reader collects a media's streams (measured: 965 bytes per
/// stream on a 61.6 MB page of 700,000 streams, 970 on a 60 MB page of 20 million `{}` streams).
pub(super) const STATE_PER_OBJECT: u64 = 1024;

/// An upper estimate of the memory that parsing `line` takes: 16 bytes per byte plus 1 KiB per
/// `{`. It is what a line longer than [`HUGE_LINE_BYTES`] takes from the budget.
pub fn line_memory_estimate(line: &[u8]) -> u64 {
    let objects = memchr::memchr_iter(b'{', line).count() as u64;
    (line.len() as u64)
        .saturating_mul(STATE_PER_BYTE)
        .saturating_add(objects.saturating_mul(STATE_PER_OBJECT))
}

/// The default memory budget for huge lines in flight: a quarter of the physical memory, at
/// most 4 GiB (`MemTotal` of `/proc/meminfo`); 2 GiB where that cannot be read.
pub fn default_max_memory() -> u64 {
    const CAP: u64 = 4 << 30;
    const FALLBACK: u64 = 2 << 30;
    let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        let line = m.lines().find(|l| l.starts_with("MemTotal:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib.saturating_mul(1024))
    });
    match total {
        Some(bytes) if bytes > 0 => (bytes / 4).min(CAP),
        _ => FALLBACK,
    }
}

/// The memory budget shared by the lines in flight: a huge line takes its estimate before it
/// is parsed and gives it back afterwards; a thread waits while the budget is short.
///
/// The parsers of huge lines live here too. A parser keeps the buffers it grew to (parsing
/// into fresh memory costs a page fault every 4 KiB: about 0.4 s per 60 MB line), so a finished
/// one stays idle here with its share still counted, to be reused by the next huge line, or
/// freed as soon as a line that needs the memory cannot get it otherwise. Idle parsers belong
/// to no thread, so a waiting thread can always reclaim them: no deadlock.
#[derive(Debug)]
pub(super) struct MemoryBudget {
    pub(super) limit: u64,
    pub(super) state: Mutex<BudgetState>,
    pub(super) freed: Condvar,
}

#[derive(Debug, Default)]
pub(super) struct BudgetState {
    /// Bytes held by lines in flight and by idle parsers.
    pub(super) in_use: u64,
    /// Parsers of finished huge lines, with the share each still holds (the most recent last).
    pub(super) idle: Vec<(LineParser, u64)>,
}

impl MemoryBudget {
    pub(super) fn new(limit: u64) -> Self {
        MemoryBudget {
            limit: limit.max(1),
            state: Mutex::new(BudgetState::default()),
            freed: Condvar::new(),
        }
    }

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, BudgetState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Waits until `bytes` (at most the limit) are free and takes them, with a parser to use.
    /// A holder parses one line and gives its share back without waiting for anything, and
    /// idle parsers are freed on demand, so waiting always ends.
    pub(super) fn acquire(&self, bytes: u64) -> BudgetShare<'_> {
        let need = bytes.min(self.limit);
        let mut state = self.lock();
        loop {
            if let Some((parser, held)) = state.idle.pop() {
                let charge = need.max(held);
                if state.in_use - held + charge <= self.limit {
                    state.in_use = state.in_use - held + charge;
                    return BudgetShare {
                        budget: self,
                        parser: Some(parser),
                        bytes: charge,
                    };
                }
                // Too much together with the lines in flight: free it and try again.
                state.in_use -= held;
                drop(parser);
                continue;
            }
            if state.in_use + need <= self.limit {
                state.in_use += need;
                return BudgetShare {
                    budget: self,
                    parser: Some(LineParser::new()),
                    bytes: need,
                };
            }
            state = self
                .freed
                .wait(state)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }

    /// Frees the idle parsers (at the end of a run: their memory is no longer needed).
    pub(super) fn release_idle(&self) {
        let idle = {
            let mut state = self.lock();
            let idle = std::mem::take(&mut state.idle);
            state.in_use -= idle.iter().map(|(_, held)| held).sum::<u64>();
            idle
        };
        drop(idle);
        self.freed.notify_all();
    }
}

/// A share of the [`MemoryBudget`] and the parser that uses it; both go back (the parser
/// idle, its share still counted) when dropped.
pub(super) struct BudgetShare<'a> {
    pub(super) budget: &'a MemoryBudget,
    pub(super) parser: Option<LineParser>,
    pub(super) bytes: u64,
}

impl Drop for BudgetShare<'_> {
    fn drop(&mut self) {
        if let Some(parser) = self.parser.take() {
            self.budget.lock().idle.push((parser, self.bytes));
        }
        self.budget.freed.notify_all();
    }
}
