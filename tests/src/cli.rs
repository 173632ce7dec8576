//! The `mcpscope` command line as the tests run it: the one place that finds the binary and
//! starts it, with a data directory of the test's own when it needs one.

#![allow(clippy::expect_used, clippy::panic)] // Test support: a broken setup aborts the test with its reason.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `mcpscope` binary under test (see [`crate::bin_dir`]).
pub fn binary() -> PathBuf {
    let bin = crate::bin_dir().join("mcpscope");
    assert!(
        bin.exists(),
        "{} not built: run `cargo build -p mcpscope-cli` (cargo xtask test does)",
        bin.display()
    );
    bin
}

/// `mcpscope ARGS`, to run or spawn; with `data`, that is its data directory (its history,
/// settings and logs), else the environment's.
pub fn command<I, S>(data: Option<&Path>, args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new(binary());
    cmd.args(args);
    if let Some(data) = data {
        cmd.env("MCPSCOPE_DATA_DIR", data);
    }
    cmd
}

/// `mcpscope ARGS` run to its end, off the async workers: its exit status and output.
pub async fn run<I, S>(data: Option<&Path>, args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    output(command(data, args)).await
}

/// `cmd` (made by [`command`], with more set on it) run to its end, off the async workers.
pub async fn output(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output()).await.expect("join").expect("run mcpscope")
}
