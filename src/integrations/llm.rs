//! Intent extraction by a language model: the [`IntentModel`] trait and [`OpenAiChat`],
//! which speaks the chat-completions API of OpenAI and of compatible local servers
//! (Ollama, vLLM, llama.cpp) with a strict JSON-schema response format (CONTRACTS.md §3).
//!
//! The model's answer is untrusted input. It is deserialised into [`ParsedIntent`] and
//! checked by [`ParsedIntent::validated`]; anything else — a refusal, prose, a truncated
//! or schema-violating object, an amount out of range — is a permanent "invalid model
//! output" error, on which the caller falls back to the rule-based parser. Token usage
//! and its estimated cost are counted whether or not the answer was usable, since they
//! were paid for either way.

use futures::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;

use super::{
    llm_prompt,
    provider::{ProviderClient, ProviderError, openai_error, unexpected},
};
use crate::{config::ProviderSettings, engine::intent::ParsedIntent};

/// A model's reading of an utterance, with what it cost.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmAnswer {
    pub intent: ParsedIntent,
    pub usage: Usage,
    /// The model that answered, as the endpoint names it (may carry a dated suffix).
    pub model: String,
}

/// Tokens spent on one call; zero when the endpoint does not report them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub prompt: u64,
    pub completion: u64,
    /// The part of `prompt` served from the provider's prompt cache (billed lower).
    pub cached: u64,
}

/// A model that understands shop utterances.
pub trait IntentModel: Send + Sync {
    /// Reads `utterance`; `context` describes the conversation (e.g. the active
    /// customer's name) and may be empty.
    fn extract<'a>(
        &'a self,
        utterance: &'a str,
        context: &'a str,
    ) -> BoxFuture<'a, Result<LlmAnswer, ProviderError>>;
}

/// USD per million tokens, for the cost metric.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Prices {
    pub input: f64,
    pub cached: f64,
    pub output: f64,
}

impl Prices {
    /// Uncached prompt tokens at the input price, cached ones at the cached price.
    pub fn cost_usd(&self, usage: Usage) -> f64 {
        let uncached = usage.prompt.saturating_sub(usage.cached);
        (uncached as f64 * self.input
            + usage.cached as f64 * self.cached
            + usage.completion as f64 * self.output)
            / 1_000_000.0
    }
}

/// `POST {base}/chat/completions` on any OpenAI-compatible endpoint.
pub struct OpenAiChat {
    client: ProviderClient,
    base: String,
    /// Empty for local servers that take no key: no `Authorization` header is sent.
    key: SecretString,
    model: String,
    prices: Prices,
}

#[derive(Deserialize)]
struct ChatReply {
    #[serde(default)]
    choices: Vec<Choice>,
    model: Option<String>,
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct Choice {
    message: Message,
}

#[derive(Deserialize)]
struct Message {
    content: Option<String>,
    refusal: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireUsage {
    prompt_tokens: u64,
    completion_tokens: u64,
    prompt_tokens_details: Option<PromptDetails>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PromptDetails {
    cached_tokens: Option<u64>,
}

impl OpenAiChat {
    pub fn new(client: ProviderClient, settings: &ProviderSettings) -> Self {
        let endpoint = &settings.llm_endpoint;
        Self {
            client,
            base: settings.llm_base_url().trim_end_matches('/').to_string(),
            key: settings.llm_api_key().clone(),
            model: endpoint.model.clone(),
            prices: Prices {
                input: endpoint.price_input_per_mtok,
                cached: endpoint.price_cached_per_mtok,
                output: endpoint.price_output_per_mtok,
            },
        }
    }

    async fn call(&self, utterance: &str, context: &str) -> Result<LlmAnswer, ProviderError> {
        let url = format!("{}/chat/completions", self.base);
        let body = json!({
            "model": self.model,
            "messages": [
                {"role": "system", "content": llm_prompt::system_prompt()},
                {"role": "user", "content": llm_prompt::user_message(utterance, context)},
            ],
            "response_format": {"type": "json_schema", "json_schema": {
                "name": "execora_intent", "strict": true, "schema": llm_prompt::intent_schema(),
            }},
            "temperature": 0,
            "max_completion_tokens": 400,
        });
        let key = self.key.expose_secret();
        let reply = self
            .client
            .send(
                |http| {
                    let request = http.post(&url).json(&body);
                    if key.is_empty() {
                        request
                    } else {
                        request.bearer_auth(key)
                    }
                },
                openai_error,
            )
            .await?;
        let reply: ChatReply =
            serde_json::from_slice(&reply.body).map_err(|_| unexpected("not a chat completion"))?;
        let model = reply.model.clone().unwrap_or_else(|| self.model.clone());
        let usage = self.record_usage(&model, reply.usage);
        let intent = read_intent(reply.choices)?;
        Ok(LlmAnswer {
            intent,
            usage,
            model,
        })
    }

    fn record_usage(&self, model: &str, wire: Option<WireUsage>) -> Usage {
        let wire = wire.unwrap_or_default();
        let usage = Usage {
            prompt: wire.prompt_tokens,
            completion: wire.completion_tokens,
            cached: wire
                .prompt_tokens_details
                .and_then(|d| d.cached_tokens)
                .unwrap_or(0)
                .min(wire.prompt_tokens),
        };
        let metrics = self.client.metrics();
        let provider = self.client.provider();
        for (kind, n) in [
            ("prompt", usage.prompt),
            ("completion", usage.completion),
            ("cached", usage.cached),
        ] {
            metrics
                .llm_tokens
                .with_label_values(&[provider, model, kind])
                .inc_by(n);
        }
        let cost = self.prices.cost_usd(usage);
        if cost > 0.0 {
            metrics
                .llm_cost_usd
                .with_label_values(&[provider, model])
                .inc_by(cost);
        }
        usage
    }
}

impl IntentModel for OpenAiChat {
    fn extract<'a>(
        &'a self,
        utterance: &'a str,
        context: &'a str,
    ) -> BoxFuture<'a, Result<LlmAnswer, ProviderError>> {
        Box::pin(self.call(utterance, context))
    }
}

/// The first choice's content as a valid intent. The model's text is not quoted in the
/// error: it may repeat the utterance.
fn read_intent(choices: Vec<Choice>) -> Result<ParsedIntent, ProviderError> {
    let invalid = |why: &str| ProviderError::Permanent(format!("invalid model output: {why}"));
    let message = choices
        .into_iter()
        .next()
        .ok_or_else(|| invalid("no choices"))?
        .message;
    if message.refusal.is_some_and(|r| !r.is_empty()) {
        return Err(invalid("the model refused"));
    }
    let content = message.content.ok_or_else(|| invalid("no content"))?;
    let value: serde_json::Value =
        serde_json::from_str(&content).map_err(|_| invalid("not JSON"))?;
    let parsed: ParsedIntent =
        serde_json::from_value(value).map_err(|_| invalid("does not match the intent schema"))?;
    parsed.validated().map_err(|e| invalid(&e.to_string()))
}

#[cfg(test)]
#[path = "llm_tests.rs"]
mod tests;
