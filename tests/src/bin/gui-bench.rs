//! GUI benchmark: the live view under a flood, as the user sees it.
//!
//! Drives the app's window through WebDriver (tauri-driver + WebKitWebDriver) against the demo
//! server, whose tool `flood {count, size}` sends `count` `notifications/message` of about
//! `size` bytes on the call's SSE stream, then returns "sent N". For each N the clock runs, in
//! the page, from the click on **Call tool** until the result is shown and the record count
//! above the timeline has grown by at least N. Frame gaps are measured in the page with
//! `requestAnimationFrame`; RSS and CPU are read from `/proc` for the app and its WebKit
//! children, and the PSS of the app and its web process (shared library pages counted once).
//! The same run reads the same flood with a minimal HTTP + SSE reader ("raw").
//!
//! Usage: `gui-bench [--app PATH] [--sizes 1000,10000,50000] [--soak ROUNDS] [--no-history]`.
//! `cargo xtask bench` runs it on the release app under Xvfb. `--soak` is the CI soak instead:
//! floods with view switches and filters in between, then checks the window is still alive.
//! `--no-history` unticks "Record the next connection in the history" first (what the history
//! costs a flood: README). A size given more than once (`--sizes 50000,50000,50000`) gets a
//! summary line after the table: the median ratio and its range, the median longest frame and
//! p99, and how many of its floods had a frame over 100 ms.

#![allow(clippy::expect_used, clippy::panic)] // A benchmark aborts on a broken setup; that is its report.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use fantoccini::Client;
use futures::StreamExt;
use mcpscope_demo::{DemoOptions, DemoServer};
use mcpscope_tests::gui::{
    Driver, click, disconnect, eventually, screenshot, soak_round, text_of, type_into,
};
use serde_json::{Value, json};

const SIZE: usize = 200;

