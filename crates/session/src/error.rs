//! The engine's errors, and the kind each crosses the IPC boundary as.

use mcpscope_proto::IpcError;

use crate::collection;
use mcpscope_wire::WireError;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    #[error("not connected: connect to a server first")]
    NotConnected,
    #[error(transparent)]
    Wire(#[from] WireError),
    #[error("demo server: {0}")]
    Demo(#[from] mcpscope_demo::DemoError),
    #[error("no history: the database could not be opened when mcpscope started (see the log)")]
    NoHistory,
    #[error(transparent)]
    History(#[from] mcpscope_store::StoreError),
    #[error(transparent)]
    Collection(#[from] collection::CollectionError),
    #[error("the connection attempt was cancelled")]
    Cancelled,
    #[error("proxy: {0}")]
    Proxy(#[from] mcpscope_proxy::ProxyError),

    // What a replay, comparison or export asks of the history, and it does not hold.
    #[error("no session {0} in the history")]
    NoSession(String),
    #[error("no record {seq} in session {session}")]
    NoRecord { session: String, seq: u64 },
    #[error("record {seq} is a {kind}, not a request")]
    NotARequest { seq: u64, kind: &'static str },
    #[error("record {seq} carries no JSON-RPC request")]
    NoRpcRequest { seq: u64 },
    #[error("session {0} has no client requests to replay")]
    NothingToReplay(String),
    #[error("neither session asked for tools, resources or prompts: nothing to compare ({old}, {new})")]
    NothingToCompare { old: String, new: String },
    #[error("record #{seq} of {session} is not a stored HTTP request")]
    NotHttp { session: String, seq: u64 },

    // OAuth.
    #[error("OAuth: {0}")]
    Auth(#[from] mcpscope_auth::AuthError),
    #[error("OAuth is not on for this connection")]
    AuthOff,
    #[error("OAuth: no access token yet")]
    NoToken,
    #[error("OAuth: the refresh failed: {0}")]
    Refresh(String),

    // What the window is looking at.
    #[error("the payload is not JSON")]
    NotJson,
    #[error("no node at {0:?}")]
    NoNode(String),
    #[error("the node at {0:?} is not a string")]
    NotAString(String),
    #[error("record #{0} is no longer available")]
    RecordGone(u64),
    #[error("the server's request {0} is no longer waiting (answered, or its session ended)")]
    NotWaiting(u64),
    #[error("not a URL: {url:?}: {source}")]
    NotAUrl { url: String, source: url::ParseError },
    #[error("mcpscope opens only http and https URLs, not {0:?}")]
    NotHttpUrl(String),
    #[error("could not open the browser: {0}")]
    Browser(#[source] mcpscope_auth::AuthError),

    // Files.
    #[error("import: cannot read {path}: {source}")]
    Read { path: std::path::PathBuf, source: std::io::Error },
    #[error("import: give a file path or paste the file's text")]
    NothingToImport,
    /// What the configuration reader says of a client's configuration file.
    #[error("import: {0}")]
    NotAConfig(String),
    #[error("export: could not write {path}: {source}")]
    Write { path: std::path::PathBuf, source: std::io::Error },
    #[error("export: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("limits: {0}")]
    Limits(String),
}

impl SessionError {
    pub fn kind(&self) -> mcpscope_proto::IpcErrorKind {
        use SessionError as E;
        use mcpscope_proto::IpcErrorKind as K;
        match self {
            E::NotConnected => K::NotConnected,
            E::Wire(e) => e.kind(),
            E::Demo(_) => K::Demo,
            E::NoHistory => K::NoHistory,
            E::History(mcpscope_store::StoreError::Query(_)) => K::BadQuery,
            E::History(_) => K::History,
            E::Collection(collection::CollectionError::SecretElsewhere { .. }) => K::SecretElsewhere,
            E::Collection(_) => K::Collection,
            E::Cancelled => K::Cancelled,
            E::Proxy(_) => K::Proxy,
            E::NoSession(_)
            | E::NoRecord { .. }
            | E::NotARequest { .. }
            | E::NoRpcRequest { .. }
            | E::NothingToReplay(_)
            | E::NothingToCompare { .. } => K::Replay,
            E::NotHttp { .. } | E::Write { .. } | E::Encode(_) => K::Export,
            E::Auth(_) | E::AuthOff | E::NoToken | E::Refresh(_) => K::Auth,
            E::NotJson
            | E::NoNode(_)
            | E::NotAString(_)
            | E::RecordGone(_)
            | E::NotWaiting(_)
            | E::NotAUrl { .. }
            | E::NotHttpUrl(_)
            | E::Browser(_) => K::View,
            E::Read { .. } | E::NothingToImport | E::NotAConfig(_) => K::Import,
            E::Limits(_) => K::Limits,
        }
    }
}

impl From<SessionError> for IpcError {
    fn from(e: SessionError) -> IpcError {
        IpcError { kind: e.kind(), message: e.to_string() }
    }
}

pub type Result<T, E = SessionError> = std::result::Result<T, E>;
