//! History store benchmark: insert throughput through the batched `Recorder`, the full-text
//! index catching up behind it, then search latency (FTS5 free text and filters) over the stored records, p50 and p95.
//!
//! Goals: at least 100k records/s inserted in batches; p50 search under 50 ms over 1M
//! records. `STORE_BENCH_RECORDS` changes the count (default 1,000,000). Run with
//! `cargo xtask bench`.

#![allow(clippy::expect_used)] // A benchmark aborts on a broken setup; that is its error report.

use std::time::{Duration, Instant};

use mcpscope_proto::{Body, Direction, Header, Record, RecordKind, RpcInfo, RpcKind};
use mcpscope_store::{NewSession, Store};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const WORDS: &[&str] = &[
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo",
    "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform", "victor",
    "whiskey", "xray", "yankee", "zulu",
];

/// A deterministic mix: tool calls, their results, errors and many notifications.
fn record(seq: u64) -> Record {
    let w = |k: u64| WORDS[((seq.wrapping_mul(2654435761) >> k) % WORDS.len() as u64) as usize];
    let (direction, kind, rpc_kind, method, error_code, latency) = match seq % 10 {
        0 => (Direction::Out, "req", RpcKind::Request, Some("tools/call"), None, None),
        1 => (Direction::In, "res", RpcKind::Result, None, None, Some((seq * 7919) % 2_000_000)),
        2 if seq % 100 == 2 => (Direction::In, "err", RpcKind::Error, None, Some(-32602), Some(1_000)),
        _ => (Direction::In, "note", RpcKind::Notification, Some("notifications/message"), None, None),
    };
    let data = format!(
        r#"{{"jsonrpc":"2.0","method":"notifications/message","params":{{"level":"info","data":"{} {} {} step {seq}"}}}}"#,
        w(3),
        w(7),
        w(11)
    );
    let record_kind = if kind == "req" {
        RecordKind::HttpRequest {
            method: "POST".into(),
            url: "http://127.0.0.1:3001/mcp".into(),
            headers: vec![Header::new("content-type", "application/json")],
            body: Some(Body::from_bytes(data.as_bytes())),
        }
    } else {
        // As the wire captures it: the frame's text, and its data a slice of it.
        let raw = mcpscope_proto::ByteString::from(format!("id: e-{seq}\ndata: {data}\n\n"));
        let at = raw.find("data: ").map_or(0, |i| i + "data: ".len());
        RecordKind::SseFrame {
            id: Some(format!("e-{seq}").into()),
            event: None,
            data: raw.slice_ref(&raw[at..raw.len() - 2]),
            retry_ms: None,
            comments: vec![],
            raw,
        }
    };
    Record {
        seq,
        at_us: 1_700_000_000_000_000 + seq as i64 * 100,
        elapsed_us: seq * 100,
        direction,
        exchange: seq / 10,
        kind: record_kind,
        rpc: Some(RpcInfo {
            kind: rpc_kind,
            id: (kind != "note").then(|| (seq / 10).to_string()),
            method: method.map(mcpscope_proto::method_name),
            error_code,
            pair_seq: None,
            latency_us: latency,
            continues: None,
            message: Default::default(),
            shape: Default::default(),
        }),
        flags: vec![],
        lint: vec![],
        preview_of: None,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    // As the shells do.
    mcpscope_session::small_pages();
    let n: u64 = std::env::var("STORE_BENCH_RECORDS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let dir = std::env::temp_dir().join(format!("mcpscope-store-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open_dir(&dir).await.expect("open the store");
    let rec = store.recorder(NewSession::new("http://127.0.0.1:3001/mcp", "cli")).await.expect("session");
    // Every record is queued at once: with the app's bound on the queue (100k), the rest would
    // be refused (a gap note in their place) and the figure would be of what was dropped.
    rec.limit_queue(n);
    println!("store-bench: {n} records into {}", store.path().display());
    let start = Instant::now();
    for seq in 1..=n {
        rec.record(record(seq));
    }
    let queued = start.elapsed();
    rec.flush().await;
    let total = start.elapsed();
    println!(
        "insert: {:.0} records/s ({:.1} s for {n}; queuing alone {:.0} ms)",
        n as f64 / total.as_secs_f64(),
        total.as_secs_f64(),
        queued.as_secs_f64() * 1e3
    );
    // The full-text index follows the writer, from the texts it kept, once the stream rests
    // (see mcpscope_store's `index`): how long until it holds every record.
    let start = Instant::now();
    let behind = store.unindexed().await.expect("unindexed");
    while store.unindexed().await.expect("unindexed") > 0 {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "full-text index: {behind} records behind at the flush, caught up {:.1} s later",
        start.elapsed().as_secs_f64()
    );
    let stored = store.session(rec.session_id()).await.expect("the session").map_or(0, |s| s.records);
    assert_eq!(stored as u64, n, "every record stored");
    store.checkpoint().await.expect("checkpoint");
    let size = std::fs::metadata(store.path()).map(|m| m.len()).unwrap_or(0);
    println!("database: {:.0} MB ({stored} records stored)", size as f64 / 1e6);

    let queries = [
        "tango",
        "\"alpha bravo\"",
        "method:tools/call",
        "status:error",
        "dur:>1500ms",
        "method:notifications/message zulu",
        "server:127.0.0.1 kilo",
        "nothingmatchesthis",
    ];
    println!("{:<36} {:>9} {:>9} {:>7}", "search (limit 100)", "p50 ms", "p95 ms", "hits");
    let mut all = Vec::new();
    for q in queries {
        let mut times = Vec::new();
        let mut hits = 0;
        for _ in 0..21 {
            let t = Instant::now();
            hits = store.search(q, 100).await.expect("search").len();
            times.push(t.elapsed());
        }
        times.sort();
        all.extend(times.iter().copied());
        println!(
            "{q:<36} {:>9.1} {:>9.1} {hits:>7}",
            percentile(&times, 0.5).as_secs_f64() * 1e3,
            percentile(&times, 0.95).as_secs_f64() * 1e3
        );
    }
    all.sort();
    println!(
        "all searches: p50 {:.1} ms, p95 {:.1} ms",
        percentile(&all, 0.5).as_secs_f64() * 1e3,
        percentile(&all, 0.95).as_secs_f64() * 1e3
    );
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
