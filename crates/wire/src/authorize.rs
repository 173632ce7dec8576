//! The hook through which an authorization engine (crate `mcpscope-auth`) gives the wire its
//! credentials. The wire knows nothing of OAuth: it asks for the credential headers of each
//! request (`Authorization`, and a `DPoP` proof for sender-constrained tokens) and hands over
//! every 401 or 403 it receives.

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
    /// The `DPoP-Nonce` header of the refusal, when the server sent one (RFC 9449 §9).
    pub dpop_nonce: Option<String>,
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
    /// The credential headers (name, value) of the next request, `method` to `url`: none,
    /// `Authorization`, and `DPoP` with a proof for exactly this request when the token is
    /// bound to a key. May refresh a token that is about to expire first.
    fn credentials<'a>(&'a self, method: &'a str, url: &'a str) -> BoxFuture<'a, Vec<(String, String)>>;

    /// The server refused a request with `challenge`; obtain credentials (authorize, refresh,
    /// step up) and say whether to retry.
    fn challenged(&self, challenge: Challenge) -> BoxFuture<'_, Verdict>;
}
