//! `mcpscope`: the command line over the same engine as the desktop app.
//!
//! Long file: the argument definitions of every subcommand and the shared sink and OAuth
//! plumbing; subcommands with more than a screen of logic live in their own modules
//! (collections, conformance, limits, proxy, trust). Splitting `call`, `history`, `replay`
//! and `token` out is planned (issue 14).

mod collections;
mod conformance;
mod limits;
mod proxy;
mod trust;

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use mcpscope_proto::{Header, Record, TransportChoice};
use mcpscope_session::trust::TrustBook;
use mcpscope_wire::{ConnectOptions, Connection, DefaultHandler, RecordSink};
use serde_json::Value;

#[derive(Parser)]
#[command(name = "mcpscope", version, about = "Inspect and debug MCP servers over HTTP")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Connect, perform one JSON-RPC call and print its result.
    Call(CallArgs),
    /// Compare a server's tools, prompts and resource templates with the version you trusted,
    /// and trust its current version (a tool that changed after you approved it is reported
    /// by every command until you do).
    Trust(trust::TrustArgs),
    /// Serve a local MCP endpoint that forwards a real client's traffic to one upstream
    /// server, recording it in the history (source `proxy`) as it passes.
    Proxy(proxy::ProxyArgs),
    /// Client side of the npm conformance suite (`@modelcontextprotocol/conformance`):
    /// the scenario comes from MCP_CONFORMANCE_SCENARIO.
    Conformance {
        /// The server URL (the suite appends it as the last argument).
        url: String,
    },
    /// Search the history every call and every app session is recorded in.
    History {
        #[command(subcommand)]
        command: HistoryCommand,
    },
    /// Run a collection of saved requests with their assertions; exit 1 if any fails.
    Run(collections::RunArgs),
    /// Manage collections: the folder they live in, their secrets, import and export.
    Collection {
        #[command(subcommand)]
        command: collections::CollectionCommand,
    },
    /// Send a recorded request again and show how the answer differs from the recorded one.
    Replay {
        /// A session id (`ses_…`), or `last`.
        session: String,
        /// The request's sequence number in that session (see `history search`).
        #[arg(required_unless_present = "all")]
        seq: Option<u64>,
        /// Replay every client request of the session, in order (exit code 1 when any answer
        /// differs from the recorded one).
        #[arg(long, conflicts_with = "params")]
        all: bool,
        /// Send to this server instead of the session's (e.g. a new version of it).
        #[arg(long)]
        url: Option<String>,
        /// Replace the recorded params (JSON).
        #[arg(long)]
        params: Option<String>,
        /// An extra header, 'Name: value' (repeatable; recorded credentials were redacted).
        #[arg(long = "header", short = 'H')]
        headers: Vec<String>,
        /// Print the whole outcome as JSON instead of a readable diff.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        limits: limits::LimitArgs,
    },
    /// Print the limits on what a server may send (body and frame sizes, records in memory,
    /// the history's write queue, server requests waiting); save new ones for the window and
    /// later commands with --save.
    Limits {
        #[command(flatten)]
        limits: limits::LimitArgs,
        /// Save the limits given as flags (the others keep their saved value).
        #[arg(long)]
        save: bool,
        /// Forget the saved limits: back to the defaults.
        #[arg(long, conflicts_with = "save")]
        reset: bool,
    },
    /// Authorize with OAuth (or use the stored token) and print the access token decoded,
    /// with every check's verdict: signature (JWKS), audience, issuer, expiry, scopes.
    Token {
        /// The MCP endpoint.
        url: String,
        #[command(flatten)]
        oauth: OAuthArgs,
        /// Print the reports as JSON.
        #[arg(long)]
        json: bool,
        /// Also print the access token itself (it is a credential).
        #[arg(long)]
        reveal: bool,
        /// Forget this server's stored tokens instead.
        #[arg(long)]
        logout: bool,
    },
    /// List the servers of an MCP client's configuration file (Claude Desktop or Cursor
    /// `mcpServers`, VS Code `servers`, the MCP Inspector's config, a registry server.json).
    Servers {
        file: std::path::PathBuf,
        /// One JSON object per server instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Serve the built-in demo MCP server on a loopback port until interrupted.
    Demo {
        /// Port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 3001)]
        port: u16,
        /// No sessions: every request stands alone (GET and DELETE answer 405).
        #[arg(long)]
        stateless: bool,
        /// Answer with JSON bodies instead of SSE streams where possible (stateless only).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum HistoryCommand {
    /// Print the newest matching records as JSON lines, in the order they were stored. Query terms: method:tools/call
    /// status:error status:404 dur:>500ms server:<host> session:<id> kind:sse, and free text.
    Search {
        query: String,
        #[arg(long, default_value_t = 1000)]
        limit: u32,
    },
    /// Compare the tools, resources and prompts two sessions' servers listed (two versions
    /// of a server): each change by path; exit code 1 when they differ.
    Diff {
        /// The older session (an id, or `last`).
        old: String,
        /// The newer session (an id, or `last`).
        new: String,
        /// Print the comparison as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List recorded sessions, newest first, as JSON lines.
    Sessions {
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Print a recorded HTTP request as a curl command (secrets become $MCPSCOPE_… variables).
    Curl {
        /// A session id, or `last`.
        session: String,
        /// The record's sequence number (see `history search`).
        seq: u64,
    },
    /// Delete sessions older than a number of days, and the oldest beyond a size.
    Prune {
        #[arg(long = "older-than-days")]
        older_than_days: Option<u32>,
        /// Keep at most this many megabytes of records (the newest sessions).
        #[arg(long = "max-mb")]
        max_mb: Option<u32>,
    },
    /// Delete the whole history.
    Clear {
        /// Really: without it, only says what would be deleted.
        #[arg(long)]
        yes: bool,
    },
    /// A one-file bug report of a session (records, server, versions; credentials redacted,
    /// session ids masked). `--preview` lists what is redacted and writes nothing.
    Report {
        /// A session id (`ses_…`), or `last` for the newest.
        session: String,
        /// Write to this file instead of standard output.
        #[arg(long, short = 'o')]
        output: Option<std::path::PathBuf>,
        /// Only list what the report redacts or masks.
        #[arg(long)]
        preview: bool,
    },
    /// Export a session as HAR 1.2 (credentials stay redacted).
    Export {
        /// A session id (`ses_…`, see `history sessions`), or `last` for the newest.
        session: String,
        /// Write to this file instead of standard output.
        #[arg(long, short = 'o')]
        output: Option<std::path::PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum TransportArg {
    Auto,
    Streamable,
    Sse,
}

#[derive(clap::Args)]
struct CallArgs {
    /// The MCP endpoint, e.g. http://127.0.0.1:3001/mcp (or the /sse URL of a legacy server).
    url: String,
    /// The JSON-RPC method, e.g. tools/list.
    method: String,
    /// Params as JSON, e.g. '{"name":"echo","arguments":{"message":"hi"}}'.
    #[arg(long)]
    params: Option<String>,
    #[arg(long, value_enum, default_value = "auto")]
    transport: TransportArg,
    /// Pin a protocol version instead of negotiating.
    #[arg(long = "protocol-version")]
    protocol_version: Option<String>,
    /// An extra header, 'Name: value' (repeatable).
    #[arg(long = "header", short = 'H')]
    headers: Vec<String>,
    /// Print every captured record as one JSON object per line instead of the result.
    #[arg(long)]
    jsonl: bool,
    /// The answer to a request the server makes of the client, as KEY=JSON (repeatable): KEY
    /// is an input request's key in an input_required result (2026-07-28), or a method
    /// (elicitation/create, sampling/createMessage, roots/list) for any request of it.
    /// Without one, such a request is refused and the input_required result is printed.
    #[arg(long = "answer", value_name = "KEY=JSON")]
    answers: Vec<String>,
    /// Seconds to wait for the response (progress notifications extend it).
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    #[command(flatten)]
    oauth: OAuthArgs,
    #[command(flatten)]
    limits: limits::LimitArgs,
}

/// OAuth for servers that answer 401: discovery, registration, authorization and tokens,
/// every step printed with its checks.
#[derive(clap::Args, Clone)]
pub(crate) struct OAuthArgs {
    /// Authorize with OAuth when the server asks (401 or 403 insufficient_scope).
    #[arg(long)]
    pub(crate) oauth: bool,
    /// Follow the authorization URL without a browser, until it redirects back (for servers
    /// that approve without a login page, tests and CI).
    #[arg(long = "headless-authorize")]
    headless_authorize: bool,
    /// Scopes to request instead of the spec's selection (challenge, then scopes_supported).
    #[arg(long)]
    scope: Option<String>,
    /// A pre-registered client id (skips dynamic registration).
    #[arg(long = "client-id")]
    client_id: Option<String>,
    /// The client's secret; prefer the MCPSCOPE_CLIENT_SECRET environment variable, which
    /// stays out of the shell history.
    #[arg(long = "client-secret", env = "MCPSCOPE_CLIENT_SECRET", hide_env_values = true)]
    client_secret: Option<String>,
    /// Use the client credentials grant (machine to machine) instead of a user's
    /// authorization.
    #[arg(long = "client-credentials")]
    client_credentials: bool,
    /// Workload identity: a file holding a JWT the platform issued to this workload (a
    /// Kubernetes service account token …), sent as a JWT bearer grant (RFC 7523); read
    /// again at each authorization.
    #[arg(long = "workload-token-file", value_name = "FILE", conflicts_with = "client_credentials")]
    workload_token_file: Option<std::path::PathBuf>,
    /// Workload identity with the JWT itself; prefer --workload-token-file or the
    /// environment variable, which stay out of the shell history.
    #[arg(
        long = "workload-token",
        env = "MCPSCOPE_WORKLOAD_TOKEN",
        hide_env_values = true,
        conflicts_with_all = ["client_credentials", "workload_token_file"]
    )]
    workload_token: Option<String>,
    /// Bind tokens to a key made for this run with DPoP (RFC 9449) when the authorization
    /// server supports it; such tokens are never kept in the keyring.
    #[arg(long)]
    dpop: bool,
    /// Keep tokens in memory only, not in the OS keyring.
    #[arg(long = "no-keyring")]
    no_keyring: bool,
    /// Accept an authorization server whose endpoints are plain http on another host than
    /// loopback (codes and tokens cross the network in clear). Refused without it.
    #[arg(long = "allow-plain-http-auth")]
    allow_plain_http_auth: bool,
}

impl OAuthArgs {
    /// The OAuth client for `url`, recording into `capture`; steps are printed to stderr as
    /// they finish.
    pub(crate) fn build(
        &self,
        url: &str,
        capture: &Arc<mcpscope_wire::Capture>,
    ) -> anyhow::Result<Arc<mcpscope_auth::OAuth>> {
        let mut o = mcpscope_auth::OAuthOptions::new(url);
        o.client_id = self.client_id.clone();
        o.client_secret = self.client_secret.clone();
        o.scope = self.scope.clone();
        o.dpop = self.dpop;
        o.allow_plain_http = self.allow_plain_http_auth;
        if self.headless_authorize {
            o.redirect = mcpscope_auth::Redirect::Headless;
        }
        if self.client_credentials {
            o.grant = mcpscope_auth::Grant::ClientCredentials;
        }
        if let Some(file) = &self.workload_token_file {
            o.grant = mcpscope_auth::Grant::JwtBearer(mcpscope_auth::WorkloadToken::File(file.clone()));
        } else if let Some(token) = &self.workload_token {
            o.grant = mcpscope_auth::Grant::JwtBearer(mcpscope_auth::WorkloadToken::Value(token.clone()));
        }
        let store: Arc<dyn mcpscope_auth::SecretStore> = if self.no_keyring {
            Arc::new(mcpscope_auth::MemoryStore::new("--no-keyring"))
        } else {
            mcpscope_auth::default_store()
        };
        let observer: mcpscope_auth::StepObserver = Arc::new(print_step);
        Ok(Arc::new(mcpscope_auth::OAuth::new(
            o,
            mcpscope_auth::Http::new(capture.clone())?,
            store,
            Some(observer),
        )?))
    }
}

/// One OAuth step on stderr: its title and verdict, then each check.
fn print_step(step: &mcpscope_proto::auth::Step) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "oauth: {} [{}]", step.kind.title(), step.verdict().label());
    let printable = mcpscope_proto::printable;
    for c in &step.checks {
        let rule = if c.rule.is_empty() { String::new() } else { format!("  ({})", c.rule) };
        let _ = writeln!(err, "  {:>4}  {}{rule}", c.verdict.label(), printable(&c.message));
    }
    if let Some(fix) = &step.fix {
        let _ = writeln!(err, "  fix:  {}", printable(fix));
    }
}

/// A wire error with what its HTTP status means in MCP terms, when it has one.
fn explained(e: mcpscope_wire::WireError) -> anyhow::Error {
    match &e {
        mcpscope_wire::WireError::Http { status, .. } => {
            let ex = mcpscope_proto::explain::http_status(*status);
            anyhow::anyhow!("{e}\n  HTTP {status} {}: {}", ex.name, ex.meaning)
        }
        _ => e.into(),
    }
}

/// A failed connect to `url`: the error explained, and the connection doctor's next step.
pub(crate) fn connect_error(url: &str) -> impl FnOnce(mcpscope_wire::WireError) -> anyhow::Error + '_ {
    move |e| {
        let advice = e.advice(url);
        let base = explained(e);
        match advice {
            Some(a) => anyhow::anyhow!("{base}\n  try:  {a}"),
            None => base,
        }
    }
}

