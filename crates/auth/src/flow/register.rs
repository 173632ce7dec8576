//! The client: pre-registered, stored from an earlier run, a client ID metadata document,
//! or registered dynamically (RFC 7591); and which authentication method it uses.

use super::*;

impl OAuth {
    /// Registrations are per authorization server (MCP 2026-07-28: never reuse a client id
    /// with another issuer) and per MCP server.
    pub(super) fn client_key(&self, issuer: &str) -> String {
        format!("oauth-client|{issuer}|{}", urls::canonical_resource(&self.server))
    }

    /// The client the user configured (id, and a secret or key), if any.
    pub(super) fn preregistered(&self, asm: &ServerMetadata) -> Option<Client> {
        let id = self.opts.client_id.clone()?;
        let method = choose_method(asm, self.opts.client_secret.is_some(), self.opts.client_key.is_some());
        Some(Client { id, secret: self.opts.client_secret.clone(), method, redirect_uri: None })
    }

    /// Where the issuer a pre-registered client's credential was first sent to is kept (per
    /// MCP server and client id): from then on it goes to that issuer only.
    pub(super) fn binding_key(&self, client_id: &str) -> String {
        format!("oauth-client-issuer|{}|{client_id}", urls::canonical_resource(&self.server))
    }

    /// A pre-registered client's secret or key goes only to the issuer it was first used
    /// with (RFC 9700 §4.14's rule for refresh tokens, applied to the credential the user
    /// configured): after a restart, a resource that now names another authorization server
    /// does not get it. The first use binds it.
    pub(super) fn check_credential_binding(
        &self,
        step: &mut Step,
        d: &Discovery,
        client: &Client,
    ) -> Flow<()> {
        let credential = client.secret.is_some() || client.method == AuthMethod::PrivateKeyJwt;
        if !credential || self.opts.client_id.as_deref() != Some(client.id.as_str()) {
            // Registered by mcpscope: kept per issuer already, never offered to another.
            return Ok(());
        }
        let issuer_now = d.asm.issuer.clone().unwrap_or_else(|| d.issuer.clone());
        let key = self.binding_key(&client.id);
        match self.store.get(&key) {
            Ok(Some(bound)) if bound.trim_end_matches('/') == issuer_now.trim_end_matches('/') => Ok(()),
            Ok(Some(bound)) => {
                step.check(
                    Verdict::Fail,
                    R_REFRESH_BINDING,
                    format!(
                        "client {:?}'s credential was first sent to {bound:?}; the resource now names {issuer_now:?}: it is not sent there",
                        client.id
                    ),
                );
                Err(self.fail(
                    step.clone(),
                    format!(
                        "the pre-registered client's secret belongs to authorization server {bound:?}, not {issuer_now:?}: not sent"
                    ),
                    Some("if the server really moved, log out of it (forgets the binding) and connect again with the new server's client"),
                ))
            }
            Ok(None) => {
                if let Err(e) = self.store.set(&key, &issuer_now) {
                    tracing::warn!(error = %e, "could not keep the client's issuer binding");
                }
                step.check(
                    Verdict::Info,
                    R_REFRESH_BINDING,
                    format!("client {:?}'s credential is bound to {issuer_now:?} from now on", client.id),
                );
                Ok(())
            }
            Err(e) => {
                Err(self.fail(step.clone(), format!("could not read the client's issuer binding: {e}"), None))
            }
        }
    }

    pub(super) fn stored_client(&self, issuer: &str) -> Option<Client> {
        let text = self.store.get(&self.client_key(issuer)).ok()??;
        serde_json::from_str::<StoredClient>(&text).ok()?.client()
    }

    pub(super) fn save_client(&self, issuer: &str, client: &Client) {
        if let Ok(text) = serde_json::to_string(&StoredClient::from(client))
            && let Err(e) = self.store.set(&self.client_key(issuer), &text)
        {
            tracing::warn!(error = %e, "could not store the client registration; it stays in memory");
        }
    }

