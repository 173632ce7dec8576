//! Replay: resend a recorded request — as it was, or with other params — and compare the new
//! response with the one recorded.

use mcpscope_proto::diff::diff;
use mcpscope_proto::{ListDiff, Record, RecordKind, ReplayStep, RpcKind};
use mcpscope_store::Store;
use mcpscope_wire::Connection;
use serde_json::Value;

use crate::{Result, SessionError};

/// What a replay found (shared with the UI, hence in `proto`).
pub use mcpscope_proto::Replay;

/// The recorded request `seq` of `session_id`: its method and params.
pub async fn recorded_request(
    store: &Store,
    session_id: &str,
    seq: u64,
) -> Result<(Record, String, Option<Value>)> {
    let record = store
        .record(session_id, seq)
        .await?
        .ok_or_else(|| SessionError::NoRecord { session: session_id.to_owned(), seq })?
        .with_message();
    if !matches!(record.kind, RecordKind::HttpRequest { .. }) {
        return Err(SessionError::NotARequest { seq, kind: record.kind.label() });
    }
    let rpc = record
        .rpc
        .as_ref()
        .filter(|r| r.kind == RpcKind::Request)
        .ok_or(SessionError::NoRpcRequest { seq })?;
    let method = rpc.method.as_deref().unwrap_or_default().to_owned();
    let params = Replay::default_params(&rpc.message);
    Ok((record, method, params))
}

/// Sends request `seq` of `session_id` again on `conn`, with `params` instead of the recorded
/// ones when given, and diffs the answer against the recorded answer.
pub async fn replay(
    store: &Store,
    conn: &Connection,
    session_id: &str,
    seq: u64,
    params: Option<Value>,
) -> Result<Replay> {
    let (_, method, recorded_params) = recorded_request(store, session_id, seq).await?;
    let params = params.or(recorded_params);
    let response = conn.request(&method, params.clone()).await?;
    let original = store
        .response_to(session_id, seq)
        .await?
        .map(Record::with_message)
        .map(|r| r.rpc.map(|rpc| rpc.message.into_value()).unwrap_or(Value::Null));
    let changes = match &original {
        Some(o) => diff(&comparable(o), &comparable(&response)),
        None => Vec::new(),
    };
    Ok(Replay { method, params, response, original, changes })
}

/// The client requests of a recorded session, in the order they were sent: every JSON-RPC
/// request but `initialize` (the connection they are replayed on has its own handshake).
pub async fn session_requests(store: &Store, session_id: &str) -> Result<Vec<(u64, String)>> {
    let hits = store.search(&format!("session:{session_id} kind:http-request"), 100_000).await?;
    Ok(hits
        .into_iter()
        .filter_map(|h| {
            let rpc = h.record.rpc.as_ref().filter(|r| r.kind == RpcKind::Request)?;
            let method = rpc.method.as_deref()?.to_owned();
            (method != "initialize").then_some((h.record.seq, method))
        })
        .collect())
}

/// Replays every client request of `session_id` on `conn`, in order, each diffed against its
/// recorded answer. A request that fails is reported in its step; the next ones still go.
pub async fn replay_session(store: &Store, conn: &Connection, session_id: &str) -> Result<Vec<ReplayStep>> {
    let requests = session_requests(store, session_id).await?;
    if requests.is_empty() {
        return Err(SessionError::NothingToReplay(session_id.to_owned()));
    }
    let mut steps = Vec::with_capacity(requests.len());
    for (seq, method) in requests {
        let outcome = replay(store, conn, session_id, seq, None).await;
        let (replay, error) = match outcome {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(e.to_string())),
        };
        steps.push(ReplayStep { seq, method, replay, error });
    }
    Ok(steps)
}

/// The lists two sessions' servers answered, compared (two versions of a server): for each of
/// tools, resources, resource templates and prompts, the last answer of each session.
pub async fn diff_sessions(store: &Store, old: &str, new: &str) -> Result<Vec<ListDiff>> {
    const LISTS: [(&str, &str); 4] = [
        ("tools/list", "tools"),
        ("resources/list", "resources"),
        ("resources/templates/list", "resourceTemplates"),
        ("prompts/list", "prompts"),
    ];
    let mut out = Vec::new();
    for (method, key) in LISTS {
        let a = last_list(store, old, method, key).await?;
        let b = last_list(store, new, method, key).await?;
        let entry = match (a, b) {
            (Some(a), Some(b)) => {
                ListDiff { method: method.to_owned(), changes: diff(&a, &b), missing: None }
            }
            (None, None) => continue,
            (None, Some(_)) => ListDiff {
                method: method.to_owned(),
                changes: Vec::new(),
                missing: Some(format!("session {old} never asked {method}")),
            },
            (Some(_), None) => ListDiff {
                method: method.to_owned(),
                changes: Vec::new(),
                missing: Some(format!("session {new} never asked {method}")),
            },
        };
        out.push(entry);
    }
    if out.is_empty() {
        return Err(SessionError::NothingToCompare { old: old.to_owned(), new: new.to_owned() });
    }
    Ok(out)
}

/// `{key: [...]}` of the last answered `method` request of a session.
async fn last_list(store: &Store, session_id: &str, method: &str, key: &str) -> Result<Option<Value>> {
    let hits = store.search(&format!("session:{session_id} method:{method} kind:http-request"), 1000).await?;
    for h in hits.iter().rev() {
        if let Some(resp) = store.response_to(session_id, h.record.seq).await? {
            let msg = resp.with_message().rpc.map(|r| r.message.into_value()).unwrap_or(Value::Null);
            if let Some(list) = msg.pointer(&format!("/result/{key}")) {
                return Ok(Some(serde_json::json!({ key: list })));
            }
        }
    }
    Ok(None)
}

/// The parts of a response that say what the server answered: not the id, not `_meta`.
fn comparable(message: &Value) -> Value {
    let mut v = message.clone();
    if let Some(obj) = v.as_object_mut() {
        obj.remove("id");
        obj.remove("jsonrpc");
        if let Some(result) = obj.get_mut("result").and_then(Value::as_object_mut) {
            result.remove("_meta");
        }
    }
    v
}
