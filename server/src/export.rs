//! `GET /api/v1/logs/export?format=csv|jsonl&bodies=1&<the Logs filter>`: every call matching
//! the filter (not only a page), newest first, with its request and response bodies when asked,
//! streamed in constant memory: a blocking reader walks one snapshot and hands 64 KiB chunks
//! through a small channel to the response body, so a slow client slows the reader instead of
//! filling memory.

pub mod csv;
pub mod jsonl;

use crate::store::dimensions::restore_metadata;
use crate::store::reads::Snapshot;
use app::url_state::RequestIdFilter;
use chrono::{Datelike, Timelike};

use crate::engine::logs::{by_request_id, LogScope};
use crate::engine::request_ids::RequestIds;
use crate::store::reads::StoredCall;
use crate::store::StoreError;

/// Bytes gathered before a chunk is handed to the response.
const CHUNK_BYTES: usize = 64 * 1024;
/// Chunks waiting for the client at most.
pub const CHANNEL_CHUNKS: usize = 4;
/// How long an export waits for its client to take the next chunk: a client that stops
/// reading for this long loses the download, and its thread and read transaction are freed.
pub const STALL: std::time::Duration = std::time::Duration::from_secs(60);
/// Body bytes the reader gathers before it hands calls to the formatter: a call's bodies are up
/// to 2 MiB, so a chunk of 1,000 calls with theirs could be 2 GB; handed over by this much, the
/// few batches in flight stay a few MiB.
const BODY_BATCH_BYTES: usize = 256 * 1024;

/// The file formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
}

impl Format {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "csv" => Some(Self::Csv),
            "jsonl" => Some(Self::Jsonl),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Jsonl => "jsonl",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Jsonl => "application/x-ndjson",
        }
    }
}

/// What an export writes: its format, and whether each call's request and response bodies go
/// with it (`bodies=1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub format: Format,
    pub bodies: bool,
}

impl Layout {
    /// `format` without bodies.
    pub fn plain(format: Format) -> Self {
        Self {
            format,
            bodies: false,
        }
    }
}

/// A call's stored request and response bodies.
pub type Bodies = (Option<String>, Option<String>);

/// One call with its model's name (and its bodies, when the export includes them), as the
/// writers take it.
pub struct ExportRow<'a> {
    pub call: &'a StoredCall,
    pub model: &'a str,
    pub bodies: Option<&'a Bodies>,
}

/// Calls handed from the reader to the formatter, with their bodies (empty when the export
/// leaves bodies out, else one per call).
#[derive(Default)]
struct Batch {
    calls: Vec<StoredCall>,
    bodies: Vec<Bodies>,
}

/// Writes `ms` as an RFC 3339 UTC time with milliseconds.
pub fn timestamp(out: &mut Vec<u8>, ms: i64) {
    let Some(time) = chrono::DateTime::from_timestamp_millis(ms)
        .filter(|time| (0..=9999).contains(&time.year()))
    else {
        out.extend_from_slice(itoa::Buffer::new().format(ms).as_bytes());
        return;
    };
    let digits = |out: &mut Vec<u8>, value: u32, width: u32| {
        for power in (0..width).rev() {
            out.push(b'0' + (value / 10_u32.pow(power) % 10) as u8);
        }
    };
    digits(out, time.year() as u32, 4);
    out.push(b'-');
    digits(out, time.month(), 2);
    out.push(b'-');
    digits(out, time.day(), 2);
    out.push(b'T');
    digits(out, time.hour(), 2);
    out.push(b':');
    digits(out, time.minute(), 2);
    out.push(b':');
    digits(out, time.second(), 2);
    out.push(b'.');
    digits(out, time.timestamp_subsec_millis(), 3);
    out.push(b'Z');
}

/// Formats calls into chunks of about [`CHUNK_BYTES`] for `sink`.
struct Chunker<'a, S> {
    scope: &'a LogScope,
    layout: Layout,
    out: Vec<u8>,
    sink: S,
    open: bool,
}

impl<S: FnMut(Vec<u8>) -> bool> Chunker<'_, S> {
    fn write(&mut self, call: &StoredCall, bodies: Option<&Bodies>) -> bool {
        let model = self
            .scope
            .models
            .get(&call.model_id)
            .map(String::as_str)
            .unwrap_or_default();
        let row = ExportRow {
            call,
            model,
            bodies: if self.layout.bodies {
                Some(bodies.unwrap_or(&(None, None)))
            } else {
                None
            },
        };
        match self.layout.format {
            Format::Csv => csv::row(&mut self.out, &row),
            Format::Jsonl => jsonl::row(&mut self.out, &row),
        }
        if self.out.len() >= CHUNK_BYTES {
            let full = std::mem::replace(&mut self.out, Vec::with_capacity(CHUNK_BYTES + 4096));
            self.open = (self.sink)(full);
        }
        self.open
    }

    fn finish(mut self) {
        if self.open && !self.out.is_empty() {
            (self.sink)(self.out);
        }
    }
}

