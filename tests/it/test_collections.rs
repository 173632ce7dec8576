//! `mcpscope run`: the example collection shipped in `assets/collections/everything/`, run
//! headless against npm server-everything, with a JUnit report.

use std::path::PathBuf;
use std::process::Command;

use mcpscope_tests::everything::{Everything, Mode};

use crate::test_cli::mcpscope;

fn example() -> PathBuf {
    mcpscope_tests::package_dir().join("../assets/collections/everything")
}

async fn run(args: Vec<String>) -> std::process::Output {
    let data = std::env::temp_dir().join(format!("mcpscope-collections-{}", std::process::id()));
    tokio::task::spawn_blocking(move || {
        Command::new(mcpscope()).args(&args).env("MCPSCOPE_DATA_DIR", data).output()
    })
    .await
    .expect("join")
    .expect("run mcpscope")
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
    let _ = std::fs::remove_dir_all(&dir);
}
