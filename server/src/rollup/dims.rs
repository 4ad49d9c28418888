//! Cells per dimension value (user, app, API key, tag, operation, model kind, provider): the
//! same aggregates as the per-model cells, at hour and day level, or day only for a dimension
//! that can have many thousands of values (`Dimension::daily_only`). Pure code; the stores write
//! them (`rollup_dim_1h`, `rollup_dim_1d`).

use app::model::Dimension;

use crate::fast_map::FastMap;

use super::{Cell, Level, Observation, Points};

/// Where a dimension cell lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DimCellKey {
    pub level: Level,
    pub workspace_id: i64,
    pub dimension: Dimension,
    pub bucket_ms: i64,
    /// The value's dictionary id.
    pub value_id: i64,
}

/// Dimension cells by where they live.
pub type DimCellMap = FastMap<DimCellKey, Cell>;

/// The levels `dimension` keeps cells at.
pub fn levels(dimension: Dimension) -> &'static [Level] {
    if dimension.daily_only() {
        &[Level::Day]
    } else {
        &[Level::Hour, Level::Day]
    }
}

/// The table of dimension cells at `level` (hour or day).
pub fn table(level: Level) -> &'static str {
    match level {
        Level::Day => "rollup_dim_1d",
        Level::Hour | Level::Minute => "rollup_dim_1h",
    }
}

/// Folds calls into the cells of each of their dimension values.
pub fn aggregate<'a>(
    observations: impl IntoIterator<Item = (Observation<'a>, &'a [(Dimension, i64)])>,
) -> DimCellMap {
    let mut cells: DimCellMap = DimCellMap::default();
    for (observation, values) in observations {
        let points = Points::of(&observation);
        for (dimension, value_id) in values {
            for level in levels(*dimension) {
                let key = DimCellKey {
                    level: *level,
                    workspace_id: observation.workspace_id,
                    dimension: *dimension,
                    bucket_ms: level.bucket(observation.ts_ms),
                    value_id: *value_id,
                };
                cells.entry(key).or_default().add_with(&observation, points);
            }
        }
    }
    cells
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::model::Usage;

    #[test]
    fn each_value_gets_hour_and_day_cells_and_users_only_day_cells() {
        let usage = Usage {
            input_tokens: Some(10),
            ..Usage::default()
        };
        let observation = |ts_ms: i64| Observation {
            workspace_id: 1,
            model_id: 3,
            ts_ms,
            status: 200,
            stream: false,
            usage: &usage,
            latency_ms: Some(100),
            ttft_ms: None,
            cost: Some(0.5),
        };
        let values = [
            (Dimension::User, 7),
            (Dimension::Tag, 8),
            (Dimension::Tag, 9),
        ];
        let hour = 3_600_000;
        let cells = aggregate([
            (observation(hour), &values[..]),
            (observation(2 * hour + 5), &values[..1]),
        ]);
        let requests = |level: Level, dimension: Dimension, bucket: i64, value: i64| {
            cells
                .get(&DimCellKey {
                    level,
                    workspace_id: 1,
                    dimension,
                    bucket_ms: bucket,
                    value_id: value,
                })
                .map(|cell| cell.requests)
        };
        assert_eq!(requests(Level::Day, Dimension::User, 0, 7), Some(2));
        assert_eq!(requests(Level::Hour, Dimension::User, hour, 7), None);
        assert_eq!(requests(Level::Hour, Dimension::Tag, hour, 8), Some(1));
        assert_eq!(requests(Level::Day, Dimension::Tag, 0, 9), Some(1));
        // user day + two tags x (hour + day)
        assert_eq!(cells.len(), 5);
        let tag = &cells[&DimCellKey {
            level: Level::Day,
            workspace_id: 1,
            dimension: Dimension::Tag,
            bucket_ms: 0,
            value_id: 8,
        }];
        assert_eq!((tag.units.input_tokens, tag.cost_count), (10, 1));
    }
}
