//! Tests of `config`.

use super::*;
use secrecy::ExposeSecret;
use std::collections::HashMap;

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

const BASE: &[(&str, &str)] = &[("DATABASE_URL", "postgres://x"), ("REDIS_URL", "redis://y")];

#[test]
fn environment_overrides_file_which_overrides_defaults() {
    let file = "listen = \"127.0.0.1:9000\"\n[jobs]\nbatch_size = 4\n";
    let mut vars = BASE.to_vec();
    vars.push(("EXECORA_JOBS_BATCH_SIZE", "8"));
    let s = Settings::from_sources(Some(file), env(&vars)).unwrap();
    assert_eq!(s.listen.port(), 9000);
    assert_eq!(s.jobs.batch_size, 8);
    assert_eq!(s.jobs.lease_ms, 15_000);
}

#[test]
fn missing_database_url_names_it() {
    let err = Settings::from_sources(None, env(&[("REDIS_URL", "redis://y")])).unwrap_err();
    assert!(err.to_string().contains("DATABASE_URL"), "{err}");
}

#[test]
fn bad_number_names_the_variable() {
    let mut vars = BASE.to_vec();
    vars.push(("EXECORA_JOBS_BATCH_SIZE", "many"));
    let err = Settings::from_sources(None, env(&vars)).unwrap_err();
    assert!(err.to_string().contains("EXECORA_JOBS_BATCH_SIZE"), "{err}");
}

#[test]
fn bad_listen_address_is_refused() {
    let mut vars = BASE.to_vec();
    vars.push(("EXECORA_LISTEN", "not-an-address"));
    let err = Settings::from_sources(None, env(&vars)).unwrap_err();
    assert!(
        err.to_string().contains("listen") || err.to_string().contains("address"),
        "{err}"
    );
}

