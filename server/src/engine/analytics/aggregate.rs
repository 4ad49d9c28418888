//! Adding rollup cells up: sums add across cells and levels, averages divide sums by counts,
//! percentiles come from merged sketches. Pure code over already-read cells.

use std::collections::{BTreeMap, HashMap};

use app::model::{
    Granularity, KindUsage, Kpis, ModelKind, ModelOption, ModelRow, SeriesPoint, UnitTotals,
};

use crate::rollup::{Cell, Sketch};
use crate::store::reads::StoredCell;

const MINUTE_MS: f64 = 60_000.0;

/// Everything summed over a set of cells: one merged cell plus the busiest minute.
#[derive(Default)]
struct Totals {
    cell: Cell,
    /// Busiest minute (calls, tokens) of the cells that knew theirs.
    peak_minute: Option<(i64, i64)>,
    /// Some cell with calls did not know its busiest minute.
    peak_unknown: bool,
    /// Cells added so far: the first is moved in, not merged into an empty cell.
    added: usize,
}

/// A cell's units as named totals.
pub fn unit_totals(cell: &Cell) -> UnitTotals {
    cell.units.clone()
}

fn ratio(sum: i64, count: i64) -> Option<f64> {
    (count > 0).then(|| sum as f64 / count as f64)
}

impl Totals {
    fn add(&mut self, stored: StoredCell) {
        match stored.peak_minute {
            Some((requests, tokens)) => {
                let (peak_requests, peak_tokens) = self.peak_minute.unwrap_or_default();
                self.peak_minute = Some((peak_requests.max(requests), peak_tokens.max(tokens)));
            }
            None if stored.cell.requests > 0 => self.peak_unknown = true,
            None => {}
        }
        self.absorb(stored.cell);
    }

    /// Adds a cell's aggregates; the first one is moved in (merging sketches into an empty one
    /// costs as much as merging into a full one).
    fn absorb(&mut self, cell: Cell) {
        if self.added == 0 {
            self.cell = cell;
        } else {
            self.cell.merge(&cell);
        }
        self.added += 1;
    }

    fn kpis(&self) -> Kpis {
        let cell = &self.cell;
        let units = unit_totals(cell);
        Kpis {
            requests: cell.requests,
            success_rate: ratio(cell.status_2xx, cell.requests),
            total_tokens: units.total_tokens,
            input_tokens: units.input_tokens,
            output_tokens: units.output_tokens,
            avg_latency_ms: ratio(cell.latency_sum, cell.latency_count),
            p95_latency_ms: cell.latency.quantile(0.95),
            avg_ttft_ms: ratio(cell.ttft_sum, cell.ttft_count),
            cost: (cell.cost_count > 0).then_some(cell.cost),
            priced_requests: cell.cost_count,
        }
    }

    fn peak(&self) -> Option<(i64, i64)> {
        if self.peak_unknown {
            None
        } else {
            self.peak_minute
        }
    }
}

/// The headline numbers of `cells`.
pub fn kpis(cells: Vec<StoredCell>) -> Kpis {
    let mut totals = Totals::default();
    for cell in cells {
        totals.add(cell);
    }
    totals.kpis()
}

/// One series bucket while it is being summed; the first cell's sketch is moved in.
#[derive(Default)]
struct Bucket {
    point: SeriesPoint,
    latency: Option<Sketch>,
}

/// The time series of `cells` over `[from_ms, to_ms)`: one point per `granularity` bucket
/// (aligned to UTC), buckets without calls as zeros.
pub fn series(
    cells: Vec<StoredCell>,
    from_ms: i64,
    to_ms: i64,
    granularity: Granularity,
) -> Vec<SeriesPoint> {
    let width = granularity.width_ms();
    let mut buckets: BTreeMap<i64, Bucket> = BTreeMap::new();
    let first = from_ms.div_euclid(width) * width;
    let mut start = first;
    while start < to_ms {
        buckets.entry(start).or_default().point.bucket_ms = start;
        start += width;
    }
    for stored in cells {
        // An hour widened past the range's start (expired minute cells) counts in the first point.
        let start = (stored.bucket_ms.div_euclid(width) * width).max(first);
        let bucket = buckets.entry(start).or_default();
        let point = &mut bucket.point;
        let cell = &stored.cell;
        point.bucket_ms = start;
        point.requests += cell.requests;
        point.errors += cell.requests - cell.status_2xx;
        point.status_4xx += cell.status_4xx;
        point.status_5xx += cell.status_5xx;
        point.input_tokens += cell.units.input_tokens;
        point.output_tokens += cell.units.output_tokens;
        match &mut bucket.latency {
            Some(latency) => latency.merge(&stored.cell.latency),
            None => bucket.latency = Some(stored.cell.latency),
        }
    }
    buckets
        .into_values()
        .map(|mut bucket| {
            if let Some(latency) = &bucket.latency {
                bucket.point.latency_p50_ms = latency.quantile(0.50);
                bucket.point.latency_p95_ms = latency.quantile(0.95);
                bucket.point.latency_p99_ms = latency.quantile(0.99);
            }
            bucket.point
        })
        .collect()
}

