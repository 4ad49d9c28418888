//! A call filter's conditions (models, status, id prefix and each `reads::Narrow`) as
//! PostgreSQL SQL on `requests`.

use sqlx::{Postgres, QueryBuilder};

use app::model::WorkspaceId;

use crate::store::reads::{CallFilter, Narrow, StatusMatch};

/// Appends one narrowing condition.
fn push_narrow(
    filter: &CallFilter,
    narrow: &Narrow,
    window: Option<(i64, i64)>,
    query: &mut QueryBuilder<'_, Postgres>,
) {
    query.push(" AND ");
    match narrow {
        Narrow::Nothing => {
            query.push("false");
        }
        Narrow::User(id) => {
            query.push("user_id = ").push_bind(*id);
        }
        Narrow::App(id) => {
            query.push("app_id = ").push_bind(*id);
        }
        Narrow::Provider(id) => {
            query.push("provider_id = ").push_bind(*id);
        }
        Narrow::Tag(id) => match window {
            Some((from, to)) => {
                query
                    .push("id IN (SELECT request_row_id FROM request_tags WHERE workspace_id = ")
                    .push_bind(filter.workspace_id.get())
                    .push(" AND tag_id = ")
                    .push_bind(*id)
                    .push(" AND ts_ms >= ")
                    .push_bind(from)
                    .push(" AND ts_ms < ")
                    .push_bind(to)
                    .push(")");
            }
            None => {
                query
                    .push("EXISTS (SELECT 1 FROM request_tags AS t WHERE t.workspace_id = ")
                    .push_bind(filter.workspace_id.get())
                    .push(" AND t.tag_id = ")
                    .push_bind(*id)
                    .push(
                        " AND t.ts_ms = requests.ts_ms AND t.request_row_id = requests.id \
                         AND t.hour = requests.hour)",
                    );
            }
        },
        Narrow::Keys(ids) => {
            query
                .push("ingest_key_id = ANY(")
                .push_bind(ids.clone())
                .push(")");
        }
        Narrow::Kind(code) => {
            query
                .push("kind = ")
                .push_bind(i16::try_from(*code).unwrap_or(i16::MAX));
        }
        Narrow::Operation { name, default_of } => {
            let kinds: Vec<i16> = default_of
                .iter()
                .map(|code| i16::try_from(*code).unwrap_or(i16::MAX))
                .collect();
            query
                .push("(operation = ")
                .push_bind(name.clone())
                .push(" OR (operation IS NULL AND kind = ANY(")
                .push_bind(kinds)
                .push(")))");
        }
        Narrow::Metadata { key, value } => {
            query
                .push("(metadata::jsonb ->> ")
                .push_bind(key.clone())
                .push(") = ")
                .push_bind(value.clone());
        }
        Narrow::ErrorType(error_type) => {
            query.push("error_type = ").push_bind(error_type.clone());
        }
        Narrow::MinLatencyMs(ms) => {
            query.push("latency_ms >= ").push_bind(*ms);
        }
        Narrow::MinTtftMs(ms) => {
            query.push("ttft_ms >= ").push_bind(*ms);
        }
        Narrow::MinCost(cost) => {
            query.push("cost >= ").push_bind(*cost);
        }
    }
}

/// Appends the conditions of `filter` other than the workspace and time to `query`. A tag is
/// looked up within `window` when the query reads one window of time, else per row.
pub fn push_conditions(
    filter: &CallFilter,
    window: Option<(i64, i64)>,
    query: &mut QueryBuilder<'_, Postgres>,
) {
    push_plain_conditions(filter, query);
    push_narrowing(filter, window, query, None);
}

/// The models, statuses and id prefix of `filter`.
fn push_plain_conditions(filter: &CallFilter, query: &mut QueryBuilder<'_, Postgres>) {
    if let Some(models) = &filter.models {
        query
            .push(" AND model_id = ANY(")
            .push_bind(models.clone())
            .push(")");
    }
    match &filter.status {
        None => {}
        Some(StatusMatch::Codes(codes)) => {
            let codes: Vec<i32> = codes
                .iter()
                .map(|code| i32::try_from(*code).unwrap_or(i32::MAX))
                .collect();
            query
                .push(" AND status = ANY(")
                .push_bind(codes)
                .push(") AND status >= 400");
        }
        Some(StatusMatch::Range(low, high)) => {
            let clamp = |value: i64| value.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
            query
                .push(" AND status >= ")
                .push_bind(clamp(*low))
                .push(" AND status < ")
                .push_bind(clamp(*high));
        }
    }
    if let Some(prefix) = &filter.id_prefix {
        // request_id is in the "C" collation: a prefix is the byte range [prefix, prefix + 1).
        query
            .push(" AND starts_with(request_id, ")
            .push_bind(prefix.clone())
            .push(")");
    }
}

fn push_narrowing(
    filter: &CallFilter,
    window: Option<(i64, i64)>,
    query: &mut QueryBuilder<'_, Postgres>,
    driven_by: Option<i64>,
) {
    for narrow in &filter.narrowing {
        if matches!(narrow, Narrow::Tag(id) if Some(*id) == driven_by) {
            continue;
        }
        push_narrow(filter, narrow, window, query);
    }
}

