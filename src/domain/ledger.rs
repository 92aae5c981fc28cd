//! The ledger: append-only entries per customer; a balance is their sum.
//!
//! Positive amounts raise what the customer owes (an invoice, "udhaar" credit given),
//! negative ones lower it (a payment, an invoice's reversal). A payment is settled
//! against the customer's oldest open invoices first, recorded as allocations in the
//! same transaction. Payments and credits carry an optional idempotency key, so a
//! retried request finds its first entry instead of writing a second.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Cash,
    Upi,
    Card,
    Bank,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cash => "cash",
            Self::Upi => "upi",
            Self::Card => "card",
            Self::Bank => "bank",
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Entry {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub kind: String,
    pub amount_paise: i64,
    pub method: Option<String>,
    pub invoice_id: Option<Uuid>,
    pub reference: Option<String>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// An entry with the balance after it, for statements.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StatementLine {
    #[sqlx(flatten)]
    pub entry: Entry,
    pub balance_paise: i64,
}

/// How much of a payment went to which invoice.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Allocation {
    pub invoice_id: Uuid,
    pub amount_paise: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("no such customer")]
    NoCustomer,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

const ENTRY_COLUMNS: &str =
    "id, customer_id, kind, amount_paise, method, invoice_id, reference, note, created_at";

/// A new entry, as the ledger writes it.
pub struct NewEntry<'a> {
    pub customer: Uuid,
    pub kind: &'a str,
    pub amount_paise: i64,
    pub method: Option<Method>,
    pub invoice: Option<Uuid>,
    pub reference: Option<&'a str>,
    pub note: Option<&'a str>,
    pub idempotency_key: Option<&'a str>,
}

/// Appends an entry inside the caller's transaction. With an idempotency key already
/// used, returns the existing entry and `false`.
pub async fn append(
    tx: &mut Transaction<'_, Postgres>,
    tenant: Uuid,
    e: &NewEntry<'_>,
) -> sqlx::Result<(Entry, bool)> {
    let inserted: Option<Entry> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "insert into ledger_entries (id, business_id, customer_id, kind, amount_paise, method, invoice_id, reference, note, idempotency_key)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         on conflict do nothing returning {ENTRY_COLUMNS}"
    )))
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(e.customer)
    .bind(e.kind)
    .bind(e.amount_paise)
    .bind(e.method.map(Method::as_str))
    .bind(e.invoice)
    .bind(e.reference)
    .bind(e.note)
    .bind(e.idempotency_key)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(entry) = inserted {
        // Bounded by `businesses_ledger_volume_bounded` (see `amounts`); the row lock
        // it takes lasts until commit, so concurrent writers cannot both pass the bound.
        // Callers hold the customer's lock first (the lock order; `invoices::cancel`).
        sqlx::query(
            "update businesses set ledger_volume_paise = ledger_volume_paise + abs($2::bigint) where id = $1",
        )
        .bind(tenant)
        .bind(e.amount_paise)
        .execute(&mut **tx)
        .await?;
        return Ok((entry, true));
    }
    // The conflict was the idempotency key or the gateway reference: return that entry.
    let existing: Entry = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {ENTRY_COLUMNS} from ledger_entries
         where business_id = $1 and (idempotency_key = $2 or (kind = 'payment' and reference = $3))
         limit 1"
    )))
    .bind(tenant)
    .bind(e.idempotency_key)
    .bind(e.reference)
    .fetch_one(&mut **tx)
    .await?;
    Ok((existing, false))
}

async fn lock_customer(
    tx: &mut Transaction<'_, Postgres>,
    tenant: Uuid,
    customer: Uuid,
) -> Result<(), LedgerError> {
    let found: Option<Uuid> = sqlx::query_scalar(
        "select id from customers where id = $1 and business_id = $2 for update",
    )
    .bind(customer)
    .bind(tenant)
    .fetch_optional(&mut **tx)
    .await?;
    found.map(|_| ()).ok_or(LedgerError::NoCustomer)
}

/// A payment as recorded: its entry, how it settled, and whether this call wrote it.
#[derive(Debug)]
pub struct Recorded {
    pub entry: Entry,
    pub allocations: Vec<Allocation>,
    /// `false` when the idempotency key or gateway reference was already recorded, so
    /// a webhook can tell a redelivery from a new payment.
    pub fresh: bool,
}

/// Records a payment and settles it against the oldest open invoices.
pub async fn record_payment(
    pool: &PgPool,
    tenant: Uuid,
    entry: NewEntry<'_>,
) -> Result<(Entry, Vec<Allocation>), LedgerError> {
    let r = record_payment_once(pool, tenant, entry).await?;
    Ok((r.entry, r.allocations))
}

