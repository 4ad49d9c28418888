//! `modelwatch bench-analytics`: how long the whole Analytics answer takes on an existing
//! database (for example the one `modelwatch bench --dir` leaves behind). Every preset range
//! with every granularity it offers, for all models, one model and three models; each answer
//! is built by the engine (plan, cell reads, sketch merges) and encoded to JSON, as the server
//! function does.

use std::time::Instant;

use anyhow::Context;
use app::model::{Dimension, Granularity, RangePreset, TimeRange};
use app::url_state::AnalyticsFilter;

use crate::config::BenchAnalyticsArgs;
use crate::engine::{Engine, DEFAULT_WORKSPACE_ID};
use crate::store;

fn percentile(sorted: &[f64], q: f64) -> f64 {
    let index = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[index]
}

/// Runs the benchmark against `database_url` and prints one line per case and a summary.
pub async fn run(database_url: &str, args: &BenchAnalyticsArgs) -> anyhow::Result<()> {
    let storage = store::open(database_url).await?;
    // A database from before the all-models cells gets them now, as the server would at start.
    let started = Instant::now();
    drop(storage.batch_writer()?);
    println!(
        "opened the batch writer (derived cells brought up to date) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let latest = storage
        .newest_cell_ms()
        .await
        .context("cannot read the newest minute cell")?;
    // The ranges end just after the newest data, so short ranges are not empty.
    let now_ms = args
        .now_ms
        .or(latest.map(|bucket| bucket + 60_000))
        .context("the database has no calls: run `modelwatch bench --dir` first")?;
    let models = store::samples::model_names(storage.as_ref(), DEFAULT_WORKSPACE_ID).await?;
    let engine = Engine::new(storage);
    let model_sets: Vec<(&str, Vec<String>)> = vec![
        ("all", Vec::new()),
        ("1 model", models.iter().take(1).cloned().collect()),
        ("3 models", models.iter().take(3).cloned().collect()),
    ];
    let mut all_samples = Vec::new();
    println!(
        "{:>5} {:>4} {:>9} {:>9} {:>9} {:>9} {:>8}",
        "range", "gran", "models", "p50 ms", "p99 ms", "max ms", "bytes"
    );
    for preset in RangePreset::ALL {
        for granularity in Granularity::choices_for(preset.span_ms()) {
            for (label, names) in &model_sets {
                let filter = AnalyticsFilter {
                    range: TimeRange::Preset(preset),
                    granularity: Some(granularity),
                    models: names.clone(),
                    ..AnalyticsFilter::default()
                };
                let mut samples = Vec::with_capacity(args.rounds);
                let mut bytes = 0;
                for _ in 0..args.rounds {
                    let started = Instant::now();
                    let report = engine
                        .analytics_report(DEFAULT_WORKSPACE_ID, &filter, now_ms)
                        .await?;
                    bytes = serde_json::to_vec(&report)?.len();
                    samples.push(started.elapsed().as_secs_f64() * 1_000.0);
                }
                all_samples.extend_from_slice(&samples);
                samples.sort_by(f64::total_cmp);
                println!(
                    "{:>5} {:>4} {:>9} {:>9.2} {:>9.2} {:>9.2} {:>8}",
                    preset.as_str(),
                    granularity.as_str(),
                    label,
                    percentile(&samples, 0.5),
                    percentile(&samples, 0.99),
                    samples.last().copied().unwrap_or_default(),
                    bytes
                );
            }
        }
    }
    all_samples.sort_by(f64::total_cmp);
    println!(
        "all ungrouped cases: {} answers, p50 {:.2} ms, p99 {:.2} ms",
        all_samples.len(),
        percentile(&all_samples, 0.5),
        percentile(&all_samples, 0.99),
    );
    grouped(&engine, args, now_ms, &mut all_samples).await?;
    all_samples.sort_by(f64::total_cmp);
    println!(
        "all cases: {} answers, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        all_samples.len(),
        percentile(&all_samples, 0.5),
        percentile(&all_samples, 0.99),
        all_samples.last().copied().unwrap_or_default()
    );
    Ok(())
}

/// The report grouped by a dimension (user, app, tag), every preset at its default
/// granularity, ranked by cost; each answer's time is added to `all_samples`.
async fn grouped(
    engine: &Engine,
    args: &BenchAnalyticsArgs,
    now_ms: i64,
    all_samples: &mut Vec<f64>,
) -> anyhow::Result<()> {
    println!(
        "{:>5} {:>9} {:>9} {:>9} {:>9} {:>7}",
        "range", "group", "p50 ms", "p99 ms", "max ms", "groups"
    );
    let mut grouped_samples = Vec::new();
    for preset in RangePreset::ALL {
        for dimension in [Dimension::User, Dimension::App, Dimension::Tag] {
            let filter = AnalyticsFilter {
                range: TimeRange::Preset(preset),
                group: Some(dimension),
                ..AnalyticsFilter::default()
            };
            let mut samples = Vec::with_capacity(args.rounds);
            let mut groups = 0;
            for _ in 0..args.rounds {
                let started = Instant::now();
                let report = engine
                    .analytics_report(DEFAULT_WORKSPACE_ID, &filter, now_ms)
                    .await?;
                samples.push(started.elapsed().as_secs_f64() * 1_000.0);
                groups = report.groups.map_or(0, |groups| groups.groups);
            }
            grouped_samples.extend_from_slice(&samples);
            samples.sort_by(f64::total_cmp);
            println!(
                "{:>5} {:>9} {:>9.2} {:>9.2} {:>9.2} {:>7}",
                preset.as_str(),
                dimension.as_str(),
                percentile(&samples, 0.5),
                percentile(&samples, 0.99),
                samples.last().copied().unwrap_or_default(),
                groups
            );
        }
    }
    grouped_samples.sort_by(f64::total_cmp);
    println!(
        "all grouped cases: {} answers, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        grouped_samples.len(),
        percentile(&grouped_samples, 0.5),
        percentile(&grouped_samples, 0.99),
        grouped_samples.last().copied().unwrap_or_default()
    );
    all_samples.extend(grouped_samples);
    Ok(())
}
