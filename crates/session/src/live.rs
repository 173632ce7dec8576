//! One builder for a live session, used by both shells: the window's `Engine::connect` and
//! `start_proxy`, and every CLI command that talks to a server.
//!
//! A live session is what one connection (or one proxy run) needs beside the connection
//! itself: a history session, the server's trust book, the OAuth client, and the capture
//! whose sink chain masks, lints, compares with the trusted version and then hands each record
//! to the shell's own sink (the window's timeline, the CLI's printer):
//!
//! ```text
//! Capture → Masked → Linted → Trusted → shell sink (which also feeds the history recorder)
//! ```
//!
//! The shell sink is given the recorder, so that one allocation per record is shared by the
//! history writer and the timeline.

use std::sync::Arc;

use mcpscope_auth::{Grant, OAuth, OAuthOptions, Redirect, WorkloadToken};
use mcpscope_proto::trust::TrustReport;
use mcpscope_proto::{ConnectRequest, Limits};
use mcpscope_store::{NewSession, Recorder, Store};
use mcpscope_wire::{
    Capture, ConnectOptions, Connection, ConnectionInfo, RecordSink, ServerRequestHandler, WireError,
};

use crate::{Engine, Result, mask, trust};

/// Settings of a live session beyond its [`ConnectRequest`]; made by [`Engine::session`].
#[must_use = "a builder does nothing until `start`"]
pub struct SessionBuilder<'e> {
    engine: &'e Engine,
    request: ConnectRequest,
    source: &'static str,
    limits: Option<Limits>,
    trust: bool,
    oauth: Option<OAuthOptions>,
}

impl<'e> SessionBuilder<'e> {
    pub(crate) fn new(engine: &'e Engine, request: &ConnectRequest) -> SessionBuilder<'e> {
        SessionBuilder {
            engine,
            request: request.clone(),
            source: engine.source,
            limits: None,
            trust: true,
            oauth: None,
        }
    }

    /// Who started it, stored with the history session (`app`, `cli`, `proxy`); the engine's
    /// own source by default.
    pub fn source(mut self, source: &'static str) -> Self {
        self.source = source;
        self
    }

    /// These limits instead of the saved ones (a command's `--limit-*` flags).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = Some(limits);
        self
    }

    /// No trust book: the server's lists are not compared with its trusted version (a
    /// replay or a collection run, which answer other questions).
    pub fn without_trust(mut self) -> Self {
        self.trust = false;
        self
    }

    /// OAuth with these options instead of those the request's `auth` gives (settings no
    /// form or flag has, such as the conformance suite's client keys).
    pub fn oauth(mut self, options: OAuthOptions) -> Self {
        self.oauth = Some(options);
        self
    }

    /// Starts the history session, loads the trust book, builds the sink chain ending in
    /// `out(recorder)` and, when the request asks for OAuth, the OAuth client (its HTTP
    /// exchanges captured in the same timeline). A history that cannot start is not an
    /// error: the session goes on without one and [`LiveSession::history_problem`] says why.
    pub async fn start<S: RecordSink>(self, out: impl FnOnce(Option<Recorder>) -> S) -> Result<LiveSession> {
        let SessionBuilder { engine, request, source, limits, trust, oauth } = self;
        let store = engine.store.clone();
        let limits = match limits {
            Some(l) => l,
            None => crate::limits(store.as_ref()).await,
        };
        let (recorder, history_problem) = match store.as_ref().filter(|_| !request.no_history) {
            Some(store) => {
                // The history keeps the URL without its credentials (userinfo, `?api_key=`).
                let url = mcpscope_wire::redact_url(&request.url);
                let new = NewSession {
                    protocol_version: request.protocol_version.clone().filter(|v| !v.is_empty()),
                    ..NewSession::new(url, source)
                };
                match store.recorder(new).await {
                    Ok(r) => {
                        r.limit_queue(limits.history_queue_records);
                        (Some(r), None)
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "could not start a history session");
                        (None, Some(e.to_string()))
                    }
                }
            }
            None => (None, None),
        };
        // The user's own headers may be credentials under any name: masked wherever echoed.
        engine.mask.add(mask::header_secrets(&request.headers));
        let book = match trust {
            true => Some(trust::TrustBook::load(store.as_ref(), &request.url).await),
            false => None,
        };
        let out = out(recorder.clone());
        // The lint reads what the wire carried (the capture's records, their JSON checked);
        // the mask then hides secrets from everything after it, the lint's words included.
        let sink: Arc<dyn RecordSink> = match &book {
            Some(book) => Arc::new(mcpscope_lint::Linted::new(mask::Masked::new(
                engine.mask.clone(),
                trust::Trusted::new(book.clone(), out),
            ))),
            None => Arc::new(mcpscope_lint::Linted::new(mask::Masked::new(engine.mask.clone(), out))),
        };
        let capture = Capture::with_limits(sink, limits);
        // Redacted in records under any name (the connection does the same for its own
        // headers; the proxy's are added here).
        capture.redact_user_headers(request.headers.iter().map(|h| h.name.as_str()));
        let history_id = recorder.as_ref().map(|r| Arc::from(r.session_id()));
        let mut live =
            LiveSession { capture, recorder, history_id, history_problem, trust: book, oauth: None, store };
        let oauth = oauth.or_else(|| request.auth.oauth.then(|| oauth_options(&request)));
        if let Some(options) = oauth {
            match engine.new_oauth(options, &live.capture).await {
                Ok(oauth) => live.oauth = Some(oauth),
                Err(e) => {
                    live.end_history().await;
                    return Err(e);
                }
            }
        }
        Ok(live)
    }
}

