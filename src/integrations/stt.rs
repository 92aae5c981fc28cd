//! Speech to text: the [`SpeechToText`] trait the voice workflow calls, with adapters for
//! Deepgram's pre-recorded API (CONTRACTS.md §2) and OpenAI-compatible transcription
//! endpoints (§3), both through the shared [`ProviderClient`].
//!
//! The audio and the transcript are personal data: neither is logged, and errors carry
//! only the provider's status and code.

use futures::future::BoxFuture;
use reqwest::multipart::{Form, Part};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;

use super::provider::{
    ErrorBody, ProviderClient, ProviderError, first_str, openai_error, unexpected,
};
use crate::config::{DeepgramSettings, OpenAiSettings};

/// What was said.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    pub text: String,
    /// 0..1 when the provider reports it (Deepgram does, OpenAI does not).
    pub confidence: Option<f32>,
}

/// A speech-to-text service.
pub trait SpeechToText: Send + Sync {
    /// Transcribes one recording. `content_type` is the audio's MIME type
    /// (`audio/ogg`, `audio/wav`, …); `language` an ISO-639-1 hint (`hi`, `en`).
    fn transcribe<'a>(
        &'a self,
        audio: &'a [u8],
        content_type: &'a str,
        language: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Transcript, ProviderError>>;

    /// The provider, as metrics label it.
    fn name(&self) -> &'static str;
}

/// Deepgram's `POST /v1/listen` with the audio as the raw body.
pub struct Deepgram {
    client: ProviderClient,
    base: String,
    key: SecretString,
    model: String,
}

impl Deepgram {
    pub fn new(client: ProviderClient, settings: &DeepgramSettings) -> Self {
        Self {
            client,
            base: settings.base_url.trim_end_matches('/').to_string(),
            key: settings.api_key.clone(),
            model: settings.model.clone(),
        }
    }

    async fn call(
        &self,
        audio: &[u8],
        content_type: &str,
        language: Option<&str>,
    ) -> Result<Transcript, ProviderError> {
        let url = format!("{}/v1/listen", self.base);
        let mut query = vec![("model", self.model.as_str()), ("smart_format", "true")];
        if let Some(lang) = language {
            query.push(("language", lang));
        }
        let reply = self
            .client
            .send(
                |http| {
                    http.post(&url)
                        .query(&query)
                        .header(
                            "authorization",
                            format!("Token {}", self.key.expose_secret()),
                        )
                        .header("content-type", content_type)
                        .body(audio.to_vec())
                },
                deepgram_error,
            )
            .await?;
        let body: Value =
            serde_json::from_slice(&reply.body).map_err(|_| unexpected("not JSON"))?;
        let best = body
            .pointer("/results/channels/0/alternatives/0")
            .ok_or_else(|| unexpected("no transcript alternative"))?;
        let text = best
            .get("transcript")
            .and_then(Value::as_str)
            .ok_or_else(|| unexpected("no transcript"))?;
        Ok(Transcript {
            text: text.to_string(),
            confidence: best
                .get("confidence")
                .and_then(Value::as_f64)
                .map(|c| c as f32),
        })
    }
}

impl SpeechToText for Deepgram {
    fn transcribe<'a>(
        &'a self,
        audio: &'a [u8],
        content_type: &'a str,
        language: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Transcript, ProviderError>> {
        Box::pin(self.call(audio, content_type, language))
    }

    fn name(&self) -> &'static str {
        self.client.provider()
    }
}

/// Deepgram answers `{err_code, err_msg}` on most endpoints and `{category, message}`
/// on some; either is accepted.
fn deepgram_error(body: &[u8]) -> ErrorBody {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    ErrorBody {
        code: first_str(&v, &["/err_code", "/category"]),
        message: first_str(&v, &["/err_msg", "/message"]),
    }
}

/// `POST {base}/audio/transcriptions` (OpenAI, vLLM with a Whisper model, a self-hosted
/// Whisper server such as faster-whisper-server, …).
pub struct OpenAiTranscriber {
    client: ProviderClient,
    base: String,
    key: SecretString,
    model: String,
}

#[derive(Deserialize)]
struct TranscriptionReply {
    text: String,
}

impl OpenAiTranscriber {
    pub fn new(client: ProviderClient, settings: &OpenAiSettings) -> Self {
        Self {
            client,
            base: settings.base_url.trim_end_matches('/').to_string(),
            key: settings.api_key.clone(),
            model: settings.transcribe_model.clone(),
        }
    }

    async fn call(
        &self,
        audio: &[u8],
        content_type: &str,
        language: Option<&str>,
    ) -> Result<Transcript, ProviderError> {
        let url = format!("{}/audio/transcriptions", self.base);
        // The service recognises the format by the file name's extension.
        let file_name = format!("audio.{}", extension(content_type));
        let mime = if Part::bytes(Vec::new()).mime_str(content_type).is_ok() {
            content_type
        } else {
            "application/octet-stream"
        };
        let form = || {
            let part = || Part::bytes(audio.to_vec()).file_name(file_name.clone());
            // `mime` was checked above, so the fallback (no type) is not expected.
            let file = part().mime_str(mime).unwrap_or_else(|_| part());
            let mut form = Form::new()
                .text("model", self.model.clone())
                .text("response_format", "json")
                .part("file", file);
            if let Some(lang) = language {
                form = form.text("language", lang.to_string());
            }
            form
        };
        // A self-hosted server may take no key: then no `Authorization` header at all.
        let key = self.key.expose_secret();
        let reply = self
            .client
            .send(
                |http| {
                    let request = http.post(&url).multipart(form());
                    if key.is_empty() {
                        request
                    } else {
                        request.bearer_auth(key)
                    }
                },
                openai_error,
            )
            .await?;
        let parsed: TranscriptionReply =
            serde_json::from_slice(&reply.body).map_err(|_| unexpected("no text"))?;
        Ok(Transcript {
            text: parsed.text,
            confidence: None,
        })
    }
}

impl SpeechToText for OpenAiTranscriber {
    fn transcribe<'a>(
        &'a self,
        audio: &'a [u8],
        content_type: &'a str,
        language: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Transcript, ProviderError>> {
        Box::pin(self.call(audio, content_type, language))
    }

    fn name(&self) -> &'static str {
        self.client.provider()
    }
}

/// A file extension OpenAI accepts for an audio MIME type (parameters ignored).
fn extension(content_type: &str) -> &'static str {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    match essence.to_ascii_lowercase().as_str() {
        "audio/wav" | "audio/x-wav" | "audio/wave" => "wav",
        "audio/mpeg" | "audio/mp3" => "mp3",
        "audio/mp4" | "audio/m4a" | "audio/x-m4a" => "m4a",
        "audio/webm" | "video/webm" => "webm",
        "audio/flac" | "audio/x-flac" => "flac",
        // WhatsApp voice notes are Ogg/Opus.
        _ => "ogg",
    }
}

#[cfg(test)]
#[path = "stt_tests.rs"]
mod tests;
