//! Rollup cells and models in a PostgreSQL snapshot.

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

use app::model::{
    Amount, Dimension, Measure, ModelKind, ModelOption, UnitTotals, WorkspaceId, UNIT_COUNT,
};
use futures_util::TryStreamExt;
use sqlx::postgres::PgRow;
use sqlx::{QueryBuilder, Row};

use super::PgSnapshot;
use crate::rollup::plan::Segment;
use crate::rollup::{Cell, Level, Sketch};
use crate::store::columns::cell_columns;
use crate::store::postgres::dim_index;
use crate::store::reads::{CellReads, Cells, Sketches, StoredCell, ValueRank, WorkspaceModel};
use crate::store::StoreError;

fn sketch(row: &PgRow, index: usize) -> Result<Sketch, StoreError> {
    match row.try_get::<Option<&[u8]>, _>(index)? {
        Some(bytes) => {
            Sketch::decode(bytes).map_err(|error| StoreError::Corrupt(error.to_string()))
        }
        None => Ok(Sketch::new()),
    }
}

fn read_cell(level: Level, row: &PgRow, sketches: Sketches) -> Result<StoredCell, StoreError> {
    let units = UnitTotals::try_from_each(|offset, measure| {
        Ok::<_, StoreError>(match measure {
            Measure::Count => Amount::Count(row.try_get(8 + offset)?),
            Measure::Seconds => Amount::Seconds(row.try_get(8 + offset)?),
        })
    })?;
    let next = 8 + UNIT_COUNT;
    let peak_requests: Option<i64> = row.try_get(next + 8)?;
    let peak_tokens: Option<i64> = row.try_get(next + 9)?;
    Ok(StoredCell {
        level,
        bucket_ms: row.try_get(0)?,
        model_id: row.try_get(1)?,
        cell: Cell {
            requests: row.try_get(2)?,
            status_2xx: row.try_get(3)?,
            status_4xx: row.try_get(4)?,
            status_429: row.try_get(5)?,
            status_5xx: row.try_get(6)?,
            streamed: row.try_get(7)?,
            units,
            cost: row.try_get(next)?,
            cost_count: row.try_get(next + 1)?,
            latency_sum: row.try_get(next + 2)?,
            latency_count: row.try_get(next + 3)?,
            ttft_sum: row.try_get(next + 4)?,
            ttft_count: row.try_get(next + 5)?,
            latency: match sketches {
                Sketches::Neither => Sketch::new(),
                Sketches::LatencyOnly | Sketches::LatencyAndTtft => sketch(row, next + 6)?,
            },
            ttft: match sketches {
                Sketches::LatencyAndTtft => sketch(row, next + 7)?,
                Sketches::Neither | Sketches::LatencyOnly => Sketch::new(),
            },
        },
        peak_minute: peak_requests.zip(peak_tokens),
    })
}

