//! The built-in demo MCP server.
//!
//! A small but complete MCP server (tools, resources, prompts, logging, progress, and
//! server-initiated elicitation and sampling) served over Streamable HTTP on a loopback
//! port. The desktop app offers it as "try it now" target, the CLI can run it, and the
//! tests use it as a well-behaved peer.
//!
//! It is built on `rmcp`'s `StreamableHttpService` mounted on an axum router at `/mcp`.
//! [`DemoServer::start`] binds, spawns the server task and returns at once;
//! [`DemoServer::shutdown`] (or dropping the handle) stops it through a
//! [`CancellationToken`].

mod handler;
mod protect;

use std::{net::SocketAddr, sync::Arc, time::Duration};

use rmcp::transport::streamable_http_server::{
    StreamableHttpServerConfig, StreamableHttpService, session::local::LocalSessionManager,
};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use handler::DemoHandler;
pub use protect::{PRM_PATH, Protection};

/// The `serverInfo.name` the demo server reports.
pub const SERVER_NAME: &str = "mcpscope-demo";

/// The path of the MCP endpoint on the demo server.
pub const MCP_PATH: &str = "/mcp";

/// How long [`DemoServer::shutdown`] waits for open connections to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// How long an idle stateful session lives. rmcp's default is 5 minutes, which is short
/// for someone poking at the demo in an inspector.
const SESSION_KEEP_ALIVE: Duration = Duration::from_secs(60 * 60);

/// Per-stream channel capacity inside a stateful session. Larger than rmcp's default (16)
/// so that the `flood` tool is not throttled by the session layer.
const SESSION_CHANNEL_CAPACITY: usize = 256;

/// Errors from starting the demo server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// The listening socket could not be bound.
    #[error("cannot bind the demo server to {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    /// The bound socket did not report its address.
    #[error("cannot read the demo server's local address: {0}")]
    LocalAddr(#[source] std::io::Error),
}

/// `Result` with [`DemoError`].
pub type Result<T, E = DemoError> = std::result::Result<T, E>;

/// How the demo server speaks Streamable HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoOptions {
    /// Issue an `Mcp-Session-Id` on `initialize` and keep per-session state (log level,
    /// client capabilities, the GET stream). When false every POST is served on its own,
    /// no session id is issued, GET and DELETE answer 405.
    pub stateful: bool,
    /// Answer simple requests with `application/json` instead of an SSE stream. rmcp
    /// honours this in stateless mode only: stateful sessions always answer with SSE. A
    /// handler that sends notifications first still gets an SSE stream.
    pub json_response: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self { stateful: true, json_response: false }
    }
}

/// A running demo server. Dropping it stops the server (without waiting).
#[derive(Debug)]
pub struct DemoServer {
    /// The MCP endpoint, `http://127.0.0.1:PORT/mcp`.
    pub url: String,
    local_addr: SocketAddr,
    options: DemoOptions,
    cancel: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl DemoServer {
    /// Binds `addr` (use port 0 for any free port) and starts serving in a background
    /// task. Must be called inside a Tokio runtime.
    pub async fn start(addr: SocketAddr, opts: DemoOptions) -> Result<DemoServer> {
        Self::start_with(addr, opts, None).await
    }

    /// Like [`DemoServer::start`], but every MCP request needs an access token that
    /// `protection` accepts; the server publishes its resource metadata at [`PRM_PATH`].
    pub async fn start_protected(
        addr: SocketAddr,
        opts: DemoOptions,
        protection: Protection,
    ) -> Result<DemoServer> {
        Self::start_with(addr, opts, Some(protection)).await
    }

    async fn start_with(
        addr: SocketAddr,
        opts: DemoOptions,
        protection: Option<Protection>,
    ) -> Result<DemoServer> {
        let listener =
            tokio::net::TcpListener::bind(addr).await.map_err(|source| DemoError::Bind { addr, source })?;
        let local_addr = listener.local_addr().map_err(DemoError::LocalAddr)?;
        let cancel = CancellationToken::new();

        let mut config = StreamableHttpServerConfig::default()
            .with_legacy_session_mode(opts.stateful)
            .with_json_response(opts.json_response)
            .with_cancellation_token(cancel.child_token());
        // rmcp only accepts loopback `Host` headers by default (DNS-rebinding defence).
        // Also accept the bound address when the caller chose a non-loopback one.
        let bound_host = local_addr.ip().to_string();
        if !config.allowed_hosts.contains(&bound_host) {
            config.allowed_hosts.push(bound_host);
        }

        let mut sessions = LocalSessionManager::default();
        sessions.session_config.keep_alive = Some(SESSION_KEEP_ALIVE);
        sessions.session_config.channel_capacity = SESSION_CHANNEL_CAPACITY;

        // Stateful: one handler (and so one log level) per session. Stateless: rmcp calls
        // the factory for every request, so the log level is shared server-wide.
        let shared_level = handler::LogLevel::default();
        let listeners = handler::Listeners::default();
        let stateful = opts.stateful;
        let service = StreamableHttpService::new(
            move || {
                let level = if stateful { handler::LogLevel::default() } else { shared_level.clone() };
                Ok(DemoHandler::new(level, listeners.clone()))
            },
            Arc::new(sessions),
            config,
        );

        let mut router = axum::Router::new().route_service(MCP_PATH, service);
        if let Some(protection) = protection {
            let guard = Arc::new(protect::Guard {
                protection,
                resource: format!("http://{local_addr}{MCP_PATH}"),
                metadata_url: format!("http://{local_addr}{PRM_PATH}"),
            });
            router = router
                .layer(axum::middleware::from_fn_with_state(guard.clone(), protect::guard))
                .route(PRM_PATH, axum::routing::get(protect::metadata).with_state(guard));
        }
        let shutdown = cancel.clone();
        let task = tokio::spawn(async move {
            let served =
                axum::serve(listener, router).with_graceful_shutdown(shutdown.cancelled_owned()).await;
            if let Err(error) = served {
                tracing::error!(%error, "demo server stopped with an error");
            }
        });
        let url = format!("http://{local_addr}{MCP_PATH}");
        tracing::info!(%url, stateful = opts.stateful, json_response = opts.json_response, "demo server started");

        Ok(DemoServer { url, local_addr, options: opts, cancel, task: Some(task) })
    }

    /// The MCP endpoint, `http://127.0.0.1:PORT/mcp`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address the server is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The options the server was started with.
    pub fn options(&self) -> DemoOptions {
        self.options
    }

    /// Stops accepting connections, ends sessions and open streams, and waits (briefly)
    /// for the server task to finish.
    pub async fn shutdown(mut self) {
        self.cancel.cancel();
        if let Some(mut task) = self.task.take() {
            match tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => tracing::warn!(%error, "demo server task failed"),
                Err(_) => {
                    tracing::warn!("demo server did not stop in time; aborting it");
                    task.abort();
                }
            }
        }
        tracing::info!(url = %self.url, "demo server stopped");
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}
