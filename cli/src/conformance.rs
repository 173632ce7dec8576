//! The client side of the npm conformance suite (`@modelcontextprotocol/conformance`).
//!
//! The suite starts a scenario server, runs `mcpscope conformance <url>` with the scenario
//! name in `MCP_CONFORMANCE_SCENARIO`, and judges what it saw on the wire. mcpscope behaves
//! as an ordinary client would: connect, list the tools, call each one with arguments built
//! from its input schema, answer what the server asks back, and end the session.

use std::process::ExitCode;
use std::sync::Arc;

use futures::future::BoxFuture;
use mcpscope_auth::{ClientKey, CrossApp, Grant, Http, MemoryStore, OAuth, OAuthOptions, Redirect};
use mcpscope_wire::{Capture, ConnectOptions, Connection, NullSink, ServerRequestHandler};
use serde_json::{Map, Value, json};

/// Answers server requests the way a cooperative user would.
struct CooperativeHandler;

impl ServerRequestHandler for CooperativeHandler {
    fn handle(&self, request: Value) -> BoxFuture<'static, Result<Value, Value>> {
        Box::pin(async move {
            let method = request.get("method").and_then(Value::as_str).unwrap_or("");
            match method {
                "ping" => Ok(json!({})),
                "elicitation/create" => {
                    let schema = request.pointer("/params/requestedSchema").cloned().unwrap_or(Value::Null);
                    Ok(json!({"action": "accept", "content": defaults_of(&schema)}))
                }
                "roots/list" => Ok(json!({"roots": []})),
                "sampling/createMessage" => Ok(json!({
                    "role": "assistant",
                    "content": {"type": "text", "text": "mcpscope conformance client: canned reply"},
                    "model": "mcpscope-canned",
                    "stopReason": "endTurn"
                })),
                other => Err(json!({"code": -32601, "message": format!("unsupported: {other}")})),
            }
        })
    }
}

/// The form a user accepts without typing: every property that has a default, filled with it
/// (SEP-1034).
pub fn defaults_of(schema: &Value) -> Value {
    let mut out = Map::new();
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, prop) in props {
            if let Some(d) = prop.get("default") {
                out.insert(name.clone(), d.clone());
            }
        }
    }
    Value::Object(out)
}

/// Arguments for a tool call built from its input schema: defaults where given, else a
/// plain value of the declared type for each required property.
pub fn arguments_for(schema: &Value) -> Value {
    let mut out = Map::new();
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, prop) in props {
            let value = match prop.get("default") {
                Some(d) => Some(d.clone()),
                None if required.contains(&name.as_str()) => Some(sample_of(prop)),
                None => None,
            };
            if let Some(v) = value {
                out.insert(name.clone(), v);
            }
        }
    }
    Value::Object(out)
}

fn sample_of(prop: &Value) -> Value {
    if let Some(first) = prop.get("enum").and_then(Value::as_array).and_then(|e| e.first()) {
        return first.clone();
    }
    match prop.get("type").and_then(Value::as_str) {
        Some("number") | Some("integer") => json!(1),
        Some("boolean") => json!(true),
        Some("array") => json!([]),
        Some("object") => arguments_for(prop),
        Some("null") => Value::Null,
        _ => json!("test"),
    }
}

/// The client ID metadata document URL the suite expects (its authorization server checks the
/// string and never fetches it).
const CONFORMANCE_CIMD_URL: &str = "https://conformance-test.local/client-metadata.json";

/// OAuth configured from the suite's `MCP_CONFORMANCE_CONTEXT` (client credentials, keys, an
/// IdP token), which plays the part of what a user would type into mcpscope.
fn oauth_options(url: &str, scenario: &str, context: &Value) -> anyhow::Result<OAuthOptions> {
    let text = |k: &str| context.get(k).and_then(Value::as_str).map(str::to_owned);
    let mut o = OAuthOptions::new(url);
    o.redirect = Redirect::Headless;
    o.client_metadata_url = Some(CONFORMANCE_CIMD_URL.to_owned());
    o.client_id = text("client_id");
    o.client_secret = text("client_secret");
    if let Some(pem) = text("private_key_pem") {
        let alg = text("signing_algorithm").unwrap_or_else(|| "ES256".to_owned());
        let algorithm = alg.parse().map_err(|_| anyhow::anyhow!("unknown signing_algorithm {alg:?}"))?;
        o.client_key = Some(ClientKey { pem, algorithm });
    }
    if let Some(id_token) = text("idp_id_token") {
        let idp_token_endpoint = text("idp_token_endpoint")
            .ok_or_else(|| anyhow::anyhow!("context has idp_id_token but no idp_token_endpoint"))?;
        o.grant =
            Grant::CrossApp(CrossApp { idp_token_endpoint, id_token, idp_client_id: text("idp_client_id") });
    } else if scenario.starts_with("auth/client-credentials") {
        o.grant = Grant::ClientCredentials;
    }
    Ok(o)
}

pub async fn run(url: &str) -> anyhow::Result<ExitCode> {
    let scenario = std::env::var("MCP_CONFORMANCE_SCENARIO").unwrap_or_default();
    let context: Value = match std::env::var("MCP_CONFORMANCE_CONTEXT") {
        Ok(text) => serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("MCP_CONFORMANCE_CONTEXT is not JSON: {e}"))?,
        Err(_) => Value::Null,
    };
    eprintln!("mcpscope conformance: scenario {scenario:?} against {url}");
    let capture = Capture::new(Arc::new(NullSink));
    let oauth = Arc::new(OAuth::new(
        oauth_options(url, &scenario, &context)?,
        Http::new(capture.clone())?,
        Arc::new(MemoryStore::new("conformance runs keep nothing")),
        Some(Arc::new(crate::print_step)),
    )?);
    let mut opts = ConnectOptions::new(url);
    opts.capabilities = json!({"elicitation": {}, "sampling": {}, "roots": {"listChanged": false}});
    opts.authorizer = Some(oauth);
    let conn = Connection::connect_with_capture(opts, capture, Arc::new(CooperativeHandler)).await?;
    let listed = conn.request("tools/list", None).await?;
    let tools = listed.pointer("/result/tools").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut failures = 0;
    for tool in &tools {
        let Some(name) = tool.get("name").and_then(Value::as_str) else { continue };
        let args = arguments_for(tool.get("inputSchema").unwrap_or(&Value::Null));
        let response = conn.request("tools/call", Some(json!({"name": name, "arguments": args}))).await;
        match response {
            Ok(r) if r.get("error").is_none() => eprintln!("tools/call {name}: ok"),
            Ok(r) => {
                failures += 1;
                eprintln!("tools/call {name}: error {}", r["error"]);
            }
            Err(e) => {
                failures += 1;
                eprintln!("tools/call {name}: {e}");
            }
        }
    }
    conn.close().await;
    Ok(if failures == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_every_defaulted_field() {
        let schema = json!({"type":"object","properties":{
            "name":{"type":"string","default":"John Doe"},
            "age":{"type":"integer","default":30},
            "nick":{"type":"string"}}});
        assert_eq!(defaults_of(&schema), json!({"name":"John Doe","age":30}));
    }

    #[test]
    fn arguments_cover_required_fields_by_type() {
        let schema = json!({"type":"object","required":["a","b","mode"],"properties":{
            "a":{"type":"number"},"b":{"type":"integer"},"mode":{"enum":["x","y"]},
            "opt":{"type":"string"}}});
        assert_eq!(arguments_for(&schema), json!({"a":1,"b":1,"mode":"x"}));
    }
}
