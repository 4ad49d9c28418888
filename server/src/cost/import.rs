//! Reading a catalog file for `modelwatch prices import`: our own format
//! (`modelwatch-prices/1`) or the JSON price map LiteLLM users keep
//! (`model_prices_and_context_window.json`: an object keyed by model name, prices per token,
//! per image, per second and per character).

use app::model::{ModelKind, Prices};
use serde_json::{Map, Value};

use super::catalog::{self, CatalogEntry, FORMAT, MAX_ENTRIES};

/// The largest file read (LiteLLM's map is about 1 MB).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// What a file held: the entries to store and the models left out, with why.
#[derive(Debug, Default)]
pub struct Imported {
    pub entries: Vec<CatalogEntry>,
    pub skipped: Vec<(String, String)>,
}

/// Reads `text` in either format; `today` (`YYYY-MM-DD`) dates entries of a map that carries no
/// dates, and `source` says where they came from.
pub fn read(text: &str, today: &str, source: &str) -> Result<Imported, String> {
    let document: Value =
        serde_json::from_str(text).map_err(|error| format!("not JSON: {error}"))?;
    let Value::Object(map) = document else {
        return Err("a JSON object: our catalog or a LiteLLM price map".to_owned());
    };
    if map.contains_key("format") {
        return Ok(Imported {
            entries: catalog::parse(text)?,
            skipped: Vec::new(),
        });
    }
    if map.len() > MAX_ENTRIES {
        return Err(format!("more than {MAX_ENTRIES} models"));
    }
    let mut imported = Imported::default();
    for (name, spec) in map {
        if name == "sample_spec" {
            continue;
        }
        match litellm_entry(&name, &spec, today, source) {
            Ok(entry) => imported.entries.push(entry),
            Err(reason) => imported.skipped.push((name, reason)),
        }
    }
    if imported.entries.is_empty() {
        return Err(format!(
            "no priced model found (neither {FORMAT:?} nor a LiteLLM price map?)"
        ));
    }
    Ok(imported)
}

/// One LiteLLM entry in our terms.
fn litellm_entry(
    name: &str,
    spec: &Value,
    today: &str,
    source: &str,
) -> Result<CatalogEntry, String> {
    let Value::Object(spec) = spec else {
        return Err("not an object".to_owned());
    };
    let mode = text(spec, "mode").unwrap_or("chat");
    let kind = match mode {
        "chat" | "completion" | "responses" => ModelKind::Llm,
        "embedding" => ModelKind::Embedding,
        "image_generation" => ModelKind::Image,
        "video_generation" => ModelKind::Video,
        "audio_speech" | "audio_transcription" => ModelKind::Speech,
        "realtime" => ModelKind::Omni,
        other => return Err(format!("mode {other:?} is not a model call we price")),
    };
    // DashScope entries often price only in tiers by prompt length: the first tier is the list
    // price of a short prompt.
    let first_tier = spec
        .get("tiered_pricing")
        .and_then(Value::as_array)
        .and_then(|tiers| tiers.first())
        .and_then(Value::as_object);
    let token_price =
        |key: &str| number(spec, key).or_else(|| first_tier.and_then(|tier| number(tier, key)));
    let per_million = |key: &str| token_price(key).map(|price| round(price * 1e6));
    let per_unit = |keys: &[&str]| keys.iter().find_map(|key| number(spec, key)).map(round);
    let prices = Prices {
        input_per_mtok: per_million("input_cost_per_token"),
        cached_input_per_mtok: per_million("cache_read_input_token_cost"),
        output_per_mtok: per_million("output_cost_per_token"),
        per_image: per_unit(&["output_cost_per_image", "input_cost_per_image"])
            .filter(|_| kind == ModelKind::Image),
        per_video_second: per_unit(&["output_cost_per_video_per_second", "output_cost_per_second"])
            .filter(|_| kind == ModelKind::Video),
        per_audio_second: match mode {
            "audio_transcription" => per_unit(&["input_cost_per_second"]),
            "audio_speech" => per_unit(&["output_cost_per_second"]),
            _ => None,
        },
        per_mchar: per_million("input_cost_per_character").filter(|_| kind == ModelKind::Speech),
    };
    let listed = [
        prices.input_per_mtok,
        prices.cached_input_per_mtok,
        prices.output_per_mtok,
        prices.per_image,
        prices.per_video_second,
        prices.per_audio_second,
        prices.per_mchar,
    ];
    // The map writes 0 for prices it does not know; a model whose every price is 0 is unpriced.
    if listed.iter().flatten().all(|price| *price == 0.0) {
        return Err("no price above zero".to_owned());
    }
    catalog::checked(CatalogEntry {
        model: name.to_owned(),
        provider: text(spec, "litellm_provider").unwrap_or("").to_owned(),
        kind,
        as_of: today.to_owned(),
        source: source.to_owned(),
        note: None,
        prices,
    })
}

