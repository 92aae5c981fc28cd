//! Declarative workflow specs: `workflows/<name>.toml`, loaded and checked at start-up.
//!
//! A spec names the queue, the worker concurrency and the ordered steps, each with a
//! timeout, a retry policy and an optional circuit breaker. The code's step list
//! ([`super::registry`]) and the file must agree exactly: a step in one and not the other
//! stops start-up with a message naming both, because a silently skipped step would be
//! worse than not starting.

use std::{collections::BTreeMap, path::Path, time::Duration};

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::resilience::RetryPolicy;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkflowSpec {
    /// The workflow's name; must equal the file stem.
    pub name: String,
    /// Queue the workflow's jobs wait in (namespaced per deployment).
    pub queue: String,
    /// Jobs of this workflow one worker process runs at once.
    pub concurrency: usize,
    pub steps: Vec<StepSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepSpec {
    pub name: String,
    /// One attempt of the step is cancelled after this long and counts as a transient failure.
    pub timeout_ms: u64,
    pub retry: RetryPolicy,
    /// The circuit breaker the step's provider calls go through, if any.
    #[serde(default)]
    pub breaker: Option<String>,
}

impl StepSpec {
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }
}

/// All workflow specs, by name.
#[derive(Debug, Clone, Default)]
pub struct WorkflowSpecs {
    by_name: BTreeMap<String, WorkflowSpec>,
}

impl WorkflowSpecs {
    /// Reads every `*.toml` in `dir` and checks each against the code's step lists.
    pub fn load(
        dir: &Path,
        code: &BTreeMap<&'static str, Vec<&'static str>>,
        breakers: &[&str],
    ) -> anyhow::Result<Self> {
        let mut by_name = BTreeMap::new();
        let entries = std::fs::read_dir(dir)
            .with_context(|| format!("workflows directory {} unreadable", dir.display()))?;
        for entry in entries {
            let path = entry?.path();
            if path.extension().and_then(|e| e.to_str()) != Some("toml") {
                continue;
            }
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("read {}", path.display()))?;
            let spec: WorkflowSpec = toml::from_str(&text)
                .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.message()))?;
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            if spec.name != stem {
                bail!(
                    "{}: name {:?} must match the file name",
                    path.display(),
                    spec.name
                );
            }
            by_name.insert(spec.name.clone(), spec);
        }
        let specs = Self { by_name };
        specs.check_against(code, breakers)?;
        Ok(specs)
    }

    fn check_against(
        &self,
        code: &BTreeMap<&'static str, Vec<&'static str>>,
        breakers: &[&str],
    ) -> anyhow::Result<()> {
        for (name, code_steps) in code {
            let Some(spec) = self.by_name.get(*name) else {
                bail!("workflow {name:?} exists in the code but has no workflows/{name}.toml");
            };
            let file_steps: Vec<&str> = spec.steps.iter().map(|s| s.name.as_str()).collect();
            for step in &file_steps {
                if !code_steps.contains(step) {
                    bail!(
                        "workflows/{name}.toml names step {step:?}, which the code does not have (it has {code_steps:?})"
                    );
                }
            }
            for step in code_steps {
                if !file_steps.contains(step) {
                    bail!(
                        "workflow {name:?} has step {step:?} in the code, missing from workflows/{name}.toml"
                    );
                }
            }
            if file_steps != *code_steps {
                bail!(
                    "workflows/{name}.toml lists steps {file_steps:?}; the code runs them in the order {code_steps:?}"
                );
            }
            if spec.concurrency == 0 || spec.queue.is_empty() || spec.queue.contains(':') {
                bail!(
                    "workflows/{name}.toml: concurrency must be > 0 and queue non-empty without ':'"
                );
            }
            for step in &spec.steps {
                step.retry.validate().map_err(|e| {
                    anyhow::anyhow!("workflows/{name}.toml step {}: {e}", step.name)
                })?;
                if step.timeout_ms == 0 {
                    bail!(
                        "workflows/{name}.toml step {}: timeout_ms must be > 0",
                        step.name
                    );
                }
                if let Some(b) = &step.breaker
                    && !breakers.contains(&b.as_str())
                {
                    bail!(
                        "workflows/{name}.toml step {}: unknown circuit breaker {b:?} (known: {breakers:?})",
                        step.name
                    );
                }
            }
        }
        if let Some(extra) = self.by_name.keys().find(|n| !code.contains_key(n.as_str())) {
            bail!("workflows/{extra}.toml describes a workflow the code does not have");
        }
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&WorkflowSpec> {
        self.by_name.get(name)
    }

    pub fn iter(&self) -> impl Iterator<Item = &WorkflowSpec> {
        self.by_name.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, steps: &[&str]) {
        let mut text = format!("name = \"{name}\"\nqueue = \"{name}\"\nconcurrency = 2\n");
        for s in steps {
            text.push_str(&format!(
                "[[steps]]\nname = \"{s}\"\ntimeout_ms = 1000\nretry = {{ max_attempts = 3, initial_backoff_ms = 100, max_backoff_ms = 1000 }}\n"
            ));
        }
        std::fs::write(dir.join(format!("{name}.toml")), text).unwrap();
    }

    fn code(steps: &[&'static str]) -> BTreeMap<&'static str, Vec<&'static str>> {
        BTreeMap::from([("demo", steps.to_vec())])
    }

    fn dir(tag: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("execora-spec-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn matching_spec_loads() {
        let d = dir("ok");
        write(&d, "demo", &["a", "b"]);
        let specs = WorkflowSpecs::load(&d, &code(&["a", "b"]), &[]).unwrap();
        assert_eq!(specs.get("demo").unwrap().steps.len(), 2);
    }

    #[test]
    fn a_step_the_code_lacks_stops_startup() {
        let d = dir("extra");
        write(&d, "demo", &["a", "b", "c"]);
        let err = WorkflowSpecs::load(&d, &code(&["a", "b"]), &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("\"c\"") && err.contains("does not have"),
            "{err}"
        );
    }

    #[test]
    fn a_code_step_missing_from_the_file_stops_startup() {
        let d = dir("missing");
        write(&d, "demo", &["a"]);
        let err = WorkflowSpecs::load(&d, &code(&["a", "b"]), &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"b\"") && err.contains("missing"), "{err}");
    }

    #[test]
    fn unknown_breaker_is_refused() {
        let d = dir("breaker");
        std::fs::write(d.join("demo.toml"), "name = \"demo\"\nqueue = \"demo\"\nconcurrency = 1\n[[steps]]\nname = \"a\"\ntimeout_ms = 10\nbreaker = \"nope\"\nretry = { max_attempts = 1, initial_backoff_ms = 1, max_backoff_ms = 1 }\n").unwrap();
        let err = WorkflowSpecs::load(&d, &code(&["a"]), &["llm"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("nope"), "{err}");
    }
}
