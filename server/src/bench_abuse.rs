//! `modelwatch bench-abuse`: what hostile clients can take from a server. Starts the real
//! `modelwatch serve` as a child process on a fresh database, then at once: concurrent
//! maximum-size OTLP exports (protobuf and JSON, gzip and deflate; the empty-span bomb of 20 MiB
//! decoded from a few KB compressed, and the heaviest export the limits still accept; each
//! sender posting again as soon as it is answered), and
//! parallel wrong-password logins for one account. Meanwhile `/healthz` is asked every 20 ms.
//! Prints the server's peak resident memory (its `VmHWM`), the slowest health answer and how
//! many logins reached the password check (those answered with the "wrong password" page; the
//! others are refused by the limiter before it).

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::config::BenchAbuseArgs;
use crate::ingest::otlp::{hostile, Compression, Encoding};
use crate::store;

/// The attacked account.
const EMAIL: &str = "victim@bench.local";

/// One hostile export: its encoding, its compression, and whether it is the empty-span bomb
/// (refused by the counter) or the heaviest export the limits still accept (decoded and stored).
#[derive(Clone, Copy, Debug)]
struct Kind {
    encoding: Encoding,
    compression: Compression,
    bomb: bool,
}

impl Kind {
    /// Every encoding and compression, as the bomb and as the heaviest accepted export.
    fn all() -> Vec<Kind> {
        let mut kinds = Vec::new();
        for bomb in [true, false] {
            for encoding in [Encoding::Protobuf, Encoding::Json] {
                for compression in [Compression::Gzip, Compression::Deflate] {
                    kinds.push(Kind {
                        encoding,
                        compression,
                        bomb,
                    });
                }
            }
        }
        kinds
    }

    fn label(self) -> String {
        format!(
            "{} {:?}/{:?}",
            if self.bomb {
                "bomb"
            } else {
                "heaviest accepted"
            },
            self.encoding,
            self.compression
        )
    }

    fn body(self) -> Vec<u8> {
        if self.bomb {
            hostile::hostile_export(self.encoding, self.compression)
        } else {
            hostile::heaviest_accepted_export(self.encoding, self.compression)
        }
    }

    fn content_encoding(self) -> &'static str {
        match self.compression {
            Compression::Gzip => "gzip",
            Compression::Deflate => "deflate",
            Compression::Identity => "identity",
        }
    }
}

