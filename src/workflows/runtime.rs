//! Running one delivery of a job: claim it, run its remaining steps, record the outcome.
//!
//! Each step attempt runs under the step's timeout. A success stores the step's output
//! (so a later retry resumes after it); a transient failure with attempts left schedules
//! a new delivery after the step's backoff; a permanent failure ends the job `failed`,
//! exhausted attempts end it `dead`. Attempts are counted in Postgres when a delivery is
//! claimed, not when apalis acks it, so a job whose attempt kills the worker process
//! still runs out of attempts instead of looping forever.

use std::{collections::HashMap, future::Future, sync::Arc, time::Instant};

use chrono::Utc;
use serde_json::{Value, json};
use tracing::{Instrument, Span};

use super::{
    JobEnvelope,
    queue::JobQueue,
    record_writer::WriteError,
    registry::{StepContext, StepDeps, StepError, StepFn, WorkflowCode},
    spec::{StepSpec, WorkflowSpecs},
};
use crate::{
    domain::jobs::{self, AfterFailure, AttemptError, JobRecord},
    stream_queue::AckAfter,
    telemetry::{
        errors::{self, JobEnd, JobFailure},
        otel,
    },
};

/// Everything a worker needs to run jobs. Shared by all workers of a process.
pub struct Runtime {
    pub specs: WorkflowSpecs,
    pub steps: HashMap<&'static str, Vec<(&'static str, StepFn)>>,
    pub queue: JobQueue,
    pub deps: StepDeps,
}

impl Runtime {
    pub fn new(
        specs: WorkflowSpecs,
        code: Vec<WorkflowCode>,
        queue: JobQueue,
        deps: StepDeps,
    ) -> Arc<Self> {
        let steps = code.into_iter().map(|w| (w.name, w.steps)).collect();
        Arc::new(Self {
            specs,
            steps,
            queue,
            deps,
        })
    }

    /// Runs one delivery. Errors returned here are infrastructure failures (Postgres
    /// unreachable); apalis then redelivers the same delivery later.
    ///
    /// `claimed` is the answer of a claim already made for this delivery (see
    /// `claim_ahead`); without it the delivery is claimed here.
    ///
    /// A job whose last step succeeded hands the commit of `succeeded` and what follows
    /// it to `ack` (the worker's middleware) and returns, so the worker's slot is free
    /// while the record commits.
    pub async fn execute(
        self: &Arc<Self>,
        envelope: &JobEnvelope,
        claimed: Option<Option<JobRecord>>,
        ack: AckAfter,
    ) -> anyhow::Result<()> {
        let claimed = match claimed {
            Some(answer) => answer,
            None => {
                let writer = self.queue.writer();
                writer.claim(envelope.job_id, envelope.delivery).await?
            }
        };
        let Some(job) = claimed else {
            tracing::debug!(job_id = %envelope.job_id, delivery = envelope.delivery, "stale or finished delivery ignored");
            return Ok(());
        };
        // Every delivery is a consumer span under the enqueue span stored in the record.
        let span = tracing::info_span!(
            parent: None,
            "job",
            otel.name = %format!("run {}", job.workflow),
            otel.kind = "consumer",
            otel.status_code = tracing::field::Empty,
            job_id = %job.id,
            workflow = %job.workflow,
            tenant_id = %job.business_id,
            delivery = job.delivery,
            attempt = job.attempts,
            request_id = job.request_id.as_deref().unwrap_or(""),
            trace_id = tracing::field::Empty,
        );
        otel::continue_trace(&span, job.traceparent.as_deref());
        self.run(job, ack).instrument(span).await
    }

    async fn run(self: &Arc<Self>, job: JobRecord, ack: AckAfter) -> anyhow::Result<()> {
        // Transitions go through the group-commit writer; each await is this job's commit.
        let writer = self.queue.writer();
        let (Some(spec), Some(code)) = (
            self.specs.get(&job.workflow),
            self.steps.get(job.workflow.as_str()),
        ) else {
            anyhow::bail!("job {} names unknown workflow {}", job.id, job.workflow);
        };
        self.deps
            .metrics
            .jobs_started
            .with_label_values(&[&job.workflow])
            .inc();
        let mut outputs = job.outputs.clone();
        let mut step_attempt = u32::try_from(job.step_attempts).unwrap_or(1).max(1);
        let first = usize::try_from(job.step_index).unwrap_or(0);
        let last = spec.steps.len().saturating_sub(1);
        for (index, (step_spec, (name, step_fn))) in
            spec.steps.iter().zip(code).enumerate().skip(first)
        {
            if step_attempt > step_spec.retry.max_attempts {
                // Only reachable when earlier deliveries died mid-attempt (worker killed).
                let error = "attempts exhausted: the worker running this step stopped";
                self.finish_failed(&job, step_spec, step_attempt, error, true)
                    .await?;
                return Ok(());
            }
            self.announce(
                &job,
                "step.started",
                json!({ "step": name, "attempt": step_attempt }),
            )
            .await;
            let ctx = StepContext {
                job_id: job.id,
                tenant_id: job.business_id,
                user_id: job.user_id,
                input: job.input.clone(),
                outputs: outputs.clone(),
                step_attempt,
                deps: self.deps.clone(),
            };
            match self.run_step(&job.workflow, step_spec, *step_fn, ctx).await {
                Ok(output) if index == last => {
                    let committed = writer.succeed_later(job.id, name, &output).await?;
                    let finish = self
                        .clone()
                        .succeeded(job, name, output, committed)
                        .in_current_span();
                    ack.defer(finish);
                    return Ok(());
                }
                Ok(output) => {
                    writer.step_done(job.id, name, &output).await?;
                    if let Value::Object(map) = &mut outputs {
                        map.insert((*name).to_string(), output.clone());
                    }
                    self.announce(
                        &job,
                        "step.succeeded",
                        json!({ "step": name, "output": output }),
                    )
                    .await;
                    step_attempt = 1;
                }
                Err(e) => {
                    let transient = matches!(e, StepError::Transient(_));
                    self.finish_failed(&job, step_spec, step_attempt, &e.to_string(), transient)
                        .await?;
                    return Ok(());
                }
            }
        }
        // Unreachable: the last step's success finishes the job in the same statement.
        tracing::error!(step_index = job.step_index, "running job had no step left");
        Ok(())
    }

