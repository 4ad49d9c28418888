//! The Settings table of models and prices: the workspace's own prices (editable by admins),
//! the price catalog's list price billed when the workspace set none, and the billing rules.

use leptos::prelude::*;

use crate::api::SetModelPrices;
use crate::components::error_note::ErrorNote;
use crate::model::{CatalogModel, Prices, PRICE_FIELDS};
use crate::workspace::use_ws;

/// The models of the workspace with their prices.
#[component]
pub fn PriceTable(
    /// The workspace's models.
    models: Vec<CatalogModel>,
    /// Whether the signed-in user may change prices.
    admin: bool,
    /// Saves one model's prices.
    prices: ServerAction<SetModelPrices>,
) -> impl IntoView {
    let failure = move || {
        prices
            .value()
            .get()
            .and_then(|result| result.err())
            .map(|error| view! { <ErrorNote error /> })
    };
    let rows = models
        .into_iter()
        .map(|model| view! { <PriceRow model admin prices /> })
        .collect_view();
    view! {
        <section class="panel wide" id="prices" aria-label="Models and prices">
            <h2>"Models and prices (USD)"</h2>
            <ul class="muted small billing-rules" data-testid="billing-rules">
                <li>"Calls are billed at this workspace's own prices for a model when any is set; otherwise at the price catalog's list price (built in, dated, or loaded with `modelwatch prices import`), shown greyed in the fields and in the Catalog column."</li>
                <li>"Image and video generations are billed only when they succeed: a failed generation keeps its units for the record and costs nothing."</li>
                <li>"A call that uses a unit without a price has no cost; cost totals say which share of calls they cover."</li>
                <li>"Cached input tokens are billed at the cached price when there is one, else at the input price. New prices apply to new calls within 30 s; `modelwatch recompute-cost` re-prices stored ones."</li>
            </ul>
            <span class="field-problem" role="alert">{failure}</span>
            <div class="table-scroll">
                <table class="rules-table prices-table">
                    <thead>
                        <tr>
                            <th>"Model"</th>
                            {PRICE_FIELDS.map(|(_, label)| view! { <th>{label}</th> }).collect_view()}
                            <th>"Catalog"</th>
                            <th></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}

/// One model's prices, editable by admins, checked before sending.
#[component]
fn PriceRow(
    model: CatalogModel,
    admin: bool,
    prices: ServerAction<SetModelPrices>,
) -> impl IntoView {
    let ws = use_ws();
    let fields: Vec<(&'static str, RwSignal<String>)> = PRICE_FIELDS
        .iter()
        .map(|(name, _)| {
            let text = model
                .prices
                .get(name)
                .map(|value| value.to_string())
                .unwrap_or_default();
            (*name, RwSignal::new(text))
        })
        .collect();
    let problem = RwSignal::new(None::<String>);
    let listed = model.catalog.as_ref().map(|catalog| catalog.prices);
    let inputs = fields
        .iter()
        .map(|(name, text)| {
            let text = *text;
            let placeholder = listed
                .and_then(|listed| listed.get(name))
                .map(|value| value.to_string())
                .unwrap_or_default();
            view! {
                <td>
                    <input class="price" size="7" aria-label=format!("{} {name}", model.name) placeholder=placeholder prop:value=text prop:disabled=!admin on:input=move |e| text.set(event_target_value(&e)) />
                </td>
            }
        })
        .collect_view();
    let catalog = match &model.catalog {
        Some(catalog) => view! {
            <td class="text small" data-testid="catalog-price" title=catalog.source.clone()>
                {format!("{} {}", catalog.origin, catalog.entry)}
                <div class="muted">{format!("as of {}", catalog.as_of)}</div>
                {(!model.prices.is_unknown()).then(|| view! { <div class="muted">"overridden here"</div> })}
            </td>
        }
        .into_any(),
        None => view! { <td class="text small muted" data-testid="catalog-price">"no list price"</td> }
            .into_any(),
    };
    let model_id = model.id;
    let save = move |_| {
        let values: Vec<(&str, String)> = fields
            .iter()
            .map(|(name, text)| (*name, text.get()))
            .collect();
        match Prices::from_fields(values.iter().map(|(name, text)| (*name, text.as_str()))) {
            Ok(new_prices) => {
                problem.set(None);
                prices.dispatch(SetModelPrices {
                    ws: ws.get_untracked(),
                    model_id,
                    prices: new_prices,
                });
            }
            Err(reason) => problem.set(Some(reason)),
        }
    };
    view! {
        <tr data-testid="price-row">
            <td>{model.name.clone()}<div class="muted small">{model.kind.as_str()}</div></td>
            {inputs}
            {catalog}
            <td class="actions">
                {admin.then(|| view! { <button type="button" on:click=save>"Save"</button> })}
                <span class="field-problem" role="alert">{move || problem.get()}</span>
            </td>
        </tr>
    }
}
