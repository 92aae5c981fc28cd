//! Everything printed on an invoice, read in one place, and where the document went.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::invoices::{COLUMNS, Invoice};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DocLine {
    pub position: i32,
    pub description: String,
    pub hsn_code: Option<String>,
    pub quantity: i64,
    pub unit: String,
    pub unit_price_paise: i64,
    pub discount_paise: i64,
    pub gst_rate_bp: i32,
    pub taxable_paise: i64,
    pub cgst_paise: i64,
    pub sgst_paise: i64,
    pub igst_paise: i64,
    pub total_paise: i64,
}

/// The supplier or the buyer.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Party {
    pub name: String,
    pub gstin: Option<String>,
    pub state_code: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub city: Option<String>,
}

#[derive(sqlx::FromRow)]
struct SellerRow {
    name: String,
    gstin: Option<String>,
    state_code: Option<String>,
    upi_vpa: Option<String>,
    whatsapp_phone_number_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct BuyerRow {
    name: String,
    gstin: Option<String>,
    state_code: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    city: Option<String>,
    preferred_channel: String,
    preferred_language: String,
}

/// The language an invoice's words (the amount in words) are printed in for its buyer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocLanguage {
    English,
    Hindi,
}

impl DocLanguage {
    /// A customer's `preferred_language`: Hindi prints Hindi words; English and Hinglish
    /// (Roman script) get the English words GST invoices use.
    pub fn for_buyer(preferred_language: &str) -> DocLanguage {
        if preferred_language == "hindi" {
            DocLanguage::Hindi
        } else {
            DocLanguage::English
        }
    }

    /// The amount in words in this language.
    pub fn amount_in_words(self, paise: i64) -> String {
        match self {
            DocLanguage::English => super::gst::amount_in_words(paise),
            DocLanguage::Hindi => super::hindi_words::amount_in_words(paise),
        }
    }
}

#[derive(Debug, Clone)]
pub struct InvoiceDocument {
    pub invoice: Invoice,
    pub lines: Vec<DocLine>,
    pub seller: Party,
    pub seller_upi_vpa: Option<String>,
    pub seller_phone_number_id: Option<String>,
    pub buyer: Party,
    pub buyer_preferred_channel: String,
    /// `customers.preferred_language`, for the message sent with the invoice.
    pub buyer_preferred_language: String,
    /// The buyer's language for printed words.
    pub language: DocLanguage,
}

pub async fn load(pool: &PgPool, tenant: Uuid, id: Uuid) -> sqlx::Result<Option<InvoiceDocument>> {
    let invoice: Option<Invoice> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from invoices where id = $1 and business_id = $2"
    )))
    .bind(id)
    .bind(tenant)
    .fetch_optional(pool)
    .await?;
    let Some(invoice) = invoice else {
        return Ok(None);
    };
    let lines: Vec<DocLine> = sqlx::query_as(
        "select position, description, hsn_code, quantity, unit, unit_price_paise, discount_paise, gst_rate_bp,
                taxable_paise, cgst_paise, sgst_paise, igst_paise, total_paise
         from invoice_lines where invoice_id = $1 order by position",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let seller: SellerRow = sqlx::query_as(
        "select name, gstin, state_code, upi_vpa, whatsapp_phone_number_id from businesses where id = $1",
    )
    .bind(tenant)
    .fetch_one(pool)
    .await?;
    let buyer: BuyerRow = sqlx::query_as(
        "select name, gstin, state_code, phone, email, city, preferred_channel, preferred_language from customers where id = $1 and business_id = $2",
    )
    .bind(invoice.customer_id)
    .bind(tenant)
    .fetch_one(pool)
    .await?;
    let (upi, phone_number_id, channel) = (
        seller.upi_vpa,
        seller.whatsapp_phone_number_id,
        buyer.preferred_channel,
    );
    let seller = Party {
        name: seller.name,
        gstin: seller.gstin,
        state_code: seller.state_code,
        phone: None,
        email: None,
        city: None,
    };
    let language = DocLanguage::for_buyer(&buyer.preferred_language);
    let buyer_preferred_language = buyer.preferred_language;
    let buyer = Party {
        name: buyer.name,
        gstin: buyer.gstin,
        state_code: buyer.state_code,
        phone: buyer.phone,
        email: buyer.email,
        city: buyer.city,
    };
    Ok(Some(InvoiceDocument {
        invoice,
        lines,
        seller,
        seller_upi_vpa: upi,
        seller_phone_number_id: phone_number_id,
        buyer,
        buyer_preferred_channel: channel,
        buyer_preferred_language,
        language,
    }))
}

pub async fn set_pdf_key(pool: &PgPool, tenant: Uuid, id: Uuid, key: &str) -> sqlx::Result<()> {
    sqlx::query("update invoices set pdf_key = $3 where id = $1 and business_id = $2")
        .bind(id)
        .bind(tenant)
        .bind(key)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn set_delivered(pool: &PgPool, tenant: Uuid, id: Uuid, via: &str) -> sqlx::Result<()> {
    sqlx::query("update invoices set delivered_via = $3, delivered_at = now() where id = $1 and business_id = $2")
        .bind(id)
        .bind(tenant)
        .bind(via)
        .execute(pool)
        .await?;
    Ok(())
}

/// The stored document's key for the shop's own app: only its own invoices.
pub async fn tenant_pdf_key(pool: &PgPool, tenant: Uuid, id: Uuid) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "select pdf_key from invoices where id = $1 and business_id = $2 and pdf_key is not null",
    )
    .bind(id)
    .bind(tenant)
    .fetch_optional(pool)
    .await
}

/// The stored document's key, for the public download route: none once the invoice is
/// cancelled or its customer erased (the PDF names them and their phone).
pub async fn pdf_key(
    pool: &PgPool,
    id: Uuid,
) -> sqlx::Result<Option<(Uuid, String, DateTime<Utc>)>> {
    sqlx::query_as(
        "select i.business_id, i.pdf_key, i.issued_at from invoices i
         join customers c on c.id = i.customer_id and c.business_id = i.business_id
         where i.id = $1 and i.pdf_key is not null and i.status <> 'cancelled'
           and c.erased_at is null",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
}
