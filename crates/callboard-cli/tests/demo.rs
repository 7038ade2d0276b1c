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
