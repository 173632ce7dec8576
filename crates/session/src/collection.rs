//! Collections: saved requests in a folder of plain JSON files a team keeps in git, run
//! headless with assertions (`mcpscope run`), reported as text and JUnit XML.
//!
//! Long file: load, template, run and bundle of a collection, with their tests; the split
//! into one module each is planned (issue 14).
//!
//! ```text
//! my-collection/
//!   collection.json        {"name": "…", "variables": {"url": "http://127.0.0.1:3001/mcp"}}
//!   environments/dev.json  {"variables": {"url": "…"}, "secrets": ["token"]}   (chosen with --env)
//!   01-list-tools.json     a request (files run in name order; subfolders are folders)
//! ```
//!
//! A request file: `{"name", "method", "params"?, "assert"?: [...]}`. Assertions:
//! `{"result": true}` (no JSON-RPC error), `{"error": true}`, `{"path": "/result/…", "equals": v}`,
//! `{"path": "$.result.content[0].text", "contains": "text"}`, `{"max_ms": 500}`. Strings may
//! use `{{name}}` variables: collection defaults < environment < `--var name=value`.
//!
//! `collection.json` and environments may also name `headers` (sent on every request of a
//! headless run, variables allowed) and `secrets`: variables whose values live in the OS
//! keyring under [`secret_key`], set by each user for themselves and never written to a file,
//! an export or the history (see [`crate::mask`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mcpscope_auth::SecretStore;
use mcpscope_proto::collection::{CollectionInfo, EnvironmentInfo, SecretInfo};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CollectionError {
    #[error("{path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: not a valid {what}: {source}")]
    Parse { path: PathBuf, what: &'static str, source: serde_json::Error },
    #[error("no environment {name:?} (looked for {path})")]
    NoEnvironment { name: String, path: PathBuf },
    #[error(
        "variable {{{{{name}}}}} is used in {request:?} but has no value: add it to the collection, an environment, or --var {name}=…"
    )]
    MissingVariable { name: String, request: String },
    #[error(
        "the collection has no `url` variable: set it in collection.json, an environment, or --var url=…"
    )]
    NoUrl,
    #[error("{0:?} is not a collection name: use a plain folder name (not empty, no `/`, `\\` or `..`)")]
    BadName(String),
    #[error("{path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error(
        "secret {{{{{name}}}}}{scope} has no value in {store}: set it with `mcpscope collection secret {collection} {name}{env_flag}` (it reads the value from standard input), or pass --var {name}=…",
        scope = env.as_ref().map(|e| format!(" of environment {e:?}")).unwrap_or_default(),
        env_flag = env.as_ref().map(|e| format!(" --env {e}")).unwrap_or_default(),
    )]
    MissingSecret { name: String, collection: String, env: Option<String>, store: String },
    #[error(
        "secret {{{{{name}}}}}{scope} was set for {set_for}, not for {target}, where this run goes: a collection never carries your secrets to a server you did not set them for. If {target} is right, allow it for this run (`--allow-origin {target}`, or Allow in the window), or set the secret for it: `mcpscope collection secret {collection} {name}{env_flag}`",
        scope = env.as_ref().map(|e| format!(" of environment {e:?}")).unwrap_or_default(),
        env_flag = env.as_ref().map(|e| format!(" --env {e}")).unwrap_or_default(),
        set_for = set_for.join(", "),
    )]
    SecretElsewhere {
        name: String,
        collection: String,
        env: Option<String>,
        set_for: Vec<String>,
        target: String,
    },
    #[error("{url:?} is not a URL secrets can be bound to: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("{path}: not a collection bundle ({why})")]
    BadBundle { path: PathBuf, why: String },
    #[error("a collection named {name:?} already exists in {}: import it under another name", root.display())]
    Exists { name: String, root: PathBuf },
    #[error("{0}")]
    Keyring(String),
    #[error("collections folder: {0}")]
    BadFolder(String),
    #[error("{name:?} is not a secret of {file}: list it under \"secrets\" there first")]
    NotASecret { name: String, file: String },
}

/// `collection.json`, and an environment file (whose `name` is its file name).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, Default)]
pub struct CollectionFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    /// HTTP headers for a headless run's connection; values may use variables.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Variables whose values live in the OS keyring (names only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RequestFile {
    pub name: String,
    pub method: String,
    #[serde(default)]
    pub params: Option<Value>,
    #[serde(default, rename = "assert")]
    pub assertions: Vec<Assertion>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Assertion {
    Result { result: bool },
    Error { error: bool },
    Equals { path: String, equals: Value },
    Contains { path: String, contains: String },
    MaxMs { max_ms: u64 },
}

/// A loaded collection: its requests in run order, with `folder/file` names.
#[derive(Debug, Clone)]
pub struct Collection {
    pub name: String,
    pub dir: PathBuf,
    /// The environment loaded, if any.
    pub environment: Option<String>,
    pub variables: BTreeMap<String, String>,
    pub headers: BTreeMap<String, String>,
    pub requests: Vec<(String, RequestFile)>,
    /// Declared secrets still to be read from the keyring: (environment or `None`, name).
    secrets: Vec<(Option<String>, String)>,
    /// Secrets the keyring had no value for: name → (environment, where it looked).
    missing: BTreeMap<String, (Option<String>, String)>,
    /// Secrets set only for other servers: name → (environment, their origins, this run's).
    elsewhere: BTreeMap<String, (Option<String>, Vec<String>, String)>,
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path, what: &'static str) -> Result<T, CollectionError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| CollectionError::Read { path: path.to_owned(), source })?;
    serde_json::from_str(&text).map_err(|source| CollectionError::Parse {
        path: path.to_owned(),
        what,
        source,
    })
}

