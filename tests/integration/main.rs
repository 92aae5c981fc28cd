//! Integration tests against real PostgreSQL and Redis (started by `make test`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on the first surprise"
)]

mod common;
mod http;
mod jobs;
mod processes;
mod webhooks;
mod ws;
