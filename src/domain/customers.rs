//! Customers of a business: create, read, update, list, and erasure.
//!
//! Erasure, not deletion: invoices and ledger entries are tax records and must stay, so
//! the row is kept with every personal field cleared and the name replaced.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::{gstin::Gstin, names, phone::PhoneNumber};

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct Customer {
    pub id: Uuid,
    pub business_id: Uuid,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub nicknames: Vec<String>,
    pub landmark: Option<String>,
    pub city: Option<String>,
    pub state_code: Option<String>,
    pub gstin: Option<String>,
    pub preferred_channel: String,
    /// "hinglish", "english" or "hindi": what reminders and invoice messages are written
    /// in, and the language of the amount in words on invoices.
    pub preferred_language: String,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A customer as given by a client, already parsed (phone, GSTIN valid).
#[derive(Debug, Clone)]
pub struct CustomerData {
    pub name: String,
    pub phone: Option<PhoneNumber>,
    pub email: Option<String>,
    pub nicknames: Vec<String>,
    pub landmark: Option<String>,
    pub city: Option<String>,
    pub state_code: Option<String>,
    pub gstin: Option<Gstin>,
    pub preferred_channel: String,
    /// "hinglish", "english" or "hindi" (the column's check constraint).
    pub preferred_language: String,
    pub notes: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CustomerError {
    #[error("another customer has that phone number")]
    PhoneTaken,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn map_unique(e: sqlx::Error) -> CustomerError {
    match &e {
        sqlx::Error::Database(db) if db.constraint() == Some("customers_phone_key") => {
            CustomerError::PhoneTaken
        }
        _ => CustomerError::Db(e),
    }
}

fn folded_nicknames(c: &CustomerData) -> Vec<String> {
    c.nicknames.iter().map(|n| names::fold(n)).collect()
}

type CustomerQuery<'q> =
    sqlx::query::QueryAs<'q, sqlx::Postgres, Customer, sqlx::postgres::PgArguments>;

/// Binds a customer's fields as parameters $3…$15, in the order `create` and `update`
/// both use (after the id and the tenant).
trait BindFields<'q> {
    fn bind_fields(self, c: &'q CustomerData) -> Self;
}

impl<'q> BindFields<'q> for CustomerQuery<'q> {
    fn bind_fields(self, c: &'q CustomerData) -> Self {
        self.bind(c.name.trim())
            .bind(names::fold(&c.name))
            .bind(c.phone.as_ref().map(PhoneNumber::as_str))
            .bind(&c.email)
            .bind(&c.nicknames)
            .bind(&c.landmark)
            .bind(&c.city)
            .bind(&c.state_code)
            .bind(c.gstin.as_ref().map(ToString::to_string))
            .bind(&c.preferred_channel)
            .bind(&c.notes)
            .bind(folded_nicknames(c))
            .bind(&c.preferred_language)
    }
}

/// The subject an owner's erasure code is issued for; shared by the API and voice, so a
/// code requested one way can be confirmed the other.
pub fn erasure_code_subject(customer: Uuid) -> String {
    format!("erase-customer:{customer}")
}

pub const COLUMNS: &str = "id, business_id, name, phone, email, nicknames, landmark, city, state_code, \
    gstin, preferred_channel, preferred_language, notes, created_at, updated_at";

pub async fn create(
    pool: &PgPool,
    tenant: Uuid,
    c: &CustomerData,
) -> Result<Customer, CustomerError> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "insert into customers (id, business_id, name, name_folded, phone, email, nicknames, landmark,
                                city, state_code, gstin, preferred_channel, notes, nicknames_folded,
                                preferred_language)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         returning {COLUMNS}"
    )))
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind_fields(c)
    .fetch_one(pool)
    .await
    .map_err(map_unique)
}

pub async fn get(pool: &PgPool, tenant: Uuid, id: Uuid) -> sqlx::Result<Option<Customer>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from customers where id = $1 and business_id = $2 and erased_at is null"
    )))
    .bind(id)
    .bind(tenant)
    .fetch_optional(pool)
    .await
}

/// Replaces a customer's details; `None` when there is no such (live) customer.
pub async fn update(
    pool: &PgPool,
    tenant: Uuid,
    id: Uuid,
    c: &CustomerData,
) -> Result<Option<Customer>, CustomerError> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "update customers set name = $3, name_folded = $4, phone = $5, email = $6, nicknames = $7,
                landmark = $8, city = $9, state_code = $10, gstin = $11, preferred_channel = $12,
                notes = $13, nicknames_folded = $14, preferred_language = $15, updated_at = now()
         where id = $1 and business_id = $2 and erased_at is null
         returning {COLUMNS}"
    )))
    .bind(id)
    .bind(tenant)
    .bind_fields(c)
    .fetch_optional(pool)
    .await
    .map_err(map_unique)
}

/// A page of customers, newest first, after the given (created_at, id) position.
pub async fn list(
    pool: &PgPool,
    tenant: Uuid,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> sqlx::Result<Vec<Customer>> {
    let (at, id) = before.unzip();
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from customers
         where business_id = $1 and erased_at is null
           and ($2::timestamptz is null or (created_at, id) < ($2, $3))
         order by created_at desc, id desc limit $4"
    )))
    .bind(tenant)
    .bind(at)
    .bind(id)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Erases a customer's personal data; their invoices and ledger stay, linked to the
/// anonymised row. Returns false if there was no such live customer.
pub async fn erase(pool: &PgPool, tenant: Uuid, id: Uuid) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "update customers set name = 'Erased customer', name_folded = '', phone = null, email = null,
                nicknames = '{}', nicknames_folded = '{}', landmark = null, city = null, gstin = null, notes = null,
                erased_at = now(), updated_at = now()
         where id = $1 and business_id = $2 and erased_at is null",
    )
    .bind(id)
    .bind(tenant)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(done == 1)
}
