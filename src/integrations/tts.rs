//! Text to speech: the [`SpeechSynthesizer`] trait, with ElevenLabs (CONTRACTS.md §4) and
//! OpenAI-compatible speech (§3) through the shared [`ProviderClient`], and a local
//! espeak-ng fallback that needs no account and works offline.
//!
//! espeak-ng is run directly, never through a shell, with the text as the last argument
//! after `--`, so no reply text can become a command or an option. The reply text is
//! never logged.

use std::{process::Stdio, time::Duration};

use futures::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use super::provider::{ErrorBody, ProviderClient, ProviderError, first_str, openai_error};
use crate::config::{ElevenLabsSettings, OpenAiSettings};

/// Synthesised audio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Speech {
    pub bytes: Vec<u8>,
    /// `audio/mpeg` or `audio/wav`.
    pub content_type: String,
}

/// A text-to-speech service.
pub trait SpeechSynthesizer: Send + Sync {
    /// Speaks `text`; `language` is an ISO-639-1 code (`hi`, `en`) or the engine's
    /// language name (`hinglish`, `english`).
    fn synthesize<'a>(
        &'a self,
        text: &'a str,
        language: &'a str,
    ) -> BoxFuture<'a, Result<Speech, ProviderError>>;

    /// The provider, as metrics label it.
    fn name(&self) -> &'static str;
}

/// `POST {base}/v1/text-to-speech/{voice_id}` returning MP3.
pub struct ElevenLabs {
    client: ProviderClient,
    base: String,
    key: SecretString,
    voice_id: String,
    model: String,
}

impl ElevenLabs {
    pub fn new(client: ProviderClient, settings: &ElevenLabsSettings) -> Self {
        Self {
            client,
            base: settings.base_url.trim_end_matches('/').to_string(),
            key: settings.api_key.clone(),
            voice_id: settings.voice_id.clone(),
            model: settings.model.clone(),
        }
    }

    /// The language is not sent: multilingual models detect it from the text, and not
    /// every model accepts `language_code`.
    async fn call(&self, text: &str) -> Result<Speech, ProviderError> {
        let url = format!("{}/v1/text-to-speech/{}", self.base, self.voice_id);
        let body = json!({"text": text, "model_id": self.model});
        let reply = self
            .client
            .send(
                |http| {
                    http.post(&url)
                        .query(&[("output_format", "mp3_44100_128")])
                        .header("xi-api-key", self.key.expose_secret())
                        .header("accept", "audio/mpeg")
                        .json(&body)
                },
                elevenlabs_error,
            )
            .await?;
        audio(reply.body, "audio/mpeg")
    }
}

impl SpeechSynthesizer for ElevenLabs {
    fn synthesize<'a>(
        &'a self,
        text: &'a str,
        _language: &'a str,
    ) -> BoxFuture<'a, Result<Speech, ProviderError>> {
        Box::pin(self.call(text))
    }

    fn name(&self) -> &'static str {
        self.client.provider()
    }
}

/// `detail` is an object `{status, message}` for most errors and a validation list
/// `[{loc, msg, type}]` for 422. A 429's `too_many_concurrent_requests` and
/// `system_busy` are retried by status; `quota_exceeded` is permanent.
fn elevenlabs_error(body: &[u8]) -> ErrorBody {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    ErrorBody {
        code: first_str(&v, &["/detail/status", "/detail/0/type"]),
        message: first_str(&v, &["/detail/message", "/detail/0/msg", "/detail"]),
    }
}

/// `POST {base}/audio/speech` returning MP3.
pub struct OpenAiSpeech {
    client: ProviderClient,
    base: String,
    key: SecretString,
    model: String,
    voice: String,
}

impl OpenAiSpeech {
    pub fn new(client: ProviderClient, settings: &OpenAiSettings) -> Self {
        Self {
            client,
            base: settings.base_url.trim_end_matches('/').to_string(),
            key: settings.api_key.clone(),
            model: settings.tts_model.clone(),
            voice: settings.tts_voice.clone(),
        }
    }

    async fn call(&self, text: &str) -> Result<Speech, ProviderError> {
        let url = format!("{}/audio/speech", self.base);
        let body = json!({
            "model": self.model, "input": text, "voice": self.voice, "response_format": "mp3",
        });
        let reply = self
            .client
            .send(
                |http| {
                    http.post(&url)
                        .bearer_auth(self.key.expose_secret())
                        .json(&body)
                },
                openai_error,
            )
            .await?;
        audio(reply.body, "audio/mpeg")
    }
}

impl SpeechSynthesizer for OpenAiSpeech {
    fn synthesize<'a>(
        &'a self,
        text: &'a str,
        _language: &'a str,
    ) -> BoxFuture<'a, Result<Speech, ProviderError>> {
        Box::pin(self.call(text))
    }

    fn name(&self) -> &'static str {
        self.client.provider()
    }
}

/// A 200 with no audio is as useless as an error, and retrying will not fill it.
fn audio(bytes: Vec<u8>, content_type: &str) -> Result<Speech, ProviderError> {
    if bytes.is_empty() {
        return Err(ProviderError::Permanent("empty audio".into()));
    }
    Ok(Speech {
        bytes,
        content_type: content_type.into(),
    })
}

/// The local `espeak-ng` program, writing WAV to stdout.
#[derive(Debug, Clone)]
pub struct Espeak {
    program: String,
    timeout: Duration,
}

impl Espeak {
    /// `Some` when `espeak-ng --version` runs. Called once at start-up.
    pub fn detect() -> Option<Self> {
        Self::detect_program("espeak-ng")
    }

    /// How long one synthesis may take before it is abandoned (and the process killed).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn detect_program(program: &str) -> Option<Self> {
        let ok = std::process::Command::new(program)
            .arg("--version")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Self {
            program: program.to_string(),
            timeout: Duration::from_secs(15),
        })
    }

    /// espeak-ng's voice for a language: English when asked, Hindi otherwise.
    fn voice(language: &str) -> &'static str {
        let lang = language.trim().to_ascii_lowercase();
        if lang == "english" || lang.starts_with("en") {
            "en"
        } else {
            "hi"
        }
    }

    async fn call(&self, text: &str, language: &str) -> Result<Speech, ProviderError> {
        let child = tokio::process::Command::new(&self.program)
            .args(["--stdout", "-v", Self::voice(language), "--", text])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| ProviderError::Permanent(format!("espeak-ng: {e}")))?;
        let output = tokio::time::timeout(self.timeout, child.wait_with_output())
            .await
            .map_err(|_| ProviderError::Transient("espeak-ng timed out".into()))?
            .map_err(|e| ProviderError::Transient(format!("espeak-ng: {e}")))?;
        if !output.status.success() {
            return Err(ProviderError::Permanent(format!(
                "espeak-ng exited with {}",
                output.status
            )));
        }
        audio(output.stdout, "audio/wav")
    }
}

impl SpeechSynthesizer for Espeak {
    fn synthesize<'a>(
        &'a self,
        text: &'a str,
        language: &'a str,
    ) -> BoxFuture<'a, Result<Speech, ProviderError>> {
        Box::pin(self.call(text, language))
    }

    fn name(&self) -> &'static str {
        "espeak"
    }
}

#[cfg(test)]
#[path = "tts_tests.rs"]
mod tests;
