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
    Demo(String),
    #[error("no history: the database could not be opened when mcpscope started (see the log)")]
    NoHistory,
    #[error(transparent)]
    History(#[from] mcpscope_store::StoreError),
    #[error("replay: {0}")]
    Replay(String),
    #[error(transparent)]
    Collection(#[from] collection::CollectionError),
    #[error("OAuth: {0}")]
    Auth(String),
    #[error("the connection attempt was cancelled")]
    Cancelled,
    #[error("{0}")]
    View(String),
    #[error("import: {0}")]
    Import(String),
    #[error("export: {0}")]
    Export(String),
    #[error("limits: {0}")]
    Limits(String),
    #[error("proxy: {0}")]
    Proxy(#[from] mcpscope_proxy::ProxyError),
}

impl SessionError {
    pub fn kind(&self) -> mcpscope_proto::IpcErrorKind {
        use mcpscope_proto::IpcErrorKind as K;
        match self {
            SessionError::NotConnected => K::NotConnected,
            SessionError::Wire(e) => e.kind(),
            SessionError::Demo(_) => K::Demo,
            SessionError::NoHistory => K::NoHistory,
            SessionError::History(mcpscope_store::StoreError::Query(_)) => K::BadQuery,
            SessionError::History(_) => K::History,
            SessionError::Replay(_) => K::Replay,
            SessionError::Collection(collection::CollectionError::SecretElsewhere { .. }) => {
                K::SecretElsewhere
            }
            SessionError::Collection(_) => K::Collection,
            SessionError::Auth(_) => K::Auth,
            SessionError::Cancelled => K::Cancelled,
            SessionError::View(_) => K::View,
            SessionError::Import(_) => K::Import,
            SessionError::Export(_) => K::Export,
            SessionError::Limits(_) => K::Limits,
            SessionError::Proxy(_) => K::Proxy,
        }
    }
}

impl From<SessionError> for IpcError {
    fn from(e: SessionError) -> IpcError {
        IpcError { kind: e.kind(), message: e.to_string() }
    }
}

pub type Result<T, E = SessionError> = std::result::Result<T, E>;