    /// The client identity: pre-registered, else a client ID metadata document, else dynamic
    /// registration.
    pub(super) async fn client(&self, st: &mut State, d: &Discovery) -> Flow<Client> {
        if let Some(c) = &st.client {
            return Ok(c.clone());
        }
        let mut step = Step::new(StepKind::Registration);
        let client = if let Some(c) = self.preregistered(&d.asm) {
            step.check(
                Verdict::Pass,
                R_REGISTRATION,
                format!("pre-registered client {:?}, authenticating with {}", c.id, c.method.name()),
            );
            c
        } else if let (Some(true), Some(url)) =
            (d.asm.client_id_metadata_document_supported, &self.opts.client_metadata_url)
        {
            step.check(
                Verdict::Pass,
                R_REGISTRATION,
                format!("the authorization server supports client ID metadata documents: client id {url:?}"),
            );
            Client { id: url.clone(), secret: None, method: AuthMethod::None, redirect_uri: None }
        } else if let Some(stored) = self.stored_client(&d.issuer) {
            step.check(
                Verdict::Pass,
                R_REGISTRATION,
                format!(
                    "reusing this server's earlier registration at {}: client {:?} ({})",
                    d.issuer,
                    stored.id,
                    stored.method.name()
                ),
            );
            stored
        } else if let Some(reg) = &d.registration_endpoint {
            let loopback =
                Loopback::bind().await.map_err(|e| self.fail(step.clone(), e.to_string(), None))?;
            let redirect_uri = loopback.redirect_uri.clone();
            drop(loopback);
            let method = choose_method(&d.asm, false, false);
            let wanted_method = if method == AuthMethod::None && !d.asm.supports_auth_method("none") {
                // A server that lists no "none" gets a confidential registration.
                if d.asm.supports_auth_method("client_secret_post")
                    && !d.asm.supports_auth_method("client_secret_basic")
                {
                    AuthMethod::Post
                } else {
                    AuthMethod::Basic
                }
            } else {
                method
            };
            let body = json!({
                "client_name": self.opts.client_name,
                "redirect_uris": [redirect_uri.as_str()],
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
                "token_endpoint_auth_method": wanted_method.name(),
                "application_type": "native",
            });
            let ex = match self.http.post_json(reg, &body).await {
                Ok(ex) => ex,
                Err(e) => return Err(self.fail(step, e.to_string(), None)),
            };
            step.exchanges.push(ex.id);
            if !ex.ok() {
                let why = oauth_error_text(&ex);
                return Err(self.fail(
                    step,
                    format!("dynamic client registration failed: {why}"),
                    Some("accept RFC 7591 registrations of native clients with loopback redirect URIs, or give mcpscope a pre-registered client id"),
                ));
            }
            let doc: Value = match serde_json::from_slice(&ex.body) {
                Ok(v) => v,
                Err(e) => {
                    return Err(self.fail(step, format!("the registration response is not JSON: {e}"), None));
                }
            };
            let Some(id) = doc.get("client_id").and_then(Value::as_str) else {
                return Err(self.fail(step, "the registration response has no client_id", None));
            };
            let secret = doc.get("client_secret").and_then(Value::as_str).map(str::to_owned);
            let method = doc
                .get("token_endpoint_auth_method")
                .and_then(Value::as_str)
                .and_then(AuthMethod::parse)
                .unwrap_or_else(|| choose_method(&d.asm, secret.is_some(), false));
            step.check(
                Verdict::Pass,
                R_DCR,
                format!(
                    "registered as {id:?} ({}, {})",
                    method.name(),
                    if secret.is_some() { "with a secret" } else { "public" }
                ),
            );
            let client = Client { id: id.to_owned(), secret, method, redirect_uri: Some(redirect_uri) };
            self.save_client(&d.issuer, &client);
            client
        } else {
            return Err(self.fail(
                step,
                "no way to obtain a client id: the authorization server offers neither dynamic registration nor client ID metadata documents",
                Some("enable dynamic client registration (registration_endpoint) or client ID metadata documents, or pass a pre-registered --client-id"),
            ));
        };
        self.finish(step);
        st.client = Some(client.clone());
        Ok(client)
    }
}

/// Token endpoint authentication: what the server supports, given what the client has.
pub(super) fn choose_method(asm: &ServerMetadata, has_secret: bool, has_key: bool) -> AuthMethod {
    if has_key {
        return AuthMethod::PrivateKeyJwt;
    }
    if !has_secret {
        return AuthMethod::None;
    }
    match &asm.token_endpoint_auth_methods_supported {
        // RFC 8414 §2: absent means client_secret_basic.
        None => AuthMethod::Basic,
        Some(_) if asm.supports_auth_method("client_secret_basic") => AuthMethod::Basic,
        Some(_) if asm.supports_auth_method("client_secret_post") => AuthMethod::Post,
        Some(_) => AuthMethod::Basic,
    }
}
