//! Layered settings: built-in defaults < optional `execora.toml` < environment.
//!
//! Every setting has one dotted key (its place in `execora.toml`) and one environment
//! variable; [`SETTINGS`] is that table, and `docs/configuration.md` is generated from it.
//! Secrets are [`SecretString`]s and may instead be given as `NAME_FILE` (a path whose
//! contents are the secret), so they never have to sit in an environment dump.
//! Loading fails with one line naming the offending setting.
//!
//! This file holds the table, the top-level [`Settings`] and the loading; the typed
//! section structs (`[jobs]`, `[http]`, …) and their small helpers are in `sections`,
//! re-exported here, so the loader and the table can be read without them.

use std::{net::SocketAddr, path::PathBuf};

use secrecy::SecretString;
use serde::Deserialize;

use self::layers::{env_value, insert_dotted, merge, refuse_unknown_keys, typed_value};

mod layers;
mod otel;
mod providers;
pub mod reference;
mod sections;

pub use otel::{OtelSettings, OtlpProtocol};
pub use providers::{
    DeepgramSettings, ElevenLabsSettings, LlmChoice, LlmSettings, OpenAiSettings, ProviderSettings,
    SttChoice, TtsChoice,
};
pub use sections::{
    AuthSettings, EventSettings, HttpSettings, JobSettings, JwtSettings, LimitSettings,
    LogSettings, ReminderSettings, SentrySettings, SmtpSettings, StorageSettings, VoiceSettings,
    WhatsAppSettings, WsSettings,
};

/// How a raw environment string becomes a TOML value before typed deserialisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Secret,
    Integer,
    /// A decimal number such as a price (`0.15`).
    Decimal,
    Bool,
}

/// One documented setting: where it lives in the file, its variable, its kind, its default.
#[derive(Debug)]
pub struct Setting {
    pub key: &'static str,
    pub env: &'static str,
    pub kind: Kind,
    pub default: &'static str,
    pub doc: &'static str,
}

macro_rules! settings {
    ($( $key:literal, $env:literal, $kind:ident, $default:literal, $doc:literal; )*) => {
        /// Every setting Execora reads, in the order the reference documents them.
        pub const SETTINGS: &[Setting] = &[
            $( Setting { key: $key, env: $env, kind: Kind::$kind, default: $default, doc: $doc }, )*
        ];
    };
}

