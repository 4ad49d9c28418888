//! Local webhook endpoints on 127.0.0.1 for the webhook tests: one that answers with a fixed
//! status (and `Location`), one that takes requests and never answers, and a closed port.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use tokio::sync::mpsc;

/// An endpoint's base URL (`http://127.0.0.1:<port>`) and how many requests it took.
pub struct Endpoint {
    pub base: String,
    pub hits: Arc<AtomicUsize>,
    pub port: u16,
}

impl Endpoint {
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

async fn serve(app: axum::Router) -> (String, u16) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://127.0.0.1:{port}"), port)
}

/// Answers every request with `status`, with a `Location` when given; reports each request
/// on `arrived` when given.
pub async fn answering(
    status: StatusCode,
    location: Option<String>,
    arrived: Option<mpsc::UnboundedSender<()>>,
) -> Endpoint {
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&hits);
    let app = axum::Router::new().fallback(move || {
        let location = location.clone();
        let arrived = arrived.clone();
        counted.fetch_add(1, Ordering::SeqCst);
        async move {
            if let Some(arrived) = arrived {
                let _ = arrived.send(());
            }
            match location {
                Some(location) => (status, [(header::LOCATION, location)]).into_response(),
                None => status.into_response(),
            }
        }
    });
    let (base, port) = serve(app).await;
    Endpoint { base, hits, port }
}

/// Takes every request, reports it on `arrived`, and never answers.
pub async fn hanging(arrived: mpsc::UnboundedSender<()>) -> Endpoint {
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&hits);
    let app = axum::Router::new().fallback(move || {
        counted.fetch_add(1, Ordering::SeqCst);
        let _ = arrived.send(());
        std::future::pending::<StatusCode>()
    });
    let (base, port) = serve(app).await;
    Endpoint { base, hits, port }
}

/// A port on 127.0.0.1 nothing listens on (bound, then let go).
pub async fn closed_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    listener.local_addr().expect("addr").port()
}
