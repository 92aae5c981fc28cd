//! The bearer-token security scheme of every `/api/v1` operation but the webhooks.

use poem::Request;
use poem_openapi::{SecurityScheme, auth::Bearer};

use crate::{app::App, auth::Principal};

/// An access token (`Authorization: Bearer <JWT>`), verified; carries the tenant.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "verify")]
pub struct BearerAuth(pub Principal);

/// Signature and claims first (no I/O), then the user: still present, and not signed
/// out everywhere since the token was issued.
async fn verify(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    use poem::http::StatusCode;
    let app = req
        .data::<App>()
        .ok_or_else(|| poem::Error::from_status(StatusCode::INTERNAL_SERVER_ERROR))?;
    // The rate-limit middleware has usually verified this very token already.
    let principal = match req.data::<Principal>() {
        Some(p) => *p,
        None => app.tokens.verify(&bearer.token).map_err(|e| {
            tracing::debug!(reason = %e, "access token refused");
            poem::Error::from_status(StatusCode::UNAUTHORIZED)
        })?,
    };
    match app.validity.honoured(&principal).await {
        Ok(true) => Ok(principal),
        Ok(false) => Err(poem::Error::from_status(StatusCode::UNAUTHORIZED)),
        Err(e) => {
            tracing::warn!(error = %e, "session check failed");
            Err(poem::Error::from_status(StatusCode::SERVICE_UNAVAILABLE))
        }
    }
}
