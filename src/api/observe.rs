//! The outermost layer: every request gets an id (`x-request-id`, the caller's when sane),
//! a server span continuing the caller's `traceparent`, the HTTP metrics, and, when it
//! is answered with a 5xx, the one structured error event of that request.

use std::{sync::Arc, time::Instant};

use poem::{Endpoint, IntoResponse, Request, Response, http::HeaderValue};

use crate::telemetry::{Metrics, errors, otel};

/// What a request carries into the jobs it enqueues: its id and W3C trace context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    pub request_id: String,
    /// The request's server span as a parent (not the caller's header): a job started by
    /// a request without a `traceparent` still joins the request's trace.
    pub traceparent: Option<String>,
}

/// A `traceparent` (W3C Trace Context, version 00) if well-formed.
fn traceparent(req: &Request) -> Option<&str> {
    let v = req.headers().get("traceparent")?.to_str().ok()?;
    let parts: Vec<&str> = v.split('-').collect();
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (parts.len() == 4
        && parts[0] == "00"
        && hex(parts[1], 32)
        && hex(parts[2], 16)
        && hex(parts[3], 2))
    .then_some(v)
}

/// The caller's `x-request-id` when it is sane, else a new one.
fn request_id(req: &Request) -> String {
    req.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

/// Where the request's tenant is left once a token names it (`middleware::limit_user`),
/// for the 5xx report, which is made after the request's data is gone.
#[derive(Clone, Default)]
pub struct TenantSlot(pub std::sync::Arc<std::sync::OnceLock<uuid::Uuid>>);

/// Request id, server span and metrics around every request; the one place a 5xx is
/// reported (see `telemetry::errors`).
pub async fn observe<E: Endpoint>(ep: Arc<E>, mut req: Request, metrics: &Metrics) -> Response {
    use tracing::Instrument;
    let request_id = request_id(&req);
    let method = req.method().to_string();
    let fallback_route = fallback_route(req.uri().path());
    let started = Instant::now();
    // The path only: query strings may carry tickets and are never logged. The route (the
    // operation id) is known once an operation answered; the span is renamed then.
    let span = tracing::info_span!(
        "http",
        otel.name = %method,
        otel.kind = "server",
        otel.status_code = tracing::field::Empty,
        http.request.method = %method,
        url.path = loggable_path(req.uri().path()),
        route = tracing::field::Empty,
        http.response.status_code = tracing::field::Empty,
        request_id = %request_id,
        trace_id = tracing::field::Empty,
        tenant_id = tracing::field::Empty,
    );
    otel::continue_trace(&span, traceparent(&req));
    let tenant = TenantSlot::default();
    req.set_data(tenant.clone());
    req.set_data(RequestContext {
        request_id: request_id.clone(),
        traceparent: otel::traceparent(&span),
    });
    let mut resp = match ep.call(req).instrument(span.clone()).await {
        Ok(r) => r.into_response(),
        Err(e) => e.into_response(),
    };
    let route = resp
        .data::<poem_openapi::OperationId>()
        .map(|o| o.0.to_string())
        .unwrap_or(fallback_route);
    let status = resp.status().as_u16();
    otel::rename(&span, format!("{method} {route}"));
    span.record("route", route.as_str());
    span.record("http.response.status_code", status);
    if resp.status().is_server_error() {
        let failure = errors::HttpFailure {
            request_id: &request_id,
            method: &method,
            route: &route,
            status,
            tenant_id: tenant.0.get().copied(),
        };
        errors::http_5xx(metrics, &span, &failure);
    }
    metrics
        .http_requests
        .with_label_values(&[&route, &method, &status.to_string()])
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

/// The path as logged and exported: invoice download links carry their access token in
/// the path, so theirs is cut to the prefix.
fn loggable_path(path: &str) -> &str {
    if path.starts_with("/pub/invoices/") {
        "/pub/invoices/…"
    } else {
        path
    }
}

/// A bounded route label for requests no operation claimed (raw paths are unbounded).
fn fallback_route(path: &str) -> String {
    match path {
        "/ws" | "/openapi.yaml" | "/openapi.json" | "/.well-known/jwks.json" => path.to_string(),
        p if p.starts_with("/docs") => "/docs".into(),
        p if p.starts_with("/dashboard") => "/dashboard".into(),
        p if p.starts_with("/pub/invoices/") => "/pub/invoices".into(),
        _ => "unmatched".into(),
    }
}
