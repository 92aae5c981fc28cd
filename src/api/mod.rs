//! The HTTP edge: poem-openapi services, the WebSocket route, and the middleware.
//!
//! Handlers parse and map; they call `domain/` and the job queue and return typed
//! responses. The middleware, outermost first: request id (accepted or generated, and
//! returned on every response, errors included), metrics, and the error envelope.

mod job_view;
mod jobs;
mod probes;
mod queue_depth;
mod security;
mod system;
mod webhooks;

use std::time::Instant;

use poem::{
    Endpoint, EndpointExt, IntoResponse, Request, Response, Route, Server,
    http::{HeaderValue, StatusCode},
    listener::{Acceptor, Listener, TcpListener},
};
use poem_openapi::{OpenApiService, Tags};

use crate::{app::App, error::envelope_for, workflows::hub::Hub, ws};

#[derive(Tags)]
pub enum ApiTags {
    /// Liveness, readiness, metrics.
    System,
    /// Jobs: workflow runs, their state, retry and cancel.
    Jobs,
    /// Signed callbacks from providers.
    Webhooks,
}

type Apis = (
    system::SystemApi,
    jobs::JobsApi,
    probes::ProbesApi,
    webhooks::WebhooksApi,
);

fn service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            system::SystemApi,
            jobs::JobsApi,
            probes::ProbesApi,
            webhooks::WebhooksApi,
        ),
        "Execora",
        env!("CARGO_PKG_VERSION"),
    )
    .description("Voice-first shop assistant back end: jobs, workflows and their events.")
}

/// The OpenAPI document as YAML (what `openapi/execora.yaml` holds).
pub fn spec_yaml() -> String {
    service().spec_yaml()
}

/// The whole HTTP application.
pub fn routes(app: App, hub: Hub) -> impl Endpoint {
    let api = service();
    let docs = api.scalar();
    let yaml = api.spec_endpoint_yaml();
    let json = api.spec_endpoint();
    let metrics = app.metrics.clone();
    Route::new()
        .nest("/", api)
        .at("/openapi.yaml", yaml)
        .at("/openapi.json", json)
        .nest("/docs", docs)
        .at("/ws", ws::endpoint())
        .data(app.tokens.clone())
        .data(app)
        .data(hub)
        .catch_all_error(|err: poem::Error| async move {
            // Handler errors (`ApiError`) already are envelopes with their own code.
            if err.is_from_response() {
                return err.into_response();
            }
            let (status, body) = envelope_for(&err);
            let mut resp = poem::web::Json(body).with_status(status).into_response();
            if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE
            {
                resp.headers_mut()
                    .insert("retry-after", HeaderValue::from_static("1"));
            }
            resp
        })
        .around(move |ep, req| {
            let metrics = metrics.clone();
            async move { Ok(observe(ep, req, &metrics).await) }
        })
}

/// Request id and metrics around every request.
async fn observe<E: Endpoint>(
    ep: std::sync::Arc<E>,
    req: Request,
    metrics: &crate::telemetry::Metrics,
) -> Response {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let method = req.method().to_string();
    let fallback_route = fallback_route(req.uri().path());
    let started = Instant::now();
    let span = tracing::info_span!("http", request_id = %request_id, method = %method);
    let mut resp = {
        let _enter = span.enter();
        drop(_enter);
        use tracing::Instrument;
        match ep.call(req).instrument(span.clone()).await {
            Ok(r) => r.into_response(),
            Err(e) => e.into_response(),
        }
    };
    let route = resp
        .data::<poem_openapi::OperationId>()
        .map(|o| o.0.to_string())
        .unwrap_or(fallback_route);
    let status = resp.status().as_u16().to_string();
    metrics
        .http_requests
        .with_label_values(&[&route, &method, &status])
        .inc();
    metrics
        .http_duration
        .with_label_values(&[&route, &method])
        .observe(started.elapsed().as_secs_f64());
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

/// A bounded route label for requests no operation claimed (no raw paths: unbounded).
fn fallback_route(path: &str) -> String {
    match path {
        "/ws" | "/openapi.yaml" | "/openapi.json" => path.to_string(),
        p if p.starts_with("/docs") => "/docs".into(),
        _ => "unmatched".into(),
    }
}

/// Binds the configured address; the acceptor knows the actual port (for `:0`).
pub async fn bind(addr: std::net::SocketAddr) -> anyhow::Result<impl Acceptor> {
    TcpListener::bind(addr)
        .into_acceptor()
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr} (EXECORA_LISTEN): {e}"))
}

/// The first local address of a bound acceptor.
pub fn local_addr(acceptor: &impl Acceptor) -> Option<std::net::SocketAddr> {
    acceptor
        .local_addr()
        .into_iter()
        .find_map(|a| a.as_socket_addr().copied())
}

/// Serves until `shutdown` resolves; in-flight requests get 10 s to finish.
pub async fn serve(
    acceptor: impl Acceptor + 'static,
    app: App,
    hub: Hub,
    shutdown: impl std::future::Future<Output = std::io::Result<()>> + Send + 'static,
) -> anyhow::Result<()> {
    tracing::info!(listen = ?local_addr(&acceptor), "serving");
    Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(
            routes(app, hub),
            async move {
                let _ = shutdown.await;
            },
            Some(std::time::Duration::from_secs(10)),
        )
        .await?;
    Ok(())
}
