//! The clock every layer reads: now, in UTC milliseconds. One function, so that nothing needs
//! the engine (or a second copy) to know the time.

/// Now, in UTC milliseconds.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
