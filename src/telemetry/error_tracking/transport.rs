//! Sends envelopes to the DSN's ingest endpoint with the reqwest client Execora already
//! has (sentry's own transport would bring a second reqwest major).
//!
//! Reports are queued (at most [`QUEUE`]; past that they are dropped, never waited for)
//! and posted by a thread of its own with a small runtime of its own, so a panic report
//! does not depend on the application's runtime being healthy, and a flush at shutdown
//! does not block a runtime worker.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use sentry::{Envelope, Transport, TransportFactory, TransportOptions, types::Dsn};
use tokio::sync::mpsc;

/// Reports waiting to be posted; a burst beyond this is dropped.
const QUEUE: usize = 64;
/// One post's deadline: an unreachable tracker must not hold reports for long.
const POST_TIMEOUT: Duration = Duration::from_secs(5);

pub(super) struct Factory;

impl TransportFactory for Factory {
    fn create_transport_with_options(&self, options: TransportOptions) -> Arc<dyn Transport> {
        Arc::new(HttpTransport::start(&options.dsn, &options.user_agent))
    }
}

struct HttpTransport {
    /// `None` when the sending thread could not be started: reports are then dropped.
    queue: Option<mpsc::Sender<Envelope>>,
    /// Queued or being posted; a flush waits for zero.
    pending: Arc<AtomicUsize>,
}

impl HttpTransport {
    fn start(dsn: &Dsn, user_agent: &str) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        let pending = Arc::new(AtomicUsize::new(0));
        let poster = Poster {
            url: dsn.envelope_api_url().to_string(),
            auth: dsn.to_auth(Some(user_agent)).to_string(),
            pending: pending.clone(),
        };
        let started = std::thread::Builder::new()
            .name("error-tracking".into())
            .spawn(move || poster.run(rx));
        if let Err(e) = &started {
            tracing::warn!(error = %e, "error tracking: cannot start its thread; reports are dropped");
        }
        Self {
            queue: started.ok().map(|_| tx),
            pending,
        }
    }
}

impl Transport for HttpTransport {
    fn send_envelope(&self, envelope: Envelope) {
        let Some(queue) = &self.queue else { return };
        self.pending.fetch_add(1, Ordering::SeqCst);
        if queue.try_send(envelope).is_err() {
            self.pending.fetch_sub(1, Ordering::SeqCst);
        }
    }

    fn flush(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.pending.load(Ordering::SeqCst) > 0 {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        true
    }
}

struct Poster {
    url: String,
    auth: String,
    pending: Arc<AtomicUsize>,
}

impl Poster {
    fn run(self, mut rx: mpsc::Receiver<Envelope>) {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                tracing::warn!(error = %e, "error tracking: no runtime; reports are dropped");
                return;
            }
        };
        let client = reqwest::Client::builder()
            .timeout(POST_TIMEOUT)
            .build()
            .unwrap_or_default();
        runtime.block_on(async move {
            while let Some(envelope) = rx.recv().await {
                self.post(&client, &envelope).await;
                self.pending.fetch_sub(1, Ordering::SeqCst);
            }
        });
    }

    async fn post(&self, client: &reqwest::Client, envelope: &Envelope) {
        let mut body = Vec::new();
        if envelope.to_writer(&mut body).is_err() {
            return;
        }
        let sent = client
            .post(&self.url)
            .header("x-sentry-auth", &self.auth)
            .header("content-type", "application/x-sentry-envelope")
            .body(body)
            .send()
            .await;
        // Not an error event of its own: that would report the tracker's outage to itself.
        match sent {
            Ok(resp) if resp.status().is_success() => {}
            Ok(resp) => tracing::warn!(
                status = resp.status().as_u16(),
                "error tracking: report refused"
            ),
            Err(e) => tracing::warn!(error = %e, "error tracking: report not sent"),
        }
    }
}
