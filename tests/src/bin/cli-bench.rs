//! CLI startup benchmark: how long does `mcpscope call URL tools/list` take, end to end, as a
//! user's shell runs it? The built-in demo server listens on loopback in this process; the
//! release `mcpscope` binary (`--bin PATH`, else the target directory's `release/mcpscope`)
//! runs 20 times, with a data directory of its own (the history is on, as by default).
//!
//! Printed for each command: the median, the fastest and the slowest wall time, and the
//! user + system CPU the runs took in all (`/proc/self/stat` of this process's reaped
//! children). `mcpscope --version` is the floor: starting the process and printing.
//!
//! Goal (issue 16): under 60 ms for the call. Run with `cargo xtask bench`.

#![allow(clippy::expect_used)] // A benchmark aborts on a broken setup; that is its error report.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 20;

/// User + system CPU of this process's reaped children so far, in clock ticks
/// (`/proc/self/stat` fields 16 and 17, cutime and cstime).
fn children_cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state): cutime is field 16, cstime 17.
    let get = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    get(16) + get(17)
}

fn run(bin: &PathBuf, args: &[String], data: &PathBuf) -> (Vec<Duration>, u64) {
    let ticks_before = children_cpu_ticks();
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        let status = Command::new(bin)
            .args(args)
            .env("MCPSCOPE_DATA_DIR", data)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run mcpscope");
        times.push(start.elapsed());
        assert!(status.success(), "mcpscope {args:?} failed: {status}");
    }
    times.sort();
    (times, children_cpu_ticks() - ticks_before)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bin = args
        .iter()
        .position(|a| a == "--bin")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| mcpscope_tests::package_dir().join("../target"));
            target.join("release/mcpscope")
        });
    assert!(bin.exists(), "{} not built (cargo build --release -p mcpscope-cli)", bin.display());
    let demo = mcpscope_demo::DemoServer::start(([127, 0, 0, 1], 0).into(), Default::default())
        .await
        .expect("demo server");
    let data = std::env::temp_dir().join(format!("mcpscope-cli-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let url = demo.url().to_owned();
    // The clock's tick (for the CPU figures).
    let hz = 100.0;
    println!("cli-bench: {} runs each, {}", RUNS, bin.display());
    println!("{:<44} {:>9} {:>9} {:>9} {:>12}", "command", "median ms", "min ms", "max ms", "CPU ms/run");
    let cases = [
        ("mcpscope --version", vec!["--version".to_owned()]),
        ("mcpscope call <demo> tools/list", vec!["call".to_owned(), url.clone(), "tools/list".to_owned()]),
    ];
    for (name, argv) in cases {
        let bin = bin.clone();
        let data2 = data.clone();
        let (times, ticks) =
            tokio::task::spawn_blocking(move || run(&bin, &argv, &data2)).await.expect("join");
        println!(
            "{name:<44} {:>9.1} {:>9.1} {:>9.1} {:>12.1}",
            ms(times[RUNS / 2]),
            ms(times[0]),
            ms(times[RUNS - 1]),
            ticks as f64 * 1000.0 / hz / RUNS as f64
        );
    }
    let _ = std::fs::remove_dir_all(&data);
    demo.shutdown().await;
}
