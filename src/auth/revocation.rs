//! Revocations pushed to every server: "user X (or login Y) ends now".
//!
//! Postgres stays the truth (`users.removed_at`, `sessions_valid_after`, revoked refresh
//! tokens); this is the push that tells every process at once, so open WebSockets close
//! within moments of a removal or a sign-out everywhere instead of at token expiry. Each
//! server holds one Redis subscription on `{namespace}:revocations` and re-broadcasts
//! each notice in-process; sessions decide with [`Revoked::ends`]. A process that was
//! cut off from Redis cannot know what it missed, so after every (re)subscription it
//! broadcasts [`Notice::Resync`] and listeners re-check Postgres.
//!
//! The same push keeps this process's memory of token checks honest (`validity.rs`,
//! issue 18): each notice invalidates it, and the subscription's pings hold the lease
//! without which that memory is not used.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use futures::{FutureExt, StreamExt};
use redis::{ErrorKind, RedisError, RedisResult, aio::ConnectionManager};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use uuid::Uuid;

use super::{
    Principal,
    validity::{LEASE, Validity},
};
use crate::reconnects::Reconnects;

/// How the subscription is named in its reconnect log lines.
const SUBSCRIPTION: &str = "revocation subscription (token checks go to the database meanwhile)";

/// How often the subscribed connection is pinged; each answer renews the lease.
const PING_EVERY: Duration = Duration::from_millis(250);
/// Notices buffered for a slow listener; one that lags re-checks Postgres instead.
const BUFFER: usize = 256;

/// One revocation, as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revoked {
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    /// The login (refresh-token family) ended, when only one was; `None` = all of them.
    pub login_id: Option<Uuid>,
    /// Access tokens issued before this (Unix seconds) are refused; 0 when only one
    /// login ended (access tokens do not name their login yet).
    pub not_before: i64,
    /// The user is gone: every token of theirs is refused, whenever issued.
    pub removed: bool,
}

impl Revoked {
    /// One login (`login_id`) of a user ended: logout, or refresh-token reuse.
    pub fn login(tenant_id: Uuid, user_id: Uuid, login_id: Uuid) -> Self {
        Self {
            tenant_id,
            user_id,
            login_id: Some(login_id),
            not_before: 0,
            removed: false,
        }
    }

    /// Whether a session proved by `p` must end.
    pub fn ends(&self, p: &Principal) -> bool {
        let this_login = self.login_id.is_some() && self.login_id == p.login_id;
        (self.tenant_id, self.user_id) == (p.tenant_id, p.user_id)
            && (self.removed || p.issued_at < self.not_before || this_login)
    }
}

/// What listeners receive.
#[derive(Debug, Clone)]
pub enum Notice {
    Revoked(Arc<Revoked>),
    /// Notices may have been missed (the subscription was re-established): re-check.
    Resync,
}

/// Publishes revocations and fans received ones out to this process. Cheap to clone.
#[derive(Clone)]
pub struct Revocations {
    conn: ConnectionManager,
    channel: String,
    local: broadcast::Sender<Notice>,
    /// This process's memory of token checks, which every notice invalidates and whose
    /// lease the subscription keeps (`validity.rs`).
    validity: Validity,
}

impl Revocations {
    pub fn new(conn: ConnectionManager, namespace: &str, validity: Validity) -> Self {
        Self {
            conn,
            channel: format!("{namespace}:revocations"),
            local: broadcast::channel(BUFFER).0,
            validity,
        }
    }

    /// Tells every server, this one first (at once, not when its own notice comes back).
    /// A failure is logged, not returned: the revocation itself is already committed,
    /// the other servers' memory of it ages out ([`MAX_AGE`](super::validity::MAX_AGE)), and sessions
    /// also re-check on expiry and on every re-auth.
    pub async fn publish(&self, revoked: &Revoked) {
        self.validity.invalidate();
        let Ok(payload) = serde_json::to_string(revoked) else {
            return;
        };
        let mut conn = self.conn.clone();
        let sent: redis::RedisResult<i64> = redis::cmd("PUBLISH")
            .arg(&self.channel)
            .arg(payload)
            .query_async(&mut conn)
            .await;
        if let Err(e) = sent {
            tracing::warn!(error = %e, "revocation not published");
        }
    }