impl Collection {
    /// Loads `dir`, layering the environment `env` (from `dir/environments/<env>.json`) and
    /// then `vars` over the collection's defaults.
    pub fn load(
        dir: &Path,
        env: Option<&str>,
        vars: &[(String, String)],
    ) -> Result<Collection, CollectionError> {
        let meta_path = dir.join("collection.json");
        let meta: CollectionFile = if meta_path.exists() {
            read_json(&meta_path, "collection.json")?
        } else {
            CollectionFile::default()
        };
        let mut variables = meta.variables;
        let mut headers = meta.headers;
        let mut secrets: Vec<(Option<String>, String)> =
            meta.secrets.into_iter().map(|s| (None, s)).collect();
        if let Some(env) = env {
            let file = read_environment(dir, env)?;
            variables.extend(file.variables);
            headers.extend(file.headers);
            secrets.extend(file.secrets.into_iter().map(|s| (Some(env.to_owned()), s)));
        }
        // A declared secret never takes a value from a file; --var still overrides it.
        for (_, name) in &secrets {
            variables.remove(name);
        }
        variables.extend(vars.iter().cloned());
        secrets.retain(|(_, name)| !vars.iter().any(|(v, _)| v == name));
        let mut requests = Vec::new();
        collect(dir, "", &mut requests)?;
        Ok(Collection {
            name: meta.name.unwrap_or_else(|| folder_name(dir)),
            dir: dir.to_owned(),
            environment: env.map(str::to_owned),
            variables,
            headers,
            requests,
            secrets,
            missing: BTreeMap::new(),
            elsewhere: BTreeMap::new(),
        })
    }

    /// Reads the declared secrets for a run to `target` (the origin its requests go to) from
    /// `store` into the variables. Each secret is kept per server: one set for another origin
    /// is used only when `allow_other` (the user said this run may take it there); otherwise it
    /// is an error where it is used, naming both. Returns the values read (to be masked in
    /// every record).
    pub fn fill_secrets(
        &mut self,
        store: &dyn SecretStore,
        target: &str,
        allow_other: bool,
    ) -> Result<Vec<String>, CollectionError> {
        let keyring = |e: mcpscope_auth::AuthError| CollectionError::Keyring(e.to_string());
        let mut values = Vec::new();
        for (env, name) in std::mem::take(&mut self.secrets) {
            let here = store.get(&secret_key(&self.name, target, env.as_deref(), &name)).map_err(keyring)?;
            let others: Vec<String> = set_for(store, &self.name, env.as_deref(), &name)
                .into_iter()
                .filter(|o| o != target)
                .collect();
            let value = match (here, others.as_slice()) {
                (Some(v), _) => Some(v),
                (None, [only]) if allow_other => {
                    store.get(&secret_key(&self.name, only, env.as_deref(), &name)).map_err(keyring)?
                }
                _ => None,
            };
            match value {
                Some(v) => {
                    values.push(v.clone());
                    self.variables.insert(name, v);
                }
                None if !others.is_empty() => {
                    self.elsewhere.insert(name, (env, others, target.to_owned()));
                }
                None => {
                    self.missing.insert(name, (env, store.describe()));
                }
            }
        }
        Ok(values)
    }

    /// After [`Collection::fill_secrets`]: the first secret set only for other servers, as the
    /// error to show before anything is sent (the user decides whether it may go there).
    pub fn secret_elsewhere(&self) -> Option<CollectionError> {
        self.elsewhere.keys().next().and_then(|name| self.secret_elsewhere_named(name))
    }

    fn secret_elsewhere_named(&self, name: &str) -> Option<CollectionError> {
        let (env, set_for, target) = self.elsewhere.get(name)?;
        Some(CollectionError::SecretElsewhere {
            name: name.to_owned(),
            collection: self.dir.display().to_string(),
            env: env.clone(),
            set_for: set_for.clone(),
            target: target.clone(),
        })
    }

    /// The headers for a headless run, variables filled in.
    pub fn headers(&self) -> Result<Vec<(String, String)>, CollectionError> {
        self.headers.iter().map(|(n, v)| Ok((n.clone(), self.fill(v, &format!("header {n}"))?))).collect()
    }

    /// `s` with its variables filled in; a missing secret says how to set it.
    fn fill(&self, s: &str, request: &str) -> Result<String, CollectionError> {
        substitute_str(s, &self.variables, request).map_err(|e| self.explain(e))
    }

    fn explain(&self, e: CollectionError) -> CollectionError {
        match e {
            CollectionError::MissingVariable { ref name, .. } => {
                if let Some(elsewhere) = self.secret_elsewhere_named(name) {
                    return elsewhere;
                }
                match self.missing.get(name) {
                    Some((env, store)) => CollectionError::MissingSecret {
                        name: name.clone(),
                        collection: self.dir.display().to_string(),
                        env: env.clone(),
                        store: store.clone(),
                    },
                    None => e,
                }
            }
            e => e,
        }
    }

    pub fn url(&self) -> Result<String, CollectionError> {
        let url = self.variables.get("url").ok_or(CollectionError::NoUrl)?;
        self.fill(url, "url")
    }
}

/// Where a collection's secret lives in the keyring: one entry per collection (by the name in
/// its `collection.json`, which travels with it through git), server (the origin of the URL
/// its requests go to), environment (`*` for the collection's own) and variable. Keyed by
/// origin too, a same-named collection from someone else (a pull request) that points
/// elsewhere finds nothing to send there.
pub fn secret_key(collection: &str, origin: &str, env: Option<&str>, name: &str) -> String {
    format!("collection:{collection}@{origin}/{}/{name}", env.unwrap_or("*"))
}

/// The keyring entry listing the origins a secret is set for (names, not values), so a run to
/// another one can say where it is set instead of "no value".
fn origins_key(collection: &str, env: Option<&str>, name: &str) -> String {
    format!("collection:{collection}/{}/{name}#origins", env.unwrap_or("*"))
}

