//! Who and what a call is for: the dimensions spend and usage are grouped and filtered by
//! (user, app, API key, tag, operation, model kind, provider). Where each comes from on every
//! way in is in the README ("Spend by who and what").

use serde::{Deserialize, Serialize};

/// A dimension of calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    User,
    App,
    Key,
    Tag,
    Operation,
    Kind,
    Provider,
}

/// Every dimension: (dimension, URL and wire name, label, stored code). Codes are stored in
/// dictionary rows and cells and never change.
const DIMENSIONS: [(Dimension, &str, &str, i64); 7] = [
    (Dimension::User, "user", "User", 1),
    (Dimension::App, "app", "App", 2),
    (Dimension::Key, "key", "API key", 3),
    (Dimension::Tag, "tag", "Tag", 4),
    (Dimension::Operation, "operation", "Operation", 5),
    (Dimension::Kind, "kind", "Model kind", 6),
    (Dimension::Provider, "provider", "Provider", 7),
];

/// Longest dimension value kept, in characters (a longer one is not a dimension value; it stays
/// in the call's metadata as sent).
pub const MAX_VALUE_CHARS: usize = 128;
/// Most tags a call carries as a dimension (the rest stay in its metadata).
pub const MAX_TAGS: usize = 16;

impl Dimension {
    /// Every dimension, in display order.
    pub const ALL: [Dimension; 7] = [
        Dimension::User,
        Dimension::App,
        Dimension::Key,
        Dimension::Tag,
        Dimension::Operation,
        Dimension::Kind,
        Dimension::Provider,
    ];

    fn row(self) -> &'static (Dimension, &'static str, &'static str, i64) {
        &DIMENSIONS[self as usize]
    }

    /// The URL and wire name.
    pub fn as_str(self) -> &'static str {
        self.row().1
    }

    /// Parses the URL name.
    pub fn parse(text: &str) -> Option<Self> {
        DIMENSIONS.iter().find(|row| row.1 == text).map(|row| row.0)
    }

    /// How people call it.
    pub fn label(self) -> &'static str {
        self.row().2
    }

    /// The code stored in dictionary rows and cells.
    pub fn code(self) -> i64 {
        self.row().3
    }

    /// The dimension of a stored code.
    pub fn from_code(code: i64) -> Option<Self> {
        DIMENSIONS.iter().find(|row| row.3 == code).map(|row| row.0)
    }

    /// Whether this dimension keeps only daily cells: users can be many thousands, and an hourly
    /// cell per user would cost more than the calls themselves (BENCHMARKS.md). Grouped answers
    /// for it cover whole UTC days; the others, whole UTC hours.
    pub fn daily_only(self) -> bool {
        self == Dimension::User
    }

    /// `user, app, key, tag, operation, kind, provider`.
    pub fn names() -> String {
        DIMENSIONS.map(|row| row.1).join(", ")
    }
}

/// One value of one dimension: "user alice", "app checkout".
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DimensionValue {
    pub dimension: Dimension,
    pub value: String,
}

impl DimensionValue {
    /// From its stored parts: the dimension's name and the value (`None` when either is
    /// missing or the name is unknown).
    pub fn from_parts(dimension: Option<&str>, value: Option<String>) -> Option<Self> {
        Some(Self {
            dimension: Dimension::parse(dimension?)?,
            value: value?,
        })
    }

    /// "user alice".
    pub fn describe(&self) -> String {
        format!("{} {}", self.dimension.as_str(), self.value)
    }
}

/// A dimension value as a filter or group names it.
pub fn valid_value(value: &str) -> bool {
    !value.trim().is_empty()
        && value.trim() == value
        && value.chars().count() <= MAX_VALUE_CHARS
        && !value.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dimension_round_trips_and_sits_at_its_place() {
        for (index, dimension) in Dimension::ALL.into_iter().enumerate() {
            assert_eq!(Dimension::parse(dimension.as_str()), Some(dimension));
            assert_eq!(Dimension::from_code(dimension.code()), Some(dimension));
            assert_eq!(dimension.row().0, dimension, "the table is in enum order");
            assert_eq!(dimension as usize, index);
        }
        assert_eq!(Dimension::parse("model"), None);
        assert_eq!(Dimension::from_code(0), None);
    }

    #[test]
    fn values_are_trimmed_bounded_text_without_control_characters() {
        assert!(valid_value("alice@example.com"));
        assert!(!valid_value(" alice"));
        assert!(!valid_value(""));
        assert!(!valid_value("a\nb"));
        assert!(!valid_value(&"x".repeat(MAX_VALUE_CHARS + 1)));
        assert!(valid_value(&"é".repeat(MAX_VALUE_CHARS)));
    }
}
