//! Integration and end-to-end tests for mcpscope, and the fixtures they share.
//!
//! The library part holds fixtures only: [`FaultyServer`], a loopback MCP server that
//! misbehaves on demand, [`everything`], which runs npm server-everything, and [`oidc`], which
//! runs an OAuth authorization server (npm oidc-provider). The tests themselves are `[[test]]`
//! targets of this package.

pub mod everything;
pub mod faulty;
pub mod gui;
pub mod measure;
pub mod oidc;

pub use faulty::{FaultyServer, SeenRequest, flood_sse};

use std::path::PathBuf;

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
