//! What retention removes: raw calls and their bodies, rollup cells and alert history older
//! than the cutoffs the retention job decides (per workspace). How they go is the
//! implementation's business: SQLite deletes in short batches, a partitioned database may drop
//! whole partitions.

use super::StoreError;
use app::model::WorkspaceId;

/// The times before which a workspace's data goes (each exclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cutoffs {
    /// Raw calls and bodies.
    pub raw_ms: i64,
    /// 1-minute rollup cells (a minute bucket's start).
    pub minute_ms: i64,
    /// 1-hour rollup cells (an hour bucket's start).
    pub hour_ms: i64,
    /// Alert events, with their webhook deliveries.
    pub history_ms: i64,
}

/// What one pass removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub requests: u64,
    pub bodies: u64,
    pub minute_cells: u64,
    pub hour_cells: u64,
    pub alert_events: u64,
}

impl std::ops::AddAssign for Purged {
    fn add_assign(&mut self, other: Self) {
        self.requests += other.requests;
        self.bodies += other.bodies;
        self.minute_cells += other.minute_cells;
        self.hour_cells += other.hour_cells;
        self.alert_events += other.alert_events;
    }
}

/// Removing what retention no longer keeps.
#[async_trait::async_trait]
pub trait Housekeeping: Send + Sync {
    /// Removes the data of `workspace_id` older than `cutoffs`, at most `batch` rows per
    /// statement, pausing between statements so the batch writer gets the database in between.
    async fn purge_workspace(
        &self,
        workspace_id: WorkspaceId,
        cutoffs: Cutoffs,
        batch: i64,
    ) -> Result<Purged, StoreError>;

    /// Whether the workspace has any stored call.
    async fn has_requests(&self, workspace_id: WorkspaceId) -> Result<bool, StoreError>;
}
