//! What every Execora run of the benchmark shares: settings in a namespace of its own, an
//! app with a fresh tenant, workers in the same process, and waiting for jobs to finish.

use std::time::Duration;

use execora::{
    app::App,
    config::Settings,
    domain::{businesses, jobs::NewJob},
};
use serde_json::Value;
use uuid::Uuid;

/// The workflow whose cost is the queue's: one step that does nothing.
pub const NOOP: &str = "noop";

/// A fresh Redis namespace per run, so runs never see each other's queues or events.
pub fn settings() -> Settings {
    let ns = format!("bench{}", &Uuid::new_v4().simple().to_string()[..8]);
    Settings::from_sources(None, |k| match k {
        "EXECORA_REDIS_NAMESPACE" => Some(ns.clone()),
        "EXECORA_DATABASE_MAX_CONNECTIONS" => Some("60".into()),
        "EXECORA_DATA_DIR" => Some(
            std::env::temp_dir()
                .join("execora-bench")
                .to_string_lossy()
                .into(),
        ),
        other => std::env::var(other).ok(),
    })
    .expect("settings")
}

/// The app and a tenant of its own: its jobs are the run's jobs.
pub async fn bench_app() -> (App, Uuid) {
    let app = App::build(settings()).await.expect("app");
    let email = format!("{}@bench", Uuid::new_v4());
    let (tenant, _) = businesses::ensure_demo(&app.pool, "Bench", &email, None)
        .await
        .expect("tenant");
    (app, tenant)
}

pub fn new_job(tenant: Uuid, workflow: &str, input: Value) -> NewJob {
    NewJob {
        id: Uuid::now_v7(),
        business_id: tenant,
        user_id: None,
        workflow: workflow.into(),
        input,
        request_id: None,
        traceparent: None,
    }
}

/// The workflow's worker concurrency, as its spec sets it.
pub fn concurrency(app: &App, workflow: &str) -> usize {
    app.runtime
        .specs
        .get(workflow)
        .map_or(0, |spec| spec.concurrency)
}

/// Starts this process's workers; sending on the returned channel stops them.
pub fn start_workers(app: &App) -> tokio::sync::oneshot::Sender<()> {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let a = app.clone();
    tokio::spawn(async move {
        let signal = async move {
            let _ = rx.await;
            Ok(())
        };
        execora::workflows::worker::run(a.runtime.clone(), a.redis.clone(), &a.settings, signal)
            .await
            .expect("workers");
    });
    tx
}

/// Waits until `n` jobs of `workflow` succeeded in this process.
///
/// Reads the runtime's own counter, which moves once a job's record is committed as
/// succeeded: a millisecond's resolution with no query load on Postgres (polling a
/// `count(*)` would bill the database for the benchmark's own bookkeeping). A failed job
/// ends the run: a benchmark of jobs that fail measures nothing.
pub async fn wait_succeeded(app: &App, workflow: &str, n: usize) {
    let m = &app.metrics;
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    loop {
        tick.tick().await;
        let bad = m.jobs_failed.with_label_values(&[workflow]).get()
            + m.jobs_dead.with_label_values(&[workflow]).get();
        assert_eq!(bad, 0, "{bad} {workflow} jobs failed");
        if m.jobs_succeeded.with_label_values(&[workflow]).get() >= n as u64 {
            return;
        }
    }
}

/// Checks the records agree with the counter: every job of the tenant succeeded.
pub async fn assert_all_succeeded(app: &App, tenant: Uuid, n: usize) {
    let done: i64 = sqlx::query_scalar(
        "select count(*) from jobs where business_id = $1 and state = 'succeeded'",
    )
    .bind(tenant)
    .fetch_one(&app.pool)
    .await
    .expect("count");
    assert_eq!(done, n as i64, "jobs succeeded per their records");
}
