//! The batch writer: every ingest path hands records to one task that writes them, many calls
//! per transaction, and answers each caller only after the commit.
//!
//! Memory is bounded by a semaphore counting queued records: when the queue is full, `submit`
//! fails at once (the HTTP layer answers 503 with `Retry-After`) instead of buffering more.

use std::sync::Arc;
use std::time::Duration;

use sqlx::{Connection, SqliteConnection};
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::store::catalog::CatalogCache;
use crate::store::requests::{insert_batch, Pending};

const FLUSH_MS: u64 = 10;

/// How the writer batches.
#[derive(Clone, Copy, Debug)]
pub struct WriterConfig {
    /// Records that may wait for the writer before callers get "queue full".
    pub queue_records: usize,
    /// A transaction is committed once it holds this many records...
    pub flush_records: usize,
    /// ...or when this much time has passed since its first record arrived.
    pub flush_interval: Duration,
}

impl Default for WriterConfig {
    fn default() -> Self {
        Self {
            queue_records: 200_000,
            flush_records: 10_000,
            flush_interval: Duration::from_millis(FLUSH_MS),
        }
    }
}

/// Why records were not stored.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// Too much is waiting already; try again shortly.
    #[error("the ingest queue is full")]
    QueueFull,
    /// More records than the queue can ever hold at once.
    #[error("a single submission of {0} records exceeds the queue size")]
    TooLarge(usize),
    /// The server is shutting down.
    #[error("the ingest writer has stopped")]
    Stopped,
    /// The transaction failed and was rolled back; nothing of this submission was stored.
    #[error("storage failed")]
    Storage,
}

struct Job {
    records: Vec<Pending>,
    reply: oneshot::Sender<Result<Vec<bool>, SubmitError>>,
    /// Released when the job is answered: the queue's room is counted in records.
    permit: OwnedSemaphorePermit,
}

/// A cheap, cloneable way to hand records to the writer.
#[derive(Clone)]
pub struct IngestHandle {
    sender: mpsc::UnboundedSender<Job>,
    permits: Arc<Semaphore>,
    capacity: usize,
}

impl IngestHandle {
    /// Queues `records` and waits until they are committed. Returns, per record, `true` when
    /// stored and `false` when it was a duplicate.
    pub async fn submit(&self, records: Vec<Pending>) -> Result<Vec<bool>, SubmitError> {
        if records.is_empty() {
            return Ok(Vec::new());
        }
        if records.len() > self.capacity {
            return Err(SubmitError::TooLarge(records.len()));
        }
        let needed =
            u32::try_from(records.len()).map_err(|_| SubmitError::TooLarge(records.len()))?;
        let permit = match self.permits.clone().try_acquire_many_owned(needed) {
            Ok(permit) => permit,
            Err(tokio::sync::TryAcquireError::NoPermits) => return Err(SubmitError::QueueFull),
            Err(tokio::sync::TryAcquireError::Closed) => return Err(SubmitError::Stopped),
        };
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Job {
                records,
                reply,
                permit,
            })
            .map_err(|_| SubmitError::Stopped)?;
        answer.await.map_err(|_| SubmitError::Stopped)?
    }
}

/// Starts the writer on its own connection. The task ends once every handle is dropped and
/// the queue is drained.
pub fn spawn(conn: SqliteConnection, config: WriterConfig) -> (IngestHandle, JoinHandle<()>) {
    let (sender, receiver) = mpsc::unbounded_channel();
    let handle = IngestHandle {
        sender,
        permits: Arc::new(Semaphore::new(config.queue_records)),
        capacity: config.queue_records,
    };
    let task = tokio::spawn(run(conn, receiver, config));
    (handle, task)
}

async fn run(
    mut conn: SqliteConnection,
    mut receiver: mpsc::UnboundedReceiver<Job>,
    config: WriterConfig,
) {
    let mut catalog = CatalogCache::new(Duration::from_secs(30));
    while let Some(first) = receiver.recv().await {
        let deadline = Instant::now() + config.flush_interval;
        let mut queued = first.records.len();
        let mut jobs = vec![first];
        while queued < config.flush_records {
            match tokio::time::timeout_at(deadline, receiver.recv()).await {
                Ok(Some(job)) => {
                    queued += job.records.len();
                    jobs.push(job);
                }
                Ok(None) | Err(_) => break,
            }
        }
        write(&mut conn, &mut catalog, jobs).await;
    }
    if let Err(error) = conn.close().await {
        tracing::warn!(%error, "closing the writer connection failed");
    }
    tracing::info!("ingest writer drained and stopped");
}

async fn write(conn: &mut SqliteConnection, catalog: &mut CatalogCache, jobs: Vec<Job>) {
    let started = std::time::Instant::now();
    let now_ms = chrono::Utc::now().timestamp_millis();
    let mut batch = Vec::with_capacity(jobs.iter().map(|job| job.records.len()).sum());
    let mut replies = Vec::with_capacity(jobs.len());
    for job in jobs {
        replies.push((job.records.len(), job.reply, job.permit));
        batch.extend(job.records);
    }

    // IMMEDIATE: take the write lock first (waiting up to the busy timeout), so the reads in
    // the transaction never have to upgrade a stale snapshot after another writer committed.
    let result = async {
        let mut transaction = conn.begin_with("BEGIN IMMEDIATE").await?;
        let stored = insert_batch(&mut transaction, catalog, &batch, now_ms).await?;
        transaction.commit().await?;
        Ok::<_, crate::store::StoreError>(stored)
    }
    .await;

    match result {
        Ok(stored) => {
            tracing::debug!(
                records = batch.len(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "batch committed"
            );
            let mut outcomes = stored.into_iter();
            for (count, reply, _permit) in replies {
                let _ = reply.send(Ok(outcomes.by_ref().take(count).collect()));
            }
        }
        Err(error) => {
            tracing::error!(%error, records = batch.len(), "batch failed and was rolled back");
            // Models created in the failed transaction do not exist: forget them.
            catalog.clear();
            for (_, reply, _permit) in replies {
                let _ = reply.send(Err(SubmitError::Storage));
            }
        }
    }
}
