//! The URLs of discovery: canonical resource URIs (RFC 8707), protected resource metadata
//! candidates (RFC 9728 and MCP 2025-11-25 §5.4.1), authorization server metadata candidates
//! (RFC 8414 and OpenID Connect Discovery in the MCP order) and the 2025-03-26 defaults.

use url::Url;

use crate::{AuthError, Result};

/// Parses a URL that came from a server or a user; only http and https are accepted, so a
/// metadata document can never steer the client to `file:`, `javascript:` or a custom scheme.
pub fn http_url(what: &str, s: &str) -> Result<Url> {
    let url = Url::parse(s.trim()).map_err(|e| AuthError::BadUrl {
        what: what.to_owned(),
        url: s.to_owned(),
        reason: e.to_string(),
    })?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url),
        "http" | "https" => Err(AuthError::BadUrl {
            what: what.to_owned(),
            url: s.to_owned(),
            reason: "it has no host".to_owned(),
        }),
        other => Err(AuthError::BadUrl {
            what: what.to_owned(),
            url: s.to_owned(),
            reason: format!("scheme {other:?} is not http or https; mcpscope follows only http(s) URLs"),
        }),
    }
}

/// The canonical URI of an MCP server (RFC 8707 §2, MCP "canonical server URI"): scheme and
/// host lower-cased (the URL parser does that), no fragment, no query, no trailing slash
/// unless the path is only `/`.
pub fn canonical_resource(server: &Url) -> String {
    let mut u = server.clone();
    u.set_fragment(None);
    u.set_query(None);
    u.to_string().trim_end_matches('/').to_owned()
}

/// Whether a protected resource metadata `resource` value names this server: equal to its
/// canonical URI, or a same-origin prefix of its path (a server may protect a whole origin or
/// path tree with one resource identifier).
pub fn resource_matches(resource: &str, server: &Url) -> bool {
    let Ok(r) = Url::parse(resource) else { return false };
    if r.origin() != server.origin() {
        return false;
    }
    let rp = r.path().trim_end_matches('/');
    let sp = server.path().trim_end_matches('/');
    rp.is_empty() || sp == rp || sp.starts_with(&format!("{rp}/"))
}

fn origin_with_path(base: &Url, path: &str) -> Url {
    let mut u = base.clone();
    u.set_path(path);
    u.set_query(None);
    u.set_fragment(None);
    u
}

/// Where to look for protected resource metadata when the challenge names none: the
/// path-specific well-known URL first, then the root one (the first is skipped when the
/// endpoint is at the root).
pub fn prm_candidates(server: &Url) -> Vec<Url> {
    let path = server.path().trim_end_matches('/');
    let mut out = Vec::new();
    if !path.is_empty() {
        out.push(origin_with_path(server, &format!("/.well-known/oauth-protected-resource{path}")));
    }
    out.push(origin_with_path(server, "/.well-known/oauth-protected-resource"));
    out
}

/// Authorization server metadata URLs for `issuer`, in the order MCP 2025-11-25 §5.4.3 gives:
/// with a path, RFC 8414 path insertion, OIDC path insertion, OIDC path appending; without,
/// RFC 8414 then OIDC.
pub fn as_metadata_candidates(issuer: &Url) -> Vec<Url> {
    let path = issuer.path().trim_end_matches('/');
    if path.is_empty() {
        vec![
            origin_with_path(issuer, "/.well-known/oauth-authorization-server"),
            origin_with_path(issuer, "/.well-known/openid-configuration"),
        ]
    } else {
        vec![
            origin_with_path(issuer, &format!("/.well-known/oauth-authorization-server{path}")),
            origin_with_path(issuer, &format!("/.well-known/openid-configuration{path}")),
            origin_with_path(issuer, &format!("{path}/.well-known/openid-configuration")),
        ]
    }
}

/// MCP 2025-03-26: the authorization base URL is the server URL without its path.
pub fn legacy_base(server: &Url) -> Url {
    origin_with_path(server, "/")
}

/// MCP 2025-03-26 default endpoints when the base has no metadata.
pub fn legacy_endpoint(server: &Url, path: &str) -> Url {
    origin_with_path(server, path)
}

/// Whether `url`'s host is this machine (`localhost`, 127.0.0.0/8, `::1`).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn canonical_resource_drops_fragment_query_and_trailing_slash() {
        assert_eq!(canonical_resource(&u("HTTPS://MCP.Example.com/mcp#x")), "https://mcp.example.com/mcp");
        assert_eq!(canonical_resource(&u("https://mcp.example.com/")), "https://mcp.example.com");
        assert_eq!(
            canonical_resource(&u("https://mcp.example.com:8443/a/?q=1")),
            "https://mcp.example.com:8443/a"
        );
    }

    #[test]
    fn prm_candidates_try_the_path_first() {
        let c = prm_candidates(&u("https://example.com/public/mcp"));
        assert_eq!(c[0].as_str(), "https://example.com/.well-known/oauth-protected-resource/public/mcp");
        assert_eq!(c[1].as_str(), "https://example.com/.well-known/oauth-protected-resource");
        assert_eq!(prm_candidates(&u("https://example.com/")).len(), 1);
    }

    #[test]
    fn as_candidates_follow_the_mcp_order() {
        let with_path: Vec<String> = as_metadata_candidates(&u("https://auth.example.com/tenant1/"))
            .iter()
            .map(Url::to_string)
            .collect();
        assert_eq!(
            with_path,
            [
                "https://auth.example.com/.well-known/oauth-authorization-server/tenant1",
                "https://auth.example.com/.well-known/openid-configuration/tenant1",
                "https://auth.example.com/tenant1/.well-known/openid-configuration",
            ]
        );
        let root: Vec<String> =
            as_metadata_candidates(&u("https://auth.example.com")).iter().map(Url::to_string).collect();
        assert_eq!(
            root,
            [
                "https://auth.example.com/.well-known/oauth-authorization-server",
                "https://auth.example.com/.well-known/openid-configuration",
            ]
        );
    }

    #[test]
    fn only_http_urls_are_accepted() {
        assert!(http_url("x", "https://a.example/").is_ok());
        for bad in ["javascript:alert(1)", "file:///etc/passwd", "ftp://a/b", "mailto:a@b", "not a url"] {
            let e = http_url("token endpoint", bad).unwrap_err().to_string();
            assert!(e.contains("token endpoint"), "{e}");
        }
    }

    #[test]
    fn resource_match_is_same_origin_prefix() {
        let server = u("https://mcp.example.com/mcp");
        assert!(resource_matches("https://mcp.example.com/mcp", &server));
        assert!(resource_matches("https://mcp.example.com/", &server));
        assert!(resource_matches("https://mcp.example.com", &server));
        assert!(!resource_matches("https://mcp.example.com/other", &server));
        assert!(!resource_matches("https://evil.example.com/mcp", &server));
        assert!(!resource_matches("https://mcp.example.com/mcpx", &server));
    }
}
