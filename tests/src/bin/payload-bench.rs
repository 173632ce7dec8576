//! Big payload benchmark: how long from a 10 MB tool result arriving to an interactive view?
//!
//! The built-in demo server's `big` tool answers with about 10 MB, as many rows of structured
//! content or as one long text. The session engine the app uses receives it; the clock starts
//! when the result has arrived (captured and paired) and stops when the window has what it
//! draws first, each step as the desktop shell runs it, IPC serialization included:
//!
//! 1. `get_record`: the record as the UI gets it (a preview of its first 4 kB);
//! 2. `record_children` of the root: the first rows of the collapsed tree (the payload is
//!    parsed here, once).
//!
//! Then, separately, what opening nodes costs: the rows array's first page, a long string's
//! first page, and the Raw tab's first page. The "before" column is what the window would
//! have had to take without previews: the whole record decoded and serialized in one reply.
//! The webview then draws at most 200 rows or 64 kB of text; that part is not in these
//! figures (it does not grow with the payload).
//!
//! Goal: under 1 s to the interactive view. Run with `cargo xtask bench` (release build).

#![allow(clippy::expect_used)] // A benchmark aborts on a broken setup; that is its error report.

use std::sync::Arc;
use std::time::{Duration, Instant};

use mcpscope_proto::outline::{PAGE_BYTES, PAGE_NODES, PREVIEW_HEAD, RecordRef};
use mcpscope_proto::{ConnectRequest, RpcKind, TransportChoice, UiEvent};
use mcpscope_session::{Engine, EventSink};
use serde_json::json;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const RUNS: usize = 5;
const MEGABYTES: f64 = 10.0;

struct Quiet;

impl EventSink for Quiet {
    fn emit(&self, _event: UiEvent) {}
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e3)
}

struct Run {
    arrive: Duration,
    view: Duration,
    first_record: Duration,
    first_rows: Duration,
    open_big: Duration,
    raw_page: Duration,
    before: Duration,
    bytes: usize,
}

async fn run(engine: &Engine, shape: &str) -> Run {
    let start = Instant::now();
    let result = engine
        .request(
            "tools/call".into(),
            Some(json!({"name": "big", "arguments": {"megabytes": MEGABYTES, "shape": shape}})),
        )
        .await
        .expect("big call");
    let arrive = start.elapsed();
    assert!(result.get("result").is_some(), "the big tool answered an error");
    // The clock of the view starts now: the result is in, captured and paired.
    let t0 = Instant::now();
    let seq = engine
        .records()
        .iter()
        .rev()
        .find(|r| r.rpc.as_ref().is_some_and(|x| x.kind == RpcKind::Result))
        .map(|r| r.seq)
        .expect("the result record");
    let lookup = t0.elapsed();
    let t = Instant::now();
    let record = engine.record_view(seq).await.expect("record");
    let ipc = serde_json::to_string(&record).expect("serialize");
    let first_record = t.elapsed() + lookup;
    let bytes = record.preview_of.expect("a 10 MB record crosses as a preview") as usize;
    assert!(ipc.len() < 4 * PREVIEW_HEAD, "the preview is small: {}", ipc.len());
    let source = RecordRef { session_id: None, seq };
    let t = Instant::now();
    let root = engine.record_children(source.clone(), "", 0, PAGE_NODES as u64).await.expect("root");
    let _ = serde_json::to_string(&root).expect("serialize");
    let first_rows = t.elapsed();
    let view = t0.elapsed();

    // Opening the big part: the rows array's first page, or the long text's first page.
    let t = Instant::now();
    if shape == "rows" {
        let rows = engine
            .record_children(source.clone(), "/result/structuredContent/rows", 0, PAGE_NODES as u64)
            .await
            .expect("rows");
        assert_eq!(rows.nodes.len(), PAGE_NODES);
        let _ = serde_json::to_string(&rows).expect("serialize");
    } else {
        let page = engine
            .record_slice(source.clone(), Some("/result/content/0/text"), 0, PAGE_BYTES as u64)
            .await
            .expect("text page");
        assert!(page.total as usize > 9_000_000);
        let _ = serde_json::to_string(&page).expect("serialize");
    }
    let open_big = t.elapsed();
    let t = Instant::now();
    let raw = engine.record_slice(source, None, 0, PAGE_BYTES as u64).await.expect("raw page");
    let _ = serde_json::to_string(&raw).expect("serialize");
    let raw_page = t.elapsed();

    // Before previews: the whole record decoded and sent in one reply.
    let t = Instant::now();
    let whole = engine.record(seq).await.expect("record");
    let _ = serde_json::to_string(&whole).expect("serialize");
    let before = t.elapsed();
    Run { arrive, view, first_record, first_rows, open_big, raw_page, before, bytes }
}

#[tokio::main]
async fn main() {
    // As the shells do.
    mcpscope_session::small_pages();
    let engine = Engine::new(Arc::new(Quiet));
    // The demo server the app's "Try the demo" button starts.
    let url = engine.start_demo().await.expect("demo server");
    let req = ConnectRequest { url, transport: TransportChoice::Streamable, ..ConnectRequest::default() };
    engine.connect(req).await.expect("connect");
    println!("payload-bench: a {MEGABYTES} MB tool result, {RUNS} runs each, median ms");
    println!(
        "{:>6} {:>9} {:>9} | {:>12} {:>9} {:>10} | {:>9} {:>9} | {:>9}",
        "shape", "MB", "arrive", "→ view", "record", "tree rows", "open big", "raw page", "before"
    );
    for shape in ["rows", "text"] {
        run(&engine, shape).await; // warm up
        let runs: Vec<Run> = {
            let mut v = Vec::new();
            for _ in 0..RUNS {
                v.push(run(&engine, shape).await);
            }
            v
        };
        let pick = |f: fn(&Run) -> Duration| median(runs.iter().map(f).collect());
        println!(
            "{:>6} {:>9.1} {:>9} | {:>12} {:>9} {:>10} | {:>9} {:>9} | {:>9}",
            shape,
            runs[0].bytes as f64 / 1e6,
            ms(pick(|r| r.arrive)),
            ms(pick(|r| r.view)),
            ms(pick(|r| r.first_record)),
            ms(pick(|r| r.first_rows)),
            ms(pick(|r| r.open_big)),
            ms(pick(|r| r.raw_page)),
            ms(pick(|r| r.before)),
        );
    }
    println!("→ view: from the result arriving to the window's first draw (goal: under 1000 ms)");
    engine.disconnect().await.expect("disconnect");
}
