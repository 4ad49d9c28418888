//! The latency/TTFT sketch kept in every rollup cell: DDSketch with 1 % relative accuracy.
//!
//! Built on `sketches-ddsketch` (a maintained port of DataDog's reference implementation) and
//! stored in its Java-compatible binary encoding, so cells merge exactly across buckets and
//! levels and stay readable by other DDSketch implementations.

use sketches_ddsketch::{Config, DDSketch};

/// Relative accuracy of every quantile answered from a sketch: the crate's default
/// configuration (1 %, up to 2,048 bins), which is also what its decoder assumes, so stored
/// sketches merge with fresh ones.
pub const RELATIVE_ACCURACY: f64 = 0.01;

/// A mergeable distribution of durations in milliseconds.
#[derive(Clone)]
pub struct Sketch(DDSketch);

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
        Self(DDSketch::new(Config::defaults()))
    }

    /// Records one duration.
    pub fn add(&mut self, value_ms: f64) {
        self.0.add(value_ms.max(0.0));
    }

    /// Folds `other` into this sketch.
    pub fn merge(&mut self, other: &Sketch) {
        // Both sides are built with the same configuration, so merging cannot fail.
        if let Err(error) = self.0.merge(&other.0) {
            tracing::error!(%error, "sketch merge failed");
        }
    }

    /// Number of recorded values.
    pub fn count(&self) -> u64 {
        self.0.count() as u64
    }

    /// The `q`-quantile (0..=1), `None` for an empty sketch.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        self.0.quantile(q.clamp(0.0, 1.0)).ok().flatten()
    }

    /// The stored form.
    pub fn encode(&self) -> Vec<u8> {
        self.0.to_java_bytes()
    }

    /// Reads a stored sketch.
    pub fn decode(bytes: &[u8]) -> Result<Self, SketchDecodeError> {
        DDSketch::from_java_bytes(bytes)
            .map(Self)
            .map_err(|error| SketchDecodeError(format!("{error:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact_quantile(sorted: &[f64], q: f64) -> f64 {
        // The same rank rule DDSketch uses: the value at rank floor(q * (n - 1)).
        let rank = (q * (sorted.len() - 1) as f64).floor() as usize;
        sorted[rank]
    }

    #[test]
    fn quantiles_are_within_one_percent_of_the_exact_values() {
        let mut values: Vec<f64> = (1..=20_000)
            .map(|i| {
                let x = f64::from(i);
                // A skewed, lognormal-looking spread from ~2 ms to ~60 s.
                2.0 * (x / 1_900.0).exp()
            })
            .collect();
        let mut sketch = Sketch::new();
        for value in &values {
            sketch.add(*value);
        }
        values.sort_by(f64::total_cmp);
        for q in [0.5, 0.9, 0.95, 0.99, 0.999] {
            let exact = exact_quantile(&values, q);
            let estimate = sketch.quantile(q).expect("non-empty");
            let error = (estimate - exact).abs() / exact;
            assert!(error <= 0.01, "q={q}: {estimate} vs {exact} ({error})");
        }
    }

    #[test]
    fn merged_sketches_answer_like_one_sketch_over_all_values() {
        let mut left = Sketch::new();
        let mut right = Sketch::new();
        let mut all = Sketch::new();
        for i in 0..5_000 {
            let value = f64::from(i % 977) * 3.7 + 1.0;
            if i % 3 == 0 {
                left.add(value);
            } else {
                right.add(value);
            }
            all.add(value);
        }
        left.merge(&right);
        assert_eq!(left.count(), 5_000);
        for q in [0.5, 0.95, 0.99] {
            assert_eq!(left.quantile(q), all.quantile(q));
        }
    }

    #[test]
    fn encoding_round_trips_and_stays_small() {
        let mut sketch = Sketch::new();
        for value in [120.0, 180.0, 95.0, 2_400.0, 130.0] {
            sketch.add(value);
        }
        let bytes = sketch.encode();
        assert!(bytes.len() < 128, "{} bytes", bytes.len());
        let decoded = Sketch::decode(&bytes).expect("decodes");
        assert_eq!(decoded.count(), 5);
        assert_eq!(decoded.quantile(0.5), sketch.quantile(0.5));
        assert!(Sketch::decode(b"\xff\xfe garbage").is_err());
    }

    #[test]
    fn zero_and_negative_durations_count_as_zero() {
        let mut sketch = Sketch::new();
        sketch.add(0.0);
        sketch.add(-5.0);
        sketch.add(10.0);
        assert_eq!(sketch.count(), 3);
        assert_eq!(sketch.quantile(0.0), Some(0.0));
    }
}
