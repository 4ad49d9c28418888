//! The login rate limit: failed attempts per account and attempts per client address, in
//! sliding 15-minute windows, kept in memory (a restart forgets them; attackers gain one
//! window at most), and the bound on password verifications running at once.
//!
//! An attempt is *reserved* before its password is verified: it counts as a failure of the
//! account from the moment it starts and is forgiven only when it succeeds. So however many
//! attempts arrive at once, at most [`ACCOUNT_FAILURES`] of them reach the verification.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};

/// The window attempts are counted in.
pub const WINDOW_MS: i64 = 15 * 60_000;
/// Failed logins per account in a window before the account is locked for its remainder.
pub const ACCOUNT_FAILURES: usize = 5;
/// Login attempts per client address in a window.
pub const ADDRESS_ATTEMPTS: usize = 30;
/// Keys (accounts and addresses) remembered at most. Each holds at most 30 times, so the
/// limiter stays under ~40 MB; when every key is fresh the limiter refuses new ones rather
/// than forgetting counted attempts.
pub const MAX_KEYS: usize = 100_000;
/// Password verifications (argon2, ~19 MiB each) running at once.
pub const CONCURRENT_VERIFICATIONS: usize = 4;
/// How long an attempt waits for a verification slot before it is answered 503.
const VERIFY_QUEUE_WAIT: Duration = Duration::from_secs(2);

/// Why an attempt may not go on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The account or the address used up its attempts: retry after this many seconds.
    TooMany { retry_after_secs: u64 },
    /// The server is busy (every verification slot taken, or the limiter full).
    Busy { retry_after_secs: u64 },
}

/// Attempt times per key (`account:<email>`, `address:<ip>`), and the verification slots.
pub struct LoginLimiter {
    seen: Mutex<HashMap<String, VecDeque<i64>>>,
    verifying: Semaphore,
    verified: AtomicU64,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        Self {
            seen: Mutex::new(HashMap::new()),
            verifying: Semaphore::new(CONCURRENT_VERIFICATIONS),
            verified: AtomicU64::new(0),
        }
    }
}

/// Seconds until the oldest of `times` leaves the window.
fn wait_secs(times: &VecDeque<i64>, now_ms: i64) -> u64 {
    let oldest = times.front().copied().unwrap_or(now_ms);
    u64::try_from((oldest + WINDOW_MS - now_ms + 999) / 1_000)
        .unwrap_or(1)
        .max(1)
}

/// The keys an attempt counts against, each with its limit: the account (when the form named
/// one) and the client address.
pub fn counted_keys(account: Option<&str>, address: &str) -> Vec<(String, usize)> {
    account
        .map(|account| (account_key(account), ACCOUNT_FAILURES))
        .into_iter()
        .chain([(format!("address:{address}"), ADDRESS_ATTEMPTS)])
        .collect()
}

/// The key an account's attempts count against.
pub fn account_key(account: &str) -> String {
    format!("account:{account}")
}

