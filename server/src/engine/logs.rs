//! The Logs tab's reads: one page of calls for a filter (keyset pagination, never OFFSET), the
//! count of matching calls from rollups, and one call's details.
//!
//! A page is searched a window of time at a time, newest first, each window four times the
//! last, and the search stops once the page is full or, for rare matches, once a time budget
//! is spent: then the page says how far back it looked and its "older" link continues from
//! there. So the first page answers quickly for any combination of filters.

use app::model::WorkspaceId;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use app::model::{Cursor, LogDetail, LogRow, ModelOption, PAGE_SIZE};
use app::url_state::{LogsFilter, Narrowing, PageAt, RequestIdFilter, StatusFilter};

use super::request_ids::{hour_of, RequestIds};

use crate::store::reads::request_key;
use crate::store::reads::{CallFilter, Order, Snapshot, StatusMatch, StoredCall};
use crate::store::StoreError;

mod count;

pub use count::matching;

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;
/// The first window searched; each next one is [`GROWTH`] times wider.
const FIRST_WINDOW_MS: i64 = 5 * MINUTE_MS;
const GROWTH: i64 = 4;
/// After this long, a page that is not full yet is answered with what was found.
pub const SEARCH_BUDGET: Duration = Duration::from_millis(6);

/// One Logs question, resolved against the workspace: model names are ids, the range is
/// clamped to what retention keeps.
#[derive(Clone, Debug)]
pub struct LogScope {
    pub calls: CallFilter,
    pub status: Option<StatusFilter>,
    pub request_id: Option<RequestIdFilter>,
    /// The narrowing as the filter names it (values, not ids).
    pub narrowing: Narrowing,
    pub page: PageAt,
    pub models: HashMap<i64, String>,
    pub model_options: Vec<ModelOption>,
}

impl LogScope {
    /// Resolves `filter` for `workspace_id` at `now_ms`; calls older than `retention_days`
    /// are never shown, even before the purge job has removed them.
    pub fn resolve(
        snapshot: &dyn Snapshot,
        workspace_id: WorkspaceId,
        filter: &LogsFilter,
        now_ms: i64,
        retention_days: u32,
    ) -> Result<Self, StoreError> {
        let (from_ms, to_ms) = filter.range.bounds(now_ms);
        let from_ms = from_ms.max(now_ms - i64::from(retention_days) * DAY_MS);
        let to_ms = to_ms.max(from_ms);
        let known = snapshot.models(workspace_id)?;
        let chosen = (!filter.models.is_empty()).then(|| {
            known
                .iter()
                .filter(|model| filter.models.contains(&model.option.name))
                .map(|model| model.id)
                .collect()
        });
        Ok(Self {
            calls: CallFilter {
                workspace_id,
                from_ms,
                to_ms,
                models: chosen,
                status: match filter.status.map(StatusFilter::bounds) {
                    None => None,
                    Some((low, high)) if low >= 400 => Some(StatusMatch::Codes(
                        snapshot.error_codes(workspace_id, i64::from(low), i64::from(high))?,
                    )),
                    Some((low, high)) => Some(StatusMatch::Range(i64::from(low), i64::from(high))),
                },
                id_prefix: match &filter.request_id {
                    Some(RequestIdFilter::Prefix(prefix)) => Some(prefix.clone()),
                    _ => None,
                },
                narrowing: crate::store::narrowing::resolve(
                    snapshot,
                    workspace_id,
                    &filter.narrowing,
                )?,
            },
            status: filter.status,
            request_id: filter.request_id.clone(),
            narrowing: filter.narrowing.clone(),
            page: filter.page,
            models: known
                .iter()
                .map(|model| (model.id, model.option.name.clone()))
                .collect(),
            model_options: known.into_iter().map(|model| model.option).collect(),
        })
    }

    fn row(&self, call: StoredCall) -> LogRow {
        LogRow {
            cursor: Cursor {
                ts_ms: call.ts_ms,
                row: call.row,
            },
            model: model_name(&self.models, call.model_id),
            request_id: call.request_id,
            ts_ms: call.ts_ms,
            kind: call.kind,
            status: status_u16(call.status),
            usage: call.usage,
            ttft_ms: call.ttft_ms,
            latency_ms: call.latency_ms,
            cost: call.cost,
            stream: call.stream,
        }
    }
}

