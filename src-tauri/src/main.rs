//! The mcpscope desktop shell: a Tauri 2 window around one [`mcpscope_session::Engine`].
//!
//! **Architecture Invariant:** this is the only crate that depends on `tauri`. It holds no
//! logic of its own: commands are one-line adapters ([`commands`]), events are forwarded as
//! they come ([`events`]), and everything else lives in the engine crates.

// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod events;
mod logging;

use std::process::ExitCode;
use std::sync::Arc;

use mcpscope_session::Engine;
use tauri::Manager;

use crate::commands::AppState;
use crate::events::ChannelSink;

/// mimalloc: the engine allocates a few small strings per captured record; a flood of
/// notifications spends a quarter of its time in the system allocator otherwise.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let sink = Arc::new(ChannelSink::default());
    // The engine may spawn tasks when built; give it Tauri's Tokio runtime to spawn them on.
    let engine = {
        let runtime = tauri::async_runtime::handle();
        let _entered = runtime.inner().enter();
        // The history database (MCPSCOPE_DATA_DIR, else the app data directory). Without it
        // the app still works; it just forgets on restart.
        let dir = mcpscope_store::default_data_dir();
        let store = match runtime.block_on(mcpscope_store::Store::open_dir(&dir)) {
            Ok(store) => Some(store),
            Err(e) => {
                eprintln!("mcpscope: history disabled: {e}");
                None
            }
        };
        Engine::with_store(sink.clone(), store, "app")
    };

    let result = tauri::Builder::default()
        .manage(AppState { engine, sink })
        .setup(|app| {
            logging::init(app.handle());
            tracing::info!(version = env!("CARGO_PKG_VERSION"), "mcpscope started");
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::subscribe,
            commands::connect,
            commands::disconnect,
            commands::reinitialize,
            commands::request,
            commands::send_raw,
            commands::get_record,
            commands::cancel_request,
            commands::answer_server_request,
            commands::set_roots,
            commands::open_external,
            commands::import_servers,
            commands::record_children,
            commands::record_slice,
            commands::state,
            commands::start_demo,
            commands::history_search,
            commands::history_record,
            commands::history_sessions,
            commands::replay,
            commands::save_to_collection,
            commands::run_collection,
            commands::collections,
            commands::auth_status,
            commands::auth_reveal,
            commands::auth_refresh,
            commands::auth_logout,
        ])
        .build(tauri::generate_context!());

    match result {
        Ok(app) => {
            app.run(|handle, event| {
                if let tauri::RunEvent::Exit = event {
                    tracing::info!("mcpscope exiting");
                    // End the session politely (DELETE) and commit the history's last batch.
                    let state = handle.state::<AppState>();
                    if let Err(e) = tauri::async_runtime::block_on(state.engine.disconnect()) {
                        tracing::warn!(error = %e, "could not end the session on exit");
                    }
                }
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