settings! {
    "profile", "EXECORA_PROFILE", Text, "development", "`development` or `production`; production refuses generated keys and missing secrets.";
    "listen", "EXECORA_LISTEN", Text, "127.0.0.1:8080", "Address the HTTP server binds.";
    "database_url", "DATABASE_URL", Secret, "", "PostgreSQL URL (required).";
    "database_max_connections", "EXECORA_DATABASE_MAX_CONNECTIONS", Integer, "20", "Pool size per process. Keep (processes x pool) below the server's `max_connections` minus headroom.";
    "database_statement_timeout_ms", "EXECORA_DATABASE_STATEMENT_TIMEOUT_MS", Integer, "30000", "Postgres `statement_timeout` of every pooled connection (a runaway query is cancelled, not left holding a connection); 0 = the server's or role's setting. Migrations are not limited.";
    "redis_url", "REDIS_URL", Secret, "", "Redis URL (required).";
    "redis_namespace", "EXECORA_REDIS_NAMESPACE", Text, "execora", "Prefix of every Redis key and queue, so several deployments or tests share one Redis.";
    "redis_connect_timeout_ms", "EXECORA_REDIS_CONNECT_TIMEOUT_MS", Integer, "250", "Longest a (re)connection to Redis may take; while Redis is unreachable a request that needs it fails within about this long.";
    "redis_command_timeout_ms", "EXECORA_REDIS_COMMAND_TIMEOUT_MS", Integer, "2000", "Longest one Redis command on the shared connection waits for its answer (blocking queue reads use connections of their own, without this limit).";
    "health_probe_interval_ms", "EXECORA_HEALTH_PROBE_INTERVAL_MS", Integer, "250", "How often each process checks that PostgreSQL and Redis answer; two failed checks in a row (an error, or no answer within 1 s) mark one down. While one is down, requests that need it are refused at once with 503 and `Retry-After`, and `/ready` says which.";
    "data_dir", "EXECORA_DATA_DIR", Text, "data", "Directory for development keys and local files.";
    "workflows_dir", "EXECORA_WORKFLOWS_DIR", Text, "workflows", "Directory holding `*.toml` workflow specs.";
    "migrate_on_start", "EXECORA_MIGRATE_ON_START", Bool, "false", "Apply migrations when `serve`, `work` or `run` starts.";
    "public_url", "EXECORA_PUBLIC_URL", Text, "", "External base URL, for links sent to customers (invoice downloads).";
    "invoice_link_ttl_hours", "EXECORA_INVOICE_LINK_TTL_HOURS", Integer, "168", "How long a public invoice download link (`/pub/invoices/…`, sent by WhatsApp) works; it stops earlier when the invoice is cancelled or its customer erased.";
    "storage.local_dir", "EXECORA_STORAGE_LOCAL_DIR", Text, "", "Directory for rendered documents when no S3 bucket is set; empty = `<data_dir>/files`.";
    "storage.s3_bucket", "EXECORA_S3_BUCKET", Text, "", "S3 bucket for documents and recordings; empty = the local directory.";
    "storage.s3_endpoint", "EXECORA_S3_ENDPOINT", Text, "", "S3-compatible endpoint (MinIO, R2, s3s-fs); empty = AWS. Path-style addressing.";
    "storage.s3_region", "EXECORA_S3_REGION", Text, "us-east-1", "S3 region.";
    "storage.s3_access_key", "EXECORA_S3_ACCESS_KEY", Secret, "", "S3 access key id.";
    "storage.s3_secret_key", "EXECORA_S3_SECRET_KEY", Secret, "", "S3 secret access key.";
    "jwt.issuer", "EXECORA_JWT_ISSUER", Text, "execora", "`iss` of access tokens, checked exactly.";
    "jwt.audience", "EXECORA_JWT_AUDIENCE", Text, "execora-api", "`aud` of access tokens, checked exactly.";
    "jwt.private_key", "EXECORA_JWT_PRIVATE_KEY", Secret, "", "Ed25519 PKCS#8 PEM signing key; development generates one under the data directory.";
    "jwt.access_ttl_secs", "EXECORA_JWT_ACCESS_TTL_SECS", Integer, "900", "Lifetime of access tokens.";
    "jwt.rotated_keys", "EXECORA_JWT_ROTATED_KEYS", Secret, "", "Earlier signing keys (PEM blocks, concatenated) still accepted and published until their tokens expire.";
    "auth.refresh_ttl_days", "EXECORA_AUTH_REFRESH_TTL_DAYS", Integer, "30", "Absolute lifetime of a login (refresh-token family).";
    "auth.refresh_grace_secs", "EXECORA_AUTH_REFRESH_GRACE_SECS", Integer, "10", "Window in which a just-spent refresh token may be presented again (concurrent refreshes) without revoking its family.";
    "auth.otp_ttl_secs", "EXECORA_AUTH_OTP_TTL_SECS", Integer, "300", "Lifetime of an email login code.";
    "auth.otp_max_attempts", "EXECORA_AUTH_OTP_MAX_ATTEMPTS", Integer, "5", "Wrong guesses before a login code is locked.";
    "auth.erasure_requests_per_hour", "EXECORA_AUTH_ERASURE_REQUESTS_PER_HOUR", Integer, "3", "Erasure requests (REST or voice) per customer per hour; while a code is live, asking again mails nothing.";
    "auth.erasure_guesses_per_day", "EXECORA_AUTH_ERASURE_GUESSES_PER_DAY", Integer, "10", "Guesses at a customer's erasure code per day, across codes and requests (each code also locks after `auth.otp_max_attempts`).";
    "smtp.url", "EXECORA_SMTP_URL", Secret, "", "SMTP server, e.g. `smtps://user:pass@host:465` or `smtp://host:587?tls=required`; empty = no email.";
    "smtp.from", "EXECORA_SMTP_FROM", Text, "Execora <no-reply@execora.local>", "Sender of Execora's emails.";
    "limits.api_per_user_per_minute", "EXECORA_LIMITS_API_PER_USER_PER_MINUTE", Integer, "600", "API requests per user per minute (all instances together).";
    "limits.auth_per_ip_per_hour", "EXECORA_LIMITS_AUTH_PER_IP_PER_HOUR", Integer, "60", "Sign-up, login and OTP requests per client IP per hour.";
    "limits.auth_per_email_per_hour", "EXECORA_LIMITS_AUTH_PER_EMAIL_PER_HOUR", Integer, "10", "Login and OTP requests per email address from one client IP per hour (counted per IP and email, so nobody can lock another person out from elsewhere).";
    "limits.voice_per_user_per_hour", "EXECORA_LIMITS_VOICE_PER_USER_PER_HOUR", Integer, "100", "Voice utterances per user per hour.";
    "http.cors_allowed_origins", "EXECORA_HTTP_CORS_ALLOWED_ORIGINS", Text, "", "Comma-separated origins allowed by CORS and for browser WebSockets; none by default.";
    "http.trusted_proxies", "EXECORA_HTTP_TRUSTED_PROXIES", Text, "", "Comma-separated proxy addresses/CIDRs whose `X-Forwarded-For` is believed.";
    "http.tls_cert_file", "EXECORA_HTTP_TLS_CERT_FILE", Text, "", "PEM certificate chain; with the key file, serve HTTPS natively.";
    "http.tls_key_file", "EXECORA_HTTP_TLS_KEY_FILE", Text, "", "PEM private key for native TLS.";
    "http.max_json_body_bytes", "EXECORA_HTTP_MAX_JSON_BODY_BYTES", Integer, "65536", "Largest request body of a JSON route; larger is refused with 413 before it is read.";
    "http.max_webhook_body_bytes", "EXECORA_HTTP_MAX_WEBHOOK_BODY_BYTES", Integer, "4194304", "Largest webhook body (WhatsApp batches reach 3 MB).";
    "http.header_read_timeout_secs", "EXECORA_HTTP_HEADER_READ_TIMEOUT_SECS", Integer, "10", "A request's headers must arrive within this many seconds of its first byte, else the connection is closed (slow-loris).";
    "http.idle_timeout_secs", "EXECORA_HTTP_IDLE_TIMEOUT_SECS", Integer, "60", "A connection that neither sends nor receives a byte for this long is closed (idle keep-alive, stalled bodies); WebSockets are exempt once upgraded.";
    "ws.max_sockets_per_user", "EXECORA_WS_MAX_SOCKETS_PER_USER", Integer, "8", "Open `/ws` sockets one user may hold on one server; one more is refused with 429 `too_many_sockets` before the upgrade.";
    "ws.max_recordings_per_user", "EXECORA_WS_MAX_RECORDINGS_PER_USER", Integer, "2", "Recordings (`audio.start` without `audio.end`) one user may have open at once on one server; one more is an error frame `too_many_recordings`.";
    "ws.max_messages_per_second", "EXECORA_WS_MAX_MESSAGES_PER_SECOND", Integer, "100", "Frames (text or audio) one socket may send per second; a socket sending more is closed with 4429.";
    "whatsapp.verify_token", "EXECORA_WHATSAPP_VERIFY_TOKEN", Secret, "", "Token Meta echoes in the webhook verification handshake.";
    "whatsapp.app_secret", "EXECORA_WHATSAPP_APP_SECRET", Secret, "", "App secret that keys `X-Hub-Signature-256`.";
    "whatsapp.access_token", "EXECORA_WHATSAPP_ACCESS_TOKEN", Secret, "", "Cloud API token for sending; empty = WhatsApp sending off (email only).";
    "whatsapp.api_base_url", "EXECORA_WHATSAPP_API_BASE_URL", Text, "https://graph.facebook.com", "Graph API base URL (tests point it at a local fake).";
    "whatsapp.api_version", "EXECORA_WHATSAPP_API_VERSION", Text, "v25.0", "Graph API version.";
    "whatsapp.reminder_template", "EXECORA_WHATSAPP_REMINDER_TEMPLATE", Text, "payment_reminder", "Approved template used outside the 24-hour window (body parameters: name, amount, shop).";
    "whatsapp.template_language_hinglish", "EXECORA_WHATSAPP_TEMPLATE_LANGUAGE_HINGLISH", Text, "en", "Language code of the reminder template's translation sent to customers who prefer Hinglish (Meta has no Hinglish code: register the Roman-script text under this one).";
    "whatsapp.template_language_english", "EXECORA_WHATSAPP_TEMPLATE_LANGUAGE_ENGLISH", Text, "en", "Language code of the reminder template's translation for customers who prefer English (as registered: `en`, `en_US`, `en_GB`).";
    "whatsapp.template_language_hindi", "EXECORA_WHATSAPP_TEMPLATE_LANGUAGE_HINDI", Text, "hi", "Language code of the reminder template's translation for customers who prefer Hindi.";
    "voice.confirm_above_paise", "EXECORA_VOICE_CONFIRM_ABOVE_PAISE", Integer, "500000", "Voice payments and credits above this many paise (default ₹5,000) are confirmed with a yes/no question first.";
    "voice.min_confidence_percent", "EXECORA_VOICE_MIN_CONFIDENCE_PERCENT", Integer, "65", "Below this intent confidence (percent) the assistant asks the user to say it again.";
    "voice.max_audio_bytes", "EXECORA_VOICE_MAX_AUDIO_BYTES", Integer, "10485760", "Largest recording accepted for one utterance.";
    "voice.session_idle_secs", "EXECORA_VOICE_SESSION_IDLE_SECS", Integer, "86400", "A voice session idle this long is forgotten (its draft and context).";
    "reminders.sweep_interval_secs", "EXECORA_REMINDERS_SWEEP_INTERVAL_SECS", Integer, "15", "How often workers look for due reminders.";
    "reminders.min_interval_minutes", "EXECORA_REMINDERS_MIN_INTERVAL_MINUTES", Integer, "60", "Shortest interval of a recurring reminder (\"har 5 minute\"); a shorter one is refused with 422 `reminder_too_frequent`, so no role can have a customer messaged every minute.";
    "reminders.quiet_hours", "EXECORA_REMINDERS_QUIET_HOURS", Text, "21:00-09:00", "Hours, in each business's time zone, in which no reminder is sent (HH:MM-HH:MM); empty = none.";
    "jobs.batch_size", "EXECORA_JOBS_BATCH_SIZE", Integer, "64", "Jobs a worker reads from Redis at a time, and the most it holds not yet started.";
    "jobs.lease_ms", "EXECORA_JOBS_LEASE_MS", Integer, "15000", "A worker renews the lease of every job it holds while it lives; a stopped worker's jobs are taken by another after this long (and a third).";
    "jobs.max_block_ms", "EXECORA_JOBS_MAX_BLOCK_MS", Integer, "2000", "Longest an idle worker's blocking read waits before it looks at its timers (a new job wakes it at once).";
    "jobs.retention_secs", "EXECORA_JOBS_RETENTION_SECS", Integer, "604800", "How long finished jobs are kept (Postgres records and Redis data).";
    "jobs.cleanup_interval_secs", "EXECORA_JOBS_CLEANUP_INTERVAL_SECS", Integer, "300", "How often finished jobs past retention are removed.";
    "jobs.requeue_after_secs", "EXECORA_JOBS_REQUEUE_AFTER_SECS", Integer, "60", "A queued job not picked up for this long is pushed again (idempotently).";
    "jobs.shutdown_timeout_secs", "EXECORA_JOBS_SHUTDOWN_TIMEOUT_SECS", Integer, "30", "Time in-flight jobs get to finish on shutdown.";
    "jobs.probe_enabled", "EXECORA_JOBS_PROBE_ENABLED", Bool, "true", "Expose the diagnostic `probe` workflow (always off in production).";
    "jobs.writer_max_wait_ms", "EXECORA_JOBS_WRITER_MAX_WAIT_MS", Integer, "1000", "How long an enqueue waits for room in the job-record writer's queue before it is refused (HTTP 503 with `Retry-After`).";
    "jobs.writer_capacity", "EXECORA_JOBS_WRITER_CAPACITY", Integer, "4096", "Requests per kind (insert, claim, step done, succeed) the job-record writer holds waiting; beyond that, workers wait and enqueues wait up to `jobs.writer_max_wait_ms`.";
    "jobs.writer_max_batch", "EXECORA_JOBS_WRITER_MAX_BATCH", Integer, "500", "Most job-record rows the writer puts in one statement.";
    "jobs.writer_flushes", "EXECORA_JOBS_WRITER_FLUSHES", Integer, "1", "Statements of one kind the job-record writer runs at once; each holds a database connection. One gives the largest batches, and measured fastest on a 2-core host.";
    "events.stream_max_len", "EXECORA_EVENTS_STREAM_MAX_LEN", Integer, "1000", "Events kept per job for replay.";
    "events.ttl_secs", "EXECORA_EVENTS_TTL_SECS", Integer, "3600", "How long a job's events stay replayable.";
    "log.format", "EXECORA_LOG_FORMAT", Text, "auto", "`json`, `pretty` or `auto` (json in production).";
    "otel.endpoint", "OTEL_EXPORTER_OTLP_ENDPOINT", Text, "", "OTLP/HTTP receiver base URL (an OpenTelemetry Collector, Tempo, Jaeger); `/v1/traces` is appended. Empty = no trace export.";
    "otel.traces_endpoint", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", Text, "", "Full URL for trace export, used as given; wins over `OTEL_EXPORTER_OTLP_ENDPOINT`.";
    "otel.protocol", "OTEL_EXPORTER_OTLP_PROTOCOL", Text, "http/protobuf", "`http/protobuf` or `http/json` (gRPC is not supported).";
    "otel.headers", "OTEL_EXPORTER_OTLP_HEADERS", Secret, "", "Extra export headers, `key=value` comma-separated, values URL-encoded (e.g. `authorization=Basic%20...`).";
    "otel.service_name", "OTEL_SERVICE_NAME", Text, "execora", "`service.name` of exported spans.";
    "sentry.dsn", "EXECORA_SENTRY_DSN", Secret, "", "Sentry (or compatible) DSN: every 5xx, panic and job that ends `failed` or `dead` becomes one event, tagged with trace, tenant, workflow and step, without personal data. Empty = off (nothing installed).";
    "sentry.environment", "EXECORA_SENTRY_ENVIRONMENT", Text, "", "The events' environment; empty = the profile (`development` or `production`).";
    "providers.stt", "EXECORA_STT_PROVIDER", Text, "none", "Speech-to-text: `none`, `deepgram` or `openai` (any OpenAI-compatible transcription endpoint).";
    "providers.deepgram.api_key", "EXECORA_DEEPGRAM_API_KEY", Secret, "", "Deepgram API key (required when the STT provider is `deepgram`).";
    "providers.deepgram.base_url", "EXECORA_DEEPGRAM_BASE_URL", Text, "https://api.deepgram.com", "Deepgram base URL (tests point it at a local fake).";
    "providers.deepgram.model", "EXECORA_DEEPGRAM_MODEL", Text, "nova-3", "Deepgram speech model.";
    "providers.openai.api_key", "EXECORA_OPENAI_API_KEY", Secret, "", "OpenAI API key, for the `openai` STT and TTS providers and the default LLM key.";
    "providers.openai.base_url", "EXECORA_OPENAI_BASE_URL", Text, "https://api.openai.com/v1", "OpenAI (or compatible) base URL, `/v1` included.";
    "providers.openai.transcribe_model", "EXECORA_OPENAI_TRANSCRIBE_MODEL", Text, "gpt-4o-mini-transcribe", "Transcription model for the `openai` STT provider (a self-hosted server's own model name, e.g. `Systran/faster-whisper-small`).";
    "providers.stt_endpoint.base_url", "EXECORA_STT_BASE_URL", Text, "", "Transcription base URL for the `openai` STT provider, `/v1` included (a self-hosted Whisper server); empty = `EXECORA_OPENAI_BASE_URL`.";
    "providers.stt_endpoint.api_key", "EXECORA_STT_API_KEY", Secret, "", "Key for the transcription endpoint; empty = `EXECORA_OPENAI_API_KEY`. Optional when `EXECORA_STT_BASE_URL` is set (local servers ignore it); without a key no `Authorization` header is sent.";
    "providers.openai.tts_model", "EXECORA_OPENAI_TTS_MODEL", Text, "gpt-4o-mini-tts", "Speech model for the `openai` TTS provider.";
    "providers.openai.tts_voice", "EXECORA_OPENAI_TTS_VOICE", Text, "alloy", "Voice for the `openai` TTS provider.";
    "providers.llm", "EXECORA_LLM_PROVIDER", Text, "none", "Intent extraction by a language model: `none` (rule-based parser only) or `openai` (any OpenAI-compatible chat endpoint: OpenAI, Ollama, vLLM, llama.cpp).";
    "providers.llm_endpoint.base_url", "EXECORA_LLM_BASE_URL", Text, "", "Chat completions base URL, `/v1` included; empty = `EXECORA_OPENAI_BASE_URL`.";
    "providers.llm_endpoint.api_key", "EXECORA_LLM_API_KEY", Secret, "", "Key for the chat endpoint; empty = `EXECORA_OPENAI_API_KEY`. Optional when a custom base URL is set (local servers ignore it).";
    "providers.llm_endpoint.model", "EXECORA_LLM_MODEL", Text, "gpt-4o-mini", "Chat model used for intent extraction.";
    "providers.llm_endpoint.price_input_per_mtok", "EXECORA_LLM_PRICE_INPUT_PER_MTOK", Decimal, "0", "USD per million uncached prompt tokens, for the cost metric.";
    "providers.llm_endpoint.price_cached_per_mtok", "EXECORA_LLM_PRICE_CACHED_PER_MTOK", Decimal, "0", "USD per million cached prompt tokens.";
    "providers.llm_endpoint.price_output_per_mtok", "EXECORA_LLM_PRICE_OUTPUT_PER_MTOK", Decimal, "0", "USD per million completion tokens.";
    "providers.tts", "EXECORA_TTS_PROVIDER", Text, "auto", "Text-to-speech: `auto` (espeak-ng when installed, else text replies only), `none`, `espeak`, `elevenlabs` or `openai`.";
    "providers.elevenlabs.api_key", "EXECORA_ELEVENLABS_API_KEY", Secret, "", "ElevenLabs API key (required when the TTS provider is `elevenlabs`).";
    "providers.elevenlabs.base_url", "EXECORA_ELEVENLABS_BASE_URL", Text, "https://api.elevenlabs.io", "ElevenLabs base URL.";
    "providers.elevenlabs.voice_id", "EXECORA_ELEVENLABS_VOICE_ID", Text, "", "ElevenLabs voice (required when the TTS provider is `elevenlabs`).";
    "providers.elevenlabs.model", "EXECORA_ELEVENLABS_MODEL", Text, "eleven_multilingual_v2", "ElevenLabs model; multilingual models speak Hindi.";
    "providers.timeout_ms", "EXECORA_PROVIDER_TIMEOUT_MS", Integer, "15000", "Timeout of one HTTP attempt to a speech or language provider.";
    "providers.max_retries", "EXECORA_PROVIDER_MAX_RETRIES", Integer, "2", "Retries of a provider call after throttling or a transient error.";
    "providers.breaker_failure_threshold", "EXECORA_BREAKER_FAILURE_THRESHOLD", Integer, "5", "Consecutive failed provider calls that open its circuit breaker.";
    "providers.breaker_open_secs", "EXECORA_BREAKER_OPEN_SECS", Integer, "30", "How long an open breaker refuses calls before a trial call.";
}

