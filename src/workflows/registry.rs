//! The code side of the workflows: each workflow's ordered steps as functions.
//!
//! A step gets a [`StepContext`] and returns its output as JSON, or a [`StepError`] that
//! says whether another attempt could help. Start-up compares these lists with the specs.

use std::{collections::BTreeMap, future::Future, pin::Pin, sync::Arc};

use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use super::events::EventBus;
use crate::telemetry::Metrics;

/// Why a step attempt failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StepError {
    /// Worth another attempt (a timeout, a provider hiccup, a lost connection).
    #[error("{0}")]
    Transient(String),
    /// Another attempt would fail the same way (bad input, a refused request).
    #[error("{0}")]
    Permanent(String),
}

impl From<sqlx::Error> for StepError {
    fn from(e: sqlx::Error) -> Self {
        super::step_errors::database(&e)
    }
}

/// What a step may use.
#[derive(Clone)]
pub struct StepDeps {
    pub pool: PgPool,
    pub events: EventBus,
    pub metrics: Arc<Metrics>,
    pub mailer: crate::integrations::email::Mailer,
    /// `None` when WhatsApp sending is not configured.
    pub whatsapp: Option<crate::integrations::whatsapp_send::WhatsAppSender>,
    /// The approved template for reminders outside the 24-hour window.
    pub reminder_template: String,
    /// Which translation of that template each customer language gets.
    pub template_languages: crate::domain::customer_messages::TemplateLanguages,
    pub store: crate::integrations::storage::DocumentStore,
    /// Keys the signed invoice download links.
    pub portal_key: Arc<Vec<u8>>,
    /// Base of links sent to customers; empty = no links (no WhatsApp documents).
    pub public_url: String,
    /// How long an invoice link sent to a customer works (`EXECORA_INVOICE_LINK_TTL_HOURS`).
    pub invoice_link_ttl_secs: u64,
    /// For invalidating cached reads a step changed.
    pub cache: crate::cache::Cache,
    /// Providers, policy and helpers of the voice workflow.
    pub voice: Arc<super::voice_support::VoiceDeps>,
}

/// Everything one step attempt knows about its job.
#[derive(Clone)]
pub struct StepContext {
    pub job_id: Uuid,
    pub tenant_id: Uuid,
    pub user_id: Option<Uuid>,
    pub input: Value,
    /// Outputs of the steps already done, by step name.
    pub outputs: Value,
    /// 1 for the step's first attempt.
    pub step_attempt: u32,
    pub deps: StepDeps,
}

pub type StepFuture = Pin<Box<dyn Future<Output = Result<Value, StepError>> + Send>>;
pub type StepFn = fn(StepContext) -> StepFuture;

/// One workflow as the code defines it.
pub struct WorkflowCode {
    pub name: &'static str,
    pub steps: Vec<(&'static str, StepFn)>,
}

/// Every workflow the binary can run.
pub fn all() -> Vec<WorkflowCode> {
    vec![
        super::webhook::code(),
        super::invoice::code(),
        super::reminder::code(),
        super::voice::code(),
        super::probe::code(),
        super::probe::noop_code(),
    ]
}

/// Step names per workflow, for checking the specs.
pub fn step_names(code: &[WorkflowCode]) -> BTreeMap<&'static str, Vec<&'static str>> {
    code.iter()
        .map(|w| (w.name, w.steps.iter().map(|(n, _)| *n).collect()))
        .collect()
}