fn set_for(store: &dyn SecretStore, collection: &str, env: Option<&str>, name: &str) -> Vec<String> {
    store
        .get(&origins_key(collection, env, name))
        .ok()
        .flatten()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// `scheme://host:port` of `url`: the server a collection's secrets are bound to.
pub fn origin_of(url: &str) -> Result<String, CollectionError> {
    let parsed = url::Url::parse(url)
        .map_err(|e| CollectionError::BadUrl { url: url.to_owned(), reason: e.to_string() })?;
    match parsed.scheme() {
        "http" | "https" if parsed.host().is_some() => Ok(parsed.origin().ascii_serialization()),
        _ => Err(CollectionError::BadUrl { url: url.to_owned(), reason: "not an http(s) URL".to_owned() }),
    }
}

/// The collection's name: its folder's.
fn folder_name(dir: &Path) -> String {
    dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "collection".into())
}

fn read_environment(dir: &Path, env: &str) -> Result<CollectionFile, CollectionError> {
    let env = check_name(env)?;
    let path = dir.join("environments").join(format!("{env}.json"));
    if !path.exists() {
        return Err(CollectionError::NoEnvironment { name: env.to_owned(), path });
    }
    read_json(&path, "environment")
}

/// The environments of the collection in `dir`, by name.
pub fn environments(dir: &Path) -> Result<BTreeMap<String, CollectionFile>, CollectionError> {
    let envs = dir.join("environments");
    let entries = match std::fs::read_dir(&envs) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(source) => return Err(CollectionError::Read { path: envs, source }),
    };
    let mut out = BTreeMap::new();
    for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
        let Some(name) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".json"))
        else {
            continue;
        };
        out.insert(name.to_owned(), read_json(&path, "environment")?);
    }
    Ok(out)
}

/// Request files under `dir` (not `collection.json`, not `environments/`), sorted by path.
/// How deep and how many files a collection walk goes: a folder from someone else (a pull
/// request) cannot make a run read without end.
const MAX_DEPTH: usize = 8;
const MAX_FILES: usize = 10_000;

fn collect(dir: &Path, prefix: &str, out: &mut Vec<(String, RequestFile)>) -> Result<(), CollectionError> {
    let mut seen = 0;
    walk(dir, prefix, 0, &mut seen, out)
}

fn walk(
    dir: &Path,
    prefix: &str,
    depth: usize,
    seen: &mut usize,
    out: &mut Vec<(String, RequestFile)>,
) -> Result<(), CollectionError> {
    let entries =
        std::fs::read_dir(dir).map_err(|source| CollectionError::Read { path: dir.to_owned(), source })?;
    let mut entries: Vec<std::fs::DirEntry> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(std::fs::DirEntry::path);
    for entry in entries {
        *seen += 1;
        if *seen > MAX_FILES {
            return Err(CollectionError::BadFolder(format!(
                "{} holds more than {MAX_FILES} files: not read further",
                dir.display()
            )));
        }
        let path = entry.path();
        let file_name = entry.file_name().to_string_lossy().into_owned();
        // Symlinks are never followed: a collection is the files in its folder, not what a
        // link points at (`~/.ssh`, `/`, a loop).
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_symlink() {
            tracing::warn!(path = %path.display(), "a symlink in a collection is not followed");
            continue;
        }
        if kind.is_dir() {
            if file_name != "environments" && !file_name.starts_with('.') {
                if depth + 1 >= MAX_DEPTH {
                    return Err(CollectionError::BadFolder(format!(
                        "{} is nested more than {MAX_DEPTH} folders deep",
                        path.display()
                    )));
                }
                walk(&path, &format!("{prefix}{file_name}/"), depth + 1, seen, out)?;
            }
        } else if file_name.ends_with(".json") && file_name != "collection.json" {
            let req: RequestFile = read_json(&path, "request")?;
            out.push((format!("{prefix}{file_name}"), req));
        }
    }
    Ok(())
}

/// Writes a file the collection did not have: never through a symlink (not even a dangling
/// one, which would create its target wherever it points), never over an existing file.
fn write_new(path: &Path, text: &str) -> Result<(), CollectionError> {
    use std::io::Write as _;
    let err = |source| CollectionError::Write { path: path.to_owned(), source };
    // O_CREAT | O_EXCL: fails on any existing entry, a symlink included, and never follows it.
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(path).map_err(err)?;
    file.write_all(text.as_bytes()).map_err(err)
}

/// `name` as a collection folder name, or why it cannot be one.
pub fn check_name(name: &str) -> Result<&str, CollectionError> {
    let trimmed = name.trim();
    if trimmed.is_empty()
        || trimmed.contains('/')
        || trimmed.contains('\\')
        || trimmed.contains("..")
        || trimmed.starts_with('.')
    {
        return Err(CollectionError::BadName(name.to_owned()));
    }
    Ok(trimmed)
}

/// A file-name slug: lowercase letters and digits, runs of anything else as one `-`.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    let out: String = out.chars().take(60).collect();
    if out.is_empty() { "request".to_owned() } else { out }
}

/// Writes `request` as the next numbered file (`NN-<slug>.json`) of the collection `collection`
/// under `root`, creating the folder and its `collection.json` (with `url`) when missing.
pub fn save_request(
    root: &Path,
    collection: &str,
    request: &RequestFile,
    url: &str,
) -> Result<PathBuf, CollectionError> {
    let collection = check_name(collection)?;
    let dir = root.join(collection);
    let write_err = |path: &Path| {
        let path = path.to_owned();
        move |source| CollectionError::Write { path, source }
    };
    std::fs::create_dir_all(&dir).map_err(write_err(&dir))?;
    let meta = dir.join("collection.json");
    if !meta.exists() {
        let file = CollectionFile {
            name: Some(collection.to_owned()),
            variables: [("url".to_owned(), url.to_owned())].into(),
            ..CollectionFile::default()
        };
        write_new(&meta, &pretty(&file))?;
    }
    let entries =
        std::fs::read_dir(&dir).map_err(|source| CollectionError::Read { path: dir.clone(), source })?;
    let last = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<u32>().ok()
        })
        .max()
        .unwrap_or(0);
    let path = dir.join(format!("{:02}-{}.json", last + 1, slug(&request.name)));
    write_new(&path, &pretty(request))?;
    Ok(path)
}

