//! What a collection run reports, request by request (shared by the engine, the CLI and the
//! UI; the runner itself is `mcpscope_session::collection`).

use serde::{Deserialize, Serialize};

/// What one request of a run came to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub file: String,
    pub name: String,
    pub method: String,
    pub elapsed_ms: f64,
    /// Failed assertions (or the reason the request could not be made), in order.
    pub failures: Vec<String>,
    pub assertions: usize,
}

impl Outcome {
    /// Whether every assertion held.
    pub fn ok(&self) -> bool {
        self.failures.is_empty()
    }
}
