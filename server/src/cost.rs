//! What a call cost: its units times the prices of its model, and where those prices come from
//! (the workspace's own, an imported catalog, or the catalog built into the binary).

pub mod catalog;
pub mod import;
pub mod matching;

use app::model::{ModelKind, Usage};

pub use app::model::Prices;
pub use catalog::{Catalog, CatalogEntry};

/// Whose prices a model is billed at, in the order they win.
#[derive(Clone, Debug, PartialEq)]
pub enum PriceOrigin {
    /// Set in the workspace's Settings (or `modelwatch models set`).
    Workspace,
    /// From a catalog loaded with `modelwatch prices import`.
    Imported(CatalogEntry),
    /// From the catalog compiled into this binary.
    BuiltIn(CatalogEntry),
    Unknown,
}

impl PriceOrigin {
    /// The prices to bill at: the workspace's own when it set any, else the catalog entry's.
    pub fn prices(&self, own: &Prices) -> Prices {
        match self {
            PriceOrigin::Imported(entry) | PriceOrigin::BuiltIn(entry) => entry.prices,
            PriceOrigin::Workspace | PriceOrigin::Unknown => *own,
        }
    }
}

/// Where the prices of `model` come from: the workspace's own prices when it set any, else the
/// imported catalog's entry, else the built-in one.
pub fn resolve(own: &Prices, imported: Option<CatalogEntry>, model: &str) -> PriceOrigin {
    if !own.is_unknown() {
        return PriceOrigin::Workspace;
    }
    if let Some(entry) = imported {
        return PriceOrigin::Imported(entry);
    }
    match catalog::built_in().lookup(model) {
        Some(entry) => PriceOrigin::BuiltIn(entry.clone()),
        None => PriceOrigin::Unknown,
    }
}

/// The billing rule for generations: an image or video generation is billed only when it
/// succeeds. A failed one keeps its units for the record and costs nothing.
pub fn billed(kind: ModelKind, status: u16) -> bool {
    !(matches!(kind, ModelKind::Image | ModelKind::Video) && status >= 400)
}

/// What a stored cost means, for the export (so a sum of costs says what it covers): `priced`,
/// `not billed` (a failed generation, cost 0) or `no price` (a unit without a price, no cost).
pub fn cost_status(kind: ModelKind, status: u16, cost: Option<f64>) -> &'static str {
    match (billed(kind, status), cost) {
        (false, _) => "not billed",
        (true, Some(_)) => "priced",
        (true, None) => "no price",
    }
}

/// The cost of one call: nothing for a failed generation ([`billed`]), else [`cost`].
pub fn call_cost(prices: &Prices, usage: &Usage, kind: ModelKind, status: u16) -> Option<f64> {
    if billed(kind, status) {
        cost(prices, usage)
    } else {
        Some(0.0)
    }
}

