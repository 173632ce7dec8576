//! Wire engine benchmark: how much does capturing cost over simply reading the bytes?
//!
//! A loopback server answers one `tools/call` with N notifications of about 200 bytes on an
//! SSE stream. The same bytes are read three ways, each repeated (15 times) and the median
//! printed:
//! - raw: a plain HTTP GET of the identical SSE body, read to the end (the floor);
//! - engine: `mcpscope-wire` performing the tool call, capturing every frame as a record
//!   (parsed SSE, decoded JSON-RPC, pairing) into memory;
//! - session: the full `mcpscope-session` engine the app uses (records kept, summaries
//!   batched to a UI sink).
//!
//! Goal: engine / raw ≤ 1.2. Run with `cargo xtask bench` (release build).

#![allow(clippy::expect_used)] // A benchmark aborts on a broken setup; that is its error report.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use mcpscope_proto::{ConnectRequest, TransportChoice, UiEvent};
use mcpscope_session::{Engine, EventSink};
use mcpscope_tests::FaultyServer;
use mcpscope_wire::{ConnectOptions, Connection, DefaultHandler, VecSink};
use serde_json::json;

/// The allocator the shells use (see `src-tauri/src/main.rs` and `cli/src/main.rs`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SIZE: usize = 200;
/// The version the flood server settles on when the client offers the newest it knows.
const FLOOD_VERSION: &str = "2025-11-25";
const RUNS: usize = 15;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn raw(server: &FaultyServer, n: u64) -> (Duration, usize, BTreeMap<String, f64>) {
    let http = reqwest::Client::new();
    let cpu = cpu_by_thread();
    let start = Instant::now();
    let resp = http.get(server.flood_url(n, SIZE)).send().await.expect("GET flood");
    let mut stream = resp.bytes_stream();
    let mut bytes = 0;
    while let Some(chunk) = stream.next().await {
        bytes += chunk.expect("chunk").len();
    }
    let elapsed = start.elapsed();
    (elapsed, bytes, cpu_spent(&cpu, &cpu_by_thread()))
}

async fn engine(server: &FaultyServer, n: u64) -> (Duration, usize) {
    let sink = VecSink::new();
    let mut opts = ConnectOptions::new(server.url());
    opts.transport = TransportChoice::Streamable;
    opts.open_get_stream = false;
    let conn = Connection::connect(opts, sink.clone(), Arc::new(DefaultHandler)).await.expect("connect");
    let start = Instant::now();
    let result = conn
        .request("tools/call", Some(json!({"name": "flood", "arguments": {"count": n, "size": SIZE}})))
        .await
        .expect("flood call");
    let elapsed = start.elapsed();
    assert!(result.get("result").is_some(), "{result}");
    let notes = sink
        .records()
        .iter()
        .filter(|r| r.rpc.as_ref().and_then(|x| x.method.as_deref()) == Some("notifications/message"))
        .count();
    assert_eq!(notes as u64, n, "every notification captured");
    conn.close().await;
    (elapsed, notes)
}

#[derive(Default)]
struct CountingSink(AtomicUsize);

impl EventSink for CountingSink {
    fn emit(&self, event: UiEvent) {
        if let UiEvent::Records { items } = event {
            self.0.fetch_add(items.len(), Ordering::Relaxed);
        }
    }
}

/// CPU time each thread of this process has used so far, ns, summed by thread name (from
/// `/proc/self/task/*/schedstat`; empty without /proc).
fn cpu_by_thread() -> BTreeMap<String, u64> {
    let mut by_name = BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return by_name };
    for task in tasks.flatten().map(|t| t.path()) {
        let name = std::fs::read_to_string(task.join("comm")).unwrap_or_default().trim().to_owned();
        let ns = std::fs::read_to_string(task.join("schedstat"))
            .ok()
            .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse::<u64>().ok()))
            .unwrap_or(0);
        *by_name.entry(name).or_insert(0) += ns;
    }
    by_name
}

/// The CPU each thread spent between two readings of [`cpu_by_thread`], ms.
fn cpu_spent(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>) -> BTreeMap<String, f64> {
    after
        .iter()
        .map(|(name, ns)| {
            (name.clone(), ns.saturating_sub(before.get(name).copied().unwrap_or(0)) as f64 / 1e6)
        })
        .filter(|(_, ms)| *ms >= 0.05)
        .collect()
}

