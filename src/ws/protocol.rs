//! The WebSocket protocol: JSON text frames with a `type` field (docs/websocket.md).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::workflows::events::JobEvent;

/// What a client may send.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    /// Follow a job; with `after`, first replay the events after that id.
    Subscribe {
        job_id: Uuid,
        #[serde(default)]
        after: Option<u64>,
    },
    Unsubscribe {
        job_id: Uuid,
    },
    /// A fresh access token for the same user, so the socket outlives the first one.
    Auth {
        token: String,
    },
    Ping,
}

/// What the server sends.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage<'a> {
    Event(&'a JobEvent),
    Subscribed {
        job_id: Uuid,
    },
    /// The socket now lives until this Unix time.
    Authenticated {
        expires_at: i64,
    },
    Unsubscribed {
        job_id: Uuid,
    },
    /// The connection stays open after an error.
    Error {
        code: &'a str,
        message: String,
    },
    Pong,
}