/// The whole configuration, typed. Fields mirror [`SETTINGS`].
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub profile: Profile,
    pub listen: SocketAddr,
    pub database_url: SecretString,
    pub database_max_connections: u32,
    pub database_statement_timeout_ms: u64,
    pub redis_url: SecretString,
    pub redis_namespace: String,
    pub redis_connect_timeout_ms: u64,
    pub redis_command_timeout_ms: u64,
    pub health_probe_interval_ms: u64,
    pub data_dir: PathBuf,
    pub workflows_dir: PathBuf,
    pub migrate_on_start: bool,
    pub public_url: String,
    /// Lifetime of public invoice links.
    pub invoice_link_ttl_hours: u64,
    pub jwt: JwtSettings,
    pub whatsapp: WhatsAppSettings,
    pub jobs: JobSettings,
    pub events: EventSettings,
    pub log: LogSettings,
    pub otel: OtelSettings,
    pub sentry: SentrySettings,
    pub auth: AuthSettings,
    pub smtp: SmtpSettings,
    pub limits: LimitSettings,
    pub voice: VoiceSettings,
    pub http: HttpSettings,
    pub ws: WsSettings,
    pub reminders: ReminderSettings,
    pub storage: StorageSettings,
    pub providers: ProviderSettings,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    Development,
    Production,
}

