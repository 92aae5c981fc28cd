//! `/ws`: job events streamed to authenticated clients.
//!
//! The token is checked before the upgrade completes: from `Authorization: Bearer`, or
//! from `Sec-WebSocket-Protocol` (the client offers `execora.v1` and its token; only
//! `execora.v1` is echoed back, never the token). Anything else is refused with 401 and
//! no socket. The protocol's types are in [`protocol`]; one connection is a [`session`].

pub mod protocol;
mod session;

use poem::{
    Endpoint, EndpointExt, IntoResponse, Request, handler,
    http::StatusCode,
    web::{Data, websocket::WebSocket},
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

fn authenticate(req: &Request, app: &App) -> Option<Principal> {
    offered_tokens(req)
        .iter()
        .find_map(|t| app.tokens.verify(t).ok())
}

#[handler]
async fn upgrade(
    req: &Request,
    ws: WebSocket,
    app: Data<&App>,
    hub: Data<&Hub>,
) -> poem::Result<impl IntoResponse> {
    let Some(principal) = authenticate(req, &app) else {
        return Err(poem::Error::from_status(StatusCode::UNAUTHORIZED));
    };
    let app = app.0.clone();
    let hub = hub.0.clone();
    Ok(ws
        .protocols([APP_PROTOCOL])
        .on_upgrade(move |socket| session::run(socket, principal, app, hub)))
}
