//! The `callboard` binary as scripts use it: `campaign` on a data dir with and without a running
//! `serve`, `serve` printing its URLs, and `doctor`.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Output, Stdio},
};

use serde_json::Value;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn callboard(data_dir: &Path, args: &[&str]) -> std::io::Result<Output> {
    Command::new(env!("CARGO_BIN_EXE_callboard"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .output()
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

/// `callboard serve` on port 0; returns the child and the UI URL with its token, read from stdout.
fn serve(data_dir: &Path) -> Result<(Child, String), Box<dyn std::error::Error>> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_callboard"))
        .args([
            "serve",
            "--ui-addr",
            "127.0.0.1:0",
            "--public-addr",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let mut ui = None;
    for line in lines.by_ref() {
        let line = line?;
        if let Some(url) = line.trim().strip_prefix("UI:") {
            ui = Some(url.trim().to_owned());
        }
        if line.trim().starts_with("Public:") {
            break;
        }
    }
    // Keep reading what serve prints after its URLs, as a terminal would.
    std::thread::spawn(move || for _ in lines {});
    Ok((child, ui.ok_or("serve printed no UI line")?))
}

#[test]
fn campaigns_can_be_scripted_on_a_data_dir() -> TestResult {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let created = callboard(
        d,
        &[
            "campaign",
            "create",
            "Spring",
            "--provider",
            "twilio",
            "--hours",
            "kw",
            "--json",
        ],
    )?;
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert_eq!(json_of(&created)["status"], "draft");
    assert_eq!(json_of(&created)["hours_preset"], "kw");

    let started = callboard(d, &["campaign", "start", "spring", "--json"])?;
    assert_eq!(json_of(&started)["status"], "running");
    let status = callboard(d, &["campaign", "status", "Spring", "--json"])?;
    assert_eq!(json_of(&status)["status"], "running");

    let again = callboard(d, &["campaign", "resume", "Spring", "--json"])?;
    assert!(!again.status.success());
    assert_eq!(json_of(&again)["code"], "validation");
    let missing = callboard(d, &["campaign", "pause", "Autumn"])?;
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no campaign named 'Autumn'"));

    let copy = callboard(
        d,
        &[
            "campaign",
            "create",
            "Spring again",
            "--contacts-from",
            "Spring",
            "--json",
        ],
    )?;
    assert!(copy.status.success(), "{}", String::from_utf8_lossy(&copy.stderr));
    let list = callboard(d, &["campaign", "list", "--json"])?;
    assert_eq!(json_of(&list).as_array().map(Vec::len), Some(2));
    let text = callboard(d, &["campaign", "list"])?;
    assert!(String::from_utf8_lossy(&text.stdout).contains("Spring again"));
    Ok(())
}

#[test]
fn commands_go_through_a_running_instance() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut child, ui) = serve(dir.path())?;
    assert!(ui.contains("#token="), "{ui}");
    assert!(dir.path().join("runtime.json").is_file());
    let created = callboard(dir.path(), &["campaign", "create", "Through serve", "--json"]);
    // The instance answers with the campaign; the list the instance serves has it.
    let listed = callboard(dir.path(), &["campaign", "list", "--json"]);
    let _ = child.kill();
    let _ = child.wait();
    let (created, listed) = (created?, listed?);
    assert_eq!(json_of(&created)["name"], "Through serve");
    // Say what the command answered if it was not a list (once, serve had died on its closed stdout).
    assert_eq!(
        json_of(&listed).as_array().map(Vec::len),
        Some(1),
        "stdout: {} stderr: {}",
        String::from_utf8_lossy(&listed.stdout),
        String::from_utf8_lossy(&listed.stderr)
    );
    Ok(())
}

#[test]
fn a_stale_runtime_file_falls_back_to_the_database() -> TestResult {
    let dir = tempfile::tempdir()?;
    std::fs::write(
        dir.path().join("runtime.json"),
        r#"{"pid": 1, "ui_url": "http://127.0.0.1:9/", "token": "x", "public_url": "http://127.0.0.1:9"}"#,
    )?;
    let out = callboard(dir.path(), &["campaign", "create", "Offline", "--json"])?;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(json_of(&out)["name"], "Offline");
    Ok(())
}

#[test]
fn doctor_reports_the_database() -> TestResult {
    let dir = tempfile::tempdir()?;
    let fresh = callboard(dir.path(), &["doctor"])?;
    assert!(fresh.status.success());
    assert!(String::from_utf8_lossy(&fresh.stdout).contains("none yet"));
    callboard(dir.path(), &["campaign", "list"])?;
    let out = callboard(dir.path(), &["doctor"])?;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("database:   ok"), "{text}");
    Ok(())
}
