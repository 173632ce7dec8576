//! `WWW-Authenticate` parsing (RFC 9110 §11.6.1 challenges; RFC 6750 and RFC 9728 parameters).

/// One challenge: a scheme and its parameters (names lower-cased, values unquoted).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Challenge {
    pub scheme: String,
    pub params: Vec<(String, String)>,
}

impl Challenge {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// The parameters of the `Bearer` (or `DPoP`, RFC 9449 §7.1) challenge that MCP clients act
/// on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BearerChallenge {
    /// `Bearer` or `DPoP`, as the server spelled it.
    pub scheme: String,
    pub resource_metadata: Option<String>,
    /// Space-separated scopes, as sent.
    pub scope: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    pub realm: Option<String>,
}

impl BearerChallenge {
    /// The first `Bearer` or `DPoP` challenge among `headers` (every `WWW-Authenticate`
    /// line), if any.
    pub fn find(headers: &[String]) -> Option<BearerChallenge> {
        let token_scheme =
            |c: &Challenge| c.scheme.eq_ignore_ascii_case("bearer") || c.scheme.eq_ignore_ascii_case("dpop");
        headers.iter().flat_map(|h| parse(h)).find(token_scheme).map(|c| {
            let get = |n: &str| c.param(n).map(str::to_owned);
            BearerChallenge {
                scheme: c.scheme.clone(),
                resource_metadata: get("resource_metadata"),
                scope: get("scope").filter(|s| !s.trim().is_empty()),
                error: get("error"),
                error_description: get("error_description"),
                realm: get("realm"),
            }
        })
    }

    pub fn is_dpop(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("dpop")
    }

    pub fn scopes(&self) -> Vec<String> {
        split_scopes(self.scope.as_deref())
    }
}

pub fn split_scopes(s: Option<&str>) -> Vec<String> {
    s.map(|s| s.split_ascii_whitespace().map(str::to_owned).collect()).unwrap_or_default()
}

/// Parses a header value into its challenges. Lenient: unknown or malformed parameters are
/// skipped, whitespace and line folding between parameters are accepted, and a challenge
/// list (`Basic realm="x", Bearer scope="y"`) is split where a new scheme starts.
pub fn parse(header: &str) -> Vec<Challenge> {
    let mut out: Vec<Challenge> = Vec::new();
    let mut rest = header.trim();
    while !rest.is_empty() {
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_whitespace());
        if rest.is_empty() {
            break;
        }
        let (word, after) = split_token(rest);
        if word.is_empty() {
            // Not a token: skip one character and go on rather than give up.
            let mut chars = rest.chars();
            chars.next();
            rest = chars.as_str();
            continue;
        }
        let after_ws = after.trim_start();
        if let Some(value_part) = after_ws.strip_prefix('=')
            && !value_part.starts_with('=')
            && let Some(current) = out.last_mut()
        {
            // `name=value` of the current challenge.
            let (value, remaining) = parse_value(value_part.trim_start());
            current.params.push((word.to_ascii_lowercase(), value));
            rest = remaining;
        } else {
            // A new scheme; a token68 (`Basic abc==`) right after it is kept as `token68`.
            let mut challenge = Challenge { scheme: word.to_owned(), params: Vec::new() };
            let (maybe68, remaining) = split_token68(after_ws);
            let next = remaining.trim_start();
            let ends_here = next.is_empty() || next.starts_with(',');
            // A token68 stands alone and has `=` only as trailing padding (`name=value` has
            // one in the middle).
            let body = maybe68.trim_end_matches('=');
            if !body.is_empty() && ends_here && !body.contains('=') {
                challenge.params.push(("token68".to_owned(), maybe68.to_owned()));
                rest = remaining;
            } else {
                rest = after_ws;
            }
            out.push(challenge);
        }
    }
    out
}

fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

fn split_token(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !is_tchar(c)).unwrap_or(s.len());
    s.split_at(end)
}

fn split_token68(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !(is_tchar(c) || c == '/' || c == '=')).unwrap_or(s.len());
    s.split_at(end)
}

/// A quoted string (with `\` escapes) or a token; returns the value and what follows.
fn parse_value(s: &str) -> (String, &str) {
    if let Some(body) = s.strip_prefix('"') {
        let mut value = String::new();
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, escaped)) = chars.next() {
                        value.push(escaped);
                    }
                }
                '"' => return (value, &body[i + 1..]),
                _ => value.push(c),
            }
        }
        (value, "")
    } else {
        let end = s.find(|c: char| c == ',' || c.is_whitespace()).unwrap_or(s.len());
        (s[..end].to_owned(), &s[end..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_mcp_bearer_parameters() {
        let h = r#"Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource", scope="files:read files:write""#;
        let c = BearerChallenge::find(&[h.to_owned()]).unwrap();
        assert_eq!(
            c.resource_metadata.as_deref(),
            Some("https://mcp.example.com/.well-known/oauth-protected-resource")
        );
        assert_eq!(c.scopes(), ["files:read", "files:write"]);
        assert_eq!(c.error, None);
    }

    #[test]
    fn finds_bearer_among_several_challenges_and_tolerates_folding() {
        let h = "Basic realm=\"x\", Bearer error=insufficient_scope,\r\n   scope=\"a b\",\n error_description=\"needs \\\"b\\\"\"";
        let c = BearerChallenge::find(&[h.to_owned()]).unwrap();
        assert_eq!(c.error.as_deref(), Some("insufficient_scope"));
        assert_eq!(c.scope.as_deref(), Some("a b"));
        assert_eq!(c.error_description.as_deref(), Some("needs \"b\""));
        let all = parse(h);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].param("realm"), Some("x"));
    }

    #[test]
    fn scheme_is_case_insensitive_and_lines_are_searched_in_order() {
        let lines = ["Basic abc==".to_owned(), "bearer realm=mcp".to_owned()];
        let c = BearerChallenge::find(&lines).unwrap();
        assert_eq!(c.realm.as_deref(), Some("mcp"));
        assert_eq!(parse("Basic abc==")[0].param("token68"), Some("abc=="));
        assert!(BearerChallenge::find(&["Basic realm=x".to_owned()]).is_none());
    }

    #[test]
    fn a_dpop_challenge_counts_with_its_scheme() {
        let headers =
            ["Basic realm=x, DPoP error=\"use_dpop_nonce\", resource_metadata=\"https://m/prm\"".to_owned()];
        let c = BearerChallenge::find(&headers).unwrap();
        assert!(c.is_dpop());
        assert_eq!(c.error.as_deref(), Some("use_dpop_nonce"));
        assert_eq!(c.resource_metadata.as_deref(), Some("https://m/prm"));
    }

    #[test]
    fn a_bare_bearer_has_no_parameters_and_garbage_does_not_panic() {
        let c = BearerChallenge::find(&["Bearer".to_owned()]).unwrap();
        assert_eq!(c, BearerChallenge { scheme: "Bearer".to_owned(), ..BearerChallenge::default() });
        for junk in ["=", "\"", "Bearer =,=\"", ",,,", "Bearer scope=\"unterminated"] {
            let _ = parse(junk);
        }
        assert_eq!(
            BearerChallenge::find(&["Bearer scope=\"unterminated".to_owned()]).unwrap().scope.as_deref(),
            Some("unterminated")
        );
    }
}
