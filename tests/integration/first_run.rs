//! `make run`'s first run: `execora demo-tenant` makes a demo owner whose generated
//! password (kept under the data directory) logs in at once, and seeds the shop.

use serde_json::{Value, json};

use crate::common::{TestApp, TestEnv, client};

async fn demo_tenant(env: &TestEnv) -> String {
    let out = env.command(&["demo-tenant"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

async fn count(t: &TestApp, token: &str, path: &str) -> usize {
    let body: Value = client()
        .get(format!("{}/api/v1/{path}", t.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Customers come in a page ({items}); the other lists are bare arrays.
    body.get("items")
        .unwrap_or(&body)
        .as_array()
        .map_or(0, Vec::len)
}

#[tokio::test]
async fn demo_owner_logs_in_with_the_kept_password_and_the_shop_is_seeded() {
    let env = TestEnv::new().await;
    let first = demo_tenant(&env).await;
    let password_file =
        std::path::Path::new(&env.vars["EXECORA_DATA_DIR"]).join("demo-owner-password");
    let password = std::fs::read_to_string(&password_file).unwrap();
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&password_file)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, "the password file is private");
    // A second run finds the same owner and password, and seeds nothing twice.
    assert_eq!(demo_tenant(&env).await, first);
    assert_eq!(std::fs::read_to_string(&password_file).unwrap(), password);

    let t = TestApp::start(&env, true, false).await;
    let login = client()
        .post(format!("{}/api/v1/auth/login", t.base))
        .json(&json!({"email": "owner@demo.execora.local", "password": password.trim()}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let pair: Value = login.json().await.unwrap();
    let token = pair["access_token"].as_str().unwrap();
    assert_eq!(count(&t, token, "customers").await, 3);
    assert_eq!(count(&t, token, "products").await, 3);
    assert_eq!(count(&t, token, "invoices").await, 1);
    assert_eq!(count(&t, token, "reminders").await, 1);
    t.stop().await;
}

#[tokio::test]
async fn a_recreated_database_gets_the_kept_password_again() {
    let env = TestEnv::new().await;
    demo_tenant(&env).await;
    let dir = std::path::Path::new(&env.vars["EXECORA_DATA_DIR"]).to_path_buf();
    let password = std::fs::read_to_string(dir.join("demo-owner-password")).unwrap();
    // Another database, the same data directory: the owner is made again with the
    // password already printed on the first run.
    let other = TestEnv::new()
        .await
        .with("EXECORA_DATA_DIR", dir.to_str().unwrap());
    demo_tenant(&other).await;
    let t = TestApp::start(&other, true, false).await;
    let login = client()
        .post(format!("{}/api/v1/auth/login", t.base))
        .json(&json!({"email": "owner@demo.execora.local", "password": password.trim()}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    t.stop().await;
}
