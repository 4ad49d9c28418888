//! The Analytics page: usage, latency and reliability of every model over time.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::empty_state::EmptyState;

/// `/analytics`
#[component]
pub fn AnalyticsPage() -> impl IntoView {
    view! {
        <Title text="Analytics" />
        <div class="page-head">
            <h1>"Analytics"</h1>
        </div>
        <EmptyState title="No model calls recorded yet">
            <p>
                "Tokens, requests, latency, time to first token and success rate per model will "
                "appear here as soon as this workspace receives its first model calls."
            </p>
        </EmptyState>
    }
}
