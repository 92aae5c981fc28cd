//! Accepting jobs: the record in Postgres, the push to the workflow's apalis queue.
//!
//! The record is written first and the push second; if the push fails the record is
//! deleted again and the caller answers 503, so nothing is half-done. A crash between
//! the two leaves a `queued` record that the upkeep sweeper pushes again. Every push
//! carries the idempotency key `job:delivery`, so a second push of the same delivery is
//! dropped by Redis, and the worker's claim ignores deliveries older than the record's.

use std::{collections::HashMap, sync::Arc, time::Duration};

use apalis::prelude::{TaskBuilder, TaskId, TaskSink};
use apalis_redis::{ConnectionManager, RedisStorage};
use serde_json::{Value, json};
use sqlx::PgPool;
use tracing::Instrument;
use uuid::Uuid;

use super::{JobEnvelope, events::EventBus, spec::WorkflowSpecs};
use crate::{
    config::JobSettings,
    domain::jobs::{self, JobRecord, NewJob},
    telemetry::{Metrics, otel},
};

/// Why a job could not be accepted.
#[derive(Debug, thiserror::Error)]
pub enum EnqueueError {
    #[error("unknown workflow {0:?}")]
    UnknownWorkflow(String),
    #[error("the queue is unavailable: {0}")]
    QueueUnavailable(String),
    #[error("the database is unavailable: {0}")]
    Database(#[from] sqlx::Error),
}

/// One push of a job to its workflow's queue.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub job_id: Uuid,
    pub workflow: String,
    /// Which push of the job this is (the record's `delivery`).
    pub delivery: i32,
    /// How long from now until it may run.
    pub delay: Duration,
}

impl Delivery {
    /// The first, immediate delivery of a new job.
    pub fn first(job_id: Uuid, workflow: &str) -> Self {
        Self {
            job_id,
            workflow: workflow.to_string(),
            delivery: 1,
            delay: Duration::ZERO,
        }
    }
}

/// Accepts jobs into their workflow's queue. Cheap to clone.
#[derive(Clone)]
pub struct JobQueue {
    pool: PgPool,
    events: EventBus,
    metrics: Arc<Metrics>,
    storages: Arc<HashMap<String, RedisStorage<JobEnvelope>>>,
}

/// The apalis-redis settings shared by producers and workers of one queue.
pub fn redis_config(namespace: &str, queue: &str, jobs: &JobSettings) -> apalis_redis::Config {
    apalis_redis::Config::default()
        .queue(format!("{namespace}-{queue}"))
        .batch_size(jobs.batch_size)
        .heartbeat_interval(Duration::from_secs(jobs.heartbeat_secs))
        .missed_heartbeats(jobs.missed_heartbeats)
        .idempotency_ttl(Some(Duration::from_secs(jobs.retention_secs.max(86_400))))
}

impl JobQueue {
    pub fn new(
        pool: PgPool,
        conn: ConnectionManager,
        specs: &WorkflowSpecs,
        namespace: &str,
        jobs_cfg: &JobSettings,
        events: EventBus,
        metrics: Arc<Metrics>,
    ) -> Self {
        let storages = specs
            .iter()
            .map(|spec| {
                let cfg = redis_config(namespace, &spec.queue, jobs_cfg);
                (
                    spec.name.clone(),
                    RedisStorage::new(conn.clone()).with_config(cfg),
                )
            })
            .collect();
        Self {
            pool,
            events,
            metrics,
            storages: Arc::new(storages),
        }
    }

    /// Records and pushes a new job, then announces it with an `accepted` event.
    ///
    /// The job records this enqueue's span as its `traceparent`, so the worker's spans
    /// continue the caller's trace (a request, an utterance, a parent job), whether or
    /// not that caller was itself called with a `traceparent`.
    pub async fn enqueue(&self, mut job: NewJob) -> Result<Uuid, EnqueueError> {
        let span = tracing::info_span!(
            "job.enqueue",
            otel.name = %format!("enqueue {}", job.workflow),
            otel.kind = "producer",
            job_id = %job.id,
            workflow = %job.workflow,
        );
        if let Some(parent) = otel::traceparent(&span) {
            job.traceparent = Some(parent);
        }
        self.record_and_push(job).instrument(span).await
    }

    async fn record_and_push(&self, job: NewJob) -> Result<Uuid, EnqueueError> {
        if !self.storages.contains_key(&job.workflow) {
            return Err(EnqueueError::UnknownWorkflow(job.workflow));
        }
        jobs::insert_queued(&self.pool, &job).await?;
        if let Err(e) = self.push(job.id, &job.workflow, 1, Duration::ZERO).await {
            // Best effort: if this fails too, the sweeper will push the record later.
            let _ = jobs::delete_unstarted(&self.pool, job.id).await;
            return Err(e);
        }
        self.metrics
            .jobs_enqueued
            .with_label_values(&[&job.workflow])
            .inc();
        self.announce(
            job.id,
            job.business_id,
            "accepted",
            json!({ "workflow": job.workflow }),
        )
        .await;
        Ok(job.id)
    }

