//! What operators rely on: every metric a dashboard or alert queries is exported by a
//! running system, the alert rules pass promtool (syntax and their unit tests), and
//! every alert has a runbook section.

use std::{collections::BTreeSet, path::PathBuf, process::Command};

use serde_json::Value;

use crate::{
    common::{TestApp, TestEnv, WsClient, client},
    voice::{say, shop},
    voice_fakes::{self, DEEPGRAM_KEY, ELEVEN_KEY, LlmMode, OPENAI_KEY, VOICE_ID},
};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `execora_*` names in a query, histogram series folded into their family.
fn metric_names(expr: &str, into: &mut BTreeSet<String>) {
    let mut rest = expr;
    while let Some(at) = rest.find("execora_") {
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        let name = &tail[..end];
        let family = ["_bucket", "_count", "_sum"]
            .iter()
            .find_map(|s| name.strip_suffix(s))
            .unwrap_or(name);
        into.insert(family.to_string());
        rest = &tail[end..];
    }
}

fn dashboard_exprs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("expr", Value::String(e)) => metric_names(e, out),
                    _ => dashboard_exprs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| dashboard_exprs(i, out)),
        _ => {}
    }
}

fn queried_metrics() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let dir = repo().join("dashboards");
    let mut dashboards = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => {
                let v: Value =
                    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                dashboard_exprs(&v, &mut names);
                dashboards += 1;
            }
            Some("yml") => metric_names(&std::fs::read_to_string(&path).unwrap(), &mut names),
            _ => {}
        }
    }
    assert!(dashboards >= 4, "API, workflows, voice and SLO dashboards");
    names
}

#[tokio::test]
async fn every_metric_a_dashboard_or_alert_queries_is_exported() {
    let fakes = voice_fakes::start().await;
    fakes.set_llm(LlmMode::Answer(
        serde_json::json!({"intent": "add_credit", "confidence": 0.9, "normalized": "x",
        "entities": {"customer": "Ramesh", "amount_paise": 50000}}),
    ));
    let env = TestEnv::new()
        .await
        .with("EXECORA_STT_PROVIDER", "deepgram")
        .with("EXECORA_DEEPGRAM_API_KEY", DEEPGRAM_KEY)
        .with("EXECORA_DEEPGRAM_BASE_URL", &fakes.base)
        .with("EXECORA_OPENAI_API_KEY", OPENAI_KEY)
        .with("EXECORA_OPENAI_BASE_URL", &format!("{}/v1", fakes.base))
        .with("EXECORA_LLM_PROVIDER", "openai")
        .with("EXECORA_LLM_PRICE_INPUT_PER_MTOK", "0.15")
        .with("EXECORA_TTS_PROVIDER", "elevenlabs")
        .with("EXECORA_ELEVENLABS_API_KEY", ELEVEN_KEY)
        .with("EXECORA_ELEVENLABS_BASE_URL", &fakes.base)
        .with("EXECORA_ELEVENLABS_VOICE_ID", VOICE_ID);
    let t = TestApp::start(&env, true, true).await;
    let (_, _, _, token) = shop(&t, &env).await;
    let mut ws = WsClient::connect(&t.ws_url, &token).await;
    say(&mut ws, "obs", "Ramesh ko 500 udhaar likho").await;
    let text = client()
        .get(format!("{}/metrics", t.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let exported: BTreeSet<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect();
    let missing: Vec<String> = queried_metrics()
        .into_iter()
        .filter(|m| !exported.contains(m))
        .collect();
    assert!(missing.is_empty(), "queried but not exported: {missing:?}");
    assert!(
        exported.iter().all(|m| m.starts_with("execora_")),
        "{exported:?}"
    );
    t.stop().await;
}

fn promtool(args: &[&str]) {
    let out = Command::new("promtool")
        .args(args)
        .current_dir(repo().join("dashboards"))
        .output()
        .expect("promtool (Debian package prometheus; scripts/services installs it)");
    assert!(
        out.status.success(),
        "promtool {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_alert_rules_pass_promtool_and_each_has_a_runbook_section() {
    promtool(&["check", "rules", "alerts.yml"]);
    promtool(&["test", "rules", "alerts_test.yml"]);
    let rules = std::fs::read_to_string(repo().join("dashboards/alerts.yml")).unwrap();
    let runbook = std::fs::read_to_string(repo().join("docs/runbook.md")).unwrap();
    let alerts: Vec<&str> = rules
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- alert: "))
        .collect();
    assert!(alerts.len() >= 8, "{alerts:?}");
    for alert in alerts {
        assert!(
            runbook.contains(&format!("\n## {alert}\n")),
            "docs/runbook.md lacks ## {alert}"
        );
        assert!(
            rules.contains(&format!("docs/runbook.md#{}", alert.to_lowercase())),
            "{alert} links its runbook"
        );
    }
}
