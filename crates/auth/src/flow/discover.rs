//! Discovery: protected resource metadata (from the challenge or the well-known URLs),
//! authorization server metadata in the spec's order and its fallbacks, and the DPoP decision.

use super::*;

impl OAuth {
    pub(super) async fn discover(
        &self,
        bearer: Option<&BearerChallenge>,
        protocol_version: &str,
    ) -> Flow<Discovery> {
        // Protected resource metadata.
        let mut step = Step::new(StepKind::ResourceMetadata);
        let candidates: Vec<Url> = match bearer.and_then(|b| b.resource_metadata.as_deref()) {
            Some(u) => match http_url("resource_metadata", u) {
                Ok(url) => vec![url],
                Err(e) => {
                    return Err(self.fail(
                        step,
                        e.to_string(),
                        Some("resource_metadata in WWW-Authenticate must be an http(s) URL"),
                    ));
                }
            },
            None => urls::prm_candidates(&self.server),
        };
        let prm: Option<ResourceMetadata> =
            self.first_document(&mut step, &candidates, protocol_version, R_PRM, "resource metadata").await?;
        let legacy = prm.is_none();
        let (issuer, resource) = match &prm {
            Some(doc) => {
                let resource = match &doc.resource {
                    Some(r) if urls::resource_matches(r, &self.server) => {
                        step.check(
                            Verdict::Pass,
                            R_PRM_RESOURCE,
                            format!("resource {r:?} names this server ({})", self.server),
                        );
                        r.clone()
                    }
                    Some(r) => {
                        step.check(
                            Verdict::Fail,
                            R_PRM_RESOURCE,
                            format!(
                                "resource {r:?} is not this server ({}): a token for it must not be obtained for or sent to this server",
                                self.server
                            ),
                        );
                        return Err(self.fail(
                            step,
                            format!(
                                "the resource metadata is for {r:?}, not for {}: refusing to authorize",
                                self.server
                            ),
                            Some(
                                "set \"resource\" in the protected resource metadata to the server's own URL",
                            ),
                        ));
                    }
                    None => {
                        step.check(
                            Verdict::Warn,
                            R_PRM_RESOURCE,
                            "the document has no \"resource\" member (RFC 9728 requires it); using the server URL",
                        );
                        urls::canonical_resource(&self.server)
                    }
                };
                let Some(first) = doc.authorization_servers.first() else {
                    return Err(self.fail(
                        step,
                        "the resource metadata lists no authorization_servers",
                        Some("list the authorization server's issuer URL in authorization_servers"),
                    ));
                };
                if doc.authorization_servers.len() > 1 {
                    step.check(
                        Verdict::Info,
                        "RFC 9728 §7.6",
                        format!(
                            "{} authorization servers listed; using the first, {first}",
                            doc.authorization_servers.len()
                        ),
                    );
                }
                if let Err(e) = http_url("authorization server", first) {
                    return Err(self.fail(
                        step,
                        e.to_string(),
                        Some("authorization_servers must hold http(s) issuer URLs"),
                    ));
                }
                (first.trim_end_matches('/').to_owned(), Some(resource))
            }
            None => {
                step.check(
                    Verdict::Warn,
                    R_LEGACY,
                    "no protected resource metadata anywhere: falling back to the 2025-03-26 rules, where the server's origin is the authorization server (servers from 2025-06-18 on must publish the metadata)",
                );
                (urls::legacy_base(&self.server).as_str().trim_end_matches('/').to_owned(), None)
            }
        };
        self.finish(step);

        // Authorization server metadata.
        let mut step = Step::new(StepKind::ServerMetadata);
        let issuer_url = match http_url("issuer", &issuer) {
            Ok(u) => u,
            Err(e) => return Err(self.fail(step, e.to_string(), None)),
        };
        let candidates = if legacy {
            vec![urls::legacy_endpoint(&self.server, "/.well-known/oauth-authorization-server")]
        } else {
            urls::as_metadata_candidates(&issuer_url)
        };
        let asm: Option<ServerMetadata> =
            self.first_document(&mut step, &candidates, protocol_version, R_ASM, "metadata").await?;
        let legacy_defaults = asm.is_none();
        let asm = match asm {
            Some(a) => a,
            None if legacy => {
                step.check(
                    Verdict::Warn,
                    R_LEGACY,
                    "no authorization server metadata: using the default endpoints /authorize, /token and /register at the server's origin",
                );
                ServerMetadata {
                    issuer: Some(issuer.clone()),
                    authorization_endpoint: Some(
                        urls::legacy_endpoint(&self.server, "/authorize").to_string(),
                    ),
                    token_endpoint: Some(urls::legacy_endpoint(&self.server, "/token").to_string()),
                    registration_endpoint: Some(urls::legacy_endpoint(&self.server, "/register").to_string()),
                    ..ServerMetadata::default()
                }
            }
            None => {
                let tried = candidates.iter().map(Url::to_string).collect::<Vec<_>>().join(", ");
                return Err(self.fail(
                    step,
                    format!("no authorization server metadata at any of {tried}"),
                    Some("serve RFC 8414 metadata (or an OpenID configuration) at one of these URLs"),
                ));
            }
        };
        if !legacy_defaults {
            match asm.issuer.as_deref().map(|i| i.trim_end_matches('/')) {
                Some(i) if i == issuer => step.check(
                    Verdict::Pass,
                    R_ISSUER,
                    format!("issuer {i:?} matches the URL it was looked up for"),
                ),
                Some(i) if legacy => step.check(
                    Verdict::Warn,
                    R_ISSUER,
                    format!("issuer {i:?} differs from {issuer:?}; tolerated under the 2025-03-26 rules"),
                ),
                Some(i) => {
                    step.check(
                        Verdict::Fail,
                        R_ISSUER,
                        format!("issuer {i:?} is not {issuer:?}, the URL the metadata was looked up for: the document must be discarded (mix-up protection)"),
                    );
                    return Err(self.fail(
                        step,
                        format!("the authorization server metadata names issuer {i:?}, not {issuer:?}"),
                        Some("make \"issuer\" in the metadata identical to the issuer URL in authorization_servers"),
                    ));
                }
                None => step.check(Verdict::Warn, R_ISSUER, "the metadata has no issuer member"),
            }
        }
        let dpop = self.opts.dpop && self.decide_dpop(&mut step, &asm, bearer);
        let needs_pkce = matches!(self.opts.grant, Grant::AuthorizationCode);
        if needs_pkce && !legacy_defaults {
            match &asm.code_challenge_methods_supported {
                Some(m) if m.iter().any(|x| x == "S256") => {
                    step.check(Verdict::Pass, R_PKCE, "code_challenge_methods_supported includes S256")
                }
                Some(m) => {
                    step.check(
                        Verdict::Fail,
                        R_PKCE,
                        format!("code_challenge_methods_supported is {m:?}, without S256"),
                    );
                    return Err(self.fail(
                        step,
                        "the authorization server does not support PKCE with S256",
                        Some("support S256 and list it in code_challenge_methods_supported"),
                    ));
                }
                None => {
                    step.check(
                        Verdict::Fail,
                        R_PKCE,
                        "code_challenge_methods_supported is missing: a client must refuse to proceed, as it cannot confirm PKCE support",
                    );
                    return Err(self.fail(
                        step,
                        "the authorization server metadata does not advertise PKCE (code_challenge_methods_supported)",
                        Some("add \"code_challenge_methods_supported\": [\"S256\"] to the metadata"),
                    ));
                }
            }
        }
        let endpoint = |step: &mut Step,
                        name: &str,
                        v: &Option<String>|
         -> std::result::Result<Option<Url>, String> {
            let Some(s) = v else { return Ok(None) };
            let url = http_url(name, s).map_err(|e| e.to_string())?;
            if url.scheme() != "https" && !urls::is_loopback(&url) {
                if !self.opts.allow_plain_http {
                    step.check(
                            Verdict::Fail,
                            R_HTTPS,
                            format!("{name} {url} is plain http on another host: codes, secrets and tokens would cross the network in clear"),
                        );
                    return Err(format!(
                        "{name} {url} is not https; refused (allow plain http for this server to go on)"
                    ));
                }
                step.check(
                    Verdict::Warn,
                    R_HTTPS,
                    format!("{name} {url} is not https (allowed for this server)"),
                );
            }
            Ok(Some(url))
        };
        let authorization_endpoint =
            match endpoint(&mut step, "authorization_endpoint", &asm.authorization_endpoint) {
                Ok(u) => u,
                Err(e) => return Err(self.fail(step, e, Some(ENDPOINT_FIX))),
            };
        let token_endpoint = match endpoint(&mut step, "token_endpoint", &asm.token_endpoint) {
            Ok(Some(u)) => u,
            Ok(None) => {
                return Err(self.fail(
                    step,
                    "the metadata has no token_endpoint",
                    Some("add token_endpoint to the metadata"),
                ));
            }
            Err(e) => return Err(self.fail(step, e, Some(ENDPOINT_FIX))),
        };
        let registration_endpoint =
            match endpoint(&mut step, "registration_endpoint", &asm.registration_endpoint) {
                Ok(u) => u,
                Err(e) => return Err(self.fail(step, e, Some(ENDPOINT_FIX))),
            };
        if needs_pkce && authorization_endpoint.is_none() {
            return Err(self.fail(
                step,
                "the metadata has no authorization_endpoint",
                Some("add authorization_endpoint to the metadata"),
            ));
        }
        self.finish(step);
        Ok(Discovery {
            prm,
            asm,
            issuer,
            resource,
            authorization_endpoint,
            token_endpoint,
            registration_endpoint,
            dpop,
        })
    }

