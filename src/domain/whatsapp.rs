//! WhatsApp webhook state: inbound messages and delivery statuses, each applied once.
//!
//! Meta retries webhooks for up to seven days and sends duplicates to every subscribed
//! app, and delivery statuses arrive in any order (`read` may come before `delivered`, or
//! without it). So each event is keyed (message id; status id + status) and stored with
//! `on conflict do nothing`, and a message's status only ever moves forward by rank.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct InboundMessage {
    pub wamid: String,
    pub from_wa_id: String,
    pub message_type: String,
    pub body: Value,
    pub sent_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StatusUpdate {
    pub wamid: String,
    pub status: String,
    pub status_at: Option<DateTime<Utc>>,
    pub errors: Option<Value>,
}

/// Order of delivery states; a stored status is replaced only by a higher rank.
pub fn status_rank(status: &str) -> Option<i16> {
    match status {
        "sent" => Some(1),
        "delivered" => Some(2),
        "read" => Some(3),
        "played" => Some(4),
        "failed" => Some(5),
        _ => None,
    }
}

/// Counts of what one batch did, for the job result.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Applied {
    pub messages_stored: u32,
    pub messages_duplicate: u32,
    pub statuses_applied: u32,
    pub statuses_duplicate: u32,
    pub statuses_ignored: u32,
}

/// Applies a batch in one transaction, so a retried job either finds it all or none.
pub async fn apply(
    pool: &PgPool,
    tenant: Uuid,
    job_id: Uuid,
    messages: &[InboundMessage],
    statuses: &[StatusUpdate],
) -> sqlx::Result<Applied> {
    let mut tx = pool.begin().await?;
    let mut applied = Applied::default();
    for m in messages {
        let inserted = sqlx::query(
            "insert into whatsapp_inbound_messages
                 (id, business_id, wamid, from_wa_id, message_type, body, sent_at, job_id)
             values ($1, $2, $3, $4, $5, $6, $7, $8)
             on conflict on constraint whatsapp_inbound_messages_wamid_key do nothing",
        )
        .bind(Uuid::now_v7())
        .bind(tenant)
        .bind(&m.wamid)
        .bind(&m.from_wa_id)
        .bind(&m.message_type)
        .bind(&m.body)
        .bind(m.sent_at)
        .bind(job_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            applied.messages_stored += 1;
        } else {
            applied.messages_duplicate += 1;
        }
    }
    for s in statuses {
        let Some(rank) = status_rank(&s.status) else {
            applied.statuses_ignored += 1;
            continue;
        };
        let first_time = sqlx::query(
            "insert into whatsapp_status_events (business_id, wamid, status, job_id)
             values ($1, $2, $3, $4) on conflict do nothing",
        )
        .bind(tenant)
        .bind(&s.wamid)
        .bind(&s.status)
        .bind(job_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if first_time == 0 {
            applied.statuses_duplicate += 1;
            continue;
        }
        sqlx::query(
            "insert into whatsapp_message_statuses (business_id, wamid, status, status_rank, errors, status_at)
             values ($1, $2, $3, $4, $5, $6)
             on conflict (business_id, wamid) do update
               set status = excluded.status, status_rank = excluded.status_rank,
                   errors = excluded.errors, status_at = excluded.status_at, updated_at = now()
               where whatsapp_message_statuses.status_rank < excluded.status_rank",
        )
        .bind(tenant)
        .bind(&s.wamid)
        .bind(&s.status)
        .bind(rank)
        .bind(&s.errors)
        .bind(s.status_at)
        .execute(&mut *tx)
        .await?;
        applied.statuses_applied += 1;
    }
    tx.commit().await?;
    Ok(applied)
}

/// The current delivery status of a sent message.
pub async fn message_status(
    pool: &PgPool,
    tenant: Uuid,
    wamid: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "select status from whatsapp_message_statuses where business_id = $1 and wamid = $2",
    )
    .bind(tenant)
    .bind(wamid)
    .fetch_optional(pool)
    .await
}

/// How many inbound messages a tenant has stored.
pub async fn inbound_count(pool: &PgPool, tenant: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar("select count(*) from whatsapp_inbound_messages where business_id = $1")
        .bind(tenant)
        .fetch_one(pool)
        .await
}
