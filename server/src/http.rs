//! The HTTP surface: the dashboard (server-rendered Leptos pages, server functions, static
//! files) and the machine endpoints (`/healthz`, the ingest API, the OTLP/HTTP receiver and
//! others as they land).

pub mod assets;
mod call_download;
mod events;
pub mod export;
mod headers;
mod health;
pub mod login;
pub mod session;
pub mod streams;

use std::sync::Arc;

use app::api::backend::SharedBackend;
use app::{shell, App};
use axum::extract::FromRef;
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

use crate::engine::Engine;
use crate::ingest::writer::IngestHandle;

/// What every handler can reach.
#[derive(Clone, FromRef)]
pub struct AppState {
    /// Where the front end lives and how it is named; Leptos reads it from the state.
    pub leptos_options: LeptosOptions,
    /// The database, behind the storage seam.
    pub storage: crate::store::SharedStorage,
    /// The engine, as the UI's server functions see it.
    pub backend: SharedBackend,
    /// The batch writer every ingest path feeds.
    pub ingest: IngestHandle,
    /// The engine itself, for the machine endpoints (export) and background jobs.
    pub engine: Engine,
    /// Alert events that notify, as they happen: every open dashboard listens (SSE).
    pub alert_events: tokio::sync::broadcast::Sender<crate::alerts::evaluator::WorkspaceEvent>,
    /// Login attempts per account and client address (the engine's: password changes count
    /// against the same limits).
    pub limiter: Arc<crate::auth::limiter::LoginLimiter>,
    /// How long a login session lasts.
    pub session_ttl_ms: i64,
    /// The OpenAI-compatible proxy's upstreams and connection pool.
    pub proxy: Arc<crate::proxy::Proxy>,
    /// Live event streams open per user.
    #[from_ref(skip)]
    pub event_streams: Arc<streams::StreamCounter>,
    /// Exports running per user.
    #[from_ref(skip)]
    pub exports: Arc<streams::StreamCounter>,
    /// How long an export waits for its client to take the next chunk before it ends.
    #[from_ref(skip)]
    pub export_stall: std::time::Duration,
    /// Which wasm files each page's code is in (see [`assets::split_manifest`]), when the
    /// front end is built.
    #[from_ref(skip)]
    pub split_manifest: Option<app::pages::PageChunks>,
}

impl AppState {
    /// The state for a server whose built front end is in `site_root`.
    pub fn new(
        storage: crate::store::SharedStorage,
        ingest: IngestHandle,
        site_root: &str,
        addr: std::net::SocketAddr,
    ) -> Self {
        let (leptos_options, split_manifest) = site_options(site_root, addr);
        let engine = Engine::new(storage.clone());
        let backend: SharedBackend = Arc::new(engine.clone());
        let (alert_events, _) = tokio::sync::broadcast::channel(256);
        let limiter = engine.limiter();
        Self {
            leptos_options,
            storage,
            backend,
            ingest,
            engine,
            alert_events,
            limiter,
            session_ttl_ms: 7 * 86_400_000,
            proxy: Arc::new(
                crate::proxy::Proxy::new(crate::proxy::upstreams::ProxyConfig::empty())
                    .expect("an HTTP client with default settings builds"),
            ),
            event_streams: streams::StreamCounter::new(
                "event streams",
                streams::EVENT_STREAMS_PER_USER,
            ),
            exports: streams::StreamCounter::new("exports", streams::EXPORTS_PER_USER),
            export_stall: crate::export::STALL,
            split_manifest,
        }
    }
}

impl AppState {
    /// The same state with sessions lasting `hours`.
    pub fn with_session_hours(mut self, hours: u64) -> Self {
        self.session_ttl_ms = i64::try_from(hours).unwrap_or(8_760) * 3_600_000;
        self
    }

    /// The same state with the proxy's upstreams from `config`.
    pub fn with_proxy(
        mut self,
        config: crate::proxy::upstreams::ProxyConfig,
    ) -> anyhow::Result<Self> {
        self.proxy = Arc::new(crate::proxy::Proxy::new(config)?);
        Ok(self)
    }

    /// The same state with exports ending after `stall` without progress (tests use a
    /// second; the default is [`crate::export::STALL`]).
    pub fn with_export_stall(mut self, stall: std::time::Duration) -> Self {
        self.export_stall = stall;
        self
    }

    /// The same state sending webhooks through `client` (the server's webhook policy).
    pub fn with_webhooks(mut self, client: crate::alerts::webhook::client::WebhookClient) -> Self {
        self.engine = self.engine.clone().with_webhooks(client);
        self.backend = Arc::new(self.engine.clone());
        self
    }

    /// The same state serving the front end built in `site_root`.
    pub fn with_site_root(mut self, site_root: &str) -> Self {
        (self.leptos_options, self.split_manifest) =
            site_options(site_root, self.leptos_options.site_addr);
        self
    }

    /// The same state with another Logs search budget (see `Engine::with_search_budget`).
    pub fn with_logs_search_budget(mut self, budget: std::time::Duration) -> Self {
        self.engine = self.engine.clone().with_search_budget(budget);
        self.backend = Arc::new(self.engine.clone());
        self
    }
}

/// Where the front end built in `site_root` is and how pages name its files: `pkg/` under a
/// path with the hash of its content (see [`assets`]), and which of its wasm files each page
/// needs.
fn site_options(
    site_root: &str,
    addr: std::net::SocketAddr,
) -> (LeptosOptions, Option<app::pages::PageChunks>) {
    let pkg_dir = std::path::Path::new(site_root).join(assets::PKG);
    let version = assets::version_of(&pkg_dir);
    let pkg_path = format!("{}/{version}", assets::PKG);
    let manifest = assets::split_manifest(&pkg_dir, &pkg_path);
    let options = LeptosOptions::builder()
        .output_name(app::OUTPUT_NAME)
        .site_root(site_root)
        .site_pkg_dir(pkg_path)
        .site_addr(addr)
        .env(leptos::config::Env::PROD)
        .build();
    (options, manifest)
}

/// The whole application router, ready to serve. Tests drive it directly.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let backend = state.backend.clone();
    let leptos_options = state.leptos_options.clone();
    let split_manifest = state.split_manifest.clone();
    // The proxy passes answers through as the upstream sent them (no compression, no session
    // layer: it authenticates with workspace keys itself).
    let proxy = crate::proxy::router().with_state(state.clone());

    Router::new()
        .route("/healthz", get(health::healthz))
        .merge(crate::ingest::api::router())
        .merge(crate::ingest::otlp::router())
        .merge(export::router())
        .merge(call_download::router())
        .merge(assets::router())
        .route("/api/v1/events", get(events::events))
        .merge(crate::http::login::router())
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(backend.clone());
                // Read where a lazy page is rendered: the answer's `Link` header then
                // preloads the wasm chunks the page loads as it hydrates.
                if let Some(manifest) = &split_manifest {
                    provide_context(manifest.clone());
                }
            },
            move || shell(leptos_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::http::session::sessions,
        ))
        .layer(axum::middleware::from_fn(headers::security_headers))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
        .merge(proxy)
}
