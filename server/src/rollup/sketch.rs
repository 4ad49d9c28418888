//! The latency/TTFT sketch kept in every rollup cell: DDSketch with 1 % relative accuracy.
//!
//! Values land in logarithmic bins (bin `k` holds `(γ^k, γ^(k+1)]`, γ = 1.01/0.99), kept here
//! in one dense array so that decoding and merging are additions into it: a grouped report
//! merges thousands of stored sketches, and a bin store that re-centres itself on every new key
//! made that its slowest step. The stored form is DDSketch's Java-compatible binary encoding
//! (`encoding`), byte for byte what the `sketches-ddsketch` crate wrote before, so cells stay
//! readable by other DDSketch implementations and older cells merge with new ones. Quantiles
//! follow DDSketch's rules (the rank `⌊q·(n−1)⌋`, a bin's value `γ^k · 2γ/(1+γ)`).
//!
//! Most sketches hold a few values: a user's cell in one batch has one or two calls, and a
//! dense array for two values a hundred bins apart is a hundred zeroed counts, grown and moved
//! as keys arrive. Up to [`FEW`] distinct keys are therefore kept inline as sorted pairs, and
//! the array is made only when a sketch outgrows them.

mod encoding;

use std::sync::LazyLock;

/// Relative accuracy of every quantile answered from a sketch.
pub const RELATIVE_ACCURACY: f64 = 0.01;
/// The most bins a sketch keeps; past it the lowest bins fold into the lowest kept one (only
/// values spanning more than 16 orders of magnitude get there).
const MAX_BINS: usize = 2048;
/// Values at or below this count as zero.
const MIN_VALUE: f64 = 1.0e-9;
/// Distinct keys kept inline before a sketch takes a dense array.
const FEW: usize = 8;

/// γ = (1 + α) / (1 − α).
fn gamma() -> f64 {
    (1.0 + RELATIVE_ACCURACY) / (1.0 - RELATIVE_ACCURACY)
}

static GAMMA_LN: LazyLock<f64> = LazyLock::new(|| gamma().ln());

/// A mergeable distribution of durations in milliseconds.
#[derive(Clone, Debug)]
pub struct Sketch {
    /// Counts of the bins `offset..offset + bins.len()`; empty while `few` holds the bins.
    bins: Vec<u64>,
    offset: i32,
    /// `(key, count)` of the first `few_len` bins, by key, while `bins` is empty.
    few: [(i32, u64); FEW],
    few_len: u8,
    /// Σ of the bins' counts (inline or dense).
    binned: u64,
    zero: u64,
    min: f64,
    max: f64,
    sum: f64,
}

/// A duration and its bin (`None`: counted as zero).
#[derive(Clone, Copy, Debug)]
pub struct Point {
    value: f64,
    key: Option<i32>,
}

impl Point {
    /// `value_ms` (negative as zero) and its bin.
    pub fn of(value_ms: f64) -> Self {
        let value = value_ms.max(0.0);
        let key = (value > MIN_VALUE).then(|| (value.ln() / *GAMMA_LN).floor() as i32);
        Self { value, key }
    }
}

/// A stored sketch that cannot be decoded (a corrupted or foreign blob).
#[derive(Debug, thiserror::Error)]
#[error("undecodable sketch: {0}")]
pub struct SketchDecodeError(String);

impl Default for Sketch {
    fn default() -> Self {
        Self::new()
    }
}

impl Sketch {
    /// An empty sketch.
    pub fn new() -> Self {
        Self {
            bins: Vec::new(),
            offset: 0,
            few: [(0, 0); FEW],
            few_len: 0,
            binned: 0,
            zero: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            sum: 0.0,
        }
    }

    /// Records one duration (negative ones as zero).
    pub fn add(&mut self, value_ms: f64) {
        self.add_point(Point::of(value_ms));
    }

    /// Records one duration whose bin is known: a call adds its latency to a dozen cells, and
    /// the logarithm is taken once.
    pub fn add_point(&mut self, point: Point) {
        match point.key {
            Some(key) => self.add_to_bin(key, 1),
            None => self.zero += 1,
        }
        self.min = self.min.min(point.value);
        self.max = self.max.max(point.value);
        self.sum += point.value;
    }

    /// Folds `other` into this sketch.
    pub fn merge(&mut self, other: &Sketch) {
        if other.binned > 0 {
            if other.bins.is_empty() {
                for (key, count) in other.few_bins() {
                    self.put(*key, *count);
                }
            } else {
                self.make_dense();
                self.merge_dense(other);
            }
            self.binned += other.binned;
        }
        self.zero += other.zero;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.sum += other.sum;
    }

    /// Adds `other`'s dense bins to this sketch's dense bins.
    fn merge_dense(&mut self, other: &Sketch) {
        let last = other.offset + other.bins.len() as i32 - 1;
        self.cover(other.offset, last);
        match usize::try_from(other.offset - self.offset) {
            // Every key has its own bin here: add the arrays.
            Ok(start) => {
                let target = &mut self.bins[start..start + other.bins.len()];
                for (bin, count) in target.iter_mut().zip(&other.bins) {
                    *bin += count;
                }
            }
            // Some of `other`'s lowest keys fold into the lowest bin.
            Err(_) => {
                for (index, count) in other.bins.iter().enumerate() {
                    let slot = self.slot(other.offset + index as i32);
                    self.bins[slot] += count;
                }
            }
        }
    }