impl CellReads for PgSnapshot {
    fn models(&self, workspace_id: WorkspaceId) -> Result<Vec<WorkspaceModel>, StoreError> {
        let rows: Vec<(i64, String, String)> = self.run(async move |conn| {
            Ok(sqlx::query_as(
                "SELECT id, name, kind FROM models WHERE workspace_id = $1 ORDER BY name",
            )
            .bind(workspace_id.get())
            .fetch_all(conn)
            .await?)
        })?;
        rows.into_iter()
            .map(|(id, name, kind)| {
                let kind = ModelKind::parse(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("unknown model kind {kind}")))?;
                Ok(WorkspaceModel {
                    id,
                    option: ModelOption { name, kind },
                })
            })
            .collect()
    }

    fn dimension_values(
        &self,
        workspace_id: WorkspaceId,
        ids: &[i64],
    ) -> Result<Vec<(i64, Dimension, String)>, StoreError> {
        let ids = ids.to_vec();
        let rows: Vec<(i64, i64, String)> = self.run(async move |conn| {
            Ok(sqlx::query_as(
                "SELECT id, dimension, value FROM dimension_values \
                 WHERE workspace_id = $1 AND id = ANY($2)",
            )
            .bind(workspace_id.get())
            .bind(ids)
            .fetch_all(conn)
            .await?)
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, code, value)| Some((id, Dimension::from_code(code)?, value)))
            .collect())
    }

    fn dimension_value_id(
        &self,
        workspace_id: WorkspaceId,
        dimension: Dimension,
        value: &str,
    ) -> Result<Option<i64>, StoreError> {
        let value = value.to_owned();
        self.run(async move |conn| {
            Ok(sqlx::query_scalar(
                "SELECT id FROM dimension_values \
                 WHERE workspace_id = $1 AND dimension = $2 AND value = $3",
            )
            .bind(workspace_id.get())
            .bind(dimension.code())
            .bind(value)
            .fetch_optional(conn)
            .await?)
        })
    }

    fn dimension_ranks(
        &self,
        workspace_id: WorkspaceId,
        dimension: Dimension,
        segments: &[Segment],
    ) -> Result<Vec<ValueRank>, StoreError> {
        let mut ranks = Vec::new();
        for segment in segments {
            if segment.level == Level::Minute {
                continue;
            }
            let ranks = &mut ranks;
            self.run(async move |conn| {
                dim_index::read_ranks_into(conn, workspace_id.get(), dimension, segment, ranks)
                    .await
            })?;
        }
        Ok(ranks)
    }

    fn dimension_totals(
        &self,
        workspace_id: WorkspaceId,
        dimension: Dimension,
        segments: &[Segment],
    ) -> Result<Vec<StoredCell>, StoreError> {
        let mut totals = Vec::new();
        for segment in segments {
            if segment.level == Level::Minute {
                continue;
            }
            // The indexed totals (value id 0), one per bucket, and every pending cell.
            let columns = cell_columns(
                segment.level,
                Cells::Dimension(dimension),
                Sketches::Neither,
            );
            let sql = format!(
                "SELECT {columns} FROM {} WHERE {PLACE} AND value_id = 0",
                crate::rollup::dims::table(segment.level),
            );
            let place = (workspace_id, dimension, segment);
            let mut buckets: BTreeMap<i64, StoredCell> = BTreeMap::new();
            let mut indexed = Vec::new();
            self.dimension_rows(&sql, place, None, Sketches::Neither, &mut indexed)?;
            let mut add = |stored: StoredCell| match buckets.entry(stored.bucket_ms) {
                Entry::Vacant(entry) => {
                    entry.insert(stored);
                }
                Entry::Occupied(mut entry) => entry.get_mut().cell.merge(&stored.cell),
            };
            indexed.into_iter().for_each(&mut add);
            self.pending_cells(
                place,
                Sketches::Neither,
                |_| true,
                |stored| {
                    add(StoredCell {
                        model_id: 0,
                        ..stored
                    })
                },
            )?;
            totals.extend(buckets.into_values());
        }
        Ok(totals)
    }

    fn cells(
        &self,
        workspace_id: WorkspaceId,
        segments: &[Segment],
        which: Cells<'_>,
        sketches: Sketches,
    ) -> Result<Vec<StoredCell>, StoreError> {
        if which.ids().is_some_and(<[i64]>::is_empty) {
            return Ok(Vec::new());
        }
        if let Cells::DimensionValues(dimension, ids) = which {
            return self.dimension_cells(workspace_id, segments, dimension, ids, sketches);
        }
        let mut cells = Vec::new();
        for segment in segments {
            let table = which.table(segment.level);
            let mut query = QueryBuilder::new(format!(
                "SELECT {} FROM {table} WHERE workspace_id = ",
                cell_columns(segment.level, which, sketches)
            ));
            query
                .push_bind(workspace_id.get())
                .push(" AND bucket_ms >= ")
                .push_bind(segment.from_ms)
                .push(" AND bucket_ms < ")
                .push_bind(segment.to_ms);
            if let Some(ids) = which.ids() {
                query
                    .push(format!(" AND {} = ANY(", which.key_column()))
                    .push_bind(ids.to_vec())
                    .push(")");
            }
            let level = segment.level;
            let cells = &mut cells;
            self.run(async move |conn| {
                let mut rows = query.build().fetch(conn);
                while let Some(row) = rows.try_next().await? {
                    cells.push(read_cell(level, &row, sketches)?);
                }
                Ok(())
            })?;
        }
        Ok(cells)
    }
}

