//! The engine's collections: save a stored request to one, list them, run one over the live
//! connection, their secrets, export and import. The collections themselves (loading,
//! templates, running, bundles) are `collection`.

use std::sync::Arc;

use crate::auth::SECRETS;
use crate::history::{export_path, write_file};
use crate::{Engine, Result, SessionError, collection, replay};

/// Runs keyring work (D-Bus, synchronous) off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, collection::CollectionError> + Send + 'static,
) -> Result<T> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => Ok(r?),
        Err(e) => Err(SessionError::Collection(collection::CollectionError::Keyring(format!(
            "the keyring call did not finish: {e}"
        )))),
    }
}

impl Engine {
    /// Saves stored request `seq` of `session_id` (without the engine's progress token) as
    /// request `name` of collection `collection`, asserting a result; creates the collection,
    /// with the session's URL as its `url`, when it does not exist. Returns the file written.
    pub async fn save_to_collection(
        &self,
        collection: &str,
        name: &str,
        session_id: &str,
        seq: u64,
    ) -> Result<std::path::PathBuf> {
        collection::check_name(collection)?;
        self.flush_history().await;
        let store = self.history()?;
        let (_, method, params) = replay::recorded_request(store, session_id, seq).await?;
        let url = store.session(session_id).await?.map(|s| s.url).unwrap_or_default();
        let name = if name.trim().is_empty() { method.clone() } else { name.trim().to_owned() };
        let request = collection::RequestFile {
            name,
            method,
            params,
            assertions: vec![collection::Assertion::Result { result: true }],
        };
        let (root, _) = self.collections_dir().await;
        Ok(collection::save_request(&root, collection, &request, &url)?)
    }

    /// The folder of collection `name` in the collections folder.
    async fn collection_dir(&self, name: &str) -> Result<std::path::PathBuf> {
        let name = collection::check_name(name)?;
        Ok(self.collections_dir().await.0.join(name))
    }

    /// Runs collection `collection` (from the collections folder) with environment `env` over
    /// the live session. Its secrets come from the keyring and are masked in every record;
    /// its `headers` are not sent (the live connection has its own). Secrets set for another
    /// server than the live one are used only with `allow_other_origin` (the user allowed it).
    pub async fn run_collection(
        &self,
        collection: &str,
        env: Option<&str>,
        allow_other_origin: bool,
    ) -> Result<Vec<collection::Outcome>> {
        let dir = self.collection_dir(collection).await?;
        let conn = self.conn()?;
        // The secrets go where the live session goes.
        let target = collection::origin_of(&conn.info().url)?;
        let mut loaded = collection::Collection::load(&dir, env, &[])?;
        let secrets = self.secret_store().await;
        let (loaded, values) = blocking(move || {
            let values = loaded.fill_secrets(secrets.as_ref(), &target, allow_other_origin)?;
            // Asked first: nothing is sent until the user allows the other server.
            if let Some(e) = loaded.secret_elsewhere() {
                return Err(e);
            }
            Ok((loaded, values))
        })
        .await?;
        self.mask.add(values);
        Ok(collection::run(&loaded, |method, params| {
            let conn = conn.clone();
            async move { conn.request(&method, params).await }
        })
        .await)
    }

    /// The collections folder and its collections, with their environments and which
    /// secrets are set.
    pub async fn collections(&self) -> Result<mcpscope_proto::collection::Collections> {
        let (dir, default_dir) = self.collections_dir().await;
        // Listing does not wait for a keyring still being probed: its secrets show as not set
        // until it answers (setting one waits for it).
        let secrets = match self.secrets.get().or_else(|| SECRETS.get()) {
            Some(s) => s.clone(),
            None => Arc::new(mcpscope_auth::MemoryStore::new("the keyring is still being checked")),
        };
        let root = dir.clone();
        let items = blocking(move || collection::list(&root, secrets.as_ref())).await?;
        Ok(mcpscope_proto::collection::Collections { dir: dir.display().to_string(), default_dir, items })
    }

    /// Stores (or with `None` forgets) a secret of collection `collection` in the keyring;
    /// returns where secrets are kept, in words ("the OS keyring …", "memory only …").
    pub async fn set_collection_secret(
        &self,
        collection: &str,
        env: Option<&str>,
        name: &str,
        value: Option<String>,
    ) -> Result<String> {
        let dir = self.collection_dir(collection).await?;
        let secrets = self.secret_store().await;
        let (env, name) = (env.map(str::to_owned), name.to_owned());
        blocking(move || {
            collection::set_secret(secrets.as_ref(), &dir, env.as_deref(), &name, value.as_deref())?;
            Ok(secrets.describe())
        })
        .await
    }

    /// Writes collection `collection` as one bundle file to `dest` (default:
    /// `<data dir>/exports/<name>.collection.json`); returns the path written.
    pub async fn export_collection(
        &self,
        collection: &str,
        dest: Option<&str>,
    ) -> Result<std::path::PathBuf> {
        let dir = self.collection_dir(collection).await?;
        let bundle = collection::export(&dir)?;
        let path = match dest.map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => std::path::PathBuf::from(d),
            None => export_path(&format!("{}.collection.json", collection.trim())),
        };
        write_file(&path, &collection::pretty(&bundle))?;
        Ok(path)
    }

    /// Imports a bundle file or a collection folder into the collections folder; returns the
    /// new collection's name.
    pub async fn import_collection(&self, source: &str, name: Option<&str>) -> Result<String> {
        let (root, _) = self.collections_dir().await;
        let source = std::path::PathBuf::from(source.trim());
        let name = name.map(str::trim).filter(|n| !n.is_empty());
        let dir = collection::import(&source, &root, name)?;
        Ok(dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default())
    }
}