    /// Whether tokens will be bound to the session's DPoP key: the authorization server signs
    /// up for ES256 proofs, or the resource challenged with the DPoP scheme.
    pub(super) fn decide_dpop(
        &self,
        step: &mut Step,
        asm: &ServerMetadata,
        bearer: Option<&BearerChallenge>,
    ) -> bool {
        const RULE: &str = "RFC 9449 §5.1";
        let algs: Vec<&str> = asm
            .extra
            .get("dpop_signing_alg_values_supported")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let challenged = bearer.is_some_and(BearerChallenge::is_dpop);
        if algs.contains(&crate::dpop::ALG) || (algs.is_empty() && challenged) {
            let why = if algs.is_empty() {
                "the server challenged with the DPoP scheme".to_owned()
            } else {
                format!("the authorization server accepts DPoP proofs signed with {algs:?}")
            };
            step.check(
                Verdict::Info,
                RULE,
                format!("{why}: tokens will be bound to this session's key (a P-256 key pair, ES256 proofs)"),
            );
            return true;
        }
        if !algs.is_empty() {
            step.check(
                Verdict::Warn,
                RULE,
                format!(
                    "DPoP offered with {algs:?} only; mcpscope signs proofs with ES256, so tokens stay Bearer"
                ),
            );
        }
        false
    }

