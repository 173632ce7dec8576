//! How WebKitGTK draws the window.
//!
//! WebKitGTK composites with OpenGL by default. Without a GPU (a VM, a remote desktop, Xvfb
//! in CI) that GL is Mesa's software rasteriser, and under a flood of records the web
//! process then spends most of a frame compositing: the GUI benchmark measured 8 frames a
//! second and 240 ms frames with it, 28 frames a second and 110 ms without, and 90 MB less
//! memory in the web process. The window is a dense list that gains nothing from GPU
//! layers, so mcpscope turns hardware acceleration off unless `MCPSCOPE_GPU=1` asks for
//! WebKit's default.

/// A plugin that applies the policy to every webview as it is created.
pub fn plugin<R: tauri::Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri::plugin::Builder::new("mcpscope-render")
        .on_webview_ready(|webview| {
            if std::env::var_os("MCPSCOPE_GPU").is_some_and(|v| v == "1") {
                return;
            }
            #[cfg(target_os = "linux")]
            if let Err(e) = webview.with_webview(|platform| {
                use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
                if let Some(settings) = platform.inner().settings() {
                    settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
                }
            }) {
                tracing::warn!(error = %e, "could not set the webview's drawing policy");
            }
            #[cfg(not(target_os = "linux"))]
            let _ = webview;
        })
        .build()
}
