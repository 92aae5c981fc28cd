//! Test databases cloned from one migrated template, as crates.io's test suite does: the
//! migrations run once per set of migrations, not once per test, and each test's
//! database is a `CREATE DATABASE … TEMPLATE` copy of the result.
//!
//! The template's name carries a hash of every migration's version and checksum, so an
//! edited or added migration gets a template of its own. It is built under another name
//! and renamed when complete, under an advisory lock, so tests (or test processes) that
//! start together build it once, and one killed half-way leaves nothing that looks done.

use std::hash::{DefaultHasher, Hash, Hasher};

use sqlx::{AssertSqlSafe, Connection, PgConnection};

/// The lock that serialises building templates (any constant no other code uses).
const BUILD_LOCK: i64 = 0x7465_6d70_6c61_7465; // "template"

/// The name of the migrated template for the migrations this build embeds.
fn template_name() -> String {
    let mut hasher = DefaultHasher::new();
    for migration in execora::db::MIGRATOR.iter() {
        migration.version.hash(&mut hasher);
        migration.checksum.hash(&mut hasher);
    }
    format!("tmpl_{:016x}", hasher.finish())
}

async fn exists(conn: &mut PgConnection, database: &str) -> bool {
    sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
        .bind(database)
        .fetch_one(conn)
        .await
        .unwrap()
}

async fn run(conn: &mut PgConnection, sql: String) {
    sqlx::raw_sql(AssertSqlSafe(sql))
        .execute(conn)
        .await
        .unwrap();
}

/// Makes sure the migrated template exists on `admin`'s server; returns its name.
async fn ensure_template(conn: &mut PgConnection, admin: &str) -> String {
    let template = template_name();
    if exists(conn, &template).await {
        return template;
    }
    sqlx::query("select pg_advisory_lock($1)")
        .bind(BUILD_LOCK)
        .execute(&mut *conn)
        .await
        .unwrap();
    // Another test may have built it while this one waited for the lock.
    if !exists(conn, &template).await {
        let building = format!("{template}_building");
        run(
            conn,
            format!("drop database if exists {building} with (force)"),
        )
        .await;
        run(conn, format!("create database {building}")).await;
        let base = admin.rsplit_once('/').unwrap().0;
        execora::db::migrate(&format!("{base}/{building}"))
            .await
            .unwrap();
        run(
            conn,
            format!("alter database {building} rename to {template}"),
        )
        .await;
    }
    sqlx::query("select pg_advisory_unlock($1)")
        .bind(BUILD_LOCK)
        .execute(&mut *conn)
        .await
        .unwrap();
    template
}

/// Creates database `name` on `admin`'s server: a copy of the migrated template, or
/// empty when `migrated` is false.
pub async fn create(admin: &str, name: &str, migrated: bool) {
    let mut conn = PgConnection::connect(admin).await.unwrap();
    let sql = if migrated {
        let template = ensure_template(&mut conn, admin).await;
        format!("create database {name} template {template}")
    } else {
        format!("create database {name}")
    };
    run(&mut conn, sql).await;
    conn.close().await.unwrap();
}