/// The collections under `root`, sorted by folder name, with their environments and whether
/// each secret is set in `store`; a folder that does not load is listed with its error.
pub fn list(root: &Path, store: &dyn SecretStore) -> Result<Vec<CollectionInfo>, CollectionError> {
    let entries = match std::fs::read_dir(root) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(CollectionError::Read { path: root.to_owned(), source }),
    };
    let mut out: Vec<CollectionInfo> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && !folder_name(p).starts_with('.'))
        .map(|p| describe(&p, store))
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// One collection folder as the window lists it.
fn describe(dir: &Path, store: &dyn SecretStore) -> CollectionInfo {
    let name = folder_name(dir);
    let loaded = Collection::load(dir, None, &[]).and_then(|c| Ok((c, environments(dir)?)));
    let (c, envs) = match loaded {
        Ok(x) => x,
        Err(e) => {
            tracing::warn!(collection = %name, error = %e, "collection does not load");
            return CollectionInfo { name, error: Some(e.to_string()), ..CollectionInfo::default() };
        }
    };
    // Set means set for the server the collection points at now.
    let origin = c.url().ok().and_then(|u| origin_of(&u).ok()).unwrap_or_default();
    let is_set = |env: Option<&str>, secret: &str| {
        matches!(store.get(&secret_key(&c.name, &origin, env, secret)), Ok(Some(_)))
    };
    let secrets = |env: Option<&str>, names: &[String]| {
        names.iter().map(|n| SecretInfo { name: n.clone(), set: is_set(env, n) }).collect()
    };
    let own: Vec<String> = c.secrets.iter().map(|(_, n)| n.clone()).collect();
    CollectionInfo {
        name,
        requests: c.requests.iter().map(|(_, r)| r.name.clone()).collect(),
        secrets: secrets(None, &own),
        environments: envs
            .iter()
            .map(|(env, file)| EnvironmentInfo {
                name: env.clone(),
                variables: file.variables.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                secrets: secrets(Some(env), &file.secrets),
            })
            .collect(),
        error: None,
    }
}

/// Stores (or, with `None`, deletes) the value of secret `name` of the collection in `dir`
/// (of its environment `env`, or its own) in `store`. The secret must be declared.
pub fn set_secret(
    store: &dyn SecretStore,
    dir: &Path,
    env: Option<&str>,
    name: &str,
    value: Option<&str>,
) -> Result<(), CollectionError> {
    let c = Collection::load(dir, env, &[])?;
    let declared = c.secrets.iter().any(|(e, n)| n == name && e.as_deref() == env);
    if !declared {
        let file = match env {
            Some(e) => format!("environments/{e}.json"),
            None => "collection.json".to_owned(),
        };
        return Err(CollectionError::NotASecret { name: name.to_owned(), file });
    }
    // Bound to the server the collection's requests go to now.
    let origin = origin_of(&c.url()?)?;
    let keyring = |e: mcpscope_auth::AuthError| CollectionError::Keyring(e.to_string());
    let key = secret_key(&c.name, &origin, env, name);
    let mut origins = set_for(store, &c.name, env, name);
    origins.retain(|o| *o != origin);
    match value {
        Some(v) => {
            store.set(&key, v).map_err(keyring)?;
            origins.push(origin);
        }
        None => store.delete(&key).map_err(keyring)?,
    }
    let index = origins_key(&c.name, env, name);
    match origins.is_empty() {
        true => store.delete(&index).map_err(keyring),
        false => store.set(&index, &serde_json::to_string(&origins).unwrap_or_default()).map_err(keyring),
    }
}

/// The format tag of a collection bundle: one JSON file holding a whole collection.
pub const BUNDLE_FORMAT: &str = "mcpscope-collection/1";

/// A whole collection in one file, for sharing outside git. Secrets travel by name only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    pub format: String,
    pub collection: CollectionFile,
    #[serde(default)]
    pub environments: BTreeMap<String, CollectionFile>,
    pub requests: Vec<BundledRequest>,
}

/// A request of a bundle with its path in the collection (`prompts/05-list-prompts.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundledRequest {
    pub file: String,
    #[serde(flatten)]
    pub request: RequestFile,
}

/// The collection in `dir` as a bundle.
pub fn export(dir: &Path) -> Result<Bundle, CollectionError> {
    let meta_path = dir.join("collection.json");
    let mut collection: CollectionFile = if meta_path.exists() {
        read_json(&meta_path, "collection.json")?
    } else {
        CollectionFile::default()
    };
    collection.name.get_or_insert_with(|| folder_name(dir));
    let mut requests = Vec::new();
    collect(dir, "", &mut requests)?;
    Ok(Bundle {
        format: BUNDLE_FORMAT.to_owned(),
        collection,
        environments: environments(dir)?,
        requests: requests.into_iter().map(|(file, request)| BundledRequest { file, request }).collect(),
    })
}

/// Imports `source` (a bundle file, or a collection folder) into `root` as the folder `name`
/// (default: the collection's name). Refuses to overwrite; returns the new folder.
pub fn import(source: &Path, root: &Path, name: Option<&str>) -> Result<PathBuf, CollectionError> {
    let bundle = if source.is_dir() {
        export(source)?
    } else {
        let b: Bundle = read_json(source, "collection bundle")?;
        if b.format != BUNDLE_FORMAT {
            return Err(CollectionError::BadBundle {
                path: source.to_owned(),
                why: format!("format {:?}, expected {BUNDLE_FORMAT:?}", b.format),
            });
        }
        b
    };
    let bad = |why: String| CollectionError::BadBundle { path: source.to_owned(), why };
    let fallback = bundle.collection.name.clone().unwrap_or_else(|| folder_name(source));
    let folder = match name {
        Some(n) => check_name(n)?.to_owned(),
        None => check_name(&fallback).map(str::to_owned).unwrap_or_else(|_| slug(&fallback)),
    };
    for env in bundle.environments.keys() {
        check_name(env).map_err(|_| bad(format!("{env:?} is not an environment name")))?;
    }
    for r in &bundle.requests {
        if !is_request_path(&r.file) {
            return Err(bad(format!("{:?} is not a request file path inside a collection", r.file)));
        }
    }
    let dir = root.join(&folder);
    if dir.exists() {
        return Err(CollectionError::Exists { name: folder, root: root.to_owned() });
    }
    let written = write_bundle(&dir, &bundle);
    if written.is_err() {
        // Half a collection would run half its requests: leave nothing behind.
        let _ = std::fs::remove_dir_all(&dir);
    }
    written.map(|()| dir)
}

