//! The seam's `ModelCatalog` and `Housekeeping` in SQLite: each answer is the function of the
//! same name in `sqlite::catalog`, `sqlite::costs`, `sqlite::retention` or `sqlite::requests`.

use app::model::{ModelKind, WorkspaceId};

use super::super::{catalog, costs, price_catalog, requests, retention, SqliteStore};
use crate::cost::{CatalogEntry, Prices};
use crate::store::{
    CatalogModel, Cutoffs, Housekeeping, ModelCatalog, Purged, RecomputeReport, StoreError,
};

#[async_trait::async_trait]
impl ModelCatalog for SqliteStore {
    async fn upsert_model(
        &self,
        workspace_id: WorkspaceId,
        name: &str,
        kind: ModelKind,
        prices: &Prices,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        let mut conn = self.pool.acquire().await?;
        catalog::upsert_model(&mut conn, workspace_id.get(), name, kind, prices, now_ms).await
    }

    async fn list_models(
        &self,
        workspace_id: WorkspaceId,
    ) -> Result<Vec<(i64, String, CatalogModel)>, StoreError> {
        catalog::list_models(&self.pool, workspace_id.get()).await
    }

    async fn set_prices(
        &self,
        workspace_id: WorkspaceId,
        model_id: i64,
        prices: &Prices,
    ) -> Result<bool, StoreError> {
        catalog::set_prices(&self.pool, workspace_id.get(), model_id, prices).await
    }

    async fn import_prices(
        &self,
        entries: &[CatalogEntry],
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        price_catalog::import(&self.pool, entries, now_ms).await
    }

    async fn imported_prices(&self) -> Result<Vec<CatalogEntry>, StoreError> {
        price_catalog::list(&self.pool).await
    }

    async fn recompute(
        &self,
        workspace_id: WorkspaceId,
        since_ms: i64,
    ) -> Result<RecomputeReport, StoreError> {
        costs::recompute(&self.pool, &self.path, workspace_id.get(), since_ms).await
    }
}

#[async_trait::async_trait]
impl Housekeeping for SqliteStore {
    async fn purge_workspace(
        &self,
        workspace_id: WorkspaceId,
        cutoffs: Cutoffs,
        batch: i64,
    ) -> Result<Purged, StoreError> {
        retention::purge_workspace(&self.pool, workspace_id.get(), cutoffs, batch).await
    }

    async fn has_requests(&self, workspace_id: WorkspaceId) -> Result<bool, StoreError> {
        requests::has_requests(&self.pool, workspace_id.get()).await
    }
}
