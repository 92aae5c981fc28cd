//! Sending WhatsApp messages through the Cloud API (CONTRACTS.md §1).
//!
//! Errors are classified by `error.code`, as Meta documents them: throttling and
//! transient codes are worth a retry; 131047 (outside the 24-hour window) means "send a
//! template instead"; spam limits pause; opt-outs, bad numbers, expired tokens and
//! template mistakes are permanent. The caller decides what each means for its step.
//!
//! Sends go through the `whatsapp` circuit breaker: after repeated retry-class failures
//! (Meta down, the network gone) the breaker opens and sends answer `Pause` at once, so
//! invoices and reminders go by email instead of waiting on a dead provider.

use std::{sync::Arc, time::Duration};

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use tracing::Instrument;

use crate::{config::WhatsAppSettings, resilience::CircuitBreaker, telemetry::otel};

/// What a failed send means.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Try again later (rate limits, transient server errors, network).
    #[error("whatsapp: retry later ({0})")]
    Retry(String),
    /// Free-form text is not allowed now: use an approved template.
    #[error("whatsapp: outside the 24-hour window")]
    WindowClosed,
    /// Sending must stop for a while (spam limit reached).
    #[error("whatsapp: paused ({0})")]
    Pause(String),
    /// This message can never be delivered as asked.
    #[error("whatsapp: permanent failure ({0})")]
    Permanent(String),
}

/// Classifies a Graph API error code.
pub fn classify(code: i64, message: &str) -> SendError {
    let detail = format!("{code}: {message}");
    match code {
        4 | 80007 | 130429 | 131056 | 131000 | 131016 | 1 | 2 => SendError::Retry(detail),
        131047 => SendError::WindowClosed,
        131048 => SendError::Pause(detail),
        _ => SendError::Permanent(detail),
    }
}

/// A Cloud API client for one deployment. Cheap to clone.
#[derive(Clone)]
pub struct WhatsAppSender {
    http: reqwest::Client,
    base: String,
    version: String,
    token: SecretString,
    breaker: Option<Arc<CircuitBreaker>>,
}

