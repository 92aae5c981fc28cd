//! Request body limits per route, enforced before a body is buffered.
//!
//! Without them an unauthenticated client could make the server hold any body it liked
//! (eight 200 MiB logins took a server from 95 MiB to 1.9 GiB). Each route has a limit:
//! JSON routes a small one, webhooks what their providers send, the recording upload
//! the largest recording plus its form fields. A declared `Content-Length` over the
//! limit is refused at once, unread; a body without one (chunked) is counted as it is
//! streamed to the handler and cut off at the limit. Either way the answer is 413
//! `payload_too_large`, whatever the handler made of the cut-off body.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use futures::StreamExt;
use poem::{Body, Endpoint, IntoResponse, Request, Response, http::Method, http::StatusCode};

use super::middleware::envelope;
use crate::config::Settings;

/// Room for a recording's multipart framing and its small form fields.
const MULTIPART_OVERHEAD: usize = 64 * 1024;

/// The limit of each kind of route, from settings.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    json: usize,
    webhook: usize,
    audio: usize,
}

impl BodyLimits {
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            json: settings.http.max_json_body_bytes,
            webhook: settings.http.max_webhook_body_bytes,
            audio: settings.voice.max_audio_bytes + MULTIPART_OVERHEAD,
        }
    }

    /// The largest body `path` takes.
    pub fn for_path(&self, path: &str) -> usize {
        if path == "/api/v1/voice/utterances" {
            self.audio
        } else if path.starts_with("/api/v1/webhooks/") {
            self.webhook
        } else {
            self.json
        }
    }
}

fn too_large(max: usize) -> Response {
    envelope(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        &format!("the body is larger than this route takes ({max} bytes)"),
    )
}

/// Refuses or caps the request's body at its route's limit.
pub async fn limit_body<E: Endpoint>(
    ep: &E,
    mut req: Request,
    limits: BodyLimits,
) -> poem::Result<Response> {
    // These carry no body worth reading; the WebSocket upgrade is one of them.
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return ep.call(req).await.map(IntoResponse::into_response);
    }
    let max = limits.for_path(req.uri().path());
    let declared = req
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len > max as u64) {
        return Ok(too_large(max));
    }
    let exceeded = Arc::new(AtomicBool::new(false));
    let body = req.take_body();
    req.set_body(capped(body, max, exceeded.clone()));
    let resp = ep
        .call(req)
        .await
        .map(IntoResponse::into_response)
        .unwrap_or_else(|e| e.into_response());
    if exceeded.load(Ordering::Relaxed) {
        return Ok(too_large(max));
    }
    Ok(resp)
}

/// `body`, ending with an error once more than `max` bytes have passed (and flagging it).
fn capped(body: Body, max: usize, exceeded: Arc<AtomicBool>) -> Body {
    let mut seen = 0usize;
    let chunks = body.into_bytes_stream().map(move |chunk| {
        let chunk = chunk?;
        seen = seen.saturating_add(chunk.len());
        if seen > max {
            exceeded.store(true, Ordering::Relaxed);
            return Err(std::io::Error::other("request body over the route's limit"));
        }
        Ok(chunk)
    });
    // Nothing is read after the first error: the stream ends there.
    let until_error = chunks.scan(false, |failed, item| {
        if *failed {
            return futures::future::ready(None);
        }
        *failed = item.is_err();
        futures::future::ready(Some(item))
    });
    Body::from_bytes_stream(until_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_route_kind_has_its_own_limit() {
        let limits = BodyLimits {
            json: 10,
            webhook: 20,
            audio: 30,
        };
        assert_eq!(limits.for_path("/api/v1/auth/login"), 10);
        assert_eq!(limits.for_path("/api/v1/webhooks/whatsapp"), 20);
        assert_eq!(limits.for_path("/api/v1/webhooks/razorpay/x"), 20);
        assert_eq!(limits.for_path("/api/v1/voice/utterances"), 30);
    }

    #[tokio::test]
    async fn a_streamed_body_is_cut_at_the_limit_and_flagged() {
        let flag = Arc::new(AtomicBool::new(false));
        let body = capped(Body::from(vec![0u8; 100]), 10, flag.clone());
        assert!(body.into_vec().await.is_err());
        assert!(flag.load(Ordering::Relaxed));
        let ok_flag = Arc::new(AtomicBool::new(false));
        let body = capped(Body::from(vec![0u8; 10]), 10, ok_flag.clone());
        assert_eq!(body.into_vec().await.unwrap().len(), 10);
        assert!(!ok_flag.load(Ordering::Relaxed));
    }
}
