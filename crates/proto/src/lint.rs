//! What the protocol lint reports (the checks themselves live in `mcpscope-lint`).

use serde::{Deserialize, Serialize};

/// Whether a finding breaks a rule or only informs (a feature the version deprecates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    #[default]
    Error,
    Info,
}

impl Severity {
    pub fn is_error(&self) -> bool {
        *self == Severity::Error
    }
}

/// One protocol rule a record breaks (or, as [`Severity::Info`], a deprecated feature it uses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The rule's id, `family/name`: `schema/CallToolResult`, `http/session-id`,
    /// `method/unknown` … Stable: tests, filters and CI scripts match on it.
    pub rule: String,
    /// Where in the record: a JSON path into the message (`result.content[0]`), or
    /// `header <name>` for an HTTP header; empty for the record as a whole.
    pub path: String,
    /// What is wrong, in words, naming the version whose rule it is.
    pub message: String,
    #[serde(default, skip_serializing_if = "Severity::is_error")]
    pub severity: Severity,
}

impl Violation {
    pub fn new(rule: impl Into<String>, path: impl Into<String>, message: impl Into<String>) -> Violation {
        Violation { rule: rule.into(), path: path.into(), message: message.into(), severity: Severity::Error }
    }

    /// A finding that breaks no rule: a feature the version in force deprecates.
    pub fn info(rule: impl Into<String>, path: impl Into<String>, message: impl Into<String>) -> Violation {
        Violation { severity: Severity::Info, ..Violation::new(rule, path, message) }
    }

    pub fn is_error(&self) -> bool {
        self.severity.is_error()
    }
}
