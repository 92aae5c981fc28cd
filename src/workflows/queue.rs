//! Accepting jobs: the record in Postgres, the push to the workflow's queue (a Redis
//! stream, see [`crate::stream_queue`]).
//!
//! The record is written first and the push second; if the push fails the record is
//! deleted again and the caller answers 503, so nothing is half-done. A crash between
//! the two leaves a `queued` record that the upkeep sweeper pushes again. Every push
//! carries the deduplication key `job:delivery`, so a second push of the same delivery
//! is dropped by Redis, and the worker's claim ignores deliveries older than the record's.

use std::{collections::HashMap, sync::Arc, time::Duration};

use redis::aio::ConnectionManager;
use serde_json::{Value, json};
use sqlx::PgPool;
use tracing::Instrument;
use uuid::Uuid;

use super::{
    JobEnvelope, events::EventBus, record_writer::RecordWriter, redis_marker::RedisMarker,
    spec::WorkflowSpecs,
};
use crate::{
    config::JobSettings,
    domain::jobs::{self, JobRecord, NewJob},
    health::Health,
    stream_queue::{Producer, Push, QueueConfig},
    telemetry::{Metrics, otel},
};

pub use super::enqueue_error::EnqueueError;

/// Longest an enqueue waits for its `accepted` event to be written.
const ACCEPTED_TIMEOUT: Duration = Duration::from_secs(2);

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
    /// Writes the records of new jobs, batched with other enqueues (group commit).
    writer: RecordWriter,
    events: EventBus,
    metrics: Arc<Metrics>,
    /// One producer per workflow (several workflows may share a queue).
    producers: Arc<HashMap<String, Producer>>,
    /// While Redis is known to be down a new job is refused before its record is
    /// written: at once, and with nothing to undo.
    health: Health,
    /// Tells whether Redis lost its data since the queues were last filled.
    marker: RedisMarker,
}

/// The queue settings shared by producers and workers of one queue.
pub fn queue_config(namespace: &str, queue: &str, jobs: &JobSettings) -> QueueConfig {
    let host = hostname::get()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "host".into());
    let mut cfg = QueueConfig::new(namespace, queue);
    cfg.read_count = jobs.batch_size.max(1);
    cfg.lease = jobs.lease();
    cfg.max_block = jobs.max_block();
    // A delivery pushed again within this window (the sweeper, a retried request) is
    // dropped; past it the job record still makes a repeat a no-op. At most a day, and
    // no longer than finished jobs are kept, unless the sweeper needs longer.
    let window = jobs
        .retention_secs
        .min(86_400)
        .max(jobs.requeue_after_secs * 2);
    cfg.dedupe_ttl = Duration::from_secs(window.max(1));
    cfg.consumer_prefix = format!("{host}-{}", std::process::id());
    cfg
}

impl JobQueue {
    pub fn new(
        writer: RecordWriter,
        conn: ConnectionManager,
        specs: &WorkflowSpecs,
        namespace: &str,
        jobs_cfg: &JobSettings,
        events: EventBus,
        metrics: Arc<Metrics>,
    ) -> Self {
        let producers = specs
            .iter()
            .map(|spec| {
                let cfg = queue_config(namespace, &spec.queue, jobs_cfg);
                (spec.name.clone(), Producer::new(conn.clone(), cfg))
            })
            .collect();
        Self {
            pool: writer.pool().clone(),
            writer,
            events,
            metrics,
            producers: Arc::new(producers),
            health: Health::assume_up(),
            marker: RedisMarker::new(conn, namespace),
        }
    }

    /// Refuses new jobs at once while `health` says Redis is down.
    pub fn with_health(mut self, health: Health) -> Self {
        self.health = health;
        self
    }

    /// The key that tells whether Redis lost its data (the upkeep's refill).
    pub fn marker(&self) -> &RedisMarker {
        &self.marker
    }

    /// Whether the process's health state has Redis answering (no round trip).
    pub fn redis_up(&self) -> bool {
        self.health.redis_up()
    }

