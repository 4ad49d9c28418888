//! Switches between the light and the dark theme and remembers the choice in this browser.
//!
//! Without a saved choice the operating system's preference applies (CSS `prefers-color-scheme`);
//! the boot script in the document head applies a saved choice before the first paint.

use leptos::prelude::*;

/// localStorage key shared with the boot script in `shell()`.
pub const THEME_STORAGE_KEY: &str = "modelwatch-theme";

/// Bumped whenever the theme changes, so charts (drawn with their own colours) redraw.
#[derive(Clone, Copy)]
pub struct ThemeChanged(pub RwSignal<u32>);

/// Whether the page shows the dark theme now (a saved choice, else the system's). Browser only.
pub fn page_is_dark() -> bool {
    let saved = document()
        .document_element()
        .and_then(|root| root.get_attribute("data-theme"));
    match saved.as_deref() {
        Some("dark") => true,
        Some("light") => false,
        _ => window()
            .match_media("(prefers-color-scheme: dark)")
            .ok()
            .flatten()
            .is_some_and(|query| query.matches()),
    }
}

/// Bumps `changed` whenever the system's colour scheme changes (it applies while no choice is
/// saved), so charts follow the operating system too. Browser only; lives as long as the page.
#[cfg(feature = "hydrate")]
fn follow_system_theme(changed: ThemeChanged) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let Ok(Some(query)) = window().match_media("(prefers-color-scheme: dark)") else {
        return;
    };
    let on_change = Closure::<dyn Fn()>::new(move || changed.0.update(|epoch| *epoch += 1));
    if query
        .add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref())
        .is_ok()
    {
        // The listener must outlive this call: the header (and so this toggle) lives as long
        // as the page does.
        on_change.forget();
    }
}

/// A button that flips the colour theme.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let changed = use_context::<ThemeChanged>();
    #[cfg(feature = "hydrate")]
    if let Some(changed) = changed {
        Effect::new(move |_| follow_system_theme(changed));
    }
    let on_click = move |_| {
        let root = document().document_element();
        let Some(root) = root else { return };
        let next = if page_is_dark() { "light" } else { "dark" };
        // A failure here only means the choice is not applied or remembered; nothing to report.
        let _ = root.set_attribute("data-theme", next);
        if let Ok(Some(storage)) = window().local_storage() {
            let _ = storage.set_item(THEME_STORAGE_KEY, next);
        }
        if let Some(changed) = changed {
            changed.0.update(|epoch| *epoch += 1);
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
