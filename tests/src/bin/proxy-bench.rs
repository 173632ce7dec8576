//! Recording proxy benchmark: what does `mcpscope proxy` add between a client and its server?
//!
//! Against the loopback fault server, in one run:
//! - latency: 1000 sequential JSON-RPC `ping` POSTs, direct and through the proxy; the p50 and
//!   p99 of each, and what the proxy adds at p50 (goal: at most 1 ms);
//! - a flood: the same SSE body of N notifications of about 200 bytes, read to the end direct
//!   and through the proxy by a raw reader (the proxy's floor: one more hop for every byte),
//!   and called as a tool by a real client (mcpscope's wire `Connection`, which parses every
//!   frame as any client must) direct and through the proxy (goal: within 1.2× of direct);
//!   the median of 5 runs each.
//!
//! The proxy records into a capture with the protocol lint, as `mcpscope proxy` does (the
//! history's SQLite writes, which run on their own tasks, are left out). Run with
//! `cargo xtask bench` (release build).

#![allow(clippy::expect_used)] // A benchmark aborts on a broken setup; that is its error report.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use mcpscope_proxy::{Proxy, ProxyOptions};
use mcpscope_tests::FaultyServer;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PINGS: usize = 1000;
const RUNS: usize = 5;
const SIZE: usize = 200;

fn capture() -> Arc<mcpscope_wire::Capture> {
    mcpscope_wire::Capture::new(Arc::new(mcpscope_lint::Linted::new(mcpscope_wire::NullSink)))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

async fn pings(http: &reqwest::Client, url: &str) -> Vec<Duration> {
    let mut out = Vec::with_capacity(PINGS);
    for i in 0..PINGS {
        let body = format!(r#"{{"jsonrpc":"2.0","id":{i},"method":"ping"}}"#);
        let start = Instant::now();
        let resp = http
            .post(url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(body)
            .send()
            .await
            .expect("ping");
        let bytes = resp.bytes().await.expect("ping body");
        assert!(!bytes.is_empty());
        out.push(start.elapsed());
    }
    out.sort();
    out
}

async fn read_all(http: &reqwest::Client, url: &str) -> (Duration, usize) {
    let start = Instant::now();
    let resp = http.get(url).header("accept", "text/event-stream").send().await.expect("GET");
    let mut stream = resp.bytes_stream();
    let mut bytes = 0;
    while let Some(chunk) = stream.next().await {
        bytes += chunk.expect("chunk").len();
    }
    (start.elapsed(), bytes)
}

/// A real client's `tools/call flood` of `n` notifications against `url`, timed.
async fn client_flood(url: &str, n: u64) -> Duration {
    let sink = mcpscope_wire::VecSink::new();
    let mut opts = mcpscope_wire::ConnectOptions::new(url);
    opts.transport = mcpscope_proto::TransportChoice::Streamable;
    opts.open_get_stream = false;
    let conn = mcpscope_wire::Connection::connect(opts, sink, Arc::new(mcpscope_wire::DefaultHandler))
        .await
        .expect("connect");
    let start = Instant::now();
    let args = serde_json::json!({"name": "flood", "arguments": {"count": n, "size": SIZE}});
    let result = conn.request("tools/call", Some(args)).await.expect("flood call");
    let elapsed = start.elapsed();
    assert!(result.get("result").is_some(), "{result}");
    conn.close().await;
    elapsed
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    // As the shells do.
    mcpscope_session::small_pages();
    let server = FaultyServer::start().await.expect("loopback server");
    let http = reqwest::Client::new();

    let proxy = Proxy::start(ProxyOptions::new(server.url()), capture()).await.expect("proxy");
    // Warm both paths (connections, allocations) before measuring.
    let _ = pings(&http, server.url()).await;
    let _ = pings(&http, &proxy.url()).await;
    let direct = pings(&http, server.url()).await;
    let proxied = pings(&http, &proxy.url()).await;
    println!("latency: {PINGS} sequential JSON-RPC pings (POST, JSON answer)");
    println!("{:>10} {:>10} {:>10}", "", "p50 ms", "p99 ms");
    for (name, v) in [("direct", &direct), ("proxy", &proxied)] {
        println!("{name:>10} {:>10.3} {:>10.3}", ms(percentile(v, 0.5)), ms(percentile(v, 0.99)));
    }
    let added = ms(percentile(&proxied, 0.5)) - ms(percentile(&direct, 0.5));
    println!("added by the proxy at p50: {added:.3} ms (goal ≤ 1 ms)");
    proxy.stop().await;

    println!();
    println!("flood: N notifications of ~{SIZE} B on one SSE stream, read to the end (median of {RUNS})");
    println!("{:>8} {:>12} {:>12} {:>8}", "N", "direct ms", "proxy ms", "ratio");
    for n in [10_000u64, 50_000] {
        let proxy =
            Proxy::start(ProxyOptions::new(server.flood_url(n, SIZE)), capture()).await.expect("proxy");
        let mut d = Vec::new();
        let mut p = Vec::new();
        for _ in 0..RUNS {
            let (t, direct_bytes) = read_all(&http, &server.flood_url(n, SIZE)).await;
            let (u, proxied_bytes) = read_all(&http, &proxy.url()).await;
            assert_eq!(direct_bytes, proxied_bytes, "the proxy passed every byte on");
            d.push(t);
            p.push(u);
        }
        d.sort();
        p.sort();
        let (d, p) = (d[RUNS / 2], p[RUNS / 2]);
        println!("{n:>8} {:>12.1} {:>12.1} {:>8.2}", ms(d), ms(p), p.as_secs_f64() / d.as_secs_f64());
        proxy.stop().await;
    }

    println!();
    println!("flood to a real client: tools/call flood by mcpscope's wire client (median of {RUNS})");
    println!("{:>8} {:>12} {:>12} {:>8}", "N", "direct ms", "proxy ms", "ratio");
    let proxy = Proxy::start(ProxyOptions::new(server.url()), capture()).await.expect("proxy");
    for n in [10_000u64, 50_000] {
        let mut d = Vec::new();
        let mut p = Vec::new();
        for _ in 0..RUNS {
            d.push(client_flood(server.url(), n).await);
            p.push(client_flood(&proxy.url(), n).await);
        }
        d.sort();
        p.sort();
        let (d, p) = (d[RUNS / 2], p[RUNS / 2]);
        println!("{n:>8} {:>12.1} {:>12.1} {:>8.2}", ms(d), ms(p), p.as_secs_f64() / d.as_secs_f64());
    }
    proxy.stop().await;
}