fn model_name(models: &HashMap<i64, String>, id: i64) -> String {
    models
        .get(&id)
        .cloned()
        .unwrap_or_else(|| format!("model #{id}"))
}

fn status_u16(status: i64) -> u16 {
    u16::try_from(status).unwrap_or(0)
}

/// One page of rows with its links; the count and retention are filled in by the caller.
#[derive(Debug, Default)]
pub struct Page {
    pub rows: Vec<LogRow>,
    pub older: Option<Cursor>,
    pub newer: Option<Cursor>,
    pub searched_to_ms: Option<i64>,
}

/// The page `scope` asks for.
pub fn page(
    snapshot: &dyn Snapshot,
    scope: &LogScope,
    ids: &RequestIds,
    budget: Duration,
) -> Result<Page, StoreError> {
    if let Some(RequestIdFilter::Exact(id)) = &scope.request_id {
        let rows = by_request_id(snapshot, &scope.calls, ids, id)?;
        return Ok(Page {
            rows: rows.into_iter().map(|call| scope.row(call)).collect(),
            ..Page::default()
        });
    }
    match scope.page {
        PageAt::Newest => older_than(snapshot, scope, None, budget),
        PageAt::Before(cursor) => older_than(snapshot, scope, Some(cursor), budget),
        PageAt::After(cursor) => {
            let (found, stopped_at) = search(
                snapshot,
                &scope.calls,
                Some(cursor),
                Order::OldestFirst,
                budget,
            )?;
            if found.len() <= PAGE_SIZE && stopped_at.is_none() {
                // Fewer than a page of newer calls: that is the newest page.
                return older_than(snapshot, scope, None, budget);
            }
            let more_newer = found.len() > PAGE_SIZE;
            let mut rows: Vec<LogRow> = found
                .into_iter()
                .take(PAGE_SIZE)
                .map(|call| scope.row(call))
                .collect();
            rows.reverse();
            Ok(Page {
                newer: more_newer
                    .then(|| rows.first().map(|row| row.cursor))
                    .flatten(),
                older: rows.last().map(|row| row.cursor),
                rows,
                searched_to_ms: None,
            })
        }
    }
}

fn older_than(
    snapshot: &dyn Snapshot,
    scope: &LogScope,
    cursor: Option<Cursor>,
    budget: Duration,
) -> Result<Page, StoreError> {
    let (found, stopped_at) = search(snapshot, &scope.calls, cursor, Order::NewestFirst, budget)?;
    let complete = stopped_at.is_none();
    let more_older = found.len() > PAGE_SIZE;
    let rows: Vec<LogRow> = found
        .into_iter()
        .take(PAGE_SIZE)
        .map(|call| scope.row(call))
        .collect();
    let newer = cursor.and(rows.first().map(|row| row.cursor));
    if more_older || complete {
        return Ok(Page {
            older: more_older
                .then(|| rows.last().map(|row| row.cursor))
                .flatten(),
            newer,
            rows,
            searched_to_ms: None,
        });
    }
    // Stopped early: continue from the oldest time searched.
    let searched_to_ms = stopped_at.unwrap_or(scope.calls.from_ms);
    Ok(Page {
        older: Some(Cursor {
            ts_ms: searched_to_ms,
            row: 0,
        }),
        newer,
        rows,
        searched_to_ms: Some(searched_to_ms),
    })
}

