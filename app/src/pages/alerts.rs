//! The Alerts page: rules on call metrics and the notifications they raised.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::empty_state::EmptyState;

/// `/alerts`
#[component]
pub fn AlertsPage() -> impl IntoView {
    view! {
        <Title text="Alerts" />
        <div class="page-head">
            <h1>"Alerts"</h1>
        </div>
        <EmptyState title="No alert rules yet">
            <p>"Rules on error rate, latency, tokens or cost, and the notifications they raise, will be managed here."</p>
        </EmptyState>
    }
}
