//! The packs' two forms, read back whole, in part, and cut short.

use super::*;
use app::model::Unit;

fn cell(seed: i64) -> Cell {
    let mut cell = Cell {
        requests: seed,
        status_2xx: seed - 1,
        status_4xx: 1,
        status_429: 1,
        status_5xx: 0,
        streamed: seed / 2,
        cost: 0.25 * seed as f64,
        cost_count: seed - 1,
        latency_sum: 900 * seed,
        latency_count: seed,
        ttft_sum: 0,
        ttft_count: 0,
        ..Cell::default()
    };
    cell.units
        .set(Unit::InputTokens, Amount::Count(1_000 * seed));
    cell.units.set(Unit::TotalTokens, Amount::Count(-3));
    cell.units.set(Unit::VideoSeconds, Amount::Seconds(1.5));
    for latency in [120, 900, 40_000] {
        cell.latency.add(latency as f64);
    }
    cell
}

/// Whether two cells hold the same sums and sketches.
fn same(a: &Cell, b: &Cell) -> bool {
    let counts = |c: &Cell| {
        [
            c.requests,
            c.status_2xx,
            c.status_4xx,
            c.status_429,
            c.status_5xx,
            c.streamed,
            c.cost_count,
            c.latency_sum,
            c.latency_count,
            c.ttft_sum,
            c.ttft_count,
        ]
    };
    counts(a) == counts(b)
        && a.units == b.units
        && a.cost == b.cost
        && a.latency.encode() == b.latency.encode()
        && a.ttft.encode() == b.ttft.encode()
}

fn all(bytes: &[u8], sketches: Sketches) -> Vec<(i64, i64, Cell)> {
    let mut out = Vec::new();
    decode(bytes, sketches, |_, _| true, |b, v, c| out.push((b, v, c))).expect("decodes");
    out
}

#[test]
fn cells_come_back_sorted_and_whole() {
    let (a, b, c) = (cell(3), cell(7), Cell::default());
    let mut cells = vec![
        (7_200_000, 42, &a),
        (3_600_000, 9_000, &b),
        (3_600_000, 1, &c),
    ];
    let bytes = encode(&mut cells);
    let decoded = all(&bytes, Sketches::LatencyAndTtft);
    let keys: Vec<(i64, i64)> = decoded.iter().map(|(b, v, _)| (*b, *v)).collect();
    assert_eq!(keys, [(3_600_000, 1), (3_600_000, 9_000), (7_200_000, 42)]);
    assert!(same(&decoded[0].2, &c));
    assert!(same(&decoded[1].2, &b));
    assert!(same(&decoded[2].2, &a));
    assert_eq!(decoded[2].2.latency.count(), 3);
    assert_eq!(decoded[2].2.latency.quantile(1.0), a.latency.quantile(1.0));
}

#[test]
fn unwanted_cells_and_sketches_are_skipped() {
    let (a, b) = (cell(3), cell(5));
    let bytes = encode(&mut [(0, 1, &a), (0, 2, &b)]);
    let mut seen = Vec::new();
    decode(
        &bytes,
        Sketches::Neither,
        |_, value| value == 2,
        |_, v, c| seen.push((v, c)),
    )
    .expect("decodes");
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].0, 2);
    assert_eq!(seen[0].1.requests, 5);
    assert_eq!(seen[0].1.latency.count(), 0);
    assert_eq!(seen[0].1.units.get(Unit::InputTokens), Amount::Count(5_000));
}

/// A cell as migration 0009's SQL writes it: `int8send` and `float8send` per number,
/// `int4send` before each sketch.
fn fixed(bucket_ms: i64, value_id: i64, cell: &Cell) -> Vec<u8> {
    let mut out = Vec::new();
    let counts = [
        bucket_ms,
        value_id,
        cell.requests,
        cell.status_2xx,
        cell.status_4xx,
        cell.status_429,
        cell.status_5xx,
        cell.streamed,
    ];
    counts.iter().for_each(|n| out.extend(n.to_be_bytes()));
    for spec in &UNITS {
        match cell.units.get(spec.unit) {
            Amount::Count(count) => out.extend(count.to_be_bytes()),
            Amount::Seconds(seconds) => out.extend(seconds.to_be_bytes()),
        }
    }
    out.extend(cell.cost.to_be_bytes());
    let sums = [
        cell.cost_count,
        cell.latency_sum,
        cell.latency_count,
        cell.ttft_sum,
        cell.ttft_count,
    ];
    sums.iter().for_each(|n| out.extend(n.to_be_bytes()));
    for sketch in [&cell.latency, &cell.ttft] {
        let stored = if sketch.count() == 0 {
            Vec::new()
        } else {
            sketch.encode()
        };
        out.extend((stored.len() as i32).to_be_bytes());
        out.extend(stored);
    }
    out
}

#[test]
fn the_form_sql_writes_reads_the_same() {
    // Migration 0009 names fifteen unit columns: a new unit needs format 1 kept apart.
    assert_eq!(app::model::UNIT_COUNT, 15);
    let (a, b) = (cell(6), Cell::default());
    let mut bytes = vec![FIXED];
    bytes.extend(fixed(3_600_000, 77, &a));
    bytes.extend(fixed(3_600_000, 5, &b));
    let decoded = all(&bytes, Sketches::LatencyAndTtft);
    assert_eq!(decoded.len(), 2);
    assert_eq!((decoded[0].0, decoded[0].1), (3_600_000, 77));
    assert!(same(&decoded[0].2, &a));
    assert_eq!((decoded[1].0, decoded[1].1), (3_600_000, 5));
    assert!(same(&decoded[1].2, &b));
    for end in 2..bytes.len() {
        let cut = decode(&bytes[..end], Sketches::Neither, |_, _| true, |_, _, _| {});
        let whole_cells = end == 1 + fixed(3_600_000, 77, &a).len();
        assert_eq!(cut.is_ok(), whole_cells, "cut at {end}");
    }
}

#[test]
fn corrupt_packs_are_errors_not_panics() {
    let a = cell(4);
    let bytes = encode(&mut [(0, 1, &a)]);
    for end in 0..bytes.len() {
        let result = decode(
            &bytes[..end],
            Sketches::LatencyAndTtft,
            |_, _| true,
            |_, _, _| {},
        );
        assert!(end == 1 || result.is_err(), "a pack cut at {end} decoded");
    }
    assert!(decode(&[9], Sketches::Neither, |_, _| true, |_, _, _| {}).is_err());
    let mut long = vec![FORMAT];
    long.extend([0xff; 12]);
    assert!(decode(&long, Sketches::Neither, |_, _| true, |_, _, _| {}).is_err());
}
