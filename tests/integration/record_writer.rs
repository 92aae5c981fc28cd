//! The group-commit job-record writer against a real database: callers share statements
//! and each gets its own row's answer, a failing row fails only its caller, stale claims
//! are no-ops, and a full writer refuses enqueues (`busy`, 503) instead of waiting.
//!
//! To make batching deterministic, a test holds the only connection of a one-connection
//! pool (or locks the jobs table) while it issues its calls: the writer's first flush
//! waits, and everything else gathers behind it.

use std::{future::Future, sync::Arc, time::Duration};

use execora::{
    auth::Role,
    domain::{businesses, jobs::NewJob},
    telemetry::Metrics,
    workflows::record_writer::{RecordWriter, WriteError, WriterConfig},
};
use futures::{StreamExt, future::join_all, stream::FuturesUnordered};
use serde_json::{Value, json};
use sqlx::{PgPool, postgres::PgPoolOptions};
use uuid::Uuid;

use crate::common::{TestApp, TestEnv, WsClient, assert_drained, client};

const CALLERS: usize = 200;

/// A writer over a one-connection pool, flushing one statement per kind at a time.
async fn writer(env: &TestEnv, cfg: WriterConfig) -> (RecordWriter, PgPool, Arc<Metrics>) {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(&env.db_url)
        .await
        .unwrap();
    let metrics = Arc::new(Metrics::new().unwrap());
    let writer = RecordWriter::start(pool.clone(), pool.clone(), cfg, metrics.clone());
    (writer, pool, metrics)
}

fn config() -> WriterConfig {
    WriterConfig {
        capacity: 1000,
        max_batch: 500,
        flushes: 1,
        max_wait: Duration::from_secs(1),
    }
}

async fn tenant(pool: &PgPool) -> Uuid {
    let email = format!("owner-{}@test.local", Uuid::new_v4().simple());
    businesses::ensure_demo(pool, "Test Shop", &email, None)
        .await
        .unwrap()
        .0
}

fn new_job(tenant: Uuid) -> NewJob {
    NewJob {
        id: Uuid::now_v7(),
        business_id: tenant,
        user_id: None,
        workflow: "probe".into(),
        input: json!({ "fail_times": 0 }),
        request_id: Some("req".into()),
        traceparent: None,
    }
}

/// Issues every call while the pool's only connection is held, then lets them run:
/// every request is queued before the first flush can reach the database.
async fn all_at_once<F: Future>(pool: &PgPool, calls: Vec<F>) -> Vec<F::Output> {
    let held = pool.acquire().await.unwrap();
    // Unconstrained: Tokio's per-poll budget would otherwise stop the sends after ~128
    // and let the writer see only the first of them.
    let mut all = Box::pin(tokio::task::unconstrained(join_all(calls)));
    assert!(
        futures::poll!(&mut all).is_pending(),
        "nothing can commit yet"
    );
    drop(held);
    tokio::time::timeout(Duration::from_secs(30), all)
        .await
        .expect("every caller is answered")
}

/// How many statements a kind ran, and how many rows they wrote.
fn flushes(metrics: &Metrics, kind: &str) -> (u64, f64) {
    let h = metrics.record_flush_rows.with_label_values(&[kind]);
    (h.get_sample_count(), h.get_sample_sum())
}

#[tokio::test]
async fn concurrent_callers_share_statements_and_each_gets_its_own_row() {
    let env = TestEnv::new().await;
    let (w, pool, metrics) = writer(&env, config()).await;
    let tenant = tenant(&pool).await;
    let jobs: Vec<NewJob> = (0..CALLERS).map(|_| new_job(tenant)).collect();
    let ids: Vec<Uuid> = jobs.iter().map(|j| j.id).collect();

    let inserted = all_at_once(&pool, jobs.into_iter().map(|j| w.insert(j)).collect()).await;
    assert!(inserted.iter().all(Result::is_ok), "{inserted:?}");
    let claimed = all_at_once(&pool, ids.iter().map(|id| w.claim(*id, 1)).collect()).await;
    for (id, answer) in ids.iter().zip(&claimed) {
        let job = answer.as_ref().unwrap().as_ref().expect("claimed");
        assert_eq!((job.id, job.state.as_str()), (*id, "running"));
        assert_eq!((job.attempts, job.step_attempts), (1, 1));
    }
    let outputs: Vec<Value> = (0..CALLERS).map(|i| json!({ "i": i })).collect();
    let steps = ids
        .iter()
        .zip(&outputs)
        .map(|(id, o)| w.step_done(*id, "a", o));
    let done = all_at_once(&pool, steps.collect()).await;
    assert!(done.iter().all(Result::is_ok), "{done:?}");
    let lasts = ids
        .iter()
        .zip(&outputs)
        .map(|(id, o)| w.succeed(*id, "b", o));
    let succeeded = all_at_once(&pool, lasts.collect()).await;
    assert!(succeeded.iter().all(Result::is_ok), "{succeeded:?}");

    // Every row carries its own caller's values.
    let rows: Vec<(Uuid, String, Value, Option<Value>, i32)> = sqlx::query_as(
        "select id, state, outputs, result, step_index from jobs where id = any($1) order by id",
    )
    .bind(&ids)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), CALLERS);
    for (id, state, outs, result, step_index) in rows {
        let i = ids.iter().position(|x| *x == id).unwrap();
        assert_eq!(state, "succeeded");
        assert_eq!(outs, json!({ "a": outputs[i], "b": outputs[i] }));
        assert_eq!(result, Some(outputs[i].clone()));
        assert_eq!(step_index, 2);
    }
    // At most two statements per kind: the first flush (whatever it took before it
    // waited for the connection) and one for everyone gathered behind it.
    for kind in ["insert", "claim", "step_done", "succeed"] {
        let (statements, rows) = flushes(&metrics, kind);
        assert!(
            (1..=2).contains(&statements),
            "{kind}: {statements} statements"
        );
        assert_eq!(rows, CALLERS as f64, "{kind}");
    }
}

