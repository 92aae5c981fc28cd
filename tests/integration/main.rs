//! Integration tests against real PostgreSQL and Redis (started by `make test`).
// A release build (`cargo test --release`) computes the server future's layout deeper
// than the default limit allows.
#![recursion_limit = "256"]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on the first surprise"
)]

mod accounts;
mod cache;
mod claim_ahead;
mod common;
mod customer_languages;
mod dashboard;
mod dependency_faults;
mod events;
mod events_park;
mod first_run;
mod http;
mod invoice_unicode;
mod invoices;
mod jobs;
mod logs;
mod observability;
mod operations;
mod operator_cli;
mod private_services;
mod processes;
mod queue_pause;
mod razorpay;
mod record_plans;
mod record_writer;
mod redis_faults;
mod reminders;
mod reminders_zones;
mod security;
mod security_input;
mod security_limits;
mod security_links;
mod security_revocation;
mod security_roles;
mod security_tokens;
mod security_ws;
mod shop;
mod shutdown;
mod template_db;
mod tracing_e2e;
mod voice;
mod voice_dialogue;
mod voice_fakes;
mod voice_languages;
mod voice_local;
mod webhooks;
mod ws;
