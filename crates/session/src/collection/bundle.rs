//! A whole collection as one file, for sharing outside git (secrets by name only), and back.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use super::{
    CollectionError, CollectionFile, RequestFile, check_name, collect, environments, folder_name, pretty,
    read_json, slug, write_new,
};

/// The format tag of a collection bundle: one JSON file holding a whole collection.
pub const BUNDLE_FORMAT: &str = "mcpscope-collection/1";

/// A whole collection in one file, for sharing outside git. Secrets travel by name only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    pub format: String,
    pub collection: CollectionFile,
    #[serde(default)]
    pub environments: BTreeMap<String, CollectionFile>,
    pub requests: Vec<BundledRequest>,
}

/// A request of a bundle with its path in the collection (`prompts/05-list-prompts.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundledRequest {
    pub file: String,
    #[serde(flatten)]
    pub request: RequestFile,
}

/// The collection in `dir` as a bundle.
pub fn export(dir: &Path) -> Result<Bundle, CollectionError> {
    let meta_path = dir.join("collection.json");
    let mut collection: CollectionFile = if meta_path.exists() {
        read_json(&meta_path, "collection.json")?
    } else {
        CollectionFile::default()
    };
    collection.name.get_or_insert_with(|| folder_name(dir));
    let mut requests = Vec::new();
    collect(dir, "", &mut requests)?;
    Ok(Bundle {
        format: BUNDLE_FORMAT.to_owned(),
        collection,
        environments: environments(dir)?,
        requests: requests.into_iter().map(|(file, request)| BundledRequest { file, request }).collect(),
    })
}

/// Imports `source` (a bundle file, or a collection folder) into `root` as the folder `name`
/// (default: the collection's name). Refuses to overwrite; returns the new folder.
pub fn import(source: &Path, root: &Path, name: Option<&str>) -> Result<PathBuf, CollectionError> {
    let bundle = if source.is_dir() {
        export(source)?
    } else {
        let b: Bundle = read_json(source, "collection bundle")?;
        if b.format != BUNDLE_FORMAT {
            return Err(CollectionError::BadBundle {
                path: source.to_owned(),
                why: format!("format {:?}, expected {BUNDLE_FORMAT:?}", b.format),
            });
        }
        b
    };
    let bad = |why: String| CollectionError::BadBundle { path: source.to_owned(), why };
    let fallback = bundle.collection.name.clone().unwrap_or_else(|| folder_name(source));
    let folder = match name {
        Some(n) => check_name(n)?.to_owned(),
        None => check_name(&fallback).map(str::to_owned).unwrap_or_else(|_| slug(&fallback)),
    };
    for env in bundle.environments.keys() {
        check_name(env).map_err(|_| bad(format!("{env:?} is not an environment name")))?;
    }
    for r in &bundle.requests {
        if !is_request_path(&r.file) {
            return Err(bad(format!("{:?} is not a request file path inside a collection", r.file)));
        }
    }
    let dir = root.join(&folder);
    if dir.exists() {
        return Err(CollectionError::Exists { name: folder, root: root.to_owned() });
    }
    let written = write_bundle(&dir, &bundle);
    if written.is_err() {
        // Half a collection would run half its requests: leave nothing behind.
        let _ = std::fs::remove_dir_all(&dir);
    }
    written.map(|()| dir)
}

/// `a/b/01-x.json`: relative, plain names, a JSON file, not `collection.json` or an environment.
fn is_request_path(file: &str) -> bool {
    let parts: Vec<&str> = file.split('/').collect();
    file.ends_with(".json")
        && file != "collection.json"
        && parts[0] != "environments"
        && parts.iter().all(|p| check_name(p).is_ok_and(|n| n == *p))
}

fn write_bundle(dir: &Path, bundle: &Bundle) -> Result<(), CollectionError> {
    let write = |path: &Path, text: String| -> Result<(), CollectionError> {
        let err = |source| CollectionError::Write { path: path.to_owned(), source };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(err)?;
        }
        write_new(path, &text)
    };
    write(&dir.join("collection.json"), pretty(&bundle.collection))?;
    for (env, file) in &bundle.environments {
        write(&dir.join("environments").join(format!("{env}.json")), pretty(file))?;
    }
    for r in &bundle.requests {
        write(&dir.join(&r.file), pretty(&r.request))?;
    }
    Ok(())
}
