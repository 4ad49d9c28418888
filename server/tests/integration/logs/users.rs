//! A user's calls over more than a day, and calls looked up by request id or id prefix: on
//! PostgreSQL all are found through indexes led by the hour, probed hour by hour
//! (`reads/conditions.rs`), so these walk pages across hours and a day's end, in both
//! directions, and look ids up on either day.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::page;
use crate::alerts::ingest;
use crate::helpers::now_ms;

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const CALLS: i64 = 300;

/// Call `k`'s request id: a UUID for even `k` (kept as 16 bytes on PostgreSQL), text for odd.
fn id(k: i64) -> String {
    if k % 2 == 0 {
        format!("00000000-0000-4000-8000-{k:012}")
    } else {
        format!("call-{k:03}")
    }
}

/// 300 calls over 30 hours, two at each time (ties broken by row): `heavy` makes two of every
/// three, `light` the rest; every seventh failed.
fn calls(start: i64) -> Vec<Value> {
    (0..CALLS)
        .map(|k| {
            json!({
                "request_id": id(k),
                "timestamp": start + (k / 2) * 12 * MINUTE,
                "model": "gpt-4o-mini",
                "status": if k % 7 == 0 { 500 } else { 200 },
                "usage": {"input_tokens": 10, "output_tokens": 1},
                "metadata": {"user": if k % 3 == 0 { "light" } else { "heavy" }}
            })
        })
        .collect()
}

/// The ids of the calls `keep` keeps, newest first.
fn newest_first(keep: impl Fn(i64) -> bool) -> Vec<String> {
    (0..CALLS).rev().filter(|k| keep(*k)).map(id).collect()
}

fn ids(page: &app::model::LogPage) -> Vec<String> {
    page.rows.iter().map(|row| row.request_id.clone()).collect()
}

#[tokio::test]
async fn a_users_pages_cross_hours_and_days_in_order_both_ways() {
    let app = crate::helpers::spawn_app().await;
    // 30 hours back from the last whole hour: the calls span a day's end whatever the time.
    let start = (now_ms() / HOUR - 31) * HOUR;
    ingest(&app, calls(start)).await;
    let range = format!(
        "from={}&to={}",
        app::url_state::format_time(start - MINUTE),
        app::url_state::format_time(start + 31 * HOUR)
    );
    for (narrowing, keep) in [
        ("user=heavy", (|k: i64| k % 3 != 0) as fn(i64) -> bool),
        ("user=light", |k: i64| k % 3 == 0),
        ("user=heavy&status=5xx", |k: i64| k % 3 != 0 && k % 7 == 0),
    ] {
        let expected = newest_first(keep);
        // Older pages, newest first.
        let mut pages = vec![page(&app, &format!("{range}&{narrowing}")).await];
        while let Some(older) = pages.last().and_then(|last| last.older) {
            assert!(pages.len() < 20, "{narrowing}: the pages end");
            let query = format!("{range}&{narrowing}&before={}", older.to_param());
            pages.push(page(&app, &query).await);
        }
        let seen: Vec<String> = pages.iter().flat_map(ids).collect();
        assert_eq!(seen, expected, "{narrowing}: older pages");
        // Back up through the newer pages from the last one.
        let mut back = vec![pages.pop().expect("a page")];
        while let Some(newer) = back.last().and_then(|last| last.newer) {
            assert!(back.len() < 20, "{narrowing}: the pages end");
            let query = format!("{range}&{narrowing}&after={}", newer.to_param());
            back.push(page(&app, &query).await);
        }
        let seen: Vec<String> = back.iter().rev().flat_map(ids).collect();
        assert_eq!(seen, expected, "{narrowing}: newer pages");
    }
    // The whole range's count, and the export in the page's order.
    let heavy = page(&app, &format!("{range}&user=heavy")).await;
    assert_eq!(heavy.matching, Some(200));
    let export = app
        .get(&format!(
            "/api/v1/logs/export?format=jsonl&{range}&user=light"
        ))
        .await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.body);
    let exported: Vec<String> = export
        .body
        .lines()
        .map(|line| {
            let call: Value = serde_json::from_str(line).expect("json");
            call["request_id"].as_str().expect("an id").to_owned()
        })
        .collect();
    assert_eq!(exported, newest_first(|k| k % 3 == 0));
}

#[tokio::test]
async fn ids_are_found_on_either_day_and_stored_once() {
    let app = crate::helpers::spawn_app().await;
    let start = (now_ms() / HOUR - 31) * HOUR;
    ingest(&app, calls(start)).await;
    // Sent again: every call is a duplicate of its first copy.
    let again = app
        .ingest(serde_json::to_string(&calls(start)).expect("json"))
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.json()["duplicates"], CALLS);
    let range = format!(
        "from={}&to={}",
        app::url_state::format_time(start - MINUTE),
        app::url_state::format_time(start + 31 * HOUR)
    );
    // The first call, the last, and two in between, by UUID and by text.
    for k in [0, 1, 151, CALLS - 2, CALLS - 1] {
        let found = page(&app, &format!("{range}&request_id={}", id(k))).await;
        assert_eq!(ids(&found), vec![id(k)], "call {k}");
        assert_eq!(
            found.rows[0].ts_ms,
            start + (k / 2) * 12 * MINUTE,
            "call {k}"
        );
        let detail = app
            .get_json(&format!("/api/get_log?request_id={}", id(k)))
            .await;
        assert_eq!(detail.status, StatusCode::OK, "call {k}: {}", detail.body);
    }
    // Outside the range it asks about, a call is not found.
    let early = format!(
        "from={}&to={}",
        app::url_state::format_time(start - MINUTE),
        app::url_state::format_time(start + HOUR)
    );
    let found = page(&app, &format!("{early}&request_id={}", id(CALLS - 1))).await;
    assert!(found.rows.is_empty(), "{:?}", ids(&found));
    // Prefixes, over all 30 hours: text ids `call-1..` (odd calls 101 to 199) and UUIDs whose
    // text starts `...-0000000001` (even calls 100 to 198), newest first.
    for (prefix, keep) in [
        ("call-1", (|k: i64| k % 2 == 1) as fn(i64) -> bool),
        ("00000000-0000-4000-8000-0000000001", |k: i64| k % 2 == 0),
    ] {
        let got = page(&app, &format!("{range}&request_id={prefix}*")).await;
        let expected = newest_first(|k| keep(k) && (100..200).contains(&k));
        assert_eq!(ids(&got), expected, "{prefix}");
    }
    // A user and an id together: the call only when it is the user's.
    let light = page(&app, &format!("{range}&user=light&request_id={}", id(3))).await;
    assert_eq!(ids(&light), vec![id(3)]);
    let heavy = page(&app, &format!("{range}&user=heavy&request_id={}", id(3))).await;
    assert!(heavy.rows.is_empty());
    // Every call is stored once.
    let all = page(&app, &range).await;
    assert_eq!(all.matching, Some(CALLS));
}
