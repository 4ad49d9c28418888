//! Ingest API keys: random, shown once, stored as a SHA-256 hash, revocable. The key format
//! lives here so that every storage implementation makes and checks the same keys.

use app::model::ApiKeyInfo;
use app::model::WorkspaceId;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::StoreError;

/// Every key starts with this, so leaked keys are easy to recognise and scan for.
pub const KEY_PREFIX: &str = "mw_";
pub const RANDOM_BYTES: usize = 24;
/// Characters of the key kept in clear to tell keys apart in lists.
pub const SHOWN_CHARS: usize = KEY_PREFIX.len() + 8;

/// A freshly created key: the secret is in `key` and nowhere else.
#[derive(Debug)]
pub struct NewKey {
    pub id: i64,
    pub workspace_id: WorkspaceId,
    pub key: String,
}

/// Who a valid key belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyOwner {
    pub key_id: i64,
    pub workspace_id: WorkspaceId,
}

/// How a key is stored: its SHA-256.
pub fn hash(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

/// A new random key.
pub fn random_key() -> String {
    let mut bytes = [0u8; RANDOM_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("{KEY_PREFIX}{hex}")
}

/// Ingest API keys.
#[async_trait::async_trait]
pub trait Keys: Send + Sync {
    /// Creates a key named `name` for `workspace_id`.
    async fn create_key(
        &self,
        workspace_id: WorkspaceId,
        name: &str,
        now_ms: i64,
    ) -> Result<NewKey, StoreError>;

    /// The owner of `key`, when it exists and is not revoked.
    async fn verify_key(&self, key: &str) -> Result<Option<KeyOwner>, StoreError>;

    /// The keys of `workspace_id`, newest first (revoked ones too, marked).
    async fn list_keys(&self, workspace_id: WorkspaceId) -> Result<Vec<ApiKeyInfo>, StoreError>;

    /// Revokes key `id` of `workspace_id`; false when it is not that workspace's live key.
    async fn revoke_key_by_id(
        &self,
        workspace_id: WorkspaceId,
        id: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError>;

    /// Revokes the key whose clear prefix or full text is `key_or_prefix`. Returns how many keys
    /// were revoked (0 when none matched or it was revoked already).
    async fn revoke_key(&self, key_or_prefix: &str, now_ms: i64) -> Result<u64, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_prefixed_and_long() {
        let first = random_key();
        let second = random_key();
        assert_ne!(first, second);
        assert!(first.starts_with(KEY_PREFIX));
        assert_eq!(first.len(), KEY_PREFIX.len() + 2 * RANDOM_BYTES);
        assert_eq!(hash(&first).len(), 32);
    }
}
