//! Collections: saved requests in a folder of plain JSON files a team keeps in git, run
//! headless with assertions (`mcpscope run`), reported as text and JUnit XML.
//!
//! ```text
//! my-collection/
//!   collection.json        {"name": "…", "variables": {"url": "http://127.0.0.1:3001/mcp"}}
//!   environments/dev.json  {"variables": {"url": "…"}}          (optional, chosen with --env)
//!   01-list-tools.json     a request (files run in name order; subfolders are folders)
//! ```
//!
//! A request file: `{"name", "method", "params"?, "assert"?: [...]}`. Assertions:
//! `{"result": true}` (no JSON-RPC error), `{"error": true}`, `{"path": "/result/…", "equals": v}`,
//! `{"path": "$.result.content[0].text", "contains": "text"}`, `{"max_ms": 500}`. Strings may
//! use `{{name}}` variables: collection defaults < environment < `--var name=value`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

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
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
pub struct CollectionFile {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
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
    pub variables: BTreeMap<String, String>,
    pub requests: Vec<(String, RequestFile)>,
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
        if let Some(env) = env {
            let path = dir.join("environments").join(format!("{env}.json"));
            if !path.exists() {
                return Err(CollectionError::NoEnvironment { name: env.to_owned(), path });
            }
            let file: CollectionFile = read_json(&path, "environment")?;
            variables.extend(file.variables);
        }
        variables.extend(vars.iter().cloned());
        let mut requests = Vec::new();
        collect(dir, "", &mut requests)?;
        let name = meta.name.unwrap_or_else(|| {
            dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "collection".into())
        });
        Ok(Collection { name, dir: dir.to_owned(), variables, requests })
    }

    pub fn url(&self) -> Result<String, CollectionError> {
        let url = self.variables.get("url").ok_or(CollectionError::NoUrl)?;
        substitute_str(url, &self.variables, "url")
    }
}

/// Request files under `dir` (not `collection.json`, not `environments/`), sorted by path.
fn collect(dir: &Path, prefix: &str, out: &mut Vec<(String, RequestFile)>) -> Result<(), CollectionError> {
    let entries =
        std::fs::read_dir(dir).map_err(|source| CollectionError::Read { path: dir.to_owned(), source })?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if path.is_dir() {
            if file_name != "environments" && !file_name.starts_with('.') {
                collect(&path, &format!("{prefix}{file_name}/"), out)?;
            }
        } else if file_name.ends_with(".json") && file_name != "collection.json" {
            let req: RequestFile = read_json(&path, "request")?;
            out.push((format!("{prefix}{file_name}"), req));
        }
    }
    Ok(())
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
        };
        let text = serde_json::to_string_pretty(&file).unwrap_or_default() + "\n";
        std::fs::write(&meta, text).map_err(write_err(&meta))?;
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
    let text = serde_json::to_string_pretty(request).unwrap_or_default() + "\n";
    std::fs::write(&path, text).map_err(write_err(&path))?;
    Ok(path)
}

/// The collections under `root` (name → request names in run order), sorted by name; a
/// folder that does not load is listed with no requests (`mcpscope run` says what is wrong).
pub fn list(root: &Path) -> Result<Vec<(String, Vec<String>)>, CollectionError> {
    let entries = match std::fs::read_dir(root) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(CollectionError::Read { path: root.to_owned(), source }),
    };
    let mut out: Vec<(String, Vec<String>)> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .filter_map(|p| {
            let name = p.file_name()?.to_string_lossy().into_owned();
            if name.starts_with('.') {
                return None;
            }
            let requests = match Collection::load(&p, None, &[]) {
                Ok(c) => c.requests.into_iter().map(|(_, r)| r.name).collect(),
                Err(e) => {
                    tracing::warn!(collection = %name, error = %e, "collection does not load");
                    Vec::new()
                }
            };
            Some((name, requests))
        })
        .collect();
    out.sort();
    Ok(out)
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
        let params =
            match req.params.as_ref().map(|p| substitute(p, &collection.variables, &req.name)).transpose() {
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
                .filter_map(|a| match with_variables(a, &collection.variables, &req.name) {
                    Ok(a) => check(&a, r, elapsed).err(),
                    Err(e) => Some(e.to_string()),
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
        assert_eq!(
            list(&root).unwrap(),
            vec![("smoke".to_owned(), vec!["tools/call echo".to_owned(), "Ünïcode & more!".to_owned()])]
        );
        for bad in ["", " ", "a/b", "..", "x/../y", "a\\b", ".hidden"] {
            let err = save_request(&root, bad, &req("x"), url).unwrap_err();
            assert!(matches!(err, CollectionError::BadName(_)), "{bad:?}: {err}");
        }
        assert!(list(&root.join("missing")).unwrap().is_empty());
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
