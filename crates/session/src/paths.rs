//! Which files and folders a window may have mcpscope read or write. A path typed in the
//! window is checked before any file is touched: under the data directory, or chosen by the
//! user in a native dialog, it is used; anywhere else the shell asks the user first (a
//! native dialog the page cannot answer). So a script in the page cannot read or write
//! arbitrary files through an import or export command.

use std::path::{Component, Path, PathBuf};

/// What the command does with the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads a file or folder that must exist.
    Read,
    /// Writes a file or creates a folder (it may not exist yet).
    Write,
}

/// What may happen with a path the window named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathVerdict {
    /// Under the data directory, or chosen in a native dialog: use it.
    Allowed(PathBuf),
    /// Anywhere else: only if the user says so (the path as resolved, links followed).
    Ask(PathBuf),
    /// Not a usable path; the reason names the problem.
    Refused(String),
}

/// The path as the file system resolves it: links followed for the part that exists, the
/// rest appended (a `..` in the part that does not exist yet is refused, since it cannot be
/// resolved).
fn resolve(path: &Path) -> Result<PathBuf, String> {
    let mut existing = path.to_path_buf();
    let mut rest = Vec::new();
    loop {
        match existing.canonicalize() {
            Ok(real) => {
                let mut out = real;
                for part in rest.iter().rev() {
                    out.push(part);
                }
                return Ok(out);
            }
            Err(_) => {
                let Some(name) = existing.file_name().map(|n| n.to_owned()) else {
                    return Err(format!("{} cannot be resolved", path.display()));
                };
                rest.push(name);
                if !existing.pop() {
                    return Err(format!("{} cannot be resolved", path.display()));
                }
            }
        }
    }
}

/// Judges `text`, a path the window named, for `access`. `data_dir` is mcpscope's data
/// directory; `picked` holds the paths the user chose in native dialogs (resolved).
pub fn judge(text: &str, access: Access, data_dir: &Path, picked: &[PathBuf]) -> PathVerdict {
    let text = text.trim();
    if text.is_empty() {
        return PathVerdict::Refused("no path given".to_owned());
    }
    // `~/…` is the home directory, as in a shell (and as the import commands read it).
    let home_relative = match (text.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Some(Path::new(&home).join(rest)),
        _ => None,
    };
    let path = home_relative.as_deref().unwrap_or(Path::new(text));
    if !path.is_absolute() {
        return PathVerdict::Refused(format!("{text:?} is not an absolute path (start it with /)"));
    }
    if path.components().any(|c| c == Component::ParentDir) {
        return PathVerdict::Refused(format!("{text:?} goes up with '..': give the folder itself"));
    }
    let resolved = match access {
        Access::Read => match path.canonicalize() {
            Ok(p) => p,
            Err(e) => return PathVerdict::Refused(format!("cannot read {text}: {e}")),
        },
        Access::Write => match resolve(path) {
            Ok(p) => p,
            Err(e) => return PathVerdict::Refused(e),
        },
    };
    let data = data_dir.canonicalize().unwrap_or_else(|_| data_dir.to_path_buf());
    if resolved.starts_with(&data) || picked.contains(&resolved) {
        PathVerdict::Allowed(resolved)
    } else {
        PathVerdict::Ask(resolved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mcpscope-paths-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.canonicalize().unwrap()
    }

    #[test]
    fn paths_under_the_data_directory_or_picked_are_used_and_others_asked_about() {
        let data = temp("data");
        let elsewhere = temp("elsewhere");
        let file = elsewhere.join("config.json");
        std::fs::write(&file, "{}").unwrap();
        let inside = data.join("exports/x.json");
        assert_eq!(
            judge(inside.to_str().unwrap(), Access::Write, &data, &[]),
            PathVerdict::Allowed(inside.clone())
        );
        assert_eq!(judge(file.to_str().unwrap(), Access::Read, &data, &[]), PathVerdict::Ask(file.clone()));
        assert_eq!(
            judge(file.to_str().unwrap(), Access::Read, &data, std::slice::from_ref(&file)),
            PathVerdict::Allowed(file.clone())
        );
        // A link inside the data directory that points out of it is judged by its target.
        #[cfg(unix)]
        {
            let link = data.join("link.json");
            std::os::unix::fs::symlink(&file, &link).unwrap();
            assert_eq!(
                judge(link.to_str().unwrap(), Access::Read, &data, &[]),
                PathVerdict::Ask(file.clone())
            );
            let through = data.join("out");
            std::os::unix::fs::symlink(&elsewhere, &through).unwrap();
            let written = through.join("new/bundle.json");
            assert_eq!(
                judge(written.to_str().unwrap(), Access::Write, &data, &[]),
                PathVerdict::Ask(elsewhere.join("new/bundle.json"))
            );
        }
        let _ = std::fs::remove_dir_all(&data);
        let _ = std::fs::remove_dir_all(&elsewhere);
    }

    #[test]
    fn unusable_paths_are_refused_with_the_reason() {
        let data = temp("refused");
        let refused = |text: &str, access| match judge(text, access, &data, &[]) {
            PathVerdict::Refused(why) => why,
            other => panic!("{text}: {other:?}"),
        };
        assert!(refused("", Access::Read).contains("no path"));
        assert!(refused("relative/path", Access::Write).contains("not an absolute path"));
        let up = format!("{}/../../etc/passwd", data.display());
        assert!(refused(&up, Access::Read).contains("'..'"));
        assert!(refused("/no/such/file.json", Access::Read).contains("cannot read"));
        // `~/` is the home directory: judged as the file it names (asked about, not refused).
        if let Some(home) = std::env::var_os("HOME").map(PathBuf::from).filter(|h| h.is_dir()) {
            let name = format!(".mcpscope-paths-{}", std::process::id());
            std::fs::write(home.join(&name), "{}").unwrap();
            let verdict = judge(&format!("~/{name}"), Access::Read, &data, &[]);
            let _ = std::fs::remove_file(home.join(&name));
            assert_eq!(verdict, PathVerdict::Ask(home.canonicalize().unwrap().join(&name)));
        }
        let _ = std::fs::remove_dir_all(&data);
    }
}