impl LoginLimiter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reserves an attempt of `account` (when the form named one) from `address` at `now_ms`:
    /// it counts against both at once, so parallel attempts cannot pass the limit together.
    pub fn reserve(
        &self,
        account: Option<&str>,
        address: &str,
        now_ms: i64,
    ) -> Result<(), Refused> {
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let keys = counted_keys(account, address);
        let mut wait = None;
        for (key, limit) in &keys {
            if let Some(times) = seen.get_mut(key) {
                times.retain(|time| now_ms - time < WINDOW_MS);
                if times.len() >= *limit {
                    wait = wait.max(Some(wait_secs(times, now_ms)));
                }
            }
        }
        if let Some(retry_after_secs) = wait {
            return Err(Refused::TooMany { retry_after_secs });
        }
        let new_keys = keys
            .iter()
            .filter(|(key, _)| !seen.contains_key(key))
            .count();
        if seen.len() + new_keys > MAX_KEYS {
            seen.retain(|_, times| times.back().is_some_and(|last| now_ms - last < WINDOW_MS));
            if seen.len() + new_keys > MAX_KEYS {
                tracing::warn!(keys = seen.len(), "login limiter full: attempt refused");
                return Err(Refused::Busy {
                    retry_after_secs: 60,
                });
            }
        }
        for (key, _) in keys {
            seen.entry(key).or_default().push_back(now_ms);
        }
        Ok(())
    }

    /// Forgets the reserved failures of `account`: its password was right.
    pub fn succeeded(&self, account: &str) {
        self.seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&account_key(account));
    }

    /// A verification slot, waiting a little for one; `Busy` when none frees up.
    pub async fn verification_slot(&self) -> Result<SemaphorePermit<'_>, Refused> {
        let busy = Refused::Busy {
            retry_after_secs: 2,
        };
        match tokio::time::timeout(VERIFY_QUEUE_WAIT, self.verifying.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(busy),
        }
    }

    /// Counts a password verification about to run.
    pub fn count_verification(&self) {
        self.verified.fetch_add(1, Ordering::Relaxed);
    }

    /// Password verifications started since the server started (for tests and benchmarks).
    pub fn verifications(&self) -> u64 {
        self.verified.load(Ordering::Relaxed)
    }

    /// Keys remembered now.
    pub fn keys(&self) -> usize {
        self.seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_locks_after_five_attempts_until_the_window_moves_on() {
        let limiter = LoginLimiter::new();
        for second in 0..5 {
            assert_eq!(
                limiter.reserve(Some("a@x.y"), "10.0.0.1", second * 1_000),
                Ok(())
            );
        }
        let refused = limiter
            .reserve(Some("a@x.y"), "10.0.0.2", 5_000)
            .expect_err("locked");
        assert_eq!(
            refused,
            Refused::TooMany {
                retry_after_secs: 895
            },
            "until the first attempt leaves the window"
        );
        assert_eq!(limiter.reserve(Some("b@x.y"), "10.0.0.2", 5_000), Ok(()));
        assert_eq!(
            limiter.reserve(Some("a@x.y"), "10.0.0.2", WINDOW_MS + 1),
            Ok(())
        );
    }

    #[test]
    fn a_success_clears_the_account_but_not_the_address() {
        let limiter = LoginLimiter::new();
        for _ in 0..4 {
            limiter.reserve(Some("a@x.y"), "10.0.0.1", 0).expect("room");
        }
        limiter.succeeded("a@x.y");
        for _ in 0..4 {
            limiter
                .reserve(Some("a@x.y"), "10.0.0.1", 0)
                .expect("cleared");
        }
        for index in 0..ADDRESS_ATTEMPTS - 8 {
            limiter
                .reserve(Some(&format!("{index}@x.y")), "10.0.0.1", 0)
                .expect("room");
        }
        assert!(matches!(
            limiter.reserve(Some("new@x.y"), "10.0.0.1", 0),
            Err(Refused::TooMany { .. })
        ));
        assert_eq!(
            limiter.reserve(None, "10.0.0.2", 0),
            Ok(()),
            "others are not"
        );
    }

    #[test]
    fn parallel_attempts_of_one_account_pass_the_limit_no_more_than_five_times() {
        let limiter = std::sync::Arc::new(LoginLimiter::new());
        let passed = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|threads| {
            for thread in 0..8 {
                let limiter = &limiter;
                let passed = &passed;
                threads.spawn(move || {
                    for attempt in 0..20 {
                        let address = format!("10.1.{thread}.{attempt}");
                        if limiter.reserve(Some("a@x.y"), &address, 0).is_ok() {
                            passed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        assert_eq!(passed.load(Ordering::Relaxed), ACCOUNT_FAILURES);
    }

    #[test]
    fn a_full_limiter_refuses_new_keys_but_keeps_counting_known_ones() {
        let limiter = LoginLimiter::new();
        {
            let mut seen = limiter.seen.lock().expect("lock");
            for index in 0..MAX_KEYS - 1 {
                seen.insert(format!("address:{index}"), VecDeque::from([0]));
            }
        }
        assert!(matches!(
            limiter.reserve(Some("a@x.y"), "10.0.0.1", 1),
            Err(Refused::Busy { .. })
        ));
        assert_eq!(limiter.reserve(None, "5", 1), Ok(()), "a known key");
        assert_eq!(limiter.keys(), MAX_KEYS - 1);
        // Once the old attempts leave the window, their keys make room.
        assert_eq!(
            limiter.reserve(Some("a@x.y"), "10.0.0.1", WINDOW_MS + 1),
            Ok(())
        );
        assert_eq!(limiter.keys(), 2);
    }

    #[tokio::test]
    async fn verification_slots_are_bounded() {
        let limiter = LoginLimiter::new();
        let mut held = Vec::new();
        for _ in 0..CONCURRENT_VERIFICATIONS {
            held.push(limiter.verification_slot().await.expect("a free slot"));
        }
        assert!(matches!(
            limiter.verification_slot().await,
            Err(Refused::Busy { .. })
        ));
        drop(held);
        assert!(limiter.verification_slot().await.is_ok());
    }
}