/// Records the page's animation frames and, once a target is set, when it was reached.
const RECORDER: &str = r#"
if (!window.__bench) {
  const b = { gaps: [], last: performance.now(), target: null, done: null, t0: 0 };
  b.count = () => {
    const el = document.querySelector('.timeline-pane .count');
    const m = el && el.textContent.match(/(\d+) records/);
    return m ? Number(m[1]) : 0;
  };
  const frame = (t) => {
    b.gaps.push([t, t - b.last]);
    b.last = t;
    // The interaction probes (PROBE), one after the other: each step's time is from its
    // action to the first frame in which what it does shows.
    if (b.steps) {
      if (b.step && (b.step.ok() || t - b.step.start > 3000)) {
        b.probes.push([b.step.name, b.step.ok() ? t - b.step.start : null]);
        b.step = null;
      }
      if (!b.step && b.steps.length && b.count() >= b.probeFrom) {
        const [name, act, ok] = b.steps.shift();
        b.step = { name, ok, start: performance.now() };
        act();
      }
    }
    if (b.target && b.done === null) {
      const resp = document.querySelector('#last-response');
      if (b.count() >= b.target.count && resp && resp.textContent.includes(b.target.text)) {
        b.done = performance.now();
      }
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  window.__bench = b;
}
return window.__bench.count();
"#;

/// Interactions to make during the next flood, once it is 5000 records in: typing in the
/// filter, clearing it, scrolling to the top, selecting a row, following again. Each is a
/// synthetic DOM event (what the window does with it, not the X server's input path).
const PROBE: &str = r#"
const b = window.__bench;
const count = () => (document.querySelector('.timeline-pane .count') || {}).textContent || '';
const filter = (v) => {
  const f = document.querySelector('#filter-text');
  f.value = v;
  f.dispatchEvent(new Event('input', { bubbles: true }));
};
const drawn = () => Array.from(document.querySelectorAll('#timeline .row[data-seq]'), (r) => Number(r.dataset.seq));
b.probes = [];
b.step = null;
b.probeFrom = b.count() + 5000;
b.steps = [
  ['type in the filter', () => filter('message'), () => count().includes(' of ')],
  ['clear the filter', () => filter(''), () => !count().includes(' of ')],
  // The oldest rows held, not the newest: following stopped.
  ['scroll to the top', () => { document.querySelector('#timeline').scrollTop = 0; },
    () => { const d = drawn(); return d.length > 0 && Math.max(...d) < b.count() - 1000; }],
  ['select a row', () => document.querySelector('#timeline .row[data-seq]').click(),
    () => !!document.querySelector('#timeline .row.selected')],
  ['follow again', () => document.querySelector('#follow').click(),
    () => { const d = drawn(); return d.length > 0 && Math.max(...d) >= b.count() - 50; }],
];
"#;

/// Starts a flood: sets the target, clicks Call tool. Argument: N.
const START: &str = r#"
const b = window.__bench, n = arguments[0];
b.gaps = []; b.done = null; b.t0 = performance.now();
b.target = { count: b.count() + n, text: 'sent ' + n };
document.querySelector('#call-tool').click();
return b.target.count;
"#;

/// `null` until the target is reached, then the time and the frame gaps in between.
const POLL: &str = r#"
const b = window.__bench;
if (b.done === null) return null;
const within = b.gaps.filter(([t]) => t >= b.t0 && t <= b.done + 20);
const gaps = within.map(([, g]) => g).sort((x, y) => x - y);
// The three longest frames: when each ended (ms after the click) and how long it was.
const worst = within.slice().sort((x, y) => y[1] - x[1]).slice(0, 3).map(([t, g]) => [t - b.t0, g]);
const at = (q) => gaps.length ? gaps[Math.min(gaps.length - 1, Math.floor(q * gaps.length))] : 0;
// The newest latency in the timeline: the call's result, as the app timed it on the wire.
const lat = Array.from(document.querySelectorAll('#timeline .row .c-lat'), (e) => e.textContent).filter((t) => t).pop() || '';
return { ms: b.done - b.t0, frames: gaps.length, max: gaps.length ? gaps[gaps.length - 1] : 0,
         p50: at(0.5), p99: at(0.99), over100: gaps.filter((g) => g > 100).length, lat, worst };
"#;

#[derive(Debug)]
struct Frames {
    ms: f64,
    /// The call's latency the app measured (request sent → result captured), in ms.
    wire_ms: Option<f64>,
    frames: u64,
    max: f64,
    p99: f64,
    over100: u64,
    /// The longest frames: (when each ended, ms after the click; its length, ms).
    worst: Vec<(f64, f64)>,
}

/// `153.2 ms` or `2.41 s` (the window's latency format) in ms.
fn latency_ms(text: &str) -> Option<f64> {
    let (n, unit) = text.trim().split_once(' ')?;
    let n: f64 = n.parse().ok()?;
    match unit {
        "ms" => Some(n),
        "s" => Some(n * 1000.0),
        _ => None,
    }
}

fn frames(v: &Value) -> Frames {
    let f = |k: &str| v.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN);
    Frames {
        ms: f("ms"),
        wire_ms: v.get("lat").and_then(Value::as_str).and_then(latency_ms),
        frames: f("frames") as u64,
        max: f("max"),
        p99: f("p99"),
        over100: f("over100") as u64,
        worst: v
            .get("worst")
            .and_then(Value::as_array)
            .map(|w| w.iter().filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?))).collect())
            .unwrap_or_default(),
    }
}

/// The UI's own running totals per stage (`ui/src/timing.rs`): `stage -> (ms, count, max ms)`.
async fn timing(c: &Client) -> HashMap<String, (f64, f64, f64)> {
    let v = c.execute("return window.__mcpscopeTiming || {}", vec![]).await.unwrap_or(Value::Null);
    let mut out = HashMap::new();
    if let Some(o) = v.as_object() {
        for (k, e) in o {
            let n = |i: usize| e.get(i).and_then(Value::as_f64).unwrap_or(0.0);
            out.insert(k.clone(), (n(0), n(1), n(2)));
        }
    }
    out
}