/// The cost of `usage`, or `None` when a unit it used has no known price (a cost that leaves out
/// part of the usage would be wrong, not approximate). Cached input tokens are billed at the
/// cached price when there is one, else at the input price.
pub fn cost(prices: &Prices, usage: &Usage) -> Option<f64> {
    if prices.is_unknown() {
        return None;
    }
    let mut total = 0.0;
    let input = usage.input_tokens.unwrap_or(0);
    let cached = usage.cached_tokens.unwrap_or(0).min(input);
    let mut part = |units: f64, price: Option<f64>, per: f64| -> Option<()> {
        if units > 0.0 {
            total += units * price? / per;
        }
        Some(())
    };
    part((input - cached) as f64, prices.input_per_mtok, 1e6)?;
    part(
        cached as f64,
        prices.cached_input_per_mtok.or(prices.input_per_mtok),
        1e6,
    )?;
    part(
        usage.output_tokens.unwrap_or(0) as f64,
        prices.output_per_mtok,
        1e6,
    )?;
    part(usage.images.unwrap_or(0) as f64, prices.per_image, 1.0)?;
    part(
        usage.video_seconds.unwrap_or(0.0),
        prices.per_video_second,
        1.0,
    )?;
    part(
        usage.audio_seconds.unwrap_or(0.0),
        prices.per_audio_second,
        1.0,
    )?;
    part(usage.characters.unwrap_or(0) as f64, prices.per_mchar, 1e6)?;
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn llm_prices() -> Prices {
        Prices {
            input_per_mtok: Some(2.0),
            cached_input_per_mtok: Some(0.5),
            output_per_mtok: Some(8.0),
            ..Prices::default()
        }
    }

    #[test]
    fn tokens_are_priced_per_million_with_cached_input_cheaper() {
        let usage = Usage {
            input_tokens: Some(1_000_000),
            cached_tokens: Some(400_000),
            output_tokens: Some(250_000),
            ..Usage::default()
        };
        let expected = 0.6 * 2.0 + 0.4 * 0.5 + 0.25 * 8.0;
        let got = cost(&llm_prices(), &usage).expect("priced");
        assert!((got - expected).abs() < 1e-12, "{got}");
    }

    #[test]
    fn an_unpriced_unit_makes_the_cost_unknown() {
        let usage = Usage {
            images: Some(1),
            ..Usage::default()
        };
        assert_eq!(cost(&llm_prices(), &usage), None);
        assert_eq!(cost(&Prices::default(), &Usage::default()), None);
    }

    #[test]
    fn a_failed_generation_costs_nothing_and_a_failed_chat_is_still_billed() {
        let prices = Prices {
            per_image: Some(0.04),
            ..llm_prices()
        };
        let images = Usage {
            images: Some(2),
            ..Usage::default()
        };
        assert_eq!(
            call_cost(&prices, &images, ModelKind::Image, 500),
            Some(0.0)
        );
        assert_eq!(
            call_cost(&Prices::default(), &images, ModelKind::Video, 400),
            Some(0.0)
        );
        assert_eq!(
            call_cost(&prices, &images, ModelKind::Image, 200),
            Some(0.08)
        );
        let tokens = Usage {
            input_tokens: Some(1_000_000),
            ..Usage::default()
        };
        assert_eq!(call_cost(&prices, &tokens, ModelKind::Llm, 500), Some(2.0));
    }

    #[test]
    fn a_cost_status_says_what_a_stored_cost_means() {
        assert_eq!(cost_status(ModelKind::Llm, 200, Some(0.5)), "priced");
        assert_eq!(cost_status(ModelKind::Llm, 500, None), "no price");
        assert_eq!(cost_status(ModelKind::Image, 500, Some(0.0)), "not billed");
        assert_eq!(cost_status(ModelKind::Video, 200, None), "no price");
    }

    #[test]
    fn own_prices_win_then_imported_then_built_in() {
        let own = llm_prices();
        assert_eq!(resolve(&own, None, "gpt-4o-mini"), PriceOrigin::Workspace);
        let imported = CatalogEntry {
            model: "gpt-4o-mini".into(),
            provider: "openai".into(),
            kind: ModelKind::Llm,
            as_of: "2030-01-01".into(),
            source: "import".into(),
            note: None,
            prices: Prices {
                input_per_mtok: Some(0.1),
                ..Prices::default()
            },
        };
        let origin = resolve(&Prices::default(), Some(imported.clone()), "gpt-4o-mini");
        assert_eq!(origin, PriceOrigin::Imported(imported));
        assert_eq!(origin.prices(&Prices::default()).input_per_mtok, Some(0.1));
        match resolve(&Prices::default(), None, "openai/gpt-4o-mini-2024-07-18") {
            PriceOrigin::BuiltIn(entry) => assert_eq!(entry.model, "gpt-4o-mini"),
            other => panic!("expected the built-in price, got {other:?}"),
        }
        assert_eq!(
            resolve(&Prices::default(), None, "in-house-7b"),
            PriceOrigin::Unknown
        );
    }

    #[test]
    fn media_units_use_their_own_prices() {
        let prices = Prices {
            per_image: Some(0.04),
            per_video_second: Some(0.1),
            per_audio_second: Some(0.0001),
            per_mchar: Some(15.0),
            ..Prices::default()
        };
        let usage = Usage {
            images: Some(3),
            video_seconds: Some(5.0),
            audio_seconds: Some(60.0),
            characters: Some(2_000),
            ..Usage::default()
        };
        let expected = 0.12 + 0.5 + 0.006 + 0.03;
        let got = cost(&prices, &usage).expect("priced");
        assert!((got - expected).abs() < 1e-12, "{got}");
    }
}
