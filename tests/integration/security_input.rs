//! Attack battery, round two: what a request body may say — duplicate JSON keys,
//! amounts whose sums overflow, reminders every minute (issue 14, findings 8, 11, 15).

use serde_json::{Value, json};

use crate::common::{TestApp, TestEnv, client, sign_up, unique_email};

const PASSWORD: &str = "chai-and-samosa-42";

/// POSTs raw `body` as JSON (so it may say what `serde_json::Value` cannot: a key twice).
async fn post_raw(url: String, token: Option<&str>, body: &str) -> (u16, Value) {
    let mut req = client().post(url);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let resp = req
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_json_body_naming_a_key_twice_is_refused_and_changes_nothing() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let (_, _, owner, _) = sign_up(&t.base, &unique_email("boss"), PASSWORD).await;
    let email = unique_email("staff");
    // serde keeps the last key: this used to invite an owner.
    let body =
        format!(r#"{{"email":"{email}","display_name":"Sunita","role":"staff","role":"owner"}}"#);
    let (status, answer) = post_raw(format!("{}/api/v1/users", t.base), Some(&owner), &body).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["code"], "duplicate_json_key");
    let users: Value = client()
        .get(format!("{}/api/v1/users", t.base))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!users.to_string().contains(&email), "{users}");
    // Nested objects count too, and public routes are covered like the others.
    let (status, answer) = post_raw(
        format!("{}/api/v1/auth/login", t.base),
        None,
        r#"{"email":"a@b.example","password":"x","email":"c@d.example"}"#,
    )
    .await;
    assert_eq!(
        (status, answer["code"].clone()),
        (400, json!("duplicate_json_key"))
    );
    // The same body without the repeat goes through.
    let body = format!(r#"{{"email":"{email}","display_name":"Sunita","role":"staff"}}"#);
    let (status, answer) = post_raw(format!("{}/api/v1/users", t.base), Some(&owner), &body).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["role"], "staff");
}
