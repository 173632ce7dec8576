//! Servers imported from the configuration files other MCP clients keep: Claude Desktop's and
//! Cursor's `mcpServers`, VS Code's `servers`, the MCP Inspector's config, and the registry's
//! `server.json` (`remotes`). mcpscope speaks HTTP: stdio servers are listed with a note, not
//! dropped, so the user sees everything the file holds.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Header, TransportChoice};

/// One server of an imported file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerEntry {
    pub name: String,
    /// `None` for a server mcpscope cannot reach over HTTP (stdio).
    pub url: Option<String>,
    pub transport: TransportChoice,
    pub headers: Vec<Header>,
    /// Why the entry cannot be used as is (`stdio server: npx …`), or what was guessed.
    pub note: Option<String>,
}

/// Reads a configuration file's servers. The error names what is wrong with the file.
pub fn import(text: &str) -> Result<Vec<ServerEntry>, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let Some(obj) = v.as_object() else { return Err("not a JSON object".into()) };
    let mut out = Vec::new();
    if let Some(map) = obj.get("mcpServers").or_else(|| obj.get("servers")).and_then(Value::as_object) {
        for (name, s) in map {
            out.push(entry(name, s));
        }
    } else if let Some(remotes) = obj.get("remotes").and_then(Value::as_array) {
        // The registry's server.json.
        let name = obj.get("title").or_else(|| obj.get("name")).and_then(Value::as_str).unwrap_or("server");
        for (i, r) in remotes.iter().enumerate() {
            let label = if remotes.len() > 1 { format!("{name} ({})", i + 1) } else { name.to_owned() };
            out.push(remote(&label, r));
        }
        if remotes.is_empty() && obj.get("packages").is_some() {
            return Err(format!(
                "{name} has packages only (run locally over stdio), no remote URL to connect to"
            ));
        }
    } else {
        return Err("no servers found: expected \"mcpServers\" (Claude Desktop, Cursor, the MCP Inspector), \"servers\" (VS Code) or \"remotes\" (server.json)".into());
    }
    if out.is_empty() {
        return Err("the file lists no servers".into());
    }
    Ok(out)
}

fn transport_of(kind: Option<&str>, url: &str) -> TransportChoice {
    match kind.map(str::to_ascii_lowercase).as_deref() {
        Some("sse") => TransportChoice::Sse,
        Some("http" | "streamable-http" | "streamablehttp" | "streamable_http") => {
            TransportChoice::Streamable
        }
        _ if url.trim_end_matches('/').ends_with("/sse") => TransportChoice::Sse,
        _ => TransportChoice::Auto,
    }
}

/// Headers as an object (`{"Authorization": "Bearer …"}`) or a list of `{name, value}`.
fn headers_of(v: Option<&Value>) -> Vec<Header> {
    match v {
        Some(Value::Object(m)) => {
            m.iter().filter_map(|(k, v)| v.as_str().map(|v| Header::new(k.clone(), v.to_owned()))).collect()
        }
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|h| {
                let name = h.get("name")?.as_str()?;
                let value = h.get("value").and_then(Value::as_str).unwrap_or("");
                Some(Header::new(name, value))
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn entry(name: &str, s: &Value) -> ServerEntry {
    let kind = s.get("type").or_else(|| s.get("transport")).and_then(Value::as_str);
    let url = s.get("url").or_else(|| s.get("serverUrl")).and_then(Value::as_str);
    match url {
        Some(url) => {
            let http = url.starts_with("http://") || url.starts_with("https://");
            ServerEntry {
                name: name.to_owned(),
                url: http.then(|| url.to_owned()),
                transport: transport_of(kind, url),
                headers: headers_of(s.get("headers")),
                note: (!http).then(|| format!("not an http(s) URL: {url}")),
            }
        }
        None => {
            let command = s.get("command").and_then(Value::as_str).unwrap_or("?");
            let args: Vec<&str> = s
                .get("args")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            ServerEntry {
                name: name.to_owned(),
                url: None,
                transport: TransportChoice::Auto,
                headers: Vec::new(),
                note: Some(format!(
                    "stdio server ({} {}): mcpscope connects over HTTP; run it behind an HTTP bridge",
                    command,
                    args.join(" ")
                )),
            }
        }
    }
}

fn remote(name: &str, r: &Value) -> ServerEntry {
    let url = r.get("url").and_then(Value::as_str).unwrap_or("");
    let kind = r.get("type").and_then(Value::as_str);
    let templated = url.contains('{');
    ServerEntry {
        name: name.to_owned(),
        url: (!url.is_empty()).then(|| url.to_owned()),
        transport: transport_of(kind, url),
        headers: headers_of(r.get("headers")),
        note: templated.then(|| "the URL has {variables}: fill them in before connecting".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claude_desktop_and_inspector_files() {
        let text = r#"{"mcpServers": {
            "everything": {"type": "streamable-http", "url": "http://127.0.0.1:3001/mcp"},
            "legacy": {"url": "http://127.0.0.1:3002/sse"},
            "private": {"url": "https://api.example.com/mcp", "headers": {"Authorization": "Bearer abc"}},
            "files": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]}
        }}"#;
        let s = import(text).expect("servers");
        assert_eq!(s.len(), 4);
        assert_eq!(
            (s[0].url.as_deref(), s[0].transport),
            (Some("http://127.0.0.1:3001/mcp"), TransportChoice::Streamable)
        );
        assert_eq!(s[1].transport, TransportChoice::Sse, "a /sse URL is the legacy transport");
        assert_eq!(s[2].headers, vec![Header::new("Authorization", "Bearer abc")]);
        assert_eq!(s[3].url, None);
        assert!(
            s[3].note
                .as_deref()
                .unwrap_or("")
                .contains("stdio server (npx -y @modelcontextprotocol/server-filesystem /tmp)")
        );
    }

    #[test]
    fn vs_code_and_server_json() {
        let vs =
            import(r#"{"servers": {"gh": {"type": "http", "url": "https://api.githubcopilot.com/mcp/"}}}"#)
                .expect("vs code");
        assert_eq!((vs[0].name.as_str(), vs[0].transport), ("gh", TransportChoice::Streamable));
        let registry = r#"{"name": "io.github.acme/weather", "title": "Weather", "remotes": [
            {"type": "streamable-http", "url": "https://weather.example.com/mcp",
             "headers": [{"name": "X-API-Key", "value": "{api_key}", "isSecret": true}]},
            {"type": "sse", "url": "https://{region}.weather.example.com/sse"}]}"#;
        let r = import(registry).expect("server.json");
        assert_eq!(r[0].name, "Weather (1)");
        assert_eq!(r[0].headers, vec![Header::new("X-API-Key", "{api_key}")]);
        assert_eq!(r[1].transport, TransportChoice::Sse);
        assert!(r[1].note.is_some(), "a templated URL is flagged");
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        assert!(import("{").unwrap_err().starts_with("not JSON"));
        assert!(import("[]").unwrap_err().contains("not a JSON object"));
        assert!(import(r#"{"foo": 1}"#).unwrap_err().contains("mcpServers"));
        assert!(import(r#"{"mcpServers": {}}"#).unwrap_err().contains("no servers"));
        let packages = r#"{"name": "x", "packages": [{"registryType": "npm"}], "remotes": []}"#;
        assert!(import(packages).unwrap_err().contains("packages only"));
    }
}
