//! Payment reminders: created from a schedule, claimed by the sweep when due.
//!
//! The sweep locks due rows with `skip locked`, so any number of workers can sweep at
//! once; in the same transaction it records the occurrence (unique per reminder and
//! time), writes the job record that will send it, and moves the reminder to its next
//! occurrence. Either all of that happens or none, so no occurrence is sent twice and
//! none is lost. Occurrences and quiet hours are reckoned in each business's own time
//! zone, read with the due row.

use chrono::{DateTime, NaiveTime, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{
    businesses,
    jobs::{self, NewJob},
    schedule::{self, Schedule, Tz},
};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Reminder {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub schedule: serde_json::Value,
    pub schedule_text: String,
    pub message: Option<String>,
    pub next_run_at: Option<DateTime<Utc>>,
    pub status: String,
    pub sent_count: i32,
    pub last_sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, customer_id, schedule, schedule_text, message, next_run_at, status, sent_count, last_sent_at, created_at";

#[derive(Debug, thiserror::Error)]
pub enum ReminderError {
    #[error("no such customer")]
    NoCustomer,
    #[error("the schedule has no future occurrence")]
    NoOccurrence,
    /// A recurring reminder more often than the business's customers may be messaged.
    #[error("a reminder may repeat at most every {0} minutes")]
    TooFrequent(u32),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// What a new reminder is: for whom, when (parsed in `tz`, the business's zone, which the
/// caller has loaded to parse it), and what it says.
pub struct NewReminder<'a> {
    pub customer: Uuid,
    pub schedule: &'a Schedule,
    pub tz: Tz,
    pub text: &'a str,
    pub message: Option<&'a str>,
    pub created_by: Uuid,
    /// The shortest interval allowed (`EXECORA_REMINDERS_MIN_INTERVAL_MINUTES`): part of
    /// the request so that no way of creating a reminder can skip it.
    pub min_interval_minutes: u32,
}

pub async fn create(
    pool: &PgPool,
    tenant: Uuid,
    new: NewReminder<'_>,
) -> Result<Reminder, ReminderError> {
    let NewReminder {
        customer,
        schedule: sched,
        tz,
        text,
        message,
        created_by,
        min_interval_minutes,
    } = new;
    if let Schedule::Every {
        interval_minutes, ..
    } = sched
        && *interval_minutes < min_interval_minutes
    {
        return Err(ReminderError::TooFrequent(min_interval_minutes));
    }
    let first = schedule::next_after(sched, Utc::now() - chrono::Duration::seconds(1), tz)
        .ok_or(ReminderError::NoOccurrence)?;
    let exists: Option<Uuid> = sqlx::query_scalar(
        "select id from customers where id = $1 and business_id = $2 and erased_at is null",
    )
    .bind(customer)
    .bind(tenant)
    .fetch_optional(pool)
    .await?;
    exists.ok_or(ReminderError::NoCustomer)?;
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "insert into reminders (id, business_id, customer_id, schedule, schedule_text, message, next_run_at, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning {COLUMNS}"
    )))
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(customer)
    .bind(serde_json::to_value(sched).unwrap_or_default())
    .bind(text)
    .bind(message)
    .bind(first)
    .bind(created_by)
    .fetch_one(pool)
    .await?)
}

pub async fn list(
    pool: &PgPool,
    tenant: Uuid,
    customer: Option<Uuid>,
) -> sqlx::Result<Vec<Reminder>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from reminders where business_id = $1 and ($2::uuid is null or customer_id = $2)
         order by created_at desc limit 500"
    )))
    .bind(tenant)
    .bind(customer)
    .fetch_all(pool)
    .await
}

pub async fn cancel(pool: &PgPool, tenant: Uuid, id: Uuid) -> sqlx::Result<Option<Reminder>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "update reminders set status = 'cancelled', next_run_at = null, updated_at = now()
         where id = $1 and business_id = $2 and status = 'active' returning {COLUMNS}"
    )))
    .bind(id)
    .bind(tenant)
    .fetch_optional(pool)
    .await
}

/// A claimed occurrence: the job to push, for which tenant.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub job_id: Uuid,
    pub tenant_id: Uuid,
}

#[derive(sqlx::FromRow)]
struct Due {
    id: Uuid,
    business_id: Uuid,
    schedule: serde_json::Value,
    next_run_at: DateTime<Utc>,
    time_zone: String,
}