/// Stores each record in the history and, with `--jsonl`, prints it as a JSON line the
/// moment it is captured.
struct CliSink {
    output: Output,
    history: Option<mcpscope_store::Recorder>,
}

/// What a command prints of each record as it is captured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Output {
    /// Nothing (the command prints its own outcome).
    Quiet,
    /// The whole record as a JSON line on stdout (`--jsonl`).
    Jsonl,
    /// One line per JSON-RPC message on stderr, with its lint (the proxy's live view).
    Lines,
}

impl Output {
    pub(crate) fn jsonl_if(jsonl: bool) -> Output {
        if jsonl { Output::Jsonl } else { Output::Quiet }
    }
}

/// One line for a JSON-RPC message: who sent what, its id and latency, its lint findings.
fn message_line(record: &Record) -> Option<String> {
    let rpc = record.rpc.as_ref()?;
    let arrow = if record.direction == mcpscope_proto::Direction::Out { "→" } else { "←" };
    let what = match rpc.kind {
        mcpscope_proto::RpcKind::Request | mcpscope_proto::RpcKind::Notification => {
            rpc.method.clone().unwrap_or_default()
        }
        mcpscope_proto::RpcKind::Result => "result".to_owned(),
        mcpscope_proto::RpcKind::Error => format!("error {}", rpc.error_code.unwrap_or_default()),
        mcpscope_proto::RpcKind::Batch => "batch".to_owned(),
    };
    let id = rpc.id.as_deref().map(|i| format!(" #{i}")).unwrap_or_default();
    let latency = rpc.latency_us.map(|us| format!(" ({:.1} ms)", us as f64 / 1000.0)).unwrap_or_default();
    let findings: Vec<&str> =
        record.lint.iter().filter(|v| v.is_finding()).map(|v| v.rule.as_str()).collect();
    let lint = if findings.is_empty() { String::new() } else { format!("  [lint: {}]", findings.join(", ")) };
    Some(format!("{arrow} {what}{id}{latency}{lint}"))
}

