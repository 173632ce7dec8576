//! Runs one property for a budget of cases or seconds, in batches with their own seeds, with
//! a watchdog for hangs and a check on the process's peak memory.
//!
//! - `MCPSCOPE_FUZZ_CASES`: cases per property (default 2000: the short pass of every test run).
//! - `MCPSCOPE_FUZZ_SECS`: instead, run each property for this many seconds.
//! - `MCPSCOPE_FUZZ_SEED`: the base seed (a failure prints it); default from the clock.

use std::fmt::Debug;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

/// A case that takes longer than this is a hang.
const HANG: Duration = Duration::from_secs(60);
/// The whole test process, every property together, stays under this.
const MAX_PEAK_RSS_MB: u64 = 1024;
const BATCH: u32 = 5_000;

enum Budget {
    Cases(u64),
    Time(Duration),
}

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    match v.parse() {
        Ok(n) => Some(n),
        Err(_) => panic!("{name}={v:?}: expected a whole number"),
    }
}

fn budget() -> Budget {
    match env_u64("MCPSCOPE_FUZZ_SECS") {
        Some(s) => Budget::Time(Duration::from_secs(s)),
        None => Budget::Cases(env_u64("MCPSCOPE_FUZZ_CASES").unwrap_or(2_000)),
    }
}

fn base_seed() -> u64 {
    env_u64("MCPSCOPE_FUZZ_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64)
    })
}

fn seed(base: u64, name: &str, batch: u64) -> [u8; 32] {
    let mut h = base ^ 0x9e37_79b9_7f4a_7c15;
    for b in name.bytes().chain(batch.to_le_bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x1000_0000_01b3);
    }
    let mut out = [0u8; 32];
    for (i, chunk) in out.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&(h.rotate_left(i as u32 * 17) ^ i as u64).to_le_bytes());
    }
    out
}

/// Peak resident memory of this process (`VmHWM`), in MB.
pub fn peak_rss_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

/// Runs `test` on values of `strategy` until the budget is spent; panics with the seed and
/// the shrunk input on the first failure, on a hang or when memory grows past the bound.
pub fn fuzz<S>(name: &'static str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S: Strategy,
    S::Value: Debug,
{
    let base = base_seed();
    let budget = budget();
    let started = Instant::now();
    let progress = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let watchdog = {
        let (progress, done) = (progress.clone(), done.clone());
        std::thread::spawn(move || {
            let mut last = (0, Instant::now());
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                let now = progress.load(Ordering::Relaxed);
                if now != last.0 {
                    last = (now, Instant::now());
                } else if last.1.elapsed() > HANG {
                    eprintln!("fuzz: {name}: one case ran over {HANG:?} (a hang); seed {base}");
                    std::process::exit(101);
                }
            }
        })
    };
    let mut cases = 0u64;
    for batch in 0u64.. {
        let n = match budget {
            Budget::Cases(total) if cases >= total => break,
            Budget::Cases(total) => (total - cases).min(u64::from(BATCH)) as u32,
            Budget::Time(t) if batch > 0 && started.elapsed() >= t => break,
            Budget::Time(_) => BATCH,
        };
        let config =
            Config { cases: n, failure_persistence: None, max_shrink_iters: 4_096, ..Config::default() };
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed(base, name, batch));
        let mut runner = TestRunner::new_with_rng(config, rng);
        let result = runner.run(&strategy, |v| {
            progress.fetch_add(1, Ordering::Relaxed);
            test(v)
        });
        if let Err(e) = result {
            done.store(true, Ordering::Relaxed);
            panic!("fuzz: {name} failed after {cases} cases (MCPSCOPE_FUZZ_SEED={base}, batch {batch}): {e}");
        }
        cases += u64::from(n);
        let peak = peak_rss_mb();
        assert!(peak <= MAX_PEAK_RSS_MB, "fuzz: {name}: peak RSS {peak} MB after {cases} cases");
    }
    done.store(true, Ordering::Relaxed);
    let _ = watchdog.join();
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "fuzz: {name}: {cases} cases in {secs:.1} s ({:.0}/s), no failure; peak RSS of the run {} MB",
        cases as f64 / secs.max(1e-9),
        peak_rss_mb()
    );
}

/// Cut positions for `len` bytes, from indices drawn by the strategy: sorted, distinct, inside.
pub fn cuts(len: usize, picks: &[prop::sample::Index]) -> Vec<usize> {
    let mut out: Vec<usize> = picks.iter().map(|i| i.index(len + 1)).collect();
    out.sort_unstable();
    out.dedup();
    out
}
