//! One WebSocket connection: subscriptions, replay, live events, in order, once.
//!
//! For each followed job the session remembers the last event id it sent. A live event
//! with the next id is sent; an older one is skipped; a newer one means a gap (or a
//! lagging broadcast), which is filled from the job's stream first. So a client sees
//! every event of a job exactly once, in order, whichever process it is connected to.
//!
//! Redis outages: the process's subscription misses what is published while it is
//! reconnecting, so each time it has subscribed again every session fills all its
//! followed jobs from their streams ([`Hub::resubscribed`]); a job whose events Redis
//! lost starts a new numbering with a `reload` event ([`follow`](super::follow)).
//!
//! When the server shuts down the session closes with 1001 (going away) and a reason
//! telling the client to reconnect: another server (or this one restarted) resumes each
//! job from the client's `after`, so nothing is missed across the restart.

mod following;

use std::{sync::Arc, time::Duration};

use futures::{SinkExt, StreamExt};
use poem::web::websocket::{CloseCode, Message, WebSocketStream};
use tokio::sync::broadcast::error::RecvError;
use tracing::Instrument;
use uuid::Uuid;

use super::{
    follow::{Follows, Verdict},
    protocol::{ClientMessage, ServerMessage},
    recording::{self, Recording},
};
use crate::{
    api::{
        middleware::RequestContext,
        voice::{self, Utterance},
    },
    app::App,
    auth::{Principal, permissions::Action, revocation::Notice},
    domain::jobs,
    error::api_error_parts,
    telemetry::otel,
    workflows::voice::AudioInput,
    workflows::{
        events::JobEvent,
        hub::{Hub, shutting_down},
    },
};

/// Close code for an expired or missing token (the client should re-authenticate).
const CLOSE_UNAUTHENTICATED: u16 = 4401;

/// The reason sent with 1001 on shutdown; clients show or log it.
const SHUTDOWN_REASON: &str = "server shutting down: reconnect and resubscribe with after";

struct Session {
    principal: Principal,
    app: App,
    /// Followed jobs and the last event id sent for each.
    followed: Follows,
    /// Whether every job event of the tenant is sent (`watch`), followed or not.
    watching: bool,
    /// A recording between `audio.start` and `audio.end`.
    recording: Option<Recording>,
}

