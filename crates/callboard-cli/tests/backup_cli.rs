//! `callboard backup` and `callboard restore` as a script uses them: a campaign made in one data dir is
//! there after restoring into another; restoring over an existing database is refused.

use std::{path::Path, process::Command};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn callboard(args: &[&str], data_dir: &Path) -> std::io::Result<std::process::Output> {
    Command::new(env!("CARGO_BIN_EXE_callboard"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .output()
}

#[test]
fn backup_then_restore_into_a_new_data_dir() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let (old, new) = (tmp.path().join("old"), tmp.path().join("new"));
    let archive = tmp.path().join("callboard.zip");
    let made = callboard(&["campaign", "create", "Winter tyres"], &old)?;
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));

    let b = callboard(&["backup", "--out", &archive.display().to_string()], &old)?;
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    assert!(String::from_utf8_lossy(&b.stdout).contains("Backup written"));

    let r = callboard(&["restore", &archive.display().to_string()], &new)?;
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let list = callboard(&["campaign", "list", "--json"], &new)?;
    assert!(String::from_utf8_lossy(&list.stdout).contains("Winter tyres"));

    let again = callboard(&["restore", &archive.display().to_string()], &new)?;
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds a Callboard database"));
    Ok(())
}
