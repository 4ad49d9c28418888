//! A GET form on a page's own URL. Without JavaScript the browser submits it natively; once
//! hydrated it navigates in place with exactly the form's named fields. (leptos_router's
//! `Form` appends a nameless `=` pair for a submit button without a name.)

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

/// A form whose submission becomes the query string of `action`.
#[component]
pub fn GetForm(
    /// The page the form's query string is for, such as `/analytics`.
    #[prop(into)]
    action: String,
    /// The form's fields and buttons.
    children: Children,
) -> impl IntoView {
    let navigate = use_navigate();
    let target = action.clone();
    let on_submit = move |event: SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let form = event
                .target()
                .and_then(|target| target.dyn_into::<web_sys::HtmlFormElement>().ok());
            let Some(form) = form else { return };
            let Ok(data) = web_sys::FormData::new_with_form(&form) else {
                return;
            };
            let Ok(params) = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data) else {
                return;
            };
            event.prevent_default();
            let query = String::from(params.to_string());
            let url = if query.is_empty() {
                target.clone()
            } else {
                format!("{target}?{query}")
            };
            navigate(&url, Default::default());
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&event, &navigate, &target);
    };
    view! {
        <form method="get" action=action on:submit=on_submit>
            {children()}
        </form>
    }
}
