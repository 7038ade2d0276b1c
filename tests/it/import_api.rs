//! The `import.*` commands through `POST /api/rpc`: preview writes nothing, commit runs in the background
//! with progress events and can be cancelled, bad files and arguments get stable codes.

use std::{io::Write, path::Path};

use callboard_core::events::{Event, EventStream};
use callboard_testkit::{Served, TestApp};
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

pub fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/import")
        .join(name)
        .display()
        .to_string()
}

/// Waits for the next `import_finished` event (bounded: no test hangs forever) and returns it as JSON.
pub async fn finished(events: &mut EventStream) -> Result<Value, Box<dyn std::error::Error>> {
    let wait = async {
        while let Some(batch) = events.next_batch().await {
            for e in batch {
                if matches!(e, Event::ImportFinished { .. }) {
                    return Ok(serde_json::to_value(e)?);
                }
            }
        }
        Err("the event bus closed".into())
    };
    tokio::time::timeout(std::time::Duration::from_secs(60), wait).await?
}

async fn campaign(s: &Served) -> Result<Value, Box<dyn std::error::Error>> {
    Ok(s.rpc(
        "campaign.create",
        json!({"name": "Spring", "time_zone": "Asia/Kuwait"}),
    )
    .await?
    .body["id"]
        .clone())
}

