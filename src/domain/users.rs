//! People of a business: sign-up, lookup for login, invitations and removal.
//!
//! Emails are stored lower-cased and trimmed, so login is case-insensitive and one
//! address belongs to one user across all tenants.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::Role;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: Uuid,
    pub business_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
}

impl User {
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Staff)
    }
}

/// What login needs to know about an email's owner.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Credentials {
    pub id: Uuid,
    pub business_id: Uuid,
    pub role: String,
    pub password_hash: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("that email is already registered")]
    EmailTaken,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn map_unique(e: sqlx::Error) -> UserError {
    match &e {
        sqlx::Error::Database(db) if db.constraint() == Some("users_email_key") => {
            UserError::EmailTaken
        }
        _ => UserError::Db(e),
    }
}

/// Normalises an email for storage and lookup.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A new business and its owner, in one transaction.
pub async fn sign_up(
    pool: &PgPool,
    business_name: &str,
    owner_email: &str,
    owner_name: &str,
    password_hash: Option<&str>,
) -> Result<(Uuid, User), UserError> {
    let mut tx = pool.begin().await?;
    let business_id = Uuid::now_v7();
    sqlx::query("insert into businesses (id, name) values ($1, $2)")
        .bind(business_id)
        .bind(business_name.trim())
        .execute(&mut *tx)
        .await?;
    let user: User = sqlx::query_as(
        "insert into users (id, business_id, email, display_name, role, password_hash)
         values ($1, $2, $3, $4, 'owner', $5)
         returning id, business_id, email, display_name, role, created_at",
    )
    .bind(Uuid::now_v7())
    .bind(business_id)
    .bind(normalise_email(owner_email))
    .bind(owner_name.trim())
    .bind(password_hash)
    .fetch_one(&mut *tx)
    .await
    .map_err(map_unique)?;
    tx.commit().await?;
    Ok((business_id, user))
}

/// An active user's login facts, by email.
pub async fn credentials(pool: &PgPool, email: &str) -> sqlx::Result<Option<Credentials>> {
    sqlx::query_as(
        "select id, business_id, role, password_hash from users where email = $1 and removed_at is null",
    )
    .bind(normalise_email(email))
    .fetch_optional(pool)
    .await
}

/// Whether a token issued at `issued_at` (Unix seconds) for this user is still honoured:
/// the user exists, is not removed, has not signed out everywhere since, and the login
/// it names (if any) has not been ended (logout, refresh-token reuse). Callers go
/// through `auth::validity`.
pub async fn token_still_valid(
    pool: &PgPool,
    tenant: Uuid,
    user: Uuid,
    issued_at: i64,
    login: Option<Uuid>,
) -> sqlx::Result<bool> {
    let valid: Option<bool> = sqlx::query_scalar(
        "select u.removed_at is null and to_timestamp($3) >= u.sessions_valid_after
                and ($4::uuid is null or exists (
                    select 1 from refresh_tokens r
                    where r.family_id = $4 and r.user_id = u.id and r.revoked_at is null))
         from users u where u.id = $1 and u.business_id = $2",
    )
    .bind(user)
    .bind(tenant)
    .bind(issued_at as f64)
    .bind(login)
    .fetch_optional(pool)
    .await?;
    Ok(valid.unwrap_or(false))
}

const USER_COLUMNS: &str = "id, business_id, email, display_name, role, created_at";

pub async fn list(pool: &PgPool, tenant: Uuid) -> sqlx::Result<Vec<User>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {USER_COLUMNS} from users where business_id = $1 and removed_at is null order by created_at"
    )))
    .bind(tenant)
    .fetch_all(pool)
    .await
}

pub async fn get(pool: &PgPool, tenant: Uuid, id: Uuid) -> sqlx::Result<Option<User>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {USER_COLUMNS} from users where id = $1 and business_id = $2 and removed_at is null"
    )))
    .bind(id)
    .bind(tenant)
    .fetch_optional(pool)
    .await
}

/// Adds a user to a business; they log in by email code.
pub async fn invite(
    pool: &PgPool,
    tenant: Uuid,
    email: &str,
    name: &str,
    role: Role,
) -> Result<User, UserError> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "insert into users (id, business_id, email, display_name, role) values ($1, $2, $3, $4, $5)
         returning {USER_COLUMNS}"
    )))
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(normalise_email(email))
    .bind(name.trim())
    .bind(role.as_str())
    .fetch_one(pool)
    .await
    .map_err(map_unique)
}

/// Removes a user: their sessions end now. The row stays (jobs and audit refer to it)
/// with the email freed so it can be invited again.
pub async fn remove(pool: &PgPool, tenant: Uuid, id: Uuid) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query(
        "update users set removed_at = now(),
                email = 'removed+' || id::text || '@invalid'
         where id = $1 and business_id = $2 and removed_at is null",
    )
    .bind(id)
    .bind(tenant)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query(
        "update refresh_tokens set revoked_at = now() where user_id = $1 and revoked_at is null",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done == 1)
}

/// Tokens carry `iat` in whole seconds, so a cut-off is rounded up to the next second:
/// every token issued up to now (this second included) is refused afterwards.
const CUTOFF: &str = "date_trunc('second', now()) + interval '1 second'";

/// "Sign out everywhere": every access token issued so far and every login end.
/// Returns the cut-off (Unix seconds): tokens issued before it are refused.
pub async fn revoke_all_sessions(pool: &PgPool, user: Uuid) -> sqlx::Result<i64> {
    let mut tx = pool.begin().await?;
    let cutoff: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "update users set sessions_valid_after = {CUTOFF} where id = $1
         returning extract(epoch from sessions_valid_after)::bigint"
    )))
    .bind(user)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "update refresh_tokens set revoked_at = now() where user_id = $1 and revoked_at is null",
    )
    .bind(user)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(cutoff)
}
