//! Every HTTP exchange the authorization engine makes, captured like wire traffic: the
//! request before it is sent, the response with its body. Secrets inside bodies (client
//! secrets, PKCE verifiers, tokens, codes) are redacted in the captured copy; the engine works
//! on the real bytes.

use std::sync::Arc;
use std::time::Instant;

use mcpscope_proto::{Body, Direction, Flag, FlagCode, Header, RecordKind};
use mcpscope_wire::{Capture, redact_header};
use reqwest::header::HeaderMap;
use url::Url;

use crate::{AuthError, Result};

/// Form and JSON members whose values are credentials.
const SECRET_FIELDS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "code_verifier",
    "client_assertion",
    "assertion",
    "subject_token",
    "actor_token",
    "registration_access_token",
    "password",
    "code",
];

/// A finished exchange: what the engine needs to go on.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub id: u64,
    pub url: Url,
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Exchange {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// The HTTP client of the authorization engine. Redirects are never followed implicitly.
#[derive(Clone)]
pub struct Http {
    pub client: reqwest::Client,
    pub capture: Arc<Capture>,
}

impl Http {
    pub fn new(capture: Arc<Capture>) -> Result<Http> {
        let client = mcpscope_wire::tls::client_builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| AuthError::Http { url: String::new(), reason: e.to_string() })?;
        Ok(Http { client, capture })
    }

    /// Sends `req` and captures both sides. A transport failure is captured and returned.
    pub async fn send(&self, req: reqwest::Request) -> Result<Exchange> {
        let exchange = self.capture.new_exchange();
        let url = req.url().clone();
        let payload: Option<Vec<u8>> = req.body().and_then(|b| b.as_bytes()).map(<[u8]>::to_vec);
        self.capture.record(
            Direction::Out,
            exchange,
            RecordKind::HttpRequest {
                method: req.method().to_string(),
                url: redact_url(&url),
                headers: headers_of(req.headers()),
                body: payload.as_deref().map(redacted_body),
            },
            None,
            Vec::new(),
        );
        let started = Instant::now();
        let mut response = match self.client.execute(req).await {
            Ok(r) => r,
            Err(e) => {
                let message = format!("{e}");
                self.capture.record(
                    Direction::Local,
                    exchange,
                    RecordKind::TransportError { message: message.clone() },
                    None,
                    vec![Flag::new(FlagCode::TransportError, message.clone())],
                );
                return Err(AuthError::Http { url: url.to_string(), reason: message });
            }
        };
        let latency_us = started.elapsed().as_micros() as u64;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        // An authorization server's or resource's answer (metadata, JWKS, tokens) is a few kB;
        // a hostile one must not fill memory: read up to the capture's `auth_body_bytes`.
        let max = self.capture.limits().auth_body_bytes;
        let limited = mcpscope_wire::read_limited(&mut response, mcpscope_proto::Limits::usize(max)).await;
        let body = limited.bytes.to_vec();
        let mut flags = Vec::new();
        if let Some(e) = limited.error {
            flags.push(Flag::new(FlagCode::StreamBroken, format!("body broke off: {e}")));
        }
        let too_large = limited.cut.then(|| {
            format!(
                "the response is larger than mcpscope's limit of {} for authorization documents; the rest was not read (raise it with --max-auth-body or in Settings)",
                mcpscope_proto::limits::format_size(max)
            )
        });
        if let Some(why) = &too_large {
            flags.push(Flag::new(FlagCode::TooLarge, why.clone()));
        }
        if status >= 400 {
            let ex = mcpscope_proto::explain::http_status(status);
            flags.push(Flag::new(FlagCode::HttpError, format!("HTTP {status} {}", ex.name)));
        }
        self.capture.record(
            Direction::In,
            exchange,
            RecordKind::HttpResponse {
                status,
                headers: headers_of(&headers),
                body: Some(redacted_body(&body)),
                latency_us,
            },
            None,
            flags,
        );
        if let Some(reason) = too_large {
            return Err(AuthError::Http { url: url.to_string(), reason });
        }
        Ok(Exchange { id: exchange, url, status, headers, body })
    }

    pub async fn get_json(&self, url: &Url, protocol_version: Option<&str>) -> Result<Exchange> {
        let mut rb = self.client.get(url.clone()).header("accept", "application/json");
        if let Some(v) = protocol_version {
            rb = rb.header("mcp-protocol-version", v);
        }
        let req = rb.build().map_err(|e| AuthError::Http { url: url.to_string(), reason: e.to_string() })?;
        self.send(req).await
    }

    /// POSTs a form (`application/x-www-form-urlencoded`), with optional Basic credentials and
    /// `extra` headers (a DPoP proof).
    pub async fn post_form(
        &self,
        url: &Url,
        form: &[(&str, String)],
        basic: Option<(&str, &str)>,
        extra: &[(&str, String)],
    ) -> Result<Exchange> {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form.iter()).finish();
        let mut rb = self
            .client
            .post(url.clone())
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(body);
        if let Some((id, secret)) = basic {
            // RFC 6749 §2.3.1: both parts form-urlencoded before Base64.
            let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            rb = rb.basic_auth(enc(id), Some(enc(secret)));
        }
        for (name, value) in extra {
            rb = rb.header(*name, value);
        }
        let req = rb.build().map_err(|e| AuthError::Http { url: url.to_string(), reason: e.to_string() })?;
        self.send(req).await
    }

    pub async fn post_json(&self, url: &Url, json: &serde_json::Value) -> Result<Exchange> {
        let req = self
            .client
            .post(url.clone())
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .body(json.to_string())
            .build()
            .map_err(|e| AuthError::Http { url: url.to_string(), reason: e.to_string() })?;
        self.send(req).await
    }
}

