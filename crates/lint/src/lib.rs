//! Protocol lint: each captured record checked against the rules of the MCP version in force.
//!
//! A [`Linter`] reads a session's records in order, learns what the traffic tells it (the
//! version negotiated, the session id the server issued, which request each response answers,
//! whether the transport is the legacy one) and returns, for each record, the rules it breaks:
//!
//! - `schema/<Type>`: the message does not fit its type in that version's schema (the typed
//!   schema of `rust-mcp-schema`, see [`schema`]); the path points into the message.
//! - `method/unknown`, `method/direction`, `method/kind`: a method the version does not
//!   define, sent by the wrong side, or a request without an id (or a notification with one).
//! - `jsonrpc/batch`: a JSON array outside 2025-03-26.
//! - `http/…`: the Streamable HTTP rules on headers and statuses (`accept`, `content-type`,
//!   `session-id`, `protocol-version`, `mcp-method`, `mcp-name`, `accepted`).
//!
//! - `poison/…` (warnings): what a server lists (tools, prompts, resources, templates) read
//!   for hidden text and orders aimed at the model, see [`poison`].
//!
//! [`trust`] fingerprints those lists; the session compares them with the version the user
//! trusted (`trust/…` warnings).
//!
//! Requests mcpscope sends are checked like the server's messages: a deliberately malformed
//! request is flagged, not refused. The linter never changes a record, only reports.

mod lean;
mod memo;
mod poison;
mod schema;
mod shape;
pub mod trust;

use std::collections::HashMap;

use mcpscope_proto::headers;
use mcpscope_proto::lint::Violation;
use mcpscope_proto::{Direction, Header, Record, RecordKind, RpcKind};
use serde_json::Value;

use schema::{Schema, Side};

/// The first version with the `MCP-Protocol-Version` header on every request.
const PROTOCOL_HEADER_SINCE: &str = "2025-06-18";
/// The stateless revision: `Mcp-Method` and `Mcp-Name` headers, no session.
const STATELESS: &str = "2026-07-28";
/// The only version that allows JSON-RPC batches.
const BATCH_VERSION: &str = "2025-03-26";

/// What the linter knows of the exchange a request opened (its response shares the number).
#[derive(Default)]
struct Exchange {
    /// The POST carried at least one request (else: only notifications or responses).
    has_request: bool,
    /// The POST carried `initialize`.
    initialize: bool,
}

/// Checks a session's records in order. One per session: it keeps what the traffic told it.
#[derive(Default)]
pub struct Linter {
    /// The version in force: negotiated by `initialize`, or carried by a stateless request.
    version: Option<String>,
    /// The version the client offered in `initialize`, used until the server answers.
    offered: Option<String>,
    /// The `Mcp-Session-Id` the server issued.
    session_id: Option<String>,
    /// The server answered `initialize` (later requests carry the version header).
    initialized: bool,
    /// The server sent a legacy `endpoint` event: HTTP+SSE rules, not Streamable HTTP's.
    legacy: bool,
    /// The URL the JSON-RPC POSTs go to (GET and DELETE there are the MCP endpoint's).
    endpoint: Option<String>,
    /// Requests awaiting a response, by the side that sent them and their id text.
    pending: HashMap<(bool, String), String>,
    exchanges: HashMap<u64, Exchange>,
    /// Templates of the messages seen to fit their schema types.
    memo: memo::Memo,
    /// The shapes of a flood's notifications seen clean.
    shapes: shape::Shapes,
}

impl Linter {
    pub fn new() -> Linter {
        Linter::default()
    }

    /// A linter for a session whose version is already known (a pinned stateless version, a
    /// record looked at out of its session).
    pub fn with_version(version: impl Into<String>) -> Linter {
        Linter { version: Some(version.into()), ..Linter::default() }
    }

