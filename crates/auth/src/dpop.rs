//! DPoP (RFC 9449; MCP SEP-1932): sender-constrained tokens.
//!
//! One P-256 key pair per session. Every request that carries a DPoP-bound token, and every
//! token request to an authorization server that supports DPoP, carries a fresh proof: a JWT
//! signed with the session's key, with the key's public half in its header, naming the HTTP
//! method and URL (`htm`, `htu`), when it was made (`iat`), a unique id (`jti`), the hash of
//! the access token it accompanies (`ath`) and the server's nonce when it asked for one. The
//! authorization server binds the token to the key's thumbprint (`cnf.jkt`).

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use mcpscope_proto::auth::{Check, Verdict};
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::elliptic_curve::rand_core::OsRng;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use url::Url;

/// The only algorithm mcpscope signs proofs with.
pub const ALG: &str = "ES256";
const R_PROOF: &str = "RFC 9449 §4.2";
const R_CHECK: &str = "RFC 9449 §4.3";
/// How far a proof's `iat` may be from now, in seconds, before a server may refuse it.
const IAT_WINDOW: i64 = 300;

/// A session's DPoP key and the nonces servers gave it.
pub struct DpopKey {
    signing: SigningKey,
    jwk: Value,
    thumbprint: String,
    /// `DPoP-Nonce` per origin (authorization server, MCP server).
    nonces: Mutex<HashMap<String, String>>,
}

impl std::fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DpopKey").field("thumbprint", &self.thumbprint).finish_non_exhaustive()
    }
}

impl DpopKey {
    /// A new key pair from the operating system's random source.
    pub fn generate() -> DpopKey {
        let signing = SigningKey::random(&mut OsRng);
        let point = VerifyingKey::from(&signing).to_encoded_point(false);
        let coordinate = |c: Option<&p256::FieldBytes>| c.map(|b| B64.encode(b)).unwrap_or_default();
        let (x, y) = (coordinate(point.x()), coordinate(point.y()));
        // RFC 7638: the required members, lexicographic order, no white space.
        let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
        let thumbprint = B64.encode(Sha256::digest(canonical.as_bytes()));
        DpopKey {
            signing,
            jwk: json!({"kty": "EC", "crv": "P-256", "x": x, "y": y}),
            thumbprint,
            nonces: Mutex::new(HashMap::new()),
        }
    }

    /// The public key as a JWK (what every proof's header carries).
    pub fn jwk(&self) -> &Value {
        &self.jwk
    }

    /// The RFC 7638 SHA-256 thumbprint: the `cnf.jkt` a bound token must carry.
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// Remembers the nonce a server at `url`'s origin asked for.
    pub fn set_nonce(&self, url: &str, nonce: &str) {
        if let Ok(u) = Url::parse(url) {
            lock(&self.nonces).insert(u.origin().ascii_serialization(), nonce.to_owned());
        }
    }

    pub fn nonce(&self, url: &str) -> Option<String> {
        let origin = Url::parse(url).ok()?.origin().ascii_serialization();
        lock(&self.nonces).get(&origin).cloned()
    }

