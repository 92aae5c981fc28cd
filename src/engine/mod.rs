//! The BusinessEngine: what an utterance means and what doing it takes.
//!
//! `intent` holds the types every parser produces; `rules` is the offline parser for
//! Hinglish, English and Devanagari numbers; `conversation` is what a session remembers;
//! `execute` runs one turn through `domain/` and says what to reply; `permissions` says
//! which action of the one permission table (`auth::permissions`) each intent takes. The engine knows
//! nothing of HTTP, queues or providers: work it cannot do itself (issuing an invoice)
//! it hands back as a follow-up.

pub mod conversation;
pub mod corpus;
pub mod execute;
pub mod intent;
pub mod permissions;
pub mod replies;
pub mod rules;
