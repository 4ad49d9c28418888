//! What the receiver answers, in the request's encoding: an `ExportTraceServiceResponse`
//! (with `partial_success` when spans were refused), or on failure a `google.rpc.Status`
//! as OTLP/HTTP asks (protobuf), or its JSON form next to the API's usual `error` field; and the
//! 404 for the OTLP signals that are not received (metrics, logs).

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceResponse,
};
use prost::Message;

use super::body::Encoding;
use crate::error::ApiError;

/// The 200 answer: `rejected` spans refused for the reasons in `message`.
pub fn accepted(encoding: Encoding, rejected: usize, message: String) -> Response {
    let rejected_spans = i64::try_from(rejected).unwrap_or(i64::MAX);
    let body = match encoding {
        Encoding::Protobuf => ExportTraceServiceResponse {
            partial_success: (rejected > 0).then_some(ExportTracePartialSuccess {
                rejected_spans,
                error_message: message,
            }),
        }
        .encode_to_vec(),
        // Written by hand: proto3 JSON spells a 64-bit count as a string and leaves an unset
        // message out.
        Encoding::Json if rejected > 0 => serde_json::json!({
            "partialSuccess": {
                "rejectedSpans": rejected_spans.to_string(),
                "errorMessage": message,
            }
        })
        .to_string()
        .into_bytes(),
        Encoding::Json => b"{}".to_vec(),
    };
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, encoding.content_type())],
        body,
    )
        .into_response()
}

/// A refused export, answered in the request's encoding.
#[derive(Debug)]
pub struct OtlpError {
    pub error: ApiError,
    pub encoding: Encoding,
}

impl OtlpError {
    pub fn new(error: ApiError, encoding: Encoding) -> Self {
        Self { error, encoding }
    }
}

/// The OTLP signals an SDK may export next to traces, which Modelwatch does not receive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    Metrics,
    Logs,
}

/// `POST /v1/metrics` and `/v1/logs`: a 404 in the request's encoding that says what is received
/// and how to stop the SDK from sending the rest (rather than the dashboard's CSRF refusal).
pub fn not_received(signal: Signal, headers: &HeaderMap) -> Response {
    let (name, exporter) = match signal {
        Signal::Metrics => ("metrics", "OTEL_METRICS_EXPORTER"),
        Signal::Logs => ("logs", "OTEL_LOGS_EXPORTER"),
    };
    let message = format!(
        "Modelwatch receives OpenTelemetry traces only (POST /v1/traces); OTLP {name} are not \
         received: set OTEL_EXPORTER_OTLP_TRACES_ENDPOINT rather than OTEL_EXPORTER_OTLP_ENDPOINT, \
         or turn the {name} exporter off ({exporter}=none)"
    );
    let encoding = super::body::answer_encoding(headers);
    OtlpError::new(ApiError::new(StatusCode::NOT_FOUND, message), encoding).into_response()
}

/// The gRPC code that goes with an HTTP status in a `google.rpc.Status`.
fn grpc_code(status: StatusCode) -> i32 {
    match status.as_u16() {
        401 => 16,      // UNAUTHENTICATED
        404 => 12,      // UNIMPLEMENTED: what a gRPC server answers for a service it lacks
        429 => 8,       // RESOURCE_EXHAUSTED
        503 => 14,      // UNAVAILABLE
        400..=499 => 3, // INVALID_ARGUMENT
        _ => 13,        // INTERNAL
    }
}

/// `google.rpc.Status { code, message }` in protobuf (fields 1 and 2; no details).
pub fn status_protobuf(code: i32, message: &str) -> Vec<u8> {
    let mut buf = Vec::with_capacity(message.len() + 8);
    prost::encoding::int32::encode(1, &code, &mut buf);
    prost::encoding::string::encode(2, &message.to_owned(), &mut buf);
    buf
}

impl IntoResponse for OtlpError {
    fn into_response(self) -> Response {
        let code = grpc_code(self.error.status);
        match self.encoding {
            Encoding::Json => {
                let details = serde_json::json!({ "code": code, "message": self.error.message });
                self.error.with_details(details).into_response()
            }
            Encoding::Protobuf => {
                let body = status_protobuf(code, &self.error.message);
                let mut response = (
                    self.error.status,
                    [(header::CONTENT_TYPE, Encoding::Protobuf.content_type())],
                    body,
                )
                    .into_response();
                if let Some(seconds) = self.error.retry_after_secs {
                    response
                        .headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
                }
                response
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;

    async fn body_of(response: Response) -> Vec<u8> {
        response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec()
    }

    #[tokio::test]
    async fn a_full_success_has_no_partial_success_in_either_encoding() {
        let json = accepted(Encoding::Json, 0, String::new());
        assert_eq!(json.headers()[header::CONTENT_TYPE], "application/json");
        assert_eq!(body_of(json).await, b"{}");
        let protobuf = body_of(accepted(Encoding::Protobuf, 0, String::new())).await;
        let decoded = ExportTraceServiceResponse::decode(protobuf.as_slice()).expect("decodes");
        assert_eq!(decoded.partial_success, None);
    }

    #[tokio::test]
    async fn rejected_spans_are_counted_and_explained() {
        let protobuf = accepted(Encoding::Protobuf, 2, "two bad spans".into());
        assert_eq!(
            protobuf.headers()[header::CONTENT_TYPE],
            "application/x-protobuf"
        );
        let decoded = ExportTraceServiceResponse::decode(body_of(protobuf).await.as_slice())
            .expect("decodes");
        let partial = decoded.partial_success.expect("partial success");
        assert_eq!(partial.rejected_spans, 2);
        assert_eq!(partial.error_message, "two bad spans");
        let json: serde_json::Value =
            serde_json::from_slice(&body_of(accepted(Encoding::Json, 2, "why".into())).await)
                .expect("JSON");
        assert_eq!(json["partialSuccess"]["rejectedSpans"], "2");
        assert_eq!(json["partialSuccess"]["errorMessage"], "why");
    }

    #[tokio::test]
    async fn errors_are_a_status_message_with_retry_after_kept() {
        let error = OtlpError::new(ApiError::unavailable("full", 1), Encoding::Protobuf);
        let response = error.into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        assert_eq!(body_of(response).await, status_protobuf(14, "full"));
        // Field 1 varint 14, field 2 the message.
        assert_eq!(status_protobuf(14, "full"), b"\x08\x0e\x12\x04full");

        let error = OtlpError::new(ApiError::bad_request("bad"), Encoding::Json);
        let response = error.into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let json: serde_json::Value =
            serde_json::from_slice(&body_of(response).await).expect("JSON");
        assert_eq!(json["code"], 3);
        assert_eq!(json["message"], "bad");
        assert_eq!(json["error"], "bad");
    }
}
