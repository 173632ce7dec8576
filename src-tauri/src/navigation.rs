//! Where a window may go: only the app's own pages. A link in server text, a redirect a
//! script attempts or a form that slips through never takes a window (and its IPC bridge) to
//! another origin; external links open in the system browser through the safe opener.

/// A plugin that denies every navigation away from the app's own pages, in every window.
pub fn plugin<R: tauri::Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri::plugin::Builder::new("mcpscope-navigation")
        .on_navigation(|_webview, url| {
            let allowed = is_app_page(url);
            if !allowed {
                // The origin only: the rest of a URL may carry a credential.
                tracing::warn!(origin = %url.origin().ascii_serialization(), "navigation away from the app denied");
            }
            allowed
        })
        .build()
}

/// The app's pages: `tauri://localhost` (Linux, macOS), `http(s)://tauri.localhost`
/// (Windows), and in a debug build trunk's dev server.
fn is_app_page(url: &tauri::Url) -> bool {
    match (url.scheme(), url.host_str()) {
        ("tauri", Some("localhost")) => true,
        ("http" | "https", Some("tauri.localhost")) => true,
        ("http", Some("127.0.0.1")) if cfg!(debug_assertions) => url.port() == Some(1420),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::is_app_page;

    #[test]
    fn only_the_app_s_own_pages_are_allowed() {
        let ok = |u: &str| is_app_page(&tauri::Url::parse(u).expect("a URL"));
        assert!(ok("tauri://localhost/index.html"));
        assert!(ok("http://tauri.localhost/"));
        assert!(!ok("https://example.com/"));
        assert!(!ok("http://127.0.0.1:8080/"));
        assert!(!ok("file:///etc/passwd"));
        assert!(!ok("tauri://evil/"));
    }
}
