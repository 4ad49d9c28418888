//! Usage units as people read them, driven by the units table (`model::UNITS`): each kind's
//! card in its own units (never forced into tokens), the media units of a row or a call in
//! one short text, and one exact amount for a call's details.

use super::{count, grouped, seconds};
use crate::model::{Amount, ModelKind, Shown, UnitTotals, Usage, UNITS};

/// `12.3k`, `5.7 min`: an amount in a card or a table.
fn compact(amount: Amount) -> String {
    match amount {
        Amount::Count(value) => count(value),
        Amount::Seconds(value) => seconds(value),
    }
}

/// `12,345`, `5.0 s`: an amount of one call, exactly.
pub fn amount_exact(amount: Amount) -> String {
    match amount {
        Amount::Count(value) => grouped(value),
        Amount::Seconds(value) => format!("{value:.1} s"),
    }
}

/// A kind's card as `label: value` pairs, in table order: every unit of the table, so that no
/// unit a kind's calls reported is left off its card. A unit the kind's row of the table names
/// (`UnitSpec::cards`) is shown by that entry's label and rule: its main units always, its
/// extras when used, of alternative main units the used ones (or all when none is); any other
/// unit is shown by its details label when used (audio tokens of a speech model, image input
/// tokens of a language model).
pub fn kind_units(kind: ModelKind, units: &UnitTotals) -> Vec<(&'static str, String)> {
    let cards: Vec<(&'static str, Amount, Shown)> = UNITS
        .iter()
        .map(|spec| {
            let (label, shown) = spec
                .cards
                .iter()
                .find(|(card, _, _)| *card == kind)
                .map_or((spec.label, Shown::IfUsed), |(_, label, shown)| {
                    (*label, *shown)
                });
            (label, units.get(spec.unit), shown)
        })
        .collect();
    let alternative_used = cards
        .iter()
        .any(|(_, amount, shown)| *shown == Shown::Either && !amount.is_zero());
    cards
        .into_iter()
        .filter(|(_, amount, shown)| match shown {
            Shown::Always => true,
            Shown::IfUsed => !amount.is_zero(),
            Shown::Either => !amount.is_zero() || !alternative_used,
        })
        .map(|(label, amount, _)| (label, compact(amount)))
        .collect()
}

/// The media units of a row in one short text (`12 images, 5.7 min video`), or `—`.
pub fn other_units(units: &UnitTotals) -> String {
    let parts: Vec<String> = UNITS
        .iter()
        .filter_map(|spec| {
            let (_, many) = spec.summary?;
            let amount = units.get(spec.unit);
            (!amount.is_zero()).then(|| format!("{} {many}", compact(amount)))
        })
        .collect();
    if parts.is_empty() {
        "—".to_owned()
    } else {
        parts.join(", ")
    }
}

/// The media units one call reported (`2 images · 5.0 s video`), when it reported any.
pub(super) fn call_media(usage: &Usage) -> Option<String> {
    let parts: Vec<String> = UNITS
        .iter()
        .filter_map(|spec| {
            let (one, many) = spec.summary?;
            Some(match usage.get(spec.unit)? {
                Amount::Count(value) => {
                    format!("{} {}", grouped(value), if value == 1 { one } else { many })
                }
                seconds @ Amount::Seconds(_) => format!("{} {many}", amount_exact(seconds)),
            })
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_shows_its_calls_in_its_own_units() {
        assert_eq!(
            kind_units(
                ModelKind::Image,
                &UnitTotals {
                    images: 12,
                    ..UnitTotals::default()
                }
            ),
            vec![("Images", "12".to_owned())]
        );
        assert_eq!(
            kind_units(
                ModelKind::Video,
                &UnitTotals {
                    video_seconds: 340.5,
                    ..UnitTotals::default()
                }
            ),
            vec![("Video", "5.7 min".to_owned())]
        );
        assert_eq!(
            kind_units(
                ModelKind::Speech,
                &UnitTotals {
                    characters: 1_200,
                    ..UnitTotals::default()
                }
            ),
            vec![("Characters", "1.20k".to_owned())]
        );
        let units = UnitTotals {
            images: 12,
            video_seconds: 340.5,
            characters: 1_200,
            input_tokens: 99,
            ..UnitTotals::default()
        };
        assert_eq!(other_units(&units), "12 images, 5.7 min video, 1.20k chars");
        assert_eq!(other_units(&UnitTotals::default()), "—");
    }

    #[test]
    fn a_kind_shows_its_main_units_even_when_idle_and_its_extras_only_when_used() {
        let idle = UnitTotals::default();
        assert_eq!(
            kind_units(ModelKind::Llm, &idle),
            vec![
                ("Input tokens", "0".to_owned()),
                ("Output tokens", "0".to_owned())
            ]
        );
        assert_eq!(
            kind_units(ModelKind::Speech, &idle),
            vec![
                ("Audio", "0.0 s".to_owned()),
                ("Characters", "0".to_owned())
            ]
        );
        let reasoning = UnitTotals {
            reasoning_tokens: 5,
            ..UnitTotals::default()
        };
        assert_eq!(kind_units(ModelKind::Llm, &reasoning).len(), 3);
    }

    #[test]
    fn every_unit_with_data_appears_on_every_kinds_card() {
        for kind in ModelKind::ALL {
            for spec in &UNITS {
                let mut units = UnitTotals::default();
                let amount = match spec.measure {
                    crate::model::Measure::Count => Amount::Count(7),
                    crate::model::Measure::Seconds => Amount::Seconds(7.0),
                };
                units.set(spec.unit, amount);
                let card = kind_units(kind, &units);
                let shown: Vec<&String> = card
                    .iter()
                    .filter(|(_, value)| !value.starts_with('0'))
                    .map(|(_, value)| value)
                    .collect();
                assert_eq!(
                    shown,
                    vec![&compact(amount)],
                    "{} on the {} card: {card:?}",
                    spec.key,
                    kind.as_str()
                );
            }
        }
    }

    #[test]
    fn speech_tokens_and_image_input_tokens_reach_their_cards() {
        let speech = UnitTotals {
            characters: 1_200,
            input_tokens: 300,
            output_tokens: 2_000,
            output_audio_tokens: 1_900,
            ..UnitTotals::default()
        };
        assert_eq!(
            kind_units(ModelKind::Speech, &speech),
            vec![
                ("Input tokens", "300".to_owned()),
                ("Output tokens", "2.00k".to_owned()),
                ("Audio output tokens", "1.90k".to_owned()),
                ("Characters", "1.20k".to_owned()),
            ]
        );
        let vision = UnitTotals {
            input_tokens: 5_000,
            output_tokens: 40,
            total_tokens: 5_040,
            input_image_tokens: 4_000,
            ..UnitTotals::default()
        };
        assert_eq!(
            kind_units(ModelKind::Llm, &vision),
            vec![
                ("Input tokens", "5.00k".to_owned()),
                ("Output tokens", "40".to_owned()),
                ("Total tokens", "5.04k".to_owned()),
                ("Image input tokens", "4.00k".to_owned()),
            ]
        );
    }

    #[test]
    fn a_calls_media_units_read_in_one_line() {
        let usage = Usage {
            images: Some(1),
            video_seconds: Some(5.0),
            characters: Some(1_500),
            ..Usage::default()
        };
        assert_eq!(
            call_media(&usage).as_deref(),
            Some("1 image · 5.0 s video · 1,500 chars")
        );
        assert_eq!(call_media(&Usage::default()), None);
        assert_eq!(amount_exact(Amount::Count(12_345)), "12,345");
    }
}
