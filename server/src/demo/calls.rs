//! One demo call: status (with the incidents), latency, TTFT, usage in the kind's own units,
//! and request/response bodies, as a typed record.

use app::model::{ModelKind, Usage};
use rand::rngs::StdRng;
use rand::Rng;
use serde_json::{json, Map, Value};

use super::catalog::{DemoModel, MODELS};
use crate::domain::record::RecordInput;

const PROMPTS: [&str; 6] = [
    "Summarise this support ticket in two sentences and suggest a next step.",
    "Translate the release notes below into German, keeping the markdown.",
    "Write a SQL query that lists the ten customers with the most refunds last month.",
    "Classify the sentiment of this review as positive, neutral or negative.",
    "Explain the difference between TTFT and end-to-end latency to a new engineer.",
    "Draft a polite reply declining the meeting and proposing Thursday instead.",
];
const ANSWERS: [&str; 4] = [
    "Here is a short summary: the customer cannot log in after the password reset. Next step: check the SSO configuration.",
    "Sure. The query joins orders with refunds, groups by customer and orders by the refund count, limited to ten rows.",
    "Time to first token measures how long the user waits before anything appears; latency is the time until the answer is complete.",
    "Thank you for the invitation. Unfortunately I cannot make it this week; would Thursday at 10:00 work for you?",
];
const APPS: [&str; 4] = [
    "support-bot",
    "search",
    "batch-translate",
    "voice-assistant",
];

const REGIONS: [&str; 3] = ["eu", "us", "apac"];

/// A standard normal draw (Box-Muller).
fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn lognormal(rng: &mut StdRng, median: f64, sigma: f64) -> f64 {
    median * (sigma * normal(rng)).exp()
}

/// Traffic level by time of day and weekday (1.0 at the daily peak).
pub fn rhythm(ts_ms: i64) -> f64 {
    let hours = (ts_ms.rem_euclid(86_400_000)) as f64 / 3_600_000.0;
    let daily = 0.3 + 0.7 * (0.5 - 0.5 * (std::f64::consts::TAU * (hours - 3.0) / 24.0).cos());
    let weekday = (ts_ms.div_euclid(86_400_000) + 4).rem_euclid(7); // 0 = Sunday
    let weekly = if weekday == 0 || weekday == 6 {
        0.6
    } else {
        1.0
    };
    daily * weekly
}

/// The incidents, relative to the end of the demo period.
pub struct Incidents {
    throttling: [(i64, i64); 2],
    outage: (i64, i64),
}

impl Incidents {
    pub fn new(end_ms: i64) -> Self {
        let day = 86_400_000;
        let at = |days_ago: i64, hour: i64, minute: i64| {
            (end_ms - days_ago * day).div_euclid(day) * day + hour * 3_600_000 + minute * 60_000
        };
        Self {
            throttling: [
                (at(5, 13, 0), at(5, 13, 25)),
                (at(2, 16, 10), at(2, 16, 30)),
            ],
            outage: (at(3, 10, 0), at(3, 10, 25)),
        }
    }
}

/// Generates the calls of one minute starting at `minute_ms`, as typed records.
pub fn minute_of_traffic(
    rng: &mut StdRng,
    minute_ms: i64,
    calls_per_minute: f64,
    incidents: &Incidents,
    out: &mut Vec<RecordInput>,
) {
    let expected = calls_per_minute * rhythm(minute_ms) / 0.65;
    let count = (expected + rng.random::<f64>()).floor() as usize;
    let total_weight: f64 = MODELS.iter().map(|model| model.weight).sum();
    for _ in 0..count {
        let mut pick = rng.random::<f64>() * total_weight;
        let model = MODELS
            .iter()
            .find(|model| {
                pick -= model.weight;
                pick <= 0.0
            })
            .unwrap_or(&MODELS[0]);
        let ts_ms = minute_ms + rng.random_range(0..60_000);
        out.push(call(rng, model, ts_ms, incidents));
    }
}

fn status_for(rng: &mut StdRng, model: &DemoModel, ts_ms: i64, incidents: &Incidents) -> u16 {
    let within = |(from, to): (i64, i64)| ts_ms >= from && ts_ms < to;
    if model.name == "qwen-max"
        && incidents.throttling.iter().any(|window| within(*window))
        && rng.random_bool(0.35)
    {
        return 429;
    }
    if model.name == "qwen-plus" && within(incidents.outage) && rng.random_bool(0.45) {
        return 503;
    }
    let roll: f64 = rng.random();
    match roll {
        r if r < 0.004 => 400,
        r if r < 0.008 => 429,
        r if r < 0.012 => 500,
        r if r < 0.014 => 504,
        r if r < 0.016 => 499,
        _ => 200,
    }
}

