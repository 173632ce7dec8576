//! WWW-Authenticate challenges, and the JWT inspector with any token and any JWKS.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mcpscope_auth::challenge::{self, Challenge};
use mcpscope_auth::jwt::{self, Expectations};
use mcpscope_proto::auth::Verdict;
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::rpc::json_value;
use crate::runner::fuzz;

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,8}"
}

/// A parameter value as a server writes it: a token, or a quoted string with escapes.
fn value() -> impl Strategy<Value = (String, String)> {
    prop_oneof![
        "[A-Za-z0-9!#$%&'*+.^_`|~/:-]{1,10}".prop_map(|t| (t.clone(), t)),
        ".{0,16}".prop_map(|s| {
            let quoted = format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
            (quoted, s)
        }),
    ]
}

fn written_challenge() -> impl Strategy<Value = (String, Challenge)> {
    let param = ("[a-z_]{1,10}", value());
    (token(), prop::collection::vec(param, 0..5)).prop_map(|(scheme, params)| {
        let text = params.iter().map(|(n, (written, _))| format!("{n}={written}")).collect::<Vec<_>>();
        let challenge = Challenge {
            scheme: scheme.clone(),
            params: params.into_iter().map(|(n, (_, v))| (n, v)).collect(),
        };
        (format!("{scheme} {}", text.join(", ")).trim_end().to_owned(), challenge)
    })
}

#[test]
fn www_authenticate_reads_back_what_was_written_and_survives_anything() {
    let strategy =
        (prop::collection::vec(written_challenge(), 1..4), ".{0,48}", any::<prop::sample::Index>());
    fuzz("www_authenticate", strategy, |(challenges, junk, at)| {
        let header = challenges.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>().join(", ");
        let expected: Vec<Challenge> = challenges.into_iter().map(|(_, c)| c).collect();
        prop_assert_eq!(challenge::parse(&header), expected, "{}", header);
        // Anything at all, alone or spliced into a real header: no panic, no hang.
        let _ = challenge::parse(&junk);
        let cut = at.index(header.len() + 1);
        if header.is_char_boundary(cut) {
            let _ = challenge::parse(&format!("{}{junk}{}", &header[..cut], &header[cut..]));
        }
        Ok(())
    });
}

fn b64(v: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(v)
}

/// A claim a server could put in a time slot: extreme integers, floats, strings, anything.
fn time() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(vec![i64::MIN, i64::MIN + 1, -1, 0, 1, 1_800_000_000, i64::MAX - 1, i64::MAX])
            .prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        Just(json!(u64::MAX)),
        Just(json!(1e300)),
        json_value(),
    ]
}

const ALGS: &[&str] =
    &["none", "None", "HS256", "HS512", "RS256", "PS256", "ES256", "ES384", "EdDSA", "XX1", ""];

fn jwk() -> impl Strategy<Value = Value> {
    let bytes = prop::collection::vec(any::<u8>(), 0..48).prop_map(|b| b64(&b));
    (
        prop::sample::select(vec!["RSA", "EC", "OKP", "oct", "x"]),
        prop::option::of(prop::sample::select(ALGS)),
        prop::option::of("[a-c]{1,2}"),
        prop::sample::select(vec!["P-256", "P-384", "Ed25519", "X"]),
        bytes.clone(),
        bytes,
    )
        .prop_map(|(kty, alg, kid, crv, a, b)| {
            let mut k = json!({"kty": kty, "n": a, "e": "AQAB", "x": a, "y": b, "crv": crv, "k": b});
            if let Some(alg) = alg {
                k["alg"] = json!(alg);
            }
            if let Some(kid) = kid {
                k["kid"] = json!(kid);
            }
            k
        })
}

#[test]
fn the_token_inspector_gives_a_verdict_for_any_token_and_never_verifies_a_forgery() {
    let header = (prop::sample::select(ALGS), prop::option::of("[a-c]{1,2}"), prop::option::of(json_value()))
        .prop_map(|(alg, kid, extra)| json!({"alg": alg, "kid": kid, "typ": "at+jwt", "x": extra}));
    let claims = (time(), time(), time(), prop::option::of(json_value()), prop::option::of(json_value())).prop_map(
        |(exp, nbf, iat, aud, scope)| {
            json!({"iss": "https://as.example", "exp": exp, "nbf": nbf, "iat": iat, "aud": aud, "scope": scope})
        },
    );
    let token = prop_oneof![
        4 => (header, claims, prop::collection::vec(any::<u8>(), 0..64)).prop_map(|(h, c, sig)| {
            format!("{}.{}.{}", b64(h.to_string().as_bytes()), b64(c.to_string().as_bytes()), b64(&sig))
        }),
        1 => "[A-Za-z0-9._=-]{0,40}",
        1 => ".{0,40}",
    ];
    let jwks = prop::option::of(prop::collection::vec(jwk(), 0..3));
    let strategy = (token, jwks, any::<i64>(), any::<i64>(), prop::option::of(any::<i64>()));
    fuzz("jwt_inspect", strategy, |(token, keys, now, leeway, expires_in)| {
        let jwks = keys.and_then(|k| serde_json::from_value(json!({"keys": k})).ok());
        let exp = Expectations {
            resource: Some("http://127.0.0.1:1/mcp".to_owned()),
            issuer: Some("https://as.example".to_owned()),
            jwks,
            required_scopes: vec!["read".to_owned()],
            now: Some(now),
            leeway: leeway % 1_000_000,
            expires_in_hint: expires_in,
        };
        for role in ["access_token", "id_token"] {
            let report = jwt::inspect(role, &token, &exp);
            prop_assert!(!report.checks.is_empty(), "no verdict for {token:?}");
            let forged_pass = report
                .checks
                .iter()
                .any(|c| c.verdict == Verdict::Pass && c.message.starts_with("signature verified"));
            prop_assert!(!forged_pass, "a random signature verified: {token:?}");
            let alg = token.split('.').next().and_then(|h| URL_SAFE_NO_PAD.decode(h).ok());
            let alg: Option<Value> = alg.and_then(|h| serde_json::from_slice(&h).ok());
            if alg.as_ref().and_then(|h| h["alg"].as_str()).is_some_and(|a| a.eq_ignore_ascii_case("none")) {
                prop_assert!(
                    report.checks.iter().any(|c| c.verdict == Verdict::Fail),
                    "alg none without a Fail"
                );
            }
        }
        Ok(())
    });
}
