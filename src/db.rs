//! The Postgres pool and migrations.
//!
//! Every pooled connection carries `statement_timeout` as a start-up parameter (no extra
//! round trip, and it holds from the first statement), so one runaway query is cancelled
//! by the server instead of pinning a connection of a small pool. Migrations use their
//! own connection without it: a long index build must not be cut off half-way.
//!
//! Migrations run under a session-level advisory lock held on one dedicated connection,
//! so any number of instances may start at once against an empty database: one applies
//! the migrations, the others wait and then find nothing left to do.

use std::time::Duration;

use anyhow::Context;
use secrecy::ExposeSecret;
use sqlx::{
    Connection, PgConnection, PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};

use crate::config::Settings;

/// Embedded at compile time from `migrations/`.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// An arbitrary constant shared by every Execora process: the migration lock's key.
const MIGRATION_LOCK_KEY: i64 = 0x0065_7865_636f_7261; // "execora"

pub async fn connect(settings: &Settings) -> anyhow::Result<PgPool> {
    let mut options: PgConnectOptions = settings
        .database_url
        .expose_secret()
        .parse()
        .context("DATABASE_URL is not a valid PostgreSQL URL")?;
    // 0 sends nothing, leaving the role's setting in force (for poolers such as PgBouncer
    // that may refuse start-up options).
    if settings.database_statement_timeout_ms > 0 {
        options = options.options([("statement_timeout", settings.database_statement_timeout_ms)]);
    }
    PgPoolOptions::new()
        .max_connections(settings.database_max_connections)
        // One TRACE event per acquisition, counted by `telemetry::pool_waits` (logs
        // filter it out).
        .acquire_time_level(log::LevelFilter::Trace)
        .acquire_timeout(Duration::from_secs(5))
        // sqlx pings every connection it hands out by default: a second round trip
        // (and two more process wake-ups) for every query, which was a large share of
        // an authenticated read (issue 18). Only a connection that sat idle is pinged;
        // one that fails is dropped and another taken.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for < PING_IF_IDLE {
                    return Ok(true);
                }
                Ok(conn.ping().await.is_ok())
            })
        })
        .connect_with(options)
        .await
        .context("cannot connect to PostgreSQL (DATABASE_URL)")
}

/// A pooled connection idle this long is pinged before use (see `connect`).
const PING_IF_IDLE: Duration = Duration::from_secs(1);

/// The small pool the job-record writer flushes through. Its statements join a batch of
/// ids (`unnest`) to `jobs` and must look each row up by primary key; on a table not yet
/// analyzed, with a deep queue, the planner instead hash-joins against every queued row
/// found through the state index, which made each flush cost the whole backlog (seen in
/// `make bench`: 0.65 k jobs/s and 1.3 ms of PostgreSQL CPU per job on a fresh
/// database). On these connections only, plans other than nested index lookups are off.
pub async fn connect_writer(settings: &Settings, connections: u32) -> anyhow::Result<PgPool> {
    let mut options: PgConnectOptions = settings
        .database_url
        .expose_secret()
        .parse()
        .context("DATABASE_URL is not a valid PostgreSQL URL")?;
    let mut startup = vec![
        ("enable_hashjoin", "off".to_string()),
        ("enable_mergejoin", "off".to_string()),
        ("enable_bitmapscan", "off".to_string()),
        ("enable_seqscan", "off".to_string()),
    ];
    if settings.database_statement_timeout_ms > 0 {
        startup.push((
            "statement_timeout",
            settings.database_statement_timeout_ms.to_string(),
        ));
    }
    options = options.options(startup);
    PgPoolOptions::new()
        .max_connections(connections.max(1))
        .acquire_time_level(log::LevelFilter::Trace)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
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
