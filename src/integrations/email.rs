//! Email through SMTP with lettre (CONTRACTS.md §5): implicit TLS (`smtps://`),
//! STARTTLS required (`smtp://…?tls=required`), or plain for a local sink in tests.

use std::time::Duration;

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Attachment, MultiPart, SinglePart, header::ContentType},
};
use secrecy::ExposeSecret;

use crate::config::SmtpSettings;

/// Sends Execora's emails. `None` transport: email is not configured (development).
#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("email is not configured (EXECORA_SMTP_URL)")]
    NotConfigured,
    #[error("bad address: {0}")]
    Address(String),
    #[error("smtp: {0}")]
    Smtp(String),
}

/// Whether mail can be addressed to `address` (lettre's own parse, which the sender uses).
/// Checked where an address is accepted, so a stored address never fails at sending
/// time; a shape-only pattern lets through, for example, a 64-character domain label.
pub fn deliverable(address: &str) -> bool {
    address.trim().parse::<lettre::Address>().is_ok()
}

/// The 422 for an address mail cannot be sent to.
pub fn undeliverable() -> crate::error::ApiError {
    crate::error::ApiError::unprocessable(
        "invalid_email",
        "that is not an email address mail can be sent to",
    )
}

impl Mailer {
    pub fn new(settings: &SmtpSettings) -> anyhow::Result<Self> {
        let url = settings.url.expose_secret();
        let transport = if url.is_empty() {
            None
        } else {
            let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map_err(|_| anyhow::anyhow!("EXECORA_SMTP_URL is not a valid SMTP URL"))?;
            Some(builder.timeout(Some(Duration::from_secs(10))).build())
        };
        Ok(Self {
            transport,
            from: settings.from.clone(),
        })
    }

    pub fn configured(&self) -> bool {
        self.transport.is_some()
    }

    fn builder(
        &self,
        to: &str,
        subject: &str,
    ) -> Result<lettre::message::MessageBuilder, MailError> {
        let from = self
            .from
            .parse()
            .map_err(|_| MailError::Address("from".into()))?;
        let to = to.parse().map_err(|_| MailError::Address("to".into()))?;
        Ok(Message::builder().from(from).to(to).subject(subject))
    }

    /// A client span, but no `traceparent`: SMTP has no place for one. The recipient
    /// is not recorded (an email address is personal data).
    #[tracing::instrument(
        name = "smtp.send",
        skip_all,
        fields(otel.name = "SMTP send", otel.kind = "client", otel.status_code = tracing::field::Empty)
    )]
    async fn deliver(&self, message: Message) -> Result<(), MailError> {
        let transport = self.transport.as_ref().ok_or(MailError::NotConfigured)?;
        let result = transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| MailError::Smtp(e.to_string()));
        if result.is_err() {
            tracing::Span::current().record("otel.status_code", "error");
        }
        result
    }

    /// Sends a plain-text email.
    pub async fn send(&self, to: &str, subject: &str, body: String) -> Result<(), MailError> {
        let message = self
            .builder(to, subject)?
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| MailError::Smtp(e.to_string()))?;
        self.deliver(message).await
    }

    /// Sends text with one attached file.
    pub async fn send_with_attachment(
        &self,
        to: &str,
        subject: &str,
        body: String,
        filename: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<(), MailError> {
        let ct = ContentType::parse(content_type).map_err(|e| MailError::Smtp(e.to_string()))?;
        let parts = MultiPart::mixed()
            .singlepart(SinglePart::plain(body))
            .singlepart(Attachment::new(filename.to_string()).body(bytes, ct));
        let message = self
            .builder(to, subject)?
            .multipart(parts)
            .map_err(|e| MailError::Smtp(e.to_string()))?;
        self.deliver(message).await
    }
}
