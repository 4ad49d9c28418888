//! Background jobs, one file each. Every job is a tracked task that stops with the server.

pub mod alerts;
pub mod request_ids;
pub mod retention;
pub mod signals;
pub mod slots;
pub mod webhooks;

/// A name for this server among those sharing the database: host name, process id and a random
/// part, so a restarted server is a new one.
pub fn server_name() -> std::sync::Arc<str> {
    let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    let host = host.trim();
    let host = if host.is_empty() { "modelwatch" } else { host };
    format!(
        "{host}-{}-{}",
        std::process::id(),
        crate::auth::random_hex(3)
    )
    .into()
}
