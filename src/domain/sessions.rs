//! Refresh-token families (CONTRACTS.md S2): rotation on every use, reuse detection.
//!
//! A refresh locks the presented token's row, spends it and inserts its successor in one
//! transaction. Presenting a spent token again within the grace window (two tabs
//! refreshing at once) yields another successor; later, it is taken as theft and the
//! whole family is revoked, so the legitimate holder's next refresh fails too.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// Who a successful refresh is for.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionOwner {
    pub user_id: Uuid,
    pub business_id: Uuid,
    pub role: String,
}

#[derive(Debug)]
pub enum Refresh {
    /// A successor was issued; the login's id (its family) comes with it.
    Rotated(SessionOwner, Uuid),
    /// A spent token presented again: the family (this login) is now revoked.
    ReuseDetected(LoginRef),
    /// Unknown, revoked, expired, or the user was removed.
    Invalid,
}

/// Starts a family (a login) with its first token; returns the login's id.
pub async fn start(
    pool: &PgPool,
    user: Uuid,
    tenant: Uuid,
    token_hash: &[u8],
    ttl_days: u64,
) -> sqlx::Result<Uuid> {
    let family = Uuid::now_v7();
    sqlx::query(
        "insert into refresh_tokens (id, family_id, user_id, business_id, token_hash, family_expires_at)
         values ($1, $2, $3, $4, $5, now() + make_interval(days => $6))",
    )
    .bind(Uuid::now_v7())
    .bind(family)
    .bind(user)
    .bind(tenant)
    .bind(token_hash)
    .bind(ttl_days as i32)
    .execute(pool)
    .await?;
    Ok(family)
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    family_id: Uuid,
    user_id: Uuid,
    business_id: Uuid,
    family_expires_at: DateTime<Utc>,
    spent_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

/// Spends `presented` and stores `successor` in its place.
pub async fn rotate(
    pool: &PgPool,
    presented: &[u8],
    successor: &[u8],
    grace_secs: u64,
) -> sqlx::Result<Refresh> {
    let mut tx = pool.begin().await?;
    let row: Option<Row> = sqlx::query_as(
        "select id, family_id, user_id, business_id, family_expires_at, spent_at, revoked_at
         from refresh_tokens where token_hash = $1 for update",
    )
    .bind(presented)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(Refresh::Invalid);
    };
    if row.revoked_at.is_some() || row.family_expires_at < Utc::now() {
        return Ok(Refresh::Invalid);
    }
    if let Some(spent) = row.spent_at {
        let within_grace = (Utc::now() - spent).num_seconds() < grace_secs as i64;
        if !within_grace {
            sqlx::query("update refresh_tokens set revoked_at = now() where family_id = $1 and revoked_at is null")
                .bind(row.family_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return Ok(Refresh::ReuseDetected(LoginRef {
                family_id: row.family_id,
                user_id: row.user_id,
                business_id: row.business_id,
            }));
        }
    }
    let owner: Option<SessionOwner> = sqlx::query_as(
        "select id as user_id, business_id, role from users where id = $1 and removed_at is null",
    )
    .bind(row.user_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(owner) = owner else {
        return Ok(Refresh::Invalid);
    };
    let successor_id = Uuid::now_v7();
    sqlx::query(
        "insert into refresh_tokens (id, family_id, user_id, business_id, token_hash, family_expires_at)
         values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(successor_id)
    .bind(row.family_id)
    .bind(row.user_id)
    .bind(row.business_id)
    .bind(successor)
    .bind(row.family_expires_at)
    .execute(&mut *tx)
    .await?;
    sqlx::query("update refresh_tokens set spent_at = coalesce(spent_at, now()), successor_id = $2 where id = $1")
        .bind(row.id)
        .bind(successor_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Refresh::Rotated(owner, row.family_id))
}

/// Logout: ends the login `presented` belongs to; returns whose login it was and its id
/// (`None` for an unknown token).
pub async fn revoke_family(pool: &PgPool, presented: &[u8]) -> sqlx::Result<Option<LoginRef>> {
    let login: Option<LoginRef> = sqlx::query_as(
        "select family_id, user_id, business_id from refresh_tokens where token_hash = $1",
    )
    .bind(presented)
    .fetch_optional(pool)
    .await?;
    let Some(login) = login else {
        return Ok(None);
    };
    sqlx::query(
        "update refresh_tokens set revoked_at = now() where family_id = $1 and revoked_at is null",
    )
    .bind(login.family_id)
    .execute(pool)
    .await?;
    Ok(Some(login))
}

/// A login (refresh-token family) and whose it is.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct LoginRef {
    pub family_id: Uuid,
    pub user_id: Uuid,
    pub business_id: Uuid,
}