    /// A fresh proof for `method` `url`, bound to `access_token` when one goes with it, with
    /// the nonce the server last gave.
    pub fn proof(&self, method: &str, url: &str, access_token: Option<&str>) -> String {
        let mut claims = json!({
            "jti": oauth2::CsrfToken::new_random().secret(),
            "htm": method.to_ascii_uppercase(),
            "htu": htu(url),
            "iat": crate::jwt::now(),
        });
        if let Some(t) = access_token {
            claims["ath"] = json!(ath(t));
        }
        if let Some(n) = self.nonce(url) {
            claims["nonce"] = json!(n);
        }
        let header = json!({"typ": "dpop+jwt", "alg": ALG, "jwk": self.jwk});
        let input = format!("{}.{}", B64.encode(header.to_string()), B64.encode(claims.to_string()));
        let signature: Signature = self.signing.sign(input.as_bytes());
        format!("{input}.{}", B64.encode(signature.to_bytes()))
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The `htu` of a request to `url`: the URL without query and fragment (RFC 9449 §4.2).
pub fn htu(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) => {
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => url.to_owned(),
    }
}

/// `ath`: the base64url SHA-256 of the access token's ASCII text.
pub fn ath(access_token: &str) -> String {
    B64.encode(Sha256::digest(access_token.as_bytes()))
}

/// A proof taken apart for the Auth view, with what was checked.
#[derive(Debug, Clone)]
pub struct ProofReport {
    pub header: Value,
    pub claims: Value,
    pub checks: Vec<Check>,
}

/// Decodes `proof` (as sent with `method` `url`, alongside `access_token`) and checks it the
/// way a resource server or authorization server would (RFC 9449 §4.3).
pub fn inspect_proof(proof: &str, method: &str, url: &str, access_token: Option<&str>) -> ProofReport {
    let mut checks = Vec::new();
    let parts: Vec<&str> = proof.split('.').collect();
    let decode = |p: &str| B64.decode(p).ok().and_then(|b| serde_json::from_slice::<Value>(&b).ok());
    let (Some(header), Some(claims)) =
        (parts.first().and_then(|p| decode(p)), parts.get(1).and_then(|p| decode(p)))
    else {
        checks.push(Check::new(Verdict::Fail, R_CHECK, "not a JWS: the proof does not decode"));
        return ProofReport { header: Value::Null, claims: Value::Null, checks };
    };
    let mut check = |ok: bool, pass: String, fail: String| {
        checks.push(if ok {
            Check::new(Verdict::Pass, R_CHECK, pass)
        } else {
            Check::new(Verdict::Fail, R_CHECK, fail)
        })
    };
    let typ = header.get("typ").and_then(Value::as_str);
    check(typ == Some("dpop+jwt"), "typ dpop+jwt".into(), format!("typ {typ:?}, must be \"dpop+jwt\""));
    let alg = header.get("alg").and_then(Value::as_str);
    check(alg == Some(ALG), format!("alg {ALG}"), format!("alg {alg:?}: mcpscope signs with {ALG}"));
    let jwk = header.get("jwk");
    check(
        jwk.is_some_and(|k| k.get("d").is_none()),
        "jwk: the public key, no private part".into(),
        "the header must carry the public key as jwk, without its private part".into(),
    );
    let signed = parts.len() == 3
        && jwk.and_then(verifying_key).is_some_and(|key| {
            let sig = B64.decode(parts[2]).ok().and_then(|b| Signature::from_slice(&b).ok());
            sig.is_some_and(|s| key.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &s).is_ok())
        });
    check(
        signed,
        "signature verifies with the header's jwk".into(),
        "the signature does not verify with the header's jwk".into(),
    );
    let text = |k: &str| claims.get(k).and_then(Value::as_str);
    check(text("jti").is_some_and(|j| !j.is_empty()), "jti present".into(), "no jti".into());
    let htm = text("htm");
    check(
        htm == Some(&method.to_ascii_uppercase()),
        format!("htm {method}"),
        format!("htm {htm:?} is not the request's method {method}"),
    );
    let want = htu(url);
    let got = text("htu");
    check(got == Some(&want), format!("htu {want}"), format!("htu {got:?} is not {want:?}"));
    let iat = claims.get("iat").and_then(Value::as_i64);
    let now = crate::jwt::now();
    check(
        iat.is_some_and(|t| now.saturating_sub(t).saturating_abs() <= IAT_WINDOW),
        "iat within 5 minutes of now".into(),
        format!("iat {iat:?} is missing or more than {IAT_WINDOW} s from now ({now})"),
    );
    if let Some(token) = access_token {
        let want = ath(token);
        let got = text("ath");
        check(
            got == Some(&want),
            "ath is the hash of the access token".into(),
            format!("ath {got:?} is not {want:?}"),
        );
    }
    if let Some(n) = text("nonce") {
        checks.push(Check::new(Verdict::Info, R_PROOF, format!("carries the server's nonce {n:?}")));
    }
    ProofReport { header, claims, checks }
}

fn verifying_key(jwk: &Value) -> Option<VerifyingKey> {
    if jwk.get("kty")?.as_str()? != "EC" || jwk.get("crv")?.as_str()? != "P-256" {
        return None;
    }
    let x = B64.decode(jwk.get("x")?.as_str()?).ok()?;
    let y = B64.decode(jwk.get("y")?.as_str()?).ok()?;
    let mut sec1 = vec![4u8];
    sec1.extend_from_slice(&x);
    sec1.extend_from_slice(&y);
    VerifyingKey::from_sec1_bytes(&sec1).ok()
}

