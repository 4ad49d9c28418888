//! The page for any path that matches no route.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// Any unknown path. The server answers it with HTTP 404.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <Title text="Not found" />
        <section class="empty-state" role="status">
            <h1>"Page not found"</h1>
            <p>
                "There is nothing at this address. Go to " <A href="/analytics">"Analytics"</A> "."
            </p>
        </section>
    }
}