/// Lets the work a run leaves behind (tasks ending, its records freed on the runtime's
/// threads) finish before the next run's clock starts, so that no run pays for another.
async fn settle() {
    tokio::time::sleep(mcpscope_session::BATCH_INTERVAL * 2).await;
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// The median of each thread's CPU over several runs, and of their total.
fn median_cpu(runs: &[BTreeMap<String, f64>]) -> String {
    let med = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    };
    let names: std::collections::BTreeSet<&String> = runs.iter().flat_map(|r| r.keys()).collect();
    let parts: Vec<String> = names
        .into_iter()
        .map(|name| {
            format!("{name} {:.1}", med(runs.iter().map(|r| r.get(name).copied().unwrap_or(0.0)).collect()))
        })
        .collect();
    let total = med(runs.iter().map(|r| r.values().sum()).collect());
    format!("{} = {total:.1} ms", parts.join(" + "))
}

async fn session(server: &FaultyServer, n: u64) -> (Duration, usize, BTreeMap<String, f64>) {
    let sink = Arc::new(CountingSink::default());
    let engine = Engine::new(sink.clone());
    let req = ConnectRequest {
        url: server.url().to_owned(),
        transport: TransportChoice::Streamable,
        ..ConnectRequest::default()
    };
    engine.connect(req).await.expect("connect");
    let cpu = cpu_by_thread();
    let start = Instant::now();
    engine
        .request("tools/call".into(), Some(json!({"name": "flood", "arguments": {"count": n, "size": SIZE}})))
        .await
        .expect("flood call");
    let elapsed = start.elapsed();
    let cpu = cpu_spent(&cpu, &cpu_by_thread());
    engine.disconnect().await.expect("disconnect");
    let kept = engine.records().len();
    drop(engine);
    (elapsed, kept, cpu)
}

/// Where the engine's time goes, without a socket: the same flood bytes in memory, fed to the
/// SSE parser alone; the frames' JSON validated alone by serde_json (what checking every
/// message costs done the ordinary way); then the engine's own path for a stream's chunks, on
/// one thread (the engine shares it with a helper thread): parse, check and peek at each
/// message, build and number the records, pair, hand each chunk's batch to a `VecSink`;
/// and the lint thread's work on those records (each message checked against its schema type).
async fn breakdown(n: u64) {
    use futures::TryStreamExt;
    use mcpscope_wire::{Capture, SseRecorder, sse::SseParser};
    let chunks: Vec<bytes::Bytes> =
        mcpscope_tests::flood_sse(n, SIZE, &json!(1)).try_collect().await.expect("in-memory flood");
    let parse = || {
        let start = Instant::now();
        let mut parser = SseParser::new();
        let mut count = 0;
        for c in &chunks {
            parser.feed(c, |_| count += 1);
        }
        assert_eq!(count as u64, n + 1);
        start.elapsed()
    };
    let capture_all = || {
        let start = Instant::now();
        let sink = VecSink::new();
        let cap = Capture::new(sink.clone());
        let mut recorder = SseRecorder::new(1);
        for c in &chunks {
            recorder.split(&cap, c.clone(), Instant::now()).build().commit(&cap);
        }
        let elapsed = start.elapsed();
        let records = sink.records();
        assert_eq!(records.len() as u64, n + 1);
        (elapsed, records)
    };
    let capture = || capture_all().0;
    let mut data = Vec::new();
    let mut parser = SseParser::new();
    for c in &chunks {
        parser.feed(c, |f| data.push(f.data.into_owned()));
    }
    let json_only = || {
        let start = Instant::now();
        for d in &data {
            let _: serde::de::IgnoredAny = serde_json::from_str(d).expect("json");
        }
        start.elapsed()
    };
    // The lint thread's work alone: every record checked against the schema of the version
    // the flood server settles on.
    let captured = capture_all().1;
    let lint = || {
        let start = Instant::now();
        let mut linter = mcpscope_lint::Linter::with_version(FLOOD_VERSION);
        let found: usize = captured.iter().map(|r| linter.check_captured(r).len()).sum();
        assert_eq!(found, 0, "the flood is clean");
        start.elapsed()
    };
    let l = median((0..RUNS).map(|_| lint()).collect());
    let j = median((0..RUNS).map(|_| json_only()).collect());
    let p = median((0..RUNS).map(|_| parse()).collect());
    let c = median((0..RUNS).map(|_| capture()).collect());
    let per = |d: Duration| d.as_nanos() as f64 / n as f64;
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{n:>8} in memory: SSE parse {:.1} ms ({:.0} ns/frame); serde_json validation alone {:.1} ms ({:.0} ns/frame); parse + capture {:.1} ms ({:.0} ns/frame); lint {:.1} ms ({:.0} ns/frame)",
        ms(p),
        per(p),
        ms(j),
        per(j),
        ms(c),
        per(c),
        ms(l),
        per(l)
    );
}

