//! Command line and environment configuration.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::alerts::webhook::policy::{AllowEntryError, AllowList};

mod bench;
pub use bench::{BenchAbuseArgs, BenchAnalyticsArgs, BenchArgs, BenchLogsArgs, BenchProxyArgs};

/// Modelwatch: a self-hosted monitoring console for AI model calls.
#[derive(Debug, Parser)]
#[command(name = "modelwatch", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Settings every subcommand shares.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Database URL; a SQLite file is created (with its folder) when missing.
    #[arg(
        long,
        env = "MODELWATCH_DATABASE_URL",
        default_value = "sqlite://data/modelwatch.db",
        global = true
    )]
    pub database_url: String,
    /// Log filter: a level (`info`) or a tracing directive list (`info,sqlx=warn`).
    #[arg(long, env = "MODELWATCH_LOG", default_value = "info", global = true)]
    pub log_level: String,
    /// Log line format.
    #[arg(long, env = "MODELWATCH_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    /// Ingest writers, each with its own database connection (PostgreSQL: 2 unless set;
    /// SQLite always has one).
    #[arg(long, env = "MODELWATCH_INGEST_WRITERS", value_parser = clap::value_parser!(u16).range(1..=32), global = true)]
    pub ingest_writers: Option<u16>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the dashboard and the APIs (the default).
    Serve(ServeArgs),
    /// Create the database if needed, apply migrations and exit.
    Migrate,
    /// Manage ingest API keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Manage dashboard users.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Manage the model catalog (kinds and prices).
    #[command(subcommand)]
    Models(ModelsCommand),
    /// The price catalogs: load a newer one, see which price a model is billed at.
    #[command(subcommand)]
    Prices(PricesCommand),
    /// Manage workspaces.
    #[command(subcommand)]
    Workspaces(WorkspacesCommand),
    /// Fill the database with realistic demo traffic through the ingest path.
    Demo(DemoArgs),
    /// Recompute stored costs and rollup costs after a price change.
    RecomputeCost(RecomputeCostArgs),
    /// Copy an installation from SQLite to PostgreSQL (resumable: run it again to go on).
    CopyData(CopyDataArgs),
    /// Measure HTTP ingest end to end and print the numbers.
    Bench(BenchArgs),
    /// Measure the Analytics answer on an existing database and print the numbers.
    BenchAnalytics(BenchAnalyticsArgs),
    /// Measure the Logs tab and the export on an existing database and print the numbers.
    BenchLogs(BenchLogsArgs),
    /// Measure the latency the proxy adds to streamed answers and print the numbers.
    BenchProxy(BenchProxyArgs),
    /// Attack a fresh server with hostile exports and parallel logins and print what it cost.
    BenchAbuse(BenchAbuseArgs),
}

/// `modelwatch users ...`
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a user (or set an existing user's password) and give them a role in a
    /// workspace. The password comes from MODELWATCH_PASSWORD or is asked for.
    Add {
        /// The user's e-mail address (their login).
        email: String,
        /// A server administrator: admin of the workspace and may create workspaces.
        #[arg(long)]
        admin: bool,
        /// The workspace to join (created when missing).
        #[arg(long, default_value = "default")]
        workspace: String,
        /// The role in that workspace (admins are always admin).
        #[arg(long, default_value = "viewer", value_parser = ["admin", "viewer"])]
        role: String,
    },
}

/// `modelwatch keys ...`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key (and the workspace, if needed); the key is printed once.
    Create {
        /// Workspace name.
        #[arg(long, default_value = "default")]
        workspace: String,
        /// A label to recognise the key by.
        #[arg(long, default_value = "ingest")]
        name: String,
    },
    /// Revoke a key, given in full or by its printed prefix (`mw_` and 8 characters).
    Revoke {
        /// The key or its prefix.
        key: String,
    },
}

/// `modelwatch workspaces ...`
#[derive(Debug, Subcommand)]
pub enum WorkspacesCommand {
    /// Set how many days raw calls and their bodies are kept (1 to 3650; default 14).
    SetRetention {
        /// Workspace name.
        #[arg(long, default_value = "default")]
        workspace: String,
        /// Days to keep raw calls, bodies and 1-minute rollups.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
        days: u32,
    },
}

/// `modelwatch models ...`
#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Create or update a model's kind and prices (USD). Omitted prices become unknown.
    Set(ModelSetArgs),
}

/// `modelwatch prices ...`
#[derive(Debug, Subcommand)]
pub enum PricesCommand {
    /// Load a price catalog for every workspace: Modelwatch's own format
    /// (`modelwatch-prices/1`) or LiteLLM's `model_prices_and_context_window.json`. Its
    /// entries replace the built-in prices of the same models; a workspace's own prices still
    /// win. New calls are priced with it within 30 s; use recompute-cost for stored ones.
    Import {
        /// The JSON file.
        file: std::path::PathBuf,
    },
    /// Show the price a model is billed at in a workspace, and where it comes from.
    Show {
        /// Model name as calls report it.
        model: String,
        /// Workspace name.
        #[arg(long, default_value = "default")]
        workspace: String,
    },
}