/// Where a dimension's cells of a segment are. Binds: workspace, dimension, from, to.
const PLACE: &str = "workspace_id = $1 AND dimension = $2 AND bucket_ms >= $3 AND bucket_ms < $4";

impl PgSnapshot {
    /// The cells of `ids` of `dimension`, indexed and pending (a value's bucket may come more
    /// than once: readers merge by value and bucket).
    fn dimension_cells(
        &self,
        workspace_id: WorkspaceId,
        segments: &[Segment],
        dimension: Dimension,
        ids: &[i64],
        sketches: Sketches,
    ) -> Result<Vec<StoredCell>, StoreError> {
        let mut cells = Vec::new();
        for segment in segments {
            if segment.level == Level::Minute {
                continue;
            }
            let columns = cell_columns(
                segment.level,
                Cells::DimensionValues(dimension, ids),
                sketches,
            );
            let sql = format!(
                "SELECT {columns} FROM {} WHERE {PLACE} AND value_id = ANY($5)",
                crate::rollup::dims::table(segment.level),
            );
            let place = (workspace_id, dimension, segment);
            self.dimension_rows(&sql, place, Some(ids), sketches, &mut cells)?;
            let mut wanted = ids.to_vec();
            wanted.sort_unstable();
            let keep = |value_id: i64| wanted.binary_search(&value_id).is_ok();
            self.pending_cells(place, sketches, keep, |stored| cells.push(stored))?;
        }
        Ok(cells)
    }

    /// The pending cells of a dimension in a segment whose value `keep` wants, as stored cells
    /// (a value's bucket may come more than once).
    fn pending_cells(
        &self,
        (workspace_id, dimension, segment): (WorkspaceId, Dimension, &Segment),
        sketches: Sketches,
        keep: impl FnMut(i64) -> bool + Send,
        mut each: impl FnMut(StoredCell) + Send,
    ) -> Result<(), StoreError> {
        let level = segment.level;
        self.run(async move |conn| {
            let place = (workspace_id.get(), dimension);
            let each = |bucket_ms, model_id, cell| {
                each(StoredCell {
                    level,
                    bucket_ms,
                    model_id,
                    cell,
                    peak_minute: None,
                })
            };
            dim_index::read_pending(conn, place, segment, sketches, keep, each).await
        })
    }

    /// Runs `sql` over a dimension's cells in a segment (binds: the workspace, the dimension,
    /// the segment's bounds, then `ids` when given) and adds the cells read to `into`.
    fn dimension_rows(
        &self,
        sql: &str,
        (workspace_id, dimension, segment): (WorkspaceId, Dimension, &Segment),
        ids: Option<&[i64]>,
        sketches: Sketches,
        into: &mut Vec<StoredCell>,
    ) -> Result<(), StoreError> {
        let (level, from, to) = (segment.level, segment.from_ms, segment.to_ms);
        let ids = ids.map(<[i64]>::to_vec);
        self.run(async move |conn| {
            let mut query = sqlx::query(sql)
                .bind(workspace_id.get())
                .bind(dimension.code())
                .bind(from)
                .bind(to);
            if let Some(ids) = ids {
                query = query.bind(ids);
            }
            let mut rows = query.fetch(conn);
            while let Some(row) = rows.try_next().await? {
                into.push(read_cell(level, &row, sketches)?);
            }
            Ok(())
        })
    }
}
