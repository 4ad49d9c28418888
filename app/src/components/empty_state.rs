//! The message shown where a view has nothing to show yet.

use leptos::prelude::*;

/// A calm, honest "nothing here yet" block with a title and an explanation.
#[component]
pub fn EmptyState(
    /// One line saying what is missing.
    #[prop(into)]
    title: String,
    /// What the user can do about it.
    children: Children,
) -> impl IntoView {
    view! {
        <section class="empty-state" role="status">
            <h2>{title}</h2>
            <div class="empty-body">{children()}</div>
        </section>
    }
}
