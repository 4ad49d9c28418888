//! The dimensions a call's metadata names (user, app, tags, provider), by the conventions the
//! README lists, and the metadata keys they are moved out of. A `user` or `app` string and a
//! `tags` list of strings are stored as dictionary ids rather than text on every row, and put
//! back when the call is read ([`restore`]), so the metadata a client sent reads back the same.

use app::model::{valid_value, MAX_TAGS};
use serde_json::{Map, Value};

/// `user` was moved out of the metadata.
pub const STRIPPED_USER: i64 = 1;
/// `app` was moved out of the metadata.
pub const STRIPPED_APP: i64 = 2;
/// `tags` was moved out of the metadata.
pub const STRIPPED_TAGS: i64 = 4;

/// Metadata keys read as each dimension, first present wins; only the first (canonical) key is
/// moved out, and only when it reads back unchanged.
const USER_KEYS: [&str; 5] = ["user", "user_id", "userId", "end_user", "enduser_id"];
const APP_KEYS: [&str; 5] = ["app", "application", "app_name", "service", "service_name"];
const PROVIDER_KEYS: [&str; 2] = ["provider", "upstream"];

/// The dimension values of one call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dimensions {
    pub user: Option<String>,
    pub app: Option<String>,
    /// Distinct, at most `MAX_TAGS`, in the order sent.
    pub tags: Vec<String>,
    pub provider: Option<String>,
    /// Which keys left the metadata: `STRIPPED_*` bits.
    pub stripped: i64,
}

/// Reads the dimensions of `metadata` and moves the canonical keys that read back unchanged
/// out of it.
pub fn take(metadata: &mut Map<String, Value>) -> Dimensions {
    let mut dimensions = Dimensions {
        user: first_text(metadata, &USER_KEYS),
        app: first_text(metadata, &APP_KEYS),
        provider: first_text(metadata, &PROVIDER_KEYS),
        ..Dimensions::default()
    };
    for (key, bit) in [("user", STRIPPED_USER), ("app", STRIPPED_APP)] {
        if metadata
            .get(key)
            .and_then(Value::as_str)
            .is_some_and(valid_value)
        {
            metadata.remove(key);
            dimensions.stripped |= bit;
        }
    }
    match metadata.get("tags") {
        Some(Value::Array(items)) => {
            for item in items {
                if let Some(tag) = item.as_str().filter(|tag| valid_value(tag)) {
                    push_tag(&mut dimensions.tags, tag);
                }
            }
            let unchanged = dimensions.tags.len() == items.len();
            if unchanged && !items.is_empty() {
                metadata.remove("tags");
                dimensions.stripped |= STRIPPED_TAGS;
            }
        }
        Some(Value::String(list)) => {
            for tag in list
                .split(',')
                .map(str::trim)
                .filter(|tag| valid_value(tag))
            {
                push_tag(&mut dimensions.tags, tag);
            }
        }
        _ => {}
    }
    dimensions
}

fn push_tag(tags: &mut Vec<String>, tag: &str) {
    if tags.len() < MAX_TAGS && !tags.iter().any(|known| known == tag) {
        tags.push(tag.to_owned());
    }
}

/// The first of `keys` holding a usable value: a valid string, or an integer as text.
fn first_text(metadata: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|key| match metadata.get(*key)? {
        Value::String(text) => valid_value(text).then(|| text.clone()),
        Value::Number(number) if number.is_i64() || number.is_u64() => Some(number.to_string()),
        _ => None,
    })
}

/// The metadata as sent: `rest` (the stored object text) with the keys `stripped` says were
/// moved out put back from their dimension values.
pub fn restore(
    rest: Option<&str>,
    stripped: i64,
    user: Option<&str>,
    app: Option<&str>,
    tags: &[String],
) -> Option<String> {
    if stripped == 0 {
        return rest.map(str::to_owned);
    }
    let mut metadata: Map<String, Value> = rest
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    if stripped & STRIPPED_USER != 0 {
        if let Some(user) = user {
            metadata.insert("user".into(), Value::from(user));
        }
    }
    if stripped & STRIPPED_APP != 0 {
        if let Some(app) = app {
            metadata.insert("app".into(), Value::from(app));
        }
    }
    if stripped & STRIPPED_TAGS != 0 {
        metadata.insert("tags".into(), Value::from(tags.to_vec()));
    }
    Some(Value::Object(metadata).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!("an object"),
        }
    }

    #[test]
    fn canonical_keys_move_out_and_read_back_the_same() {
        let sent =
            json!({"user": "alice", "app": "checkout", "tags": ["beta", "eu"], "feature": "x"});
        let mut metadata = object(sent.clone());
        let dimensions = take(&mut metadata);
        assert_eq!(dimensions.user.as_deref(), Some("alice"));
        assert_eq!(dimensions.app.as_deref(), Some("checkout"));
        assert_eq!(dimensions.tags, ["beta", "eu"]);
        assert_eq!(
            dimensions.stripped,
            STRIPPED_USER | STRIPPED_APP | STRIPPED_TAGS
        );
        assert_eq!(Value::Object(metadata.clone()), json!({"feature": "x"}));
        let rest = Value::Object(metadata).to_string();
        let restored = restore(
            Some(&rest),
            dimensions.stripped,
            dimensions.user.as_deref(),
            dimensions.app.as_deref(),
            &dimensions.tags,
        )
        .expect("metadata");
        assert_eq!(
            serde_json::from_str::<Value>(&restored).expect("json"),
            sent
        );
        let only = restore(None, STRIPPED_USER, Some("bob"), None, &[]).expect("metadata");
        assert_eq!(only, r#"{"user":"bob"}"#);
    }

    #[test]
    fn aliases_name_dimensions_but_stay_in_the_metadata_as_sent() {
        let mut metadata = object(
            json!({"user_id": 42, "service_name": "api", "upstream": "openai", "tags": "a, b,a"}),
        );
        let before = metadata.clone();
        let dimensions = take(&mut metadata);
        assert_eq!(dimensions.user.as_deref(), Some("42"));
        assert_eq!(dimensions.app.as_deref(), Some("api"));
        assert_eq!(dimensions.provider.as_deref(), Some("openai"));
        assert_eq!(dimensions.tags, ["a", "b"]);
        assert_eq!(dimensions.stripped, 0);
        assert_eq!(metadata, before);
    }

    #[test]
    fn values_that_would_not_read_back_the_same_stay_in_the_metadata() {
        let long = "x".repeat(200);
        let mut metadata = object(json!({"user": long, "app": " padded ", "tags": ["a", "a", 3]}));
        let before = metadata.clone();
        let dimensions = take(&mut metadata);
        assert_eq!(dimensions.user, None);
        assert_eq!(dimensions.app, None);
        assert_eq!(dimensions.tags, ["a"]);
        assert_eq!(dimensions.stripped, 0);
        assert_eq!(metadata, before);
        let many: Vec<String> = (0..40).map(|k| format!("t{k}")).collect();
        let mut metadata = object(json!({ "tags": many }));
        let dimensions = take(&mut metadata);
        assert_eq!(dimensions.tags.len(), MAX_TAGS);
        assert!(
            metadata.contains_key("tags"),
            "more tags than kept stay as sent"
        );
    }
}
