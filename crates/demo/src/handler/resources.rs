//! The demo resources: two static documents and one template.

use rmcp::{
    ErrorData as McpError,
    model::{ReadResourceResult, Resource, ResourceContents, ResourceTemplate},
};
use serde_json::json;

const README_URI: &str = "demo://readme";
const CONFIG_URI: &str = "demo://config.json";
const ITEM_PREFIX: &str = "demo://items/";
const ITEM_TEMPLATE: &str = "demo://items/{id}";

const README: &str = "\
# mcpscope demo server

This server runs inside mcpscope so there is always something to inspect.

- Tools: echo, add, long_running, flood, big, fail, ask_user, sample.
- Resources: demo://readme (this file), demo://config.json, demo://items/{id}.
- Prompts: greeting, code_review.
";

pub(crate) fn list() -> Vec<Resource> {
    vec![
        Resource::new(README_URI, "readme")
            .with_title("Demo server README")
            .with_description("What the demo server offers.")
            .with_mime_type("text/markdown")
            .with_size(README.len() as u64),
        Resource::new(CONFIG_URI, "config.json")
            .with_title("Demo configuration")
            .with_description("A small JSON document.")
            .with_mime_type("application/json"),
    ]
}

pub(crate) fn templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new(ITEM_TEMPLATE, "item")
            .with_title("Demo item")
            .with_description("Any id gives a small JSON item.")
            .with_mime_type("application/json"),
    ]
}

pub(crate) fn read(uri: &str) -> Result<ReadResourceResult, McpError> {
    let contents = match uri {
        README_URI => ResourceContents::text(README, uri).with_mime_type("text/markdown"),
        CONFIG_URI => ResourceContents::text(json_text(&config()), uri).with_mime_type("application/json"),
        _ => match uri.strip_prefix(ITEM_PREFIX) {
            Some(id) if !id.is_empty() && !id.contains('/') => {
                let item = json!({ "id": id, "name": format!("Item {id}"), "tags": ["demo"] });
                ResourceContents::text(json_text(&item), uri).with_mime_type("application/json")
            }
            _ => {
                return Err(McpError::resource_not_found(
                    format!("no such resource: {uri}"),
                    Some(json!({ "uri": uri })),
                ));
            }
        },
    };
    Ok(ReadResourceResult::new(vec![contents]))
}

fn config() -> serde_json::Value {
    json!({
        "server": crate::SERVER_NAME,
        "version": env!("CARGO_PKG_VERSION"),
        "features": { "tools": true, "resources": true, "prompts": true, "logging": true },
    })
}

fn json_text(value: &serde_json::Value) -> String {
    // Serializing a `Value` cannot fail (all keys are strings).
    serde_json::to_string_pretty(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(result: &ReadResourceResult) -> Option<&str> {
        match result.contents.first()? {
            ResourceContents::TextResourceContents { text, .. } => Some(text),
            _ => None,
        }
    }

    #[test]
    fn reads_static_and_templated_resources() {
        let readme = read(README_URI).ok();
        assert!(readme.as_ref().and_then(text_of).is_some_and(|t| t.starts_with("# mcpscope")));
        let item = read("demo://items/42").ok();
        let item: Option<serde_json::Value> =
            item.as_ref().and_then(text_of).and_then(|t| serde_json::from_str(t).ok());
        assert_eq!(item.map(|v| v["id"].clone()), Some(json!("42")));
    }

    #[test]
    fn unknown_resources_are_not_found() {
        assert!(read("demo://nope").is_err());
        assert!(read("demo://items/").is_err());
        assert!(read("demo://items/a/b").is_err());
    }
}
