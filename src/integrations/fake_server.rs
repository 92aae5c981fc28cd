//! A scripted HTTP server on 127.0.0.1 for the adapter tests: it records every request
//! it receives and answers with canned replies in order, the last one repeating.
//!
//! Tests assert on the recorded requests after the call rather than inside the handler,
//! so a mismatch reads as a plain assertion failure instead of a dropped connection
//! that the retry logic would then hide.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use poem::{Request, Response, Route, endpoint::make, http::StatusCode, listener::TcpAcceptor};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: HashMap<String, String>,
    pub headers: poem::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A canned reply.
#[derive(Debug, Clone)]
pub struct Canned {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Canned {
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Self {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    pub fn bytes(status: u16, content_type: &str, body: &[u8]) -> Self {
        Self {
            status,
            headers: vec![("content-type", content_type.into())],
            body: body.to_vec(),
        }
    }

    pub fn with_header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

struct State {
    replies: Vec<Canned>,
    calls: AtomicUsize,
    recorded: Mutex<Vec<Recorded>>,
}

/// The running server; it stops when dropped.
pub struct FakeServer {
    pub base: String,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeServer {
    pub async fn start(replies: Vec<Canned>) -> Self {
        assert!(!replies.is_empty());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let acceptor = TcpAcceptor::from_std(listener).unwrap();
        let state = Arc::new(State {
            replies,
            calls: AtomicUsize::new(0),
            recorded: Mutex::new(Vec::new()),
        });
        let shared = state.clone();
        let endpoint = make(move |req: Request| {
            let state = shared.clone();
            async move { answer(&state, req).await }
        });
        let app = Route::new().at("/*path", endpoint);
        let task = tokio::spawn(async move {
            let _ = poem::Server::new_with_acceptor(acceptor).run(app).await;
        });
        Self {
            base: format!("http://{addr}"),
            state,
            task,
        }
    }

    /// Requests received so far.
    pub fn calls(&self) -> usize {
        self.state.calls.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.recorded.lock().unwrap().clone()
    }

    pub fn last(&self) -> Recorded {
        self.requests().pop().expect("no request received")
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(state: &State, req: Request) -> Response {
    let query = req
        .uri()
        .query()
        .unwrap_or("")
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let headers = req.headers().clone();
    let body = req.into_body().into_vec().await.unwrap_or_default();
    state.recorded.lock().unwrap().push(Recorded {
        method,
        path,
        query,
        headers,
        body,
    });
    let n = state.calls.fetch_add(1, Ordering::SeqCst);
    let canned = &state.replies[n.min(state.replies.len() - 1)];
    let mut resp = Response::builder().status(StatusCode::from_u16(canned.status).unwrap());
    for (name, value) in &canned.headers {
        resp = resp.header(*name, value.as_str());
    }
    resp.body(canned.body.clone())
}

/// A provider client for tests: millisecond backoff, a breaker named `breaker` that
/// opens after `threshold` failed calls and stays open for a minute.
pub fn client(
    provider: &'static str,
    breaker: &'static str,
    metrics: &Arc<crate::telemetry::Metrics>,
    threshold: u32,
    max_retries: u32,
) -> super::provider::ProviderClient {
    use std::time::Duration;
    let gauge = metrics.breaker_state.with_label_values(&[breaker]);
    let breaker =
        crate::resilience::CircuitBreaker::new(breaker, threshold, Duration::from_secs(60), gauge);
    let retry = super::provider::RetrySettings {
        max_retries,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
    };
    super::provider::ProviderClient::new(
        super::provider::ProviderClient::http_client(Duration::from_secs(5)).unwrap(),
        provider,
        Arc::new(breaker),
        metrics.clone(),
        retry,
    )
}

/// A fresh metrics registry per test.
pub fn metrics() -> Arc<crate::telemetry::Metrics> {
    Arc::new(crate::telemetry::Metrics::new().unwrap())
}
