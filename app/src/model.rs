//! Plain serde types shared by the server and the browser. No I/O and no reactive code here.

mod workspace;

pub use workspace::WorkspaceInfo;
