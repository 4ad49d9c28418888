//! Counting the values of a JSON document before building it: a small body can describe
//! millions of values (`[{},{},...]`, long arrays of zeros), and each costs tens of bytes once
//! it is a `serde_json::Value`. The count walks the text without allocating anything and stops
//! at the first value over the budget.

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// Why a document was refused by the count.
#[derive(Debug, PartialEq, Eq)]
pub enum BudgetError {
    /// More values than the budget allowed.
    TooManyValues,
    /// Not JSON; the parser's own reason.
    Json(String),
}

/// A visitor that takes one from `left` for every value it sees, nested ones included.
struct Count<'a> {
    left: &'a mut usize,
}

impl Count<'_> {
    fn take<E: de::Error>(&mut self) -> Result<(), E> {
        match self.left.checked_sub(1) {
            Some(left) => {
                *self.left = left;
                Ok(())
            }
            None => Err(E::custom(OVER_BUDGET)),
        }
    }
}

/// The marker the count's own error carries, to tell it from a syntax error.
const OVER_BUDGET: &str = "over the value budget";

impl<'de> DeserializeSeed<'de> for Count<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

macro_rules! scalar {
    ($($name:ident: $type:ty),*) => {
        $(fn $name<E: de::Error>(mut self, _: $type) -> Result<(), E> {
            self.take()
        })*
    };
}

impl<'de> Visitor<'de> for Count<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("any JSON value")
    }

    scalar!(visit_bool: bool, visit_i64: i64, visit_u64: u64, visit_f64: f64, visit_str: &str);

    fn visit_unit<E: de::Error>(mut self) -> Result<(), E> {
        self.take()
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        self.take()?;
        while seq
            .next_element_seed(Count {
                left: &mut *self.left,
            })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        self.take()?;
        while map.next_key::<IgnoredAny>()?.is_some() {
            map.next_value_seed(Count {
                left: &mut *self.left,
            })?;
        }
        Ok(())
    }
}

/// Counts the values of the one JSON document in `text` against `left`, which is lowered by
/// what it holds (so several documents can share one budget).
pub fn take(text: &str, left: &mut usize) -> Result<(), BudgetError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let counted = Count { left: &mut *left }
        .deserialize(&mut deserializer)
        .and_then(|()| deserializer.end());
    match counted {
        Ok(()) => Ok(()),
        Err(error) if error.to_string().starts_with(OVER_BUDGET) => Err(BudgetError::TooManyValues),
        Err(error) => Err(BudgetError::Json(error.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(text: &str) -> Result<usize, BudgetError> {
        let mut left = 1_000;
        take(text, &mut left)?;
        Ok(1_000 - left)
    }

    #[test]
    fn every_value_counts_nested_ones_included() {
        assert_eq!(count("1"), Ok(1));
        assert_eq!(count("[]"), Ok(1));
        assert_eq!(count("[{}, {}, null]"), Ok(4));
        assert_eq!(count(r#"{"a": [1, 2, {"b": "c"}], "d": true}"#), Ok(7));
    }

    #[test]
    fn the_count_stops_at_the_budget_and_syntax_errors_stay_syntax_errors() {
        let mut left = 10;
        assert_eq!(
            take(&format!("[{}0]", "0,".repeat(10)), &mut left),
            Err(BudgetError::TooManyValues)
        );
        let mut left = 10;
        assert!(matches!(
            take("[1, 2", &mut left),
            Err(BudgetError::Json(_))
        ));
        let mut left = 10;
        assert!(matches!(
            take("[1] [2]", &mut left),
            Err(BudgetError::Json(_))
        ));
    }

    #[test]
    fn a_million_empty_objects_are_refused_quickly_without_building_them() {
        let body = format!("[{}{{}}]", "{},".repeat(1_000_000));
        let mut left = 100_000;
        assert_eq!(take(&body, &mut left), Err(BudgetError::TooManyValues));
        assert_eq!(left, 0);
    }
}
