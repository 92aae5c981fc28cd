//! The day's figures for the shop: what was billed, received and given on credit.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// Totals for one period, in paise.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DaySummary {
    pub invoices: i64,
    pub billed_paise: i64,
    pub received_paise: i64,
    pub credit_given_paise: i64,
}

/// Totals of the ledger between `from` (inclusive) and `to` (exclusive).
pub async fn between(
    pool: &PgPool,
    tenant: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<DaySummary> {
    let (invoices, billed, received, credit): (i64, i64, i64, i64) = sqlx::query_as(
        "select count(*) filter (where kind = 'invoice')::bigint,
                coalesce(sum(amount_paise) filter (where kind = 'invoice'), 0)::bigint,
                coalesce(-sum(amount_paise) filter (where kind = 'payment'), 0)::bigint,
                coalesce(sum(amount_paise) filter (where kind = 'credit'), 0)::bigint
         from ledger_entries where business_id = $1 and created_at >= $2 and created_at < $3",
    )
    .bind(tenant)
    .bind(from)
    .bind(to)
    .fetch_one(pool)
    .await?;
    Ok(DaySummary {
        invoices,
        billed_paise: billed,
        received_paise: received,
        credit_given_paise: credit,
    })
}
