//! Tests of the speech-to-text adapters against a local fake server.

use secrecy::SecretString;
use serde_json::json;

use super::*;
use crate::integrations::fake_server::{Canned, FakeServer, client, metrics};

fn deepgram(
    base: &str,
    threshold: u32,
    retries: u32,
) -> (Deepgram, std::sync::Arc<crate::telemetry::Metrics>) {
    let m = metrics();
    let settings = DeepgramSettings {
        api_key: SecretString::from("dg-key"),
        base_url: format!("{base}/"),
        model: "nova-3".into(),
    };
    (
        Deepgram::new(client("deepgram", "stt", &m, threshold, retries), &settings),
        m,
    )
}

fn openai(base: &str) -> OpenAiTranscriber {
    openai_with_key(base, "sk-test")
}

fn openai_with_key(base: &str, key: &str) -> OpenAiTranscriber {
    let settings = OpenAiSettings {
        api_key: SecretString::from(key),
        base_url: base.to_string(),
        transcribe_model: "gpt-4o-mini-transcribe".into(),
        tts_model: "unused".into(),
        tts_voice: "unused".into(),
    };
    OpenAiTranscriber::new(client("openai_stt", "stt", &metrics(), 5, 2), &settings)
}

fn deepgram_ok() -> Canned {
    Canned::json(
        200,
        json!({
            "metadata": {"request_id": "r1", "duration": 1.2, "channels": 1},
            "results": {"channels": [{"alternatives": [{
                "transcript": "Ramesh ko 500 udhaar likho", "confidence": 0.93, "words": []
            }]}]}
        }),
    )
}

#[tokio::test]
async fn deepgram_sends_raw_audio_with_token_auth() {
    let server = FakeServer::start(vec![deepgram_ok()]).await;
    let (dg, m) = deepgram(&server.base, 5, 2);
    let t = dg
        .transcribe(b"RIFFwav", "audio/wav", Some("hi"))
        .await
        .unwrap();
    assert_eq!(t.text, "Ramesh ko 500 udhaar likho");
    assert!((t.confidence.unwrap() - 0.93).abs() < 1e-6);
    let req = server.last();
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, "/v1/listen");
    assert_eq!(req.query.get("model").map(String::as_str), Some("nova-3"));
    assert_eq!(
        req.query.get("smart_format").map(String::as_str),
        Some("true")
    );
    assert_eq!(req.query.get("language").map(String::as_str), Some("hi"));
    assert_eq!(req.header("authorization"), "Token dg-key");
    assert_eq!(req.header("content-type"), "audio/wav");
    assert_eq!(req.body, b"RIFFwav");
    assert_eq!(dg.name(), "deepgram");
    assert_eq!(
        m.provider_requests
            .with_label_values(&["deepgram", "ok"])
            .get(),
        1
    );
}

#[tokio::test]
async fn deepgram_omits_language_when_not_given() {
    let server = FakeServer::start(vec![deepgram_ok()]).await;
    let (dg, _) = deepgram(&server.base, 5, 2);
    dg.transcribe(b"x", "audio/ogg", None).await.unwrap();
    assert!(!server.last().query.contains_key("language"));
}

#[tokio::test]
async fn deepgram_concurrency_429_is_retried() {
    let server = FakeServer::start(vec![
        Canned::json(429, json!({"err_code": "TOO_MANY_REQUESTS", "err_msg": "Too many requests. Please try again later", "request_id": "r"})),
        deepgram_ok(),
    ])
    .await;
    let (dg, _) = deepgram(&server.base, 5, 2);
    dg.transcribe(b"x", "audio/ogg", None).await.unwrap();
    assert_eq!(server.calls(), 2);
}

