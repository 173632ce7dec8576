//! Logs go to `mcpscope.log` in the data directory the history uses (`MCPSCOPE_DATA_DIR`, else
//! the app's data directory, e.g. `~/.local/share/dev.mcpscope.app/` on Linux).
//! `MCPSCOPE_LOG` (as the CLI) or `RUST_LOG` overrides the default filter.

use std::sync::Mutex;

use tauri::{AppHandle, Manager};
use tracing_subscriber::EnvFilter;

const DEFAULT_FILTER: &str = "info,mcpscope_app=debug,mcpscope_session=debug";

/// Best effort: without a writable data directory the app runs without a log file.
pub fn init(app: &AppHandle) {
    // The history's directory, so a test's (or a user's) MCPSCOPE_DATA_DIR keeps the log
    // beside its database; Tauri's directory otherwise (the same one, by default).
    let dir = match std::env::var_os("MCPSCOPE_DATA_DIR") {
        Some(dir) => std::path::PathBuf::from(dir),
        None => match app.path().app_data_dir() {
            Ok(dir) => dir,
            Err(e) => {
                eprintln!("mcpscope: no app data directory, logging disabled: {e}");
                return;
            }
        },
    };
    let path = dir.join("mcpscope.log");
    let file = std::fs::create_dir_all(&dir).and_then(|()| mcpscope_store::append_private(&path));
    let file = match file {
        Ok(file) => file,
        Err(e) => {
            eprintln!("mcpscope: cannot open {}, logging disabled: {e}", path.display());
            return;
        }
    };
    let filter = EnvFilter::try_from_env("MCPSCOPE_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let installed = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init();
    if let Err(e) = installed {
        eprintln!("mcpscope: logging not installed: {e}");
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        tracing::error!(%info, "panic");
        previous(info);
    }));
    tracing::debug!(path = %path.display(), "logging to file");
}
