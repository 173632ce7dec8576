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
