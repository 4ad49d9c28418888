//! The engine: every answer the UI and the machine endpoints get and every change they make
//! (rules, members, keys, prices), over the storage seam; it implements `app`'s `Backend`.

use app::model::WorkspaceId;
pub mod analytics;
mod backend;
pub mod logs;
mod passwords;
pub mod request_ids;
mod settings;

use std::sync::Arc;

use self::request_ids::RequestIds;
use crate::store::reads::SharedReads;
use crate::store::{SharedStorage, StoreError};
use app::model::{
    AnalyticsReport, Dimension, GroupReport, GroupSort, LogDetail, LogPage, WorkspaceInfo,
};
use app::url_state::{AnalyticsFilter, LogsFilter};

/// The workspace every dashboard user sees until accounts and sessions land.
pub const DEFAULT_WORKSPACE_ID: WorkspaceId = WorkspaceId::trusted(1);

const DAY_MS: i64 = 86_400_000;

/// The engine behind the dashboard's server functions.
#[derive(Clone)]
pub struct Engine {
    storage: SharedStorage,
    reader: SharedReads,
    ids: Arc<RequestIds>,
    /// How long a Logs page searches before answering with what it found.
    search_budget: std::time::Duration,
    /// For webhooks ("send test" and deliveries), under the server's webhook policy.
    webhooks: crate::alerts::webhook::client::WebhookClient,
    /// Workspace keys verified recently (ingest, OTLP and the proxy check keys through it).
    keys: Arc<crate::auth::keys::KeyCache>,
    /// Password attempts per account and client address, and the verification slots: login
    /// and password changes count against the same limits.
    limiter: Arc<crate::auth::limiter::LoginLimiter>,
}

impl Engine {
    /// An engine answering from `storage`.
    pub fn new(storage: SharedStorage) -> Self {
        Self {
            reader: storage.reads(),
            storage,
            ids: Arc::new(RequestIds::new()),
            search_budget: logs::SEARCH_BUDGET,
            webhooks: crate::alerts::webhook::client::WebhookClient::new(Default::default()),
            keys: Arc::default(),
            limiter: Arc::default(),
        }
    }

    /// The password limits login shares with password changes.
    pub fn limiter(&self) -> Arc<crate::auth::limiter::LoginLimiter> {
        Arc::clone(&self.limiter)
    }

    /// The workspace keys verified recently.
    pub fn keys(&self) -> &crate::auth::keys::KeyCache {
        &self.keys
    }

    /// The client webhooks are sent with (the default policy unless `with_webhooks` changed it).
    pub fn webhooks(&self) -> crate::alerts::webhook::client::WebhookClient {
        self.webhooks.clone()
    }

    /// The same engine sending webhooks through `client` (the server's configured policy).
    pub fn with_webhooks(mut self, client: crate::alerts::webhook::client::WebhookClient) -> Self {
        self.webhooks = client;
        self
    }

    /// The same engine with another Logs search budget (tests use zero: every page then stops
    /// after its first window of time, and its "older" link continues from there).
    pub fn with_search_budget(mut self, budget: std::time::Duration) -> Self {
        self.search_budget = budget;
        self
    }

    /// The read snapshots (the alert evaluator reads cells through them too).
    pub fn reader(&self) -> SharedReads {
        Arc::clone(&self.reader)
    }

    /// The storage.
    pub fn storage(&self) -> &SharedStorage {
        &self.storage
    }

    /// The in-memory request-ID index (the catch-up job keeps it current).
    pub fn request_ids(&self) -> Arc<RequestIds> {
        Arc::clone(&self.ids)
    }

    /// Brings the request-ID index up to date with the table; returns the rows added.
    pub async fn catch_up_request_ids(&self) -> Result<u64, StoreError> {
        let ids = Arc::clone(&self.ids);
        self.reader
            .read(move |snapshot| ids.catch_up(snapshot))
            .await
    }