fn call(rng: &mut StdRng, model: &DemoModel, ts_ms: i64, incidents: &Incidents) -> RecordInput {
    let status = status_for(rng, model, ts_ms, incidents);
    let ok = status == 200;
    let slow =
        if model.name == "qwen-plus" && ts_ms >= incidents.outage.0 && ts_ms < incidents.outage.1 {
            3.0
        } else {
            1.0
        };
    let stream = rng.random_bool(model.stream_share);
    let mut latency = lognormal(rng, model.latency_median_ms, model.latency_sigma) * slow;
    if status == 429 || status == 400 {
        latency = lognormal(rng, 40.0, 0.3);
    }
    if status == 504 {
        latency = 60_000.0;
    }
    let ttft = (ok && stream).then(|| {
        let ttft = lognormal(rng, model.ttft_median_ms, 0.35) * slow;
        ttft.min(latency * 0.9)
    });
    let prompt = PROMPTS[rng.random_range(0..PROMPTS.len())];
    let answer = ANSWERS[rng.random_range(0..ANSWERS.len())];
    let request_id = format!(
        "req_{}",
        uuid::Uuid::from_u128(rng.random::<u128>()).simple()
    );
    let metadata = Map::from_iter([
        (
            "user".to_owned(),
            Value::from(format!("user_{}", rng.random_range(1..400))),
        ),
        (
            "app".to_owned(),
            Value::from(APPS[rng.random_range(0..APPS.len())]),
        ),
        (
            "tags".to_owned(),
            json!([
                if rng.random_range(0..10) == 0 {
                    "staging"
                } else {
                    "prod"
                },
                REGIONS[rng.random_range(0..REGIONS.len())]
            ]),
        ),
    ]);
    let (error_type, error_message) = match (ok, status) {
        (true, _) => (None, None),
        (false, 400) => (
            Some("invalid_request_error"),
            Some("the input contains unsupported content"),
        ),
        (false, 429) => (
            Some("rate_limit_exceeded"),
            Some("requests per minute limit reached for this model"),
        ),
        (false, 499) => (
            Some("client_cancelled"),
            Some("the client closed the connection before the answer was complete"),
        ),
        (false, 503) => (
            Some("service_unavailable"),
            Some("upstream model service is overloaded, try again later"),
        ),
        (false, 504) => (
            Some("timeout"),
            Some("the upstream model did not answer within 60 s"),
        ),
        (false, _) => (Some("internal_error"), Some("the upstream model failed")),
    };
    RecordInput {
        request_id: Some(request_id),
        timestamp_ms: Some(ts_ms),
        model: Some(model.name.to_owned()),
        model_kind: Some(model.kind),
        operation: Some(model.operation.to_owned()),
        status: Some(status),
        error_type: error_type.map(str::to_owned),
        error_message: error_message.map(str::to_owned),
        usage: if ok || status == 499 {
            usage(rng, model)
        } else {
            Usage::default()
        },
        latency_ms: Some(latency.round()),
        ttft_ms: ttft.map(f64::round),
        stream,
        metadata: Some(metadata),
        request_body: Some(request_body(model, prompt, stream).to_string()),
        response_body: ok.then(|| response_body(model, answer).to_string()),
        ..RecordInput::default()
    }
}

