//! The job runtime: workflows declared in `workflows/*.toml`, run by apalis workers fed
//! from Redis streams ([`crate::stream_queue`]), with Execora's own job record in
//! Postgres and job events in Redis.
//!
//! - [`spec`] loads and checks the declarative specs; [`registry`] is the code side.
//! - [`queue`] records and pushes jobs; [`runtime`] runs one delivery of a job through
//!   its steps; [`worker`] hosts the apalis workers (restarted with backoff by
//!   [`restart`], held back while paused by [`pause`]) and [`upkeep`] the periodic
//!   sweeps.
//! - [`record_writer`] writes the job record's transitions of many jobs in one
//!   statement (group commit), each caller awaiting its own row.
//! - [`events`] numbers, stores and publishes job events, written in batches by
//!   `events_batch`; [`hub`] fans them out to the waiters of this process.
//! - [`webhook`], [`invoice`], [`reminder`] and [`probe`] are workflows;
//!   [`erasure_codes`] are the owner's codes that confirm an erasure.

pub mod claim_ahead;
mod enqueue_error;
pub mod erasure_codes;
pub mod events;
mod events_batch;
pub mod events_park;
mod events_script;
mod gated;
pub mod hub;
pub mod invoice;
pub mod pause;
pub mod probe;
pub mod queue;
pub mod record_writer;
pub mod redis_marker;
pub mod registry;
pub mod reminder;
pub mod restart;
pub mod runtime;
pub mod spec;
mod step_errors;
pub mod upkeep;
pub mod voice;
pub mod voice_support;
pub mod webhook;
pub mod worker;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What travels through the apalis queue: only a reference. The job record in Postgres
/// holds the input, so a retry by an operator or a re-push never duplicates payloads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobEnvelope {
    pub job_id: Uuid,
    pub workflow: String,
    /// Which push of the job this is; an older delivery than the record's is stale.
    pub delivery: i32,
}