    /// The version whose rules apply now.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref().or(self.offered.as_deref())
    }

    /// The rules `record` breaks (empty when it is clean). Call once per record, in order.
    pub fn check(&mut self, record: &Record) -> Vec<Violation> {
        self.memo.valid_json = false;
        self.check_record(record)
    }

    /// [`check`](Linter::check) for a record as the capture made it: where it has a JSON-RPC
    /// view (`rpc`), the capture read its payload as valid JSON, so a message matched against
    /// a remembered template has the values in its gaps crossed, not checked again (the
    /// lint's largest cost in a flood). [`Linted`] checks the capture's records this way.
    pub fn check_captured(&mut self, record: &Record) -> Vec<Violation> {
        self.memo.valid_json = true;
        let shaped = self.shaped(record);
        if let Some((shape, outbound, version, text)) = shaped {
            if self.shapes.clean(shape, outbound, version, text) {
                return Vec::new();
            }
            self.memo.want_gaps = true;
            self.memo.gaps = None;
        }
        let found = self.check_record(record);
        self.memo.want_gaps = false;
        if let Some((shape, outbound, version, text)) = shaped
            && found.is_empty()
            && let Some(free) = self.memo.gaps.take()
        {
            self.shapes.learn(shape, outbound, version, text, &free);
        }
        found
    }

    /// For a notification the capture read by a template, in an SSE frame: its shape, whether
    /// the client sent it, the version in force and its text ([`shape`]).
    fn shaped<'r>(&self, record: &'r Record) -> Option<(std::num::NonZeroU64, bool, &'static str, &'r str)> {
        let rpc = record.rpc.as_ref()?;
        let shape = rpc.shape.id()?;
        let in_frame = matches!(&record.kind, RecordKind::SseFrame { event, .. } if event.as_deref() != Some("endpoint"));
        if rpc.kind != RpcKind::Notification || !in_frame {
            return None;
        }
        Some((shape, record.direction == Direction::Out, self.schema()?.version, record.payload()?))
    }

    fn check_record(&mut self, record: &Record) -> Vec<Violation> {
        let mut out = Vec::new();
        match &record.kind {
            RecordKind::HttpRequest { method, url, headers, .. } => {
                self.http_request(record, method, url, headers, &mut out)
            }
            RecordKind::HttpResponse { status, headers, body, .. } => self.http_response(
                record.exchange,
                *status,
                headers,
                body.as_ref().is_some_and(|b| b.len > 0),
                &mut out,
            ),
            RecordKind::SseFrame { event, .. } if event.as_deref() == Some("endpoint") => self.legacy = true,
            _ => {}
        }
        if let (Some(rpc), Some(text)) = (&record.rpc, record.payload()) {
            let outbound = record.direction == Direction::Out;
            if rpc.kind == RpcKind::Batch {
                self.batch(outbound, text, &mut out);
            } else {
                self.message(
                    outbound,
                    rpc.kind,
                    rpc.method.as_deref(),
                    rpc.id.as_deref(),
                    text,
                    "",
                    &mut out,
                );
            }
        }
        out
    }

    fn schema(&self) -> Option<&'static Schema> {
        self.version().and_then(schema::of)
    }

    fn http_request(
        &mut self,
        record: &Record,
        method: &str,
        url: &str,
        headers: &[Header],
        out: &mut Vec<Violation>,
    ) {
        let rpc = record.rpc.as_ref();
        let is_post = method == "POST";
        if is_post && rpc.is_none() {
            // Not JSON-RPC: an OAuth or other exchange captured in the same timeline.
            return;
        }
        if is_post && self.endpoint.is_none() {
            self.endpoint = Some(url.to_owned());
        }
        if !is_post && self.endpoint.as_deref() != Some(url) {
            return;
        }
        let message: Option<Value> = record.payload().and_then(|p| serde_json::from_str(p).ok());
        let methods = message.as_ref().map(methods_of).unwrap_or_default();
        let initialize = methods.iter().any(|(m, _)| m == "initialize");
        if is_post {
            self.exchanges.insert(
                record.exchange,
                Exchange { has_request: methods.iter().any(|(_, is_request)| *is_request), initialize },
            );
        }
        if let Some(v) = message.as_ref().and_then(offered_version) {
            if initialize {
                self.offered = Some(v);
            } else {
                // Stateless: each request names its version.
                self.version = Some(v);
            }
        }
        if is_post && !has_media(headers, "content-type", "application/json") {
            out.push(Violation::new(
                "http/content-type",
                "header content-type",
                "a JSON-RPC POST must be sent with Content-Type: application/json",
            ));
        }
        if self.legacy {
            return;
        }
        let accept_ok = if is_post {
            has_media(headers, "accept", "application/json")
                && has_media(headers, "accept", "text/event-stream")
        } else {
            method != "GET" || has_media(headers, "accept", "text/event-stream")
        };
        if !accept_ok {
            let need = if is_post { "application/json and text/event-stream" } else { "text/event-stream" };
            out.push(Violation::new(
                "http/accept",
                "header accept",
                format!("a Streamable HTTP {method} must list {need} in its Accept header"),
            ));
        }
        if let Some(sid) = &self.session_id
            && !initialize
        {
            match header(headers, "mcp-session-id") {
                None => out.push(Violation::new(
                    "http/session-id",
                    "header mcp-session-id",
                    "the server issued a session id; every later request must carry it in Mcp-Session-Id",
                )),
                Some(v) if v != sid => out.push(Violation::new(
                    "http/session-id",
                    "header mcp-session-id",
                    format!("Mcp-Session-Id {v:?} is not the id the server issued"),
                )),
                Some(_) => {}
            }
        }
        let Some(version) = self.version().map(str::to_owned) else { return };
        let stateless = version.as_str() >= STATELESS;
        if version.as_str() >= PROTOCOL_HEADER_SINCE && (self.initialized || stateless) && !initialize {
            match header(headers, "mcp-protocol-version") {
                None => out.push(Violation::new(
                    "http/protocol-version",
                    "header mcp-protocol-version",
                    format!("from {PROTOCOL_HEADER_SINCE} every request after initialization carries MCP-Protocol-Version ({version})"),
                )),
                Some(v) if v != version => out.push(Violation::new(
                    "http/protocol-version",
                    "header mcp-protocol-version",
                    format!("MCP-Protocol-Version {v:?} differs from the version in force, {version}"),
                )),
                Some(_) => {}
            }
        }
        if stateless && is_post {
            stateless_headers(message.as_ref(), headers, out);
        }
    }

    fn http_response(
        &mut self,
        exchange: u64,
        status: u16,
        headers: &[Header],
        has_body: bool,
        out: &mut Vec<Violation>,
    ) {
        let Some(ex) = self.exchanges.remove(&exchange) else { return };
        if self.legacy {
            return;
        }
        if ex.initialize
            && let Some(sid) = header(headers, "mcp-session-id")
        {
            if sid.is_empty() || !sid.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
                out.push(Violation::new(
                    "http/session-id",
                    "header mcp-session-id",
                    "a session id must be visible ASCII only (0x21 to 0x7E)",
                ));
            }
            self.session_id = Some(sid.to_owned());
        }
        if !ex.has_request {
            if (200..300).contains(&status) && (status != 202 || has_body) {
                out.push(Violation::new(
                    "http/accepted",
                    "status",
                    format!("a POST of notifications or responses only is answered 202 Accepted with no body, not {status}"),
                ));
            }
            return;
        }
        if status == 200
            && !has_media(headers, "content-type", "application/json")
            && !has_media(headers, "content-type", "text/event-stream")
        {
            out.push(Violation::new(
                "http/content-type",
                "header content-type",
                "a response to a request is application/json or text/event-stream",
            ));
        }
    }

    fn batch(&mut self, outbound: bool, text: &str, out: &mut Vec<Violation>) {
        if self.version().is_some_and(|v| v != BATCH_VERSION) {
            out.push(Violation::new(
                "jsonrpc/batch",
                "",
                format!(
                    "JSON-RPC batches exist in MCP {BATCH_VERSION} only, not in {}",
                    self.version().unwrap_or("")
                ),
            ));
        }
        let Ok(Value::Array(items)) = serde_json::from_str::<Value>(text) else { return };
        for (i, item) in items.iter().enumerate() {
            let Some(kind) = role(item) else { continue };
            let method = item.get("method").and_then(Value::as_str);
            let id = item.get("id").map(Value::to_string);
            self.message(outbound, kind, method, id.as_deref(), &item.to_string(), &format!("[{i}]"), out);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn message(
        &mut self,
        outbound: bool,
        kind: RpcKind,
        method: Option<&str>,
        id: Option<&str>,
        text: &str,
        prefix: &str,
        out: &mut Vec<Violation>,
    ) {
        let at = |path: &str| match (prefix.is_empty(), path.is_empty()) {
            (true, _) => path.to_owned(),
            (false, true) => prefix.to_owned(),
            (false, false) => format!("{prefix}.{path}"),
        };
        match kind {
            RpcKind::Request | RpcKind::Notification => {
                let Some(name) = method else { return };
                if kind == RpcKind::Request
                    && let Some(id) = id
                {
                    self.pending.insert((outbound, id.to_owned()), name.to_owned());
                }
                let Some(schema) = self.schema() else { return };
                if !outbound && name == "notifications/message" && schema.version >= STATELESS {
                    out.push(Violation::info(
                        "deprecated/logging",
                        at("method"),
                        format!("logging is deprecated in MCP {STATELESS}: a client sets the level per request (_meta io.modelcontextprotocol/logLevel)"),
                    ));
                }
                let Some(m) = (schema.method)(name) else {
                    out.push(Violation::new(
                        "method/unknown",
                        at("method"),
                        format!("{name:?} is not a method of MCP {}", schema.version),
                    ));
                    return;
                };
                let (sender, other) = if outbound { ("client", "server") } else { ("server", "client") };
                let allowed = match m.from {
                    Side::Both => true,
                    Side::Client => outbound,
                    Side::Server => !outbound,
                };
                if !allowed {
                    out.push(Violation::new(
                        "method/direction",
                        at("method"),
                        format!("in MCP {} the {other} sends {name}, not the {sender}", schema.version),
                    ));
                }
                match (kind, m.result.is_some()) {
                    (RpcKind::Notification, true) => out.push(Violation::new(
                        "method/kind",
                        at("id"),
                        format!("{name} is a request: it needs an id (without one it is a notification nobody answers)"),
                    )),
                    (RpcKind::Request, false) => out.push(Violation::new(
                        "method/kind",
                        at("id"),
                        format!("{name} is a notification: it must not carry an id"),
                    )),
                    _ => schema_check(schema, &mut self.memo, m.message, text, &at, out),
                }
            }
            RpcKind::Result | RpcKind::Error => {
                let request = id.and_then(|id| self.pending.remove(&(!outbound, id.to_owned())));
                if kind == RpcKind::Result && request.as_deref() == Some("initialize") {
                    self.learn_initialize(text);
                }
                if kind == RpcKind::Result && !outbound {
                    listed_entries(request.as_deref(), text, &at, out);
                }
                let Some(schema) = self.schema() else { return };
                if kind == RpcKind::Error {
                    return schema_check(schema, &mut self.memo, schema.error, text, &at, out);
                }
                let Some(checker) = request.as_deref().and_then(schema.method).and_then(|m| m.result) else {
                    return;
                };
                let checker = alternate(schema, text).unwrap_or(checker);
                schema_check(schema, &mut self.memo, checker, text, &at, out);
                if schema.version >= STATELESS && request.as_deref() == Some("tools/list") {
                    tool_headers(text, &at, out);
                }
                if schema.version >= STATELESS {
                    deprecated_input_requests(text, &at, out);
                }
            }
            RpcKind::Batch => {}
        }
    }

    fn learn_initialize(&mut self, text: &str) {
        let v: Option<Value> = serde_json::from_str(text).ok();
        if let Some(version) =
            v.as_ref().and_then(|v| v.pointer("/result/protocolVersion")).and_then(Value::as_str)
        {
            self.version = Some(version.to_owned());
        }
        self.initialized = true;
    }
}

/// The poisoning lint on each entry of a list the server answered.
fn listed_entries(request: Option<&str>, text: &str, at: &dyn Fn(&str) -> String, out: &mut Vec<Violation>) {
    let key = match request {
        Some("tools/list") => "tools",
        Some("prompts/list") => "prompts",
        Some("resources/list") => "resources",
        Some("resources/templates/list") => "resourceTemplates",
        _ => return,
    };
    let v: Option<Value> = serde_json::from_str(text).ok();
    let Some(entries) =
        v.as_ref().and_then(|v| v.get("result")).and_then(|r| r.get(key)).and_then(Value::as_array)
    else {
        return;
    };
    for (i, entry) in entries.iter().enumerate() {
        poison::check_entry(entry, &at(&format!("result.{key}[{i}]")), out);
    }
}

fn schema_check(
    schema: &Schema,
    memo: &mut memo::Memo,
    checker: schema::Checker,
    text: &str,
    at: &dyn Fn(&str) -> String,
    out: &mut Vec<Violation>,
) {
    if let Err(f) = checker.check(schema.version, memo, text) {
        out.push(Violation::new(
            format!("schema/{}", checker.name),
            at(&f.path),
            format!("does not fit {} of MCP {}: {}", checker.name, schema.version, f.message),
        ));
    }
}

/// 2026-07-28: every `x-mcp-header` annotation of a listed tool must be valid, or clients
/// must not call the tool (`mcpscope_proto::headers`).
fn tool_headers(text: &str, at: &dyn Fn(&str) -> String, out: &mut Vec<Violation>) {
    let Ok(v) = serde_json::from_str::<Value>(text) else { return };
    let Some(tools) = v.pointer("/result/tools").and_then(Value::as_array) else { return };
    for (i, tool) in tools.iter().enumerate() {
        let Err(problems) = headers::param_headers(tool.get("inputSchema").unwrap_or(&Value::Null)) else {
            continue;
        };
        let name = tool.get("name").and_then(Value::as_str).unwrap_or("?");
        for p in problems {
            out.push(Violation::new(
                "tool/x-mcp-header",
                at(&format!("result.tools[{i}].inputSchema{}", p.at.replace('/', "."))),
                format!("tool {name:?}: {}; clients must not call it (MCP {STATELESS})", p.message),
            ));
        }
    }
}

/// 2026-07-28 deprecates sampling and roots: an `input_required` result that still asks
/// for them works, and is worth knowing about.
fn deprecated_input_requests(text: &str, at: &dyn Fn(&str) -> String, out: &mut Vec<Violation>) {
    let Ok(v) = serde_json::from_str::<Value>(text) else { return };
    let Some(requests) = v.pointer("/result/inputRequests").and_then(Value::as_object) else { return };
    for (key, req) in requests {
        let (rule, what) = match req.get("method").and_then(Value::as_str) {
            Some("sampling/createMessage") => ("deprecated/sampling", "sampling"),
            Some("roots/list") => ("deprecated/roots", "roots"),
            _ => continue,
        };
        out.push(Violation::info(
            rule,
            at(&format!("result.inputRequests.{key}")),
            format!("{what} is deprecated in MCP {STATELESS} (still functional)"),
        ));
    }
}

/// A result that replaces the method's usual one (a task handle, a request for more input).
fn alternate(schema: &Schema, text: &str) -> Option<schema::Checker> {
    if schema.alternates.is_empty() {
        return None;
    }
    let v: Value = serde_json::from_str(text).ok()?;
    let result = v.get("result")?;
    schema.alternates.iter().find_map(|(key, want, checker)| {
        let got = result.get(*key)?;
        (want.is_empty() || got.as_str() == Some(want)).then_some(*checker)
    })
}

/// The 2026-07-28 headers that mirror the body: `Mcp-Method`, `Mcp-Name`, and a
/// `MCP-Protocol-Version` equal to the `_meta` one.
fn stateless_headers(message: Option<&Value>, headers: &[Header], out: &mut Vec<Violation>) {
    let Some(msg) = message else { return };
    let Some(method) = msg.get("method").and_then(Value::as_str) else { return };
    match header(headers, "mcp-method") {
        Some(m) if m == method => {}
        got => out.push(Violation::new(
            "http/mcp-method",
            "header mcp-method",
            match got {
                None => format!("in 2026-07-28 every POST carries Mcp-Method ({method})"),
                Some(m) => format!("Mcp-Method {m:?} differs from the body's method {method:?}"),
            },
        )),
    }
    let name = match method {
        "tools/call" | "prompts/get" => msg.pointer("/params/name"),
        "resources/read" => msg.pointer("/params/uri"),
        _ => None,
    };
    if let Some(name) = name.and_then(Value::as_str) {
        match header(headers, "mcp-name") {
            Some(n) if n == name || decode_sentinel(n).as_deref() == Some(name) => {}
            got => out.push(Violation::new(
                "http/mcp-name",
                "header mcp-name",
                match got {
                    None => format!("in 2026-07-28 a {method} carries Mcp-Name ({name})"),
                    Some(n) => format!("Mcp-Name {n:?} differs from the body's {name:?}"),
                },
            )),
        }
    }
}

/// `=?base64?…?=`, the 2026-07-28 encoding of header values that are not plain ASCII.
fn decode_sentinel(v: &str) -> Option<String> {
    let inner = v.strip_prefix("=?base64?")?.strip_suffix("?=")?;
    let bytes = base64_decode(inner)?;
    String::from_utf8(bytes).ok()
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes().filter(|&c| c != b'=') {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// The version a request names: `initialize`'s `protocolVersion`, or the stateless `_meta`.
fn offered_version(msg: &Value) -> Option<String> {
    let first = match msg {
        Value::Array(items) => items.first()?,
        m => m,
    };
    first
        .pointer("/params/protocolVersion")
        .filter(|_| first.get("method").and_then(Value::as_str) == Some("initialize"))
        .or_else(|| first.pointer("/params/_meta/io.modelcontextprotocol~1protocolVersion"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// The methods a POST body carries, each with whether it is a request.
fn methods_of(msg: &Value) -> Vec<(String, bool)> {
    let one = |m: &Value| {
        let name = m.get("method").and_then(Value::as_str)?;
        Some((name.to_owned(), m.get("id").is_some()))
    };
    match msg {
        Value::Array(items) => items.iter().filter_map(one).collect(),
        m => one(m).into_iter().collect(),
    }
}

/// The JSON-RPC role of one batch item.
fn role(v: &Value) -> Option<RpcKind> {
    let obj = v.as_object()?;
    if obj.get("method").is_some_and(Value::is_string) {
        Some(if obj.contains_key("id") { RpcKind::Request } else { RpcKind::Notification })
    } else if obj.contains_key("result") {
        Some(RpcKind::Result)
    } else if obj.contains_key("error") {
        Some(RpcKind::Error)
    } else {
        None
    }
}

fn header<'a>(headers: &'a [Header], name: &str) -> Option<&'a str> {
    headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.as_str())
}

/// Whether a header lists a media type (`Accept: a, b;q=0.9`, `Content-Type: x; charset=…`).
fn has_media(headers: &[Header], name: &str, media: &str) -> bool {
    headers.iter().filter(|h| h.name.eq_ignore_ascii_case(name)).flat_map(|h| h.value.split(',')).any(
        |part| {
            let t = part.split(';').next().unwrap_or("").trim();
            t.eq_ignore_ascii_case(media)
        },
    )
}

#[cfg(test)]
mod tests;

/// A record sink that lints each record on its way to `inner`: records reach it with their
/// [`Record::lint`] filled, in the order the capture produced them.
///
/// The linting runs on a thread of its own (`mcpscope-lint`), off the capture path: checking
/// a message against its schema type costs about as much as capturing it, and a flood's
/// reader would otherwise do both. Records queue for it in order (at most [`LINT_QUEUE`]
/// batches; past that, the capture waits), and [`RecordSink::flush`] passes through the same
/// queue, so a flush is answered once every record before it has reached `inner`. Where the
/// thread cannot be started, records are linted on the caller's thread instead.
pub struct Linted<S> {
    stage: Stage<S>,
}

/// Batches waiting for the lint thread before the capture waits for it.
pub const LINT_QUEUE: usize = 256;

enum Stage<S> {
    Worker(std::sync::mpsc::SyncSender<Job>),
    Here(Box<std::sync::Mutex<Linter>>, std::sync::Arc<S>),
}

enum Job {
    Batch(Vec<std::sync::Arc<Record>>),
    Flush(mcpscope_wire::Flushed),
}

impl<S: mcpscope_wire::RecordSink> Linted<S> {
    pub fn new(inner: S) -> Linted<S> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Job>(LINT_QUEUE);
        let inner = std::sync::Arc::new(inner);
        let worker = inner.clone();
        let spawned = std::thread::Builder::new().name("mcpscope-lint".to_owned()).spawn(move || {
            let mut linter = Linter::new();
            for job in rx {
                match job {
                    Job::Batch(batch) => lint_and_pass(&mut linter, &*worker, batch),
                    Job::Flush(done) => worker.flush(done),
                }
            }
        });
        let stage = match spawned {
            Ok(_) => Stage::Worker(tx),
            Err(e) => {
                tracing::warn!(error = %e, "the lint thread could not start: linting on the capture's thread");
                Stage::Here(Box::new(std::sync::Mutex::new(Linter::new())), inner)
            }
        };
        Linted { stage }
    }

    fn pass(&self, batch: Vec<std::sync::Arc<Record>>) {
        match &self.stage {
            // The worker only stops when this sender is dropped, or if it panicked outside a
            // batch (it catches a panic within one): then the records have nowhere to go.
            Stage::Worker(tx) => {
                let _ = tx.send(Job::Batch(batch));
            }
            Stage::Here(linter, inner) => {
                // A panic while linting leaves the linter's maps usable: the poison carries no
                // meaning.
                let mut linter = linter.lock().unwrap_or_else(|p| p.into_inner());
                lint_and_pass(&mut linter, &**inner, batch);
            }
        }
    }
}

/// Lints a batch and passes it on. A panic in the linter costs the batch's remaining lint
/// arrays, never its records.
fn lint_and_pass<S: mcpscope_wire::RecordSink>(
    linter: &mut Linter,
    inner: &S,
    mut batch: Vec<std::sync::Arc<Record>>,
) {
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        for record in &mut batch {
            let lint = linter.check_captured(record);
            if !lint.is_empty() {
                std::sync::Arc::make_mut(record).lint = lint;
            }
        }
    }));
    inner.record_batch(batch);
}

impl<S: mcpscope_wire::RecordSink> mcpscope_wire::RecordSink for Linted<S> {
    fn record(&self, record: Record) {
        self.pass(vec![std::sync::Arc::new(record)]);
    }

    fn record_batch(&self, batch: Vec<std::sync::Arc<Record>>) {
        self.pass(batch);
    }

    fn flush(&self, done: mcpscope_wire::Flushed) {
        match &self.stage {
            Stage::Worker(tx) => {
                // A worker that is gone drops `done`, which answers the flush too.
                let _ = tx.send(Job::Flush(done));
            }
            Stage::Here(_, inner) => inner.flush(done),
        }
    }
}
