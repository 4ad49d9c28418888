//! The model catalog in PostgreSQL (model names per workspace, their kind and prices) and
//! re-pricing stored calls after a price change: the seam's `ModelCatalog`.

mod costs;
mod dim_costs;
pub mod imported;
mod prices;

use app::model::{ModelKind, WorkspaceId, PRICE_FIELDS};
use sqlx::Row;

use super::PgStore;
use crate::cost::{CatalogEntry, Prices};
use crate::store::{CatalogModel, ModelCatalog, RecomputeReport, StoreError};

#[async_trait::async_trait]
impl ModelCatalog for PgStore {
    async fn upsert_model(
        &self,
        workspace_id: WorkspaceId,
        name: &str,
        kind: ModelKind,
        prices: &Prices,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        let sql = format!(
            "INSERT INTO models (workspace_id, name, kind, {columns}, created_at_ms) \
             VALUES ($1, $2, $3, {prices}, ${created}) \
             ON CONFLICT (workspace_id, name) DO UPDATE SET kind = excluded.kind, {updates} \
             RETURNING id",
            columns = prices::column_list(),
            prices = prices::placeholders(4),
            created = 4 + PRICE_FIELDS.len(),
            updates = prices::assignments(|column, _| format!("excluded.{column}")),
        );
        let query = sqlx::query(&sql)
            .bind(workspace_id.get())
            .bind(name)
            .bind(kind.as_str());
        let row = prices::bind(query, prices)
            .bind(now_ms)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("id")?)
    }

    async fn list_models(
        &self,
        workspace_id: WorkspaceId,
    ) -> Result<Vec<(i64, String, CatalogModel)>, StoreError> {
        // Byte order, as SQLite sorts text, whatever the database's own collation.
        let sql = format!(
            "SELECT id, name, kind, {} FROM models WHERE workspace_id = $1 \
             ORDER BY name COLLATE \"C\"",
            prices::column_list()
        );
        let rows = sqlx::query(&sql)
            .bind(workspace_id.get())
            .fetch_all(&self.pool)
            .await?;
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

    async fn set_prices(
        &self,
        workspace_id: WorkspaceId,
        model_id: i64,
        prices: &Prices,
    ) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE models SET {updates} WHERE id = ${id} AND workspace_id = ${workspace}",
            updates = prices::assignments(|_, position| format!("${}", position + 1)),
            id = PRICE_FIELDS.len() + 1,
            workspace = PRICE_FIELDS.len() + 2,
        );
        let done = prices::bind(sqlx::query(&sql), prices)
            .bind(model_id)
            .bind(workspace_id.get())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn import_prices(
        &self,
        entries: &[CatalogEntry],
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        imported::import(&self.pool, entries, now_ms).await
    }

    async fn imported_prices(&self) -> Result<Vec<CatalogEntry>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        imported::list(&mut conn).await
    }

    async fn recompute(
        &self,
        workspace_id: WorkspaceId,
        since_ms: i64,
    ) -> Result<RecomputeReport, StoreError> {
        let workspace_id = workspace_id.get();
        let prices = costs::prices_by_model(&self.pool, workspace_id).await?;
        let mut report = RecomputeReport {
            from: chrono::DateTime::from_timestamp_millis(since_ms)
                .map(|time| time.to_rfc3339())
                .unwrap_or_default(),
            ..RecomputeReport::default()
        };
        let mut after = (i64::MIN, 0_i64);
        loop {
            let mut tx = self.pool.begin().await?;
            let chunk = costs::Chunk {
                workspace_id,
                since_ms,
                after,
            };
            let Some(read) = chunk.reprice(&mut tx, &prices, &mut report).await? else {
                break;
            };
            tx.commit().await?;
            after = read.last;
            if read.rows < costs::CHUNK {
                break;
            }
        }
        Ok(report)
    }
}
