//! Businesses (tenants), their owners, and the per-business provider settings
//! (WhatsApp phone-number id, Razorpay webhook key) that route callbacks to a tenant.

use secrecy::SecretString;
use sqlx::PgPool;
use uuid::Uuid;

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
