//! One route component per file, and one lazily loaded route per page.
//!
//! Each page's code is split out of the main wasm (`#[lazy_route]`, cut by `wasm-split` in the
//! Makefile's build): a browser downloads the main module (router, header, shared code) and the
//! chunk of the page it opens; later navigations fetch only the next page's chunk. On the
//! server the routes render as before, and name the chunks a page needs so that the browser is
//! told to fetch them alongside the main module instead of after it.

mod alerts;
mod analytics;
mod login;
mod logs;
mod not_found;
mod settings;

pub use alerts::AlertsPage;
pub use analytics::AnalyticsPage;
pub use login::LoginPage;
pub use logs::LogsPage;
pub use not_found::NotFound;
pub use settings::SettingsPage;

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// Which wasm files each page's code is in: the build's `__wasm_split_manifest.json` (split
/// name to the files it loads, shared chunks first) and the path the files are served under
/// (`/pkg/{version}`). The server provides it to every page it renders.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug)]
pub struct PageChunks {
    pub pkg_path: String,
    pub splits: std::sync::Arc<std::collections::HashMap<String, Vec<String>>>,
}

#[cfg(feature = "ssr")]
impl PageChunks {
    /// The `Link` header value that preloads the files of the split whose name starts with
    /// `__{stem}_` (the macro adds a hash of where the route is declared), the module that
    /// loads them and, for a page that draws `charts` as it opens, the chart script. `None` when the
    /// build has no such split.
    pub fn preload_header(&self, stem: &str, charts: bool) -> Option<String> {
        let prefix = format!("__{stem}_");
        let (_, files) = self
            .splits
            .iter()
            .find(|(name, _)| name.starts_with(&prefix))?;
        let pkg = &self.pkg_path;
        let mut links: Vec<String> = files
            .iter()
            .map(|file| {
                format!("<{pkg}/{file}.wasm>; rel=preload; as=fetch; type=\"application/wasm\"; crossorigin=anonymous")
            })
            .collect();
        links.push(format!("<{pkg}/__wasm_split.js>; rel=modulepreload"));
        if charts {
            links.push(format!("<{pkg}/charts.min.js>; rel=preload; as=script"));
        }
        Some(links.join(", "))
    }
}

/// Tells the browser, in the answer's headers, to fetch the chunks of the page being rendered
/// (and the chart script, when it opens with `charts`).
#[cfg(feature = "ssr")]
fn preload_page_chunks(stem: &str, charts: bool) {
    let (Some(chunks), Some(response)) = (
        use_context::<PageChunks>(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Some(value) = chunks
        .preload_header(stem, charts)
        .and_then(|links| http::HeaderValue::from_str(&links).ok())
    {
        response.append_header(http::header::LINK, value);
    }
}

/// A route type whose view is `$page`, loaded as its own wasm chunk, the split `$stem` (the
/// snake-case name `#[lazy_route]` gives the view function); `$charts` when its first view
/// draws charts.
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident => $page:ident, $stem:literal, $charts:literal) => {
        $(#[$doc])*
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                #[cfg(feature = "ssr")]
                preload_page_chunks($stem, $charts);
                view! { <$page /> }.into_any()
            }
        }
    };
}

lazy_page!(
    /// `/analytics`: KPIs, charts, groups and the models table.
    AnalyticsRoute => AnalyticsPage, "analytics_route_view", true
);
lazy_page!(
    /// `/logs`: filters, pages of calls, the details panel.
    LogsRoute => LogsPage, "logs_route_view", false
);
lazy_page!(
    /// `/alerts`: rules, the rule editor (whose preview chart draws as the page opens), history
    /// and channels.
    AlertsRoute => AlertsPage, "alerts_route_view", true
);
lazy_page!(
    /// `/settings`: account, members, keys, prices.
    SettingsRoute => SettingsPage, "settings_route_view", false
);
lazy_page!(
    /// `/login`.
    LoginRoute => LoginPage, "login_route_view", false
);

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::PageChunks;

    #[test]
    fn a_page_preloads_its_split_after_the_chunks_it_shares() {
        let chunks = PageChunks {
            pkg_path: "/pkg/abc".into(),
            splits: std::sync::Arc::new(
                [
                    (
                        "__logs_route_view_1".to_owned(),
                        vec!["chunk_2".to_owned(), "split___logs_route_view_1".to_owned()],
                    ),
                    (
                        "__login_route_view_1".to_owned(),
                        vec!["split___login_route_view_1".to_owned()],
                    ),
                ]
                .into(),
            ),
        };
        assert_eq!(
            chunks.preload_header("logs_route_view", false).as_deref(),
            Some(
                "</pkg/abc/chunk_2.wasm>; rel=preload; as=fetch; type=\"application/wasm\"; crossorigin=anonymous, \
                 </pkg/abc/split___logs_route_view_1.wasm>; rel=preload; as=fetch; type=\"application/wasm\"; crossorigin=anonymous, \
                 </pkg/abc/__wasm_split.js>; rel=modulepreload"
            )
        );
        // `login` is a prefix of `logs`' stem, not of its split name: no confusion.
        let login = chunks
            .preload_header("login_route_view", true)
            .expect("a login split");
        assert!(login.contains("split___login_route_view_1"), "{login}");
        assert!(!login.contains("logs"), "{login}");
        assert!(
            login.ends_with("</pkg/abc/charts.min.js>; rel=preload; as=script"),
            "{login}"
        );
        assert_eq!(chunks.preload_header("settings_route_view", false), None);
    }
}