/// The OAuth client's options for what the user asked in `req.auth` (the window's form, the
/// CLI's flags); blank fields are unset.
pub fn oauth_options(req: &ConnectRequest) -> OAuthOptions {
    let given = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let auth = &req.auth;
    let mut o = OAuthOptions::new(&req.url);
    o.client_id = given(&auth.client_id);
    o.client_secret = auth.client_secret.clone().filter(|s| !s.is_empty());
    o.scope = given(&auth.scope);
    if auth.headless {
        o.redirect = Redirect::Headless;
    }
    o.dpop = auth.dpop;
    o.allow_plain_http = auth.allow_plain_http;
    if auth.client_credentials {
        o.grant = Grant::ClientCredentials;
    }
    if let Some(file) = auth.workload_token_file.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
        o.grant = Grant::JwtBearer(WorkloadToken::File(file.into()));
    } else if let Some(jwt) = given(&auth.workload_token) {
        o.grant = Grant::JwtBearer(WorkloadToken::Value(jwt));
    }
    o
}

/// A started live session: the capture to connect (or proxy) with, and what it records into.
/// Cheap to clone; [`finish`](LiveSession::finish) ends it.
#[derive(Clone)]
pub struct LiveSession {
    capture: Arc<Capture>,
    recorder: Option<Recorder>,
    /// The history session's id, kept after the history has ended (its records stay there).
    history_id: Option<Arc<str>>,
    history_problem: Option<String>,
    trust: Option<Arc<trust::TrustBook>>,
    oauth: Option<Arc<OAuth>>,
    store: Option<Store>,
}

impl LiveSession {
    pub fn capture(&self) -> &Arc<Capture> {
        &self.capture
    }

    /// The history session it records into.
    pub fn recorder(&self) -> Option<&Recorder> {
        self.recorder.as_ref()
    }

    /// The stored records of this session, for reading back those that have left memory:
    /// the database and the session's id there (also once the history session has ended).
    /// Records still on their way to it (linted, queued) are written first.
    pub(crate) async fn stored(&self) -> Option<(&Store, &str)> {
        self.flush().await;
        Some((self.store.as_ref()?, self.history_id.as_deref()?))
    }

    /// Why there is no history session although there is a database.
    pub fn history_problem(&self) -> Option<&str> {
        self.history_problem.as_deref()
    }

    pub fn trust(&self) -> Option<&Arc<trust::TrustBook>> {
        self.trust.as_ref()
    }

    pub fn oauth(&self) -> Option<&Arc<OAuth>> {
        self.oauth.as_ref()
    }

    /// The OAuth client as the wire sees it.
    pub fn authorizer(&self) -> Option<Arc<dyn mcpscope_wire::Authorizer>> {
        self.oauth.clone().map(|o| o as Arc<dyn mcpscope_wire::Authorizer>)
    }

    /// Connection options for `req`: its transport, version and headers, and this session's
    /// OAuth client. The shell sets what is its own (capabilities, timeouts).
    pub fn connect_options(&self, req: &ConnectRequest) -> ConnectOptions {
        let mut opts = ConnectOptions::new(&req.url);
        opts.transport = req.transport;
        opts.protocol_version = req.protocol_version.clone().filter(|v| !v.is_empty());
        opts.headers = req.headers.clone();
        opts.authorizer = self.authorizer();
        opts
    }

    /// Connects to the server with `opts` (see [`connect_options`](Self::connect_options)),
    /// recording into this session's capture, and stores what the handshake settled.
    pub async fn connect(
        &self,
        opts: ConnectOptions,
        handler: Arc<dyn ServerRequestHandler>,
    ) -> Result<Connection, WireError> {
        let conn = Connection::connect_with_capture(opts, self.capture.clone(), handler).await?;
        self.connected(conn.info()).await;
        Ok(conn)
    }

    /// Stores what the handshake settled (transport, protocol version) with the history
    /// session.
    pub async fn connected(&self, info: &ConnectionInfo) {
        if let (Some(store), Some(r)) = (&self.store, &self.recorder)
            && let Err(e) = store
                .update_session(r.session_id(), Some(info.transport.as_str()), Some(&info.protocol_version))
                .await
        {
            tracing::warn!(error = %e, "could not update the history session");
        }
    }

    /// Waits until every record captured so far is in the history database.
    pub async fn flush(&self) {
        self.capture.flush().await;
        if let Some(r) = &self.recorder {
            r.flush().await;
        }
    }

    /// Compares what the server listed with its trusted version and pins what was seen for
    /// the first time; `None` when nothing was listed (or there is no trust book).
    pub async fn settle_trust(&self) -> Option<TrustReport> {
        self.trust.as_ref()?.settle(self.store.as_ref()).await
    }

    /// Hands over the history session to be ended: this copy records no more (a disconnected
    /// session keeps its capture, trust book and OAuth client for the panes that show them).
    pub(crate) fn history_ended(&mut self) -> LiveSession {
        let ending = self.clone();
        self.recorder = None;
        ending
    }

    /// Ends the history session, its last records committed (best effort: the log says
    /// what failed).
    pub async fn end_history(&self) {
        self.capture.flush().await;
        if let (Some(store), Some(r)) = (&self.store, &self.recorder)
            && let Err(e) = store.finish(r).await
        {
            tracing::warn!(error = %e, "could not end the history session");
        }
    }

    /// Ends the history session and settles the trust book: what a command does last.
    pub async fn finish(&self) -> Option<TrustReport> {
        self.end_history().await;
        self.settle_trust().await
    }
}
