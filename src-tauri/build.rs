//! Tauri's build step, with the app's permission manifest: every command in
//! `generate_handler!` gets an `allow-<command>` permission, and a command is callable only
//! from a window whose capability grants it (`capabilities/default.json`, through the
//! `window-commands` set in `permissions/app.toml`). `tests/it/test_ipc_surface.rs` checks
//! that this list, the handler, the set and the commands `ui/src/ipc.rs` invokes are the same.

const COMMANDS: &[&str] = &[
    "subscribe",
    "new_window",
    "connect",
    "disconnect",
    "reinitialize",
    "request",
    "send_raw",
    "get_record",
    "cancel_request",
    "answer_server_request",
    "set_roots",
    "open_external",
    "import_servers",
    "pick_path",
    "copy_text",
    "record_children",
    "record_slice",
    "state",
    "start_demo",
    "history_search",
    "history_record",
    "history_sessions",
    "replay",
    "replay_session",
    "diff_sessions",
    "bug_report",
    "save_to_collection",
    "run_collection",
    "collections",
    "set_collections_dir",
    "limits",
    "about",
    "set_limits",
    "set_collection_secret",
    "export_collection",
    "import_collection",
    "export_har",
    "history_prune",
    "history_clear",
    "record_curl",
    "auth_status",
    "auth_reveal",
    "auth_refresh",
    "auth_logout",
    "trust_current",
    "start_proxy",
];

include!("../build/commit.rs");

fn main() {
    emit_commit();
    println!("cargo:rerun-if-changed=permissions");
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .unwrap_or_else(|e| panic!("tauri build step: {e:#}"));
}
