//! The OAuth client as a [`mcpscope_wire::Authorizer`]: on a 401 or 403 it discovers, registers,
//! authorizes and fetches a token, recording each step with the checks it made and the rule
//! behind each, so a failed flow says what to fix on the server.
//!
//! This module holds the flow's state, its step recording and what happens on a challenge;
//! `options` is what the client is told, `discover`, `register` and `grants` the flow's
//! stages (each an `impl OAuth` block over the state here), `inspect` the token inspector.

mod discover;
mod grants;
mod inspect;
mod options;
mod register;

pub use options::{ClientKey, CrossApp, Grant, OAuthOptions, Redirect, WorkloadToken};

use discover::describe_challenge;
use register::choose_method;

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
