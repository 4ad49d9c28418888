//! What several Modelwatch servers on one database agree on through it (ARCHITECTURE.md,
//! "Several servers"): which server runs a job's pass, the signals every server must hear
//! (alert events for open dashboards, revoked keys), and the login attempts every server
//! counts. With SQLite one process owns the database, and the answers are the trivial ones.

use app::model::WorkspaceId;
use futures_util::stream::BoxStream;

use super::StoreError;

/// A message for every server on the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Signal {
    /// Alert event `event_id` of `workspace_id` was recorded and notifies open dashboards.
    AlertEvent {
        workspace_id: WorkspaceId,
        event_id: i64,
    },
    /// API key `key_id` was revoked: forget it wherever it is remembered.
    KeyRevoked { key_id: i64 },
}

/// A signal as heard, with the server that sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heard {
    pub origin: String,
    pub signal: Signal,
}

/// Signals as they arrive. An `Err` means some may have been missed (the connection was lost
/// and restored): listeners then forget everything they remember.
pub type SignalStream = BoxStream<'static, Result<Heard, StoreError>>;

/// Jobs run once, signals reach every server, login attempts count everywhere.
#[async_trait::async_trait]
pub trait Coordination: Send + Sync {
    /// Claims pass `slot` (a number that grows with time, such as the current interval's
    /// index) of job `job` for `server`: true for exactly one caller per slot, whichever server
    /// asks first; false for every other, and for slots older than one already claimed.
    async fn claim_slot(&self, job: &str, slot: i64, server: &str) -> Result<bool, StoreError>;

    /// Sends `signal` to every server listening on this database, from `origin`.
    async fn send_signal(&self, origin: &str, signal: &Signal) -> Result<(), StoreError>;

    /// Signals from every server (this one's included); `None` when no other server can share
    /// the database, so there is nothing to hear.
    async fn listen(&self) -> Result<Option<SignalStream>, StoreError>;

    /// Counts one login attempt against each of `keys` (a key and its limit) inside the window
    /// of `window_ms` ending at `now_ms`, unless a key has used its limit already: then nothing
    /// is counted and the answer is the seconds until that key's oldest attempt leaves the
    /// window. Whatever the number of servers, at most `limit` attempts of a key pass.
    async fn reserve_login(
        &self,
        keys: &[(String, usize)],
        now_ms: i64,
        window_ms: i64,
    ) -> Result<Result<(), u64>, StoreError>;

    /// Forgets the counted attempts of `key` (its sign-in succeeded).
    async fn forgive_login(&self, key: &str) -> Result<(), StoreError>;

    /// Forgets every counted attempt made before `before_ms` (out of every window), so keys
    /// never tried again do not stay forever; answers how many went.
    async fn forget_logins_before(&self, before_ms: i64) -> Result<u64, StoreError>;
}