    /// Records and pushes many new jobs at once (the reminder sweep, bulk producers):
    /// one insert for all records and one append round trip for all pushes. Each job
    /// is announced with an `accepted` event. All or nothing: on failure no record is
    /// left behind and the caller may try again.
    pub async fn enqueue_many(&self, jobs: Vec<NewJob>) -> Result<Vec<Uuid>, EnqueueError> {
        if let Some(unknown) = jobs
            .iter()
            .find(|j| !self.storages.contains_key(&j.workflow))
        {
            return Err(EnqueueError::UnknownWorkflow(unknown.workflow.clone()));
        }
        for job in &jobs {
            jobs::insert_queued(&self.pool, job).await?;
        }
        let deliveries: Vec<Delivery> = jobs
            .iter()
            .map(|j| Delivery::first(j.id, &j.workflow))
            .collect();
        if let Err(e) = self.push_many(&deliveries).await {
            for job in &jobs {
                let _ = jobs::delete_unstarted(&self.pool, job.id).await;
            }
            return Err(e);
        }
        for job in &jobs {
            self.metrics
                .jobs_enqueued
                .with_label_values(&[&job.workflow])
                .inc();
            self.announce(
                job.id,
                job.business_id,
                "accepted",
                json!({ "workflow": job.workflow }),
            )
            .await;
        }
        Ok(jobs.iter().map(|j| j.id).collect())
    }

    /// Pushes many deliveries in one round trip.
    pub async fn push_many(&self, deliveries: &[Delivery]) -> Result<(), EnqueueError> {
        for d in deliveries {
            self.push(d.job_id, &d.workflow, d.delivery, d.delay)
                .await?;
        }
        Ok(())
    }

    /// Pushes the first delivery of a job whose record the caller already wrote (in its
    /// own transaction), and announces it.
    pub async fn push_recorded(
        &self,
        job_id: Uuid,
        tenant_id: Uuid,
        workflow: &str,
    ) -> Result<(), EnqueueError> {
        self.push(job_id, workflow, 1, Duration::ZERO).await?;
        self.metrics
            .jobs_enqueued
            .with_label_values(&[workflow])
            .inc();
        self.announce(
            job_id,
            tenant_id,
            "accepted",
            json!({ "workflow": workflow }),
        )
        .await;
        Ok(())
    }

    /// Pushes one delivery of a job, to run after `delay`.
    pub async fn push(
        &self,
        job_id: Uuid,
        workflow: &str,
        delivery: i32,
        delay: Duration,
    ) -> Result<(), EnqueueError> {
        let mut storage = self
            .storages
            .get(workflow)
            .cloned()
            .ok_or_else(|| EnqueueError::UnknownWorkflow(workflow.to_string()))?;
        let envelope = JobEnvelope {
            job_id,
            workflow: workflow.to_string(),
            delivery,
        };
        let mut task = TaskBuilder::new(envelope)
            .task_id(TaskId::from_ulid(ulid::Ulid::generate()))
            .idempotency_key(format!("{job_id}:{delivery}"));
        if !delay.is_zero() {
            // apalis-redis schedules in whole Unix seconds and truncates; round the due
            // time up instead, so a retry never comes earlier than its backoff.
            let due_ms = chrono::Utc::now().timestamp_millis() + delay.as_millis() as i64;
            task = task.run_at_timestamp(u64::try_from(due_ms).unwrap_or(0).div_ceil(1000));
        }
        storage
            .push_task(task.build())
            .await
            .map_err(|e| EnqueueError::QueueUnavailable(e.to_string()))
    }

    /// Pushes an operator-requeued job again and announces it.
    pub async fn repush(&self, job: &JobRecord) -> Result<(), EnqueueError> {
        self.push(job.id, &job.workflow, job.delivery, Duration::ZERO)
            .await?;
        self.announce(
            job.id,
            job.business_id,
            "accepted",
            json!({ "workflow": job.workflow, "retry": true }),
        )
        .await;
        Ok(())
    }

    /// Publishes an event; a failure is logged, not fatal: the record stays the truth.
    pub async fn announce(&self, job_id: Uuid, tenant_id: Uuid, kind: &str, data: Value) {
        if let Err(e) = self.events.publish(job_id, tenant_id, kind, data).await {
            tracing::warn!(job_id = %job_id, kind, error = %e, "job event not published");
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub fn events(&self) -> &EventBus {
        &self.events
    }
}
