//! The demo shop `make run` starts with: an owner who can log in to the dashboard at
//! once, and a few customers, products, an invoice and a reminder, so that every page a
//! newcomer opens has something on it.
//!
//! The owner's password is generated on the first run and kept in a file under the data
//! directory (readable by its user only), never in the database in clear: the same
//! password is printed on every later run, and a database recreated under an old data
//! directory gets its hash set again, so the printed password always logs in.

use std::path::Path;

use anyhow::Context;
use rand::{Rng, distributions::Alphanumeric};
use sqlx::PgPool;
use uuid::Uuid;

use super::{businesses, customers, invoices, phone::PhoneNumber, products, reminders, schedule};
use crate::auth::passwords;

/// The demo owner's login email (a reserved `.local` domain: mail to it goes nowhere).
pub const OWNER_EMAIL: &str = "owner@demo.execora.local";
/// The file under the data directory holding the demo owner's password.
pub const PASSWORD_FILE: &str = "demo-owner-password";

/// The demo business, its owner and the owner's login.
pub struct DemoShop {
    pub tenant: Uuid,
    pub owner: Uuid,
    pub email: &'static str,
    pub password: String,
}

/// Creates (or finds) the demo business and its owner, makes the owner's password the
/// one kept under `data_dir` (generating it on the first run), and seeds the shop when
/// it has no customers yet. `min_interval_minutes` is the reminder policy in force.
pub async fn ensure(
    pool: &PgPool,
    data_dir: &Path,
    min_interval_minutes: u32,
) -> anyhow::Result<DemoShop> {
    let (tenant, owner) = businesses::ensure_demo(
        pool,
        "Demo Kirana Store",
        OWNER_EMAIL,
        Some("demo-phone-number-id"),
    )
    .await
    .context("cannot create the demo business")?;
    let password = password_in(data_dir)?;
    set_password_unless_current(pool, owner, &password).await?;
    let empty: bool =
        sqlx::query_scalar("select not exists (select 1 from customers where business_id = $1)")
            .bind(tenant)
            .fetch_one(pool)
            .await?;
    if empty {
        seed(pool, tenant, owner, min_interval_minutes).await?;
    }
    Ok(DemoShop {
        tenant,
        owner,
        email: OWNER_EMAIL,
        password,
    })
}

/// The password kept in `data_dir`, generated (20 alphanumerics, about 119 bits) and
/// written with mode 0600 when the file is missing or empty.
fn password_in(data_dir: &Path) -> anyhow::Result<String> {
    let path = data_dir.join(PASSWORD_FILE);
    if let Ok(kept) = std::fs::read_to_string(&path) {
        let kept = kept.trim();
        if kept.len() >= passwords::MIN_LENGTH {
            return Ok(kept.to_string());
        }
    }
    let password: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(20)
        .map(char::from)
        .collect();
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    write_private(&path, &password).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(password)
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

/// Hashing is slow on purpose, so the hash is only replaced when it does not already
/// verify the kept password (the first run, or a database recreated since).
async fn set_password_unless_current(
    pool: &PgPool,
    owner: Uuid,
    password: &str,
) -> anyhow::Result<()> {
    let stored: Option<String> =
        sqlx::query_scalar("select password_hash from users where id = $1")
            .bind(owner)
            .fetch_one(pool)
            .await?;
    if stored.is_some_and(|h| passwords::verify(password, &h)) {
        return Ok(());
    }
    let hash = passwords::hash(password)?;
    sqlx::query("update users set password_hash = $2, display_name = 'Demo Owner' where id = $1")
        .bind(owner)
        .bind(hash)
        .execute(pool)
        .await?;
    Ok(())
}

/// Three customers, three products, one invoice and a daily reminder.
async fn seed(
    pool: &PgPool,
    tenant: Uuid,
    owner: Uuid,
    min_interval_minutes: u32,
) -> anyhow::Result<()> {
    let mut people = Vec::new();
    for (name, phone, city) in [
        ("Ramesh Kumar", "+919800000001", "Pune"),
        ("Sunita Devi", "+919800000002", "Pune"),
        ("Mohan Lal", "+919800000003", "Nashik"),
    ] {
        people.push(customers::create(pool, tenant, &customer(name, phone, city)?).await?);
    }
    let stock = seed_products(pool, tenant).await?;
    let [ramesh, sunita, ..] = people.as_slice() else {
        anyhow::bail!("demo customers missing");
    };
    let lines = stock
        .iter()
        .take(2)
        .map(|p| invoices::LineRequest {
            product_id: Some(p.id),
            description: None,
            quantity: 2,
            unit_price_paise: None,
            discount_paise: 0,
            gst_rate_bp: None,
        })
        .collect();
    let request = invoices::InvoiceRequest {
        customer_id: ramesh.id,
        lines,
    };
    invoices::issue(pool, tenant, Uuid::now_v7(), &request).await?;
    let daily = schedule::Schedule::Daily {
        hour: 10,
        minute: 0,
    };
    let reminder = reminders::NewReminder {
        customer: sunita.id,
        schedule: &daily,
        tz: businesses::time_zone(pool, tenant).await?,
        text: "roz 10 baje",
        message: Some("Udhaar ka bhugtan baaki hai."),
        created_by: owner,
        min_interval_minutes,
    };
    reminders::create(pool, tenant, reminder).await?;
    Ok(())
}

async fn seed_products(pool: &PgPool, tenant: Uuid) -> anyhow::Result<Vec<products::Product>> {
    let mut stock = Vec::new();
    for (name, unit, price_paise, gst_rate_bp) in [
        ("Basmati Rice 5kg", "bag", 52_500, 500),
        ("Toor Dal 1kg", "kg", 14_000, 0),
        ("Sunflower Oil 1L", "bottle", 16_500, 500),
    ] {
        let data = products::ProductData {
            name: name.into(),
            sku: None,
            unit: unit.into(),
            price_paise,
            hsn_code: None,
            gst_rate_bp,
            low_stock_threshold: 5,
        };
        stock.push(products::create(pool, tenant, &data, 40).await?);
    }
    Ok(stock)
}

fn customer(name: &str, phone: &str, city: &str) -> anyhow::Result<customers::CustomerData> {
    Ok(customers::CustomerData {
        name: name.into(),
        phone: Some(PhoneNumber::parse(phone)?),
        email: None,
        nicknames: Vec::new(),
        landmark: None,
        city: Some(city.into()),
        state_code: None,
        gstin: None,
        preferred_channel: "whatsapp".into(),
        preferred_language: "hinglish".into(),
        notes: None,
    })
}
