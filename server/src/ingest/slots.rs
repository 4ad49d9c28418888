//! How many bodies one ingest path decodes at once: OTLP exports are inflated, counted, decoded
//! and mapped, ingest API bodies counted, parsed and validated. Each takes a core and up to
//! about 110 MB while it runs (see [`super::otlp::limits`]), so a burst of large bodies waits
//! for a slot instead of running side by side; one that waits too long is answered 503 with
//! `Retry-After`, which exporters and clients retry.

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ApiError;

/// How long an export waits for a slot before it is answered 503.
pub const SLOT_WAIT: Duration = Duration::from_secs(5);

/// The decoding slots of one ingest path.
#[derive(Clone, Debug)]
pub struct DecodeSlots {
    semaphore: Arc<Semaphore>,
    /// What is decoded, for the 503's message ("exports", "bodies").
    what: &'static str,
    slots: usize,
    wait: Duration,
}

impl DecodeSlots {
    /// `slots` decodes of `what` at once, waiting at most `wait` for one.
    pub fn new(what: &'static str, slots: usize, wait: Duration) -> Self {
        let slots = slots.max(1);
        Self {
            semaphore: Arc::new(Semaphore::new(slots)),
            what,
            slots,
            wait,
        }
    }

    /// One slot per core, at least two and at most four.
    pub fn for_this_machine(what: &'static str) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, NonZeroUsize::get);
        Self::new(what, cores.clamp(2, 4), SLOT_WAIT)
    }

    /// A slot, held until the permit is dropped; a 503 when none frees up in time.
    pub async fn acquire(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        let acquired = tokio::time::timeout(self.wait, self.semaphore.clone().acquire_owned());
        match acquired.await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(closed)) => Err(ApiError::internal(closed)),
            Err(_elapsed) => {
                tracing::warn!(
                    slots = self.slots,
                    what = self.what,
                    "ingest refused: every decode slot busy"
                );
                Err(ApiError::unavailable(
                    format!(
                        "the server is already decoding {} {}; retry in a moment",
                        self.slots, self.what
                    ),
                    1,
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::*;

    #[tokio::test]
    async fn an_export_waits_for_a_slot_and_gets_503_when_none_frees_up() {
        let slots = DecodeSlots::new("exports", 1, Duration::from_millis(20));
        let held = slots.acquire().await.expect("the only slot");
        let refused = slots.acquire().await.expect_err("no slot left");
        assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(refused.retry_after_secs, Some(1));
        assert!(
            refused.message.contains("decoding 1 exports"),
            "{}",
            refused.message
        );
        drop(held);
        assert!(slots.acquire().await.is_ok(), "a freed slot is taken");
    }

    #[tokio::test]
    async fn a_waiting_export_gets_the_slot_as_soon_as_it_frees_up() {
        let slots = DecodeSlots::new("exports", 1, Duration::from_secs(60));
        let held = slots.acquire().await.expect("the only slot");
        let waiting = tokio::spawn({
            let slots = slots.clone();
            async move { slots.acquire().await.map(drop) }
        });
        tokio::task::yield_now().await;
        drop(held);
        assert!(waiting.await.expect("joins").is_ok());
    }

    #[test]
    fn this_machine_gets_two_to_four_slots() {
        let slots = DecodeSlots::for_this_machine("exports");
        assert!((2..=4).contains(&slots.slots), "{}", slots.slots);
        assert_eq!(slots.wait, SLOT_WAIT);
    }
}
