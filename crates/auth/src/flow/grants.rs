//! The grants: authorization code with PKCE through the browser, client credentials,
//! cross-app access (token exchange + JWT bearer), workload identity, and refresh; the token
//! request and response they share.

use super::*;

impl OAuth {
    pub(super) async fn post_form(
        &self,
        step: &mut Step,
        url: &Url,
        form: &[(&str, String)],
        basic: Option<(&str, &str)>,
        extra: &[(&str, String)],
    ) -> Flow<Exchange> {
        match self.http.post_form(url, form, basic, extra).await {
            Ok(ex) => {
                step.exchanges.push(ex.id);
                Ok(ex)
            }
            Err(e) => Err(self.fail(step.clone(), e.to_string(), None)),
        }
    }

    pub(super) async fn authorization_code(
        &self,
        d: &Discovery,
        client: &Client,
        scopes: &[String],
        scope_note: &str,
    ) -> Flow<Tokens> {
        let mut step = Step::new(StepKind::Authorization);
        let Some(authorization_endpoint) = d.authorization_endpoint.clone() else {
            return Err(self.fail(step, "no authorization endpoint", None));
        };
        // Bind the listener first: its port is part of the redirect URI.
        let loopback = match Loopback::bind().await {
            Ok(l) => l,
            Err(e) => return Err(self.fail(step, e.to_string(), None)),
        };
        let redirect_uri = match (&client.redirect_uri, &self.opts.redirect) {
            // A registered URI is used as registered in headless mode (nobody listens anyway);
            // the browser needs the listener's own port.
            (Some(r), Redirect::Headless) => r.clone(),
            _ => loopback.redirect_uri.clone(),
        };
        let (challenge, verifier) = oauth2::PkceCodeChallenge::new_random_sha256();
        let csrf = oauth2::CsrfToken::new_random();
        let mut url = authorization_endpoint.clone();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", &client.id)
                .append_pair("redirect_uri", redirect_uri.as_str())
                .append_pair("state", csrf.secret())
                .append_pair("code_challenge", challenge.as_str())
                .append_pair("code_challenge_method", "S256");
            if !scopes.is_empty() {
                q.append_pair("scope", &scopes.join(" "));
            }
            if let Some(r) = &d.resource {
                q.append_pair("resource", r);
            }
        }
        step.check(Verdict::Pass, R_PKCE, "PKCE with S256; a fresh verifier for this request");
        step.check(Verdict::Pass, R_STATE, "a fresh random state, checked on the way back");
        step.check(
            Verdict::Info,
            R_SCOPE,
            if scopes.is_empty() {
                scope_note.to_owned()
            } else {
                format!("scope {:?}: {scope_note}", scopes.join(" "))
            },
        );
        match &d.resource {
            Some(r) => step.check(
                Verdict::Pass,
                R_RESOURCE,
                format!("resource {r:?} in the authorization and token requests"),
            ),
            None => step.check(Verdict::Info, R_LEGACY, "no resource parameter under the 2025-03-26 rules"),
        }
        let callback = match &self.opts.redirect {
            Redirect::Headless => {
                drop(loopback);
                step.check(Verdict::Info, "", "headless: following the authorization URL without a browser");
                redirect::headless(&self.http, &url, &redirect_uri)
                    .await
                    .map(|url| redirect::Callback { url, refused: Vec::new() })
            }
            Redirect::Browser { timeout, open } => {
                step.check(
                    Verdict::Info,
                    "RFC 8252 §7.3",
                    format!(
                        "waiting on {} for the browser (one use, up to {} s)",
                        loopback.redirect_uri,
                        timeout.as_secs()
                    ),
                );
                let opened = if *open {
                    redirect::open_in_browser(&url).map_err(|e| e.to_string())
                } else {
                    Err("not asked to".to_owned())
                };
                if let Err(why) = opened {
                    // Not fatal: the user can open the URL by hand while the listener waits.
                    step.check(
                        Verdict::Info,
                        "",
                        format!("no browser opened ({why}): open the authorization URL by hand"),
                    );
                }
                if let Some(obs) = &self.observer {
                    let mut waiting = step.clone();
                    waiting.waiting = true;
                    waiting.url = Some(url.to_string());
                    obs(&waiting);
                }
                loopback.wait(*timeout, csrf.secret()).await
            }
        };
        let callback = match callback {
            Ok(c) => c,
            Err(e) => {
                return Err(self.fail(step, e.to_string(), None));
            }
        };
        self.finish(step);