/// `a/b/01-x.json`: relative, plain names, a JSON file, not `collection.json` or an environment.
fn is_request_path(file: &str) -> bool {
    let parts: Vec<&str> = file.split('/').collect();
    file.ends_with(".json")
        && file != "collection.json"
        && parts[0] != "environments"
        && parts.iter().all(|p| check_name(p).is_ok_and(|n| n == *p))
}

fn write_bundle(dir: &Path, bundle: &Bundle) -> Result<(), CollectionError> {
    let write = |path: &Path, text: String| -> Result<(), CollectionError> {
        let err = |source| CollectionError::Write { path: path.to_owned(), source };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(err)?;
        }
        write_new(path, &text)
    };
    write(&dir.join("collection.json"), pretty(&bundle.collection))?;
    for (env, file) in &bundle.environments {
        write(&dir.join("environments").join(format!("{env}.json")), pretty(file))?;
    }
    for r in &bundle.requests {
        write(&dir.join(&r.file), pretty(&r.request))?;
    }
    Ok(())
}

/// A file's text: pretty JSON and a final newline, as people write it in git.
pub fn pretty<T: Serialize>(value: &T) -> String {
    // Plain maps, strings and JSON values: serializing them cannot fail.
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}

/// `{{name}}` → its value, in every string of `value`.
pub fn substitute(
    value: &Value,
    vars: &BTreeMap<String, String>,
    request: &str,
) -> Result<Value, CollectionError> {
    Ok(match value {
        Value::String(s) => Value::String(substitute_str(s, vars, request)?),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| substitute(v, vars, request)).collect::<Result<_, _>>()?)
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), substitute(v, vars, request)?)))
                .collect::<Result<_, _>>()?,
        ),
        other => other.clone(),
    })
}

