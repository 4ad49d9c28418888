//! What the benchmark commands ask of a database besides the product's own questions: where
//! its data ends, how much there is, and real request IDs to look up.

use super::StoreError;
use app::model::WorkspaceId;

/// Facts about stored data for the benchmark commands.
#[async_trait::async_trait]
pub trait Samples: Send + Sync {
    /// The start of the newest 1-minute rollup cell of any workspace.
    async fn newest_cell_ms(&self) -> Result<Option<i64>, StoreError>;

    /// The time of the newest call of `workspace_id`.
    async fn newest_call_ms(&self, workspace_id: WorkspaceId) -> Result<Option<i64>, StoreError>;

    /// The time of the `n`-th newest call of `workspace_id` (0: the newest).
    async fn nth_newest_call_ms(
        &self,
        workspace_id: WorkspaceId,
        n: i64,
    ) -> Result<Option<i64>, StoreError>;

    /// How many calls are stored; with `with_ttft_and_usage`, only those with both a TTFT and
    /// total tokens.
    async fn call_count(&self, with_ttft_and_usage: bool) -> Result<i64, StoreError>;

    /// The request ID of the `n`-th newest call stored (0: the newest).
    async fn request_id_at(&self, n: i64) -> Result<Option<String>, StoreError>;

    /// The request IDs of up to `count` calls picked at random.
    async fn random_request_ids(&self, count: i64) -> Result<Vec<String>, StoreError>;

    /// Moves what a write-ahead log holds into the database proper, so file sizes tell what is
    /// stored (nothing to do where there is no such log).
    async fn checkpoint(&self) -> Result<(), StoreError>;

    /// How many bytes the database takes, in all and where it can tell, by part.
    async fn storage_bytes(&self) -> Result<StorageBytes, StoreError>;
}

/// The size of the database.
#[derive(Clone, Copy, Debug, Default)]
pub struct StorageBytes {
    /// Everything, as the database reports it (SQLite: the file and its write-ahead log).
    pub total: u64,
    /// Raw calls with their indexes, without bodies, where the database tells parts apart.
    pub calls: Option<u64>,
    /// Bodies.
    pub bodies: Option<u64>,
    /// Rollup cells at every level.
    pub rollups: Option<u64>,
}

/// The names of the models of `workspace_id`, oldest first.
pub async fn model_names(
    storage: &dyn super::Storage,
    workspace_id: WorkspaceId,
) -> Result<Vec<String>, StoreError> {
    let mut models = storage.list_models(workspace_id).await?;
    models.sort_by_key(|(id, _, _)| *id);
    Ok(models.into_iter().map(|(_, name, _)| name).collect())
}
