//! A call filter's conditions (models, status, id prefix and each `reads::Narrow`) as
//! PostgreSQL SQL on `requests`.

use sqlx::{Postgres, QueryBuilder};

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
    for narrow in &filter.narrowing {
        push_narrow(filter, narrow, window, query);
    }
}
