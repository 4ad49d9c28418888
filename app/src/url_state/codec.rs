//! Query strings as browsers write them: percent-encoding, decoding into pairs, reading one
//! key with one rule for repeated keys ([`QueryParams`]), and building links that change some
//! keys of a query while keeping the rest ([`link`]).

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

/// A query string's decoded pairs, in their order, and the one rule for reading a key:
///
/// - [`get`](Self::get) is the **first** value of a key, as the browser's
///   `URLSearchParams.get` answers: a key repeated later never changes what a single-valued
///   parameter (`range`, `status`, `ws`, `sort`...) means, wherever it is read;
/// - [`get_all`](Self::get_all) is every value of a key, in order, for the parameters that may
///   repeat (`model`, `models`, `kind`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryParams {
    pairs: Vec<(String, String)>,
}

impl QueryParams {
    /// Decodes a query string (without `?`) as [`query_pairs`] does.
    pub fn parse(query: &str) -> Self {
        Self {
            pairs: query_pairs(query),
        }
    }

    /// The first value of `key`, if the query has it (an empty value is a value).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }

    /// Every value of `key`, in the order they appear.
    pub fn get_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }

    /// Every pair, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for QueryParams {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Self {
        Self {
            pairs: pairs
                .into_iter()
                .map(|(key, value)| (key.into(), value.into()))
                .collect(),
        }
    }
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

/// The address of `path` with `query` (without `?`) changed by `changes` as [`with_params`]
/// does: the one way every link of the UI is built. Just `path` when nothing is left.
pub fn link(path: &str, query: &str, changes: &[(&str, Option<&str>)]) -> String {
    let query = with_params(query, changes);
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_value_of_a_repeated_key_is_the_one_read() {
        let params = QueryParams::parse("range=7d&model=a&range=24h&model=b%2Cc&empty=");
        assert_eq!(params.get("range"), Some("7d"));
        assert_eq!(params.get("empty"), Some(""));
        assert_eq!(params.get("missing"), None);
        assert_eq!(params.get_all("model").collect::<Vec<_>>(), ["a", "b,c"]);
        assert_eq!(params.get_all("missing").count(), 0);
    }

    #[test]
    fn params_can_be_built_from_pairs() {
        let params: QueryParams = [("a", "1"), ("b", "2")].into_iter().collect();
        assert_eq!(params, QueryParams::parse("a=1&b=2"));
        assert_eq!(params.pairs().len(), 2);
    }

    #[test]
    fn links_change_their_keys_and_drop_an_empty_query() {
        assert_eq!(link("/logs", "", &[]), "/logs");
        assert_eq!(link("/logs", "id=x", &[("id", None)]), "/logs");
        assert_eq!(
            link("/logs", "range=1h&id=x", &[("id", Some("a b"))]),
            "/logs?range=1h&id=a%20b"
        );
        assert_eq!(
            link("/analytics", "", &[("from", Some("2026-11-20T00:00Z"))]),
            "/analytics?from=2026-11-20T00:00Z"
        );
    }

    #[test]
    fn a_repeated_key_is_written_once_by_a_link_that_changes_it() {
        assert_eq!(
            link(
                "/logs",
                "status=5xx&status=429&x=1",
                &[("status", Some("4xx"))]
            ),
            "/logs?x=1&status=4xx"
        );
    }
}
