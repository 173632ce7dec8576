//! The client side of the npm conformance suite (`@modelcontextprotocol/conformance`).
//!
//! The suite starts a scenario server, runs `mcpscope conformance <url>` with the scenario
//! name in `MCP_CONFORMANCE_SCENARIO`, and judges what it saw on the wire. mcpscope behaves
//! as an ordinary client would: connect, list the tools, call each one with arguments built
//! from its input schema, answer what the server asks back, and end the session.

use std::process::ExitCode;
use std::sync::Arc;

use futures::future::BoxFuture;
use mcpscope_auth::{ClientKey, CrossApp, Grant, MemoryStore, OAuthOptions, Redirect, WorkloadToken};
use mcpscope_wire::{Connection, NullSink, ServerRequestHandler};
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
    // Sender-constrained tokens wherever the authorization server offers them.
    o.dpop = true;
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
    } else if let Some(jwt) = text("valid_jwt") {
        // Workload identity: the suite plays the platform that issued the workload its JWT.
        o.grant = Grant::JwtBearer(WorkloadToken::Value(jwt));
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
    // The engine's live session, with nothing recorded and tokens kept in memory only; the
    // OAuth settings are the suite's, not a form's or flags'.
    let engine = mcpscope_session::Engine::with_store(Arc::new(crate::engine::Printed), None, "cli");
    engine.set_secret_store(Arc::new(MemoryStore::new("conformance runs keep nothing")));
    let req = mcpscope_proto::ConnectRequest {
        url: url.to_owned(),
        // The suite names the wire version each scenario runs at: dated versions up to
        // 2025-11-25 use the initialize handshake, 2026-07-28 is stateless.
        protocol_version: std::env::var("MCP_CONFORMANCE_PROTOCOL_VERSION").ok().filter(|v| !v.is_empty()),
        ..Default::default()
    };
    let builder = engine.session(&req).without_trust().oauth(oauth_options(url, &scenario, &context)?);
    let live = builder.start(|_| NullSink).await?;
    let mut opts = live.connect_options(&req);
    opts.capabilities = json!({"elicitation": {}, "sampling": {}, "roots": {"listChanged": false}});
    let conn = live.connect(opts, Arc::new(CooperativeHandler)).await?;
    if let Some(how) = &conn.info().negotiation {
        eprintln!("negotiation: {how}");
    }
    let listed = conn.request("tools/list", None).await?;
    let tools = listed.pointer("/result/tools").and_then(Value::as_array).cloned().unwrap_or_default();
    // The calls a user would make: the ones the scenario names, else every tool once.
    let calls: Vec<(String, Value)> = match context.get("toolCalls").and_then(Value::as_array) {
        Some(named) => named
            .iter()
            .filter_map(|c| {
                let name = c.get("name")?.as_str()?.to_owned();
                Some((name, c.get("arguments").cloned().unwrap_or_else(|| json!({}))))
            })
            .collect(),
        None => tools
            .iter()
            .filter_map(|tool| {
                let name = tool.get("name")?.as_str()?;
                let args = scenario_arguments(&scenario, name, &tools)
                    .unwrap_or_else(|| arguments_for(tool.get("inputSchema").unwrap_or(&Value::Null)));
                Some((name.to_owned(), args))
            })
            .collect(),
    };
    let mut failures = 0;
    for (name, args) in calls {
        if let Some(problems) = conn.tool_header_problems(&name) {
            let why: Vec<String> = problems.into_iter().map(|p| p.message).collect();
            eprintln!(
                "tools/call {name}: not called, its x-mcp-header annotations are invalid: {}",
                why.join("; ")
            );
            continue;
        }
        let response = conn.request("tools/call", Some(json!({"name": name, "arguments": args}))).await;
        // A JSON-RPC error is the server's answer, not a failure of the client.
        match response {
            Ok(r) if r.get("error").is_none() => eprintln!("tools/call {name}: ok"),
            Ok(r) => eprintln!("tools/call {name}: the server answered error {}", r["error"]),
            Err(e) => {
                failures += 1;
                eprintln!("tools/call {name}: {e}");
            }
        }
    }
    browse(&conn).await;
    conn.close().await;
    Ok(if failures == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Lists resources and prompts when the server announces them, and reads or gets the first
/// of each, as a user looking around would. Their answers are printed, not judged.
async fn browse(conn: &Connection) {
    let caps = conn.info().capabilities.clone();
    if caps.get("resources").is_some() {
        list_then_open(conn, ("resources/list", "/result/resources"), "resources/read", |r| {
            Some(json!({"uri": r.get("uri")?.as_str()?}))
        })
        .await;
    }
    if caps.get("prompts").is_some() {
        list_then_open(conn, ("prompts/list", "/result/prompts"), "prompts/get", |p| {
            let mut args = Map::new();
            for a in p.get("arguments").and_then(Value::as_array).into_iter().flatten() {
                if a.get("required").and_then(Value::as_bool) == Some(true)
                    && let Some(n) = a.get("name").and_then(Value::as_str)
                {
                    args.insert(n.to_owned(), json!("test"));
                }
            }
            Some(json!({"name": p.get("name")?.as_str()?, "arguments": args}))
        })
        .await;
    }
}

/// Sends `list`, then `open` with the params `params_of` builds for the first listed item.
async fn list_then_open(
    conn: &Connection,
    (list, items): (&str, &str),
    open: &str,
    params_of: impl Fn(&Value) -> Option<Value>,
) {
    let first = match conn.request(list, None).await {
        Ok(r) => r.pointer(items).and_then(Value::as_array).and_then(|a| a.first()).cloned(),
        Err(e) => {
            eprintln!("{list}: {e}");
            return;
        }
    };
    if let Some(p) = first.as_ref().and_then(params_of) {
        match conn.request(open, Some(p)).await {
            Ok(r) => eprintln!("{open}: {}", if r.get("error").is_some() { "error" } else { "ok" }),
            Err(e) => eprintln!("{open}: {e}"),
        }
    }
}

/// Arguments only the scenario's story supplies: json-schema-2020-12-preservation asks the
/// client to send another tool's `inputSchema` back to `json_schema_echo`, exactly as listed.
fn scenario_arguments(scenario: &str, tool: &str, tools: &[Value]) -> Option<Value> {
    if scenario != "json-schema-2020-12-preservation" || tool != "json_schema_echo" {
        return None;
    }
    let focal = tools.iter().find(|t| t.get("name").and_then(Value::as_str) != Some(tool))?;
    Some(json!({"schema": focal.get("inputSchema")?}))
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
