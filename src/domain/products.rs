//! Products and stock. Every stock change is a `stock_movements` row written in the same
//! transaction as the product's running stock, so stock can always be explained.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct Product {
    pub id: Uuid,
    pub name: String,
    pub sku: Option<String>,
    pub unit: String,
    pub price_paise: i64,
    pub hsn_code: Option<String>,
    pub gst_rate_bp: i32,
    pub stock: i64,
    pub low_stock_threshold: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct ProductData {
    pub name: String,
    pub sku: Option<String>,
    pub unit: String,
    pub price_paise: i64,
    pub hsn_code: Option<String>,
    pub gst_rate_bp: i32,
    pub low_stock_threshold: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MovementReason {
    Sale,
    Purchase,
    Adjustment,
    Cancellation,
}

impl MovementReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sale => "sale",
            Self::Purchase => "purchase",
            Self::Adjustment => "adjustment",
            Self::Cancellation => "cancellation",
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Movement {
    pub id: Uuid,
    pub delta: i64,
    pub reason: String,
    pub invoice_id: Option<Uuid>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProductError {
    #[error("another product has that SKU")]
    SkuTaken,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn map_unique(e: sqlx::Error) -> ProductError {
    match &e {
        sqlx::Error::Database(db) if db.constraint() == Some("products_sku_key") => {
            ProductError::SkuTaken
        }
        _ => ProductError::Db(e),
    }
}

const COLUMNS: &str = "id, name, sku, unit, price_paise, hsn_code, gst_rate_bp, stock, low_stock_threshold, created_at, updated_at";

/// Creates a product with an opening stock (recorded as a purchase movement).
pub async fn create(
    pool: &PgPool,
    tenant: Uuid,
    p: &ProductData,
    opening_stock: i64,
) -> Result<Product, ProductError> {
    let mut tx = pool.begin().await?;
    let product: Product = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "insert into products (id, business_id, name, sku, unit, price_paise, hsn_code, gst_rate_bp, low_stock_threshold)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning {COLUMNS}"
    )))
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(p.name.trim())
    .bind(&p.sku)
    .bind(&p.unit)
    .bind(p.price_paise)
    .bind(&p.hsn_code)
    .bind(p.gst_rate_bp)
    .bind(p.low_stock_threshold)
    .fetch_one(&mut *tx)
    .await
    .map_err(map_unique)?;
    let product = if opening_stock != 0 {
        move_stock(
            &mut tx,
            tenant,
            product.id,
            opening_stock,
            MovementReason::Purchase,
            None,
            Some("opening stock"),
        )
        .await?;
        fetch(&mut tx, tenant, product.id).await?.unwrap_or(product)
    } else {
        product
    };
    tx.commit().await?;
    Ok(product)
}

async fn fetch(
    tx: &mut Transaction<'_, Postgres>,
    tenant: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<Product>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from products where id = $1 and business_id = $2 and deleted_at is null"
    )))
    .bind(id)
    .bind(tenant)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn get(pool: &PgPool, tenant: Uuid, id: Uuid) -> sqlx::Result<Option<Product>> {
    let mut tx = pool.begin().await?;
    let product = fetch(&mut tx, tenant, id).await?;
    tx.commit().await?;
    Ok(product)
}

pub async fn update(
    pool: &PgPool,
    tenant: Uuid,
    id: Uuid,
    p: &ProductData,
) -> Result<Option<Product>, ProductError> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "update products set name = $3, sku = $4, unit = $5, price_paise = $6, hsn_code = $7,
                gst_rate_bp = $8, low_stock_threshold = $9, updated_at = now()
         where id = $1 and business_id = $2 and deleted_at is null returning {COLUMNS}"
    )))
    .bind(id)
    .bind(tenant)
    .bind(p.name.trim())
    .bind(&p.sku)
    .bind(&p.unit)
    .bind(p.price_paise)
    .bind(&p.hsn_code)
    .bind(p.gst_rate_bp)
    .bind(p.low_stock_threshold)
    .fetch_optional(pool)
    .await
    .map_err(map_unique)
}

/// Removes a product from sale; invoices that name it keep their lines.
pub async fn delete(pool: &PgPool, tenant: Uuid, id: Uuid) -> sqlx::Result<bool> {
    let done = sqlx::query("update products set deleted_at = now(), sku = null where id = $1 and business_id = $2 and deleted_at is null")
        .bind(id)
        .bind(tenant)
        .execute(pool)
        .await?
        .rows_affected();
    Ok(done == 1)
}

/// Products by name; with `low_stock`, only those at or under their threshold.
pub async fn list(
    pool: &PgPool,
    tenant: Uuid,
    low_stock: bool,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<Product>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from products
         where business_id = $1 and deleted_at is null and (not $2 or stock <= low_stock_threshold)
         order by name, id limit $3 offset $4"
    )))
    .bind(tenant)
    .bind(low_stock)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await
}

/// Changes stock by `delta` with its movement row, inside the caller's transaction.
/// Returns the new stock, or `None` if the product is not this tenant's.
pub async fn move_stock(
    tx: &mut Transaction<'_, Postgres>,
    tenant: Uuid,
    product: Uuid,
    delta: i64,
    reason: MovementReason,
    invoice: Option<Uuid>,
    note: Option<&str>,
) -> sqlx::Result<Option<i64>> {
    let stock: Option<i64> = sqlx::query_scalar(
        "update products set stock = stock + $3, updated_at = now()
         where id = $1 and business_id = $2 and deleted_at is null returning stock",
    )
    .bind(product)
    .bind(tenant)
    .bind(delta)
    .fetch_optional(&mut **tx)
    .await?;
    if stock.is_some() {
        sqlx::query(
            "insert into stock_movements (id, business_id, product_id, delta, reason, invoice_id, note)
             values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(Uuid::now_v7())
        .bind(tenant)
        .bind(product)
        .bind(delta)
        .bind(reason.as_str())
        .bind(invoice)
        .bind(note)
        .execute(&mut **tx)
        .await?;
    }
    Ok(stock)
}

/// A manual stock change (a purchase or a count correction) in its own transaction.
pub async fn adjust(
    pool: &PgPool,
    tenant: Uuid,
    product: Uuid,
    delta: i64,
    reason: MovementReason,
    note: Option<&str>,
) -> sqlx::Result<Option<Product>> {
    let mut tx = pool.begin().await?;
    if move_stock(&mut tx, tenant, product, delta, reason, None, note)
        .await?
        .is_none()
    {
        return Ok(None);
    }
    let product = fetch(&mut tx, tenant, product).await?;
    tx.commit().await?;
    Ok(product)
}

pub async fn movements(
    pool: &PgPool,
    tenant: Uuid,
    product: Uuid,
    limit: i64,
) -> sqlx::Result<Vec<Movement>> {
    sqlx::query_as(
        "select id, delta, reason, invoice_id, note, created_at from stock_movements
         where business_id = $1 and product_id = $2 order by created_at desc, id desc limit $3",
    )
    .bind(tenant)
    .bind(product)
    .bind(limit)
    .fetch_all(pool)
    .await
}