#[test]
fn secrets_can_come_from_files() {
    let dir = std::env::temp_dir().join(format!("execora-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("secret");
    std::fs::write(&path, "s3cr3t\n").unwrap();
    let mut vars = BASE.to_vec();
    let p = path.to_string_lossy().to_string();
    vars.push(("EXECORA_WHATSAPP_APP_SECRET_FILE", &p));
    let s = Settings::from_sources(None, env(&vars)).unwrap();
    assert_eq!(s.whatsapp.app_secret.expose_secret(), "s3cr3t");
}

#[test]
fn production_refuses_missing_secrets() {
    let mut vars = BASE.to_vec();
    vars.push(("EXECORA_PROFILE", "production"));
    let err = Settings::from_sources(None, env(&vars)).unwrap_err();
    assert!(err.to_string().contains("EXECORA_JWT_PRIVATE_KEY"), "{err}");
}

#[test]
fn production_refuses_to_start_without_a_mailer() {
    let mut vars = BASE.to_vec();
    vars.extend_from_slice(&[
        ("EXECORA_PROFILE", "production"),
        ("EXECORA_JWT_PRIVATE_KEY", "pem"),
        ("EXECORA_WHATSAPP_APP_SECRET", "s"),
        ("EXECORA_WHATSAPP_VERIFY_TOKEN", "t"),
    ]);
    let err = Settings::from_sources(None, env(&vars)).unwrap_err();
    assert!(err.to_string().contains("EXECORA_SMTP_URL"), "{err}");
    vars.push(("EXECORA_SMTP_URL", "smtp://127.0.0.1:2525"));
    assert!(Settings::from_sources(None, env(&vars)).is_ok());
}

fn load(extra: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    let mut vars = BASE.to_vec();
    vars.extend_from_slice(extra);
    Settings::from_sources(None, env(&vars))
}

#[test]
fn voice_providers_default_to_none_and_auto() {
    let s = load(&[]).unwrap();
    assert_eq!(s.providers.stt, SttChoice::None);
    assert_eq!(s.providers.llm, LlmChoice::None);
    assert_eq!(s.providers.tts, TtsChoice::Auto);
    assert_eq!(s.providers.max_retries, 2);
    assert_eq!(s.providers.timeout_ms, 15_000);
}

#[test]
fn provider_keys_may_come_from_files_too() {
    let err = load(&[
        ("EXECORA_STT_PROVIDER", "deepgram"),
        ("EXECORA_DEEPGRAM_API_KEY_FILE", "/nonexistent/key"),
    ])
    .unwrap_err();
    assert!(
        err.to_string().contains("EXECORA_DEEPGRAM_API_KEY_FILE"),
        "{err}"
    );
}

#[test]
fn prices_are_decimals_and_provider_names_ignore_case() {
    let s = load(&[
        ("EXECORA_LLM_PRICE_INPUT_PER_MTOK", "0.15"),
        ("EXECORA_LLM_PRICE_CACHED_PER_MTOK", "1"),
        ("EXECORA_STT_PROVIDER", "Deepgram"),
        ("EXECORA_DEEPGRAM_API_KEY", "k"),
    ])
    .unwrap();
    assert_eq!(s.providers.llm_endpoint.price_input_per_mtok, 0.15);
    assert_eq!(s.providers.llm_endpoint.price_cached_per_mtok, 1.0);
    assert_eq!(s.providers.stt, SttChoice::Deepgram);
}

#[test]
fn a_provider_without_its_key_names_the_variable() {
    for (vars, name) in [
        (
            vec![("EXECORA_STT_PROVIDER", "deepgram")],
            "EXECORA_DEEPGRAM_API_KEY",
        ),
        (
            vec![("EXECORA_STT_PROVIDER", "openai")],
            "EXECORA_OPENAI_API_KEY",
        ),
        (
            vec![("EXECORA_LLM_PROVIDER", "openai")],
            "EXECORA_LLM_API_KEY",
        ),
        (
            vec![("EXECORA_TTS_PROVIDER", "elevenlabs")],
            "EXECORA_ELEVENLABS_API_KEY",
        ),
        (
            vec![
                ("EXECORA_TTS_PROVIDER", "elevenlabs"),
                ("EXECORA_ELEVENLABS_API_KEY", "k"),
            ],
            "EXECORA_ELEVENLABS_VOICE_ID",
        ),
        (
            vec![("EXECORA_TTS_PROVIDER", "openai")],
            "EXECORA_OPENAI_API_KEY",
        ),
        (
            vec![("EXECORA_STT_PROVIDER", "whisper")],
            "EXECORA_STT_PROVIDER",
        ),
        (
            vec![("EXECORA_LLM_PRICE_INPUT_PER_MTOK", "cheap")],
            "EXECORA_LLM_PRICE_INPUT_PER_MTOK",
        ),
        (
            vec![("EXECORA_LLM_PRICE_OUTPUT_PER_MTOK", "-1")],
            "EXECORA_LLM_PRICE_OUTPUT_PER_MTOK",
        ),
    ] {
        let err = load(&vars).unwrap_err().to_string();
        assert!(err.contains(name) && !err.contains('\n'), "{vars:?}: {err}");
    }
}

#[test]
fn the_llm_falls_back_to_the_openai_endpoint_and_key() {
    let s = load(&[
        ("EXECORA_LLM_PROVIDER", "openai"),
        ("EXECORA_OPENAI_API_KEY", "sk"),
    ])
    .unwrap();
    assert_eq!(s.providers.llm_base_url(), "https://api.openai.com/v1");
    assert_eq!(s.providers.llm_api_key().expose_secret(), "sk");
    assert_eq!(s.providers.llm_endpoint.price_input_per_mtok, 0.0);
}

#[test]
fn a_local_whisper_server_needs_no_key_and_falls_back_to_openai_otherwise() {
    let s = load(&[
        ("EXECORA_STT_PROVIDER", "openai"),
        ("EXECORA_STT_BASE_URL", "http://127.0.0.1:8000/v1"),
    ])
    .unwrap();
    let stt = s.providers.stt_openai();
    assert_eq!(stt.base_url, "http://127.0.0.1:8000/v1");
    assert_eq!(stt.api_key.expose_secret(), "");
    let s = load(&[
        ("EXECORA_STT_PROVIDER", "openai"),
        ("EXECORA_OPENAI_API_KEY", "sk"),
    ])
    .unwrap();
    let stt = s.providers.stt_openai();
    assert_eq!(stt.base_url, "https://api.openai.com/v1");
    assert_eq!(stt.api_key.expose_secret(), "sk");
}

#[test]
fn otlp_export_is_off_by_default_and_follows_the_standard_variables() {
    let s = Settings::from_sources(None, env(BASE)).unwrap();
    assert_eq!(s.otel.traces_url(), None);
    assert_eq!(s.otel.service_name, "execora");
    let mut vars = BASE.to_vec();
    vars.push(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"));
    vars.push(("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"));
    vars.push((
        "OTEL_EXPORTER_OTLP_HEADERS",
        "authorization=Basic%20abc, x-tenant=shop",
    ));
    let s = Settings::from_sources(None, env(&vars)).unwrap();
    assert_eq!(
        s.otel.traces_url().as_deref(),
        Some("http://collector:4318/v1/traces")
    );
    assert_eq!(s.otel.protocol().unwrap(), OtlpProtocol::Json);
    assert_eq!(
        s.otel.header_pairs().unwrap(),
        vec![
            ("authorization".to_string(), "Basic%20abc".to_string()),
            ("x-tenant".to_string(), "shop".to_string())
        ]
    );
    vars.push((
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "https://tempo/otlp/v1/traces",
    ));
    let s = Settings::from_sources(None, env(&vars)).unwrap();
    assert_eq!(
        s.otel.traces_url().as_deref(),
        Some("https://tempo/otlp/v1/traces")
    );
}

#[test]
fn otlp_grpc_and_malformed_headers_are_refused_without_echoing_them() {
    let mut vars = BASE.to_vec();
    vars.push(("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"));
    let err = Settings::from_sources(None, env(&vars)).unwrap_err();
    assert!(err.to_string().contains("gRPC is not supported"), "{err}");
    let mut vars = BASE.to_vec();
    vars.push(("OTEL_EXPORTER_OTLP_HEADERS", "api-key-without-name"));
    let err = Settings::from_sources(None, env(&vars)).unwrap_err();
    assert!(
        err.to_string().contains("OTEL_EXPORTER_OTLP_HEADERS"),
        "{err}"
    );
    assert!(!err.to_string().contains("api-key-without-name"), "{err}");
}