fn substitute_str(
    s: &str,
    vars: &BTreeMap<String, String>,
    request: &str,
) -> Result<String, CollectionError> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start + 2..].find("}}") else { break };
        let name = rest[start + 2..start + 2 + len].trim();
        let value = vars.get(name).ok_or_else(|| CollectionError::MissingVariable {
            name: name.to_owned(),
            request: request.to_owned(),
        })?;
        out.push_str(&rest[..start]);
        out.push_str(value);
        rest = &rest[start + 2 + len + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `$.a.b[0]` → `/a/b/0`; a JSON Pointer stays as it is.
fn pointer(path: &str) -> String {
    let Some(rest) = path.strip_prefix('$') else { return path.to_owned() };
    let mut out = String::new();
    for part in rest.split('.').filter(|p| !p.is_empty()) {
        let mut seg = part;
        while let Some(i) = seg.find('[') {
            if i > 0 {
                out.push('/');
                out.push_str(&seg[..i]);
            }
            let close = seg[i..].find(']').map_or(seg.len(), |c| i + c);
            out.push('/');
            out.push_str(&seg[i + 1..close]);
            seg = seg.get(close + 1..).unwrap_or("");
        }
        if !seg.is_empty() {
            out.push('/');
            out.push_str(seg);
        }
    }
    out
}

/// Checks one assertion against a response; `Err` says what was expected and what came.
pub fn check(a: &Assertion, response: &Value, elapsed: Duration) -> Result<(), String> {
    let short = |v: &Value| {
        let t = v.to_string();
        if t.chars().count() > 120 { t.chars().take(120).collect::<String>() + "…" } else { t }
    };
    match a {
        Assertion::Result { result: true } | Assertion::Error { error: false } => match response.get("error")
        {
            None => Ok(()),
            Some(e) => Err(format!("expected a result, got error {}", short(e))),
        },
        Assertion::Error { error: true } | Assertion::Result { result: false } => match response.get("error")
        {
            Some(_) => Ok(()),
            None => Err("expected a JSON-RPC error, got a result".to_owned()),
        },
        Assertion::Equals { path, equals } => match response.pointer(&pointer(path)) {
            Some(v) if v == equals => Ok(()),
            Some(v) => Err(format!("{path}: expected {}, got {}", short(equals), short(v))),
            None => Err(format!("{path}: not in the response")),
        },
        Assertion::Contains { path, contains } => match response.pointer(&pointer(path)) {
            Some(Value::String(s)) if s.contains(contains.as_str()) => Ok(()),
            Some(v) if !v.is_string() && v.to_string().contains(contains.as_str()) => Ok(()),
            Some(v) => Err(format!("{path}: expected it to contain {contains:?}, got {}", short(v))),
            None => Err(format!("{path}: not in the response")),
        },
        Assertion::MaxMs { max_ms } => {
            let ms = elapsed.as_millis() as u64;
            if ms <= *max_ms { Ok(()) } else { Err(format!("took {ms} ms, more than {max_ms} ms")) }
        }
    }
}

/// The assertion with `{{variables}}` filled in its expected values.
fn with_variables(
    a: &Assertion,
    vars: &BTreeMap<String, String>,
    request: &str,
) -> Result<Assertion, CollectionError> {
    let filled = substitute(&serde_json::to_value(a).unwrap_or(Value::Null), vars, request)?;
    Ok(serde_json::from_value(filled).unwrap_or_else(|_| a.clone()))
}

/// What one request of a run came to (shared with the UI, hence in `proto`).
pub use mcpscope_proto::collection::Outcome;

/// Runs every request of `collection` with `send` (method, params → response message).
pub async fn run<F, Fut, E>(collection: &Collection, mut send: F) -> Vec<Outcome>
where
    F: FnMut(String, Option<Value>) -> Fut,
    Fut: std::future::Future<Output = Result<Value, E>>,
    E: std::fmt::Display,
{
    let mut out = Vec::new();
    for (file, req) in &collection.requests {
        let params = match req
            .params
            .as_ref()
            .map(|p| substitute(p, &collection.variables, &req.name).map_err(|e| collection.explain(e)))
            .transpose()
        {
            Ok(p) => p,
            Err(e) => {
                out.push(Outcome {
                    file: file.clone(),
                    name: req.name.clone(),
                    method: req.method.clone(),
                    elapsed_ms: 0.0,
                    failures: vec![e.to_string()],
                    assertions: req.assertions.len(),
                });
                continue;
            }
        };
        let start = Instant::now();
        let response = send(req.method.clone(), params).await;
        let elapsed = start.elapsed();
        let failures = match &response {
            Ok(r) => req
                .assertions
                .iter()
                .filter_map(|a| {
                    match with_variables(a, &collection.variables, &req.name)
                        .map_err(|e| collection.explain(e))
                    {
                        Ok(a) => check(&a, r, elapsed).err(),
                        Err(e) => Some(e.to_string()),
                    }
                })
                .collect(),
            Err(e) => vec![format!("request failed: {e}")],
        };
        out.push(Outcome {
            file: file.clone(),
            name: req.name.clone(),
            method: req.method.clone(),
            elapsed_ms: elapsed.as_secs_f64() * 1e3,
            failures,
            assertions: req.assertions.len(),
        });
    }
    out
}

/// JUnit XML: one test suite, one test case per request, a failure per failed request.
pub fn junit(collection: &str, outcomes: &[Outcome]) -> String {
    let failed = outcomes.iter().filter(|o| !o.failures.is_empty()).count();
    let total: f64 = outcomes.iter().map(|o| o.elapsed_ms).sum::<f64>() / 1e3;
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites name=\"mcpscope\" tests=\"{}\" failures=\"{failed}\" time=\"{total:.3}\">\n",
        outcomes.len()
    ));
    xml.push_str(&format!(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" time=\"{total:.3}\">\n",
        escape(collection),
        outcomes.len()
    ));
    for o in outcomes {
        xml.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
            escape(&o.file),
            escape(&o.name),
            o.elapsed_ms / 1e3
        ));
        if o.failures.is_empty() {
            xml.push_str("/>\n");
        } else {
            xml.push_str(">\n");
            xml.push_str(&format!(
                "      <failure message=\"{}\">{}</failure>\n",
                escape(&o.failures[0]),
                escape(&o.failures.join("\n"))
            ));
            xml.push_str("    </testcase>\n");
        }
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn variables_are_substituted_and_missing_ones_named() {
        let vars: BTreeMap<String, String> = [("who".to_owned(), "world".to_owned())].into();
        let v = substitute(&json!({"a": ["hello {{who}}", 1], "b": "{{ who }}!"}), &vars, "r").unwrap();
        assert_eq!(v, json!({"a": ["hello world", 1], "b": "world!"}));
        let err = substitute(&json!("{{nope}}"), &vars, "list tools").unwrap_err().to_string();
        assert!(
            err.contains("{{nope}}") && err.contains("list tools") && err.contains("--var nope="),
            "{err}"
        );
    }

    #[test]
    fn json_paths_become_pointers() {
        assert_eq!(pointer("$.result.content[0].text"), "/result/content/0/text");
        assert_eq!(pointer("$.result.tools[2]"), "/result/tools/2");
        assert_eq!(pointer("/result/x"), "/result/x");
    }

    #[test]
    fn assertions_say_what_differed() {
        let r =
            json!({"jsonrpc": "2.0", "id": 1, "result": {"content": [{"type": "text", "text": "Echo: hi"}]}});
        let ms = Duration::from_millis(5);
        assert!(check(&Assertion::Result { result: true }, &r, ms).is_ok());
        assert!(check(&Assertion::Error { error: true }, &r, ms).is_err());
        let eq = Assertion::Equals { path: "$.result.content[0].text".into(), equals: json!("Echo: bye") };
        let msg = check(&eq, &r, ms).unwrap_err();
        assert!(msg.contains("expected \"Echo: bye\"") && msg.contains("got \"Echo: hi\""), "{msg}");
        assert!(
            check(
                &Assertion::Contains { path: "/result/content/0/text".into(), contains: "hi".into() },
                &r,
                ms
            )
            .is_ok()
        );
        assert!(check(&Assertion::MaxMs { max_ms: 1 }, &r, ms).unwrap_err().contains("more than 1 ms"));
    }

    #[test]
    fn saved_requests_are_numbered_and_load_back() {
        let root = std::env::temp_dir().join(format!("mcpscope-save-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let req = |name: &str| RequestFile {
            name: name.into(),
            method: "tools/call".into(),
            params: Some(json!({"name": "echo", "arguments": {"message": "hi"}})),
            assertions: vec![Assertion::Result { result: true }],
        };
        let url = "http://127.0.0.1:1/mcp";
        let first = save_request(&root, "smoke", &req("tools/call echo"), url).unwrap();
        assert_eq!(first, root.join("smoke/01-tools-call-echo.json"));
        let second = save_request(&root, "smoke", &req("Ünïcode & more!"), "http://other/").unwrap();
        assert!(second.ends_with("02-n-code-more.json"), "{}", second.display());
        let saved: Value = serde_json::from_str(&std::fs::read_to_string(&first).unwrap()).unwrap();
        assert_eq!(saved["method"], "tools/call");
        assert_eq!(saved["assert"], json!([{"result": true}]));
        let c = Collection::load(&root.join("smoke"), None, &[]).unwrap();
        assert_eq!(c.name, "smoke");
        assert_eq!(c.url().unwrap(), url, "collection.json is written once, with the first url");
        assert_eq!(c.requests.len(), 2);
        let none = mcpscope_auth::MemoryStore::new("test");
        let listed = list(&root, &none).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].name, "smoke");
        assert_eq!(listed[0].requests, vec!["tools/call echo".to_owned(), "Ünïcode & more!".to_owned()]);
        for bad in ["", " ", "a/b", "..", "x/../y", "a\\b", ".hidden"] {
            let err = save_request(&root, bad, &req("x"), url).unwrap_err();
            assert!(matches!(err, CollectionError::BadName(_)), "{bad:?}: {err}");
        }
        assert!(list(&root.join("missing"), &none).unwrap().is_empty());
        let _ = std::fs::remove_dir_all(&root);
    }

    /// A collection with a secret of its own, an environment with one more, and a request
    /// that uses both.
    fn secret_collection(root: &Path) -> PathBuf {
        let dir = root.join("secretive");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("environments")).unwrap();
        let meta = json!({"name": "secretive", "variables": {"url": "http://127.0.0.1:1/mcp", "api": "in-file"},
            "headers": {"X-Api-Key": "{{api}}"}, "secrets": ["api"]});
        std::fs::write(dir.join("collection.json"), meta.to_string()).unwrap();
        let env = json!({"variables": {"who": "dev"}, "secrets": ["token"]});
        std::fs::write(dir.join("environments/dev.json"), env.to_string()).unwrap();
        let req = json!({"name": "echo", "method": "tools/call",
            "params": {"name": "echo", "arguments": {"message": "{{token}} for {{who}}"}}});
        std::fs::write(dir.join("01-echo.json"), req.to_string()).unwrap();
        dir
    }

    #[test]
    fn symlinks_are_not_followed_the_walk_is_bounded_and_nothing_is_written_through_a_link() {
        let root = std::env::temp_dir().join(format!("mcpscope-links-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let dir = root.join("linked");
        let outside = root.join("outside");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("99-stolen.json"), r#"{"name": "stolen", "method": "ping"}"#).unwrap();
        std::fs::write(dir.join("01-ping.json"), r#"{"name": "ping", "method": "ping"}"#).unwrap();
        std::os::unix::fs::symlink(&outside, dir.join("elsewhere")).unwrap();
        std::os::unix::fs::symlink(outside.join("99-stolen.json"), dir.join("02-link.json")).unwrap();
        std::os::unix::fs::symlink(&dir, dir.join("loop")).unwrap();
        let c = Collection::load(&dir, None, &[]).unwrap();
        let names: Vec<&str> = c.requests.iter().map(|(_, r)| r.name.as_str()).collect();
        assert_eq!(names, vec!["ping"], "only the folder's own files");

        // A dangling link where the next file will be written: refused, its target not created.
        let target = root.join("created-through-the-link.json");
        std::os::unix::fs::symlink(&target, dir.join("collection.json")).unwrap();
        let req = RequestFile { name: "x".into(), method: "ping".into(), params: None, assertions: vec![] };
        let err = save_request(&root, "linked", &req, "http://127.0.0.1:1/mcp").unwrap_err();
        assert!(matches!(err, CollectionError::Write { .. }), "{err}");
        assert!(!target.exists(), "nothing is written through a symlink");

        // Nested deeper than the bound: an error, not an endless walk.
        let mut deep = root.join("deep");
        for i in 0..MAX_DEPTH + 1 {
            deep = deep.join(format!("d{i}"));
        }
        std::fs::create_dir_all(&deep).unwrap();
        let err = Collection::load(&root.join("deep"), None, &[]).unwrap_err();
        assert!(err.to_string().contains("folders deep"), "{err}");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn secrets_are_bound_to_the_server_they_were_set_for() {
        let root = std::env::temp_dir().join(format!("mcpscope-origins-{}", std::process::id()));
        let dir = secret_collection(&root);
        let store = mcpscope_auth::MemoryStore::new("test");
        set_secret(&store, &dir, Some("dev"), "token", Some("t-456")).unwrap();

        // A same-named collection (someone's pull request) pointing elsewhere gets nothing, and
        // the error names both servers and how to allow it.
        let evil = root.join("lookalike");
        std::fs::create_dir_all(evil.join("environments")).unwrap();
        let meta = json!({"name": "secretive", "variables": {"url": "https://collector.example/mcp"}});
        std::fs::write(evil.join("collection.json"), meta.to_string()).unwrap();
        std::fs::write(evil.join("environments/dev.json"), json!({"secrets": ["token"]}).to_string())
            .unwrap();
        let mut c = Collection::load(&evil, Some("dev"), &[]).unwrap();
        let target = origin_of(&c.url().unwrap()).unwrap();
        assert_eq!(target, "https://collector.example");
        assert!(
            c.fill_secrets(&store, &target, false).unwrap().is_empty(),
            "nothing read for another server"
        );
        let err = c.fill("{{token}}", "r").unwrap_err();
        let said = err.to_string();
        assert!(matches!(err, CollectionError::SecretElsewhere { .. }), "{said}");
        assert!(said.contains("set for http://127.0.0.1:1, not for https://collector.example"), "{said}");
        assert!(said.contains("--allow-origin https://collector.example"), "{said}");
        assert!(!said.contains("t-456"));

        // Allowed for this run, it goes there; the original collection always had it.
        let mut c = Collection::load(&evil, Some("dev"), &[]).unwrap();
        assert_eq!(c.fill_secrets(&store, &target, true).unwrap(), vec!["t-456".to_owned()]);
        let mut c = Collection::load(&dir, Some("dev"), &[]).unwrap();
        assert!(c.fill_secrets(&store, "http://127.0.0.1:1", false).unwrap().contains(&"t-456".to_owned()));
        // Forgetting it for its server forgets where it was set.
        set_secret(&store, &dir, Some("dev"), "token", None).unwrap();
        let mut c = Collection::load(&evil, Some("dev"), &[]).unwrap();
        c.fill_secrets(&store, &target, true).unwrap();
        assert!(matches!(c.fill("{{token}}", "r"), Err(CollectionError::MissingSecret { .. })));
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn secrets_come_from_the_store_and_a_missing_one_says_how_to_set_it() {
        let root = std::env::temp_dir().join(format!("mcpscope-secrets-{}", std::process::id()));
        let dir = secret_collection(&root);
        let store = mcpscope_auth::MemoryStore::new("test");

        // Nothing set: the file's value of a declared secret is not used, and the error names
        // the secret, its environment and the command that sets it.
        const HERE: &str = "http://127.0.0.1:1";
        let mut c = Collection::load(&dir, Some("dev"), &[]).unwrap();
        assert!(c.fill_secrets(&store, HERE, false).unwrap().is_empty());
        let err = c.headers().unwrap_err().to_string();
        assert!(err.contains("secret {{api}} has no value") && err.contains("collection secret"), "{err}");
        let err = substitute(&json!("{{token}}"), &c.variables, "echo").map_err(|e| c.explain(e));
        let err = err.unwrap_err().to_string();
        assert!(err.contains("{{token}} of environment \"dev\"") && err.contains("--env dev"), "{err}");

        // Only declared secrets can be set; set ones fill the variables.
        let not = set_secret(&store, &dir, Some("dev"), "who", Some("x")).unwrap_err();
        assert!(matches!(not, CollectionError::NotASecret { .. }), "{not}");
        set_secret(&store, &dir, None, "api", Some("k-123")).unwrap();
        set_secret(&store, &dir, Some("dev"), "token", Some("t-456")).unwrap();
        assert_eq!(
            store.get(&secret_key("secretive", HERE, Some("dev"), "token")).unwrap().as_deref(),
            Some("t-456")
        );
        let mut c = Collection::load(&dir, Some("dev"), &[]).unwrap();
        let mut values = c.fill_secrets(&store, HERE, false).unwrap();
        values.sort();
        assert_eq!(values, vec!["k-123".to_owned(), "t-456".to_owned()]);
        assert_eq!(c.headers().unwrap(), vec![("X-Api-Key".to_owned(), "k-123".to_owned())]);
        // --var wins over the keyring (and the keyring is then not read for it).
        let mut c = Collection::load(&dir, Some("dev"), &[("token".into(), "cli".into())]).unwrap();
        assert_eq!(c.fill_secrets(&store, HERE, false).unwrap(), vec!["k-123".to_owned()]);
        assert_eq!(c.variables["token"], "cli");

        // The listing says which secrets are set, never their values.
        set_secret(&store, &dir, Some("dev"), "token", None).unwrap();
        let info = list(&root, &store).unwrap().remove(0);
        assert_eq!(info.secrets, vec![SecretInfo { name: "api".into(), set: true }]);
        assert_eq!(info.environments[0].name, "dev");
        assert_eq!(info.environments[0].secrets, vec![SecretInfo { name: "token".into(), set: false }]);
        assert!(!serde_json::to_string(&info).unwrap().contains("k-123"));
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn a_bundle_exports_and_imports_whole_and_refuses_unsafe_paths() {
        let root = std::env::temp_dir().join(format!("mcpscope-bundle-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let dir = secret_collection(&root);
        std::fs::create_dir_all(dir.join("more")).unwrap();
        std::fs::write(dir.join("more/02-ping.json"), r#"{"name": "ping", "method": "ping"}"#).unwrap();
        let bundle = export(&dir).unwrap();
        assert_eq!(bundle.format, BUNDLE_FORMAT);
        let files: Vec<&str> = bundle.requests.iter().map(|r| r.file.as_str()).collect();
        assert_eq!(files, vec!["01-echo.json", "more/02-ping.json"]);
        assert_eq!(bundle.environments["dev"].secrets, vec!["token".to_owned()]);

        let file = root.join("secretive.collection.json");
        std::fs::write(&file, pretty(&bundle)).unwrap();
        let into = root.join("team");
        let imported = import(&file, &into, None).unwrap();
        assert_eq!(imported, into.join("secretive"));
        assert_eq!(export(&imported).unwrap(), bundle, "what comes back is what went out");
        let again = import(&file, &into, None).unwrap_err();
        assert!(matches!(again, CollectionError::Exists { .. }), "{again}");
        // A folder imports too, under another name.
        let copy = import(&dir, &into, Some("copy")).unwrap();
        assert_eq!(Collection::load(&copy, Some("dev"), &[]).unwrap().requests.len(), 2);

        for evil in
            ["../escape.json", "/etc/x.json", "environments/dev.json", "collection.json", "a/../../b.json"]
        {
            let mut b = bundle.clone();
            b.requests[0].file = evil.to_owned();
            std::fs::write(&file, pretty(&b)).unwrap();
            let err = import(&file, &into, Some("evil")).unwrap_err();
            assert!(matches!(err, CollectionError::BadBundle { .. }), "{evil}: {err}");
            assert!(!into.join("evil").exists());
        }
        std::fs::write(&file, r#"{"format": "postman/2", "collection": {}, "requests": []}"#).unwrap();
        let err = import(&file, &into, Some("other")).unwrap_err().to_string();
        assert!(err.contains("not a collection bundle") && err.contains("postman/2"), "{err}");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn junit_lists_every_request_and_escapes() {
        let o = vec![
            Outcome {
                file: "a.json".into(),
                name: "ok".into(),
                method: "ping".into(),
                elapsed_ms: 1.0,
                failures: vec![],
                assertions: 1,
            },
            Outcome {
                file: "b.json".into(),
                name: "<bad>".into(),
                method: "x".into(),
                elapsed_ms: 2.0,
                failures: vec!["a \"b\"".into()],
                assertions: 1,
            },
        ];
        let x = junit("c", &o);
        assert!(x.contains("tests=\"2\" failures=\"1\""));
        assert!(x.contains("name=\"&lt;bad&gt;\""));
        assert!(x.contains("<failure message=\"a &quot;b&quot;\">"));
    }
}
