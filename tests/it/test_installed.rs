//! The installed package: the app and the CLI as `apt-get install ./mcpscope_*.deb` puts them
//! on the machine. Ignored in ordinary runs; `cargo xtask test` bundles the `.deb`, installs
//! it, runs these with `--ignored` and `MCPSCOPE_BIN_DIR=/usr/bin`, then removes the package.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use mcpscope_tests::gui::{Driver, click, eventually, text_of, type_into};

use crate::test_gui::{connect_to_demo, gui_turn};

/// The installed binaries' folder; these tests refuse to run against a build folder.
fn installed(bin: &str) -> std::path::PathBuf {
    let path = mcpscope_tests::bin_dir().join(bin);
    let owner = Command::new("dpkg").args(["-S"]).arg(&path).output().expect("dpkg -S");
    assert!(
        owner.status.success() && String::from_utf8_lossy(&owner.stdout).starts_with("mcpscope:"),
        "{} does not belong to the installed mcpscope package: {}",
        path.display(),
        String::from_utf8_lossy(&owner.stderr)
    );
    path
}

fn stdout_of(c: &mut Command) -> String {
    let out = c.output().unwrap_or_else(|e| panic!("run {c:?}: {e}"));
    assert!(out.status.success(), "{c:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
#[ignore = "needs the installed package: cargo xtask test installs the .deb and runs it"]
fn installed_package_holds_the_app_the_cli_a_desktop_entry_and_icons() {
    let files = stdout_of(Command::new("dpkg").args(["-L", "mcpscope"]));
    for f in ["/usr/bin/mcpscope-app", "/usr/bin/mcpscope", "/usr/share/applications/mcpscope.desktop"] {
        assert!(files.lines().any(|l| l == f), "{f} is not in the package:\n{files}");
    }
    assert!(
        files.lines().any(|l| l.starts_with("/usr/share/icons/hicolor/") && l.ends_with(".png")),
        "{files}"
    );
    let entry = std::fs::read_to_string("/usr/share/applications/mcpscope.desktop").expect("desktop entry");
    assert!(entry.lines().any(|l| l.starts_with("Exec=mcpscope-app")), "{entry}");
    assert!(entry.contains("Categories=Development"), "{entry}");
    let depends = stdout_of(Command::new("dpkg-query").args(["-W", "-f=${Depends}", "mcpscope"]));
    for d in ["libwebkit2gtk-4.1-0", "libgtk-3-0", "libssl3"] {
        assert!(depends.contains(d), "the package does not declare {d}: {depends}");
    }
    // Every library the binaries link is on the machine (nothing left undeclared and absent).
    for bin in ["/usr/bin/mcpscope-app", "/usr/bin/mcpscope"] {
        let ldd = stdout_of(Command::new("ldd").arg(bin));
        assert!(!ldd.contains("not found"), "{bin}: {ldd}");
    }
}

#[test]
#[ignore = "needs the installed package: cargo xtask test installs the .deb and runs it"]
fn installed_cli_serves_the_demo_and_calls_it() {
    let cli = installed("mcpscope");
    let version = stdout_of(Command::new(&cli).arg("--version"));
    assert!(version.starts_with(&format!("mcpscope {} (commit ", env!("CARGO_PKG_VERSION"))), "{version}");

    let mut demo = Command::new(&cli)
        .args(["demo", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("mcpscope demo");
    // The reader lives as long as the server: a closed pipe would end it at its next line.
    let mut stdout = BufReader::new(demo.stdout.take().expect("stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("the demo's first line");
    let url = first.trim().rsplit(' ').next().unwrap_or_default().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{first}");
    let out = Command::new(&cli)
        .args([
            "call",
            &url,
            "tools/call",
            "--params",
            r#"{"name":"echo","arguments":{"message":"installed"}}"#,
        ])
        .output()
        .expect("mcpscope call");
    let _ = demo.kill();
    let _ = demo.wait();
    drop(stdout);
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON result");
    assert!(v["content"][0]["text"].as_str().unwrap_or("").contains("installed"), "{v}");
}

#[tokio::test]
#[ignore = "needs the installed package: cargo xtask test installs the .deb and runs it"]
async fn installed_app_connects_to_the_demo_and_calls_a_tool() {
    let _one_at_a_time = gui_turn().await;
    let app = installed("mcpscope-app");
    assert!(Path::new(&app).is_absolute());
    let driver = Driver::start();
    let c = driver.open(&app).await;
    connect_to_demo(&c).await;
    type_into(&c, "#tool-name", "echo").await;
    type_into(&c, "#tool-args", r#"{"message": "from the installed app"}"#).await;
    click(&c, "#call-tool").await;
    eventually("the echo result", Duration::from_secs(20), || async {
        text_of(&c, "#last-response").await.filter(|t| t.contains("from the installed app"))
    })
    .await;
    let _ = c.close().await;
}
