//! `modelwatch serve`: open the store, bind, serve until asked to stop, then drain.

use std::future::{Future, IntoFuture};
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::alerts::webhook::client::WebhookClient;
use crate::alerts::webhook::policy::WebhookPolicy;
use crate::config::{GlobalArgs, ServeArgs};
use crate::http::{router, AppState};
use crate::ingest::{self, writer::WriterConfig};
use crate::store;

/// Runs the server until SIGINT/SIGTERM.
pub async fn run(global: &GlobalArgs, args: &ServeArgs) -> anyhow::Result<()> {
    // A wrong proxy configuration stops start-up before anything else happens.
    let proxy = match &args.proxy_config {
        Some(path) => {
            let config =
                crate::proxy::upstreams::ProxyConfig::load(path, |name| std::env::var(name).ok())
                    .context("cannot start the proxy")?;
            tracing::info!(upstreams = config.upstreams.len(), "proxy configured");
            Some(config)
        }
        None => None,
    };
    let storage = store::open(&global.database_url)
        .await
        .context("cannot start: the database is not usable")?;
    let (ingest, writer) = ingest::writer::spawn(
        storage.as_ref(),
        WriterConfig::with_writers(global.ingest_writers),
    )
    .context("cannot start the ingest writer")?;
    let listener = TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    let addr = listener.local_addr().context("listener has no address")?;
    let site_root = args.site_root.to_string_lossy();
    if !args.site_root.join("pkg").is_dir() {
        tracing::warn!(site_root = %site_root, "no built front end found: pages render but will not hydrate (run `make build`)");
    }
    let webhook_policy = WebhookPolicy::from_lists(&args.webhook_allow);
    if !webhook_policy.is_default() {
        tracing::info!(policy = ?webhook_policy, "webhooks may also reach the allowed internal targets");
    }
    let state = AppState::new(storage.clone(), ingest, &site_root, addr)
        .with_logs_search_budget(Duration::from_millis(args.logs_search_budget_ms))
        .with_session_hours(args.session_hours)
        .with_webhooks(WebhookClient::new(webhook_policy));
    let state = match proxy {
        Some(config) => state.with_proxy(config)?,
        None => state,
    };
    if let Some(password) = crate::auth::accounts::first_admin(storage.as_ref(), &args.admin_email)
        .await
        .context("cannot create the first administrator")?
    {
        // Shown once, on the console only (never logged to files through tracing).
        eprintln!(
            "\nFirst run: sign in at http://{addr}/login as {} with password {password}\n\
             (shown once; change it with `modelwatch users add --admin {}`)\n",
            args.admin_email, args.admin_email
        );
    }
    let (stop_jobs, jobs_stopped) = tokio::sync::watch::channel(false);
    let server = crate::jobs::server_name();
    let schedule = |job, secs| crate::jobs::slots::Schedule {
        job,
        server: server.clone(),
        interval: Duration::from_secs(secs),
    };
    let retention = crate::jobs::retention::spawn(
        storage.clone(),
        schedule("retention", args.retention_interval_secs),
        jobs_stopped,
    );
    let signals = crate::jobs::signals::spawn(
        storage.clone(),
        server.clone(),
        state.engine.clone(),
        state.alert_events.clone(),
        stop_jobs.subscribe(),
    )
    .await
    .context("cannot listen for other servers' signals")?;
    let request_ids = crate::jobs::request_ids::spawn(
        state.engine.clone(),
        Duration::from_secs(2),
        stop_jobs.subscribe(),
    );
    let webhook_wake = std::sync::Arc::new(tokio::sync::Notify::new());
    let webhooks = crate::jobs::webhooks::spawn(
        crate::jobs::webhooks::Deliverer::new(
            storage.clone(),
            state.engine.webhooks(),
            std::sync::Arc::clone(&webhook_wake),
        ),
        std::sync::Arc::clone(&webhook_wake),
        stop_jobs.subscribe(),
    );
    let alerts = crate::jobs::alerts::spawn(
        storage.clone(),
        crate::alerts::evaluator::Evaluator::new(storage.clone(), state.alert_events.clone())
            .with_webhook_wake(webhook_wake)
            .with_server(server.clone()),
        schedule("alerts", args.alert_interval_secs),
        stop_jobs.subscribe(),
    );
    tracing::info!(%addr, "modelwatch listening on http://{addr}");

    serve_until(
        listener,
        state,
        crate::shutdown::signal(),
        Duration::from_secs(args.shutdown_grace_secs),
    )
    .await?;
    let _ = stop_jobs.send(true);
    let _ = retention.await;
    let _ = request_ids.await;
    let _ = alerts.await;
    let _ = webhooks.await;
    if let Some(signals) = signals {
        let _ = signals.await;
    }
    // The router (and with it every ingest handle) is gone: the writer drains and stops.
    if tokio::time::timeout(Duration::from_secs(args.shutdown_grace_secs), writer)
        .await
        .is_err()
    {
        tracing::warn!("the ingest writer did not drain in time");
    }
    storage.close().await;
    tracing::info!("modelwatch stopped");
    Ok(())
}

/// Serves `state` on `listener` until `stop` resolves, then lets in-flight requests finish for
/// at most `grace`.
pub async fn serve_until(
    listener: TcpListener,
    state: AppState,
    stop: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> anyhow::Result<()> {
    let stopping = std::sync::Arc::new(tokio::sync::Notify::new());
    let notify = stopping.clone();
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        stop.await;
        notify.notify_one();
    });
    let mut server = std::pin::pin!(server.into_future());

    tokio::select! {
        result = &mut server => return result.context("server failed"),
        () = stopping.notified() => {}
    }
    match tokio::time::timeout(grace, server).await {
        Ok(result) => result.context("server failed while draining"),
        Err(_) => {
            tracing::warn!(
                grace_secs = grace.as_secs(),
                "in-flight requests did not finish in time"
            );
            Ok(())
        }
    }
}
