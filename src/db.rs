//! The Postgres pool and migrations.
//!
//! Migrations run under a session-level advisory lock held on one dedicated connection,
//! so any number of instances may start at once against an empty database: one applies
//! the migrations, the others wait and then find nothing left to do.

use std::time::Duration;

use anyhow::Context;
use secrecy::ExposeSecret;
use sqlx::{Connection, PgConnection, PgPool, postgres::PgPoolOptions};

use crate::config::Settings;

/// Embedded at compile time from `migrations/`.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// An arbitrary constant shared by every Execora process: the migration lock's key.
const MIGRATION_LOCK_KEY: i64 = 0x0065_7865_636f_7261; // "execora"

pub async fn connect(settings: &Settings) -> anyhow::Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(settings.database_max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect(settings.database_url.expose_secret())
        .await
        .context("cannot connect to PostgreSQL (DATABASE_URL)")
}

/// Applies pending migrations; safe to call from many processes concurrently.
pub async fn migrate(database_url: &str) -> anyhow::Result<()> {
    let mut conn = PgConnection::connect(database_url)
        .await
        .context("cannot connect to PostgreSQL (DATABASE_URL)")?;
    sqlx::query("select pg_advisory_lock($1)")
        .bind(MIGRATION_LOCK_KEY)
        .execute(&mut conn)
        .await?;
    let outcome = MIGRATOR.run(&mut conn).await;
    let unlock = sqlx::query("select pg_advisory_unlock($1)")
        .bind(MIGRATION_LOCK_KEY)
        .execute(&mut conn)
        .await;
    outcome.context("migration failed")?;
    unlock?;
    conn.close().await?;
    Ok(())
}
