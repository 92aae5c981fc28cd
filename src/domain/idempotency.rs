//! `Idempotency-Key` records (CONTRACTS.md S5): the first request with a key is run and
//! its answer stored; a retry with the same key and body gets that answer again.

use sqlx::PgPool;

/// What to do with a request carrying a key.
#[derive(Debug)]
pub enum Begin {
    /// First time: run it, then [`finish`] (or [`abandon`]).
    Proceed,
    /// Same key, same request, finished: replay this.
    Replay {
        status: u16,
        content_type: Option<String>,
        body: Vec<u8>,
    },
    /// Same key, still running.
    InFlight,
    /// Same key, different request.
    Mismatch,
}

pub async fn begin(
    pool: &PgPool,
    scope: &str,
    key: &str,
    request_hash: &[u8],
) -> sqlx::Result<Begin> {
    let inserted = sqlx::query(
        "insert into idempotency_keys (scope, key, request_hash) values ($1, $2, $3) on conflict do nothing",
    )
    .bind(scope)
    .bind(key)
    .bind(request_hash)
    .execute(pool)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(Begin::Proceed);
    }
    type Stored = (Vec<u8>, Option<i32>, Option<String>, Option<Vec<u8>>);
    let row: Option<Stored> = sqlx::query_as(
        "select request_hash, status, content_type, body from idempotency_keys where scope = $1 and key = $2",
    )
    .bind(scope)
    .bind(key)
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        // Abandoned between our insert attempt and this read: treat as in flight; the
        // client's retry will find the key free.
        None => Begin::InFlight,
        Some((hash, _, _, _)) if hash != request_hash => Begin::Mismatch,
        Some((_, None, _, _)) => Begin::InFlight,
        Some((_, Some(status), content_type, body)) => Begin::Replay {
            status: u16::try_from(status).unwrap_or(500),
            content_type,
            body: body.unwrap_or_default(),
        },
    })
}

pub async fn finish(
    pool: &PgPool,
    scope: &str,
    key: &str,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> sqlx::Result<()> {
    sqlx::query("update idempotency_keys set status = $3, content_type = $4, body = $5 where scope = $1 and key = $2")
        .bind(scope)
        .bind(key)
        .bind(i32::from(status))
        .bind(content_type)
        .bind(body)
        .execute(pool)
        .await?;
    Ok(())
}

/// Forgets a key whose request was refused before doing anything (validation, auth,
/// limits, a dependency down), so the client may fix it and retry with the same key.
pub async fn abandon(pool: &PgPool, scope: &str, key: &str) -> sqlx::Result<()> {
    sqlx::query("delete from idempotency_keys where scope = $1 and key = $2")
        .bind(scope)
        .bind(key)
        .execute(pool)
        .await?;
    Ok(())
}

/// Keys older than a day may be pruned (then a retry runs again, as Stripe documents).
pub async fn prune(pool: &PgPool) -> sqlx::Result<u64> {
    Ok(
        sqlx::query("delete from idempotency_keys where created_at < now() - interval '24 hours'")
            .execute(pool)
            .await?
            .rows_affected(),
    )
}
