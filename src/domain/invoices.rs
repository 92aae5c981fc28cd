//! GST invoices: issue (numbered, lines, stock, ledger debit) in one transaction keyed
//! by the job that asked for it; cancel (reversal entry, stock back, number kept); read.
//!
//! Numbers are gapless per business and financial year (April–March, in the business's
//! time zone): the counter row is incremented inside the issuing transaction, so a
//! rolled-back issue gives its number back and concurrent issues queue on the row lock. A redelivered job
//! finds the invoice its first delivery wrote (unique `job_id`) and writes nothing.

use chrono::{DateTime, Datelike, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

mod reading;

pub use reading::{InvoiceFilter, get, list};

use super::{
    businesses,
    gst::{self, LineInput, Supply},
    ledger::{self, NewEntry},
    products::{self, MovementReason},
    schedule::Tz,
};

/// One requested line: a product of the shop, or a free-text item with its own price.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LineRequest {
    pub product_id: Option<Uuid>,
    pub description: Option<String>,
    pub quantity: i64,
    /// Overrides the product's price; required for free-text lines.
    pub unit_price_paise: Option<i64>,
    #[serde(default)]
    pub discount_paise: i64,
    /// Overrides the product's rate; required for free-text lines.
    pub gst_rate_bp: Option<u32>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct InvoiceRequest {
    pub customer_id: Uuid,
    pub lines: Vec<LineRequest>,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct Invoice {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub job_id: Uuid,
    pub number: String,
    pub status: String,
    pub supply: String,
    pub subtotal_paise: i64,
    pub discount_paise: i64,
    pub cgst_paise: i64,
    pub sgst_paise: i64,
    pub igst_paise: i64,
    pub round_off_paise: i64,
    pub total_paise: i64,
    pub paid_paise: i64,
    pub issued_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

#[derive(Debug, thiserror::Error)]
pub enum InvoiceError {
    #[error("no such customer")]
    NoCustomer,
    #[error("line {0}: no such product")]
    NoProduct(usize),
    #[error("line {0}: a free-text line needs a description, a price and a GST rate")]
    IncompleteLine(usize),
    #[error("{0}")]
    Gst(#[from] gst::GstError),
    #[error("the invoice is already cancelled")]
    AlreadyCancelled,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

pub const COLUMNS: &str = "id, customer_id, job_id, number, status, supply, subtotal_paise, discount_paise, \
    cgst_paise, sgst_paise, igst_paise, round_off_paise, total_paise, paid_paise, issued_at, cancelled_at";

/// "2026-27" for any date from 1 April 2026 to 31 March 2027 in the business's zone
/// `tz`: India's financial year turns at the shop's own midnight, so an invoice issued
/// late on 31 March local time still belongs to the year ending that day.
pub fn financial_year(at: DateTime<Utc>, tz: Tz) -> String {
    let local = at.with_timezone(&tz);
    let start = if local.month() >= 4 {
        local.year()
    } else {
        local.year() - 1
    };
    format!("{start}-{:02}", (start + 1) % 100)
}

/// A resolved line: what was sold, at what price and rate.
struct Line {
    product_id: Option<Uuid>,
    description: String,
    hsn_code: Option<String>,
    unit: String,
    input: LineInput,
}

async fn resolve_lines(
    tx: &mut Transaction<'_, Postgres>,
    tenant: Uuid,
    req: &InvoiceRequest,
) -> Result<Vec<Line>, InvoiceError> {
    let mut lines = Vec::with_capacity(req.lines.len());
    for (i, l) in req.lines.iter().enumerate() {
        let n = i + 1;
        let line = match l.product_id {
            Some(pid) => {
                let p: Option<(String, String, i64, Option<String>, i32)> = sqlx::query_as(
                    "select name, unit, price_paise, hsn_code, gst_rate_bp from products
                     where id = $1 and business_id = $2 and deleted_at is null for update",
                )
                .bind(pid)
                .bind(tenant)
                .fetch_optional(&mut **tx)
                .await?;
                let (name, unit, price, hsn, rate) = p.ok_or(InvoiceError::NoProduct(n))?;
                Line {
                    product_id: Some(pid),
                    description: l.description.clone().unwrap_or(name),
                    hsn_code: hsn,
                    unit,
                    input: LineInput {
                        quantity: l.quantity,
                        unit_price_paise: l.unit_price_paise.unwrap_or(price),
                        discount_paise: l.discount_paise,
                        gst_rate_bp: l.gst_rate_bp.unwrap_or(u32::try_from(rate).unwrap_or(0)),
                    },
                }
            }
            None => {
                let (Some(d), Some(price), Some(rate)) =
                    (&l.description, l.unit_price_paise, l.gst_rate_bp)
                else {
                    return Err(InvoiceError::IncompleteLine(n));
                };
                Line {
                    product_id: None,
                    description: d.clone(),
                    hsn_code: None,
                    unit: "pcs".into(),
                    input: LineInput {
                        quantity: l.quantity,
                        unit_price_paise: price,
                        discount_paise: l.discount_paise,
                        gst_rate_bp: rate,
                    },
                }
            }
        };
        lines.push(line);
    }
    Ok(lines)
}

/// Issues the invoice for `job_id`, or returns the one that job already issued.
pub async fn issue(
    pool: &PgPool,
    tenant: Uuid,
    job_id: Uuid,
    req: &InvoiceRequest,
) -> Result<Invoice, InvoiceError> {
    let mut tx = pool.begin().await?;
    if let Some(existing) = by_job(&mut tx, tenant, job_id).await? {
        return Ok(existing);
    }
    let states: Option<(Option<String>, Option<String>, String)> = sqlx::query_as(
        "select c.state_code, b.state_code, b.time_zone from customers c join businesses b on b.id = c.business_id
         where c.id = $1 and c.business_id = $2 for update of c",
    )
    .bind(req.customer_id)
    .bind(tenant)
    .fetch_optional(&mut *tx)
    .await?;
    let (buyer_state, seller_state, zone) = states.ok_or(InvoiceError::NoCustomer)?;
    let supply = match (&buyer_state, &seller_state) {
        (Some(b), Some(s)) if b != s => Supply::InterState,
        _ => Supply::IntraState,
    };
    let lines = resolve_lines(&mut tx, tenant, req).await?;
    let inputs: Vec<LineInput> = lines.iter().map(|l| l.input).collect();
    let totals = gst::invoice_totals(&inputs, supply)?;
    let issued_at = Utc::now();
    let fy = financial_year(issued_at, businesses::zone_named(tenant, &zone));
    let seq: i32 = sqlx::query_scalar(
        "insert into invoice_counters (business_id, financial_year, last_seq) values ($1, $2, 1)
         on conflict (business_id, financial_year) do update set last_seq = invoice_counters.last_seq + 1
         returning last_seq",
    )
    .bind(tenant)
    .bind(&fy)
    .fetch_one(&mut *tx)
    .await?;
    let id = Uuid::now_v7();
    let supply_str = if supply == Supply::InterState {
        "inter_state"
    } else {
        "intra_state"
    };
    let invoice: Invoice = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "insert into invoices (id, business_id, customer_id, job_id, number, financial_year, seq, supply, place_of_supply,
                               subtotal_paise, discount_paise, cgst_paise, sgst_paise, igst_paise, round_off_paise, total_paise, issued_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
         returning {COLUMNS}"
    )))
    .bind(id)
    .bind(tenant)
    .bind(req.customer_id)
    .bind(job_id)
    .bind(format!("{fy}/INV/{seq:04}"))
    .bind(&fy)
    .bind(seq)
    .bind(supply_str)
    .bind(buyer_state.or(seller_state))
    .bind(totals.subtotal_paise)
    .bind(totals.discount_paise)
    .bind(totals.cgst_paise)
    .bind(totals.sgst_paise)
    .bind(totals.igst_paise)
    .bind(totals.round_off_paise)
    .bind(totals.total_paise)
    .bind(issued_at)
    .fetch_one(&mut *tx)
    .await?;
    for (position, (line, t)) in lines.iter().zip(&totals.lines).enumerate() {
        sqlx::query(
            "insert into invoice_lines (id, invoice_id, business_id, position, product_id, description, hsn_code, quantity, unit,
                                        unit_price_paise, discount_paise, gst_rate_bp, taxable_paise, cgst_paise, sgst_paise, igst_paise, total_paise)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        )
        .bind(Uuid::now_v7())
        .bind(id)
        .bind(tenant)
        .bind(position as i32 + 1)
        .bind(line.product_id)
        .bind(&line.description)
        .bind(&line.hsn_code)
        .bind(line.input.quantity)
        .bind(&line.unit)
        .bind(line.input.unit_price_paise)
        .bind(line.input.discount_paise)
        .bind(line.input.gst_rate_bp as i32)
        .bind(t.taxable_paise)
        .bind(t.cgst_paise)
        .bind(t.sgst_paise)
        .bind(t.igst_paise)
        .bind(t.total_paise)
        .execute(&mut *tx)
        .await?;
        if let Some(pid) = line.product_id {
            products::move_stock(
                &mut tx,
                tenant,
                pid,
                -line.input.quantity,
                MovementReason::Sale,
                Some(id),
                None,
            )
            .await?;
        }
    }
    let debit = NewEntry {
        customer: req.customer_id,
        kind: "invoice",
        amount_paise: invoice.total_paise,
        method: None,
        invoice: Some(id),
        reference: None,
        note: Some(&invoice.number),
        idempotency_key: None,
    };
    ledger::append(&mut tx, tenant, &debit).await?;
    tx.commit().await?;
    Ok(invoice)
}

async fn by_job(
    tx: &mut Transaction<'_, Postgres>,
    tenant: Uuid,
    job_id: Uuid,
) -> sqlx::Result<Option<Invoice>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from invoices where job_id = $1 and business_id = $2"
    )))
    .bind(job_id)
    .bind(tenant)
    .fetch_optional(&mut **tx)
    .await
}

