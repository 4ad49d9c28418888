//! The batch writer: every ingest path hands records to one writer that stores them, many calls
//! per transaction, and answers each caller only after the commit.
//!
//! The writer runs on its own (blocking) thread with its own connection. Memory is bounded by a
//! semaphore counting queued records: when the queue is full, `submit` fails at once (the HTTP
//! layer answers 503 with `Retry-After`) instead of buffering more.
//!
//! A store that can take several transactions at once (PostgreSQL) gets several such threads,
//! each with its own connection, sharing the one queue: one gathers the next batch while the
//! others write theirs, so the database works on several batches at a time. SQLite takes one
//! writer at a time, so it gets one thread.

use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

use crate::store::{BatchWriter, Pending, Storage, StoreError};

/// How the writer batches.
#[derive(Clone, Copy, Debug)]
pub struct WriterConfig {
    /// Records that may wait for the writer before callers get "queue full".
    pub queue_records: usize,
    /// A transaction is committed once it holds this many records...
    pub flush_records: usize,
    /// ...or when this much time has passed since its first record arrived.
    pub flush_interval: Duration,
    /// Writer threads, each with its own connection; `None` lets the store choose
    /// ([`Storage::writers`]).
    pub writers: Option<usize>,
}

impl Default for WriterConfig {
    fn default() -> Self {
        Self {
            queue_records: 200_000,
            flush_records: 20_000,
            flush_interval: Duration::from_millis(5),
            writers: None,
        }
    }
}

impl WriterConfig {
    /// The default batching with `writers` writer threads (`None`: the store's choice).
    pub fn with_writers(writers: Option<u16>) -> Self {
        Self {
            writers: writers.map(usize::from),
            ..Self::default()
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
    sender: mpsc::Sender<Job>,
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

/// Starts the writers, each on its own connection to `storage` (already migrated). They end
/// once every handle is dropped and the queue is drained; the task returned ends after the last.
pub fn spawn(
    storage: &dyn Storage,
    config: WriterConfig,
) -> Result<(IngestHandle, JoinHandle<()>), StoreError> {
    let count = storage.writers(config.writers);
    let writers = (0..count)
        .map(|_| storage.batch_writer())
        .collect::<Result<Vec<_>, _>>()?;
    let (sender, receiver) = mpsc::channel();
    let receiver = Arc::new(Mutex::new(receiver));
    let handle = IngestHandle {
        sender,
        permits: Arc::new(Semaphore::new(config.queue_records)),
        capacity: config.queue_records,
    };
    let threads: Vec<_> = writers
        .into_iter()
        .map(|writer| {
            let receiver = Arc::clone(&receiver);
            tokio::task::spawn_blocking(move || run(writer, &receiver, config))
        })
        .collect();
    let task = tokio::spawn(async move {
        for thread in threads {
            if let Err(error) = thread.await {
                tracing::error!(%error, "an ingest writer failed");
            }
        }
        tracing::info!(writers = count, "ingest writers drained and stopped");
    });
    Ok((handle, task))
}

/// How long the writer waits for a batch before it calls [`BatchWriter::idle`].
const IDLE_AFTER: Duration = Duration::from_millis(500);

/// One writer thread: takes the queue, gathers a batch, lets the queue go and writes the batch.
fn run(
    mut writer: Box<dyn BatchWriter>,
    receiver: &Mutex<mpsc::Receiver<Job>>,
    config: WriterConfig,
) {
    loop {
        let gathered = {
            // A writer that panicked while gathering left the queue whole: go on with it.
            let receiver = receiver
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            gather(&receiver, config)
        };
        match gathered {
            Gathered::Batch(jobs) => write(writer.as_mut(), jobs),
            Gathered::Idle => writer.idle(),
            Gathered::Closed => {
                writer.idle();
                break;
            }
        }
    }
}

/// What a writer found on the queue.
enum Gathered {
    /// Jobs to write in one transaction.
    Batch(Vec<Job>),
    /// Nothing came for [`IDLE_AFTER`].
    Idle,
    /// Every handle is gone and the queue is empty.
    Closed,
}

/// Waits for a first job, then takes more until the batch is full or its time is up.
fn gather(receiver: &mpsc::Receiver<Job>, config: WriterConfig) -> Gathered {
    let first = match receiver.recv_timeout(IDLE_AFTER) {
        Ok(job) => job,
        Err(mpsc::RecvTimeoutError::Timeout) => return Gathered::Idle,
        Err(mpsc::RecvTimeoutError::Disconnected) => return Gathered::Closed,
    };
    let deadline = Instant::now() + config.flush_interval;
    let mut queued = first.records.len();
    let mut jobs = vec![first];
    while queued < config.flush_records {
        let wait = deadline.saturating_duration_since(Instant::now());
        match receiver.recv_timeout(wait) {
            Ok(job) => {
                queued += job.records.len();
                jobs.push(job);
            }
            Err(_) => break,
        }
    }
    Gathered::Batch(jobs)
}

fn write(writer: &mut dyn BatchWriter, jobs: Vec<Job>) {
    let started = Instant::now();
    let now_ms = crate::clock::now_ms();
    let mut batch = Vec::with_capacity(jobs.iter().map(|job| job.records.len()).sum());
    let mut replies = Vec::with_capacity(jobs.len());
    for job in jobs {
        replies.push((job.records.len(), job.reply, job.permit));
        batch.extend(job.records);
    }

    match writer.write(&batch, now_ms) {
        Ok(stored) => {
            tracing::debug!(
                records = batch.len(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "batch committed"
            );
            let mut outcomes = stored.into_iter();
            for (count, reply, permit) in replies {
                // Free the queue's room before answering, so a caller that sends again at
                // once finds it.
                drop(permit);
                let _ = reply.send(Ok(outcomes.by_ref().take(count).collect()));
            }
        }
        Err(error) => {
            tracing::error!(%error, records = batch.len(), "batch failed and was rolled back");
            for (_, reply, permit) in replies {
                drop(permit);
                let _ = reply.send(Err(SubmitError::Storage));
            }
        }
    }
}
