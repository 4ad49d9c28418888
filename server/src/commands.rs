//! The small administrative subcommands: keys, users, models, workspaces, recompute-cost.

use anyhow::{bail, Context};
use app::model::ModelKind;
use sqlx::SqlitePool;

use crate::clock::now_ms;
use crate::config::{
    KeysCommand, ModelSetArgs, ModelsCommand, RecomputeCostArgs, UsersCommand, WorkspacesCommand,
};
use crate::cost::Prices;
use crate::store;

/// `modelwatch keys create|revoke`
pub async fn keys(pool: &SqlitePool, command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Create { workspace, name } => {
            let workspace_id =
                store::workspaces::find_or_create_workspace(pool, &workspace, now_ms())
                    .await
                    .context("cannot create the workspace")?;
            let key = store::api_keys::create_key(pool, workspace_id, &name, now_ms()).await?;
            println!("{}", key.key);
            eprintln!(
                "created key {:?} for workspace {workspace:?}; it is shown only this once",
                name
            );
            Ok(())
        }
        KeysCommand::Revoke { key } => {
            let revoked = store::api_keys::revoke_key(pool, &key, now_ms()).await?;
            if revoked == 0 {
                bail!("no active key matches {key:?}");
            }
            eprintln!("revoked {revoked} key(s)");
            Ok(())
        }
    }
}

/// `modelwatch models set`
pub async fn models(pool: &SqlitePool, command: ModelsCommand) -> anyhow::Result<()> {
    let ModelsCommand::Set(args) = command;
    let kind = ModelKind::parse(&args.kind).with_context(|| {
        format!(
            "unknown kind {:?}: use llm, image, video, speech, omni or embedding",
            args.kind
        )
    })?;
    let prices = prices(&args)?;
    let workspace_id =
        store::workspaces::find_or_create_workspace(pool, &args.workspace, now_ms()).await?;
    let mut conn = pool.acquire().await?;
    store::catalog::upsert_model(&mut conn, workspace_id, &args.name, kind, &prices, now_ms())
        .await?;
    eprintln!(
        "model {:?} in workspace {:?} saved; new calls are priced within 30 s, use recompute-cost for stored ones",
        args.name, args.workspace
    );
    Ok(())
}

fn prices(args: &ModelSetArgs) -> anyhow::Result<Prices> {
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
pub async fn recompute_cost(pool: &SqlitePool, args: RecomputeCostArgs) -> anyhow::Result<()> {
    let since = chrono::DateTime::parse_from_rfc3339(&args.since)
        .with_context(|| {
            format!(
                "--since must be RFC 3339, like 2026-11-20T00:00:00Z, got {:?}",
                args.since
            )
        })?
        .timestamp_millis();
    let workspace_id = store::workspaces::find_workspace_id(pool, &args.workspace)
        .await?
        .with_context(|| format!("no workspace named {:?}", args.workspace))?;
    let report = store::costs::recompute(pool, workspace_id, since).await?;
    eprintln!(
        "recomputed the cost of {} calls from {} and {} rollup cells",
        report.requests, report.from, report.cells
    );
    Ok(())
}

/// `modelwatch workspaces set-retention`
pub async fn workspaces(pool: &SqlitePool, command: WorkspacesCommand) -> anyhow::Result<()> {
    let WorkspacesCommand::SetRetention { workspace, days } = command;
    let workspace_id = store::workspaces::find_workspace_id(pool, &workspace)
        .await?
        .with_context(|| format!("no workspace named {workspace:?}"))?;
    store::workspaces::set_retention_days(pool, workspace_id, days).await?;
    eprintln!(
        "workspace {workspace:?} keeps raw calls for {days} days from the next retention pass"
    );
    Ok(())
}

/// `modelwatch users ...`
pub async fn users(pool: &SqlitePool, command: UsersCommand) -> anyhow::Result<()> {
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
    let user =
        crate::auth::accounts::add_user(pool, &email, &password, admin, &workspace, role).await?;
    println!(
        "{} is {} of workspace {workspace}",
        user.email,
        role.as_str()
    );
    Ok(())
}