        // The authorization response.
        let mut step = Step::new(StepKind::Callback);
        for refused in &callback.refused {
            step.check(
                Verdict::Warn,
                R_STATE,
                format!("a response with {refused} came to the redirect listener first and was ignored: forged, or left from an earlier attempt"),
            );
        }
        let callback = callback.url;
        let q: std::collections::HashMap<String, String> = callback.query_pairs().into_owned().collect();
        match q.get("state") {
            Some(s) if s == csrf.secret() => step.check(Verdict::Pass, R_STATE, "state matches the request"),
            Some(_) => {
                step.check(Verdict::Fail, R_STATE, "state does not match the one sent: the response may be forged (CSRF); the code is not redeemed");
                return Err(self.fail(step, "state mismatch in the authorization response: refused", None));
            }
            None => {
                step.check(
                    Verdict::Fail,
                    R_STATE,
                    "the response carries no state: refused (the code is not redeemed)",
                );
                return Err(self.fail(
                    step,
                    "the authorization response has no state",
                    Some("return the state parameter unchanged in the redirect"),
                ));
            }
        }
        let expected_iss = d.asm.issuer.clone().unwrap_or_else(|| d.issuer.clone());
        match (q.get("iss"), d.asm.authorization_response_iss_parameter_supported == Some(true)) {
            (Some(iss), _) if iss == &expected_iss => {
                step.check(Verdict::Pass, R_ISS, format!("iss {iss:?} is the issuer"))
            }
            (Some(iss), _) => {
                step.check(
                    Verdict::Fail,
                    R_ISS,
                    format!("iss {iss:?} is not the issuer {expected_iss:?}: possible mix-up attack"),
                );
                return Err(self.fail(
                    step,
                    "the authorization response came from another issuer: refused",
                    None,
                ));
            }
            (None, true) => {
                step.check(
                    Verdict::Fail,
                    R_ISS,
                    "the server advertises authorization_response_iss_parameter_supported but sent no iss",
                );
                return Err(self.fail(
                    step,
                    "the authorization response lacks the iss the server promised",
                    None,
                ));
            }
            (None, false) => {
                step.check(Verdict::Info, R_ISS, "no iss parameter (the server does not advertise RFC 9207)")
            }
        }
        if let Some(error) = q.get("error") {
            let desc = q.get("error_description").cloned().unwrap_or_default();
            return Err(self.fail(
                step,
                format!("the authorization server refused: {error} ({}) {desc}", explain_error(error)),
                None,
            ));
        }
        let Some(code) = q.get("code").cloned() else {
            return Err(self.fail(step, "the authorization response has neither code nor error", None));
        };
        step.check(Verdict::Pass, "OAuth 2.1 §4.1.2", "authorization code received");
        self.finish(step);

