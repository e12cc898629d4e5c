//! Deduplication's kept batch accumulators: one part per batch of pass 1, packed and then
//! merged into coarser spans when they outgrow their budget (docs/dedupe.md, "Memory").

use super::*;
use std::collections::BTreeMap;

/// Batch accumulators kept for a second pass: one batch's, or, past the budget, the merge of
/// adjacent batches (a coarser span, read again whole when it holds a dropped copy).
pub(super) struct Part {
    /// The batches it covers, in input order, each with its input's index.
    pub(super) spans: Vec<(u32, BatchSpan)>,
    /// Their accumulators merged, without the inputs' `files` and `bytes` (and without their
    /// groups while they are packed).
    pub(super) acc: Accumulator,
    /// The groups of `acc`, packed when the budget is reached (see [`KeptParts::coarsen`]).
    pub(super) packed: Option<PackedGroups>,
    /// Identified sessions counted in `acc`.
    pub(super) identified: u64,
    /// Files and bytes of the inputs that end here (no recomputation touches them).
    pub(super) files: u64,
    pub(super) bytes: u64,
    /// Bytes of input its spans cover (the smallest neighbours merge first).
    pub(super) extent: u64,
    /// Estimated heap bytes it holds (what the budget counts), as of its last change.
    memory: u64,
    /// The same estimate with its groups unpacked (what tells whether merging frees memory).
    unpacked: u64,
}

impl Part {
    /// A batch's part (or, with no spans, an input's own counts).
    pub(super) fn new(spans: Vec<(u32, BatchSpan)>, acc: Accumulator, identified: u64) -> Self {
        let extent = spans
            .iter()
            .map(|(_, s)| s.range.end.saturating_sub(s.range.start))
            .sum();
        let mut part = Part {
            spans,
            acc,
            packed: None,
            identified,
            files: 0,
            bytes: 0,
            extent,
            memory: 0,
            unpacked: 0,
        };
        part.remeasure();
        part
    }

    /// Its accumulator, with its groups unpacked.
    pub(super) fn into_acc(mut self) -> Accumulator {
        self.unpack();
        self.acc
    }

    fn unpack(&mut self) {
        if let Some(packed) = self.packed.take() {
            self.acc.unpack_groups(&packed);
        }
    }

    /// Whether packing its groups would free memory: they are in `acc`, and there are some.
    fn packable(&self) -> bool {
        self.packed.is_none() && self.acc.group_count() > 0
    }

    fn heap_bytes(&self) -> u64 {
        (self.acc.heap_bytes() + self.packed.as_ref().map_or(0, PackedGroups::heap_bytes)) as u64
    }

    /// Measures its memory again after a change and returns what it was. `unpacked` follows
    /// only while its groups are unpacked: a packed part keeps what it held before packing.
    fn remeasure(&mut self) -> u64 {
        let before = self.memory;
        self.memory = self.heap_bytes();
        if self.packed.is_none() {
            self.unpacked = self.memory;
        }
        before
    }

    /// Appends `later` (the part after it in input order).
    fn absorb(&mut self, mut later: Part) {
        self.unpack();
        self.spans.append(&mut later.spans);
        self.identified += later.identified;
        self.files += later.files;
        self.bytes += later.bytes;
        self.extent += later.extent;
        self.acc.merge(later.into_acc());
        // Left unpacked: the next round of `coarsen` packs it if the budget still needs it.
        self.remeasure();
    }
}

/// Where a part is: its input, and its index among that input's parts.
type Place = (u32, usize);

/// The parts of every input of a run, within a memory budget shared by all of them.
///
/// Inputs are read concurrently (a file per thread), so the parts arrive in no fixed order;
/// keeping them in one place lets the budget be met by merging the finest neighbours of the
/// whole run, wherever they are, and not those of whichever input happened to push a batch
/// when the budget ran out (which left one input's parts many times coarser than another's,
/// and pass 2 reading a coarse span again at an overlap's edge).
pub(super) struct KeptParts {
    /// Each input's parts, in input order (an input whose parts all merged into the previous
    /// input's is removed).
    inputs: BTreeMap<u32, Vec<Part>>,
    /// Whether each input was read to its end: its parts may merge with its neighbours'.
    sealed: Vec<bool>,
    /// Every input before this one is sealed (so checking a run of inputs below it is free,
    /// however many small files it spans).
    sealed_below: usize,
    /// What the parts hold.
    memory: u64,
    /// Past this, parts are packed.
    budget: u64,
    /// Past this, packed parts are merged.
    cap: u64,
    /// Whether packing still helps; see [`coarsen`](Self::coarsen).
    packing: bool,
    /// Whether merging neighbours still frees memory; see [`coarsen`](Self::coarsen).
    merging: bool,
}

