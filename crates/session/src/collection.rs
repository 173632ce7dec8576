//! Collections: saved requests in a folder of plain JSON files a team keeps in git, run
//! headless with assertions (`mcpscope run`), reported as text and JUnit XML.
//!
//! This module loads a collection (files, environments, variables, secrets); `template`
//! fills its `{{variables}}`, `run` runs it, `bundle` turns it into one file and back, and
//! `folder` saves requests into the collections folder and lists it.
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

mod bundle;
mod folder;
mod run;
mod template;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mcpscope_auth::SecretStore;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use bundle::{BUNDLE_FORMAT, Bundle, BundledRequest, export, import};
pub use folder::{list, save_request, set_secret};
pub use run::{Outcome, check, junit, run};
pub use template::substitute;
use template::substitute_str;

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

/// A file's text: pretty JSON and a final newline, as people write it in git.
pub fn pretty<T: Serialize>(value: &T) -> String {
    // Plain maps, strings and JSON values: serializing them cannot fail.
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use mcpscope_proto::collection::SecretInfo;

    use super::template::pointer;
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
