//! The OAuth client as a [`mcpscope_wire::Authorizer`]: on a 401 or 403 it discovers, registers,
//! authorizes and fetches a token, recording each step with the checks it made and the rule
//! behind each, so a failed flow says what to fix on the server.
//!
//! Long file: discovery, registration and every grant share the flow's state and its step
//! recording; the split into discover/register/grants modules is planned (issue 14).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use mcpscope_proto::auth::{Step, StepKind, TokenReport, Verdict};
use mcpscope_wire::{Authorizer, Challenge, Verdict as WireVerdict};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use url::Url;

use crate::challenge::{BearerChallenge, split_scopes};
use crate::dpop::DpopKey;
use crate::http::{Exchange, Http};
use crate::jwt::{self, Expectations};
use crate::metadata::{ErrorResponse, ResourceMetadata, ServerMetadata, TokenResponse, explain_error};
use crate::redirect::{self, Loopback};
use crate::secrets::SecretStore;
use crate::urls::{self, http_url};

const R_PRM: &str = "RFC 9728 §3, MCP 2025-11-25 authorization (resource metadata discovery)";
const R_PRM_RESOURCE: &str = "RFC 9728 §3.3";
const R_ASM: &str = "RFC 8414 §3, MCP 2025-11-25 authorization (server metadata discovery)";
const R_ISSUER: &str = "RFC 8414 §3.3";
const R_PKCE: &str = "OAuth 2.1 §7.5.2, MCP 2025-11-25 authorization (PKCE support check)";
const R_LEGACY: &str = "MCP 2025-03-26 authorization (server origin as authorization server)";
const R_REGISTRATION: &str = "MCP 2025-11-25 authorization (client registration order)";
const R_DCR: &str = "RFC 7591 §3";
const R_STATE: &str = "OAuth 2.1 §7.12, RFC 6749 §10.12";
const R_ISS: &str = "RFC 9207 §2.4";
const R_RESOURCE: &str = "RFC 8707 §2";
const R_SCOPE: &str = "MCP 2025-11-25 authorization (scope selection)";
const R_STEP_UP: &str = "MCP 2025-11-25 authorization (step-up authorization)";
const R_TOKEN: &str = "OAuth 2.1 §4.1.3, RFC 6749 §5";
const R_MIGRATION: &str = "MCP 2026-07-28 authorization (credentials per authorization server, SEP-2352)";
const R_HTTPS: &str = "OAuth 2.1 §1.5 (TLS for every authorization server endpoint)";
const R_REFRESH_BINDING: &str = "RFC 9700 §4.14 (refresh tokens bound to their issuer)";
const ENDPOINT_FIX: &str = "endpoints in the metadata must be http(s) URLs: https, or plain http only on loopback or where the user allows it for this server";

/// Refresh a token this close to its expiry before using it.
const REFRESH_MARGIN: i64 = 30;

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

/// Tokens as kept in the secret store (never in SQLite or logs).
#[derive(Clone, Serialize, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub id_token: Option<String>,
    /// Seconds since the epoch.
    #[serde(default)]
    pub expires_at: Option<i64>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub issuer: Option<String>,
    /// `Bearer`, or `DPoP` for a token bound to this session's key (never stored: the key
    /// lives only as long as the session).
    #[serde(default)]
    pub token_type: Option<String>,
    /// When this process obtained them; 0 when loaded from the store.
    #[serde(skip)]
    obtained_at: i64,
    #[serde(skip)]
    refreshed_after_refusal: bool,
}

impl Tokens {
    /// Whether the token is bound to a DPoP key (`token_type` DPoP).
    pub fn is_dpop(&self) -> bool {
        self.token_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("dpop"))
    }
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("expires_at", &self.expires_at)
            .field("scope", &self.scope)
            .field("refresh_token", &self.refresh_token.is_some())
            .finish_non_exhaustive()
    }
}

/// What discovery found.
#[derive(Debug, Clone)]
struct Discovery {
    prm: Option<ResourceMetadata>,
    asm: ServerMetadata,
    /// The issuer the metadata was looked up for.
    issuer: String,
    /// The `resource` parameter: the PRM's resource, else the canonical server URI; `None`
    /// under the 2025-03-26 rules (no resource indicators).
    resource: Option<String>,
    authorization_endpoint: Option<Url>,
    token_endpoint: Url,
    registration_endpoint: Option<Url>,
    /// Tokens are bound to the session's DPoP key.
    dpop: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AuthMethod {
    None,
    Basic,
    Post,
    PrivateKeyJwt,
}

impl AuthMethod {
    fn name(self) -> &'static str {
        match self {
            AuthMethod::None => "none",
            AuthMethod::Basic => "client_secret_basic",
            AuthMethod::Post => "client_secret_post",
            AuthMethod::PrivateKeyJwt => "private_key_jwt",
        }
    }

    fn parse(s: &str) -> Option<AuthMethod> {
        match s {
            "none" => Some(AuthMethod::None),
            "client_secret_basic" => Some(AuthMethod::Basic),
            "client_secret_post" => Some(AuthMethod::Post),
            "private_key_jwt" => Some(AuthMethod::PrivateKeyJwt),
            _ => None,
        }
    }
}

#[derive(Clone)]
struct Client {
    id: String,
    secret: Option<String>,
    method: AuthMethod,
    redirect_uri: Option<Url>,
}

/// A dynamic registration as kept in the secret store (it holds the client secret), so a
/// restart can refresh tokens and authorize again without registering anew.
#[derive(Serialize, Deserialize)]
struct StoredClient {
    client_id: String,
    #[serde(default)]
    client_secret: Option<String>,
    method: String,
    #[serde(default)]
    redirect_uri: Option<String>,
}

impl From<&Client> for StoredClient {
    fn from(c: &Client) -> StoredClient {
        StoredClient {
            client_id: c.id.clone(),
            client_secret: c.secret.clone(),
            method: c.method.name().to_owned(),
            redirect_uri: c.redirect_uri.as_ref().map(Url::to_string),
        }
    }
}

impl StoredClient {
    fn client(self) -> Option<Client> {
        Some(Client {
            id: self.client_id,
            secret: self.client_secret,
            method: AuthMethod::parse(&self.method)?,
            redirect_uri: self.redirect_uri.and_then(|u| Url::parse(&u).ok()),
        })
    }
}

#[derive(Default)]
struct State {
    loaded: bool,
    tokens: Option<Tokens>,
    discovery: Option<Discovery>,
    client: Option<Client>,
    /// Scopes asked for in the last authorization.
    requested: Vec<String>,
    step_ups: u32,
}

/// A failed step: the reason for the user (the step itself carries the details).
struct Stop(String);

type Flow<T> = std::result::Result<T, Stop>;

/// Called with each finished step (the GUI streams them to the debugger).
pub type StepObserver = Arc<dyn Fn(&Step) + Send + Sync>;

