//! Limits on one record, whichever path it came in by.

pub const REQUEST_ID_CHARS: usize = 128;
pub const MODEL_CHARS: usize = 200;
pub const SHORT_TEXT_CHARS: usize = 256;
pub const ERROR_MESSAGE_CHARS: usize = 8_192;
/// Longest operation name.
pub const OPERATION_CHARS: usize = 64;
/// Longest model kind name as sent (the names themselves are shorter).
pub const KIND_CHARS: usize = 32;
pub const METADATA_BYTES: usize = 16 * 1024;
pub const BODY_BYTES: usize = 1024 * 1024;
/// No single call reports more units of one kind than this.
pub const MAX_COUNT: i64 = 1_000_000_000;
/// A day: no call takes longer.
pub const MAX_DURATION_MS: i64 = 86_400_000;
pub const MAX_MEDIA_SECONDS: f64 = 86_400.0;
/// How far ahead of the server's clock a timestamp may be.
pub const FUTURE_SLACK_MS: i64 = 5 * 60 * 1000;
/// How old a timestamp may be: as long as hourly rollups are kept.
pub const MAX_AGE_MS: i64 = 400 * 86_400_000;
