//! Reads in one consistent snapshot: the rollup cells Analytics and alert rules add up, the
//! calls the Logs tab pages through, the request-ID index's entries and the export's stream.
//!
//! These run on blocking threads (the engine's searches are synchronous loops with deadlines),
//! so [`Snapshot`] is a synchronous interface; [`Reads`] hands one out on a blocking thread.

use app::model::WorkspaceId;
use std::sync::Arc;
use std::time::Instant;

use app::model::{ModelKind, Usage};

mod cells;
mod narrow;

pub use cells::{CellReads, Cells, Sketches, StoredCell, ValueRank, WorkspaceModel};
pub use narrow::{json_key_path, Narrow};

use super::StoreError;
use crate::domain::record::Source;

/// Which calls a query keeps (all bounds already resolved: ids, not names).
#[derive(Clone, Debug)]
pub struct CallFilter {
    pub workspace_id: WorkspaceId,
    /// `[from_ms, to_ms)`.
    pub from_ms: i64,
    pub to_ms: i64,
    /// `None`: every model.
    pub models: Option<Vec<i64>>,
    pub status: Option<StatusMatch>,
    pub id_prefix: Option<String>,
    /// Further conditions, all of which a call meets.
    pub narrowing: Vec<Narrow>,
}

/// Which statuses a query keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatusMatch {
    /// Any of these error codes (all 400 or above).
    Codes(Vec<i64>),
    /// `[low, high)`.
    Range(i64, i64),
}

/// Newest first or oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    NewestFirst,
    OldestFirst,
}

/// A stored call as read back (the model is still an id).
#[derive(Clone, Debug)]
pub struct StoredCall {
    pub row: i64,
    pub ts_ms: i64,
    pub request_id: String,
    pub model_id: i64,
    pub kind: ModelKind,
    /// `None`: the kind's default operation.
    pub operation: Option<String>,
    pub status: i64,
    pub error_type: Option<String>,
    pub error_message: Option<String>,
    /// Usage; the provider's extra keys are in `usage_other`, as stored (a JSON object text).
    pub usage: Usage,
    pub usage_other: Option<String>,
    pub latency_ms: Option<i64>,
    pub ttft_ms: Option<i64>,
    pub first_byte_ms: Option<i64>,
    pub cost: Option<f64>,
    pub source: Source,
    pub stream: bool,
    pub api_key: Option<String>,
    /// A JSON object text.
    pub metadata: Option<String>,
    pub upstream_request_id: Option<String>,
    pub has_body: bool,
    /// Dictionary ids of the call's dimensions, and which metadata keys moved into them.
    pub dimensions: CallDimensionIds,
}

/// A stored call's dimension ids as read back.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CallDimensionIds {
    pub user: Option<i64>,
    pub app: Option<i64>,
    pub provider: Option<i64>,
    pub tags: Vec<i64>,
    /// `domain::record::dimensions::STRIPPED_*` bits.
    pub stripped: i64,
}

impl StoredCall {
    /// The source's name.
    pub fn source_name(&self) -> &'static str {
        self.source.as_str()
    }

    /// The operation, with the kind's default filled in.
    pub fn operation_name(&self) -> &str {
        self.operation
            .as_deref()
            .unwrap_or_else(|| self.kind.default_operation())
    }
}

/// Raw calls: pages, counts, lookups by request ID, bodies and the export's stream.
pub trait CallReads {
    /// The error codes in `[low, high)` (both 400 or above) that `workspace_id` has calls with.
    fn error_codes(
        &self,
        workspace_id: WorkspaceId,
        low: i64,
        high: i64,
    ) -> Result<Vec<i64>, StoreError>;

    /// Up to `limit` calls of `filter` in `window` (`[from, to)`) past `cursor` (`(ts_ms,
    /// row)`, exclusive) in `order`; `None` when `deadline` passed first.
    fn calls_in_window(
        &self,
        filter: &CallFilter,
        window: (i64, i64),
        cursor: Option<(i64, i64)>,
        order: Order,
        limit: usize,
        deadline: Option<Instant>,
    ) -> Result<Option<Vec<StoredCall>>, StoreError>;

    /// The ids of `workspace_id`'s ingest keys named `name` (revoked ones too: their calls stay).
    fn key_ids_named(&self, workspace_id: WorkspaceId, name: &str) -> Result<Vec<i64>, StoreError>;

    /// How many calls of `filter` fall in `window` (counted on raw rows).
    fn count_calls(&self, filter: &CallFilter, window: (i64, i64)) -> Result<i64, StoreError>;

    /// The calls of `filter` in UTC hour `hour` whose request key is `request_key`.
    fn calls_by_key(
        &self,
        filter: &CallFilter,
        hour: i64,
        request_key: i64,
    ) -> Result<Vec<StoredCall>, StoreError>;

    /// The calls with exactly `request_id` that match `filter`, newest first, when this storage
    /// finds request ids by itself (PostgreSQL indexes their hash); `None` leaves the search to
    /// the engine's in-memory index and [`CallReads::calls_by_key`] (SQLite).
    fn calls_with_request_id(
        &self,
        filter: &CallFilter,
        request_id: &str,
    ) -> Result<Option<Vec<StoredCall>>, StoreError>;

    /// The request and response bodies of call `row`, when stored.
    fn bodies(&self, row: i64) -> Result<(Option<String>, Option<String>), StoreError>;

    /// Every call of `filter`, oldest first, handed to `each` in chunks until it answers false;
    /// returns the calls read.
    fn each_call(
        &self,
        filter: &CallFilter,
        each: &mut dyn FnMut(Vec<StoredCall>) -> Result<bool, StoreError>,
    ) -> Result<u64, StoreError>;

