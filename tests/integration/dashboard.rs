//! The dashboard's server side: `GET /api/v1/queues` figures on seeded jobs, roles and
//! tenant isolation; the static page and its Content-Security-Policy; the WebSocket
//! `watch` message and same-origin upgrades.

use execora::auth::Role;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use uuid::Uuid;

use crate::common::{TestApp, TestEnv, WsClient, client};

/// One seeded job row: workflow, state, and its times as SQL offsets from now (seconds;
/// negative = in the past). Returns its id.
pub async fn seed(
    app: &TestApp,
    tenant: Uuid,
    workflow: &str,
    state: &str,
    updated: i64,
    next_attempt: Option<i64>,
    finished: Option<i64>,
) -> Uuid {
    let id = Uuid::now_v7();
    let errors = if matches!(state, "dead" | "failed") {
        json!([{"attempt": 1, "step": "run", "error": "seeded failure", "transient": false, "at": "2026-01-01T00:00:00Z"}])
    } else {
        json!([])
    };
    sqlx::query(
        "insert into jobs (id, business_id, workflow, state, input, errors, attempts, delivery,
                           created_at, updated_at, next_attempt_at, finished_at)
         values ($1, $2, $3, $4, '{}', $5, case when $4 = 'queued' then 0 else 1 end, 1,
                 now() + make_interval(secs => $6) - interval '1 hour',
                 now() + make_interval(secs => $6),
                 now() + make_interval(secs => $7), now() + make_interval(secs => $8))",
    )
    .bind(id)
    .bind(tenant)
    .bind(workflow)
    .bind(state)
    .bind(errors)
    .bind(updated as f64)
    .bind(next_attempt.map(|s| s as f64))
    .bind(finished.map(|s| s as f64))
    .execute(&app.app.pool)
    .await
    .unwrap();
    id
}

async fn queues(t: &TestApp, token: &str) -> (u16, Value) {
    let resp = client()
        .get(format!("{}/api/v1/queues", t.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

fn row<'a>(list: &'a Value, workflow: &str) -> &'a Value {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["workflow"] == workflow)
        .unwrap_or_else(|| panic!("no {workflow} row in {list}"))
}

#[tokio::test]
async fn queues_count_a_tenants_jobs_by_workflow_and_state() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let (tenant, user) = env.tenant(&t.app, None).await;
    let (other, other_user) = env.tenant(&t.app, None).await;
    // probe: waiting = 2 queued + 1 retry already due; the oldest waits since 120 s.
    seed(&t, tenant, "probe", "queued", -120, None, None).await;
    seed(&t, tenant, "probe", "queued", -5, None, None).await;
    seed(&t, tenant, "probe", "retrying", -40, Some(-30), None).await;
    seed(&t, tenant, "probe", "retrying", -1, Some(60), None).await;
    seed(&t, tenant, "probe", "running", -1, None, None).await;
    for _ in 0..3 {
        seed(&t, tenant, "probe", "succeeded", -60, None, Some(-60)).await;
    }
    seed(&t, tenant, "probe", "succeeded", -1800, None, Some(-1800)).await;
    seed(&t, tenant, "probe", "failed", -7200, None, Some(-7200)).await;
    seed(&t, tenant, "probe", "dead", -600, None, Some(-600)).await;
    seed(&t, tenant, "probe", "dead", -600, None, Some(-600)).await;
    seed(&t, tenant, "invoice", "succeeded", -10, None, Some(-10)).await;
    // Another shop's jobs change nothing for this one.
    for _ in 0..4 {
        seed(&t, other, "probe", "queued", -3600, None, None).await;
        seed(&t, other, "invoice", "dead", -10, None, Some(-10)).await;
    }

    let (status, list) = queues(&t, &t.token(tenant, user, Role::Manager)).await;
    assert_eq!(status, 200, "{list}");
    let probe = row(&list, "probe");
    assert_eq!(probe["queue"], "probe");
    for (field, want) in [
        ("waiting", 3),
        ("scheduled", 1),
        ("running", 1),
        ("finished_last_5m", 3),
        ("finished_last_60m", 6),
        ("failed", 1),
        ("dead", 2),
    ] {
        assert_eq!(probe[field], want, "{field}: {probe}");
    }
    let age = probe["oldest_age_secs"].as_f64().unwrap();
    assert!((119.0..150.0).contains(&age), "oldest age {age}");
    let invoice = row(&list, "invoice");
    assert_eq!(invoice["finished_last_5m"], 1);
    assert_eq!(
        invoice["dead"], 0,
        "the other shop's dead letters: {invoice}"
    );
    // A workflow without jobs still has its row, all zeros.
    let voice = row(&list, "voice");
    assert_eq!(
        (voice["waiting"].clone(), voice["oldest_age_secs"].clone()),
        (json!(0), json!(0.0))
    );

    let (_, theirs) = queues(&t, &t.token(other, other_user, Role::Owner)).await;
    assert_eq!(row(&theirs, "probe")["waiting"], 4);
    assert_eq!(row(&theirs, "invoice")["dead"], 4);
    assert_eq!(row(&theirs, "invoice")["finished_last_5m"], 4);

    let (status, body) = queues(&t, &t.token(tenant, user, Role::Staff)).await;
    assert_eq!((status, body["code"].clone()), (403, json!("forbidden")));
    let resp = client()
        .get(format!("{}/api/v1/queues", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    t.stop().await;
}

#[tokio::test]
async fn the_dashboard_is_three_embedded_files_under_a_strict_csp() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let c = client();
    let get = |path: &str| c.get(format!("{}{path}", t.base)).send();
    let page = get("/dashboard").await.unwrap();
    assert_eq!(page.status(), 200);
    let header =
        |r: &reqwest::Response, h: &str| r.headers().get(h).unwrap().to_str().unwrap().to_string();
    assert_eq!(header(&page, "content-type"), "text/html; charset=utf-8");
    let csp = header(&page, "content-security-policy");
    for directive in [
        "default-src 'none'",
        "script-src 'self';",
        "style-src 'self';",
        "connect-src 'self';",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} missing from {csp}");
    }
    assert!(!csp.contains("unsafe"), "{csp}");
    let html = page.text().await.unwrap();
    // Nothing inline (the CSP would block it) and nothing from another host.
    assert!(!html.contains("<script>") && !html.contains(" style="));
    assert!(!html.contains("http://") && !html.contains("https://"));
    for (path, kind) in [
        ("/dashboard/app.js", "text/javascript; charset=utf-8"),
        ("/dashboard/app.css", "text/css; charset=utf-8"),
        ("/dashboard/", "text/html; charset=utf-8"),
    ] {
        let r = get(path).await.unwrap();
        assert_eq!(
            (r.status().as_u16(), header(&r, "content-type")),
            (200, kind.into())
        );
        assert!(
            html.contains(path) || path == "/dashboard/",
            "{path} is linked"
        );
    }
    assert_eq!(get("/dashboard/nope.js").await.unwrap().status(), 404);
    t.stop().await;
}

