//! `/ws`: job events streamed to authenticated clients.
//!
//! The token is checked before the upgrade completes: from `Authorization: Bearer`, or
//! from `Sec-WebSocket-Protocol` (the client offers `execora.v1` and its token; only
//! `execora.v1` is echoed back, never the token). Anything else is refused with 401 and
//! no socket. The protocol's types are in [`protocol`]; one connection is a [`session`].

mod follow;
pub mod limits;
pub mod protocol;
mod recording;
mod session;

use poem::{
    Endpoint, EndpointExt, IntoResponse, Request, handler,
    http::StatusCode,
    web::{
        Data,
        websocket::{WebSocket, WebSocketConfig},
    },
};

use crate::{app::App, auth::Principal, workflows::hub::Hub};

/// The application protocol name clients offer and the server echoes.
pub const APP_PROTOCOL: &str = "execora.v1";

pub fn endpoint() -> impl Endpoint {
    upgrade.boxed()
}

/// Token candidates: the bearer header, then any offered subprotocol that is not ours.
fn offered_tokens(req: &Request) -> Vec<String> {
    let mut tokens = Vec::new();
    if let Some(bearer) = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        tokens.push(bearer.trim().to_string());
    }
    for value in req.headers().get_all("sec-websocket-protocol") {
        let Ok(list) = value.to_str() else { continue };
        for proto in list.split(',').map(str::trim) {
            if proto != APP_PROTOCOL && !proto.is_empty() {
                tokens.push(proto.strip_prefix("bearer.").unwrap_or(proto).to_string());
            }
        }
    }
    tokens
}

/// The principal behind the upgrade: a bearer or subprotocol token, or a single-use
/// ticket in the query string. A JWT in the query string is never read.
async fn authenticate(req: &Request, app: &App) -> Option<Principal> {
    for token in offered_tokens(req) {
        let Ok(p) = app.tokens.verify(&token) else {
            continue;
        };
        if app.validity.honoured(&p).await.unwrap_or(false) {
            return Some(p);
        }
    }
    let ticket = req.uri().query().and_then(|q| {
        q.split('&')
            .find_map(|pair| pair.strip_prefix("ticket="))
            .map(str::to_string)
    })?;
    let p = app.tickets.redeem(&ticket).await.ok().flatten()?;
    // The ticket outlives nothing: a user removed or signed out everywhere after it was
    // minted is refused like their token would be.
    app.validity
        .honoured(&p)
        .await
        .unwrap_or(false)
        .then_some(p)
}

/// Browsers send `Origin`; it must be one we allow (anti cross-site WebSocket hijacking).
/// Native clients send none. A page this server served itself (the dashboard) is
/// same-origin: its `Origin` names the very host and port the request went to.
fn origin_allowed(req: &Request, app: &App) -> bool {
    let Some(origin) = req.headers().get("origin").and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let public = app.settings.public_url.trim_end_matches('/');
    (!public.is_empty() && origin == public)
        || same_origin(req, origin)
        || app
            .settings
            .http
            .allowed_origins()
            .iter()
            .any(|o| o == origin)
}

/// Frame limits and a small read buffer. tungstenite zero-fills its read buffer (128 KiB
/// by default) on every read attempt, and a session is woken for every job event of the
/// process; at hundreds of sessions that memset was half the server's CPU (the voice
/// benchmark, docs/benchmarks.md). Clients send small JSON frames and audio in chunks, so
/// 8 KiB reads cost nothing; a frame over 1 MiB is refused (recordings are sent in pieces
/// and limited as a whole by `EXECORA_VOICE_MAX_AUDIO_BYTES`).
fn socket_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(8 * 1024)
        .max_frame_size(Some(1 << 20))
        .max_message_size(Some(1 << 20))
}

/// `Origin` names the host and port this request went to (`Host`). The scheme is not
/// compared: one port speaks either HTTP or TLS, so no other page can share that
/// host and port. Behind a proxy that rewrites `Host` this is false, and
/// `EXECORA_PUBLIC_URL` or the allow-list must name the origin.
fn same_origin(req: &Request, origin: &str) -> bool {
    let Some(host) = req.headers().get("host").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let authority = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    authority.is_some_and(|a| a.eq_ignore_ascii_case(host))
}

#[handler]
async fn upgrade(
    req: &Request,
    ws: WebSocket,
    app: Data<&App>,
    hub: Data<&Hub>,
) -> poem::Result<impl IntoResponse> {
    if !origin_allowed(req, &app) {
        return Err(poem::Error::from_status(StatusCode::FORBIDDEN));
    }
    let Some(principal) = authenticate(req, &app).await else {
        return Err(poem::Error::from_status(StatusCode::UNAUTHORIZED));
    };
    // Held by the session for its life; given back when it ends (or never upgrades).
    let max = app.settings.ws.max_sockets_per_user;
    let Some(slot) = app.ws_slots.sockets.try_acquire(principal.user_id, max) else {
        return Ok(crate::api::middleware::envelope(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_sockets",
            &format!("at most {max} open sockets per user"),
        )
        .into_response());
    };
    let app = app.0.clone();
    let hub = hub.0.clone();
    Ok(ws
        .protocols([APP_PROTOCOL])
        .config(socket_config())
        .on_upgrade(move |socket| async move {
            session::run(socket, principal, app, hub).await;
            drop(slot);
        })
        .into_response())
}