#[tokio::test]
async fn a_row_that_fails_fails_only_its_caller() {
    let env = TestEnv::new().await;
    let (w, pool, metrics) = writer(&env, config()).await;
    let tenant = tenant(&pool).await;
    let mut jobs: Vec<NewJob> = (0..20).map(|_| new_job(tenant)).collect();
    // In the middle, so it shares a statement with a neighbour whichever flush takes it.
    jobs[10].business_id = Uuid::new_v4();
    let ids: Vec<Uuid> = jobs.iter().map(|j| j.id).collect();
    let answers = all_at_once(&pool, jobs.into_iter().map(|j| w.insert(j)).collect()).await;
    for (i, answer) in answers.iter().enumerate() {
        match (i, answer) {
            (10, Err(WriteError::Database(sqlx::Error::Database(db)))) => {
                assert!(db.is_foreign_key_violation(), "{db}");
            }
            (10, other) => panic!("the orphan job was accepted: {other:?}"),
            (_, other) => assert!(other.is_ok(), "neighbour {i} failed: {other:?}"),
        }
    }
    let stored: Vec<Uuid> = sqlx::query_scalar("select id from jobs where id = any($1)")
        .bind(&ids)
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 19);
    assert!(!stored.contains(&ids[10]));
    let (statements, _) = flushes(&metrics, "insert");
    assert!(statements <= 2, "{statements} batched statements");

    // The same for an update: a NUL in one output cannot be stored as jsonb.
    let claims = ids
        .iter()
        .filter(|id| **id != ids[10])
        .map(|id| w.claim(*id, 1));
    let claimed = all_at_once(&pool, claims.collect()).await;
    assert!(claimed.iter().all(|c| matches!(c, Ok(Some(_)))));
    let bad = json!({ "text": "a\u{0}b" });
    let fine = json!({ "text": "ab" });
    let calls = stored.iter().enumerate().map(|(i, id)| {
        let output = if i == 5 { &bad } else { &fine };
        w.step_done(*id, "a", output)
    });
    let done = all_at_once(&pool, calls.collect()).await;
    for (i, answer) in done.iter().enumerate() {
        assert_eq!(answer.is_err(), i == 5, "caller {i}: {answer:?}");
    }
}

#[tokio::test]
async fn stale_and_repeated_claims_get_what_one_at_a_time_would() {
    let env = TestEnv::new().await;
    let (w, pool, _) = writer(&env, config()).await;
    let job = new_job(tenant(&pool).await);
    let id = job.id;
    w.insert(job).await.unwrap();
    assert!(w.claim(id, 2).await.unwrap().is_none(), "a later delivery");
    assert!(
        w.claim(Uuid::now_v7(), 1).await.unwrap().is_none(),
        "no job"
    );
    // Two claims of one delivery in one burst are written in turn, not merged into one
    // update: both count an attempt, as they would one at a time.
    let both = all_at_once(&pool, vec![w.claim(id, 1), w.claim(id, 1)]).await;
    let attempts: Vec<i32> = both
        .into_iter()
        .map(|c| c.unwrap().expect("claimed").attempts)
        .collect();
    assert_eq!(attempts, vec![1, 2]);
    w.succeed(id, "only", &json!(1)).await.unwrap();
    assert!(w.claim(id, 1).await.unwrap().is_none(), "a finished job");
}

