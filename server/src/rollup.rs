//! Rollup arithmetic: bucket boundaries per level and the per-cell aggregates (counts, unit sums,
//! latency/TTFT sums and sketches). Pure code; `store::rollups` writes the cells.

pub mod dims;
pub mod plan;
pub mod sketch;

use std::collections::HashMap;

use app::model::{UnitTotals, Usage};

use sketch::Point;
pub use sketch::Sketch;

/// A rollup level: the width of its buckets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Level {
    Minute,
    Hour,
    Day,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Minute, Level::Hour, Level::Day];

    /// Bucket width in milliseconds.
    pub fn width_ms(self) -> i64 {
        match self {
            Level::Minute => 60_000,
            Level::Hour => 3_600_000,
            Level::Day => 86_400_000,
        }
    }

    /// Start of the bucket holding `ts_ms` (UTC; also right for times before 1970).
    pub fn bucket(self, ts_ms: i64) -> i64 {
        ts_ms.div_euclid(self.width_ms()) * self.width_ms()
    }

    /// The table holding this level's per-model cells.
    pub fn table(self) -> &'static str {
        match self {
            Level::Minute => "rollup_1m",
            Level::Hour => "rollup_1h",
            Level::Day => "rollup_1d",
        }
    }

    /// The table holding this level's all-models cells (model id [`ALL_MODELS`]).
    pub fn all_models_table(self) -> &'static str {
        match self {
            Level::Minute => "rollup_all_1m",
            Level::Hour => "rollup_all_1h",
            Level::Day => "rollup_all_1d",
        }
    }

    /// The table of a cell of `model_id`.
    pub fn table_for(self, model_id: i64) -> &'static str {
        if model_id == ALL_MODELS {
            self.all_models_table()
        } else {
            self.table()
        }
    }
}

/// The model id of the cells that sum every model of a workspace, so charts of all models read
/// one cell per bucket instead of one per model. Real model ids start at 1.
pub const ALL_MODELS: i64 = 0;

/// Where a cell lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CellKey {
    pub level: Level,
    pub workspace_id: i64,
    pub bucket_ms: i64,
    pub model_id: i64,
}

/// What one stored call contributes to its cells.
#[derive(Clone, Copy, Debug)]
pub struct Observation<'a> {
    pub workspace_id: i64,
    pub model_id: i64,
    pub ts_ms: i64,
    pub status: u16,
    pub stream: bool,
    pub usage: &'a Usage,
    pub latency_ms: Option<i64>,
    pub ttft_ms: Option<i64>,
    pub cost: Option<f64>,
}

/// The aggregates of one rollup cell.
#[derive(Clone, Default)]
pub struct Cell {
    pub requests: i64,
    pub status_2xx: i64,
    pub status_4xx: i64,
    pub status_429: i64,
    pub status_5xx: i64,
    pub streamed: i64,
    /// Unit sums, one per row of the units table (`app::model::UNITS`).
    pub units: UnitTotals,
    pub cost: f64,
    /// Calls whose cost is known (the rest had no price).
    pub cost_count: i64,
    pub latency_sum: i64,
    pub latency_count: i64,
    pub ttft_sum: i64,
    pub ttft_count: i64,
    pub latency: Sketch,
    pub ttft: Sketch,
}

/// A call's latency and TTFT with their sketch bins, worked out once for all its cells.
#[derive(Clone, Copy)]
pub struct Points {
    latency: Option<Point>,
    ttft: Option<Point>,
}

impl Points {
    pub fn of(observation: &Observation<'_>) -> Self {
        let point = |ms: Option<i64>| ms.map(|ms| Point::of(ms as f64));
        Self {
            latency: point(observation.latency_ms),
            ttft: point(observation.ttft_ms),
        }
    }
}

impl Cell {
    /// Adds one call.
    pub fn add(&mut self, observation: &Observation<'_>) {
        self.add_with(observation, Points::of(observation));
    }

    /// Adds one call whose sketch points are known ([`Points::of`] the same observation).
    pub fn add_with(&mut self, observation: &Observation<'_>, points: Points) {
        self.requests += 1;
        match observation.status {
            200..=299 => self.status_2xx += 1,
            429 => {
                self.status_4xx += 1;
                self.status_429 += 1;
            }
            400..=499 => self.status_4xx += 1,
            500..=599 => self.status_5xx += 1,
            _ => {}
        }
        self.streamed += i64::from(observation.stream);
        self.units.add_usage(observation.usage);
        if let Some(cost) = observation.cost {
            self.cost += cost;
            self.cost_count += 1;
        }
        if let (Some(latency), Some(point)) = (observation.latency_ms, points.latency) {
            self.latency_sum += latency;
            self.latency_count += 1;
            self.latency.add_point(point);
        }
        if let (Some(ttft), Some(point)) = (observation.ttft_ms, points.ttft) {
            self.ttft_sum += ttft;
            self.ttft_count += 1;
            self.ttft.add_point(point);
        }
    }
}

impl Cell {
    /// Adds another cell of the same bucket (sums add, sketches merge).
    pub fn merge(&mut self, other: &Cell) {
        self.merge_sums(other);
        self.latency.merge(&other.latency);
        self.ttft.merge(&other.ttft);
    }

