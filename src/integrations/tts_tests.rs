//! Tests of the text-to-speech adapters: HTTP ones against a local fake server, espeak-ng
//! through a stand-in script (and the real program when it is installed).

use secrecy::SecretString;
use serde_json::json;

use super::*;
use crate::integrations::fake_server::{Canned, FakeServer, client, metrics};

fn eleven(base: &str) -> ElevenLabs {
    let settings = ElevenLabsSettings {
        api_key: SecretString::from("xi-key"),
        base_url: base.to_string(),
        voice_id: "VOICE".into(),
        model: "eleven_multilingual_v2".into(),
    };
    ElevenLabs::new(client("elevenlabs", "tts", &metrics(), 5, 2), &settings)
}

#[tokio::test]
async fn elevenlabs_posts_text_with_its_key_header() {
    let server = FakeServer::start(vec![Canned::bytes(200, "audio/mpeg", b"ID3mp3")]).await;
    let tts = eleven(&server.base);
    let speech = tts
        .synthesize("Ramesh ka balance 500 rupay hai", "hi")
        .await
        .unwrap();
    assert_eq!(
        speech,
        Speech {
            bytes: b"ID3mp3".to_vec(),
            content_type: "audio/mpeg".into()
        }
    );
    let req = server.last();
    assert_eq!(
        (req.method.as_str(), req.path.as_str()),
        ("POST", "/v1/text-to-speech/VOICE")
    );
    assert_eq!(
        req.query.get("output_format").map(String::as_str),
        Some("mp3_44100_128")
    );
    assert_eq!(req.header("xi-api-key"), "xi-key");
    assert_eq!(req.header("authorization"), "");
    assert!(req.header("content-type").starts_with("application/json"));
    assert_eq!(
        req.json(),
        json!({"text": "Ramesh ka balance 500 rupay hai", "model_id": "eleven_multilingual_v2"})
    );
    assert_eq!(tts.name(), "elevenlabs");
}

#[tokio::test]
async fn elevenlabs_busy_is_retried_and_quota_is_not() {
    let busy = Canned::json(
        429,
        json!({"detail": {"status": "system_busy", "message": "busy"}}),
    );
    let server = FakeServer::start(vec![busy, Canned::bytes(200, "audio/mpeg", b"mp3")]).await;
    eleven(&server.base).synthesize("x", "hi").await.unwrap();
    assert_eq!(server.calls(), 2);

    let quota = Canned::json(
        429,
        json!({"detail": {"status": "quota_exceeded", "message": "out of characters"}}),
    );
    let server = FakeServer::start(vec![quota]).await;
    let err = eleven(&server.base)
        .synthesize("x", "hi")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ProviderError::Permanent("http 429 quota_exceeded: out of characters".into())
    );
    assert_eq!(server.calls(), 1);
}

#[tokio::test]
async fn elevenlabs_validation_detail_array_is_understood() {
    let body =
        json!({"detail": [{"loc": ["body", "text"], "msg": "field required", "type": "missing"}]});
    let server = FakeServer::start(vec![Canned::json(422, body)]).await;
    let err = eleven(&server.base)
        .synthesize("x", "hi")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ProviderError::Permanent("http 422 missing: field required".into())
    );
    let plain = elevenlabs_error(br#"{"detail": "Not Found"}"#);
    assert_eq!(plain.message.as_deref(), Some("Not Found"));
}

#[tokio::test]
async fn openai_speech_posts_json_with_bearer_auth() {
    let server = FakeServer::start(vec![Canned::bytes(200, "audio/mpeg", b"mp3!")]).await;
    let settings = OpenAiSettings {
        api_key: SecretString::from("sk-tts"),
        base_url: format!("{}/v1", server.base),
        transcribe_model: "unused".into(),
        tts_model: "gpt-4o-mini-tts".into(),
        tts_voice: "alloy".into(),
    };
    let tts = OpenAiSpeech::new(client("openai_tts", "tts", &metrics(), 5, 2), &settings);
    let speech = tts.synthesize("namaste", "hi").await.unwrap();
    assert_eq!(speech.bytes, b"mp3!");
    let req = server.last();
    assert_eq!(
        (req.method.as_str(), req.path.as_str()),
        ("POST", "/v1/audio/speech")
    );
    assert_eq!(req.header("authorization"), "Bearer sk-tts");
    assert_eq!(
        req.json(),
        json!({"model": "gpt-4o-mini-tts", "input": "namaste", "voice": "alloy", "response_format": "mp3"})
    );
}

#[tokio::test]
async fn empty_audio_is_an_error() {
    let server = FakeServer::start(vec![Canned::bytes(200, "audio/mpeg", b"")]).await;
    let err = eleven(&server.base)
        .synthesize("x", "hi")
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::Permanent(_)));
}

/// A stand-in for espeak-ng that prints its arguments one per line, proving the text
/// arrives as one argument after `--` and is never interpreted.
#[cfg(unix)]
#[tokio::test]
async fn espeak_gets_the_text_as_a_single_argument_after_double_dash() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("execora-espeak-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("fake-espeak");
    std::fs::write(
        &script,
        "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    // A fork elsewhere in the test process may briefly hold the new file open for
    // writing (ETXTBSY); detection simply fails then, so try a few times.
    let espeak = (0..50)
        .find_map(|_| Espeak::detect_program(script.to_str().unwrap()))
        .unwrap();
    let text = "-x $(touch pwned); echo hi";
    let speech = espeak.synthesize(text, "english").await.unwrap();
    assert_eq!(speech.content_type, "audio/wav");
    let args = String::from_utf8(speech.bytes).unwrap();
    assert_eq!(args, format!("--stdout\n-v\nen\n--\n{text}\n"));
    let hindi = espeak.synthesize("namaste", "hinglish").await.unwrap();
    assert!(
        String::from_utf8(hindi.bytes)
            .unwrap()
            .starts_with("--stdout\n-v\nhi\n")
    );
    assert!(Espeak::detect_program("/nonexistent/espeak-ng").is_none());
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn espeak_speaks_wav_when_installed() {
    let Some(espeak) = Espeak::detect() else {
        eprintln!("note: espeak-ng is not installed; skipping the real espeak-ng test");
        return;
    };
    let speech = espeak.synthesize("namaste", "hi").await.unwrap();
    assert_eq!(&speech.bytes[..4], b"RIFF");
    assert_eq!(speech.content_type, "audio/wav");
}
