//! The window's side of a conversation: requests of ours in flight (with their progress), and
//! the server's requests (sampling, elicitation) that wait for the user's answer.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use mcpscope_proto::{
    Direction, Inflight, Progress, Record, Root, RpcKind, ServerAnswer, ServerRequest, UiEvent,
};
use mcpscope_wire::{ServerRequestHandler, token_text};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::{EventSink, lock};

/// What mcpscope offers servers in `initialize` when a person is there to answer.
pub fn interactive_capabilities() -> Value {
    json!({
        "sampling": {},
        "elicitation": {"form": {}, "url": {}},
        "roots": {"listChanged": true},
    })
}

/// Requests of ours waiting for their response, followed through the captured records (so
/// requests sent raw are followed too).
pub(crate) struct Tracker {
    sink: Arc<dyn EventSink>,
    state: Mutex<TrackerState>,
}

#[derive(Default)]
struct TrackerState {
    items: Vec<Inflight>,
    /// Progress token (as text) → request id.
    tokens: HashMap<String, String>,
}

impl Tracker {
    pub fn new(sink: Arc<dyn EventSink>) -> Tracker {
        Tracker { sink, state: Mutex::new(TrackerState::default()) }
    }

    /// Follows one record; tells the window when the list changed.
    pub fn observe(&self, record: &Record) {
        let Some(rpc) = &record.rpc else { return };
        let changed = match (record.direction, rpc.kind) {
            (Direction::Out, RpcKind::Request) => {
                let (Some(id), Some(method)) = (&rpc.id, &rpc.method) else { return };
                let token = record
                    .payload()
                    .and_then(|p| serde_json::from_str::<Value>(p).ok())
                    .and_then(|m| m.pointer("/params/_meta/progressToken").map(token_text));
                let mut st = lock(&self.state);
                if let Some(t) = token {
                    st.tokens.insert(t, id.clone());
                }
                st.items.push(Inflight { id: id.clone(), method: method.to_string(), progress: None });
                true
            }
            (Direction::In, RpcKind::Result | RpcKind::Error) => {
                let Some(id) = &rpc.id else { return };
                self.finish(id)
            }
            (Direction::In, RpcKind::Notification)
                if rpc.method.as_deref() == Some("notifications/progress") =>
            {
                let Some(params) = record
                    .payload()
                    .and_then(|p| serde_json::from_str::<Value>(p).ok())
                    .and_then(|m| m.get("params").cloned())
                else {
                    return;
                };
                let Some(token) = params.get("progressToken").map(token_text) else { return };
                let mut st = lock(&self.state);
                let Some(id) = st.tokens.get(&token).cloned() else { return };
                let Some(item) = st.items.iter_mut().find(|i| i.id == id) else { return };
                item.progress = Some(Progress {
                    progress: params.get("progress").and_then(Value::as_f64).unwrap_or(0.0),
                    total: params.get("total").and_then(Value::as_f64),
                    message: params.get("message").and_then(Value::as_str).map(str::to_owned),
                });
                true
            }
            _ => false,
        };
        if changed {
            self.emit();
        }
    }

    /// Drops request `id` from the list (answered or cancelled); `true` when it was there.
    pub fn finish(&self, id: &str) -> bool {
        let mut st = lock(&self.state);
        let before = st.items.len();
        st.items.retain(|i| i.id != id);
        st.tokens.retain(|_, v| v != id);
        let changed = st.items.len() != before;
        drop(st);
        if changed {
            self.emit();
        }
        changed
    }

    /// Forgets every request (the session ended: no answer will come).
    pub fn clear(&self) {
        let had = !lock(&self.state).items.is_empty();
        *lock(&self.state) = TrackerState::default();
        if had {
            self.emit();
        }
    }

    pub fn items(&self) -> Vec<Inflight> {
        lock(&self.state).items.clone()
    }

    fn emit(&self) {
        let items = self.items();
        self.sink.emit(UiEvent::Inflight { items });
    }
}

/// The most server requests waiting for the user at once, by default (the
/// `pending_requests` limit). Past it the server gets an error at once: a hostile server
/// cannot queue requests without bound, nor make each update of the window carry thousands
/// of them.
pub const MAX_WAITING: usize = 64;

/// A server request waiting for the user, and where the answer goes.
type Waiting = (ServerRequest, oneshot::Sender<Result<Value, Value>>);

/// Answers the server's requests: `ping` and `roots/list` at once, sampling and elicitation
/// when the user has answered in the window.
pub(crate) struct Interactive {
    sink: Arc<dyn EventSink>,
    next: AtomicU64,
    pending: Mutex<Vec<Waiting>>,
    /// The most requests in `pending` at once.
    max_waiting: std::sync::atomic::AtomicUsize,
    roots: Mutex<Vec<Root>>,
}

impl Interactive {
    pub fn new(sink: Arc<dyn EventSink>) -> Interactive {
        Interactive {
            sink,
            next: AtomicU64::new(1),
            pending: Mutex::new(Vec::new()),
            max_waiting: std::sync::atomic::AtomicUsize::new(MAX_WAITING),
            roots: Mutex::new(Vec::new()),
        }
    }