/// Claims up to `limit` due reminders (see the module comment). Inside quiet hours a due
/// reminder is postponed to their end instead.
pub async fn claim_due(
    pool: &PgPool,
    now: DateTime<Utc>,
    quiet: Option<(NaiveTime, NaiveTime)>,
    limit: i64,
) -> sqlx::Result<Vec<Claimed>> {
    let mut tx = pool.begin().await?;
    // Only the reminder rows are locked: the business row is read, not claimed.
    let due: Vec<Due> = sqlx::query_as(
        "select r.id, r.business_id, r.schedule, r.next_run_at, b.time_zone
         from reminders r join businesses b on b.id = r.business_id
         where r.status = 'active' and r.next_run_at <= $1
         order by r.next_run_at limit $2 for update of r skip locked",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    let mut claimed = Vec::new();
    for r in due {
        let tz = businesses::zone_named(r.business_id, &r.time_zone);
        if let Some((start, end)) = quiet {
            let allowed = schedule::respect_quiet_hours(now, tz, start, end);
            if allowed > now {
                sqlx::query(
                    "update reminders set next_run_at = $2, updated_at = now() where id = $1",
                )
                .bind(r.id)
                .bind(allowed)
                .execute(&mut *tx)
                .await?;
                continue;
            }
        }
        let next = serde_json::from_value::<Schedule>(r.schedule)
            .ok()
            .and_then(|s| schedule::next_after(&s, now.max(r.next_run_at), tz));
        sqlx::query(
            "update reminders set next_run_at = $2, status = case when $2::timestamptz is null then 'done' else status end,
                    updated_at = now() where id = $1",
        )
        .bind(r.id)
        .bind(next)
        .execute(&mut *tx)
        .await?;
        let job_id = Uuid::now_v7();
        let recorded = sqlx::query(
            "insert into reminder_deliveries (id, business_id, reminder_id, occurrence_at, job_id)
             values ($1, $2, $3, $4, $5) on conflict do nothing",
        )
        .bind(Uuid::now_v7())
        .bind(r.business_id)
        .bind(r.id)
        .bind(r.next_run_at)
        .bind(job_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if recorded == 0 {
            continue;
        }
        let job = NewJob {
            id: job_id,
            business_id: r.business_id,
            user_id: None,
            workflow: "reminder".into(),
            input: json!({ "reminder_id": r.id, "occurrence_at": r.next_run_at }),
            request_id: None,
            traceparent: None,
        };
        jobs::insert_queued(&mut *tx, &job).await?;
        claimed.push(Claimed {
            job_id,
            tenant_id: r.business_id,
        });
    }
    tx.commit().await?;
    Ok(claimed)
}

/// Moves the pending occurrence of the business's daily and monthly reminders to their
/// wall-clock time in its new zone `tz`, inside the transaction that changes the zone.
/// One-off and interval reminders are fixed instants and stay; so do occurrences already
/// due, which the sweep is about to send and then advances in the new zone.
pub async fn rezone(
    conn: &mut PgConnection,
    tenant: Uuid,
    tz: Tz,
    now: DateTime<Utc>,
) -> sqlx::Result<u64> {
    let pending: Vec<(Uuid, serde_json::Value)> = sqlx::query_as(
        "select id, schedule from reminders
         where business_id = $1 and status = 'active' and next_run_at > $2
           and schedule->>'kind' in ('daily', 'monthly')
         for update",
    )
    .bind(tenant)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    let mut moved = 0;
    for (id, value) in pending {
        let next = serde_json::from_value::<Schedule>(value)
            .ok()
            .and_then(|s| schedule::next_after(&s, now, tz));
        let Some(next) = next else { continue };
        moved +=
            sqlx::query("update reminders set next_run_at = $2, updated_at = now() where id = $1")
                .bind(id)
                .bind(next)
                .execute(&mut *conn)
                .await?
                .rows_affected();
    }
    Ok(moved)
}

/// What the reminder job needs to compose its message.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Context {
    pub customer_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub preferred_channel: String,
    pub preferred_language: String,
    pub business_name: String,
    pub phone_number_id: Option<String>,
    pub message: Option<String>,
    pub balance_paise: i64,
}

pub async fn context(pool: &PgPool, tenant: Uuid, reminder: Uuid) -> sqlx::Result<Option<Context>> {
    sqlx::query_as(
        "select c.name as customer_name, c.phone, c.email, c.preferred_channel, c.preferred_language, b.name as business_name,
                b.whatsapp_phone_number_id as phone_number_id, r.message,
                coalesce((select sum(amount_paise) from ledger_entries l where l.customer_id = c.id), 0)::bigint as balance_paise
         from reminders r join customers c on c.id = r.customer_id join businesses b on b.id = r.business_id
         where r.id = $1 and r.business_id = $2 and c.erased_at is null",
    )
    .bind(reminder)
    .bind(tenant)
    .fetch_optional(pool)
    .await
}

/// Records that an occurrence went out.
pub async fn record_sent(
    pool: &PgPool,
    tenant: Uuid,
    job_id: Uuid,
    channel: &str,
    provider_id: Option<&str>,
) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    let reminder: Option<Uuid> = sqlx::query_scalar(
        "update reminder_deliveries set status = 'sent', channel = $3, provider_message_id = $4, sent_at = now()
         where job_id = $1 and business_id = $2 and status = 'pending' returning reminder_id",
    )
    .bind(job_id)
    .bind(tenant)
    .bind(channel)
    .bind(provider_id)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(id) = reminder {
        sqlx::query("update reminders set sent_count = sent_count + 1, last_sent_at = now(), updated_at = now() where id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}