#[tokio::test]
async fn watch_streams_every_job_event_of_the_tenant_to_operators_only() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, true).await;
    let (tenant, user) = env.tenant(&t.app, None).await;
    let (other, other_user) = env.tenant(&t.app, None).await;
    let owner = t.token(tenant, user, Role::Owner);

    let mut staff = WsClient::connect(&t.ws_url, &t.token(tenant, user, Role::Staff)).await;
    staff.send(json!({"type": "watch"})).await;
    let refused = staff.next().await;
    assert_eq!(
        (refused["type"].clone(), refused["code"].clone()),
        (json!("error"), json!("forbidden"))
    );

    let mut ws = WsClient::connect(&t.ws_url, &owner).await;
    ws.send(json!({"type": "watch"})).await;
    assert_eq!(
        ws.next().await,
        json!({"type": "watching", "enabled": true})
    );
    // Another shop's job first: it must not show up.
    let post = |token: String| {
        client()
            .post(format!("{}/api/v1/probes", t.base))
            .bearer_auth(token)
            .json(&json!({}))
            .send()
    };
    let theirs: Value = post(t.token(other, other_user, Role::Owner))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mine: Value = post(owner.clone()).await.unwrap().json().await.unwrap();
    // No subscribe: the new job's events arrive because of `watch`.
    let mut kinds = Vec::new();
    while !kinds.contains(&"succeeded".to_string()) {
        let frame = ws.next().await;
        assert_ne!(
            frame["job_id"], theirs["id"],
            "another tenant's event: {frame}"
        );
        if frame["type"] == "event" && frame["job_id"] == mine["id"] {
            kinds.push(frame["kind"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(kinds.first().map(String::as_str), Some("accepted"));
    ws.send(json!({"type": "unwatch"})).await;
    assert_eq!(
        ws.next().await,
        json!({"type": "watching", "enabled": false})
    );
    ws.stream.close(None).await.unwrap();
    t.stop().await;
}

#[tokio::test]
async fn a_page_served_by_this_host_may_open_the_socket_others_may_not() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let (tenant, user) = env.tenant(&t.app, None).await;
    let token = t.token(tenant, user, Role::Owner);
    let host = t.base.trim_start_matches("http://").to_string();
    let upgrade = |origin: String| {
        let mut req = t.ws_url.as_str().into_client_request().unwrap();
        let h = req.headers_mut();
        h.insert(
            "sec-websocket-protocol",
            format!("execora.v1, {token}").parse().unwrap(),
        );
        h.insert("origin", origin.parse().unwrap());
        tokio_tungstenite::connect_async(req)
    };
    let (mut same, _) = upgrade(format!("http://{host}"))
        .await
        .expect("same origin");
    same.close(None).await.unwrap();
    for foreign in [
        "http://evil.example",
        &format!("http://{host}.evil.example"),
    ] {
        let err = upgrade(foreign.to_string()).await.expect_err(foreign);
        assert!(err.to_string().contains("403"), "{foreign}: {err}");
    }
    t.stop().await;
}
