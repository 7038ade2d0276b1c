//! Every `callboard campaign` form of design.md §3 on a data dir: `create` with each option (`--provider`,
//! `--agent`, `--from`, `--hours`, `--max-concurrent`, `--contacts-from`), the life-cycle commands, `status`
//! in text and JSON, and bad values refused with the field named.

use std::{
    path::Path,
    process::{Command, Output},
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

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/import")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn every_campaign_form_works() -> TestResult {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let created = callboard(
        d,
        &[
            "campaign",
            "create",
            "Autumn",
            "--provider",
            "exotel",
            "--hours",
            "in",
            "--max-concurrent",
            "7",
            "--from",
            "+96522000000",
            "--json",
        ],
    )?;
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let c = json_of(&created);
    assert_eq!(
        (
            &c["provider"],
            &c["hours_preset"],
            &c["max_concurrent"],
            &c["from_number"]
        ),
        (
            &Value::from("exotel"),
            &Value::from("in"),
            &Value::from(7),
            &Value::from("+96522000000")
        )
    );

    // Bad values: refused, the field named, nothing created.
    let zero = callboard(
        d,
        &["campaign", "create", "Zero", "--max-concurrent", "0", "--json"],
    )?;
    assert!(!zero.status.success());
    assert_eq!(json_of(&zero)["code"], "validation");
    assert!(
        json_of(&zero)["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("max_concurrent")
    );
    let hours = callboard(d, &["campaign", "create", "Mars", "--hours", "mars"])?;
    assert!(!hours.status.success());
    assert!(String::from_utf8_lossy(&hours.stderr).contains("hours_preset"));
    let agent = callboard(d, &["campaign", "create", "Ghost", "--agent", "42", "--json"])?;
    assert_eq!(json_of(&agent)["code"], "not_found");

    // Contacts, copied to a new campaign with --contacts-from.
    let import = callboard(
        d,
        &[
            "import",
            "--campaign",
            "Autumn",
            "--json",
            &fixture("contacts.csv"),
        ],
    )?;
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    let imported = json_of(&import)["imported"].as_i64().unwrap_or(0);
    assert!(imported > 0);
    let copy = callboard(
        d,
        &[
            "campaign",
            "create",
            "Autumn 2",
            "--contacts-from",
            "autumn",
            "--json",
        ],
    )?;
    assert_eq!(json_of(&copy)["contacts"], imported);

    // status in text and JSON, then the life cycle to the end.
    let text = callboard(d, &["campaign", "status", "Autumn 2"])?;
    let line = String::from_utf8_lossy(&text.stdout).to_string();
    assert!(line.contains("Autumn 2") && line.contains("draft"), "{line}");
    assert_eq!(
        json_of(&callboard(d, &["campaign", "start", "Autumn 2", "--json"])?)["status"],
        "running"
    );
    assert_eq!(
        json_of(&callboard(d, &["campaign", "pause", "Autumn 2", "--json"])?)["status"],
        "paused"
    );
    assert_eq!(
        json_of(&callboard(d, &["campaign", "resume", "Autumn 2", "--json"])?)["status"],
        "running"
    );
    let cancelled = callboard(d, &["campaign", "--json", "cancel", "Autumn 2"])?;
    assert_eq!(json_of(&cancelled)["status"], "cancelled");
    assert_eq!(json_of(&cancelled)["status_reason"], "cancel by cli");
    let status = callboard(d, &["campaign", "status", "autumn 2", "--json"])?;
    assert_eq!(json_of(&status)["status"], "cancelled");
    Ok(())
}
