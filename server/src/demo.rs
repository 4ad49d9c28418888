//! Realistic synthetic traffic for first start, screenshots and benchmarks: a dozen models of
//! every kind, a daily rhythm, lognormal latencies, streaming TTFT, a few percent of errors with
//! 429 bursts and one 5xx incident. Records go through the same validation and batch writer as
//! the ingest API.

mod calls;
mod catalog;

use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::domain::record::RecordInput;
use calls::{minute_of_traffic, Incidents};
pub use catalog::{DemoModel, MODELS};

/// Every demo call from `start_ms` to `end_ms`, generated minute by minute and handed to
/// `sink` in chunks of about `chunk` records.
pub async fn generate<F, Fut>(
    start_ms: i64,
    end_ms: i64,
    calls_per_minute: f64,
    seed: u64,
    chunk: usize,
    mut sink: F,
) -> anyhow::Result<u64>
where
    F: FnMut(Vec<RecordInput>) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let mut rng = StdRng::seed_from_u64(seed);
    let incidents = Incidents::new(end_ms);
    let mut buffer = Vec::with_capacity(chunk + 64);
    let mut total = 0_u64;
    let mut minute = start_ms.div_euclid(60_000) * 60_000;
    while minute < end_ms {
        minute_of_traffic(&mut rng, minute, calls_per_minute, &incidents, &mut buffer);
        buffer.retain(|record| record.timestamp_ms.is_some_and(|ts| ts < end_ms));
        if buffer.len() >= chunk {
            total += buffer.len() as u64;
            sink(std::mem::take(&mut buffer)).await?;
        }
        minute += 60_000;
    }
    if !buffer.is_empty() {
        total += buffer.len() as u64;
        sink(buffer).await?;
    }
    Ok(total)
}

/// `modelwatch demo`: prices the demo catalog and fills `args.workspace` through `writer`.
pub async fn run(
    storage: &dyn crate::store::Storage,
    writer: &crate::ingest::writer::IngestHandle,
    args: &crate::config::DemoArgs,
) -> anyhow::Result<u64> {
    use crate::ingest::record::Source;
    use crate::store::Pending;

    let now_ms = chrono::Utc::now().timestamp_millis();
    let workspace_id = storage
        .find_or_create_workspace(&args.workspace, now_ms)
        .await?;
    if args.if_empty && storage.has_requests(workspace_id).await? {
        tracing::info!(workspace = %args.workspace, "workspace already has data; demo skipped");
        return Ok(0);
    }
    for model in &MODELS {
        storage
            .upsert_model(workspace_id, model.name, model.kind, &model.prices, now_ms)
            .await?;
    }

    let start_ms = now_ms - i64::from(args.days) * 86_400_000;
    let total = generate(
        start_ms,
        now_ms,
        args.calls_per_minute,
        args.seed,
        2_000,
        |records| async move {
            let now_ms = chrono::Utc::now().timestamp_millis();
            let mut pending = Vec::with_capacity(records.len());
            for (index, record) in records.into_iter().enumerate() {
                let record = record
                    .validate(now_ms, Source::Api)
                    .map_err(|error| anyhow::anyhow!("demo record {index} rejected: {error:?}"))?;
                pending.push(Pending {
                    workspace_id,
                    ingest_key_id: None,
                    record,
                });
            }
            writer.submit(pending).await?;
            Ok(())
        },
    )
    .await?;
    tracing::info!(workspace = %args.workspace, records = total, days = args.days, "demo data written");
    Ok(total)
}
