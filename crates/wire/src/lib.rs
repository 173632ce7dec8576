//! The wire engine: MCP client transports over HTTP that capture every byte.
//!
//! - [`Connection`] connects over Streamable HTTP or legacy HTTP+SSE (detected by the spec's
//!   fallback rule, or forced), performs the handshake for the version in force (or none for
//!   the stateless 2026-07-28 revision), pairs requests with responses and answers
//!   server-initiated requests through a [`ServerRequestHandler`].
//! - [`Capture`] turns every HTTP request, response and SSE frame into a
//!   [`mcpscope_proto::Record`] before anything is parsed, and hands it to a [`RecordSink`].
//! - [`sse`] is the SSE parser that keeps comments, priming events and raw bytes;
//!   [`SseRecorder`] records a stream's frames one chunk (one batch of records) at a time.

mod authorize;
mod capture;
mod client;
mod decode;
mod http;
mod peek;
mod sink;
pub mod sse;
mod stream;
pub mod template;
pub mod tls;

use std::time::Duration;

pub use authorize::{Authorizer, Challenge, Verdict};
pub use capture::{Capture, body_of, is_plain_header, redact_header, redact_url};
pub use client::{
    Connection, ConnectionInfo, DefaultHandler, LinkStatus, Listening, ServerRequestHandler, token_text,
};
pub use http::read_limited;
use mcpscope_proto::{DEFAULT_PROTOCOL_VERSION, Header, TransportChoice};
use serde_json::{Value, json};
pub use sink::{Flushed, NullSink, RecordSink, VecSink};
pub use stream::SseRecorder;

/// The first version that requires the `MCP-Protocol-Version` header on every request.
const PROTOCOL_HEADER_SINCE: &str = "2025-06-18";
/// The stateless revision: no initialize, no sessions, `_meta` on every request.
pub const STATELESS_VERSION: &str = "2026-07-28";

#[derive(Clone)]
pub struct ConnectOptions {
    pub url: String,
    pub transport: TransportChoice,
    /// `None`: offer [`DEFAULT_PROTOCOL_VERSION`] and accept what the server negotiates.
    pub protocol_version: Option<String>,
    /// Sent on every request; a header named here replaces the engine's own of that name.
    pub headers: Vec<Header>,
    pub client_name: String,
    pub client_version: String,
    /// The client capabilities announced in `initialize` (or per request when stateless).
    pub capabilities: Value,
    /// How long a request may go without a response or a progress notification.
    pub request_timeout: Duration,
    /// Hard limit for a request, however much progress it reports.
    pub max_request_time: Duration,
    /// Open the standalone GET stream after initialization (Streamable HTTP).
    pub open_get_stream: bool,
    /// Supplies `Authorization` and answers 401/403 challenges (OAuth); `None`: requests go
    /// without credentials other than the custom headers.
    pub authorizer: Option<std::sync::Arc<dyn Authorizer>>,
}

impl std::fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("url", &self.url)
            .field("transport", &self.transport)
            .field("protocol_version", &self.protocol_version)
            .field("headers", &self.headers.iter().map(|h| &h.name).collect::<Vec<_>>())
            .field("authorizer", &self.authorizer.is_some())
            .finish_non_exhaustive()
    }
}

impl ConnectOptions {
    pub fn new(url: impl Into<String>) -> ConnectOptions {
        ConnectOptions {
            url: url.into(),
            transport: TransportChoice::Auto,
            protocol_version: None,
            headers: Vec::new(),
            client_name: "mcpscope".to_owned(),
            client_version: env!("CARGO_PKG_VERSION").to_owned(),
            capabilities: json!({}),
            request_timeout: Duration::from_secs(60),
            max_request_time: Duration::from_secs(600),
            open_get_stream: true,
            authorizer: None,
        }
    }

    pub(crate) fn offered_version(&self) -> &str {
        self.protocol_version.as_deref().unwrap_or(DEFAULT_PROTOCOL_VERSION)
    }
}

