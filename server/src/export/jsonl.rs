//! JSON Lines: one object per call in the ingest API's record shape (the provider's extra
//! usage keys back inside `usage`, as sent), plus what Modelwatch worked out: `cost` and
//! `source`. Unknown usage units are `null`; other unknown values are left out. An export with
//! bodies adds `request_body` and `response_body` as the ingest API takes them (text).

use serde::Serialize;
use serde_json::value::RawValue;

use super::ExportRow;

#[derive(Serialize)]
struct Record<'a> {
    request_id: &'a str,
    timestamp: &'a str,
    model: &'a str,
    model_kind: &'a str,
    operation: &'a str,
    status: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_message: Option<&'a str>,
    usage: std::borrow::Cow<'a, app::model::Usage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    latency_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ttft_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_byte_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cost: Option<f64>,
    cost_status: &'static str,
    source: &'a str,
    stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    api_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    upstream_request_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_body: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_body: Option<&'a str>,
}

/// A stored JSON text as raw JSON (it was validated on the way in); `None` if it is not.
fn raw(text: Option<&str>) -> Option<&RawValue> {
    text.and_then(|text| serde_json::from_str::<&RawValue>(text).ok())
}

/// One call as one line.
pub fn row(out: &mut Vec<u8>, row: &ExportRow<'_>) {
    let call = row.call;
    let mut timestamp = Vec::with_capacity(24);
    super::timestamp(&mut timestamp, call.ts_ms);
    let record = Record {
        request_id: &call.request_id,
        timestamp: std::str::from_utf8(&timestamp).unwrap_or_default(),
        model: row.model,
        model_kind: call.kind.as_str(),
        operation: call.operation_name(),
        status: call.status,
        error_type: call.error_type.as_deref(),
        error_message: call.error_message.as_deref(),
        usage: match call.usage_other.as_deref().map(serde_json::from_str) {
            // The provider's extra keys go back beside the known units (rare: parsed only then).
            Some(Ok(other)) => {
                let mut usage = call.usage.clone();
                usage.other = other;
                std::borrow::Cow::Owned(usage)
            }
            _ => std::borrow::Cow::Borrowed(&call.usage),
        },
        latency_ms: call.latency_ms,
        ttft_ms: call.ttft_ms,
        first_byte_ms: call.first_byte_ms,
        cost: call.cost,
        cost_status: super::cost_status(call),
        source: call.source_name(),
        stream: call.stream,
        api_key: call.api_key.as_deref(),
        upstream_request_id: call.upstream_request_id.as_deref(),
        metadata: raw(call.metadata.as_deref()),
        request_body: row.bodies.and_then(|(request, _)| request.as_deref()),
        response_body: row.bodies.and_then(|(_, response)| response.as_deref()),
    };
    if serde_json::to_writer(&mut *out, &record).is_ok() {
        out.push(b'\n');
    }
}
