//! `mcpscope run` and `mcpscope collection …`: collections headless, over the same engine
//! code the window uses (`mcpscope_session::collection`), sharing its collections folder.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Subcommand;
use mcpscope_proto::{ConnectRequest, Header};
use mcpscope_session::collection::{self, Collection};
use mcpscope_wire::DefaultHandler;

#[derive(clap::Args)]
pub struct RunArgs {
    /// The collection: its folder (collection.json, environments/, one JSON file a request),
    /// or the name of a collection in the collections folder.
    collection: String,
    /// An environment from the collection's environments/ folder.
    #[arg(long)]
    env: Option<String>,
    /// Set a variable, name=value (repeatable; wins over the environment and the keyring).
    #[arg(long = "var")]
    vars: Vec<String>,
    /// Write a JUnit XML report here.
    #[arg(long)]
    junit: Option<PathBuf>,
    /// An extra header, 'Name: value' (repeatable; added to the collection's headers).
    #[arg(long = "header", short = 'H')]
    headers: Vec<String>,
    /// Send the collection's secrets to this server (an origin, `https://host:port`) even
    /// though they were set for another one. Without it such a run stops before connecting.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    allow_origin: Option<String>,
    /// Do not read secrets from the OS keyring (give them with --var).
    #[arg(long = "no-keyring")]
    no_keyring: bool,
    /// Leave this run out of the history (nothing of it is written to the database).
    #[arg(long = "no-history")]
    no_history: bool,
    #[command(flatten)]
    limits: crate::limits::LimitArgs,
}

#[derive(Subcommand)]
pub enum CollectionCommand {
    /// List the collections folder's collections, their environments and which secrets are set.
    List {
        /// One JSON object per collection.
        #[arg(long)]
        json: bool,
    },
    /// Print the collections folder, or choose another one (the app uses it too).
    Folder {
        /// An absolute path; created when missing.
        path: Option<String>,
        /// Go back to the default folder, <data dir>/collections.
        #[arg(long, conflicts_with = "path")]
        default: bool,
    },
    /// Store a secret's value in the OS keyring, read from standard input (hidden when typed).
    Secret {
        /// The collection (a folder, or a name in the collections folder).
        collection: String,
        /// The secret variable, as listed under "secrets".
        name: String,
        /// The environment that declares it (omit for the collection's own).
        #[arg(long)]
        env: Option<String>,
        /// Forget the value instead.
        #[arg(long)]
        delete: bool,
    },
    /// Write a collection as one bundle file (secrets by name only).
    Export {
        collection: String,
        /// The file to write; standard output without it.
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
    },
    /// Import a bundle file or a collection folder into the collections folder.
    Import {
        source: PathBuf,
        /// The new collection's folder name (default: the collection's name).
        #[arg(long)]
        name: Option<String>,
    },
}

/// The collection named `arg`: a folder, else a collection of the collections folder.
async fn resolve(arg: &str, store: Option<&mcpscope_store::Store>) -> anyhow::Result<PathBuf> {
    let path = Path::new(arg);
    if path.is_dir() {
        return Ok(path.to_owned());
    }
    let (root, _) = mcpscope_session::collections_dir(store).await;
    if let Ok(name) = collection::check_name(arg) {
        let dir = root.join(name);
        if dir.is_dir() {
            return Ok(dir);
        }
    }
    bail!(
        "no collection {arg:?}: it is not a folder, nor a collection in {} (see `mcpscope collection list`)",
        root.display()
    )
}

/// The OS keyring, or why it cannot be used.
fn keyring() -> anyhow::Result<mcpscope_auth::KeyringStore> {
    let k = mcpscope_auth::KeyringStore::new(mcpscope_auth::secrets::SERVICE);
    k.probe().context("the OS keyring is not usable (is a Secret Service running and unlocked?)")?;
    Ok(k)
}

fn parse_vars(vars: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    vars.iter()
        .map(|v| match v.split_once('=') {
            Some((k, val)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), val.to_owned())),
            _ => Err(anyhow::anyhow!("--var {v:?} is not of the form name=value")),
        })
        .collect()
}

