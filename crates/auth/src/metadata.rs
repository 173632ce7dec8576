//! The metadata documents of discovery, read leniently: every known field is optional and
//! unknown ones are kept, so the debugger can show the document as sent.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// OAuth 2.0 Protected Resource Metadata (RFC 9728 §2).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourceMetadata {
    #[serde(default)]
    pub resource: Option<String>,
    #[serde(default)]
    pub authorization_servers: Vec<String>,
    #[serde(default)]
    pub scopes_supported: Option<Vec<String>>,
    #[serde(default)]
    pub bearer_methods_supported: Option<Vec<String>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// OAuth 2.0 Authorization Server Metadata (RFC 8414 §2) or an OpenID provider configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerMetadata {
    #[serde(default)]
    pub issuer: Option<String>,
    #[serde(default)]
    pub authorization_endpoint: Option<String>,
    #[serde(default)]
    pub token_endpoint: Option<String>,
    #[serde(default)]
    pub registration_endpoint: Option<String>,
    #[serde(default)]
    pub jwks_uri: Option<String>,
    #[serde(default)]
    pub introspection_endpoint: Option<String>,
    #[serde(default)]
    pub scopes_supported: Option<Vec<String>>,
    #[serde(default)]
    pub response_types_supported: Option<Vec<String>>,
    #[serde(default)]
    pub grant_types_supported: Option<Vec<String>>,
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    #[serde(default)]
    pub code_challenge_methods_supported: Option<Vec<String>>,
    #[serde(default)]
    pub client_id_metadata_document_supported: Option<bool>,
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ServerMetadata {
    pub fn supports_auth_method(&self, method: &str) -> bool {
        self.token_endpoint_auth_methods_supported.as_ref().is_some_and(|m| m.iter().any(|x| x == method))
    }

    pub fn supports_scope(&self, scope: &str) -> bool {
        self.scopes_supported.as_ref().is_some_and(|m| m.iter().any(|x| x == scope))
    }
}

/// A successful token endpoint response (RFC 6749 §5.1), kept whole for the inspector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    #[serde(default)]
    pub token_type: Option<String>,
    #[serde(default)]
    pub expires_in: Option<i64>,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub id_token: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An OAuth error response (RFC 6749 §5.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorResponse {
    pub error: String,
    #[serde(default)]
    pub error_description: Option<String>,
    #[serde(default)]
    pub error_uri: Option<String>,
}

/// Plain words for the OAuth and bearer-token error codes (RFC 6749 §4.1.2.1 and §5.2,
/// RFC 6750 §3.1, RFC 7591 §3.2.2, RFC 8707 §2).
pub fn explain_error(code: &str) -> &'static str {
    match code {
        "invalid_request" => "the request is missing a parameter, repeats one, or is otherwise malformed",
        "invalid_client" => {
            "the authorization server could not authenticate the client (unknown client id, wrong secret, or an authentication method it does not accept)"
        }
        "invalid_grant" => {
            "the code or refresh token is invalid, expired, revoked, was issued to another client, or its redirect URI or PKCE verifier does not match"
        }
        "unauthorized_client" => "this client is not allowed to use this grant type",
        "unsupported_grant_type" => "the authorization server does not support this grant type",
        "invalid_scope" => "a requested scope is unknown, malformed, or more than the client may have",
        "access_denied" => "the user or the authorization server refused the request",
        "unsupported_response_type" => {
            "the authorization server does not issue codes with this response type"
        }
        "server_error" => "the authorization server hit an unexpected error",
        "temporarily_unavailable" => {
            "the authorization server is overloaded or down for maintenance; try later"
        }
        "invalid_token" => "the access token is expired, revoked, malformed, or not meant for this server",
        "insufficient_scope" => {
            "the token lacks a scope this request needs; re-authorize with the scopes in the challenge"
        }
        "invalid_redirect_uri" => "the authorization server refused the redirect URI given at registration",
        "invalid_client_metadata" => "the authorization server refused a field of the registration request",
        "invalid_target" => {
            "the authorization server refused the resource (RFC 8707) the client asked a token for"
        }
        _ => "an error code outside the OAuth registry; see the error description",
    }
}
