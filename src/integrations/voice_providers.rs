//! The voice workflow's providers, assembled once from settings: speech-to-text, the
//! intent model and text-to-speech, each optional, each behind its own circuit breaker
//! (`stt`, `llm`, `tts` — the names workflow specs may give a step's `breaker`).
//!
//! A missing provider is a normal configuration: without STT only typed text is
//! accepted, without an LLM the rule-based parser decides alone, without TTS replies are
//! text. The breakers exist either way, so callers can always ask whether one is open.

use std::sync::Arc;

use super::{
    llm::{IntentModel, OpenAiChat},
    provider::{ProviderClient, RetrySettings},
    stt::{Deepgram, OpenAiTranscriber, SpeechToText},
    tts::{ElevenLabs, Espeak, OpenAiSpeech, SpeechSynthesizer},
};
use crate::{
    config::{ConfigError, LlmChoice, ProviderSettings, Settings, SttChoice, TtsChoice},
    resilience::CircuitBreaker,
    telemetry::Metrics,
};

/// The configured providers; cheap to clone and share between requests and jobs.
#[derive(Clone)]
pub struct VoiceProviders {
    pub stt: Option<Arc<dyn SpeechToText>>,
    pub llm: Option<Arc<dyn IntentModel>>,
    pub tts: Option<Arc<dyn SpeechSynthesizer>>,
    pub stt_breaker: Arc<CircuitBreaker>,
    pub llm_breaker: Arc<CircuitBreaker>,
    pub tts_breaker: Arc<CircuitBreaker>,
}

impl VoiceProviders {
    /// Builds the adapters the settings select. Keys were checked when the settings
    /// loaded; this fails only if the HTTP client cannot be built.
    pub fn from_settings(settings: &Settings, metrics: Arc<Metrics>) -> Result<Self, ConfigError> {
        let p = &settings.providers;
        let http = ProviderClient::http_client(p.timeout())
            .map_err(|e| ConfigError(format!("provider HTTP client: {e}")))?;
        let breaker = |name: &'static str| {
            let gauge = metrics.breaker_state.with_label_values(&[name]);
            Arc::new(CircuitBreaker::new(
                name,
                p.breaker_failure_threshold,
                p.breaker_open_for(),
                gauge,
            ))
        };
        let (stt_breaker, llm_breaker, tts_breaker) =
            (breaker("stt"), breaker("llm"), breaker("tts"));
        let client = |provider: &'static str, breaker: &Arc<CircuitBreaker>| {
            ProviderClient::new(
                http.clone(),
                provider,
                breaker.clone(),
                metrics.clone(),
                RetrySettings::new(p.max_retries),
            )
        };
        let stt: Option<Arc<dyn SpeechToText>> = match p.stt {
            SttChoice::None => None,
            SttChoice::Deepgram => Some(Arc::new(Deepgram::new(
                client("deepgram", &stt_breaker),
                &p.deepgram,
            ))),
            SttChoice::OpenAi => Some(Arc::new(OpenAiTranscriber::new(
                client("openai_stt", &stt_breaker),
                &p.stt_openai(),
            ))),
        };
        let llm: Option<Arc<dyn IntentModel>> = match p.llm {
            LlmChoice::None => None,
            LlmChoice::OpenAi => Some(Arc::new(OpenAiChat::new(
                client("openai_llm", &llm_breaker),
                p,
            ))),
        };
        let tts = Self::tts(p, |name| client(name, &tts_breaker))?;
        tracing::info!(
            stt = stt.as_ref().map_or("none", |s| s.name()),
            llm = if llm.is_some() { "openai" } else { "none" },
            tts = tts.as_ref().map_or("none", |t| t.name()),
            "voice providers configured"
        );
        Ok(Self {
            stt,
            llm,
            tts,
            stt_breaker,
            llm_breaker,
            tts_breaker,
        })
    }

    fn tts(
        p: &ProviderSettings,
        client: impl Fn(&'static str) -> ProviderClient,
    ) -> Result<Option<Arc<dyn SpeechSynthesizer>>, ConfigError> {
        let espeak = || Espeak::detect().map(|e| e.with_timeout(p.timeout()));
        Ok(match p.tts {
            TtsChoice::None => None,
            TtsChoice::Auto => espeak().map(|e| Arc::new(e) as Arc<dyn SpeechSynthesizer>),
            TtsChoice::Espeak => {
                let found = espeak().ok_or_else(|| {
                    ConfigError("EXECORA_TTS_PROVIDER=espeak but espeak-ng is not installed".into())
                })?;
                Some(Arc::new(found))
            }
            TtsChoice::ElevenLabs => Some(Arc::new(ElevenLabs::new(
                client("elevenlabs"),
                &p.elevenlabs,
            ))),
            TtsChoice::OpenAi => Some(Arc::new(OpenAiSpeech::new(client("openai_tts"), &p.openai))),
        })
    }

    /// The breaker a workflow spec names (`stt`, `llm`, `tts`), if it is one of ours.
    pub fn breaker(&self, name: &str) -> Option<&Arc<CircuitBreaker>> {
        match name {
            "stt" => Some(&self.stt_breaker),
            "llm" => Some(&self.llm_breaker),
            "tts" => Some(&self.tts_breaker),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resilience::BreakerState;

    fn settings(extra: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let mut vars = vec![("DATABASE_URL", "postgres://x"), ("REDIS_URL", "redis://y")];
        vars.extend_from_slice(extra);
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_sources(None, move |k| {
            vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        })
    }

    fn build(extra: &[(&str, &str)]) -> VoiceProviders {
        let m = Arc::new(Metrics::new().unwrap());
        VoiceProviders::from_settings(&settings(extra).unwrap(), m).unwrap()
    }

    #[test]
    fn defaults_select_no_remote_provider() {
        let v = build(&[("EXECORA_TTS_PROVIDER", "none")]);
        assert!(v.stt.is_none() && v.llm.is_none() && v.tts.is_none());
        for name in ["stt", "llm", "tts"] {
            assert_eq!(v.breaker(name).unwrap().state(), BreakerState::Closed);
        }
        assert!(v.breaker("nope").is_none());
    }

    #[test]
    fn selected_providers_are_built() {
        let v = build(&[
            ("EXECORA_STT_PROVIDER", "deepgram"),
            ("EXECORA_DEEPGRAM_API_KEY", "dg"),
            ("EXECORA_LLM_PROVIDER", "openai"),
            ("EXECORA_LLM_BASE_URL", "http://127.0.0.1:11434/v1"),
            ("EXECORA_TTS_PROVIDER", "elevenlabs"),
            ("EXECORA_ELEVENLABS_API_KEY", "xi"),
            ("EXECORA_ELEVENLABS_VOICE_ID", "v"),
        ]);
        assert_eq!(v.stt.as_ref().unwrap().name(), "deepgram");
        assert!(v.llm.is_some(), "a local endpoint needs no key");
        assert_eq!(v.tts.as_ref().unwrap().name(), "elevenlabs");
        let v = build(&[
            ("EXECORA_STT_PROVIDER", "OpenAI"),
            ("EXECORA_TTS_PROVIDER", "openai"),
            ("EXECORA_OPENAI_API_KEY", "sk"),
        ]);
        assert_eq!(v.stt.as_ref().unwrap().name(), "openai_stt");
        assert_eq!(v.tts.as_ref().unwrap().name(), "openai_tts");
    }

    #[test]
    fn auto_tts_follows_espeak_availability() {
        let v = build(&[]);
        assert_eq!(v.tts.is_some(), Espeak::detect().is_some());
    }
}
