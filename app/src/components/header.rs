//! The top bar: product name, current workspace, navigation and the theme toggle.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::notifications::Bell;
use crate::components::theme_toggle::ThemeToggle;
use crate::model::WorkspaceInfo;

/// The top bar shown on every page.
#[component]
pub fn Header(
    /// The current workspace, loaded once by the application.
    workspace: Resource<Result<WorkspaceInfo, ServerFnError>>,
) -> impl IntoView {
    view! {
        <header class="topbar">
            <a class="brand" href="/analytics" aria-label="Modelwatch home">
                <span class="brand-mark" aria-hidden="true">"◉"</span>
                <span class="brand-name">"Modelwatch"</span>
            </a>
            <Suspense fallback=|| view! { <span class="workspace muted">"…"</span> }>
                {move || {
                    workspace
                        .get()
                        .map(|result| match result {
                            Ok(info) => {
                                view! {
                                    <span class="workspace" title="Current workspace" data-testid="workspace">
                                        {info.name}
                                    </span>
                                }
                                    .into_any()
                            }
                            Err(_) => {
                                view! { <span class="workspace error">"workspace unavailable"</span> }
                                    .into_any()
                            }
                        })
                }}
            </Suspense>
            <nav class="tabs" aria-label="Main">
                <A href="/analytics">"Analytics"</A>
                <A href="/logs">"Logs"</A>
                <A href="/alerts">"Alerts"</A>
            </nav>
            <Bell />
            <ThemeToggle />
        </header>
    }
}
