//! The models dropdown shared by the Analytics and Logs filter bars: a search box that narrows
//! the list, a checkbox per model, Apply (a GET form, so it works without JavaScript) and a
//! link back to all models.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::filter_bar::carried;
use crate::components::get_form::GetForm;
use crate::model::ModelOption;

/// The dropdown.
#[component]
pub fn ModelPicker(
    /// The page the form submits to, such as `/logs`.
    action: &'static str,
    /// The query parameter the checkboxes fill (`models` or `model`).
    field: &'static str,
    /// Parameters of the current query the form leaves out (its own, and any that must reset).
    except: &'static [&'static str],
    /// The page's query string (without `?`).
    #[prop(into)]
    query: Signal<String>,
    /// Every model offered.
    models: Vec<ModelOption>,
    /// The models chosen now (empty: all).
    chosen: Vec<String>,
    /// Where "All models" leads.
    #[prop(into)]
    all_href: Signal<String>,
) -> impl IntoView {
    let label = match chosen.len() {
        0 => "All models".to_owned(),
        1 => chosen[0].clone(),
        n => format!("{n} models"),
    };
    let search = RwSignal::new(String::new());
    view! {
        <details class="dropdown" data-testid="model-filter">
            <summary class="seg">{label}</summary>
            <div class="dropdown-panel">
                // Outside the form: the search text is not a filter.
                <input
                    type="search"
                    placeholder="Search models"
                    aria-label="Search models"
                    on:input=move |event| search.set(event_target_value(&event))
                />
                <GetForm action=action>
                    {move || carried(&query.get(), except)}
                    <ul class="model-options">
                        {models
                            .into_iter()
                            .map(|option| {
                                let checked = chosen.contains(&option.name);
                                let name = option.name.clone();
                                let hidden = move || {
                                    let needle = search.get().to_lowercase();
                                    !needle.is_empty() && !name.to_lowercase().contains(&needle)
                                };
                                view! {
                                    <li class:hidden=hidden>
                                        <label>
                                            <input type="checkbox" name=field value=option.name.clone() checked=checked />
                                            {option.name.clone()}
                                            <span class="muted">{format!(" {}", option.kind.as_str())}</span>
                                        </label>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                    <div class="dropdown-actions">
                        <button type="submit" class="primary">"Apply"</button>
                        <A href=move || all_href.get()>"All models"</A>
                    </div>
                </GetForm>
            </div>
        </details>
    }
}
