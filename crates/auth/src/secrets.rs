//! Where tokens and client secrets live: the OS keyring (Secret Service on Linux) behind a
//! small trait, or memory when no keyring answers. Nothing here writes to disk itself.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::{AuthError, Result};

/// The keyring service name every mcpscope entry is filed under.
pub const SERVICE: &str = "mcpscope";

pub trait SecretStore: Send + Sync + 'static {
    fn get(&self, key: &str) -> Result<Option<String>>;
    fn set(&self, key: &str, value: &str) -> Result<()>;
    /// Deleting a missing entry is not an error.
    fn delete(&self, key: &str) -> Result<()>;
    /// Where secrets go, in words for the UI ("OS keyring (Secret Service)", "memory only").
    fn describe(&self) -> String;
}

/// The OS keyring through the `keyring` crate.
pub struct KeyringStore {
    service: String,
}

impl KeyringStore {
    pub fn new(service: impl Into<String>) -> KeyringStore {
        KeyringStore { service: service.into() }
    }

    fn entry(&self, key: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(&self.service, key).map_err(keyring_error)
    }

    /// Writes, reads back and deletes a probe entry: a keyring that is locked or absent
    /// fails here instead of at the first token.
    pub fn probe(&self) -> Result<()> {
        let key = format!("probe:{}", std::process::id());
        self.set(&key, "probe")?;
        let back = self.get(&key)?;
        self.delete(&key)?;
        if back.as_deref() == Some("probe") {
            Ok(())
        } else {
            Err(AuthError::Keyring("the keyring did not return what was stored".to_owned()))
        }
    }
}

fn keyring_error(e: keyring::Error) -> AuthError {
    AuthError::Keyring(e.to_string())
}

impl SecretStore for KeyringStore {
    fn get(&self, key: &str) -> Result<Option<String>> {
        match self.entry(key)?.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error(e)),
        }
    }

    fn set(&self, key: &str, value: &str) -> Result<()> {
        self.entry(key)?.set_password(value).map_err(keyring_error)
    }

    fn delete(&self, key: &str) -> Result<()> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_error(e)),
        }
    }

    fn describe(&self) -> String {
        "the OS keyring (Secret Service)".to_owned()
    }
}

/// Secrets kept in this process only; gone when it exits.
#[derive(Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<String, String>>,
    why: String,
}

impl MemoryStore {
    pub fn new(why: impl Into<String>) -> MemoryStore {
        MemoryStore { entries: Mutex::new(HashMap::new()), why: why.into() }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        // A panic while holding this lock leaves only plain strings behind: keep going.
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(self.map().get(key).cloned())
    }

    fn set(&self, key: &str, value: &str) -> Result<()> {
        self.map().insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<()> {
        self.map().remove(key);
        Ok(())
    }

    fn describe(&self) -> String {
        if self.why.is_empty() {
            "memory only (gone when mcpscope exits)".to_owned()
        } else {
            format!("memory only (gone when mcpscope exits): {}", self.why)
        }
    }
}

/// The OS keyring when it works, else memory with the reason in its description.
pub fn default_store() -> Arc<dyn SecretStore> {
    let keyring = KeyringStore::new(SERVICE);
    match keyring.probe() {
        Ok(()) => Arc::new(keyring),
        Err(e) => {
            tracing::warn!(error = %e, "no usable keyring; secrets stay in memory");
            Arc::new(MemoryStore::new(format!("no usable keyring ({e})")))
        }
    }
}
