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

/// A kind's own units as `label: value` pairs, in table order: its main units always, the
/// others when used (of alternative main units, the used ones, or all when none is).
pub fn kind_units(kind: ModelKind, units: &UnitTotals) -> Vec<(&'static str, String)> {
    let cards: Vec<(&'static str, Amount, Shown)> = UNITS
        .iter()
        .flat_map(|spec| {
            spec.cards
                .iter()
                .filter(move |(card, _, _)| *card == kind)
                .map(move |(_, label, shown)| (*label, units.get(spec.unit), *shown))
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
    fn each_kind_keeps_its_own_units() {
        let units = UnitTotals {
            images: 12,
            video_seconds: 340.5,
            characters: 1_200,
            input_tokens: 99,
            ..UnitTotals::default()
        };
        assert_eq!(
            kind_units(ModelKind::Image, &units),
            vec![("Images", "12".to_owned())]
        );
        assert_eq!(
            kind_units(ModelKind::Video, &units),
            vec![("Video", "5.7 min".to_owned())]
        );
        assert_eq!(
            kind_units(ModelKind::Speech, &units),
            vec![("Characters", "1.20k".to_owned())]
        );
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