fn headers_of(h: &HeaderMap) -> Vec<Header> {
    h.iter()
        .map(|(n, v)| {
            let value = v.to_str().unwrap_or("‹non-ASCII›");
            let value = if n.as_str() == "location" {
                Url::parse(value).map(|u| redact_url(&u)).unwrap_or_else(|_| value.to_owned())
            } else {
                redact_header(n.as_str(), value)
            };
            Header::new(n.as_str(), value)
        })
        .collect()
}

fn mask(v: &str) -> String {
    format!("‹redacted {} chars›", v.len())
}

/// The URL with secret query parameters (a redirect's `code`, say) masked.
pub fn redact_url(url: &Url) -> String {
    if url.query().is_none() {
        return url.to_string();
    }
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if SECRET_FIELDS.contains(&k.as_ref()) { mask(&v) } else { v.into_owned() };
            (k.into_owned(), v)
        })
        .collect();
    let mut u = url.clone();
    u.query_pairs_mut().clear().extend_pairs(pairs);
    u.to_string()
}

/// A captured copy of a body with credential members masked: JSON objects (any depth) and
/// form bodies; anything else is kept as is.
pub fn redacted_body(bytes: &[u8]) -> Body {
    let text = String::from_utf8_lossy(bytes);
    if let Ok(mut v) = serde_json::from_str::<serde_json::Value>(&text) {
        if mask_json(&mut v) {
            return Body::from_bytes(v.to_string().as_bytes());
        }
        return Body::from_bytes(bytes);
    }
    if text.contains('=') && !text.contains(' ') && !text.contains('\n') {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(text.as_bytes())
            .map(|(k, v)| {
                let v = if SECRET_FIELDS.contains(&k.as_ref()) { mask(&v) } else { v.into_owned() };
                (k.into_owned(), v)
            })
            .collect();
        let masked = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
        return Body::from_bytes(masked.as_bytes());
    }
    Body::from_bytes(bytes)
}

fn mask_json(v: &mut serde_json::Value) -> bool {
    let mut changed = false;
    match v {
        serde_json::Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                if SECRET_FIELDS.contains(&k.as_str())
                    && let Some(s) = val.as_str()
                {
                    *val = serde_json::Value::String(mask(s));
                    changed = true;
                } else {
                    changed |= mask_json(val);
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                changed |= mask_json(item);
            }
        }
        _ => {}
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_responses_and_forms_are_masked() {
        let b =
            redacted_body(br#"{"access_token":"abc.def.ghi","token_type":"Bearer","refresh_token":"r1"}"#);
        assert!(!b.text.contains("abc.def.ghi") && !b.text.contains("r1\""), "{}", b.text);
        assert!(b.text.contains("Bearer"));
        let f = redacted_body(b"grant_type=authorization_code&code=xyz123&code_verifier=vvvv&client_id=me");
        assert!(!f.text.contains("xyz123") && !f.text.contains("vvvv"), "{}", f.text);
        assert!(f.text.contains("client_id=me"));
        let plain = redacted_body(b"<html>login</html>");
        assert_eq!(plain.text, "<html>login</html>");
    }

    #[test]
    fn redirect_codes_are_masked_in_urls() {
        let u = Url::parse("http://127.0.0.1:5555/callback?code=secret-code&state=s1").unwrap();
        let r = redact_url(&u);
        assert!(!r.contains("secret-code") && r.contains("state=s1"), "{r}");
    }
}