/// "decode 12 ms in 40 (max 3), …": what each stage took between two readings of [`timing`].
fn timing_delta(
    before: &HashMap<String, (f64, f64, f64)>,
    after: &HashMap<String, (f64, f64, f64)>,
) -> String {
    let mut stages: Vec<_> = after.keys().collect();
    stages.sort();
    stages
        .into_iter()
        .map(|k| {
            let (t1, n1, max) = after[k];
            let (t0, n0, _) = before.get(k).copied().unwrap_or_default();
            format!("{k} {:.0} ms in {:.0} (max so far {:.0})", t1 - t0, n1 - n0, max)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------------------
// /proc: RSS and CPU of the app and every process under it (WebKit's web and network ones).

#[derive(Debug, Clone, Copy, Default)]
struct Usage {
    /// Resident set, kB.
    rss_kb: u64,
    /// User + system CPU, clock ticks.
    cpu_ticks: u64,
}

/// `pid -> (ppid, comm)` of every process.
fn processes() -> HashMap<u32, (u32, String)> {
    let mut out = HashMap::new();
    let Ok(dir) = std::fs::read_dir("/proc") else { return out };
    for e in dir.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // "pid (comm) state ppid ...": comm may hold spaces, so split at the last ')'.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        let comm = stat[open + 1..close].to_owned();
        let ppid = stat[close + 2..].split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        out.insert(pid, (ppid, comm));
    }
    out
}

fn usage(pid: u32) -> Usage {
    let rss_kb = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0);
    let cpu_ticks = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let rest = &s[s.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split(' ').collect();
            // Fields 14 and 15 of stat (utime, stime) are 11 and 12 after "state".
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0);
    Usage { rss_kb, cpu_ticks }
}

/// Proportional set size, kB: the process's resident pages, each shared page counted as its
/// share among the processes that map it (`/proc/PID/smaps_rollup`; 0 without it). Summed
/// over the app and its web process, it counts the WebKitGTK and GTK libraries both map once,
/// where a sum of RSS counts them twice. Slower to read than RSS: read once per flood.
fn pss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("Pss:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// The PSS of the app and of its web process, kB.
fn app_web_pss_kb(app: u32) -> (u64, u64) {
    let procs = processes();
    (pss_kb(app), web_pid(&tree(app, &procs), &procs).map_or(0, pss_kb))
}

/// The app's WebKit web process, among the processes under it.
fn web_pid(tree: &[u32], procs: &HashMap<u32, (u32, String)>) -> Option<u32> {
    tree.iter().copied().find(|p| procs.get(p).is_some_and(|(_, c)| c.starts_with("WebKitWebProces")))
}

/// The app (`mcpscope-app`) and its WebKit web process, each with its own usage.
#[derive(Debug, Clone, Copy, Default)]
struct AppUsage {
    app: Usage,
    web: Usage,
    /// Every process under the app, the app included.
    total_rss_kb: u64,
}

fn app_pid() -> Option<u32> {
    // The one under this process (through tauri-driver and WebKitWebDriver): an app from an
    // earlier run may still be exiting, and its figures would be read instead.
    let procs = processes();
    tree(std::process::id(), &procs)
        .into_iter()
        .find(|p| procs.get(p).is_some_and(|(_, comm)| comm == "mcpscope-app"))
}

/// The app and every process under it, with their RSS: "mcpscope-app 150 MB, WebKitWebProces 300 MB, …".
fn tree_report(app: u32) -> String {
    let procs = processes();
    tree(app, &procs)
        .into_iter()
        .map(|p| format!("{} {:.0} MB", procs.get(&p).map_or("?", |(_, c)| c.as_str()), mb(usage(p).rss_kb)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn tree(app: u32, procs: &HashMap<u32, (u32, String)>) -> Vec<u32> {
    let mut tree = vec![app];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(procs.iter().filter(|(_, (ppid, _))| *ppid == parent).map(|(pid, _)| *pid));
        i += 1;
    }
    tree
}

/// Waits until the app and its web process are idle (under 10% of a core over a quarter of a
/// second), at most 60 s; returns how long that took.
async fn settle(app: u32) -> Duration {
    let start = Instant::now();
    let total = |u: AppUsage| u.app.cpu_ticks + u.web.cpu_ticks;
    let mut last = total(app_usage(app));
    while start.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = total(app_usage(app));
        // Clock ticks are 1/100 s: under 10% of a core over 250 ms is at most 2 ticks.
        if now.saturating_sub(last) <= 2 {
            break;
        }
        last = now;
    }
    start.elapsed()
}

fn app_usage(app: u32) -> AppUsage {
    let procs = processes();
    let tree = tree(app, &procs);
    let web = web_pid(&tree, &procs).map_or_else(Usage::default, usage);
    AppUsage { app: usage(app), web, total_rss_kb: tree.iter().map(|p| usage(*p).rss_kb).sum() }
}

/// Samples the app's total RSS every 100 ms while it runs; keeps the peak.
struct PeakSampler {
    peak_kb: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl PeakSampler {
    fn start(app: u32) -> PeakSampler {
        let (peak_kb, stop) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicBool::new(false)));
        let (p, s) = (peak_kb.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                p.fetch_max(app_usage(app).total_rss_kb, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        PeakSampler { peak_kb, stop, thread: Some(thread) }
    }

    fn finish(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.peak_kb.load(Ordering::Relaxed)
    }
}

// ---------------------------------------------------------------------------------------
// The raw reader: initialize, then the flood call's SSE stream read to its end.

async fn raw(url: &str, n: u64) -> Duration {
    let http = reqwest::Client::new();
    let post = |body: Value, session: Option<String>| {
        let mut req = http
            .post(url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .header("mcp-protocol-version", "2025-06-18")
            .body(body.to_string());
        if let Some(s) = session {
            req = req.header("mcp-session-id", s);
        }
        req.send()
    };
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}});
    let resp = post(init, None).await.expect("initialize");
    let session = resp.headers().get("mcp-session-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
    resp.bytes().await.expect("initialize body");
    post(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}), session.clone())
        .await
        .expect("initialized");
    let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "flood", "arguments": {"count": n, "size": SIZE}}});
    let start = Instant::now();
    let resp = post(call, session).await.expect("flood call");
    let mut stream = resp.bytes_stream();
    let mut tail: Vec<u8> = Vec::new();
    let mut frames = 0u64;
    let mut last = 0u8;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.expect("flood chunk");
        // Frames end at a blank line; one may straddle two chunks.
        if last == b'\n' && chunk.first() == Some(&b'\n') {
            frames += 1;
        }
        frames += chunk.windows(2).filter(|w| w == b"\n\n").count() as u64;
        last = chunk.last().copied().unwrap_or(last);
        tail.extend_from_slice(&chunk);
        let keep = tail.len().saturating_sub(4096);
        tail.drain(..keep);
    }
    let elapsed = start.elapsed();
    let tail = String::from_utf8_lossy(&tail);
    assert!(tail.contains(&format!("sent {n}")), "the raw reader saw the whole flood: …{tail}");
    assert!(frames > n, "the raw reader counted {frames} frames for {n} notifications");
    elapsed
}