/// `mcpscope run`: every request of the collection over one connection, a report, JUnit XML,
/// exit code 1 when an assertion fails.
pub async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let store = crate::open_history().await;
    let dir = resolve(&args.collection, store.as_ref()).await?;
    let mut col = Collection::load(&dir, args.env.as_deref(), &parse_vars(&args.vars)?)?;
    let secrets: Arc<dyn mcpscope_auth::SecretStore> = if args.no_keyring {
        Arc::new(mcpscope_auth::MemoryStore::new("--no-keyring"))
    } else {
        mcpscope_auth::default_store()
    };
    let engine = crate::engine::engine(store.clone(), None);
    // Secrets are bound to the server they were set for: the run's origin must match, or be
    // the one the user allowed by name.
    let target = collection::origin_of(&col.url()?)?;
    let allowed = args.allow_origin.as_deref().map(|o| o.trim_end_matches('/')) == Some(target.as_str());
    engine.mask().add(col.fill_secrets(secrets.as_ref(), &target, allowed)?);
    if let Some(e) = col.secret_elsewhere() {
        return Err(e.into());
    }
    let url = col.url()?;
    let mut headers: Vec<Header> =
        col.headers()?.into_iter().map(|(name, value)| Header::new(name, value)).collect();
    headers.extend(crate::parse_headers(&args.headers)?);
    let req = ConnectRequest {
        url: url.clone(),
        headers,
        no_history: args.no_history,
        ..ConnectRequest::default()
    };
    let env = col.environment.as_deref().map(|e| format!(", environment {e}")).unwrap_or_default();
    println!("{} — {url}{env} ({} requests)", col.name, col.requests.len());
    let limits = args.limits.resolve(store.as_ref()).await?;
    let builder = engine.session(&req).without_trust().limits(limits);
    let live = crate::engine::start(builder, crate::Output::Quiet).await?;
    let conn = live
        .connect(live.connect_options(&req), Arc::new(DefaultHandler))
        .await
        .map_err(crate::connect_error(&url))?;
    let outcomes = collection::run(&col, |method, params| {
        let conn = conn.clone();
        async move { conn.request(&method, params).await }
    })
    .await;
    conn.close().await;
    live.end_history().await;
    let failed = outcomes.iter().filter(|o| !o.failures.is_empty()).count();
    for o in &outcomes {
        let mark = if o.failures.is_empty() { "✓" } else { "✗" };
        println!("  {mark} {}  {} ({})  {:.1} ms", o.file, o.name, o.method, o.elapsed_ms);
        for f in &o.failures {
            println!("      {f}");
        }
    }
    println!("{} requests: {} passed, {failed} failed", outcomes.len(), outcomes.len() - failed);
    if let Some(path) = args.junit {
        std::fs::write(&path, collection::junit(&col.name, &outcomes))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// `mcpscope collection …`.
pub async fn manage(command: CollectionCommand) -> anyhow::Result<ExitCode> {
    let store = crate::open_history().await;
    match command {
        CollectionCommand::List { json } => list(store.as_ref(), json).await,
        CollectionCommand::Folder { path, default } => {
            if path.is_some() || default {
                let db =
                    store.as_ref().context("the collections folder is a setting of the history database")?;
                mcpscope_session::set_collections_dir(db, path.as_deref()).await?;
            }
            let (dir, is_default) = mcpscope_session::collections_dir(store.as_ref()).await;
            println!("{}{}", dir.display(), if is_default { "  (default)" } else { "" });
            Ok(ExitCode::SUCCESS)
        }
        CollectionCommand::Secret { collection, name, env, delete } => {
            let dir = resolve(&collection, store.as_ref()).await?;
            let keyring = keyring()?;
            let value = if delete { None } else { Some(read_secret(&name)?) };
            collection::set_secret(&keyring, &dir, env.as_deref(), &name, value.as_deref())?;
            let scope = env.map(|e| format!(" of environment {e}")).unwrap_or_default();
            let what = if delete { "forgotten" } else { "stored in the OS keyring" };
            eprintln!("secret {name}{scope}: {what}");
            Ok(ExitCode::SUCCESS)
        }
        CollectionCommand::Export { collection, output } => {
            let dir = resolve(&collection, store.as_ref()).await?;
            let text = collection::pretty(&collection::export(&dir)?);
            match output {
                Some(path) => {
                    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
                    eprintln!("wrote {}", path.display());
                }
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        CollectionCommand::Import { source, name } => {
            let (root, _) = mcpscope_session::collections_dir(store.as_ref()).await;
            let dir = collection::import(&source, &root, name.as_deref())?;
            println!("{}", dir.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn list(store: Option<&mcpscope_store::Store>, json: bool) -> anyhow::Result<ExitCode> {
    let (root, _) = mcpscope_session::collections_dir(store).await;
    let secrets = mcpscope_auth::default_store();
    let items = collection::list(&root, secrets.as_ref())?;
    if json {
        for c in &items {
            println!("{}", serde_json::to_string(c)?);
        }
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}", root.display());
    let secret_list = |s: &[mcpscope_proto::collection::SecretInfo]| {
        s.iter()
            .map(|s| format!("{} ({})", s.name, if s.set { "set" } else { "not set" }))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for c in &items {
        if let Some(e) = &c.error {
            println!("  {}  — does not load: {e}", c.name);
            continue;
        }
        println!("  {}  {} requests", c.name, c.requests.len());
        if !c.secrets.is_empty() {
            println!("    secrets: {}", secret_list(&c.secrets));
        }
        for e in &c.environments {
            let secrets = if e.secrets.is_empty() {
                String::new()
            } else {
                format!("; secrets: {}", secret_list(&e.secrets))
            };
            println!("    env {}: {} variables{secrets}", e.name, e.variables.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A secret's value: typed without echo at a terminal, else all of standard input (one
/// trailing newline dropped).
fn read_secret(name: &str) -> anyhow::Result<String> {
    let value = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("{name} (hidden): ")).context("reading the secret")?
    } else {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).context("reading the secret from standard input")?;
        let trimmed = text.strip_suffix('\n').unwrap_or(&text);
        trimmed.strip_suffix('\r').unwrap_or(trimmed).to_owned()
    };
    if value.is_empty() {
        bail!("the secret {name} is empty: give its value on standard input");
    }
    Ok(value)
}