pub async fn run(socket: WebSocketStream, principal: Principal, app: App, hub: Hub) {
    let mut events = hub.subscribe(principal.tenant_id);
    let mut closing = hub.closing();
    let mut resubscribed = hub.resubscribed();
    let mut revocations = app.revocations.subscribe();
    let (mut sink, mut stream) = socket.split();
    app.metrics.ws_sessions.inc();
    let mut session = Session {
        principal,
        app: app.clone(),
        followed: Follows::default(),
        watching: false,
        recording: None,
    };
    let expires_in = (principal.expires_at - chrono::Utc::now().timestamp()).max(0) as u64;
    let expiry = tokio::time::sleep(std::time::Duration::from_secs(expires_in));
    tokio::pin!(expiry);
    let mut rate = super::limits::MessageRate::new(app.settings.ws.max_messages_per_second);
    loop {
        let outgoing: Vec<String> = tokio::select! {
            msg = stream.next() => match msg {
                Some(Ok(Message::Text(_) | Message::Binary(_))) if !rate.allow() => {
                    let code = CloseCode::from(super::limits::CLOSE_TOO_MANY_MESSAGES);
                    let _ = sink.send(Message::Close(Some((code, "too many messages".into())))).await;
                    break;
                }
                Some(Ok(Message::Text(text))) => {
                    let (frames, renewed) = session.on_client_text(&text).await;
                    if let Some(until) = renewed {
                        let secs = (until - chrono::Utc::now().timestamp()).max(0) as u64;
                        expiry.as_mut().reset(tokio::time::Instant::now() + std::time::Duration::from_secs(secs));
                    }
                    frames
                }
                Some(Ok(Message::Binary(bytes))) => session.on_audio(&bytes),
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => vec![],
            },
            ev = events.recv() => match ev {
                Ok(event) => session.on_event(event).await,
                Err(RecvError::Lagged(_)) => session.catch_up_all().await,
                Err(RecvError::Closed) => break,
            },
            Ok(()) = resubscribed.changed() => session.catch_up_all().await,
            notice = revocations.recv() => {
                if session.revoked(notice).await {
                    let _ = sink.send(Message::Close(Some((CloseCode::from(CLOSE_UNAUTHENTICATED), "session revoked".into())))).await;
                    break;
                }
                vec![]
            }
            _ = &mut expiry => {
                let _ = sink.send(Message::Close(Some((CloseCode::from(CLOSE_UNAUTHENTICATED), "token expired".into())))).await;
                break;
            }
            () = shutting_down(&mut closing) => {
                if sink.send(Message::Close(Some((CloseCode::Away, SHUTDOWN_REASON.into())))).await.is_ok() {
                    // Give the client a moment to answer the close (a clean handshake);
                    // it may already be gone, and shutdown must not wait on it.
                    let _ = tokio::time::timeout(Duration::from_secs(1), async {
                        while let Some(Ok(msg)) = stream.next().await {
                            if matches!(msg, Message::Close(_)) {
                                break;
                            }
                        }
                    })
                    .await;
                }
                break;
            }
        };
        let mut failed = false;
        for frame in outgoing {
            if sink.send(Message::Text(frame)).await.is_err() {
                failed = true;
                break;
            }
        }
        if failed {
            break;
        }
    }
    app.metrics.ws_sessions.dec();
}

fn encode(msg: &ServerMessage<'_>) -> String {
    serde_json::to_string(msg).unwrap_or_else(|_| {
        r#"{"type":"error","code":"internal","message":"encoding failed"}"#.into()
    })
}

fn error(code: &str, message: &str) -> String {
    encode(&ServerMessage::Error {
        code,
        message: message.to_string(),
    })
}

impl Session {
    /// Handles one client frame; the second value is a new expiry after re-authentication.
    async fn on_client_text(&mut self, text: &str) -> (Vec<String>, Option<i64>) {
        let msg = match ClientMessage::parse(text) {
            Ok(m) => m,
            Err((code, why)) => return (vec![error(code, &why)], None),
        };
        if let ClientMessage::Auth { token } = &msg {
            return self.reauthenticate(token).await;
        }
        let frames = match msg {
            ClientMessage::Ping => vec![encode(&ServerMessage::Pong)],
            ClientMessage::Unsubscribe { job_id } => {
                self.followed.unfollow(job_id);
                vec![encode(&ServerMessage::Unsubscribed { job_id })]
            }
            ClientMessage::Watch if !self.principal.role.may(Action::OperateJobs) => {
                vec![error(
                    "forbidden",
                    "only owners and managers watch every job",
                )]
            }
            ClientMessage::Watch | ClientMessage::Unwatch => {
                self.watching = matches!(msg, ClientMessage::Watch);
                vec![encode(&ServerMessage::Watching {
                    enabled: self.watching,
                })]
            }
            ClientMessage::Subscribe { job_id, after } => {
                self.subscribe(job_id, after.unwrap_or(0)).await
            }
            ClientMessage::Utterance { session_id, text } => {
                self.start_voice(Utterance {
                    session_id,
                    text: Some(text),
                    audio: None,
                })
                .await
            }
            ClientMessage::AudioStart {
                session_id,
                format,
                sample_rate,
            } => {
                // A new start replaces (and gives back) an unfinished recording first.
                self.recording = None;
                let (counts, user) = (&self.app.ws_slots.recordings, self.principal.user_id);
                let max = self.app.settings.ws.max_recordings_per_user;
                match recording::start(counts, user, max, (session_id, format, sample_rate)) {
                    Ok(r) => {
                        self.recording = Some(r);
                        vec![]
                    }
                    Err((code, why)) => vec![error(code, &why)],
                }
            }
            ClientMessage::AudioEnd => match self.recording.take() {
                Some(r) => {
                    let audio = AudioInput {
                        format: r.format,
                        sample_rate: r.sample_rate.unwrap_or(16_000),
                    };
                    self.start_voice(Utterance {
                        session_id: r.session_id,
                        text: None,
                        audio: Some((audio, r.bytes)),
                    })
                    .await
                }
                None => vec![error("no_recording", "audio.end without audio.start")],
            },
            ClientMessage::Auth { .. } => vec![],
        };
        (frames, None)
    }

