//! Time ranges and chart granularity: what the dashboard's time filters mean.

use serde::{Deserialize, Serialize};

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
const DAY_MS: i64 = 24 * HOUR_MS;

/// The preset ranges offered in the time filter, ending now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RangePreset {
    LastHour,
    Last6Hours,
    Last24Hours,
    Last7Days,
    Last14Days,
    Last30Days,
}

impl RangePreset {
    pub const ALL: [RangePreset; 6] = [
        RangePreset::LastHour,
        RangePreset::Last6Hours,
        RangePreset::Last24Hours,
        RangePreset::Last7Days,
        RangePreset::Last14Days,
        RangePreset::Last30Days,
    ];

    /// The URL form (`range=24h`).
    pub fn as_str(self) -> &'static str {
        match self {
            RangePreset::LastHour => "1h",
            RangePreset::Last6Hours => "6h",
            RangePreset::Last24Hours => "24h",
            RangePreset::Last7Days => "7d",
            RangePreset::Last14Days => "14d",
            RangePreset::Last30Days => "30d",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        RangePreset::ALL
            .into_iter()
            .find(|preset| preset.as_str() == text)
    }

    pub fn span_ms(self) -> i64 {
        match self {
            RangePreset::LastHour => HOUR_MS,
            RangePreset::Last6Hours => 6 * HOUR_MS,
            RangePreset::Last24Hours => DAY_MS,
            RangePreset::Last7Days => 7 * DAY_MS,
            RangePreset::Last14Days => 14 * DAY_MS,
            RangePreset::Last30Days => 30 * DAY_MS,
        }
    }
}

/// A time range: a preset ending now, or fixed bounds (UTC milliseconds, `from` inclusive,
/// `to` exclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimeRange {
    Preset(RangePreset),
    Custom { from_ms: i64, to_ms: i64 },
}

impl Default for TimeRange {
    fn default() -> Self {
        TimeRange::Preset(RangePreset::Last24Hours)
    }
}

impl TimeRange {
    /// The bounds at `now_ms`.
    pub fn bounds(self, now_ms: i64) -> (i64, i64) {
        match self {
            TimeRange::Preset(preset) => (now_ms - preset.span_ms(), now_ms),
            TimeRange::Custom { from_ms, to_ms } => (from_ms, to_ms),
        }
    }

    /// The length of the range.
    pub fn span_ms(self) -> i64 {
        match self {
            TimeRange::Preset(preset) => preset.span_ms(),
            TimeRange::Custom { from_ms, to_ms } => to_ms - from_ms,
        }
    }
}

/// The width of one point of a time series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Granularity {
    Minute,
    FiveMinutes,
    Hour,
    Day,
}

/// Fewest and most points a chart should have; granularities outside are not offered.
pub const MIN_POINTS: i64 = 2;
pub const MAX_POINTS: i64 = 1_500;

impl Granularity {
    pub const ALL: [Granularity; 4] = [
        Granularity::Minute,
        Granularity::FiveMinutes,
        Granularity::Hour,
        Granularity::Day,
    ];

    /// The URL form (`gran=1h`).
    pub fn as_str(self) -> &'static str {
        match self {
            Granularity::Minute => "1m",
            Granularity::FiveMinutes => "5m",
            Granularity::Hour => "1h",
            Granularity::Day => "1d",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Granularity::ALL
            .into_iter()
            .find(|gran| gran.as_str() == text)
    }

    pub fn width_ms(self) -> i64 {
        match self {
            Granularity::Minute => MINUTE_MS,
            Granularity::FiveMinutes => 5 * MINUTE_MS,
            Granularity::Hour => HOUR_MS,
            Granularity::Day => DAY_MS,
        }
    }

    /// Points a range of `span_ms` has at this granularity (a partial bucket counts).
    pub fn points(self, span_ms: i64) -> i64 {
        (span_ms + self.width_ms() - 1).div_euclid(self.width_ms())
    }

    /// The granularities offered for a range: those giving between 2 and 1,500 points. Never
    /// empty: the coarsest or finest is offered when none fits.
    pub fn choices_for(span_ms: i64) -> Vec<Granularity> {
        let fitting: Vec<Granularity> = Granularity::ALL
            .into_iter()
            .filter(|gran| (MIN_POINTS..=MAX_POINTS).contains(&gran.points(span_ms)))
            .collect();
        if !fitting.is_empty() {
            return fitting;
        }
        if Granularity::Minute.points(span_ms) < MIN_POINTS {
            vec![Granularity::Minute]
        } else {
            vec![Granularity::Day]
        }
    }

    /// The granularity a range gets when none is chosen: the finest offered that gives at most
    /// ~360 points (a readable chart), else the coarsest offered.
    pub fn default_for(span_ms: i64) -> Granularity {
        let choices = Granularity::choices_for(span_ms);
        choices
            .iter()
            .copied()
            .find(|gran| gran.points(span_ms) <= 360)
            .or_else(|| choices.last().copied())
            .unwrap_or(Granularity::Hour)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offered_granularities_give_between_2_and_1500_points() {
        let offered = |preset: RangePreset| Granularity::choices_for(preset.span_ms());
        use Granularity::*;
        assert_eq!(offered(RangePreset::LastHour), vec![Minute, FiveMinutes]);
        assert_eq!(
            offered(RangePreset::Last6Hours),
            vec![Minute, FiveMinutes, Hour]
        );
        assert_eq!(
            offered(RangePreset::Last24Hours),
            vec![Minute, FiveMinutes, Hour]
        );
        assert_eq!(offered(RangePreset::Last7Days), vec![Hour, Day]);
        assert_eq!(offered(RangePreset::Last14Days), vec![Hour, Day]);
        assert_eq!(offered(RangePreset::Last30Days), vec![Hour, Day]);
        for preset in RangePreset::ALL {
            for gran in offered(preset) {
                let points = gran.points(preset.span_ms());
                assert!(
                    (MIN_POINTS..=MAX_POINTS).contains(&points),
                    "{preset:?} {gran:?}"
                );
            }
        }
        assert_eq!(
            Granularity::choices_for(30_000),
            vec![Minute],
            "a tiny custom range"
        );
        assert_eq!(
            Granularity::choices_for(5 * 365 * DAY_MS),
            vec![Day],
            "a huge custom range"
        );
    }

    #[test]
    fn each_range_has_a_sensible_default() {
        let default = |preset: RangePreset| Granularity::default_for(preset.span_ms());
        assert_eq!(default(RangePreset::LastHour), Granularity::Minute);
        assert_eq!(default(RangePreset::Last6Hours), Granularity::Minute);
        assert_eq!(default(RangePreset::Last24Hours), Granularity::FiveMinutes);
        assert_eq!(default(RangePreset::Last7Days), Granularity::Hour);
        assert_eq!(default(RangePreset::Last14Days), Granularity::Hour);
        assert_eq!(default(RangePreset::Last30Days), Granularity::Day);
    }

    #[test]
    fn presets_and_granularities_round_trip_through_their_url_form() {
        for preset in RangePreset::ALL {
            assert_eq!(RangePreset::parse(preset.as_str()), Some(preset));
        }
        for gran in Granularity::ALL {
            assert_eq!(Granularity::parse(gran.as_str()), Some(gran));
        }
        assert_eq!(RangePreset::parse("2h"), None);
        let range = TimeRange::Preset(RangePreset::LastHour);
        assert_eq!(range.bounds(10 * HOUR_MS), (9 * HOUR_MS, 10 * HOUR_MS));
    }
}
