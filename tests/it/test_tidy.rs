//! Tidy: the rules of the tree that no compiler checks (ARCHITECTURE.md's invariants and its
//! code map), checked on every CI run.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    mcpscope_tests::package_dir().parent().expect("the repository root").to_owned()
}

/// Every file under `dir` (recursively), skipping build output and dependencies.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if matches!(name.as_str(), "target" | "node_modules" | "dist" | ".git") {
            continue;
        }
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

#[test]
fn every_path_in_the_code_map_exists() {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let start = text.find("## Code map").expect("a code map section");
    let end = text[start..].find("\n## ").map_or(text.len(), |e| start + e);
    let map = &text[start..end];
    let all: Vec<String> = files(&root()).iter().map(|p| relative(p)).collect();
    let tops = ["crates/", "src-tauri/", "ui/", "tests/", "cli/", "xtask/", "build/", "assets/"];
    let mut checked = 0;
    let mut missing = Vec::new();
    for token in map.split('`').skip(1).step_by(2) {
        let placeholder =
            ['<', '…', '|', '*', ' ', '(', '{'].iter().any(|c| token.contains(*c)) || token.contains("YYYY");
        let file = [".rs", ".toml", ".json", ".md", ".mjs", ".sql", ".css", ".html"]
            .iter()
            .any(|x| token.ends_with(x));
        let dir = token.ends_with('/') && token.len() > 1;
        let rooted = tops.iter().any(|t| token.starts_with(t));
        if placeholder || token.starts_with('/') || !(file || dir || rooted) {
            continue;
        }
        checked += 1;
        let found = if rooted {
            root().join(token).exists()
        } else if dir {
            all.iter().any(|p| p.starts_with(token) || p.contains(&format!("/{token}")))
        } else {
            all.iter().any(|p| p == token || p.ends_with(&format!("/{token}")))
        };
        if !found {
            missing.push(token.to_owned());
        }
    }
    assert!(checked > 20, "the code map names paths ({checked} checked)");
    assert!(missing.is_empty(), "paths in ARCHITECTURE.md's code map that do not exist: {missing:?}");
}

#[test]
fn only_src_tauri_depends_on_tauri() {
    let mut offenders = Vec::new();
    for manifest in files(&root()).into_iter().filter(|p| p.file_name().is_some_and(|n| n == "Cargo.toml")) {
        let rel = relative(&manifest);
        if rel == "Cargo.toml" || rel == "src-tauri/Cargo.toml" {
            continue;
        }
        let text = std::fs::read_to_string(&manifest).expect("manifest");
        if text.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with("tauri") && (l.contains('=') || l.contains('.'))
        }) {
            offenders.push(rel);
        }
    }
    assert!(offenders.is_empty(), "crates besides src-tauri that depend on tauri: {offenders:?}");
}

#[test]
fn only_the_ipc_module_touches_the_tauri_global() {
    let ui = root().join("ui/src");
    let sources = files(&ui);
    assert!(sources.len() > 10, "the UI's sources are there");
    let offenders: Vec<String> = sources
        .iter()
        .filter(|p| !p.ends_with("ui/src/ipc.rs"))
        .filter(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("__TAURI__")))
        .map(|p| relative(p))
        .collect();
    assert!(offenders.is_empty(), "files besides ui/src/ipc.rs that use __TAURI__: {offenders:?}");
}

/// A source file over 800 lines says at its top why (`Long file: …` in its first doc lines).
#[test]
fn long_source_files_say_why() {
    let mut unexplained = Vec::new();
    let mut long = 0;
    for dir in ["crates", "cli", "src-tauri", "ui", "xtask"] {
        for path in files(&root().join(dir)) {
            let rel = relative(&path);
            let is_test = rel.contains("/tests/") || rel.ends_with("/tests.rs");
            if path.extension().is_none_or(|x| x != "rs") || is_test {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("source");
            if text.lines().count() <= 800 {
                continue;
            }
            long += 1;
            if !text.lines().take(30).any(|l| l.starts_with("//!") && l.contains("Long file:")) {
                unexplained.push(format!("{rel} ({} lines)", text.lines().count()));
            }
        }
    }
    assert!(long > 0, "the check sees the long files");
    assert!(
        unexplained.is_empty(),
        "over 800 lines without a `//! Long file: why` at the top: {unexplained:?}"
    );
}
