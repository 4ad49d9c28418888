//! `modelwatch bench-proxy`: what the proxy adds to a streamed answer. A fake provider on
//! 127.0.0.1 streams chat chunks, each stamped with the moment it was sent; clients read the
//! same streams directly and through a real Modelwatch server (proxy, key check, recording
//! through the batch writer into a fresh database) at the same time, so both see the same
//! machine load. Reported: per-chunk delivery delay, time to first token and whole-stream time,
//! direct and proxied, and the difference at each percentile (the proxy's added latency).

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use axum::body::{Body, Bytes};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use futures_util::StreamExt;
use tokio::net::TcpListener;

use crate::config::BenchProxyArgs;
use crate::http::AppState;
use crate::ingest::writer::{self, WriterConfig};
use crate::proxy::upstreams::ProxyConfig;
use crate::store;

static EPOCH: OnceLock<Instant> = OnceLock::new();

fn now_ns() -> u64 {
    EPOCH.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

/// The stream every call gets.
#[derive(Clone, Copy)]
struct Shape {
    chunks: usize,
    first_token: Duration,
    interval: Duration,
}

/// What one client saw of one stream, in microseconds.
#[derive(Default)]
struct Seen {
    delivery_us: Vec<f64>,
    ttft_us: Vec<f64>,
    total_us: Vec<f64>,
}

pub async fn run(args: &BenchProxyArgs) -> anyhow::Result<()> {
    now_ns();
    let shape = Shape {
        chunks: args.chunks,
        first_token: Duration::from_millis(args.first_token_ms),
        interval: Duration::from_millis(args.interval_ms),
    };
    let upstream = start_upstream(shape).await?;
    let temp = tempfile::tempdir().context("cannot create a temporary folder")?;
    let url = format!("sqlite://{}", temp.path().join("bench.db").display());
    let storage = store::open(&url).await?;
    let key = storage
        .create_key(
            crate::engine::DEFAULT_WORKSPACE_ID,
            "bench",
            chrono::Utc::now().timestamp_millis(),
        )
        .await?;
    let (ingest, _writer) = writer::spawn(storage.as_ref(), WriterConfig::default())?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let config = ProxyConfig::parse(
        &format!(
            r#"{{"upstreams": [{{"name": "fake", "base_url": "http://{upstream}/v1", "models": ["*"]}}]}}"#
        ),
        |_| None,
    )?;
    let state = AppState::new(storage.clone(), ingest, "target/site", addr).with_proxy(config)?;
    tokio::spawn(crate::serve::serve_until(
        listener,
        state,
        std::future::pending(),
        Duration::from_secs(1),
    ));

    println!(
        "bench-proxy: {} concurrent streams through the proxy and {} direct, {} rounds each; \
         {} chunks per stream, first after {} ms, then every {} ms (after one warm-up round; clients start spread over one stream's length)",
        args.streams,
        args.streams,
        args.rounds,
        shape.chunks,
        args.first_token_ms,
        args.interval_ms
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.streams as usize * 2)
        .build()?;
    let started = Instant::now();
    let mut tasks = Vec::new();
    // Clients start spread over one stream's length, so the streams overlap as live traffic
    // does instead of all starting in the same millisecond every round.
    let stream_length = shape.first_token + shape.interval * shape.chunks.saturating_sub(1) as u32;
    for proxied in [false, true] {
        for index in 0..args.streams {
            let offset = stream_length.mul_f64(index as f64 / args.streams as f64);
            let client = client.clone();
            let (url, key) = if proxied {
                (
                    format!("http://{addr}/proxy/v1/chat/completions"),
                    Some(key.key.clone()),
                )
            } else {
                (format!("http://{upstream}/v1/chat/completions"), None)
            };
            let rounds = args.rounds;
            tasks.push(tokio::spawn(async move {
                // The first stream of each client opens its connections (and the proxy's to
                // the provider): a warm-up, not counted.
                tokio::time::sleep(offset).await;
                let mut seen = Seen::default();
                one_stream(&client, &url, key.as_deref(), &mut Seen::default()).await?;
                for _ in 0..rounds {
                    one_stream(&client, &url, key.as_deref(), &mut seen).await?;
                }
                anyhow::Ok((proxied, seen))
            }));
        }
    }
    let (mut direct, mut through) = (Seen::default(), Seen::default());
    for task in tasks {
        let (proxied, seen) = task.await??;
        let into = if proxied { &mut through } else { &mut direct };
        into.delivery_us.extend(seen.delivery_us);
        into.ttft_us.extend(seen.ttft_us);
        into.total_us.extend(seen.total_us);
    }
    let elapsed = started.elapsed();
    println!(
        "bench-proxy: {} streams and {} chunks in {:.1} s",
        direct.total_us.len() + through.total_us.len(),
        direct.delivery_us.len() + through.delivery_us.len(),
        elapsed.as_secs_f64()
    );
    println!(
        "{:<26} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "(ms)", "direct50", "direct99", "proxy50", "proxy99", "added50", "added99"
    );
    for (name, direct, through) in [
        (
            "chunk delivery",
            &mut direct.delivery_us,
            &mut through.delivery_us,
        ),
        (
            "time to first token",
            &mut direct.ttft_us,
            &mut through.ttft_us,
        ),
        ("whole stream", &mut direct.total_us, &mut through.total_us),
    ] {
        let (d50, d99) = (percentile(direct, 0.50), percentile(direct, 0.99));
        let (p50, p99) = (percentile(through, 0.50), percentile(through, 0.99));
        println!(
            "{name:<26} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3}",
            d50 / 1e3,
            d99 / 1e3,
            p50 / 1e3,
            p99 / 1e3,
            (p50 - d50) / 1e3,
            (p99 - d99) / 1e3
        );
    }
    // Every proxied stream must have been recorded.
    let expected = (args.streams * (args.rounds + 1)) as i64;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let recorded = storage.call_count(true).await?;
        if recorded == expected {
            println!("bench-proxy: all {recorded} proxied calls recorded with TTFT and usage");
            break;
        }
        if Instant::now() > deadline {
            bail!("only {recorded} of {expected} proxied calls were recorded");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// Reads one stream; each chunk's delay is from its send stamp to its arrival here.
async fn one_stream(
    client: &reqwest::Client,
    url: &str,
    key: Option<&str>,
    seen: &mut Seen,
) -> anyhow::Result<()> {
    let start = Instant::now();
    let mut request = client
        .post(url)
        .header("content-type", "application/json")
        .body(
            r#"{"model":"bench-model","stream":true,"messages":[{"role":"user","content":"hi"}]}"#,
        );
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    let response = request.send().await?;
    if !response.status().is_success() {
        bail!("{url} answered {}", response.status());
    }
    let mut body = response.bytes_stream();
    let mut first = true;
    let mut rest = Vec::new();
    while let Some(piece) = body.next().await {
        let piece = piece?;
        let arrived = now_ns();
        rest.extend_from_slice(&piece);
        while let Some(end) = rest.windows(2).position(|window| window == b"\n\n") {
            let event: Vec<u8> = rest.drain(..end + 2).collect();
            let Some(sent) = stamp(&event) else { continue };
            seen.delivery_us
                .push(arrived.saturating_sub(sent) as f64 / 1e3);
            if first {
                seen.ttft_us.push(start.elapsed().as_secs_f64() * 1e6);
                first = false;
            }
        }
    }
    seen.total_us.push(start.elapsed().as_secs_f64() * 1e6);
    Ok(())
}

/// The `"sent_ns":N` stamp of a content chunk.
fn stamp(event: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(event).ok()?;
    let at = text.find("\"sent_ns\":")? + "\"sent_ns\":".len();
    let digits: String = text[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn percentile(values: &mut [f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let index = ((values.len() - 1) as f64 * q).round() as usize;
    values[index]
}

/// The fake provider: a role chunk at once, then `chunks` content chunks, usage, `[DONE]`.
async fn start_upstream(shape: Shape) -> anyhow::Result<std::net::SocketAddr> {
    let app = Router::new().route(
        "/v1/chat/completions",
        post(move |body: Bytes| async move { stream(shape, &body) }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(addr)
}

fn stream(shape: Shape, request: &[u8]) -> Response {
    let with_usage =
        std::str::from_utf8(request).is_ok_and(|text| text.contains("\"include_usage\":true"));
    let state = (0_usize, Arc::new(shape));
    let events = futures_util::stream::unfold(state, move |(index, shape)| async move {
        let text = if index == 0 {
            r#"data: {"id":"c","object":"chat.completion.chunk","model":"bench-model","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#.to_owned() + "\n\n"
        } else if index <= shape.chunks {
            let wait = if index == 1 {
                shape.first_token
            } else {
                shape.interval
            };
            tokio::time::sleep(wait).await;
            format!(
                "data: {{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"bench-model\",\"sent_ns\":{},\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"token{index} \"}},\"finish_reason\":null}}]}}\n\n",
                now_ns()
            )
        } else if index == shape.chunks + 1 && with_usage {
            format!(
                "data: {{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"bench-model\",\"choices\":[],\"usage\":{{\"prompt_tokens\":9,\"completion_tokens\":{},\"total_tokens\":{}}}}}\n\n",
                shape.chunks,
                shape.chunks + 9
            )
        } else if index <= shape.chunks + 2 {
            "data: [DONE]\n\n".to_owned()
        } else {
            return None;
        };
        let next = if index == shape.chunks && !with_usage {
            index + 2
        } else {
            index + 1
        };
        Some((Ok::<_, std::io::Error>(Bytes::from(text)), (next, shape)))
    });
    let mut response = Response::new(Body::from_stream(events));
    response.headers_mut().insert(
        "content-type",
        axum::http::HeaderValue::from_static("text/event-stream"),
    );
    response
}