/// Every record linted, then stored and printed; the values of the user's own `headers`
/// masked wherever the server echoes them.
pub(crate) fn cli_sink(
    output: Output,
    history: Option<mcpscope_store::Recorder>,
    headers: &[Header],
) -> Arc<dyn RecordSink> {
    let mask = Arc::new(mcpscope_session::mask::Mask::default());
    mask.add(mcpscope_session::mask::header_secrets(headers));
    masked_cli_sink(output, history, mask, None)
}

/// [`cli_sink`], with `mask`'s secrets masked before anything else sees a record, and the
/// server's lists compared with its trusted version when `trust` is given.
pub(crate) fn masked_cli_sink(
    output: Output,
    history: Option<mcpscope_store::Recorder>,
    mask: Arc<mcpscope_session::mask::Mask>,
    trust: Option<Arc<TrustBook>>,
) -> Arc<dyn RecordSink> {
    let out = CliSink { output, history };
    match trust {
        Some(book) => Arc::new(mcpscope_session::mask::Masked::new(
            mask,
            mcpscope_lint::Linted::new(mcpscope_session::trust::Trusted::new(book, out)),
        )),
        None => Arc::new(mcpscope_session::mask::Masked::new(mask, mcpscope_lint::Linted::new(out))),
    }
}

/// The changes a connection found against the server's trusted version, on stderr.
pub(crate) fn print_trust(report: &mcpscope_proto::trust::TrustReport) {
    if report.changes.is_empty() {
        if report.first_pinned > 0 {
            eprintln!(
                "mcpscope: pinned {} tools, prompts and templates of {} (trust on first use; later changes are reported)",
                report.first_pinned, report.server
            );
        }
        return;
    }
    print_trust_changes(report);
    eprintln!("mcpscope: if you expected this, trust the new version with: mcpscope trust {}", report.server);
}

