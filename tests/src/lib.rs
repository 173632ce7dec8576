//! Integration and end-to-end tests for mcpscope, and the fixtures they share.
//!
//! The library part holds fixtures only: [`FaultyServer`], a loopback MCP server that
//! misbehaves on demand, [`everything`], which runs npm server-everything, and [`oidc`], which
//! runs an OAuth authorization server (npm oidc-provider). The tests themselves are `[[test]]`
//! targets of this package.

pub mod cli;
pub mod everything;
pub mod faulty;
pub mod gui;
pub mod measure;
pub mod oidc;

pub use faulty::{FaultyServer, SeenRequest, flood_sse};

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Polls `f` until it returns `Some`, or panics naming `what`: the one way tests wait.
pub async fn eventually<T, F, Fut>(what: &str, limit: Duration, f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    eventually_or(what, limit, f, String::new).await
}

/// [`eventually`], with `context()` (what was seen instead) in the panic message.
pub async fn eventually_or<T, F, Fut>(what: &str, limit: Duration, f: F, context: impl Fn() -> String) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    match poll_for(limit, f).await {
        Some(v) => v,
        None => panic!("timed out after {limit:?} waiting for {what}{}", context()),
    }
}

/// [`eventually`], for a check that says what it saw instead: `Err(seen)` until it holds; the
/// last `seen` goes into the panic message.
pub async fn eventually_saw<T, F, Fut>(what: &str, limit: Duration, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let seen = std::cell::RefCell::new(String::new());
    let check = || {
        let (attempt, seen) = (f(), &seen);
        async move { attempt.await.map_err(|s| *seen.borrow_mut() = s).ok() }
    };
    match poll_for(limit, check).await {
        Some(v) => v,
        None => panic!("timed out after {limit:?} waiting for {what}{}", seen.borrow()),
    }
}

/// Polls `f` every 50 ms until it returns `Some`, for at most `limit`; `None` after that.
pub async fn poll_for<T, F, Fut>(limit: Duration, mut f: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = f().await {
            return Some(v);
        }
        if start.elapsed() >= limit {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// This package's directory. Read at run time, because the shared target directory may hold
/// a test binary compiled from another clone of the repository, whose compile-time path is
/// stale (cargo sets `CARGO_MANIFEST_DIR` for `cargo test` runs too).
pub fn package_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// Where the built `mcpscope` and `mcpscope-app` binaries are: `MCPSCOPE_BIN_DIR` (set by
/// `cargo xtask test`), else the cargo target directory's `debug` folder.
pub fn bin_dir() -> PathBuf {
    std::env::var_os("MCPSCOPE_BIN_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(|t| PathBuf::from(t).join("debug")))
        .unwrap_or_else(|| package_dir().join("../target/debug"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn eventually_saw_returns_what_held() {
        let mut tries = 0;
        let got = eventually_saw("the third try", Duration::from_secs(5), || {
            tries += 1;
            let n = tries;
            async move { if n == 3 { Ok(n) } else { Err(format!("; try {n}")) } }
        })
        .await;
        assert_eq!(got, 3);
    }

    #[tokio::test]
    #[should_panic(expected = "waiting for never; try ")]
    async fn eventually_saw_names_the_last_thing_seen() {
        let mut tries = 0;
        let () = eventually_saw("never", Duration::from_millis(60), || {
            tries += 1;
            let n = tries;
            async move { Err(format!("; try {n}")) }
        })
        .await;
    }
}