fn usage(rng: &mut StdRng, model: &DemoModel) -> Usage {
    let tokens =
        |rng: &mut StdRng, median: f64| lognormal(rng, median, 0.6).round().max(1.0) as i64;
    match model.kind {
        ModelKind::Llm => {
            let input = tokens(
                rng,
                if model.name == "qwen-vl-plus" {
                    1800.0
                } else {
                    900.0
                },
            );
            let cached = if rng.random_bool(0.3) {
                input * rng.random_range(20..80) / 100
            } else {
                0
            };
            let output = tokens(
                rng,
                if model.name == "qwq-plus" {
                    2200.0
                } else {
                    280.0
                },
            );
            Usage {
                input_tokens: Some(input),
                output_tokens: Some(output),
                cached_tokens: Some(cached),
                reasoning_tokens: (model.name == "qwq-plus").then_some(output * 3 / 4),
                ..Usage::default()
            }
        }
        ModelKind::Omni => {
            let text_in = tokens(rng, 300.0);
            let audio_in = tokens(rng, 600.0);
            let text_out = tokens(rng, 150.0);
            let audio_out = tokens(rng, 500.0);
            Usage {
                input_tokens: Some(text_in + audio_in),
                output_tokens: Some(text_out + audio_out),
                input_text_tokens: Some(text_in),
                input_audio_tokens: Some(audio_in),
                output_text_tokens: Some(text_out),
                output_audio_tokens: Some(audio_out),
                ..Usage::default()
            }
        }
        ModelKind::Image => Usage {
            images: Some(rng.random_range(1..=4)),
            ..Usage::default()
        },
        ModelKind::Video => Usage {
            video_seconds: Some([5.0, 5.0, 10.0][rng.random_range(0..3)]),
            ..Usage::default()
        },
        ModelKind::Speech if model.operation == "tts" => Usage {
            characters: Some(rng.random_range(40..600)),
            ..Usage::default()
        },
        ModelKind::Speech => Usage {
            audio_seconds: Some((rng.random_range(3.0..300.0_f64) * 10.0).round() / 10.0),
            ..Usage::default()
        },
        ModelKind::Embedding => Usage {
            input_tokens: Some(tokens(rng, 400.0)),
            ..Usage::default()
        },
    }
}

fn request_body(model: &DemoModel, prompt: &str, stream: bool) -> Value {
    match model.kind {
        ModelKind::Image | ModelKind::Video => {
            json!({ "model": model.name, "input": { "prompt": "A lighthouse on a cliff at dawn, watercolour" } })
        }
        ModelKind::Speech if model.operation == "tts" => {
            json!({ "model": model.name, "input": { "text": prompt }, "voice": "longxiaochun" })
        }
        ModelKind::Speech => {
            json!({ "model": model.name, "input": { "file_url": "s3://calls/2026/11/recording.wav" } })
        }
        ModelKind::Embedding => json!({ "model": model.name, "input": [prompt] }),
        _ => json!({ "model": model.name, "stream": stream, "messages": [
            { "role": "system", "content": "You are a helpful assistant." },
            { "role": "user", "content": prompt },
        ] }),
    }
}

fn response_body(model: &DemoModel, answer: &str) -> Value {
    match model.kind {
        ModelKind::Image => {
            json!({ "output": { "results": [{ "url": "https://assets.example/generated/7f3a.png" }] } })
        }
        ModelKind::Video => {
            json!({ "output": { "video_url": "https://assets.example/generated/clip.mp4" } })
        }
        ModelKind::Speech if model.operation == "tts" => {
            json!({ "output": { "audio": { "format": "mp3", "bytes": 48_213 } } })
        }
        ModelKind::Speech => json!({ "output": { "text": answer } }),
        ModelKind::Embedding => json!({ "data": [{ "index": 0, "embedding": "[1024 floats]" }] }),
        _ => {
            json!({ "choices": [{ "index": 0, "finish_reason": "stop", "message": { "role": "assistant", "content": answer } }] })
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::ingest::record::Source;

    #[test]
    fn every_demo_record_passes_ingest_validation() {
        let mut rng = StdRng::seed_from_u64(1);
        let end = chrono::Utc::now().timestamp_millis();
        let incidents = Incidents::new(end);
        let mut records = Vec::new();
        for minute in 0..600 {
            minute_of_traffic(
                &mut rng,
                end - 86_400_000 + minute * 60_000,
                20.0,
                &incidents,
                &mut records,
            );
        }
        assert!(records.len() > 5_000, "{}", records.len());
        let kinds: std::collections::HashSet<ModelKind> = records
            .iter()
            .filter_map(|record| record.model_kind)
            .collect();
        assert_eq!(kinds.len(), 6, "{kinds:?}");
        for (index, record) in records.into_iter().enumerate() {
            let checked = record.clone().validate(end, Source::Api);
            assert!(
                checked.is_ok(),
                "{checked:?} for record {index}: {record:?}"
            );
        }
    }

    #[test]
    fn the_daily_rhythm_peaks_in_the_afternoon_and_dips_at_night() {
        let monday = 1_764_547_200_000; // 2025-12-01T00:00Z, a Monday
        let night = rhythm(monday + 3 * 3_600_000);
        let afternoon = rhythm(monday + 15 * 3_600_000);
        assert!(afternoon > 3.0 * night, "{afternoon} vs {night}");
        assert!(
            rhythm(monday - 86_400_000 + 15 * 3_600_000) < afternoon,
            "sunday is quieter"
        );
    }
}
