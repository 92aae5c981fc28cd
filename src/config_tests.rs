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
    assert_eq!(s.jobs.heartbeat_secs, 3);
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
