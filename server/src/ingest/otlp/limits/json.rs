//! Counting an OTLP/JSON export: one pass of serde_json's parser with a visitor that keeps
//! nothing, only counts. Every value of the document counts towards [`MAX_VALUES`](super::MAX_VALUES), whatever
//! its key (the trace decoder buffers whole attribute values, and the empty-value repair in
//! `json.rs` reads the whole document as a `serde_json::Value`); on the export's own path the
//! spans, groups, attributes, events and links are counted against their limits. An element of
//! a list counts whatever its JSON type: serde also reads a message from an array.

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use super::{
    one_more, Exceeded, Owner, Stop, Tally, MAX_ATTRIBUTES, MAX_EVENTS, MAX_LINKS, MAX_NESTING,
};

/// The lists an export holds, by what their elements are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum List {
    ResourceSpans,
    ScopeSpans,
    Spans,
    Attributes(Owner),
    Events,
    Links,
    AnyValues,
    KeyValues,
}

/// What a value of the document is, as far as counting goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Export,
    ResourceSpans,
    Resource,
    ScopeSpans,
    Scope,
    Span,
    Event,
    Link,
    KeyValue,
    AnyValue,
    ArrayValue,
    KeyValueList,
    List(List),
    /// Anything else: only counted.
    Other,
}

/// The object keys that lead somewhere counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    ResourceSpans,
    Resource,
    ScopeSpans,
    Scope,
    Spans,
    Attributes,
    Events,
    Links,
    Value,
    ArrayValue,
    KvlistValue,
    Values,
    Other,
}

impl Key {
    fn named(name: &str) -> Key {
        match name {
            "resourceSpans" => Key::ResourceSpans,
            "resource" => Key::Resource,
            "scopeSpans" => Key::ScopeSpans,
            "scope" => Key::Scope,
            "spans" => Key::Spans,
            "attributes" => Key::Attributes,
            "events" => Key::Events,
            "links" => Key::Links,
            "value" => Key::Value,
            "arrayValue" => Key::ArrayValue,
            "kvlistValue" => Key::KvlistValue,
            "values" => Key::Values,
            _ => Key::Other,
        }
    }
}

impl List {
    fn element(self) -> Shape {
        match self {
            List::ResourceSpans => Shape::ResourceSpans,
            List::ScopeSpans => Shape::ScopeSpans,
            List::Spans => Shape::Span,
            List::Attributes(_) | List::KeyValues => Shape::KeyValue,
            List::Events => Shape::Event,
            List::Links => Shape::Link,
            List::AnyValues => Shape::AnyValue,
        }
    }

    /// Counts one more element of this list.
    fn one_more(self, tally: &mut Tally, count: &mut usize) -> Result<(), Exceeded> {
        match self {
            List::Spans => tally.span(),
            List::ResourceSpans | List::ScopeSpans => tally.group(),
            List::Attributes(owner) => one_more(count, MAX_ATTRIBUTES, Exceeded::Attributes(owner)),
            List::Events => one_more(count, MAX_EVENTS, Exceeded::Events),
            List::Links => one_more(count, MAX_LINKS, Exceeded::Links),
            List::AnyValues | List::KeyValues => Ok(()),
        }
    }
}

impl Shape {
    fn is_message(self) -> bool {
        !matches!(self, Shape::List(_) | Shape::Other)
    }

    /// The shape of the value under `key` in an object of this shape.
    fn child(self, key: Key) -> Shape {
        match (self, key) {
            (Shape::Export, Key::ResourceSpans) => Shape::List(List::ResourceSpans),
            (Shape::ResourceSpans, Key::Resource) => Shape::Resource,
            (Shape::ResourceSpans, Key::ScopeSpans) => Shape::List(List::ScopeSpans),
            (Shape::Resource, Key::Attributes) => Shape::List(List::Attributes(Owner::Resource)),
            (Shape::ScopeSpans, Key::Scope) => Shape::Scope,
            (Shape::ScopeSpans, Key::Spans) => Shape::List(List::Spans),
            (Shape::Scope, Key::Attributes) => Shape::List(List::Attributes(Owner::Scope)),
            (Shape::Span, Key::Attributes) => Shape::List(List::Attributes(Owner::Span)),
            (Shape::Span, Key::Events) => Shape::List(List::Events),
            (Shape::Span, Key::Links) => Shape::List(List::Links),
            (Shape::Event, Key::Attributes) => Shape::List(List::Attributes(Owner::Event)),
            (Shape::Link, Key::Attributes) => Shape::List(List::Attributes(Owner::Link)),
            (Shape::KeyValue, Key::Value) => Shape::AnyValue,
            (Shape::AnyValue, Key::ArrayValue) => Shape::ArrayValue,
            (Shape::AnyValue, Key::KvlistValue) => Shape::KeyValueList,
            (Shape::ArrayValue, Key::Values) => Shape::List(List::AnyValues),
            (Shape::KeyValueList, Key::Values) => Shape::List(List::KeyValues),
            _ => Shape::Other,
        }
    }
}

/// The counts so far, and the limit that stopped the walk.
#[derive(Default)]
struct State {
    tally: Tally,
    exceeded: Option<Exceeded>,
}

impl State {
    /// Records `outcome`'s limit, as an error that stops the parser.
    fn check<E: de::Error>(&mut self, outcome: Result<(), Exceeded>) -> Result<(), E> {
        outcome.map_err(|exceeded| {
            self.exceeded = Some(exceeded);
            E::custom(exceeded)
        })
    }
}

/// Counts the export in `bytes`.
pub(super) fn count(bytes: &[u8]) -> Result<(), Stop> {
    let mut state = State::default();
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let root = Node {
        shape: Shape::Export,
        state: &mut state,
        depth: 0,
    };
    let walked = root
        .deserialize(&mut deserializer)
        .and_then(|()| deserializer.end());
    match (walked, state.exceeded) {
        (_, Some(exceeded)) => Err(Stop::Exceeded(exceeded)),
        (Err(error), None) => Err(Stop::Malformed(error.to_string())),
        (Ok(()), None) => Ok(()),
    }
}

/// One value of the document, of `shape`, inside `depth` messages.
struct Node<'s> {
    shape: Shape,
    state: &'s mut State,
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let counted = self.state.tally.value();
        self.state.check(counted)?;
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let list = match self.shape {
            Shape::List(list) => Some(list),
            _ => None,
        };
        let element = list.map_or(Shape::Other, List::element);
        let mut count = 0;
        loop {
            let node = Node {
                shape: element,
                state: &mut *self.state,
                depth: self.depth,
            };
            if seq.next_element_seed(node)?.is_none() {
                return Ok(());
            }
            if let Some(list) = list {
                let counted = list.one_more(&mut self.state.tally, &mut count);
                self.state.check(counted)?;
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let message = self.shape.is_message();
        let depth = self.depth + usize::from(message);
        if depth > MAX_NESTING {
            return self.state.check(Err(Exceeded::Nesting));
        }
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let shape = if message {
                self.shape.child(key)
            } else {
                Shape::Other
            };
            let node = Node {
                shape,
                state: &mut *self.state,
                depth,
            };
            map.next_value_seed(node)?;
        }
        Ok(())
    }
}

/// An object key, read without keeping it.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("an object key")
    }

    fn visit_str<E>(self, name: &str) -> Result<Key, E> {
        Ok(Key::named(name))
    }
}