// ---------------------------------------------------------------------------------------

struct Args {
    app: PathBuf,
    sizes: Vec<u64>,
    soak: Option<u32>,
    /// Untick "Record the next connection in the history" before connecting.
    no_history: bool,
}

fn args() -> Args {
    let mut it = std::env::args().skip(1);
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| "target".into());
    let mut a = Args {
        app: target.join("release").join("mcpscope-app"),
        sizes: vec![1_000, 10_000, 50_000, 200_000],
        soak: None,
        no_history: false,
    };
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--app" => a.app = it.next().expect("--app PATH").into(),
            "--sizes" => {
                a.sizes = it
                    .next()
                    .expect("--sizes N,N,…")
                    .split(',')
                    .map(|s| s.trim().parse().expect("a number of notifications"))
                    .collect()
            }
            "--soak" => a.soak = Some(it.next().expect("--soak ROUNDS").parse().expect("a number of rounds")),
            "--no-history" => a.no_history = true,
            other => panic!(
                "unknown argument {other}: gui-bench [--app PATH] [--sizes N,…] [--soak ROUNDS] [--no-history]"
            ),
        }
    }
    a
}

async fn connect(c: &Client, url: &str) {
    if text_of(c, "#connect").await.is_some_and(|t| t.contains("Disconnect")) {
        disconnect(c).await;
    }
    type_into(c, "#url", url).await;
    click(c, "#connect").await;
    eventually("status 'connected'", Duration::from_secs(30), || async {
        text_of(c, "#status").await.filter(|t| t.trim().to_lowercase().starts_with("connected"))
    })
    .await;
    // Fetch the tools as a user would (focus the tool field), then fill in the call.
    click(c, "#tool-name").await;
    eventually("the server's tools", Duration::from_secs(20), || async {
        text_of(c, "#tools-refresh").await.filter(|t| t.chars().next().is_some_and(|ch| ch.is_ascii_digit()))
    })
    .await;
    type_into(c, "#tool-name", "flood").await;
}

