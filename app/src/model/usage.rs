//! What a call consumed, in each kind's own units. Unknown provider keys are kept, not dropped.

use serde::{Deserialize, Serialize};

/// Usage of one call. `None` means the provider did not report that unit.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub total_tokens: Option<i64>,
    /// Input tokens served from the provider's prompt cache (a part of `input_tokens`).
    pub cached_tokens: Option<i64>,
    /// Output tokens spent on reasoning (a part of `output_tokens`).
    pub reasoning_tokens: Option<i64>,
    pub input_text_tokens: Option<i64>,
    pub input_audio_tokens: Option<i64>,
    pub input_image_tokens: Option<i64>,
    pub input_video_tokens: Option<i64>,
    pub output_text_tokens: Option<i64>,
    pub output_audio_tokens: Option<i64>,
    /// Images successfully generated.
    pub images: Option<i64>,
    pub video_seconds: Option<f64>,
    pub audio_seconds: Option<f64>,
    /// Characters synthesised (text to speech).
    pub characters: Option<i64>,
    /// Provider usage keys Modelwatch has no column for, as sent.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub other: serde_json::Map<String, serde_json::Value>,
}
