//! Packed pending dimension cells: a batch's cells of one workspace, dimension and level as one
//! `bytea` in `dim_pending_packs`, where one row per cell cost a heap row, an index entry, a
//! delete and a vacuum each (about 45,000 a second at 30,000 calls a second).
//!
//! The form: a format byte, then per cell, sorted by bucket and value id: the bucket and the
//! value id; the calls, status classes and streamed calls; each unit of `app::model::UNITS`, a
//! count or seconds; the cost; the cost count, latency and TTFT sums and counts; then the
//! latency and TTFT sketches, each as its length (0 for an empty sketch) and its stored form.
//! - Format 0, which batches write: the bucket and value id as zigzag varint deltas from the
//!   previous cell's, counts as zigzag varints, floats as eight little-endian bytes, lengths as
//!   varints.
//! - Format 1, which SQL writes (migration 0009 packed the cells waiting one per row, and tests
//!   put indexed cells back): every number as eight big-endian bytes (`int8send`,
//!   `float8send`), bucket and value id whole, lengths as four (`int4send`). Its units are the
//!   fifteen of migration 0009, which are today's.

use app::model::{Amount, Dimension, Measure, UnitTotals, UNITS};
use futures_util::TryStreamExt;
use sqlx::PgConnection;

use crate::rollup::plan::Segment;
use crate::rollup::{Cell, Sketch};
use crate::store::rank_lists::level_code;
use crate::store::reads::Sketches;
use crate::store::varint::{get_f64, get_signed, get_varint, put_varint, zigzag};
use crate::store::StoreError;

/// The form batches write.
const FORMAT: u8 = 0;
/// The form SQL writes.
const FIXED: u8 = 1;

/// How the numbers of a pack are written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Varints,
    Fixed,
}

impl Form {
    fn int(self, bytes: &[u8], at: &mut usize) -> Result<i64, StoreError> {
        match self {
            Form::Varints => get_signed(bytes, at),
            Form::Fixed => Ok(i64::from_be_bytes(take(bytes, at)?)),
        }
    }

    fn float(self, bytes: &[u8], at: &mut usize) -> Result<f64, StoreError> {
        match self {
            Form::Varints => get_f64(bytes, at),
            Form::Fixed => Ok(f64::from_be_bytes(take(bytes, at)?)),
        }
    }

    /// The bucket or value id after `previous`.
    fn key(self, previous: i64, bytes: &[u8], at: &mut usize) -> Result<i64, StoreError> {
        match self {
            Form::Varints => Ok(previous.wrapping_add(get_signed(bytes, at)?)),
            Form::Fixed => self.int(bytes, at),
        }
    }

    fn length(self, bytes: &[u8], at: &mut usize) -> Result<usize, StoreError> {
        let length = match self {
            Form::Varints => get_varint(bytes, at)?,
            Form::Fixed => u64::try_from(i32::from_be_bytes(take(bytes, at)?))
                .map_err(|_| StoreError::Corrupt("a pending cell's sketch length < 0".into()))?,
        };
        usize::try_from(length)
            .map_err(|_| StoreError::Corrupt("a pending cell's sketch is too long".into()))
    }
}

/// The `N` bytes at `*at`.
fn take<const N: usize>(bytes: &[u8], at: &mut usize) -> Result<[u8; N], StoreError> {
    let raw = at
        .checked_add(N)
        .and_then(|end| bytes.get(*at..end))
        .and_then(|slice| <[u8; N]>::try_from(slice).ok())
        .ok_or_else(|| StoreError::Corrupt("a pending cell pack ends inside a number".into()))?;
    *at += N;
    Ok(raw)
}

/// One cell of a pack: its bucket, its value id and its sums.
pub type Packed<'a> = (i64, i64, &'a Cell);

