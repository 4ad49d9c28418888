//! Usage by model kind, each kind in its own units (images, seconds, characters, tokens by
//! modality), never converted into tokens.

use leptos::prelude::*;

use crate::format::{count, kind_units};
use crate::model::KindUsage;

fn kind_title(kind: crate::model::ModelKind) -> &'static str {
    use crate::model::ModelKind::*;
    match kind {
        Llm => "Language models",
        Image => "Image generation",
        Video => "Video generation",
        Speech => "Speech",
        Omni => "Omni-modal",
        Embedding => "Embeddings",
    }
}

/// One card per kind of model used in the range.
#[component]
pub fn KindUsageCards(
    /// Usage per kind, in display order.
    kinds: Vec<KindUsage>,
) -> impl IntoView {
    view! {
        <section class="kinds" aria-label="Usage by model kind">
            {kinds
                .into_iter()
                .map(|usage| {
                    view! {
                        <div class="kind-card" data-testid=format!("kind-{}", usage.kind.as_str())>
                            <h3>
                                {kind_title(usage.kind)}
                                <span class="muted">{format!(" · {} calls", count(usage.requests))}</span>
                            </h3>
                            <dl>
                                {kind_units(usage.kind, &usage.units)
                                    .into_iter()
                                    .map(|(label, value)| {
                                        view! {
                                            <div>
                                                <dt>{label}</dt>
                                                <dd>{value}</dd>
                                            </div>
                                        }
                                    })
                                    .collect_view()}
                            </dl>
                        </div>
                    }
                })
                .collect_view()}
        </section>
    }
}
