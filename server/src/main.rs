//! The `modelwatch` binary: parse the configuration, set up logging, run the subcommand.

use anyhow::Context;
use clap::Parser;
use server::config::{Cli, Command};
use server::ingest::writer::{self, WriterConfig};
use server::store;

/// Ingest allocates and frees many small values per record; mimalloc measured faster here than
/// the system allocator (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (global, command) = Cli::parse()
        .command_or_serve()
        .unwrap_or_else(|error| error.exit());
    server::telemetry::init(&global.log_level, global.log_format)?;
    let url = global.database_url.as_str();
    match command {
        Command::Serve(args) => server::serve::run(&global, &args).await,
        Command::Bench(args) => server::bench::run(&global, &args).await,
        Command::BenchAnalytics(args) => server::bench_analytics::run(url, &args).await,
        Command::BenchLogs(args) => server::bench_logs::run(url, &args).await,
        Command::BenchProxy(args) => server::bench_proxy::run(&args).await,
        Command::BenchAbuse(args) => server::bench_abuse::run(&args).await,
        Command::Migrate => {
            store::open(url).await?;
            tracing::info!(database_url = %store::url::redact(url), "migrations applied");
            Ok(())
        }
        Command::Keys(command) => {
            server::commands::keys(store::open(url).await?.as_ref(), command).await
        }
        Command::Users(command) => {
            server::commands::users(store::open(url).await?.as_ref(), command).await
        }
        Command::Models(command) => {
            server::commands::models(store::open(url).await?.as_ref(), command).await
        }
        Command::Prices(command) => {
            server::commands::prices(store::open(url).await?.as_ref(), command).await
        }
        Command::Workspaces(command) => {
            server::commands::workspaces(store::open(url).await?.as_ref(), command).await
        }
        Command::RecomputeCost(args) => {
            server::commands::recompute_cost(store::open(url).await?.as_ref(), args).await
        }
        Command::CopyData(args) => server::commands::copy_data(&args).await,
        Command::Demo(args) => {
            let storage = store::open(url).await?;
            let (ingest, writer_task) = writer::spawn(
                storage.as_ref(),
                WriterConfig::with_writers(global.ingest_writers),
            )?;
            let result = server::demo::run(storage.as_ref(), &ingest, &args).await;
            drop(ingest);
            writer_task.await.context("the ingest writer failed")?;
            result.map(|_| ())
        }
    }
}
