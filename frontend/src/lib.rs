//! The wasm entry point: hydrates the server-rendered page in the browser.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Each page's code is a lazily loaded chunk (app/src/pages.rs), so hydration waits for the
    // open page's chunk: the asynchronous form of `hydrate_body`, which `hydrate_lazy` is.
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = leptos::prelude::document().body() else {
            return;
        };
        let owner = leptos::mount::hydrate_from_async(body, app::App).await;
        owner.forget();
        // Marks the document as interactive: CSS and the browser tests can tell SSR-only from
        // live.
        if let Some(root) = leptos::prelude::document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}
