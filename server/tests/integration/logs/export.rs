//! The export of the Logs tab: exactly the rows of its filter, in CSV and JSON Lines.

use super::*;

/// Splits RFC 4180 text into records of fields.
pub(crate) fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut field, mut quoted, mut chars) =
        (Vec::new(), String::new(), false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && record.is_empty(),
        "the file ends with CRLF"
    );
    records
}

#[tokio::test]
async fn an_export_holds_exactly_the_rows_of_its_filter() {
    let app = spawn_app().await;
    let now = now_ms();
    let mut calls = known_calls(now);
    let tricky = "comma, \"quote\" and\nnewline";
    calls.push(json!({
        "request_id": "tricky",
        "timestamp": now - 30_000,
        "model": "alpha",
        "status": 500,
        "error_message": tricky,
        "metadata": { "note": tricky },
    }));
    ingest(&app, &calls).await;

    let csv = app
        .get("/api/v1/logs/export?format=csv&range=6h&model=alpha&status=5xx")
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    let disposition = csv.headers["content-disposition"].to_str().expect("ascii");
    assert!(
        disposition.starts_with("attachment; filename=\"modelwatch-logs-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let records = parse_csv(&csv.body);
    let header = &records[0];
    assert_eq!(header[0], "request_id");
    let column = |name: &str| header.iter().position(|column| column == name).expect(name);
    let rows = &records[1..];
    let exported: Vec<&str> = rows.iter().map(|row| row[0].as_str()).collect();
    let mut wanted = vec!["tricky".to_owned()];
    wanted.extend(expected(0..90, |k| k % 10 == 0));
    assert_eq!(exported, wanted, "exactly the filter's rows, newest first");
    assert!(rows.iter().all(|row| row.len() == header.len()));
    assert_eq!(
        rows[0][column("error_message")],
        tricky,
        "quotes, commas and newlines survive"
    );
    assert_eq!(rows[1][column("model")], "alpha");
    assert_eq!(rows[1][column("status")], "500");
    assert_eq!(rows[1][column("input_tokens")], "0");
    assert_eq!(rows[2][column("input_tokens")], "100");

    // Every row of a wider filter, past a page of 50, in JSON Lines.
    let jsonl = app.get("/api/v1/logs/export?format=jsonl&range=6h").await;
    assert_eq!(jsonl.status, StatusCode::OK);
    assert_eq!(jsonl.headers["content-type"], "application/x-ndjson");
    let lines: Vec<serde_json::Value> = jsonl
        .body
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object a line"))
        .collect();
    assert_eq!(lines.len(), 91);
    let exported: BTreeSet<String> = lines
        .iter()
        .map(|line| line["request_id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(exported.len(), 91);
    assert_eq!(lines[0]["metadata"]["note"], tricky);
    assert_eq!(lines[1]["usage"]["input_tokens"], 0);
    assert_eq!(lines[2]["model"], "beta");

    let exact = app
        .get("/api/v1/logs/export?format=jsonl&range=6h&request_id=call-007")
        .await;
    assert_eq!(exact.body.lines().count(), 1);
    assert!(exact.body.contains("\"call-007\""));
}
