//! The built front end (`pkg/`: the wasm, its JavaScript glue, the stylesheet, the chart script) under a
//! path that names its content: `/pkg/{version}/{file}`, where the version is a hash of every
//! file in `pkg/` taken when the server starts. Pages link there (`LeptosOptions::site_pkg_dir`
//! is `pkg/{version}`), so browsers may keep the files for a year and a new build is a new
//! path. The `.br` and `.gz` copies the build writes next to a file are sent as they are to
//! browsers that accept them; a file without them is compressed as it is sent.
//!
//! A request naming another version (a page loaded before the server was upgraded) gets
//! today's file, which must not be cached. Plain `/pkg/{file}` still answers, uncached.

use std::path::Path;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::http::AppState;

/// The folder under the site root and the path prefix of the built front end.
pub const PKG: &str = "pkg";

/// How long a browser keeps a file whose path names its content.
const FOREVER: &str = "public, max-age=31536000, immutable";

/// What a file without its content in its path, or from another version, may be kept as.
const REVALIDATE: &str = "no-cache";

/// Hex digits of the content hash in the path.
const VERSION_LEN: usize = 16;

/// The version of the files in `pkg_dir`: a hash of their names and contents, in name order,
/// leaving out the compressed copies (they follow from the rest). `"none"` when there is no
/// built front end.
pub fn version_of(pkg_dir: &Path) -> String {
    let Ok(entries) = std::fs::read_dir(pkg_dir) else {
        return "none".to_owned();
    };
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_file()))
        .map(|entry| entry.path())
        .filter(|path| {
            !matches!(
                path.extension().and_then(|ext| ext.to_str()),
                Some("br" | "gz")
            )
        })
        .collect();
    files.sort();
    let mut hash = Sha256::new();
    for path in &files {
        let Ok(contents) = std::fs::read(path) else {
            continue;
        };
        let name = path
            .file_name()
            .map(|n| n.as_encoded_bytes())
            .unwrap_or(b"");
        hash.update((name.len() as u64).to_le_bytes());
        hash.update(name);
        hash.update((contents.len() as u64).to_le_bytes());
        hash.update(&contents);
    }
    let digest = hash.finalize();
    let mut version = String::with_capacity(VERSION_LEN);
    for byte in digest.iter().take(VERSION_LEN / 2) {
        version.push_str(&format!("{byte:02x}"));
    }
    version
}

/// `/pkg/{version}/{file}`.
pub fn router() -> Router<AppState> {
    Router::new().route(&format!("/{PKG}/{{version}}/{{*file}}"), get(versioned))
}

/// Which wasm files each lazily loaded page needs, from the `__wasm_split_manifest.json` the
/// build writes into `pkg_dir` (end2end/split-manifest.mjs), with `pkg_path` (`pkg/{version}`)
/// where pages link them. `None`, with a warning, when the file is missing or unreadable: pages
/// still work, and fetch their chunks only once the main module asks for them.
pub fn split_manifest(pkg_dir: &Path, pkg_path: &str) -> Option<app::pages::PageChunks> {
    let file = pkg_dir.join("__wasm_split_manifest.json");
    let read = std::fs::read_to_string(&file)
        .map_err(|error| error.to_string())
        .and_then(|text| {
            serde_json::from_str::<std::collections::HashMap<String, Vec<String>>>(&text)
                .map_err(|error| error.to_string())
        });
    match read {
        Ok(splits) => Some(app::pages::PageChunks {
            pkg_path: format!("/{pkg_path}"),
            splits: std::sync::Arc::new(splits),
        }),
        Err(error) => {
            if pkg_dir.exists() {
                tracing::warn!(file = %file.display(), %error, "no wasm split manifest");
            }
            None
        }
    }
}

/// A file of `pkg/` by a path with a version in it.
async fn versioned(State(state): State<AppState>, mut request: Request) -> Response {
    let options = &state.leptos_options;
    let path = request.uri().path().to_owned();
    let Some((version, file)) = path
        .strip_prefix(&format!("/{PKG}/"))
        .and_then(|rest| rest.split_once('/'))
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let current = options.site_pkg_dir.strip_prefix(&format!("{PKG}/")) == Some(version);
    let Ok(uri) = Uri::try_from(format!("/{file}")) else {
        return (StatusCode::BAD_REQUEST, "not a file name").into_response();
    };
    *request.uri_mut() = uri;
    let files = ServeDir::new(Path::new(options.site_root.as_ref()).join(PKG))
        .precompressed_br()
        .precompressed_gzip();
    let Ok(mut response) = files.oneshot(request).await;
    let found = response_is_file(response.status());
    let policy = if current && found {
        FOREVER
    } else {
        REVALIDATE
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    if found {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response.map(axum::body::Body::new)
}

/// Whether an answer of `ServeDir` is the file (whole, a range of it, or "not modified").
fn response_is_file(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::OK | StatusCode::PARTIAL_CONTENT | StatusCode::NOT_MODIFIED
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_follows_names_and_contents_but_not_compressed_copies() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        assert_eq!(version_of(&dir.path().join("missing")), "none");
        std::fs::write(dir.path().join("a.js"), "one").expect("write");
        let first = version_of(dir.path());
        assert_eq!(first.len(), VERSION_LEN);
        assert!(first.bytes().all(|b| b.is_ascii_hexdigit()));
        std::fs::write(dir.path().join("a.js.br"), "compressed").expect("write");
        std::fs::write(dir.path().join("a.js.gz"), "compressed").expect("write");
        assert_eq!(version_of(dir.path()), first);
        std::fs::write(dir.path().join("a.js"), "two").expect("write");
        let changed = version_of(dir.path());
        assert_ne!(changed, first);
        std::fs::rename(dir.path().join("a.js"), dir.path().join("b.js")).expect("rename");
        assert_ne!(version_of(dir.path()), changed);
    }
}
