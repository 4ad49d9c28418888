//! `POST /v1/traces`: the OTLP/HTTP trace receiver. GenAI spans (semantic-convention,
//! deprecated and common vendor attribute names, see [`aliases::ALIASES`]) become request
//! records in the key's workspace; other spans are counted and explained in `partial_success`.
//!
//! The body may be protobuf or JSON, gzip or not, at most 20 MiB once decompressed, and is
//! counted before it is decoded: at most 10,000 spans and a million objects per export, 128
//! attributes, events and links per span (`limits.rs`); a few exports are decoded at once
//! (`slots.rs`). Each span is mapped on its own (`span.rs`) and checked by the ingest API's own
//! validation, then the records go to the batch writer; the answer comes after the commit.
//! `/v1/metrics` and `/v1/logs` answer 404 saying that only traces are received.

pub mod aliases;
mod body;
#[doc(hidden)]
pub mod hostile;
mod json;
pub mod limits;
mod reply;
mod span;
mod value;

#[cfg(test)]
mod properties;

use axum::body::Body;
use axum::extract::{FromRef, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{any, post};
use axum::{Extension, Router};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::trace::v1::Span;

pub use super::slots::DecodeSlots;
pub use body::{Compression, Encoding, MAX_DECODED_BYTES};

use super::api::{authenticate, read_body, submit_error};
use super::record::NewRequest;
use super::writer::IngestHandle;
use crate::error::ApiError;
use crate::store::Pending;
use reply::{OtlpError, Signal};

/// How many refusal reasons the `partial_success` message spells out.
const REASONS_SHOWN: usize = 5;

/// The receiver's routes, for any router state that holds the engine and the writer.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    crate::engine::Engine: FromRef<S>,
    IngestHandle: FromRef<S>,
{
    Router::new()
        .route("/v1/traces", post(export))
        .route(
            "/v1/metrics",
            any(|headers: HeaderMap| async move { reply::not_received(Signal::Metrics, &headers) }),
        )
        .route(
            "/v1/logs",
            any(|headers: HeaderMap| async move { reply::not_received(Signal::Logs, &headers) }),
        )
        .layer(Extension(DecodeSlots::for_this_machine("exports")))
}

/// What one export came to: the records to store, and the spans refused with their reasons.
#[derive(Debug, Default)]
pub struct Mapped {
    pub records: Vec<NewRequest>,
    pub refused: Vec<String>,
}

impl Mapped {
    /// The `partial_success.error_message`: how many spans were refused and the first reasons.
    pub fn summary(&self) -> String {
        let count = self.refused.len();
        if count == 0 {
            return String::new();
        }
        let noun = if count == 1 { "span" } else { "spans" };
        let mut message = format!(
            "{count} {noun} rejected: {}",
            self.refused
                .iter()
                .take(REASONS_SHOWN)
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join("; ")
        );
        if count > REASONS_SHOWN {
            message.push_str(&format!("; and {} more", count - REASONS_SHOWN));
        }
        message
    }
}

/// Maps every span of `export`, received at `now_ms`.
pub fn map_export(export: &ExportTraceServiceRequest, now_ms: i64) -> Mapped {
    let mut mapped = Mapped::default();
    for resource_spans in &export.resource_spans {
        let service_name = resource_spans
            .resource
            .iter()
            .flat_map(|resource| &resource.attributes)
            .find(|pair| pair.key == "service.name")
            .and_then(|pair| match pair.value.as_ref()?.value.as_ref()? {
                Value::StringValue(name) => Some(name.as_str()),
                _ => None,
            });
        for span in resource_spans
            .scope_spans
            .iter()
            .flat_map(|scope| &scope.spans)
        {
            match span::to_record(span, service_name, now_ms) {
                Ok(record) => mapped.records.push(record),
                Err(refusal) => mapped
                    .refused
                    .push(format!("{}: {refusal}", describe(span))),
            }
        }
    }
    mapped
}

/// `span 'name' (trace …, span …)`, for refusal reasons.
fn describe(span: &Span) -> String {
    let id = |bytes: &[u8]| match bytes.len() {
        0 => "none".to_owned(),
        _ => value::clip(&span::hex(bytes), 32),
    };
    format!(
        "span {:?} (trace {}, span {})",
        value::clip(&span.name, 80),
        id(&span.trace_id),
        id(&span.span_id)
    )
}

/// Decompresses, counts, decodes and maps one export body: a 4xx for a body that cannot be read
/// or passes a limit, found before anything is decoded.
pub fn read_export(
    bytes: &[u8],
    encoding: Encoding,
    compression: Compression,
    now_ms: i64,
) -> Result<Mapped, ApiError> {
    let plain = body::decompress(bytes, compression, MAX_DECODED_BYTES)?;
    limits::check(&plain, encoding)?;
    let export = body::decode(&plain, encoding)?;
    Ok(map_export(&export, now_ms))
}

async fn export(
    State(engine): State<crate::engine::Engine>,
    State(writer): State<IngestHandle>,
    Extension(slots): Extension<DecodeSlots>,
    headers: HeaderMap,
    request_body: Body,
) -> Result<Response, OtlpError> {
    let answer_in = body::answer_encoding(&headers);
    let fail = |error| OtlpError::new(error, answer_in);
    let owner = authenticate(&engine, &headers).await.map_err(fail)?;
    let encoding = body::encoding(&headers).map_err(fail)?;
    let compression = body::compression(&headers).map_err(fail)?;
    let bytes = read_body(
        &headers,
        request_body,
        MAX_DECODED_BYTES,
        "export fewer spans per request",
    )
    .await
    .map_err(fail)?;

    let now_ms = chrono::Utc::now().timestamp_millis();
    // Inflating and decoding up to 20 MiB is CPU work and memory: keep it off the async workers
    // and run a few at once. The slot is held by the blocking task, so it stays taken until the
    // work ends even when the client has gone.
    let slot = slots.acquire().await.map_err(fail)?;
    let mapped = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        read_export(&bytes, encoding, compression, now_ms)
    })
    .await
    .map_err(|error| fail(ApiError::internal(error)))?
    .map_err(fail)?;

    let summary = mapped.summary();
    if !mapped.refused.is_empty() {
        tracing::debug!(
            workspace_id = %owner.workspace_id,
            accepted = mapped.records.len(),
            rejected = mapped.refused.len(),
            "otlp export partly rejected"
        );
    }
    let pending: Vec<Pending> = mapped
        .records
        .into_iter()
        .map(|record| Pending {
            workspace_id: owner.workspace_id,
            ingest_key_id: Some(owner.key_id),
            record,
        })
        .collect();
    writer
        .submit(pending)
        .await
        .map_err(|error| fail(submit_error(error)))?;
    Ok(reply::accepted(encoding, mapped.refused.len(), summary))
}
