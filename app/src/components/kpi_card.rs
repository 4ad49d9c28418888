//! One headline number with its change against the previous period.

use leptos::prelude::*;

use crate::format::Change;

/// A KPI card.
#[component]
pub fn KpiCard(
    /// What the number is.
    #[prop(into)]
    label: String,
    /// The number, formatted.
    #[prop(into)]
    value: String,
    /// The change against the previous period of the same length; `None` when unknown.
    change: Option<Change>,
    /// The previous period's value, formatted (shown on hover).
    #[prop(into)]
    previous: String,
    /// A line under the number saying what it covers or where to look next.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let testid = format!("kpi-{}", label.to_lowercase().replace(' ', "-"));
    let change = match change {
        Some(change) => view! {
            <span
                class=format!("kpi-change {} {}", change.direction, change.tone)
                title=format!("previous period: {previous}")
            >
                {match change.direction {
                    "up" => "▲ ",
                    "down" => "▼ ",
                    _ => "",
                }}
                {change.text}
            </span>
        }
        .into_any(),
        None => view! {
            <span class="kpi-change none" title="no value in the previous period">
                "no earlier data"
            </span>
        }
        .into_any(),
    };
    view! {
        <div class="kpi" data-testid=testid>
            <span class="kpi-label">{label}</span>
            <span class="kpi-value">{value}</span>
            {change}
            {children.map(|note| view! { <span class="kpi-note">{note()}</span> })}
        </div>
    }
}