/// Each change, with each field that differs.
pub(crate) fn print_trust_changes(report: &mcpscope_proto::trust::TrustReport) {
    use mcpscope_proto::diff::ChangeKind;
    for change in &report.changes {
        eprintln!(
            "mcpscope: warning: {} ({})",
            mcpscope_proto::lint::revealed(&change.describe()),
            change.rule()
        );
        for field in &change.fields {
            let show = |v: &Option<Value>| v.as_ref().map_or("(none)".to_owned(), |v| v.to_string());
            let line = match field.kind {
                ChangeKind::Changed => format!("{}: {} → {}", field.path, show(&field.old), show(&field.new)),
                ChangeKind::Added => format!("{} added: {}", field.path, show(&field.new)),
                ChangeKind::Removed => format!("{} removed (was {})", field.path, show(&field.old)),
            };
            eprintln!("  {}", mcpscope_proto::lint::revealed(&line));
        }
    }
}

impl RecordSink for CliSink {
    fn record(&self, record: Record) {
        if let Some(h) = &self.history {
            h.record(record.clone());
        }
        match self.output {
            Output::Quiet => {}
            Output::Jsonl => {
                let mut out = std::io::stdout().lock();
                // The engine decodes messages lazily; a JSON line carries the whole message.
                if let Ok(line) = serde_json::to_string(&record.with_message()) {
                    // A closed stdout (e.g. `| head`) is not worth a panic.
                    let _ = writeln!(out, "{line}");
                }
            }
            Output::Lines => {
                if let Some(line) = message_line(&record) {
                    let _ = writeln!(std::io::stderr().lock(), "{}", mcpscope_proto::printable(&line));
                }
            }
        }
    }
}

/// `--header 'Name: value'` arguments, or which one is not of that form.
pub(crate) fn parse_headers(args: &[String]) -> anyhow::Result<Vec<Header>> {
    args.iter()
        .map(|h| {
            Header::parse(h).ok_or_else(|| anyhow::anyhow!("--header {h:?} is not of the form 'Name: value'"))
        })
        .collect()
}

/// A history session for a command against `url`, or `None` with a warning: the command is
/// worth running without one.
pub(crate) async fn cli_recorder(
    store: Option<&mcpscope_store::Store>,
    url: &str,
    protocol_version: Option<String>,
    limits: &mcpscope_proto::Limits,
) -> Option<mcpscope_store::Recorder> {
    // The history keeps the URL without its credentials (userinfo, `?api_key=`).
    let url = mcpscope_wire::redact_url(url);
    let new = mcpscope_store::NewSession { protocol_version, ..mcpscope_store::NewSession::new(url, "cli") };
    let recorder =
        store?.recorder(new).await.map_err(|e| eprintln!("mcpscope: warning: no history: {e}")).ok()?;
    recorder.limit_queue(limits.history_queue_records);
    Some(recorder)
}

/// Commits a command's last records and ends its history session (best effort: the command's
/// own outcome is what it reports).
pub(crate) async fn finish_recording(
    store: Option<&mcpscope_store::Store>,
    recorder: Option<&mcpscope_store::Recorder>,
) {
    if let (Some(store), Some(r)) = (store, recorder) {
        let _ = store.finish(r).await;
    }
}

/// The history database, or `None` with a warning: a call is worth making without it.
pub(crate) async fn open_history() -> Option<mcpscope_store::Store> {
    let dir = mcpscope_store::default_data_dir();
    match mcpscope_store::Store::open_dir(&dir).await {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!("mcpscope: warning: not recording this call in the history: {e}");
            None
        }
    }
}

