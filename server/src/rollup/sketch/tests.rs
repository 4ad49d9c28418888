//! The sketch against its own expectations and against the `sketches-ddsketch` crate, whose
//! encoding every stored cell used before (and must still read).

use proptest::prelude::*;
use sketches_ddsketch::{Config, DDSketch};

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

fn reference(values: &[f64]) -> DDSketch {
    let mut sketch = DDSketch::new(Config::defaults());
    for value in values {
        sketch.add(value.max(0.0));
    }
    sketch
}

fn own(values: &[f64]) -> Sketch {
    let mut sketch = Sketch::new();
    for value in values {
        sketch.add(*value);
    }
    sketch
}

const QUANTILES: [f64; 7] = [0.0, 0.01, 0.5, 0.9, 0.95, 0.99, 1.0];

#[test]
fn encodes_byte_for_byte_as_the_reference_did() {
    let values: Vec<f64> = (0..3_000)
        .map(|i| f64::from(i * 7919 % 10_007) * 0.37)
        .chain([0.0, 0.0, 5e-10, 123_456.0])
        .collect();
    assert_eq!(own(&values).encode(), reference(&values).to_java_bytes());
    assert_eq!(Sketch::new().encode(), reference(&[]).to_java_bytes());
}

#[test]
fn decoding_folds_into_what_is_there() {
    let mut sketch = own(&[5.0, 6.0]);
    sketch
        .merge_encoded(&own(&[1.0, 900.0, 0.0]).encode())
        .expect("decodes");
    assert_eq!(sketch.count(), 5);
    assert_eq!(sketch.quantile(0.0), Some(0.0));
    assert_eq!(sketch.quantile(1.0), Some(900.0));
    assert_eq!(sketch.sum, 912.0);
}

#[test]
fn foreign_or_broken_blobs_are_errors_not_panics() {
    let good = own(&[1.0, 2.0, 3.0]).encode();
    for cut in 1..good.len() {
        // Every prefix either decodes to fewer values or is refused, never a panic.
        let _ = Sketch::decode(&good[..cut]);
    }
    assert!(Sketch::decode(&good[..good.len() - 1]).is_err());
    assert!(Sketch::decode(b"").is_err());
    let mut other_gamma = DDSketch::new(Config::new(0.02, 2048, 1e-9));
    other_gamma.add(5.0);
    assert!(Sketch::decode(&other_gamma.to_java_bytes()).is_err());
    let mut negative = DDSketch::new(Config::defaults());
    negative.add(-5.0);
    assert!(Sketch::decode(&negative.to_java_bytes()).is_err());
    // A bin count far past the bytes that follow.
    assert!(Sketch::decode(&[0x05, 0xff, 0xff, 0xff, 0x0f]).is_err());
}

#[test]
fn values_past_sixteen_orders_of_magnitude_fold_into_the_lowest_bin() {
    let mut sketch = own(&[1e-8, 1e-7, 1e9]);
    assert!(sketch.bins.len() <= MAX_BINS);
    sketch.merge(&own(&[1e-8, 5e9]));
    assert!(sketch.bins.len() <= MAX_BINS);
    assert_eq!(sketch.count(), 5);
    assert_eq!(sketch.quantile(1.0), Some(5e9));
    let decoded = Sketch::decode(&sketch.encode()).expect("decodes");
    assert_eq!(decoded.count(), 5);
    assert_eq!(decoded.quantile(0.9), sketch.quantile(0.9));
}

/// Merges `parts` three ways (the reference's bytes into this sketch, the reference itself,
/// and this sketch's own) and checks that all three agree.
fn check_against_reference(parts: &[Vec<f64>]) -> Result<(), TestCaseError> {
    // Stored by the reference, merged here from their bytes: the old cells' path.
    let mut merged_reference = DDSketch::new(Config::defaults());
    let mut merged_own = Sketch::new();
    let mut built_own = Sketch::new();
    for values in parts {
        let stored = reference(values);
        merged_own
            .merge_encoded(&stored.to_java_bytes())
            .expect("decodes");
        merged_reference.merge(&stored).expect("same mapping");
        built_own.merge(&own(values));
    }
    for q in QUANTILES {
        let expected = merged_reference.quantile(q).expect("valid q");
        prop_assert_eq!(merged_own.quantile(q), expected, "q={}", q);
        prop_assert_eq!(built_own.quantile(q), expected, "q={}", q);
    }
    prop_assert_eq!(merged_own.encode(), merged_reference.to_java_bytes());
    prop_assert_eq!(built_own.encode(), merged_reference.to_java_bytes());
    Ok(())
}

proptest! {
    #[test]
    fn answers_as_the_reference_does(
        parts in prop::collection::vec(prop::collection::vec(0.0_f64..600_000.0, 0..200), 1..12),
    ) {
        check_against_reference(&parts)?;
    }

    /// Sketches around the inline limit: a few keys, spilled to the array, merged either way.
    #[test]
    fn small_sketches_answer_as_the_reference_does(
        parts in prop::collection::vec(prop::collection::vec(0.0_f64..6_000.0, 0..2 * FEW), 1..6),
    ) {
        check_against_reference(&parts)?;
    }
}
