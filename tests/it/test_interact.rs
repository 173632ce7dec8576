//! The engine in conversation with npm server-everything, as the window drives it: the
//! server's sampling and elicitation requests answered by hand, roots offered, progress
//! followed to 100%, and a long operation cancelled.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mcpscope_proto::{ConnectRequest, Inflight, Root, ServerAnswer, ServerRequest, TransportChoice, UiEvent};
use mcpscope_session::{Engine, EventSink};
use mcpscope_tests::everything::{Everything, Mode};
use serde_json::{Value, json};

/// Keeps the events the window would get.
#[derive(Default)]
struct Events(Mutex<Vec<UiEvent>>);

impl EventSink for Events {
    fn emit(&self, event: UiEvent) {
        self.0.lock().unwrap().push(event);
    }
}

impl Events {
    fn inflight(&self) -> Vec<Vec<Inflight>> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| match e {
                UiEvent::Inflight { items } => Some(items.clone()),
                _ => None,
            })
            .collect()
    }

    fn last_pending(&self) -> Vec<ServerRequest> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find_map(|e| match e {
                UiEvent::ServerRequests { pending } => Some(pending.clone()),
                _ => None,
            })
            .unwrap_or_default()
    }
}

async fn until<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    mcpscope_tests::eventually(what, limit, || std::future::ready(f())).await
}

async fn connected() -> (Everything, Arc<Engine>, Arc<Events>) {
    let server = Everything::start(Mode::StreamableHttp).expect("server-everything");
    let events = Arc::new(Events::default());
    let engine = Arc::new(Engine::new(events.clone()));
    let req = ConnectRequest {
        url: server.url.clone(),
        transport: TransportChoice::Streamable,
        ..Default::default()
    };
    engine.connect(req).await.expect("connect");
    (server, engine, events)
}

fn call(engine: &Arc<Engine>, tool: &str, args: Value) -> tokio::task::JoinHandle<Result<Value, String>> {
    let engine = engine.clone();
    let params = json!({"name": tool, "arguments": args});
    tokio::spawn(
        async move { engine.request("tools/call".into(), Some(params)).await.map_err(|e| e.to_string()) },
    )
}

fn text_of(result: &Value) -> String {
    result["result"]["content"]
        .as_array()
        .map(|c| c.iter().filter_map(|b| b["text"].as_str()).collect::<Vec<_>>().join("\n"))
        .unwrap_or_default()
}

#[tokio::test]
async fn sampling_and_elicitation_are_answered_by_the_user() {
    let (_server, engine, events) = connected().await;

    let sampling = call(&engine, "trigger-sampling-request", json!({"prompt": "the sky?", "maxTokens": 20}));
    let req = until("the sampling request", Duration::from_secs(20), || {
        events.last_pending().into_iter().find(|r| r.method == "sampling/createMessage")
    })
    .await;
    assert!(
        req.params["messages"][0]["content"]["text"].as_str().unwrap_or("").contains("the sky?"),
        "{req:?}"
    );
    assert_eq!(engine.server_requests().len(), 1);
    let reply = json!({"role": "assistant", "content": {"type": "text", "text": "Blue, mostly."},
        "model": "mcpscope-by-hand", "stopReason": "endTurn"});
    engine.answer_server_request(req.handle, ServerAnswer::Result { result: reply }).expect("answer");
    let result = sampling.await.expect("join").expect("sampling tool");
    assert!(text_of(&result).contains("Blue, mostly."), "{result}");
    assert!(engine.server_requests().is_empty());
    assert!(
        engine
            .answer_server_request(req.handle, ServerAnswer::Error { code: -1, message: "late".into() })
            .is_err(),
        "a request answered once cannot be answered again"
    );

    let elicit = call(&engine, "trigger-elicitation-request", json!({}));
    let req = until("the elicitation request", Duration::from_secs(20), || {
        events.last_pending().into_iter().find(|r| r.method == "elicitation/create")
    })
    .await;
    assert_eq!(req.params["requestedSchema"]["required"], json!(["name"]));
    let answer =
        json!({"action": "accept", "content": {"name": "Ada Lovelace", "check": true, "integer": 7}});
    engine.answer_server_request(req.handle, ServerAnswer::Result { result: answer }).expect("answer");
    let text = text_of(&elicit.await.expect("join").expect("elicitation tool"));
    assert!(text.contains("Name: Ada Lovelace") && text.contains("Favorite Integer: 7"), "{text}");

    // Declined: the server hears it.
    let elicit = call(&engine, "trigger-elicitation-request", json!({}));
    let req = until("the second elicitation", Duration::from_secs(20), || {
        events.last_pending().into_iter().find(|r| r.method == "elicitation/create")
    })
    .await;
    engine
        .answer_server_request(req.handle, ServerAnswer::Result { result: json!({"action": "decline"}) })
        .expect("answer");
    let text = text_of(&elicit.await.expect("join").expect("elicitation tool"));
    assert!(text.contains("declined"), "{text}");
    // Our answers fit the schema of the version in force, like everything else on the wire.
    let lint: Vec<String> = engine
        .records()
        .iter()
        .flat_map(|r| {
            r.lint.iter().map(move |v| format!("#{} {} @ {}: {}", r.seq, v.rule, v.path, v.message))
        })
        .collect();
    assert!(lint.is_empty(), "{lint:#?}");
    engine.disconnect().await.expect("disconnect");
}

