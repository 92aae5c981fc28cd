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
    /// Every job event of the tenant from now on, live only (owners and managers: the
    /// dashboard's way to see new jobs appear). No replay; `subscribe` a job for that.
    Watch,
    Unwatch,
    /// A fresh access token for the same user, so the socket outlives the first one.
    Auth {
        token: String,
    },
    /// A typed utterance: starts a voice job, followed automatically.
    Utterance {
        session_id: String,
        text: String,
    },
    /// Binary frames that follow, up to `audio.end`, are one recorded utterance.
    #[serde(rename = "audio.start")]
    AudioStart {
        session_id: String,
        /// `pcm_s16le`, `wav`, `webm_opus`, `ogg_opus` or `mp3`.
        format: String,
        #[serde(default)]
        sample_rate: Option<u32>,
    },
    #[serde(rename = "audio.end")]
    AudioEnd,
    Ping,
}

impl ClientMessage {
    /// A text frame as a message, or the error frame's (code, message). A frame naming
    /// a key twice is refused like a request body (`api::json_keys`), not resolved.
    pub fn parse(text: &str) -> Result<Self, (&'static str, String)> {
        if crate::api::json_keys::has_duplicate_key(text.as_bytes()) {
            let why = "a JSON object names the same key twice".to_string();
            return Err(("duplicate_json_key", why));
        }
        serde_json::from_str(text).map_err(|e| ("invalid_message", e.to_string()))
    }
}

/// What the server sends.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage<'a> {
    Event(&'a JobEvent),
    Subscribed {
        job_id: Uuid,
    },
    /// A voice job started from this socket; its events follow on their own.
    UtteranceAccepted {
        job_id: Uuid,
        session_id: &'a str,
    },
    /// The socket now lives until this Unix time.
    Authenticated {
        expires_at: i64,
    },
    Unsubscribed {
        job_id: Uuid,
    },
    /// Answers `watch` (`true`) and `unwatch` (`false`).
    Watching {
        enabled: bool,
    },
    /// The connection stays open after an error.
    Error {
        code: &'a str,
        message: String,
    },
    Pong,
}
