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

/// Every kind with its wire name and its stored code, in display order: the one mapping
/// between kinds, names and codes. Codes are stored in every request row and never change.
const KINDS: [(ModelKind, &str, i64); 6] = [
    (ModelKind::Llm, "llm", 0),
    (ModelKind::Image, "image", 1),
    (ModelKind::Video, "video", 2),
    (ModelKind::Speech, "speech", 3),
    (ModelKind::Omni, "omni", 4),
    (ModelKind::Embedding, "embedding", 5),
];

impl ModelKind {
    /// Every kind, in display order.
    pub const ALL: [ModelKind; 6] = {
        let mut all = [ModelKind::Llm; 6];
        let mut index = 0;
        while index < KINDS.len() {
            all[index] = KINDS[index].0;
            index += 1;
        }
        all
    };

    fn row(self) -> &'static (ModelKind, &'static str, i64) {
        &KINDS[self as usize]
    }

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        self.row().1
    }

    /// Parses the wire name.
    pub fn parse(text: &str) -> Option<Self> {
        KINDS
            .iter()
            .find(|(_, name, _)| *name == text)
            .map(|(kind, _, _)| *kind)
    }

    /// The code stored in request rows.
    pub fn code(self) -> i64 {
        self.row().2
    }

    /// The kind of a stored code.
    pub fn from_code(code: i64) -> Option<Self> {
        KINDS
            .iter()
            .find(|(_, _, known)| *known == code)
            .map(|(kind, _, _)| *kind)
    }

    /// `llm, image, video, speech, omni, embedding`: the names a record may give.
    pub fn names() -> String {
        KINDS.map(|(_, name, _)| name).join(", ")
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

    #[test]
    fn every_kind_round_trips_through_its_code_and_sits_at_its_place() {
        for (index, kind) in ModelKind::ALL.into_iter().enumerate() {
            assert_eq!(ModelKind::from_code(kind.code()), Some(kind));
            assert_eq!(KINDS[kind as usize].0, kind, "the table is in enum order");
            assert_eq!(kind as usize, index);
        }
        assert_eq!(ModelKind::Llm.code(), 0);
        assert_eq!(ModelKind::from_code(99), None);
        assert_eq!(
            ModelKind::names(),
            "llm, image, video, speech, omni, embedding"
        );
    }
}
