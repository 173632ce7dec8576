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

/// The collections folder and what is in it, as the window lists it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Collections {
    /// The folder the collections are read from and saved to.
    pub dir: String,
    /// Whether `dir` is the default (`<data dir>/collections`) rather than one the user chose.
    pub default_dir: bool,
    pub items: Vec<CollectionInfo>,
}

/// One collection of the folder.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CollectionInfo {
    /// The folder's name (what `mcpscope run` and the window call it by).
    pub name: String,
    /// Request names in run order.
    pub requests: Vec<String>,
    /// Secrets of the collection itself (used whatever the environment).
    pub secrets: Vec<SecretInfo>,
    pub environments: Vec<EnvironmentInfo>,
    /// Why the collection does not load, when it does not.
    pub error: Option<String>,
}

/// An environment (`environments/<name>.json`): its plain variables and its secrets.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EnvironmentInfo {
    pub name: String,
    /// Plain variables (name → value), as the file has them.
    pub variables: Vec<(String, String)>,
    pub secrets: Vec<SecretInfo>,
}

/// A secret variable: its value lives in the OS keyring, never in a file; only whether it is
/// set crosses to the window.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SecretInfo {
    pub name: String,
    pub set: bool,
}
