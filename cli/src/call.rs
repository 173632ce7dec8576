//! `mcpscope call URL METHOD`: connect, make one JSON-RPC call, print its result.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::ValueEnum;
use mcpscope_proto::{ConnectRequest, TransportChoice};
use serde_json::Value;

use crate::Output;

#[derive(Clone, Copy, ValueEnum)]
enum TransportArg {
    Auto,
    Streamable,
    Sse,
}

#[derive(clap::Args)]
pub(crate) struct CallArgs {
    /// The MCP endpoint, e.g. http://127.0.0.1:3001/mcp (or the /sse URL of a legacy server).
    url: String,
    /// The JSON-RPC method, e.g. tools/list.
    method: String,
    /// Params as JSON, e.g. '{"name":"echo","arguments":{"message":"hi"}}'.
    #[arg(long)]
    params: Option<String>,
    #[arg(long, value_enum, default_value = "auto")]
    transport: TransportArg,
    /// Pin a protocol version instead of negotiating.
    #[arg(long = "protocol-version")]
    protocol_version: Option<String>,
    /// An extra header, 'Name: value' (repeatable).
    #[arg(long = "header", short = 'H')]
    headers: Vec<String>,
    /// Print every captured record as one JSON object per line instead of the result.
    #[arg(long)]
    jsonl: bool,
    /// The answer to a request the server makes of the client, as KEY=JSON (repeatable): KEY
    /// is an input request's key in an input_required result (2026-07-28), or a method
    /// (elicitation/create, sampling/createMessage, roots/list) for any request of it.
    /// Without one, such a request is refused and the input_required result is printed.
    #[arg(long = "answer", value_name = "KEY=JSON")]
    answers: Vec<String>,
    /// Seconds to wait for the response (progress notifications extend it).
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// Leave this call out of the history (nothing of it is written to the database).
    #[arg(long = "no-history")]
    no_history: bool,
    #[command(flatten)]
    oauth: crate::OAuthArgs,
    #[command(flatten)]
    limits: crate::limits::LimitArgs,
}

pub(crate) async fn run(args: CallArgs) -> anyhow::Result<std::process::ExitCode> {
    let params: Option<Value> = match &args.params {
        Some(p) => Some(serde_json::from_str(p).with_context(|| format!("--params is not valid JSON: {p}"))?),
        None => None,
    };
    let req = ConnectRequest {
        url: args.url.clone(),
        transport: match args.transport {
            TransportArg::Auto => TransportChoice::Auto,
            TransportArg::Streamable => TransportChoice::Streamable,
            TransportArg::Sse => TransportChoice::Sse,
        },
        protocol_version: args.protocol_version.clone(),
        headers: crate::parse_headers(&args.headers)?,
        auth: args.oauth.auth_request(),
        no_history: args.no_history,
    };
    let store = crate::open_history().await;
    let limits = args.limits.resolve(store.as_ref()).await?;
    let engine = crate::engine::engine(store, Some(&args.oauth));
    let live =
        crate::engine::start(engine.session(&req).limits(limits), Output::jsonl_if(args.jsonl)).await?;
    let mut opts = live.connect_options(&req);
    opts.request_timeout = Duration::from_secs(args.timeout);
    opts.open_get_stream = false;
    let handler = Arc::new(AnswerHandler::parse(&args.answers)?);
    let outcome = match live.connect(opts, handler).await {
        Ok(conn) => {
            let outcome = conn.request(&args.method, params).await;
            conn.close().await;
            outcome.map_err(crate::engine::explained)
        }
        Err(e) => Err(crate::connect_error(&args.url)(e)),
    };
    // Whatever happened is in the history before we exit.
    if let Some(report) = live.finish().await {
        crate::print_trust(&report);
    }
    let response = outcome?;
    let failed = response.get("error").is_some();
    if let Some(code) = response.pointer("/error/code").and_then(Value::as_i64) {
        let ex = mcpscope_proto::explain::rpc_error(code);
        eprintln!("mcpscope: the server answered JSON-RPC error {code} ({}): {}", ex.name, ex.meaning);
    }
    if !args.jsonl {
        let shown = response.get("result").or_else(|| response.get("error")).unwrap_or(&response);
        // A closed stdout (`| head`) is the reader's choice, not an error worth a panic.
        let _ = writeln!(std::io::stdout(), "{}", serde_json::to_string_pretty(shown)?);
    }
    let unanswered = unanswered_input(&response);
    if !unanswered.is_empty() {
        eprintln!("mcpscope: the server needs input that was not given:");
        for line in &unanswered {
            eprintln!("  {}", mcpscope_proto::printable(line));
        }
        eprintln!(
            "  answer with --answer KEY=JSON, e.g. --answer 'KEY={{\"action\":\"accept\",\"content\":{{}}}}'"
        );
    }
    Ok(if failed || !unanswered.is_empty() {
        std::process::ExitCode::from(1)
    } else {
        std::process::ExitCode::SUCCESS
    })
}

/// The input requests of an `input_required` result (2026-07-28), one line each.
fn unanswered_input(response: &Value) -> Vec<String> {
    let Some(result) = response.get("result") else { return Vec::new() };
    if result.get("resultType").and_then(Value::as_str) != Some("input_required") {
        return Vec::new();
    }
    let requests = result.get("inputRequests").and_then(Value::as_object);
    requests
        .into_iter()
        .flatten()
        .map(|(key, req)| {
            let method = req.get("method").and_then(Value::as_str).unwrap_or("?");
            let message = req.pointer("/params/message").and_then(Value::as_str).unwrap_or("");
            format!("{key:?}: {method} {message:?}")
        })
        .collect()
}

/// Answers the server's requests from `--answer KEY=JSON`, matched by input key (or JSON-RPC
/// id), then by method; `ping` always; anything else is refused with -32601.
struct AnswerHandler {
    answers: Vec<(String, Value)>,
}

impl AnswerHandler {
    fn parse(given: &[String]) -> anyhow::Result<AnswerHandler> {
        let answers = given
            .iter()
            .map(|a| {
                let (key, json) =
                    a.split_once('=').with_context(|| format!("--answer {a:?} is not KEY=JSON"))?;
                let value = serde_json::from_str(json)
                    .with_context(|| format!("--answer {key}: the answer is not valid JSON: {json}"))?;
                Ok((key.trim().to_owned(), value))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(AnswerHandler { answers })
    }
}

impl mcpscope_wire::ServerRequestHandler for AnswerHandler {
    fn handle(&self, request: Value) -> futures::future::BoxFuture<'static, Result<Value, Value>> {
        let method = request.get("method").and_then(Value::as_str).unwrap_or("").to_owned();
        let id = request.get("id").map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
        let by_key = self.answers.iter().find(|(k, _)| Some(k) == id.as_ref());
        let found =
            by_key.or_else(|| self.answers.iter().find(|(k, _)| *k == method)).map(|(_, v)| v.clone());
        Box::pin(async move {
            match (found, method.as_str()) {
                (Some(answer), _) => Ok(answer),
                (None, "ping") => Ok(serde_json::json!({})),
                (None, _) => {
                    Err(serde_json::json!({"code": -32601, "message": format!("no --answer for {method}")}))
                }
            }
        })
    }
}
