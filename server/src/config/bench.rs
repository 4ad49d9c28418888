//! The benchmark subcommands' arguments (BENCHMARKS.md says what each measures).

use std::path::PathBuf;

use clap::Args;

/// `modelwatch bench`
#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// Records to send in total.
    #[arg(long, default_value_t = 10_000_000)]
    pub records: u64,
    /// Records per HTTP call.
    #[arg(long, default_value_t = 1_000)]
    pub batch: usize,
    /// Concurrent client connections (each waits for its acknowledgement before sending more).
    #[arg(long, default_value_t = 16)]
    pub connections: usize,
    /// Days of history the records' timestamps cover, in send order (as live traffic).
    #[arg(long, default_value_t = 14.0)]
    pub days: f64,
    /// Where to put the benchmark database (a fresh temporary folder when omitted). Ignored
    /// when `--database-url` names an (empty) PostgreSQL database, which is used instead.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Servers taking the records at once, each with its own connections and batch writer on
    /// the one database (PostgreSQL only: SQLite has one writer); clients take turns.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=8))]
    pub servers: u16,
}

/// `modelwatch bench-analytics`
#[derive(Debug, Clone, Args)]
pub struct BenchAnalyticsArgs {
    /// Answers per case (range x granularity x model set).
    #[arg(long, default_value_t = 50)]
    pub rounds: usize,
    /// Where the preset ranges end (UTC ms); just after the newest call when omitted.
    #[arg(long)]
    pub now_ms: Option<i64>,
}

/// `modelwatch bench-logs`
#[derive(Debug, Clone, Args)]
pub struct BenchLogsArgs {
    /// Answers per first-page case.
    #[arg(long, default_value_t = 50)]
    pub rounds: usize,
    /// Request-ID lookups measured (found and not found, each).
    #[arg(long, default_value_t = 1000)]
    pub lookups: usize,
    /// How many of the newest calls the export benchmark writes.
    #[arg(long, default_value_t = 1_000_000)]
    pub export_rows: usize,
    /// Runs of the export per format.
    #[arg(long, default_value_t = 5)]
    pub export_runs: usize,
    /// Where the preset ranges end (UTC ms); just after the newest call when omitted.
    #[arg(long)]
    pub now_ms: Option<i64>,
}

/// `modelwatch bench-proxy`
#[derive(Debug, Clone, Args)]
pub struct BenchProxyArgs {
    /// Concurrent streams through the proxy (as many again are read directly).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=5000))]
    pub streams: u64,
    /// Streams each client reads, one after another.
    #[arg(long, default_value_t = 10)]
    pub rounds: u64,
    /// Content chunks per stream.
    #[arg(long, default_value_t = 20)]
    pub chunks: usize,
    /// Milliseconds before the first content chunk.
    #[arg(long, default_value_t = 50)]
    pub first_token_ms: u64,
    /// Milliseconds between content chunks.
    #[arg(long, default_value_t = 20)]
    pub interval_ms: u64,
}

/// `modelwatch bench-abuse`
#[derive(Debug, Clone, Args)]
pub struct BenchAbuseArgs {
    /// Hostile maximum-size OTLP exports in flight at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=256))]
    pub exports: u64,
    /// Exports each sender posts, one after another.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub rounds: u64,
    /// Wrong-password logins for one account, all at once.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(0..=10000))]
    pub logins: u64,
    /// The `modelwatch` binary to attack (another build, to compare); this one by default.
    #[arg(long)]
    pub server: Option<PathBuf>,
}
