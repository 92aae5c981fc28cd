//! Plain-text output of the operator commands: aligned tables and `key  value` blocks.
//!
//! The API's JSON is read as `serde_json::Value` rather than typed structs: the CLI prints
//! what the server says, so a field added to the API does not need a CLI release first.

use serde_json::Value;

/// Columns padded to their widest cell, two spaces apart, no trailing blanks.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = line(headers.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// A field as text: strings bare, null as `-`, numbers and the rest as JSON.
pub fn text(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A timestamp shortened to whole seconds (`2026-05-01T10:00:00Z`).
pub fn time(v: &Value) -> String {
    match v
        .as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
    {
        Some(t) => t
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string(),
        None => text(v),
    }
}

/// `GET /jobs` items as a table.
pub fn job_list(page: &Value) -> String {
    let rows: Vec<Vec<String>> = items(page)
        .iter()
        .map(|j| {
            vec![
                text(&j["id"]),
                text(&j["workflow"]),
                text(&j["state"]),
                text(&j["attempts"]),
                time(&j["created_at"]),
                time(&j["finished_at"]),
            ]
        })
        .collect();
    let mut out = table(
        &["ID", "WORKFLOW", "STATE", "ATTEMPTS", "CREATED", "FINISHED"],
        &rows,
    );
    if let Some(next) = page["next_cursor"].as_str() {
        out.push_str(&format!("(more: --cursor {next})\n"));
    }
    out
}

/// One job: its fields, then its errors and result.
pub fn job(j: &Value) -> String {
    let fields = [
        ("id", text(&j["id"])),
        ("workflow", text(&j["workflow"])),
        ("state", text(&j["state"])),
        ("attempts", text(&j["attempts"])),
        ("step", text(&j["step_index"])),
        ("created", time(&j["created_at"])),
        ("started", time(&j["started_at"])),
        ("finished", time(&j["finished_at"])),
        ("next attempt", time(&j["next_attempt_at"])),
    ];
    let mut out = String::new();
    for (k, v) in fields {
        out.push_str(&format!("{k:<13}{v}\n"));
    }
    let errors: Vec<Vec<String>> = j["errors"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|e| {
            vec![
                text(&e["attempt"]),
                text(&e["step"]),
                text(&e["transient"]),
                time(&e["at"]),
                text(&e["error"]),
            ]
        })
        .collect();
    if !errors.is_empty() {
        out.push_str("\nerrors:\n");
        out.push_str(&table(
            &["ATTEMPT", "STEP", "TRANSIENT", "AT", "ERROR"],
            &errors,
        ));
    }
    if !j["result"].is_null() {
        let pretty = serde_json::to_string_pretty(&j["result"]).unwrap_or_default();
        out.push_str(&format!("\nresult:\n{pretty}\n"));
    }
    out
}

/// The answer of `POST /queues/{workflow}/pause|resume`, as one line.
pub fn queue_state(state: &Value) -> String {
    let now = if state["paused"].as_bool() == Some(true) {
        "paused"
    } else {
        "resumed"
    };
    format!("queue {} {now}\n", text(&state["workflow"]))
}

/// `GET /queues` as a table.
pub fn queues(list: &Value) -> String {
    let rows: Vec<Vec<String>> = items(list)
        .iter()
        .map(|q| {
            let age = q["oldest_age_secs"].as_f64().unwrap_or(0.0);
            vec![
                text(&q["workflow"]),
                text(&q["waiting"]),
                text(&q["scheduled"]),
                text(&q["running"]),
                format!("{age:.0}"),
                text(&q["finished_last_5m"]),
                text(&q["finished_last_60m"]),
                text(&q["failed"]),
                text(&q["dead"]),
                if q["paused"].as_bool() == Some(true) {
                    "paused"
                } else {
                    "running"
                }
                .to_string(),
            ]
        })
        .collect();
    table(
        &[
            "WORKFLOW",
            "WAITING",
            "SCHEDULED",
            "RUNNING",
            "OLDEST_S",
            "DONE_5M",
            "DONE_60M",
            "FAILED",
            "DEAD",
            "STATE",
        ],
        &rows,
    )
}

fn items(v: &Value) -> &[Value] {
    v["items"].as_array().map(Vec::as_slice).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns_and_trim_line_ends() {
        let out = table(
            &["A", "LONG"],
            &[vec!["xyz".into(), "1".into()], vec!["q".into(), "".into()]],
        );
        assert_eq!(out, "A    LONG\nxyz  1\nq\n");
    }

    #[test]
    fn times_are_shortened_and_nulls_are_dashes() {
        let v = Value::String("2026-05-01T10:00:00.123456+00:00".into());
        assert_eq!(time(&v), "2026-05-01T10:00:00Z");
        assert_eq!(time(&Value::Null), "-");
    }
}
