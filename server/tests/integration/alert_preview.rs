//! The rule editor's preview: the metric over the last 24 hours, each point measured over the
//! rule's window exactly as the evaluator measures it.

use app::model::{
    BaselineOffset, Condition, Direction, RuleScope, Verdict, PREVIEW_STEP_MS, PREVIEW_TARGETS,
};
use server::engine::Engine;

use crate::alerts::{calls, error_rate_rule, ingest};
use crate::helpers::{now_ms, spawn_app, WS};

const MINUTE: i64 = 60_000;

#[tokio::test]
async fn each_point_is_the_window_ending_there_and_the_last_is_now() {
    let app = spawn_app().await;
    // Point times are now minus whole quarter hours: put a bad minute inside the window ending
    // 15 minutes ago and clean calls inside the window ending now.
    let now = now_ms();
    ingest(&app, calls("bad", "alpha", now - 20 * MINUTE, 40, 2)).await;
    ingest(&app, calls("good", "alpha", now - 3 * MINUTE, 40, 0)).await;
    let spec = error_rate_rule();
    let preview = Engine::new(app.storage.clone())
        .rule_preview(WS, spec.clone(), now)
        .await
        .expect("preview");
    assert_eq!(preview.now_ms, now);
    assert_eq!(preview.series.len(), 1);
    let points = &preview.series[0].points;
    assert_eq!(points.len(), 97);
    assert_eq!(points[96].at_ms, now);
    assert_eq!(points[95].at_ms, now - PREVIEW_STEP_MS);

    let latest = &points[96];
    assert_eq!((latest.requests, latest.value), (40, Some(0.0)));
    assert_eq!(
        spec.judge(latest.value, latest.baseline, latest.requests),
        Verdict::Clear(0.0)
    );
    let earlier = &points[95];
    assert_eq!((earlier.requests, earlier.value), (40, Some(50.0)));
    assert_eq!(
        spec.judge(earlier.value, earlier.baseline, earlier.requests),
        Verdict::Breaching(50.0)
    );
    // Nothing else in the day: no calls, no rate.
    assert!(points[..95]
        .iter()
        .all(|point| point.requests == 0 && point.value.is_none()));

    // The evaluator measures the same window the same way.
    let events = crate::alerts::evaluator(&app)
        .evaluate_rule(WS, &stored(&app, &spec, now).await, now - PREVIEW_STEP_MS)
        .await
        .expect("evaluates");
    assert_eq!(events[0].value, earlier.value);
}

async fn stored(
    app: &crate::helpers::TestApp,
    spec: &app::model::RuleSpec,
    now: i64,
) -> app::model::AlertRule {
    let id = app.storage.create_rule(WS, spec, now).await.expect("rule");
    app::model::AlertRule {
        id,
        spec: spec.clone(),
    }
}

#[tokio::test]
async fn each_model_previews_show_the_highest_first_and_count_the_rest() {
    let app = spawn_app().await;
    let now = now_ms();
    let models = PREVIEW_TARGETS as i64 + 2;
    for index in 0..models {
        // Model m fails every (m + 1)th call: m0 100 %, m1 50 %, ...
        let model = format!("m{index}");
        ingest(&app, calls(&model, &model, now - 2 * MINUTE, 12, index + 1)).await;
    }
    let spec = app::model::RuleSpec {
        scope: RuleScope::EachModel,
        ..error_rate_rule()
    };
    let preview = Engine::new(app.storage.clone())
        .rule_preview(WS, spec, now)
        .await
        .expect("preview");
    assert_eq!(preview.series.len(), PREVIEW_TARGETS);
    assert_eq!(preview.more_targets, 2);
    let names: Vec<&str> = preview
        .series
        .iter()
        .map(|series| series.target.as_str())
        .collect();
    assert_eq!(names, ["m0", "m1", "m2", "m3", "m4", "m5"]);
    assert_eq!(preview.series[0].points[96].value, Some(100.0));
    assert_eq!(preview.series[1].points[96].value, Some(50.0));
}

#[tokio::test]
async fn baseline_previews_carry_the_earlier_window() {
    let app = spawn_app().await;
    let now = now_ms();
    let day = 86_400_000;
    ingest(&app, calls("then", "alpha", now - day - 2 * MINUTE, 20, 0)).await;
    ingest(&app, calls("now", "alpha", now - 2 * MINUTE, 60, 0)).await;
    let spec = app::model::RuleSpec {
        metric: app::model::Metric::Requests,
        condition: Condition::Baseline {
            direction: Direction::Up,
            percent: 100.0,
            offset: BaselineOffset::DayEarlier,
            min_baseline: 5.0,
        },
        ..error_rate_rule()
    };
    let preview = Engine::new(app.storage.clone())
        .rule_preview(WS, spec.clone(), now)
        .await
        .expect("preview");
    let latest = &preview.series[0].points[96];
    assert_eq!((latest.value, latest.baseline), (Some(60.0), Some(20.0)));
    assert_eq!(
        spec.judge(latest.value, latest.baseline, latest.requests),
        Verdict::Breaching(200.0)
    );
}

#[tokio::test]
async fn status_codes_rollups_do_not_count_are_counted_from_calls_per_window() {
    let app = spawn_app().await;
    let now = now_ms();
    // 20 of alpha's 40 calls fail with 500 inside the window ending 15 minutes ago; beta has
    // clean calls only.
    ingest(&app, calls("bad", "alpha", now - 20 * MINUTE, 40, 2)).await;
    ingest(&app, calls("ok", "beta", now - 20 * MINUTE, 40, 0)).await;
    let spec = app::model::RuleSpec {
        metric: app::model::Metric::StatusCount,
        status: Some(app::model::StatusFilter::Code(500)),
        scope: RuleScope::EachModel,
        condition: Condition::Threshold {
            comparator: app::model::Comparator::Above,
            value: 10.0,
        },
        ..error_rate_rule()
    };
    let preview = Engine::new(app.storage.clone())
        .rule_preview(WS, spec.clone(), now)
        .await
        .expect("preview");
    let alpha = &preview.series[0];
    assert_eq!(alpha.target, "alpha");
    assert_eq!(alpha.points[95].value, Some(20.0));
    assert_eq!(alpha.points[96].value, Some(0.0));
    assert!(alpha.points[..95]
        .iter()
        .all(|point| point.value == Some(0.0)));
    let beta = &preview.series[1];
    assert!(beta.points.iter().all(|point| point.value == Some(0.0)));

    // The evaluator counts the same window call by call and agrees.
    let events = crate::alerts::evaluator(&app)
        .evaluate_rule(WS, &stored(&app, &spec, now).await, now - PREVIEW_STEP_MS)
        .await
        .expect("evaluates");
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        (events[0].target.as_str(), events[0].value),
        ("alpha", Some(20.0))
    );
}
