//! Paths the window names, checked before any file is touched
//! ([`mcpscope_session::paths::judge`]), and the native dialogs that choose or allow them.
//!
//! A path chosen with a native file dialog ([`pick_path`]) is remembered for the app's run
//! and used as given. A typed path under the data directory is used too. Any other typed path
//! is used only once the user allows it in a native question the page cannot answer; with
//! `MCPSCOPE_NO_DIALOGS` set (tests, headless runs) there is no one to ask and it is refused,
//! with the reason. The windows themselves get no dialog permission: only this module opens
//! dialogs.

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use mcpscope_proto::{IpcError, PickKind as Pick};
use mcpscope_session::paths::{Access, PathVerdict, judge};
use tauri_plugin_dialog::{DialogExt, MessageDialogButtons, MessageDialogKind};

/// The paths the user chose or allowed in native dialogs during this run.
#[derive(Default)]
pub struct Grants(Mutex<Vec<PathBuf>>);

impl Grants {
    fn list(&self) -> Vec<PathBuf> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn add(&self, path: PathBuf) {
        let mut list = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if !list.contains(&path) {
            list.push(path);
        }
    }
}

fn error(kind: mcpscope_proto::IpcErrorKind, message: String) -> IpcError {
    IpcError { kind, message }
}

/// Native dialogs are off (`MCPSCOPE_NO_DIALOGS`): nobody is there to answer them.
fn no_dialogs() -> bool {
    std::env::var_os("MCPSCOPE_NO_DIALOGS").is_some()
}

/// Runs a blocking dialog off the async workers (GTK runs it on the main thread meanwhile).
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, IpcError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| error(mcpscope_proto::IpcErrorKind::Internal, format!("the dialog did not finish: {e}")))
}

/// The path `text` may be used for `access` (`what` says how, in words: "read", "export
/// to"): under the data directory, chosen in a dialog, or allowed now by the user.
pub async fn allowed(
    grants: &Grants,
    window: &tauri::Window,
    text: &str,
    access: Access,
    what: &str,
) -> Result<PathBuf, IpcError> {
    let data = mcpscope_store::default_data_dir();
    let path = match judge(text, access, &data, &grants.list()) {
        PathVerdict::Allowed(p) => return Ok(p),
        PathVerdict::Refused(why) => return Err(error(mcpscope_proto::IpcErrorKind::BadPath, why)),
        PathVerdict::Ask(p) => p,
    };
    let outside = format!(
        "{} is outside mcpscope's data folder ({}) and was not chosen with Browse…",
        path.display(),
        data.display()
    );
    if no_dialogs() {
        return Err(error(
            mcpscope_proto::IpcErrorKind::PathNotAllowed,
            format!("{outside}; choose it with Browse… (there is no one to ask: MCPSCOPE_NO_DIALOGS is set)"),
        ));
    }
    let question = format!("{outside}.\n\nLet mcpscope {what} it?");
    let dialog = window
        .dialog()
        .message(question)
        .title("mcpscope: allow this path?")
        .kind(MessageDialogKind::Warning)
        .buttons(MessageDialogButtons::OkCancelCustom("Allow".to_owned(), "Cancel".to_owned()))
        .parent(window);
    if blocking(move || dialog.blocking_show()).await? {
        tracing::info!(path = %path.display(), what, "the user allowed a path");
        grants.add(path.clone());
        Ok(path)
    } else {
        Err(error(mcpscope_proto::IpcErrorKind::PathNotAllowed, format!("{outside}; you did not allow it")))
    }
}

/// Opens a native file dialog; `None` when the user cancelled. The path chosen is granted.
pub async fn pick(
    grants: &Grants,
    window: &tauri::Window,
    kind: Pick,
    title: &str,
    file_name: Option<&str>,
) -> Result<Option<String>, IpcError> {
    if no_dialogs() {
        return Err(error(
            mcpscope_proto::IpcErrorKind::NoDialogs,
            "native dialogs are off (MCPSCOPE_NO_DIALOGS is set): type the path instead".to_owned(),
        ));
    }
    let mut dialog = window.dialog().file().set_parent(window).set_title(title);
    if let Some(name) = file_name {
        dialog = dialog.set_file_name(name);
    }
    if matches!(kind, Pick::File) {
        dialog = dialog.add_filter("JSON", &["json"]);
    }
    let chosen = blocking(move || match kind {
        Pick::File => dialog.blocking_pick_file(),
        Pick::Folder => dialog.blocking_pick_folder(),
        Pick::Save => dialog.blocking_save_file(),
    })
    .await?;
    let Some(chosen) = chosen else { return Ok(None) };
    let path = chosen
        .into_path()
        .map_err(|e| error(mcpscope_proto::IpcErrorKind::BadPath, format!("the dialog's choice: {e}")))?;
    // Granted as the judge will resolve it, links followed.
    let access = if matches!(kind, Pick::Save) { Access::Write } else { Access::Read };
    let resolved = match judge(&path.to_string_lossy(), access, &mcpscope_store::default_data_dir(), &[]) {
        PathVerdict::Allowed(p) | PathVerdict::Ask(p) => p,
        PathVerdict::Refused(why) => return Err(error(mcpscope_proto::IpcErrorKind::BadPath, why)),
    };
    grants.add(resolved);
    Ok(Some(path.to_string_lossy().into_owned()))
}
