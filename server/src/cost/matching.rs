//! How a model name as a call reports it finds its catalog entry: the documented patterns, tried
//! in order, first match wins.
//!
//! 1. the exact name, lower-cased (`GPT-4o` is `gpt-4o`);
//! 2. without a provider prefix: everything up to the last `/` (`openai/gpt-4o-mini`,
//!    `openrouter/anthropic/claude-3-5-haiku`);
//! 3. without a date or version suffix: `-2024-08-06`, `-20241022`, `@20241022`, `-0613`,
//!    `-latest` (`gpt-4o-2024-08-06` is `gpt-4o`, `claude-3-5-sonnet-latest` is
//!    `claude-3-5-sonnet`).
//!
//! A dated snapshot priced differently from its alias has its own entry, which step 1 finds
//! first.

/// The names to look up for `model`, most specific first, without repeats: at most three.
pub fn candidates(model: &str) -> Vec<String> {
    let exact = model.trim().to_lowercase();
    let mut names = vec![exact.clone()];
    let unprefixed = match exact.rfind('/') {
        Some(slash) if slash + 1 < exact.len() => exact[slash + 1..].to_owned(),
        _ => exact,
    };
    for name in [Some(unprefixed.clone()), undated(&unprefixed)]
        .into_iter()
        .flatten()
    {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// `name` without its date or version suffix, or `None` when it has none.
fn undated(name: &str) -> Option<String> {
    if let Some(stem) = name.strip_suffix("-latest") {
        return non_empty(stem);
    }
    if let Some((stem, date)) = name.rsplit_once('@') {
        return all_digits(date, 8).then(|| stem.to_owned());
    }
    // -YYYY-MM-DD
    if name.len() > 11 && name.is_char_boundary(name.len() - 11) {
        let (stem, tail) = name.split_at(name.len() - 11);
        let bytes = tail.as_bytes();
        let shaped = bytes[0] == b'-'
            && bytes[5] == b'-'
            && bytes[8] == b'-'
            && all_digits(&tail[1..5], 4)
            && all_digits(&tail[6..8], 2)
            && all_digits(&tail[9..11], 2);
        if shaped {
            return non_empty(stem);
        }
    }
    // -YYYYMMDD or -MMDD
    let (stem, tail) = name.rsplit_once('-')?;
    ((tail.len() == 8 || tail.len() == 4) && all_digits(tail, tail.len()))
        .then(|| stem.to_owned())
        .filter(|stem| !stem.is_empty())
}

fn all_digits(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|byte| byte.is_ascii_digit())
}

fn non_empty(stem: &str) -> Option<String> {
    (!stem.is_empty()).then(|| stem.to_owned())
}

#[cfg(test)]
mod tests {
    use super::candidates;

    #[test]
    fn an_exact_name_comes_first_and_case_does_not_matter() {
        assert_eq!(candidates("GPT-4o"), ["gpt-4o"]);
    }

    #[test]
    fn dated_snapshots_fall_back_to_their_alias() {
        assert_eq!(
            candidates("gpt-4o-2024-08-06"),
            ["gpt-4o-2024-08-06", "gpt-4o"]
        );
        assert_eq!(
            candidates("claude-3-5-sonnet-20241022"),
            ["claude-3-5-sonnet-20241022", "claude-3-5-sonnet"]
        );
        assert_eq!(candidates("gpt-4-0613"), ["gpt-4-0613", "gpt-4"]);
        assert_eq!(
            candidates("claude-3-5-haiku@20241022"),
            ["claude-3-5-haiku@20241022", "claude-3-5-haiku"]
        );
        assert_eq!(
            candidates("claude-3-7-sonnet-latest"),
            ["claude-3-7-sonnet-latest", "claude-3-7-sonnet"]
        );
    }

    #[test]
    fn provider_prefixes_are_dropped_before_the_date() {
        assert_eq!(
            candidates("openai/gpt-4o-mini"),
            ["openai/gpt-4o-mini", "gpt-4o-mini"]
        );
        assert_eq!(
            candidates("openrouter/openai/gpt-4o-2024-05-13"),
            [
                "openrouter/openai/gpt-4o-2024-05-13",
                "gpt-4o-2024-05-13",
                "gpt-4o"
            ]
        );
    }

    #[test]
    fn names_that_only_look_dated_keep_their_meaningful_parts() {
        // Three digits, a size, a version: none of them is a date suffix.
        assert_eq!(candidates("llama-3.1-405b"), ["llama-3.1-405b"]);
        assert_eq!(candidates("qwen2.5-72b-instruct"), ["qwen2.5-72b-instruct"]);
        assert_eq!(candidates("-latest"), ["-latest"]);
        assert_eq!(candidates("/"), ["/"]);
        assert_eq!(candidates("é-2024-08-06"), ["é-2024-08-06", "é"]);
    }
}