/// `WIRE_BENCH_PROFILE=engine` (or `raw`, `session`, `breakdown`) runs only that part, many times,
/// for a profiler.
async fn profile(server: &FaultyServer, raw_only: bool) {
    for _ in 0..40 {
        if raw_only {
            raw(server, 50_000).await;
        } else {
            engine(server, 50_000).await;
        }
    }
}

#[tokio::main]
async fn main() {
    // As the shells do.
    mcpscope_session::small_pages();
    let server = FaultyServer::start().await.expect("loopback server");
    match std::env::var("WIRE_BENCH_PROFILE").as_deref() {
        Ok("engine") => return profile(&server, false).await,
        Ok("raw") => return profile(&server, true).await,
        Ok("session") => {
            for _ in 0..20 {
                session(&server, 50_000).await;
                settle().await;
            }
            return;
        }
        Ok("breakdown") => {
            for _ in 0..10 {
                breakdown(50_000).await;
            }
            return;
        }
        _ => {}
    }
    println!("wire-bench: {RUNS} runs each, median; notifications of ~{SIZE} B in one tools/call");
    println!(
        "{:>8} {:>12} {:>12} {:>12} {:>8} {:>8}",
        "N", "raw ms", "engine ms", "session ms", "eng/raw", "ses/raw"
    );
    let mut cpu = Vec::new();
    let mut ratios = Vec::new();
    for n in [10_000u64, 50_000] {
        // Warm up connections and allocators once.
        raw(&server, n).await;
        engine(&server, n).await;
        let mut r = Vec::new();
        let mut e = Vec::new();
        let mut s = Vec::new();
        let (mut raw_cpu, mut session_cpu) = (Vec::new(), Vec::new());
        let mut bytes = 0;
        for run in 0..RUNS {
            // Every other run the session goes first: whatever the order costs (a core's
            // clock still rising, the previous run's memory being returned) falls on each
            // side equally.
            if run % 2 == 1 {
                let (d, _, c) = session(&server, n).await;
                s.push(d);
                session_cpu.push(c);
                settle().await;
            }
            let (d, b, c) = raw(&server, n).await;
            bytes = b;
            r.push(d);
            raw_cpu.push(c);
            settle().await;
            e.push(engine(&server, n).await.0);
            settle().await;
            if run % 2 == 0 {
                let (d, _, c) = session(&server, n).await;
                s.push(d);
                session_cpu.push(c);
                settle().await;
            }
        }
        cpu.push((n, median_cpu(&raw_cpu), median_cpu(&session_cpu)));
        // Each run's own ratio: the raw read and the session a moment apart, so a slow minute
        // of the machine weighs on both.
        let mut paired: Vec<f64> = r.iter().zip(&s).map(|(r, s)| s.as_secs_f64() / r.as_secs_f64()).collect();
        paired.sort_by(f64::total_cmp);
        ratios.push((n, paired));
        let (r, e, s) = (median(r), median(e), median(s));
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "{:>8} {:>12.1} {:>12.1} {:>12.1} {:>8.2} {:>8.2}   ({:.1} MB, engine {:.0} records/s)",
            n,
            ms(r),
            ms(e),
            ms(s),
            ms(e) / ms(r),
            ms(s) / ms(r),
            bytes as f64 / 1e6,
            n as f64 / e.as_secs_f64()
        );
    }
    println!("session/raw run by run (sorted; the median is the middle one):");
    for (n, paired) in ratios {
        let all: Vec<String> = paired.iter().map(|x| format!("{x:.2}")).collect();
        println!("{n:>8} {}", all.join(" "));
    }
    // The flood server runs in this process: its CPU is in both (tokio-rt-worker).
    println!(
        "CPU used during the flood, by thread (median ms; the server is in tokio-rt-worker, {} cores):",
        cores()
    );
    for (n, raw, session) in cpu {
        println!("{n:>8} raw: {raw}\n{:>8} session: {session}", "");
    }
    println!("where the engine's time goes (no socket):");
    for n in [10_000u64, 50_000] {
        breakdown(n).await;
    }
}
