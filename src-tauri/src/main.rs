//! The mcpscope desktop shell: Tauri 2 windows, each around its own
//! [`mcpscope_session::Engine`] (a session per window, side by side).
//!
//! **Architecture Invariant:** this is the only crate that depends on `tauri`. It holds no
//! logic of its own: commands are one-line adapters ([`commands`]), events are forwarded as
//! they come ([`events`]), and everything else lives in the engine crates.

// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod events;
mod logging;
mod navigation;
mod paths;
mod render;

use std::process::ExitCode;

use tauri::Manager;

use crate::commands::AppState;

/// mimalloc: the engine allocates a few small strings per captured record; a flood of
/// notifications spends a quarter of its time in the system allocator otherwise.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // 4 KiB pages: a flood's fresh memory is not zeroed 2 MiB at a time.
    mcpscope_session::small_pages();
    // The TLS settings every connection shares read the system's CA bundle: built in the
    // background while the window opens.
    mcpscope_wire::tls::warm_up();
    // The history database (MCPSCOPE_DATA_DIR, else the app data directory), shared by every
    // window. Without it the app still works; it just forgets on restart.
    let store = {
        let runtime = tauri::async_runtime::handle();
        let dir = mcpscope_store::default_data_dir();
        match runtime.block_on(mcpscope_store::Store::open_dir(&dir)) {
            Ok(store) => Some(store),
            Err(e) => {
                eprintln!("mcpscope: history disabled: {e}");
                None
            }
        }
    };

    let result = tauri::Builder::default()
        .manage(AppState::new(store))
        .plugin(render::plugin())
        .plugin(navigation::plugin())
        // Native file choosers and questions, opened from Rust (`paths`); no window may call
        // the plugin's commands (the capability grants none).
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            logging::init(app.handle());
            tracing::info!(version = env!("CARGO_PKG_VERSION"), "mcpscope started");
            // Probe the keyring now, off the window's path: the first OAuth connection or
            // collections listing finds the answer ready instead of waiting for D-Bus.
            tauri::async_runtime::spawn(async {
                let store = mcpscope_session::default_secrets().await;
                tracing::info!(secrets = %store.describe(), "secrets store ready");
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::subscribe,
            commands::new_window,
            commands::connect,
            commands::disconnect,
            commands::reinitialize,
            commands::request,
            commands::send_raw,
            commands::get_record,
            commands::cancel_request,
            commands::trust_current,
            commands::start_proxy,
            commands::answer_server_request,
            commands::set_roots,
            commands::open_external,
            commands::import_servers,
            commands::pick_path,
            commands::copy_text,
            commands::timeline_page,
            commands::ui_failed,
            commands::record_children,
            commands::record_slice,
            commands::state,
            commands::start_demo,
            commands::history_search,
            commands::history_record,
            commands::history_sessions,
            commands::replay,
            commands::replay_session,
            commands::diff_sessions,
            commands::bug_report,
            commands::save_to_collection,
            commands::run_collection,
            commands::collections,
            commands::set_collections_dir,
            commands::limits,
            commands::about,
            commands::set_limits,
            commands::preferences,
            commands::set_preferences,
            commands::set_collection_secret,
            commands::export_collection,
            commands::import_collection,
            commands::export_har,
            commands::history_prune,
            commands::history_clear,
            commands::record_curl,
            commands::auth_status,
            commands::auth_reveal,
            commands::auth_refresh,
            commands::auth_logout,
        ])
        .build(tauri::generate_context!());

    match result {
        Ok(app) => {
            app.run(|handle, event| match event {
                // A closed window ends its session (DELETE, the history's last batch).
                tauri::RunEvent::WindowEvent { label, event: tauri::WindowEvent::Destroyed, .. } => {
                    // Waited for, as on exit: the last window's close may end the process next.
                    if let Some(session) = handle.state::<AppState>().remove(&label)
                        && let Err(e) = tauri::async_runtime::block_on(session.engine.disconnect())
                    {
                        tracing::warn!(error = %e, "could not end a window's session");
                    }
                }
                tauri::RunEvent::Exit => {
                    tracing::info!("mcpscope exiting");
                    // End every session politely (DELETE) and commit the history's last batch.
                    for session in handle.state::<AppState>().all() {
                        if let Err(e) = tauri::async_runtime::block_on(session.engine.disconnect()) {
                            tracing::warn!(error = %e, "could not end a session on exit");
                        }
                    }
                }
                _ => {}
            });
            ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!(error = %e, "the app stopped with an error");
            eprintln!("mcpscope: {e}");
            ExitCode::FAILURE
        }
    }
}
