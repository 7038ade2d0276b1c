//! The `callboard import` command as scripts use it (design.md §3).

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Command, Stdio},
};

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

#[test]
fn errors_file_lists_failed_rows_with_their_cells_and_merges_back() -> TestResult {
    let dir = tempfile::tempdir()?;
    let errors = dir.path().join("errors.csv");
    let errors_arg = errors.display().to_string();
    let (ok, v, out) = import(
        dir.path(),
        &[
            "--campaign",
            "Spring",
            "--json",
            "--errors",
            &errors_arg,
            &fixture("contacts.csv"),
        ],
    )?;
    assert!(ok, "{out}");
    assert_eq!(v["via"], "database");
    let csv = std::fs::read_to_string(&errors)?;
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "Error row,Error code,Error message,Name,Mobile,Email,Time Zone,Car Interest"
    );
    assert_eq!(lines.len(), 5, "{csv}");
    assert!(
        lines[1].starts_with("6,INVALID_PHONE,") && lines[1].ends_with(",Bad Number,12345"),
        "{csv}"
    );

    // Fix the bad number and the bad zone; import only those rows back.
    let fixed = csv
        .replace(",Bad Number,12345", ",Bad Number,55123460")
        .replace("Mars/Olympus", "Asia/Kuwait");
    let corrected = dir.path().join("corrected.csv");
    std::fs::write(&corrected, fixed)?;
    let (ok, v, out) = import(
        dir.path(),
        &["--campaign", "Spring", "--json", &corrected.display().to_string()],
    )?;
    assert!(ok, "{out}");
    assert_eq!(v["total"], 4);
    assert_eq!(v["imported"], 2, "{v}");
    Ok(())
}

/// `callboard serve` on port 0; returns once its runtime file is written (it prints the URLs after that).
fn serve(data_dir: &Path) -> Result<std::process::Child, Box<dyn std::error::Error>> {
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
    while let Some(line) = lines.next() {
        if line?.trim().starts_with("Public:") {
            // Keep reading what serve prints after its URLs, as a terminal would.
            std::thread::spawn(move || for _ in lines {});
            return Ok(child);
        }
    }
    let _ = child.kill();
    Err("serve exited before printing its URLs".into())
}

#[test]
fn import_goes_through_a_running_instance() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut child = serve(dir.path())?;
    let errors = dir.path().join("errors.csv");
    let result = import(
        dir.path(),
        &[
            "--campaign",
            "Through serve",
            "--json",
            "--errors",
            &errors.display().to_string(),
            &fixture("contacts.xlsx"),
        ],
    );
    let text = import(
        dir.path(),
        &["--campaign", "Through serve", &fixture("contacts.csv")],
    );
    let _ = child.kill();
    let _ = child.wait();
    let (ok, v, out) = result?;
    assert!(ok, "{out}");
    assert_eq!(v["via"], "serve");
    assert_eq!(v["campaign_created"], true);
    assert_eq!(v["imported"], 6);
    assert_eq!(v["errors"][0]["code"], "INVALID_PHONE");
    let csv = std::fs::read_to_string(&errors)?;
    assert!(csv.contains("6,INVALID_PHONE,"), "{csv}");
    let (ok, _, out) = text?;
    assert!(ok, "{out}");
    assert!(out.contains("through the running instance"), "{out}");
    assert!(out.contains("0 imported"), "{out}");
    Ok(())
}

