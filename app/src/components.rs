//! Prop-driven pieces of UI. None of them calls a server function.

pub mod empty_state;
pub mod header;
pub mod theme_toggle;