impl KeptParts {
    /// Parts packed past `budget` and merged past `cap` (at least `budget`).
    pub(super) fn new(budget: u64, cap: u64) -> Self {
        KeptParts {
            inputs: BTreeMap::new(),
            sealed: Vec::new(),
            sealed_below: 0,
            memory: 0,
            budget,
            cap: cap.max(budget),
            packing: true,
            merging: true,
        }
    }

    /// Adds the next part of `input`, then meets the budget again.
    pub(super) fn push(&mut self, input: u32, part: Part) {
        self.memory += part.memory;
        self.inputs.entry(input).or_default().push(part);
        self.coarsen();
    }

    /// Adds the last part of `input` (its own counts), which was read to its end.
    pub(super) fn seal(&mut self, input: u32, last: Part) {
        let k = input as usize;
        if self.sealed.len() <= k {
            self.sealed.resize(k + 1, false);
        }
        self.sealed[k] = true;
        while self.sealed.get(self.sealed_below) == Some(&true) {
            self.sealed_below += 1;
        }
        self.push(input, last);
    }

    /// Forgets every part of `input` (not read to its end: nothing of it counts).
    pub(super) fn discard(&mut self, input: u32) {
        if let Some(parts) = self.inputs.remove(&input) {
            self.memory -= parts.iter().map(|p| p.memory).sum::<u64>();
        }
    }

    /// Every part, in input order.
    pub(super) fn into_parts(self) -> Vec<Part> {
        self.inputs.into_values().flatten().collect()
    }

    /// While the parts take more than the budget, packs the groups of parts that are not packed
    /// yet (about a tenth of their size: a pass over them now and another in pass 2). Past the
    /// cap it merges the two adjacent parts that cover the fewest input bytes (the earliest
    /// such pair; parts of consecutive inputs too, once both are read to their end, for many
    /// small files): spans coarsen evenly over the whole run, and pass 2 reads a coarse span
    /// again only when it holds a dropped copy among kept ones. The report does not depend on
    /// it: merges are exact and in input order.
    ///
    /// Why merge only past the cap, even when merging frees memory: a merged part is read again
    /// whole in pass 2 when it holds a dropped copy, and below the cap parts stay a batch wide.
    /// Merging down to the budget made pass 2 of `--by week,label` over 2.2 GB with nine
    /// overlaps read 1074 MB again instead of 805 MB, and with a `--by` finer than a batch
    /// (`--by day`, `--by caller.userId`) merges free almost nothing anyway. Packed parts are
    /// small (about 145 kB a 64 MiB batch with `--by direction,label`), so the cap is reached
    /// only after tens of GB of input. Past it, a merge that frees less than an eighth of the
    /// smaller part's unpacked memory stops merging for the rest of the run: the parts are then
    /// the run's statistics themselves, which no merge makes smaller.
    ///
    /// When no merge is left to make past the cap (the run's statistics alone take more, or a
    /// tiny `--dedupe-memory`), packing stops for the rest of the run: a part packed then would
    /// only be unpacked again by the next merge, a pass over the run's whole result for every
    /// batch.
    fn coarsen(&mut self) {
        while self.memory > self.budget {
            if self.packing
                && let Some(part) = self.inputs.values_mut().flatten().find(|p| p.packable())
            {
                part.packed = Some(part.acc.pack_groups());
                let before = part.remeasure();
                self.memory = self.memory - before + part.memory;
                continue;
            }
            if self.memory <= self.cap || !self.merging {
                break;
            }
            let Some(((a, i), (b, j))) = self.finest_pair() else {
                self.packing = false;
                break;
            };
            let list = self.inputs.get_mut(&b).expect("a listed input");
            let later = list.remove(j);
            if list.is_empty() {
                self.inputs.remove(&b);
            }
            let part = &mut self.inputs.get_mut(&a).expect("a listed input")[i];
            let before = part.memory + later.memory;
            let (mine, theirs) = (part.unpacked, later.unpacked);
            part.absorb(later);
            let freed = (mine + theirs).saturating_sub(part.unpacked);
            if freed.saturating_mul(8) < mine.min(theirs) {
                self.merging = false;
            }
            self.memory = self.memory - before + part.memory;
        }
    }

