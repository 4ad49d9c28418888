//! Long-lived answers (live events, exports) counted per user: each open one holds a
//! [`StreamSlot`], and a user may hold only so many at once, so one account cannot take the
//! server's connections, threads or read transactions.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;

use crate::error::ApiError;

/// Event streams (`/api/v1/events`) one user may keep open: a dashboard in each of many tabs.
pub const EVENT_STREAMS_PER_USER: usize = 16;
/// Exports one user may run at once.
pub const EXPORTS_PER_USER: usize = 4;

/// How many answers of one kind each user holds open.
pub struct StreamCounter {
    what: &'static str,
    per_user: usize,
    open: Mutex<HashMap<i64, usize>>,
}

/// One open answer; dropping it (the answer ended) frees its place.
pub struct StreamSlot {
    counter: Arc<StreamCounter>,
    user_id: i64,
}

impl StreamCounter {
    /// A counter of `what` (for messages: "event streams"), at most `per_user` each.
    pub fn new(what: &'static str, per_user: usize) -> Arc<Self> {
        Arc::new(Self {
            what,
            per_user,
            open: Mutex::new(HashMap::new()),
        })
    }

    /// A place for one more answer of `user_id`, or 429 when they hold all theirs.
    pub fn open(self: &Arc<Self>, user_id: i64) -> Result<StreamSlot, ApiError> {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = open.entry(user_id).or_default();
        if *count >= self.per_user {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "too many open {}: at most {} per user; close one first",
                    self.what, self.per_user
                ),
            ));
        }
        *count += 1;
        Ok(StreamSlot {
            counter: Arc::clone(self),
            user_id,
        })
    }

    /// Answers of `user_id` open now.
    pub fn open_for(&self, user_id: i64) -> usize {
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&user_id)
            .copied()
            .unwrap_or(0)
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self
            .counter
            .open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = open.get_mut(&self.user_id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.user_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_holds_at_most_their_share_and_closing_frees_a_place() {
        let counter = StreamCounter::new("event streams", 2);
        let first = counter.open(7).expect("room");
        let _second = counter.open(7).expect("room");
        let refused = counter.open(7).err().expect("full");
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(refused.message.contains("at most 2"), "{}", refused.message);
        assert!(counter.open(8).is_ok(), "others have their own");
        drop(first);
        assert_eq!(counter.open_for(7), 1);
        assert!(counter.open(7).is_ok());
    }
}
