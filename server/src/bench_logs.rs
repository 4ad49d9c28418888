//! `modelwatch bench-logs`: the Logs tab and the export on an existing database (for example
//! the one `modelwatch bench --dir` leaves behind): the first page for combinations of
//! filters, the page after it, request-ID lookups (found and not found), and a streamed export
//! of the newest N calls as CSV and JSON Lines with the process's peak memory.

use std::time::Instant;

use anyhow::Context;
use app::model::{RangePreset, TimeRange, PAGE_SIZE};
use app::url_state::{LogsFilter, PageAt, RequestIdFilter, StatusFilter};
use rand::seq::IndexedRandom;

use crate::config::BenchLogsArgs;
use crate::engine::{Engine, DEFAULT_WORKSPACE_ID};
use crate::export::Format;
use crate::store;

fn percentile(sorted: &[f64], q: f64) -> f64 {
    let index = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[index]
}

/// The process's peak resident memory so far, in MB (Linux).
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn summary(samples: &mut [f64]) -> (f64, f64, f64) {
    samples.sort_by(f64::total_cmp);
    (
        percentile(samples, 0.5),
        percentile(samples, 0.99),
        samples.last().copied().unwrap_or_default(),
    )
}

/// Runs the benchmark against `database_url` and prints the numbers.
pub async fn run(database_url: &str, args: &BenchLogsArgs) -> anyhow::Result<()> {
    let storage = store::open(database_url).await?;
    let latest = storage.newest_call_ms(DEFAULT_WORKSPACE_ID).await?;
    let now_ms = args
        .now_ms
        .or(latest.map(|ts| ts + 1))
        .context("the database has no calls: run `modelwatch bench --dir` first")?;
    let total = storage.call_count(false).await?;
    let models = store::samples::model_names(storage.as_ref(), DEFAULT_WORKSPACE_ID).await?;
    println!("{total} calls, {} models", models.len());
    let engine = Engine::new(storage.clone());

    // The export first, so its peak memory is not mixed with the request-ID index's.
    let export_from = storage
        .nth_newest_call_ms(
            DEFAULT_WORKSPACE_ID,
            args.export_rows.saturating_sub(1) as i64,
        )
        .await?;
    let export_filter = LogsFilter {
        range: TimeRange::Custom {
            from_ms: export_from.unwrap_or(now_ms - 14 * 86_400_000),
            to_ms: now_ms,
        },
        ..LogsFilter::default()
    };
    // Each format several times, alternating: the first run also warms the page caches, and
    // this machine is noisy, so the median is the number to compare.
    let mut rates: Vec<(Format, f64)> = Vec::new();
    for run in 0..args.export_runs {
        for format in [Format::Csv, Format::Jsonl] {
            let (scope, _) = engine
                .log_scope(DEFAULT_WORKSPACE_ID, &export_filter, now_ms)
                .await?;
            let started = Instant::now();
            let bytes = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
            let counted = std::sync::Arc::clone(&bytes);
            let rows = crate::export::run(
                &engine,
                scope,
                crate::export::Layout::plain(format),
                move |chunk| {
                    counted.fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::Relaxed);
                    true
                },
            )
            .await?;
            let seconds = started.elapsed().as_secs_f64();
            rates.push((format, rows as f64 / seconds));
            println!(
                "export {format:?} (run {}): {rows} rows, {:.1} MB in {seconds:.2} s = {:.0} rows/s; peak RSS so far {:.1} MB",
                run + 1,
                bytes.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1e6,
                rows as f64 / seconds,
                peak_rss_mb().unwrap_or(f64::NAN)
            );
        }
    }
    for format in [Format::Csv, Format::Jsonl] {
        let mut runs: Vec<f64> = rates
            .iter()
            .filter(|(of, _)| *of == format)
            .map(|(_, rate)| *rate)
            .collect();
        if !runs.is_empty() {
            runs.sort_by(f64::total_cmp);
            println!(
                "export {format:?}: median {:.0} rows/s over {} runs (min {:.0}, max {:.0})",
                percentile(&runs, 0.5),
                runs.len(),
                runs[0],
                runs[runs.len() - 1]
            );
        }
    }

    let started = Instant::now();
    let added = engine.catch_up_request_ids().await?;
    let (hashes, bytes) = engine.request_ids().size();
    println!(
        "request-id index: {added} rows in {:.2} s, {hashes} hashes, {:.1} MB",
        started.elapsed().as_secs_f64(),
        bytes as f64 / 1e6
    );

    let range = TimeRange::Preset(RangePreset::Last14Days);
    let some_id = storage
        .request_id_at(123_456)
        .await?
        .context("the database has fewer than 123,457 calls")?;
    let prefix: String = some_id.chars().take(8).collect();
    let one = models.first().cloned().unwrap_or_default();
    let three: Vec<String> = models.iter().take(3).cloned().collect();
    let cases: Vec<(&str, LogsFilter)> = vec![
        ("no filter", LogsFilter::default()),
        (
            "14d",
            LogsFilter {
                range,
                ..LogsFilter::default()
            },
        ),
        (
            "14d 1 model",
            LogsFilter {
                range,
                models: vec![one.clone()],
                ..LogsFilter::default()
            },
        ),
        (
            "14d 3 models",
            LogsFilter {
                range,
                models: three.clone(),
                ..LogsFilter::default()
            },
        ),
        ("14d status 2xx", status(range, StatusFilter::Class(2), &[])),
        ("14d status 5xx", status(range, StatusFilter::Class(5), &[])),
        (
            "14d status 429",
            status(range, StatusFilter::Code(429), &[]),
        ),
        (
            "14d status 500",
            status(range, StatusFilter::Code(500), &[]),
        ),
        (
            "14d status 404",
            status(range, StatusFilter::Code(404), &[]),
        ),
        ("14d status 3xx", status(range, StatusFilter::Class(3), &[])),
        (
            "14d model+5xx",
            status(range, StatusFilter::Class(5), std::slice::from_ref(&one)),
        ),
        (
            "14d model+429",
            status(range, StatusFilter::Code(429), std::slice::from_ref(&one)),
        ),
        (
            "14d 3 models+4xx",
            status(range, StatusFilter::Class(4), &three),
        ),
        (
            "14d id prefix",
            LogsFilter {
                range,
                request_id: Some(RequestIdFilter::Prefix(prefix.clone())),
                ..LogsFilter::default()
            },
        ),
        ("14d user", narrowed(range, "user=user_4242")),
        ("14d tag", narrowed(range, "tag=tag_42")),
        ("14d app", narrowed(range, "app=app_7")),
        ("14d user+tag", narrowed(range, "user=user_4242&tag=tag_42")),
        (
            "14d id exact",
            LogsFilter {
                range,
                request_id: Some(RequestIdFilter::Exact(some_id.clone())),
                ..LogsFilter::default()
            },
        ),
    ];
    println!(
        "{:<18} {:>8} {:>8} {:>8} {:>5} {:>10} {:>8} {:>8}",
        "first page", "p50 ms", "p99 ms", "max ms", "rows", "matching", "partial", "page 2"
    );
    for (label, filter) in cases {
        let mut samples = Vec::with_capacity(args.rounds);
        let mut last = None;
        for _ in 0..args.rounds {
            let started = Instant::now();
            let page = engine
                .logs_page(DEFAULT_WORKSPACE_ID, &filter, now_ms)
                .await?;
            samples.push(started.elapsed().as_secs_f64() * 1_000.0);
            last = Some(page);
        }
        let page = last.context("no rounds")?;
        let (p50, p99, max) = summary(&mut samples);
        // The next page, from the first page's "older" link.
        let next = match page.older {
            Some(cursor) => {
                let filter = LogsFilter {
                    page: PageAt::Before(cursor),
                    ..filter.clone()
                };
                let started = Instant::now();
                engine
                    .logs_page(DEFAULT_WORKSPACE_ID, &filter, now_ms)
                    .await?;
                format!("{:.2}", started.elapsed().as_secs_f64() * 1_000.0)
            }
            None => "-".to_owned(),
        };
        println!(
            "{label:<18} {p50:>8.2} {p99:>8.2} {max:>8.2} {:>5} {:>10} {:>8} {next:>8}",
            page.rows.len(),
            page.matching
                .map(|count| count.to_string())
                .unwrap_or_else(|| "-".into()),
            if page.searched_to_ms.is_some() && page.rows.len() < PAGE_SIZE {
                "yes"
            } else {
                "no"
            },
        );
    }

    // Request-ID lookups as the side panel makes them: random stored IDs and missing ones.
    let stored = storage
        .random_request_ids(args.lookups as i64)
        .await
        .unwrap_or_else(|_| vec![some_id.clone()]);
    for (label, found) in [("found", true), ("not found", false)] {
        let mut samples = Vec::with_capacity(args.lookups);
        let mut hits = 0;
        for round in 0..args.lookups {
            let id = if found {
                stored.choose(&mut rand::rng()).cloned().unwrap_or_default()
            } else {
                format!("missing-{round}")
            };
            let started = Instant::now();
            let detail = engine.log_detail(DEFAULT_WORKSPACE_ID, id, now_ms).await?;
            samples.push(started.elapsed().as_secs_f64() * 1_000.0);
            hits += usize::from(detail.is_some());
        }
        let (p50, p99, max) = summary(&mut samples);
        println!(
            "request-id lookup ({label}): {} lookups, {hits} found, p50 {p50:.3} ms, p99 {p99:.3} ms, max {max:.3} ms",
            samples.len()
        );
    }
    Ok(())
}

fn status(range: TimeRange, status: StatusFilter, models: &[String]) -> LogsFilter {
    LogsFilter {
        range,
        models: models.to_vec(),
        status: Some(status),
        ..LogsFilter::default()
    }
}

/// A filter of `range` narrowed by `query` (`user=...`, as the URL writes it).
fn narrowed(range: TimeRange, query: &str) -> LogsFilter {
    LogsFilter {
        range,
        narrowing: app::url_state::Narrowing::from_params(&app::url_state::QueryParams::parse(
            query,
        ))
        .unwrap_or_default(),
        ..LogsFilter::default()
    }
}
