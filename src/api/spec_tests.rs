//! What the generated clients (`clients/`) rely on in the document.

use std::collections::HashSet;

use serde_json::Value;

fn spec() -> Value {
    serde_json::from_str(&super::service().spec()).expect("the spec is JSON")
}

/// Whether an example is reachable from `schema` (through `$ref`, properties, items).
fn has_example(spec: &Value, schema: &Value, seen: &mut HashSet<String>) -> bool {
    if schema.get("example").is_some() {
        return true;
    }
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/components/schemas/");
        // The error envelope's example is on every operation; it does not count.
        if name == "ErrorBody" || !seen.insert(name.to_string()) {
            return false;
        }
        return has_example(spec, &spec["components"]["schemas"][name], seen);
    }
    let nested = schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|p| p.values())
        .chain(schema.get("items"));
    nested.into_iter().any(|s| has_example(spec, s, seen))
}

#[test]
fn every_operation_reads_well_in_a_generated_client() {
    let spec = spec();
    let mut problems = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let name = format!("{} {path}", method.to_uppercase());
            if op["operationId"].as_str().is_none_or(str::is_empty) {
                problems.push(format!("{name}: no operationId"));
            }
            if op["summary"].as_str().is_none_or(str::is_empty) {
                problems.push(format!("{name}: no summary (the handler's doc comment)"));
            }
            let responses = op["responses"].as_object().expect("responses");
            let system = op["tags"][0] == "System";
            // Liveness, readiness and metrics take no input, so they have no 4xx.
            if !system && !responses.keys().any(|s| s.starts_with('4')) {
                problems.push(format!("{name}: no documented error response"));
            }
            let mut seen = HashSet::new();
            let bodies = op["requestBody"]["content"]
                .as_object()
                .into_iter()
                .flat_map(|c| c.values())
                .chain(
                    responses
                        .iter()
                        .filter(|(s, _)| s.starts_with('2'))
                        .filter_map(|(_, r)| r["content"].as_object())
                        .flat_map(|c| c.values()),
                )
                .map(|media| &media["schema"]);
            let params = op["parameters"].as_array().into_iter().flatten();
            let example = bodies
                .collect::<Vec<_>>()
                .into_iter()
                .any(|s| has_example(&spec, s, &mut seen))
                || params
                    .into_iter()
                    .any(|p| p["schema"].get("example").is_some());
            // Nothing to show: no parameters, no body, no response body (a 204).
            let bare = op.get("parameters").is_none()
                && op.get("requestBody").is_none()
                && !responses
                    .iter()
                    .any(|(s, r)| s.starts_with('2') && r.get("content").is_some());
            // The Prometheus exposition format is not for generated clients.
            if !example && !bare && op["operationId"] != "metrics" {
                problems.push(format!(
                    "{name}: no example in its body, response or parameters"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A documented `$ref` property becomes `allOf`, which openapi-python-client rejects
/// (it drops the whole schema): document the referenced type instead.
#[test]
fn no_all_of() {
    assert!(!super::service().spec().contains("allOf"));
}
