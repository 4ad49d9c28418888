//! What kind of model served a call; it decides which usage units matter.

use serde::{Deserialize, Serialize};

/// The kind of model behind a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// Text generation (chat, completion, reasoning).
    Llm,
    /// Image generation or editing; billed per image.
    Image,
    /// Video generation; billed per second of video.
    Video,
    /// Text to speech (per character) or speech recognition (per audio second).
    Speech,
    /// Omni-modal: tokens per modality (text, audio, image, video).
    Omni,
    /// Embeddings; input tokens only.
    Embedding,
}

impl ModelKind {
    /// Every kind, in display order.
    pub const ALL: [ModelKind; 6] = [
        ModelKind::Llm,
        ModelKind::Image,
        ModelKind::Video,
        ModelKind::Speech,
        ModelKind::Omni,
        ModelKind::Embedding,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelKind::Llm => "llm",
            ModelKind::Image => "image",
            ModelKind::Video => "video",
            ModelKind::Speech => "speech",
            ModelKind::Omni => "omni",
            ModelKind::Embedding => "embedding",
        }
    }

    /// Parses the wire name.
    pub fn parse(text: &str) -> Option<Self> {
        ModelKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }

    /// The operation assumed when a record names none.
    pub fn default_operation(self) -> &'static str {
        match self {
            ModelKind::Llm | ModelKind::Omni => "chat",
            ModelKind::Image => "image_generation",
            ModelKind::Video => "video_generation",
            ModelKind::Speech => "tts",
            ModelKind::Embedding => "embedding",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_name() {
        for kind in ModelKind::ALL {
            assert_eq!(ModelKind::parse(kind.as_str()), Some(kind));
            let json = serde_json::to_string(&kind).expect("serialises");
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
        assert_eq!(ModelKind::parse("LLM"), None);
    }
}
