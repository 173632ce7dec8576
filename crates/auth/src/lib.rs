//! OAuth 2.1 for MCP clients, with every step captured and checked.
//!
//! - [`challenge`] reads `WWW-Authenticate`; [`urls`] builds the discovery URLs in the
//!   spec's order; [`metadata`] holds the documents.
//! - [`http`] captures every exchange the engine makes into the session's timeline, with
//!   secrets masked.
//! - [`dpop`] makes the session's DPoP key and its proofs, and checks them (RFC 9449).
//! - [`secrets`] keeps tokens and client secrets in the OS keyring (or memory).

pub mod challenge;
pub mod dpop;
mod flow;
mod http;
pub mod jwt;
mod metadata;
pub mod redirect;
pub mod secrets;
pub mod urls;

/// Errors of the authorization engine, phrased for the person debugging the server.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    #[error("{what} {url:?} is not usable: {reason}")]
    BadUrl { what: String, url: String, reason: String },
    #[error("could not reach {url}: {reason}")]
    Http { url: String, reason: String },
    #[error("authorization response: {0}")]
    Redirect(String),
    #[error("keyring: {0}")]
    Keyring(String),
}

pub type Result<T, E = AuthError> = std::result::Result<T, E>;

pub use flow::{
    ClientKey, CrossApp, Grant, OAuth, OAuthOptions, Redirect, StepObserver, Tokens, WorkloadToken,
};
pub use http::Http;
pub use secrets::{KeyringStore, MemoryStore, SecretStore, default_store};