        // The token request.
        let mut step = Step::new(StepKind::Token);
        let mut form = vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code),
            ("redirect_uri", redirect_uri.to_string()),
            ("code_verifier", verifier.secret().clone()),
        ];
        if let Some(r) = &d.resource {
            form.push(("resource", r.clone()));
        }
        let ex = self.token_request(&mut step, d, client, form).await?;
        self.tokens_from(step, d, &ex, scopes)
    }

    /// Adds client authentication to `form` and POSTs it to the token endpoint.
    pub(super) async fn token_request(
        &self,
        step: &mut Step,
        d: &Discovery,
        client: &Client,
        form: Vec<(&'static str, String)>,
    ) -> Flow<Exchange> {
        let endpoint = d.token_endpoint.clone();
        if !d.dpop {
            return self.client_post(step, d, &endpoint, client, form, None).await;
        }
        let key = self.dpop_key_or_new();
        let proof = key.proof("POST", endpoint.as_str(), None);
        step.check(
            Verdict::Info,
            "RFC 9449 §5",
            format!("DPoP proof for POST {endpoint}, key {}", key.thumbprint()),
        );
        let ex = self.client_post(step, d, &endpoint, client, form.clone(), Some(proof)).await?;
        // RFC 9449 §8: the authorization server may ask for a nonce first.
        let nonce = ex.header("dpop-nonce").map(str::to_owned);
        let asks_nonce = ex.status == 400
            && serde_json::from_slice::<Value>(&ex.body)
                .ok()
                .is_some_and(|v| v.get("error").and_then(Value::as_str) == Some("use_dpop_nonce"));
        match nonce {
            Some(n) if asks_nonce && key.nonce(endpoint.as_str()).as_deref() != Some(n.as_str()) => {
                key.set_nonce(endpoint.as_str(), &n);
                step.check(
                    Verdict::Info,
                    "RFC 9449 §8",
                    format!("the authorization server asks for DPoP nonce {n:?}: sending the request again with it"),
                );
                let proof = key.proof("POST", endpoint.as_str(), None);
                self.client_post(step, d, &endpoint, client, form, Some(proof)).await
            }
            _ => Ok(ex),
        }
    }

    /// Adds client authentication to `form` and POSTs it to `endpoint` (token, introspection).
    pub(super) async fn client_post(
        &self,
        step: &mut Step,
        d: &Discovery,
        endpoint: &Url,
        client: &Client,
        mut form: Vec<(&'static str, String)>,
        dpop_proof: Option<String>,
    ) -> Flow<Exchange> {
        self.check_credential_binding(step, d, client)?;
        let mut basic = None;
        match client.method {
            AuthMethod::Basic => match &client.secret {
                Some(s) => basic = Some((client.id.as_str(), s.as_str())),
                None => form.push(("client_id", client.id.clone())),
            },
            AuthMethod::Post => {
                form.push(("client_id", client.id.clone()));
                if let Some(s) = &client.secret {
                    form.push(("client_secret", s.clone()));
                }
            }
            // A grant that needs no client (workload identity) names none.
            AuthMethod::None if client.id.is_empty() => {}
            AuthMethod::None => form.push(("client_id", client.id.clone())),
            AuthMethod::PrivateKeyJwt => {
                let assertion = match self.client_assertion(d, &client.id) {
                    Ok(a) => a,
                    Err(e) => return Err(self.fail(step.clone(), e, None)),
                };
                form.push(("client_id", client.id.clone()));
                form.push((
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
                ));
                form.push(("client_assertion", assertion));
            }
        }
        step.check(
            Verdict::Info,
            "RFC 6749 §2.3",
            format!("client authentication: {}", client.method.name()),
        );
        let extra: Vec<(&str, String)> = dpop_proof.into_iter().map(|p| ("dpop", p)).collect();
        self.post_form(step, endpoint, &form, basic, &extra).await
    }

    /// The client of a grant whose assertion says who is asking (JWT bearer): the user's client
    /// id with Basic credentials when a secret is given, else no client authentication.
    pub(super) fn assertion_client(&self) -> Client {
        Client {
            id: self.opts.client_id.clone().unwrap_or_default(),
            secret: self.opts.client_secret.clone(),
            method: if self.opts.client_secret.is_some() { AuthMethod::Basic } else { AuthMethod::None },
            redirect_uri: None,
        }
    }

    /// A private_key_jwt assertion (RFC 7523 §3): iss = sub = client id, aud = the issuer.
    pub(super) fn client_assertion(
        &self,
        d: &Discovery,
        client_id: &str,
    ) -> std::result::Result<String, String> {
        let key = self.opts.client_key.as_ref().ok_or("private_key_jwt needs a private key")?;
        let encoding = match key.algorithm {
            jsonwebtoken::Algorithm::ES256 | jsonwebtoken::Algorithm::ES384 => {
                jsonwebtoken::EncodingKey::from_ec_pem(key.pem.as_bytes())
            }
            jsonwebtoken::Algorithm::EdDSA => jsonwebtoken::EncodingKey::from_ed_pem(key.pem.as_bytes()),
            _ => jsonwebtoken::EncodingKey::from_rsa_pem(key.pem.as_bytes()),
        }
        .map_err(|e| format!("the client's private key is not usable: {e}"))?;
        let now = jwt::now();
        let aud = d.asm.issuer.clone().unwrap_or_else(|| d.issuer.clone());
        let claims = json!({
            "iss": client_id,
            "sub": client_id,
            "aud": aud,
            "iat": now,
            "exp": now + 300,
            "jti": oauth2::CsrfToken::new_random().secret(),
        });
        jsonwebtoken::encode(&jsonwebtoken::Header::new(key.algorithm), &claims, &encoding)
            .map_err(|e| format!("could not sign the client assertion: {e}"))
    }

    /// Reads a token response into tokens, or fails the step with the OAuth error explained.
    pub(super) fn tokens_from(
        &self,
        mut step: Step,
        d: &Discovery,
        ex: &Exchange,
        requested: &[String],
    ) -> Flow<Tokens> {
        if !ex.ok() {
            let why = oauth_error_text(ex);
            return Err(self.fail(step, format!("the token request failed: {why}"), None));
        }
        let t: TokenResponse = match serde_json::from_slice(&ex.body) {
            Ok(t) => t,
            Err(e) => {
                return Err(self.fail(
                    step,
                    format!("the token response is not a JSON object with access_token: {e}"),
                    Some("answer the token request with RFC 6749 §5.1 JSON"),
                ));
            }
        };
        match t.token_type.as_deref() {
            Some(tt) if tt.eq_ignore_ascii_case("dpop") && d.dpop => {
                step.check(Verdict::Pass, "RFC 9449 §5", "token_type DPoP: bound to this session's key")
            }
            Some(tt) if tt.eq_ignore_ascii_case("bearer") && d.dpop => step.check(
                Verdict::Warn,
                "RFC 9449 §5",
                "asked for a DPoP-bound token with a proof, got a Bearer token: the server ignored the proof",
            ),
            Some(tt) if tt.eq_ignore_ascii_case("bearer") => {
                step.check(Verdict::Pass, R_TOKEN, "token_type Bearer")
            }
            Some(tt) => {
                step.check(Verdict::Warn, R_TOKEN, format!("token_type {tt:?}: MCP uses Bearer tokens"))
            }
            None => step.check(Verdict::Warn, R_TOKEN, "no token_type (required by RFC 6749 §5.1)"),
        }
        step.check(
            Verdict::Info,
            R_TOKEN,
            format!(
                "{} access token{}{}",
                if jwt::is_jwt(&t.access_token) { "JWT" } else { "opaque" },
                t.expires_in.map(|s| format!(", expires in {}", jwt::human(s))).unwrap_or_default(),
                if t.refresh_token.is_some() { ", with a refresh token" } else { ", no refresh token" }
            ),
        );
        if let Some(granted) = &t.scope {
            let g = split_scopes(Some(granted));
            // offline_access and openid shape what is issued (a refresh token, an ID token);
            // servers commonly leave them out of the granted scope.
            let missing: Vec<&String> = requested
                .iter()
                .filter(|r| !g.contains(r) && !matches!(r.as_str(), "offline_access" | "openid"))
                .collect();
            if !missing.is_empty() {
                step.check(
                    Verdict::Warn,
                    "RFC 6749 §3.3",
                    format!("granted scope {granted:?} lacks {missing:?}"),
                );
            }
        }
        self.finish(step);
        let now = jwt::now();
        Ok(Tokens {
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            id_token: t.id_token,
            expires_at: t.expires_in.map(|s| now.saturating_add(s)),
            scope: t.scope.or_else(|| (!requested.is_empty()).then(|| requested.join(" "))),
            issuer: d.asm.issuer.clone().or_else(|| Some(d.issuer.clone())),
            token_type: t.token_type,
            obtained_at: now,
            refreshed_after_refusal: false,
        })
    }

    pub(super) async fn client_credentials(&self, d: &Discovery, scopes: &[String]) -> Flow<Tokens> {
        let mut step = Step::new(StepKind::ClientCredentials);
        let Some(id) = self.opts.client_id.clone() else {
            return Err(self.fail(
                step,
                "the client credentials grant needs a client id",
                Some("pass --client-id"),
            ));
        };
        let method = if self.opts.client_key.is_some() {
            AuthMethod::PrivateKeyJwt
        } else {
            choose_method(&d.asm, self.opts.client_secret.is_some(), false)
        };
        if !d.asm.grant_types_supported.as_ref().is_none_or(|g| g.iter().any(|x| x == "client_credentials")) {
            step.check(
                Verdict::Warn,
                "RFC 8414 §2",
                "grant_types_supported does not list client_credentials",
            );
        }
        let client = Client { id, secret: self.opts.client_secret.clone(), method, redirect_uri: None };
        let mut form = vec![("grant_type", "client_credentials".to_owned())];
        if !scopes.is_empty() {
            form.push(("scope", scopes.join(" ")));
        }
        if let Some(r) = &d.resource {
            form.push(("resource", r.clone()));
        }
        let ex = self.token_request(&mut step, d, &client, form).await?;
        self.tokens_from(step, d, &ex, scopes)
    }

    pub(super) async fn cross_app(&self, d: &Discovery, x: &CrossApp, scopes: &[String]) -> Flow<Tokens> {
        let mut step = Step::new(StepKind::TokenExchange);
        let idp = match http_url("IdP token endpoint", &x.idp_token_endpoint) {
            Ok(u) => u,
            Err(e) => return Err(self.fail(step, e.to_string(), None)),
        };
        let audience = d.asm.issuer.clone().unwrap_or_else(|| d.issuer.clone());
        let resource = d.resource.clone().unwrap_or_else(|| urls::canonical_resource(&self.server));
        let mut form = vec![
            ("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange".to_owned()),
            ("subject_token", x.id_token.clone()),
            ("subject_token_type", "urn:ietf:params:oauth:token-type:id_token".to_owned()),
            ("requested_token_type", "urn:ietf:params:oauth:token-type:id-jag".to_owned()),
            ("audience", audience),
            ("resource", resource),
        ];
        if let Some(c) = &x.idp_client_id {
            form.push(("client_id", c.clone()));
        }
        if !scopes.is_empty() {
            form.push(("scope", scopes.join(" ")));
        }
        let ex = self.post_form(&mut step, &idp, &form, None, &[]).await?;
        if !ex.ok() {
            return Err(self.fail(
                step,
                format!("the IdP refused the token exchange: {}", oauth_error_text(&ex)),
                None,
            ));
        }
        let doc: Value = serde_json::from_slice(&ex.body).unwrap_or(Value::Null);
        let Some(jag) = doc.get("access_token").and_then(Value::as_str).map(str::to_owned) else {
            return Err(self.fail(
                step,
                "the token exchange response has no access_token (the ID-JAG)",
                None,
            ));
        };
        match doc.get("issued_token_type").and_then(Value::as_str) {
            Some("urn:ietf:params:oauth:token-type:id-jag") => {
                step.check(Verdict::Pass, "RFC 8693 §2.2.1", "issued an identity assertion grant (ID-JAG)")
            }
            other => step.check(
                Verdict::Warn,
                "RFC 8693 §2.2.1",
                format!("issued_token_type {other:?}, expected id-jag"),
            ),
        }
        self.finish(step);
        let mut step = Step::new(StepKind::Token);
        let client = self.assertion_client();
        let mut form = vec![
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer".to_owned()),
            ("assertion", jag),
        ];
        if !scopes.is_empty() {
            form.push(("scope", scopes.join(" ")));
        }
        let ex = self.token_request(&mut step, d, &client, form).await?;
        self.tokens_from(step, d, &ex, scopes)
    }

    /// The JWT bearer grant with the workload's own token as the assertion. A refused
    /// assertion is final: sending it again, or falling back to another grant, would not help
    /// and could look like an attack to the authorization server.
    pub(super) async fn jwt_bearer(
        &self,
        d: &Discovery,
        w: &WorkloadToken,
        scopes: &[String],
    ) -> Flow<Tokens> {
        let mut step = Step::new(StepKind::JwtBearer);
        let assertion = match w {
            WorkloadToken::Value(v) => v.trim().to_owned(),
            WorkloadToken::File(path) => {
                match std::fs::read_to_string(path) {
                    Ok(text) => text.trim().to_owned(),
                    Err(e) => {
                        return Err(self.fail(
                        step,
                        format!("could not read the workload token file {}: {e}", path.display()),
                        Some("point --workload-token-file at the token the platform mounts for this workload"),
                    ));
                    }
                }
            }
        };
        if !jwt::is_jwt(&assertion) {
            return Err(self.fail(
                step,
                "the workload token is not a JWT",
                Some("the jwt-bearer grant takes a signed JWT issued to this workload"),
            ));
        }
        let grant = "urn:ietf:params:oauth:grant-type:jwt-bearer";
        if !d.asm.grant_types_supported.as_ref().is_none_or(|g| g.iter().any(|x| x == grant)) {
            step.check(Verdict::Warn, "RFC 8414 §2", format!("grant_types_supported does not list {grant}"));
        }
        let claims =
            jsonwebtoken::dangerous::insecure_decode_claims::<Value>(&assertion).unwrap_or(Value::Null);
        let text = |k: &str| claims.get(k).map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
        step.check(
            Verdict::Info,
            "RFC 7523 §3",
            format!(
                "workload assertion: iss {:?}, sub {:?}, aud {:?}",
                text("iss").unwrap_or_default(),
                text("sub").unwrap_or_default(),
                text("aud").unwrap_or_default()
            ),
        );
        let issuer = d.asm.issuer.clone().unwrap_or_else(|| d.issuer.clone());
        let audiences: Vec<String> = match claims.get("aud") {
            Some(Value::String(a)) => vec![a.clone()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
            _ => Vec::new(),
        };
        if !audiences.iter().any(|a| a.trim_end_matches('/') == issuer.trim_end_matches('/')) {
            step.check(
                Verdict::Warn,
                "RFC 7523 §3",
                format!("the assertion's aud {audiences:?} does not name the authorization server {issuer:?}: it will likely be refused"),
            );
        }
        if let Some(exp) = claims.get("exp").and_then(Value::as_i64)
            && exp < jwt::now()
        {
            step.check(
                Verdict::Warn,
                "RFC 7523 §3",
                "the assertion has expired: the platform should have rotated it",
            );
        }
        let client = self.assertion_client();
        let mut form = vec![("grant_type", grant.to_owned()), ("assertion", assertion)];
        if !scopes.is_empty() {
            form.push(("scope", scopes.join(" ")));
        }
        if let Some(r) = &d.resource {
            form.push(("resource", r.clone()));
        }
        if client.id.is_empty() {
            step.check(
                Verdict::Info,
                "RFC 7523 §2.1",
                "no client authentication: the assertion identifies the workload",
            );
        }
        let ex = self.token_request(&mut step, d, &client, form).await?;
        self.tokens_from(step, d, &ex, scopes)
    }

    pub(super) async fn refresh(&self, st: &mut State, why: &str) -> Flow<()> {
        let mut step = Step::new(StepKind::Refresh);
        let Some(tokens) = st.tokens.clone() else { return Err(Stop("no tokens to refresh".to_owned())) };
        let Some(refresh_token) = tokens.refresh_token.clone() else {
            return Err(Stop("no refresh token".to_owned()));
        };
        step.check(Verdict::Info, "OAuth 2.1 §4.3", why);
        let d = match st.discovery.clone() {
            Some(d) => d,
            None => {
                // Tokens loaded from the keyring: discover again (no challenge at hand).
                let d = self.discover(None, mcpscope_proto::DEFAULT_PROTOCOL_VERSION).await?;
                st.discovery = Some(d.clone());
                d
            }
        };
        // A refresh token (and the client's secret) goes back only to the issuer that issued
        // it: tokens loaded after a restart are refreshed against whatever the resource names
        // now, which may be another authorization server.
        let issuer_now = d.asm.issuer.clone().unwrap_or_else(|| d.issuer.clone());
        let same_issuer = |i: &str| i.trim_end_matches('/') == issuer_now.trim_end_matches('/');
        if !tokens.issuer.as_deref().is_some_and(same_issuer) {
            step.check(
                Verdict::Fail,
                R_REFRESH_BINDING,
                format!(
                    "the refresh token was issued by {}; the resource now names {issuer_now:?}: it is not sent there",
                    tokens.issuer.as_deref().map_or("an unknown issuer".to_owned(), |i| format!("{i:?}"))
                ),
            );
            st.tokens = None;
            let _ = self.store.delete(&self.token_key());
            return Err(self.fail(
                step,
                "the stored refresh token belongs to another authorization server: authorize again",
                Some("authorize again; the old tokens were forgotten"),
            ));
        }
        let client = match st
            .client
            .clone()
            .or_else(|| self.preregistered(&d.asm))
            .or_else(|| self.stored_client(&d.issuer))
        {
            Some(c) => c,
            None => {
                return Err(self.fail(
                    step,
                    "no client id to refresh with (the registration was not kept)",
                    None,
                ));
            }
        };
        let mut form =
            vec![("grant_type", "refresh_token".to_owned()), ("refresh_token", refresh_token.clone())];
        if let Some(r) = &d.resource {
            form.push(("resource", r.clone()));
        }
        let ex = self.token_request(&mut step, &d, &client, form).await?;
        let mut new = self.tokens_from(step, &d, &ex, &split_scopes(tokens.scope.as_deref()))?;
        if new.refresh_token.is_none() {
            // No rotation: the old refresh token stays valid.
            new.refresh_token = Some(refresh_token);
        }
        self.save(&new);
        st.tokens = Some(new);
        Ok(())
    }

    /// Refreshes now, whatever the expiry (the GUI's "refresh" action and tests).
    pub async fn refresh_now(&self) -> std::result::Result<(), String> {
        let mut st = self.state.lock().await;
        self.load(&mut st);
        self.refresh(&mut st, "refresh requested").await.map_err(|Stop(why)| why)
    }
}
