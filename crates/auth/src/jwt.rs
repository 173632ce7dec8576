//! The token inspector: decodes a JWT's header and claims and checks them one by one — the
//! signature against the issuer's JWKS, `iss` against the authorization server, `aud` against
//! the MCP server, `exp` and `nbf` with clock skew, scopes against what the server asked for.
//! An opaque token is reported as opaque.

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use mcpscope_proto::auth::{Check, TokenReport, Verdict};
use serde_json::Value;

/// Allowed clock difference between mcpscope and the authorization server, in seconds.
pub const DEFAULT_LEEWAY: i64 = 60;

/// What a token is checked against. Every field is optional: what is unknown is not checked
/// (and the report says so).
#[derive(Debug, Clone, Default)]
pub struct Expectations {
    /// The MCP server's canonical URI: the audience the token must carry.
    pub resource: Option<String>,
    /// The authorization server's `issuer`.
    pub issuer: Option<String>,
    /// The issuer's signing keys (from `jwks_uri`).
    pub jwks: Option<JwkSet>,
    /// Scopes the server asked for (challenge or 403 insufficient_scope).
    pub required_scopes: Vec<String>,
    /// Seconds since the epoch; `None`: now.
    pub now: Option<i64>,
    pub leeway: i64,
    /// `expires_in` of the token response, for opaque tokens.
    pub expires_in_hint: Option<i64>,
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Whether `token` has the shape of a JWS (three base64url parts and a JSON header).
pub fn is_jwt(token: &str) -> bool {
    token.split('.').count() == 3 && jsonwebtoken::decode_header(token).is_ok()
}

/// Inspects `token` in the role `role` (`access_token`, `id_token`).
pub fn inspect(role: &str, token: &str, exp: &Expectations) -> TokenReport {
    let now = exp.now.unwrap_or_else(now);
    let mut report = TokenReport {
        role: role.to_owned(),
        jwt: false,
        header: None,
        claims: None,
        expires_at: exp.expires_in_hint.map(|s| now.saturating_add(s)),
        scopes: Vec::new(),
        checks: Vec::new(),
    };
    let header = match jsonwebtoken::decode_header(token) {
        Ok(h) if token.split('.').count() == 3 => h,
        _ if let Some(alg) = unusable_alg(token) => {
            // A JWS-shaped token whose alg is `none` or unknown: never "opaque", never trusted.
            report.jwt = true;
            report.header = jws_part(token, 0);
            report.claims = jws_part(token, 1);
            report.checks.push(Check::new(
                Verdict::Fail,
                "RFC 8725 §3.1, RFC 7518 §3.6",
                if alg.eq_ignore_ascii_case("none") {
                    "alg \"none\": the token is unsigned, so anyone could have written it".to_owned()
                } else {
                    format!("alg {alg:?} is not a signature algorithm mcpscope knows: the token cannot be verified")
                },
            ));
            return report;
        }
        _ => {
            report.checks.push(Check::new(
                Verdict::Info,
                "RFC 6750 §1.2",
                "opaque token: not a JWT, so its audience, issuer and expiry can only be learned from the authorization server (introspection, RFC 7662) or the token response",
            ));
            return report;
        }
    };
    report.jwt = true;
    report.header = serde_json::to_value(&header).ok();
    let claims: Value = match jsonwebtoken::dangerous::insecure_decode_claims::<Value>(token) {
        Ok(c) => c,
        Err(e) => {
            report.checks.push(Check::new(
                Verdict::Fail,
                "RFC 7519 §7.2",
                format!("the claims part does not decode as a JSON object: {e}"),
            ));
            return report;
        }
    };
    report.scopes = scopes_of(&claims);
    report.expires_at = claims.get("exp").and_then(Value::as_i64).or(report.expires_at);
    check_signature(&mut report.checks, token, &header, exp.jwks.as_ref());
    check_issuer(&mut report.checks, &claims, exp.issuer.as_deref());
    if role == "access_token" {
        check_audience(&mut report.checks, &claims, exp.resource.as_deref());
    }
    check_times(&mut report.checks, &claims, now, exp.leeway);
    check_scopes(&mut report.checks, &report.scopes, &exp.required_scopes);
    report.claims = Some(claims);
    report
}

/// One base64url part of a JWS-shaped token, as JSON.
fn jws_part(token: &str, i: usize) -> Option<Value> {
    use base64::Engine as _;
    let part = token.split('.').nth(i)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The `alg` of a token shaped like a JWS (a JSON header with `alg`) that jsonwebtoken will not
/// read: `none`, or an algorithm it does not know.
fn unusable_alg(token: &str) -> Option<String> {
    if token.split('.').count() != 3 {
        return None;
    }
    jws_part(token, 0)?.get("alg")?.as_str().map(str::to_owned)
}

fn scopes_of(claims: &Value) -> Vec<String> {
    match claims.get("scope").or_else(|| claims.get("scp")) {
        Some(Value::String(s)) => s.split_ascii_whitespace().map(str::to_owned).collect(),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

fn check_signature(
    checks: &mut Vec<Check>,
    token: &str,
    header: &jsonwebtoken::Header,
    jwks: Option<&JwkSet>,
) {
    const RULE: &str = "RFC 7515 §5.2, RFC 9068 §4";
    let Some(jwks) = jwks else {
        checks.push(Check::new(
            Verdict::Warn,
            RULE,
            "signature not verified: the authorization server's metadata names no jwks_uri (or it could not be fetched)",
        ));
        return;
    };
    let key = match &header.kid {
        Some(kid) => jwks.find(kid),
        None if jwks.keys.len() == 1 => jwks.keys.first(),
        None => None,
    };
    let Some(jwk) = key else {
        checks.push(Check::new(
            Verdict::Fail,
            RULE,
            format!(
                "no key in the issuer's JWKS matches kid {:?}: the token was not signed by this authorization server (or its keys rotated)",
                header.kid
            ),
        ));
        return;
    };
    // The algorithm comes from the key, never from the token (RFC 8725 §3.1): a token cannot
    // pick how it is checked.
    let allowed = match key_algorithms(jwk) {
        Ok(algs) => algs,
        Err(why) => {
            checks.push(Check::new(Verdict::Fail, RULE, why));
            return;
        }
    };
    if !allowed.contains(&header.alg) {
        checks.push(Check::new(
            Verdict::Fail,
            "RFC 8725 §3.1",
            format!(
                "the token says alg {:?} but the issuer's key {:?} is for {allowed:?}: the algorithm must come from the key, and a token that names another one is forged or misissued",
                header.alg,
                jwk.common.key_id.as_deref().unwrap_or("(no kid)")
            ),
        ));
        return;
    }
    // The crypto library indexes key bytes it has not measured (jsonwebtoken 11.1 slices an
    // Ed25519 `x` to 32 bytes): a hostile JWKS must cost a verdict, not the process.
    let verified = std::panic::catch_unwind(|| {
        let decoding = DecodingKey::from_jwk(jwk).map_err(|e| format!("the JWKS key is not usable: {e}"))?;
        let mut validation = Validation::new(header.alg);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        jsonwebtoken::decode::<Value>(token, &decoding, &validation).map(drop).map_err(|e| {
            format!(
                "signature does not verify against the issuer's key: {e}. The token may be forged or altered"
            )
        })
    })
    .unwrap_or_else(|_| Err("the JWKS key is malformed: the verifier could not read it".to_owned()));
    match verified {
        Ok(()) => checks.push(Check::new(
            Verdict::Pass,
            RULE,
            format!(
                "signature verified ({:?}, key {:?})",
                header.alg,
                header.kid.as_deref().unwrap_or("the only key")
            ),
        )),
        Err(why) => checks.push(Check::new(Verdict::Fail, RULE, why)),
    }
}

/// The signature algorithms a JWKS key may verify: those of its type and curve, narrowed
/// to its `alg` when it names one. `Err` says why the key verifies nothing.
fn key_algorithms(jwk: &Jwk) -> Result<Vec<Algorithm>, String> {
    use base64::Engine as _;
    let bytes = |b64: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(b64.trim_end_matches('='))
            .map_or(0, |b| b.len())
    };
    let malformed = |what: &str| Err(format!("the JWKS key is malformed: {what}"));
    let of_type = match &jwk.algorithm {
        AlgorithmParameters::OctetKey(_) => {
            return Err("the issuer's JWKS publishes a symmetric (oct) key: anyone who can read the JWKS could sign tokens with it; a JWKS carries public keys only".to_owned());
        }
        AlgorithmParameters::RSA(k) if bytes(&k.n) == 0 || bytes(&k.e) == 0 => {
            return malformed("RSA n or e is empty");
        }
        AlgorithmParameters::RSA(_) => vec![
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::PS256,
            Algorithm::PS384,
            Algorithm::PS512,
        ],
        AlgorithmParameters::EllipticCurve(k) => {
            let (alg, len) = match k.curve {
                EllipticCurve::P256 => (Algorithm::ES256, 32),
                EllipticCurve::P384 => (Algorithm::ES384, 48),
                _ => return Err(format!("EC key on {:?}: mcpscope verifies P-256 and P-384", k.curve)),
            };
            if bytes(&k.x) != len || bytes(&k.y) != len {
                return malformed(&format!("{:?} x and y must be {len} bytes each", k.curve));
            }
            vec![alg]
        }
        AlgorithmParameters::OctetKeyPair(k) if k.curve != EllipticCurve::Ed25519 => {
            return Err(format!("OKP key on {:?}: mcpscope verifies Ed25519", k.curve));
        }
        AlgorithmParameters::OctetKeyPair(k) if bytes(&k.x) != 32 => {
            return malformed("an Ed25519 x must be 32 bytes");
        }
        AlgorithmParameters::OctetKeyPair(_) => vec![Algorithm::EdDSA],
        AlgorithmParameters::Other(k) => {
            return Err(format!("key type {:?} verifies no signature mcpscope knows", k.fields.get("kty")));
        }
        _ => return Err("a key type mcpscope does not know verifies no signature".to_owned()),
    };
    let Some(named) = jwk.common.key_algorithm else { return Ok(of_type) };
    match Algorithm::try_from(named) {
        Ok(alg) if of_type.contains(&alg) => Ok(vec![alg]),
        Ok(alg) => Err(format!("the JWKS key names alg {alg:?}, which its key type cannot verify")),
        Err(_) => Err(format!("the JWKS key is for {named:?}, not for signatures")),
    }
}

fn check_issuer(checks: &mut Vec<Check>, claims: &Value, issuer: Option<&str>) {
    const RULE: &str = "RFC 9068 §4, RFC 7519 §4.1.1";
    let iss = claims.get("iss").and_then(Value::as_str);
    match (iss, issuer) {
        (None, _) => {
            checks.push(Check::new(Verdict::Warn, RULE, "no iss claim: the issuer cannot be checked"))
        }
        (Some(i), Some(expected)) if i == expected => checks.push(Check::new(
            Verdict::Pass,
            RULE,
            format!("iss {i:?} is the authorization server's issuer"),
        )),
        (Some(i), Some(expected)) => checks.push(Check::new(
            Verdict::Fail,
            RULE,
            format!("iss {i:?} is not the authorization server's issuer {expected:?}"),
        )),
        (Some(i), None) => checks.push(Check::new(
            Verdict::Info,
            RULE,
            format!("iss {i:?}; the authorization server's issuer is unknown, so it was not compared"),
        )),
    }
}

fn check_audience(checks: &mut Vec<Check>, claims: &Value, resource: Option<&str>) {
    const RULE: &str = "RFC 8707 §2, MCP authorization (token audience binding)";
    let auds: Vec<&str> = match claims.get("aud") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let Some(resource) = resource else {
        checks.push(Check::new(Verdict::Info, RULE, format!("aud {auds:?}; no MCP server to compare with")));
        return;
    };
    let norm = |s: &str| s.trim_end_matches('/').to_ascii_lowercase();
    if auds.is_empty() {
        checks.push(Check::new(
            Verdict::Warn,
            RULE,
            "no aud claim: nothing binds this token to the MCP server, so another server could replay it",
        ));
    } else if auds.iter().any(|a| norm(a) == norm(resource)) {
        checks.push(Check::new(Verdict::Pass, RULE, format!("aud includes the MCP server {resource:?}")));
    } else {
        checks.push(Check::new(
            Verdict::Fail,
            RULE,
            format!(
                "wrong audience: the token is for {auds:?}, not for this MCP server {resource:?}; the server must reject it"
            ),
        ));
    }
}

fn check_times(checks: &mut Vec<Check>, claims: &Value, now: i64, leeway: i64) {
    const RULE: &str = "RFC 7519 §4.1.4–4.1.5";
    match claims.get("exp").and_then(Value::as_i64) {
        None => checks.push(Check::new(Verdict::Warn, RULE, "no exp claim: the token never expires")),
        Some(exp) if exp.saturating_add(leeway) < now => checks.push(Check::new(
            Verdict::Fail,
            RULE,
            format!("expired {} ago (allowing {leeway} s of clock skew)", human(now.saturating_sub(exp))),
        )),
        Some(exp) => checks.push(Check::new(
            Verdict::Pass,
            RULE,
            format!("valid for another {}", human(exp.saturating_sub(now))),
        )),
    }
    if let Some(nbf) = claims.get("nbf").and_then(Value::as_i64)
        && nbf.saturating_sub(leeway) > now
    {
        checks.push(Check::new(
            Verdict::Fail,
            RULE,
            format!(
                "not valid before {} from now (nbf; allowing {leeway} s of skew)",
                human(nbf.saturating_sub(now))
            ),
        ));
    }
    if let Some(iat) = claims.get("iat").and_then(Value::as_i64)
        && iat.saturating_sub(leeway) > now
    {
        checks.push(Check::new(
            Verdict::Warn,
            RULE,
            format!("issued {} in the future (iat): the clocks disagree", human(iat.saturating_sub(now))),
        ));
    }
}

fn check_scopes(checks: &mut Vec<Check>, granted: &[String], required: &[String]) {
    if required.is_empty() {
        return;
    }
    let missing: Vec<&String> = required.iter().filter(|r| !granted.contains(r)).collect();
    if missing.is_empty() {
        checks.push(Check::new(
            Verdict::Pass,
            "RFC 6750 §3.1",
            format!("carries every scope the server asked for ({})", required.join(" ")),
        ));
    } else {
        checks.push(Check::new(
            Verdict::Warn,
            "RFC 6750 §3.1",
            format!("lacks scopes the server asked for: {missing:?} (granted {granted:?})"),
        ));
    }
}

/// `1 h 5 min`, `42 s`.
pub fn human(secs: i64) -> String {
    let s = secs.unsigned_abs();
    match s {
        0..=119 => format!("{s} s"),
        120..=7199 => format!("{} min", s / 60),
        7200..=172_799 => format!("{} h {} min", s / 3600, (s % 3600) / 60),
        _ => format!("{} days", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dpop::DpopKey;
    use base64::Engine as _;

    fn token(header: &str, claims: &str) -> String {
        let b = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!("{}.{}.", b(header), b(claims))
    }

    #[test]
    fn alg_none_and_unknown_algorithms_fail_instead_of_looking_opaque() {
        for (alg, says) in [("none", "unsigned"), ("XS999", "not a signature algorithm")] {
            let t = token(&format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#), r#"{"sub":"x","aud":"r"}"#);
            let r = inspect("access_token", &t, &Expectations::default());
            assert!(r.jwt, "{alg}: read as a JWT");
            assert_eq!(r.verdict(), Verdict::Fail, "{alg}: {:?}", r.checks);
            assert!(r.checks.iter().any(|c| c.message.contains(says)), "{alg}: {:?}", r.checks);
            assert_eq!(r.claims.as_ref().and_then(|c| c.get("sub")).and_then(Value::as_str), Some("x"));
        }
        let opaque = inspect("access_token", "an-opaque-token", &Expectations::default());
        assert!(!opaque.jwt && opaque.verdict() == Verdict::Info, "{:?}", opaque.checks);
    }

    fn with_keys(keys: Value) -> Expectations {
        Expectations {
            jwks: serde_json::from_value(serde_json::json!({ "keys": keys })).ok(),
            ..Expectations::default()
        }
    }

    fn signature_check(report: &TokenReport) -> &Check {
        report
            .checks
            .iter()
            .find(|c| c.rule.starts_with("RFC 7515") || c.rule == "RFC 8725 §3.1")
            .expect("a signature check")
    }

    #[test]
    fn the_algorithm_comes_from_the_key_not_from_the_token() {
        let key = DpopKey::generate();
        // A real ES256 signature verifies against its key …
        let proof = key.proof("GET", "http://127.0.0.1/mcp", None);
        let mut jwk = key.jwk().clone();
        jwk["kid"] = "k1".into();
        let only = inspect("id_token", &proof, &with_keys(serde_json::json!([key.jwk()])));
        assert_eq!(signature_check(&only).verdict, Verdict::Pass, "{:?}", only.checks);
        // … but not when the JWKS says the key is for another algorithm,
        let mut rs = key.jwk().clone();
        rs["alg"] = "RS256".into();
        let r = inspect("id_token", &proof, &with_keys(serde_json::json!([rs])));
        assert_eq!(signature_check(&r).verdict, Verdict::Fail, "{:?}", r.checks);
        // and an HS256 token is never checked with an RSA or EC key as the HMAC secret.
        let hs = token(r#"{"alg":"HS256","kid":"k1"}"#, r#"{"sub":"x"}"#) + "c2ln";
        let rsa = serde_json::json!([{"kty": "RSA", "kid": "k1", "n": "sXch", "e": "AQAB"}]);
        for keys in [rsa, serde_json::json!([jwk])] {
            let r = inspect("access_token", &hs, &with_keys(keys));
            let check = signature_check(&r);
            assert_eq!(check.verdict, Verdict::Fail, "{:?}", r.checks);
            assert!(check.message.contains("must come from the key"), "{}", check.message);
        }
    }

    #[test]
    fn a_symmetric_key_an_unknown_kid_and_a_short_key_each_fail() {
        let hs = token(r#"{"alg":"HS256","kid":"k1"}"#, r#"{"sub":"x"}"#) + "c2ln";
        let r = inspect(
            "access_token",
            &hs,
            &with_keys(serde_json::json!([{"kty": "oct", "kid": "k1", "k": "c2VjcmV0"}])),
        );
        assert!(signature_check(&r).message.contains("symmetric"), "{:?}", r.checks);
        assert_eq!(signature_check(&r).verdict, Verdict::Fail);
        let r = inspect(
            "access_token",
            &hs,
            &with_keys(serde_json::json!([{"kty": "oct", "kid": "other", "k": "c2VjcmV0"}])),
        );
        assert!(signature_check(&r).message.contains("no key"), "{:?}", r.checks);
        // Found by the fuzz pass: jsonwebtoken 11.1 panics on an Ed25519 x shorter than 32 bytes.
        let ed = token(r#"{"alg":"EdDSA","kid":"e"}"#, r#"{"sub":"x"}"#) + "c2ln";
        let short = serde_json::json!([{"kty": "OKP", "crv": "Ed25519", "kid": "e", "x": "c2hvcnQ"}]);
        let r = inspect("access_token", &ed, &with_keys(short));
        assert_eq!(signature_check(&r).verdict, Verdict::Fail, "{:?}", r.checks);
        assert!(signature_check(&r).message.contains("malformed"), "{:?}", r.checks);
    }

    #[test]
    fn extreme_times_give_a_verdict_not_a_panic() {
        for t in [i64::MAX, i64::MIN, 0] {
            let claims = serde_json::json!({"exp": t, "nbf": t, "iat": t});
            let mut checks = Vec::new();
            check_times(&mut checks, &claims, 1_800_000_000, i64::MAX);
            check_times(&mut checks, &claims, 1_800_000_000, DEFAULT_LEEWAY);
            assert!(!checks.is_empty(), "{t}");
            let hinted = Expectations { expires_in_hint: Some(t), ..Expectations::default() };
            let r = inspect("access_token", "opaque", &hinted);
            assert!(r.expires_at.is_some(), "{t}");
        }
    }
}
