//! A call filter's conditions (models, status, id prefix and each `reads::Narrow`) as
//! PostgreSQL SQL on `requests`.

use sqlx::{Postgres, QueryBuilder};

use app::model::WorkspaceId;

use crate::store::postgres::tag_lists::HOUR_MS;
use crate::store::reads::{uuid_prefix_range, CallFilter, Narrow, Order, StatusMatch};

/// Appends one narrowing condition.
fn push_narrow(narrow: &Narrow, query: &mut QueryBuilder<'_, Postgres>) {
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
        // The row's own tag ids (`12,57`): a tag's lists drive a page or a count
        // (`reads::tagged`); this checks a row that something else found.
        Narrow::Tag(id) => {
            query
                .push("(',' || tag_ids || ',') LIKE ")
                .push_bind(format!("%,{id},%"));
        }
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

/// Appends the conditions of `filter` other than the workspace and time to `query`.
pub fn push_conditions(filter: &CallFilter, query: &mut QueryBuilder<'_, Postgres>) {
    push_plain_conditions(filter, query);
    push_narrowing(filter, query, false);
}

/// 16 bytes as a UUID's text, for binding.
fn uuid_text(bytes: &[u8]) -> String {
    uuid::Uuid::from_slice(bytes)
        .map(|uuid| uuid.hyphenated().to_string())
        .unwrap_or_default()
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
        // Ids kept as text start with the prefix; ids kept as UUIDs lie in the range of those
        // whose text does, compared as 16 bytes (no conversion to text per row).
        query
            .push(" AND (starts_with(request_id, ")
            .push_bind(prefix.clone())
            .push(")");
        if let Some((low, high)) = uuid_prefix_range(prefix) {
            query
                .push(" OR request_uuid >= ")
                .push_bind(uuid_text(&low))
                .push("::UUID");
            if high.len() == 16 {
                query
                    .push(" AND request_uuid < ")
                    .push_bind(uuid_text(&high))
                    .push("::UUID");
            }
        }
        query.push(")");
    }
}

fn push_narrowing(filter: &CallFilter, query: &mut QueryBuilder<'_, Postgres>, tags_checked: bool) {
    for narrow in &filter.narrowing {
        if tags_checked && matches!(narrow, Narrow::Tag(_)) {
            continue;
        }
        push_narrow(narrow, query);
    }
}

/// [`push_conditions`] for calls found through the tags' lists: the tags are not checked again.
pub fn push_conditions_besides_tags(filter: &CallFilter, query: &mut QueryBuilder<'_, Postgres>) {
    push_plain_conditions(filter, query);
    push_narrowing(filter, query, true);
}

/// The tags whose lists drive a page of `filter` (a call must be in all of them): every tag it
/// names, unless it names a user too, whose calls (`requests_by_user`, a few hundred over a
/// month where a tag has thousands) are fewer to look at.
pub fn driving_tags(filter: &CallFilter) -> Vec<i64> {
    if names_user(filter) {
        return Vec::new();
    }
    filter
        .narrowing
        .iter()
        .filter_map(|narrow| match narrow {
            Narrow::Tag(id) => Some(*id),
            _ => None,
        })
        .collect()
}

/// The one tag of `filter` when nothing else narrows it (its count is its lists' count).
pub fn lone_tag(filter: &CallFilter) -> Option<i64> {
    let [Narrow::Tag(tag)] = filter.narrowing.as_slice() else {
        return None;
    };
    (filter.models.is_none() && filter.status.is_none() && filter.id_prefix.is_none())
        .then_some(*tag)
}

/// The hours of `[from, to)`, which the time bounds imply: with them PostgreSQL plans only the
/// partitions of those days (planning every day's partition of two tables cost more than
/// running a tag's page).
pub fn push_hours(query: &mut QueryBuilder<'_, Postgres>, (from, to): (i64, i64)) {
    query
        .push(" AND hour >= ")
        .push_bind(from.div_euclid(HOUR_MS))
        .push(" AND hour <= ")
        .push_bind(to.saturating_sub(1).div_euclid(HOUR_MS));
}

/// `SELECT <what> FROM requests WHERE` the workspace and `[from, to)`.
pub fn select<'a>(
    what: &str,
    workspace_id: WorkspaceId,
    window: (i64, i64),
) -> QueryBuilder<'a, Postgres> {
    let mut query = QueryBuilder::new("");
    push_select(&mut query, what, workspace_id, window);
    query
}

