//! What the OAuth client is told: the grant, the client (pre-registered, secret, key), how
//! the user is sent to the authorization server, and the rest of `OAuthOptions`.

use super::*;

/// How the client obtains tokens.
#[derive(Debug, Clone, Default)]
pub enum Grant {
    /// Authorization code with PKCE: a person (or `--headless-authorize`) approves.
    #[default]
    AuthorizationCode,
    /// Machine to machine: client id with a secret or a private key (private_key_jwt).
    ClientCredentials,
    /// Cross-app access (SEP-990): an enterprise IdP's ID token is exchanged for an ID-JAG
    /// (RFC 8693), which the authorization server takes as a JWT bearer grant (RFC 7523).
    CrossApp(CrossApp),
    /// Workload identity: a JWT the platform issued to this workload (a Kubernetes service
    /// account token, a cloud identity token) is itself the grant (RFC 7523 §2.1).
    JwtBearer(WorkloadToken),
}

/// Where the workload's JWT comes from. A file is read at each authorization, since platforms
/// rotate these tokens.
#[derive(Clone)]
pub enum WorkloadToken {
    Value(String),
    File(std::path::PathBuf),
}

impl std::fmt::Debug for WorkloadToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WorkloadToken::Value(_) => f.write_str("WorkloadToken::Value(…)"),
            WorkloadToken::File(p) => write!(f, "WorkloadToken::File({})", p.display()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct CrossApp {
    pub idp_token_endpoint: String,
    pub id_token: String,
    pub idp_client_id: Option<String>,
}

/// How the authorization response comes back.
#[derive(Debug, Clone)]
pub enum Redirect {
    /// Follow the authorization URL with an HTTP client until it redirects to the redirect
    /// URI (for tests, CI and servers that approve without a login page).
    Headless,
    /// Wait on the loopback listener for the browser's redirect; `open`: start the system
    /// browser (else the user opens the URL the waiting step shows).
    Browser { timeout: Duration, open: bool },
}

/// A private key for `private_key_jwt` client authentication (RFC 7523 §2.2).
#[derive(Clone)]
pub struct ClientKey {
    pub pem: String,
    pub algorithm: jsonwebtoken::Algorithm,
}

impl std::fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClientKey({:?}, ‹redacted›)", self.algorithm)
    }
}

#[derive(Debug, Clone)]
pub struct OAuthOptions {
    /// The MCP server's URL (what the user typed).
    pub server_url: String,
    pub grant: Grant,
    /// A pre-registered client; skips registration.
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub client_key: Option<ClientKey>,
    /// This client's metadata document URL (CIMD), used as the client id where the
    /// authorization server supports it.
    pub client_metadata_url: Option<String>,
    /// Scopes to request instead of the spec's selection.
    pub scope: Option<String>,
    pub client_name: String,
    pub redirect: Redirect,
    /// Re-authorizations for more scope (403 insufficient_scope) per connection.
    pub max_step_ups: u32,
    /// Add `offline_access` when the authorization server lists it (refresh tokens).
    pub offline_access: bool,
    /// Bind tokens to this session's key with DPoP (RFC 9449) where the authorization server
    /// supports ES256 proofs or the server challenges with the DPoP scheme. Off by default:
    /// a bound token dies with the session's key, so it is never kept in the keyring.
    pub dpop: bool,
    /// Accept plain-http authorization, token and registration endpoints on hosts other than
    /// loopback (codes, secrets and tokens would cross the network in clear). Off: refused.
    pub allow_plain_http: bool,
}

impl OAuthOptions {
    pub fn new(server_url: impl Into<String>) -> OAuthOptions {
        OAuthOptions {
            server_url: server_url.into(),
            grant: Grant::AuthorizationCode,
            client_id: None,
            client_secret: None,
            client_key: None,
            client_metadata_url: None,
            scope: None,
            client_name: "mcpscope".to_owned(),
            // MCPSCOPE_NO_BROWSER: show the authorization URL only (tests, remote sessions).
            redirect: Redirect::Browser {
                timeout: Duration::from_secs(300),
                open: std::env::var_os("MCPSCOPE_NO_BROWSER").is_none(),
            },
            max_step_ups: 2,
            offline_access: true,
            dpop: false,
            allow_plain_http: false,
        }
    }
}
