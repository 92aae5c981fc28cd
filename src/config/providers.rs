//! The `[providers]` section: which speech-to-text, language-model and text-to-speech
//! services the voice workflow uses, their endpoints, keys and models, and the shared
//! timeout, retry and circuit-breaker settings.
//!
//! The provider choices are parsed into enums while loading (an unknown name is a
//! start-up error naming its variable), and [`ProviderSettings::validate`] refuses a
//! selected provider whose key is missing, so a misconfigured deployment fails at start
//! rather than on the first utterance.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::ConfigError;

/// Declares a provider-choice enum read from a lower-case name, with an error that
/// names the variable and the accepted values.
macro_rules! choice {
    ($(#[$doc:meta])* $name:ident, $env:literal, { $($variant:ident = $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
        #[serde(try_from = "String")]
        pub enum $name { $($variant),* }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(raw: String) -> Result<Self, String> {
                match raw.trim().to_ascii_lowercase().as_str() {
                    $($text => Ok(Self::$variant),)*
                    _ => Err(format!(
                        "{} must be one of {}, got {raw:?}",
                        $env,
                        [$($text),*].join(", ")
                    )),
                }
            }
        }
    };
}

choice!(
    /// The speech-to-text service.
    SttChoice, "EXECORA_STT_PROVIDER", { None = "none", Deepgram = "deepgram", OpenAi = "openai" }
);
choice!(
    /// The language model that extracts intents; `OpenAi` is any compatible endpoint.
    LlmChoice, "EXECORA_LLM_PROVIDER", { None = "none", OpenAi = "openai" }
);
choice!(
    /// The text-to-speech service; `Auto` picks espeak-ng when it is installed.
    TtsChoice, "EXECORA_TTS_PROVIDER", {
        Auto = "auto", None = "none", Espeak = "espeak", ElevenLabs = "elevenlabs", OpenAi = "openai",
    }
);

#[derive(Debug, Clone, Deserialize)]
pub struct ProviderSettings {
    pub stt: SttChoice,
    pub llm: LlmChoice,
    pub tts: TtsChoice,
    pub deepgram: DeepgramSettings,
    pub openai: OpenAiSettings,
    /// The chat endpoint for intents; empty fields fall back to `openai`.
    pub llm_endpoint: LlmSettings,
    /// The transcription endpoint of the `openai` STT provider; empty fields fall back
    /// to `openai`, so a local Whisper server and a local chat model can differ.
    pub stt_endpoint: SttEndpointSettings,
    pub elevenlabs: ElevenLabsSettings,
    pub timeout_ms: u64,
    pub max_retries: u32,
    pub breaker_failure_threshold: u32,
    pub breaker_open_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DeepgramSettings {
    pub api_key: SecretString,
    pub base_url: String,
    pub model: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OpenAiSettings {
    pub api_key: SecretString,
    pub base_url: String,
    pub transcribe_model: String,
    pub tts_model: String,
    pub tts_voice: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LlmSettings {
    pub base_url: String,
    pub api_key: SecretString,
    pub model: String,
    /// USD per million tokens; they only feed the cost metric.
    pub price_input_per_mtok: f64,
    pub price_cached_per_mtok: f64,
    pub price_output_per_mtok: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SttEndpointSettings {
    pub base_url: String,
    pub api_key: SecretString,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ElevenLabsSettings {
    pub api_key: SecretString,
    pub base_url: String,
    pub voice_id: String,
    pub model: String,
}

impl ProviderSettings {
    /// The chat endpoint's base URL: its own, else OpenAI's.
    pub fn llm_base_url(&self) -> &str {
        if self.llm_endpoint.base_url.trim().is_empty() {
            &self.openai.base_url
        } else {
            &self.llm_endpoint.base_url
        }
    }

    /// The chat endpoint's key: its own, else OpenAI's (possibly empty for local servers).
    pub fn llm_api_key(&self) -> &SecretString {
        if self.llm_endpoint.api_key.expose_secret().is_empty() {
            &self.openai.api_key
        } else {
            &self.llm_endpoint.api_key
        }
    }

    /// The `openai` settings as the transcriber uses them: the STT endpoint's base URL
    /// and key where set, OpenAI's otherwise.
    pub fn stt_openai(&self) -> OpenAiSettings {
        let mut openai = self.openai.clone();
        if !self.stt_endpoint.base_url.trim().is_empty() {
            openai.base_url = self.stt_endpoint.base_url.clone();
        }
        if !self.stt_endpoint.api_key.expose_secret().is_empty() {
            openai.api_key = self.stt_endpoint.api_key.clone();
        }
        openai
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms.max(1))
    }

    pub fn breaker_open_for(&self) -> Duration {
        Duration::from_secs(self.breaker_open_secs)
    }

    /// A selected provider must have what it needs to make a call.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let missing =
            |name: &str, why: &str| Err(ConfigError(format!("{name} is required when {why}")));
        let empty = |s: &SecretString| s.expose_secret().trim().is_empty();
        if self.stt == SttChoice::Deepgram && empty(&self.deepgram.api_key) {
            return missing("EXECORA_DEEPGRAM_API_KEY", "EXECORA_STT_PROVIDER=deepgram");
        }
        // As for the chat endpoint: a self-hosted transcription server needs no key.
        if self.stt == SttChoice::OpenAi
            && self.stt_endpoint.base_url.trim().is_empty()
            && empty(&self.stt_openai().api_key)
        {
            return missing(
                "EXECORA_STT_API_KEY (or EXECORA_OPENAI_API_KEY)",
                "EXECORA_STT_PROVIDER=openai without EXECORA_STT_BASE_URL",
            );
        }
        // Local OpenAI-compatible servers (Ollama, vLLM, llama.cpp) need no key, so one is
        // only demanded when the calls would go to OpenAI's own endpoint.
        if self.llm == LlmChoice::OpenAi
            && self.llm_endpoint.base_url.trim().is_empty()
            && empty(self.llm_api_key())
        {
            return missing(
                "EXECORA_LLM_API_KEY (or EXECORA_OPENAI_API_KEY)",
                "EXECORA_LLM_PROVIDER=openai without EXECORA_LLM_BASE_URL",
            );
        }
        if self.tts == TtsChoice::ElevenLabs {
            if empty(&self.elevenlabs.api_key) {
                return missing(
                    "EXECORA_ELEVENLABS_API_KEY",
                    "EXECORA_TTS_PROVIDER=elevenlabs",
                );
            }
            if self.elevenlabs.voice_id.trim().is_empty() {
                return missing(
                    "EXECORA_ELEVENLABS_VOICE_ID",
                    "EXECORA_TTS_PROVIDER=elevenlabs",
                );
            }
        }
        if self.tts == TtsChoice::OpenAi && empty(&self.openai.api_key) {
            return missing("EXECORA_OPENAI_API_KEY", "EXECORA_TTS_PROVIDER=openai");
        }
        let prices = [
            (
                "EXECORA_LLM_PRICE_INPUT_PER_MTOK",
                self.llm_endpoint.price_input_per_mtok,
            ),
            (
                "EXECORA_LLM_PRICE_CACHED_PER_MTOK",
                self.llm_endpoint.price_cached_per_mtok,
            ),
            (
                "EXECORA_LLM_PRICE_OUTPUT_PER_MTOK",
                self.llm_endpoint.price_output_per_mtok,
            ),
        ];
        if let Some((name, _)) = prices.iter().find(|(_, p)| *p < 0.0) {
            return Err(ConfigError(format!("{name} must not be negative")));
        }
        Ok(())
    }
}
