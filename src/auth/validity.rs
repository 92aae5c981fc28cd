//! Whether a verified access token is still honoured: the one place that asks.
//!
//! A signature proves who issued a token, not that its login is still alive. Every
//! request (REST, Idempotency-Key replays, WebSocket open and re-checks) asks here
//! whether the user is still a member, has not signed out everywhere since the token
//! was issued, and — for a token that names its login (`sid`) — whether that login was
//! ended by logout or by refresh-token reuse. One function so that a cache can sit in
//! front of it later, invalidated by the `{ns}:revocations` push (`revocation.rs`);
//! until then each call is one indexed Postgres query.

use sqlx::PgPool;

use super::Principal;
use crate::domain::users;

/// `true` while `p`'s user and login stand; an error only when the database does not
/// answer (callers refuse the request then, never let it through).
pub async fn honoured(pool: &PgPool, p: &Principal) -> sqlx::Result<bool> {
    users::token_still_valid(pool, p.tenant_id, p.user_id, p.issued_at, p.login_id).await
}
