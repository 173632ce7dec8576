//! What the app and the CLI share through the history database's settings: the collections
//! folder and the limits on what a server may send; and the window's own preferences.

use mcpscope_proto::{Limits, Preferences};
use mcpscope_store::Store;

use crate::{Engine, Result, SessionError, collection};

/// The setting that holds the collections folder the user chose.
const COLLECTIONS_DIR: &str = "collections_dir";

/// The collections folder: the setting in `store`, else `<data dir>/collections` (`true`).
pub async fn collections_dir(store: Option<&Store>) -> (std::path::PathBuf, bool) {
    let chosen = match store {
        Some(s) => s.setting(COLLECTIONS_DIR).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "could not read the collections folder setting");
            None
        }),
        None => None,
    };
    match chosen {
        Some(dir) => (std::path::PathBuf::from(dir), false),
        None => (mcpscope_store::default_data_dir().join("collections"), true),
    }
}

/// Chooses the collections folder (an absolute path, created when missing); `None` goes back
/// to the default. Returns the folder now in use.
pub async fn set_collections_dir(store: &Store, dir: Option<&str>) -> Result<std::path::PathBuf> {
    let bad = |why: String| SessionError::Collection(collection::CollectionError::BadFolder(why));
    match dir.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => {
            let path = std::path::PathBuf::from(d);
            if !path.is_absolute() {
                return Err(bad(format!("{d:?} is not an absolute path (start it with /)")));
            }
            if path.exists() && !path.is_dir() {
                return Err(bad(format!("{d} is a file, not a folder")));
            }
            std::fs::create_dir_all(&path).map_err(|e| bad(format!("could not create {d}: {e}")))?;
            store.set_setting(COLLECTIONS_DIR, Some(d)).await?;
            Ok(path)
        }
        None => {
            store.set_setting(COLLECTIONS_DIR, None).await?;
            Ok(collections_dir(Some(store)).await.0)
        }
    }
}

/// The setting that holds the limits the user chose (JSON).
const LIMITS: &str = "limits";

/// The limits in force: the setting in `store`, else the defaults. A setting that does not
/// read (or is under a minimum, edited by hand) falls back to the defaults, with a warning in
/// the log.
pub async fn limits(store: Option<&Store>) -> Limits {
    let Some(store) = store else { return Limits::default() };
    let saved = match store.setting(LIMITS).await {
        Ok(Some(text)) => text,
        Ok(None) => return Limits::default(),
        Err(e) => {
            tracing::warn!(error = %e, "could not read the limits setting; using the defaults");
            return Limits::default();
        }
    };
    match serde_json::from_str::<Limits>(&saved)
        .map_err(|e| e.to_string())
        .and_then(|l| l.check().map(|()| l))
    {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(error = %e, "the saved limits do not read; using the defaults");
            Limits::default()
        }
    }
}

/// Saves the limits (`None`: back to the defaults) after checking each against its minimum;
/// they apply from the next connection. Returns the limits now saved.
pub async fn set_limits(store: &Store, chosen: Option<Limits>) -> Result<Limits> {
    match chosen {
        Some(l) => {
            l.check().map_err(SessionError::Limits)?;
            let text = serde_json::to_string(&l)?;
            store.set_setting(LIMITS, Some(&text)).await?;
            Ok(l)
        }
        None => {
            store.set_setting(LIMITS, None).await?;
            Ok(Limits::default())
        }
    }
}

/// The setting that holds the window's preferences (JSON).
const PREFERENCES: &str = "preferences";

/// The window's preferences: the setting in `store`, else the defaults. A setting that does
/// not read falls back to the defaults, with a warning in the log.
pub async fn preferences(store: Option<&Store>) -> Preferences {
    let Some(store) = store else { return Preferences::default() };
    match store.setting(PREFERENCES).await {
        Ok(Some(text)) => serde_json::from_str(&text).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "the saved preferences do not read; using the defaults");
            Preferences::default()
        }),
        Ok(None) => Preferences::default(),
        Err(e) => {
            tracing::warn!(error = %e, "could not read the preferences; using the defaults");
            Preferences::default()
        }
    }
}

/// Saves the window's preferences; returns what is now saved.
pub async fn set_preferences(store: &Store, chosen: Preferences) -> Result<Preferences> {
    store.set_setting(PREFERENCES, Some(&serde_json::to_string(&chosen)?)).await?;
    Ok(chosen)
}

impl Engine {
    /// Where collections live: the folder the user chose (a setting shared with the CLI), else
    /// `<data dir>/collections`. The flag says whether it is the default.
    pub async fn collections_dir(&self) -> (std::path::PathBuf, bool) {
        collections_dir(self.store.as_ref()).await
    }

    /// Chooses the collections folder (created when missing); `None` goes back to the default.
    pub async fn set_collections_dir(&self, dir: Option<&str>) -> Result<std::path::PathBuf> {
        let store = self.history()?;
        set_collections_dir(store, dir).await
    }

    /// The limits on what a server may send: the saved setting (shared with the CLI), else
    /// the defaults.
    pub async fn limits(&self) -> Limits {
        limits(self.store.as_ref()).await
    }

    /// Saves the limits (`None`: the defaults); they apply from the next connection.
    pub async fn set_limits(&self, chosen: Option<Limits>) -> Result<Limits> {
        set_limits(self.history()?, chosen).await
    }

    /// The window's preferences (the Record box): saved, else the defaults.
    pub async fn preferences(&self) -> Preferences {
        preferences(self.store.as_ref()).await
    }

    /// Saves the window's preferences (needs the history database, where they are kept).
    pub async fn set_preferences(&self, chosen: Preferences) -> Result<Preferences> {
        set_preferences(self.history()?, chosen).await
    }
}
