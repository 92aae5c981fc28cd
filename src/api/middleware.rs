//! Cross-cutting HTTP concerns, outermost first: request id, span and metrics (in
//! `observe`, re-exported here), security headers, CORS, the client's address, the
//! per-user rate limit, and `Idempotency-Key`.

use std::net::IpAddr;

use poem::{
    Endpoint, IntoResponse, Request, Response,
    http::{HeaderValue, Method, StatusCode},
    web::Json,
};
use sha2::{Digest, Sha256};

use crate::{
    app::App,
    auth::Principal,
    auth::ratelimit::{Decision, Limit},
    domain::idempotency::{self, Begin},
    error::ErrorBody,
};

pub use super::observe::{RequestContext, observe};

/// The caller's address: the peer, or the last untrusted hop of `X-Forwarded-For`
/// when the peer is a trusted proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

pub fn client_ip(req: &Request, trusted: &[ipnet::IpNet]) -> IpAddr {
    let peer = req
        .remote_addr()
        .as_socket_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
    if !trusted.iter().any(|n| n.contains(&peer)) {
        return peer;
    }
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    forwarded
        .split(',')
        .rev()
        .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
        .find(|ip| !trusted.iter().any(|n| n.contains(ip)))
        .unwrap_or(peer)
}

pub fn envelope(status: StatusCode, code: &str, message: &str) -> Response {
    Json(ErrorBody::new(code, message))
        .with_status(status)
        .into_response()
}

/// Adds `RateLimit-*` headers (and `Retry-After` when refused) to a response.
pub fn rate_limit_headers(resp: &mut Response, d: &Decision) {
    let h = resp.headers_mut();
    for (name, value) in [
        ("ratelimit-limit", d.limit),
        ("ratelimit-remaining", d.remaining),
        ("ratelimit-reset", d.reset_secs),
    ] {
        h.insert(name, HeaderValue::from(value));
    }
    if !d.allowed {
        h.insert("retry-after", HeaderValue::from(d.reset_secs.max(1)));
    }
}

/// A 429 in the error envelope, with the limit headers.
pub fn too_many(d: &Decision) -> Response {
    let mut resp = envelope(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "too many requests; see Retry-After",
    );
    rate_limit_headers(&mut resp, d);
    resp
}

/// A 503 in the error envelope with `Retry-After: 1`: a dependency is down.
pub fn unavailable(message: &str) -> Response {
    let mut resp = envelope(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message);
    resp.headers_mut()
        .insert("retry-after", HeaderValue::from_static("1"));
    resp
}

/// Refuses at once what needs PostgreSQL while it is known to be down: every API
/// route and the WebSocket upgrade (its token check reads the users table). Liveness,
/// readiness, metrics, the docs and the dashboard's files keep answering.
pub async fn dependency_gate<E: Endpoint>(
    ep: &E,
    req: Request,
    app: &App,
) -> poem::Result<Response> {
    let path = req.uri().path();
    let needs_postgres = path.starts_with("/api/") || path == "/ws";
    if needs_postgres && !app.health.postgres_up() {
        return Ok(unavailable("database unavailable"));
    }
    ep.call(req).await.map(IntoResponse::into_response)
}