/// Whether a token's `cnf.jkt` binds it to `key` (RFC 9449 §6).
pub fn check_binding(claims: &Value, key: &DpopKey) -> Check {
    match claims.pointer("/cnf/jkt").and_then(Value::as_str) {
        Some(jkt) if jkt == key.thumbprint() => {
            Check::new(Verdict::Pass, "RFC 9449 §6.1", format!("cnf.jkt {jkt} is this session's DPoP key"))
        }
        Some(jkt) => Check::new(
            Verdict::Fail,
            "RFC 9449 §6.1",
            format!(
                "cnf.jkt {jkt} is not this session's DPoP key ({}): the server will refuse the proofs",
                key.thumbprint()
            ),
        ),
        None => Check::new(
            Verdict::Warn,
            "RFC 9449 §6.1",
            "a DPoP token without cnf.jkt: nothing shows it is bound to this session's key",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proof_passes_every_check_a_server_makes() {
        let key = DpopKey::generate();
        let proof = key.proof("post", "https://mcp.example.com/mcp?x=1#f", Some("tok"));
        let r = inspect_proof(&proof, "POST", "https://mcp.example.com/mcp", Some("tok"));
        assert!(r.checks.iter().all(|c| c.verdict == Verdict::Pass), "{:?}", r.checks);
        assert_eq!(r.claims["htu"], "https://mcp.example.com/mcp");
        assert_eq!(r.header["jwk"], *key.jwk());
    }

    #[test]
    fn proofs_are_fresh_and_carry_the_origins_nonce() {
        let key = DpopKey::generate();
        key.set_nonce("https://as.example.com/other", "n-1");
        let a = inspect_proof(
            &key.proof("POST", "https://as.example.com/token", None),
            "POST",
            "https://as.example.com/token",
            None,
        );
        let b = inspect_proof(
            &key.proof("POST", "https://as.example.com/token", None),
            "POST",
            "https://as.example.com/token",
            None,
        );
        assert_ne!(a.claims["jti"], b.claims["jti"]);
        assert_eq!(a.claims["nonce"], "n-1");
        let elsewhere = inspect_proof(
            &key.proof("POST", "https://rs.example.com/mcp", None),
            "POST",
            "https://rs.example.com/mcp",
            None,
        );
        assert!(elsewhere.claims.get("nonce").is_none());
    }

    #[test]
    fn a_tampered_proof_fails() {
        let key = DpopKey::generate();
        let proof = key.proof("POST", "https://mcp.example.com/mcp", Some("tok"));
        let r = inspect_proof(&proof, "GET", "https://mcp.example.com/other", Some("another"));
        let failed: Vec<&str> =
            r.checks.iter().filter(|c| c.verdict == Verdict::Fail).map(|c| c.message.as_str()).collect();
        assert_eq!(failed.len(), 3, "{failed:?}");
        let mut parts: Vec<String> = proof.split('.').map(str::to_owned).collect();
        parts[1] = B64.encode(r#"{"jti":"x","htm":"POST"}"#);
        let forged = inspect_proof(&parts.join("."), "POST", "https://mcp.example.com/mcp", None);
        assert!(forged.checks.iter().any(|c| c.verdict == Verdict::Fail && c.message.contains("signature")));
    }

    #[test]
    fn the_thumbprint_follows_rfc_7638() {
        let key = DpopKey::generate();
        let jwk = key.jwk();
        let canonical = format!(
            r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
            jwk["x"].as_str().unwrap_or(""),
            jwk["y"].as_str().unwrap_or("")
        );
        assert_eq!(key.thumbprint(), B64.encode(Sha256::digest(canonical.as_bytes())));
        assert_eq!(check_binding(&json!({"cnf": {"jkt": key.thumbprint()}}), &key).verdict, Verdict::Pass);
        assert_eq!(check_binding(&json!({"cnf": {"jkt": "other"}}), &key).verdict, Verdict::Fail);
    }

    #[test]
    fn ath_matches_the_rfc_example() {
        // RFC 9449 §7.1: the access token of the example request and its ath.
        assert_eq!(
            ath("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
        );
    }
}