/// A configuration problem, phrased as the one line start-up prints.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

impl Settings {
    /// Loads defaults, then `execora.toml` (or `EXECORA_CONFIG`), then the environment.
    pub fn load() -> Result<Self, ConfigError> {
        let file = std::env::var("EXECORA_CONFIG").unwrap_or_else(|_| "execora.toml".into());
        let file_text = match std::fs::read_to_string(&file) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(ConfigError(format!("cannot read {file}: {e}"))),
        };
        Self::from_sources(file_text.as_deref(), |name| std::env::var(name).ok())
    }

    /// Builds settings from a file's text and an environment lookup; pure, for tests.
    pub fn from_sources(
        file_text: Option<&str>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut table = toml::Table::new();
        for setting in SETTINGS {
            let value = typed_value(setting, setting.default)?;
            insert_dotted(&mut table, setting.key, value);
        }
        if let Some(text) = file_text {
            let file: toml::Table = text
                .parse()
                .map_err(|e| ConfigError(format!("execora.toml is not valid TOML: {e}")))?;
            let known: Vec<&str> = SETTINGS.iter().map(|s| s.key).collect();
            refuse_unknown_keys(&file, &known)?;
            merge(&mut table, file);
        }
        for setting in SETTINGS {
            if let Some(raw) = env_value(setting, &env)? {
                insert_dotted(&mut table, setting.key, typed_value(setting, &raw)?);
            }
        }
        let settings: Settings = table
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError(e.message().to_string()))?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        use secrecy::ExposeSecret;
        if self.database_url.expose_secret().is_empty() {
            return Err(ConfigError("DATABASE_URL is not set".into()));
        }
        if self.redis_url.expose_secret().is_empty() {
            return Err(ConfigError("REDIS_URL is not set".into()));
        }
        if self.redis_namespace.is_empty() || self.redis_namespace.contains(':') {
            return Err(ConfigError(
                "EXECORA_REDIS_NAMESPACE must be non-empty and contain no ':'".into(),
            ));
        }
        self.http.trusted_proxy_nets()?;
        if self.http.header_read_timeout_secs == 0 || self.http.idle_timeout_secs == 0 {
            return Err(ConfigError(
                "EXECORA_HTTP_HEADER_READ_TIMEOUT_SECS and EXECORA_HTTP_IDLE_TIMEOUT_SECS must be at least 1".into(),
            ));
        }
        self.reminders.quiet()?;
        self.providers.validate()?;
        self.otel.validate()?;
        if self.http.tls_cert_file.is_empty() != self.http.tls_key_file.is_empty() {
            return Err(ConfigError(
                "EXECORA_HTTP_TLS_CERT_FILE and EXECORA_HTTP_TLS_KEY_FILE go together".into(),
            ));
        }
        if self.production() {
            for (name, secret) in [
                ("EXECORA_JWT_PRIVATE_KEY", &self.jwt.private_key),
                ("EXECORA_WHATSAPP_APP_SECRET", &self.whatsapp.app_secret),
                ("EXECORA_WHATSAPP_VERIFY_TOKEN", &self.whatsapp.verify_token),
                ("EXECORA_SMTP_URL", &self.smtp.url),
            ] {
                if secret.expose_secret().is_empty() {
                    return Err(ConfigError(format!(
                        "{name} is required in the production profile"
                    )));
                }
            }
        }
        Ok(())
    }

    /// The Redis URL, exposed for clients that take a string.
    pub fn redis_url_string(&self) -> String {
        use secrecy::ExposeSecret;
        self.redis_url.expose_secret().to_string()
    }

    pub fn production(&self) -> bool {
        self.profile == Profile::Production
    }

    /// The probe workflow is a diagnostic; production never exposes it.
    pub fn probe_enabled(&self) -> bool {
        self.jobs.probe_enabled && !self.production()
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