fn push_select(
    query: &mut QueryBuilder<'_, Postgres>,
    what: &str,
    workspace_id: WorkspaceId,
    (from, to): (i64, i64),
) {
    query
        .push(format!("SELECT {what} FROM requests WHERE workspace_id = "))
        .push_bind(workspace_id.get())
        .push(" AND ts_ms >= ")
        .push_bind(from)
        .push(" AND ts_ms < ")
        .push_bind(to);
    push_hours(query, (from, to));
}

fn names_user(filter: &CallFilter) -> bool {
    filter
        .narrowing
        .iter()
        .any(|narrow| matches!(narrow, Narrow::User(_)))
}

/// Whether `filter`'s calls are found through an index whose keys start with the hour
/// (migration 0011), one hour at a time: a user's (`requests_by_user`), or an id prefix's (the
/// deduplication indexes: the UUIDs in a byte range, the text ids in the range `starts_with`
/// gives a column in the "C" collation).
pub fn by_hour(filter: &CallFilter) -> bool {
    names_user(filter) || filter.id_prefix.is_some()
}

/// The hours of `[from, to)` that fall on `days` (days since 1970, ascending: those with a
/// partition of calls), in `order`. Bounded by the days kept, however wide the window.
pub fn hours_on_days((from, to): (i64, i64), days: &[i64], order: Order) -> Vec<i64> {
    if from >= to {
        return Vec::new();
    }
    let (first, last) = (
        from.div_euclid(HOUR_MS),
        to.saturating_sub(1).div_euclid(HOUR_MS),
    );
    let mut hours = Vec::new();
    for day in days {
        let (day_first, day_last) = (
            day.saturating_mul(24),
            day.saturating_mul(24).saturating_add(23),
        );
        if day_last >= first && day_first <= last {
            hours.extend(day_first.max(first)..=day_last.min(last));
        }
    }
    if order == Order::NewestFirst {
        hours.reverse();
    }
    hours
}

/// `SELECT <outer> FROM` `hours` (of `window`, in the order given), and for each hour `(SELECT
/// <what> FROM requests WHERE` the workspace, the window and that hour: the caller adds
/// conditions, ends the inner query and names it `found`.
///
/// For the indexes led by the hour (a user's calls, a request id): each hour is one probe of
/// its day's index (PostgreSQL prunes the other days' partitions as each hour runs), and the
/// hours run in the order given, so an outer `LIMIT` stops at the first hours that fill it.
pub fn select_by_hour<'a>(
    (outer, what): (&str, &str),
    workspace_id: WorkspaceId,
    window: (i64, i64),
    hours: Vec<i64>,
) -> QueryBuilder<'a, Postgres> {
    let mut query = QueryBuilder::new(format!("SELECT {outer} FROM unnest("));
    query
        .push_bind(hours)
        .push("::BIGINT[]) AS probe (hour) CROSS JOIN LATERAL (");
    push_select(&mut query, what, workspace_id, window);
    query.push(" AND hour = probe.hour");
    query
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY_MS: i64 = 24 * HOUR_MS;

    #[test]
    fn hours_are_those_of_the_window_on_days_with_calls() {
        // Days 10 and 12 have partitions; the window runs from 10:00 of day 10 to 02:30 of
        // day 12.
        let window = (
            10 * DAY_MS + 10 * HOUR_MS,
            12 * DAY_MS + 2 * HOUR_MS + 1_800_000,
        );
        let oldest_first = hours_on_days(window, &[10, 12], Order::OldestFirst);
        let expected: Vec<i64> = (240 + 10..240 + 24).chain(288..=290).collect();
        assert_eq!(oldest_first, expected);
        let mut newest_first = hours_on_days(window, &[10, 12], Order::NewestFirst);
        newest_first.reverse();
        assert_eq!(newest_first, expected);
        // A window of every time there is holds the days' hours only.
        assert_eq!(
            hours_on_days((i64::MIN, i64::MAX), &[10, 12], Order::OldestFirst).len(),
            48
        );
        assert!(hours_on_days((5, 5), &[10], Order::OldestFirst).is_empty());
        assert!(hours_on_days(window, &[9, 13], Order::OldestFirst).is_empty());
        assert_eq!(hours_on_days(window, &[11], Order::OldestFirst).len(), 24);
    }
}
