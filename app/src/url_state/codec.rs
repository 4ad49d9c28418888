//! Query strings as browsers write them: percent-encoding, decoding into pairs, and changing
//! some keys of a query while keeping the rest.

/// Percent-encodes a query value (everything but unreserved characters).
pub fn encode_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b':') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Splits a query string (without `?`) into decoded pairs, as a browser's form encoding writes
/// them: `%XX` escapes and `+` for a space. Invalid escapes and UTF-8 are kept as they are.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (key, value) = part.split_once('=').unwrap_or((part, ""));
            (decode_component(key), decode_component(value))
        })
        .collect()
}

fn decode_component(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = (bytes[index] == b'%')
            .then(|| bytes.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (bytes[index], escaped) {
            (_, Some(byte)) => {
                out.push(byte);
                index += 3;
            }
            (b'+', None) => {
                out.push(b' ');
                index += 1;
            }
            (byte, None) => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `query` (without `?`) with the keys named in `changes` removed and each given value set:
/// how every filter link is built, so a link changes exactly the keys it is about and works
/// before the wasm has loaded.
pub fn with_params(query: &str, changes: &[(&str, Option<&str>)]) -> String {
    let mut parts: Vec<String> = query_pairs(query)
        .into_iter()
        .filter(|(key, _)| !changes.iter().any(|(changed, _)| changed == key))
        .map(|(key, value)| format!("{}={}", encode_value(&key), encode_value(&value)))
        .collect();
    for (key, value) in changes {
        if let Some(value) = value {
            parts.push(format!("{}={}", encode_value(key), encode_value(value)));
        }
    }
    parts.join("&")
}