#[tokio::test]
async fn deepgram_bad_key_is_permanent_and_parsed_leniently() {
    let server = FakeServer::start(vec![Canned::json(
        401,
        json!({"err_code": "INVALID_AUTH", "err_msg": "Invalid credentials.", "request_id": "r"}),
    )])
    .await;
    let (dg, m) = deepgram(&server.base, 5, 2);
    let err = dg.transcribe(b"x", "audio/ogg", None).await.unwrap_err();
    assert_eq!(
        err,
        ProviderError::Permanent("http 401 INVALID_AUTH: Invalid credentials.".into())
    );
    assert_eq!(server.calls(), 1);
    assert_eq!(
        m.provider_requests
            .with_label_values(&["deepgram", "permanent"])
            .get(),
        1
    );
    let other = deepgram_error(br#"{"category":"INVALID_JSON","message":"bad","details":"x"}"#);
    assert_eq!(other.code.as_deref(), Some("INVALID_JSON"));
    assert_eq!(
        deepgram_error(b"<html>gateway</html>"),
        ErrorBody::default()
    );
}

#[tokio::test]
async fn repeated_server_errors_open_the_breaker() {
    let server = FakeServer::start(vec![Canned::json(500, json!({"err_code": "INTERNAL"}))]).await;
    let (dg, m) = deepgram(&server.base, 2, 2);
    for _ in 0..2 {
        let err = dg.transcribe(b"x", "audio/ogg", None).await.unwrap_err();
        assert!(
            matches!(err, ProviderError::Transient(ref e) if e.starts_with("http 500")),
            "{err}"
        );
    }
    assert_eq!(server.calls(), 6, "three attempts per call");
    let err = dg.transcribe(b"x", "audio/ogg", None).await.unwrap_err();
    assert_eq!(err, ProviderError::Unavailable);
    assert_eq!(
        server.calls(),
        6,
        "an open breaker keeps calls off the wire"
    );
    assert_eq!(m.breaker_state.with_label_values(&["stt"]).get(), 2);
    assert_eq!(
        m.provider_requests
            .with_label_values(&["deepgram", "transient"])
            .get(),
        2
    );
    assert_eq!(
        m.provider_requests
            .with_label_values(&["deepgram", "rejected"])
            .get(),
        1
    );
}

#[tokio::test]
async fn deepgram_answer_without_transcript_is_permanent() {
    let server = FakeServer::start(vec![Canned::json(
        200,
        json!({"results": {"channels": []}}),
    )])
    .await;
    let (dg, _) = deepgram(&server.base, 5, 2);
    let err = dg.transcribe(b"x", "audio/ogg", None).await.unwrap_err();
    assert!(matches!(err, ProviderError::Permanent(_)), "{err}");
}

#[tokio::test]
async fn openai_transcription_is_a_multipart_upload_with_bearer_auth() {
    let server = FakeServer::start(vec![Canned::json(
        200,
        json!({"text": "aaj ka hisaab batao"}),
    )])
    .await;
    let stt = openai(&server.base);
    let t = stt
        .transcribe(b"OggS-audio", "audio/ogg; codecs=opus", Some("hi"))
        .await
        .unwrap();
    assert_eq!(
        t,
        Transcript {
            text: "aaj ka hisaab batao".into(),
            confidence: None
        }
    );
    let req = server.last();
    assert_eq!(
        (req.method.as_str(), req.path.as_str()),
        ("POST", "/audio/transcriptions")
    );
    assert_eq!(req.header("authorization"), "Bearer sk-test");
    assert!(
        req.header("content-type")
            .starts_with("multipart/form-data; boundary=")
    );
    let body = req.text();
    assert!(
        body.contains("name=\"model\"\r\n\r\ngpt-4o-mini-transcribe\r\n"),
        "{body}"
    );
    assert!(
        body.contains("name=\"file\"; filename=\"audio.ogg\""),
        "{body}"
    );
    assert!(
        body.contains("Content-Type: audio/ogg; codecs=opus\r\n\r\nOggS-audio"),
        "{body}"
    );
    assert!(body.contains("name=\"language\"\r\n\r\nhi\r\n"), "{body}");
}

#[tokio::test]
async fn a_keyless_local_server_gets_no_authorization_header() {
    let server = FakeServer::start(vec![Canned::json(200, json!({"text": "ok"}))]).await;
    let stt = openai_with_key(&format!("{}/v1", server.base), "");
    let t = stt.transcribe(b"RIFFwav", "audio/wav", None).await.unwrap();
    assert_eq!(t.text, "ok");
    let req = server.last();
    assert_eq!(req.path, "/v1/audio/transcriptions");
    assert!(req.headers.get("authorization").is_none());
}

#[tokio::test]
async fn openai_throttle_with_retry_after_ms_is_retried_once() {
    let server = FakeServer::start(vec![
        Canned::json(
            429,
            json!({"error": {"code": "rate_limit_exceeded", "message": "slow down"}}),
        )
        .with_header("retry-after-ms", "10"),
        Canned::json(200, json!({"text": "ok"})),
    ])
    .await;
    let t = openai(&server.base)
        .transcribe(b"x", "audio/wav", None)
        .await
        .unwrap();
    assert_eq!(t.text, "ok");
    assert_eq!(server.calls(), 2);
    assert!(!server.last().text().contains("name=\"language\""));
}

#[tokio::test]
async fn openai_out_of_quota_is_not_retried() {
    let server = FakeServer::start(vec![Canned::json(
        429,
        json!({"error": {"message": "You exceeded your current quota", "type": "insufficient_quota", "code": "insufficient_quota"}}),
    )])
    .await;
    let err = openai(&server.base)
        .transcribe(b"x", "audio/wav", None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ProviderError::Permanent(ref e) if e.contains("insufficient_quota")),
        "{err}"
    );
    assert_eq!(server.calls(), 1);
}

#[test]
fn audio_types_map_to_extensions_openai_knows() {
    assert_eq!(extension("audio/mpeg"), "mp3");
    assert_eq!(extension("Audio/WAV"), "wav");
    assert_eq!(extension("audio/webm;codecs=opus"), "webm");
    assert_eq!(extension("application/octet-stream"), "ogg");
}
