//! The flusher that sends the window its summaries: on its tick, and at the end of a request.

use super::*;

struct Nowhere;
impl EventSink for Nowhere {
    fn emit(&self, _: UiEvent) {}
}

/// The summaries the window got, kept.
#[derive(Default)]
struct Window(Mutex<Vec<RecordSummary>>);
impl EventSink for Window {
    fn emit(&self, event: UiEvent) {
        if let UiEvent::Records { items } = event {
            lock(&self.0).extend(items.into_summaries());
        }
    }
}

/// A request's records reach the window with its answer, not at the flusher's next tick:
/// with a tick of a minute, each answer's record is in the window within seconds of
/// `request` returning.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_requests_records_reach_the_window_with_its_answer() {
    let opts = DemoOptions { stateful: false, json_response: false };
    let demo = DemoServer::start(([127, 0, 0, 1], 0).into(), opts).await.expect("demo server");
    let window = Arc::new(Window::default());
    let mut engine = Engine::new(window.clone());
    engine.tick = Duration::from_secs(60);
    let req = ConnectRequest { url: demo.url().to_owned(), ..ConnectRequest::default() };
    engine.connect(req).await.expect("connect");
    let results =
        || lock(&window.0).iter().filter(|s| s.rpc_kind == Some(mcpscope_proto::RpcKind::Result)).count();
    for i in 0..5 {
        let before = results();
        let params = serde_json::json!({"name": "echo", "arguments": {"message": format!("hi {i}")}});
        engine.request("tools/call".into(), Some(params)).await.expect("echo");
        let start = std::time::Instant::now();
        while results() < before + 1 {
            assert!(start.elapsed() < Duration::from_secs(10), "call {i}: the answer's record never came");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// A dropped engine lets go of its timeline: the flusher that held it is stopped.
#[tokio::test]
async fn a_dropped_engine_frees_its_timeline() {
    let engine = Engine::new(Arc::new(Nowhere));
    engine.ensure_flusher();
    let timeline = Arc::downgrade(&engine.log);
    tokio::time::sleep(BATCH_INTERVAL * 2).await;
    assert!(timeline.upgrade().is_some(), "the flusher ticks over the timeline");
    drop(engine);
    tokio::time::sleep(BATCH_INTERVAL * 2).await;
    assert!(timeline.upgrade().is_none(), "nothing holds the timeline once the engine is gone");
}
