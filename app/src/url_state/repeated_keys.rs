//! One rule for repeated keys, checked across every reader of a query string: the first value
//! of a single-valued key counts (as `URLSearchParams.get` answers), and the values of a
//! multi-valued key add up in order.

use super::{workspace_param, AnalyticsFilter, HistoryFilter, LogsFilter, RequestIdFilter};
use crate::model::{Granularity, RangePreset, Severity, StatusFilter, TimeRange};

#[test]
fn a_repeated_key_means_its_first_value_in_every_parser() {
    // A later value, valid or not, is never read: the rule of `URLSearchParams.get`.
    let analytics = AnalyticsFilter::from_query("range=7d&gran=1h&range=24h&gran=bad")
        .expect("the first values are valid");
    assert_eq!(analytics.range, TimeRange::Preset(RangePreset::Last7Days));
    assert_eq!(analytics.granularity, Some(Granularity::Hour));
    let logs = LogsFilter::from_query(
        "range=7d&status=5xx&request_id=a&range=24h&status=teapot&request_id=*",
    )
    .expect("the first values are valid");
    assert_eq!(logs.range, TimeRange::Preset(RangePreset::Last7Days));
    assert_eq!(logs.status, Some(StatusFilter::Class(5)));
    assert_eq!(logs.request_id, Some(RequestIdFilter::Exact("a".into())));
    let history = HistoryFilter::from_query(
        "range=7d&severity=critical&rule=3&model=a&range=24h&severity=loud&rule=x&model=b",
    )
    .expect("the first values are valid");
    assert_eq!(
        history.range,
        Some(TimeRange::Preset(RangePreset::Last7Days))
    );
    assert_eq!(history.severity, Some(Severity::Critical));
    assert_eq!((history.rule, history.model), (Some(3), Some("a".into())));
    assert_eq!(workspace_param("ws=2&ws=3"), Ok(Some(2)));
    // The same first value decides when it is the invalid one.
    for query in ["range=2h&range=7d", "ws=x&ws=2"] {
        assert!(AnalyticsFilter::from_query(query)
            .and_then(|_| workspace_param(query))
            .is_err());
    }
}

#[test]
fn multi_valued_keys_add_up_in_order() {
    let analytics = AnalyticsFilter::from_query("models=a,b&models=c&models=a").expect("valid");
    assert_eq!(analytics.models, ["a", "b", "c"]);
    let logs = LogsFilter::from_query("model=a&models=b&model=c").expect("valid");
    assert_eq!(logs.models, ["a", "c", "b"]);
    let history = HistoryFilter::from_query("kind=firing&kind=resolved,firing").expect("valid");
    assert_eq!(history.kinds, ["firing", "resolved"]);
}
