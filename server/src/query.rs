//! The engine's answers to the UI: implements `app`'s `Backend` trait over the store.

pub mod analytics;
pub mod plan;

use std::sync::Arc;

use app::api::backend::{Backend, BackendError};
use app::model::{AnalyticsReport, WorkspaceInfo};
use app::url_state::AnalyticsFilter;
use sqlx::SqlitePool;

use crate::store::reader::Reader;
use crate::store::{self, StoreError};

/// The workspace every dashboard user sees until accounts and sessions land.
pub const DEFAULT_WORKSPACE_ID: i64 = 1;

const DAY_MS: i64 = 86_400_000;

/// The engine behind the dashboard's server functions.
#[derive(Clone)]
pub struct Engine {
    pool: SqlitePool,
    reader: Arc<Reader>,
}

impl Engine {
    /// An engine reading from `pool` (and, for heavy reads, from its file directly).
    pub fn new(pool: SqlitePool) -> Self {
        let path = pool.connect_options().get_filename().to_path_buf();
        Self {
            pool,
            reader: Reader::new(path),
        }
    }

    /// The Analytics report of `workspace_id` for `filter`, with presets ending at `now_ms`.
    pub async fn analytics_report(
        &self,
        workspace_id: i64,
        filter: &AnalyticsFilter,
        now_ms: i64,
    ) -> Result<AnalyticsReport, StoreError> {
        let workspace = store::workspaces::workspace_by_id(&self.pool, workspace_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("workspace {workspace_id} is missing")))?;
        // Minute cells live as long as raw rows; older edges are answered by whole hours.
        let minute_cutoff_ms = now_ms - i64::from(workspace.retention_days) * DAY_MS;
        let filter = filter.clone();
        let (scope, model_options) = self
            .reader
            .read(move |conn| {
                analytics::Scope::resolve(conn, workspace_id, &filter, now_ms, minute_cutoff_ms)
            })
            .await?;
        // Three independent reads on their own connections, in parallel.
        let scope = Arc::new(scope);
        let (chart_scope, table_scope, previous_scope) =
            (Arc::clone(&scope), Arc::clone(&scope), Arc::clone(&scope));
        let (series, (models, kinds, kpis), previous) = tokio::try_join!(
            self.reader
                .read(move |conn| analytics::chart(conn, &chart_scope)),
            self.reader
                .read(move |conn| analytics::table(conn, &table_scope)),
            self.reader
                .read(move |conn| analytics::previous(conn, &previous_scope)),
        )?;
        Ok(AnalyticsReport {
            from_ms: scope.from_ms,
            to_ms: scope.to_ms,
            granularity: scope.granularity,
            generated_at_ms: now_ms,
            kpis,
            previous,
            series,
            models,
            kinds,
            model_options,
        })
    }
}

/// Logs the full error and hands the UI only its generic kind.
fn internal(error: StoreError) -> BackendError {
    tracing::error!(%error, "backend query failed");
    BackendError::Internal
}

/// Now, in UTC milliseconds.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[async_trait::async_trait]
impl Backend for Engine {
    async fn current_workspace(&self) -> Result<WorkspaceInfo, BackendError> {
        store::workspaces::workspace_by_id(&self.pool, DEFAULT_WORKSPACE_ID)
            .await
            .map_err(internal)?
            .ok_or(BackendError::NotFound)
    }

    async fn analytics(&self, filter: AnalyticsFilter) -> Result<AnalyticsReport, BackendError> {
        self.analytics_report(DEFAULT_WORKSPACE_ID, &filter, now_ms())
            .await
            .map_err(internal)
    }
}
