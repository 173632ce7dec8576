//! The hook through which an authorization engine (crate `mcpscope-auth`) gives the wire its
//! credentials. The wire knows nothing of OAuth: it asks for the `Authorization` header before
//! each request and hands over every 401 or 403 it receives.

use futures::future::BoxFuture;

/// A 401 or 403 the server answered, as the authorizer needs it.
#[derive(Debug, Clone)]
pub struct Challenge {
    /// The capture exchange of the refused request (its records carry this id).
    pub exchange: u64,
    pub status: u16,
    /// Every `WWW-Authenticate` header line, in order.
    pub www_authenticate: Vec<String>,
    /// The URL the refused request went to.
    pub url: String,
    /// The protocol version the request was made under (offered or negotiated).
    pub protocol_version: String,
}

/// What to do after a challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// New credentials are in place: send the request again.
    Retry,
    /// Give up; the text says why in plain words (it becomes the request's error).
    GiveUp(String),
}

/// Supplies credentials to a [`crate::Connection`].
pub trait Authorizer: Send + Sync + 'static {
    /// The `Authorization` header value for the next request, if there is one. May refresh a
    /// token that is about to expire first.
    fn header(&self) -> BoxFuture<'_, Option<String>>;

    /// The server refused a request with `challenge`; obtain credentials (authorize, refresh,
    /// step up) and say whether to retry.
    fn challenged(&self, challenge: Challenge) -> BoxFuture<'_, Verdict>;
}