/// The per-model table (busiest first), usage per kind and the KPIs of all of `cells` (per-model
/// cells), over a range `span_ms` long. Each cell's sketches are merged once, into its model;
/// the KPIs merge the models.
pub fn per_model(
    cells: Vec<StoredCell>,
    models: &HashMap<i64, ModelOption>,
    span_ms: i64,
) -> (Vec<ModelRow>, Vec<KindUsage>, Kpis) {
    let mut by_model: HashMap<i64, Totals> = HashMap::new();
    for cell in cells {
        by_model.entry(cell.model_id).or_default().add(cell);
    }
    let mut overall = Totals::default();
    for totals in by_model.values() {
        overall.cell.merge(&totals.cell);
    }
    let minutes = (span_ms as f64 / MINUTE_MS).max(1.0);
    let mut rows: Vec<ModelRow> = by_model
        .into_iter()
        .filter(|(_, totals)| totals.cell.requests > 0)
        .filter_map(|(id, totals)| {
            let option = models.get(&id)?;
            let peak = totals.peak();
            let cell = &totals.cell;
            let units = unit_totals(cell);
            Some(ModelRow {
                model: option.name.clone(),
                kind: option.kind,
                requests: cell.requests,
                success_rate: ratio(cell.status_2xx, cell.requests),
                rpm_avg: cell.requests as f64 / minutes,
                rpm_peak: peak.map(|(requests, _)| requests),
                tpm_avg: units.total_tokens as f64 / minutes,
                tpm_peak: peak.map(|(_, tokens)| tokens),
                ttft_avg_ms: ratio(cell.ttft_sum, cell.ttft_count),
                ttft_p95_ms: cell.ttft.quantile(0.95),
                latency_avg_ms: ratio(cell.latency_sum, cell.latency_count),
                latency_p95_ms: cell.latency.quantile(0.95),
                latency_p99_ms: cell.latency.quantile(0.99),
                cost: (cell.cost_count > 0).then_some(cell.cost),
                priced_requests: cell.cost_count,
                units,
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        b.requests
            .cmp(&a.requests)
            .then_with(|| a.model.cmp(&b.model))
    });
    let mut kinds: Vec<KindUsage> = Vec::new();
    for kind in ModelKind::ALL {
        let mut usage = KindUsage {
            kind,
            requests: 0,
            units: UnitTotals::default(),
        };
        for row in rows.iter().filter(|row| row.kind == kind) {
            usage.requests += row.requests;
            usage.units.add(&row.units);
        }
        if usage.requests > 0 {
            kinds.push(usage);
        }
    }
    (rows, kinds, overall.kpis())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollup::Level;

    fn cell(
        bucket_ms: i64,
        model_id: i64,
        requests: i64,
        ok: i64,
        latencies: &[f64],
    ) -> StoredCell {
        let mut cell = Cell {
            requests,
            status_2xx: ok,
            status_5xx: requests - ok,
            latency_sum: latencies.iter().sum::<f64>() as i64,
            latency_count: latencies.len() as i64,
            ..Cell::default()
        };
        cell.units.input_tokens = 10 * requests;
        cell.units.output_tokens = 3 * requests;
        cell.units.total_tokens = 13 * requests;
        for latency in latencies {
            cell.latency.add(*latency);
        }
        StoredCell {
            level: Level::Minute,
            bucket_ms,
            model_id,
            cell,
            peak_minute: Some((requests, 13 * requests)),
        }
    }

    #[test]
    fn series_has_every_bucket_with_empty_ones_as_zero() {
        let cells = [
            cell(0, 1, 2, 2, &[100.0, 200.0]),
            cell(60_000, 1, 1, 0, &[300.0]),
            cell(4 * 60_000, 2, 1, 1, &[50.0]),
        ];
        let points = series(
            cells.to_vec(),
            30_000,
            10 * 60_000,
            Granularity::FiveMinutes,
        );
        assert_eq!(points.len(), 2);
        assert_eq!(points[0].bucket_ms, 0);
        assert_eq!(points[0].requests, 4);
        assert_eq!(points[0].errors, 1);
        assert_eq!(points[0].input_tokens, 40);
        assert_eq!(points[1].requests, 0);
        assert_eq!(points[1].latency_p95_ms, None);
        let minutes = series(cells.to_vec(), 0, 5 * 60_000, Granularity::Minute);
        assert_eq!(
            minutes.iter().map(|p| p.requests).collect::<Vec<_>>(),
            vec![2, 1, 0, 0, 1]
        );
    }

    #[test]
    fn the_model_table_divides_by_range_minutes_and_keeps_the_busiest_minute() {
        let models = HashMap::from([
            (
                1,
                ModelOption {
                    name: "alpha".into(),
                    kind: ModelKind::Llm,
                },
            ),
            (
                2,
                ModelOption {
                    name: "pics".into(),
                    kind: ModelKind::Image,
                },
            ),
        ]);
        let mut expired_hour = cell(0, 2, 4, 4, &[]);
        expired_hour.level = Level::Hour;
        expired_hour.peak_minute = None;
        let cells = [
            cell(0, 1, 2, 2, &[100.0, 200.0]),
            cell(60_000, 1, 5, 4, &[300.0]),
            expired_hour,
        ];
        let (rows, kinds, overall) = per_model(cells.to_vec(), &models, 10 * 60_000);
        assert_eq!(overall.requests, 11);
        assert_eq!(overall.success_rate, Some(10.0 / 11.0));
        assert_eq!(rows.len(), 2);
        let alpha = &rows[0];
        assert_eq!(alpha.model, "alpha");
        assert_eq!(alpha.requests, 7);
        assert!((alpha.rpm_avg - 0.7).abs() < 1e-9);
        assert_eq!(alpha.rpm_peak, Some(5));
        assert_eq!(alpha.tpm_peak, Some(65));
        assert!((alpha.tpm_avg - 9.1).abs() < 1e-9);
        assert_eq!(alpha.success_rate, Some(6.0 / 7.0));
        assert_eq!(alpha.latency_avg_ms, Some(200.0));
        assert_eq!(rows[1].rpm_peak, None, "minute detail expired");
        assert_eq!(rows[1].latency_p95_ms, None);
        assert_eq!(kinds.len(), 2);
        assert_eq!(kinds[0].kind, ModelKind::Llm);
        assert_eq!(kinds[1].units.input_tokens, 40);
    }
}
