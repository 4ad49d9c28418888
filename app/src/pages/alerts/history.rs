//! The alert history on the Alerts page: filters (rule, kind, severity, model, time) in the
//! URL, pages of 50 newest first, each event linking to Analytics and Logs for its scope and
//! window, with its webhook deliveries. It refetches when a notification arrives.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::{list_alert_deliveries, list_alert_events};
use crate::components::error_note::ErrorNote;
use crate::components::filter_bar::carried;
use crate::components::get_form::GetForm;
use crate::format::{alert_summary, utc_second};
use crate::hooks::{use_query_resource_with_options, QueryResourceOptions};
use crate::model::{
    AlertEvent, Delivery, EventPage, RangePreset, Severity, TimeRange, EVENT_KINDS,
};
use crate::url_state::{format_time, link, HistoryFilter};

/// `/alerts` with `changes` applied to `query`.
fn alerts_link(query: &str, changes: &[(&str, Option<&str>)]) -> String {
    link("/alerts", query, changes)
}

/// The history section.
#[component]
pub fn HistorySection(
    /// The page's query string (without `?`).
    #[prop(into)]
    query: Signal<String>,
    /// Changes whenever the history may have changed (a notification, a saved rule).
    #[prop(into)]
    refresh: Signal<u64>,
) -> impl IntoView {
    let events = use_query_resource_with_options::<HistoryFilter, _, _>(
        query,
        QueryResourceOptions { version: refresh },
        list_alert_events,
    );
    let filter = Memo::new(move |_| HistoryFilter::from_query(&query.get()).unwrap_or_default());
    view! {
        <section class="panel" aria-label="History">
            <h2>
                "History"
                {move || filter.get().rule.map(|id| view! {
                    <span class="muted">
                        {format!(" of rule {id} · ")}
                        <A href=move || alerts_link(&query.get(), &[("rule", None), ("before", None)])>"all rules"</A>
                    </span>
                })}
            </h2>
            {move || view! { <HistoryFilters query=query.get() filter=filter.get() /> }}
            <Transition fallback=|| view! { <p class="loading">"Loading history…"</p> }>
                {move || Suspend::new(async move {
                    match events.await {
                        Err(error) => view! {
                            <p role="alert" data-testid="history-error"><ErrorNote error /></p>
                        }.into_any(),
                        Ok(page) if page.events.is_empty() => view! {
                            <p class="muted" data-testid="no-events">"No alert events match."</p>
                        }.into_any(),
                        Ok(page) => view! { <History page query=query.get_untracked() /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The filter form: every field is a query parameter of `/alerts`.
#[component]
fn HistoryFilters(query: String, filter: HistoryFilter) -> impl IntoView {
    let kind = filter.kinds.first().cloned().unwrap_or_default();
    let severity = filter.severity.map(Severity::as_str).unwrap_or_default();
    let range = match filter.range {
        Some(TimeRange::Preset(preset)) => preset.as_str().to_owned(),
        Some(TimeRange::Custom { .. }) => "custom".to_owned(),
        None => String::new(),
    };
    let option = |value: &str, label: &str, current: &str| {
        view! { <option value=value.to_owned() selected=current == value>{label.to_owned()}</option> }
    };
    let kinds = EVENT_KINDS
        .iter()
        .map(|value| option(value, &value.replace('_', " "), &kind))
        .collect_view();
    let severities = Severity::ALL
        .iter()
        .map(|value| option(value.as_str(), value.as_str(), severity))
        .collect_view();
    let ranges = RangePreset::ALL
        .iter()
        .map(|preset| {
            option(
                preset.as_str(),
                &format!("last {}", preset.as_str()),
                &range,
            )
        })
        .collect_view();
    let custom =
        (range == "custom").then(|| option("custom", "the custom range in the URL", &range));
    let any = filter
        != HistoryFilter {
            rule: filter.rule,
            ..HistoryFilter::default()
        };
    let clear = alerts_link(
        &query,
        &[
            ("kind", None),
            ("severity", None),
            ("model", None),
            ("range", None),
            ("from", None),
            ("to", None),
            ("before", None),
        ],
    );
    view! {
        <GetForm action="/alerts">
            {carried(&query, &["kind", "severity", "model", "range", "from", "to", "before"])}
            <div class="filter-group history-filters" role="group" aria-label="History filters">
                <label class="filter-label" for="history-kind">"Kind"</label>
                <select id="history-kind" name="kind">
                    {option("", "any", &kind)}
                    {kinds}
                </select>
                <label class="filter-label" for="history-severity">"Severity"</label>
                <select id="history-severity" name="severity">
                    {option("", "any", severity)}
                    {severities}
                </select>
                <label class="filter-label" for="history-model">"Model"</label>
                <input id="history-model" name="model" size="14" value=filter.model.clone().unwrap_or_default() placeholder="any" />
                <label class="filter-label" for="history-range">"When"</label>
                <select id="history-range" name="range">
                    {option("", "all kept", &range)}
                    {ranges}
                    {custom}
                </select>
                <button type="submit" class="primary">"Filter"</button>
                {any.then(|| view! { <A href=clear.clone()>"Clear"</A> })}
            </div>
        </GetForm>
    }
}

/// Links to the event's scope and window in Analytics and Logs.
fn event_links(event: &AlertEvent, ws: Option<i64>) -> (String, String) {
    let from = format_time(event.window_from_ms);
    let to = format_time(event.window_to_ms.max(event.window_from_ms + 60_000));
    let models = event.scope_models().join(",");
    let models = (!models.is_empty()).then_some(models.as_str());
    let ws = ws.map(|ws| ws.to_string());
    // A scoped rule's value: grouped by its dimension in Analytics, filtered by it in Logs.
    let only = event.dimension.as_ref();
    let scope = |path: &str, models_key: &str, dimension: Option<(&str, &str)>| {
        let mut params = vec![
            ("from", Some(from.as_str())),
            ("to", Some(to.as_str())),
            (models_key, models),
        ];
        params.extend(dimension.map(|(key, value)| (key, Some(value))));
        params.push(("ws", ws.as_deref()));
        link(path, "", &params)
    };
    (
        scope(
            "/analytics",
            "models",
            only.map(|only| ("group", only.dimension.as_str())),
        ),
        scope(
            "/logs",
            "model",
            only.map(|only| (only.dimension.as_str(), only.value.as_str())),
        ),
    )
}

/// One page of events, newest first, each linking to its scope and window, with its webhook
/// deliveries, and the links to older and newest events.
#[component]
fn History(page: EventPage, query: String) -> impl IntoView {
    let EventPage { events, older } = page;
    let ids: Vec<String> = events.iter().map(|event| event.id.to_string()).collect();
    let ws = crate::workspace::use_ws();
    let deliveries = Resource::new(
        move || (ws.get(), ids.join(",")),
        |(ws, ids)| list_alert_deliveries(ws, ids),
    );
    // The rows wait for the deliveries, on the server too: server and browser render the same
    // rows (a delivery line appearing only in the browser broke hydration).
    let rows = move || {
        let events = events.clone();
        Suspend::new(async move {
            let all: Vec<Delivery> = deliveries.await.unwrap_or_default();
            events
                .into_iter()
                .map(|event| event_row(event, &all, ws.get_untracked()))
                .collect_view()
        })
    };
    let newer = query
        .contains("before=")
        .then(|| alerts_link(&query, &[("before", None)]));
    let older = older.map(|cursor| alerts_link(&query, &[("before", Some(&cursor.to_param()))]));
    view! {
        <table class="events-table">
            <tbody>
                <Transition fallback=|| ()>{rows}</Transition>
            </tbody>
        </table>
        <nav class="pager" aria-label="History pages">
            {newer.map(|href| view! { <A href=href attr:data-testid="history-newest">"Newest events"</A> })}
            {older.map(|href| view! { <A href=href attr:data-testid="history-older">"Older events"</A> })}
        </nav>
    }
}

/// One event: when, what, its webhook deliveries, and links to its scope and window.
fn event_row(event: AlertEvent, deliveries: &[Delivery], ws: Option<i64>) -> impl IntoView {
    let sent = deliveries
        .iter()
        .filter(|delivery| delivery.event_id == event.id)
        .map(|delivery| {
            let outcome = delivery.outcome();
            format!(
                "{}: {} after {} attempt{} {outcome}",
                delivery.channel,
                delivery.status,
                delivery.attempts,
                if delivery.attempts == 1 { "" } else { "s" }
            )
        })
        .collect::<Vec<_>>()
        .join(" · ");
    let (title, detail) = alert_summary(&event);
    let (analytics, logs) = event_links(&event, ws);
    view! {
        <tr data-testid="event-row">
            <td class="time">{utc_second(event.at_ms)}</td>
            <td><span class=format!("event-kind kind-{}", event.kind)>{event.kind.clone()}</span></td>
            <td>
                <strong>{title}</strong>
                <div class="muted small">{detail}</div>
                <div class="muted small" data-testid="deliveries">{sent}</div>
            </td>
            <td class="actions">
                <a href=analytics>"Analytics"</a>
                <a href=logs>"Logs"</a>
            </td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Metric;

    #[test]
    fn an_events_links_name_its_window_models_and_workspace() {
        let event = AlertEvent {
            id: 1,
            rule_id: 2,
            rule_name: "Server errors".into(),
            severity: Severity::Critical,
            metric: Metric::ALL[0],
            target: String::new(),
            models: vec!["qwen plus".into(), "b".into()],
            dimension: None,
            kind: "firing".into(),
            value: None,
            threshold: None,
            cost_coverage: None,
            window_from_ms: 1_764_201_600_000,
            window_to_ms: 1_764_201_600_000,
            at_ms: 1_764_201_600_000,
        };
        let (analytics, logs) = event_links(&event, Some(3));
        assert_eq!(
            analytics,
            "/analytics?from=2025-11-27T00:00Z&to=2025-11-27T00:01Z&models=qwen%20plus%2Cb&ws=3"
        );
        assert_eq!(
            logs,
            "/logs?from=2025-11-27T00:00Z&to=2025-11-27T00:01Z&model=qwen%20plus%2Cb&ws=3"
        );
        let logs = crate::url_state::LogsFilter::from_query(&logs[6..]).expect("valid");
        assert_eq!(logs.models, ["qwen plus", "b"]);
        let (analytics, _) = event_links(
            &AlertEvent {
                models: vec![],
                dimension: None,
                ..event
            },
            None,
        );
        assert_eq!(
            analytics,
            "/analytics?from=2025-11-27T00:00Z&to=2025-11-27T00:01Z"
        );
    }

    #[test]
    fn a_scoped_rules_event_links_to_its_value() {
        let event = AlertEvent {
            id: 1,
            rule_id: 2,
            rule_name: "Alice spends".into(),
            severity: Severity::Warning,
            metric: Metric::Cost,
            target: String::new(),
            models: vec![],
            dimension: Some(crate::model::DimensionValue {
                dimension: crate::model::Dimension::User,
                value: "alice@example.com".into(),
            }),
            kind: "firing".into(),
            value: Some(12.5),
            threshold: Some(10.0),
            cost_coverage: None,
            window_from_ms: 1_764_201_600_000,
            window_to_ms: 1_764_205_200_000,
            at_ms: 1_764_205_200_000,
        };
        let (analytics, logs) = event_links(&event, None);
        assert_eq!(
            analytics,
            "/analytics?from=2025-11-27T00:00Z&to=2025-11-27T01:00Z&group=user"
        );
        assert_eq!(
            logs,
            "/logs?from=2025-11-27T00:00Z&to=2025-11-27T01:00Z&user=alice%40example.com"
        );
        let logs = crate::url_state::LogsFilter::from_query(&logs[6..]).expect("valid");
        assert_eq!(
            logs.narrowing.dimensions,
            [(
                crate::model::Dimension::User,
                "alice@example.com".to_owned()
            )]
        );
        let (_, detail) = crate::format::alert_summary(&event);
        assert!(
            detail.starts_with("user alice@example.com, all models · Cost (USD): $12.50"),
            "{detail}"
        );
    }
}