    async fn workspace(&self, workspace_id: WorkspaceId) -> Result<WorkspaceInfo, StoreError> {
        self.storage
            .workspace_by_id(workspace_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("workspace {workspace_id} is missing")))
    }

    /// The editor's preview of `spec` in `workspace_id` at `now_ms`.
    pub async fn rule_preview(
        &self,
        workspace_id: WorkspaceId,
        spec: app::model::RuleSpec,
        now_ms: i64,
    ) -> Result<app::model::RulePreview, StoreError> {
        let retention_days = self.workspace(workspace_id).await?.retention_days;
        let minute_cutoff = now_ms - i64::from(retention_days) * DAY_MS;
        self.reader
            .read(move |snapshot| {
                crate::alerts::preview::preview(
                    snapshot,
                    workspace_id,
                    &spec,
                    now_ms,
                    minute_cutoff,
                )
            })
            .await
    }

    /// The resolved Logs question of `workspace_id` for `filter` at `now_ms`.
    pub async fn log_scope(
        &self,
        workspace_id: WorkspaceId,
        filter: &LogsFilter,
        now_ms: i64,
    ) -> Result<(logs::LogScope, u32), StoreError> {
        let retention_days = self.workspace(workspace_id).await?.retention_days;
        let filter = filter.clone();
        let scope = self
            .reader
            .read(move |snapshot| {
                logs::LogScope::resolve(snapshot, workspace_id, &filter, now_ms, retention_days)
            })
            .await?;
        Ok((scope, retention_days))
    }

    /// One page of the Logs table of `workspace_id` for `filter`, presets ending at `now_ms`;
    /// the page search and the count run in parallel.
    pub async fn logs_page(
        &self,
        workspace_id: WorkspaceId,
        filter: &LogsFilter,
        now_ms: i64,
    ) -> Result<LogPage, StoreError> {
        let (scope, retention_days) = self.log_scope(workspace_id, filter, now_ms).await?;
        let scope = Arc::new(scope);
        let (page_scope, count_scope) = (Arc::clone(&scope), Arc::clone(&scope));
        let budget = self.search_budget;
        let ids = Arc::clone(&self.ids);
        let (page, matching) = tokio::try_join!(
            self.reader
                .read(move |snapshot| logs::page(snapshot, &page_scope, &ids, budget)),
            self.reader
                .read(move |snapshot| logs::matching(snapshot, &count_scope)),
        )?;
        let matching = match (&scope.request_id, matching) {
            (Some(app::url_state::RequestIdFilter::Exact(_)), _) => Some(page.rows.len() as i64),
            (_, matching) => matching,
        };
        Ok(LogPage {
            from_ms: scope.calls.from_ms,
            to_ms: scope.calls.to_ms,
            rows: page.rows,
            older: page.older,
            newer: page.newer,
            searched_to_ms: page.searched_to_ms,
            matching,
            retention_days,
            generated_at_ms: now_ms,
            model_options: scope.model_options.clone(),
        })
    }

    /// Everything stored about the newest call of `workspace_id` with `request_id` that
    /// retention keeps at `now_ms`.
    pub async fn log_detail(
        &self,
        workspace_id: WorkspaceId,
        request_id: String,
        now_ms: i64,
    ) -> Result<Option<LogDetail>, StoreError> {
        let retention_days = self.workspace(workspace_id).await?.retention_days;
        let ids = Arc::clone(&self.ids);
        self.reader
            .read(move |snapshot| {
                let models = snapshot
                    .models(workspace_id)?
                    .into_iter()
                    .map(|model| (model.id, model.option.name))
                    .collect();
                let filter = crate::store::reads::CallFilter {
                    workspace_id,
                    from_ms: now_ms - i64::from(retention_days) * DAY_MS,
                    // Timestamps may run a little ahead of the server's clock.
                    to_ms: i64::MAX,
                    models: None,
                    status: None,
                    id_prefix: None,
                    narrowing: Vec::new(),
                };
                logs::detail(snapshot, &filter, &ids, &models, &request_id)
            })
            .await
    }

    /// The Analytics report of `workspace_id` for `filter`, with presets ending at `now_ms`.
    pub async fn analytics_report(
        &self,
        workspace_id: WorkspaceId,
        filter: &AnalyticsFilter,
        now_ms: i64,
    ) -> Result<AnalyticsReport, StoreError> {
        let workspace = self.workspace(workspace_id).await?;
        // Minute cells live as long as raw rows; older edges are answered by whole hours.
        let minute_cutoff_ms = now_ms - i64::from(workspace.retention_days) * DAY_MS;
        let filter = filter.clone();
        let resolve_filter = filter.clone();
        let (scope, model_options) = self
            .reader
            .read(move |snapshot| {
                analytics::Scope::resolve(
                    snapshot,
                    workspace_id,
                    &resolve_filter,
                    now_ms,
                    minute_cutoff_ms,
                )
            })
            .await?;
        // Independent reads on their own connections, in parallel (the grouped one is two more).
        let scope = Arc::new(scope);
        let (chart_scope, table_scope, previous_scope) =
            (Arc::clone(&scope), Arc::clone(&scope), Arc::clone(&scope));
        let (group, sort) = (filter.group, filter.group_sort);
        let (series, (models, kinds, kpis), previous, groups) = tokio::try_join!(
            // A grouped report's chart is the groups' (`grouped`).
            self.reader.read(move |snapshot| match group {
                None => analytics::chart(snapshot, &chart_scope),
                Some(_) => Ok(Vec::new()),
            }),
            self.reader
                .read(move |snapshot| analytics::table(snapshot, &table_scope)),
            self.reader
                .read(move |snapshot| analytics::previous(snapshot, &previous_scope)),
            self.grouped(Arc::clone(&scope), group, sort),
        )?;
        Ok(AnalyticsReport {
            from_ms: scope.from_ms,
            to_ms: scope.to_ms,
            granularity: scope.granularity,
            generated_at_ms: now_ms,
            kpis,
            previous,
            series,
            models,
            kinds,
            model_options,
            groups,
        })
    }

    /// The report grouped by `group`, if asked: the values ranked, then their table and their
    /// chart read in parallel (the slowest part of a grouped answer, so it is split in two).
    async fn grouped(
        &self,
        scope: Arc<analytics::Scope>,
        group: Option<Dimension>,
        sort: GroupSort,
    ) -> Result<Option<GroupReport>, StoreError> {
        let Some(dimension) = group else {
            return Ok(None);
        };
        let rank_scope = Arc::clone(&scope);
        let ranked = Arc::new(
            self.reader
                .read(move |snapshot| {
                    analytics::groups::rank(snapshot, &rank_scope, dimension, sort)
                })
                .await?,
        );
        let (rows_scope, rows_ranked, chart_ranked) =
            (Arc::clone(&scope), Arc::clone(&ranked), Arc::clone(&ranked));
        let (rows, chart) = tokio::try_join!(
            self.reader.read(move |snapshot| analytics::groups::rows(
                snapshot,
                &rows_scope,
                &rows_ranked
            )),
            self.reader.read(move |snapshot| analytics::groups::chart(
                snapshot,
                &scope,
                &chart_ranked
            )),
        )?;
        Ok(Some(ranked.report(rows, chart)))
    }
}
