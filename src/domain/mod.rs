//! Business rules and every SQL statement, one file per aggregate.
//!
//! Nothing here knows about HTTP or queues: functions take a pool or a transaction and
//! typed values, and every query on business data is scoped by the tenant it is given.

pub mod amounts;
pub mod businesses;
pub mod conversations;
pub mod customer_messages;
pub mod customer_search;
pub mod customers;
pub mod demo;
pub mod gst;
pub mod gstin;
pub mod hindi_words;
pub mod idempotency;
pub mod invoice_documents;
pub mod invoices;
pub mod jobs;
pub mod jobs_batch;
pub mod ledger;
pub mod names;
pub mod parked_events;
pub mod phone;
pub mod products;
pub mod queues;
pub mod reminders;
pub mod schedule;
pub mod sessions;
pub mod summary;
pub mod users;
pub mod whatsapp;