/// The OAuth client of one connection.
pub struct OAuth {
    opts: OAuthOptions,
    server: Url,
    http: Http,
    store: Arc<dyn SecretStore>,
    state: tokio::sync::Mutex<State>,
    steps: Mutex<Vec<Step>>,
    observer: Option<StepObserver>,
    /// The session's DPoP key, made when first needed.
    dpop: std::sync::OnceLock<Arc<DpopKey>>,
    /// The last proof sent to the resource server: (proof, method, url), for the inspector.
    last_proof: Mutex<Option<(String, String, String)>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Steps are plain data: a panic elsewhere leaves them readable.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl OAuth {
    pub fn new(
        opts: OAuthOptions,
        http: Http,
        store: Arc<dyn SecretStore>,
        observer: Option<StepObserver>,
    ) -> crate::Result<OAuth> {
        let server = http_url("MCP server URL", &opts.server_url)?;
        Ok(OAuth {
            opts,
            server,
            http,
            store,
            state: tokio::sync::Mutex::new(State::default()),
            steps: Mutex::new(Vec::new()),
            observer,
            dpop: std::sync::OnceLock::new(),
            last_proof: Mutex::new(None),
        })
    }

    /// The session's DPoP key, once DPoP is in use.
    pub fn dpop_key(&self) -> Option<Arc<DpopKey>> {
        self.dpop.get().cloned()
    }

    fn dpop_key_or_new(&self) -> Arc<DpopKey> {
        self.dpop.get_or_init(|| Arc::new(DpopKey::generate())).clone()
    }

    /// Every step so far, in order.
    pub fn steps(&self) -> Vec<Step> {
        lock(&self.steps).clone()
    }

    /// Where tokens are kept, in words.
    pub fn store_description(&self) -> String {
        self.store.describe()
    }

    fn token_key(&self) -> String {
        format!("oauth-tokens|{}", urls::canonical_resource(&self.server))
    }

    /// Registrations are per authorization server (MCP 2026-07-28: never reuse a client id
    /// with another issuer) and per MCP server.
    fn client_key(&self, issuer: &str) -> String {
        format!("oauth-client|{issuer}|{}", urls::canonical_resource(&self.server))
    }

    /// The client the user configured (id, and a secret or key), if any.
    fn preregistered(&self, asm: &ServerMetadata) -> Option<Client> {
        let id = self.opts.client_id.clone()?;
        let method = choose_method(asm, self.opts.client_secret.is_some(), self.opts.client_key.is_some());
        Some(Client { id, secret: self.opts.client_secret.clone(), method, redirect_uri: None })
    }

    /// Where the issuer a pre-registered client's credential was first sent to is kept (per
    /// MCP server and client id): from then on it goes to that issuer only.
    fn binding_key(&self, client_id: &str) -> String {
        format!("oauth-client-issuer|{}|{client_id}", urls::canonical_resource(&self.server))
    }

    /// A pre-registered client's secret or key goes only to the issuer it was first used
    /// with (RFC 9700 §4.14's rule for refresh tokens, applied to the credential the user
    /// configured): after a restart, a resource that now names another authorization server
    /// does not get it. The first use binds it.
    fn check_credential_binding(&self, step: &mut Step, d: &Discovery, client: &Client) -> Flow<()> {
        let credential = client.secret.is_some() || client.method == AuthMethod::PrivateKeyJwt;
        if !credential || self.opts.client_id.as_deref() != Some(client.id.as_str()) {
            // Registered by mcpscope: kept per issuer already, never offered to another.
            return Ok(());
        }
        let issuer_now = d.asm.issuer.clone().unwrap_or_else(|| d.issuer.clone());
        let key = self.binding_key(&client.id);
        match self.store.get(&key) {
            Ok(Some(bound)) if bound.trim_end_matches('/') == issuer_now.trim_end_matches('/') => Ok(()),
            Ok(Some(bound)) => {
                step.check(
                    Verdict::Fail,
                    R_REFRESH_BINDING,
                    format!(
                        "client {:?}'s credential was first sent to {bound:?}; the resource now names {issuer_now:?}: it is not sent there",
                        client.id
                    ),
                );
                Err(self.fail(
                    step.clone(),
                    format!(
                        "the pre-registered client's secret belongs to authorization server {bound:?}, not {issuer_now:?}: not sent"
                    ),
                    Some("if the server really moved, log out of it (forgets the binding) and connect again with the new server's client"),
                ))
            }
            Ok(None) => {
                if let Err(e) = self.store.set(&key, &issuer_now) {
                    tracing::warn!(error = %e, "could not keep the client's issuer binding");
                }
                step.check(
                    Verdict::Info,
                    R_REFRESH_BINDING,
                    format!("client {:?}'s credential is bound to {issuer_now:?} from now on", client.id),
                );
                Ok(())
            }
            Err(e) => {
                Err(self.fail(step.clone(), format!("could not read the client's issuer binding: {e}"), None))
            }
        }
    }

    fn stored_client(&self, issuer: &str) -> Option<Client> {
        let text = self.store.get(&self.client_key(issuer)).ok()??;
        serde_json::from_str::<StoredClient>(&text).ok()?.client()
    }

    fn save_client(&self, issuer: &str, client: &Client) {
        if let Ok(text) = serde_json::to_string(&StoredClient::from(client))
            && let Err(e) = self.store.set(&self.client_key(issuer), &text)
        {
            tracing::warn!(error = %e, "could not store the client registration; it stays in memory");
        }
    }

    /// Forgets the tokens of this server, here and in the secret store (logout).
    pub async fn logout(&self) -> crate::Result<()> {
        let mut st = self.state.lock().await;
        st.tokens = None;
        st.loaded = true;
        // A server that moved to another authorization server is authorized afresh there.
        if let Some(id) = &self.opts.client_id {
            self.store.delete(&self.binding_key(id))?;
        }
        self.store.delete(&self.token_key())
    }

    /// The current tokens (for the inspector; the UI never receives them unless the user
    /// asks to reveal them).
    pub async fn tokens(&self) -> Option<Tokens> {
        let mut st = self.state.lock().await;
        self.load(&mut st);
        st.tokens.clone()
    }

    /// Decodes and checks the access token (and the ID token, if any): signature against the
    /// issuer's JWKS (fetched now, captured), audience against this server, issuer, times.
    pub async fn inspect(&self) -> Vec<TokenReport> {
        let (tokens, discovery, client) = {
            let mut st = self.state.lock().await;
            self.load(&mut st);
            (st.tokens.clone(), st.discovery.clone(), st.client.clone())
        };
        let Some(tokens) = tokens else { return Vec::new() };
        let mut exp = Expectations {
            resource: discovery
                .as_ref()
                .and_then(|d| d.resource.clone())
                .or_else(|| Some(urls::canonical_resource(&self.server))),
            issuer: discovery.as_ref().and_then(|d| d.asm.issuer.clone()).or(tokens.issuer.clone()),
            leeway: jwt::DEFAULT_LEEWAY,
            expires_in_hint: tokens.expires_at.map(|at| at.saturating_sub(jwt::now())),
            ..Expectations::default()
        };
        if let Some(jwks_uri) = discovery.as_ref().and_then(|d| d.asm.jwks_uri.clone())
            && jwt::is_jwt(&tokens.access_token)
            && let Ok(url) = http_url("jwks_uri", &jwks_uri)
            && let Ok(ex) = self.http.get_json(&url, None).await
            && ex.ok()
        {
            exp.jwks = serde_json::from_slice(&ex.body).ok();
        }
        let mut access = jwt::inspect("access_token", &tokens.access_token, &exp);
        if tokens.is_dpop()
            && let Some(key) = self.dpop_key()
        {
            let claims = access.claims.clone().unwrap_or(Value::Null);
            access.checks.push(crate::dpop::check_binding(&claims, &key));
        }
        if !access.jwt
            && let (Some(d), Some(c)) = (&discovery, &client)
        {
            self.introspect(&mut access, d, c, &tokens.access_token).await;
        }
        let mut out = vec![access];
        // The last DPoP proof sent with it, taken apart and checked as a server would.
        if tokens.is_dpop()
            && let Some((proof, method, url)) = lock(&self.last_proof).clone()
        {
            let r = crate::dpop::inspect_proof(&proof, &method, &url, Some(&tokens.access_token));
            out.push(TokenReport {
                role: "dpop_proof".to_owned(),
                jwt: true,
                header: Some(r.header),
                claims: Some(r.claims),
                expires_at: None,
                scopes: Vec::new(),
                checks: r.checks,
            });
        }
        if let Some(id) = &tokens.id_token {
            out.push(jwt::inspect("id_token", id, &Expectations { resource: None, ..exp }));
        }
        out
    }

    /// RFC 7662: asks the authorization server about an opaque token, where it offers an
    /// introspection endpoint, and adds what it says to the report.
    async fn introspect(&self, report: &mut TokenReport, d: &Discovery, client: &Client, token: &str) {
        const RULE: &str = "RFC 7662 §2";
        let Some(endpoint) =
            d.asm.introspection_endpoint.as_deref().and_then(|u| http_url("introspection_endpoint", u).ok())
        else {
            report.checks.push(mcpscope_proto::auth::Check::new(
                Verdict::Info,
                RULE,
                "the authorization server offers no introspection endpoint",
            ));
            return;
        };
        let mut step = Step::new(StepKind::Token);
        let form = vec![("token", token.to_owned()), ("token_type_hint", "access_token".to_owned())];
        let Ok(ex) = self.client_post(&mut step, d, &endpoint, client, form, None).await else { return };
        let doc: Value = match serde_json::from_slice(&ex.body) {
            Ok(v) if ex.ok() => v,
            _ => {
                report.checks.push(mcpscope_proto::auth::Check::new(
                    Verdict::Warn,
                    RULE,
                    format!("introspection failed: {}", oauth_error_text(&ex)),
                ));
                return;
            }
        };
        let check = |v, m: String| mcpscope_proto::auth::Check::new(v, RULE, m);
        if doc.get("active").and_then(Value::as_bool) == Some(true) {
            report
                .checks
                .push(check(Verdict::Pass, "the authorization server says the token is active".to_owned()));
        } else {
            report.checks.push(check(
                Verdict::Fail,
                "the authorization server says the token is not active (expired or revoked)".to_owned(),
            ));
        }
        if let Some(exp) = doc.get("exp").and_then(Value::as_i64) {
            report.expires_at = Some(exp);
        }
        if let Some(s) = doc.get("scope").and_then(Value::as_str) {
            report.scopes = split_scopes(Some(s));
        }
        report.claims = Some(doc);
    }

    fn load(&self, st: &mut State) {
        if st.loaded {
            return;
        }
        st.loaded = true;
        match self.store.get(&self.token_key()) {
            Ok(Some(text)) => match serde_json::from_str::<Tokens>(&text) {
                Ok(t) => st.tokens = Some(t),
                Err(e) => tracing::warn!(error = %e, "stored tokens are unreadable; ignoring them"),
            },
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "could not read stored tokens"),
        }
    }