    fn redis_reachable(&self) -> Result<(), EnqueueError> {
        if self.health.redis_up() {
            Ok(())
        } else {
            Err(EnqueueError::QueueUnavailable(
                "Redis is unreachable".into(),
            ))
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

    /// One job is a batch of one: the same record, event and push, and the same undoing.
    async fn record_and_push(&self, job: NewJob) -> Result<Uuid, EnqueueError> {
        let id = job.id;
        self.enqueue_many(vec![job]).await?;
        Ok(id)
    }

    /// Records and pushes many new jobs at once (the reminder sweep, bulk producers):
    /// one insert for all records and one append round trip for all pushes. Each job
    /// is announced with an `accepted` event. All or nothing: on failure no record is
    /// left behind and the caller may try again.
    pub async fn enqueue_many(&self, jobs: Vec<NewJob>) -> Result<Vec<Uuid>, EnqueueError> {
        if let Some(unknown) = jobs
            .iter()
            .find(|j| !self.producers.contains_key(&j.workflow))
        {
            return Err(EnqueueError::UnknownWorkflow(unknown.workflow.clone()));
        }
        self.redis_reachable()?;
        let deliveries: Vec<Delivery> = jobs
            .iter()
            .map(|j| Delivery::first(j.id, &j.workflow))
            .collect();
        let ids: Vec<(Uuid, Uuid, &str)> = jobs
            .iter()
            .map(|j| (j.id, j.business_id, j.workflow.as_str()))
            .collect();
        // The records and the `accepted` events at once (an event must only precede its
        // push, so a worker's events follow it); an event written for a job whose record
        // then failed names an id nobody was given, and expires.
        let (inserted, announced) =
            tokio::join!(self.writer.insert_many(jobs.clone()), self.accepted(&ids));
        inserted?;
        let pushed = match announced {
            Ok(()) => self.push_many(&deliveries).await,
            Err(e) => Err(e),
        };
        if let Err(e) = pushed {
            for job in &jobs {
                let _ = jobs::delete_unstarted(&self.pool, job.id).await;
            }
            return Err(e);
        }
        for job in &jobs {
            self.count(&job.workflow, 1);
        }
        Ok(jobs.iter().map(|j| j.id).collect())
    }

    /// Pushes many deliveries: one round trip per workflow, all workflows at once.
    pub async fn push_many(&self, deliveries: &[Delivery]) -> Result<(), EnqueueError> {
        let mut by_workflow: HashMap<&str, Vec<Push>> = HashMap::new();
        for d in deliveries {
            by_workflow
                .entry(d.workflow.as_str())
                .or_default()
                .push(push_of(d)?);
        }
        let sends = by_workflow
            .into_iter()
            .map(|(workflow, mut pushes)| async move {
                let producer = self.producer(workflow)?;
                // One job (a request's enqueue, a retry) joins the other single pushes
                // of the moment in one script call; a batch is one call already.
                let pushed = if pushes.len() == 1 {
                    producer.push_batched(pushes.remove(0)).await
                } else {
                    producer.push_many(&pushes).await.map(drop)
                };
                pushed.map_err(|e| EnqueueError::QueueUnavailable(e.to_string()))
            });
        futures::future::try_join_all(sends).await?;
        Ok(())
    }

    fn producer(&self, workflow: &str) -> Result<&Producer, EnqueueError> {
        self.producers
            .get(workflow)
            .ok_or_else(|| EnqueueError::UnknownWorkflow(workflow.to_string()))
    }

    /// The producer of each workflow (queue depth for metrics and the dashboard).
    pub fn producers(&self) -> impl Iterator<Item = (&str, &Producer)> {
        self.producers.iter().map(|(w, p)| (w.as_str(), p))
    }

    /// Pushes the first delivery of a job whose record the caller already wrote (in its
    /// own transaction), and announces it.
    pub async fn push_recorded(
        &self,
        job_id: Uuid,
        tenant_id: Uuid,
        workflow: &str,
    ) -> Result<(), EnqueueError> {
        self.accepted(&[(job_id, tenant_id, workflow)]).await?;
        self.push(job_id, workflow, 1, Duration::ZERO).await?;
        self.count(workflow, 1);
        Ok(())
    }

    /// Pushes the first deliveries of jobs whose records the caller already wrote (the
    /// reminder sweep), in one round trip, and announces them.
    pub async fn push_recorded_many(
        &self,
        jobs: &[(Uuid, Uuid, String)],
    ) -> Result<(), EnqueueError> {
        let deliveries: Vec<Delivery> = jobs
            .iter()
            .map(|(job, _, workflow)| Delivery::first(*job, workflow))
            .collect();
        let ids: Vec<(Uuid, Uuid, &str)> = jobs
            .iter()
            .map(|(job, tenant, workflow)| (*job, *tenant, workflow.as_str()))
            .collect();
        self.accepted(&ids).await?;
        self.push_many(&deliveries).await?;
        for (_, _, workflow) in jobs {
            self.count(workflow, 1);
        }
        Ok(())
    }

    /// Writes the `accepted` event of each job, before its push: a worker may take a
    /// job the moment it is pushed (in another process, with its own event batcher),
    /// and its first event must not come before `accepted` (it would read as events
    /// lost, see `events_batch`). Bounded: Redis that does not take them in time is
    /// treated as down (they may still be written later, for a job then deleted).
    async fn accepted(&self, jobs: &[(Uuid, Uuid, &str)]) -> Result<(), EnqueueError> {
        let writes = jobs.iter().map(|&(job, tenant, workflow)| {
            let data = json!({ "workflow": workflow });
            self.events.publish(job, tenant, "accepted", data)
        });
        let all = futures::future::try_join_all(writes);
        match tokio::time::timeout(ACCEPTED_TIMEOUT, all).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(EnqueueError::QueueUnavailable(e.to_string())),
            Err(_) => Err(EnqueueError::QueueUnavailable(
                "event write timed out".into(),
            )),
        }
    }

    fn count(&self, workflow: &str, n: u64) {
        self.metrics
            .jobs_enqueued
            .with_label_values(&[workflow])
            .inc_by(n);
    }

    /// Pushes one delivery of a job, to run after `delay`.
    pub async fn push(
        &self,
        job_id: Uuid,
        workflow: &str,
        delivery: i32,
        delay: Duration,
    ) -> Result<(), EnqueueError> {
        let d = Delivery {
            job_id,
            workflow: workflow.to_string(),
            delivery,
            delay,
        };
        self.producer(workflow)?
            .push_batched(push_of(&d)?)
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
    /// Queued, not awaited: the caller (a worker slot, a request) does not wait for the
    /// event's round trip; events of a job keep their order (see [`EventBus::emit`]).
    pub async fn announce(&self, job_id: Uuid, tenant_id: Uuid, kind: &str, data: Value) {
        if let Err(e) = self.events.emit(job_id, tenant_id, kind, data).await {
            tracing::warn!(job_id = %job_id, kind, error = %e, "job event not published");
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The process's job-record writer, shared with the runtime.
    pub fn writer(&self) -> &RecordWriter {
        &self.writer
    }

    pub fn events(&self) -> &EventBus {
        &self.events
    }
}

/// The queue entry of one delivery: only a reference (the record holds the input),
/// keyed `job:delivery` so pushing the same delivery twice appends it once.
fn push_of(d: &Delivery) -> Result<Push, EnqueueError> {
    let envelope = JobEnvelope {
        job_id: d.job_id,
        workflow: d.workflow.clone(),
        delivery: d.delivery,
    };
    Push::new(&format!("{}:{}", d.job_id, d.delivery), &envelope, d.delay)
        .map_err(|e| EnqueueError::QueueUnavailable(e.to_string()))
}
