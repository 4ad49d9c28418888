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

fn ceil_minute(ms: i64) -> i64 {
    let floored = ms.div_euclid(MINUTE_MS) * MINUTE_MS;
    if floored == ms {
        ms
    } else {
        floored + MINUTE_MS
    }
}
