//! The bearer-token security scheme of every `/api/v1` operation but the webhooks.

use std::sync::Arc;

use poem::Request;
use poem_openapi::{SecurityScheme, auth::Bearer};

use crate::auth::{Principal, jwt::TokenService};

/// An access token (`Authorization: Bearer <JWT>`), verified; carries the tenant.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "verify")]
pub struct BearerAuth(pub Principal);

async fn verify(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    let tokens = req
        .data::<Arc<TokenService>>()
        .ok_or_else(|| poem::Error::from_status(poem::http::StatusCode::INTERNAL_SERVER_ERROR))?;
    tokens.verify(&bearer.token).map_err(|e| {
        tracing::debug!(reason = %e, "access token refused");
        poem::Error::from_status(poem::http::StatusCode::UNAUTHORIZED)
    })
}
