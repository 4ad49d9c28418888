//! Workspace API keys as the machine endpoints (ingest, OTLP, the proxy) check them: every
//! call names its key, so a key verified in the database is remembered for a few seconds
//! instead of asking the database again on every call (the proxy's added latency is measured in
//! tenths of a millisecond). Revoking a key through this server forgets it at once; a key
//! revoked by another process (`modelwatch keys revoke`) stops working within [`KEY_TTL`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::store::{KeyOwner, Storage, StoreError};

/// How long a verified key is trusted without asking the database again.
pub const KEY_TTL: Duration = Duration::from_secs(5);

/// Keys verified recently, by the SHA-256 of the key.
#[derive(Default)]
pub struct KeyCache {
    verified: Mutex<HashMap<Vec<u8>, (KeyOwner, Instant)>>,
}

impl KeyCache {
    /// Who `key` belongs to, or `None` for an unknown or revoked key.
    pub async fn verify(
        &self,
        storage: &dyn Storage,
        key: &str,
    ) -> Result<Option<KeyOwner>, StoreError> {
        let hash = super::token_hash(key);
        if let Ok(verified) = self.verified.lock() {
            if let Some((owner, at)) = verified.get(&hash) {
                if at.elapsed() < KEY_TTL {
                    return Ok(Some(*owner));
                }
            }
        }
        let owner = storage.verify_key(key).await?;
        if let Ok(mut verified) = self.verified.lock() {
            match owner {
                Some(owner) => {
                    // Bounded: stale entries go whenever the map has grown.
                    if verified.len() >= 10_000 {
                        verified.retain(|_, (_, at)| at.elapsed() < KEY_TTL);
                    }
                    verified.insert(hash, (owner, Instant::now()));
                }
                None => {
                    verified.remove(&hash);
                }
            }
        }
        Ok(owner)
    }

    /// Forgets every key (a revocation elsewhere may have gone unheard).
    pub fn clear(&self) {
        if let Ok(mut verified) = self.verified.lock() {
            verified.clear();
        }
    }

    /// Forgets key `key_id` (it was just revoked).
    pub fn forget(&self, key_id: i64) {
        if let Ok(mut verified) = self.verified.lock() {
            verified.retain(|_, (owner, _)| owner.key_id != key_id);
        }
    }
}
