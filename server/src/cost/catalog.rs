//! Price catalogs: list prices per model name, each dated, in the project's own format
//! (`modelwatch-prices/1`, see `server/prices/SOURCES.md`). The built-in catalog is compiled into
//! the binary from `server/prices/catalog.json`; `modelwatch prices import` stores a newer one
//! (in this format or LiteLLM's price map, `cost::litellm`) in the database.

use std::collections::HashMap;
use std::sync::LazyLock;

use app::model::{ModelKind, Prices};
use serde::Deserialize;

use super::matching;

/// The tag a catalog file in our format carries.
pub const FORMAT: &str = "modelwatch-prices/1";
/// More entries than any real catalog (LiteLLM's map has a few thousand).
pub const MAX_ENTRIES: usize = 100_000;
/// Longest model name, provider, source or note kept.
const MAX_TEXT: usize = 512;

/// One model's list prices.
#[derive(Clone, Debug, PartialEq)]
pub struct CatalogEntry {
    /// Lower-case, as looked up.
    pub model: String,
    pub provider: String,
    pub kind: ModelKind,
    /// When the price was published or last changed (`YYYY-MM-DD`).
    pub as_of: String,
    /// Where it was read.
    pub source: String,
    pub note: Option<String>,
    pub prices: Prices,
}

/// Entries by their (lower-case) model name.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    by_name: HashMap<String, CatalogEntry>,
}

impl Catalog {
    /// A catalog of `entries`; a later entry of the same name replaces an earlier one.
    pub fn new(entries: impl IntoIterator<Item = CatalogEntry>) -> Self {
        Self {
            by_name: entries
                .into_iter()
                .map(|entry| (entry.model.clone(), entry))
                .collect(),
        }
    }

    /// The entry for `model` by the documented patterns (`cost::matching`), if any.
    pub fn lookup(&self, model: &str) -> Option<&CatalogEntry> {
        matching::candidates(model)
            .iter()
            .find_map(|name| self.by_name.get(name))
    }

    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    pub fn entries(&self) -> impl Iterator<Item = &CatalogEntry> {
        self.by_name.values()
    }
}

/// The catalog compiled into this binary.
pub fn built_in() -> &'static Catalog {
    static BUILT_IN: LazyLock<Catalog> = LazyLock::new(|| {
        match parse(include_str!("../../prices/catalog.json")) {
            Ok(entries) => Catalog::new(entries),
            Err(error) => {
                // A unit test parses the same file, so this is never reached in a release.
                tracing::error!(%error, "the built-in price catalog does not parse");
                Catalog::default()
            }
        }
    });
    &BUILT_IN
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    format: String,
    #[allow(dead_code)]
    compiled: String,
    models: Vec<EntryWire>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryWire {
    model: String,
    provider: String,
    kind: String,
    as_of: String,
    source: String,
    note: Option<String>,
    input_per_mtok: Option<f64>,
    cached_input_per_mtok: Option<f64>,
    output_per_mtok: Option<f64>,
    per_image: Option<f64>,
    per_video_second: Option<f64>,
    per_audio_second: Option<f64>,
    per_mchar: Option<f64>,
}

/// Reads a catalog in our format. Errors name the entry (by position and model) and the field.
pub fn parse(text: &str) -> Result<Vec<CatalogEntry>, String> {
    let file: CatalogFile = serde_json::from_str(text).map_err(|error| error.to_string())?;
    if file.format != FORMAT {
        return Err(format!("format: {:?}, expected {FORMAT:?}", file.format));
    }
    if file.models.len() > MAX_ENTRIES {
        return Err(format!("models: more than {MAX_ENTRIES} entries"));
    }
    file.models
        .into_iter()
        .enumerate()
        .map(|(index, wire)| {
            let model = wire.model.clone();
            entry(wire).map_err(|reason| format!("models[{index}] ({model:?}): {reason}"))
        })
        .collect()
}

fn entry(wire: EntryWire) -> Result<CatalogEntry, String> {
    let prices = Prices {
        input_per_mtok: wire.input_per_mtok,
        cached_input_per_mtok: wire.cached_input_per_mtok,
        output_per_mtok: wire.output_per_mtok,
        per_image: wire.per_image,
        per_video_second: wire.per_video_second,
        per_audio_second: wire.per_audio_second,
        per_mchar: wire.per_mchar,
    };
    let kind =
        ModelKind::parse(&wire.kind).ok_or_else(|| format!("kind: unknown {:?}", wire.kind))?;
    checked(CatalogEntry {
        model: wire.model,
        provider: wire.provider,
        kind,
        as_of: wire.as_of,
        source: wire.source,
        note: wire.note,
        prices,
    })
}