/// [`record_payment`], also telling whether the payment was new.
pub async fn record_payment_once(
    pool: &PgPool,
    tenant: Uuid,
    entry: NewEntry<'_>,
) -> Result<Recorded, LedgerError> {
    let mut tx = pool.begin().await?;
    lock_customer(&mut tx, tenant, entry.customer).await?;
    let (entry, fresh) = append(
        &mut tx,
        tenant,
        &NewEntry {
            kind: "payment",
            amount_paise: -entry.amount_paise.abs(),
            ..entry
        },
    )
    .await?;
    let allocations = if fresh {
        settle_fifo(
            &mut tx,
            tenant,
            entry.customer_id,
            entry.id,
            -entry.amount_paise,
        )
        .await?
    } else {
        allocations_of(&mut tx, entry.id).await?
    };
    tx.commit().await?;
    Ok(Recorded {
        entry,
        allocations,
        fresh,
    })
}

/// Credit given ("udhaar"): the customer owes more.
pub async fn record_credit(
    pool: &PgPool,
    tenant: Uuid,
    entry: NewEntry<'_>,
) -> Result<Entry, LedgerError> {
    let mut tx = pool.begin().await?;
    lock_customer(&mut tx, tenant, entry.customer).await?;
    let (entry, _) = append(
        &mut tx,
        tenant,
        &NewEntry {
            kind: "credit",
            amount_paise: entry.amount_paise.abs(),
            method: None,
            ..entry
        },
    )
    .await?;
    tx.commit().await?;
    Ok(entry)
}

async fn allocations_of(
    tx: &mut Transaction<'_, Postgres>,
    payment: Uuid,
) -> sqlx::Result<Vec<Allocation>> {
    sqlx::query_as("select invoice_id, amount_paise from payment_allocations where payment_entry_id = $1 order by invoice_id")
        .bind(payment)
        .fetch_all(&mut **tx)
        .await
}

/// Allocates `amount` to open invoices, oldest first; what is left stays as an advance.
pub async fn settle_fifo(
    tx: &mut Transaction<'_, Postgres>,
    tenant: Uuid,
    customer: Uuid,
    payment: Uuid,
    mut amount: i64,
) -> sqlx::Result<Vec<Allocation>> {
    let open: Vec<(Uuid, i64)> = sqlx::query_as(
        "select id, total_paise - paid_paise from invoices
         where business_id = $1 and customer_id = $2 and status in ('issued', 'partial')
         order by issued_at, seq for update",
    )
    .bind(tenant)
    .bind(customer)
    .fetch_all(&mut **tx)
    .await?;
    let mut allocations = Vec::new();
    for (invoice, due) in open {
        if amount <= 0 {
            break;
        }
        let part = amount.min(due);
        if part <= 0 {
            continue;
        }
        sqlx::query(
            "update invoices set paid_paise = paid_paise + $2,
                    status = case when paid_paise + $2 >= total_paise then 'paid' else 'partial' end
             where id = $1",
        )
        .bind(invoice)
        .bind(part)
        .execute(&mut **tx)
        .await?;
        sqlx::query("insert into payment_allocations (payment_entry_id, invoice_id, amount_paise) values ($1, $2, $3)")
            .bind(payment)
            .bind(invoice)
            .bind(part)
            .execute(&mut **tx)
            .await?;
        allocations.push(Allocation {
            invoice_id: invoice,
            amount_paise: part,
        });
        amount -= part;
    }
    Ok(allocations)
}

pub async fn balance(pool: &PgPool, tenant: Uuid, customer: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar("select coalesce(sum(amount_paise), 0)::bigint from ledger_entries where business_id = $1 and customer_id = $2")
        .bind(tenant)
        .bind(customer)
        .fetch_one(pool)
        .await
}

/// Every entry of a customer with the running balance, oldest first.
pub async fn statement(
    pool: &PgPool,
    tenant: Uuid,
    customer: Uuid,
) -> sqlx::Result<Vec<StatementLine>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {ENTRY_COLUMNS},
                (sum(amount_paise) over (order by created_at, id))::bigint as balance_paise
         from ledger_entries where business_id = $1 and customer_id = $2
         order by created_at, id"
    )))
    .bind(tenant)
    .bind(customer)
    .fetch_all(pool)
    .await
}

/// Customers who owe something, largest first: (customer id, name, balance).
pub async fn outstanding(
    pool: &PgPool,
    tenant: Uuid,
    limit: i64,
) -> sqlx::Result<Vec<(Uuid, String, i64)>> {
    sqlx::query_as(
        "select c.id, c.name, sum(l.amount_paise)::bigint as balance
         from ledger_entries l join customers c on c.id = l.customer_id
         where l.business_id = $1
         group by c.id, c.name having sum(l.amount_paise) > 0
         order by balance desc limit $2",
    )
    .bind(tenant)
    .bind(limit)
    .fetch_all(pool)
    .await
}
