//! Driving the real app window through WebDriver (tauri-driver + WebKitWebDriver): shared by
//! the GUI tests and the GUI benchmark.

#![allow(clippy::expect_used, clippy::panic)] // Test support: a broken setup aborts the test with its reason.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// tauri-driver from PATH (`cargo xtask` puts cargo's bin directory first), else from
/// `$CARGO_HOME/bin` or `~/.cargo/bin`.
fn tauri_driver() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join("tauri-driver")).find(|f| f.exists()));
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    on_path
        .flatten()
        .or_else(|| cargo_home.map(|h| h.join("bin/tauri-driver")))
        .unwrap_or_else(|| PathBuf::from("tauri-driver"))
}

/// The port of the next tauri-driver (its WebKitWebDriver takes the one after). Moved on
/// when a driver stops answering: what is left of it (an orphaned WebKitWebDriver still
/// holding a session) would refuse every later test on the same ports.
static DRIVER_PORT: AtomicU16 = AtomicU16::new(4444);

/// tauri-driver, stopped with SIGTERM (a SIGKILL would orphan WebKitWebDriver).
pub struct Driver {
    child: Child,
    pub port: u16,
}

impl Driver {
    pub fn start() -> Driver {
        Driver::start_with(&[])
    }

    /// A driver whose app gets these environment variables too (MCPSCOPE_DATA_DIR for a data
    /// directory of its own, so a test's saved settings reach no other test).
    pub fn start_with(env: &[(&str, &std::ffi::OsStr)]) -> Driver {
        // Fixed ports: only one GUI test runs at a time (they share this lock).
        Driver::start_on(DRIVER_PORT.load(Ordering::Relaxed), env)
    }

