//! The parts of an upstream's answer the proxy reads, as typed views over the answer's bytes
//! (`json.rs`): one shape serves a streamed event and a whole answer, as both name their model,
//! usage and errors the same way. Everything else (the generated text of a whole answer,
//! embeddings, base64 images) is skipped, not built.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::json::{Lenient, LenientObject};

/// A chat/completions chunk, a Responses API event, or a whole answer.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AnswerView<'a> {
    /// A Responses API event's type (`response.output_text.delta`, ...).
    #[serde(rename = "type")]
    pub kind: Lenient<String>,
    #[serde(borrow)]
    pub error: Option<&'a RawValue>,
    #[serde(borrow)]
    pub usage: Option<&'a RawValue>,
    pub model: Lenient<String>,
    #[serde(borrow)]
    pub choices: Lenient<Vec<LenientObject<Choice<'a>>>>,
    /// The response object of a Responses API event.
    #[serde(borrow)]
    pub response: LenientObject<ResponseView<'a>>,
    /// A Responses API delta.
    pub delta: Lenient<String>,
    /// An `error` event's code and message.
    #[serde(borrow)]
    pub code: Option<&'a RawValue>,
    #[serde(borrow)]
    pub message: Option<&'a RawValue>,
    /// A whole answer's items (generated images, embeddings): only counted.
    #[serde(borrow)]
    pub data: Option<&'a RawValue>,
}

/// One of a chunk's choices.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Choice<'a> {
    /// A completions chunk's text.
    pub text: Lenient<String>,
    #[serde(borrow)]
    pub delta: LenientObject<Delta<'a>>,
}

/// What a chat chunk's choice adds.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Delta<'a> {
    #[serde(borrow)]
    pub content: Option<&'a RawValue>,
    #[serde(borrow)]
    pub reasoning_content: Option<&'a RawValue>,
    #[serde(borrow)]
    pub reasoning: Option<&'a RawValue>,
    #[serde(borrow)]
    pub refusal: Option<&'a RawValue>,
    #[serde(borrow)]
    pub tool_calls: Option<&'a RawValue>,
    #[serde(borrow)]
    pub function_call: Option<&'a RawValue>,
    #[serde(borrow)]
    pub audio: Option<&'a RawValue>,
}

/// The response a Responses API event carries.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResponseView<'a> {
    pub model: Lenient<String>,
    #[serde(borrow)]
    pub usage: Option<&'a RawValue>,
    #[serde(borrow)]
    pub error: Option<&'a RawValue>,
}

/// How many items a JSON array holds, counted without building them.
pub fn items(raw: Option<&RawValue>) -> Option<usize> {
    let raw = raw.filter(|raw| raw.get().starts_with('['))?;
    serde_json::from_str::<Vec<serde::de::IgnoredAny>>(raw.get())
        .ok()
        .map(|items| items.len())
}
