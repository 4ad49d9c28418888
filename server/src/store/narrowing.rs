//! The Logs filters on who and what, metadata and measured values, resolved into conditions on
//! stored rows: dimension values become dictionary ids (a value never seen matches nothing),
//! a key name the ids of the keys with that name, and metadata pairs on `user`, `app` or
//! `tags` the dimension they were stored as.

use app::model::{Dimension, ModelKind, WorkspaceId};
use app::url_state::Narrowing;

use super::reads::{Narrow, Snapshot};
use super::StoreError;

/// The conditions `narrowing` stands for in `workspace_id`.
pub fn resolve(
    snapshot: &dyn Snapshot,
    workspace_id: WorkspaceId,
    narrowing: &Narrowing,
) -> Result<Vec<Narrow>, StoreError> {
    let mut conditions = Vec::new();
    let mut wanted: Vec<(Dimension, &str)> = narrowing
        .dimensions
        .iter()
        .map(|(dimension, value)| (*dimension, value.as_str()))
        .collect();
    for (key, value) in &narrowing.metadata {
        let dimension = match key.as_str() {
            "user" => Some(Dimension::User),
            "app" => Some(Dimension::App),
            "tags" => Some(Dimension::Tag),
            _ => None,
        };
        match dimension {
            Some(dimension) => wanted.push((dimension, value)),
            None => conditions.push(Narrow::Metadata {
                key: key.clone(),
                value: value.clone(),
            }),
        }
    }
    for (dimension, value) in wanted {
        conditions.push(dimension_condition(
            snapshot,
            workspace_id,
            dimension,
            value,
        )?);
    }
    if let Some(error_type) = &narrowing.error_type {
        conditions.push(Narrow::ErrorType(error_type.clone()));
    }
    conditions.extend(narrowing.min_latency_ms.map(Narrow::MinLatencyMs));
    conditions.extend(narrowing.min_ttft_ms.map(Narrow::MinTtftMs));
    conditions.extend(
        narrowing
            .min_cost_micros
            .map(|micros| Narrow::MinCost(micros as f64 / 1e6)),
    );
    Ok(conditions)
}

fn dimension_condition(
    snapshot: &dyn Snapshot,
    workspace_id: WorkspaceId,
    dimension: Dimension,
    value: &str,
) -> Result<Narrow, StoreError> {
    let id = || snapshot.dimension_value_id(workspace_id, dimension, value);
    Ok(match dimension {
        Dimension::User => id()?.map_or(Narrow::Nothing, Narrow::User),
        Dimension::App => id()?.map_or(Narrow::Nothing, Narrow::App),
        Dimension::Provider => id()?.map_or(Narrow::Nothing, Narrow::Provider),
        Dimension::Tag => id()?.map_or(Narrow::Nothing, Narrow::Tag),
        Dimension::Key => Narrow::Keys(snapshot.key_ids_named(workspace_id, value)?),
        Dimension::Kind => {
            ModelKind::parse(value).map_or(Narrow::Nothing, |kind| Narrow::Kind(kind.code()))
        }
        Dimension::Operation => Narrow::Operation {
            name: value.to_owned(),
            default_of: ModelKind::ALL
                .into_iter()
                .filter(|kind| kind.default_operation() == value)
                .map(ModelKind::code)
                .collect(),
        },
    })
}