/// `cells` packed, sorted first by bucket and value id.
pub fn encode(cells: &mut [Packed<'_>]) -> Vec<u8> {
    cells.sort_unstable_by_key(|(bucket_ms, value_id, _)| (*bucket_ms, *value_id));
    let mut out = Vec::with_capacity(1 + cells.len() * 96);
    out.push(FORMAT);
    let (mut bucket, mut value) = (0i64, 0i64);
    for (bucket_ms, value_id, cell) in cells.iter() {
        put_signed(&mut out, bucket_ms.wrapping_sub(bucket));
        put_signed(&mut out, value_id.wrapping_sub(value));
        (bucket, value) = (*bucket_ms, *value_id);
        for count in [
            cell.requests,
            cell.status_2xx,
            cell.status_4xx,
            cell.status_429,
            cell.status_5xx,
            cell.streamed,
        ] {
            put_signed(&mut out, count);
        }
        for spec in &UNITS {
            match cell.units.get(spec.unit) {
                Amount::Count(count) => put_signed(&mut out, count),
                Amount::Seconds(seconds) => out.extend_from_slice(&seconds.to_le_bytes()),
            }
        }
        out.extend_from_slice(&cell.cost.to_le_bytes());
        for count in [
            cell.cost_count,
            cell.latency_sum,
            cell.latency_count,
            cell.ttft_sum,
            cell.ttft_count,
        ] {
            put_signed(&mut out, count);
        }
        for sketch in [&cell.latency, &cell.ttft] {
            if sketch.count() == 0 {
                put_varint(&mut out, 0);
            } else {
                let stored = sketch.encode();
                put_varint(&mut out, stored.len() as u64);
                out.extend_from_slice(&stored);
            }
        }
    }
    out
}

fn put_signed(out: &mut Vec<u8>, value: i64) {
    put_varint(out, zigzag(value));
}

/// Calls `each(bucket, value id, cell)` for the cells of `bytes` that `keep(bucket, value id)`
/// wants, with the sketches `sketches` names (the others left empty, and not decoded).
pub fn decode(
    bytes: &[u8],
    sketches: Sketches,
    mut keep: impl FnMut(i64, i64) -> bool,
    mut each: impl FnMut(i64, i64, Cell),
) -> Result<(), StoreError> {
    let form = match bytes.first() {
        Some(&FORMAT) => Form::Varints,
        Some(&FIXED) => Form::Fixed,
        Some(other) => {
            return Err(StoreError::Corrupt(format!(
                "a pending cell pack of format {other}"
            )))
        }
        None => return Err(StoreError::Corrupt("an empty pending cell pack".into())),
    };
    let mut at = 1;
    let (mut bucket, mut value) = (0i64, 0i64);
    while at < bytes.len() {
        bucket = form.key(bucket, bytes, &mut at)?;
        value = form.key(value, bytes, &mut at)?;
        let mut counts = [0i64; 6];
        for count in &mut counts {
            *count = form.int(bytes, &mut at)?;
        }
        let units = UnitTotals::try_from_each(|_, measure| {
            Ok::<_, StoreError>(match measure {
                Measure::Count => Amount::Count(form.int(bytes, &mut at)?),
                Measure::Seconds => Amount::Seconds(form.float(bytes, &mut at)?),
            })
        })?;
        let cost = form.float(bytes, &mut at)?;
        let mut sums = [0i64; 5];
        for sum in &mut sums {
            *sum = form.int(bytes, &mut at)?;
        }
        let wanted = keep(bucket, value);
        let latency = sketch(
            form,
            bytes,
            &mut at,
            wanted && sketches != Sketches::Neither,
        )?;
        let ttft = sketch(
            form,
            bytes,
            &mut at,
            wanted && sketches == Sketches::LatencyAndTtft,
        )?;
        if !wanted {
            continue;
        }
        let [requests, status_2xx, status_4xx, status_429, status_5xx, streamed] = counts;
        let [cost_count, latency_sum, latency_count, ttft_sum, ttft_count] = sums;
        each(
            bucket,
            value,
            Cell {
                requests,
                status_2xx,
                status_4xx,
                status_429,
                status_5xx,
                streamed,
                units,
                cost,
                cost_count,
                latency_sum,
                latency_count,
                ttft_sum,
                ttft_count,
                latency,
                ttft,
            },
        );
    }
    Ok(())
}

/// The sketch at `*at` (decoded when `wanted`, else skipped and left empty).
fn sketch(form: Form, bytes: &[u8], at: &mut usize, wanted: bool) -> Result<Sketch, StoreError> {
    let length = form.length(bytes, at)?;
    let end = at
        .checked_add(length)
        .filter(|end| *end <= bytes.len())
        .ok_or_else(|| StoreError::Corrupt("a pending cell pack ends inside a sketch".into()))?;
    let stored = &bytes[*at..end];
    *at = end;
    if !wanted || length == 0 {
        return Ok(Sketch::new());
    }
    Sketch::decode(stored).map_err(|error| StoreError::Corrupt(error.to_string()))
}

/// Calls `each(bucket, value id, cell)` for the pending cells of `dimension` in `segment` (its
/// level and range) whose value `keep` wants, with the sketches `sketches` names. A value's
/// bucket may come more than once. Packs are read one at a time.
pub async fn read_pending(
    conn: &mut PgConnection,
    (workspace_id, dimension): (i64, Dimension),
    segment: &Segment,
    sketches: Sketches,
    mut keep: impl FnMut(i64) -> bool,
    mut each: impl FnMut(i64, i64, Cell),
) -> Result<(), StoreError> {
    let (from, to) = (segment.from_ms, segment.to_ms);
    let mut rows = sqlx::query_scalar::<_, Vec<u8>>(
        "SELECT packed FROM dim_pending_packs WHERE workspace_id = $1 AND dimension = $2 \
         AND level = $3 AND last_bucket_ms >= $4 AND first_bucket_ms < $5",
    )
    .bind(workspace_id)
    .bind(dimension.code())
    .bind(level_code(segment.level))
    .bind(from)
    .bind(to)
    .fetch(conn);
    while let Some(packed) = rows.try_next().await? {
        let wanted = |bucket: i64, value: i64| bucket >= from && bucket < to && keep(value);
        decode(&packed, sketches, wanted, &mut each)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
