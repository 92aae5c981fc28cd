//! Businesses (tenants), their owners, their time zone, and the per-business provider
//! settings (WhatsApp phone-number id, Razorpay webhook key) that route callbacks to a
//! tenant.

use chrono::Utc;
use secrecy::SecretString;
use sqlx::PgPool;
use uuid::Uuid;

use super::{
    reminders,
    schedule::{self, Tz},
};

/// Creates a business and its owner, or returns the existing ones for that owner email.
pub async fn ensure_demo(
    pool: &PgPool,
    name: &str,
    owner_email: &str,
    whatsapp_phone_number_id: Option<&str>,
) -> sqlx::Result<(Uuid, Uuid)> {
    let mut tx = pool.begin().await?;
    let existing: Option<(Uuid, Uuid)> =
        sqlx::query_as("select business_id, id from users where email = $1")
            .bind(owner_email)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some(ids) = existing {
        return Ok(ids);
    }
    let business_id = Uuid::now_v7();
    let user_id = Uuid::now_v7();
    sqlx::query("insert into businesses (id, name, whatsapp_phone_number_id) values ($1, $2, $3)")
        .bind(business_id)
        .bind(name)
        .bind(whatsapp_phone_number_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("insert into users (id, business_id, email, role) values ($1, $2, $3, 'owner')")
        .bind(user_id)
        .bind(business_id)
        .bind(owner_email)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok((business_id, user_id))
}

/// The tenant that owns a WhatsApp phone-number id, if any.
pub async fn by_whatsapp_phone_number_id(pool: &PgPool, id: &str) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("select id from businesses where whatsapp_phone_number_id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// Sets (or with `None` clears) the key Razorpay signs this business's webhooks with.
/// `false` when there is no such business.
pub async fn set_razorpay_webhook_secret(
    pool: &PgPool,
    tenant: Uuid,
    secret: Option<&str>,
) -> sqlx::Result<bool> {
    let done = sqlx::query("update businesses set razorpay_webhook_secret = $2 where id = $1")
        .bind(tenant)
        .bind(secret)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The Razorpay webhook key of a business; `None` for an unknown business or one that
/// has not set it (callers treat both alike, so neither is revealed to the sender).
pub async fn razorpay_webhook_secret(
    pool: &PgPool,
    business: Uuid,
) -> sqlx::Result<Option<SecretString>> {
    let secret: Option<Option<String>> =
        sqlx::query_scalar("select razorpay_webhook_secret from businesses where id = $1")
            .bind(business)
            .fetch_optional(pool)
            .await?;
    Ok(secret.flatten().map(SecretString::from))
}

/// The zone a stored `businesses.time_zone` names. The API only stores names the tz
/// database knows, but a row written by hand, or a name a later tz release dropped, must
/// not stop that shop's reminders or invoices: it falls back to India, loudly.
pub fn zone_named(tenant: Uuid, name: &str) -> Tz {
    schedule::zone(name).unwrap_or_else(|| {
        tracing::warn!(business.id = %tenant, time_zone = name, fallback = schedule::DEFAULT_ZONE.name(),
            "unknown business time zone; using the default");
        schedule::DEFAULT_ZONE
    })
}

/// The business's time zone, in which its schedules and financial years are reckoned;
/// the default for an unknown business (its callers then find nothing else either).
pub async fn time_zone(pool: &PgPool, tenant: Uuid) -> sqlx::Result<Tz> {
    let name: Option<String> = sqlx::query_scalar("select time_zone from businesses where id = $1")
        .bind(tenant)
        .fetch_optional(pool)
        .await?;
    Ok(name.map_or(schedule::DEFAULT_ZONE, |n| zone_named(tenant, &n)))
}

/// Sets the business's time zone; `false` when there is no such business. In the same
/// transaction the pending occurrences of its daily and monthly reminders move to their
/// wall-clock time in the new zone (see [`reminders::rezone`]), so "roz 9 baje" is 9 in
/// the new zone from the next occurrence on.
pub async fn set_time_zone(pool: &PgPool, tenant: Uuid, tz: Tz) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query("update businesses set time_zone = $2 where id = $1")
        .bind(tenant)
        .bind(tz.name())
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    reminders::rezone(&mut tx, tenant, tz, Utc::now()).await?;
    tx.commit().await?;
    Ok(true)
}
