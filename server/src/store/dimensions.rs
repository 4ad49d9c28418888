//! The batch writer's side of dimensions, the same for both stores: which (dimension, value)
//! pairs a call has, and a cache of their dictionary ids (`dimension_values`), so a value costs
//! one lookup per writer rather than one per call.

use std::collections::HashMap;

use app::model::{Dimension, ModelKind};

use super::StoreError;
use crate::domain::record::NewRequest;
use crate::fast_map::FastMap;

/// Dictionary entries cached before the cache starts over (a client sending endless distinct
/// users must not grow the writer's memory without bound).
const MAX_CACHED: usize = 200_000;

/// A call's dimensions as stored: dictionary ids on the row, in its tag lists, and the values
/// whose cells it adds to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StoredDimensions {
    pub user: Option<i64>,
    pub app: Option<i64>,
    pub provider: Option<i64>,
    /// In the order sent.
    pub tags: Vec<i64>,
    pub cells: Vec<(Dimension, i64)>,
}

impl StoredDimensions {
    /// `12,57`: the tag ids as the row keeps them.
    pub fn tag_ids_text(&self) -> Option<String> {
        (!self.tags.is_empty()).then(|| {
            self.tags
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",")
        })
    }
}

/// The ids of `12,57`, skipping anything else.
pub fn parse_tag_ids(text: Option<&str>) -> Vec<i64> {
    text.map(|text| text.split(',').filter_map(|id| id.parse().ok()).collect())
        .unwrap_or_default()
}

/// How a store finds (or creates) dictionary ids and key names inside the batch's transaction,
/// one at a time (SQLite's writer; PostgreSQL's fetches a batch's worth at once through
/// [`DictionaryCache::missing`] and [`DictionaryCache::remember`]).
pub trait Dictionary {
    /// The id of `value` of `dimension` in `workspace_id`, created when new.
    fn value_id(
        &mut self,
        workspace_id: i64,
        dimension: Dimension,
        value: &str,
    ) -> Result<i64, StoreError>;

    /// The name of ingest key `key_id`.
    fn key_name(&mut self, key_id: i64) -> Result<Option<String>, StoreError>;
}

/// The (dimension, value) pairs of `record`, stored as `kind` through a key named `key_name`,
/// whose model a price catalog says `catalog_provider` serves: user, app, key, tags,
/// operation, kind, provider (the call's own, else the catalog's).
pub fn pairs<'a>(
    record: &'a NewRequest,
    kind: ModelKind,
    key_name: Option<&'a str>,
    catalog_provider: Option<&'a str>,
) -> Vec<(Dimension, &'a str)> {
    let dimensions = &record.dimensions;
    let mut pairs = Vec::with_capacity(6 + dimensions.tags.len());
    pairs.extend(
        dimensions
            .user
            .as_deref()
            .map(|user| (Dimension::User, user)),
    );
    pairs.extend(dimensions.app.as_deref().map(|app| (Dimension::App, app)));
    pairs.extend(key_name.map(|name| (Dimension::Key, name)));
    pairs.extend(
        dimensions
            .tags
            .iter()
            .map(|tag| (Dimension::Tag, tag.as_str())),
    );
    let operation = record
        .operation
        .as_deref()
        .unwrap_or_else(|| kind.default_operation());
    pairs.push((Dimension::Operation, operation));
    pairs.push((Dimension::Kind, kind.as_str()));
    if let Some(provider) = dimensions.provider.as_deref().or(catalog_provider) {
        pairs.push((Dimension::Provider, provider));
    }
    pairs
}

/// Dictionary ids and key names the writer has seen.
#[derive(Default)]
pub struct DictionaryCache {
    /// Per workspace and dimension, each value's id: looked up by `&str`, with no allocation.
    ids: FastMap<(i64, Dimension), FastMap<String, i64>>,
    key_names: FastMap<i64, Option<String>>,
}

impl DictionaryCache {
    /// Forgets everything (after a rolled-back transaction created ids that do not exist).
    pub fn clear(&mut self) {
        self.ids.clear();
        self.key_names.clear();
    }