/// A launcher that stops reading serve's output (or a terminal that closed) must not stop the server:
/// before, the banner's `println!` panicked on the broken pipe right after the runtime file was written,
/// and imports fell back to the database behind the instance's back.
#[test]
fn serve_keeps_running_when_its_stdout_is_closed() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut child = Command::new(env!("CARGO_BIN_EXE_callboard"))
        .args([
            "serve",
            "--ui-addr",
            "127.0.0.1:0",
            "--public-addr",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(dir.path())
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    drop(child.stdout.take());
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let mut lines = BufReader::new(stderr).lines();
    let started = lines
        .by_ref()
        .map_while(Result::ok)
        .any(|l| l.contains("instance started"));
    std::thread::spawn(move || for _ in lines {});
    let result = import(
        dir.path(),
        &["--campaign", "Still there", "--json", &fixture("contacts.csv")],
    );
    let alive = child.try_wait()?.is_none();
    let _ = child.kill();
    let _ = child.wait();
    assert!(started, "serve never logged that it started");
    assert!(alive, "serve exited after its stdout closed");
    let (ok, v, out) = result?;
    assert!(ok, "{out}");
    assert_eq!(v["via"], "serve", "the import did not reach the instance");
    Ok(())
}

/// A Sheets API v4 stand-in: one public sheet (API key `AIza-cli`) and one that is not shared.
async fn sheets_mock() -> Result<String, Box<dyn std::error::Error>> {
    use axum::{
        Json, Router,
        extract::{Path as UrlPath, Query},
        http::StatusCode,
        response::{IntoResponse, Response},
        routing::get,
    };
    use std::collections::HashMap;
    async fn values(
        UrlPath((id, _range)): UrlPath<(String, String)>,
        Query(q): Query<HashMap<String, String>>,
    ) -> Response {
        if q.get("key").map(String::as_str) != Some("AIza-cli") || id == "1NotSharedNotSharedNotShared000000"
        {
            let body = serde_json::json!({"error": {"code": 403, "message": "The caller does not have permission", "status": "PERMISSION_DENIED"}});
            return (StatusCode::FORBIDDEN, Json(body)).into_response();
        }
        Json(
            serde_json::json!({"range": "Leads!A1:C3", "majorDimension": "ROWS", "values": [
                ["Name", "Mobile", "Car Interest"],
                ["Huda", 96555100001.0, "SUV"],
                ["Bad", "123", "Sedan"],
                ["Karim", "+965 5510 0002"]
            ]}),
        )
        .into_response()
    }
    let app = Router::new().route("/v4/spreadsheets/{id}/values/{range}", get(values));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(base)
}

/// `callboard import --google-sheet` reads the sheet (here with an API key from the environment) and
/// imports it like a file; a sheet that cannot be read fails with Google's reason and creates nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_google_sheet_imports_from_the_command_line() -> TestResult {
    let base = sheets_mock().await?;
    let dir = tempfile::tempdir()?;
    let run = |sheet: &str| {
        Command::new(env!("CARGO_BIN_EXE_callboard"))
            .args(["import", "--data-dir"])
            .arg(dir.path())
            .args([
                "--campaign",
                "From a sheet",
                "--json",
                "--google-sheet",
                sheet,
                "--range",
                "Leads!A1:C",
            ])
            .env("RUST_LOG", "warn")
            .env("CALLBOARD_GOOGLE_SHEETS_BASE_URL", &base)
            .env("CALLBOARD_GOOGLE_API_KEY", "AIza-cli")
            .env_remove("CALLBOARD_GOOGLE_SERVICE_ACCOUNT_JSON")
            .output()
    };
    // The command blocks this worker; the mock answers on the other.
    let refused = run("1NotSharedNotSharedNotShared000000")?;
    let v: Value = serde_json::from_slice(&refused.stdout).unwrap_or(Value::Null);
    assert!(!refused.status.success());
    let message = v["error"]["message"].as_str().unwrap_or("");
    assert!(message.contains("Google Sheets"), "{v}");
    assert!(!message.contains("AIza-cli"), "the key leaked: {message}");

    let link = "https://docs.google.com/spreadsheets/d/1SheetForTheCliSheetForTheCli000000/edit";
    let out = run(link)?;
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert!(
        out.status.success(),
        "{v} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(v["via"], "database");
    assert_eq!(v["imported"], 2, "{v}");
    assert_eq!(v["errors"][0]["code"], "INVALID_PHONE");
    // The failed read before created no campaign: this import created it.
    assert_eq!(v["campaign_created"], true);
    Ok(())
}
