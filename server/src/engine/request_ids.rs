//! Finding a call by its request ID without an index on the ID.
//!
//! The table indexes a 32-bit hash of the ID behind the hour of the call (so random client IDs
//! cost no random writes, ARCHITECTURE.md): an ID alone does not say which hour to look in,
//! and probing every hour of 14 days took 7 ms. This keeps, in memory, the sorted hashes of
//! each (workspace, hour): a lookup checks each hour with a binary search and probes the table
//! only in the hours whose hash matches (the exact ID is compared there). 4 bytes per stored
//! call. It follows the table by row number (rows are numbered in insert order), so it needs
//! no help from the writer and sees rows written by any process.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::store::reads::Snapshot;

use crate::store::StoreError;

const HOUR_MS: i64 = 3_600_000;
/// Rows read per catch-up query.
const CHUNK: i64 = 200_000;

#[derive(Default)]
struct HourKeys {
    keys: Vec<i32>,
    /// `keys[..sorted]` is sorted; later keys were added since.
    sorted: usize,
}

impl HourKeys {
    fn contains(&mut self, key: i32) -> bool {
        if self.sorted < self.keys.len() {
            self.keys.sort_unstable();
            self.sorted = self.keys.len();
        }
        self.keys.binary_search(&key).is_ok()
    }
}

#[derive(Default)]
struct State {
    /// Every row up to this one is in `hours`.
    last_row: i64,
    hours: BTreeMap<(i64, i64), HourKeys>,
}

/// The in-memory hash index of request IDs by (workspace, hour).
#[derive(Default)]
pub struct RequestIds {
    state: Mutex<State>,
}

/// The hour of a time, as the table's index computes it (`ts_ms / 3600000`, truncating).
pub fn hour_of(ts_ms: i64) -> i64 {
    ts_ms / HOUR_MS
}

impl RequestIds {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds every row stored since the last call; returns how many were added.
    pub fn catch_up(&self, snapshot: &dyn Snapshot) -> Result<u64, StoreError> {
        let mut state = self
            .state
            .lock()
            .map_err(|_| StoreError::Task("request-id index lock poisoned".into()))?;
        let newest = snapshot.last_row()?;
        if newest < state.last_row {
            // Every row was purged and numbering started again: start over.
            *state = State::default();
        }
        let mut added = 0;
        if state.last_row == 0 && newest > 0 {
            // The first time, read the hash index itself: smaller than the rows, and sorted.
            let mut current: Option<((i64, i64), HourKeys)> = None;
            let mut hours = std::mem::take(&mut state.hours);
            snapshot.id_entries_upto(newest, &mut |workspace_id, hour, key| {
                added += 1;
                match &mut current {
                    Some((at, keys)) if *at == (workspace_id, hour) => keys.keys.push(key as i32),
                    _ => {
                        if let Some((at, mut keys)) = current.take() {
                            keys.keys.shrink_to_fit();
                            keys.sorted = keys.keys.len();
                            hours.insert(at, keys);
                        }
                        let mut keys = HourKeys::default();
                        keys.keys.push(key as i32);
                        current = Some(((workspace_id, hour), keys));
                    }
                }
            })?;
            if let Some((at, mut keys)) = current {
                keys.keys.shrink_to_fit();
                keys.sorted = keys.keys.len();
                hours.insert(at, keys);
            }
            state.hours = hours;
            state.last_row = newest;
        }
        loop {
            let entries = snapshot.id_entries_after(state.last_row, CHUNK)?;
            for &(row, workspace_id, hour, key) in &entries {
                state
                    .hours
                    .entry((workspace_id, hour))
                    .or_default()
                    .keys
                    .push(key as i32);
                state.last_row = row;
            }
            added += entries.len() as u64;
            if (entries.len() as i64) < CHUNK {
                return Ok(added);
            }
        }
    }

    /// Forgets the hours of `workspace_id` before `hour` (their rows have expired).
    pub fn forget_before(&self, workspace_id: i64, hour: i64) {
        if let Ok(mut state) = self.state.lock() {
            state.hours.retain(|&(workspace, stored_hour), _| {
                workspace != workspace_id || stored_hour >= hour
            });
        }
    }

    /// The hours in `[from_hour, to_hour]` of `workspace_id` that may hold a call with the
    /// request-id hash `key`, newest first.
    pub fn hours_with(
        &self,
        workspace_id: i64,
        key: i64,
        from_hour: i64,
        to_hour: i64,
    ) -> Vec<i64> {
        let Ok(mut state) = self.state.lock() else {
            return Vec::new();
        };
        let mut hours: Vec<i64> = state
            .hours
            .range_mut((workspace_id, from_hour)..=(workspace_id, to_hour))
            .filter_map(|(&(_, hour), keys)| keys.contains(key as i32).then_some(hour))
            .collect();
        hours.reverse();
        hours
    }

    /// Hashes held, and the bytes they take.
    pub fn size(&self) -> (usize, usize) {
        self.state
            .lock()
            .map(|state| {
                state.hours.values().fold((0, 0), |(count, bytes), hour| {
                    (count + hour.keys.len(), bytes + hour.keys.capacity() * 4)
                })
            })
            .unwrap_or((0, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_are_checked_after_late_additions() {
        let mut hour = HourKeys::default();
        hour.keys.extend([9, 3, 7]);
        assert!(hour.contains(3));
        assert!(!hour.contains(4));
        hour.keys.push(4);
        assert!(hour.contains(4), "a key added after a lookup is found");
        assert_eq!(hour_of(3_600_000 * 5 + 1), 5);
    }
}