/// Writes every call of `scope` in `layout` to `sink` (see [`write_all`]) on a read connection
/// of `engine`'s, in one snapshot; returns the calls read.
pub async fn run(
    engine: &crate::engine::Engine,
    scope: LogScope,
    layout: Layout,
    sink: impl FnMut(Vec<u8>) -> bool + Send + 'static,
) -> Result<u64, StoreError> {
    let ids = engine.request_ids();
    engine
        .reader()
        .read(move |snapshot| write_all(snapshot, &scope, &ids, layout, sink))
        .await
}

/// Hands `calls` to the formatter through `rows`, with their bodies when `with_bodies`, read
/// call by call and handed over every [`BODY_BATCH_BYTES`]; false when the formatter is gone.
fn hand_over(
    snapshot: &dyn Snapshot,
    calls: Vec<StoredCall>,
    with_bodies: bool,
    rows: &std::sync::mpsc::SyncSender<Batch>,
) -> Result<bool, StoreError> {
    if !with_bodies {
        let batch = Batch {
            calls,
            bodies: Vec::new(),
        };
        return Ok(rows.send(batch).is_ok());
    }
    let mut batch = Batch::default();
    let mut bytes = 0;
    for call in calls {
        let bodies = if call.has_body {
            snapshot.bodies(call.row)?
        } else {
            (None, None)
        };
        bytes +=
            bodies.0.as_ref().map_or(0, String::len) + bodies.1.as_ref().map_or(0, String::len);
        batch.calls.push(call);
        batch.bodies.push(bodies);
        if bytes >= BODY_BATCH_BYTES {
            if rows.send(std::mem::take(&mut batch)).is_err() {
                return Ok(false);
            }
            bytes = 0;
        }
    }
    Ok(batch.calls.is_empty() || rows.send(batch).is_ok())
}

/// Writes every call of `scope` in `layout` to `sink` in chunks; `sink` returns `false` when
/// the receiver is gone (the client left), which stops the export. Reading rows and
/// formatting them run on two threads (the reader hands over batches of rows), so an export
/// goes as fast as the slower of the two. Returns the calls read.
pub fn write_all(
    snapshot: &dyn Snapshot,
    scope: &LogScope,
    ids: &RequestIds,
    layout: Layout,
    sink: impl FnMut(Vec<u8>) -> bool + Send,
) -> Result<u64, StoreError> {
    let mut out = Vec::with_capacity(CHUNK_BYTES + 4096);
    if layout.format == Format::Csv {
        csv::header(&mut out, layout.bodies);
    }
    let chunker = Chunker {
        scope,
        layout,
        out,
        sink,
        open: true,
    };
    std::thread::scope(|threads| {
        let (rows, formatter_rows) = std::sync::mpsc::sync_channel::<Batch>(4);
        let formatter = threads.spawn(move || {
            let mut chunker = chunker;
            for batch in formatter_rows {
                for (index, call) in batch.calls.iter().enumerate() {
                    if !chunker.write(call, batch.bodies.get(index)) {
                        // The client left: dropping the receiver stops the reader.
                        return;
                    }
                }
            }
            chunker.finish();
        });
        let with_bodies = layout.bodies;
        let workspace_id = scope.calls.workspace_id;
        let read = if let Some(RequestIdFilter::Exact(id)) = &scope.request_id {
            by_request_id(snapshot, &scope.calls, ids, id).and_then(|mut calls| {
                restore_metadata(snapshot, workspace_id, &mut calls)?;
                let count = calls.len() as u64;
                hand_over(snapshot, calls, with_bodies, &rows)?;
                Ok(count)
            })
        } else {
            snapshot.each_call(&scope.calls, &mut |mut calls| {
                restore_metadata(snapshot, workspace_id, &mut calls)?;
                hand_over(snapshot, calls, with_bodies, &rows)
            })
        };
        drop(rows);
        let _ = formatter.join();
        read
    })
}

/// Whether a call's cost is priced, not billed or without a price (`cost::cost_status`).
fn cost_status(call: &StoredCall) -> &'static str {
    crate::cost::cost_status(
        call.kind,
        u16::try_from(call.status).unwrap_or(0),
        call.cost,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc_3339_utc_with_milliseconds() {
        let mut out = Vec::new();
        timestamp(&mut out, 1_764_201_600_007);
        assert_eq!(out, b"2025-11-27T00:00:00.007Z");
        out.clear();
        timestamp(&mut out, 0);
        assert_eq!(out, b"1970-01-01T00:00:00.000Z");
        out.clear();
        timestamp(&mut out, -1);
        assert_eq!(out, b"1969-12-31T23:59:59.999Z");
    }
}
