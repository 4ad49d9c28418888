//! How many calls match a Logs filter, from rollups where they can tell.

use app::model::StatusFilter;

use super::LogScope;
use crate::rollup::plan::plan;
use crate::rollup::{Cell, Level};
use crate::store::reads::{Cells, Sketches, Snapshot};
use crate::store::StoreError;

const MINUTE_MS: i64 = 60_000;

/// How many calls match the filter, from rollup cells for whole minutes and raw counts for
/// the partial minutes at the edges; `None` when rollups cannot tell (an exact status other
/// than 429, the 1xx and 3xx classes, or a request-ID prefix).
pub fn matching(snapshot: &dyn Snapshot, scope: &LogScope) -> Result<Option<i64>, StoreError> {
    if scope.request_id.is_some() {
        return Ok(None);
    }
    if !scope.narrowing.is_empty() {
        return by_dimension(snapshot, scope);
    }
    let take: fn(&Cell) -> i64 = match scope.status {
        None => |cell| cell.requests,
        Some(StatusFilter::Code(429)) => |cell| cell.status_429,
        Some(StatusFilter::Class(2)) => |cell| cell.status_2xx,
        Some(StatusFilter::Class(4)) => |cell| cell.status_4xx,
        Some(StatusFilter::Class(5)) => |cell| cell.status_5xx,
        Some(_) => return Ok(None),
    };
    let filter = &scope.calls;
    if filter.from_ms >= filter.to_ms {
        return Ok(Some(0));
    }
    let whole_from = ceil_minute(filter.from_ms);
    let whole_to = (filter.to_ms / MINUTE_MS * MINUTE_MS).max(whole_from);
    if whole_from >= filter.to_ms {
        return Ok(Some(
            snapshot.count_calls(filter, (filter.from_ms, filter.to_ms))?,
        ));
    }
    let mut total = snapshot.count_calls(filter, (filter.from_ms, whole_from))?
        + snapshot.count_calls(filter, (whole_to, filter.to_ms))?;
    if whole_from < whole_to {
        // Minute cells exist for the whole range: it lies inside retention.
        let segments = plan(whole_from, whole_to, Level::Day, whole_from);
        let which = match &filter.models {
            None => Cells::AllModels,
            Some(ids) => Cells::Models(ids),
        };
        total += snapshot
            .cells(filter.workspace_id, &segments, which, Sketches::Neither)?
            .iter()
            .map(|stored| take(&stored.cell))
            .sum::<i64>();
    }
    Ok(Some(total))
}

/// The count when the only filter besides time is one dimension value: that value's cells for
/// the whole hours (days, for users) inside the range, and raw rows at the edges.
fn by_dimension(snapshot: &dyn Snapshot, scope: &LogScope) -> Result<Option<i64>, StoreError> {
    let narrowing = &scope.narrowing;
    let only_one = narrowing.dimensions.len() == 1
        && narrowing.metadata.is_empty()
        && narrowing.error_type.is_none()
        && narrowing.min_latency_ms.is_none()
        && narrowing.min_ttft_ms.is_none()
        && narrowing.min_cost_micros.is_none();
    let filter = &scope.calls;
    if !only_one || scope.status.is_some() || filter.models.is_some() {
        return Ok(None);
    }
    let (dimension, value) = &narrowing.dimensions[0];
    if filter.from_ms >= filter.to_ms {
        return Ok(Some(0));
    }
    let Some(id) = snapshot.dimension_value_id(filter.workspace_id, *dimension, value)? else {
        return Ok(Some(0));
    };
    if dimension.daily_only() {
        // One user's calls are found through their index faster than their daily cells among
        // every user's (the cells are ordered by day, then value).
        return Ok(Some(
            snapshot.count_calls(filter, (filter.from_ms, filter.to_ms))?,
        ));
    }
    let level = crate::rollup::dims::levels(*dimension)[0];
    let width = level.width_ms();
    let whole_from = {
        let floored = level.bucket(filter.from_ms);
        if floored == filter.from_ms {
            floored
        } else {
            floored + width
        }
    };
    let whole_to = level.bucket(filter.to_ms).max(whole_from);
    if whole_from >= filter.to_ms || whole_from == whole_to {
        return Ok(Some(
            snapshot.count_calls(filter, (filter.from_ms, filter.to_ms))?,
        ));
    }
    let mut total = snapshot.count_calls(filter, (filter.from_ms, whole_from))?
        + snapshot.count_calls(filter, (whole_to, filter.to_ms))?;
    let segments = plan(whole_from, whole_to, Level::Day, whole_from);
    total += snapshot
        .cells(
            filter.workspace_id,
            &segments,
            Cells::DimensionValues(*dimension, &[id]),
            Sketches::Neither,
        )?
        .iter()
        .map(|stored| stored.cell.requests)
        .sum::<i64>();
    Ok(Some(total))
}

fn ceil_minute(ms: i64) -> i64 {
    let floored = ms.div_euclid(MINUTE_MS) * MINUTE_MS;
    if floored == ms {
        ms
    } else {
        floored + MINUTE_MS
    }
}
