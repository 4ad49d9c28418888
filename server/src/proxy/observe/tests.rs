use super::*;

fn chunk(delta: &str) -> String {
    format!(
        r#"{{"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-2024-08-06","choices":[{{"index":0,"delta":{delta},"finish_reason":null}}],"usage":null}}"#
    )
}

#[test]
fn the_role_only_chunk_is_not_the_first_token() {
    let mut observer = Observer::new(false);
    let role = observer.event(chunk(r#"{"role":"assistant","content":""}"#).as_bytes());
    assert!(!role.first_content && role.keep);
    let token = observer.event(chunk(r#"{"content":"Hel"}"#).as_bytes());
    assert!(token.first_content);
    let again = observer.event(chunk(r#"{"content":"lo"}"#).as_bytes());
    assert!(!again.first_content);
    assert_eq!(observer.text, "Hello");
    assert_eq!(
        observer.response_model.as_deref(),
        Some("gpt-4o-2024-08-06")
    );
}

#[test]
fn tool_calls_reasoning_refusals_and_audio_count_as_content() {
    for delta in [
        r#"{"tool_calls":[{"index":0,"id":"call_1","function":{"name":"f","arguments":""}}]}"#,
        r#"{"reasoning_content":"thinking"}"#,
        r#"{"reasoning":"thinking"}"#,
        r#"{"refusal":"no"}"#,
        r#"{"audio":{"id":"a","data":"AAAA"}}"#,
    ] {
        let mut observer = Observer::new(false);
        assert!(
            observer.event(chunk(delta).as_bytes()).first_content,
            "{delta}"
        );
    }
    for delta in [
        r#"{"role":"assistant"}"#,
        r#"{"content":null}"#,
        r#"{"tool_calls":[]}"#,
        "{}",
    ] {
        let mut observer = Observer::new(false);
        assert!(
            !observer.event(chunk(delta).as_bytes()).first_content,
            "{delta}"
        );
    }
}

#[test]
fn the_usage_chunk_is_read_and_left_out_only_when_the_proxy_asked_for_it() {
    let usage = r#"{"id":"c1","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}"#;
    for strip in [true, false] {
        let mut observer = Observer::new(strip);
        let verdict = observer.event(usage.as_bytes());
        assert_eq!(verdict.keep, !strip);
        let read = observer.usage.as_ref().expect("usage read");
        assert_eq!(read.get("completion_tokens"), Some(&Value::from(2)));
    }
    let mut observer = Observer::new(true);
    assert!(observer.event(chunk(r#"{"content":"x"}"#).as_bytes()).keep);
    assert!(observer.event(b"[DONE]").keep);
    assert!(observer.completed);
}

#[test]
fn completions_and_responses_api_events() {
    let mut observer = Observer::new(false);
    let empty = r#"{"choices":[{"text":"","index":0}]}"#;
    assert!(!observer.event(empty.as_bytes()).first_content);
    assert!(
        observer
            .event(br#"{"choices":[{"text":"Once","index":0}]}"#)
            .first_content
    );

    let mut observer = Observer::new(false);
    assert!(
        !observer
            .event(br#"{"type":"response.created","response":{"model":"gpt-5"}}"#)
            .first_content
    );
    assert!(
        observer
            .event(br#"{"type":"response.output_text.delta","delta":"Hi"}"#)
            .first_content
    );
    observer.event(br#"{"type":"response.completed","response":{"model":"gpt-5","usage":{"input_tokens":5,"output_tokens":1}}}"#);
    assert!(observer.completed);
    assert_eq!(observer.text, "Hi");
    assert_eq!(
        observer.usage.as_ref().and_then(|u| u.get("input_tokens")),
        Some(&Value::from(5))
    );
}

#[test]
fn errors_in_bodies_and_streams_are_read() {
    let mut observer = Observer::new(false);
    observer.body(br#"{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}"#);
    let error = observer.error.expect("error");
    assert_eq!(
        (error.kind.as_str(), error.message.as_str()),
        ("requests", "Rate limit reached")
    );
    let mut observer = Observer::new(false);
    observer.event(br#"{"error":{"message":"overloaded","code":503}}"#);
    assert_eq!(observer.error.map(|e| e.kind), Some("503".to_owned()));
}

#[test]
fn text_beyond_the_limit_is_marked_not_kept() {
    let mut observer = Observer::new(false);
    let big = "x".repeat(MAX_TEXT_BYTES);
    observer.keep_text(&big);
    observer.keep_text("more");
    assert_eq!(observer.text.len(), MAX_TEXT_BYTES);
    assert!(observer.text_truncated);
}

#[test]
fn only_a_usage_of_sensible_size_is_built_and_large_answers_are_read_whole() {
    let padding = format!("\"{}\"", "p".repeat(json::MAX_VALUE_BYTES));
    let huge_usage = format!(r#"{{"choices":[],"usage":{{"prompt_tokens":1,"pad":{padding}}}}}"#);
    let mut observer = Observer::new(true);
    let verdict = observer.event(huge_usage.as_bytes());
    assert!(
        observer.usage.is_none(),
        "a usage object over the cap is not built"
    );
    assert!(
        !verdict.keep,
        "still the usage-only chunk the proxy asked for"
    );

    let images = format!(
        r#"{{"created":1,"data":[{}{{"b64_json":"x"}}],"model":"gpt-image-1","usage":{{"total_tokens":7}}}}"#,
        r#"{"b64_json":"AAAA"},"#.repeat(10_000)
    );
    let mut observer = Observer::new(false);
    observer.body(images.as_bytes());
    assert_eq!(observer.data_items, Some(10_001));
    assert_eq!(observer.response_model.as_deref(), Some("gpt-image-1"));
    assert_eq!(
        observer
            .usage
            .as_ref()
            .and_then(|usage| usage.get("total_tokens")),
        Some(&Value::from(7))
    );
}

#[test]
fn fields_of_another_shape_are_ignored_not_fatal() {
    let mut observer = Observer::new(false);
    let odd = r#"{"model":7,"choices":[3,{"delta":["x"]},{"delta":{"content":"ok"}}],"usage":[1]}"#;
    assert!(observer.event(odd.as_bytes()).first_content);
    assert_eq!(observer.text, "ok");
    assert!(observer.response_model.is_none() && observer.usage.is_none());
    let mut observer = Observer::new(false);
    assert!(!observer.event(br#"[{"choices":[]}]"#).first_content);
    observer.body(br#"["model", "x"]"#);
    assert!(!observer.completed, "an array is not an answer");
}

proptest::proptest! {
    /// Whatever an upstream sends as an event, the observer neither panics nor drops it
    /// unless it is a usage-only chunk.
    #[test]
    fn arbitrary_events_never_panic(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256)) {
        let mut observer = Observer::new(true);
        let verdict = observer.event(&data);
        proptest::prop_assert!(verdict.keep || observer.usage.is_some());
    }
}
