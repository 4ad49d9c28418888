//! What a call consumed, in each kind's own units, and the one table of those units.
//!
//! Every unit is declared once, as a row of the table at the end of this file. The rows make
//! [`Usage`] (one call; `None` where the provider reported nothing), [`UnitTotals`] (many calls
//! summed), [`Unit`] (the name of a row) and [`UNITS`] (the rows as data). Everything else
//! that lists units reads [`UNITS`]: the ingest mapping of provider names, the raw-row and
//! rollup columns, the export, and the usage cards and details of the UI. Adding a unit is one
//! row here plus a migration adding its column to `requests` and the rollup tables.

use serde::{Deserialize, Serialize};

use super::ModelKind;

/// How a unit is measured, and so how it is stored and shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// A whole number (tokens, images, characters): an INTEGER column.
    Count,
    /// Seconds of media, fractional: a REAL column.
    Seconds,
}

/// An amount of one unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Amount {
    Count(i64),
    Seconds(f64),
}

impl Amount {
    /// The amount as a plain number (counts per call and their sums are exact in an `f64`).
    pub fn as_f64(self) -> f64 {
        match self {
            Amount::Count(count) => count as f64,
            Amount::Seconds(seconds) => seconds,
        }
    }

    pub fn is_zero(self) -> bool {
        match self {
            Amount::Count(count) => count == 0,
            Amount::Seconds(seconds) => seconds == 0.0,
        }
    }
}

/// The side of a call an OpenAI-style `*_tokens_details` breakdown describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Input,
    Output,
}

impl Side {
    /// The usage keys holding this side's breakdown (Chat Completions' and Responses' names).
    pub fn detail_keys(self) -> [&'static str; 2] {
        match self {
            Side::Input => ["prompt_tokens_details", "input_tokens_details"],
            Side::Output => ["completion_tokens_details", "output_tokens_details"],
        }
    }
}

/// When a kind's usage card shows a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    /// Always, even when zero: the kind's main unit.
    Always,
    /// When not zero.
    IfUsed,
    /// One of the kind's alternative main units (characters or audio seconds for speech):
    /// when not zero, or when every alternative is zero.
    Either,
}

/// One row of the table: a unit and everything that depends on it.
#[derive(Clone, Copy, Debug)]
pub struct UnitSpec {
    pub unit: Unit,
    /// Its name in records: the ingest API's `usage` object, JSON Lines and the CSV header.
    pub key: &'static str,
    /// Its column in `requests` and in the rollup tables.
    pub column: &'static str,
    pub measure: Measure,
    /// Other names providers give it at the top level of `usage` (`prompt_tokens`).
    pub aliases: &'static [&'static str],
    /// Its name inside a `*_tokens_details` breakdown of one side of the call.
    pub detail: Option<(Side, &'static str)>,
    /// Its label in a call's details.
    pub label: &'static str,
    /// The unit it is a part of: a call never reports more of it than of that one.
    pub part_of: Option<Unit>,
    /// The total it adds up to when the provider reports no total (input + output tokens).
    pub adds_to: Option<Unit>,
    /// The kinds whose usage card names it: the kind, the card's label, and when. Every
    /// other kind's card shows it by `label` when its calls reported any.
    pub cards: &'static [(ModelKind, &'static str, Shown)],
    /// Its words in a one-line summary of media units (`2 images`, `5.0 s video`): one, many.
    pub summary: Option<(&'static str, &'static str)>,
}

impl UnitSpec {
    /// A row before its own fields are filled in.
    const BLANK: UnitSpec = UnitSpec {
        unit: Unit::InputTokens,
        key: "",
        column: "",
        measure: Measure::Count,
        aliases: &[],
        detail: None,
        label: "",
        part_of: None,
        adds_to: None,
        cards: &[],
        summary: None,
    };
}

impl Unit {
    /// The unit's row.
    pub fn spec(self) -> &'static UnitSpec {
        &UNITS[self as usize]
    }

    pub fn key(self) -> &'static str {
        self.spec().key
    }
}

