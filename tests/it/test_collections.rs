//! `mcpscope run`: the example collection shipped in `assets/collections/everything/`, run
//! headless against npm server-everything, with a JUnit report.

use std::path::PathBuf;

use mcpscope_auth::SecretStore;
use mcpscope_tests::everything::{Everything, Mode};

fn example() -> PathBuf {
    mcpscope_tests::package_dir().join("../assets/collections/everything")
}

async fn run(args: Vec<String>) -> std::process::Output {
    let data = std::env::temp_dir().join(format!("mcpscope-collections-{}", std::process::id()));
    mcpscope_tests::cli::run(Some(data.as_ref()), args).await
}

#[tokio::test]
async fn the_example_collection_passes_and_a_broken_assertion_fails_by_name() {
    let server = Everything::start(Mode::StreamableHttp).expect("server-everything");
    let dir = std::env::temp_dir().join(format!("mcpscope-junit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let junit = dir.join("junit.xml");
    let base = vec![
        "run".to_owned(),
        example().display().to_string(),
        "--var".to_owned(),
        format!("url={}", server.url),
    ];

    let mut args = base.clone();
    args.extend(["--junit".to_owned(), junit.display().to_string()]);
    let ok = run(args).await;
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&ok.stderr));
    assert!(stdout.contains("6 requests: 6 passed, 0 failed"), "{stdout}");
    let xml = std::fs::read_to_string(&junit).expect("JUnit XML written");
    assert!(xml.starts_with("<?xml") && xml.contains("tests=\"6\" failures=\"0\""), "{xml}");
    assert_eq!(xml.matches("<testcase ").count(), 6);

    // A deliberately wrong expectation: exit 1, and the report names the request and the check.
    let mut args = base.clone();
    args.extend(["--var".to_owned(), "sum=6".to_owned(), "--junit".to_owned(), junit.display().to_string()]);
    let bad = run(args).await;
    assert_eq!(bad.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&bad.stdout);
    assert!(stdout.contains("✗ 03-add-numbers.json  Add two numbers"), "{stdout}");
    assert!(stdout.contains("$.result.content[0].text: expected it to contain \"is 6\""), "{stdout}");
    let xml = std::fs::read_to_string(&junit).expect("JUnit XML written");
    assert!(xml.contains("failures=\"1\"") && xml.contains("<failure message="), "{xml}");

    // Bad input is named.
    let mut args = base.clone();
    args.extend(["--env".to_owned(), "staging".to_owned()]);
    let missing = run(args).await;
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no environment \"staging\""));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_environment_supplies_variables() {
    let server = Everything::start(Mode::StreamableHttp).expect("server-everything");
    // A copy of the example whose environment points at this server.
    let dir = std::env::temp_dir().join(format!("mcpscope-env-collection-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("environments")).expect("dirs");
    std::fs::copy(example().join("collection.json"), dir.join("collection.json")).expect("copy");
    std::fs::copy(example().join("02-echo.json"), dir.join("02-echo.json")).expect("copy");
    std::fs::write(
        dir.join("environments/test.json"),
        format!(r#"{{"variables": {{"url": "{}", "message": "from the environment"}}}}"#, server.url),
    )
    .expect("environment");
    let ok = run(vec!["run".into(), dir.display().to_string(), "--env".into(), "test".into()]).await;
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&ok.stderr));
    assert!(stdout.contains("1 requests: 1 passed, 0 failed"), "{stdout}");

    // --no-history: the run leaves nothing in the history; without it, its session is there.
    let data = std::env::temp_dir().join(format!("mcpscope-run-unrecorded-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let dir_arg = dir.display().to_string();
    let out = mcpscope_in(&data, &["run", &dir_arg, "--env", "test", "--no-history"], "").await;
    assert!(out.status.success(), "{}", texts(&out));
    let store = mcpscope_store::Store::open_dir(&data).await.expect("the history");
    assert!(store.sessions(10).await.expect("sessions").is_empty(), "the run was not recorded");
    let out = mcpscope_in(&data, &["run", &dir_arg, "--env", "test"], "").await;
    assert!(out.status.success(), "{}", texts(&out));
    assert_eq!(store.sessions(10).await.expect("sessions").len(), 1, "without the flag it is");
    let _ = std::fs::remove_dir_all(&data);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `mcpscope` with `data` as its data directory, `stdin` fed in.
async fn mcpscope_in(data: &std::path::Path, args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    let (data, args, stdin) =
        (data.to_owned(), args.iter().map(|a| a.to_string()).collect::<Vec<_>>(), stdin.to_owned());
    tokio::task::spawn_blocking(move || {
        let mut child = mcpscope_tests::cli::command(Some(&data), &args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start mcpscope");
        child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
        child.wait_with_output().expect("mcpscope output")
    })
    .await
    .expect("join")
}

fn texts(out: &std::process::Output) -> String {
    format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// A collection whose environment keeps its token in the real OS keyring (gnome-keyring in
/// the D-Bus session `cargo xtask test` starts): set from standard input, read by a run of the
/// collection imported into a chosen folder, sent in a header and in params, and found
/// nowhere in the history database, its WAL or an export.
#[tokio::test]
async fn a_secret_lives_in_the_keyring_and_nowhere_else() {
    let keyring = mcpscope_auth::KeyringStore::new(mcpscope_auth::secrets::SERVICE);
    if let Err(e) = keyring.probe() {
        panic!("no Secret Service to test against ({e}); run this under `cargo xtask test`");
    }
    let server = Everything::start(Mode::StreamableHttp).expect("server-everything");
    let pid = std::process::id();
    let base = std::env::temp_dir().join(format!("mcpscope-secret-{pid}"));
    let _ = std::fs::remove_dir_all(&base);
    let (data, source, folder) = (base.join("data"), base.join("source"), base.join("team-collections"));
    let name = format!("secretive-{pid}");
    let secret = format!("s3cret-{pid}-do-not-store");
    std::fs::create_dir_all(source.join("environments")).expect("dirs");
    let meta = serde_json::json!({"name": name, "variables": {"url": server.url}});
    std::fs::write(source.join("collection.json"), meta.to_string()).expect("collection.json");
    let env = serde_json::json!({"secrets": ["token"], "headers": {"X-Api-Key": "{{token}}", "X-Trace": "run-{{token}}"}});
    std::fs::write(source.join("environments/ci.json"), env.to_string()).expect("environment");
    let request = serde_json::json!({"name": "echo the token", "method": "tools/call",
        "params": {"name": "echo", "arguments": {"message": "token={{token}}"}},
        "assert": [{"path": "$.result.content[0].text", "contains": "token={{token}}"}]});
    std::fs::write(source.join("01-echo.json"), request.to_string()).expect("request");
    let source_arg = source.display().to_string();

    // No value yet: the run stops before connecting and says how to set it.
    let missing = mcpscope_in(&data, &["run", &source_arg, "--env", "ci"], "").await;
    assert_eq!(missing.status.code(), Some(2), "{}", texts(&missing));
    let said = texts(&missing);
    assert!(said.contains("secret {{token}} of environment \"ci\" has no value"), "{said}");
    assert!(said.contains("mcpscope collection secret") && said.contains("--env ci"), "{said}");
    // Only declared secrets are accepted.
    let wrong = mcpscope_in(&data, &["collection", "secret", &source_arg, "url", "--env", "ci"], "x\n").await;
    assert_eq!(wrong.status.code(), Some(2));
    assert!(texts(&wrong).contains("not a secret of environments/ci.json"), "{}", texts(&wrong));

    // Set from standard input, into the keyring.
    let set = mcpscope_in(
        &data,
        &["collection", "secret", &source_arg, "token", "--env", "ci"],
        &format!("{secret}\n"),
    )
    .await;
    assert!(set.status.success(), "{}", texts(&set));
    let origin = mcpscope_session::collection::origin_of(&server.url).expect("an origin");
    let key = mcpscope_session::collection::secret_key(&name, &origin, Some("ci"), "token");
    assert_eq!(keyring.get(&key).expect("keyring").as_deref(), Some(secret.as_str()));

    // A folder of the user's choosing; the collection imported into it and run by name.
    let chosen = mcpscope_in(&data, &["collection", "folder", &folder.display().to_string()], "").await;
    assert!(chosen.status.success(), "{}", texts(&chosen));
    let shown = mcpscope_in(&data, &["collection", "folder"], "").await;
    assert_eq!(String::from_utf8_lossy(&shown.stdout).trim(), folder.display().to_string());
    let imported = mcpscope_in(&data, &["collection", "import", &source_arg], "").await;
    assert!(imported.status.success(), "{}", texts(&imported));
    assert!(folder.join(&name).join("environments/ci.json").exists());
    let listed = mcpscope_in(&data, &["collection", "list", "--json"], "").await;
    let listed: serde_json::Value =
        serde_json::from_slice(&listed.stdout).unwrap_or_else(|e| panic!("{e}: {}", texts(&listed)));
    assert_eq!(listed["name"], name.as_str());
    assert_eq!(listed["environments"][0]["secrets"], serde_json::json!([{"name": "token", "set": true}]));

    // The same server under another origin (localhost for 127.0.0.1): the secret was set for
    // the other, so the run stops before connecting and says how to allow it.
    let elsewhere = server.url.replacen("127.0.0.1", "localhost", 1);
    let other = mcpscope_session::collection::origin_of(&elsewhere).expect("an origin");
    let url_var = format!("url={elsewhere}");
    let refused = mcpscope_in(&data, &["run", &name, "--env", "ci", "--var", &url_var], "").await;
    assert_eq!(refused.status.code(), Some(2), "{}", texts(&refused));
    let said = texts(&refused);
    assert!(said.contains(&format!("set for {origin}, not for {other}")), "{said}");
    assert!(said.contains(&format!("--allow-origin {other}")) && !said.contains(&secret), "{said}");
    let allowed =
        mcpscope_in(&data, &["run", &name, "--env", "ci", "--var", &url_var, "--allow-origin", &other], "")
            .await;
    assert!(texts(&allowed).contains("1 requests: 1 passed, 0 failed"), "{}", texts(&allowed));

    let junit = base.join("junit.xml");
    let ok =
        mcpscope_in(&data, &["run", &name, "--env", "ci", "--junit", &junit.display().to_string()], "").await;
    assert!(ok.status.success(), "{}", texts(&ok));
    assert!(texts(&ok).contains("1 requests: 1 passed, 0 failed"), "{}", texts(&ok));

    // The secret reached the server (the assertion above saw it echoed) but not the disk.
    let history = mcpscope_in(&data, &["history", "search", "kind:http-request"], "").await;
    let history = String::from_utf8_lossy(&history.stdout).into_owned();
    // A header the collection supplies is redacted whatever its name; any other place the
    // secret went is masked.
    assert!(history.contains("\"x-trace\",\"value\":\"‹redacted "), "{history}");
    assert!(history.contains("token=‹secret›"), "{history}");
    for file in std::fs::read_dir(&data).expect("data dir").filter_map(|e| e.ok().map(|e| e.path())) {
        if file.is_file() {
            let bytes = std::fs::read(&file).expect("read");
            let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
            assert!(!found, "the secret is in {}", file.display());
        }
    }
    let bundle = base.join("bundle.json");
    let exported =
        mcpscope_in(&data, &["collection", "export", &name, "-o", &bundle.display().to_string()], "").await;
    assert!(exported.status.success(), "{}", texts(&exported));
    let bundle = std::fs::read_to_string(&bundle).expect("bundle");
    assert!(bundle.contains("\"token\"") && !bundle.contains(&secret), "{bundle}");

    let forget =
        mcpscope_in(&data, &["collection", "secret", &name, "token", "--env", "ci", "--delete"], "").await;
    assert!(forget.status.success(), "{}", texts(&forget));
    assert_eq!(keyring.get(&key).expect("keyring"), None);
    let _ = std::fs::remove_dir_all(&base);
}