    /// Adds another cell's counts and sums, leaving the sketches as they are.
    pub fn merge_sums(&mut self, other: &Cell) {
        self.requests += other.requests;
        self.status_2xx += other.status_2xx;
        self.status_4xx += other.status_4xx;
        self.status_429 += other.status_429;
        self.status_5xx += other.status_5xx;
        self.streamed += other.streamed;
        self.units.add(&other.units);
        self.cost += other.cost;
        self.cost_count += other.cost_count;
        self.latency_sum += other.latency_sum;
        self.latency_count += other.latency_count;
        self.ttft_sum += other.ttft_sum;
        self.ttft_count += other.ttft_count;
    }

    /// Takes away the counts and sums of a cell that `self` includes (the sketches stay: a
    /// quantile cannot be taken away).
    pub fn subtract_sums(&mut self, part: &Cell) {
        self.requests -= part.requests;
        self.status_2xx -= part.status_2xx;
        self.status_4xx -= part.status_4xx;
        self.status_429 -= part.status_429;
        self.status_5xx -= part.status_5xx;
        self.streamed -= part.streamed;
        self.units.subtract(&part.units);
        self.cost -= part.cost;
        self.cost_count -= part.cost_count;
        self.latency_sum -= part.latency_sum;
        self.latency_count -= part.latency_count;
        self.ttft_sum -= part.ttft_sum;
        self.ttft_count -= part.ttft_count;
    }
}

/// Cells by where they live.
pub type CellMap = crate::fast_map::FastMap<CellKey, Cell>;

/// Folds calls into their minute, hour and day cells, for their model and for all models.
pub fn aggregate<'a>(observations: impl IntoIterator<Item = Observation<'a>>) -> CellMap {
    let mut cells: CellMap = CellMap::default();
    for observation in observations {
        let points = Points::of(&observation);
        for level in Level::ALL {
            for model_id in [observation.model_id, ALL_MODELS] {
                let key = CellKey {
                    level,
                    workspace_id: observation.workspace_id,
                    bucket_ms: level.bucket(observation.ts_ms),
                    model_id,
                };
                cells.entry(key).or_default().add_with(&observation, points);
            }
        }
    }
    cells
}

/// The busiest minute seen so far inside each hour and day cell a batch writes: (calls, total
/// tokens). Writers add minute cells first and raise these from each minute's new totals.
#[derive(Default)]
pub struct Peaks(HashMap<CellKey, (i64, i64)>);

impl Peaks {
    /// Raises the hour and day cells around `minute` to its new `totals` where they are higher.
    pub fn raise(&mut self, minute: &CellKey, totals: (i64, i64)) {
        for level in [Level::Hour, Level::Day] {
            let key = CellKey {
                level,
                bucket_ms: level.bucket(minute.bucket_ms),
                ..*minute
            };
            let peak = self.0.entry(key).or_insert((0, 0));
            *peak = (peak.0.max(totals.0), peak.1.max(totals.1));
        }
    }

    /// The busiest minute inside hour or day cell `key` ((0, 0) when none was raised).
    pub fn of(&self, key: &CellKey) -> (i64, i64) {
        self.0.get(key).copied().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_start_at_whole_minutes_hours_and_days_in_utc() {
        let ts = 1_764_150_123_456; // 2025-11-26T09:42:03.456Z
        assert_eq!(Level::Minute.bucket(ts), 1_764_150_120_000);
        assert_eq!(Level::Hour.bucket(ts), 1_764_147_600_000);
        assert_eq!(Level::Day.bucket(ts), 1_764_115_200_000);
        assert_eq!(Level::Minute.bucket(-1), -60_000);
        assert_eq!(
            Level::Hour.bucket(Level::Hour.bucket(ts)),
            Level::Hour.bucket(ts)
        );
    }

    #[test]
    fn a_call_lands_in_one_cell_per_level_with_its_units_and_status_class() {
        let usage = Usage {
            input_tokens: Some(100),
            output_tokens: Some(20),
            total_tokens: Some(120),
            images: Some(2),
            audio_seconds: Some(1.5),
            ..Usage::default()
        };
        let base = Observation {
            workspace_id: 1,
            model_id: 7,
            ts_ms: 1_764_150_123_456,
            status: 200,
            stream: true,
            usage: &usage,
            latency_ms: Some(900),
            ttft_ms: Some(150),
            cost: Some(0.25),
        };
        let throttled = Observation {
            status: 429,
            stream: false,
            ttft_ms: None,
            cost: None,
            ts_ms: base.ts_ms + 61_000,
            ..base
        };
        let cells = aggregate([base, throttled]);
        assert_eq!(
            cells.len(),
            2 * (2 + 1 + 1),
            "two minutes, one hour, one day; for the model and for all models"
        );
        let hour = &cells[&CellKey {
            level: Level::Hour,
            workspace_id: 1,
            bucket_ms: Level::Hour.bucket(base.ts_ms),
            model_id: 7,
        }];
        assert_eq!(hour.requests, 2);
        assert_eq!(
            (
                hour.status_2xx,
                hour.status_4xx,
                hour.status_429,
                hour.status_5xx
            ),
            (1, 1, 1, 0)
        );
        assert_eq!(hour.streamed, 1);
        assert_eq!(hour.units.input_tokens, 200);
        assert_eq!(hour.units.images, 4);
        assert!((hour.units.audio_seconds - 3.0).abs() < 1e-9);
        assert_eq!(
            (hour.cost_count, hour.latency_count, hour.ttft_count),
            (1, 2, 1)
        );
        assert!((hour.cost - 0.25).abs() < 1e-12);
        assert_eq!(hour.latency_sum, 1_800);
        assert_eq!(hour.latency.count(), 2);
    }
}