    fn save(&self, tokens: &Tokens) {
        if tokens.is_dpop() {
            // Bound to this session's key, which is never stored: useless after it.
            return;
        }
        match serde_json::to_string(tokens) {
            Ok(text) => {
                if let Err(e) = self.store.set(&self.token_key(), &text) {
                    tracing::warn!(error = %e, "could not store tokens; they stay in memory");
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not serialize tokens"),
        }
    }

    fn finish(&self, step: Step) {
        if let Some(obs) = &self.observer {
            obs(&step);
        }
        lock(&self.steps).push(step);
    }

    /// Finishes `step` as failed with `fix` and returns the stop reason.
    fn fail(&self, mut step: Step, reason: impl Into<String>, fix: Option<&str>) -> Stop {
        let reason = reason.into();
        if step.verdict() != Verdict::Fail {
            step.check(Verdict::Fail, "", reason.clone());
        }
        step.fix = fix.map(str::to_owned);
        self.finish(step);
        Stop(reason)
    }

    async fn credentials_for(&self, method: &str, url: &str) -> Vec<(String, String)> {
        let mut st = self.state.lock().await;
        self.load(&mut st);
        let expiring = st.tokens.as_ref().is_some_and(|t| {
            t.refresh_token.is_some()
                && t.expires_at.is_some_and(|e| e.saturating_sub(jwt::now()) < REFRESH_MARGIN)
        });
        if expiring && self.refresh(&mut st, "the access token expires within 30 s").await.is_err() {
            st.tokens = None;
        }
        let Some(t) = st.tokens.as_ref() else { return Vec::new() };
        match (t.is_dpop(), self.dpop_key()) {
            (true, Some(key)) => {
                let proof = key.proof(method, url, Some(&t.access_token));
                *lock(&self.last_proof) = Some((proof.clone(), method.to_owned(), url.to_owned()));
                vec![
                    ("authorization".to_owned(), format!("DPoP {}", t.access_token)),
                    ("dpop".to_owned(), proof),
                ]
            }
            _ => vec![("authorization".to_owned(), format!("Bearer {}", t.access_token))],
        }
    }

    async fn on_challenge(&self, ch: Challenge) -> WireVerdict {
        let mut st = self.state.lock().await;
        self.load(&mut st);
        let bearer = BearerChallenge::find(&ch.www_authenticate);
        let mut step = Step::new(StepKind::Challenge);
        step.exchanges.push(ch.exchange);
        describe_challenge(&mut step, bearer.as_ref(), &ch);
        // RFC 9449 §9: a resource server's nonce is not a refusal of the token; send the
        // request again with a proof that carries it (once per new nonce).
        if let (Some(nonce), Some(key)) = (&ch.dpop_nonce, self.dpop_key())
            && bearer.as_ref().and_then(|b| b.error.as_deref()) == Some("use_dpop_nonce")
            && key.nonce(&ch.url).as_deref() != Some(nonce.as_str())
        {
            key.set_nonce(&ch.url, nonce);
            step.check(
                Verdict::Info,
                "RFC 9449 §9",
                format!("the server asks for DPoP nonce {nonce:?}: sending the request again with it in a fresh proof"),
            );
            self.finish(step);
            return WireVerdict::Retry;
        }
        let result = match ch.status {
            401 => self.after_401(&mut st, step, bearer, &ch).await,
            _ => self.after_403(&mut st, step, bearer, &ch).await,
        };
        match result {
            Ok(()) => WireVerdict::Retry,
            Err(Stop(why)) => WireVerdict::GiveUp(why),
        }
    }

    async fn after_401(
        &self,
        st: &mut State,
        mut step: Step,
        bearer: Option<BearerChallenge>,
        ch: &Challenge,
    ) -> Flow<()> {
        if let Some(t) = st.tokens.clone() {
            let error = bearer.as_ref().and_then(|b| b.error.clone()).unwrap_or_default();
            step.check(
                Verdict::Info,
                "RFC 6750 §3.1",
                format!(
                    "the server refused the current token ({})",
                    if error.is_empty() { "no error code" } else { &error }
                ),
            );
            self.finish(step);
            if t.refresh_token.is_some()
                && !t.refreshed_after_refusal
                && self.refresh(st, "the server answered 401 to the current token").await.is_ok()
            {
                if let Some(t) = st.tokens.as_mut() {
                    t.refreshed_after_refusal = true;
                }
                return Ok(());
            }
            // The token is refused and cannot be refreshed: look again where the resource sends
            // its clients, since it may have moved to another authorization server.
            let fresh = self.discover(bearer.as_ref(), &ch.protocol_version).await?;
            let before = st.discovery.as_ref().map(|d| d.issuer.clone());
            if let Some(old) = before.filter(|old| *old != fresh.issuer) {
                let mut step = Step::new(StepKind::Registration);
                if self.opts.client_id.is_some() {
                    return Err(self.fail(
                        step,
                        format!(
                            "the resource now names authorization server {:?} instead of {old:?}; the pre-registered client belongs to the old one",
                            fresh.issuer
                        ),
                        Some("register mcpscope at the new authorization server and give its client id"),
                    ));
                }
                step.check(
                    Verdict::Info,
                    R_MIGRATION,
                    format!(
                        "the resource now names authorization server {:?} instead of {old:?}: registering anew there; nothing {old:?} issued is sent to it",
                        fresh.issuer
                    ),
                );
                self.finish(step);
                st.client = None;
            } else if t.obtained_at > 0 && jwt::now() - t.obtained_at < 10 {
                return Err(Stop(
                    "the server refused the token it was just issued (401): check that it accepts tokens from this authorization server and for this audience".to_owned(),
                ));
            }
            st.discovery = Some(fresh);
            st.tokens = None;
            let _ = self.store.delete(&self.token_key());
        } else {
            self.finish(step);
        }
        let scopes = self.select_scopes_from_challenge(bearer.as_ref());
        self.authorize(st, bearer.as_ref(), scopes, &ch.protocol_version).await
    }

    async fn after_403(
        &self,
        st: &mut State,
        mut step: Step,
        bearer: Option<BearerChallenge>,
        ch: &Challenge,
    ) -> Flow<()> {
        let Some(b) = bearer.filter(|b| b.error.as_deref() == Some("insufficient_scope")) else {
            step.check(
                Verdict::Info,
                "RFC 6750 §3.1",
                "403 without error=\"insufficient_scope\": more scope would not help",
            );
            self.finish(step);
            return Err(Stop("the server refused the request (HTTP 403) and asked for no scope".to_owned()));
        };
        let wanted = b.scopes();
        let granted: Vec<String> = st
            .tokens
            .as_ref()
            .map(|t| split_scopes(t.scope.as_deref()))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| st.requested.clone());
        let missing: Vec<&String> = wanted.iter().filter(|w| !granted.contains(w)).collect();
        if wanted.is_empty() || missing.is_empty() {
            let why = if wanted.is_empty() {
                "403 insufficient_scope without a scope parameter: nothing to ask for".to_owned()
            } else {
                format!(
                    "403 insufficient_scope asks for {:?}, which the token already has: asking again would loop, so mcpscope stops",
                    wanted.join(" ")
                )
            };
            step.check(Verdict::Fail, R_STEP_UP, why.clone());
            step.fix = Some(
                "a server should challenge only for scopes it will accept once granted; check the scopes its token validation requires".to_owned(),
            );
            self.finish(step);
            return Err(Stop(why));
        }
        if st.step_ups >= self.opts.max_step_ups {
            let why = format!("still refused after {} step-up authorizations: giving up", st.step_ups);
            step.check(Verdict::Fail, R_STEP_UP, why.clone());
            self.finish(step);
            return Err(Stop(why));
        }
        st.step_ups += 1;
        let mut scopes = st.requested.clone();
        for w in wanted {
            if !scopes.contains(&w) {
                scopes.push(w);
            }
        }
        step.check(
            Verdict::Info,
            R_STEP_UP,
            format!(
                "step-up {}: re-authorizing with {:?} (previous scopes plus the challenged ones)",
                st.step_ups,
                scopes.join(" ")
            ),
        );
        self.finish(step);
        self.authorize(st, Some(&b), Some(scopes), &ch.protocol_version).await
    }

    /// The scopes to ask for on a 401: the user's, else the challenge's; `None` leaves the
    /// choice to the resource metadata (decided after discovery).
    fn select_scopes_from_challenge(&self, bearer: Option<&BearerChallenge>) -> Option<Vec<String>> {
        if let Some(s) = &self.opts.scope {
            return Some(split_scopes(Some(s)));
        }
        bearer.map(BearerChallenge::scopes).filter(|s| !s.is_empty())
    }

    async fn authorize(
        &self,
        st: &mut State,
        bearer: Option<&BearerChallenge>,
        scopes: Option<Vec<String>>,
        protocol_version: &str,
    ) -> Flow<()> {
        let discovery = match st.discovery.clone() {
            Some(d) => d,
            None => {
                let d = self.discover(bearer, protocol_version).await?;
                st.discovery = Some(d.clone());
                d
            }
        };
        let from_challenge = scopes.is_some();
        let mut scopes = scopes
            .or_else(|| discovery.prm.as_ref().and_then(|p| p.scopes_supported.clone()))
            .unwrap_or_default();
        if self.opts.offline_access
            && discovery.asm.supports_scope("offline_access")
            && !scopes.is_empty()
            && !scopes.iter().any(|s| s == "offline_access")
        {
            scopes.push("offline_access".to_owned());
        }
        let scope_note = if self.opts.scope.is_some() {
            "scopes given by the user".to_owned()
        } else if from_challenge {
            "scopes from the server's challenge, which is authoritative for this request".to_owned()
        } else if !scopes.is_empty() {
            "no scope in the challenge: all of the resource metadata's scopes_supported".to_owned()
        } else {
            "no scope in the challenge or the resource metadata: the scope parameter is omitted".to_owned()
        };
        st.requested = scopes.clone();
        let tokens = match self.opts.grant.clone() {
            Grant::AuthorizationCode => {
                let client = self.client(st, &discovery).await?;
                self.authorization_code(&discovery, &client, &scopes, &scope_note).await?
            }
            Grant::ClientCredentials => self.client_credentials(&discovery, &scopes).await?,
            Grant::CrossApp(x) => self.cross_app(&discovery, &x, &scopes).await?,
            Grant::JwtBearer(w) => self.jwt_bearer(&discovery, &w, &scopes).await?,
        };
        self.save(&tokens);
        st.tokens = Some(tokens);
        Ok(())
    }

    async fn discover(&self, bearer: Option<&BearerChallenge>, protocol_version: &str) -> Flow<Discovery> {
        // Protected resource metadata.
        let mut step = Step::new(StepKind::ResourceMetadata);
        let candidates: Vec<Url> = match bearer.and_then(|b| b.resource_metadata.as_deref()) {
            Some(u) => match http_url("resource_metadata", u) {
                Ok(url) => vec![url],
                Err(e) => {
                    return Err(self.fail(
                        step,
                        e.to_string(),
                        Some("resource_metadata in WWW-Authenticate must be an http(s) URL"),
                    ));
                }
            },
            None => urls::prm_candidates(&self.server),
        };
        let prm: Option<ResourceMetadata> =
            self.first_document(&mut step, &candidates, protocol_version, R_PRM, "resource metadata").await?;
        let legacy = prm.is_none();
        let (issuer, resource) = match &prm {
            Some(doc) => {
                let resource = match &doc.resource {
                    Some(r) if urls::resource_matches(r, &self.server) => {
                        step.check(
                            Verdict::Pass,
                            R_PRM_RESOURCE,
                            format!("resource {r:?} names this server ({})", self.server),
                        );
                        r.clone()
                    }
                    Some(r) => {
                        step.check(
                            Verdict::Fail,
                            R_PRM_RESOURCE,
                            format!(
                                "resource {r:?} is not this server ({}): a token for it must not be obtained for or sent to this server",
                                self.server
                            ),
                        );
                        return Err(self.fail(
                            step,
                            format!(
                                "the resource metadata is for {r:?}, not for {}: refusing to authorize",
                                self.server
                            ),
                            Some(
                                "set \"resource\" in the protected resource metadata to the server's own URL",
                            ),
                        ));
                    }
                    None => {
                        step.check(
                            Verdict::Warn,
                            R_PRM_RESOURCE,
                            "the document has no \"resource\" member (RFC 9728 requires it); using the server URL",
                        );
                        urls::canonical_resource(&self.server)
                    }
                };
                let Some(first) = doc.authorization_servers.first() else {
                    return Err(self.fail(
                        step,
                        "the resource metadata lists no authorization_servers",
                        Some("list the authorization server's issuer URL in authorization_servers"),
                    ));
                };
                if doc.authorization_servers.len() > 1 {
                    step.check(
                        Verdict::Info,
                        "RFC 9728 §7.6",
                        format!(
                            "{} authorization servers listed; using the first, {first}",
                            doc.authorization_servers.len()
                        ),
                    );
                }
                if let Err(e) = http_url("authorization server", first) {
                    return Err(self.fail(
                        step,
                        e.to_string(),
                        Some("authorization_servers must hold http(s) issuer URLs"),
                    ));
                }
                (first.trim_end_matches('/').to_owned(), Some(resource))
            }
            None => {
                step.check(
                    Verdict::Warn,
                    R_LEGACY,
                    "no protected resource metadata anywhere: falling back to the 2025-03-26 rules, where the server's origin is the authorization server (servers from 2025-06-18 on must publish the metadata)",
                );
                (urls::legacy_base(&self.server).as_str().trim_end_matches('/').to_owned(), None)
            }
        };
        self.finish(step);

        // Authorization server metadata.
        let mut step = Step::new(StepKind::ServerMetadata);
        let issuer_url = match http_url("issuer", &issuer) {
            Ok(u) => u,
            Err(e) => return Err(self.fail(step, e.to_string(), None)),
        };
        let candidates = if legacy {
            vec![urls::legacy_endpoint(&self.server, "/.well-known/oauth-authorization-server")]
        } else {
            urls::as_metadata_candidates(&issuer_url)
        };
        let asm: Option<ServerMetadata> =
            self.first_document(&mut step, &candidates, protocol_version, R_ASM, "metadata").await?;
        let legacy_defaults = asm.is_none();
        let asm = match asm {
            Some(a) => a,
            None if legacy => {
                step.check(
                    Verdict::Warn,
                    R_LEGACY,
                    "no authorization server metadata: using the default endpoints /authorize, /token and /register at the server's origin",
                );
                ServerMetadata {
                    issuer: Some(issuer.clone()),
                    authorization_endpoint: Some(
                        urls::legacy_endpoint(&self.server, "/authorize").to_string(),
                    ),
                    token_endpoint: Some(urls::legacy_endpoint(&self.server, "/token").to_string()),
                    registration_endpoint: Some(urls::legacy_endpoint(&self.server, "/register").to_string()),
                    ..ServerMetadata::default()
                }
            }
            None => {
                let tried = candidates.iter().map(Url::to_string).collect::<Vec<_>>().join(", ");
                return Err(self.fail(
                    step,
                    format!("no authorization server metadata at any of {tried}"),
                    Some("serve RFC 8414 metadata (or an OpenID configuration) at one of these URLs"),
                ));
            }
        };
        if !legacy_defaults {
            match asm.issuer.as_deref().map(|i| i.trim_end_matches('/')) {
                Some(i) if i == issuer => step.check(
                    Verdict::Pass,
                    R_ISSUER,
                    format!("issuer {i:?} matches the URL it was looked up for"),
                ),
                Some(i) if legacy => step.check(
                    Verdict::Warn,
                    R_ISSUER,
                    format!("issuer {i:?} differs from {issuer:?}; tolerated under the 2025-03-26 rules"),
                ),
                Some(i) => {
                    step.check(
                        Verdict::Fail,
                        R_ISSUER,
                        format!("issuer {i:?} is not {issuer:?}, the URL the metadata was looked up for: the document must be discarded (mix-up protection)"),
                    );
                    return Err(self.fail(
                        step,
                        format!("the authorization server metadata names issuer {i:?}, not {issuer:?}"),
                        Some("make \"issuer\" in the metadata identical to the issuer URL in authorization_servers"),
                    ));
                }
                None => step.check(Verdict::Warn, R_ISSUER, "the metadata has no issuer member"),
            }
        }
        let dpop = self.opts.dpop && self.decide_dpop(&mut step, &asm, bearer);
        let needs_pkce = matches!(self.opts.grant, Grant::AuthorizationCode);
        if needs_pkce && !legacy_defaults {
            match &asm.code_challenge_methods_supported {
                Some(m) if m.iter().any(|x| x == "S256") => {
                    step.check(Verdict::Pass, R_PKCE, "code_challenge_methods_supported includes S256")
                }
                Some(m) => {
                    step.check(
                        Verdict::Fail,
                        R_PKCE,
                        format!("code_challenge_methods_supported is {m:?}, without S256"),
                    );
                    return Err(self.fail(
                        step,
                        "the authorization server does not support PKCE with S256",
                        Some("support S256 and list it in code_challenge_methods_supported"),
                    ));
                }
                None => {
                    step.check(
                        Verdict::Fail,
                        R_PKCE,
                        "code_challenge_methods_supported is missing: a client must refuse to proceed, as it cannot confirm PKCE support",
                    );
                    return Err(self.fail(
                        step,
                        "the authorization server metadata does not advertise PKCE (code_challenge_methods_supported)",
                        Some("add \"code_challenge_methods_supported\": [\"S256\"] to the metadata"),
                    ));
                }
            }
        }
        let endpoint = |step: &mut Step,
                        name: &str,
                        v: &Option<String>|
         -> std::result::Result<Option<Url>, String> {
            let Some(s) = v else { return Ok(None) };
            let url = http_url(name, s).map_err(|e| e.to_string())?;
            if url.scheme() != "https" && !urls::is_loopback(&url) {
                if !self.opts.allow_plain_http {
                    step.check(
                            Verdict::Fail,
                            R_HTTPS,
                            format!("{name} {url} is plain http on another host: codes, secrets and tokens would cross the network in clear"),
                        );
                    return Err(format!(
                        "{name} {url} is not https; refused (allow plain http for this server to go on)"
                    ));
                }
                step.check(
                    Verdict::Warn,
                    R_HTTPS,
                    format!("{name} {url} is not https (allowed for this server)"),
                );
            }
            Ok(Some(url))
        };
        let authorization_endpoint =
            match endpoint(&mut step, "authorization_endpoint", &asm.authorization_endpoint) {
                Ok(u) => u,
                Err(e) => return Err(self.fail(step, e, Some(ENDPOINT_FIX))),
            };
        let token_endpoint = match endpoint(&mut step, "token_endpoint", &asm.token_endpoint) {
            Ok(Some(u)) => u,
            Ok(None) => {
                return Err(self.fail(
                    step,
                    "the metadata has no token_endpoint",
                    Some("add token_endpoint to the metadata"),
                ));
            }
            Err(e) => return Err(self.fail(step, e, Some(ENDPOINT_FIX))),
        };
        let registration_endpoint =
            match endpoint(&mut step, "registration_endpoint", &asm.registration_endpoint) {
                Ok(u) => u,
                Err(e) => return Err(self.fail(step, e, Some(ENDPOINT_FIX))),
            };
        if needs_pkce && authorization_endpoint.is_none() {
            return Err(self.fail(
                step,
                "the metadata has no authorization_endpoint",
                Some("add authorization_endpoint to the metadata"),
            ));
        }
        self.finish(step);
        Ok(Discovery {
            prm,
            asm,
            issuer,
            resource,
            authorization_endpoint,
            token_endpoint,
            registration_endpoint,
            dpop,
        })
    }

    /// Whether tokens will be bound to the session's DPoP key: the authorization server signs
    /// up for ES256 proofs, or the resource challenged with the DPoP scheme.
    fn decide_dpop(&self, step: &mut Step, asm: &ServerMetadata, bearer: Option<&BearerChallenge>) -> bool {
        const RULE: &str = "RFC 9449 §5.1";
        let algs: Vec<&str> = asm
            .extra
            .get("dpop_signing_alg_values_supported")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let challenged = bearer.is_some_and(BearerChallenge::is_dpop);
        if algs.contains(&crate::dpop::ALG) || (algs.is_empty() && challenged) {
            let why = if algs.is_empty() {
                "the server challenged with the DPoP scheme".to_owned()
            } else {
                format!("the authorization server accepts DPoP proofs signed with {algs:?}")
            };
            step.check(
                Verdict::Info,
                RULE,
                format!("{why}: tokens will be bound to this session's key (a P-256 key pair, ES256 proofs)"),
            );
            return true;
        }
        if !algs.is_empty() {
            step.check(
                Verdict::Warn,
                RULE,
                format!(
                    "DPoP offered with {algs:?} only; mcpscope signs proofs with ES256, so tokens stay Bearer"
                ),
            );
        }
        false
    }

    /// The first of `candidates` that answers with a JSON document of type `T`; each miss is
    /// noted in `step`. A transport failure stops the flow (it is not "try the next URL").
    async fn first_document<T: serde::de::DeserializeOwned>(
        &self,
        step: &mut Step,
        candidates: &[Url],
        protocol_version: &str,
        rule: &str,
        what: &str,
    ) -> Flow<Option<T>> {
        for url in candidates {
            let ex = self.get(step, url, Some(protocol_version)).await?;
            match parse_json::<T>(&ex) {
                Ok(doc) => {
                    step.check(Verdict::Pass, rule, format!("{what} found at {url}"));
                    return Ok(Some(doc));
                }
                Err(why) => {
                    step.check(Verdict::Info, rule, format!("{url}: {why}; trying the next location"))
                }
            }
        }
        Ok(None)
    }

    /// A captured GET; a transport failure stops the flow (it is not "try the next URL").
    async fn get(&self, step: &mut Step, url: &Url, protocol_version: Option<&str>) -> Flow<Exchange> {
        match self.http.get_json(url, protocol_version).await {
            Ok(ex) => {
                step.exchanges.push(ex.id);
                Ok(ex)
            }
            Err(e) => Err(self.fail(step.clone(), e.to_string(), None)),
        }
    }

    async fn post_form(
        &self,
        step: &mut Step,
        url: &Url,
        form: &[(&str, String)],
        basic: Option<(&str, &str)>,
        extra: &[(&str, String)],
    ) -> Flow<Exchange> {
        match self.http.post_form(url, form, basic, extra).await {
            Ok(ex) => {
                step.exchanges.push(ex.id);
                Ok(ex)
            }
            Err(e) => Err(self.fail(step.clone(), e.to_string(), None)),
        }
    }

    /// The client identity: pre-registered, else a client ID metadata document, else dynamic
    /// registration.
    async fn client(&self, st: &mut State, d: &Discovery) -> Flow<Client> {
        if let Some(c) = &st.client {
            return Ok(c.clone());
        }
        let mut step = Step::new(StepKind::Registration);
        let client = if let Some(c) = self.preregistered(&d.asm) {
            step.check(
                Verdict::Pass,
                R_REGISTRATION,
                format!("pre-registered client {:?}, authenticating with {}", c.id, c.method.name()),
            );
            c
        } else if let (Some(true), Some(url)) =
            (d.asm.client_id_metadata_document_supported, &self.opts.client_metadata_url)
        {
            step.check(
                Verdict::Pass,
                R_REGISTRATION,
                format!("the authorization server supports client ID metadata documents: client id {url:?}"),
            );
            Client { id: url.clone(), secret: None, method: AuthMethod::None, redirect_uri: None }
        } else if let Some(stored) = self.stored_client(&d.issuer) {
            step.check(
                Verdict::Pass,
                R_REGISTRATION,
                format!(
                    "reusing this server's earlier registration at {}: client {:?} ({})",
                    d.issuer,
                    stored.id,
                    stored.method.name()
                ),
            );
            stored
        } else if let Some(reg) = &d.registration_endpoint {
            let loopback =
                Loopback::bind().await.map_err(|e| self.fail(step.clone(), e.to_string(), None))?;
            let redirect_uri = loopback.redirect_uri.clone();
            drop(loopback);
            let method = choose_method(&d.asm, false, false);
            let wanted_method = if method == AuthMethod::None && !d.asm.supports_auth_method("none") {
                // A server that lists no "none" gets a confidential registration.
                if d.asm.supports_auth_method("client_secret_post")
                    && !d.asm.supports_auth_method("client_secret_basic")
                {
                    AuthMethod::Post
                } else {
                    AuthMethod::Basic
                }
            } else {
                method
            };
            let body = json!({
                "client_name": self.opts.client_name,
                "redirect_uris": [redirect_uri.as_str()],
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
                "token_endpoint_auth_method": wanted_method.name(),
                "application_type": "native",
            });
            let ex = match self.http.post_json(reg, &body).await {
                Ok(ex) => ex,
                Err(e) => return Err(self.fail(step, e.to_string(), None)),
            };
            step.exchanges.push(ex.id);
            if !ex.ok() {
                let why = oauth_error_text(&ex);
                return Err(self.fail(
                    step,
                    format!("dynamic client registration failed: {why}"),
                    Some("accept RFC 7591 registrations of native clients with loopback redirect URIs, or give mcpscope a pre-registered client id"),
                ));
            }
            let doc: Value = match serde_json::from_slice(&ex.body) {
                Ok(v) => v,
                Err(e) => {
                    return Err(self.fail(step, format!("the registration response is not JSON: {e}"), None));
                }
            };
            let Some(id) = doc.get("client_id").and_then(Value::as_str) else {
                return Err(self.fail(step, "the registration response has no client_id", None));
            };
            let secret = doc.get("client_secret").and_then(Value::as_str).map(str::to_owned);
            let method = doc
                .get("token_endpoint_auth_method")
                .and_then(Value::as_str)
                .and_then(AuthMethod::parse)
                .unwrap_or_else(|| choose_method(&d.asm, secret.is_some(), false));
            step.check(
                Verdict::Pass,
                R_DCR,
                format!(
                    "registered as {id:?} ({}, {})",
                    method.name(),
                    if secret.is_some() { "with a secret" } else { "public" }
                ),
            );
            let client = Client { id: id.to_owned(), secret, method, redirect_uri: Some(redirect_uri) };
            self.save_client(&d.issuer, &client);
            client
        } else {
            return Err(self.fail(
                step,
                "no way to obtain a client id: the authorization server offers neither dynamic registration nor client ID metadata documents",
                Some("enable dynamic client registration (registration_endpoint) or client ID metadata documents, or pass a pre-registered --client-id"),
            ));
        };
        self.finish(step);
        st.client = Some(client.clone());
        Ok(client)
    }

    async fn authorization_code(
        &self,
        d: &Discovery,
        client: &Client,
        scopes: &[String],
        scope_note: &str,
    ) -> Flow<Tokens> {
        let mut step = Step::new(StepKind::Authorization);
        let Some(authorization_endpoint) = d.authorization_endpoint.clone() else {
            return Err(self.fail(step, "no authorization endpoint", None));
        };
        // Bind the listener first: its port is part of the redirect URI.
        let loopback = match Loopback::bind().await {
            Ok(l) => l,
            Err(e) => return Err(self.fail(step, e.to_string(), None)),
        };
        let redirect_uri = match (&client.redirect_uri, &self.opts.redirect) {
            // A registered URI is used as registered in headless mode (nobody listens anyway);
            // the browser needs the listener's own port.
            (Some(r), Redirect::Headless) => r.clone(),
            _ => loopback.redirect_uri.clone(),
        };
        let (challenge, verifier) = oauth2::PkceCodeChallenge::new_random_sha256();
        let csrf = oauth2::CsrfToken::new_random();
        let mut url = authorization_endpoint.clone();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", &client.id)
                .append_pair("redirect_uri", redirect_uri.as_str())
                .append_pair("state", csrf.secret())
                .append_pair("code_challenge", challenge.as_str())
                .append_pair("code_challenge_method", "S256");
            if !scopes.is_empty() {
                q.append_pair("scope", &scopes.join(" "));
            }
            if let Some(r) = &d.resource {
                q.append_pair("resource", r);
            }
        }
        step.check(Verdict::Pass, R_PKCE, "PKCE with S256; a fresh verifier for this request");
        step.check(Verdict::Pass, R_STATE, "a fresh random state, checked on the way back");
        step.check(
            Verdict::Info,
            R_SCOPE,
            if scopes.is_empty() {
                scope_note.to_owned()
            } else {
                format!("scope {:?}: {scope_note}", scopes.join(" "))
            },
        );
        match &d.resource {
            Some(r) => step.check(
                Verdict::Pass,
                R_RESOURCE,
                format!("resource {r:?} in the authorization and token requests"),
            ),
            None => step.check(Verdict::Info, R_LEGACY, "no resource parameter under the 2025-03-26 rules"),
        }
        let callback = match &self.opts.redirect {
            Redirect::Headless => {
                drop(loopback);
                step.check(Verdict::Info, "", "headless: following the authorization URL without a browser");
                redirect::headless(&self.http, &url, &redirect_uri)
                    .await
                    .map(|url| redirect::Callback { url, refused: Vec::new() })
            }
            Redirect::Browser { timeout, open } => {
                step.check(
                    Verdict::Info,
                    "RFC 8252 §7.3",
                    format!(
                        "waiting on {} for the browser (one use, up to {} s)",
                        loopback.redirect_uri,
                        timeout.as_secs()
                    ),
                );
                let opened = if *open {
                    redirect::open_in_browser(&url).map_err(|e| e.to_string())
                } else {
                    Err("not asked to".to_owned())
                };
                if let Err(why) = opened {
                    // Not fatal: the user can open the URL by hand while the listener waits.
                    step.check(
                        Verdict::Info,
                        "",
                        format!("no browser opened ({why}): open the authorization URL by hand"),
                    );
                }
                if let Some(obs) = &self.observer {
                    let mut waiting = step.clone();
                    waiting.waiting = true;
                    waiting.url = Some(url.to_string());
                    obs(&waiting);
                }
                loopback.wait(*timeout, csrf.secret()).await
            }
        };
        let callback = match callback {
            Ok(c) => c,
            Err(e) => {
                return Err(self.fail(step, e.to_string(), None));
            }
        };
        self.finish(step);

        // The authorization response.
        let mut step = Step::new(StepKind::Callback);
        for refused in &callback.refused {
            step.check(
                Verdict::Warn,
                R_STATE,
                format!("a response with {refused} came to the redirect listener first and was ignored: forged, or left from an earlier attempt"),
            );
        }
        let callback = callback.url;
        let q: std::collections::HashMap<String, String> = callback.query_pairs().into_owned().collect();
        match q.get("state") {
            Some(s) if s == csrf.secret() => step.check(Verdict::Pass, R_STATE, "state matches the request"),
            Some(_) => {
                step.check(Verdict::Fail, R_STATE, "state does not match the one sent: the response may be forged (CSRF); the code is not redeemed");
                return Err(self.fail(step, "state mismatch in the authorization response: refused", None));
            }
            None => {
                step.check(
                    Verdict::Fail,
                    R_STATE,
                    "the response carries no state: refused (the code is not redeemed)",
                );
                return Err(self.fail(
                    step,
                    "the authorization response has no state",
                    Some("return the state parameter unchanged in the redirect"),
                ));
            }
        }
        let expected_iss = d.asm.issuer.clone().unwrap_or_else(|| d.issuer.clone());
        match (q.get("iss"), d.asm.authorization_response_iss_parameter_supported == Some(true)) {
            (Some(iss), _) if iss == &expected_iss => {
                step.check(Verdict::Pass, R_ISS, format!("iss {iss:?} is the issuer"))
            }
            (Some(iss), _) => {
                step.check(
                    Verdict::Fail,
                    R_ISS,
                    format!("iss {iss:?} is not the issuer {expected_iss:?}: possible mix-up attack"),
                );
                return Err(self.fail(
                    step,
                    "the authorization response came from another issuer: refused",
                    None,
                ));
            }
            (None, true) => {
                step.check(
                    Verdict::Fail,
                    R_ISS,
                    "the server advertises authorization_response_iss_parameter_supported but sent no iss",
                );
                return Err(self.fail(
                    step,
                    "the authorization response lacks the iss the server promised",
                    None,
                ));
            }
            (None, false) => {
                step.check(Verdict::Info, R_ISS, "no iss parameter (the server does not advertise RFC 9207)")
            }
        }
        if let Some(error) = q.get("error") {
            let desc = q.get("error_description").cloned().unwrap_or_default();
            return Err(self.fail(
                step,
                format!("the authorization server refused: {error} ({}) {desc}", explain_error(error)),
                None,
            ));
        }
        let Some(code) = q.get("code").cloned() else {
            return Err(self.fail(step, "the authorization response has neither code nor error", None));
        };
        step.check(Verdict::Pass, "OAuth 2.1 §4.1.2", "authorization code received");
        self.finish(step);

        // The token request.
        let mut step = Step::new(StepKind::Token);
        let mut form = vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code),
            ("redirect_uri", redirect_uri.to_string()),
            ("code_verifier", verifier.secret().clone()),
        ];
        if let Some(r) = &d.resource {
            form.push(("resource", r.clone()));
        }
        let ex = self.token_request(&mut step, d, client, form).await?;
        self.tokens_from(step, d, &ex, scopes)
    }

    /// Adds client authentication to `form` and POSTs it to the token endpoint.
    async fn token_request(
        &self,
        step: &mut Step,
        d: &Discovery,
        client: &Client,
        form: Vec<(&'static str, String)>,
    ) -> Flow<Exchange> {
        let endpoint = d.token_endpoint.clone();
        if !d.dpop {
            return self.client_post(step, d, &endpoint, client, form, None).await;
        }
        let key = self.dpop_key_or_new();
        let proof = key.proof("POST", endpoint.as_str(), None);
        step.check(
            Verdict::Info,
            "RFC 9449 §5",
            format!("DPoP proof for POST {endpoint}, key {}", key.thumbprint()),
        );
        let ex = self.client_post(step, d, &endpoint, client, form.clone(), Some(proof)).await?;
        // RFC 9449 §8: the authorization server may ask for a nonce first.
        let nonce = ex.header("dpop-nonce").map(str::to_owned);
        let asks_nonce = ex.status == 400
            && serde_json::from_slice::<Value>(&ex.body)
                .ok()
                .is_some_and(|v| v.get("error").and_then(Value::as_str) == Some("use_dpop_nonce"));
        match nonce {
            Some(n) if asks_nonce && key.nonce(endpoint.as_str()).as_deref() != Some(n.as_str()) => {
                key.set_nonce(endpoint.as_str(), &n);
                step.check(
                    Verdict::Info,
                    "RFC 9449 §8",
                    format!("the authorization server asks for DPoP nonce {n:?}: sending the request again with it"),
                );
                let proof = key.proof("POST", endpoint.as_str(), None);
                self.client_post(step, d, &endpoint, client, form, Some(proof)).await
            }
            _ => Ok(ex),
        }
    }

    /// Adds client authentication to `form` and POSTs it to `endpoint` (token, introspection).
    async fn client_post(
        &self,
        step: &mut Step,
        d: &Discovery,
        endpoint: &Url,
        client: &Client,
        mut form: Vec<(&'static str, String)>,
        dpop_proof: Option<String>,
    ) -> Flow<Exchange> {
        self.check_credential_binding(step, d, client)?;
        let mut basic = None;
        match client.method {
            AuthMethod::Basic => match &client.secret {
                Some(s) => basic = Some((client.id.as_str(), s.as_str())),
                None => form.push(("client_id", client.id.clone())),
            },
            AuthMethod::Post => {
                form.push(("client_id", client.id.clone()));
                if let Some(s) = &client.secret {
                    form.push(("client_secret", s.clone()));
                }
            }
            // A grant that needs no client (workload identity) names none.
            AuthMethod::None if client.id.is_empty() => {}
            AuthMethod::None => form.push(("client_id", client.id.clone())),
            AuthMethod::PrivateKeyJwt => {
                let assertion = match self.client_assertion(d, &client.id) {
                    Ok(a) => a,
                    Err(e) => return Err(self.fail(step.clone(), e, None)),
                };
                form.push(("client_id", client.id.clone()));
                form.push((
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
                ));
                form.push(("client_assertion", assertion));
            }
        }
        step.check(
            Verdict::Info,
            "RFC 6749 §2.3",
            format!("client authentication: {}", client.method.name()),
        );
        let extra: Vec<(&str, String)> = dpop_proof.into_iter().map(|p| ("dpop", p)).collect();
        self.post_form(step, endpoint, &form, basic, &extra).await
    }

    /// The client of a grant whose assertion says who is asking (JWT bearer): the user's client
    /// id with Basic credentials when a secret is given, else no client authentication.
    fn assertion_client(&self) -> Client {
        Client {
            id: self.opts.client_id.clone().unwrap_or_default(),
            secret: self.opts.client_secret.clone(),
            method: if self.opts.client_secret.is_some() { AuthMethod::Basic } else { AuthMethod::None },
            redirect_uri: None,
        }
    }

    /// A private_key_jwt assertion (RFC 7523 §3): iss = sub = client id, aud = the issuer.
    fn client_assertion(&self, d: &Discovery, client_id: &str) -> std::result::Result<String, String> {
        let key = self.opts.client_key.as_ref().ok_or("private_key_jwt needs a private key")?;
        let encoding = match key.algorithm {
            jsonwebtoken::Algorithm::ES256 | jsonwebtoken::Algorithm::ES384 => {
                jsonwebtoken::EncodingKey::from_ec_pem(key.pem.as_bytes())
            }
            jsonwebtoken::Algorithm::EdDSA => jsonwebtoken::EncodingKey::from_ed_pem(key.pem.as_bytes()),
            _ => jsonwebtoken::EncodingKey::from_rsa_pem(key.pem.as_bytes()),
        }
        .map_err(|e| format!("the client's private key is not usable: {e}"))?;
        let now = jwt::now();
        let aud = d.asm.issuer.clone().unwrap_or_else(|| d.issuer.clone());
        let claims = json!({
            "iss": client_id,
            "sub": client_id,
            "aud": aud,
            "iat": now,
            "exp": now + 300,
            "jti": oauth2::CsrfToken::new_random().secret(),
        });
        jsonwebtoken::encode(&jsonwebtoken::Header::new(key.algorithm), &claims, &encoding)
            .map_err(|e| format!("could not sign the client assertion: {e}"))
    }

    /// Reads a token response into tokens, or fails the step with the OAuth error explained.
    fn tokens_from(
        &self,
        mut step: Step,
        d: &Discovery,
        ex: &Exchange,
        requested: &[String],
    ) -> Flow<Tokens> {
        if !ex.ok() {
            let why = oauth_error_text(ex);
            return Err(self.fail(step, format!("the token request failed: {why}"), None));
        }
        let t: TokenResponse = match serde_json::from_slice(&ex.body) {
            Ok(t) => t,
            Err(e) => {
                return Err(self.fail(
                    step,
                    format!("the token response is not a JSON object with access_token: {e}"),
                    Some("answer the token request with RFC 6749 §5.1 JSON"),
                ));
            }
        };
        match t.token_type.as_deref() {
            Some(tt) if tt.eq_ignore_ascii_case("dpop") && d.dpop => {
                step.check(Verdict::Pass, "RFC 9449 §5", "token_type DPoP: bound to this session's key")
            }
            Some(tt) if tt.eq_ignore_ascii_case("bearer") && d.dpop => step.check(
                Verdict::Warn,
                "RFC 9449 §5",
                "asked for a DPoP-bound token with a proof, got a Bearer token: the server ignored the proof",
            ),
            Some(tt) if tt.eq_ignore_ascii_case("bearer") => {
                step.check(Verdict::Pass, R_TOKEN, "token_type Bearer")
            }
            Some(tt) => {
                step.check(Verdict::Warn, R_TOKEN, format!("token_type {tt:?}: MCP uses Bearer tokens"))
            }
            None => step.check(Verdict::Warn, R_TOKEN, "no token_type (required by RFC 6749 §5.1)"),
        }
        step.check(
            Verdict::Info,
            R_TOKEN,
            format!(
                "{} access token{}{}",
                if jwt::is_jwt(&t.access_token) { "JWT" } else { "opaque" },
                t.expires_in.map(|s| format!(", expires in {}", jwt::human(s))).unwrap_or_default(),
                if t.refresh_token.is_some() { ", with a refresh token" } else { ", no refresh token" }
            ),
        );
        if let Some(granted) = &t.scope {
            let g = split_scopes(Some(granted));
            // offline_access and openid shape what is issued (a refresh token, an ID token);
            // servers commonly leave them out of the granted scope.
            let missing: Vec<&String> = requested
                .iter()
                .filter(|r| !g.contains(r) && !matches!(r.as_str(), "offline_access" | "openid"))
                .collect();
            if !missing.is_empty() {
                step.check(
                    Verdict::Warn,
                    "RFC 6749 §3.3",
                    format!("granted scope {granted:?} lacks {missing:?}"),
                );
            }
        }
        self.finish(step);
        let now = jwt::now();
        Ok(Tokens {
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            id_token: t.id_token,
            expires_at: t.expires_in.map(|s| now.saturating_add(s)),
            scope: t.scope.or_else(|| (!requested.is_empty()).then(|| requested.join(" "))),
            issuer: d.asm.issuer.clone().or_else(|| Some(d.issuer.clone())),
            token_type: t.token_type,
            obtained_at: now,
            refreshed_after_refusal: false,
        })
    }

    async fn client_credentials(&self, d: &Discovery, scopes: &[String]) -> Flow<Tokens> {
        let mut step = Step::new(StepKind::ClientCredentials);
        let Some(id) = self.opts.client_id.clone() else {
            return Err(self.fail(
                step,
                "the client credentials grant needs a client id",
                Some("pass --client-id"),
            ));
        };
        let method = if self.opts.client_key.is_some() {
            AuthMethod::PrivateKeyJwt
        } else {
            choose_method(&d.asm, self.opts.client_secret.is_some(), false)
        };
        if !d.asm.grant_types_supported.as_ref().is_none_or(|g| g.iter().any(|x| x == "client_credentials")) {
            step.check(
                Verdict::Warn,
                "RFC 8414 §2",
                "grant_types_supported does not list client_credentials",
            );
        }
        let client = Client { id, secret: self.opts.client_secret.clone(), method, redirect_uri: None };
        let mut form = vec![("grant_type", "client_credentials".to_owned())];
        if !scopes.is_empty() {
            form.push(("scope", scopes.join(" ")));
        }
        if let Some(r) = &d.resource {
            form.push(("resource", r.clone()));
        }
        let ex = self.token_request(&mut step, d, &client, form).await?;
        self.tokens_from(step, d, &ex, scopes)
    }

    async fn cross_app(&self, d: &Discovery, x: &CrossApp, scopes: &[String]) -> Flow<Tokens> {
        let mut step = Step::new(StepKind::TokenExchange);
        let idp = match http_url("IdP token endpoint", &x.idp_token_endpoint) {
            Ok(u) => u,
            Err(e) => return Err(self.fail(step, e.to_string(), None)),
        };
        let audience = d.asm.issuer.clone().unwrap_or_else(|| d.issuer.clone());
        let resource = d.resource.clone().unwrap_or_else(|| urls::canonical_resource(&self.server));
        let mut form = vec![
            ("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange".to_owned()),
            ("subject_token", x.id_token.clone()),
            ("subject_token_type", "urn:ietf:params:oauth:token-type:id_token".to_owned()),
            ("requested_token_type", "urn:ietf:params:oauth:token-type:id-jag".to_owned()),
            ("audience", audience),
            ("resource", resource),
        ];
        if let Some(c) = &x.idp_client_id {
            form.push(("client_id", c.clone()));
        }
        if !scopes.is_empty() {
            form.push(("scope", scopes.join(" ")));
        }
        let ex = self.post_form(&mut step, &idp, &form, None, &[]).await?;
        if !ex.ok() {
            return Err(self.fail(
                step,
                format!("the IdP refused the token exchange: {}", oauth_error_text(&ex)),
                None,
            ));
        }
        let doc: Value = serde_json::from_slice(&ex.body).unwrap_or(Value::Null);
        let Some(jag) = doc.get("access_token").and_then(Value::as_str).map(str::to_owned) else {
            return Err(self.fail(
                step,
                "the token exchange response has no access_token (the ID-JAG)",
                None,
            ));
        };
        match doc.get("issued_token_type").and_then(Value::as_str) {
            Some("urn:ietf:params:oauth:token-type:id-jag") => {
                step.check(Verdict::Pass, "RFC 8693 §2.2.1", "issued an identity assertion grant (ID-JAG)")
            }
            other => step.check(
                Verdict::Warn,
                "RFC 8693 §2.2.1",
                format!("issued_token_type {other:?}, expected id-jag"),
            ),
        }
        self.finish(step);
        let mut step = Step::new(StepKind::Token);
        let client = self.assertion_client();
        let mut form = vec![
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer".to_owned()),
            ("assertion", jag),
        ];
        if !scopes.is_empty() {
            form.push(("scope", scopes.join(" ")));
        }
        let ex = self.token_request(&mut step, d, &client, form).await?;
        self.tokens_from(step, d, &ex, scopes)
    }

    /// The JWT bearer grant with the workload's own token as the assertion. A refused
    /// assertion is final: sending it again, or falling back to another grant, would not help
    /// and could look like an attack to the authorization server.
    async fn jwt_bearer(&self, d: &Discovery, w: &WorkloadToken, scopes: &[String]) -> Flow<Tokens> {
        let mut step = Step::new(StepKind::JwtBearer);
        let assertion = match w {
            WorkloadToken::Value(v) => v.trim().to_owned(),
            WorkloadToken::File(path) => {
                match std::fs::read_to_string(path) {
                    Ok(text) => text.trim().to_owned(),
                    Err(e) => {
                        return Err(self.fail(
                        step,
                        format!("could not read the workload token file {}: {e}", path.display()),
                        Some("point --workload-token-file at the token the platform mounts for this workload"),
                    ));
                    }
                }
            }
        };
        if !jwt::is_jwt(&assertion) {
            return Err(self.fail(
                step,
                "the workload token is not a JWT",
                Some("the jwt-bearer grant takes a signed JWT issued to this workload"),
            ));
        }
        let grant = "urn:ietf:params:oauth:grant-type:jwt-bearer";
        if !d.asm.grant_types_supported.as_ref().is_none_or(|g| g.iter().any(|x| x == grant)) {
            step.check(Verdict::Warn, "RFC 8414 §2", format!("grant_types_supported does not list {grant}"));
        }
        let claims =
            jsonwebtoken::dangerous::insecure_decode_claims::<Value>(&assertion).unwrap_or(Value::Null);
        let text = |k: &str| claims.get(k).map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
        step.check(
            Verdict::Info,
            "RFC 7523 §3",
            format!(
                "workload assertion: iss {:?}, sub {:?}, aud {:?}",
                text("iss").unwrap_or_default(),
                text("sub").unwrap_or_default(),
                text("aud").unwrap_or_default()
            ),
        );
        let issuer = d.asm.issuer.clone().unwrap_or_else(|| d.issuer.clone());
        let audiences: Vec<String> = match claims.get("aud") {
            Some(Value::String(a)) => vec![a.clone()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
            _ => Vec::new(),
        };
        if !audiences.iter().any(|a| a.trim_end_matches('/') == issuer.trim_end_matches('/')) {
            step.check(
                Verdict::Warn,
                "RFC 7523 §3",
                format!("the assertion's aud {audiences:?} does not name the authorization server {issuer:?}: it will likely be refused"),
            );
        }
        if let Some(exp) = claims.get("exp").and_then(Value::as_i64)
            && exp < jwt::now()
        {
            step.check(
                Verdict::Warn,
                "RFC 7523 §3",
                "the assertion has expired: the platform should have rotated it",
            );
        }
        let client = self.assertion_client();
        let mut form = vec![("grant_type", grant.to_owned()), ("assertion", assertion)];
        if !scopes.is_empty() {
            form.push(("scope", scopes.join(" ")));
        }
        if let Some(r) = &d.resource {
            form.push(("resource", r.clone()));
        }
        if client.id.is_empty() {
            step.check(
                Verdict::Info,
                "RFC 7523 §2.1",
                "no client authentication: the assertion identifies the workload",
            );
        }
        let ex = self.token_request(&mut step, d, &client, form).await?;
        self.tokens_from(step, d, &ex, scopes)
    }

    async fn refresh(&self, st: &mut State, why: &str) -> Flow<()> {
        let mut step = Step::new(StepKind::Refresh);
        let Some(tokens) = st.tokens.clone() else { return Err(Stop("no tokens to refresh".to_owned())) };
        let Some(refresh_token) = tokens.refresh_token.clone() else {
            return Err(Stop("no refresh token".to_owned()));
        };
        step.check(Verdict::Info, "OAuth 2.1 §4.3", why);
        let d = match st.discovery.clone() {
            Some(d) => d,
            None => {
                // Tokens loaded from the keyring: discover again (no challenge at hand).
                let d = self.discover(None, mcpscope_proto::DEFAULT_PROTOCOL_VERSION).await?;
                st.discovery = Some(d.clone());
                d
            }
        };
        // A refresh token (and the client's secret) goes back only to the issuer that issued
        // it: tokens loaded after a restart are refreshed against whatever the resource names
        // now, which may be another authorization server.
        let issuer_now = d.asm.issuer.clone().unwrap_or_else(|| d.issuer.clone());
        let same_issuer = |i: &str| i.trim_end_matches('/') == issuer_now.trim_end_matches('/');
        if !tokens.issuer.as_deref().is_some_and(same_issuer) {
            step.check(
                Verdict::Fail,
                R_REFRESH_BINDING,
                format!(
                    "the refresh token was issued by {}; the resource now names {issuer_now:?}: it is not sent there",
                    tokens.issuer.as_deref().map_or("an unknown issuer".to_owned(), |i| format!("{i:?}"))
                ),
            );
            st.tokens = None;
            let _ = self.store.delete(&self.token_key());
            return Err(self.fail(
                step,
                "the stored refresh token belongs to another authorization server: authorize again",
                Some("authorize again; the old tokens were forgotten"),
            ));
        }
        let client = match st
            .client
            .clone()
            .or_else(|| self.preregistered(&d.asm))
            .or_else(|| self.stored_client(&d.issuer))
        {
            Some(c) => c,
            None => {
                return Err(self.fail(
                    step,
                    "no client id to refresh with (the registration was not kept)",
                    None,
                ));
            }
        };
        let mut form =
            vec![("grant_type", "refresh_token".to_owned()), ("refresh_token", refresh_token.clone())];
        if let Some(r) = &d.resource {
            form.push(("resource", r.clone()));
        }
        let ex = self.token_request(&mut step, &d, &client, form).await?;
        let mut new = self.tokens_from(step, &d, &ex, &split_scopes(tokens.scope.as_deref()))?;
        if new.refresh_token.is_none() {
            // No rotation: the old refresh token stays valid.
            new.refresh_token = Some(refresh_token);
        }
        self.save(&new);
        st.tokens = Some(new);
        Ok(())
    }

    /// Refreshes now, whatever the expiry (the GUI's "refresh" action and tests).
    pub async fn refresh_now(&self) -> std::result::Result<(), String> {
        let mut st = self.state.lock().await;
        self.load(&mut st);
        self.refresh(&mut st, "refresh requested").await.map_err(|Stop(why)| why)
    }
}

fn describe_challenge(step: &mut Step, bearer: Option<&BearerChallenge>, ch: &Challenge) {
    const RULE: &str = "RFC 6750 §3, RFC 9728 §5.1";
    match bearer {
        None => step.check(
            Verdict::Warn,
            RULE,
            format!("HTTP {} without a Bearer WWW-Authenticate challenge: discovery falls back to well-known URLs", ch.status),
        ),
        Some(b) => {
            match &b.resource_metadata {
                Some(u) => step.check(Verdict::Pass, RULE, format!("resource_metadata {u}")),
                None if ch.protocol_version.as_str() == "2025-06-18" => step.check(
                    Verdict::Warn,
                    RULE,
                    "no resource_metadata in the challenge (required in 2025-06-18): trying well-known URLs",
                ),
                None => step.check(Verdict::Info, RULE, "no resource_metadata in the challenge: trying well-known URLs"),
            }
            if let Some(s) = &b.scope {
                step.check(Verdict::Info, R_SCOPE, format!("scope {s:?} requested by the server"));
            }
            if let Some(e) = &b.error {
                let desc = b.error_description.clone().unwrap_or_default();
                step.check(Verdict::Info, "RFC 6750 §3.1", format!("error {e:?}: {} {desc}", explain_error(e)));
            }
        }
    }
}

/// Token endpoint authentication: what the server supports, given what the client has.
fn choose_method(asm: &ServerMetadata, has_secret: bool, has_key: bool) -> AuthMethod {
    if has_key {
        return AuthMethod::PrivateKeyJwt;
    }
    if !has_secret {
        return AuthMethod::None;
    }
    match &asm.token_endpoint_auth_methods_supported {
        // RFC 8414 §2: absent means client_secret_basic.
        None => AuthMethod::Basic,
        Some(_) if asm.supports_auth_method("client_secret_basic") => AuthMethod::Basic,
        Some(_) if asm.supports_auth_method("client_secret_post") => AuthMethod::Post,
        Some(_) => AuthMethod::Basic,
    }
}

fn parse_json<T: serde::de::DeserializeOwned>(ex: &Exchange) -> std::result::Result<T, String> {
    if !ex.ok() {
        return Err(format!("HTTP {}", ex.status));
    }
    serde_json::from_slice(&ex.body)
        .map_err(|e| format!("HTTP {} but not a JSON metadata document ({e})", ex.status))
}

/// `invalid_grant (the code … does not match): description` or the HTTP status and body.
fn oauth_error_text(ex: &Exchange) -> String {
    match serde_json::from_slice::<ErrorResponse>(&ex.body) {
        Ok(e) => format!(
            "HTTP {}, {} — {}{}",
            ex.status,
            e.error,
            explain_error(&e.error),
            e.error_description.map(|d| format!(" ({d})")).unwrap_or_default()
        ),
        Err(_) => {
            let body: String = ex.text().chars().take(200).collect();
            format!("HTTP {}: {body}", ex.status)
        }
    }
}

impl Authorizer for OAuth {
    fn credentials<'a>(&'a self, method: &'a str, url: &'a str) -> BoxFuture<'a, Vec<(String, String)>> {
        Box::pin(self.credentials_for(method, url))
    }

    fn challenged(&self, challenge: Challenge) -> BoxFuture<'_, WireVerdict> {
        Box::pin(self.on_challenge(challenge))
    }
}
