//! Diagnostic workflows: `probe` fails on request, `noop` does nothing.
//!
//! `probe` lets tests and operators exercise the runtime end to end: a transient failure
//! for the first N attempts, a permanent failure, a slow step. `noop` is the benchmark's
//! one-step workflow, so the queue's cost is measured without any work in it.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use super::registry::{StepContext, StepError, StepFuture, WorkflowCode};

/// What a probe job is asked to do.
#[derive(Debug, Clone, Default, Deserialize, poem_openapi::Object, serde::Serialize)]
#[serde(deny_unknown_fields)]
#[oai(deny_unknown_fields, example)]
pub struct ProbeInput {
    /// Fail transiently on this many first attempts of the `run` step, then succeed.
    #[serde(default)]
    #[oai(default)]
    pub fail_times: u32,
    /// Fail every attempt transiently (the job ends dead).
    #[serde(default)]
    #[oai(default)]
    pub always_fail: bool,
    /// Fail permanently on the first attempt (the job ends failed).
    #[serde(default)]
    #[oai(default)]
    pub permanent: bool,
    /// Sleep this long inside the step (capped at 60 s).
    #[serde(default)]
    #[oai(default)]
    pub sleep_ms: u64,
}

pub fn code() -> WorkflowCode {
    WorkflowCode {
        name: "probe",
        steps: vec![("run", run), ("report", report)],
    }
}

pub fn noop_code() -> WorkflowCode {
    WorkflowCode {
        name: "noop",
        steps: vec![("noop", noop)],
    }
}

fn run(ctx: StepContext) -> StepFuture {
    Box::pin(async move {
        let input: ProbeInput = serde_json::from_value(ctx.input.clone())
            .map_err(|e| StepError::Permanent(format!("bad probe input: {e}")))?;
        if input.sleep_ms > 0 {
            tokio::time::sleep(Duration::from_millis(input.sleep_ms.min(60_000))).await;
        }
        if input.permanent {
            return Err(StepError::Permanent(
                "probe asked for a permanent failure".into(),
            ));
        }
        if input.always_fail || ctx.step_attempt <= input.fail_times {
            return Err(StepError::Transient(format!(
                "probe failure on attempt {}",
                ctx.step_attempt
            )));
        }
        Ok(json!({ "attempt": ctx.step_attempt }))
    })
}

fn report(ctx: StepContext) -> StepFuture {
    Box::pin(async move {
        let succeeded_on = ctx.outputs.get("run").cloned().unwrap_or(Value::Null);
        Ok(json!({ "run": succeeded_on, "ok": true }))
    })
}

fn noop(_ctx: StepContext) -> StepFuture {
    Box::pin(async { Ok(Value::Null) })
}

impl poem_openapi::types::Example for ProbeInput {
    fn example() -> Self {
        Self {
            fail_times: 1,
            ..Self::default()
        }
    }
}
