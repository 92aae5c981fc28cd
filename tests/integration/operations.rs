//! What an operator relies on: `scripts/backup` and `scripts/restore` bring a wiped
//! database back row for row, and the pool's statement timeout cancels runaway queries.

use std::{
    collections::BTreeMap,
    path::PathBuf,
    process::{Command, Output},
    time::{Duration, Instant},
};

use execora::{auth::Role, domain::ledger};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use crate::common::{TestApp, TestEnv, client};

/// Exact row counts of every table of the public schema.
async fn table_counts(pool: &PgPool) -> BTreeMap<String, i64> {
    let tables: Vec<String> = sqlx::query_scalar(
        "select table_name::text from information_schema.tables
          where table_schema = 'public' and table_type = 'BASE TABLE'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut counts = BTreeMap::new();
    for table in tables {
        let sql = format!("select count(*) from public.\"{table}\"");
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(pool)
            .await
            .unwrap();
        counts.insert(table, n);
    }
    counts
}

/// Runs a script of `scripts/` against this test's database and Redis only.
fn script(env: &TestEnv, name: &str, args: &[&str]) -> Output {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("scripts")
        .join(name);
    Command::new(path)
        .args(args)
        .env_remove("EXECORA_RESTORE_CONFIRM")
        .env("DATABASE_URL", &env.db_url)
        .env("REDIS_URL", &env.vars["REDIS_URL"])
        .output()
        .unwrap()
}

async fn post(url: String, token: &str, body: Value) -> Value {
    let resp = client()
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    resp.json().await.unwrap()
}

#[tokio::test]
async fn backup_then_restore_brings_back_every_row_and_balance() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let (tenant, user) = env.tenant(&t.app, None).await;
    let token = t.token(tenant, user, Role::Owner);
    let base = format!("{}/api/v1", t.base);
    let mut customers = Vec::new();
    for (i, name) in ["Ramesh Kumar", "Sita Devi", "Abdul Rahim"]
        .iter()
        .enumerate()
    {
        let phone = format!("98765432{i:02}");
        let c = post(
            format!("{base}/customers"),
            &token,
            json!({"name": name, "phone": phone}),
        )
        .await;
        let id: Uuid = c["id"].as_str().unwrap().parse().unwrap();
        let credit = 10_000 * (i as i64 + 1);
        post(
            format!("{base}/ledger/credits"),
            &token,
            json!({"customer_id": id, "amount_paise": credit, "note": "udhaar"}),
        )
        .await;
        post(
            format!("{base}/ledger/payments"),
            &token,
            json!({"customer_id": id, "parts": [{"method": "cash", "amount_paise": 2_500}]}),
        )
        .await;
        customers.push(id);
    }
    t.stop().await;

    let pool = PgPool::connect(&env.db_url).await.unwrap();
    let before = table_counts(&pool).await;
    assert_eq!(before["customers"], 3);
    assert!(before["ledger_entries"] >= 6, "{before:?}");
    let balance = ledger::balance(&pool, tenant, customers[1]).await.unwrap();
    assert_eq!(balance, 20_000 - 2_500);

    let dir = std::env::temp_dir().join(format!("execora-backup-{}", Uuid::new_v4().simple()));
    let dir_arg = dir.to_str().unwrap();
    let out = script(&env, "backup", &[dir_arg]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.join("postgres.dump").is_file());
    assert!(dir.join("redis.rdb").is_file(), "the Redis snapshot");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    for (table, n) in &before {
        assert_eq!(manifest["row_counts"][table], json!(n), "manifest: {table}");
    }
    assert!(manifest["latest_migration"].as_i64().unwrap() > 0);

    // Lose everything, as a fresh database would have it.
    sqlx::raw_sql("drop schema public cascade; create schema public")
        .execute(&pool)
        .await
        .unwrap();
    assert!(table_counts(&pool).await.is_empty());

    let out = script(&env, "restore", &[dir_arg]);
    assert_eq!(out.status.code(), Some(3), "refused without confirmation");
    assert!(table_counts(&pool).await.is_empty(), "nothing restored");

    let out = script(&env, "restore", &[dir_arg, "--yes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(table_counts(&pool).await, before);
    let restored = ledger::balance(&pool, tenant, customers[1]).await.unwrap();
    assert_eq!(restored, balance);
    // The restored schema is the migrated one: migrating again finds nothing to do.
    execora::db::migrate(&env.db_url).await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_query_running_past_the_statement_timeout_is_cancelled() {
    let env = TestEnv::new()
        .await
        .with("EXECORA_DATABASE_STATEMENT_TIMEOUT_MS", "300");
    let pool = execora::db::connect(&env.settings()).await.unwrap();
    let started = Instant::now();
    let err = sqlx::query("select pg_sleep(5)")
        .execute(&pool)
        .await
        .unwrap_err();
    let code = err.as_database_error().and_then(|e| e.code());
    assert_eq!(code.as_deref(), Some("57014"), "query_canceled: {err}");
    assert!(started.elapsed() < Duration::from_secs(3));
    // The connection survives its cancelled statement and keeps the setting.
    let shown: String = sqlx::query_scalar("show statement_timeout")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(shown, "300ms");
    // Kept until the end: a dropped TestEnv drops its database, connections and all.
    let default_env = TestEnv::new().await;
    let pool = execora::db::connect(&default_env.settings()).await.unwrap();
    let shown: String = sqlx::query_scalar("show statement_timeout")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(shown, "30s", "the default");
}
