//! How a setting's raw value becomes configuration: read from the environment (or, for a
//! secret, from the file `NAME_FILE` names), typed by its kind, and layered over the
//! defaults and the config file as a dotted key.

use super::{ConfigError, Kind, Setting};

/// Reads `NAME`, or for secrets `NAME_FILE`; both set is ambiguous and refused.
pub(super) fn env_value(
    setting: &Setting,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Option<String>, ConfigError> {
    let direct = env(setting.env);
    if setting.kind != Kind::Secret {
        return Ok(direct);
    }
    let file_var = format!("{}_FILE", setting.env);
    match (direct, env(&file_var)) {
        (Some(_), Some(_)) => Err(ConfigError(format!(
            "both {} and {file_var} are set; use one",
            setting.env
        ))),
        (Some(v), None) => Ok(Some(v)),
        (None, Some(path)) => std::fs::read_to_string(&path)
            .map(|s| Some(s.trim_end_matches(['\n', '\r']).to_string()))
            .map_err(|e| ConfigError(format!("{file_var}: cannot read {path}: {e}"))),
        (None, None) => Ok(None),
    }
}

pub(super) fn typed_value(setting: &Setting, raw: &str) -> Result<toml::Value, ConfigError> {
    match setting.kind {
        Kind::Text | Kind::Secret => Ok(toml::Value::String(raw.to_string())),
        Kind::Integer => raw
            .trim()
            .parse::<i64>()
            .map(toml::Value::Integer)
            .map_err(|_| {
                ConfigError(format!(
                    "{} must be a whole number, got {raw:?}",
                    setting.env
                ))
            }),
        Kind::Decimal => raw
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(toml::Value::Float)
            .ok_or_else(|| {
                ConfigError(format!(
                    "{} must be a decimal number, got {raw:?}",
                    setting.env
                ))
            }),
        Kind::Bool => match raw.trim() {
            "true" | "1" | "yes" => Ok(toml::Value::Boolean(true)),
            "false" | "0" | "no" => Ok(toml::Value::Boolean(false)),
            _ => Err(ConfigError(format!(
                "{} must be true or false, got {raw:?}",
                setting.env
            ))),
        },
    }
}

pub(super) fn insert_dotted(table: &mut toml::Table, key: &str, value: toml::Value) {
    match key.split_once('.') {
        None => {
            table.insert(key.to_string(), value);
        }
        Some((head, rest)) => {
            let entry = table
                .entry(head.to_string())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let toml::Value::Table(inner) = entry {
                insert_dotted(inner, rest, value);
            }
        }
    }
}

pub(super) fn merge(base: &mut toml::Table, overlay: toml::Table) {
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Refuses a config file key no setting has (a misspelt `batchsize` would otherwise be
/// dropped without a word while its default stays in force), naming the first one.
pub(super) fn refuse_unknown_keys(file: &toml::Table, known: &[&str]) -> Result<(), ConfigError> {
    let mut keys = Vec::new();
    leaf_keys(file, "", &mut keys);
    match keys.into_iter().find(|key| !known.contains(&key.as_str())) {
        Some(key) => Err(ConfigError(format!(
            "execora.toml: unknown setting `{key}` (docs/configuration.md lists them)"
        ))),
        None => Ok(()),
    }
}

/// The dotted keys of a table's values that are not tables themselves.
fn leaf_keys(table: &toml::Table, prefix: &str, out: &mut Vec<String>) {
    for (name, value) in table {
        let key = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        match value {
            toml::Value::Table(inner) => leaf_keys(inner, &key, out),
            _ => out.push(key),
        }
    }
}
