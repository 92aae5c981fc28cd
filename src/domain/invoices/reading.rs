//! Reading invoices: one by id, or a filtered page of a business's invoices.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::{COLUMNS, Invoice};

pub async fn get(pool: &PgPool, tenant: Uuid, id: Uuid) -> sqlx::Result<Option<Invoice>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from invoices where id = $1 and business_id = $2"
    )))
    .bind(id)
    .bind(tenant)
    .fetch_optional(pool)
    .await
}

/// Filters for [`list`].
#[derive(Debug, Default)]
pub struct InvoiceFilter {
    pub customer: Option<Uuid>,
    pub status: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub limit: i64,
    pub offset: i64,
}

pub async fn list(pool: &PgPool, tenant: Uuid, f: &InvoiceFilter) -> sqlx::Result<Vec<Invoice>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from invoices
         where business_id = $1 and ($2::uuid is null or customer_id = $2) and ($3::text is null or status = $3)
           and ($4::timestamptz is null or issued_at >= $4) and ($5::timestamptz is null or issued_at < $5)
         order by issued_at desc, seq desc limit $6 offset $7"
    )))
    .bind(tenant)
    .bind(f.customer)
    .bind(&f.status)
    .bind(f.from)
    .bind(f.to)
    .bind(f.limit)
    .bind(f.offset)
    .fetch_all(pool)
    .await
}
