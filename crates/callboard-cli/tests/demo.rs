//! `callboard demo` end to end: the real binary runs a simulated campaign through its own listeners with
//! misbehaviour switched on, and its summary must reconcile; the same seed twice gives the same results.

use std::process::Command;

use serde_json::Value;

fn demo(dir: &std::path::Path, seed: &str) -> Result<Value, Box<dyn std::error::Error>> {
    let out = Command::new(env!("CARGO_BIN_EXE_callboard"))
        .args(["demo", "--contacts", "500", "--speed", "80", "--seed", seed])
        .args([
            "--duplicate",
            "10",
            "--drop",
            "5",
            "--shuffle",
            "--json",
            "--data-dir",
        ])
        .arg(dir)
        .output()?;
    let summary: Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "{e}: stdout {} stderr {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    assert!(out.status.success(), "{summary:#}");
    Ok(summary)
}

#[test]
fn a_misbehaving_simulated_campaign_reconciles_and_repeats_with_its_seed()
-> Result<(), Box<dyn std::error::Error>> {
    let (a, b) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let mut first = demo(a.path(), "7")?;
    assert_eq!(first["reconciled"], true, "{first:#}");
    assert_eq!(first["wrong_calls"], 0);
    assert_eq!(first["unfinished_contacts"], 0);
    let calls: u64 = first["calls_by_outcome"]
        .as_object()
        .map(|m| m.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0);
    assert_eq!(calls, 500);
    assert_eq!(first["calls_by_outcome"], first["simulator"]["outcomes"]);
    let w = &first["simulator"]["webhooks"];
    let n = |k: &str| w[k].as_u64().unwrap_or(0);
    // The misbehaviour really happened, and every request was answered and journaled.
    assert!(n("duplicates_ignored") > 50 && n("dropped") > 20, "{w:#}");
    assert_eq!(n("sent"), n("received") + n("duplicates_ignored") + n("rejected"));
    assert_eq!(first["journal"]["applied"].as_u64(), Some(n("received")));
    assert_eq!(
        first["journal"]["duplicate"].as_u64(),
        Some(n("duplicates_ignored"))
    );
    // The store agrees with the simulator call by call: read it back on our own.
    let conn = rusqlite::Connection::open(a.path().join("callboard.db"))?;
    let open: i64 = conn.query_row(
        "SELECT COUNT(*) FROM calls WHERE status IN ('queued','dialing','initiated','ringing','in_progress')",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(open, 0);
    let per_contact: i64 = conn.query_row(
        "SELECT COUNT(*) FROM (SELECT contact_id FROM calls GROUP BY contact_id HAVING COUNT(*) != 1)",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(per_contact, 0, "every contact called exactly once");
    exports_match_the_store(a.path(), &conn)?;
    let mut second = demo(b.path(), "7")?;
    for s in [&mut first, &mut second] {
        if let Some(o) = s.as_object_mut() {
            o.remove("elapsed_secs");
        }
    }
    assert_eq!(first, second, "the same seed gives the same run");
    Ok(())
}

#[test]
fn forged_signatures_are_rejected_and_hung_calls_are_reconciled() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let out = Command::new(env!("CARGO_BIN_EXE_callboard"))
        .args([
            "demo",
            "--contacts",
            "150",
            "--speed",
            "80",
            "--seed",
            "3",
            "--json",
        ])
        .args([
            "--bad-signature",
            "5",
            "--hang",
            "5",
            "--audio-first",
            "--data-dir",
        ])
        .arg(dir.path())
        .output()?;
    let s: Value = serde_json::from_slice(&out.stdout)?;
    assert!(out.status.success(), "{s:#}");
    let w = &s["simulator"]["webhooks"];
    let n = |k: &str| w[k].as_u64().unwrap_or(0);
    assert!(
        n("bad_signatures") > 0 && s["simulator"]["hung"].as_u64() > Some(0),
        "{s:#}"
    );
    assert_eq!(
        n("rejected"),
        n("bad_signatures"),
        "every forged signature and nothing else is rejected"
    );
    assert_eq!(s["journal"]["rejected"].as_u64(), Some(n("rejected")));
    assert!(s["reconciled_calls"].as_u64() >= s["simulator"]["hung"].as_u64());
    assert_eq!(s["wrong_calls"], 0);
    Ok(())
}

/// `callboard export` of that data dir: calls and contacts in CSV, JSON and XLSX, one row per stored row, the
/// design's columns first; a file written with `--out` is complete.
fn exports_match_the_store(
    dir: &std::path::Path,
    conn: &rusqlite::Connection,
) -> Result<(), Box<dyn std::error::Error>> {
    let export = |what: &str, format: &str, out: Option<&std::path::Path>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_callboard"));
        cmd.args(["export", what, "--format", format, "--data-dir"])
            .arg(dir);
        if let Some(out) = out {
            cmd.arg("--out").arg(out);
        }
        cmd.output()
    };
    for (what, table, first_columns) in [
        (
            "calls",
            "calls",
            "id,campaign,contact_phone,provider,provider_call_id,status,outcome,started_at,ended_at,duration_s,",
        ),
        (
            "contacts",
            "contacts",
            "id,phone_e164,name,time_zone,time_zone_source,status,",
        ),
    ] {
        let stored: i64 = conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?;
        let csv = export(what, "csv", None)?;
        assert!(csv.status.success(), "{}", String::from_utf8_lossy(&csv.stderr));
        let text = String::from_utf8(csv.stdout)?;
        assert!(
            text.starts_with(first_columns),
            "{what}: {}",
            text.lines().next().unwrap_or("")
        );
        let records = csv::Reader::from_reader(text.as_bytes()).records().count();
        assert_eq!(records as i64, stored, "{what} CSV rows");
        let json: Value = serde_json::from_slice(&export(what, "json", None)?.stdout)?;
        assert_eq!(
            json.as_array().map(Vec::len),
            Some(stored as usize),
            "{what} JSON rows"
        );
        if what == "calls" {
            collected_data_matches_the_analysis(conn, &json)?;
        }
        let phone = if what == "calls" {
            "contact_phone"
        } else {
            "phone_e164"
        };
        assert!(
            json[0][phone].as_str().unwrap_or("").starts_with('+'),
            "{:#}",
            json[0]
        );

        let file = dir.join(format!("{what}.xlsx"));
        let xlsx = export(what, "xlsx", Some(&file))?;
        assert!(xlsx.status.success(), "{}", String::from_utf8_lossy(&xlsx.stderr));
        let mut book: calamine::Xlsx<_> = calamine::open_workbook(&file)?;
        let sheet = calamine::Reader::worksheet_range_at(&mut book, 0).ok_or("no sheet")??;
        assert_eq!(sheet.height() as i64, stored + 1, "{what} XLSX rows and a header");
        assert!(!dir.join(format!("{what}.xlsx.part")).exists());
    }
    Ok(())
}

/// The calls export's `evaluation` and `collected` cells say what each call's stored analysis holds, as
/// `id: value` pairs (collected items the agent did not get left out, yes/no for booleans).
fn collected_data_matches_the_analysis(
    conn: &rusqlite::Connection,
    exported: &Value,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut stmt = conn.prepare("SELECT id, analysis FROM calls ORDER BY id")?;
    let stored: Vec<(i64, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let pairs = |analysis: &Value, key: &str, field: &str| -> String {
        let Some(items) = analysis.get(key).and_then(Value::as_object) else {
            return String::new();
        };
        items
            .iter()
            .filter_map(|(id, v)| match &v[field] {
                Value::Null => None,
                Value::String(s) if s.is_empty() => None,
                Value::Bool(b) => Some(format!("{id}: {}", if *b { "yes" } else { "no" })),
                Value::String(s) => Some(format!("{id}: {s}")),
                other => Some(format!("{id}: {other}")),
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let rows = exported.as_array().ok_or("the JSON export is not an array")?;
    let mut with_data = 0;
    for (id, analysis) in stored {
        let analysis: Value = serde_json::from_str(&analysis)?;
        let row = rows
            .iter()
            .find(|r| r["id"] == id)
            .ok_or(format!("call {id} missing from the export"))?;
        let cell = |name: &str| row[name].as_str().unwrap_or("").to_owned();
        let collected = pairs(&analysis, "data_collection_results", "value");
        with_data += usize::from(!collected.is_empty());
        assert_eq!(cell("collected"), collected, "call {id}");
        assert_eq!(
            cell("evaluation"),
            pairs(&analysis, "evaluation_criteria_results", "result"),
            "call {id}"
        );
    }
    assert!(with_data > 0, "no call of the demo collected any data");
    Ok(())
}
