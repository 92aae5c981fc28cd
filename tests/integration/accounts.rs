//! Accounts: sign-up, password and email-code login, refresh rotation, users, roles,
//! idempotent creation.

use execora::auth::Role;
use serde_json::{Value, json};

use crate::common::{TestApp, TestEnv, client, login_code_for, sign_up, unique_email};

const PASSWORD: &str = "chai-and-samosa-42";

async fn post(url: String, token: Option<&str>, body: Value) -> reqwest::Response {
    let mut req = client().post(url).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn sign_up_then_password_login_then_me() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let email = unique_email("owner");
    let (business, user, access, _) = sign_up(&t.base, &email, PASSWORD).await;
    let me: Value = client()
        .get(format!("{}/api/v1/me", t.base))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (me["id"].as_str(), me["role"].as_str()),
        (Some(user.to_string().as_str()), Some("owner"))
    );
    // The same email cannot sign up twice; case does not matter.
    let again = post(format!("{}/api/v1/businesses", t.base), None, json!({"business_name": "X", "owner_name": "Y", "owner_email": email.to_uppercase(), "password": PASSWORD})).await;
    assert_eq!(again.status(), 409);
    assert_eq!(again.json::<Value>().await.unwrap()["code"], "email_taken");
    let login = post(
        format!("{}/api/v1/auth/login", t.base),
        None,
        json!({"email": email.to_uppercase(), "password": PASSWORD}),
    )
    .await;
    assert_eq!(login.status(), 200);
    let pair: Value = login.json().await.unwrap();
    let p = t
        .app
        .tokens
        .verify(pair["access_token"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        (p.tenant_id, p.user_id, p.role),
        (business, user, Role::Owner)
    );
    for (email, password) in [
        (email.as_str(), "wrong-password!"),
        ("nobody@shop.example", PASSWORD),
    ] {
        let resp = post(
            format!("{}/api/v1/auth/login", t.base),
            None,
            json!({"email": email, "password": password}),
        )
        .await;
        assert_eq!(resp.status(), 401);
        assert_eq!(
            resp.json::<Value>().await.unwrap()["code"],
            "invalid_credentials"
        );
    }
    let weak = post(format!("{}/api/v1/businesses", t.base), None, json!({"business_name": "X", "owner_name": "Y", "owner_email": unique_email("weak"), "password": "short"})).await;
    assert_eq!(weak.status(), 400);
    t.stop().await;
}

