//! What the authorization engine reports: the steps of an OAuth flow with the checks each one
//! made, and the verdicts on a token. The GUI's debugger and `mcpscope token` render these.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How a check came out. Ordered from best to worst, so the worst of a list is its `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Informational: what was found, nothing to judge.
    Info,
    Pass,
    Warn,
    Fail,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Info => "info",
            Verdict::Pass => "pass",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
        }
    }
}

/// One thing the engine checked, with the rule it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub verdict: Verdict,
    /// Where the rule comes from: `RFC 9728 §3.3`, `MCP 2025-11-25 authorization`, ….
    pub rule: String,
    pub message: String,
}

impl Check {
    pub fn new(verdict: Verdict, rule: impl Into<String>, message: impl Into<String>) -> Check {
        Check { verdict, rule: rule.into(), message: message.into() }
    }
}

/// The steps of the flow, in the order they happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// The MCP request that came back 401 (or 403 insufficient_scope).
    Challenge,
    ResourceMetadata,
    ServerMetadata,
    Registration,
    Authorization,
    Callback,
    Token,
    Refresh,
    /// A token exchange at an identity provider (cross-app access).
    TokenExchange,
    ClientCredentials,
    /// Workload identity: the platform's JWT exchanged for an access token (RFC 7523).
    JwtBearer,
    /// The MCP request retried with the token.
    AuthenticatedRequest,
}

impl StepKind {
    pub fn title(self) -> &'static str {
        match self {
            StepKind::Challenge => "Unauthenticated request and challenge",
            StepKind::ResourceMetadata => "Protected resource metadata",
            StepKind::ServerMetadata => "Authorization server metadata",
            StepKind::Registration => "Client registration",
            StepKind::Authorization => "Authorization request",
            StepKind::Callback => "Authorization response (callback)",
            StepKind::Token => "Token request",
            StepKind::Refresh => "Token refresh",
            StepKind::TokenExchange => "Token exchange",
            StepKind::ClientCredentials => "Client credentials grant",
            StepKind::JwtBearer => "Workload identity (JWT bearer grant)",
            StepKind::AuthenticatedRequest => "Authenticated request",
        }
    }
}

/// One step of a flow as it happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub kind: StepKind,
    /// Capture exchange ids of the HTTP exchanges this step made (their records carry them).
    pub exchanges: Vec<u64>,
    pub checks: Vec<Check>,
    /// What to change on the server when the step failed.
    pub fix: Option<String>,
    /// The step is under way and waits for the user (the authorization request waits for the
    /// browser); the finished step replaces it.
    #[serde(default)]
    pub waiting: bool,
    /// A link for the user: the authorization URL, to open by hand when no browser came up.
    #[serde(default)]
    pub url: Option<String>,
}

impl Step {
    pub fn new(kind: StepKind) -> Step {
        Step { kind, exchanges: Vec::new(), checks: Vec::new(), fix: None, waiting: false, url: None }
    }

    /// The worst verdict of its checks (`Info` when it has none).
    pub fn verdict(&self) -> Verdict {
        self.checks.iter().map(|c| c.verdict).max().unwrap_or(Verdict::Info)
    }

    pub fn check(&mut self, verdict: Verdict, rule: &str, message: impl Into<String>) {
        self.checks.push(Check::new(verdict, rule, message));
    }
}

/// A token as the inspector sees it: decoded when it is a JWT, with every check's verdict.
/// Never carries the token itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenReport {
    /// `access_token` or `id_token`.
    pub role: String,
    /// `false`: the token is opaque (not a JWT); only the token response describes it.
    pub jwt: bool,
    pub header: Option<Value>,
    pub claims: Option<Value>,
    /// Seconds since the epoch, from `exp` or the token response's `expires_in`.
    pub expires_at: Option<i64>,
    pub scopes: Vec<String>,
    pub checks: Vec<Check>,
}

impl TokenReport {
    pub fn verdict(&self) -> Verdict {
        self.checks.iter().map(|c| c.verdict).max().unwrap_or(Verdict::Info)
    }
}
