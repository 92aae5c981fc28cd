//! The typed sections of [`Settings`](super::Settings), one struct per table of
//! `execora.toml` (`[jobs]`, `[http]`, `[reminders]`, …), with the helpers that read a
//! raw setting into what callers use (origin lists, proxy networks, quiet hours).
//!
//! They are plain serde targets whose fields mirror the `SETTINGS` table; keeping them out
//! of `config` leaves that file to the table and the layered loading. Helpers that can
//! fail return the same one-line [`ConfigError`] as loading, because `Settings::validate`
//! calls them at start-up.

use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

use super::ConfigError;

#[derive(Debug, Clone, Deserialize)]
pub struct StorageSettings {
    pub local_dir: String,
    pub s3_bucket: String,
    pub s3_endpoint: String,
    pub s3_region: String,
    pub s3_access_key: SecretString,
    pub s3_secret_key: SecretString,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    pub refresh_ttl_days: u64,
    pub refresh_grace_secs: u64,
    pub otp_ttl_secs: u64,
    pub otp_max_attempts: u32,
    pub erasure_requests_per_hour: u64,
    pub erasure_guesses_per_day: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SmtpSettings {
    pub url: SecretString,
    pub from: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LimitSettings {
    pub api_per_user_per_minute: u64,
    pub auth_per_ip_per_hour: u64,
    pub auth_per_email_per_hour: u64,
    pub voice_per_user_per_hour: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct VoiceSettings {
    pub confirm_above_paise: i64,
    pub min_confidence_percent: u32,
    pub max_audio_bytes: usize,
    pub session_idle_secs: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct HttpSettings {
    pub cors_allowed_origins: String,
    pub trusted_proxies: String,
    pub tls_cert_file: String,
    pub tls_key_file: String,
    pub max_json_body_bytes: usize,
    pub max_webhook_body_bytes: usize,
    pub header_read_timeout_secs: u64,
    pub idle_timeout_secs: u64,
}

impl HttpSettings {
    /// The CORS / WebSocket origin allow-list.
    pub fn allowed_origins(&self) -> Vec<String> {
        split_list(&self.cors_allowed_origins)
    }

    /// Trusted proxy networks; a bad entry is a start-up error.
    pub fn trusted_proxy_nets(&self) -> Result<Vec<ipnet::IpNet>, ConfigError> {
        split_list(&self.trusted_proxies)
            .iter()
            .map(|p| {
                p.parse::<ipnet::IpNet>()
                    .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| {
                        ConfigError(format!(
                            "EXECORA_HTTP_TRUSTED_PROXIES: {p:?} is not an address or CIDR"
                        ))
                    })
            })
            .collect()
    }

    pub fn tls(&self) -> bool {
        !self.tls_cert_file.is_empty()
    }
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

#[derive(Debug, Clone, Deserialize)]
pub struct JwtSettings {
    pub issuer: String,
    pub audience: String,
    pub private_key: SecretString,
    pub access_ttl_secs: u64,
    pub rotated_keys: SecretString,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WhatsAppSettings {
    pub verify_token: SecretString,
    pub app_secret: SecretString,
    pub access_token: SecretString,
    pub api_base_url: String,
    pub api_version: String,
    pub reminder_template: String,
    /// The template's language codes per customer language (`customer_messages`).
    pub template_language_hinglish: String,
    pub template_language_english: String,
    pub template_language_hindi: String,
}

impl WhatsAppSettings {
    pub fn template_languages(&self) -> crate::domain::customer_messages::TemplateLanguages {
        crate::domain::customer_messages::TemplateLanguages {
            hinglish: self.template_language_hinglish.clone(),
            english: self.template_language_english.clone(),
            hindi: self.template_language_hindi.clone(),
        }
    }
}

/// Caps on what one user or socket may hold or send over `/ws` (`ws::limits`).
#[derive(Debug, Clone, Deserialize)]
pub struct WsSettings {
    pub max_sockets_per_user: usize,
    pub max_recordings_per_user: usize,
    pub max_messages_per_second: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ReminderSettings {
    pub sweep_interval_secs: u64,
    /// Customers are messaged at most this often by one reminder.
    pub min_interval_minutes: u32,
    pub quiet_hours: String,
}

impl ReminderSettings {
    /// The quiet period as (start, end) local times, if any.
    pub fn quiet(&self) -> Result<Option<(chrono::NaiveTime, chrono::NaiveTime)>, ConfigError> {
        if self.quiet_hours.trim().is_empty() {
            return Ok(None);
        }
        let bad = || {
            ConfigError(format!(
                "EXECORA_REMINDERS_QUIET_HOURS: {:?} is not HH:MM-HH:MM",
                self.quiet_hours
            ))
        };
        let (a, b) = self.quiet_hours.split_once('-').ok_or_else(bad)?;
        let parse =
            |t: &str| chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| bad());
        Ok(Some((parse(a)?, parse(b)?)))
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct JobSettings {
    pub batch_size: usize,
    pub lease_ms: u64,
    pub max_block_ms: u64,
    pub retention_secs: u64,
    pub cleanup_interval_secs: u64,
    pub requeue_after_secs: u64,
    pub shutdown_timeout_secs: u64,
    pub probe_enabled: bool,
    pub writer_max_wait_ms: u64,
    pub writer_capacity: usize,
    pub writer_max_batch: usize,
    pub writer_flushes: usize,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EventSettings {
    pub stream_max_len: usize,
    pub ttl_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    pub format: String,
}

/// Error tracking (`telemetry::error_tracking`); off while the DSN is empty.
#[derive(Debug, Clone, Deserialize)]
pub struct SentrySettings {
    /// Holds the project's public key: kept out of logs and `Debug` output.
    pub dsn: SecretString,
    /// Empty: the profile's name.
    pub environment: String,
}

impl JobSettings {
    pub fn lease(&self) -> Duration {
        Duration::from_millis(self.lease_ms.max(100))
    }

    pub fn max_block(&self) -> Duration {
        Duration::from_millis(self.max_block_ms.max(1))
    }
}
