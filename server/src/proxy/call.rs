//! One proxied call being recorded. A [`Call`] is created when the client's request has been
//! read and checked; it is finished exactly once with an [`Outcome`], or, if it is dropped
//! unfinished (the client went away), as a 499. Finishing hands the record to the batch writer
//! in the background: the client's answer never waits for storage.

use app::model::WorkspaceId;
use std::time::{Duration, Instant};

use app::model::{ModelKind, Usage, UNITS};
use serde_json::{Map, Value};

use super::observe::Observer;
use crate::domain::record::checked_usage;
use crate::ingest::record::usage::usage_from_json;
use crate::ingest::record::{self, FieldError, RecordInput, Source};
use crate::ingest::writer::IngestHandle;
use crate::store::Pending;

/// What is known about a call before it is forwarded.
pub struct Call {
    writer: IngestHandle,
    workspace_id: WorkspaceId,
    key_id: i64,
    pub request_id: String,
    ts_ms: i64,
    started: Instant,
    model: String,
    kind: Option<ModelKind>,
    operation: &'static str,
    stream: bool,
    request_body: Option<String>,
    /// Usage known from the request itself (characters of a speech input).
    request_usage: Usage,
    metadata: Map<String, Value>,
    upstream_request_id: Option<String>,
    first_byte: Option<Duration>,
    ttft: Option<Duration>,
    finished: bool,
}

/// How a call ended.
pub struct Outcome {
    pub status: u16,
    pub error_type: Option<String>,
    pub error_message: Option<String>,
    pub response_body: Option<String>,
    /// What the answer said: usage, model, errors.
    pub observer: Option<Observer>,
    /// Why the usage is unknown, when it is.
    pub usage_note: Option<&'static str>,
}

impl Outcome {
    /// A call that failed before or while answering, with no usage.
    pub fn failed(status: u16, error_type: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            error_type: Some(error_type.to_owned()),
            error_message: Some(message.into()),
            response_body: None,
            observer: None,
            usage_note: Some("unknown: the call ended before the upstream reported usage"),
        }
    }
}

/// Who made the call and what it asked for.
pub struct CallStart {
    pub writer: IngestHandle,
    pub workspace_id: WorkspaceId,
    pub key_id: i64,
    pub model: String,
    pub kind: Option<ModelKind>,
    pub operation: &'static str,
    pub stream: bool,
    pub request_body: Option<String>,
    pub request_usage: Usage,
    /// What the client said about the call (see `tags`).
    pub metadata: Map<String, Value>,
    pub upstream: String,
    pub started: Instant,
    pub ts_ms: i64,
}

impl Call {
    pub fn new(start: CallStart) -> Self {
        let mut metadata = start.metadata;
        metadata.insert("upstream".into(), Value::String(start.upstream));
        Self {
            writer: start.writer,
            workspace_id: start.workspace_id,
            key_id: start.key_id,
            request_id: uuid::Uuid::now_v7().to_string(),
            ts_ms: start.ts_ms,
            started: start.started,
            model: start.model,
            kind: start.kind,
            operation: start.operation,
            stream: start.stream,
            request_body: start.request_body,
            request_usage: start.request_usage,
            metadata,
            upstream_request_id: None,
            first_byte: None,
            ttft: None,
            finished: false,
        }
    }

    /// The upstream's answer began (its status line and headers arrived).
    pub fn answered(&mut self, upstream_request_id: Option<String>) {
        self.first_byte = Some(self.started.elapsed());
        self.upstream_request_id = upstream_request_id;
    }

    /// The first content of the answer arrived.
    pub fn first_content(&mut self) {
        if self.ttft.is_none() {
            self.ttft = Some(self.started.elapsed());
        }
    }

    /// Records the call as ended with `outcome`.
    pub fn finish(mut self, outcome: Outcome) {
        self.finish_once(outcome);
    }

