//! The Logs tab: every recorded model call, newest first.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::empty_state::EmptyState;

/// `/logs`
#[component]
pub fn LogsPage() -> impl IntoView {
    view! {
        <Title text="Logs" />
        <div class="page-head">
            <h1>"Logs"</h1>
        </div>
        <EmptyState title="No logs yet">
            <p>
                "Each model call this workspace receives will be listed here, newest first, "
                "with its status, latency and usage."
            </p>
        </EmptyState>
    }
}