    /// The two adjacent parts (input, index) that cover the fewest input bytes, the earliest
    /// such pair: neighbours within an input, or the last part of an input and the first of
    /// the next when both, and every input between them, are read to their end.
    fn finest_pair(&self) -> Option<(Place, Place)> {
        let mut best: Option<(u64, Place, Place)> = None;
        let mut consider = |extent: u64, x: Place, y: Place| {
            if best.is_none_or(|(e, _, _)| extent < e) {
                best = Some((extent, x, y));
            }
        };
        let mut previous: Option<(u32, usize, u64)> = None; // the last part seen
        for (&input, parts) in &self.inputs {
            if let (Some((p, i, extent)), Some(first)) = (previous, parts.first())
                && self.all_sealed(p, input)
            {
                consider(extent + first.extent, (p, i), (input, 0));
            }
            for (i, pair) in parts.windows(2).enumerate() {
                consider(pair[0].extent + pair[1].extent, (input, i), (input, i + 1));
            }
            if let Some(last) = parts.last() {
                previous = Some((input, parts.len() - 1, last.extent));
            }
        }
        best.map(|(_, x, y)| (x, y))
    }

    /// Whether inputs `first..=last` are all sealed.
    fn all_sealed(&self, first: u32, last: u32) -> bool {
        (last as usize) < self.sealed_below
            || (first..=last).all(|k| self.sealed.get(k as usize) == Some(&true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: u64 = 1 << 20;

    /// A batch's part over `mb` MB of `input` from `at` MB on, with one group of every metric
    /// (so that it holds memory, and packs).
    fn part(input: u32, at: u64, mb: u64) -> Part {
        part_of_group(input, at, mb, b"group")
    }

    /// The memory of one packed [`part`].
    fn one_packed() -> u64 {
        let mut p = part(0, 0, 1);
        p.packed = Some(p.acc.pack_groups());
        p.heap_bytes()
    }

    /// [`part`], with its one group under `key`.
    fn part_of_group(input: u32, at: u64, mb: u64, key: &[u8]) -> Part {
        let mut acc = Accumulator::default();
        let group = acc.groups.get(key);
        group.streams = 100;
        group.good = 100;
        for m in &mut group.metrics {
            for v in 0..100 {
                m.add(f64::from(v) * 1.5 + at as f64);
            }
        }
        let span = BatchSpan {
            range: at * MB..(at + mb) * MB,
            first_line: 1 + at,
            kind: SpanKind::Lines,
        };
        Part::new(vec![(input, span)], acc, 0)
    }

    /// Input 0 is three times as long as input 1 and read at the same time, so it pushes
    /// three batches for each of input 1's. Whichever input pushes when the budget runs out,
    /// the parts of both end up about equally fine, and every span is still there, in order.
    #[test]
    fn parts_coarsen_evenly_across_inputs_and_stay_in_order() {
        let one_packed = one_packed();
        let mut kept = KeptParts::new(12 * one_packed, 12 * one_packed);
        for b in 0..30 {
            kept.push(0, part(0, b * 8, 8));
            if b % 3 == 2 {
                kept.push(1, part(1, b / 3 * 8, 8));
            }
        }
        assert!(
            kept.memory <= kept.budget,
            "{} > {}",
            kept.memory,
            kept.budget
        );
        let extents = |kept: &KeptParts, input: u32| -> Vec<u64> {
            kept.inputs[&input].iter().map(|p| p.extent / MB).collect()
        };
        let all: Vec<u64> = [0, 1].iter().flat_map(|&k| extents(&kept, k)).collect();
        let (min, max) = (all.iter().min().unwrap(), all.iter().max().unwrap());
        assert!(
            max <= &(2 * min),
            "uneven spans: {:?} and {:?}",
            extents(&kept, 0),
            extents(&kept, 1)
        );

        let mut last0 = Part::new(Vec::new(), Accumulator::default(), 0);
        last0.files = 1;
        kept.seal(0, last0);
        kept.seal(1, Part::new(Vec::new(), Accumulator::default(), 0));
        let parts = kept.into_parts();
        let spans: Vec<(u32, u64)> = parts
            .iter()
            .flat_map(|p| p.spans.iter().map(|(k, s)| (*k, s.range.start / MB)))
            .collect();
        let want: Vec<(u32, u64)> = (0..30)
            .map(|b| (0, b * 8))
            .chain((0..10).map(|b| (1, b * 8)))
            .collect();
        assert_eq!(spans, want);
        assert_eq!(parts.iter().map(|p| p.files).sum::<u64>(), 1);
        let streams: u64 = parts
            .into_iter()
            .map(|p| {
                p.into_acc()
                    .groups
                    .stats
                    .values()
                    .map(|g| g.streams)
                    .sum::<u64>()
            })
            .sum();
        assert_eq!(streams, 40 * 100);
    }

    /// Below the cap parts are packed but stay a batch wide, whether or not merging would free
    /// memory; past it they merge while merging frees memory.
    #[test]
    fn parts_merge_only_past_the_cap() {
        let one_packed = one_packed();
        let mut kept = KeptParts::new(3 * one_packed, 10 * one_packed);
        for b in 0..10 {
            kept.push(0, part(0, b * 8, 8));
        }
        assert!(kept.memory > kept.budget && kept.memory <= kept.cap);
        let parts = &kept.inputs[&0];
        assert_eq!(parts.len(), 10, "no merge below the cap");
        assert!(parts.iter().all(|p| p.packed.is_some()));
        for b in 10..40 {
            kept.push(0, part(0, b * 8, 8));
            assert!(kept.memory <= kept.cap);
        }
        assert!(kept.merging, "parts of one group free memory as they merge");
        assert!(kept.inputs[&0].len() < 40);
        let spans: Vec<u64> = kept.inputs[&0]
            .iter()
            .flat_map(|p| p.spans.iter().map(|(_, s)| s.range.start / MB))
            .collect();
        assert_eq!(spans, (0..40).map(|b| b * 8).collect::<Vec<_>>());
    }

    /// With a grouping finer than a batch (each part its own group here, as `--by day` over
    /// months makes it), merging frees nothing: past the cap one merge shows it, and the parts
    /// then stay as fine as they are, packed (they are the statistics themselves).
    #[test]
    fn parts_that_share_no_groups_stop_merging_past_the_cap() {
        let one_packed = one_packed();
        let mut kept = KeptParts::new(3 * one_packed, 10 * one_packed);
        let key = |b: u64| format!("day {b}").into_bytes();
        for b in 0..40 {
            kept.push(0, part_of_group(0, b * 8, 8, &key(b)));
            assert!(kept.memory <= kept.cap || !kept.merging);
        }
        assert!(
            !kept.merging,
            "merging two parts of different groups freed memory"
        );
        let parts = &kept.inputs[&0];
        assert_eq!(parts.len(), 39, "one merge, past the cap");
        assert!(parts.iter().all(|p| p.packed.is_some()));
        let spans: Vec<u64> = parts
            .iter()
            .flat_map(|p| p.spans.iter().map(|(_, s)| s.range.start / MB))
            .collect();
        assert_eq!(spans, (0..40).map(|b| b * 8).collect::<Vec<_>>());
        let groups: usize = kept
            .into_parts()
            .into_iter()
            .map(|p| p.into_acc().group_count())
            .sum();
        assert_eq!(groups, 40);
    }

    /// Parts of consecutive inputs merge only once both are read to their end: an input still
    /// being read may yet be discarded, and its parts with it.
    #[test]
    fn inputs_merge_with_their_neighbours_only_when_sealed() {
        let mut kept = KeptParts::new(0, 0);
        kept.push(0, part(0, 0, 1));
        kept.push(1, part(1, 0, 1));
        kept.push(1, part(1, 1, 1));
        assert_eq!(kept.inputs[&0].len(), 1);
        assert_eq!(kept.inputs[&1].len(), 1, "input 1's own parts merged");
        kept.seal(0, Part::new(Vec::new(), Accumulator::default(), 0));
        assert_eq!(kept.inputs[&1].len(), 1, "input 1 is not sealed yet");
        kept.discard(1);
        assert!(!kept.inputs.contains_key(&1));
        kept.seal(2, Part::new(Vec::new(), Accumulator::default(), 0));
        kept.push(3, part(3, 0, 1));
        kept.seal(3, Part::new(Vec::new(), Accumulator::default(), 0));
        // Input 1 was discarded, so inputs 0 and 2 are not neighbours across it; 2 and 3 are.
        assert_eq!(kept.inputs[&0].len(), 1);
        let later: usize = [2, 3]
            .iter()
            .filter_map(|k| kept.inputs.get(k))
            .map(Vec::len)
            .sum();
        assert_eq!(later, 1);
    }
}
