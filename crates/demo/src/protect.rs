//! The demo server as an OAuth-protected resource (MCP 2025-06-18 and later): it publishes
//! protected resource metadata, answers requests without a valid token with 401 and a
//! `WWW-Authenticate` challenge, and accepts only JWT access tokens signed by its
//! authorization server, issued by it, and meant for this server (audience).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation, errors::ErrorKind};
use serde_json::{Value, json};

/// Where the protected resource metadata is served (path-specific well-known URL of `/mcp`).
pub const PRM_PATH: &str = "/.well-known/oauth-protected-resource/mcp";

/// Who may call the protected demo server.
#[derive(Debug, Clone)]
pub struct Protection {
    /// The authorization server's issuer (listed in the resource metadata; tokens must carry it).
    pub issuer: String,
    /// The issuer's signing keys.
    pub jwks: JwkSet,
    /// Advertised in the resource metadata.
    pub scopes_supported: Vec<String>,
    /// A scope every request needs; without it the answer is 403 insufficient_scope.
    pub required_scope: Option<String>,
}

pub(crate) struct Guard {
    pub protection: Protection,
    /// This server's canonical URI: the audience tokens must name.
    pub resource: String,
    pub metadata_url: String,
}

impl Guard {
    pub(crate) fn metadata(&self) -> Value {
        json!({
            "resource": self.resource,
            "authorization_servers": [self.protection.issuer],
            "scopes_supported": self.protection.scopes_supported,
            "bearer_methods_supported": ["header"],
        })
    }

    fn challenge(&self, status: StatusCode, error: Option<(&str, String)>) -> Response {
        let mut value = String::from("Bearer ");
        let mut body = json!({});
        if let Some((code, description)) = &error {
            value.push_str(&format!(
                "error=\"{code}\", error_description=\"{}\", ",
                description.replace('"', "'")
            ));
            body = json!({"error": code, "error_description": description});
        }
        if let Some(scope) = &self.protection.required_scope {
            value.push_str(&format!("scope=\"{scope}\", "));
        }
        value.push_str(&format!("resource_metadata=\"{}\"", self.metadata_url));
        let mut resp = (status, axum::Json(body)).into_response();
        if let Ok(v) = HeaderValue::from_str(&value) {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        resp
    }

    /// `Ok(scopes)` for a token this server accepts, else why not, in words.
    fn verify(&self, token: &str) -> Result<Vec<String>, String> {
        let head = jsonwebtoken::decode_header(token)
            .map_err(|_| "the token is not a JWT this server can read".to_owned())?;
        let jwk = head
            .kid
            .as_deref()
            .and_then(|kid| self.protection.jwks.find(kid))
            .ok_or_else(|| format!("the token was not signed by a key of {}", self.protection.issuer))?;
        let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("unusable issuer key: {e}"))?;
        let mut v = Validation::new(head.alg);
        v.set_audience(&[&self.resource]);
        v.set_issuer(&[&self.protection.issuer]);
        v.leeway = 5;
        let data = jsonwebtoken::decode::<Value>(token, &key, &v).map_err(|e| match e.kind() {
            ErrorKind::InvalidAudience => {
                format!("the token's audience is not this server ({})", self.resource)
            }
            ErrorKind::InvalidIssuer => format!("the token was not issued by {}", self.protection.issuer),
            ErrorKind::ExpiredSignature => "the token has expired".to_owned(),
            ErrorKind::InvalidSignature => {
                "the token's signature does not verify against the issuer's keys".to_owned()
            }
            ErrorKind::ImmatureSignature => "the token is not valid yet (nbf)".to_owned(),
            ErrorKind::MissingRequiredClaim(c) => format!("the token lacks the {c} claim"),
            _ => format!("the token is invalid: {e}"),
        })?;
        let scopes = match data.claims.get("scope") {
            Some(Value::String(s)) => s.split_ascii_whitespace().map(str::to_owned).collect(),
            _ => Vec::new(),
        };
        Ok(scopes)
    }
}

pub(crate) async fn metadata(State(guard): State<Arc<Guard>>) -> Response {
    axum::Json(guard.metadata()).into_response()
}

pub(crate) async fn guard(State(guard): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    let auth = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let Some(auth) = auth else {
        return guard.challenge(
            StatusCode::UNAUTHORIZED,
            Some(("invalid_token", "no access token: authorize first".to_owned())),
        );
    };
    let Some(token) = auth.strip_prefix("Bearer ").or_else(|| auth.strip_prefix("bearer ")) else {
        return guard.challenge(
            StatusCode::UNAUTHORIZED,
            Some(("invalid_request", "expected Authorization: Bearer <token>".to_owned())),
        );
    };
    match guard.verify(token.trim()) {
        Ok(scopes) => {
            if let Some(required) = &guard.protection.required_scope
                && !scopes.iter().any(|s| s == required)
            {
                return guard.challenge(
                    StatusCode::FORBIDDEN,
                    Some(("insufficient_scope", format!("this server needs the scope {required}"))),
                );
            }
            next.run(req).await
        }
        Err(why) => {
            tracing::info!(%why, "refused a token");
            guard.challenge(StatusCode::UNAUTHORIZED, Some(("invalid_token", why)))
        }
    }
}
