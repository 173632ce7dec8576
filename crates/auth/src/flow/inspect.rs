//! The token inspector: each token decoded and checked (signature against the JWKS, issuer,
//! audience, expiry, scopes, DPoP binding), and introspection where the server offers it.

use super::*;

impl OAuth {
    /// Decodes and checks the access token (and the ID token, if any): signature against the
    /// issuer's JWKS (fetched now, captured), audience against this server, issuer, times.
    pub async fn inspect(&self) -> Vec<TokenReport> {
        let (tokens, discovery, client) = {
            let mut st = self.state.lock().await;
            self.load(&mut st);
            (st.tokens.clone(), st.discovery.clone(), st.client.clone())
        };
        let Some(tokens) = tokens else { return Vec::new() };
        let mut exp = Expectations {
            resource: discovery
                .as_ref()
                .and_then(|d| d.resource.clone())
                .or_else(|| Some(urls::canonical_resource(&self.server))),
            issuer: discovery.as_ref().and_then(|d| d.asm.issuer.clone()).or(tokens.issuer.clone()),
            leeway: jwt::DEFAULT_LEEWAY,
            expires_in_hint: tokens.expires_at.map(|at| at.saturating_sub(jwt::now())),
            ..Expectations::default()
        };
        if let Some(jwks_uri) = discovery.as_ref().and_then(|d| d.asm.jwks_uri.clone())
            && jwt::is_jwt(&tokens.access_token)
            && let Ok(url) = http_url("jwks_uri", &jwks_uri)
            && let Ok(ex) = self.http.get_json(&url, None).await
            && ex.ok()
        {
            exp.jwks = serde_json::from_slice(&ex.body).ok();
        }
        let mut access = jwt::inspect("access_token", &tokens.access_token, &exp);
        if tokens.is_dpop()
            && let Some(key) = self.dpop_key()
        {
            let claims = access.claims.clone().unwrap_or(Value::Null);
            access.checks.push(crate::dpop::check_binding(&claims, &key));
        }
        if !access.jwt
            && let (Some(d), Some(c)) = (&discovery, &client)
        {
            self.introspect(&mut access, d, c, &tokens.access_token).await;
        }
        let mut out = vec![access];
        // The last DPoP proof sent with it, taken apart and checked as a server would.
        if tokens.is_dpop()
            && let Some((proof, method, url)) = lock(&self.last_proof).clone()
        {
            let r = crate::dpop::inspect_proof(&proof, &method, &url, Some(&tokens.access_token));
            out.push(TokenReport {
                role: "dpop_proof".to_owned(),
                jwt: true,
                header: Some(r.header),
                claims: Some(r.claims),
                expires_at: None,
                scopes: Vec::new(),
                checks: r.checks,
            });
        }
        if let Some(id) = &tokens.id_token {
            out.push(jwt::inspect("id_token", id, &Expectations { resource: None, ..exp }));
        }
        out
    }

    /// RFC 7662: asks the authorization server about an opaque token, where it offers an
    /// introspection endpoint, and adds what it says to the report.
    pub(super) async fn introspect(
        &self,
        report: &mut TokenReport,
        d: &Discovery,
        client: &Client,
        token: &str,
    ) {
        const RULE: &str = "RFC 7662 §2";
        let Some(endpoint) =
            d.asm.introspection_endpoint.as_deref().and_then(|u| http_url("introspection_endpoint", u).ok())
        else {
            report.checks.push(mcpscope_proto::auth::Check::new(
                Verdict::Info,
                RULE,
                "the authorization server offers no introspection endpoint",
            ));
            return;
        };
        let mut step = Step::new(StepKind::Token);
        let form = vec![("token", token.to_owned()), ("token_type_hint", "access_token".to_owned())];
        let Ok(ex) = self.client_post(&mut step, d, &endpoint, client, form, None).await else { return };
        let doc: Value = match serde_json::from_slice(&ex.body) {
            Ok(v) if ex.ok() => v,
            _ => {
                report.checks.push(mcpscope_proto::auth::Check::new(
                    Verdict::Warn,
                    RULE,
                    format!("introspection failed: {}", oauth_error_text(&ex)),
                ));
                return;
            }
        };
        let check = |v, m: String| mcpscope_proto::auth::Check::new(v, RULE, m);
        if doc.get("active").and_then(Value::as_bool) == Some(true) {
            report
                .checks
                .push(check(Verdict::Pass, "the authorization server says the token is active".to_owned()));
        } else {
            report.checks.push(check(
                Verdict::Fail,
                "the authorization server says the token is not active (expired or revoked)".to_owned(),
            ));
        }
        if let Some(exp) = doc.get("exp").and_then(Value::as_i64) {
            report.expires_at = Some(exp);
        }
        if let Some(s) = doc.get("scope").and_then(Value::as_str) {
            report.scopes = split_scopes(Some(s));
        }
        report.claims = Some(doc);
    }
}
