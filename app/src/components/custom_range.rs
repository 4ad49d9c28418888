//! The "Custom" time range dropdown shared by the Analytics and Logs filter bars: two UTC
//! `datetime-local` fields in a GET form that keeps the page's other parameters.

use leptos::prelude::*;

use crate::components::filter_bar::carried;
use crate::components::get_form::GetForm;
use crate::format::datetime_local;

/// The dropdown.
#[component]
pub fn CustomRange(
    /// The page the form submits to, such as `/logs`.
    action: &'static str,
    /// Parameters of the current query the form leaves out (the range's, and any that reset).
    except: &'static [&'static str],
    /// The page's query string (without `?`).
    #[prop(into)]
    query: Signal<String>,
    /// Whether a custom range is in effect.
    active: bool,
    /// The range answered, to prefill the fields.
    answered: (i64, i64),
) -> impl IntoView {
    view! {
        <details class="dropdown" data-testid="custom-range">
            <summary class=if active { "seg active" } else { "seg" }>"Custom"</summary>
            <div class="dropdown-panel">
                <GetForm action=action>
                    {move || carried(&query.get(), except)}
                    <label>
                        "From (UTC) "
                        <input type="datetime-local" name="from" required value=datetime_local(answered.0) />
                    </label>
                    <label>
                        "To (UTC) "
                        <input type="datetime-local" name="to" required value=datetime_local(answered.1) />
                    </label>
                    <button type="submit" class="primary">"Apply range"</button>
                </GetForm>
            </div>
        </details>
    }
}
