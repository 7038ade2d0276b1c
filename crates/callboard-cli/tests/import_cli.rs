//! The `callboard import` command as scripts use it (design.md §3).

use std::{path::Path, process::Command};

use serde_json::Value;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/import")
        .join(name)
        .display()
        .to_string()
}

fn import(data_dir: &Path, args: &[&str]) -> Result<(bool, Value, String), Box<dyn std::error::Error>> {
    let out = Command::new(env!("CARGO_BIN_EXE_callboard"))
        .arg("import")
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()?;
    let stdout = String::from_utf8(out.stdout)?;
    let json = serde_json::from_str(stdout.trim()).unwrap_or(Value::Null);
    Ok((out.status.success(), json, stdout))
}

#[test]
fn import_json_summary_and_draft_campaign() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (ok, v, out) = import(
        dir.path(),
        &[
            "--campaign",
            "Spring",
            "--region",
            "KW",
            "--json",
            &fixture("contacts.xlsx"),
        ],
    )?;
    assert!(ok, "{out}");
    assert_eq!(v["total"], 10);
    assert_eq!(v["imported"], 6);
    assert_eq!(v["invalid"], 3);
    assert_eq!(v["duplicates"], 1);
    assert_eq!(v["suppressed"], 0);
    assert_eq!(v["campaign_created"], true);
    let errors = v["errors"].as_array().ok_or("no errors array")?;
    assert_eq!(errors.len(), 4);
    assert_eq!(errors[0]["row"], 6);
    assert_eq!(errors[0]["code"], "INVALID_PHONE");
    assert!(errors[0]["message"].as_str().is_some_and(|m| m.contains("12345")));

    // The same file again into the same campaign: nobody is added twice.
    let (ok, v, out) = import(
        dir.path(),
        &["--campaign", "spring", "--json", &fixture("contacts.csv")],
    )?;
    assert!(ok, "{out}");
    assert_eq!(v["campaign_created"], false);
    assert_eq!(v["imported"], 0);
    assert_eq!(v["duplicates"], 7);
    Ok(())
}

#[test]
fn import_text_output_and_failures() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (ok, _, out) = import(
        dir.path(),
        &["--campaign", "Ramadan", &fixture("arabic_1256.csv")],
    )?;
    assert!(ok);
    assert!(out.contains("created it as a draft"), "{out}");
    assert!(out.contains("3 rows: 2 imported, 1 invalid"), "{out}");
    assert!(out.contains("row 4: INVALID_PHONE"), "{out}");

    let missing = dir.path().join("nope.csv");
    let (ok, v, _) = import(
        dir.path(),
        &["--campaign", "Ramadan", "--json", &missing.display().to_string()],
    )?;
    assert!(!ok);
    assert_eq!(v["error"]["code"], "FILE_OPEN");
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("nope.csv"))
    );

    let (ok, v, _) = import(
        dir.path(),
        &[
            "--campaign",
            "Ramadan",
            "--region",
            "XX",
            "--json",
            &fixture("contacts.csv"),
        ],
    )?;
    assert!(!ok);
    assert_eq!(v["error"]["code"], "BAD_REQUEST");
    Ok(())
}