fn text<'a>(spec: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    spec.get(key).and_then(Value::as_str)
}

fn number(spec: &Map<String, Value>, key: &str) -> Option<f64> {
    spec.get(key)
        .and_then(Value::as_f64)
        .filter(|value| value.is_finite())
}

/// Removes the binary noise of per-token prices scaled up (1.5e-07 * 1e6 = 0.15000000000000002).
fn round(price: f64) -> f64 {
    (price * 1e9).round() / 1e9
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_litellm_map_is_read_in_our_units_and_its_sample_spec_skipped() {
        let text = include_str!("../../prices/litellm-sample.json");
        let imported = read(text, "2026-12-01", "test").expect("reads");
        assert!(imported.entries.len() >= 6, "{imported:?}");
        assert!(imported
            .entries
            .iter()
            .all(|entry| entry.model != "sample_spec"));
        assert!(imported
            .entries
            .iter()
            .all(|entry| entry.as_of == "2026-12-01"));
        let kinds: Vec<ModelKind> = imported.entries.iter().map(|entry| entry.kind).collect();
        for kind in [
            ModelKind::Llm,
            ModelKind::Embedding,
            ModelKind::Image,
            ModelKind::Speech,
            ModelKind::Video,
        ] {
            assert!(kinds.contains(&kind), "{kind:?} in the sample");
        }
    }

    #[test]
    fn per_token_prices_become_per_million_without_float_noise() {
        let text = r#"{"sample_spec": {"mode": "chat"},
            "openrouter/openai/gpt-4o-mini": {"litellm_provider": "openrouter", "mode": "chat",
              "input_cost_per_token": 1.5e-07, "output_cost_per_token": 6e-07,
              "cache_read_input_token_cost": 7.5e-08},
            "tts-x": {"mode": "audio_speech", "input_cost_per_character": 1.5e-05},
            "whisper-x": {"mode": "audio_transcription", "input_cost_per_second": 0.0001},
            "rerank-x": {"mode": "rerank", "input_cost_per_query": 0.002},
            "free-x": {"mode": "chat", "input_cost_per_token": 0.0},
            "dashscope/qwen-x": {"mode": "chat", "tiered_pricing": [
              {"input_cost_per_token": 5e-08, "output_cost_per_token": 4e-07, "range": [0, 256000]},
              {"input_cost_per_token": 2.5e-07, "output_cost_per_token": 2e-06, "range": [256000, 1000000]}]}}"#;
        let imported = read(text, "2026-12-01", "test").expect("reads");
        let by_name = |name: &str| {
            imported
                .entries
                .iter()
                .find(|entry| entry.model == name)
                .unwrap_or_else(|| panic!("{name} imported"))
        };
        let mini = by_name("openrouter/openai/gpt-4o-mini");
        assert_eq!(mini.prices.input_per_mtok, Some(0.15));
        assert_eq!(mini.prices.output_per_mtok, Some(0.6));
        assert_eq!(mini.prices.cached_input_per_mtok, Some(0.075));
        assert_eq!(mini.provider, "openrouter");
        assert_eq!(by_name("tts-x").prices.per_mchar, Some(15.0));
        assert_eq!(by_name("whisper-x").prices.per_audio_second, Some(0.0001));
        let tiered = by_name("dashscope/qwen-x");
        assert_eq!(tiered.prices.input_per_mtok, Some(0.05));
        assert_eq!(tiered.prices.output_per_mtok, Some(0.4));
        let skipped: Vec<&str> = imported
            .skipped
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        assert_eq!(skipped.len(), 2, "{skipped:?}");
        assert!(skipped.contains(&"rerank-x") && skipped.contains(&"free-x"));
    }

    #[test]
    fn a_file_of_neither_format_is_refused_with_a_reason() {
        assert!(read("[1, 2]", "2026-12-01", "t")
            .expect_err("refused")
            .starts_with("a JSON object"));
        assert!(read("{", "2026-12-01", "t")
            .expect_err("refused")
            .starts_with("not JSON"));
        assert!(read(r#"{"a": 1}"#, "2026-12-01", "t")
            .expect_err("refused")
            .starts_with("no priced model"));
    }
}
