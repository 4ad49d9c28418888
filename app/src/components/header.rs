//! The top bar: product name, the workspace switcher, navigation (every link keeps the
//! workspace of the URL), the bell, the theme toggle and the signed-in user with "Sign out".

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

use crate::api::AppError;
use crate::components::notifications::Bell;
use crate::components::theme_toggle::ThemeToggle;
use crate::model::Viewer;
use crate::workspace::{use_ws, ws_path};

/// The top bar shown on every page but the login page.
#[component]
pub fn Header(
    /// The signed-in user, loaded once by the application.
    viewer: Resource<Result<Option<Viewer>, AppError>>,
) -> impl IntoView {
    let ws = use_ws();
    let link = move |path: &'static str| move || ws_path(path, ws.get());
    view! {
        <header class="topbar">
            <a class="brand" href=link("/analytics") aria-label="Modelwatch home">
                <span class="brand-mark" aria-hidden="true">"◉"</span>
                <span class="brand-name">"Modelwatch"</span>
            </a>
            <Suspense fallback=|| view! { <span class="workspace muted">"…"</span> }>
                {move || {
                    viewer
                        .get()
                        .map(|result| match result {
                            Ok(Some(viewer)) => view! { <WorkspaceSwitcher viewer /> }.into_any(),
                            _ => {
                                view! { <span class="workspace error">"not signed in"</span> }
                                    .into_any()
                            }
                        })
                }}
            </Suspense>
            <nav class="tabs" aria-label="Main">
                <A href=link("/analytics")>"Analytics"</A>
                <A href=link("/logs")>"Logs"</A>
                <A href=link("/alerts")>"Alerts"</A>
                <A href=link("/settings")>"Settings"</A>
            </nav>
            <Bell />
            <ThemeToggle />
            <Suspense fallback=|| ()>
                {move || {
                    viewer
                        .get()
                        .and_then(Result::ok)
                        .flatten()
                        .map(|viewer| {
                            view! {
                                <form class="account" method="post" action="/logout">
                                    <span class="muted small" data-testid="account">{viewer.email}</span>
                                    <button type="submit">"Sign out"</button>
                                </form>
                            }
                        })
                }}
            </Suspense>
        </header>
    }
}

/// Closes the switcher's menu once one of its links is followed.
fn close_menu(event: leptos::ev::MouseEvent) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let menu = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            .and_then(|element| element.closest("details").ok().flatten());
        if let Some(menu) = menu {
            let _ = menu.remove_attribute("open");
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = event;
}

/// The current workspace and the user's others, each a link to the same page there.
#[component]
fn WorkspaceSwitcher(viewer: Viewer) -> impl IntoView {
    let ws = use_ws();
    let location = use_location();
    let memberships = viewer.memberships.clone();
    move || {
        let current = viewer.membership(ws.get()).cloned();
        let pathname = location.pathname.get();
        let Some(current) = current else {
            return view! {
                <span class="workspace error" data-testid="workspace">"no such workspace"</span>
            }
            .into_any();
        };
        let others = memberships
            .iter()
            .map(|membership| {
                let href = format!("{pathname}?ws={}", membership.workspace.id);
                let here = membership.workspace.id == current.workspace.id;
                view! {
                    <li>
                        <a href=href aria-current=here.then_some("true") data-testid="workspace-option" on:click=close_menu>
                            {membership.workspace.name.clone()}
                            <span class="muted small">{format!(" · {}", membership.role.as_str())}</span>
                        </a>
                    </li>
                }
            })
            .collect_view();
        view! {
            <details class="workspace-switcher">
                <summary class="workspace" title="Switch workspace" data-testid="workspace">
                    {current.workspace.name.clone()}
                    <span class="muted small">{format!(" · {}", current.role.as_str())}</span>
                </summary>
                <ul class="workspace-menu">{others}</ul>
            </details>
        }
        .into_any()
    }
}
