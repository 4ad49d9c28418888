//! `modelwatch bench`: HTTP ingest end to end. Starts a real server on a fresh database, sends
//! batches of records with random client request ids over keep-alive connections, waits for
//! each durable acknowledgement, and reports throughput, database size and peak memory.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::config::{BenchArgs, GlobalArgs};
use crate::http::AppState;
use crate::ingest::writer::{self, WriterConfig};
use crate::store;

const DAY_MS: i64 = 86_400_000;

/// A server of the benchmark: its storage (own connections and batch writer) and address.
struct BenchServer {
    storage: store::SharedStorage,
    addr: std::net::SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    writer: tokio::task::JoinHandle<()>,
}

async fn start_server(url: &str, writers: Option<u16>) -> anyhow::Result<BenchServer> {
    let storage = store::open(url).await?;
    let (ingest, writer) = writer::spawn(storage.as_ref(), WriterConfig::with_writers(writers))?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let state = AppState::new(storage.clone(), ingest, "target/site", addr);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(crate::serve::serve_until(
        listener,
        state,
        async move {
            let _ = stopped.await;
        },
        Duration::from_secs(30),
    ));
    Ok(BenchServer {
        storage,
        addr,
        stop,
        task,
        writer,
    })
}

/// Runs the benchmark and prints one line per million records and a summary. The records go
/// into a fresh SQLite file, or into the database URL when it names an empty PostgreSQL
/// database.
pub async fn run(global: &GlobalArgs, args: &BenchArgs) -> anyhow::Result<()> {
    let database_url = global.database_url.as_str();
    let temp;
    let (url, place) = match store::url::check(database_url)? {
        store::url::Backend::Postgres => {
            (database_url.to_owned(), store::url::redact(database_url))
        }
        store::url::Backend::Sqlite => {
            let dir = match &args.dir {
                Some(dir) => dir.clone(),
                None => {
                    temp = tempfile::tempdir().context("cannot create a temporary folder")?;
                    temp.path().to_path_buf()
                }
            };
            let db_path = dir.join("bench.db");
            if db_path.exists() {
                bail!(
                    "{} exists: the benchmark starts from an empty database",
                    db_path.display()
                );
            }
            if args.servers > 1 {
                bail!("several servers need PostgreSQL: SQLite has one writer");
            }
            (
                format!("sqlite://{}", db_path.display()),
                db_path.display().to_string(),
            )
        }
    };
    let mut servers = Vec::new();
    for _ in 0..args.servers {
        servers.push(start_server(&url, global.ingest_writers).await?);
    }
    let storage = servers[0].storage.clone();
    if storage.call_count(false).await? > 0 {
        bail!("{place} holds calls already: the benchmark starts from an empty database");
    }
    let key = storage
        .create_key(
            crate::engine::DEFAULT_WORKSPACE_ID,
            "bench",
            chrono::Utc::now().timestamp_millis(),
        )
        .await?;
    println!(
        "bench: {} records in batches of {} over {} connections to {} server(s) into {place}",
        args.records, args.batch, args.connections, args.servers,
    );
    let next_batch = Arc::new(AtomicU64::new(0));
    let sent = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let end_ms = chrono::Utc::now().timestamp_millis();
    let mut clients = Vec::new();
    for connection in 0..args.connections {
        let next_batch = next_batch.clone();
        let sent = sent.clone();
        let key = key.key.clone();
        let args = args.clone();
        let addr = servers[connection % servers.len()].addr;
        clients.push(tokio::spawn(async move {
            client(
                connection as u64,
                addr,
                &key,
                &args,
                end_ms,
                &next_batch,
                &sent,
            )
            .await
        }));
    }
    let reporter = {
        let sent = sent.clone();
        let storage = storage.clone();
        let total = args.records;
        tokio::spawn(async move {
            let mut next_report = 1_000_000;
            let mut last = (Instant::now(), 0_u64);
            loop {
                tokio::time::sleep(Duration::from_millis(200)).await;
                let done = sent.load(Ordering::Relaxed);
                if done >= next_report || done >= total {
                    let window = (done - last.1) as f64 / last.0.elapsed().as_secs_f64();
                    println!(
                        "bench: {:>10} records  {:>7.1} s  cumulative {:>8.0} rec/s  last window {:>8.0} rec/s  db {:>6.1} MB",
                        done,
                        started.elapsed().as_secs_f64(),
                        done as f64 / started.elapsed().as_secs_f64(),
                        window,
                        storage.storage_bytes().await.map_or(0, |bytes| bytes.total) as f64 / 1e6
                    );
                    last = (Instant::now(), done);
                    next_report += 1_000_000;
                }
                if done >= total {
                    break;
                }
            }
        })
    };
    for client in clients {
        client.await??;
    }
    let elapsed = started.elapsed();
    let _ = reporter.await;
    for server in servers {
        let _ = server.stop.send(());
        server.task.await??;
        let _ = server.writer.await;
        if !Arc::ptr_eq(&server.storage, &storage) {
            server.storage.close().await;
        }
    }
    storage.checkpoint().await?;
    let rows = storage.call_count(false).await?;
    let bytes = storage.storage_bytes().await?;
    storage.close().await;
    let records = sent.load(Ordering::Relaxed);
    println!("bench: result");
    println!("  records acknowledged   {records}");
    println!("  rows stored            {rows}");
    println!("  elapsed                {:.1} s", elapsed.as_secs_f64());
    println!(
        "  throughput             {:.0} records/s",
        records as f64 / elapsed.as_secs_f64()
    );
    let per_million = |bytes: u64| bytes as f64 / 1e6 / (records as f64 / 1e6);
    println!(
        "  database size          {:.1} MB",
        bytes.total as f64 / 1e6
    );
    println!(
        "  per million records    {:.1} MB",
        per_million(bytes.total)
    );
    for (part, size) in [
        ("calls and indexes", bytes.calls),
        ("bodies", bytes.bodies),
        ("rollup cells", bytes.rollups),
    ] {
        if let Some(size) = size {
            println!("    {part:<20} {:.1} MB per million", per_million(size));
        }
    }
    println!(
        "  peak resident memory   {} (server and clients in one process)",
        peak_rss()
    );
    if rows as u64 != records {
        bail!("stored {rows} rows for {records} acknowledged records");
    }
    Ok(())
}

fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .map(|line| line.trim_start_matches("VmHWM:").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

const MODELS: [&str; 12] = [
    "qwen-max",
    "qwen-plus",
    "qwen-turbo",
    "qwq-plus",
    "deepseek-v3",
    "qwen-vl-plus",
    "qwen-omni-turbo",
    "wan2.2-t2i",
    "wan2.2-t2v",
    "cosyvoice-v2",
    "paraformer-v2",
    "text-embedding-v4",
];

/// Distinct users, apps and tags of the generated calls.
const USERS: u32 = 10_000;
const APPS: u32 = 50;
const TAGS: u32 = 200;

/// One batch of records as the ingest API receives them: random v4 request ids, timestamps
/// spread over the `--days` before `end_ms` in send order (as live traffic arrives).
fn batch_body(rng: &mut StdRng, first: u64, count: usize, args: &BenchArgs, end_ms: i64) -> String {
    let span_ms = args.days * DAY_MS as f64;
    let total = args.records;
    let mut body = String::with_capacity(count * 380 + 2);
    body.push('[');
    for offset in 0..count as u64 {
        let index = first + offset;
        let ts = end_ms - span_ms as i64 + ((index as f64 / total as f64) * span_ms) as i64;
        let status = match rng.random_range(0..1000) {
            0..=9 => 429,
            10..=14 => 500,
            _ => 200,
        };
        let latency = rng.random_range(80..6_000);
        if offset > 0 {
            body.push(',');
        }
        // Who and what (BENCHMARKS.md, "Spend by who and what"): 10,000 users, 50 apps and
        // 200 tags, drawn uniformly (the most cells for the dimensions); every call has one
        // tag, a third a second one.
        let user = rng.random_range(0..USERS);
        let app = rng.random_range(0..APPS);
        let tag = rng.random_range(0..TAGS);
        let second_tag =
            (rng.random_range(0..3) == 0).then(|| (tag + 1 + rng.random_range(0..TAGS - 1)) % TAGS);
        let tags = match second_tag {
            Some(second) => format!(r#""tag_{tag}","tag_{second}""#),
            None => format!(r#""tag_{tag}""#),
        };
        let _ = write!(
            body,
            r#"{{"request_id":"{}","timestamp":{ts},"model":"{}","status":{status},"latency_ms":{latency},"ttft_ms":{},"stream":true,"usage":{{"input_tokens":{},"output_tokens":{},"cached_tokens":{}}},"metadata":{{"user":"user_{user}","app":"app_{app}","tags":[{tags}]}}}}"#,
            uuid::Uuid::from_u128(rng.random::<u128>() & !(0xF << 76) | (0x4 << 76)),
            MODELS[rng.random_range(0..MODELS.len())],
            latency / 4,
            rng.random_range(50..4_000),
            rng.random_range(10..1_000),
            rng.random_range(0..50),
        );
    }
    body.push(']');
    body
}

async fn client(
    connection: u64,
    addr: std::net::SocketAddr,
    key: &str,
    args: &BenchArgs,
    end_ms: i64,
    next_batch: &AtomicU64,
    sent: &AtomicU64,
) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(0x5eed + connection);
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let mut stream = BufReader::new(stream);
    loop {
        let batch = next_batch.fetch_add(1, Ordering::Relaxed);
        let first = batch * args.batch as u64;
        if first >= args.records {
            return Ok(());
        }
        let count = (args.records - first).min(args.batch as u64) as usize;
        let body = batch_body(&mut rng, first, count, args, end_ms);
        loop {
            let (status, answer) = post(&mut stream, addr, key, &body).await?;
            if status == 503 {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
            if status != 200 {
                bail!("ingest answered {status}: {answer}");
            }
            let reply: serde_json::Value = serde_json::from_str(&answer)?;
            if reply["accepted"].as_u64() != Some(count as u64) {
                bail!("expected {count} accepted records: {answer}");
            }
            break;
        }
        sent.fetch_add(count as u64, Ordering::Relaxed);
    }
}

/// One HTTP/1.1 POST on a keep-alive connection; returns the status and the body.
async fn post(
    stream: &mut BufReader<TcpStream>,
    addr: std::net::SocketAddr,
    key: &str,
    body: &str,
) -> anyhow::Result<(u16, String)> {
    let head = format!(
        "POST /api/v1/requests HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.get_mut().write_all(head.as_bytes()).await?;
    stream.get_mut().write_all(body.as_bytes()).await?;
    let mut status_line = String::new();
    stream.read_line(&mut status_line).await?;
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .with_context(|| format!("bad status line {status_line:?}"))?;
    let mut length = 0_usize;
    loop {
        let mut line = String::new();
        stream.read_line(&mut line).await?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse()?;
            }
        }
    }
    let mut answer = vec![0; length];
    stream.read_exact(&mut answer).await?;
    Ok((status, String::from_utf8_lossy(&answer).into_owned()))
}
