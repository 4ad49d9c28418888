//! Dictionary ids of a batch's dimension values and the names of its ingest keys, fetched (and
//! the new values created) in one round trip each, inside the batch's transaction. Values are
//! created in one sorted order, so two servers adding the same new values wait for each other
//! instead of deadlocking.

use app::model::Dimension;
use sqlx::PgConnection;

use crate::store::dimensions::DictionaryCache;
use crate::store::StoreError;

/// Learns the names of the keys among `key_ids` the cache does not know.
pub async fn learn_keys(
    conn: &mut PgConnection,
    cache: &mut DictionaryCache,
    key_ids: impl IntoIterator<Item = i64>,
) -> Result<(), StoreError> {
    let mut unknown: Vec<i64> = key_ids
        .into_iter()
        .filter(|key_id| cache.key_name(*key_id).is_none())
        .collect();
    unknown.sort_unstable();
    unknown.dedup();
    if unknown.is_empty() {
        return Ok(());
    }
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM api_keys WHERE id = ANY($1)")
            .bind(&unknown)
            .fetch_all(&mut *conn)
            .await?;
    for key_id in unknown {
        let name = rows
            .iter()
            .find(|(id, _)| *id == key_id)
            .map(|(_, name)| name.clone());
        cache.remember_key(key_id, name);
    }
    Ok(())
}

/// Makes the cache know the id of every value of `wanted` (workspace, dimension, value),
/// creating the values the dictionary does not have.
pub async fn learn_values(
    conn: &mut PgConnection,
    cache: &mut DictionaryCache,
    mut wanted: Vec<(i64, Dimension, String)>,
) -> Result<(), StoreError> {
    wanted.sort();
    wanted.dedup();
    if wanted.is_empty() {
        return Ok(());
    }
    let workspaces: Vec<i64> = wanted.iter().map(|(w, _, _)| *w).collect();
    let dimensions: Vec<i64> = wanted.iter().map(|(_, d, _)| d.code()).collect();
    let values: Vec<&str> = wanted.iter().map(|(_, _, v)| v.as_str()).collect();
    let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(
        "WITH wanted AS (SELECT * FROM unnest($1::int8[], $2::int8[], $3::text[]) \
                         AS w(workspace_id, dimension, value)), \
         created AS (INSERT INTO dimension_values (workspace_id, dimension, value) \
                     SELECT workspace_id, dimension, value FROM wanted \
                     ORDER BY workspace_id, dimension, value \
                     ON CONFLICT (workspace_id, dimension, value) DO NOTHING \
                     RETURNING id, workspace_id, dimension, value) \
         SELECT id, workspace_id, dimension, value FROM created \
         UNION ALL \
         SELECT d.id, d.workspace_id, d.dimension, d.value FROM dimension_values d \
         JOIN wanted w ON d.workspace_id = w.workspace_id AND d.dimension = w.dimension \
                      AND d.value = w.value",
    )
    .bind(&workspaces)
    .bind(&dimensions)
    .bind(&values)
    .fetch_all(&mut *conn)
    .await?;
    remember(cache, rows);
    // A value another server created meanwhile is neither ours nor in this statement's snapshot
    // (its insert made ours wait, then skip): a second read sees it committed.
    let late: Vec<&(i64, Dimension, String)> = wanted
        .iter()
        .filter(|(w, d, v)| cache.missing(*w, &[(*d, v.as_str())]).len() == 1)
        .collect();
    if !late.is_empty() {
        let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(
            "SELECT d.id, d.workspace_id, d.dimension, d.value FROM dimension_values d \
             JOIN unnest($1::int8[], $2::int8[], $3::text[]) AS w(workspace_id, dimension, value) \
             ON d.workspace_id = w.workspace_id AND d.dimension = w.dimension AND d.value = w.value",
        )
        .bind(late.iter().map(|(w, _, _)| *w).collect::<Vec<i64>>())
        .bind(late.iter().map(|(_, d, _)| d.code()).collect::<Vec<i64>>())
        .bind(late.iter().map(|(_, _, v)| v.as_str()).collect::<Vec<&str>>())
        .fetch_all(&mut *conn)
        .await?;
        remember(cache, rows);
    }
    Ok(())
}

fn remember(cache: &mut DictionaryCache, rows: Vec<(i64, i64, i64, String)>) {
    for (id, workspace_id, code, value) in rows {
        if let Some(dimension) = Dimension::from_code(code) {
            cache.remember(workspace_id, dimension, &value, id);
        }
    }
}