    /// The first of `candidates` that answers with a JSON document of type `T`; each miss is
    /// noted in `step`. A transport failure stops the flow (it is not "try the next URL").
    pub(super) async fn first_document<T: serde::de::DeserializeOwned>(
        &self,
        step: &mut Step,
        candidates: &[Url],
        protocol_version: &str,
        rule: &str,
        what: &str,
    ) -> Flow<Option<T>> {
        for url in candidates {
            let ex = self.get(step, url, Some(protocol_version)).await?;
            match parse_json::<T>(&ex) {
                Ok(doc) => {
                    step.check(Verdict::Pass, rule, format!("{what} found at {url}"));
                    return Ok(Some(doc));
                }
                Err(why) => {
                    step.check(Verdict::Info, rule, format!("{url}: {why}; trying the next location"))
                }
            }
        }
        Ok(None)
    }

    /// A captured GET; a transport failure stops the flow (it is not "try the next URL").
    pub(super) async fn get(
        &self,
        step: &mut Step,
        url: &Url,
        protocol_version: Option<&str>,
    ) -> Flow<Exchange> {
        match self.http.get_json(url, protocol_version).await {
            Ok(ex) => {
                step.exchanges.push(ex.id);
                Ok(ex)
            }
            Err(e) => Err(self.fail(step.clone(), e.to_string(), None)),
        }
    }
}

pub(super) fn describe_challenge(step: &mut Step, bearer: Option<&BearerChallenge>, ch: &Challenge) {
    const RULE: &str = "RFC 6750 §3, RFC 9728 §5.1";
    match bearer {
        None => step.check(
            Verdict::Warn,
            RULE,
            format!("HTTP {} without a Bearer WWW-Authenticate challenge: discovery falls back to well-known URLs", ch.status),
        ),
        Some(b) => {
            match &b.resource_metadata {
                Some(u) => step.check(Verdict::Pass, RULE, format!("resource_metadata {u}")),
                None if ch.protocol_version.as_str() == "2025-06-18" => step.check(
                    Verdict::Warn,
                    RULE,
                    "no resource_metadata in the challenge (required in 2025-06-18): trying well-known URLs",
                ),
                None => step.check(Verdict::Info, RULE, "no resource_metadata in the challenge: trying well-known URLs"),
            }
            if let Some(s) = &b.scope {
                step.check(Verdict::Info, R_SCOPE, format!("scope {s:?} requested by the server"));
            }
            if let Some(e) = &b.error {
                let desc = b.error_description.clone().unwrap_or_default();
                step.check(Verdict::Info, "RFC 6750 §3.1", format!("error {e:?}: {} {desc}", explain_error(e)));
            }
        }
    }
}
