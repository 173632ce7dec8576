//! JSON-RPC decoding and pairing (capture), the lint, the record outline and the diff, on
//! messages that are JSON-RPC, almost JSON-RPC, or not JSON at all.

use mcpscope_lint::Linter;
use mcpscope_proto::{Direction, FlagCode, RecordKind, RpcKind, diff, outline};
use mcpscope_wire::{Capture, VecSink};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::runner::fuzz;

const METHODS: &[&str] = &[
    "initialize",
    "notifications/initialized",
    "tools/list",
    "tools/call",
    "resources/read",
    "resources/list",
    "prompts/get",
    "notifications/progress",
    "notifications/message",
    "notifications/cancelled",
    "sampling/createMessage",
    "elicitation/create",
    "roots/list",
    "ping",
    "completion/complete",
];

const KEYS: &[&str] = &[
    "name",
    "uri",
    "uriTemplate",
    "content",
    "type",
    "text",
    "tools",
    "inputSchema",
    "progressToken",
    "progress",
    "total",
    "protocolVersion",
    "capabilities",
    "_meta",
    "isError",
    "a/b",
    "~",
    "",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![3 => prop::sample::select(KEYS).prop_map(str::to_owned), 1 => ".{0,6}"]
}

/// Any JSON value, biased to the members MCP messages have.
pub fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop::sample::select(METHODS).prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|members| Value::Object(members.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn id() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        Just(None),
        any::<i32>().prop_map(|n| Some(json!(n))),
        "[a-z0-9-]{0,6}".prop_map(|s| Some(json!(s))),
        Just(Some(Value::Null)),
        json_value().prop_map(Some),
    ]
}

/// A message shaped like JSON-RPC, right or wrong in any member.
fn rpc_like() -> impl Strategy<Value = Value> {
    let version = prop_oneof![4 => Just(json!("2.0")), 1 => json_value()];
    let method = prop_oneof![
        Just(None),
        prop::sample::select(METHODS).prop_map(|m| Some(json!(m))),
        json_value().prop_map(Some),
    ];
    let error = (any::<i32>(), ".{0,10}", prop::option::of(json_value()))
        .prop_map(|(code, message, data)| json!({"code": code, "message": message, "data": data}));
    (
        prop::option::of(version),
        id(),
        method,
        prop::option::of(json_value()),
        prop::option::of(json_value()),
        prop::option::of(prop_oneof![error, json_value()]),
    )
        .prop_map(|(version, id, method, params, result, error)| {
            let mut m = Map::new();
            for (k, v) in [
                ("jsonrpc", version),
                ("id", id),
                ("method", method),
                ("params", params),
                ("result", result),
                ("error", error),
            ] {
                if let Some(v) = v {
                    m.insert(k.to_owned(), v);
                }
            }
            Value::Object(m)
        })
}

/// The text of a message: JSON-RPC-like, a batch, any JSON, cut short, or any text.
fn payload() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => rpc_like().prop_map(|v| v.to_string()),
        1 => prop::collection::vec(rpc_like(), 0..4).prop_map(|b| Value::Array(b).to_string()),
        1 => json_value().prop_map(|v| v.to_string()),
        1 => (rpc_like(), any::<prop::sample::Index>()).prop_map(|(v, cut)| {
            let text = v.to_string();
            outline::prefix(&text, cut.index(text.len() + 1)).to_owned()
        }),
        1 => ".{0,40}",
    ]
}

#[test]
fn jsonrpc_decoding_pairing_and_lint_take_any_message() {
    let strategy = prop::collection::vec((any::<bool>(), payload()), 1..8);
    fuzz("jsonrpc_decode_lint", strategy, |messages| {
        let sink = VecSink::new();
        let capture = Capture::new(sink.clone());
        let mut linter = Linter::new();
        let mut last_seq = 0;
        for (outbound, text) in &messages {
            let direction = if *outbound { Direction::Out } else { Direction::In };
            let kind = RecordKind::SseFrame {
                id: None,
                event: None,
                data: text.as_str().into(),
                retry_ms: None,
                comments: Vec::new(),
                raw: format!("data: {text}\n\n").into(),
            };
            let decoded = capture.record(direction, 1, kind, Some(text), Vec::new());
            prop_assert!(decoded.seq > last_seq, "seq {} after {}", decoded.seq, last_seq);
            last_seq = decoded.seq;
        }
        let records = sink.records();
        prop_assert_eq!(records.len(), messages.len());
        for (record, (_, text)) in records.iter().zip(&messages) {
            let parsed = serde_json::from_str::<Value>(text);
            let flagged = |code| record.flags.iter().any(|f| f.code == code);
            match &parsed {
                Err(_) => prop_assert!(flagged(FlagCode::MalformedJson), "{text:?}: {:?}", record.flags),
                Ok(v) if is_request(v) => {
                    let kind = record.rpc.as_ref().map(|r| r.kind);
                    prop_assert!(
                        matches!(kind, Some(RpcKind::Request | RpcKind::Notification)),
                        "{text:?} decoded as {kind:?}"
                    );
                }
                Ok(_) => {}
            }
            if record.rpc.is_some() {
                prop_assert!(parsed.is_ok(), "{text:?} has an RPC view but is not JSON");
            }
            let _ = linter.check(record);
        }
        Ok(())
    });
}

