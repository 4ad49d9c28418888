//! Switches between the light and the dark theme and remembers the choice in this browser.
//!
//! Without a saved choice the operating system's preference applies (CSS `prefers-color-scheme`);
//! the boot script in the document head applies a saved choice before the first paint.

use leptos::prelude::*;

/// localStorage key shared with the boot script in `shell()`.
pub const THEME_STORAGE_KEY: &str = "modelwatch-theme";

/// A button that flips the colour theme.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let on_click = move |_| {
        let root = document().document_element();
        let Some(root) = root else { return };
        let currently_dark = match root.get_attribute("data-theme").as_deref() {
            Some("dark") => true,
            Some("light") => false,
            _ => window()
                .match_media("(prefers-color-scheme: dark)")
                .ok()
                .flatten()
                .is_some_and(|query| query.matches()),
        };
        let next = if currently_dark { "light" } else { "dark" };
        // A failure here only means the choice is not applied or remembered; nothing to report.
        let _ = root.set_attribute("data-theme", next);
        if let Ok(Some(storage)) = window().local_storage() {
            let _ = storage.set_item(THEME_STORAGE_KEY, next);
        }
    };
    view! {
        <button
            type="button"
            class="theme-toggle"
            aria-label="Switch between light and dark theme"
            title="Switch between light and dark theme"
            on:click=on_click
        >
            <span aria-hidden="true">"◐"</span>
        </button>
    }
}