/// One flood of `n` through the window; returns the page's figures.
async fn flood(c: &Client, n: u64) -> Frames {
    type_into(c, "#tool-args", &json!({"count": n, "size": SIZE}).to_string()).await;
    c.execute(RECORDER, vec![]).await.expect("install the frame recorder");
    c.execute(START, vec![json!(n)]).await.expect("click Call tool");
    let limit = Duration::from_secs(60 + n / 500);
    let started = Instant::now();
    loop {
        let v = c.execute(POLL, vec![]).await.expect("poll the page");
        if !v.is_null() {
            return frames(&v);
        }
        if started.elapsed() > limit {
            screenshot(c, "gui-bench-timeout").await;
            panic!("the window did not show the {n} flood within {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

async fn bench(c: &Client, url: &str, app: u32, sizes: &[u64]) {
    let ticks = 100.0; // USER_HZ on Linux
    println!(
        "{:>8} {:>9} {:>9} {:>6} | {:>7} {:>7} {:>7} {:>6} | {:>8} {:>8} {:>8} {:>8} | {:>9} {:>9} {:>8}",
        "N",
        "window ms",
        "raw ms",
        "ratio",
        "max ms",
        "p99 ms",
        "fps",
        ">100",
        "app MB",
        "web MB",
        "peak MB",
        "a+w PSS",
        "app cpu%",
        "web cpu%",
        "µs/rec"
    );
    let (app_pss, web_pss) = app_web_pss_kb(app);
    let idle = app_usage(app);
    println!(
        "{:>8} connected, nothing shown yet: app {:.0} MB + web {:.0} MB RSS; PSS {:.0} + {:.0} = {:.0} MB",
        "",
        mb(idle.app.rss_kb),
        mb(idle.web.rss_kb),
        mb(app_pss),
        mb(web_pss),
        mb(app_pss + web_pss)
    );
    let mut seen: Vec<Seen> = Vec::new();
    for &n in sizes {
        settle(app).await;
        let before = app_usage(app);
        let stages = timing(c).await;
        let sampler = PeakSampler::start(app);
        let f = flood(c, n).await;
        let peak = sampler.finish();
        let after = app_usage(app);
        let (app_pss, web_pss) = app_web_pss_kb(app);
        // The raw reader right after, against the same server, so both see the same machine;
        // once the app has finished its own work (the history writer runs on after a flood).
        let settled = settle(app).await;
        let raw = raw(url, n).await;
        let secs = f.ms / 1000.0;
        let cpu =
            |a: Usage, b: Usage| (b.cpu_ticks.saturating_sub(a.cpu_ticks)) as f64 / ticks / secs * 100.0;
        let line = format!(
            "{:>8} {:>9.0} {:>9.0} {:>6.2} | {:>7.0} {:>7.0} {:>7.0} {:>6} | {:>8.0} {:>8.0} {:>8.0} {:>8.0} | {:>9.0} {:>9.0} {:>8.1}",
            n,
            f.ms,
            raw.as_secs_f64() * 1000.0,
            f.ms / (raw.as_secs_f64() * 1000.0),
            f.max,
            f.p99,
            f.frames as f64 / secs,
            f.over100,
            mb(after.app.rss_kb),
            mb(after.web.rss_kb),
            mb(peak.max(after.total_rss_kb)),
            mb(app_pss + web_pss),
            cpu(before.app, after.app),
            cpu(before.web, after.web),
            f.ms * 1000.0 / n as f64,
        );
        println!("{line}");
        seen.push(Seen {
            n,
            ratio: f.ms / (raw.as_secs_f64() * 1000.0),
            max: f.max,
            p99: f.p99,
            over100: f.over100,
        });
        println!(
            "{:>8} on the wire: the call's result {} after it went out; in the page: {}; the app busy {:.0} ms after it (the history writer); longest frames {}",
            "",
            f.wire_ms.map_or("(not shown)".to_owned(), |ms| format!("{ms:.0} ms")),
            timing_delta(&stages, &timing(c).await),
            settled.as_secs_f64() * 1000.0,
            worst_frames(&f)
        );
    }
    summarize(&seen);
    // With MCPSCOPE_SCREENSHOT_DIR set: the window as the floods left it, to look at.
    screenshot(c, "gui-bench-after").await;
    let end = app_usage(app);
    let (app_pss, web_pss) = app_web_pss_kb(app);
    let records: u64 =
        c.execute("return window.__bench.count()", vec![]).await.ok().and_then(|v| v.as_u64()).unwrap_or(0);
    println!(
        "after {records} records in the timeline: app {:.0} MB + web {:.0} MB (PSS {:.0} + {:.0}); all processes of the app {:.0} MB",
        mb(end.app.rss_kb),
        mb(end.web.rss_kb),
        mb(app_pss),
        mb(web_pss),
        mb(end.total_rss_kb)
    );
    println!("processes: {}", tree_report(app));
    responsiveness(c, 100_000).await;
}

/// "55 ms ending 12 ms after the click, …": where a flood's longest frames fell, so that one
/// at the start (the click's own work), in the middle (the flood) or at the end (the result
/// drawn) can be told apart.
fn worst_frames(f: &Frames) -> String {
    let parts: Vec<String> = f
        .worst
        .iter()
        .map(|(at, gap)| {
            let end = if *at > f.ms { " (after the result)" } else { "" };
            format!("{gap:.0} ms ending {at:.0} ms after the click{end}")
        })
        .collect();
    parts.join(", ")
}

/// One flood's figures, for [`summarize`].
struct Seen {
    n: u64,
    ratio: f64,
    max: f64,
    p99: f64,
    over100: u64,
}

/// For each size flooded more than once (`--sizes 50000,50000,…`): the median ratio and the
/// range, and how many floods had a frame over 100 ms. The machine's noise swings single
/// floods widely, so comparisons read these lines.
fn summarize(seen: &[Seen]) {
    let mut sizes: Vec<u64> = seen.iter().map(|s| s.n).collect();
    sizes.sort_unstable();
    sizes.dedup();
    for n in sizes {
        let of_n: Vec<&Seen> = seen.iter().filter(|s| s.n == n).collect();
        if of_n.len() < 2 {
            continue;
        }
        let sorted = |pick: fn(&&Seen) -> f64| {
            let mut v: Vec<f64> = of_n.iter().map(pick).collect();
            v.sort_by(f64::total_cmp);
            v
        };
        let median = |v: &[f64]| {
            let m = v.len() / 2;
            if v.len().is_multiple_of(2) { (v[m - 1] + v[m]) / 2.0 } else { v[m] }
        };
        let (ratio, longest, p99) = (sorted(|s| s.ratio), sorted(|s| s.max), sorted(|s| s.p99));
        let over = of_n.iter().filter(|s| s.over100 > 0).count();
        println!(
            "{n:>8} over {} floods: ratio median {:.2} ({:.2}–{:.2}) | longest frame median {:.0} ms ({:.0}–{:.0}), p99 median {:.0} ms | {over} with a frame over 100 ms",
            of_n.len(),
            median(&ratio),
            ratio[0],
            ratio[ratio.len() - 1],
            median(&longest),
            longest[0],
            longest[longest.len() - 1],
            median(&p99),
        );
    }
}

/// A flood of `n` with the [`PROBE`] interactions made while it runs; prints how long each
/// took to show.
async fn responsiveness(c: &Client, n: u64) {
    c.execute(PROBE, vec![]).await.expect("install the probes");
    let f = flood(c, n).await;
    let done = "const b = window.__bench; return b.steps.length === 0 && !b.step ? b.probes : null";
    let probes = eventually("the interaction probes", Duration::from_secs(20), || async {
        let v = c.execute(done, vec![]).await.ok()?;
        serde_json::from_value::<Vec<(String, Option<f64>)>>(v).ok()
    })
    .await;
    let shown: Vec<String> = probes
        .iter()
        .map(|(name, ms)| match ms {
            Some(ms) => format!("{name} {ms:.0} ms"),
            None => format!("{name}: not shown within 3 s"),
        })
        .collect();
    println!(
        "while a {n} flood ran ({:.0} ms, longest frame {:.0} ms), from each action to the frame that showed it: {}",
        f.ms,
        f.max,
        shown.join(", ")
    );
}

/// The soak: reconnects (the tools fetched again, the tool name typed at once), floods, view
/// switches, filters and row selection, round after round; the window must still answer at
/// the end. For hunting crashes on a debug build: `gui-bench --app …/debug/mcpscope-app --soak 50`.
async fn soak(c: &Client, url: &str, app: u32, rounds: u32) {
    for round in 1..=rounds {
        if round > 1 {
            connect(c, url).await;
        }
        let n = 2_000;
        let f = flood(c, n).await;
        soak_round(c, n).await;
        println!(
            "soak round {round}: {n} in {:.0} ms, longest frame {:.0} ms; {}",
            f.ms,
            f.max,
            tree_report(app)
        );
    }
    let alive = c.execute("return window.__bench.count()", vec![]).await;
    assert!(alive.is_ok(), "the window answers after the soak: {alive:?}");
    println!(
        "soak: {rounds} rounds, the window is alive ({} records)",
        alive.map(|v| v.to_string()).unwrap_or_default()
    );
}

#[tokio::main]
async fn main() {
    let args = args();
    // Stateless: rmcp then sends the flood's notifications on the call's own SSE stream (a
    // stateful session sends them on the GET stream), so the raw reader reads one stream.
    let opts = DemoOptions { stateful: false, json_response: false };
    let demo = DemoServer::start(([127, 0, 0, 1], 0).into(), opts).await.expect("demo server");
    let url = demo.url().to_owned();
    // Warm the server and the loopback path once.
    raw(&url, 1_000).await;

    // A history of its own, as a new user's: the figures do not depend on what earlier runs
    // left in the user's database (nor do they add to it).
    let data = std::env::temp_dir().join(format!("mcpscope-gui-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let driver = Driver::start_with(&[("MCPSCOPE_DATA_DIR", data.as_os_str())]);
    let c = driver.open(&args.app).await;
    let app = eventually("the app process", Duration::from_secs(10), || async { app_pid() }).await;
    if args.no_history {
        click(&c, "#headers-toggle").await;
        click(&c, "#record-history").await;
        click(&c, "#headers-toggle").await;
    }
    connect(&c, &url).await;
    let history = if args.no_history { ", history off" } else { "" };
    println!("{} (pid {app}{history}); connected: {}", args.app.display(), tree_report(app));
    match args.soak {
        Some(rounds) => soak(&c, &url, app, rounds).await,
        None => bench(&c, &url, app, &args.sizes).await,
    }
    let _ = c.close().await;
    drop(driver);
    demo.shutdown().await;
    let _ = std::fs::remove_dir_all(&data);
}
