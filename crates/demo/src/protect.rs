//! The demo server as an OAuth-protected resource (MCP 2025-06-18 and later): it publishes
//! protected resource metadata, answers requests without a valid token with 401 and a
//! `WWW-Authenticate` challenge, and accepts only JWT access tokens signed by its
//! authorization server, issued by it, and meant for this server (audience). A token bound to
//! a key (`cnf.jkt`, RFC 9449) is accepted only under the DPoP scheme, with a proof for this
//! very request signed by that key.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::jwk::ThumbprintHash;
use jsonwebtoken::{DecodingKey, Validation, errors::ErrorKind};
use serde_json::{Value, json};
use sha2::Digest as _;

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

    /// `Ok((scopes, cnf.jkt))` for a token this server accepts, else why not, in words.
    fn verify(&self, token: &str) -> Result<(Vec<String>, Option<String>), String> {
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
        let jkt = data.claims.pointer("/cnf/jkt").and_then(Value::as_str).map(str::to_owned);
        Ok((scopes, jkt))
    }

    /// Checks a DPoP proof sent with `method` to this server alongside `token` (RFC 9449
    /// §4.3); `Ok` with the thumbprint of the key that signed it.
    fn verify_proof(&self, proof: &str, method: &str, token: &str) -> Result<String, String> {
        let head =
            jsonwebtoken::decode_header(proof).map_err(|_| "the DPoP proof is not a JWT".to_owned())?;
        if head.typ.as_deref() != Some("dpop+jwt") {
            return Err("the DPoP proof's typ is not dpop+jwt".to_owned());
        }
        let jwk = head.jwk.as_ref().ok_or("the DPoP proof carries no jwk")?;
        let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("the DPoP proof's jwk is unusable: {e}"))?;
        let mut v = Validation::new(head.alg);
        v.required_spec_claims.clear();
        v.validate_exp = false;
        v.validate_aud = false;
        let claims = jsonwebtoken::decode::<Value>(proof, &key, &v)
            .map_err(|e| format!("the DPoP proof does not verify: {e}"))?
            .claims;
        let text = |k: &str| claims.get(k).and_then(Value::as_str).unwrap_or("");
        if text("htm") != method {
            return Err(format!("the DPoP proof's htm {:?} is not {method}", text("htm")));
        }
        if text("htu") != self.resource {
            return Err(format!("the DPoP proof's htu {:?} is not {}", text("htu"), self.resource));
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let iat = claims.get("iat").and_then(Value::as_i64).unwrap_or(0);
        if now.saturating_sub(iat).saturating_abs() > 300 {
            return Err(format!("the DPoP proof's iat {iat} is more than 5 minutes from now"));
        }
        let ath =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(token.as_bytes()));
        if text("ath") != ath {
            return Err("the DPoP proof's ath is not the hash of the access token".to_owned());
        }
        jwk.thumbprint(ThumbprintHash::SHA256).map_err(|e| format!("no thumbprint for the proof's key: {e}"))
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
    let (scheme, token) = auth.split_once(' ').unwrap_or((auth.as_str(), ""));
    let token = token.trim();
    let proven = match scheme.to_ascii_lowercase().as_str() {
        "bearer" => None,
        "dpop" => {
            let proofs: Vec<&str> =
                req.headers().get_all("dpop").iter().filter_map(|v| v.to_str().ok()).collect();
            let [proof] = proofs.as_slice() else {
                return guard.challenge(
                    StatusCode::UNAUTHORIZED,
                    Some((
                        "invalid_dpop_proof",
                        "the DPoP scheme needs exactly one DPoP proof header".to_owned(),
                    )),
                );
            };
            match guard.verify_proof(proof, req.method().as_str(), token) {
                Ok(jkt) => Some(jkt),
                Err(why) => {
                    return guard.challenge(StatusCode::UNAUTHORIZED, Some(("invalid_dpop_proof", why)));
                }
            }
        }
        _ => {
            return guard.challenge(
                StatusCode::UNAUTHORIZED,
                Some((
                    "invalid_request",
                    "expected Authorization: Bearer <token> or DPoP <token>".to_owned(),
                )),
            );
        }
    };
    match guard.verify(token).and_then(|(scopes, bound)| match (bound, proven) {
        (None, _) => Ok(scopes),
        (Some(jkt), Some(key)) if jkt == key => Ok(scopes),
        (Some(_), Some(_)) => {
            Err("the DPoP proof was not signed by the key the token is bound to".to_owned())
        }
        (Some(_), None) => Err("a DPoP-bound token must come under the DPoP scheme with a proof".to_owned()),
    }) {
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
