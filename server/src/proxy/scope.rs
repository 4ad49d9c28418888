//! Which paths the proxy forwards, and what each endpoint is.
//!
//! The path after `/proxy/v1` is appended to an upstream's `base_url`, and the HTTP client
//! resolves dot segments (`%2e%2e` included) before sending: `/proxy/v1/../../x` would reach any
//! path of the upstream's host with the provider key. So dot segments, encoded slashes and
//! backslashes are refused outright. Of the rest, only the recorded model endpoints and the
//! model list are forwarded; any other path only to an upstream that opts in with
//! `"pass_through": true`, so a workspace key cannot quietly use the provider key elsewhere.

use app::model::ModelKind;
use axum::http::Method;

/// The paths (after `/proxy/v1`) recorded as model calls, all `POST`: the path, the kind of
/// model, the operation, and whether its streams report usage only when asked.
const RECORDED: [(&str, Option<ModelKind>, &str, bool); 9] = [
    ("/chat/completions", None, "chat", true),
    ("/completions", None, "completion", true),
    ("/responses", None, "responses", false),
    (
        "/embeddings",
        Some(ModelKind::Embedding),
        "embedding",
        false,
    ),
    (
        "/images/generations",
        Some(ModelKind::Image),
        "image_generation",
        false,
    ),
    ("/images/edits", Some(ModelKind::Image), "image_edit", false),
    ("/audio/speech", Some(ModelKind::Speech), "tts", false),
    (
        "/audio/transcriptions",
        Some(ModelKind::Speech),
        "asr",
        false,
    ),
    (
        "/audio/translations",
        Some(ModelKind::Speech),
        "translation",
        false,
    ),
];

/// How the proxy treats a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Scope {
    /// A model call: the body names the model, the call is recorded.
    Recorded,
    /// `GET /models` or `GET /models/{model}`: forwarded to the catch-all upstream, unrecorded.
    Models,
    /// Anything else: refused unless the upstream opts in to pass-through.
    Other,
}

/// What an endpoint is: how its calls are named and recorded.
#[derive(Clone, Copy)]
pub(super) struct Endpoint {
    pub scope: Scope,
    pub kind: Option<ModelKind>,
    pub operation: &'static str,
    /// Streams of this endpoint report usage only when asked (`stream_options`).
    pub asks_for_usage: bool,
}

impl Endpoint {
    pub fn of(method: &Method, rest: &str) -> Self {
        let recorded = RECORDED.iter().find(|(path, ..)| *path == rest);
        if let Some(&(_, kind, operation, asks_for_usage)) =
            recorded.filter(|_| method == Method::POST)
        {
            return Endpoint {
                scope: Scope::Recorded,
                kind,
                operation,
                asks_for_usage,
            };
        }
        let models = rest == "/models" || rest.starts_with("/models/");
        Endpoint {
            scope: if models && method == Method::GET {
                Scope::Models
            } else {
                Scope::Other
            },
            kind: None,
            operation: "other",
            asks_for_usage: false,
        }
    }

    /// A model call: the body must name a model.
    pub fn model_call(&self) -> bool {
        self.scope == Scope::Recorded
    }
}

/// The paths forwarded without `pass_through`, for error messages.
pub(super) fn allowed_paths() -> String {
    let mut paths: Vec<String> = RECORDED
        .iter()
        .map(|(path, ..)| format!("POST {path}"))
        .collect();
    paths.push("GET /models".into());
    paths.push("GET /models/{model}".into());
    paths.join(", ")
}

/// Refuses a path (after `/proxy/v1`, as received, still percent-encoded) that could leave the
/// upstream's `base_url` once resolved: `.` or `..` segments, plain or percent-encoded, and
/// encoded slashes or backslashes (which some servers decode into separators).
pub(super) fn check_path(rest: &str) -> Result<(), String> {
    let lowered = rest.to_ascii_lowercase();
    if rest.contains('\\') || lowered.contains("%5c") || lowered.contains("%2f") {
        return Err("the path must not contain backslashes or encoded slashes".into());
    }
    for segment in rest.split('/') {
        let decoded = percent_decoded(segment);
        if decoded == b"." || decoded == b".." {
            return Err("the path must not contain dot segments (. or ..)".into());
        }
        if decoded.iter().any(u8::is_ascii_control) {
            return Err("the path must not contain control characters".into());
        }
    }
    Ok(())
}

/// `%XX` sequences decoded; anything else (a stray `%` included) kept as it is.
fn percent_decoded(segment: &str) -> Vec<u8> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = bytes
            .get(at + 1..at + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        match (bytes[at], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                at += 3;
            }
            (byte, _) => {
                out.push(byte);
                at += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_segments_and_encoded_separators_are_refused() {
        for path in [
            "/../../x",
            "/chat/..",
            "/./models",
            "/%2e%2e/x",
            "/%2E%2E/x",
            "/chat/%2E./%2e%2e/x",
            "/.%2e/x",
            "/%2e/x",
            "/chat%2fcompletions",
            "/chat%2Fcompletions",
            "/chat\\completions",
            "/chat%5ccompletions",
            "/a%00b",
        ] {
            assert!(check_path(path).is_err(), "{path} passed");
        }
        for path in [
            "",
            "/chat/completions",
            "/models/meta-llama/Llama-3.1-8B",
            "/files/file-1.jsonl",
            "/a...b/%41",
            "/100%",
        ] {
            assert_eq!(check_path(path), Ok(()), "{path}");
        }
    }

    #[test]
    fn only_post_to_a_model_endpoint_is_recorded_and_only_get_models_is_listed() {
        let post = |path| Endpoint::of(&Method::POST, path).scope;
        let get = |path| Endpoint::of(&Method::GET, path).scope;
        assert_eq!(post("/chat/completions"), Scope::Recorded);
        assert_eq!(post("/audio/transcriptions"), Scope::Recorded);
        assert_eq!(get("/chat/completions"), Scope::Other);
        assert_eq!(post("/chat/completions/x"), Scope::Other);
        assert_eq!(get("/models"), Scope::Models);
        assert_eq!(get("/models/gpt-4o"), Scope::Models);
        assert_eq!(
            Endpoint::of(&Method::DELETE, "/models/ft-1").scope,
            Scope::Other
        );
        assert_eq!(get("/modelsx"), Scope::Other);
        assert_eq!(get("/files"), Scope::Other);
        assert_eq!(get(""), Scope::Other);
        let chat = Endpoint::of(&Method::POST, "/chat/completions");
        assert!(chat.model_call() && chat.asks_for_usage);
        assert!(allowed_paths().contains("POST /audio/translations"));
    }
}