impl WhatsAppSender {
    /// `None` when no access token is configured (sending is off).
    pub fn new(settings: &WhatsAppSettings) -> anyhow::Result<Option<Self>> {
        if settings.access_token.expose_secret().is_empty() {
            return Ok(None);
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()?;
        Ok(Some(Self {
            http,
            base: settings.api_base_url.trim_end_matches('/').to_string(),
            version: settings.api_version.clone(),
            token: settings.access_token.clone(),
            breaker: None,
        }))
    }

    /// Routes every send through `breaker`.
    pub fn with_breaker(mut self, breaker: Arc<CircuitBreaker>) -> Self {
        self.breaker = Some(breaker);
        self
    }

    /// Sends free-form text; returns the message id (wamid).
    pub async fn send_text(
        &self,
        phone_number_id: &str,
        to: &str,
        body: &str,
    ) -> Result<String, SendError> {
        let payload = json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
            "type": "text", "text": {"preview_url": false, "body": body}
        });
        self.post(phone_number_id, &payload).await
    }

    /// Sends a document by link (the Cloud API fetches it from the URL).
    pub async fn send_document(
        &self,
        phone_number_id: &str,
        to: &str,
        link: &str,
        filename: &str,
        caption: &str,
    ) -> Result<String, SendError> {
        let payload = json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "document",
            "document": {"link": link, "filename": filename, "caption": caption}
        });
        self.post(phone_number_id, &payload).await
    }

    /// Sends an approved template with body parameters, in order.
    pub async fn send_template(
        &self,
        phone_number_id: &str,
        to: &str,
        name: &str,
        language: &str,
        params: &[String],
    ) -> Result<String, SendError> {
        let parameters: Vec<Value> = params
            .iter()
            .map(|p| json!({"type": "text", "text": p}))
            .collect();
        let payload = json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "template",
            "template": {"name": name, "language": {"code": language}, "components": [{"type": "body", "parameters": parameters}]}
        });
        self.post(phone_number_id, &payload).await
    }

    async fn post(&self, phone_number_id: &str, payload: &Value) -> Result<String, SendError> {
        let Some(breaker) = &self.breaker else {
            return self.post_once(phone_number_id, payload).await;
        };
        if !breaker.try_acquire() {
            return Err(SendError::Pause("circuit breaker open".into()));
        }
        let result = self.post_once(phone_number_id, payload).await;
        // Only retry-class failures say the provider is unwell; a refusal is an answer.
        match &result {
            Err(SendError::Retry(_)) => breaker.record_failure(),
            _ => breaker.record_success(),
        }
        result
    }

    /// One send, in a client span whose context goes to Meta as `traceparent`.
    async fn post_once(&self, phone_number_id: &str, payload: &Value) -> Result<String, SendError> {
        let span = tracing::info_span!(
            "provider.request",
            otel.name = "POST whatsapp",
            otel.kind = "client",
            otel.status_code = tracing::field::Empty,
            provider = "whatsapp",
            http.request.method = "POST",
            http.response.status_code = tracing::field::Empty,
        );
        let result = self
            .send_in_span(phone_number_id, payload)
            .instrument(span.clone())
            .await;
        if result.is_err() {
            span.record("otel.status_code", "error");
        }
        result
    }

    async fn send_in_span(
        &self,
        phone_number_id: &str,
        payload: &Value,
    ) -> Result<String, SendError> {
        let url = format!("{}/{}/{phone_number_id}/messages", self.base, self.version);
        let mut trace = reqwest::header::HeaderMap::new();
        otel::inject(&mut trace);
        let resp = self
            .http
            .post(url)
            .bearer_auth(self.token.expose_secret())
            .headers(trace)
            .json(payload)
            .send()
            .await
            .map_err(|e| SendError::Retry(format!("network: {}", e.without_url())))?;
        let status = resp.status();
        tracing::Span::current().record("http.response.status_code", status.as_u16());
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            return body
                .pointer("/messages/0/id")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| SendError::Retry("accepted without a message id".into()));
        }
        match body.pointer("/error/code").and_then(Value::as_i64) {
            Some(code) => Err(classify(
                code,
                body.pointer("/error/message")
                    .and_then(Value::as_str)
                    .unwrap_or(""),
            )),
            None if status.is_server_error() || status.as_u16() == 429 => {
                Err(SendError::Retry(format!("http {status}")))
            }
            None => Err(SendError::Permanent(format!("http {status}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrations::fake_server::{Canned, FakeServer};

    fn sender(base: &str, breaker: Arc<CircuitBreaker>) -> WhatsAppSender {
        WhatsAppSender {
            http: reqwest::Client::new(),
            base: base.into(),
            version: "v25.0".into(),
            token: SecretString::from("t"),
            breaker: Some(breaker),
        }
    }

    #[tokio::test]
    async fn repeated_outages_open_the_breaker_and_later_sends_pause_without_calling() {
        let gauge = prometheus::IntGauge::new("wa_breaker_test", "test").unwrap();
        let breaker = Arc::new(CircuitBreaker::new(
            "whatsapp",
            2,
            Duration::from_secs(600),
            gauge.clone(),
        ));
        let server = FakeServer::start(vec![Canned::json(503, serde_json::json!({}))]).await;
        let wa = sender(&server.base, breaker.clone());
        for _ in 0..2 {
            assert!(matches!(
                wa.send_text("123", "15551234567", "hi").await,
                Err(SendError::Retry(_))
            ));
        }
        assert!(matches!(
            wa.send_text("123", "15551234567", "hi").await,
            Err(SendError::Pause(_))
        ));
        assert_eq!(server.calls(), 2, "an open breaker does not call Meta");
        assert_eq!(gauge.get(), 2);
    }

    #[tokio::test]
    async fn a_refusal_is_an_answer_and_keeps_the_breaker_closed() {
        let gauge = prometheus::IntGauge::new("wa_breaker_test2", "test").unwrap();
        let breaker = Arc::new(CircuitBreaker::new(
            "whatsapp",
            1,
            Duration::from_secs(600),
            gauge,
        ));
        let err = serde_json::json!({"error": {"message": "opted out", "type": "OAuthException", "code": 131050}});
        let server = FakeServer::start(vec![Canned::json(400, err)]).await;
        let wa = sender(&server.base, breaker.clone());
        for _ in 0..3 {
            assert!(matches!(
                wa.send_text("123", "15551234567", "hi").await,
                Err(SendError::Permanent(_))
            ));
        }
        assert_eq!(server.calls(), 3);
        assert!(!breaker.is_open());
    }

    #[test]
    fn error_codes_are_classified_as_meta_documents_them() {
        assert!(matches!(
            classify(130429, "throughput"),
            SendError::Retry(_)
        ));
        assert!(matches!(classify(131056, "pair rate"), SendError::Retry(_)));
        assert_eq!(classify(131047, "window"), SendError::WindowClosed);
        assert!(matches!(classify(131048, "spam"), SendError::Pause(_)));
        for code in [131026, 131050, 132000, 132001, 190, 10, 368] {
            assert!(
                matches!(classify(code, "x"), SendError::Permanent(_)),
                "{code}"
            );
        }
    }
}