    /// At most `max` server requests wait for the user from now on.
    pub fn limit_waiting(&self, max: u64) {
        self.max_waiting.store(usize::try_from(max).unwrap_or(usize::MAX).max(1), Ordering::Relaxed);
    }

    pub fn pending(&self) -> Vec<ServerRequest> {
        lock(&self.pending).iter().map(|(r, _)| r.clone()).collect()
    }

    fn emit(&self) {
        let pending = self.pending();
        self.sink.emit(UiEvent::ServerRequests { pending });
    }

    /// Sends the user's answer to request `handle`; `false` when it is no longer waiting.
    pub fn answer(&self, handle: u64, answer: ServerAnswer) -> bool {
        let mut pending = lock(&self.pending);
        let Some(pos) = pending.iter().position(|(r, _)| r.handle == handle) else { return false };
        let (_, tx) = pending.remove(pos);
        drop(pending);
        let reply = match answer {
            ServerAnswer::Result { result } => Ok(result),
            ServerAnswer::Error { code, message } => Err(json!({"code": code, "message": message})),
        };
        let delivered = tx.send(reply).is_ok();
        self.emit();
        delivered
    }

    /// Forgets every waiting request (the session ended): their answers can no longer go
    /// anywhere.
    pub fn clear(&self) {
        let had = !lock(&self.pending).is_empty();
        lock(&self.pending).clear();
        if had {
            self.emit();
        }
    }

    pub fn set_roots(&self, roots: Vec<Root>) {
        *lock(&self.roots) = roots;
    }

    pub fn roots(&self) -> Vec<Root> {
        lock(&self.roots).clone()
    }
}

/// The handler the connection calls; shares the [`Interactive`] state with the engine.
pub(crate) struct Handler(pub Arc<Interactive>);

impl ServerRequestHandler for Handler {
    fn handle(&self, request: Value) -> BoxFuture<'static, Result<Value, Value>> {
        let method = request.get("method").and_then(Value::as_str).unwrap_or("").to_owned();
        let me = self.0.clone();
        Box::pin(async move {
            match method.as_str() {
                "ping" => Ok(json!({})),
                "roots/list" => Ok(json!({"roots": me.roots()})),
                "sampling/createMessage" | "elicitation/create" => {
                    let (tx, rx) = oneshot::channel();
                    let req = ServerRequest {
                        handle: me.next.fetch_add(1, Ordering::Relaxed),
                        id: request.get("id").map(Value::to_string).unwrap_or_default(),
                        method: method.clone(),
                        params: request.get("params").cloned().unwrap_or(Value::Null),
                        input_for: request.get("inputRequired").map(|i| {
                            format!(
                                "{} #{}, round {}",
                                i["method"].as_str().unwrap_or("?"),
                                i["request"].as_str().unwrap_or("?"),
                                i["round"]
                            )
                        }),
                    };
                    {
                        let mut pending = lock(&me.pending);
                        let max = me.max_waiting.load(Ordering::Relaxed);
                        if pending.len() >= max {
                            return Err(json!({"code": -32603, "message": format!(
                                "mcpscope already has {max} requests of this server waiting for the user; answer those first"
                            )}));
                        }
                        pending.push((req, tx));
                    }
                    me.emit();
                    rx.await.unwrap_or_else(|_| {
                        Err(json!({"code": -32603, "message": "the mcpscope session ended before the user answered"}))
                    })
                }
                _ => Err(json!({"code": -32601, "message": format!("mcpscope does not handle {method}")})),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[derive(Default)]
    struct Count(AtomicUsize);

    impl EventSink for Count {
        fn emit(&self, _: UiEvent) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// 10k elicitations from a server: at most [`MAX_WAITING`] wait for the user, the rest
    /// are refused at once with a reason, and the window hears of each waiting one only.
    #[tokio::test]
    async fn a_storm_of_server_requests_is_bounded() {
        let sink = Arc::new(Count::default());
        let interactive = Arc::new(Interactive::new(sink.clone()));
        let handler = Handler(interactive.clone());
        let mut waiting = Vec::new();
        let mut refused = 0;
        for id in 0..10_000 {
            let req = json!({"jsonrpc": "2.0", "id": id, "method": "elicitation/create", "params": {}});
            let mut answer = handler.handle(req);
            match futures::poll!(&mut answer) {
                std::task::Poll::Ready(Err(e)) => {
                    assert!(e["message"].as_str().unwrap_or("").contains("answer those first"), "{e}");
                    refused += 1;
                }
                std::task::Poll::Ready(Ok(v)) => panic!("answered without the user: {v}"),
                std::task::Poll::Pending => waiting.push(answer),
            }
        }
        assert_eq!(waiting.len(), MAX_WAITING);
        assert_eq!(refused, 10_000 - MAX_WAITING);
        assert_eq!(interactive.pending().len(), MAX_WAITING);
        assert_eq!(sink.0.load(Ordering::Relaxed), MAX_WAITING, "one update per waiting request");
        // Answering one makes room for the next.
        let first = interactive.pending()[0].handle;
        assert!(interactive.answer(first, ServerAnswer::Result { result: json!({"action": "decline"}) }));
        let req = json!({"jsonrpc": "2.0", "id": "late", "method": "elicitation/create", "params": {}});
        let mut late = handler.handle(req);
        assert!(futures::poll!(&mut late).is_pending());
    }
}
