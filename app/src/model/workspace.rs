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
