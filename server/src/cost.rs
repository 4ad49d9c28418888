//! What a call cost: its units times the workspace's prices for that model.

use app::model::Usage;

pub use app::model::Prices;

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