/// Security headers on every response; HSTS only when we terminate TLS ourselves.
pub fn security_headers(resp: &mut Response, tls: bool, path: &str) {
    let h = resp.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    // The API serves JSON; the docs page needs its own inline script and styles. The
    // dashboard runs only its own files (no inline code at all), talks to this origin
    // (the API and `/ws`), plays reply audio from `blob:`, and never submits a form
    // natively (were its script missing, a password must not end up in a URL).
    let csp = if path.starts_with("/docs") {
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"
    } else if path == "/dashboard" || path.starts_with("/dashboard/") {
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; media-src 'self' blob:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
    } else {
        "default-src 'none'; frame-ancestors 'none'"
    };
    h.insert("content-security-policy", HeaderValue::from_static(csp));
    if tls {
        h.insert(
            "strict-transport-security",
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
}

/// The per-user API limit's window (`limits.api_per_user_per_minute`).
pub const API_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);

/// Is this a route the per-user API limit and idempotency apply to?
fn is_user_api(path: &str) -> bool {
    path.starts_with("/api/v1/")
        && !path.starts_with("/api/v1/webhooks/")
        && !path.starts_with("/api/v1/auth/")
}

/// Counts the request against its user's API limit (when it carries a valid token).
/// The principal it verified is left in the request, so the handler's security scheme
/// and the idempotency layer do not verify the same token again.
pub async fn limit_user<E: Endpoint>(
    ep: &E,
    mut req: Request,
    app: &App,
) -> poem::Result<Response> {
    let user = is_user_api(req.uri().path())
        .then(|| bearer(&req))
        .flatten()
        .and_then(|t| app.tokens.verify(t).ok());
    let Some(principal) = user else {
        return ep.call(req).await.map(IntoResponse::into_response);
    };
    // The request's span (from `observe`) learns its tenant, and so do its log lines.
    tracing::Span::current().record("tenant_id", tracing::field::display(principal.tenant_id));
    if let Some(slot) = req.data::<super::observe::TenantSlot>() {
        let _ = slot.0.set(principal.tenant_id);
    }
    req.set_data(principal);
    let limit = Limit {
        name: "api",
        limit: app.settings.limits.api_per_user_per_minute,
        window: API_WINDOW,
    };
    if !app.health.redis_up() {
        // Fail open at once while Redis is known to be down (below: a single failure).
        return ep.call(req).await.map(IntoResponse::into_response);
    }
    let decision = match app.budgets.hit(limit, &principal.user_id.to_string()).await {
        Ok(d) => d,
        Err(e) => {
            // Fail open: a Redis hiccup must not take the API down; it is logged.
            tracing::warn!(error = %e, "rate limiter unavailable");
            return ep.call(req).await.map(IntoResponse::into_response);
        }
    };
    if !decision.allowed {
        app.metrics.rate_limited.with_label_values(&["api"]).inc();
        return Ok(too_many(&decision));
    }
    let mut resp = ep
        .call(req)
        .await
        .map(IntoResponse::into_response)
        .unwrap_or_else(|e| e.into_response());
    rate_limit_headers(&mut resp, &decision);
    Ok(resp)
}

fn bearer(req: &Request) -> Option<&str> {
    req.headers()
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// `Idempotency-Key` on POSTs: replay the first answer, refuse a changed body (422) or
/// a request still in flight (409).
pub async fn idempotent<E: Endpoint>(
    ep: &E,
    mut req: Request,
    app: &App,
) -> poem::Result<Response> {
    let key = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (Some(key), true) = (
        key,
        req.method() == Method::POST && req.uri().path().starts_with("/api/v1/"),
    ) else {
        return ep.call(req).await.map(IntoResponse::into_response);
    };
    if key.is_empty() || key.len() > 255 {
        return Ok(envelope(
            StatusCode::BAD_REQUEST,
            "invalid_idempotency_key",
            "Idempotency-Key must be 1 to 255 characters",
        ));
    }
    // Buffered to be compared with the first request's: up to the route's own limit (a
    // recording is larger than any JSON body), which `body_limit` enforced before this.
    let max =
        super::body_limit::BodyLimits::from_settings(&app.settings).for_path(req.uri().path());
    let body = req
        .take_body()
        .into_bytes_limit(max)
        .await
        .map_err(|_| poem::Error::from_status(StatusCode::PAYLOAD_TOO_LARGE))?;
    let verified = req.data::<Principal>().copied();
    let caller = verified.or_else(|| bearer(&req).and_then(|t| app.tokens.verify(t).ok()));
    // A token whose login has ended gets nothing, not even the stored answer of a
    // request it made while it was alive.
    if let Some(p) = &caller {
        match app.validity.honoured(p).await {
            Ok(true) => {}
            Ok(false) => {
                return Ok(envelope(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "missing or invalid access token",
                ));
            }
            Err(_) => return Err(poem::Error::from_status(StatusCode::SERVICE_UNAVAILABLE)),
        }
    }
    let scope = match caller {
        Some(p) => format!("{}:{}", p.tenant_id, p.user_id),
        None => "anonymous".to_string(),
    };
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str());
    hasher.update([0]);
    hasher.update(req.uri().to_string());
    hasher.update([0]);
    hasher.update(&body);
    let request_hash = hasher.finalize().to_vec();
    let pool = &app.pool;
    let begun = match idempotency::begin(pool, &scope, &key, &request_hash).await {
        Ok(begun) => begun,
        Err(e) => {
            tracing::warn!(error = %e, "idempotency key not recorded; database unavailable");
            return Ok(unavailable("database unavailable"));
        }
    };
    match begun {
        Begin::Mismatch => {
            return Ok(envelope(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "this Idempotency-Key was used with a different request",
            ));
        }
        Begin::InFlight => {
            return Ok(envelope(
                StatusCode::CONFLICT,
                "idempotency_key_in_flight",
                "a request with this Idempotency-Key is still running; retry",
            ));
        }
        Begin::Replay {
            status,
            content_type,
            body,
        } => {
            let mut resp = Response::builder()
                .status(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
                .body(body);
            if let Some(ct) = content_type.and_then(|c| HeaderValue::from_str(&c).ok()) {
                resp.headers_mut().insert("content-type", ct);
            }
            resp.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            return Ok(resp);
        }
        Begin::Proceed => {}
    }
    req.set_body(body);
    let resp = ep
        .call(req)
        .await
        .map(IntoResponse::into_response)
        .unwrap_or_else(|e| e.into_response());
    let status = resp.status();
    // Refusals before any work are not stored, so a corrected retry may reuse the key.
    let refused = matches!(
        status.as_u16(),
        400 | 401 | 403 | 404 | 413 | 415 | 422 | 429 | 503
    );
    if refused {
        let _ = idempotency::abandon(pool, &scope, &key).await;
        return Ok(resp);
    }
    let (parts, body) = resp.into_parts();
    let bytes = body.into_vec().await.unwrap_or_default();
    let content_type = parts
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok());
    if let Err(e) =
        idempotency::finish(pool, &scope, &key, status.as_u16(), content_type, &bytes).await
    {
        tracing::warn!(error = %e, "idempotent response not stored");
    }
    Ok(Response::from_parts(parts, bytes.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_api_routes_exclude_auth_and_webhooks() {
        assert!(is_user_api("/api/v1/jobs"));
        assert!(!is_user_api("/api/v1/webhooks/whatsapp"));
        assert!(!is_user_api("/api/v1/auth/login"));
        assert!(!is_user_api("/health"));
    }
}