    /// Calls `each(ts_ms, model_id)` for every call of `workspace_id` in `window` (`[from,
    /// to)`) whose status lies in `statuses` (`[low, high]`, both included).
    fn status_times(
        &self,
        workspace_id: WorkspaceId,
        window: (i64, i64),
        statuses: (i64, i64),
        each: &mut dyn FnMut(i64, i64),
    ) -> Result<(), StoreError>;

    /// Up to `limit` request-ID index entries `(row, workspace_id, hour, key)` after row
    /// `after_row`, in row order.
    fn id_entries_after(
        &self,
        after_row: i64,
        limit: i64,
    ) -> Result<Vec<(i64, i64, i64, i64)>, StoreError>;

    /// Calls `each(workspace_id, hour, key)` for every call up to row `last_row`.
    fn id_entries_upto(
        &self,
        last_row: i64,
        each: &mut dyn FnMut(i64, i64, i64),
    ) -> Result<(), StoreError>;

    /// The newest call's row number (0 when there is none).
    fn last_row(&self) -> Result<i64, StoreError>;
}

/// One consistent view of the database.
pub trait Snapshot: CellReads + CallReads {}

impl<T: CellReads + CallReads> Snapshot for T {}

/// Work done in one snapshot (see [`Reads::read_boxed`]).
pub type ReadWork = Box<dyn FnOnce(&dyn Snapshot) -> Result<(), StoreError> + Send>;

/// Read snapshots on blocking threads.
#[async_trait::async_trait]
pub trait Reads: Send + Sync {
    /// Runs `work` on a blocking thread inside one snapshot.
    async fn read_boxed(&self, work: ReadWork) -> Result<(), StoreError>;

    /// Reads running now: each holds a blocking thread and a snapshot (a stalled export must
    /// not keep one).
    fn running(&self) -> usize;
}

impl dyn Reads {
    /// Runs `work` on a blocking thread inside one snapshot and returns its answer.
    pub async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Snapshot) -> Result<T, StoreError> + Send + 'static,
    {
        let (sender, receiver) = std::sync::mpsc::sync_channel(1);
        self.read_boxed(Box::new(move |snapshot| {
            let _ = sender.send(work(snapshot)?);
            Ok(())
        }))
        .await?;
        receiver
            .try_recv()
            .map_err(|_| StoreError::Task("a read ended without an answer".into()))
    }
}

/// The read snapshots as the engine shares them.
pub type SharedReads = Arc<dyn Reads>;

/// The 32-bit FNV-1a hash of a request id (as a signed value, 4 bytes in SQLite): the key
/// the engine's request-ID index and storage's lookups (`CallReads::calls_by_key`) share. Exact ids are compared on the rows it finds, so collisions never drop
/// a record.
pub fn request_key(request_id: &str) -> i64 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in request_id.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    i64::from(hash as i32)
}

/// The 16 bytes of `id` when it is a UUID written in canonical lowercase form (so that reading
/// it back gives exactly the same text): both stores keep those 16 bytes rather than 36
/// characters; `None` for any other id, stored as text.
pub fn uuid_bytes(id: &str) -> Option<[u8; 16]> {
    if id.len() != 36 {
        return None;
    }
    let uuid = uuid::Uuid::try_parse(id).ok()?;
    let mut canonical = [0u8; 36];
    let text = uuid.hyphenated().encode_lower(&mut canonical);
    (text == id).then(|| *uuid.as_bytes())
}

/// The range `[low, high)` of 16-byte UUIDs (SQLite's blobs, PostgreSQL's `uuid`, both ordered
/// byte by byte) holding every UUID whose canonical text starts with `prefix`; `None` when no
/// canonical lowercase UUID starts with it. A `high` of 17 bytes means no upper bound.
pub fn uuid_prefix_range(prefix: &str) -> Option<(Vec<u8>, Vec<u8>)> {
    if prefix.len() > 36 {
        return None;
    }
    let mut nibbles = Vec::with_capacity(32);
    for (position, byte) in prefix.bytes().enumerate() {
        let dash = matches!(position, 8 | 13 | 18 | 23);
        match (dash, byte) {
            (true, b'-') => {}
            (false, b'0'..=b'9') => nibbles.push(byte - b'0'),
            (false, b'a'..=b'f') => nibbles.push(byte - b'a' + 10),
            _ => return None,
        }
    }
    let mut low = vec![0u8; 16];
    for (index, nibble) in nibbles.iter().enumerate() {
        low[index / 2] |= if index % 2 == 0 { nibble << 4 } else { *nibble };
    }
    // The smallest blob past every value with these leading nibbles.
    let mut high = low.clone();
    let mut carry_at = nibbles.len();
    loop {
        if carry_at == 0 {
            // Every nibble was f: nothing sorts above but longer blobs.
            return Some((low, vec![0xff; 17]));
        }
        carry_at -= 1;
        let (byte, shift) = (carry_at / 2, if carry_at % 2 == 0 { 4 } else { 0 });
        let nibble = (high[byte] >> shift) & 0x0f;
        if nibble < 0x0f {
            high[byte] += 1 << shift;
            // Clear every nibble after the one raised.
            for later in carry_at + 1..32 {
                let (later_byte, later_shift) = (later / 2, if later % 2 == 0 { 4 } else { 0 });
                high[later_byte] &= !(0x0f << later_shift);
            }
            return Some((low, high));
        }
        high[byte] &= !(0x0f << shift);
    }
}