async fn replay(
    session: String,
    seq: Option<u64>,
    url: Option<String>,
    params: Option<String>,
    headers: Vec<String>,
    json: bool,
    limit_args: limits::LimitArgs,
) -> anyhow::Result<std::process::ExitCode> {
    let params: Option<Value> = match &params {
        Some(p) => Some(serde_json::from_str(p).with_context(|| format!("--params is not valid JSON: {p}"))?),
        None => None,
    };
    let store = mcpscope_store::Store::open_dir(&mcpscope_store::default_data_dir()).await?;
    let id = session_id(&store, session).await?;
    let Some(recorded) = store.session(&id).await? else {
        bail!("no session {id:?} in the history (see `mcpscope history sessions`)");
    };
    // Check the record(s) before connecting: a wrong seq is the user's mistake, not the server's.
    match seq {
        Some(seq) => drop(mcpscope_session::replay::recorded_request(&store, &id, seq).await?),
        None => {
            if mcpscope_session::replay::session_requests(&store, &id).await?.is_empty() {
                bail!("session {id} has no client requests to replay");
            }
        }
    }
    let target = url.unwrap_or(recorded.url);
    let mut opts = ConnectOptions::new(&target);
    opts.headers.extend(parse_headers(&headers)?);
    let limits = limit_args.resolve(Some(&store)).await?;
    let recorder = cli_recorder(Some(&store), &target, None, &limits).await;
    let sink: Arc<dyn RecordSink> = cli_sink(Output::Quiet, recorder.clone(), &opts.headers);
    let capture = mcpscope_wire::Capture::with_limits(sink, limits);
    let conn = Connection::connect_with_capture(opts, capture, Arc::new(DefaultHandler))
        .await
        .map_err(connect_error(&target))?;
    let Some(seq) = seq else {
        let steps = mcpscope_session::replay::replay_session(&store, &conn, &id).await;
        conn.close().await;
        finish_recording(Some(&store), recorder.as_ref()).await;
        return print_replay_steps(&steps?, json);
    };
    let outcome = mcpscope_session::replay::replay(&store, &conn, &id, seq, params).await;
    conn.close().await;
    finish_recording(Some(&store), recorder.as_ref()).await;
    let outcome = outcome?;
    if json {
        println!("{}", serde_json::to_string_pretty(&outcome)?);
    } else if outcome.original.is_none() {
        println!("{}", serde_json::to_string_pretty(&outcome.response)?);
        eprintln!("mcpscope: the history has no response to request {seq}: nothing to compare");
    } else if outcome.changes.is_empty() {
        println!("same answer as recorded ({} {})", outcome.method, id);
    } else {
        use mcpscope_proto::diff::ChangeKind;
        for c in &outcome.changes {
            let show = |v: &Option<Value>| v.as_ref().map(Value::to_string).unwrap_or_default();
            match c.kind {
                ChangeKind::Changed => println!("~ {}: {} → {}", c.path, show(&c.old), show(&c.new)),
                ChangeKind::Added => println!("+ {}: {}", c.path, show(&c.new)),
                ChangeKind::Removed => println!("- {}: {}", c.path, show(&c.old)),
            }
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// A whole session replayed: one line per request (`=` same answer, `~` changed, `!` failed),
/// the changes under it; exit code 1 when any answer differs or failed.
fn print_replay_steps(
    steps: &[mcpscope_proto::ReplayStep],
    json: bool,
) -> anyhow::Result<std::process::ExitCode> {
    if json {
        println!("{}", serde_json::to_string_pretty(steps)?);
    }
    let mut differ = 0;
    for s in steps {
        let (mark, what) = match (&s.replay, &s.error) {
            (_, Some(e)) => ("!", format!("failed: {e}")),
            (Some(r), None) if r.original.is_none() => ("?", "no recorded answer to compare".to_owned()),
            (Some(r), None) if r.changes.is_empty() => ("=", "same answer".to_owned()),
            (Some(r), None) => ("~", format!("{} changes", r.changes.len())),
            (None, None) => ("?", String::new()),
        };
        if matches!(mark, "!" | "~") {
            differ += 1;
        }
        if !json {
            println!("{mark} #{:<5} {:<28} {what}", s.seq, s.method);
            for c in s.replay.iter().flat_map(|r| &r.changes) {
                let show = |v: &Option<Value>| v.as_ref().map(Value::to_string).unwrap_or_default();
                println!("      {}: {} → {}", c.path, show(&c.old), show(&c.new));
            }
        }
    }
    if !json {
        println!("{} requests replayed, {differ} differ from the recording", steps.len());
    }
    Ok(if differ > 0 { std::process::ExitCode::from(1) } else { std::process::ExitCode::SUCCESS })
}

/// `last` → the newest session's id; anything else as given.
async fn session_id(store: &mcpscope_store::Store, session: String) -> anyhow::Result<String> {
    if session != "last" {
        return Ok(session);
    }
    match store.sessions(1).await?.into_iter().next() {
        Some(s) => Ok(s.id),
        None => bail!("the history is empty: there is no last session"),
    }
}

async fn history(command: HistoryCommand) -> anyhow::Result<std::process::ExitCode> {
    let dir = mcpscope_store::default_data_dir();
    let store = mcpscope_store::Store::open_dir(&dir).await?;
    let mut out = std::io::stdout().lock();
    match command {
        HistoryCommand::Search { query, limit } => {
            for hit in store.search(&query, limit).await? {
                let hit = mcpscope_store::Hit { record: hit.record.with_message(), ..hit };
                writeln!(out, "{}", serde_json::to_string(&hit)?)?;
            }
        }
        HistoryCommand::Diff { old, new, json } => {
            let (old, new) = (session_id(&store, old).await?, session_id(&store, new).await?);
            let lists = mcpscope_session::replay::diff_sessions(&store, &old, &new).await?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&lists)?)?;
            }
            let mut differ = false;
            for l in &lists {
                differ |= !l.changes.is_empty() || l.missing.is_some();
                if json {
                    continue;
                }
                match (&l.missing, l.changes.len()) {
                    (Some(m), _) => writeln!(out, "? {}: {m}", l.method)?,
                    (None, 0) => writeln!(out, "= {}: the same", l.method)?,
                    (None, n) => writeln!(out, "~ {}: {n} changes", l.method)?,
                }
                for c in &l.changes {
                    let show = |v: &Option<Value>| v.as_ref().map(Value::to_string).unwrap_or_default();
                    match c.kind {
                        mcpscope_proto::diff::ChangeKind::Added => {
                            writeln!(out, "    + {}: {}", c.path, show(&c.new))?
                        }
                        mcpscope_proto::diff::ChangeKind::Removed => {
                            writeln!(out, "    - {}: {}", c.path, show(&c.old))?
                        }
                        mcpscope_proto::diff::ChangeKind::Changed => {
                            writeln!(out, "    ~ {}: {} → {}", c.path, show(&c.old), show(&c.new))?
                        }
                    }
                }
            }
            if differ {
                return Ok(std::process::ExitCode::from(1));
            }
        }
        HistoryCommand::Sessions { limit } => {
            for s in store.sessions(limit).await? {
                writeln!(out, "{}", serde_json::to_string(&s)?)?;
            }
        }
        HistoryCommand::Prune { older_than_days, max_mb } => {
            if older_than_days.is_none() && max_mb.is_none() {
                bail!("say what to prune: --older-than-days N and/or --max-mb N");
            }
            let n = store.retain(older_than_days, max_mb, None).await?;
            writeln!(out, "pruned {n} sessions")?;
        }
        HistoryCommand::Clear { yes } => {
            let n = store.sessions(u32::MAX).await?.len();
            if !yes {
                bail!("this deletes all {n} sessions in {}; add --yes to do it", store.path().display());
            }
            let n = store.clear().await?;
            writeln!(out, "deleted {n} sessions")?;
        }
        HistoryCommand::Curl { session, seq } => {
            let id = session_id(&store, session).await?;
            let Some(record) = store.record(&id, seq).await? else {
                bail!("no record {seq} in session {id:?} (see `mcpscope history search session:{id}`)");
            };
            match mcpscope_session::export::curl(&record) {
                Some(cmd) => writeln!(out, "{cmd}")?,
                None => bail!("record {seq} is a {}, not an HTTP request", record.kind.label()),
            }
        }
        HistoryCommand::Report { session, output, preview } => {
            let id = session_id(&store, session).await?;
            let (report, redactions, count) = mcpscope_session::export::session_report(&store, &id).await?;
            if preview {
                for r in &redactions {
                    writeln!(out, "#{:<5} {:<28} → {}", r.seq, r.place, r.shown_as)?;
                }
                writeln!(
                    out,
                    "{} places redacted or masked; nothing written (drop --preview to write the report)",
                    redactions.len()
                )?;
                return Ok(std::process::ExitCode::SUCCESS);
            }
            let text = serde_json::to_string_pretty(&report)?;
            match &output {
                Some(path) => mcpscope_store::write_private(path, text.as_bytes())
                    .with_context(|| format!("writing {}", path.display()))?,
                None => writeln!(out, "{text}")?,
            }
            eprintln!(
                "mcpscope: {} records, {} places redacted or masked (see \"redactions\" in the report)",
                count,
                redactions.len()
            );
        }
        HistoryCommand::Export { session, output } => {
            let id = session_id(&store, session).await?;
            let hits = store.search(&format!("session:{id}"), u32::MAX).await?;
            if hits.is_empty() {
                bail!("no session {id:?} in the history (see `mcpscope history sessions`)");
            }
            let records: Vec<Record> = hits.into_iter().map(|h| h.record).collect();
            let har = serde_json::to_string_pretty(&mcpscope_session::export::har(&records))?;
            match output {
                Some(path) => mcpscope_store::write_private(&path, har.as_bytes())
                    .with_context(|| format!("writing {}", path.display()))?,
                None => writeln!(out, "{har}")?,
            }
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// mimalloc: the engine allocates a few small strings per captured record; a flood of
/// notifications spends a quarter of its time in the system allocator otherwise.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MCPSCOPE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    // `--version`: the commit and the protocols too.
    let about = mcpscope_proto::About {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        commit: env!("MCPSCOPE_COMMIT").to_owned(),
        protocols: mcpscope_proto::PROTOCOL_VERSIONS.iter().map(|v| (*v).to_owned()).collect(),
        data_dir: mcpscope_store::default_data_dir().display().to_string(),
    };
    let version: &'static str = Box::leak(about.version_text().into_boxed_str());
    let matches = <Cli as clap::CommandFactory>::command().version(version).get_matches();
    let cli = match <Cli as clap::FromArgMatches>::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    // Commands that connect start building the TLS settings now (they read the system's CA
    // bundle), while the history opens.
    if matches!(
        cli.command,
        Command::Call(_)
            | Command::Conformance { .. }
            | Command::Token { .. }
            | Command::Run(_)
            | Command::Replay { .. }
            | Command::Trust(_)
            | Command::Proxy(_)
    ) {
        mcpscope_wire::tls::warm_up();
    }
    let result = match cli.command {
        Command::Call(args) => call(args).await,
        Command::Trust(args) => trust::run(args).await,
        Command::Proxy(args) => proxy::run(args).await,
        Command::Conformance { url } => conformance::run(&url).await,
        Command::Token { url, oauth, json, reveal, logout } => token(url, oauth, json, reveal, logout).await,
        Command::Demo { port, stateless, json } => demo(port, stateless, json).await,
        Command::Servers { file, json } => servers(&file, json),
        Command::History { command } => history(command).await,
        Command::Run(args) => collections::run(args).await,
        Command::Collection { command } => collections::manage(command).await,
        Command::Replay { session, seq, all, url, params, headers, json, limits } => {
            replay(session, if all { None } else { seq }, url, params, headers, json, limits).await
        }
        Command::Limits { limits, save, reset } => limits::manage(limits, save, reset).await,
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // Errors carry server text (bodies, descriptions): no terminal control gets through.
            eprintln!("mcpscope: {}", mcpscope_proto::printable(&format!("{e:#}")));
            std::process::ExitCode::from(2)
        }
    }
}

/// `mcpscope servers FILE`: what an MCP client's configuration file holds, and how to reach it.
fn servers(file: &std::path::Path, json: bool) -> anyhow::Result<std::process::ExitCode> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let entries =
        mcpscope_proto::servers::import(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let mut out = std::io::stdout().lock();
    for e in &entries {
        if json {
            writeln!(out, "{}", serde_json::to_string(e)?)?;
            continue;
        }
        let transport = match e.transport {
            mcpscope_proto::TransportChoice::Auto => "auto",
            mcpscope_proto::TransportChoice::Streamable => "streamable",
            mcpscope_proto::TransportChoice::Sse => "sse",
        };
        let headers =
            if e.headers.is_empty() { String::new() } else { format!("  ({} headers)", e.headers.len()) };
        match (&e.url, &e.note) {
            (Some(url), None) => writeln!(out, "{:<24} {transport:<10} {url}{headers}", e.name)?,
            (Some(url), Some(note)) => {
                writeln!(out, "{:<24} {transport:<10} {url}{headers}  — {note}", e.name)?
            }
            (None, note) => writeln!(out, "{:<24} {:<10} — {}", e.name, "-", note.as_deref().unwrap_or(""))?,
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

async fn demo(port: u16, stateless: bool, json: bool) -> anyhow::Result<std::process::ExitCode> {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let opts = mcpscope_demo::DemoOptions { stateful: !stateless, json_response: json };
    let server = mcpscope_demo::DemoServer::start(addr, opts).await?;
    println!("mcpscope demo server: {}", server.url());
    println!("press Ctrl+C to stop");
    tokio::signal::ctrl_c().await.context("waiting for Ctrl+C")?;
    server.shutdown().await;
    Ok(std::process::ExitCode::SUCCESS)
}

async fn call(args: CallArgs) -> anyhow::Result<std::process::ExitCode> {
    let params: Option<Value> = match &args.params {
        Some(p) => Some(serde_json::from_str(p).with_context(|| format!("--params is not valid JSON: {p}"))?),
        None => None,
    };
    let mut opts = ConnectOptions::new(&args.url);
    opts.transport = match args.transport {
        TransportArg::Auto => TransportChoice::Auto,
        TransportArg::Streamable => TransportChoice::Streamable,
        TransportArg::Sse => TransportChoice::Sse,
    };
    opts.protocol_version = args.protocol_version.clone();
    opts.request_timeout = Duration::from_secs(args.timeout);
    opts.open_get_stream = false;
    opts.headers.extend(parse_headers(&args.headers)?);
    let store = open_history().await;
    let limits = args.limits.resolve(store.as_ref()).await?;
    let recorder = cli_recorder(store.as_ref(), &args.url, args.protocol_version.clone(), &limits).await;
    let book = TrustBook::load(store.as_ref(), &args.url).await;
    let mask = Arc::new(mcpscope_session::mask::Mask::default());
    mask.add(mcpscope_session::mask::header_secrets(&opts.headers));
    let sink = masked_cli_sink(Output::jsonl_if(args.jsonl), recorder.clone(), mask, Some(book.clone()));
    let capture = mcpscope_wire::Capture::with_limits(sink, limits);
    if args.oauth.oauth {
        opts.authorizer = Some(args.oauth.build(&args.url, &capture)?);
    }
    let handler = Arc::new(AnswerHandler::parse(&args.answers)?);
    let outcome = match Connection::connect_with_capture(opts, capture, handler).await {
        Ok(conn) => {
            if let (Some(store), Some(r)) = (&store, &recorder) {
                let transport = format!("{:?}", conn.info().transport).to_lowercase();
                let _ = store
                    .update_session(r.session_id(), Some(&transport), Some(&conn.info().protocol_version))
                    .await;
            }
            let outcome = conn.request(&args.method, params).await;
            conn.close().await;
            outcome.map_err(explained)
        }
        Err(e) => Err(connect_error(&args.url)(e)),
    };
    // Whatever happened is in the history before we exit.
    finish_recording(store.as_ref(), recorder.as_ref()).await;
    if let Some(report) = book.settle(store.as_ref()).await {
        print_trust(&report);
    }
    let response = outcome?;
    let failed = response.get("error").is_some();
    if let Some(code) = response.pointer("/error/code").and_then(Value::as_i64) {
        let ex = mcpscope_proto::explain::rpc_error(code);
        eprintln!("mcpscope: the server answered JSON-RPC error {code} ({}): {}", ex.name, ex.meaning);
    }
    if !args.jsonl {
        let shown = response.get("result").or_else(|| response.get("error")).unwrap_or(&response);
        // A closed stdout (`| head`) is the reader's choice, not an error worth a panic.
        let _ = writeln!(std::io::stdout(), "{}", serde_json::to_string_pretty(shown)?);
    }
    let unanswered = unanswered_input(&response);
    if !unanswered.is_empty() {
        eprintln!("mcpscope: the server needs input that was not given:");
        for line in &unanswered {
            eprintln!("  {}", mcpscope_proto::printable(line));
        }
        eprintln!(
            "  answer with --answer KEY=JSON, e.g. --answer 'KEY={{\"action\":\"accept\",\"content\":{{}}}}'"
        );
    }
    Ok(if failed || !unanswered.is_empty() {
        std::process::ExitCode::from(1)
    } else {
        std::process::ExitCode::SUCCESS
    })
}

/// The input requests of an `input_required` result (2026-07-28), one line each.
fn unanswered_input(response: &Value) -> Vec<String> {
    let Some(result) = response.get("result") else { return Vec::new() };
    if result.get("resultType").and_then(Value::as_str) != Some("input_required") {
        return Vec::new();
    }
    let requests = result.get("inputRequests").and_then(Value::as_object);
    requests
        .into_iter()
        .flatten()
        .map(|(key, req)| {
            let method = req.get("method").and_then(Value::as_str).unwrap_or("?");
            let message = req.pointer("/params/message").and_then(Value::as_str).unwrap_or("");
            format!("{key:?}: {method} {message:?}")
        })
        .collect()
}

/// Answers the server's requests from `--answer KEY=JSON`, matched by input key (or JSON-RPC
/// id), then by method; `ping` always; anything else is refused with -32601.
struct AnswerHandler {
    answers: Vec<(String, Value)>,
}

impl AnswerHandler {
    fn parse(given: &[String]) -> anyhow::Result<AnswerHandler> {
        let answers = given
            .iter()
            .map(|a| {
                let (key, json) =
                    a.split_once('=').with_context(|| format!("--answer {a:?} is not KEY=JSON"))?;
                let value = serde_json::from_str(json)
                    .with_context(|| format!("--answer {key}: the answer is not valid JSON: {json}"))?;
                Ok((key.trim().to_owned(), value))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(AnswerHandler { answers })
    }
}

impl mcpscope_wire::ServerRequestHandler for AnswerHandler {
    fn handle(&self, request: Value) -> futures::future::BoxFuture<'static, Result<Value, Value>> {
        let method = request.get("method").and_then(Value::as_str).unwrap_or("").to_owned();
        let id = request.get("id").map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
        let by_key = self.answers.iter().find(|(k, _)| Some(k) == id.as_ref());
        let found =
            by_key.or_else(|| self.answers.iter().find(|(k, _)| *k == method)).map(|(_, v)| v.clone());
        Box::pin(async move {
            match (found, method.as_str()) {
                (Some(answer), _) => Ok(answer),
                (None, "ping") => Ok(serde_json::json!({})),
                (None, _) => {
                    Err(serde_json::json!({"code": -32601, "message": format!("no --answer for {method}")}))
                }
            }
        })
    }
}

async fn token(
    url: String,
    oauth: OAuthArgs,
    json: bool,
    reveal: bool,
    logout: bool,
) -> anyhow::Result<std::process::ExitCode> {
    let capture = mcpscope_wire::Capture::new(Arc::new(mcpscope_wire::NullSink));
    let client = oauth.build(&url, &capture)?;
    if logout {
        client.logout().await?;
        eprintln!("mcpscope: forgot the tokens of {url} ({})", client.store_description());
        return Ok(std::process::ExitCode::SUCCESS);
    }
    let mut opts = ConnectOptions::new(&url);
    opts.open_get_stream = false;
    opts.authorizer = Some(client.clone());
    // Connecting runs the flow when the server asks (or uses the stored token).
    let conn = Connection::connect_with_capture(opts, capture, Arc::new(DefaultHandler))
        .await
        .map_err(connect_error(&url))?;
    conn.close().await;
    let reports = client.inspect().await;
    if reports.is_empty() {
        bail!("the server asked for no token, so there is none to inspect");
    }
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&reports)?)?;
    } else {
        for r in &reports {
            writeln!(
                out,
                "{} ({})  [{}]",
                r.role,
                if r.jwt { "JWT" } else { "opaque" },
                r.verdict().label()
            )?;
            if let Some(h) = &r.header {
                writeln!(out, "  header  {h}")?;
            }
            if let Some(c) = &r.claims {
                writeln!(
                    out,
                    "  claims  {}",
                    serde_json::to_string_pretty(c)?.replace('\n', "\n          ")
                )?;
            }
            if let Some(at) = r.expires_at {
                let left = at - mcpscope_auth::jwt::now();
                let when = if left >= 0 {
                    format!("in {}", mcpscope_auth::jwt::human(left))
                } else {
                    format!("{} ago", mcpscope_auth::jwt::human(left))
                };
                writeln!(out, "  expires {} ({when})", mcpscope_proto::time::rfc3339(at * 1_000_000))?;
            }
            for c in &r.checks {
                writeln!(out, "  {:>4}  {}  ({})", c.verdict.label(), c.message, c.rule)?;
            }
        }
        writeln!(out, "tokens are kept in {}", client.store_description())?;
    }
    if reveal && let Some(t) = client.tokens().await {
        writeln!(out, "{}", t.access_token)?;
    }
    let failed = reports.iter().any(|r| r.verdict() == mcpscope_proto::auth::Verdict::Fail);
    Ok(if failed { std::process::ExitCode::from(1) } else { std::process::ExitCode::SUCCESS })
}
