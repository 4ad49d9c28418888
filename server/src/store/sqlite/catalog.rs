//! The model catalog: model names per workspace, their kind and prices.

use app::model::ModelKind;
use sqlx::{Row, SqliteConnection};

use super::{prices, StoreError};
use crate::cost::Prices;
use crate::store::CatalogModel;

/// Creates or updates a model's kind and prices.
pub async fn upsert_model(
    conn: &mut SqliteConnection,
    workspace_id: i64,
    name: &str,
    kind: ModelKind,
    prices: &Prices,
    now_ms: i64,
) -> Result<i64, StoreError> {
    let sql = format!(
        "INSERT INTO models (workspace_id, name, kind, {columns}, created_at_ms) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (workspace_id, name) DO UPDATE SET kind = excluded.kind, {updates} \
         RETURNING id",
        columns = prices::column_list(),
        updates = prices::assignments(|column| format!("excluded.{column}")),
    );
    let query = sqlx::query(&sql)
        .bind(workspace_id)
        .bind(name)
        .bind(kind.as_str());
    let row = prices::bind(query, prices)
        .bind(now_ms)
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("id")?)
}

/// The catalog of `workspace_id` by name: (id, name, kind and prices).
pub async fn list_models(
    pool: &sqlx::SqlitePool,
    workspace_id: i64,
) -> Result<Vec<(i64, String, CatalogModel)>, StoreError> {
    let sql = format!(
        "SELECT id, name, kind, {} FROM models WHERE workspace_id = ? ORDER BY name",
        prices::column_list()
    );
    let rows = sqlx::query(&sql).bind(workspace_id).fetch_all(pool).await?;
    rows.iter()
        .map(|row| -> Result<_, StoreError> {
            let id: i64 = row.try_get("id")?;
            let kind: String = row.try_get("kind")?;
            let kind = ModelKind::parse(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("model kind {kind}")))?;
            let model = CatalogModel {
                id,
                kind,
                prices: prices::read(row)?,
                provider: None,
            };
            Ok((id, row.try_get("name")?, model))
        })
        .collect()
}

/// Sets the prices of model `model_id` of `workspace_id`; false when there is no such model.
pub async fn set_prices(
    pool: &sqlx::SqlitePool,
    workspace_id: i64,
    model_id: i64,
    prices: &Prices,
) -> Result<bool, StoreError> {
    let sql = format!(
        "UPDATE models SET {} WHERE id = ? AND workspace_id = ?",
        prices::assignments(|_| "?".to_owned())
    );
    let done = prices::bind(sqlx::query(&sql), prices)
        .bind(model_id)
        .bind(workspace_id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}
