//! The login rate limit: failed attempts per account and attempts per client address, in
//! sliding 15-minute windows, kept in memory (a restart forgets them; attackers gain one
//! window at most).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// The window attempts are counted in.
pub const WINDOW_MS: i64 = 15 * 60_000;
/// Failed logins per account in a window before the account is locked for its remainder.
pub const ACCOUNT_FAILURES: usize = 5;
/// Login attempts per client address in a window.
pub const ADDRESS_ATTEMPTS: usize = 30;
/// Most keys kept; past this, stale ones are dropped first.
const MAX_KEYS: usize = 100_000;

/// Attempt times per key (`account:<email>`, `address:<ip>`).
#[derive(Default)]
pub struct LoginLimiter {
    seen: Mutex<HashMap<String, VecDeque<i64>>>,
}

impl LoginLimiter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Seconds to wait when `account` or `address` is over its limit at `now_ms`.
    pub fn check(&self, account: &str, address: &str, now_ms: i64) -> Option<u64> {
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let wait = |key: String, limit: usize, seen: &mut HashMap<String, VecDeque<i64>>| {
            let times = seen.get_mut(&key)?;
            times.retain(|time| now_ms - time < WINDOW_MS);
            (times.len() >= limit).then(|| {
                let oldest = times.front().copied().unwrap_or(now_ms);
                u64::try_from((oldest + WINDOW_MS - now_ms + 999) / 1_000)
                    .unwrap_or(1)
                    .max(1)
            })
        };
        let by_account = wait(format!("account:{account}"), ACCOUNT_FAILURES, &mut seen);
        let by_address = wait(format!("address:{address}"), ADDRESS_ATTEMPTS, &mut seen);
        by_account.into_iter().chain(by_address).max()
    }

    /// Counts an attempt from `address`, and a failure of `account` when it failed; a
    /// success clears the account's failures.
    pub fn record(&self, account: &str, address: &str, succeeded: bool, now_ms: i64) {
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if seen.len() >= MAX_KEYS {
            seen.retain(|_, times| times.back().is_some_and(|last| now_ms - last < WINDOW_MS));
        }
        seen.entry(format!("address:{address}"))
            .or_default()
            .push_back(now_ms);
        let account = format!("account:{account}");
        if succeeded {
            seen.remove(&account);
        } else {
            seen.entry(account).or_default().push_back(now_ms);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_locks_after_five_failures_until_the_window_moves_on() {
        let limiter = LoginLimiter::new();
        for second in 0..5 {
            assert_eq!(limiter.check("a@x.y", "10.0.0.1", second * 1_000), None);
            limiter.record("a@x.y", "10.0.0.1", false, second * 1_000);
        }
        let wait = limiter.check("a@x.y", "10.0.0.2", 5_000).expect("locked");
        assert_eq!(wait, 895, "until the first failure leaves the window");
        assert_eq!(
            limiter.check("b@x.y", "10.0.0.2", 5_000),
            None,
            "others are not"
        );
        assert_eq!(limiter.check("a@x.y", "10.0.0.2", WINDOW_MS + 1), None);
    }

    #[test]
    fn a_success_clears_the_account_but_not_the_address() {
        let limiter = LoginLimiter::new();
        for _ in 0..4 {
            limiter.record("a@x.y", "10.0.0.1", false, 0);
        }
        limiter.record("a@x.y", "10.0.0.1", true, 0);
        limiter.record("a@x.y", "10.0.0.1", false, 0);
        assert_eq!(limiter.check("a@x.y", "10.0.0.9", 0), None);
        for index in 0..ADDRESS_ATTEMPTS {
            limiter.record(&format!("{index}@x.y"), "10.0.0.3", false, 0);
        }
        assert!(
            limiter.check("new@x.y", "10.0.0.3", 0).is_some(),
            "the address is"
        );
    }
}
