//! The shared state of a process, built once from settings and passed down.

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use secrecy::ExposeSecret;
use sqlx::PgPool;

use crate::{
    auth::{
        budget::Budgets, jwt::TokenService, keys::SigningKey, otp::OtpStore,
        ratelimit::RateLimiter, revocation::Revocations, tickets::TicketStore, validity::Validity,
    },
    cache::Cache,
    config::Settings,
    db,
    engine::execute::Policy,
    health::Health,
    integrations::{email::Mailer, storage::DocumentStore, voice_providers::VoiceProviders},
    resilience::KNOWN_BREAKERS,
    telemetry::Metrics,
    workflows::{
        erasure_codes::{CodeLimits, OwnerCodes},
        events::EventBus,
        hub::Hub,
        queue::JobQueue,
        record_writer::{RecordWriter, WriterConfig},
        registry::{self, StepDeps},
        runtime::Runtime,
        spec::WorkflowSpecs,
        voice_support::{AudioStaging, VoiceDeps},
    },
};

/// Everything handlers and workers share. Clone is cheap (handles and `Arc`s).
#[derive(Clone)]
pub struct App {
    pub settings: Arc<Settings>,
    pub pool: PgPool,
    pub redis: ConnectionManager,
    pub redis_client: redis::Client,
    pub tokens: Arc<TokenService>,
    pub metrics: Arc<Metrics>,
    pub queue: JobQueue,
    pub runtime: Arc<Runtime>,
    pub mailer: Mailer,
    pub otp: OtpStore,
    pub tickets: TicketStore,
    /// Pushes "this user's sessions end" to every server (open WebSockets close).
    pub revocations: Revocations,
    /// Whether a verified token's login still stands (remembered while the
    /// revocation subscription holds; `auth::validity`).
    pub validity: Validity,
    pub limiter: RateLimiter,
    /// The per-user API limit, spent in process from shares taken in Redis.
    pub budgets: Budgets,
    /// Parsed once from `EXECORA_HTTP_TRUSTED_PROXIES`.
    pub trusted_proxies: Arc<Vec<ipnet::IpNet>>,
    pub store: DocumentStore,
    pub portal_key: Arc<Vec<u8>>,
    pub cache: Cache,
    /// The owner's erasure codes (REST and voice share them, and their limits).
    pub erasure_codes: Arc<OwnerCodes>,
    /// Where uploaded audio waits for the voice workflow's `store` step.
    pub voice_staging: AudioStaging,
    /// Gauges computed when `/metrics` is scraped.
    pub scrape_metrics: Arc<crate::api::scrape::ScrapeMetrics>,
    /// Sockets and recordings each user holds on this server (`ws::limits`).
    pub ws_slots: crate::ws::limits::WsSlots,
    /// Whether Postgres and Redis answer (probed in the background): what needs a
    /// dependency that is down is refused at once.
    pub health: Health,
}

