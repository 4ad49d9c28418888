//! The built front end: pages name its files under a path with their content's hash, those
//! answers may be kept for a year, their brotli or gzip copies go to browsers that accept them,
//! and pages themselves are never kept.

use axum::http::StatusCode;
use server::http::assets::version_of;
use server::ingest::writer::WriterConfig;

use crate::helpers::{spawn_app_configured, TestApp, HOST};

const GLUE: &str = "export default function init() { return 'the glue'; }";

/// An app serving a small built front end in a temporary folder.
async fn app_with_site() -> (TestApp, tempfile::TempDir, String) {
    let site = tempfile::tempdir().expect("a temporary folder");
    let pkg = site.path().join("pkg");
    std::fs::create_dir(&pkg).expect("pkg");
    std::fs::write(pkg.join("modelwatch.js"), GLUE).expect("write");
    std::fs::write(pkg.join("modelwatch.js.br"), "brotli bytes").expect("write");
    std::fs::write(pkg.join("modelwatch.js.gz"), "gzip bytes").expect("write");
    std::fs::write(pkg.join("modelwatch.css"), "body { margin: 0 }").expect("write");
    std::fs::write(pkg.join("charts.min.js"), "var modelwatchCharts = {};").expect("write");
    std::fs::write(
        pkg.join("__wasm_split_manifest.json"),
        r#"{"__analytics_route_view_77": ["chunk_6", "split___analytics_route_view_77"],
            "__login_route_view_77": ["split___login_route_view_77"]}"#,
    )
    .expect("write");
    std::fs::write(site.path().join("private.txt"), "outside pkg").expect("write");
    let version = version_of(&pkg);
    let root = site.path().to_str().expect("utf-8 path").to_owned();
    let app = spawn_app_configured(WriterConfig::default(), move |state| {
        state.with_site_root(&root)
    })
    .await;
    (app, site, version)
}

async fn fetch(
    app: &TestApp,
    path: &str,
    accept_encoding: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut headers = vec![("host", HOST)];
    if let Some(encoding) = accept_encoding {
        headers.push(("accept-encoding", encoding));
    }
    let answer = app.raw_bytes("GET", path, &headers, "").await;
    (answer.status, answer.headers, answer.body)
}

fn header<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .map(|value| value.to_str().expect("ascii"))
        .unwrap_or("")
}

#[tokio::test]
async fn pages_name_the_front_end_by_its_content_and_are_never_kept() {
    let (app, _site, version) = app_with_site().await;
    assert_eq!(version.len(), 16, "{version}");
    for (path, session) in [("/login", None), ("/analytics", Some(app.session.as_str()))] {
        let page = app.get_as(path, "text/html", session).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_eq!(header(&page.headers, "cache-control"), "no-store", "{path}");
        for file in ["modelwatch.css", "modelwatch.js"] {
            assert!(
                page.body.contains(&format!("\"/pkg/{version}/{file}\"")),
                "{path} links {file} under its version: {}",
                page.body
            );
        }
        // The wasm fetches the chart script itself, from the folder the page names, where it draws.
        assert!(
            page.body.contains(&format!("data-pkg=\"/pkg/{version}\"")),
            "{path}: {}",
            page.body
        );
        assert!(!page.body.contains("charts.min.js"), "{path}");
        assert!(!page.body.contains("\"/pkg/modelwatch"), "{path}");
    }
}

/// Each page's code is a wasm chunk of its own: the page's answer names the chunks it will
/// load (and the chart script where it opens with charts), so they download alongside the main module.
#[tokio::test]
async fn a_page_names_the_wasm_chunks_it_loads_in_a_link_header() {
    let (app, _site, version) = app_with_site().await;
    let wasm = |file: &str| {
        format!("</pkg/{version}/{file}.wasm>; rel=preload; as=fetch; type=\"application/wasm\"; crossorigin=anonymous")
    };
    let loader = format!("</pkg/{version}/__wasm_split.js>; rel=modulepreload");

    let page = app
        .get_as("/analytics", "text/html", Some(&app.session))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        header(&page.headers, "link"),
        [
            wasm("chunk_6"),
            wasm("split___analytics_route_view_77"),
            loader.clone(),
            format!("</pkg/{version}/charts.min.js>; rel=preload; as=script"),
        ]
        .join(", ")
    );

    let page = app.get_as("/login", "text/html", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        header(&page.headers, "link"),
        [wasm("split___login_route_view_77"), loader].join(", ")
    );

    // A page whose split the build does not have (here: Logs) still renders, without the header.
    let page = app.get_as("/logs", "text/html", Some(&app.session)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(header(&page.headers, "link"), "");
}

#[tokio::test]
async fn a_versioned_file_is_kept_for_a_year_and_sent_precompressed() {
    let (app, _site, version) = app_with_site().await;
    let path = format!("/pkg/{version}/modelwatch.js");
    let (status, headers, body) = fetch(&app, &path, Some("gzip, deflate, br")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "content-encoding"), "br");
    assert_eq!(body, b"brotli bytes");
    assert_eq!(
        header(&headers, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert!(header(&headers, "vary").contains("accept-encoding"));
    assert!(header(&headers, "content-type").contains("javascript"));

    let (_, headers, body) = fetch(&app, &path, Some("gzip")).await;
    assert_eq!(header(&headers, "content-encoding"), "gzip");
    assert_eq!(body, b"gzip bytes");

    let (status, headers, body) = fetch(&app, &path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "content-encoding"), "");
    assert_eq!(body, GLUE.as_bytes());

    // A file without compressed copies is whole, or compressed as it is sent.
    let (status, headers, body) =
        fetch(&app, &format!("/pkg/{version}/modelwatch.css"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, b"body { margin: 0 }");
    assert!(header(&headers, "content-type").starts_with("text/css"));
}

#[tokio::test]
async fn another_version_missing_files_and_paths_out_of_pkg_are_not_kept() {
    let (app, _site, version) = app_with_site().await;
    // A page loaded before an upgrade gets today's file, to be checked again next time.
    let (status, headers, body) = fetch(&app, "/pkg/0123456789abcdef/modelwatch.css", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, b"body { margin: 0 }");
    assert_eq!(header(&headers, "cache-control"), "no-cache");

    let (status, headers, _) = fetch(&app, &format!("/pkg/{version}/missing.js"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(header(&headers, "cache-control"), "no-cache");

    for escape in [
        format!("/pkg/{version}/../private.txt"),
        format!("/pkg/{version}/..%2fprivate.txt"),
        format!("/pkg/{version}/%2e%2e/private.txt"),
    ] {
        let (status, _, body) = fetch(&app, &escape, None).await;
        assert_ne!(body, b"outside pkg", "{escape}");
        assert_ne!(status, StatusCode::OK, "{escape}");
    }

    // The unversioned path still answers (pages cached before this build named it).
    let (status, _, body) = fetch(&app, "/pkg/modelwatch.css", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, b"body { margin: 0 }");
}
