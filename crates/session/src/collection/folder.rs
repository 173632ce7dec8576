//! The collections folder: a stored request saved as the next file of a collection, the
//! collections listed for the window, and a collection's secrets set in the keyring.

use std::path::{Path, PathBuf};

use mcpscope_auth::SecretStore;
use mcpscope_proto::collection::{CollectionInfo, EnvironmentInfo, SecretInfo};

use super::{
    Collection, CollectionError, CollectionFile, RequestFile, check_name, environments, folder_name,
    origin_of, origins_key, pretty, secret_key, set_for, slug, write_new,
};

/// Writes `request` as the next numbered file (`NN-<slug>.json`) of the collection `collection`
/// under `root`, creating the folder and its `collection.json` (with `url`) when missing.
pub fn save_request(
    root: &Path,
    collection: &str,
    request: &RequestFile,
    url: &str,
) -> Result<PathBuf, CollectionError> {
    let collection = check_name(collection)?;
    let dir = root.join(collection);
    let write_err = |path: &Path| {
        let path = path.to_owned();
        move |source| CollectionError::Write { path, source }
    };
    std::fs::create_dir_all(&dir).map_err(write_err(&dir))?;
    let meta = dir.join("collection.json");
    if !meta.exists() {
        let file = CollectionFile {
            name: Some(collection.to_owned()),
            variables: [("url".to_owned(), url.to_owned())].into(),
            ..CollectionFile::default()
        };
        write_new(&meta, &pretty(&file))?;
    }
    let entries =
        std::fs::read_dir(&dir).map_err(|source| CollectionError::Read { path: dir.clone(), source })?;
    let last = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<u32>().ok()
        })
        .max()
        .unwrap_or(0);
    let path = dir.join(format!("{:02}-{}.json", last + 1, slug(&request.name)));
    write_new(&path, &pretty(request))?;
    Ok(path)
}

/// The collections under `root`, sorted by folder name, with their environments and whether
/// each secret is set in `store`; a folder that does not load is listed with its error.
pub fn list(root: &Path, store: &dyn SecretStore) -> Result<Vec<CollectionInfo>, CollectionError> {
    let entries = match std::fs::read_dir(root) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(CollectionError::Read { path: root.to_owned(), source }),
    };
    let mut out: Vec<CollectionInfo> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && !folder_name(p).starts_with('.'))
        .map(|p| describe(&p, store))
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// One collection folder as the window lists it.
fn describe(dir: &Path, store: &dyn SecretStore) -> CollectionInfo {
    let name = folder_name(dir);
    let loaded = Collection::load(dir, None, &[]).and_then(|c| Ok((c, environments(dir)?)));
    let (c, envs) = match loaded {
        Ok(x) => x,
        Err(e) => {
            tracing::warn!(collection = %name, error = %e, "collection does not load");
            return CollectionInfo { name, error: Some(e.to_string()), ..CollectionInfo::default() };
        }
    };
    // Set means set for the server the collection points at now.
    let origin = c.url().ok().and_then(|u| origin_of(&u).ok()).unwrap_or_default();
    let is_set = |env: Option<&str>, secret: &str| {
        matches!(store.get(&secret_key(&c.name, &origin, env, secret)), Ok(Some(_)))
    };
    let secrets = |env: Option<&str>, names: &[String]| {
        names.iter().map(|n| SecretInfo { name: n.clone(), set: is_set(env, n) }).collect()
    };
    let own: Vec<String> = c.secrets.iter().map(|(_, n)| n.clone()).collect();
    CollectionInfo {
        name,
        requests: c.requests.iter().map(|(_, r)| r.name.clone()).collect(),
        secrets: secrets(None, &own),
        environments: envs
            .iter()
            .map(|(env, file)| EnvironmentInfo {
                name: env.clone(),
                variables: file.variables.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                secrets: secrets(Some(env), &file.secrets),
            })
            .collect(),
        error: None,
    }
}

/// Stores (or, with `None`, deletes) the value of secret `name` of the collection in `dir`
/// (of its environment `env`, or its own) in `store`. The secret must be declared.
pub fn set_secret(
    store: &dyn SecretStore,
    dir: &Path,
    env: Option<&str>,
    name: &str,
    value: Option<&str>,
) -> Result<(), CollectionError> {
    let c = Collection::load(dir, env, &[])?;
    let declared = c.secrets.iter().any(|(e, n)| n == name && e.as_deref() == env);
    if !declared {
        let file = match env {
            Some(e) => format!("environments/{e}.json"),
            None => "collection.json".to_owned(),
        };
        return Err(CollectionError::NotASecret { name: name.to_owned(), file });
    }
    // Bound to the server the collection's requests go to now.
    let origin = origin_of(&c.url()?)?;
    let keyring = |e: mcpscope_auth::AuthError| CollectionError::Keyring(e.to_string());
    let key = secret_key(&c.name, &origin, env, name);
    let mut origins = set_for(store, &c.name, env, name);
    origins.retain(|o| *o != origin);
    match value {
        Some(v) => {
            store.set(&key, v).map_err(keyring)?;
            origins.push(origin);
        }
        None => store.delete(&key).map_err(keyring)?,
    }
    let index = origins_key(&c.name, env, name);
    match origins.is_empty() {
        true => store.delete(&index).map_err(keyring),
        false => store.set(&index, &serde_json::to_string(&origins).unwrap_or_default()).map_err(keyring),
    }
}
