//! A status filter: one exact HTTP status (429) or a class (5xx). Used by the Logs filter and
//! by alert rules that count calls of a status.

use serde::{Deserialize, Serialize};

/// Which statuses the filter keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StatusFilter {
    /// One exact code, e.g. 429.
    Code(u16),
    /// A class by its first digit: `4` is 4xx.
    Class(u8),
}

impl StatusFilter {
    /// Parses `429` or `4xx`.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let lower = text.to_ascii_lowercase();
        if let Some(digit) = lower.strip_suffix("xx") {
            let class: u8 = digit.parse().ok()?;
            return (digit.len() == 1 && (1..=5).contains(&class)).then_some(Self::Class(class));
        }
        let code: u16 = text.parse().ok()?;
        (text.len() == 3 && (100..=599).contains(&code)).then_some(Self::Code(code))
    }

    /// The URL form.
    pub fn as_param(self) -> String {
        match self {
            Self::Code(code) => code.to_string(),
            Self::Class(class) => format!("{class}xx"),
        }
    }

    /// The statuses kept: `[low, high)`.
    pub fn bounds(self) -> (u16, u16) {
        match self {
            Self::Code(code) => (code, code + 1),
            Self::Class(class) => (u16::from(class) * 100, u16::from(class) * 100 + 100),
        }
    }
}
