//! Tests of the chat-completions intent model against a local fake server.

use std::sync::Arc;

use serde_json::{Value, json};

use super::*;
use crate::{
    config::Settings,
    engine::intent::IntentKind,
    integrations::fake_server::{Canned, FakeServer, client, metrics},
    telemetry::Metrics,
};

fn settings(base: &str, key: &str) -> ProviderSettings {
    let vars: Vec<(&str, String)> = vec![
        ("DATABASE_URL", "postgres://x".into()),
        ("REDIS_URL", "redis://y".into()),
        ("EXECORA_LLM_PROVIDER", "openai".into()),
        ("EXECORA_LLM_BASE_URL", format!("{base}/v1/")),
        ("EXECORA_LLM_API_KEY", key.into()),
        ("EXECORA_LLM_MODEL", "gpt-4o-mini".into()),
        ("EXECORA_LLM_PRICE_INPUT_PER_MTOK", "0.15".into()),
        ("EXECORA_LLM_PRICE_CACHED_PER_MTOK", "0.075".into()),
        ("EXECORA_LLM_PRICE_OUTPUT_PER_MTOK", "0.6".into()),
    ];
    let lookup = move |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
    Settings::from_sources(None, lookup).unwrap().providers
}

fn chat(base: &str, key: &str) -> (OpenAiChat, Arc<Metrics>) {
    let m = metrics();
    let model = OpenAiChat::new(client("openai_llm", "llm", &m, 5, 2), &settings(base, key));
    (model, m)
}

fn intent_json() -> Value {
    json!({
        "intent": "add_credit",
        "entities": {
            "customer": "Ramesh", "active_customer": false, "amount_paise": 50000,
            "payments": [], "items": [], "with_gst": null, "discount_percent": null,
            "discount_paise": null, "phone": null, "email": null, "gstin": null,
            "product": null, "quantity": null, "unit": null, "when": null,
            "language": null, "all": false
        },
        "confidence": 0.92,
        "normalized": "ramesh ko 500 udhaar likho"
    })
}

fn completion(content: Value, usage: Value) -> Canned {
    Canned::json(
        200,
        json!({
            "id": "chatcmpl-1", "object": "chat.completion", "created": 1_700_000_000,
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [{"index": 0, "finish_reason": "stop",
                "message": {"role": "assistant", "content": content, "refusal": null}}],
            "usage": usage,
        }),
    )
}