/// Errors of the wire engine, each phrased so a user knows what happened and what to try.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    // URLs are shown with their credentials redacted (userinfo, `?api_key=` …): errors reach
    // terminals, logs and the window.
    #[error("invalid URL {:?}: {reason}", redact_url(.url))]
    InvalidUrl { url: String, reason: String },
    #[error("could not reach {}: {reason}", redact_url(.url))]
    Connect { url: String, reason: String },
    #[error("the server answered HTTP {status}{}", body_hint(.body))]
    Http { status: u16, body: String },
    #[error("the server no longer knows this session (HTTP {status}); re-initialize to start a new one")]
    SessionExpired { status: u16 },
    #[error("the server answered with content type {content_type:?}; expected {expected}")]
    ContentType { content_type: String, expected: &'static str },
    #[error("the response is not valid JSON-RPC: {0}")]
    Malformed(String),
    #[error("the response stream broke before the response arrived: {0}")]
    StreamBroken(String),
    #[error("the response is too large: {0}")]
    TooLarge(String),
    #[error("no response within {0:?}; mcpscope sent notifications/cancelled")]
    Timeout(Duration),
    #[error("initialize failed: {0}")]
    Initialize(String),
    #[error("this does not look like an MCP server: {0}")]
    NotMcp(String),
    #[error("the server chose protocol version {0:?}, which mcpscope does not speak")]
    UnsupportedVersion(String),
    #[error("authorization failed: {0}")]
    Auth(String),
    #[error("cancelled ({0}): mcpscope sent notifications/cancelled")]
    Cancelled(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("the connection is closed")]
    Closed,
}

fn body_hint(body: &str) -> String {
    let body = body.trim();
    if body.is_empty() {
        String::new()
    } else {
        let short: String = body.chars().take(200).collect();
        format!(": {short}")
    }
}

impl WireError {
    /// How the connection doctor sees this error, when it ended a connect
    /// ([`mcpscope_proto::explain::doctor`]).
    pub fn connect_failure(&self) -> Option<mcpscope_proto::explain::ConnectFailure<'_>> {
        use mcpscope_proto::explain::ConnectFailure;
        Some(match self {
            WireError::Connect { reason, .. } => ConnectFailure::Unreachable { reason },
            WireError::Timeout(_) => ConnectFailure::Unreachable { reason: "timed out" },
            WireError::Http { status, .. } | WireError::SessionExpired { status } => {
                ConnectFailure::Status(*status)
            }
            // Auto detection tried both transports; a 404 or 405 there is still a path problem.
            WireError::NotMcp(m) if m.contains("HTTP 404") => ConnectFailure::Status(404),
            WireError::NotMcp(m) if m.contains("HTTP 405") => ConnectFailure::Status(405),
            WireError::ContentType { .. } | WireError::NotMcp(_) => ConnectFailure::NotMcp,
            WireError::Initialize(_) | WireError::UnsupportedVersion(_) | WireError::Malformed(_) => {
                ConnectFailure::Handshake
            }
            _ => return None,
        })
    }

    /// The doctor's advice for a connect to `url` that failed with this error.
    pub fn advice(&self, url: &str) -> Option<String> {
        self.connect_failure().map(|f| mcpscope_proto::explain::doctor(f, url))
    }

    pub fn kind(&self) -> mcpscope_proto::IpcErrorKind {
        use mcpscope_proto::IpcErrorKind as K;
        match self {
            WireError::InvalidUrl { .. } => K::InvalidUrl,
            WireError::Connect { .. } => K::Connect,
            WireError::Http { .. } => K::Http,
            WireError::SessionExpired { .. } => K::SessionExpired,
            WireError::ContentType { .. } => K::ContentType,
            WireError::Malformed(_) => K::Malformed,
            WireError::StreamBroken(_) => K::StreamBroken,
            WireError::TooLarge(_) => K::TooLarge,
            WireError::Timeout(_) => K::Timeout,
            WireError::Initialize(_) => K::Initialize,
            WireError::NotMcp(_) => K::NotMcp,
            WireError::UnsupportedVersion(_) => K::UnsupportedVersion,
            WireError::Auth(_) => K::Auth,
            WireError::Cancelled(_) => K::Cancelled,
            WireError::Unsupported(_) => K::Unsupported,
            WireError::Closed => K::Closed,
        }
    }
}

pub type Result<T, E = WireError> = std::result::Result<T, E>;