#[tokio::test]
async fn a_full_writer_refuses_enqueues_instead_of_waiting() {
    let env = TestEnv::new().await;
    let cfg = WriterConfig {
        capacity: 1,
        max_wait: Duration::from_millis(20),
        ..config()
    };
    let (w, pool, _) = writer(&env, cfg).await;
    let tenant = tenant(&pool).await;
    let held = pool.acquire().await.unwrap();
    let mut calls: FuturesUnordered<_> = (0..10)
        .map(|_| {
            let job = new_job(tenant);
            let w = w.clone();
            async move { (job.id, w.insert(job).await) }
        })
        .collect();
    // While nothing can be written, at most three get in (one flush of up to two, one
    // in the channel); every other caller is refused within its wait.
    let mut busy = 0;
    let refusals = async {
        while busy < 7 {
            match calls.next().await {
                Some((_, Err(WriteError::Busy))) => busy += 1,
                other => panic!("answered while the database was held: {other:?}"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), refusals)
        .await
        .expect("refused, not left waiting");
    drop(held);
    let mut accepted = Vec::new();
    while let Some((id, answer)) = calls.next().await {
        match answer {
            Ok(()) => accepted.push(id),
            Err(WriteError::Busy) => busy += 1,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(busy + accepted.len(), 10);
    let stored: i64 = sqlx::query_scalar("select count(*) from jobs")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        stored,
        accepted.len() as i64,
        "exactly the accepted jobs exist"
    );
}

#[tokio::test]
async fn the_api_answers_busy_with_retry_after_when_the_writer_is_full() {
    let env = TestEnv::new()
        .await
        .with("EXECORA_JOBS_WRITER_CAPACITY", "1")
        .with("EXECORA_JOBS_WRITER_FLUSHES", "1")
        .with("EXECORA_JOBS_WRITER_MAX_WAIT_MS", "0");
    let t = TestApp::start(&env, true, true).await;
    let (tenant, user) = env.tenant(&t.app, None).await;
    let token = t.token(tenant, user, Role::Owner);
    // Inserts wait behind this lock; reads (auth, the job view) do not.
    let mut lock = t.app.pool.begin().await.unwrap();
    sqlx::query("lock table jobs in exclusive mode")
        .execute(&mut *lock)
        .await
        .unwrap();
    let c = client();
    let mut requests: FuturesUnordered<_> = (0..8)
        .map(|_| {
            c.post(format!("{}/api/v1/probes", t.base))
                .bearer_auth(&token)
                .header("prefer", "wait=20")
                .json(&json!({}))
                .send()
        })
        .collect();
    let mut busy = 0;
    while busy < 5 {
        let resp = requests.next().await.unwrap().unwrap();
        assert_eq!(resp.status(), 503);
        assert_eq!(resp.headers()["retry-after"], "1");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["code"], "busy", "{body}");
        busy += 1;
    }
    lock.commit().await.unwrap();
    while let Some(resp) = requests.next().await {
        let resp = resp.unwrap();
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap();
        match status {
            200 => assert_eq!(body["state"], "succeeded", "{body}"),
            503 => assert_eq!(body["code"], "busy", "{body}"),
            _ => panic!("{status}: {body}"),
        }
    }
    assert_drained(&t.app).await;
    t.stop().await;
}

#[tokio::test]
async fn enqueue_many_records_all_its_jobs_in_one_statement_or_none() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, true).await;
    let (tenant, user) = env.tenant(&t.app, None).await;
    let inserts = || flushes(&t.app.metrics, "insert");
    let mut orphaned: Vec<NewJob> = (0..4).map(|_| new_job(tenant)).collect();
    orphaned[2].business_id = Uuid::new_v4();
    let err = t
        .app
        .queue
        .enqueue_many(orphaned.clone())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("foreign key"), "{err}");
    let ids: Vec<Uuid> = orphaned.iter().map(|j| j.id).collect();
    let left: i64 = sqlx::query_scalar("select count(*) from jobs where id = any($1)")
        .bind(&ids)
        .fetch_one(&t.app.pool)
        .await
        .unwrap();
    assert_eq!(left, 0, "all or nothing");
    assert_eq!(inserts(), (1, 4.0));

    let jobs: Vec<NewJob> = (0..5).map(|_| new_job(tenant)).collect();
    let ids = t.app.queue.enqueue_many(jobs).await.unwrap();
    assert_eq!(inserts(), (2, 9.0), "one statement for the five");
    // `succeeded` is announced after the record says so: a client that saw the event
    // reads the same.
    let mut ws = WsClient::connect(&t.ws_url, &t.token(tenant, user, Role::Owner)).await;
    for id in ids {
        let events = ws.follow_to_end(id, 0).await;
        assert_eq!(events.last().unwrap()["kind"], "succeeded");
        let state: String = sqlx::query_scalar("select state from jobs where id = $1")
            .bind(id)
            .fetch_one(&t.app.pool)
            .await
            .unwrap();
        assert_eq!(state, "succeeded");
    }
    assert_drained(&t.app).await;
    t.stop().await;
}