/// Up to a page and one more of the calls past `cursor` in `order`, searched window by
/// window; also where the search stopped when the budget ran out before the range did (the
/// calls beyond that time were not looked at).
fn search(
    snapshot: &dyn Snapshot,
    filter: &CallFilter,
    cursor: Option<Cursor>,
    order: Order,
    budget: Duration,
) -> Result<(Vec<StoredCall>, Option<i64>), StoreError> {
    let deadline = Instant::now() + budget;
    let wanted = PAGE_SIZE + 1;
    let keyset = cursor.map(|cursor| (cursor.ts_ms, cursor.row));
    let mut found = Vec::new();
    let mut width = FIRST_WINDOW_MS;
    // The time up to which the search has looked, and the end of the range.
    let (mut reached, end) = match order {
        Order::NewestFirst => (
            cursor.map_or(filter.to_ms, |cursor| {
                filter.to_ms.min(cursor.ts_ms.saturating_add(1))
            }),
            filter.from_ms,
        ),
        Order::OldestFirst => (
            cursor.map_or(filter.from_ms, |cursor| filter.from_ms.max(cursor.ts_ms)),
            filter.to_ms,
        ),
    };
    let mut first = true;
    while reached != end && found.len() < wanted {
        let window = match order {
            Order::NewestFirst => (end.max(reached.saturating_sub(width)), reached),
            Order::OldestFirst => (reached, end.min(reached.saturating_add(width))),
        };
        // The first window always completes, so every answer makes progress.
        let limit = if first { None } else { Some(deadline) };
        let Some(calls) =
            snapshot.calls_in_window(filter, window, keyset, order, wanted - found.len(), limit)?
        else {
            return Ok((found, Some(reached)));
        };
        found.extend(calls);
        first = false;
        reached = match order {
            Order::NewestFirst => window.0,
            Order::OldestFirst => window.1,
        };
        width = width.saturating_mul(GROWTH);
        if found.len() < wanted && reached != end && Instant::now() > deadline {
            return Ok((found, Some(reached)));
        }
    }
    Ok((found, None))
}

/// The calls with exactly `request_id` that match `filter`, newest first.
pub fn by_request_id(
    snapshot: &dyn Snapshot,
    filter: &CallFilter,
    ids: &RequestIds,
    request_id: &str,
) -> Result<Vec<StoredCall>, StoreError> {
    if let Some(found) = snapshot.calls_with_request_id(filter, request_id)? {
        return Ok(found);
    }
    ids.catch_up(snapshot)?;
    let key = request_key(request_id);
    let last_ms = filter.to_ms.saturating_sub(1).max(filter.from_ms);
    let mut found = Vec::new();
    for hour in ids.hours_with(
        filter.workspace_id.get(),
        key,
        hour_of(filter.from_ms),
        hour_of(last_ms),
    ) {
        found.extend(
            snapshot
                .calls_by_key(filter, hour, key)?
                .into_iter()
                .filter(|call| call.request_id == request_id),
        );
    }
    Ok(found)
}

/// Everything stored about the newest call with `request_id` inside `filter`'s range.
pub fn detail(
    snapshot: &dyn Snapshot,
    filter: &CallFilter,
    ids: &RequestIds,
    models: &HashMap<i64, String>,
    request_id: &str,
) -> Result<Option<LogDetail>, StoreError> {
    let mut found = by_request_id(snapshot, filter, ids, request_id)?;
    found.truncate(1);
    crate::store::dimensions::restore_metadata(snapshot, filter.workspace_id, &mut found)?;
    let Some(call) = found.into_iter().next() else {
        return Ok(None);
    };
    let (request_body, response_body) = if call.has_body {
        snapshot.bodies(call.row)?
    } else {
        (None, None)
    };
    let mut usage = call.usage.clone();
    if let Some(other) = &call.usage_other {
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(other) {
            usage.other = map;
        }
    }
    Ok(Some(LogDetail {
        request_id: call.request_id.clone(),
        ts_ms: call.ts_ms,
        model: model_name(models, call.model_id),
        kind: call.kind,
        operation: call.operation_name().to_owned(),
        status: status_u16(call.status),
        error_type: call.error_type.clone(),
        error_message: call.error_message.clone(),
        usage,
        latency_ms: call.latency_ms,
        ttft_ms: call.ttft_ms,
        first_byte_ms: call.first_byte_ms,
        cost: call.cost,
        source: call.source_name().to_owned(),
        stream: call.stream,
        api_key: call.api_key.clone(),
        metadata: call
            .metadata
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok()),
        upstream_request_id: call.upstream_request_id.clone(),
        request_body,
        response_body,
    }))
}
