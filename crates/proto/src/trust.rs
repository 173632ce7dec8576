//! Server trust: what a server listed (tools, prompts, resource templates) pinned per server,
//! and what changed since the user trusted it (a "rug pull" shows here).
//!
//! The fingerprints and the comparison are computed in `mcpscope-lint` (its `trust` module);
//! the pins live in the history database; these are the types the engine, the CLI and the
//! window share.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::diff::Change;

/// The kinds of listing a server's trust covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ListKind {
    Tool,
    Prompt,
    ResourceTemplate,
}

impl ListKind {
    pub const ALL: [ListKind; 3] = [ListKind::Tool, ListKind::Prompt, ListKind::ResourceTemplate];

    /// The word used in rule ids and the database: `tool`, `prompt`, `resource-template`.
    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Tool => "tool",
            ListKind::Prompt => "prompt",
            ListKind::ResourceTemplate => "resource-template",
        }
    }

    pub fn parse(s: &str) -> Option<ListKind> {
        ListKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The request that lists this kind.
    pub fn method(self) -> &'static str {
        match self {
            ListKind::Tool => "tools/list",
            ListKind::Prompt => "prompts/list",
            ListKind::ResourceTemplate => "resources/templates/list",
        }
    }

    /// The kind `method` lists, if it is one of the trusted listings.
    pub fn of_method(method: &str) -> Option<ListKind> {
        ListKind::ALL.into_iter().find(|k| k.method() == method)
    }

    /// The array of the list result that holds the entries.
    pub fn result_key(self) -> &'static str {
        match self {
            ListKind::Tool => "tools",
            ListKind::Prompt => "prompts",
            ListKind::ResourceTemplate => "resourceTemplates",
        }
    }

    /// The server capability that announces the listing.
    pub fn capability(self) -> &'static str {
        match self {
            ListKind::Tool => "tools",
            ListKind::Prompt => "prompts",
            ListKind::ResourceTemplate => "resources",
        }
    }
}

/// One listed entry's fingerprint: the fields that tell a model what the entry does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pin {
    pub kind: ListKind,
    pub name: String,
    /// SHA-256 (hex) of the canonical JSON of [`Pin::definition`].
    pub hash: String,
    /// The pinned fields (for a tool: name, title, description, inputSchema, outputSchema,
    /// annotations), kept so that a change can be shown field by field.
    pub definition: Value,
}

/// How an entry differs from the version the user trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Drift {
    Added,
    Removed,
    Changed,
}

impl Drift {
    pub fn as_str(self) -> &'static str {
        match self {
            Drift::Added => "added",
            Drift::Removed => "removed",
            Drift::Changed => "changed",
        }
    }
}

/// One entry that differs from the trusted version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustChange {
    pub kind: ListKind,
    pub name: String,
    pub drift: Drift,
    /// For a change: each field that differs, by JSON path (`/description`,
    /// `/inputSchema/properties/to`), with its trusted and current values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Change>,
}

impl TrustChange {
    /// The lint rule id: `trust/tool-changed`, `trust/prompt-added`, …
    pub fn rule(&self) -> String {
        format!("trust/{}-{}", self.kind.as_str(), self.drift.as_str())
    }

    /// One line for a person: `tool "echo" changed: /description, /inputSchema/required`.
    pub fn describe(&self) -> String {
        let what = format!("{} {:?}", self.kind.as_str().replace('-', " "), self.name);
        match self.drift {
            Drift::Added => format!("{what} is new since you trusted this server"),
            Drift::Removed => format!("{what} is gone since you trusted this server"),
            Drift::Changed => {
                let paths: Vec<&str> = self.fields.iter().map(|c| c.path.as_str()).collect();
                format!("{what} changed since you trusted it: {}", paths.join(", "))
            }
        }
    }
}

/// What a connection found against the server's trusted version (the window's banner).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TrustReport {
    /// The server, as pinned: its URL without credentials.
    pub server: String,
    /// Every entry that differs from the trusted version; empty when nothing did.
    pub changes: Vec<TrustChange>,
    /// Entries pinned for the first time on this connection (trust on first use).
    pub first_pinned: u32,
}