#[tokio::test]
async fn roots_are_offered_and_their_changes_announced() {
    let (_server, engine, _events) = connected().await;
    engine
        .set_roots(vec![Root { uri: "file:///work/project".into(), name: Some("project".into()) }])
        .await
        .expect("set roots");
    // The server asks again after list_changed: poll what it knows.
    let mut known = String::new();
    for _ in 0..50 {
        let result = engine
            .request("tools/call".into(), Some(json!({"name": "get-roots-list", "arguments": {}})))
            .await
            .expect("get-roots-list");
        known = text_of(&result);
        if known.contains("file:///work/project") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(known.contains("file:///work/project") && known.contains("project"), "{known}");
    let records = engine.records();
    assert!(
        records
            .iter()
            .any(|r| r.rpc.as_ref().and_then(|x| x.method.as_deref())
                == Some("notifications/roots/list_changed")),
        "list_changed was sent"
    );
    engine.disconnect().await.expect("disconnect");
}

#[tokio::test]
async fn progress_reaches_100_and_a_long_operation_can_be_cancelled() {
    let (_server, engine, events) = connected().await;
    let done = call(&engine, "trigger-long-running-operation", json!({"duration": 1, "steps": 4}));
    done.await.expect("join").expect("long operation");
    let percents: Vec<f64> = events
        .inflight()
        .iter()
        .flat_map(|items| items.iter().filter_map(|i| i.progress.as_ref().and_then(|p| p.percent())))
        .collect();
    assert_eq!(percents, vec![25.0, 50.0, 75.0, 100.0], "each step, in order");
    assert!(engine.inflight().is_empty(), "answered requests leave the list");

    let long = call(&engine, "trigger-long-running-operation", json!({"duration": 30, "steps": 30}));
    let id = until("the first progress", Duration::from_secs(10), || {
        engine.inflight().into_iter().find(|i| i.progress.is_some()).map(|i| i.id)
    })
    .await;
    let started = Instant::now();
    assert!(engine.cancel_request(&id).await.expect("cancel"), "it was in flight");
    let outcome = long.await.expect("join");
    assert!(started.elapsed() < Duration::from_secs(5), "the caller is released at once");
    let err = outcome.expect_err("a cancelled request has no result");
    assert!(err.contains("cancelled"), "{err}");
    assert!(engine.inflight().is_empty());
    assert!(!engine.cancel_request(&id).await.expect("cancel again"), "nothing left to cancel");
    let cancelled = engine
        .records()
        .into_iter()
        .filter(|r| r.rpc.as_ref().and_then(|x| x.method.as_deref()) == Some("notifications/cancelled"))
        .map(|r| r.with_message().rpc.map(|x| x.message["params"]["requestId"].to_string()))
        .collect::<Vec<_>>();
    assert!(
        cancelled.contains(&Some(id.clone())),
        "notifications/cancelled names request {id}: {cancelled:?}"
    );
    engine.disconnect().await.expect("disconnect");
}
