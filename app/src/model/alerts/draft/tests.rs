//! The draft's checks, field by field.

use super::*;

fn draft() -> RuleDraft {
    RuleDraft {
        name: "Too many errors".into(),
        metric: "error_rate".into(),
        scope: "each".into(),
        condition: "threshold".into(),
        comparator: ">".into(),
        threshold: "5".into(),
        window_minutes: "5".into(),
        consecutive: "2".into(),
        min_requests: "20".into(),
        severity: "critical".into(),
        channels: "3, 3, 7".into(),
        renotify_minutes: "30".into(),
        enabled: true,
        ..RuleDraft::default()
    }
}

#[test]
fn a_complete_draft_becomes_a_rule_and_back() {
    let spec = draft().validate().expect("valid");
    assert_eq!(spec.window_secs, 300);
    assert_eq!(spec.channels, vec![3, 7]);
    assert_eq!(spec.renotify_secs, Some(1_800));
    assert_eq!(
        spec.condition,
        Condition::Threshold {
            comparator: Comparator::Above,
            value: 5.0
        }
    );
    assert_eq!(spec.to_draft().validate(), Ok(spec.clone()));
    let json = serde_json::to_string(&spec).expect("serialises");
    assert_eq!(
        serde_json::from_str::<RuleSpec>(&json).expect("parses"),
        spec
    );
}

#[test]
fn every_wrong_field_is_named() {
    let wrong = RuleDraft {
        name: " ".into(),
        metric: "status_count".into(),
        status: "6xx".into(),
        scope: "models".into(),
        threshold: "-1".into(),
        comparator: "=".into(),
        window_minutes: "2000".into(),
        consecutive: "0".into(),
        min_requests: "-3".into(),
        severity: "loud".into(),
        channels: "x".into(),
        renotify_minutes: "0".into(),
        ..RuleDraft::default()
    };
    let fields: Vec<String> = wrong
        .validate()
        .expect_err("invalid")
        .into_iter()
        .map(|problem| problem.field)
        .collect();
    assert_eq!(
        fields,
        [
            "name",
            "status",
            "models",
            "comparator",
            "threshold",
            "window_minutes",
            "consecutive",
            "min_requests",
            "severity",
            "channels",
            "renotify_minutes"
        ]
    );
    let percent = RuleDraft {
        threshold: "150".into(),
        ..draft()
    };
    assert_eq!(
        percent.validate().expect_err("over 100 %")[0].field,
        "threshold"
    );
}

#[test]
fn baselines_compare_in_percent_and_ignore_tiny_baselines() {
    let spec = RuleDraft {
        metric: "latency_p95".into(),
        condition: "baseline".into(),
        direction: "up".into(),
        percent: "50".into(),
        offset: "week".into(),
        min_baseline: "100".into(),
        ..draft()
    }
    .validate()
    .expect("valid");
    assert_eq!(
        spec.condition.check(1_600.0, Some(1_000.0)),
        (true, Some(60.0))
    );
    assert_eq!(
        spec.condition.check(1_400.0, Some(1_000.0)),
        (false, Some(40.0))
    );
    assert_eq!(
        spec.condition.check(500.0, Some(50.0)),
        (false, None),
        "tiny baseline"
    );
    assert_eq!(
        spec.condition.check(500.0, None),
        (false, None),
        "no baseline"
    );
    let either = Condition::Baseline {
        direction: Direction::Either,
        percent: 20.0,
        offset: BaselineOffset::DayEarlier,
        min_baseline: 1.0,
    };
    assert!(either.check(70.0, Some(100.0)).0);
    assert!(!either.check(90.0, Some(100.0)).0);
    assert_eq!(spec.to_draft().validate(), Ok(spec));
}

#[test]
fn a_rule_on_one_dimension_value_covers_all_models_and_names_its_value() {
    let on_user = RuleDraft {
        scope: "all".into(),
        dimension: "user".into(),
        dimension_value: " alice ".into(),
        ..draft()
    };
    let spec = on_user.validate().expect("valid");
    assert_eq!(
        spec.dimension,
        Some(DimensionValue {
            dimension: Dimension::User,
            value: "alice".into()
        })
    );
    assert_eq!(spec.to_draft().validate(), Ok(spec.clone()));
    let fields = |draft: RuleDraft| -> Vec<String> {
        draft
            .validate()
            .expect_err("invalid")
            .into_iter()
            .map(|problem| problem.field)
            .collect()
    };
    assert_eq!(
        fields(RuleDraft {
            dimension_value: String::new(),
            scope: "each".into(),
            ..on_user.clone()
        }),
        ["dimension_value", "scope"]
    );
    assert_eq!(
        fields(RuleDraft {
            dimension: "team".into(),
            ..on_user
        }),
        ["dimension"]
    );
    // Rules stored before dimensions have no such key, and still read.
    let plain = draft().validate().expect("valid");
    let json = serde_json::to_string(&plain).expect("serialises");
    assert!(!json.contains("dimension"), "{json}");
    let read: RuleSpec = serde_json::from_str(&json).expect("parses");
    assert_eq!(read.dimension, None);
}
