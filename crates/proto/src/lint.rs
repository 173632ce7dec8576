//! What the protocol lint reports (the checks themselves live in `mcpscope-lint`).

use serde::{Deserialize, Serialize};

/// One protocol rule a record breaks.
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
}

impl Violation {
    pub fn new(rule: impl Into<String>, path: impl Into<String>, message: impl Into<String>) -> Violation {
        Violation { rule: rule.into(), path: path.into(), message: message.into() }
    }
}
