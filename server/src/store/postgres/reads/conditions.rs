//! A call filter's conditions (models, status, id prefix and each `reads::Narrow`) as
//! PostgreSQL SQL on `requests`.

use sqlx::{Postgres, QueryBuilder};

use app::model::WorkspaceId;

use crate::store::reads::{uuid_prefix_range, CallFilter, Narrow, StatusMatch};

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
    if filter
        .narrowing
        .iter()
        .any(|narrow| matches!(narrow, Narrow::User(_)))
    {
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
