//! A batch's calls and bodies as COPY lines (the format itself is `postgres::copy_text`).

use std::fmt::Write as _;

use crate::fast_map::FastMap;
use crate::store::postgres::copy_text::{
    push_bool, push_bytes, push_float, push_int, push_null, push_optional_text, push_text,
};
use crate::store::postgres::tag_lists;
use crate::store::postings::Entry;
use std::sync::LazyLock;

use app::model::{Amount, UNITS};

use crate::store::reads::{request_key, uuid_bytes};
use crate::store::writes::CallToWrite;
use crate::store::{Pending, StoreError};
use sqlx::PgConnection;

/// Sends `lines` to `table`'s `columns` by COPY (nothing when there are none).
pub async fn send(
    conn: &mut PgConnection,
    table: &str,
    columns: &str,
    lines: String,
) -> Result<(), StoreError> {
    if lines.is_empty() {
        return Ok(());
    }
    let mut copy = conn
        .copy_in_raw(&format!("COPY {table} ({columns}) FROM STDIN"))
        .await?;
    copy.send(lines.into_bytes()).await?;
    copy.finish().await?;
    Ok(())
}

/// The staging table's columns, in the order each line lists them.
pub static COLUMNS: LazyLock<String> = LazyLock::new(|| {
    let mut columns = vec!["id", "workspace_id", "hour", "ts_ms", "model_id"];
    columns.extend(UNITS.iter().map(|spec| spec.column));
    columns.extend([
        "latency_ms",
        "ttft_ms",
        "first_byte_ms",
        "cost",
        "ingest_key_id",
        "request_key",
        "status",
        "kind",
        "source",
        "stream",
        "has_body",
        "request_id",
        "request_uuid",
        "operation",
        "error_type",
        "error_message",
        "usage_other",
        "api_key",
        "metadata",
        "upstream_request_id",
        "user_id",
        "app_id",
        "provider_id",
        "tag_ids",
        "stripped",
    ]);
    columns.join(", ")
});

/// The body table's columns, in line order.
pub const BODY_COLUMNS: &str = "request_row_id, hour, request_body, response_body";

/// The tag lists' columns, in line order.
pub const TAG_LIST_COLUMNS: &str = "workspace_id, tag_id, hour, first_row, calls, entries";

/// One call's line.
pub fn push_call(line: &mut String, call: CallToWrite<'_>) {
    let CallToWrite {
        row_id,
        pending,
        model_id,
        kind,
        cost,
        dimensions,
    } = call;
    let record = &pending.record;
    let usage = &record.usage;
    let tab = |line: &mut String| line.push('\t');
    push_int(line, Some(row_id));
    tab(line);
    push_int(line, Some(pending.workspace_id.get()));
    tab(line);
    push_int(line, Some(record.ts_ms.div_euclid(3_600_000)));
    tab(line);
    push_int(line, Some(record.ts_ms));
    tab(line);
    push_int(line, Some(model_id));
    for spec in UNITS.iter() {
        tab(line);
        match usage.get(spec.unit) {
            None => push_null(line),
            Some(Amount::Count(count)) => push_int(line, Some(count)),
            Some(Amount::Seconds(seconds)) => push_float(line, Some(seconds)),
        }
    }
    tab(line);
    push_int(line, record.latency_ms);
    tab(line);
    push_int(line, record.ttft_ms);
    tab(line);
    push_int(line, record.first_byte_ms);
    tab(line);
    push_float(line, cost);
    tab(line);
    push_int(line, pending.ingest_key_id);
    tab(line);
    push_int(line, Some(request_key(&record.request_id)));
    tab(line);
    push_int(line, Some(i64::from(record.status)));
    tab(line);
    push_int(line, Some(kind.code()));
    tab(line);
    push_int(line, Some(record.source.code()));
    tab(line);
    push_bool(line, record.stream);
    tab(line);
    push_bool(
        line,
        record.request_body.is_some() || record.response_body.is_some(),
    );
    tab(line);
    // A canonical UUID in `request_uuid` (its text is the uuid type's input), any other id in
    // `request_id`.
    match uuid_bytes(&record.request_id) {
        Some(_) => {
            push_null(line);
            tab(line);
            line.push_str(&record.request_id);
        }
        None => {
            push_text(line, &record.request_id);
            tab(line);
            push_null(line);
        }
    }
    tab(line);
    // The kind's default operation is stored as NULL.
    let operation = record
        .operation
        .as_deref()
        .filter(|operation| *operation != kind.default_operation());
    push_optional_text(line, operation);
    tab(line);
    push_optional_text(line, record.error_type.as_deref());
    tab(line);
    push_optional_text(line, record.error_message.as_deref());
    tab(line);
    let usage_other = (!usage.other.is_empty())
        .then(|| serde_json::Value::Object(usage.other.clone()).to_string());
    push_optional_text(line, usage_other.as_deref());
    tab(line);
    push_optional_text(line, record.api_key.as_deref());
    tab(line);
    push_optional_text(line, record.metadata.as_deref());
    tab(line);
    push_optional_text(line, record.upstream_request_id.as_deref());
    tab(line);
    for id in [dimensions.user, dimensions.app, dimensions.provider] {
        push_int(line, id);
        tab(line);
    }
    push_optional_text(line, dimensions.tag_ids_text().as_deref());
    tab(line);
    push_int(line, Some(record.dimensions.stripped));
    line.push('\n');
}

/// One line per list of `lists` (a tag's calls in one hour of the batch, keyed by workspace,
/// tag and hour).
pub fn push_tag_lists(line: &mut String, lists: FastMap<(i64, i64, i64), Vec<Entry>>) {
    for ((workspace_id, tag_id, hour), mut entries) in lists {
        let first_row = entries.iter().map(|(_, row)| *row).min().unwrap_or(0);
        let _ = write!(
            line,
            "{workspace_id}\t{tag_id}\t{hour}\t{first_row}\t{}\t",
            entries.len()
        );
        push_bytes(line, &tag_lists::encode(&mut entries));
        line.push('\n');
    }
}

/// One call's bodies line.
pub fn push_bodies(line: &mut String, row_id: i64, pending: &Pending) {
    let record = &pending.record;
    let _ = write!(line, "{row_id}\t{}\t", record.ts_ms.div_euclid(3_600_000));
    push_optional_text(line, record.request_body.as_deref());
    line.push('\t');
    push_optional_text(line, record.response_body.as_deref());
    line.push('\n');
}