/// The two number types units come in.
trait Number: Copy {
    const MEASURE: Measure;
    fn amount(self) -> Amount;
    fn of(amount: Amount) -> Self;
}

impl Number for i64 {
    const MEASURE: Measure = Measure::Count;
    fn amount(self) -> Amount {
        Amount::Count(self)
    }
    fn of(amount: Amount) -> Self {
        match amount {
            Amount::Count(count) => count,
            Amount::Seconds(seconds) => seconds.round() as i64,
        }
    }
}

impl Number for f64 {
    const MEASURE: Measure = Measure::Seconds;
    fn amount(self) -> Amount {
        Amount::Seconds(self)
    }
    fn of(amount: Amount) -> Self {
        match amount {
            Amount::Count(count) => count as f64,
            Amount::Seconds(seconds) => seconds,
        }
    }
}

/// Turns the rows into [`Unit`], [`Usage`], [`UnitTotals`] and [`UNITS`].
macro_rules! units {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident $field:ident: $number:ty { $($spec:ident: $value:expr),* $(,)? }
    )*) => {
        /// A unit of usage: the name of a row of [`UNITS`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Unit {
            $($variant,)*
        }

        /// Usage of one call. `None` means the provider did not report that unit.
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        pub struct Usage {
            $($(#[doc = $doc])* pub $field: Option<$number>,)*
            /// Provider usage keys Modelwatch has no column for, as sent.
            #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
            pub other: serde_json::Map<String, serde_json::Value>,
        }

        /// Usage summed over many calls, unit by unit; each kind keeps its own units.
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        pub struct UnitTotals {
            $($(#[doc = $doc])* pub $field: $number,)*
        }

        /// How many units there are.
        pub const UNIT_COUNT: usize = [$(Unit::$variant),*].len();

        /// Every unit, in record order (the order of the CSV columns and of JSON objects).
        pub const UNITS: [UnitSpec; UNIT_COUNT] = [$(
            UnitSpec {
                unit: Unit::$variant,
                key: stringify!($field),
                column: stringify!($field),
                measure: <$number as Number>::MEASURE,
                $($spec: $value,)*
                ..UnitSpec::BLANK
            },
        )*];

        impl Usage {
            /// The reported amount of `unit`.
            pub fn get(&self, unit: Unit) -> Option<Amount> {
                match unit {
                    $(Unit::$variant => self.$field.map(Number::amount),)*
                }
            }

            /// Sets (or, with `None`, forgets) the amount of `unit`.
            pub fn set(&mut self, unit: Unit, amount: Option<Amount>) {
                match unit {
                    $(Unit::$variant => self.$field = amount.map(Number::of),)*
                }
            }

            /// Nothing reported at all.
            pub fn is_empty(&self) -> bool {
                $(self.$field.is_none() &&)* self.other.is_empty()
            }
        }

        impl UnitTotals {
            pub fn get(&self, unit: Unit) -> Amount {
                match unit {
                    $(Unit::$variant => self.$field.amount(),)*
                }
            }

            pub fn set(&mut self, unit: Unit, amount: Amount) {
                match unit {
                    $(Unit::$variant => self.$field = Number::of(amount),)*
                }
            }

            /// Totals read unit by unit in table order: `read(index, measure)` gives the amount
            /// of the `index`-th unit (field by field, with no lookup per unit: rollup reads call
            /// this for every cell).
            #[allow(unused_assignments)]
            pub fn try_from_each<E>(
                mut read: impl FnMut(usize, Measure) -> Result<Amount, E>,
            ) -> Result<Self, E> {
                let mut index = 0;
                Ok(Self {
                    $($field: {
                        let amount = read(index, <$number as Number>::MEASURE)?;
                        index += 1;
                        <$number as Number>::of(amount)
                    },)*
                })
            }

            /// Adds `other` unit by unit.
            pub fn add(&mut self, other: &UnitTotals) {
                $(self.$field += other.$field;)*
            }

            /// Takes away `part`'s units (totals that `self` includes).
            pub fn subtract(&mut self, part: &UnitTotals) {
                $(self.$field -= part.$field;)*
            }

            /// Adds the units one call reported.
            pub fn add_usage(&mut self, usage: &Usage) {
                $(if let Some(amount) = usage.$field {
                    self.$field += amount;
                })*
            }
        }
    };
}

use ModelKind::{Embedding, Image, Llm, Omni, Speech, Video};
use Shown::{Always, Either, IfUsed};

units! {
    InputTokens input_tokens: i64 {
        aliases: &["prompt_tokens"],
        label: "Input tokens",
        adds_to: Some(Unit::TotalTokens),
        cards: &[(Llm, "Input tokens", Always), (Embedding, "Input tokens", Always)],
    }
    OutputTokens output_tokens: i64 {
        aliases: &["completion_tokens"],
        label: "Output tokens",
        adds_to: Some(Unit::TotalTokens),
        cards: &[(Llm, "Output tokens", Always)],
    }
    TotalTokens total_tokens: i64 {
        label: "Total tokens",
    }
    /// Input tokens served from the provider's prompt cache (a part of `input_tokens`).
    CachedTokens cached_tokens: i64 {
        detail: Some((Side::Input, "cached_tokens")),
        label: "Cached input tokens",
        part_of: Some(Unit::InputTokens),
        cards: &[(Llm, "Cached input", IfUsed)],
    }
    /// Output tokens spent on reasoning (a part of `output_tokens`).
    ReasoningTokens reasoning_tokens: i64 {
        detail: Some((Side::Output, "reasoning_tokens")),
        label: "Reasoning tokens",
        part_of: Some(Unit::OutputTokens),
        cards: &[(Llm, "Reasoning", IfUsed)],
    }
    InputTextTokens input_text_tokens: i64 {
        detail: Some((Side::Input, "text_tokens")),
        label: "Text input tokens",
        cards: &[(Omni, "Text in", Always)],
    }
    InputAudioTokens input_audio_tokens: i64 {
        detail: Some((Side::Input, "audio_tokens")),
        label: "Audio input tokens",
        cards: &[(Omni, "Audio in", IfUsed)],
    }
    InputImageTokens input_image_tokens: i64 {
        detail: Some((Side::Input, "image_tokens")),
        label: "Image input tokens",
        cards: &[(Omni, "Image in", IfUsed)],
    }
    InputVideoTokens input_video_tokens: i64 {
        detail: Some((Side::Input, "video_tokens")),
        label: "Video input tokens",
        cards: &[(Omni, "Video in", IfUsed)],
    }
    OutputTextTokens output_text_tokens: i64 {
        detail: Some((Side::Output, "text_tokens")),
        label: "Text output tokens",
        cards: &[(Omni, "Text out", Always)],
    }
    OutputAudioTokens output_audio_tokens: i64 {
        detail: Some((Side::Output, "audio_tokens")),
        label: "Audio output tokens",
        cards: &[(Omni, "Audio out", IfUsed)],
    }
    /// Images successfully generated.
    Images images: i64 {
        label: "Images",
        cards: &[(Image, "Images", Always)],
        summary: Some(("image", "images")),
    }
    /// Seconds of video generated.
    VideoSeconds video_seconds: f64 {
        label: "Video",
        cards: &[(Video, "Video", Always)],
        summary: Some(("video", "video")),
    }
    /// Seconds of audio transcribed or generated.
    AudioSeconds audio_seconds: f64 {
        label: "Audio",
        cards: &[(Speech, "Audio", Either)],
        summary: Some(("audio", "audio")),
    }
    /// Characters synthesised (text to speech).
    Characters characters: i64 {
        label: "Characters",
        cards: &[(Speech, "Characters", Either)],
        summary: Some(("chars", "chars")),
    }
}

#[cfg(test)]
mod tests;
