//! Alert events read back in PostgreSQL: one by id (for webhook deliveries) and the filtered,
//! paged history of a workspace; the seam's `AlertHistory`.

use app::model::{AlertEvent, Cursor, DimensionValue, EventPage, Metric, Severity, WorkspaceId};
use sqlx::{Postgres, QueryBuilder};

use super::super::PgStore;
use crate::store::{AlertHistory, EventQuery, StoreError};

type EventRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    i64,
    i64,
    i64,
    Option<String>,
    Option<String>,
);

const COLUMNS: &str = "SELECT id, rule_id, rule_name, severity, metric, target, models, kind, \
                       value, threshold, cost_coverage, window_from_ms, window_to_ms, at_ms, \
                       dimension, dimension_value FROM alert_events ";

#[async_trait::async_trait]
impl AlertHistory for PgStore {
    async fn event_by_id(&self, id: i64) -> Result<Option<AlertEvent>, StoreError> {
        let row: Option<EventRow> = sqlx::query_as(&format!("{COLUMNS} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(event).transpose()
    }

    async fn events(
        &self,
        workspace_id: WorkspaceId,
        query: &EventQuery,
    ) -> Result<EventPage, StoreError> {
        let mut sql: QueryBuilder<Postgres> = QueryBuilder::new(COLUMNS);
        sql.push(" WHERE workspace_id = ")
            .push_bind(workspace_id.get());
        if let Some(rule) = query.rule {
            sql.push(" AND rule_id = ").push_bind(rule);
        }
        if !query.kinds.is_empty() {
            sql.push(" AND kind IN (");
            let mut kinds = sql.separated(", ");
            for kind in &query.kinds {
                kinds.push_bind(kind.clone());
            }
            sql.push(")");
        }
        if let Some(severity) = query.severity {
            sql.push(" AND severity = ").push_bind(severity.as_str());
        }
        if let Some(model) = &query.model {
            // `models` holds a JSON array of names (an event about several models at once).
            sql.push(" AND (target = ")
                .push_bind(model.clone())
                .push(
                    " OR (target = '' AND EXISTS (SELECT 1 FROM \
                     jsonb_array_elements_text(models::jsonb) AS model (name) WHERE name = ",
                )
                .push_bind(model.clone())
                .push(")))");
        }
        if let Some((from, to)) = query.between {
            sql.push(" AND at_ms >= ")
                .push_bind(from)
                .push(" AND at_ms < ")
                .push_bind(to);
        }
        if let Some(before) = query.before {
            sql.push(" AND (at_ms < ")
                .push_bind(before.ts_ms)
                .push(" OR (at_ms = ")
                .push_bind(before.ts_ms)
                .push(" AND id < ")
                .push_bind(before.row)
                .push("))");
        }
        // One more than a page says whether an older page exists.
        sql.push(" ORDER BY at_ms DESC, id DESC LIMIT ")
            .push_bind(i64::from(query.limit) + 1);
        let rows: Vec<EventRow> = sql.build_query_as().fetch_all(&self.pool).await?;
        let mut events = rows.into_iter().map(event).collect::<Result<Vec<_>, _>>()?;
        let older = if events.len() > query.limit as usize {
            events.truncate(query.limit as usize);
            events.last().map(|last| Cursor {
                ts_ms: last.at_ms,
                row: last.id,
            })
        } else {
            None
        };
        Ok(EventPage { events, older })
    }
}

fn event(
    (
        id,
        rule_id,
        rule_name,
        severity,
        metric,
        target,
        models,
        kind,
        value,
        threshold,
        cost_coverage,
        from,
        to,
        at_ms,
        dimension,
        dimension_value,
    ): EventRow,
) -> Result<AlertEvent, StoreError> {
    Ok(AlertEvent {
        id,
        rule_id,
        rule_name,
        severity: Severity::parse(&severity)
            .ok_or_else(|| StoreError::Corrupt(format!("severity {severity}")))?,
        metric: Metric::parse(&metric)
            .ok_or_else(|| StoreError::Corrupt(format!("metric {metric}")))?,
        target,
        models: serde_json::from_str(&models).unwrap_or_default(),
        dimension: DimensionValue::from_parts(dimension.as_deref(), dimension_value),
        kind,
        value,
        threshold,
        cost_coverage,
        window_from_ms: from,
        window_to_ms: to,
        at_ms,
    })
}
