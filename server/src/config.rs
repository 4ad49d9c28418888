//! Command line and environment configuration.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
}

/// Settings of `modelwatch serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "MODELWATCH_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// Folder with the built front end (`pkg/`, `echarts.min.js`, `favicon.svg`).
    #[arg(long, env = "MODELWATCH_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,
    /// Seconds to let in-flight requests finish after SIGINT or SIGTERM.
    #[arg(long, env = "MODELWATCH_SHUTDOWN_GRACE_SECS", default_value_t = 20)]
    pub shutdown_grace_secs: u64,
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
mod tests {
    use super::*;

    #[test]
    fn no_subcommand_means_serve_with_the_documented_defaults() {
        let cli = Cli::try_parse_from(["modelwatch"]).expect("parses");
        let (global, command) = cli.command_or_serve().expect("defaults parse");
        assert_eq!(global.database_url, "sqlite://data/modelwatch.db");
        let Command::Serve(serve) = command else {
            panic!("expected serve")
        };
        assert_eq!(serve.addr, "127.0.0.1:3000".parse().expect("addr"));
    }

    #[test]
    fn flags_override_defaults() {
        let cli = Cli::try_parse_from([
            "modelwatch",
            "--database-url",
            "sqlite:///tmp/x.db",
            "--log-format",
            "json",
            "serve",
            "--addr",
            "0.0.0.0:8080",
        ])
        .expect("parses");
        assert_eq!(cli.global.database_url, "sqlite:///tmp/x.db");
        assert_eq!(cli.global.log_format, LogFormat::Json);
        let Some(Command::Serve(serve)) = cli.command else {
            panic!("expected serve")
        };
        assert_eq!(serve.addr.port(), 8080);
    }

    #[test]
    fn a_malformed_address_is_rejected_with_the_flag_name() {
        let error = Cli::try_parse_from(["modelwatch", "serve", "--addr", "localhost"])
            .expect_err("must fail");
        assert!(error.to_string().contains("--addr"), "{error}");
    }
}