    /// A driver on `port`, its WebKitWebDriver on the port after it.
    fn start_on(port: u16, env: &[(&str, &std::ffi::OsStr)]) -> Driver {
        // The app inherits the driver's environment: MCPSCOPE_NO_BROWSER keeps an OAuth flow
        // from opening a browser; it shows the authorization URL instead.
        let child = Command::new(tauri_driver())
            .args(["--port", &port.to_string(), "--native-port", &(port + 1).to_string()])
            .envs(env.iter().copied())
            .env("MCPSCOPE_NO_BROWSER", "1")
            // No one clicks native dialogs here: a path outside the data directory is refused
            // instead of asked about, and Browse… says to type the path.
            .env("MCPSCOPE_NO_DIALOGS", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tauri-driver (cargo xtask setup installs it)");
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let start = Instant::now();
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(start.elapsed() < Duration::from_secs(15), "tauri-driver did not listen on {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        Driver { child, port }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}

impl Driver {
    /// A WebDriver session with the app binary at `app` (the window opens).
    pub async fn open(&self, app: &Path) -> Client {
        self.try_open(app, 4).await.unwrap_or_else(|e| panic!("WebDriver session with the app, 4 tries: {e}"))
    }

    /// [`Driver::open`], `tries` times before giving up.
    async fn try_open(&self, app: &Path, tries: u32) -> Result<Client, fantoccini::error::NewSessionError> {
        assert!(app.exists(), "{} not built (cargo xtask test builds it)", app.display());
        let caps = json!({"browserName": "wry", "tauri:options": {"application": app}});
        let caps = caps.as_object().cloned().unwrap_or_default();
        // On a loaded machine tauri-driver sometimes drops the connection that creates the
        // session (hyper's IncompleteMessage) while WebKitWebDriver starts: try again, a few
        // times, before calling the set-up broken.
        let mut tried = 0;
        loop {
            tried += 1;
            match ClientBuilder::native()
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{}", self.port))
                .await
            {
                Ok(c) => return Ok(c),
                Err(e) if tried < tries => {
                    eprintln!("WebDriver session, try {tried}: {e}; trying again");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

pub use crate::{eventually, eventually_saw};

static GUI_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Waits for this test's turn at the display (GUI tests share fixed WebDriver ports) and
/// checks there is one.
pub async fn gui_turn() -> tokio::sync::MutexGuard<'static, ()> {
    let turn = GUI_LOCK.lock().await;
    assert!(std::env::var_os("DISPLAY").is_some(), "GUI tests need a display (cargo xtask test starts Xvfb)");
    turn
}

/// One GUI test's window: its turn at the display, its tauri-driver, and a WebDriver session
/// with the app (`bin_dir()/mcpscope-app`) open. Derefs to the WebDriver client, so the
/// helpers here take it as they are; dropped in that order (session, driver, turn).
pub struct Window {
    client: Client,
    _driver: Driver,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

impl Window {
    /// The app, with the environment tauri-driver was given.
    pub async fn open() -> Window {
        Window::open_with(&[]).await
    }

    /// The app with `env` added to its environment (its own data directory …).
    ///
    /// A tauri-driver that stops answering (a fresh-clone CI run on 94c61fb saw all four
    /// tries of one session refused) is replaced by a fresh one on new ports, twice; later
    /// tests keep the new ports.
    pub async fn open_with(env: &[(&str, &std::ffi::OsStr)]) -> Window {
        let turn = gui_turn().await;
        let app = crate::bin_dir().join("mcpscope-app");
        let mut attempt = 0;
        loop {
            let driver = Driver::start_with(env);
            match driver.try_open(&app, 2).await {
                Ok(client) => return Window { client, _driver: driver, _turn: turn },
                Err(e) if attempt < 2 => {
                    eprintln!(
                        "WebDriver session through tauri-driver on port {}: {e}; starting another on new ports",
                        driver.port
                    );
                    DRIVER_PORT.store(driver.port + 2, Ordering::Relaxed);
                    drop(driver);
                    attempt += 1;
                }
                Err(e) => panic!("WebDriver session with the app through {} tauri-drivers: {e}", attempt + 1),
            }
        }
    }

    /// The app, connected to the MCP server at `url`.
    pub async fn connected_to(url: &str) -> Window {
        let w = Window::open().await;
        connect_to(&w, url).await;
        w
    }

    /// The app, connected to its built-in demo server.
    pub async fn with_demo() -> Window {
        let w = Window::open().await;
        connect_to_demo(&w).await;
        w
    }

    /// Ends the WebDriver session (the window closes), then the driver, and only then gives
    /// the display to the next test.
    pub async fn close(self) {
        let Window { client, _driver: driver, _turn: turn } = self;
        client.close().await.expect("close the WebDriver session");
        drop(driver);
        drop(turn);
    }
}

impl std::ops::Deref for Window {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
}

/// Clicks "Demo server" and waits until the window is connected to it.
pub async fn connect_to_demo(c: &Client) {
    click(c, "#demo").await;
    eventually("connected to the demo server", Duration::from_secs(20), || async {
        text_of(c, ".statusline")
            .await
            .filter(|t| t.contains("mcpscope-demo") && t.to_lowercase().contains("connected"))
    })
    .await;
}

/// A script answering whether the page draws animation frames (a hidden or stalled page does
/// not), and its visibility.
const FRAMES_RUN: &str = "const done = arguments[arguments.length - 1];
    const t = setTimeout(() => done('no animation frame in 1 s, ' + document.visibilityState), 1000);
    requestAnimationFrame(() => { clearTimeout(t); done('frames run, ' + document.visibilityState); });";

/// [`crate::eventually`] in the window: a timeout also says what the timeline's count showed,
/// the UI's panic if it had one (the `#ui-failed` banner), and whether the page draws frames:
/// a window that stopped updating is told from one that is slow.
pub async fn eventually_in<T, F, Fut>(c: &Client, what: &str, limit: Duration, f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    if let Some(v) = crate::poll_for(limit, f).await {
        return v;
    }
    let count = text_of(c, ".timeline-pane .count").await;
    let failed = text_of(c, "#ui-failed").await;
    let frames = c.execute_async(FRAMES_RUN, vec![]).await.ok();
    screenshot(c, "timed-out").await;
    panic!(
        "timed out after {limit:?} waiting for {what}; count: {count:?}; UI failure: {failed:?}; \
         page: {frames:?}"
    );
}

/// Types `url` into the connection bar, connects, and waits until the window says connected.
pub async fn connect_to(c: &Client, url: &str) {
    type_into(c, "#url", url).await;
    click(c, "#connect").await;
    // What the window said instead, for the failure's message (the status line holds the
    // state and any error; the URL field what was typed).
    eventually_saw("status 'connected'", Duration::from_secs(20), || async move {
        let status = text_of(c, "#status").await;
        if let Some(s) = status.filter(|t| t.trim().to_lowercase().starts_with("connected")) {
            return Ok(s);
        }
        let line = text_of(c, ".statusline").await.unwrap_or_default();
        let typed = match c.find(Locator::Css("#url")).await {
            Ok(field) => field.prop("value").await.ok().flatten(),
            Err(_) => None,
        };
        Err(format!("; the status line said {line:?}, the URL field held {typed:?}"))
    })
    .await;
}

/// Clicks Disconnect (the connect button of a live connection, or of proxy mode) and waits
/// until the status line says "disconnected".
pub async fn disconnect(c: &Client) {
    click(c, "#connect").await;
    eventually("status 'disconnected'", Duration::from_secs(20), || async {
        text_of(c, "#status").await.filter(|t| t.trim().to_lowercase().starts_with("disconnected"))
    })
    .await;
}

/// Focuses the tool name field (which fetches tools/list) and waits for the tools.
pub async fn wait_for_tools(c: &Client) {
    click(c, "#tool-name").await;
    eventually("the server's tools", Duration::from_secs(20), || async {
        text_of(c, "#tools-refresh").await.filter(|t| t.chars().next().is_some_and(|ch| ch.is_ascii_digit()))
    })
    .await;
}

/// Calls the connected demo's `flood` tool for `n` notifications of about 200 B (the tool
/// name typed as soon as the tools are in: one of the vanishings issue 12 saw), waits for its
/// result and for the timeline's count to pass `n`; returns that count.
pub async fn flood(c: &Client, n: u64) -> u64 {
    wait_for_tools(c).await;
    type_into(c, "#tool-name", "flood").await;
    type_into(c, "#tool-args", &json!({"count": n, "size": 200}).to_string()).await;
    click(c, "#call-tool").await;
    // What the reply pane and the count last said, for the message if the result never shows.
    eventually_saw("the flood's result", Duration::from_secs(60), || async move {
        let reply = text_of(c, "#last-response").await;
        let count = text_of(c, ".timeline-pane .count").await;
        let shown: String = reply.as_deref().unwrap_or("(none)").chars().take(300).collect();
        let failed = text_of(c, "#ui-failed").await;
        let seen = format!("; #last-response: {shown:?}; count: {count:?}; UI failure: {failed:?}");
        reply.filter(|t| t.contains(&format!("sent {n}"))).ok_or(seen)
    })
    .await;
    eventually_in(c, "every notification in the timeline", Duration::from_secs(60), || async {
        let count = text_of(c, ".timeline-pane .count").await?;
        let total: u64 = count.split_whitespace().next()?.parse().ok()?;
        (total > n).then_some(total)
    })
    .await
}

/// In the Settings view (shown): sets the limits named by their flag (`max-body`) and saves
/// them with Enter in the last field, then waits for "Saved".
pub async fn save_limits(c: &Client, limits: &[(&str, &str)]) {
    for (i, (flag, value)) in limits.iter().enumerate() {
        let enter = if i + 1 == limits.len() { "\u{E007}" } else { "" };
        type_into(c, &format!("#limit-{flag}"), &format!("{value}{enter}")).await;
    }
    eventually("saved", Duration::from_secs(10), || async {
        text_of(c, "#limits-note").await.filter(|t| t.contains("Saved"))
    })
    .await;
}

/// With `MCPSCOPE_SCREENSHOT_DIR` set, keeps a picture of the window as `<dir>/<name>.png`
/// (`traffic.png` is the README's screenshot).
pub async fn screenshot(c: &Client, name: &str) {
    let Some(dir) = std::env::var_os("MCPSCOPE_SCREENSHOT_DIR") else { return };
    tokio::time::sleep(Duration::from_millis(400)).await;
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("create MCPSCOPE_SCREENSHOT_DIR");
    let file = dir.join(format!("{name}.png"));
    // A screenshot is for people, not an assertion. The X server's picture of the screen is
    // taken outside WebDriver: WebKitWebDriver's own screenshot sometimes never answers
    // under Xvfb, and every later command of the session then hangs behind it.
    if std::env::var_os("DISPLAY").is_some() {
        match x_screenshot(&file).await {
            Ok(()) => return,
            Err(why) => eprintln!("screenshot {name:?} with import failed ({why}); asking WebDriver"),
        }
    }
    match tokio::time::timeout(Duration::from_secs(15), c.screenshot()).await {
        Ok(png) => std::fs::write(&file, png.expect("screenshot")).expect("write the screenshot"),
        Err(_) => eprintln!("screenshot {name:?}: no answer from WebDriver in 15 s, skipped"),
    }
}

/// `import -window root file`, given up after 15 s.
async fn x_screenshot(file: &std::path::Path) -> Result<(), String> {
    let mut child = std::process::Command::new("import")
        .args(["-window", "root"])
        .arg(file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(st) if st.success() => return Ok(()),
            Some(st) => return Err(st.to_string()),
            None if started.elapsed() > Duration::from_secs(15) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err("no picture in 15 s".to_owned());
            }
            None => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

pub async fn text_of(c: &Client, css: &str) -> Option<String> {
    c.find(Locator::Css(css)).await.ok()?.text().await.ok()
}

pub async fn type_into(c: &Client, css: &str, text: &str) {
    let el = c.wait().for_element(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    if let Err(e) = el.clear().await {
        screenshot(c, "clear-failed").await;
        panic!("clear {css}: {e:?}");
    }
    el.send_keys(text).await.unwrap_or_else(|e| panic!("type into {css}: {e}"));
}

pub async fn click(c: &Client, css: &str) {
    let el = c.wait().for_element(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    if let Err(e) = el.click().await {
        screenshot(c, "click-failed").await;
        panic!("click {css}: {e:?}");
    }
}

/// A script returning the `data-seq` of a timeline row wholly inside the list's visible area
/// (not under its sticky header), or `null`.
pub const VISIBLE_ROW: &str = r#"
const list = document.querySelector('#timeline').getBoundingClientRect();
const row = [...document.querySelectorAll('#timeline .row')].find((r) => {
  const b = r.getBoundingClientRect();
  return b.top >= list.top + 30 && b.bottom <= list.bottom;
});
return row ? row.dataset.seq : null;
"#;

/// What a soak round does after a flood of `n` notifications (the GUI soak test and
/// `gui-bench --soak` share it): the History view and back, a filter that must leave the `n`
/// notifications, a click on a row in view, two arrow keys that must move the selection, and
/// the filter cleared.
pub async fn soak_round(c: &Client, n: u64) {
    let total = eventually("the timeline's count", Duration::from_secs(10), || async {
        let count = text_of(c, ".timeline-pane .count").await?;
        count.split_whitespace().next()?.parse::<u64>().ok()
    })
    .await;
    click(c, "#view-history").await;
    eventually("the History view", Duration::from_secs(20), || async {
        c.find(Locator::Css("#history-query")).await.ok()
    })
    .await;
    click(c, "#view-live").await;
    type_into(c, "#filter-text", "notifications/message").await;
    // "N of TOTAL": rows that came in after `total` was read (a stream's end, a late batch)
    // may have grown the total meanwhile.
    eventually("the filtered count", Duration::from_secs(20), || async {
        let count = text_of(c, ".timeline-pane .count").await?;
        let mut words = count.split_whitespace();
        let shown: u64 = words.next()?.parse().ok()?;
        let of: u64 = words.nth(1)?.parse().ok()?;
        (shown == n && of >= total).then_some(())
    })
    .await;
    // A row fully in view (not under the sticky header), then the keyboard.
    let seq = eventually("a row in view", Duration::from_secs(10), || async {
        let list = c.execute(VISIBLE_ROW, vec![]).await.ok()?;
        list.as_str().map(str::to_owned)
    })
    .await;
    click(c, &format!("#timeline .row[data-seq='{seq}']")).await;
    let timeline = c.find(Locator::Css("#timeline")).await.expect("the timeline");
    timeline.send_keys("\u{E015}\u{E015}").await.expect("ArrowDown twice");
    eventually("the selection moved by two rows", Duration::from_secs(10), || async {
        let sel = c.find(Locator::Css("#timeline .row.selected")).await.ok()?;
        let moved: u64 = sel.attr("data-seq").await.ok()??.parse().ok()?;
        (moved > seq.parse::<u64>().ok()?).then_some(())
    })
    .await;
    click(c, ".toolbar button[title^='Show everything']").await;
}
