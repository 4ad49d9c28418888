//! The engine's answers to the UI: implements `app`'s `Backend` trait over the store.

pub mod plan;

use app::api::backend::{Backend, BackendError};
use app::model::WorkspaceInfo;
use sqlx::SqlitePool;

use crate::store::{self, StoreError};

/// The workspace every dashboard user sees until accounts and sessions land.
pub const DEFAULT_WORKSPACE_ID: i64 = 1;

/// The engine behind the dashboard's server functions.
#[derive(Clone)]
pub struct Engine {
    pool: SqlitePool,
}

impl Engine {
    /// An engine reading from `pool`.
    pub fn new(pool: SqlitePool) -> Self {
        Self { pool }
    }
}

/// Logs the full error and hands the UI only its generic kind.
fn internal(error: StoreError) -> BackendError {
    tracing::error!(%error, "backend query failed");
    BackendError::Internal
}

#[async_trait::async_trait]
impl Backend for Engine {
    async fn current_workspace(&self) -> Result<WorkspaceInfo, BackendError> {
        store::workspaces::workspace_by_id(&self.pool, DEFAULT_WORKSPACE_ID)
            .await
            .map_err(internal)?
            .ok_or(BackendError::NotFound)
    }
}