#[tokio::test]
async fn email_code_login_works_once_and_locks_after_five_wrong_guesses() {
    let env = TestEnv::new()
        .await
        .with("EXECORA_LIMITS_AUTH_PER_EMAIL_PER_HOUR", "100");
    let t = TestApp::start(&env, true, false).await;
    let email = unique_email("otp");
    sign_up(&t.base, &email, PASSWORD).await;
    let request = || {
        post(
            format!("{}/api/v1/auth/otp", t.base),
            None,
            json!({"email": email}),
        )
    };
    assert_eq!(request().await.status(), 202);
    let code = login_code_for(&email).await;
    let verify = |code: String| {
        post(
            format!("{}/api/v1/auth/otp/verify", t.base),
            None,
            json!({"email": email, "code": code}),
        )
    };
    let ok = verify(code.clone()).await;
    assert_eq!(ok.status(), 200);
    assert!(ok.json::<Value>().await.unwrap()["access_token"].is_string());
    assert_eq!(verify(code).await.status(), 401, "a code works once");
    // Brute force: five wrong guesses lock the code, even the right one is then refused.
    assert_eq!(request().await.status(), 202);
    let code = login_code_for(&email).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let mut codes = Vec::new();
    for _ in 0..5 {
        let resp = verify(wrong.to_string()).await;
        assert_eq!(resp.status(), 401);
        codes.push(
            resp.json::<Value>().await.unwrap()["code"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(
        codes,
        [
            "invalid_code",
            "invalid_code",
            "invalid_code",
            "invalid_code",
            "otp_locked"
        ]
    );
    let locked = verify(code).await;
    assert_eq!(locked.status(), 401);
    assert_eq!(locked.json::<Value>().await.unwrap()["code"], "otp_locked");
    // Unknown emails get the same answer and no email.
    let unknown = post(
        format!("{}/api/v1/auth/otp", t.base),
        None,
        json!({"email": unique_email("ghost")}),
    )
    .await;
    assert_eq!(unknown.status(), 202);
    t.stop().await;
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_family() {
    let env = TestEnv::new()
        .await
        .with("EXECORA_AUTH_REFRESH_GRACE_SECS", "0");
    let t = TestApp::start(&env, true, false).await;
    let (_, _, _, r1) = sign_up(&t.base, &unique_email("refresh"), PASSWORD).await;
    let refresh = |token: String| {
        post(
            format!("{}/api/v1/auth/refresh", t.base),
            None,
            json!({"refresh_token": token}),
        )
    };
    let first = refresh(r1.clone()).await;
    assert_eq!(first.status(), 200);
    let r2 = first.json::<Value>().await.unwrap()["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(r1, r2);
    // The thief replays r1: refused, and the family is revoked ...
    let replay = refresh(r1).await;
    assert_eq!(replay.status(), 401);
    assert_eq!(
        replay.json::<Value>().await.unwrap()["code"],
        "refresh_token_reused"
    );
    // ... so the legitimate holder's r2 fails too.
    let legit = refresh(r2).await;
    assert_eq!(legit.status(), 401);
    assert_eq!(
        legit.json::<Value>().await.unwrap()["code"],
        "invalid_refresh_token"
    );
    t.stop().await;
}

#[tokio::test]
async fn concurrent_refreshes_within_the_grace_window_both_succeed() {
    let env = TestEnv::new()
        .await
        .with("EXECORA_AUTH_REFRESH_GRACE_SECS", "30");
    let t = TestApp::start(&env, true, false).await;
    let (_, _, _, r1) = sign_up(&t.base, &unique_email("grace"), PASSWORD).await;
    let url = format!("{}/api/v1/auth/refresh", t.base);
    let (a, b) = tokio::join!(
        post(url.clone(), None, json!({"refresh_token": r1})),
        post(url.clone(), None, json!({"refresh_token": r1}))
    );
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    t.stop().await;
}

#[tokio::test]
async fn logout_and_sign_out_everywhere_end_sessions() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let email = unique_email("logout");
    let (_, _, first_access, r1) = sign_up(&t.base, &email, PASSWORD).await;
    // A second login of the same user, to sign out everywhere with.
    let second: Value = post(
        format!("{}/api/v1/auth/login", t.base),
        None,
        json!({"email": email, "password": PASSWORD}),
    )
    .await
    .json()
    .await
    .unwrap();
    let access = second["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        client()
            .post(format!("{}/api/v1/auth/logout", t.base))
            .json(&json!({"refresh_token": r1}))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let after = post(
        format!("{}/api/v1/auth/refresh", t.base),
        None,
        json!({"refresh_token": r1}),
    )
    .await;
    assert_eq!(after.status(), 401);
    // Logout ends that login's access token at once; the other login lives on.
    for (token, status) in [(&first_access, 401), (&access, 200)] {
        let resp = client()
            .get(format!("{}/api/v1/me", t.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), status);
    }
    assert_eq!(
        post(
            format!("{}/api/v1/auth/sessions/revoke", t.base),
            Some(&access),
            json!({})
        )
        .await
        .status(),
        204
    );
    assert_eq!(
        client()
            .get(format!("{}/api/v1/me", t.base))
            .bearer_auth(&access)
            .send()
            .await
            .unwrap()
            .status(),
        401,
        "access tokens issued before are refused"
    );
    t.stop().await;
}

#[tokio::test]
async fn owners_invite_and_remove_users_staff_cannot() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let (business, _, owner, _) = sign_up(&t.base, &unique_email("boss"), PASSWORD).await;
    let staff_email = unique_email("staff");
    let invited = post(
        format!("{}/api/v1/users", t.base),
        Some(&owner),
        json!({"email": staff_email, "display_name": "Sunita", "role": "staff"}),
    )
    .await;
    assert_eq!(invited.status(), 201);
    let staff_id: uuid::Uuid = invited.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let staff = t.token(business, staff_id, Role::Staff);
    let c = client();
    // Staff may read, not manage.
    assert_eq!(
        c.get(format!("{}/api/v1/users", t.base))
            .bearer_auth(&staff)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let refused = post(
        format!("{}/api/v1/users", t.base),
        Some(&staff),
        json!({"email": unique_email("x"), "display_name": "X", "role": "owner"}),
    )
    .await;
    assert_eq!(refused.status(), 403);
    let refused = c
        .delete(format!("{}/api/v1/users/{staff_id}", t.base))
        .bearer_auth(&staff)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let list: Value = c
        .get(format!("{}/api/v1/users", t.base))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2, "nothing changed");
    // The owner removes the staff member: their tokens stop working at once.
    assert_eq!(
        c.delete(format!("{}/api/v1/users/{staff_id}", t.base))
            .bearer_auth(&owner)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        c.get(format!("{}/api/v1/me", t.base))
            .bearer_auth(&staff)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    t.stop().await;
}

#[tokio::test]
async fn idempotency_key_replays_the_first_answer_and_refuses_a_changed_body() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let (_, _, owner, _) = sign_up(&t.base, &unique_email("idem"), PASSWORD).await;
    let c = client();
    let body = json!({"email": unique_email("clerk"), "display_name": "Clerk", "role": "staff"});
    let send = |body: Value| {
        c.post(format!("{}/api/v1/users", t.base))
            .bearer_auth(&owner)
            .header("idempotency-key", "4f1c2e0a-1")
            .json(&body)
            .send()
    };
    let first = send(body.clone()).await.unwrap();
    assert_eq!(first.status(), 201);
    let first_body: Value = first.json().await.unwrap();
    let second = send(body.clone()).await.unwrap();
    assert_eq!(second.status(), 201);
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    assert_eq!(second.json::<Value>().await.unwrap(), first_body);
    let list: Value = c
        .get(format!("{}/api/v1/users", t.base))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2, "created once");
    let changed =
        send(json!({"email": unique_email("other"), "display_name": "Other", "role": "staff"}))
            .await
            .unwrap();
    assert_eq!(changed.status(), 422);
    assert_eq!(
        changed.json::<Value>().await.unwrap()["code"],
        "idempotency_key_reused"
    );
    t.stop().await;
}

#[tokio::test]
async fn a_request_still_in_flight_with_the_same_key_gets_409() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, true).await;
    let (_, _, owner, _) = sign_up(&t.base, &unique_email("inflight"), PASSWORD).await;
    let c = client();
    let slow = c
        .post(format!("{}/api/v1/probes", t.base))
        .bearer_auth(&owner)
        .header("idempotency-key", "slow-1")
        .header("prefer", "wait=10")
        .json(&json!({"sleep_ms": 1500}))
        .send();
    let racer = async {
        // Wait until the first request holds the key (its record exists), then race it.
        loop {
            let held: i64 =
                sqlx::query_scalar("select count(*) from idempotency_keys where key = 'slow-1'")
                    .fetch_one(&t.app.pool)
                    .await
                    .unwrap();
            if held == 1 {
                break;
            }
            tokio::task::yield_now().await;
        }
        c.post(format!("{}/api/v1/probes", t.base))
            .bearer_auth(&owner)
            .header("idempotency-key", "slow-1")
            .json(&json!({"sleep_ms": 1500}))
            .send()
            .await
            .unwrap()
    };
    let (first, second) = tokio::join!(slow, racer);
    assert_eq!(first.unwrap().status(), 200);
    assert_eq!(second.status(), 409);
    assert_eq!(
        second.json::<Value>().await.unwrap()["code"],
        "idempotency_key_in_flight"
    );
    t.stop().await;
}