#[tokio::test]
async fn preview_writes_nothing_and_commit_reports_progress() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let id = campaign(&s).await?;
    let file = fixture("contacts.xlsx");
    let p = s
        .rpc(
            "import.preview",
            json!({"path": file, "campaign_id": id, "limit": 3}),
        )
        .await?;
    assert_eq!(p.status, 200, "{:?}", p.body);
    assert_eq!(p.body["summary"]["total"], 10);
    assert_eq!(p.body["rows"].as_array().map(Vec::len), Some(3));
    assert_eq!(p.body["rows"][0]["phone_e164"], "+96555123456");
    assert_eq!(
        p.body["summary"]["mapping"]["columns"][1]["target"],
        json!({"kind": "field", "name": "phone"})
    );
    // The mapping step's preview stops at the header: the same mapping and header row, no rows, no counts.
    let head = s
        .rpc(
            "import.preview",
            json!({"path": file, "campaign_id": id, "header_only": true}),
        )
        .await?;
    assert_eq!(head.status, 200, "{:?}", head.body);
    assert_eq!(head.body["summary"]["mapping"], p.body["summary"]["mapping"]);
    assert_eq!(
        head.body["summary"]["header_row"],
        p.body["summary"]["header_row"]
    );
    assert_eq!(head.body["summary"]["source"], p.body["summary"]["source"]);
    assert_eq!(head.body["signature"], p.body["signature"]);
    assert_eq!(head.body["summary"]["total"], 0);
    assert_eq!(head.body["rows"], json!([]));
    let c = s.rpc("campaign.get", json!({"id": id})).await?;
    assert_eq!(c.body["contacts"], 0, "preview must not write");

    let mut events = s.test.app.events.subscribe();
    let started = s
        .rpc("import.commit", json!({"path": file, "campaign_id": id}))
        .await?;
    assert_eq!(started.status, 200, "{:?}", started.body);
    let done = finished(&mut events).await?;
    assert_eq!(done["type"], "import_finished");
    assert_eq!(done["import_id"], started.body["import_id"]);
    assert_eq!(done["summary"]["imported"], 6);
    assert_eq!(done["summary"]["errors"][0]["code"], "INVALID_PHONE");
    let c = s.rpc("campaign.get", json!({"id": id})).await?;
    assert_eq!(c.body["contacts"], 6);
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn a_cancelled_import_keeps_whole_chunks_and_can_be_rerun() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let id = campaign(&s).await?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("big.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path)?);
    writeln!(f, "Name,Phone")?;
    let rows = 30_000;
    for i in 0..rows {
        writeln!(f, "P{i},5{:07}", 5_000_000 + i)?;
    }
    f.flush()?;
    drop(f);
    let file = path.display().to_string();
    let mut events = s.test.app.events.subscribe();
    let started = s
        .rpc("import.commit", json!({"path": file, "campaign_id": id}))
        .await?;
    let import_id = started.body["import_id"].clone();
    // Cancel as soon as the first chunk lands.
    let done = loop {
        let batch = events.next_batch().await.ok_or("bus closed")?;
        let mut finished = None;
        for e in batch {
            match e {
                Event::ImportProgress { .. } => {
                    s.rpc("import.cancel", json!({"import_id": import_id})).await?;
                }
                e @ Event::ImportFinished { .. } => finished = Some(serde_json::to_value(e)?),
                _ => {}
            }
        }
        if let Some(f) = finished {
            break f;
        }
    };
    let imported = done["summary"]["imported"].as_i64().unwrap_or(-1);
    let contacts = s.rpc("campaign.get", json!({"id": id})).await?.body["contacts"]
        .as_i64()
        .unwrap_or(-1);
    assert_eq!(imported, contacts);
    assert_eq!(contacts % 5_000, 0, "whole chunks only");
    if done["summary"]["cancelled"] == true {
        assert!(contacts < rows);
    }
    let status = s.rpc("import.status", json!({"import_id": import_id})).await?;
    assert_eq!(status.body["state"], "done");

    s.rpc("import.commit", json!({"path": file, "campaign_id": id}))
        .await?;
    let again = finished(&mut events).await?;
    assert_eq!(
        again["summary"]["imported"].as_i64().unwrap_or(-1) + contacts,
        rows
    );
    let c = s.rpc("campaign.get", json!({"id": id})).await?;
    assert_eq!(c.body["contacts"], rows);
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn bad_import_requests_get_stable_codes() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let id = campaign(&s).await?;
    let dir = tempfile::tempdir()?;
    let garbage = dir.path().join("garbage.xlsx");
    std::fs::write(&garbage, b"PK\x03\x04 not a zip")?;
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        ("import.preview", json!({"campaign_id": id}), 422, "validation"),
        (
            "import.preview",
            json!({"upload_id": "../../etc", "campaign_id": id}),
            422,
            "validation",
        ),
        ("import.errors", json!({"import_id": 999}), 404, "not_found"),
        ("contact.list", json!({"status": "sleeping"}), 422, "validation"),
        (
            "import.preview",
            json!({"path": fixture("contacts.csv"), "campaign_id": id, "region": "XX"}),
            422,
            "validation",
        ),
        (
            "import.preview",
            json!({"path": fixture("contacts.csv"), "campaign_id": 999}),
            404,
            "not_found",
        ),
        (
            "import.preview",
            json!({"path": garbage, "campaign_id": id}),
            422,
            "validation",
        ),
        (
            "import.commit",
            json!({"path": "/nonexistent/x.csv", "campaign_id": id}),
            422,
            "validation",
        ),
        (
            "import.commit",
            json!({"path": fixture("contacts.csv"), "campaign_id": 999}),
            404,
            "not_found",
        ),
        ("import.cancel", json!({"import_id": 999}), 404, "not_found"),
        ("import.status", json!({"import_id": 999}), 404, "not_found"),
        (
            "import.template.save",
            json!({"name": "", "header": [], "mapping": {"columns": []}}),
            422,
            "validation",
        ),
    ];
    for (cmd, args, status, code) in cases {
        let a = s.rpc(cmd, args.clone()).await?;
        assert_eq!((a.status, a.code()), (status, code), "{cmd} {args}: {:?}", a.body);
        assert!(!a.body["message"].as_str().unwrap_or_default().is_empty());
    }
    let a = s
        .rpc("import.preview", json!({"path": garbage, "campaign_id": id}))
        .await?;
    assert!(
        a.body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("garbage.xlsx"),
        "{:?}",
        a.body
    );
    s.stop().await;
    Ok(())
}
