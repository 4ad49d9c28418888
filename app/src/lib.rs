//! Modelwatch's shared crate: the model types, the server functions and the UI.
//!
//! Compiled twice: natively with the `ssr` feature (linked into the server, which renders pages)
//! and to wasm with the `hydrate` feature (loaded by the browser, which hydrates them).

#![recursion_limit = "256"]

pub mod api;
pub mod charts;
pub mod components;
pub mod connect;
pub mod format;
pub mod hooks;
pub mod model;
pub mod pages;
pub mod url_state;
pub mod workspace;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Title};
use leptos_router::{
    components::{Redirect, Route, Router, Routes},
    path, Lazy, SsrMode,
};

use crate::components::header::Header;
use crate::components::theme_toggle::ThemeChanged;
use crate::pages::{AlertsRoute, AnalyticsRoute, LoginRoute, LogsRoute, NotFound, SettingsRoute};

/// Name of the wasm-bindgen output (`pkg/modelwatch.js`, `pkg/modelwatch_bg.wasm`) and of the
/// stylesheet (`pkg/modelwatch.css`); the server and the build (Makefile) agree on it.
pub const OUTPUT_NAME: &str = "modelwatch";

/// Sets the saved colour theme before the first paint, so a dark-theme user never sees a light
/// flash. Runs before the wasm loads; the theme toggle keeps the same key.
const THEME_BOOT_SCRIPT: &str = "try{var t=localStorage.getItem('modelwatch-theme');\
if(t==='light'||t==='dark'){document.documentElement.dataset.theme=t}}catch(e){}";

/// The Content-Security-Policy of a page whose inline scripts carry `nonce`: scripts only
/// from this site or with the nonce (the theme boot script, the hydration script and the data
/// of resolved resources), wasm allowed to compile, no framing, no plugins, forms and
/// connections to this site only. Styles come from this site; style attributes are allowed
/// because the charts' tooltips set them.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; \
         connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// Sends the page's policy with the nonce Leptos puts on its inline scripts, and runs the
/// theme boot script under that nonce. A component, so that it runs while the page renders,
/// when the request's nonce and response options are known.
#[component]
fn BootScript() -> impl IntoView {
    let nonce = leptos::nonce::use_nonce();
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(response)) = (
        nonce.as_ref(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        if let Ok(value) = http::HeaderValue::from_str(&page_policy(nonce)) {
            response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
    view! { <script nonce=nonce>{THEME_BOOT_SCRIPT}</script> }
}

/// The HTML document the server renders around [`App`].
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let pkg = format!("/{}", options.site_pkg_dir);
    view! {
        <!DOCTYPE html>
        // `data-pkg`: where the built front end is, for what the wasm fetches itself (the chart script,
        // on pages that draw charts: `components::chart`).
        <html lang="en" data-pkg=pkg.clone()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <BootScript />
                <link
                    rel="stylesheet"
                    id="modelwatch"
                    href=format!("{pkg}/{OUTPUT_NAME}.css")
                />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The application: meta context, the header and one route per page.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(ThemeChanged(RwSignal::new(0)));
    components::notifications::provide_notifications();
    let viewer = Resource::new(|| (), |_| api::current_viewer());

    view! {
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg" />
        <Meta name="color-scheme" content="light dark" />
        <Title formatter=|page: String| format!("{page} · Modelwatch") />
        <Router>
            <SignedIn>
                <Header viewer />
                <components::notifications::LiveEvents />
            </SignedIn>
            <main class="page">
                <Routes fallback=NotFound>
                    <Route path=path!("") view=|| view! { <Redirect path="/analytics" /> } />
                    <Route path=path!("analytics") view={Lazy::<AnalyticsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("logs") view={Lazy::<LogsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("alerts") view={Lazy::<AlertsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("settings") view={Lazy::<SettingsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("login") view={Lazy::<LoginRoute>::new()} />
                </Routes>
            </main>
            <components::notifications::Toasts />
        </Router>
    }
}

/// Its children everywhere but on the login page.
#[component]
fn SignedIn(children: ChildrenFn) -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    view! { <Show when=move || location.pathname.get() != "/login">{children()}</Show> }
}