    /// The name of key `key_id`, when known here (`Some(None)`: a key without a row).
    pub fn key_name(&self, key_id: i64) -> Option<Option<&str>> {
        self.key_names.get(&key_id).map(Option::as_deref)
    }

    /// Remembers key `key_id`'s name.
    pub fn remember_key(&mut self, key_id: i64, name: Option<String>) {
        if self.key_names.len() >= MAX_CACHED {
            self.key_names.clear();
        }
        self.key_names.insert(key_id, name);
    }

    /// Which of `pairs` of `workspace_id` have no known id.
    pub fn missing<'a>(
        &self,
        workspace_id: i64,
        pairs: &[(Dimension, &'a str)],
    ) -> Vec<(Dimension, &'a str)> {
        pairs
            .iter()
            .filter(|(dimension, value)| self.id(workspace_id, *dimension, value).is_none())
            .copied()
            .collect()
    }

    /// Remembers the id of `value` of `dimension` in `workspace_id`.
    pub fn remember(&mut self, workspace_id: i64, dimension: Dimension, value: &str, id: i64) {
        // A handful of (workspace, dimension) groups: counting them is cheaper than keeping count.
        if self.ids.values().map(FastMap::len).sum::<usize>() >= MAX_CACHED {
            self.ids.clear();
        }
        self.ids
            .entry((workspace_id, dimension))
            .or_default()
            .insert(value.to_owned(), id);
    }

    /// The id of `value` of `dimension` in `workspace_id`, when known here.
    fn id(&self, workspace_id: i64, dimension: Dimension, value: &str) -> Option<i64> {
        self.ids
            .get(&(workspace_id, dimension))?
            .get(value)
            .copied()
    }

    /// The stored dimensions of `pairs` of `workspace_id`, every id known.
    pub fn stored(
        &self,
        workspace_id: i64,
        pairs: &[(Dimension, &str)],
    ) -> Result<StoredDimensions, StoreError> {
        let mut stored = StoredDimensions::default();
        for (dimension, value) in pairs {
            let id = self
                .id(workspace_id, *dimension, value)
                .ok_or_else(|| StoreError::Task(format!("no id for {dimension:?} {value:?}")))?;
            match dimension {
                Dimension::User => stored.user = Some(id),
                Dimension::App => stored.app = Some(id),
                Dimension::Provider => stored.provider = Some(id),
                Dimension::Tag => stored.tags.push(id),
                Dimension::Key | Dimension::Operation | Dimension::Kind => {}
            }
            stored.cells.push((*dimension, id));
        }
        Ok(stored)
    }

    /// The stored dimensions of `record` (see [`pairs`]), looking up what is not cached one
    /// value at a time through `dictionary`.
    pub fn resolve(
        &mut self,
        dictionary: &mut dyn Dictionary,
        workspace_id: i64,
        key_id: Option<i64>,
        record: &NewRequest,
        kind: ModelKind,
        catalog_provider: Option<&str>,
    ) -> Result<StoredDimensions, StoreError> {
        let key_name = match key_id {
            None => None,
            Some(key_id) => match self.key_name(key_id) {
                Some(name) => name.map(str::to_owned),
                None => {
                    let name = dictionary.key_name(key_id)?;
                    self.remember_key(key_id, name.clone());
                    name
                }
            },
        };
        let pairs = pairs(record, kind, key_name.as_deref(), catalog_provider);
        for (dimension, value) in self.missing(workspace_id, &pairs) {
            let id = dictionary.value_id(workspace_id, dimension, value)?;
            self.remember(workspace_id, dimension, value, id);
        }
        self.stored(workspace_id, &pairs)
    }
}

/// Puts the metadata keys that moved into dimensions back into each call's metadata, so calls
/// read back as sent (the details panel, the export).
pub fn restore_metadata(
    snapshot: &dyn crate::store::reads::Snapshot,
    workspace_id: app::model::WorkspaceId,
    calls: &mut [crate::store::reads::StoredCall],
) -> Result<(), StoreError> {
    use crate::domain::record::dimensions::{restore, STRIPPED_APP, STRIPPED_TAGS, STRIPPED_USER};
    let mut wanted: Vec<i64> = Vec::new();
    for call in calls.iter().filter(|call| call.dimensions.stripped != 0) {
        let ids = &call.dimensions;
        if ids.stripped & STRIPPED_USER != 0 {
            wanted.extend(ids.user);
        }
        if ids.stripped & STRIPPED_APP != 0 {
            wanted.extend(ids.app);
        }
        if ids.stripped & STRIPPED_TAGS != 0 {
            wanted.extend(&ids.tags);
        }
    }
    if wanted.is_empty() {
        return Ok(());
    }
    wanted.sort_unstable();
    wanted.dedup();
    let names: HashMap<i64, String> = snapshot
        .dimension_values(workspace_id, &wanted)?
        .into_iter()
        .map(|(id, _, value)| (id, value))
        .collect();
    let name = |id: Option<i64>| id.and_then(|id| names.get(&id)).map(String::as_str);
    for call in calls
        .iter_mut()
        .filter(|call| call.dimensions.stripped != 0)
    {
        let ids = &call.dimensions;
        let tags: Vec<String> = ids
            .tags
            .iter()
            .filter_map(|id| names.get(id).cloned())
            .collect();
        call.metadata = restore(
            call.metadata.as_deref(),
            ids.stripped,
            name(ids.user),
            name(ids.app),
            &tags,
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Counting {
        created: Vec<(i64, Dimension, String)>,
        key_lookups: usize,
    }

    impl Dictionary for Counting {
        fn value_id(
            &mut self,
            workspace_id: i64,
            dimension: Dimension,
            value: &str,
        ) -> Result<i64, StoreError> {
            self.created
                .push((workspace_id, dimension, value.to_owned()));
            Ok(self.created.len() as i64)
        }

        fn key_name(&mut self, key_id: i64) -> Result<Option<String>, StoreError> {
            self.key_lookups += 1;
            Ok(Some(format!("key-{key_id}")))
        }
    }

    fn record(metadata: serde_json::Value) -> NewRequest {
        let input = crate::domain::record::RecordInput {
            timestamp_ms: Some(crate::clock::now_ms()),
            model: Some("m".into()),
            status: Some(200),
            metadata: metadata.as_object().cloned(),
            ..Default::default()
        };
        input
            .validate(crate::clock::now_ms(), crate::domain::record::Source::Api)
            .expect("a valid record")
    }

    #[test]
    fn a_call_names_each_of_its_values_once_and_the_cache_saves_lookups() {
        let mut dictionary = Counting::default();
        let mut cache = DictionaryCache::default();
        let call = record(
            serde_json::json!({"user": "u1", "app": "a", "tags": ["x", "y"], "provider": "openai"}),
        );
        let stored = cache
            .resolve(
                &mut dictionary,
                1,
                Some(9),
                &call,
                ModelKind::Llm,
                Some("ignored"),
            )
            .expect("resolved");
        let dimensions: Vec<Dimension> = stored.cells.iter().map(|(d, _)| *d).collect();
        assert_eq!(
            dimensions,
            [
                Dimension::User,
                Dimension::App,
                Dimension::Key,
                Dimension::Tag,
                Dimension::Tag,
                Dimension::Operation,
                Dimension::Kind,
                Dimension::Provider
            ]
        );
        assert_eq!(stored.tag_ids_text().as_deref(), Some("4,5"));
        assert_eq!(dictionary.created[2].2, "key-9");
        assert_eq!(dictionary.created[5].2, "chat");
        assert_eq!(
            dictionary.created[7].2, "openai",
            "the call's own provider wins"
        );
        let again = cache
            .resolve(&mut dictionary, 1, Some(9), &call, ModelKind::Llm, None)
            .expect("resolved");
        assert_eq!(again, stored);
        assert_eq!((dictionary.created.len(), dictionary.key_lookups), (8, 1));
        let plain = record(serde_json::json!({}));
        let stored = cache
            .resolve(
                &mut dictionary,
                2,
                None,
                &plain,
                ModelKind::Image,
                Some("openai"),
            )
            .expect("resolved");
        assert_eq!(
            stored.cells.len(),
            3,
            "operation, kind and the catalog's provider"
        );
        assert_eq!(parse_tag_ids(Some("4,5,x")), [4, 5]);
    }
}
