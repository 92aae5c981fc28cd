//! A business's own time zone: setting it (owner only, IANA names only) and reminders
//! whose occurrences fall at the local wall-clock time asked for, when created, when the
//! zone changes, and when the sweep moves them on.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use execora::{auth::Role, domain::schedule::Tz, workflows::upkeep};
use serde_json::{Value, json};

use crate::common::{TestApp, TestEnv, client};

async fn send(req: reqwest::RequestBuilder, token: &str, body: Value) -> (u16, Value) {
    let resp = req.bearer_auth(token).json(&body).send().await.unwrap();
    (
        resp.status().as_u16(),
        resp.json().await.unwrap_or(Value::Null),
    )
}

fn instant(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

/// `t` is at `hh:mm` on the clocks of `tz`, and within the next `days` days.
fn assert_local(t: DateTime<Utc>, tz: Tz, hh_mm: (u32, u32), days: i64) {
    let local = t.with_timezone(&tz);
    let want = NaiveTime::from_hms_opt(hh_mm.0, hh_mm.1, 0).unwrap();
    assert_eq!(local.time(), want, "{t} is {local} in {tz}");
    let now = Utc::now();
    assert!(t > now && t <= now + Duration::days(days), "{t} too far");
}

#[tokio::test]
async fn reminders_fall_at_local_time_in_the_businesss_own_zone() {
    let env = TestEnv::new()
        .await
        .with("EXECORA_REMINDERS_QUIET_HOURS", "");
    let t = TestApp::start(&env, true, false).await;
    let (shop, owner) = env.tenant(&t.app, None).await;
    let token = t.token(shop, owner, Role::Owner);
    let base = format!("{}/api/v1", t.base);
    let zone_url = format!("{base}/business/time-zone");
    let (_, c) = send(
        client().post(format!("{base}/customers")),
        &token,
        json!({"name": "Ramesh"}),
    )
    .await;
    let remind = |when: &'static str| {
        send(
            client().post(format!("{base}/reminders")),
            &token,
            json!({"customer_id": c["id"], "when": when}),
        )
    };

    // Until the owner sets a zone, India's.
    let (s, daily) = remind("roz subah 9 baje").await;
    assert_eq!(s, 201, "{daily}");
    let kolkata = chrono_tz::Asia::Kolkata;
    assert_local(instant(&daily["next_run_at"]), kolkata, (9, 0), 1);

    // Only owners set it, and only to zones the tz database has.
    let staff = t.token(shop, owner, Role::Staff);
    let body = json!({"time_zone": "America/New_York"});
    let (s, _) = send(client().put(&zone_url), &staff, body.clone()).await;
    assert_eq!(s, 403);
    for bad in ["Mars/Olympus_Mons", "", "IST", "europe/london"] {
        let (s, e) = send(client().put(&zone_url), &token, json!({"time_zone": bad})).await;
        assert_eq!(
            (s, e["code"].as_str()),
            (422, Some("invalid_time_zone")),
            "{bad}"
        );
    }
    let (s, set) = send(client().put(&zone_url), &token, body).await;
    assert_eq!(
        (s, set["time_zone"].as_str()),
        (200, Some("America/New_York"))
    );

    // The daily reminder moves to 09:00 in New York at once; new ones are read there.
    let ny = chrono_tz::America::New_York;
    let list: Value = client()
        .get(format!("{base}/reminders"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_local(instant(&list[0]["next_run_at"]), ny, (9, 0), 1);
    let (s, once) = remind("kal shaam 7 baje").await;
    assert_eq!(s, 201, "{once}");
    assert_local(instant(&once["next_run_at"]), ny, (19, 0), 2);
    let (s, monthly) = remind("har mahine 5 tarikh ko 10 baje").await;
    assert_eq!(s, 201, "{monthly}");
    assert_local(instant(&monthly["next_run_at"]), ny, (10, 0), 32);

    // The sweep moves a due daily reminder on to the next 09:00 in New York.
    let pool = &t.app.pool;
    let id: uuid::Uuid = daily["id"].as_str().unwrap().parse().unwrap();
    sqlx::query("update reminders set next_run_at = now() - interval '1 second' where id = $1")
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
    let swept = upkeep::sweep_reminders(&t.app.runtime, &t.app.settings)
        .await
        .unwrap();
    assert_eq!(swept, 1);
    let next: DateTime<Utc> = sqlx::query_scalar("select next_run_at from reminders where id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_local(next, ny, (9, 0), 1);
    t.stop().await;
}
