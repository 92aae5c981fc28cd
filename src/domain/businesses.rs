//! Businesses (tenants) and their users: the minimum the foundation needs.

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