    /// Appends a binary frame to the recording in progress.
    fn on_audio(&mut self, bytes: &[u8]) -> Vec<String> {
        let max = self.app.settings.voice.max_audio_bytes;
        match recording::append(&mut self.recording, bytes, max) {
            Ok(()) => vec![],
            Err((code, why)) => vec![error(code, &why)],
        }
    }

    /// Starts a voice job and follows it from its first event.
    ///
    /// Each utterance is the root of its own trace (the connection may live for hours:
    /// one trace per connection would be unreadable), with its own request id.
    async fn start_voice(&mut self, utterance: Utterance) -> Vec<String> {
        let session_id = utterance.session_id.clone();
        let request_id = Uuid::now_v7().to_string();
        let span = tracing::info_span!(
            parent: None,
            "ws.utterance",
            otel.name = "ws utterance",
            otel.kind = "server",
            request_id = %request_id,
            tenant_id = %self.principal.tenant_id,
            trace_id = tracing::field::Empty,
        );
        otel::continue_trace(&span, None);
        let ctx = RequestContext {
            request_id,
            traceparent: otel::traceparent(&span),
        };
        let started = voice::start(&self.app, &self.principal, &ctx, utterance)
            .instrument(span)
            .await;
        match started {
            Ok(job_id) => {
                self.followed.follow(job_id, 0);
                let mut out = vec![encode(&ServerMessage::UtteranceAccepted {
                    job_id,
                    session_id: &session_id,
                })];
                out.extend(self.catch_up(job_id).await);
                out
            }
            Err(e) => {
                let (code, message) = api_error_parts(e);
                vec![error(&code, &message)]
            }
        }
    }

    /// Whether a revocation notice ends this session. When notices may have been missed
    /// (a resubscription, or this session lagged), Postgres decides.
    async fn revoked(&self, notice: Result<Notice, RecvError>) -> bool {
        let p = &self.principal;
        match notice {
            Ok(Notice::Revoked(r)) => r.ends(p),
            Ok(Notice::Resync) | Err(RecvError::Lagged(_)) => {
                // A failed check keeps the session: expiry still ends it.
                self.app
                    .validity
                    .honoured(p)
                    .await
                    .is_ok_and(|valid| !valid)
            }
            // Cannot happen: the sender lives in `self.app`, as long as the session.
            Err(RecvError::Closed) => false,
        }
    }

    /// Accepts a newer token of the same user and tenant and extends the session.
    async fn reauthenticate(&mut self, token: &str) -> (Vec<String>, Option<i64>) {
        let refused = || (vec![error("unauthorized", "token refused")], None);
        let Ok(p) = self.app.tokens.verify(token) else {
            return refused();
        };
        if (p.tenant_id, p.user_id) != (self.principal.tenant_id, self.principal.user_id) {
            return refused();
        }
        match self.app.validity.honoured(&p).await {
            Ok(true) => {
                self.principal = p;
                let frame = encode(&ServerMessage::Authenticated {
                    expires_at: p.expires_at,
                });
                (vec![frame], Some(p.expires_at))
            }
            _ => refused(),
        }
    }
}
