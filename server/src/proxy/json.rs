//! Reading JSON the proxy does not own (a client's request, an upstream's answer) without
//! unpacking it: typed views borrow the few fields the proxy needs straight from the bytes and
//! skip everything else, so a body costs one pass over its bytes and no object per element.
//! Only small parts (a usage object, an error) are ever built into a `serde_json::Value`, and
//! only up to [`MAX_VALUE_BYTES`].

use serde::de::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use serde_json::Value;

/// Largest part of a body built into a `Value` (usage, error objects): they are far smaller.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;

/// Deepest nesting of arrays and objects read (serde_json's own limit for values it builds).
pub const MAX_DEPTH: usize = 128;

/// A field read leniently: a value of another type (or that does not parse) is `None` rather
/// than failing the whole body, as upstreams and clients differ in what they send.
pub struct Lenient<T>(pub Option<T>);

impl<T> Default for Lenient<T> {
    fn default() -> Self {
        Lenient(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw: &'de RawValue = Deserialize::deserialize(deserializer)?;
        Ok(Lenient(serde_json::from_str(raw.get()).ok()))
    }
}

/// A struct read leniently, and only from an object (serde would read an array into it by
/// position).
pub struct LenientObject<T>(pub Option<T>);

impl<T> Default for LenientObject<T> {
    fn default() -> Self {
        LenientObject(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for LenientObject<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw: &'de RawValue = Deserialize::deserialize(deserializer)?;
        Ok(LenientObject(object(raw.get().as_bytes()).ok()))
    }
}

/// Reads `bytes` as a JSON object into the view `T`; the reason when it is not an object
/// (serde would read an array into a struct by position) or does not fit the view.
pub fn object<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, String> {
    if bytes.trim_ascii_start().first() != Some(&b'{') {
        return Err("not a JSON object".into());
    }
    serde_json::from_slice(bytes).map_err(|error| error.to_string())
}

/// A small part of a body as a `Value`, or `None` when it is larger than [`MAX_VALUE_BYTES`].
pub fn small_value(raw: Option<&RawValue>) -> Option<Value> {
    let raw = raw.filter(|raw| raw.get().len() <= MAX_VALUE_BYTES)?;
    serde_json::from_str(raw.get()).ok()
}

/// Whether `raw` is a non-empty value of one of the shapes named by their first byte
/// (`"` text, `[` array, `{` object).
pub fn filled(raw: Option<&RawValue>, shapes: &[u8]) -> bool {
    let Some(text) = raw.map(|raw| raw.get().as_bytes()) else {
        return false;
    };
    match text.first() {
        Some(b'"') if shapes.contains(&b'"') => text.len() > 2,
        Some(first @ (b'[' | b'{')) if shapes.contains(first) => !text
            [1..text.len().saturating_sub(1)]
            .trim_ascii()
            .is_empty(),
        _ => false,
    }
}

/// Whether the arrays and objects of `bytes` (assumed JSON) nest at most `max` deep. Brackets
/// inside strings do not count. Skipping a value keeps one byte per open level, so this bounds
/// what reading a body can hold, and refuses bodies no model API sends.
pub fn nesting_within(bytes: &[u8], max: usize) -> bool {
    let mut depth = 0_usize;
    let mut in_string = false;
    let mut escaped = false;
    for &byte in bytes {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return false;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Default)]
    #[serde(default)]
    struct View<'a> {
        flag: Lenient<bool>,
        #[serde(borrow)]
        part: Option<&'a RawValue>,
    }

    #[test]
    fn a_view_skips_what_it_does_not_name_and_tolerates_other_types() {
        let body = br#"{"other": [1, [2, {"x": "]"}]], "flag": "yes", "part": {"a": 1}}"#;
        let view: View = object(body).expect("an object");
        assert!(view.flag.0.is_none(), "a string is not a bool");
        assert_eq!(view.part.map(RawValue::get), Some(r#"{"a": 1}"#));
        assert!(
            object::<View>(b"[true, null]").is_err(),
            "arrays are not objects"
        );
        assert!(object::<View>(b"  not json").is_err());
    }

    #[test]
    fn only_small_values_are_built() {
        let small: Box<RawValue> = serde_json::from_str(r#"{"a": 1}"#).expect("json");
        assert_eq!(small_value(Some(&small)), Some(serde_json::json!({"a": 1})));
        let big = format!("[{}0]", "0,".repeat(MAX_VALUE_BYTES));
        let big: Box<RawValue> = serde_json::from_str(&big).expect("json");
        assert_eq!(small_value(Some(&big)), None);
    }

    #[test]
    fn filled_means_non_empty_of_the_named_shapes() {
        let raw = |text: &str| -> Box<RawValue> { serde_json::from_str(text).expect("json") };
        for (text, shapes, expected) in [
            (r#""x""#, &b"\""[..], true),
            (r#""""#, b"\"", false),
            (r#"" ""#, b"\"", true),
            ("[ ]", b"[", false),
            ("[1]", b"[", true),
            (r#"{"a":1}"#, b"\"[", false),
            (r#"{"a":1}"#, b"{", true),
            ("null", b"\"[{", false),
        ] {
            assert_eq!(filled(Some(&raw(text)), shapes), expected, "{text}");
        }
    }

    #[test]
    fn nesting_is_counted_outside_strings() {
        assert!(nesting_within(br#"{"a": [[1]], "b": "[[[[[[[["}"#, 3));
        assert!(!nesting_within(br#"{"a": [[[1]]]}"#, 3));
        assert!(nesting_within(br#"{"a": "\"[[[[["}"#, 1));
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert!(!nesting_within(deep.as_bytes(), MAX_DEPTH));
    }
}