    fn finish_once(&mut self, outcome: Outcome) {
        if self.finished {
            return;
        }
        self.finished = true;
        let latency = self.started.elapsed();
        let pending = self.pending(outcome, latency);
        let Some(pending) = pending else { return };
        let writer = self.writer.clone();
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!("a proxied call ended outside the runtime and was not recorded");
            return;
        };
        runtime.spawn(async move {
            if let Err(error) = writer.submit(vec![pending]).await {
                tracing::warn!(%error, "a proxied call could not be recorded");
            }
        });
    }

    /// The record, checked like any ingested record. A usage the upstream reported that does
    /// not pass the checks is left out (and the record says so) rather than losing the call.
    fn pending(&mut self, outcome: Outcome, latency: Duration) -> Option<Pending> {
        let Outcome {
            status,
            mut error_type,
            mut error_message,
            response_body,
            observer,
            mut usage_note,
        } = outcome;
        let mut usage: Result<Usage, FieldError> = Ok(self.request_usage.clone());
        let mut status = status;
        if let Some(observer) = &observer {
            if let Some(reported) = &observer.usage {
                usage = usage_from_json(normalised_usage(reported))
                    .map(|reported| with_request_units(reported, &self.request_usage));
                usage_note = None;
            } else if usage_note.is_none() && status < 400 && self.request_usage.is_empty() {
                usage_note = Some("unknown: the upstream reported no usage");
            }
            if self.kind == Some(ModelKind::Image) && status < 400 {
                // An image answer lists the images it generated; their number is the unit billed.
                if let (Some(images), Ok(usage)) = (observer.data_items, &mut usage) {
                    usage.images = usage.images.or(i64::try_from(images).ok());
                    usage_note = None;
                }
            }
            if let Some(model) = &observer.response_model {
                if *model != self.model {
                    self.metadata
                        .insert("response_model".into(), Value::String(model.clone()));
                }
            }
            if let Some(error) = &observer.error {
                error_type.get_or_insert_with(|| error.kind.clone());
                error_message.get_or_insert_with(|| error.message.clone());
                if status < 400 {
                    // An error reported inside a successful answer (mid-stream).
                    status = 502;
                }
            }
            if observer.text_truncated {
                self.metadata
                    .insert("response_text".into(), "truncated at 1 MiB".into());
            }
        }
        let usage = usage.and_then(checked_usage).unwrap_or_else(|rejection| {
            self.metadata.insert(
                "usage".into(),
                format!(
                    "unknown: the upstream's usage was not valid ({}: {})",
                    rejection.field, rejection.message
                )
                .into(),
            );
            Usage::default()
        });
        if let Some(note) = usage_note {
            self.metadata
                .insert("usage".into(), Value::String(note.into()));
        }
        let ms = |duration: Duration| duration.as_secs_f64() * 1000.0;
        let input = RecordInput {
            request_id: Some(self.request_id.clone()),
            timestamp_ms: Some(self.ts_ms),
            model: Some(self.model.clone()),
            model_kind: self.kind,
            operation: Some(self.operation.to_owned()),
            status: Some(status),
            error_type: error_type.and_then(|text| label(&text)),
            error_message: error_message
                .filter(|text| !text.trim().is_empty())
                .map(|text| clip(&text, record::limits::ERROR_MESSAGE_CHARS)),
            usage,
            latency_ms: Some(ms(latency)),
            ttft_ms: self.ttft.filter(|ttft| *ttft <= latency).map(ms),
            first_byte_ms: self.first_byte.filter(|first| *first <= latency).map(ms),
            stream: self.stream,
            api_key: None,
            metadata: Some(std::mem::take(&mut self.metadata)),
            upstream_request_id: self.upstream_request_id.as_deref().and_then(label),
            request_body: self.request_body.take(),
            response_body,
        };
        let now_ms = chrono::Utc::now().timestamp_millis();
        match input.validate(now_ms, Source::Proxy) {
            Ok(record) => Some(Pending {
                workspace_id: self.workspace_id,
                ingest_key_id: Some(self.key_id),
                record,
            }),
            Err(rejection) => {
                tracing::error!(field = %rejection.field, reason = %rejection.message, "a proxied call could not be recorded");
                None
            }
        }
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        if !self.finished {
            self.finish_once(Outcome::failed(
                499,
                "client_cancelled",
                "the client closed the connection before the answer was complete",
            ));
        }
    }
}

/// The units the upstream did not report, taken from what the request itself said.
fn with_request_units(mut reported: Usage, request: &Usage) -> Usage {
    for spec in &UNITS {
        if reported.get(spec.unit).is_none() {
            reported.set(spec.unit, request.get(spec.unit));
        }
    }
    reported
}

/// The upstream's usage with units it reports under other names brought to ours: a
/// transcription's `{"type": "duration", "seconds": N}` is audio seconds.
fn normalised_usage(reported: &Map<String, Value>) -> Map<String, Value> {
    let mut usage = reported.clone();
    if usage.get("type").and_then(Value::as_str) == Some("duration") {
        usage.remove("type");
        if let Some(seconds) = usage.remove("seconds") {
            usage.insert("audio_seconds".into(), seconds);
        }
    }
    usage
}

/// A short label (an error type, an id) as a record accepts it, or nothing.
fn label(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty() && !text.chars().any(char::is_control))
        .then(|| clip(text, record::limits::SHORT_TEXT_CHARS))
}

/// At most `chars` characters of `text`.
fn clip(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((end, _)) => text[..end].to_owned(),
        None => text.to_owned(),
    }
}