impl App {
    /// Connects to Postgres and Redis, loads keys and workflow specs.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        // The offline parser's model trains once per process; do it while the rest starts.
        drop(tokio::task::spawn_blocking(crate::engine::rules::warm_up));
        let code = registry::all();
        let specs = WorkflowSpecs::load(
            &settings.workflows_dir,
            &registry::step_names(&code),
            KNOWN_BREAKERS,
        )?;
        let signing_key = signing_key(&settings)?;
        let tokens = Arc::new(token_service(&settings, &signing_key)?);
        let mailer = Mailer::new(&settings.smtp)?;
        if !mailer.configured() {
            // Production refuses to start this way (config); development runs but must
            // say it, or an operator learns from users that codes never arrive.
            tracing::warn!(
                "email is off (EXECORA_SMTP_URL is empty): login codes, invitations and erasure codes are not sent, so invited users cannot log in"
            );
        }
        let trusted_proxies = Arc::new(settings.http.trusted_proxy_nets()?);
        let store = DocumentStore::from_settings(&settings.storage, &settings.data_dir);
        // Download links are keyed from the signing key: one secret less to manage.
        let portal_key = Arc::new(crate::auth::secrets::token_hash(&format!(
            "invoice-links:{}",
            secrecy::ExposeSecret::expose_secret(&signing_key.pem)
        )));
        let pool = db::connect(&settings).await?;
        if settings.migrate_on_start {
            db::migrate(settings.database_url.expose_secret()).await?;
        }
        let redis_client = redis::Client::open(settings.redis_url.expose_secret().to_string())
            .context("REDIS_URL is not a valid Redis URL")?;
        let redis = redis_client
            .get_connection_manager_with_config(redis_config(&settings))
            .await
            .context("cannot connect to Redis (REDIS_URL)")?;
        let health = Health::assume_up();
        health.start_probes(
            pool.connect_options().as_ref().clone(),
            redis.clone(),
            Duration::from_millis(settings.health_probe_interval_ms.max(10)),
        );
        let metrics = Arc::new(Metrics::new()?);
        let events = EventBus::new(
            redis.clone(),
            &settings.redis_namespace,
            settings.events.stream_max_len,
            settings.events.ttl_secs,
        );
        // One writer per process, so transitions of all its jobs share statements; its
        // flushes (one per kind at a time) go through a small pool of their own.
        let writer_cfg = WriterConfig::from_settings(&settings.jobs);
        let flush_pool = db::connect_writer(&settings, 4 * writer_cfg.flushes as u32).await?;
        let writer = RecordWriter::start(pool.clone(), flush_pool, writer_cfg, metrics.clone());
        let queue = JobQueue::new(
            writer,
            redis.clone(),
            &specs,
            &settings.redis_namespace,
            &settings.jobs,
            events.clone(),
            metrics.clone(),
        )
        .with_health(health.clone());
        let cache = Cache::new(redis.clone(), &settings.redis_namespace, metrics.clone())
            .with_health(health.clone());
        cache.start_listener(redis_client.clone());
        let ns = &settings.redis_namespace;
        // Login codes are hashed with a key derived from the signing key: no extra secret
        // to manage, and a Redis dump alone does not reveal codes.
        let otp_key = crate::auth::secrets::token_hash(secrecy::ExposeSecret::expose_secret(
            &signing_key.pem,
        ));
        let otp = OtpStore::new(
            redis.clone(),
            ns,
            otp_key,
            settings.auth.otp_ttl_secs,
            settings.auth.otp_max_attempts,
        );
        let voice_staging = AudioStaging::new(redis.clone(), ns);
        let limiter = RateLimiter::new(redis.clone(), ns);
        let erasure_codes = Arc::new(OwnerCodes {
            pool: pool.clone(),
            otp: otp.clone(),
            mailer: mailer.clone(),
            limiter: limiter.clone(),
            limits: CodeLimits {
                requests_per_hour: settings.auth.erasure_requests_per_hour,
                guesses_per_day: settings.auth.erasure_guesses_per_day,
                ttl_minutes: settings.auth.otp_ttl_secs / 60,
            },
        });
        let voice = Arc::new(VoiceDeps {
            providers: VoiceProviders::from_settings(&settings, metrics.clone())?,
            policy: Policy {
                confirm_above_paise: settings.voice.confirm_above_paise,
                min_confidence: settings.voice.min_confidence_percent as f32 / 100.0,
                min_reminder_interval_minutes: settings.reminders.min_interval_minutes,
            },
            staging: voice_staging.clone(),
            queue: queue.clone(),
            codes: erasure_codes.clone(),
            execute_permits: Arc::new(tokio::sync::Semaphore::new(VoiceDeps::execute_limit(
                settings.database_max_connections,
            ))),
        });
        let deps = StepDeps {
            pool: pool.clone(),
            events,
            metrics: metrics.clone(),
            mailer: mailer.clone(),
            whatsapp: crate::integrations::whatsapp_send::WhatsAppSender::new(&settings.whatsapp)?
                .map(|wa| wa.with_breaker(whatsapp_breaker(&settings, &metrics))),
            reminder_template: settings.whatsapp.reminder_template.clone(),
            template_languages: settings.whatsapp.template_languages(),
            store: store.clone(),
            portal_key: portal_key.clone(),
            public_url: settings.public_url.trim_end_matches('/').to_string(),
            invoice_link_ttl_secs: settings.invoice_link_ttl_hours.saturating_mul(3600),
            cache: cache.clone(),
            voice,
        };
        let runtime = Runtime::new(specs, code, queue.clone(), deps);
        let tickets = TicketStore::new(redis.clone(), ns);
        let validity = Validity::new(pool.clone(), &metrics);
        let revocations = Revocations::new(redis.clone(), ns, validity.clone());
        let workflows: Vec<String> = runtime.specs.iter().map(|s| s.name.clone()).collect();
        crate::api::scrape::preinitialize(&metrics, &workflows);
        let scrape_metrics = Arc::new(crate::api::scrape::ScrapeMetrics::new(
            settings.database_max_connections,
        )?);
        Ok(Self {
            settings: Arc::new(settings),
            pool,
            redis,
            redis_client,
            tokens,
            metrics,
            queue,
            runtime,
            mailer,
            otp,
            tickets,
            revocations,
            validity,
            budgets: Budgets::new(limiter.clone(), crate::api::middleware::API_WINDOW),
            limiter,
            trusted_proxies,
            store,
            portal_key,
            cache,
            voice_staging,
            erasure_codes,
            scrape_metrics,
            ws_slots: Default::default(),
            health,
        })
    }

    /// Starts this process's event and revocation subscriptions (servers only).
    pub fn start_hub(&self) -> Hub {
        self.revocations.start(self.redis_client.clone());
        Hub::start(self.redis_client.clone(), self.queue.events())
    }
}

