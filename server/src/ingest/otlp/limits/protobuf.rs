//! Counting a protobuf export on the wire: a walk over the length-delimited fields of the
//! messages that repeat (`ExportTraceServiceRequest` -> `ResourceSpans` (1) -> `ScopeSpans` (2)
//! -> `Span` (2) -> attributes (9), events (11), links (13), and the attribute values inside),
//! with prost's own key, varint and skip helpers. Nothing is allocated; fields it does not know
//! are skipped exactly as prost skips them, so what it counts is what prost would build.

use prost::bytes::Buf;
use prost::encoding::{decode_key, decode_varint, skip_field, DecodeContext, WireType};

use super::{
    one_more, Exceeded, Owner, Stop, Tally, MAX_ATTRIBUTES, MAX_EVENTS, MAX_LINKS, MAX_NESTING,
};

/// The messages whose fields are walked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Export,
    ResourceSpans,
    Resource,
    EntityRef,
    ScopeSpans,
    Scope,
    Span,
    Event,
    Link,
    KeyValue,
    AnyValue,
    ArrayValue,
    KeyValueList,
}

/// What a length-delimited field of a message holds, as far as counting goes.
enum Field {
    /// A message: walked, counted once, and against the limit named by `Counted`.
    Message(Kind, Counted),
    /// One element of a repeated string (each is an allocation).
    RepeatedString,
}

/// Which count a message field adds to besides the total.
#[derive(Clone, Copy)]
enum Counted {
    Only,
    Group,
    Span,
    Attribute(Owner),
    Event,
    Link,
}

/// The length-delimited field `tag` of `kind`, when it is one that allocates per occurrence.
fn field(kind: Kind, tag: u32) -> Option<Field> {
    use Counted::*;
    let message = |kind, counted| Some(Field::Message(kind, counted));
    match (kind, tag) {
        (Kind::Export, 1) => message(Kind::ResourceSpans, Group),
        (Kind::ResourceSpans, 1) => message(Kind::Resource, Only),
        (Kind::ResourceSpans, 2) => message(Kind::ScopeSpans, Group),
        (Kind::Resource, 1) => message(Kind::KeyValue, Attribute(Owner::Resource)),
        (Kind::Resource, 3) => message(Kind::EntityRef, Only),
        (Kind::EntityRef, 3 | 4) => Some(Field::RepeatedString),
        (Kind::ScopeSpans, 1) => message(Kind::Scope, Only),
        (Kind::ScopeSpans, 2) => message(Kind::Span, Span),
        (Kind::Scope, 3) => message(Kind::KeyValue, Attribute(Owner::Scope)),
        (Kind::Span, 9) => message(Kind::KeyValue, Attribute(Owner::Span)),
        (Kind::Span, 11) => message(Kind::Event, Event),
        (Kind::Span, 13) => message(Kind::Link, Link),
        (Kind::Event, 3) => message(Kind::KeyValue, Attribute(Owner::Event)),
        (Kind::Link, 4) => message(Kind::KeyValue, Attribute(Owner::Link)),
        (Kind::KeyValue, 2) => message(Kind::AnyValue, Only),
        (Kind::AnyValue, 5) => message(Kind::ArrayValue, Only),
        (Kind::AnyValue, 6) => message(Kind::KeyValueList, Only),
        (Kind::ArrayValue, 1) => message(Kind::AnyValue, Only),
        (Kind::KeyValueList, 1) => message(Kind::KeyValue, Only),
        _ => None,
    }
}

/// Counts the export in `bytes`.
pub(super) fn count(bytes: &[u8]) -> Result<(), Stop> {
    let mut tally = Tally::default();
    let mut buf = bytes;
    walk(&mut buf, Kind::Export, &mut tally, 1)
}

fn malformed(error: impl std::fmt::Display) -> Stop {
    Stop::Malformed(error.to_string())
}

/// Walks the fields of one message of `kind` (all of `buf`), `depth` messages deep.
fn walk(buf: &mut &[u8], kind: Kind, tally: &mut Tally, depth: usize) -> Result<(), Stop> {
    if depth > MAX_NESTING {
        return Err(Exceeded::Nesting.into());
    }
    // This message's own lists, for the per-owner limits.
    let (mut attributes, mut events, mut links) = (0, 0, 0);
    while buf.has_remaining() {
        let (tag, wire_type) = decode_key(buf).map_err(malformed)?;
        let known = match wire_type {
            WireType::LengthDelimited => field(kind, tag),
            _ => None,
        };
        let Some(known) = known else {
            skip_field(wire_type, tag, buf, DecodeContext::default()).map_err(malformed)?;
            continue;
        };
        let len = usize::try_from(decode_varint(buf).map_err(malformed)?)
            .map_err(|_| malformed("length out of range"))?;
        if len > buf.remaining() {
            return Err(malformed("a field is longer than the rest of its message"));
        }
        let whole: &[u8] = std::mem::take(buf);
        let (mut inner, rest) = whole.split_at(len);
        *buf = rest;
        tally.value()?;
        let Field::Message(sub, counted) = known else {
            continue;
        };
        match counted {
            Counted::Only => {}
            Counted::Group => tally.group()?,
            Counted::Span => tally.span()?,
            Counted::Attribute(owner) => {
                one_more(&mut attributes, MAX_ATTRIBUTES, Exceeded::Attributes(owner))?
            }
            Counted::Event => one_more(&mut events, MAX_EVENTS, Exceeded::Events)?,
            Counted::Link => one_more(&mut links, MAX_LINKS, Exceeded::Links)?,
        }
        walk(&mut inner, sub, tally, depth + 1)?;
    }
    Ok(())
}
