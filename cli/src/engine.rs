//! The command line's side of the engine: every command that talks to a server makes its
//! live session with the engine's one builder ([`Engine::session`]), the same one the window
//! uses; what is the CLI's own is here: the OAuth flags, how records and OAuth steps are
//! printed, and how errors are explained.

use std::io::Write;
use std::sync::Arc;

use mcpscope_proto::{AuthRequest, Header, Record, UiEvent};
use mcpscope_session::{Engine, EventSink, LiveSession};
use mcpscope_store::Store;
use mcpscope_wire::RecordSink;
use serde_json::Value;

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
    /// What these flags ask of the engine's OAuth client.
    pub(crate) fn auth_request(&self) -> AuthRequest {
        AuthRequest {
            oauth: self.oauth,
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            scope: self.scope.clone(),
            headless: self.headless_authorize,
            dpop: self.dpop,
            workload_token_file: self.workload_token_file.as_ref().map(|f| f.display().to_string()),
            workload_token: self.workload_token.clone(),
            client_credentials: self.client_credentials,
            allow_plain_http: self.allow_plain_http_auth,
        }
    }
}

/// The engine as a command uses it: recording into `store` (when there is one) as source
/// `cli`, its OAuth steps printed to stderr as they finish, tokens in the OS keyring unless
/// `--no-keyring`.
pub(crate) fn engine(store: Option<Store>, oauth: Option<&OAuthArgs>) -> Engine {
    let engine = Engine::with_store(Arc::new(Printed), store, "cli");
    if oauth.is_some_and(|o| o.no_keyring) {
        engine.set_secret_store(Arc::new(mcpscope_auth::MemoryStore::new("--no-keyring")));
    }
    engine
}

/// The engine's events as a command shows them: OAuth steps on stderr; the rest (the
/// window's timeline batches, state changes) is the command's own business.
pub(crate) struct Printed;

impl EventSink for Printed {
    fn emit(&self, event: UiEvent) {
        if let UiEvent::AuthStep { step } = event {
            print_step(&step);
        }
    }
}

/// The engine's live session for `req`, every record printed as `output` says and stored in
/// the history (a history that cannot start is a warning: the command is worth running
/// without it).
pub(crate) async fn start(
    builder: mcpscope_session::SessionBuilder<'_>,
    output: Output,
) -> anyhow::Result<LiveSession> {
    let live = builder.start(|history| CliSink { output, history }).await?;
    if let Some(problem) = live.history_problem() {
        eprintln!("mcpscope: warning: not recording in the history: {problem}");
    }
    Ok(live)
}

/// One OAuth step on stderr: its title and verdict, then each check.
pub(crate) fn print_step(step: &mcpscope_proto::auth::Step) {
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
pub(crate) fn explained(e: mcpscope_wire::WireError) -> anyhow::Error {
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
            rpc.method.as_deref().unwrap_or_default().to_owned()
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
        self.take(Arc::new(record));
    }

    fn record_batch(&self, batch: Vec<Arc<Record>>) {
        batch.into_iter().for_each(|r| self.take(r));
    }
}

impl CliSink {
    /// One allocation shared with the history writer; a copy only for a JSON line.
    fn take(&self, record: Arc<Record>) {
        if let Some(h) = &self.history {
            h.record(record.clone());
        }
        match self.output {
            Output::Quiet => {}
            Output::Jsonl => {
                let mut out = std::io::stdout().lock();
                // The engine decodes messages lazily; a JSON line carries the whole message.
                if let Ok(line) = serde_json::to_string(&Record::clone(&record).with_message()) {
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