/// Checks an entry from any source: names and texts bounded, the date a date, at least one
/// price, every price from 0 to 1,000,000. The model name is lower-cased and trimmed.
pub fn checked(mut entry: CatalogEntry) -> Result<CatalogEntry, String> {
    entry.model = entry.model.trim().to_lowercase();
    if entry.model.is_empty() || entry.model.len() > 200 {
        return Err("model: a name of 1 to 200 bytes".to_owned());
    }
    for (field, text) in [
        ("provider", &entry.provider),
        ("source", &entry.source),
        ("note", entry.note.as_ref().unwrap_or(&String::new())),
    ] {
        if text.len() > MAX_TEXT {
            return Err(format!("{field}: at most {MAX_TEXT} bytes"));
        }
    }
    if chrono::NaiveDate::parse_from_str(&entry.as_of, "%Y-%m-%d").is_err() {
        return Err(format!(
            "as_of: a date like 2024-07-18, not {:?}",
            entry.as_of
        ));
    }
    if entry.prices.is_unknown() {
        return Err("no price".to_owned());
    }
    entry.prices.check()?;
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_catalog_parses_and_every_entry_is_checked() {
        let entries = parse(include_str!("../../prices/catalog.json")).expect("built-in parses");
        assert!(entries.len() >= 100, "{} entries", entries.len());
        let mut names: Vec<&str> = entries.iter().map(|entry| entry.model.as_str()).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before, "model names are unique");
        assert_eq!(built_in().len(), entries.len());
    }

    #[test]
    fn well_known_models_are_priced_out_of_the_box() {
        let catalog = built_in();
        for model in [
            "gpt-4o-mini",
            "gpt-4o-2024-08-06",
            "openai/gpt-4o",
            "claude-3-5-sonnet-20241022",
            "gemini-2.0-flash",
            "deepseek-chat",
            "qwen-plus",
            "mistral-large-latest",
            "text-embedding-3-small",
            "dall-e-3",
            "whisper-1",
            "tts-1",
        ] {
            let entry = catalog.lookup(model);
            assert!(entry.is_some(), "{model} has a built-in price");
        }
        let mini = catalog.lookup("GPT-4o-mini").expect("priced");
        assert_eq!(mini.prices.input_per_mtok, Some(0.15));
        assert_eq!(mini.prices.output_per_mtok, Some(0.6));
        assert_eq!(
            catalog.lookup("whisper-1").map(|entry| entry.kind),
            Some(ModelKind::Speech)
        );
        assert_eq!(
            catalog.lookup("dall-e-3").map(|entry| entry.kind),
            Some(ModelKind::Image)
        );
        assert!(catalog.lookup("my-own-finetune").is_none());
    }

    #[test]
    fn a_bad_entry_is_refused_with_its_place_and_field() {
        let text = r#"{"format": "modelwatch-prices/1", "compiled": "2026-12-01", "models": [
            {"model": "a", "provider": "p", "kind": "llm", "as_of": "2024-01-01", "source": "s", "input_per_mtok": 1},
            {"model": "b", "provider": "p", "kind": "llm", "as_of": "2024-01-01", "source": "s", "input_per_mtok": -1}
        ]}"#;
        let error = parse(text).expect_err("refused");
        assert!(
            error.starts_with("models[1] (\"b\"): input_per_mtok"),
            "{error}"
        );
        let no_price = text.replace(r#", "input_per_mtok": -1"#, "");
        assert_eq!(
            parse(&no_price).expect_err("refused"),
            "models[1] (\"b\"): no price"
        );
        let bad_date = text
            .replace("-1}", "1}")
            .replacen("2024-01-01", "yesterday", 1);
        assert!(parse(&bad_date)
            .expect_err("refused")
            .contains("as_of: a date"));
        let bad_format = text.replace("modelwatch-prices/1", "other/2");
        assert!(parse(&bad_format)
            .expect_err("refused")
            .starts_with("format:"));
        let unknown_field = text.replace(r#""source": "s","#, r#""source": "s", "extra": 1,"#);
        assert!(parse(&unknown_field)
            .expect_err("refused")
            .contains("unknown field"));
    }
}