/// [`push_conditions`] after [`select_window`]: the tag that drives the query is not checked
/// again.
pub fn push_window_conditions(
    filter: &CallFilter,
    window: (i64, i64),
    query: &mut QueryBuilder<'_, Postgres>,
) {
    push_plain_conditions(filter, query);
    push_narrowing(filter, Some(window), query, driving_tag(filter));
}

/// The columns a window's page is ordered and continued by after [`select_window`]: the tag
/// entries' time and row when a tag drives it (the same values as the call's), else the call's.
pub fn window_keys(filter: &CallFilter) -> (&'static str, &'static str) {
    match driving_tag(filter) {
        Some(_) => ("tag_ts", "tag_row"),
        None => ("ts_ms", "id"),
    }
}

/// The tag whose entries drive a window's query, if the filter names one: its first.
fn driving_tag(filter: &CallFilter) -> Option<i64> {
    filter.narrowing.iter().find_map(|narrow| match narrow {
        Narrow::Tag(id) => Some(*id),
        _ => None,
    })
}

/// `SELECT what FROM requests` in the workspace and `window`, before [`push_conditions`]. With
/// a tag, the calls come from the tag's entries in `request_tags` in time order (its key; the
/// page is ordered by [`window_keys`]), each looking up its row by hour, time and id in a
/// `LATERAL ... LIMIT 1`, which PostgreSQL must run as a nested loop: a page of a tag on 1 % of
/// 10M calls reads 50 entries and 50 rows (7 ms), where the planner's hash join read every call
/// of the window (40 ms, past the page's deadline).
pub fn select_window<'a>(
    what: &str,
    filter: &CallFilter,
    (from, to): (i64, i64),
) -> QueryBuilder<'a, Postgres> {
    let Some(tag) = driving_tag(filter) else {
        return select(what, filter.workspace_id, (from, to));
    };
    let workspace_id = filter.workspace_id.get();
    let mut query = QueryBuilder::new(format!(
        "SELECT {what} FROM (SELECT workspace_id AS tag_workspace, hour AS tag_hour, \
         ts_ms AS tag_ts, request_row_id AS tag_row FROM request_tags WHERE workspace_id = "
    ));
    query
        .push_bind(workspace_id)
        .push(" AND tag_id = ")
        .push_bind(tag)
        .push(" AND ts_ms >= ")
        .push_bind(from)
        .push(" AND ts_ms < ")
        .push_bind(to);
    push_hours(&mut query, (from, to));
    query.push(
        ") AS tagged CROSS JOIN LATERAL (SELECT * FROM requests \
         WHERE workspace_id = tagged.tag_workspace AND hour = tagged.tag_hour \
         AND ts_ms = tagged.tag_ts AND id = tagged.tag_row",
    );
    push_hours(&mut query, (from, to));
    query.push(" LIMIT 1) AS requests WHERE true");
    query
}

/// `SELECT count(*)` of the calls in `window` when `filter` holds one tag and nothing else: the
/// tag's entries in `request_tags` (one per call and tag), counted in their own index, where
/// the semi-join with `requests` read every call of the window (30,000 rows for an hour's edge
/// of a 10M-call range).
pub fn count_tag_entries<'a>(
    filter: &CallFilter,
    (from, to): (i64, i64),
) -> Option<QueryBuilder<'a, Postgres>> {
    let [Narrow::Tag(tag)] = filter.narrowing.as_slice() else {
        return None;
    };
    if filter.models.is_some() || filter.status.is_some() || filter.id_prefix.is_some() {
        return None;
    }
    let mut query = QueryBuilder::new("SELECT count(*) FROM request_tags WHERE workspace_id = ");
    query
        .push_bind(filter.workspace_id.get())
        .push(" AND tag_id = ")
        .push_bind(*tag)
        .push(" AND ts_ms >= ")
        .push_bind(from)
        .push(" AND ts_ms < ")
        .push_bind(to);
    push_hours(&mut query, (from, to));
    Some(query)
}

/// The hours of `[from, to)`, which the time bounds imply: with them PostgreSQL plans only the
/// partitions of those days (planning every day's partition of two tables cost more than
/// running a tag's page).
fn push_hours(query: &mut QueryBuilder<'_, Postgres>, (from, to): (i64, i64)) {
    query
        .push(" AND hour >= ")
        .push_bind(from.div_euclid(3_600_000))
        .push(" AND hour <= ")
        .push_bind(to.saturating_sub(1).div_euclid(3_600_000));
}

/// `SELECT <what> FROM requests WHERE` the workspace and `[from, to)`.
pub fn select<'a>(
    what: &str,
    workspace_id: WorkspaceId,
    (from, to): (i64, i64),
) -> QueryBuilder<'a, Postgres> {
    let mut query = QueryBuilder::new(format!("SELECT {what} FROM requests WHERE workspace_id = "));
    query
        .push_bind(workspace_id.get())
        .push(" AND ts_ms >= ")
        .push_bind(from)
        .push(" AND ts_ms < ")
        .push_bind(to);
    push_hours(&mut query, (from, to));
    query
}
