//! What a server function answers when it cannot do what was asked: one typed error, encoded
//! as JSON on the wire, so the browser matches its variant instead of reading its text.
//!
//! The server sets the matching HTTP status (`api::access::refuse`); the session
//! middleware answers a signed-out call to `/api/...` with the encoding of
//! [`AppError::Unauthorized`], so an ended session reaches the page as that variant too.

use leptos::prelude::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::codec::JsonEncoding;
use serde::{Deserialize, Serialize};

use crate::url_state::FilterError;

/// Why a server function failed. The texts are the server's own words (lowercase, no final
/// period); how a page shows each variant is [`crate::components::error_note::ErrorNote`]'s
/// job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error", content = "reason", rename_all = "snake_case")]
pub enum AppError {
    /// No valid session: sign in (401).
    #[error("sign in first")]
    Unauthorized,
    /// Signed in, but not allowed to do this here (403); says why.
    #[error("{0}")]
    Forbidden(String),
    /// The thing asked for does not exist, or not in this workspace (404).
    #[error("{0}")]
    NotFound(String),
    /// The request cannot be carried out as asked (400): `field: reason`, several joined by
    /// `; `.
    #[error("{0}")]
    Invalid(String),
    /// Too many attempts, or the server is too busy for this one now (429, with
    /// `Retry-After`); says when to try again.
    #[error("{0}")]
    TooMany(String),
    /// Something failed inside the server; the details are in its log, never in the answer.
    #[error("internal error")]
    Internal,
    /// The call did not get a readable answer: the network, or the request or answer could not
    /// be encoded or decoded (Leptos' own error, as it happened).
    #[error("{0}")]
    Transport(ServerFnErrorErr),
}

impl AppError {
    /// A machine-readable name of the variant (`data-error` in the page, the `error` field on
    /// the wire).
    pub fn kind(&self) -> &'static str {
        match self {
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Invalid(_) => "invalid",
            AppError::TooMany(_) => "too_many",
            AppError::Internal => "internal",
            AppError::Transport(_) => "transport",
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        AppError::Transport(error)
    }
}

/// An invalid URL filter names its parameter: `gran: must be one of 1m, 5m, 1h, 1d`.
impl From<FilterError> for AppError {
    fn from(error: FilterError) -> Self {
        AppError::Invalid(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_survives_the_wire() {
        let errors = [
            AppError::Unauthorized,
            AppError::Forbidden("only an admin of this workspace may do this".into()),
            AppError::NotFound("no call with this request ID is kept".into()),
            AppError::Invalid("gran: must be one of 1m, 5m, 1h, 1d".into()),
            AppError::TooMany("too many attempts: try again in 60 seconds".into()),
            AppError::Internal,
            AppError::Transport(ServerFnErrorErr::Request("connection refused".into())),
        ];
        for error in errors {
            assert_eq!(AppError::de(error.ser()), error);
        }
    }

    #[test]
    fn the_wire_form_names_the_variant_and_its_reason() {
        let body = AppError::Invalid("days: from 1 to 3,650".into()).ser();
        assert_eq!(
            std::str::from_utf8(&body),
            Ok(r#"{"error":"invalid","reason":"days: from 1 to 3,650"}"#)
        );
        let body = AppError::Unauthorized.ser();
        assert_eq!(
            std::str::from_utf8(&body),
            Ok(r#"{"error":"unauthorized"}"#)
        );
    }

    #[test]
    fn an_answer_that_is_not_ours_becomes_a_transport_error() {
        let error = AppError::de("sign in first: no valid session".into());
        assert!(matches!(
            error,
            AppError::Transport(ServerFnErrorErr::Deserialization(_))
        ));
    }

    #[test]
    fn messages_are_the_servers_words_without_a_prefix() {
        assert_eq!(AppError::Unauthorized.to_string(), "sign in first");
        assert_eq!(
            AppError::from(
                crate::url_state::AnalyticsFilter::from_query("gran=10s").expect_err("invalid")
            )
            .to_string(),
            "gran: must be one of 1m, 5m, 1h, 1d"
        );
    }
}
