//! Provider adapters: WhatsApp (webhook format, signature, sending), Razorpay (payment
//! webhooks), email, storage, and the voice workflow's speech-to-text, language-model
//! and text-to-speech providers, which share one call path (`provider`: breaker,
//! retries, metrics) and are assembled from settings in `voice_providers`.

pub mod email;
pub mod llm;
mod llm_prompt;
pub mod provider;
pub mod razorpay;
pub mod storage;
pub mod stt;
pub mod tts;
pub mod voice_providers;
pub mod whatsapp;
pub mod whatsapp_send;

#[cfg(test)]
mod fake_server;