    /// After the last step: awaits the commit of `succeeded`, then announces and counts
    /// it. `false` when the commit failed; the delivery then comes again after its lease
    /// and finds the step's output missing or the job already finished.
    async fn succeeded(
        self: Arc<Self>,
        job: JobRecord,
        step: &'static str,
        output: Value,
        committed: impl Future<Output = Result<(), WriteError>>,
    ) -> bool {
        if let Err(e) = committed.await {
            tracing::error!(error = %e, "the job's success could not be recorded; it will be delivered again");
            return false;
        }
        self.announce(
            &job,
            "step.succeeded",
            json!({ "step": step, "output": output }),
        )
        .await;
        self.deps
            .metrics
            .jobs_succeeded
            .with_label_values(&[&job.workflow])
            .inc();
        // One line per finished job: its span's ids make it the thread to pull.
        tracing::info!(attempts = job.attempts, "job succeeded");
        self.announce(&job, "succeeded", json!({ "result": output }))
            .await;
        true
    }

    async fn run_step(
        &self,
        workflow: &str,
        spec: &StepSpec,
        step: StepFn,
        ctx: StepContext,
    ) -> Result<Value, StepError> {
        let started = Instant::now();
        let span = tracing::info_span!(
            "step",
            otel.name = %format!("{workflow}.{}", spec.name),
            otel.status_code = tracing::field::Empty,
            step = %spec.name,
            step_attempt = ctx.step_attempt,
            outcome = tracing::field::Empty,
        );
        let run = tokio::time::timeout(spec.timeout(), step(ctx)).instrument(span.clone());
        let outcome = match run.await {
            Ok(result) => result,
            Err(_) => Err(StepError::Transient(format!(
                "timed out after {} ms",
                spec.timeout_ms
            ))),
        };
        let label = match &outcome {
            Ok(_) => "ok",
            Err(StepError::Transient(_)) => "transient",
            Err(StepError::Permanent(_)) => "permanent",
        };
        span.record("outcome", label);
        if outcome.is_err() {
            // The cause stays out of the span: step errors may quote customer data.
            span.record("otel.status_code", "error");
        }
        self.deps
            .metrics
            .step_duration
            .with_label_values(&[workflow, &spec.name, label])
            .observe(started.elapsed().as_secs_f64());
        outcome
    }

    /// Records a failed attempt and what follows it: a retry, `failed` or `dead`.
    async fn finish_failed(
        &self,
        job: &JobRecord,
        step: &StepSpec,
        attempt: u32,
        error: &str,
        transient: bool,
    ) -> anyhow::Result<()> {
        let record = AttemptError {
            attempt: job.attempts,
            step: step.name.clone(),
            error: error.to_string(),
            transient,
            at: Utc::now(),
        };
        let metrics = &self.deps.metrics;
        let wf = job.workflow.as_str();
        self.announce(job, "step.failed", json!({ "step": step.name, "attempt": attempt, "error": error, "transient": transient })).await;
        if transient && step.retry.allows_another(attempt) {
            let delay = step.retry.backoff(attempt);
            let at = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
            let delivery =
                jobs::fail_attempt(&self.deps.pool, job.id, &record, AfterFailure::Retry { at })
                    .await?;
            metrics.jobs_retried.with_label_values(&[wf]).inc();
            self.announce(job, "retrying", json!({ "step": step.name, "attempt": attempt, "retry_in_ms": delay.as_millis() as u64 })).await;
            if let Err(e) = self.queue.push(job.id, wf, delivery, delay).await {
                // The record says `retrying`; the upkeep sweeper will push it again.
                tracing::warn!(error = %e, "retry push failed; left to the sweeper");
            }
        } else {
            let (end, after, kind) = if transient {
                (JobEnd::Dead, AfterFailure::Dead, "dead")
            } else {
                (JobEnd::Failed, AfterFailure::Fail, "failed")
            };
            jobs::fail_attempt(&self.deps.pool, job.id, &record, after).await?;
            match end {
                JobEnd::Dead => metrics.jobs_dead.with_label_values(&[wf]).inc(),
                JobEnd::Failed => metrics.jobs_failed.with_label_values(&[wf]).inc(),
            }
            let failure = JobFailure {
                job_id: job.id,
                tenant_id: job.business_id,
                workflow: wf,
                step: &step.name,
                attempts: attempt,
                end,
            };
            errors::job(metrics, &Span::current(), &failure);
            self.announce(job, kind, json!({ "step": step.name, "error": error }))
                .await;
        }
        Ok(())
    }

    async fn announce(&self, job: &JobRecord, kind: &str, data: Value) {
        self.queue
            .announce(job.id, job.business_id, kind, data)
            .await;
    }
}
