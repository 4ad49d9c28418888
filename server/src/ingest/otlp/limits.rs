//! What one export may unpack into, counted on the decompressed bytes before anything is
//! decoded. The 20 MiB cap bounds bytes, not objects: an empty span is two bytes of protobuf
//! (three of JSON) but hundreds once decoded, so 20 MiB of them would be gigabytes. The
//! counters here walk the wire format (`protobuf.rs`) or the JSON document (`json.rs`) without
//! building anything and refuse the export (400, naming the limit) as soon as one is passed.
//!
//! Per span the limits are the OpenTelemetry SDKs' own defaults (128 attributes, events and
//! links), so what an SDK sends always fits; the whole export is bounded in spans, in resource
//! and scope groups, and in objects of every kind together, which is what bounds memory.

mod json;
mod protobuf;

#[cfg(test)]
mod tests;

use super::body::Encoding;
use crate::error::ApiError;

/// Spans per export (the ingest API's records per call).
pub const MAX_SPANS: usize = 10_000;
/// Resource and scope groups per export, together.
pub const MAX_GROUPS: usize = 10_000;
/// Attributes per span, event, link, resource or scope (the SDKs' default limit).
pub const MAX_ATTRIBUTES: usize = 128;
/// Events per span (the SDKs' default limit).
pub const MAX_EVENTS: usize = 128;
/// Links per span (the SDKs' default limit).
pub const MAX_LINKS: usize = 128;
/// Objects per export, every kind together: in protobuf each message (group, span, event,
/// link, attribute, value) and each element of a repeated string; in JSON each value of the
/// document (objects, arrays and scalars alike, since the JSON decoder buffers attribute values).
/// The heaviest export within the limits (`hostile::heaviest_accepted_export`) peaks near 110 MB
/// while it is decoded, in either encoding.
pub const MAX_VALUES: usize = 1_000_000;
/// How deep messages may nest (an export, its groups, a span, an attribute, then values inside
/// lists inside values): 32 leaves room for about eight levels of nested attribute values.
pub const MAX_NESTING: usize = 32;

/// What a span, event, link, resource or scope is called in a refusal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    Span,
    Event,
    Link,
    Resource,
    Scope,
}

impl std::fmt::Display for Owner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Owner::Span => "span",
            Owner::Event => "span event",
            Owner::Link => "span link",
            Owner::Resource => "resource",
            Owner::Scope => "instrumentation scope",
        })
    }
}

/// The limit an export passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Exceeded {
    #[error(
        "the export holds more than {MAX_SPANS} spans; send at most {MAX_SPANS} spans per export"
    )]
    Spans,
    #[error(
        "the export holds more than {MAX_GROUPS} resource and scope groups; \
         send at most {MAX_GROUPS} per export"
    )]
    Groups,
    #[error(
        "a {0} holds more than {MAX_ATTRIBUTES} attributes; at most {MAX_ATTRIBUTES} are accepted \
         (the OpenTelemetry SDKs' default limit)"
    )]
    Attributes(Owner),
    #[error(
        "a span holds more than {MAX_EVENTS} events; at most {MAX_EVENTS} are accepted \
         (the OpenTelemetry SDKs' default limit)"
    )]
    Events,
    #[error(
        "a span holds more than {MAX_LINKS} links; at most {MAX_LINKS} are accepted \
         (the OpenTelemetry SDKs' default limit)"
    )]
    Links,
    #[error(
        "the export unpacks into more than {MAX_VALUES} objects (spans, attributes, values, \
         events, links); export fewer spans per request"
    )]
    Values,
    #[error("the export nests messages more than {MAX_NESTING} levels deep")]
    Nesting,
}

/// The running counts of one export.
#[derive(Debug, Default)]
struct Tally {
    spans: usize,
    groups: usize,
    values: usize,
}

impl Tally {
    /// One more object of any kind.
    fn value(&mut self) -> Result<(), Exceeded> {
        self.values += 1;
        at_most(self.values, MAX_VALUES, Exceeded::Values)
    }

    fn span(&mut self) -> Result<(), Exceeded> {
        self.spans += 1;
        at_most(self.spans, MAX_SPANS, Exceeded::Spans)
    }

    fn group(&mut self) -> Result<(), Exceeded> {
        self.groups += 1;
        at_most(self.groups, MAX_GROUPS, Exceeded::Groups)
    }
}

/// Counts one more item of a per-owner list (attributes, events, links) in `count`.
fn one_more(count: &mut usize, limit: usize, exceeded: Exceeded) -> Result<(), Exceeded> {
    *count += 1;
    at_most(*count, limit, exceeded)
}

fn at_most(count: usize, limit: usize, exceeded: Exceeded) -> Result<(), Exceeded> {
    if count > limit {
        Err(exceeded)
    } else {
        Ok(())
    }
}

/// Why the counter stopped: a limit, or bytes that are no export at all.
#[derive(Debug)]
enum Stop {
    Exceeded(Exceeded),
    Malformed(String),
}

impl From<Exceeded> for Stop {
    fn from(exceeded: Exceeded) -> Self {
        Stop::Exceeded(exceeded)
    }
}

/// Counts the export in `bytes` (decompressed) and refuses it with a 400 naming the limit it
/// passes, or the reason it cannot be read, before anything is decoded.
pub fn check(bytes: &[u8], encoding: Encoding) -> Result<(), ApiError> {
    let counted = match encoding {
        Encoding::Protobuf => protobuf::count(bytes),
        Encoding::Json => json::count(bytes),
    };
    counted.map_err(|stop| match stop {
        Stop::Exceeded(exceeded) => ApiError::bad_request(exceeded.to_string()),
        Stop::Malformed(reason) => ApiError::bad_request(match encoding {
            Encoding::Protobuf => format!("the body is not a protobuf trace export: {reason}"),
            Encoding::Json => format!("the body is not an OTLP/JSON trace export: {reason}"),
        }),
    })
}

/// The first limit `bytes` pass, if any (for tests and the abuse benchmark).
pub fn exceeded(bytes: &[u8], encoding: Encoding) -> Option<Exceeded> {
    let counted = match encoding {
        Encoding::Protobuf => protobuf::count(bytes),
        Encoding::Json => json::count(bytes),
    };
    match counted {
        Err(Stop::Exceeded(exceeded)) => Some(exceeded),
        _ => None,
    }
}
