//! The workspace a dashboard user is looking at.

use serde::{Deserialize, Serialize};

/// What the UI shows about the current workspace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceInfo {
    /// Stable identifier, used in URLs and API scopes.
    pub id: i64,
    /// Human name shown in the header.
    pub name: String,
    /// How many days raw request rows are kept.
    pub retention_days: u32,
}

/// A workspace that was checked: the signed-in user is a member with enough rights
/// (`api::access`), an ingest key belongs to it, or storage read it back. Every question the
/// engine answers names one, so a page or a server function cannot ask about a workspace it
/// was not checked for: it only ever holds a raw `ws=` number until the access check turns
/// that into a `WorkspaceId`.
///
/// Deliberately neither `Serialize` nor `Deserialize`: a client can never send one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WorkspaceId(i64);

impl WorkspaceId {
    /// The id of a workspace that was checked. Only the access checks (`api::access`,
    /// `server::http::session`), the key check and storage (for ids it read back) call this;
    /// `make check-ids` fails when a page, a component or a server function does.
    pub const fn trusted(raw: i64) -> Self {
        Self(raw)
    }

    /// The number, for storage and for URLs.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl std::fmt::Display for WorkspaceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}
