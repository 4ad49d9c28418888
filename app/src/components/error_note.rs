//! How a page shows an [`AppError`]: [`ErrorNote`] says it by its variant (the sign-in case
//! with a way to sign in again), and [`ErrorState`] is the larger "could not be loaded" block of
//! a page whose main content failed.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::api::AppError;
use crate::url_state::link;

/// What the note says for `error`. The server's reasons (`field: reason`, who may do this,
/// what was not found) are shown as they are; failures without one get a sentence.
pub fn error_message(error: &AppError) -> String {
    match error {
        AppError::Unauthorized => "Your session has ended.".to_owned(),
        AppError::Forbidden(reason)
        | AppError::NotFound(reason)
        | AppError::Invalid(reason)
        | AppError::TooMany(reason) => reason.clone(),
        AppError::Internal => {
            "The server could not answer (an internal error, noted in its log); try again in a \
             moment."
                .to_owned()
        }
        AppError::Transport(ServerFnErrorErr::Request(_)) => {
            "The server could not be reached; check the connection and try again.".to_owned()
        }
        AppError::Transport(_) => {
            "The server's answer could not be read; reload the page and try again.".to_owned()
        }
    }
}

/// One error, inline: its message, and a sign-in link when the session has ended. It carries
/// no role; the element around it (an alert, a field's problem) says how it is announced.
#[component]
pub fn ErrorNote(
    /// What went wrong.
    error: AppError,
) -> impl IntoView {
    let message = error_message(&error);
    let sign_in = (error == AppError::Unauthorized).then(|| {
        let location = use_location();
        let here = link(
            &location.pathname.get_untracked(),
            location.search.get_untracked().trim_start_matches('?'),
            &[],
        );
        view! {
            " "
            <a href=link("/login", "", &[("next", Some(&here))]) rel="external" data-testid="sign-in-again">
                "Sign in again"
            </a>
        }
    });
    // Transport failures keep Leptos' own words for whoever looks closer.
    let detail = match &error {
        AppError::Transport(cause) => Some(cause.to_string()),
        _ => None,
    };
    view! {
        <span class="error-note" data-error=error.kind() title=detail>
            {message}
            {sign_in}
        </span>
    }
}

/// The block shown instead of a page's content when it could not be loaded.
#[component]
pub fn ErrorState(
    /// The heading: what could not be shown.
    title: &'static str,
    /// Why.
    error: AppError,
    /// The page without filters.
    reset: &'static str,
    /// The block's `data-testid`.
    testid: &'static str,
) -> impl IntoView {
    view! {
        <section class="error-state" role="alert" data-testid=testid>
            <h2>{title}</h2>
            <p>
                <ErrorNote error />
            </p>
            <p>
                <a href=reset>"Reset all filters"</a>
                " or try again in a moment."
            </p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_from_the_server_are_shown_as_they_are() {
        for error in [
            AppError::Invalid("gran: must be one of 1m, 5m, 1h, 1d".into()),
            AppError::Forbidden("only an admin of this workspace may do this".into()),
            AppError::NotFound("no call with this request ID is kept".into()),
        ] {
            assert_eq!(error_message(&error), error.to_string());
        }
    }

    #[test]
    fn failures_without_a_reason_get_a_sentence_and_no_prefix() {
        let errors = [
            AppError::Unauthorized,
            AppError::Internal,
            AppError::Transport(ServerFnErrorErr::Request("refused".into())),
            AppError::Transport(ServerFnErrorErr::Deserialization("eof".into())),
        ];
        let messages: Vec<String> = errors.iter().map(error_message).collect();
        assert_eq!(messages[0], "Your session has ended.");
        assert!(messages[2].contains("could not be reached"));
        assert!(messages[3].contains("could not be read"));
        for message in messages {
            assert!(!message.contains("server function"), "{message}");
            assert!(message.ends_with('.'), "{message}");
        }
    }
}