/// A model's catalog entry.
#[derive(Debug, Clone, Args)]
pub struct ModelSetArgs {
    /// Workspace name.
    #[arg(long, default_value = "default")]
    pub workspace: String,
    /// Model name as calls report it.
    #[arg(long)]
    pub name: String,
    /// llm, image, video, speech, omni or embedding.
    #[arg(long, default_value = "llm")]
    pub kind: String,
    /// USD per million input tokens.
    #[arg(long)]
    pub input_per_mtok: Option<f64>,
    /// USD per million cached input tokens.
    #[arg(long)]
    pub cached_input_per_mtok: Option<f64>,
    /// USD per million output tokens.
    #[arg(long)]
    pub output_per_mtok: Option<f64>,
    /// USD per generated image.
    #[arg(long)]
    pub per_image: Option<f64>,
    /// USD per second of generated video.
    #[arg(long)]
    pub per_video_second: Option<f64>,
    /// USD per second of audio.
    #[arg(long)]
    pub per_audio_second: Option<f64>,
    /// USD per million characters.
    #[arg(long)]
    pub per_mchar: Option<f64>,
}

/// `modelwatch demo`
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Workspace to fill.
    #[arg(long, default_value = "default")]
    pub workspace: String,
    /// Days of traffic, ending now.
    #[arg(long, default_value_t = 14)]
    pub days: u32,
    /// Average calls per minute over the whole period (the daily rhythm varies it).
    #[arg(long, default_value_t = 8.0)]
    pub calls_per_minute: f64,
    /// Random seed, for reproducible data.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Only fill an empty workspace (for first start); otherwise do nothing.
    #[arg(long)]
    pub if_empty: bool,
}

/// `modelwatch recompute-cost`
#[derive(Debug, Clone, Args)]
pub struct RecomputeCostArgs {
    /// Workspace name.
    #[arg(long, default_value = "default")]
    pub workspace: String,
    /// Recompute calls from this time on: RFC 3339 (2026-11-20T00:00:00Z).
    #[arg(long)]
    pub since: String,
}

/// `modelwatch copy-data`
#[derive(Debug, Clone, Args)]
pub struct CopyDataArgs {
    /// The SQLite database to copy (sqlite://PATH).
    #[arg(long)]
    pub from: String,
    /// The PostgreSQL database to copy into (postgres://USER:PASSWORD@HOST:PORT/DATABASE).
    #[arg(long)]
    pub to: String,
}

/// Settings of `modelwatch serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "MODELWATCH_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// Folder with the built front end (`pkg/`, `favicon.svg`).
    #[arg(long, env = "MODELWATCH_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,
    /// Seconds to let in-flight requests finish after SIGINT or SIGTERM.
    #[arg(long, env = "MODELWATCH_SHUTDOWN_GRACE_SECS", default_value_t = 20)]
    pub shutdown_grace_secs: u64,
    /// Seconds between retention passes (expired raw rows, bodies and rollups are removed).
    #[arg(
        long,
        env = "MODELWATCH_RETENTION_INTERVAL_SECS",
        default_value_t = 600
    )]
    pub retention_interval_secs: u64,
    /// Seconds between alert evaluations (every enabled rule is evaluated each time).
    #[arg(
        long,
        env = "MODELWATCH_ALERT_INTERVAL_SECS",
        default_value_t = 15,
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    pub alert_interval_secs: u64,
    /// Milliseconds a Logs page may search for rare matches before answering with what it
    /// found (its "Search older" link continues).
    #[arg(
        long,
        env = "MODELWATCH_LOGS_SEARCH_BUDGET_MS",
        default_value_t = 6,
        value_parser = clap::value_parser!(u64).range(1..=10_000)
    )]
    pub logs_search_budget_ms: u64,
    /// Hours a login session lasts.
    #[arg(
        long,
        env = "MODELWATCH_SESSION_HOURS",
        default_value_t = 168,
        value_parser = clap::value_parser!(u64).range(1..=8_760)
    )]
    pub session_hours: u64,
    /// The first administrator's login, created with a random password (printed once) when
    /// the database has no user yet.
    #[arg(
        long,
        env = "MODELWATCH_ADMIN_EMAIL",
        default_value = "admin@localhost"
    )]
    pub admin_email: String,
    /// The OpenAI-compatible proxy's upstreams: a JSON file (see README, "Proxy"). Without it
    /// `/proxy/v1/...` answers that no upstream is configured.
    #[arg(long, env = "MODELWATCH_PROXY_CONFIG")]
    pub proxy_config: Option<PathBuf>,
    /// Internal webhook targets to allow, comma-separated: host names and IP ranges
    /// (`127.0.0.1/32,hooks.internal`). Without it webhooks reach public addresses only.
    #[arg(long, env = "MODELWATCH_WEBHOOK_ALLOW", value_parser = parse_webhook_allow)]
    pub webhook_allow: Vec<AllowList>,
}

/// A `--webhook-allow` list, or the reason an entry of it is not one.
fn parse_webhook_allow(text: &str) -> Result<AllowList, String> {
    text.parse()
        .map_err(|error: AllowEntryError| error.to_string())
}

impl Cli {
    /// The subcommand to run, with `serve` (settings from the environment and the defaults)
    /// standing in when none was given. Fails on an environment variable that does not parse.
    pub fn command_or_serve(self) -> Result<(GlobalArgs, Command), clap::Error> {
        let command = match self.command {
            Some(command) => command,
            None => Command::Serve(ServeArgs::from_env_and_defaults()?),
        };
        Ok((self.global, command))
    }
}

impl ServeArgs {
    /// `serve`'s settings as if it had been given without flags.
    fn from_env_and_defaults() -> Result<Self, clap::Error> {
        use clap::{Args as _, FromArgMatches as _};
        let matches =
            ServeArgs::augment_args(clap::Command::new("serve")).try_get_matches_from(["serve"])?;
        ServeArgs::from_arg_matches(&matches)
    }
}

#[cfg(test)]
mod tests;
