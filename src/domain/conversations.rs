//! Voice session state in Postgres: one row per (business, session id).
//!
//! A turn locks its session row for the length of its execution, so two utterances of
//! one session are executed one after the other and the second sees what the first
//! left (the draft, the active customer). The state itself is the engine's JSON; this
//! module only stores it.

use serde_json::Value;
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

/// Loads a session's state for update, creating the row on first use. Returns `{}` for
/// a new session.
pub async fn lock(
    tx: &mut Transaction<'_, Postgres>,
    tenant: Uuid,
    session: &str,
    user: Option<Uuid>,
) -> sqlx::Result<Value> {
    sqlx::query(
        "insert into voice_sessions (business_id, session_id, user_id) values ($1, $2, $3)
         on conflict (business_id, session_id) do nothing",
    )
    .bind(tenant)
    .bind(session)
    .bind(user)
    .execute(&mut **tx)
    .await?;
    sqlx::query_scalar(
        "select state from voice_sessions where business_id = $1 and session_id = $2 for update",
    )
    .bind(tenant)
    .bind(session)
    .fetch_one(&mut **tx)
    .await
}

/// Reads a session's state without locking (for the intent step's context).
pub async fn peek(pool: &sqlx::PgPool, tenant: Uuid, session: &str) -> sqlx::Result<Option<Value>> {
    sqlx::query_scalar(
        "select state from voice_sessions where business_id = $1 and session_id = $2",
    )
    .bind(tenant)
    .bind(session)
    .fetch_optional(pool)
    .await
}

/// Stores a session's state after a turn.
pub async fn save(
    tx: &mut Transaction<'_, Postgres>,
    tenant: Uuid,
    session: &str,
    state: &Value,
) -> sqlx::Result<()> {
    sqlx::query(
        "update voice_sessions set state = $3, turns = turns + 1, updated_at = now()
         where business_id = $1 and session_id = $2",
    )
    .bind(tenant)
    .bind(session)
    .bind(state)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Forgets sessions idle for longer than `idle_secs` (run by upkeep).
pub async fn forget_idle(pool: &sqlx::PgPool, idle_secs: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "delete from voice_sessions where updated_at < now() - make_interval(secs => $1)",
    )
    .bind(idle_secs as f64)
    .execute(pool)
    .await?
    .rows_affected())
}
