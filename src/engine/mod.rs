//! The BusinessEngine: what an utterance means and what doing it takes.
//!
//! `intent` holds the types every parser produces; `rules` is the offline parser for
//! Hinglish, English and Devanagari numbers. The engine executes intents through
//! `domain/` only: it knows nothing of HTTP, queues or providers.

pub mod intent;
pub mod rules;
