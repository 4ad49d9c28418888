//! The small administrative subcommands: keys, users, models, prices, workspaces,
//! recompute-cost.

mod prices;

use anyhow::{bail, Context};
use app::model::ModelKind;

use crate::clock::now_ms;
use crate::config::{
    KeysCommand, ModelSetArgs, ModelsCommand, RecomputeCostArgs, UsersCommand, WorkspacesCommand,
};
use crate::cost::Prices;
use crate::store::Storage;

pub use prices::prices;

/// `modelwatch keys create|revoke`
pub async fn keys(storage: &dyn Storage, command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Create { workspace, name } => {
            let workspace_id = storage
                .find_or_create_workspace(&workspace, now_ms())
                .await
                .context("cannot create the workspace")?;
            let key = storage.create_key(workspace_id, &name, now_ms()).await?;
            println!("{}", key.key);
            eprintln!(
                "created key {:?} for workspace {workspace:?}; it is shown only this once",
                name
            );
            Ok(())
        }
        KeysCommand::Revoke { key } => {
            let revoked = storage.revoke_key(&key, now_ms()).await?;
            if revoked == 0 {
                bail!("no active key matches {key:?}");
            }
            eprintln!("revoked {revoked} key(s)");
            Ok(())
        }
    }
}

/// `modelwatch models set`
pub async fn models(storage: &dyn Storage, command: ModelsCommand) -> anyhow::Result<()> {
    let ModelsCommand::Set(args) = command;
    let kind = ModelKind::parse(&args.kind).with_context(|| {
        format!(
            "unknown kind {:?}: use llm, image, video, speech, omni or embedding",
            args.kind
        )
    })?;
    let prices = prices_of(&args)?;
    let workspace_id = storage
        .find_or_create_workspace(&args.workspace, now_ms())
        .await?;
    storage
        .upsert_model(workspace_id, &args.name, kind, &prices, now_ms())
        .await?;
    eprintln!(
        "model {:?} in workspace {:?} saved; new calls are priced within 30 s, use recompute-cost for stored ones",
        args.name, args.workspace
    );
    Ok(())
}

fn prices_of(args: &ModelSetArgs) -> anyhow::Result<Prices> {
    let prices = Prices {
        input_per_mtok: args.input_per_mtok,
        cached_input_per_mtok: args.cached_input_per_mtok,
        output_per_mtok: args.output_per_mtok,
        per_image: args.per_image,
        per_video_second: args.per_video_second,
        per_audio_second: args.per_audio_second,
        per_mchar: args.per_mchar,
    };
    let all = [
        prices.input_per_mtok,
        prices.cached_input_per_mtok,
        prices.output_per_mtok,
        prices.per_image,
        prices.per_video_second,
        prices.per_audio_second,
        prices.per_mchar,
    ];
    if all
        .iter()
        .flatten()
        .any(|price| !price.is_finite() || *price < 0.0)
    {
        bail!("prices must be finite and not negative");
    }
    Ok(prices)
}

/// `modelwatch recompute-cost`
pub async fn recompute_cost(storage: &dyn Storage, args: RecomputeCostArgs) -> anyhow::Result<()> {
    let since = chrono::DateTime::parse_from_rfc3339(&args.since)
        .with_context(|| {
            format!(
                "--since must be RFC 3339, like 2026-11-20T00:00:00Z, got {:?}",
                args.since
            )
        })?
        .timestamp_millis();
    let workspace_id = storage
        .find_workspace_id(&args.workspace)
        .await?
        .with_context(|| format!("no workspace named {:?}", args.workspace))?;
    let report = storage.recompute(workspace_id, since).await?;
    eprintln!(
        "recomputed the cost of {} calls from {} and {} rollup cells",
        report.requests, report.from, report.cells
    );
    Ok(())
}

/// `modelwatch workspaces set-retention`
pub async fn workspaces(storage: &dyn Storage, command: WorkspacesCommand) -> anyhow::Result<()> {
    let WorkspacesCommand::SetRetention { workspace, days } = command;
    let workspace_id = storage
        .find_workspace_id(&workspace)
        .await?
        .with_context(|| format!("no workspace named {workspace:?}"))?;
    storage.set_retention(workspace_id, days).await?;
    eprintln!(
        "workspace {workspace:?} keeps raw calls for {days} days from the next retention pass"
    );
    Ok(())
}

/// `modelwatch users ...`
pub async fn users(storage: &dyn Storage, command: UsersCommand) -> anyhow::Result<()> {
    let UsersCommand::Add {
        email,
        admin,
        workspace,
        role,
    } = command;
    let password = match std::env::var("MODELWATCH_PASSWORD") {
        Ok(password) => password,
        Err(_) => rpassword::prompt_password(format!("Password for {email}: "))
            .context("no password: set MODELWATCH_PASSWORD or run in a terminal")?,
    };
    let role = if admin {
        app::model::Role::Admin
    } else {
        app::model::Role::parse(&role).unwrap_or(app::model::Role::Viewer)
    };
    let user = crate::auth::accounts::add_user(storage, &email, &password, admin, &workspace, role)
        .await?;
    println!(
        "{} is {} of workspace {workspace}",
        user.email,
        role.as_str()
    );
    Ok(())
}

/// `modelwatch copy-data`: SQLite to PostgreSQL, with progress on stderr and the counts of
/// every table at the end.
pub async fn copy_data(args: &crate::config::CopyDataArgs) -> anyhow::Result<()> {
    use crate::store::url::{check, redact, Backend};
    if check(&args.from)? != Backend::Sqlite || check(&args.to)? != Backend::Postgres {
        anyhow::bail!(
            "copy-data copies from sqlite://... to postgres://... (got {} to {})",
            redact(&args.from),
            redact(&args.to)
        );
    }
    let counts = crate::store::copy_data::copy_data(&args.from, &args.to, &mut |line| {
        eprintln!("copy-data: {line}");
    })
    .await?;
    println!("{:<18} {:>12} {:>12}", "table", "sqlite", "postgres");
    for (table, from, to) in counts {
        println!("{table:<18} {from:>12} {to:>12}");
    }
    eprintln!("copy-data: every table holds at least the rows of the source");
    Ok(())
}