/// Cancels an invoice: a reversal entry for its total, its stock back; the number stays used.
pub async fn cancel(
    pool: &PgPool,
    tenant: Uuid,
    id: Uuid,
) -> Result<Option<Invoice>, InvoiceError> {
    let mut tx = pool.begin().await?;
    // Lock order of ledger writers: customer, their invoices, the business's ledger volume
    // (a payment holds the volume while settling invoices: invoice-first could deadlock).
    sqlx::query(
        "select c.id from customers c join invoices i on i.customer_id = c.id
         where i.id = $1 and i.business_id = $2 and c.business_id = $2 for update of c",
    )
    .bind(id)
    .bind(tenant)
    .fetch_optional(&mut *tx)
    .await?;
    let current: Option<Invoice> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from invoices where id = $1 and business_id = $2 for update"
    )))
    .bind(id)
    .bind(tenant)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(current) = current else {
        return Ok(None);
    };
    if current.status == "cancelled" {
        return Err(InvoiceError::AlreadyCancelled);
    }
    let sold: Vec<(Uuid, i64)> = sqlx::query_as("select product_id, quantity from invoice_lines where invoice_id = $1 and product_id is not null")
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
    for (product, qty) in sold {
        products::move_stock(
            &mut tx,
            tenant,
            product,
            qty,
            MovementReason::Cancellation,
            Some(id),
            None,
        )
        .await?;
    }
    let reversal = NewEntry {
        customer: current.customer_id,
        kind: "reversal",
        amount_paise: -current.total_paise,
        method: None,
        invoice: Some(id),
        reference: None,
        note: Some(&current.number),
        idempotency_key: None,
    };
    ledger::append(&mut tx, tenant, &reversal).await?;
    let cancelled: Invoice = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "update invoices set status = 'cancelled', cancelled_at = now() where id = $1 returning {COLUMNS}"
    )))
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(cancelled))
}

#[cfg(test)]
#[path = "invoices_tests.rs"]
mod tests;
