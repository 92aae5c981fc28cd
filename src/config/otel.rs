//! The `[otel]` section: where (and whether) spans are exported over OTLP/HTTP.
//!
//! The variables are the standard `OTEL_*` names, so an operator's usual collector setup
//! works unchanged, but they are read through [`Settings`](super::Settings) like every
//! other setting: tests then configure export per application instead of through the
//! process-global environment. Export is on only when an endpoint is set. gRPC is refused
//! at start-up rather than silently ignored: only the HTTP transports are compiled in.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::ConfigError;

#[derive(Debug, Clone, Deserialize)]
pub struct OtelSettings {
    /// Base URL of an OTLP/HTTP receiver; `/v1/traces` is appended (the spec's rule).
    pub endpoint: String,
    /// Full URL for traces, used as given; wins over `endpoint`.
    pub traces_endpoint: String,
    /// `http/protobuf` or `http/json`.
    pub protocol: String,
    /// `key=value` pairs, comma-separated, values URL-encoded (often an API key: secret).
    pub headers: SecretString,
    /// `service.name` of every exported span.
    pub service_name: String,
}

/// The body encoding of OTLP/HTTP requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtlpProtocol {
    Protobuf,
    Json,
}

impl OtelSettings {
    /// The URL spans are posted to, or `None` when export is off.
    pub fn traces_url(&self) -> Option<String> {
        let direct = self.traces_endpoint.trim();
        if !direct.is_empty() {
            return Some(direct.to_string());
        }
        let base = self.endpoint.trim();
        (!base.is_empty()).then(|| format!("{}/v1/traces", base.trim_end_matches('/')))
    }

    pub fn protocol(&self) -> Result<OtlpProtocol, ConfigError> {
        match self.protocol.trim() {
            "" | "http/protobuf" => Ok(OtlpProtocol::Protobuf),
            "http/json" => Ok(OtlpProtocol::Json),
            other => Err(ConfigError(format!(
                "OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf or http/json \
                 (gRPC is not supported), got {other:?}"
            ))),
        }
    }

    /// The extra request headers. Values stay URL-encoded: the exporter decodes them.
    pub fn header_pairs(&self) -> Result<Vec<(String, String)>, ConfigError> {
        let raw = self.headers.expose_secret();
        raw.split(',')
            .map(str::trim)
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').ok_or_else(|| {
                    // The pair itself may hold a key: only its position is reported.
                    ConfigError("OTEL_EXPORTER_OTLP_HEADERS: each entry must be key=value".into())
                })?;
                Ok((k.trim().to_string(), v.trim().to_string()))
            })
            .collect()
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        self.protocol()?;
        self.header_pairs()?;
        if let Some(url) = self.traces_url()
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError(format!(
                "the OTLP traces endpoint must be an http(s) URL, got {url:?}"
            )));
        }
        Ok(())
    }
}
