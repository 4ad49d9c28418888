//! The model catalog (model names per workspace, their kind and prices) and re-pricing stored
//! calls after a price change.

use app::model::ModelKind;
use app::model::WorkspaceId;

use super::StoreError;
use crate::cost::Prices;

/// One catalog row, as the batch writer needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct CatalogModel {
    pub id: i64,
    pub kind: ModelKind,
    pub prices: Prices,
}

/// What a recompute changed.
#[derive(Debug, Default)]
pub struct RecomputeReport {
    pub requests: u64,
    pub cells: u64,
    pub from: String,
}

/// Models, their prices, and the costs of stored calls.
#[async_trait::async_trait]
pub trait ModelCatalog: Send + Sync {
    /// Creates or updates a model's kind and prices; returns its id.
    async fn upsert_model(
        &self,
        workspace_id: WorkspaceId,
        name: &str,
        kind: ModelKind,
        prices: &Prices,
        now_ms: i64,
    ) -> Result<i64, StoreError>;

    /// The catalog of `workspace_id` by name: (id, name, kind and prices).
    async fn list_models(
        &self,
        workspace_id: WorkspaceId,
    ) -> Result<Vec<(i64, String, CatalogModel)>, StoreError>;

    /// Sets the prices of model `model_id` of `workspace_id`; false when there is no such model.
    async fn set_prices(
        &self,
        workspace_id: WorkspaceId,
        model_id: i64,
        prices: &Prices,
    ) -> Result<bool, StoreError>;

    /// Recomputes the cost of every call of `workspace_id` at or after `since_ms`, one chunk per
    /// transaction.
    async fn recompute(
        &self,
        workspace_id: WorkspaceId,
        since_ms: i64,
    ) -> Result<RecomputeReport, StoreError>;
}
