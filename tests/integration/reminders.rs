//! Reminders: phrases, the sweep under concurrency, delivery by WhatsApp (a local fake of
//! the Graph API checking the exact request) with template fallback, and by email.

use execora::{auth::Role, workflows::upkeep};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{
    TestApp, TestEnv, WsClient, client, fake_graph, login_code_for_subject, unique_email,
};

async fn post(url: String, token: &str, body: Value) -> (u16, Value) {
    let resp = client()
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (
        resp.status().as_u16(),
        resp.json().await.unwrap_or(Value::Null),
    )
}

/// Makes every active reminder of the database due now.
async fn make_due(pool: &sqlx::PgPool) {
    sqlx::query(
        "update reminders set next_run_at = now() - interval '1 second' where status = 'active'",
    )
    .execute(pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn phrases_become_schedules_and_nonsense_is_refused() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let (shop, owner) = env.tenant(&t.app, None).await;
    let token = t.token(shop, owner, Role::Owner);
    let base = format!("{}/api/v1", t.base);
    let (_, c) = post(
        format!("{base}/customers"),
        &token,
        json!({"name": "Ramesh"}),
    )
    .await;
    for when in [
        "kal 7 baje",
        "har mahine 1 tareekh",
        "daily 3 baje",
        "har 90 minute",
        "10 minute baad",
        "2099-01-01T10:00:00+05:30",
    ] {
        let (s, r) = post(
            format!("{base}/reminders"),
            &token,
            json!({"customer_id": c["id"], "when": when}),
        )
        .await;
        assert_eq!(s, 201, "{when}: {r}");
        assert!(r["next_run_at"].is_string(), "{when}");
    }
    for (when, code) in [
        ("jab mann kare", "unrecognised_schedule"),
        ("2001-01-01T10:00:00Z", "past_time"),
    ] {
        let (s, r) = post(
            format!("{base}/reminders"),
            &token,
            json!({"customer_id": c["id"], "when": when}),
        )
        .await;
        assert_eq!((s, r["code"].as_str()), (422, Some(code)), "{when}");
    }
    let list: Value = client()
        .get(format!("{base}/reminders"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = list[0]["id"].as_str().unwrap();
    let (s, cancelled) = post(format!("{base}/reminders/{id}/cancel"), &token, json!({})).await;
    assert_eq!((s, cancelled["status"].as_str()), (200, Some("cancelled")));
    t.stop().await;
}

#[tokio::test]
async fn three_sweepers_at_once_claim_each_due_reminder_once() {
    let env = TestEnv::new()
        .await
        .with("EXECORA_REMINDERS_QUIET_HOURS", "");
    let apps = [
        TestApp::start(&env, true, false).await,
        TestApp::start(&env, false, false).await,
        TestApp::start(&env, false, false).await,
    ];
    let (shop, owner) = env.tenant(&apps[0].app, None).await;
    let token = apps[0].token(shop, owner, Role::Owner);
    let base = format!("{}/api/v1", apps[0].base);
    let (_, c) = post(
        format!("{base}/customers"),
        &token,
        json!({"name": "Ramesh", "email": unique_email("r")}),
    )
    .await;
    for _ in 0..30 {
        let (s, _) = post(
            format!("{base}/reminders"),
            &token,
            json!({"customer_id": c["id"], "when": "har 90 minute"}),
        )
        .await;
        assert_eq!(s, 201);
    }
    make_due(&apps[0].app.pool).await;
    let (a, b, c2) = tokio::join!(
        upkeep::sweep_reminders(&apps[0].app.runtime, &apps[0].app.settings),
        upkeep::sweep_reminders(&apps[1].app.runtime, &apps[1].app.settings),
        upkeep::sweep_reminders(&apps[2].app.runtime, &apps[2].app.settings),
    );
    assert_eq!(
        a.unwrap() + b.unwrap() + c2.unwrap(),
        30,
        "each due reminder claimed exactly once"
    );
    let pool = &apps[0].app.pool;
    let deliveries: i64 = sqlx::query_scalar("select count(*) from reminder_deliveries")
        .fetch_one(pool)
        .await
        .unwrap();
    let jobs: i64 = sqlx::query_scalar("select count(*) from jobs where workflow = 'reminder'")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!((deliveries, jobs), (30, 30));
    // Recurring: the next occurrence is five minutes on, so a second sweep finds nothing.
    assert_eq!(
        upkeep::sweep_reminders(&apps[1].app.runtime, &apps[1].app.settings)
            .await
            .unwrap(),
        0
    );
    let next_ok: bool = sqlx::query_scalar(
        "select bool_and(next_run_at > now() + interval '4 minutes') from reminders",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert!(next_ok);
    for app in apps {
        app.stop().await;
    }
}

#[tokio::test]
async fn a_due_reminder_goes_out_by_whatsapp_template_outside_the_window_else_by_email() {
    let (graph_url, seen) = fake_graph().await;
    let env = TestEnv::new()
        .await
        .with("EXECORA_REMINDERS_QUIET_HOURS", "")
        .with("EXECORA_WHATSAPP_ACCESS_TOKEN", "test-token")
        .with("EXECORA_WHATSAPP_API_BASE_URL", &graph_url);
    let t = TestApp::start(&env, true, true).await;
    let (shop, owner) = env.tenant(&t.app, Some("555000111")).await;
    let token = t.token(shop, owner, Role::Owner);
    let base = format!("{}/api/v1", t.base);
    let email = unique_email("sunita");
    let (_, wa_customer) = post(
        format!("{base}/customers"),
        &token,
        json!({"name": "Ramesh", "phone": "9876500000"}),
    )
    .await;
    let (_, mail_customer) = post(
        format!("{base}/customers"),
        &token,
        json!({"name": "Sunita", "email": email, "preferred_channel": "email"}),
    )
    .await;
    post(
        format!("{base}/ledger/credits"),
        &token,
        json!({"customer_id": wa_customer["id"], "amount_paise": 50000}),
    )
    .await;
    for c in [&wa_customer, &mail_customer] {
        let (s, _) = post(format!("{base}/reminders"), &token, json!({"customer_id": c["id"], "when": "10 minute baad", "message": "Kal tak de dena."})).await;
        assert_eq!(s, 201);
    }
    make_due(&t.app.pool).await;
    assert_eq!(
        upkeep::sweep_reminders(&t.app.runtime, &t.app.settings)
            .await
            .unwrap(),
        2
    );
    let jobs: Vec<Uuid> = sqlx::query_scalar("select id from jobs where workflow = 'reminder'")
        .fetch_all(&t.app.pool)
        .await
        .unwrap();
    let mut ws = WsClient::connect(&t.ws_url, &token).await;
    for job in jobs {
        let events = ws.follow_to_end(job, 0).await;
        assert_eq!(events.last().unwrap()["kind"], "succeeded", "{events:?}");
    }
    let requests = seen.lock().unwrap().clone();
    assert_eq!(
        requests.len(),
        2,
        "free text refused, then the template: {requests:?}"
    );
    for (phone_number_id, auth, _) in &requests {
        assert_eq!(
            (phone_number_id.as_str(), auth.as_deref()),
            ("555000111", Some("Bearer test-token"))
        );
    }
    assert_eq!(requests[0].2["type"], "text");
    assert_eq!(requests[0].2["to"], "+919876500000");
    assert!(
        requests[0].2["text"]["body"]
            .as_str()
            .unwrap()
            .contains("₹500.00")
    );
    assert_eq!(requests[1].2["type"], "template");
    assert_eq!(requests[1].2["template"]["name"], "payment_reminder");
    assert_eq!(
        requests[1].2["template"]["components"][0]["parameters"][1]["text"],
        "₹500.00"
    );
    let delivered: Vec<(String, Option<String>)> = sqlx::query_as(
        "select channel, provider_message_id from reminder_deliveries order by channel",
    )
    .fetch_all(&t.app.pool)
    .await
    .unwrap();
    assert_eq!(
        delivered,
        vec![
            ("email".to_string(), None),
            ("whatsapp".to_string(), Some("wamid.TEST123".to_string()))
        ]
    );
    assert!(
        login_code_for_subject(&email, "Payment reminder")
            .await
            .contains("Kal tak de dena.")
    );
    t.stop().await;
}
