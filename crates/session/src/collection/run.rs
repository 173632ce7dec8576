//! Running a collection: each request sent, its assertions checked, the outcomes as text
//! and JUnit XML.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::template::{pointer, substitute};
use super::{Assertion, Collection, CollectionError};

/// Checks one assertion against a response; `Err` says what was expected and what came.
pub fn check(a: &Assertion, response: &Value, elapsed: Duration) -> Result<(), String> {
    let short = |v: &Value| {
        let t = v.to_string();
        if t.chars().count() > 120 { t.chars().take(120).collect::<String>() + "…" } else { t }
    };
    match a {
        Assertion::Result { result: true } | Assertion::Error { error: false } => match response.get("error")
        {
            None => Ok(()),
            Some(e) => Err(format!("expected a result, got error {}", short(e))),
        },
        Assertion::Error { error: true } | Assertion::Result { result: false } => match response.get("error")
        {
            Some(_) => Ok(()),
            None => Err("expected a JSON-RPC error, got a result".to_owned()),
        },
        Assertion::Equals { path, equals } => match response.pointer(&pointer(path)) {
            Some(v) if v == equals => Ok(()),
            Some(v) => Err(format!("{path}: expected {}, got {}", short(equals), short(v))),
            None => Err(format!("{path}: not in the response")),
        },
        Assertion::Contains { path, contains } => match response.pointer(&pointer(path)) {
            Some(Value::String(s)) if s.contains(contains.as_str()) => Ok(()),
            Some(v) if !v.is_string() && v.to_string().contains(contains.as_str()) => Ok(()),
            Some(v) => Err(format!("{path}: expected it to contain {contains:?}, got {}", short(v))),
            None => Err(format!("{path}: not in the response")),
        },
        Assertion::MaxMs { max_ms } => {
            let ms = elapsed.as_millis() as u64;
            if ms <= *max_ms { Ok(()) } else { Err(format!("took {ms} ms, more than {max_ms} ms")) }
        }
    }
}

/// The assertion with `{{variables}}` filled in its expected values.
fn with_variables(
    a: &Assertion,
    vars: &BTreeMap<String, String>,
    request: &str,
) -> Result<Assertion, CollectionError> {
    let filled = substitute(&serde_json::to_value(a).unwrap_or(Value::Null), vars, request)?;
    Ok(serde_json::from_value(filled).unwrap_or_else(|_| a.clone()))
}

/// What one request of a run came to (shared with the UI, hence in `proto`).
pub use mcpscope_proto::collection::Outcome;

/// Runs every request of `collection` with `send` (method, params → response message).
pub async fn run<F, Fut, E>(collection: &Collection, mut send: F) -> Vec<Outcome>
where
    F: FnMut(String, Option<Value>) -> Fut,
    Fut: std::future::Future<Output = Result<Value, E>>,
    E: std::fmt::Display,
{
    let mut out = Vec::new();
    for (file, req) in &collection.requests {
        let params = match req
            .params
            .as_ref()
            .map(|p| substitute(p, &collection.variables, &req.name).map_err(|e| collection.explain(e)))
            .transpose()
        {
            Ok(p) => p,
            Err(e) => {
                out.push(Outcome {
                    file: file.clone(),
                    name: req.name.clone(),
                    method: req.method.clone(),
                    elapsed_ms: 0.0,
                    failures: vec![e.to_string()],
                    assertions: req.assertions.len(),
                });
                continue;
            }
        };
        let start = Instant::now();
        let response = send(req.method.clone(), params).await;
        let elapsed = start.elapsed();
        let failures = match &response {
            Ok(r) => req
                .assertions
                .iter()
                .filter_map(|a| {
                    match with_variables(a, &collection.variables, &req.name)
                        .map_err(|e| collection.explain(e))
                    {
                        Ok(a) => check(&a, r, elapsed).err(),
                        Err(e) => Some(e.to_string()),
                    }
                })
                .collect(),
            Err(e) => vec![format!("request failed: {e}")],
        };
        out.push(Outcome {
            file: file.clone(),
            name: req.name.clone(),
            method: req.method.clone(),
            elapsed_ms: elapsed.as_secs_f64() * 1e3,
            failures,
            assertions: req.assertions.len(),
        });
    }
    out
}

/// JUnit XML: one test suite, one test case per request, a failure per failed request.
pub fn junit(collection: &str, outcomes: &[Outcome]) -> String {
    let failed = outcomes.iter().filter(|o| !o.failures.is_empty()).count();
    let total: f64 = outcomes.iter().map(|o| o.elapsed_ms).sum::<f64>() / 1e3;
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites name=\"mcpscope\" tests=\"{}\" failures=\"{failed}\" time=\"{total:.3}\">\n",
        outcomes.len()
    ));
    xml.push_str(&format!(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" time=\"{total:.3}\">\n",
        escape(collection),
        outcomes.len()
    ));
    for o in outcomes {
        xml.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
            escape(&o.file),
            escape(&o.name),
            o.elapsed_ms / 1e3
        ));
        if o.failures.is_empty() {
            xml.push_str("/>\n");
        } else {
            xml.push_str(">\n");
            xml.push_str(&format!(
                "      <failure message=\"{}\">{}</failure>\n",
                escape(&o.failures[0]),
                escape(&o.failures.join("\n"))
            ));
            xml.push_str("    </testcase>\n");
        }
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
