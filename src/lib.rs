//! Execora: the back end of a voice-first assistant for small Indian shops.
//!
//! The crate is one library behind one binary. The map, in the direction dependencies
//! point:
//!
//! - [`cli`] parses the command line and starts a mode (`serve`, `work`, `run`, …);
//!   [`operator`] is its HTTP client side (`execora jobs`, `execora queues`).
//! - [`app`] builds the shared state (pools, keys, metrics) from [`config`] once.
//! - [`api`] and [`ws`] are the HTTP and WebSocket edges; they parse and map, nothing more.
//!   [`dashboard`] is the operators' web page they serve.
//! - [`workflows`] is the job runtime: declarative specs, the apalis workers, job events.
//!   [`stream_queue`] is the queue under it: a Redis Streams backend for apalis that knows
//!   nothing of Execora.
//! - [`domain`] holds business rules and every SQL statement; it knows no HTTP or queue.
//! - [`auth`] verifies and issues access tokens; [`resilience`] holds retry policy and
//!   circuit breakers; [`telemetry`] the logs and metrics; [`db`] the pool and migrations.

/// Every program built on the library (the server, the benchmarks, the tests) allocates
/// through mimalloc; why is in `Cargo.toml`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod api;
pub mod app;
pub mod auth;
pub mod cache;
pub mod cli;
pub mod config;
pub mod dashboard;
pub mod db;
pub mod domain;
pub mod engine;
pub mod error;
pub mod health;
pub mod integrations;
pub mod operator;
pub(crate) mod reconnects;
pub mod render;
pub mod resilience;
pub mod stream_queue;
pub mod telemetry;
pub mod workflows;
pub mod ws;
