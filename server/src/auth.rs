//! Accounts on the server: password hashing, workspace keys, the login rate limit, and
//! first-run set-up. The login form and the session middleware are HTTP surface
//! (`http/login.rs`, `http/session.rs`).

pub mod accounts;
pub mod keys;
pub mod limiter;
pub mod password;

use sha2::{Digest, Sha256};

/// The SHA-256 of a secret token, as sessions and keys are stored.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A random secret of `bytes` bytes as lowercase hex.
pub fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    buffer.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A random password people can type: 16 characters without look-alikes.
pub fn random_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}