    /// Notices from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.local.subscribe()
    }

    /// Starts this process's subscription (servers only), reconnecting with backoff.
    /// Until it is up, and whenever it is down, token checks go to Postgres.
    pub fn start(&self, client: redis::Client) {
        let this = self.clone();
        tokio::spawn(async move { this.pump(client).await });
    }

    /// Jittered backoff between attempts; one warning per outage (token checks go to
    /// Postgres meanwhile) and one line when the subscription is back.
    async fn pump(self, client: redis::Client) {
        let mut reconnects = Reconnects::default();
        loop {
            let failure = match self.listen(&client, &mut reconnects).await {
                Ok(()) => "subscription ended".to_string(),
                Err(e) => e.to_string(),
            };
            // Fail safe: whatever is published from now until the next subscription is
            // not heard, so nothing remembered may be used.
            self.validity.distrust();
            reconnects.back_off(SUBSCRIPTION, &failure).await;
        }
    }

    /// One subscription, until its connection ends or a ping goes unanswered.
    async fn listen(&self, client: &redis::Client, reconnects: &mut Reconnects) -> RedisResult<()> {
        let (mut sink, mut messages) = client.get_async_pubsub().await?.split();
        let sent = Instant::now();
        sink.subscribe(&self.channel).await?;
        reconnects.back(SUBSCRIPTION);
        // Whatever was published while we were not listening is lost: forget what was
        // known, then trust what is learnt from now on.
        self.validity.invalidate();
        self.validity.trust_until(sent);
        let _ = self.local.send(Notice::Resync);
        let mut pings = tokio::time::interval(PING_EVERY);
        loop {
            tokio::select! {
                msg = messages.next() => match msg {
                    Some(msg) => self.deliver(&msg),
                    None => return Ok(()),
                },
                _ = pings.tick() => {
                    let sent = Instant::now();
                    tokio::time::timeout(LEASE, sink.ping::<redis::Value>())
                        .await
                        .map_err(|_| RedisError::from((ErrorKind::Io, "revocation ping timed out")))??;
                    // Notices that came before the answer are queued: take them first.
                    while let Some(msg) = messages.next().now_or_never() {
                        let Some(msg) = msg else { return Ok(()) };
                        self.deliver(&msg);
                    }
                    self.validity.trust_until(sent);
                }
            }
        }
    }

    /// One notice: this process's memory is invalidated before anyone is told.
    fn deliver(&self, msg: &redis::Msg) {
        let Ok(payload) = msg.get_payload::<String>() else {
            return;
        };
        if let Ok(r) = serde_json::from_str::<Revoked>(&payload) {
            self.validity.invalidate();
            // Fails only when no session listens: nothing to end.
            let _ = self.local.send(Notice::Revoked(Arc::new(r)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;

    fn principal(issued_at: i64) -> Principal {
        Principal {
            tenant_id: Uuid::from_u128(1),
            user_id: Uuid::from_u128(2),
            role: Role::Staff,
            expires_at: issued_at + 900,
            issued_at,
            login_id: None,
        }
    }

    #[test]
    fn a_revocation_ends_older_sessions_of_its_user_only() {
        let r = Revoked {
            tenant_id: Uuid::from_u128(1),
            user_id: Uuid::from_u128(2),
            login_id: None,
            not_before: 1_000,
            removed: false,
        };
        assert!(r.ends(&principal(999)));
        assert!(
            !r.ends(&principal(1_000)),
            "a token issued after sign-out lives"
        );
        let other = Principal {
            user_id: Uuid::from_u128(3),
            ..principal(0)
        };
        assert!(!r.ends(&other));
        let removed = Revoked { removed: true, ..r };
        assert!(removed.ends(&principal(5_000)));
        // Logout names one login: its sessions end, the user's others live.
        let login = Uuid::from_u128(9);
        let logout = Revoked {
            login_id: Some(login),
            not_before: 0,
            ..r
        };
        let of_login = Principal {
            login_id: Some(login),
            ..principal(5_000)
        };
        assert!(logout.ends(&of_login));
        assert!(!logout.ends(&principal(5_000)));
    }
}