/// The server's peak resident memory so far, in bytes (`VmHWM`).
fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// A free port of 127.0.0.1.
fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The server under test; killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the benchmark and prints its numbers.
pub async fn run(args: &BenchAbuseArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir().context("cannot create a temporary folder")?;
    let url = format!("sqlite://{}", dir.path().join("abuse.db").display());
    let storage = store::open(&url).await?;
    let now = chrono::Utc::now().timestamp_millis();
    let key = storage
        .create_key(crate::engine::DEFAULT_WORKSPACE_ID, "bench", now)
        .await?
        .key;
    let hash = crate::auth::password::hash("the right password".into()).await?;
    storage.create_user(EMAIL, &hash, false, now).await?;
    storage.close().await;

    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let server = Server(
        Command::new(match &args.server {
            Some(binary) => binary.clone(),
            None => std::env::current_exe()?,
        })
        .args(["--database-url", &url, "--log-level", "error", "serve"])
        .args(["--addr", &format!("127.0.0.1:{port}")])
        .env("MODELWATCH_SITE_ROOT", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start the server")?,
    );
    let pid = server.0.id();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(120))
        .build()?;
    let started = Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        if started.elapsed() > Duration::from_secs(30) {
            bail!("the server did not answer /healthz within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let idle_rss = peak_rss(pid).unwrap_or(0);

    let mut bodies = Vec::new();
    for kind in Kind::all() {
        let body = kind.body();
        println!("bench-abuse: {}: {} bytes sent", kind.label(), body.len());
        bodies.push((kind, bytes::Bytes::from(body)));
    }

    let done = Arc::new(AtomicBool::new(false));
    // Its own client, so a probe never waits behind the attack's connections in one pool.
    let prober = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let health = tokio::spawn(probe_health(prober, base.clone(), done.clone()));
    let answers: Arc<std::sync::Mutex<std::collections::BTreeMap<String, u64>>> = Arc::default();
    let attack_started = Instant::now();
    let mut senders = Vec::new();
    for sender in 0..args.exports {
        let (kind, body) = bodies[sender as usize % bodies.len()].clone();
        let (client, base, key, answers) =
            (client.clone(), base.clone(), key.clone(), answers.clone());
        let rounds = args.rounds;
        senders.push(tokio::spawn(async move {
            for _ in 0..rounds {
                let answer = client
                    .post(format!("{base}/v1/traces"))
                    .bearer_auth(&key)
                    .header("content-type", kind.encoding.content_type())
                    .header("content-encoding", kind.content_encoding())
                    .body(body.clone())
                    .send()
                    .await;
                let label = match answer {
                    Ok(answer) => format!("{} {}", kind.label(), answer.status().as_u16()),
                    Err(error) => format!("{} failed: {error}", kind.label()),
                };
                *answers
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .entry(label)
                    .or_default() += 1;
            }
        }));
    }
    let checked = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let mut logins = Vec::new();
    for attempt in 0..args.logins {
        let (client, base, checked, refused) = (
            client.clone(),
            base.clone(),
            checked.clone(),
            refused.clone(),
        );
        logins.push(tokio::spawn(async move {
            let answer = client
                .post(format!("{base}/login"))
                .header("origin", &base)
                .form(&[
                    ("email", EMAIL),
                    ("password", &format!("guess {attempt}")),
                    ("next", "/"),
                ])
                .send()
                .await;
            match answer {
                Ok(answer) if answer.status() == reqwest::StatusCode::SEE_OTHER => {
                    checked.fetch_add(1, Ordering::Relaxed);
                }
                Ok(_) => {
                    refused.fetch_add(1, Ordering::Relaxed);
                }
                Err(error) => eprintln!("bench-abuse: a login failed: {error}"),
            }
        }));
    }
    for task in logins.into_iter().chain(senders) {
        task.await?;
    }
    let elapsed = attack_started.elapsed();
    done.store(true, Ordering::Relaxed);
    let (probes, slowest, p99) = health.await?;
    let peak = peak_rss(pid).unwrap_or(0);
    drop(server);

    for (label, count) in answers.lock().unwrap_or_else(|p| p.into_inner()).iter() {
        println!("bench-abuse: exports {label}: {count}");
    }
    println!(
        "bench-abuse: {} hostile exports ({} concurrent x {} rounds) and {} parallel logins in {:.1} s",
        args.exports * args.rounds,
        args.exports,
        args.rounds,
        args.logins,
        elapsed.as_secs_f64()
    );
    println!(
        "bench-abuse: server peak RSS {:.0} MB (idle {:.0} MB); /healthz {} probes, p99 {:.1} ms, slowest {:.1} ms; password checks for the attacked account {} (refused before the check {})",
        peak as f64 / 1e6,
        idle_rss as f64 / 1e6,
        probes,
        p99.as_secs_f64() * 1e3,
        slowest.as_secs_f64() * 1e3,
        checked.load(Ordering::Relaxed),
        refused.load(Ordering::Relaxed)
    );
    let bars = [
        ("peak RSS under 1 GB", peak < 1_000_000_000),
        (
            "/healthz within 100 ms",
            slowest < Duration::from_millis(100),
        ),
        (
            "at most 5 password checks",
            checked.load(Ordering::Relaxed) <= 5,
        ),
    ];
    for (bar, met) in bars {
        println!("bench-abuse: {bar}: {}", if met { "met" } else { "MISSED" });
    }
    Ok(())
}

/// Asks `/healthz` every 20 ms until `done`; returns the count, the slowest and p99 times.
async fn probe_health(
    client: reqwest::Client,
    base: String,
    done: Arc<AtomicBool>,
) -> (usize, Duration, Duration) {
    let mut times = Vec::new();
    while !done.load(Ordering::Relaxed) {
        let asked = Instant::now();
        let answered = client.get(format!("{base}/healthz")).send().await;
        let took = asked.elapsed();
        if !answered.is_ok_and(|answer| answer.status().is_success()) {
            eprintln!("bench-abuse: /healthz failed after {took:?}");
        }
        times.push(took);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    times.sort();
    let slowest = times.last().copied().unwrap_or_default();
    let p99 = times
        .get(times.len().saturating_mul(99) / 100)
        .copied()
        .unwrap_or_default();
    (times.len(), slowest, p99)
}