fn usage(prompt: u64, completion: u64, cached: u64) -> Value {
    json!({"prompt_tokens": prompt, "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0}})
}

#[tokio::test]
async fn request_carries_the_strict_schema_and_the_answer_is_an_intent() {
    let content = Value::String(intent_json().to_string());
    let server = FakeServer::start(vec![completion(content, usage(1000, 100, 400))]).await;
    let (llm, _) = chat(&server.base, "sk-llm");
    let answer = llm
        .extract("Ramesh ko 500 udhaar likho", "active customer: Sunita")
        .await
        .unwrap();
    assert_eq!(answer.intent.intent, IntentKind::AddCredit);
    assert_eq!(answer.intent.entities.amount_paise, Some(50_000));
    assert_eq!(
        answer.usage,
        Usage {
            prompt: 1000,
            completion: 100,
            cached: 400
        }
    );
    assert_eq!(answer.model, "gpt-4o-mini-2024-07-18");

    let req = server.last();
    assert_eq!(
        (req.method.as_str(), req.path.as_str()),
        ("POST", "/v1/chat/completions")
    );
    assert_eq!(req.header("authorization"), "Bearer sk-llm");
    assert!(req.header("content-type").starts_with("application/json"));
    let body = req.json();
    assert_eq!(body["model"], "gpt-4o-mini");
    assert_eq!(body["temperature"], 0);
    assert_eq!(body["max_completion_tokens"], 400);
    assert_eq!(body["messages"][0]["role"], "system");
    assert!(
        body["messages"][0]["content"]
            .as_str()
            .unwrap()
            .contains("- add_credit: ")
    );
    assert_eq!(body["messages"][1]["role"], "user");
    let user = body["messages"][1]["content"].as_str().unwrap();
    assert!(
        user.contains("Sunita") && user.contains("Ramesh ko 500 udhaar likho"),
        "{user}"
    );
    let format = &body["response_format"];
    assert_eq!(format["type"], "json_schema");
    assert_eq!(format["json_schema"]["name"], "execora_intent");
    assert_eq!(format["json_schema"]["strict"], true);
    assert_eq!(format["json_schema"]["schema"], llm_prompt::intent_schema());
}

#[tokio::test]
async fn usage_feeds_token_and_cost_counters() {
    let content = Value::String(intent_json().to_string());
    let server = FakeServer::start(vec![completion(content, usage(1000, 100, 400))]).await;
    let (llm, m) = chat(&server.base, "k");
    llm.extract("x", "").await.unwrap();
    let model = "gpt-4o-mini-2024-07-18";
    let tokens = |kind| {
        m.llm_tokens
            .with_label_values(&["openai_llm", model, kind])
            .get()
    };
    assert_eq!(
        (tokens("prompt"), tokens("completion"), tokens("cached")),
        (1000, 100, 400)
    );
    // 600 × 0.15 + 400 × 0.075 + 100 × 0.6 = 90 + 30 + 60 per million = 0.00018 USD
    let cost = m
        .llm_cost_usd
        .with_label_values(&["openai_llm", model])
        .get();
    assert!((cost - 0.000_18).abs() < 1e-12, "{cost}");
}

#[tokio::test]
async fn missing_usage_and_key_are_tolerated() {
    let server = FakeServer::start(vec![Canned::json(
        200,
        json!({"choices": [{"message": {"content": intent_json().to_string()}}]}),
    )])
    .await;
    let (llm, m) = chat(&server.base, "");
    let answer = llm.extract("x", "").await.unwrap();
    assert_eq!(answer.usage, Usage::default());
    assert_eq!(answer.model, "gpt-4o-mini");
    assert_eq!(
        server.last().header("authorization"),
        "",
        "local servers get no key"
    );
    let cost = m
        .llm_cost_usd
        .with_label_values(&["openai_llm", "gpt-4o-mini"])
        .get();
    assert_eq!(cost, 0.0);
}

async fn invalid_output(reply: Canned) -> String {
    let server = FakeServer::start(vec![reply]).await;
    let (llm, m) = chat(&server.base, "k");
    let err = llm.extract("x", "").await.unwrap_err();
    assert_eq!(server.calls(), 1, "an unusable answer is not retried");
    assert_eq!(m.breaker_state.with_label_values(&["llm"]).get(), 0);
    match err {
        ProviderError::Permanent(why) if why.starts_with("invalid model output") => why,
        other => panic!("expected invalid output, got {other:?}"),
    }
}

#[tokio::test]
async fn malformed_answers_are_permanent_invalid_output() {
    let why = invalid_output(completion(
        json!("Sure! The intent is add_credit."),
        usage(1, 1, 0),
    ))
    .await;
    assert!(why.contains("not JSON"), "{why}");

    let mut wrong = intent_json();
    wrong["intent"] = json!("launch_rocket");
    let why = invalid_output(completion(json!(wrong.to_string()), usage(1, 1, 0))).await;
    assert!(why.contains("schema"), "{why}");

    let mut sure = intent_json();
    sure["confidence"] = json!(1.7);
    let why = invalid_output(completion(json!(sure.to_string()), usage(1, 1, 0))).await;
    assert!(why.contains("confidence"), "{why}");

    let mut negative = intent_json();
    negative["entities"]["amount_paise"] = json!(-5);
    let why = invalid_output(completion(json!(negative.to_string()), usage(1, 1, 0))).await;
    assert!(why.contains("amount"), "{why}");
}

#[tokio::test]
async fn refusals_and_empty_choices_are_invalid_output() {
    let refusal = Canned::json(
        200,
        json!({"choices": [{"message": {"content": null, "refusal": "I can't help with that."}}]}),
    );
    assert!(invalid_output(refusal).await.contains("refused"));
    let empty = Canned::json(200, json!({"choices": []}));
    assert!(invalid_output(empty).await.contains("no choices"));
}

#[tokio::test]
async fn out_of_quota_is_permanent_and_rate_limits_are_retried() {
    let quota = Canned::json(
        429,
        json!({"error": {"message": "You exceeded your current quota", "type": "insufficient_quota", "param": null, "code": "insufficient_quota"}}),
    );
    let server = FakeServer::start(vec![quota]).await;
    let (llm, _) = chat(&server.base, "k");
    let err = llm.extract("x", "").await.unwrap_err();
    assert!(
        matches!(err, ProviderError::Permanent(ref e) if e.contains("insufficient_quota")),
        "{err}"
    );
    assert_eq!(server.calls(), 1);

    let server = FakeServer::start(vec![
        Canned::json(429, json!({"error": {"code": "rate_limit_exceeded"}}))
            .with_header("retry-after-ms", "10"),
        completion(json!(intent_json().to_string()), usage(1, 1, 0)),
    ])
    .await;
    let (llm, _) = chat(&server.base, "k");
    llm.extract("x", "").await.unwrap();
    assert_eq!(server.calls(), 2);
}

#[tokio::test]
async fn bad_key_is_permanent() {
    let server = FakeServer::start(vec![Canned::json(401, json!({"error": {"message": "Incorrect API key provided", "type": "invalid_request_error", "code": "invalid_api_key"}}))]).await;
    let (llm, _) = chat(&server.base, "k");
    let err = llm.extract("x", "").await.unwrap_err();
    assert_eq!(
        err,
        ProviderError::Permanent("http 401 invalid_api_key: Incorrect API key provided".into())
    );
    assert_eq!(server.calls(), 1);
}

#[test]
fn cost_bills_cached_tokens_at_the_cached_price() {
    let p = Prices {
        input: 2.0,
        cached: 0.5,
        output: 8.0,
    };
    let u = Usage {
        prompt: 1_000_000,
        completion: 500_000,
        cached: 200_000,
    };
    assert!((p.cost_usd(u) - (1.6 + 0.1 + 4.0)).abs() < 1e-9);
}