/// The shared Redis connection: short connect timeout and one quick reconnection
/// attempt, so that while Redis is unreachable a command fails in a fraction of a
/// second instead of waiting out six reconnection attempts (~9.5 s, issue 12). Not too
/// short a command timeout: apalis-redis's 500 ms turned slow moments under load into
/// fatal worker errors (apalis-redis #76).
fn redis_config(settings: &Settings) -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_response_timeout(Some(Duration::from_millis(
            settings.redis_command_timeout_ms.max(1),
        )))
        .set_connection_timeout(Some(Duration::from_millis(
            settings.redis_connect_timeout_ms.max(1),
        )))
        .set_number_of_retries(1)
        .set_min_delay(Duration::from_millis(20))
        .set_max_delay(Duration::from_millis(100))
}

/// The breaker WhatsApp sends go through; thresholds shared with the voice providers.
fn whatsapp_breaker(
    settings: &Settings,
    metrics: &Metrics,
) -> Arc<crate::resilience::CircuitBreaker> {
    let p = &settings.providers;
    Arc::new(crate::resilience::CircuitBreaker::new(
        "whatsapp",
        p.breaker_failure_threshold,
        std::time::Duration::from_secs(p.breaker_open_secs),
        metrics.breaker_state.with_label_values(&["whatsapp"]),
    ))
}

/// The signing key: configured, or (development only) generated under the data dir.
fn signing_key(settings: &Settings) -> anyhow::Result<SigningKey> {
    let pem = settings.jwt.private_key.expose_secret();
    if !pem.is_empty() {
        SigningKey::from_pem(pem)
    } else if settings.production() {
        anyhow::bail!("EXECORA_JWT_PRIVATE_KEY is required in the production profile");
    } else {
        SigningKey::load_or_generate(&settings.data_dir)
    }
}

fn token_service(settings: &Settings, key: &SigningKey) -> anyhow::Result<TokenService> {
    let rotated = SigningKey::all_from_pem(settings.jwt.rotated_keys.expose_secret())?;
    TokenService::new(
        key,
        &rotated,
        &settings.jwt.issuer,
        &settings.jwt.audience,
        settings.jwt.access_ttl_secs,
    )
}

/// The token service alone (for `execora token`, which needs no connections).
pub fn load_tokens(settings: &Settings) -> anyhow::Result<TokenService> {
    token_service(settings, &signing_key(settings)?)
}
