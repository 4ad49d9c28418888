//! Writing calls: the batch writer hands one batch at a time to its [`BatchWriter`], which
//! stores it in one transaction (deduplication, raw rows, bodies, rollup cells and new catalog
//! models) and says which records were new. Acknowledgements follow the commit.

use super::StoreError;
use app::model::WorkspaceId;

/// A record on its way into storage, with who sent it.
#[derive(Clone, Debug)]
pub struct Pending {
    pub workspace_id: WorkspaceId,
    pub ingest_key_id: Option<i64>,
    pub record: crate::domain::record::NewRequest,
}

impl Pending {
    /// What the rollup cells count of this record, stored as model `model_id` at `cost`.
    pub fn observation(&self, model_id: i64, cost: Option<f64>) -> crate::rollup::Observation<'_> {
        let record = &self.record;
        crate::rollup::Observation {
            workspace_id: self.workspace_id.get(),
            model_id,
            ts_ms: record.ts_ms,
            status: record.status,
            stream: record.stream,
            usage: &record.usage,
            latency_ms: record.latency_ms,
            ttft_ms: record.ttft_ms,
            cost,
        }
    }
}

/// One new call as a writer stores it: its row id, the record, its model, kind, cost and
/// dimensions.
pub struct CallToWrite<'a> {
    pub row_id: i64,
    pub pending: &'a Pending,
    pub model_id: i64,
    pub kind: app::model::ModelKind,
    pub cost: Option<f64>,
    pub dimensions: &'a crate::store::dimensions::StoredDimensions,
}

/// The batch writer's connection to storage, owned by the writer's thread.
pub trait BatchWriter: Send {
    /// Stores `batch` in one transaction at `now_ms`; for each record, true when it was
    /// stored and false when it was a duplicate. On an error nothing of the batch is stored.
    fn write(&mut self, batch: &[Pending], now_ms: i64) -> Result<Vec<bool>, StoreError>;

    /// Called when no batch came for a while, and once more before the writer stops: time
    /// for deferred work (SQLite's dimension indexer).
    fn idle(&mut self) {}
}