/// A well-formed request or notification: `jsonrpc` "2.0", a string `method`, a string or
/// number `id` or none, structured `params` or none, and nothing else.
fn is_request(v: &Value) -> bool {
    let Some(m) = v.as_object() else { return false };
    m.get("jsonrpc") == Some(&json!("2.0"))
        && m.get("method").is_some_and(Value::is_string)
        && m.get("id").is_none_or(|id| id.is_string() || id.is_i64() || id.is_u64())
        && m.get("params").is_none_or(|p| p.is_object() || p.is_array())
        && m.keys().all(|k| ["jsonrpc", "method", "id", "params"].contains(&k.as_str()))
}

/// Every JSON Pointer in `v`.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    let esc = |k: &str| k.replace('~', "~0").replace('/', "~1");
    match v {
        Value::Object(m) => m.iter().for_each(|(k, v)| pointers(v, format!("{at}/{}", esc(k)), out)),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, v)| pointers(v, format!("{at}/{i}"), out)),
        _ => {}
    }
}

#[test]
fn the_outline_pages_any_message_and_any_text() {
    let strategy = (json_value(), any::<usize>(), 0usize..64, ".{0,64}", any::<usize>(), any::<usize>());
    fuzz("outline", strategy, |(v, offset, limit, text, at, len)| {
        let mut all = Vec::new();
        pointers(&v, String::new(), &mut all);
        for p in &all {
            let node =
                v.pointer(p).ok_or_else(|| TestCaseError::fail(format!("{p:?} is not in the value")))?;
            let page = outline::children(&v, p, offset % 10, limit);
            let page = page.ok_or_else(|| TestCaseError::fail(format!("{p:?} leads nowhere")))?;
            let total = match node {
                Value::Object(m) => m.len(),
                Value::Array(a) => a.len(),
                _ => 0,
            };
            prop_assert_eq!(page.total, total as u64);
            prop_assert!(page.nodes.len() <= limit);
            for n in &page.nodes {
                prop_assert!(v.pointer(&n.pointer).is_some(), "child pointer {:?} leads nowhere", n.pointer);
            }
        }
        let _ = outline::root(&v);
        let _ = outline::abridge(&v);
        let slice = outline::slice(&text, at % (text.len() + 2), len % (text.len() + 2));
        prop_assert!(text[slice.offset as usize..].starts_with(&slice.text));
        prop_assert!(text.starts_with(outline::prefix(&text, at % (text.len() + 2))));
        Ok(())
    });
}

/// `v` with every array the diff compares by key (all objects, each with a distinct `name`,
/// `uri` or `uriTemplate`) sorted by that key: the diff ignores their order.
fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), canonical(v))).collect()),
        Value::Array(a) => {
            let mut items: Vec<Value> = a.iter().map(canonical).collect();
            let key = ["name", "uri", "uriTemplate"].into_iter().find(|k| {
                let mut seen = std::collections::HashSet::new();
                !a.is_empty()
                    && a.iter().all(|i| i.get(k).and_then(Value::as_str).is_some_and(|s| seen.insert(s)))
            });
            if let Some(k) = key {
                items.sort_by(|x, y| x[k].as_str().cmp(&y[k].as_str()));
            }
            Value::Array(items)
        }
        other => other.clone(),
    }
}

#[test]
fn the_diff_is_empty_exactly_when_nothing_changed() {
    let similar = json_value().prop_flat_map(|a| {
        let b = prop_oneof![Just(a.clone()), json_value()];
        (Just(a), b)
    });
    fuzz("diff", similar, |(a, b)| {
        prop_assert!(diff::diff(&a, &a).is_empty());
        let changes = diff::diff(&a, &b);
        prop_assert_eq!(changes.is_empty(), canonical(&a) == canonical(&b), "{:?}", changes);
        for c in &changes {
            prop_assert!(c.old.is_some() || c.new.is_some());
            if c.old.is_some() && c.new.is_some() {
                prop_assert_ne!(&c.old, &c.new);
            }
        }
        Ok(())
    });
}
