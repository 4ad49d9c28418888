//! The conditions the Logs filters on who and what, metadata and measured values become,
//! resolved to what rows store (`store::narrowing` resolves them; each store writes them as SQL).

/// One condition on a call, resolved to what rows store.
#[derive(Clone, Debug, PartialEq)]
pub enum Narrow {
    /// Never met (a value the workspace has never seen).
    Nothing,
    User(i64),
    App(i64),
    Provider(i64),
    Tag(i64),
    /// Sent with one of these ingest keys.
    Keys(Vec<i64>),
    /// The kind's stored code.
    Kind(i64),
    /// The operation: stored as sent, or NULL for the default of these kinds' codes.
    Operation {
        name: String,
        default_of: Vec<i64>,
    },
    /// The stored metadata has `key` equal to `value` (as text).
    Metadata {
        key: String,
        value: String,
    },
    ErrorType(String),
    MinLatencyMs(i64),
    MinTtftMs(i64),
    MinCost(f64),
}

/// A JSON path naming the top-level `key` of an object (`$."key"`), for SQLite's
/// `json_extract`: quotes and backslashes escaped.
pub fn json_key_path(key: &str) -> String {
    let escaped = key.replace('\\', "\\\\").replace('"', "\\\"");
    format!("$.\"{escaped}\"")
}