    /// Number of recorded values.
    pub fn count(&self) -> u64 {
        self.binned + self.zero
    }

    /// The `q`-quantile (0..=1), `None` for an empty sketch.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let q = q.clamp(0.0, 1.0);
        let count = self.count();
        if count == 0 {
            return None;
        }
        if q == 0.0 {
            return Some(self.min);
        }
        if q == 1.0 {
            return Some(self.max);
        }
        let rank = (q * (count as f64 - 1.0)) as u64;
        if rank < self.zero {
            return Some(0.0);
        }
        let rank = rank - self.zero;
        let mut seen = 0;
        let mut key = None;
        for (bin, count) in self.filled_bins() {
            key = Some(bin);
            seen += count;
            if seen > rank {
                break;
            }
        }
        let key = key?;
        let gamma = gamma();
        Some((f64::from(key) * *GAMMA_LN).exp() * (2.0 * gamma / (1.0 + gamma)))
    }

    /// The stored form.
    pub fn encode(&self) -> Vec<u8> {
        encoding::encode(self)
    }

    /// Reads a stored sketch.
    pub fn decode(bytes: &[u8]) -> Result<Self, SketchDecodeError> {
        let mut sketch = Sketch::new();
        sketch.merge_encoded(bytes)?;
        Ok(sketch)
    }

    /// Folds a stored sketch into this one without building it first: what a report that
    /// merges many cells calls.
    pub fn merge_encoded(&mut self, bytes: &[u8]) -> Result<(), SketchDecodeError> {
        encoding::decode_into(bytes, self).map_err(SketchDecodeError)
    }

    fn add_to_bin(&mut self, key: i32, count: u64) {
        self.put(key, count);
        self.binned += count;
    }

    /// Adds `count` to `key`'s bin (the caller counts it in `binned`).
    fn put(&mut self, key: i32, count: u64) {
        if self.bins.is_empty() {
            let few = &mut self.few[..usize::from(self.few_len)];
            match few.binary_search_by_key(&key, |(bin, _)| *bin) {
                Ok(index) => {
                    few[index].1 += count;
                    return;
                }
                Err(index) if few.len() < FEW => {
                    let len = few.len();
                    self.few.copy_within(index..len, index + 1);
                    self.few[index] = (key, count);
                    self.few_len += 1;
                    return;
                }
                Err(_) => self.make_dense(),
            }
        }
        self.put_dense(key, count);
    }

    fn put_dense(&mut self, key: i32, count: u64) {
        match usize::try_from(i64::from(key) - i64::from(self.offset)) {
            Ok(index) if index < self.bins.len() => self.bins[index] += count,
            _ => {
                self.cover(key, key);
                let slot = self.slot(key);
                self.bins[slot] += count;
            }
        }
    }

    /// Moves the inline bins into the dense array (which covers their whole range at once).
    fn make_dense(&mut self) {
        if !self.bins.is_empty() || self.few_len == 0 {
            return;
        }
        let few = self.few;
        let few = &few[..usize::from(self.few_len)];
        self.few_len = 0;
        if let (Some((low, _)), Some((high, _))) = (few.first(), few.last()) {
            self.cover(*low, *high);
        }
        for (key, count) in few {
            self.put_dense(*key, *count);
        }
    }

    /// The inline bins.
    fn few_bins(&self) -> &[(i32, u64)] {
        &self.few[..usize::from(self.few_len)]
    }

    /// The index of `key`'s bin; keys below the kept range go to the lowest bin.
    fn slot(&self, key: i32) -> usize {
        (key - self.offset).max(0) as usize
    }

    /// Grows the bins to hold `low..=high`, folding the lowest past [`MAX_BINS`].
    fn cover(&mut self, low: i32, high: i32) {
        if self.bins.is_empty() {
            let low = low.max(high - MAX_BINS as i32 + 1);
            self.offset = low;
            self.bins = vec![0; (high - low + 1) as usize];
            return;
        }
        let end = self.offset + self.bins.len() as i32 - 1;
        if high > end {
            self.bins.resize(self.bins.len() + (high - end) as usize, 0);
        }
        // Once folded, lower keys land in the lowest bin rather than widening the range.
        let lowest_kept = self.offset + self.bins.len() as i32 - MAX_BINS as i32;
        let low = low.max(lowest_kept);
        if low < self.offset {
            let grow = (self.offset - low) as usize;
            self.bins.splice(0..0, std::iter::repeat_n(0, grow));
            self.offset = low;
        }
        if self.bins.len() > MAX_BINS {
            let fold = self.bins.len() - MAX_BINS;
            let folded: u64 = self.bins.drain(..fold).sum();
            self.bins[0] += folded;
            self.offset += fold as i32;
        }
    }

    /// The non-empty bins as `(key, count)`, lowest first.
    fn filled_bins(&self) -> impl Iterator<Item = (i32, u64)> + '_ {
        // One of the two is empty.
        self.few_bins().iter().copied().chain(
            self.bins
                .iter()
                .enumerate()
                .filter(|(_, count)| **count > 0)
                .map(|(index, count)| (self.offset + index as i32, *count)),
        )
    }
}

#[cfg(test)]
mod tests;
