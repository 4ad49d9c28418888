//! A Logs page of tags on PostgreSQL: each tag's lists for the window's hours, decoded in Rust
//! (`tag_lists`), intersected and sorted, then the calls looked up by hour, time and row in
//! rounds that grow until the page is full. A tag on 1 % of the calls fills a page from its
//! first round: 51 entries, 51 index probes.

use std::time::Instant;

use sqlx::{Postgres, QueryBuilder};

use super::call_row::call_columns;
use super::calls::push_keyset;
use super::conditions::{push_conditions_besides_tags, push_hours};
use super::PgSnapshot;
use crate::store::postgres::tag_lists::{self, HOUR_MS};
use crate::store::postings::Entry;
use crate::store::reads::{CallFilter, Order, StoredCall};
use crate::store::StoreError;

/// The most entries one round looks up (rounds grow fourfold from the page's size: other
/// conditions may turn most of them down).
const MAX_ROUND: usize = 4_096;

/// The part of a window whose lists are read at once: a day.
const PART_MS: i64 = 24 * HOUR_MS;

impl PgSnapshot {
    /// Up to `limit` calls of `filter` in `window` after `cursor` in `order`, found through
    /// the lists of `tags` (at least one); `None` when `deadline` passes between rounds. The
    /// window is read a day of lists at a time, in the page's order, so memory holds one day's
    /// entries of a tag however long the window.
    pub(super) fn tagged_calls(
        &self,
        filter: &CallFilter,
        tags: &[i64],
        window: (i64, i64),
        (cursor, order, limit): (Option<(i64, i64)>, Order, usize),
        deadline: Option<Instant>,
    ) -> Result<Option<Vec<StoredCall>>, StoreError> {
        let mut calls = Vec::new();
        let mut part = match order {
            Order::NewestFirst => (window.0.max(window.1.saturating_sub(PART_MS)), window.1),
            Order::OldestFirst => (window.0, window.1.min(window.0.saturating_add(PART_MS))),
        };
        while part.0 < part.1 && calls.len() < limit {
            let entries = self.entries_of_all(filter, tags, part, (cursor, order))?;
            let mut round = limit.max(1);
            let mut rest = entries.as_slice();
            while !rest.is_empty() && calls.len() < limit {
                if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                    return Ok(None);
                }
                let (chunk, after) = rest.split_at(round.min(rest.len()));
                rest = after;
                let query = lookup(filter, part, chunk, order, limit - calls.len());
                calls.extend(self.fetch_calls(query)?);
                round = round.saturating_mul(4).min(MAX_ROUND);
            }
            part = match order {
                Order::NewestFirst => (window.0.max(part.0.saturating_sub(PART_MS)), part.0),
                Order::OldestFirst => (part.1, window.1.min(part.1.saturating_add(PART_MS))),
            };
        }
        Ok(Some(calls))
    }

    /// The entries in `part` that every tag of `tags` has, past `cursor`, in `order`.
    fn entries_of_all(
        &self,
        filter: &CallFilter,
        tags: &[i64],
        part: (i64, i64),
        (cursor, order): (Option<(i64, i64)>, Order),
    ) -> Result<Vec<Entry>, StoreError> {
        let workspace_id = filter.workspace_id.get();
        let mut entries: Option<Vec<Entry>> = None;
        for &tag in tags {
            let mut of_tag = self
                .run(async move |conn| tag_lists::entries(conn, workspace_id, tag, part).await)?;
            of_tag.sort_unstable();
            of_tag.dedup();
            entries = Some(match entries {
                None => of_tag,
                Some(mut found) => {
                    found.retain(|entry| of_tag.binary_search(entry).is_ok());
                    found
                }
            });
        }
        let mut entries = entries.unwrap_or_default();
        if let Some(cursor) = cursor {
            entries.retain(|entry| match order {
                Order::NewestFirst => *entry < cursor,
                Order::OldestFirst => *entry > cursor,
            });
        }
        if order == Order::NewestFirst {
            entries.reverse();
        }
        Ok(entries)
    }
}

/// The calls of `entries` that meet `filter`'s other conditions, in `order`, at most `limit`.
/// Each entry looks its row up in a `LATERAL ... LIMIT 1`: a nested loop of index probes,
/// whatever the planner would think of the join.
fn lookup<'a>(
    filter: &CallFilter,
    window: (i64, i64),
    entries: &[Entry],
    order: Order,
    limit: usize,
) -> QueryBuilder<'a, Postgres> {
    let hours: Vec<i64> = entries
        .iter()
        .map(|(ts, _)| ts.div_euclid(HOUR_MS))
        .collect();
    let times: Vec<i64> = entries.iter().map(|(ts, _)| *ts).collect();
    let rows: Vec<i64> = entries.iter().map(|(_, row)| *row).collect();
    let mut query = QueryBuilder::new(format!("SELECT {} FROM unnest(", call_columns()));
    query
        .push_bind(hours)
        .push("::BIGINT[], ")
        .push_bind(times)
        .push("::BIGINT[], ")
        .push_bind(rows)
        .push(
            "::BIGINT[]) AS tagged (tag_hour, tag_ts, tag_row) CROSS JOIN LATERAL \
             (SELECT * FROM requests WHERE workspace_id = ",
        )
        .push_bind(filter.workspace_id.get())
        .push(" AND hour = tagged.tag_hour AND ts_ms = tagged.tag_ts AND id = tagged.tag_row");
    // The window's hours bound the partitions PostgreSQL plans for.
    push_hours(&mut query, window);
    query.push(" LIMIT 1) AS requests WHERE true");
    push_conditions_besides_tags(filter, &mut query);
    push_keyset(&mut query, None, order, ("ts_ms", "id"));
    query.push(" LIMIT ").push_bind(limit as i64);
    query
}
