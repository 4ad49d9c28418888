//! The `modelwatch` binary: parse the configuration, set up logging, run the subcommand.

use clap::Parser;
use server::config::{Cli, Command};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (global, command) = Cli::parse()
        .command_or_serve()
        .unwrap_or_else(|error| error.exit());
    server::telemetry::init(&global.log_level, global.log_format)?;
    match command {
        Command::Serve(args) => server::serve::run(&global, &args).await,
        Command::Migrate => {
            server::store::open(&global.database_url).await?;
            tracing::info!(database_url = %global.database_url, "migrations applied");
            Ok(())
        }
    }
}
