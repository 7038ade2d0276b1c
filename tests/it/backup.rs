//! Backup and restore on real files: an archive taken while writes keep coming restores to a consistent
//! database (every transaction whole or absent), recordings come back, restore refuses a newer archive, a
//! damaged one and a data dir that already holds a database; "wipe everything" wants its confirmation.

use std::io::Write;

use callboard_core::{
    app::DATABASE_FILE,
    setup::backup::{self, BackupError},
    store::{Store, audit},
};
use callboard_testkit::TestApp;
use serde_json::json;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// One transaction = two audit rows with the same subject: a consistent copy has as many of each.
async fn write_pair(store: &Store, i: u32) -> Result<(), callboard_core::store::StoreError> {
    store
        .with_tx(move |tx| {
            for action in ["pair.a", "pair.b"] {
                audit::record(
                    tx,
                    "2026-11-26T00:00:00Z",
                    &audit::AuditEntry {
                        actor: "test",
                        action,
                        subject_type: "pair",
                        subject_id: i.to_string(),
                        details: json!({ "filler": "x".repeat(200) }),
                    },
                )?;
            }
            Ok(())
        })
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_during_writes_restores_to_a_consistent_database() -> TestResult {
    let t = TestApp::new()?;
    let data_dir = t.dir.path().to_owned();
    std::fs::create_dir_all(data_dir.join("recordings/2026"))?;
    std::fs::write(data_dir.join("recordings/2026/conv_1.mp3"), b"ID3 fake audio")?;
    for i in 0..200 {
        write_pair(&t.app.store, i).await?;
    }
    let store = t.app.store.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut i = 1000;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if write_pair(&store, i).await.is_err() {
                    return i;
                }
                i += 1;
            }
            i
        })
    };
    let out = data_dir.join("backups").join("b.zip");
    let (d, o) = (data_dir.clone(), out.clone());
    let summary =
        tokio::task::spawn_blocking(move || backup::create(&d, &o, "2026-11-26T00:00:00Z")).await??;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer.await? - 1000;
    println!(
        "pairs written during the backup: {written}; archive {} bytes",
        summary.bytes
    );
    assert_eq!(summary.manifest.recordings, 1);
    assert_eq!(
        summary.manifest.schema_version,
        callboard_core::store::latest_version()
    );
    assert!(!data_dir.join("backups/b.partial").exists());

    let fresh = tempfile::tempdir()?;
    let target = fresh.path().join("restored");
    let manifest = backup::restore(&out, &target)?;
    assert_eq!(manifest, summary.manifest);
    assert_eq!(
        std::fs::read(target.join("recordings/2026/conv_1.mp3"))?,
        b"ID3 fake audio"
    );
    let restored = Store::open(&target.join(DATABASE_FILE))?;
    let (a, b, ok) = restored
        .read(|c| {
            let a = audit::count(c, "pair.a")?;
            let b = audit::count(c, "pair.b")?;
            let ok: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
            Ok((a, b, ok))
        })
        .await?;
    assert_eq!(ok, "ok");
    assert_eq!(a, b, "a transaction was split by the backup");
    assert!(a >= 200, "the rows from before the backup are there ({a})");

    // A data dir that already has a database is never overwritten.
    let again = backup::restore(&out, &target);
    assert!(matches!(again, Err(BackupError::NotEmpty(_))), "{again:?}");
    Ok(())
}

/// Rewrites an archive with a different manifest.
fn with_manifest(src: &std::path::Path, dst: &std::path::Path, manifest: serde_json::Value) -> TestResult {
    let mut zin = zip::ZipArchive::new(std::fs::File::open(src)?)?;
    let mut zout = zip::ZipWriter::new(std::fs::File::create(dst)?);
    let opts = zip::write::SimpleFileOptions::default();
    for i in 0..zin.len() {
        let mut f = zin.by_index(i)?;
        let name = f.name()?.to_string();
        zout.start_file(name.clone(), opts)?;
        if name == "manifest.json" {
            zout.write_all(manifest.to_string().as_bytes())?;
        } else {
            std::io::copy(&mut f, &mut zout)?;
        }
    }
    zout.finish()?;
    Ok(())
}

#[tokio::test]
async fn restore_refuses_newer_and_damaged_archives_and_leaves_nothing_behind() -> TestResult {
    let t = TestApp::new()?;
    let out = t.dir.path().join("b.zip");
    let d = t.dir.path().to_owned();
    let o = out.clone();
    let summary =
        tokio::task::spawn_blocking(move || backup::create(&d, &o, "2026-11-26T00:00:00Z")).await??;

    let newer = t.dir.path().join("newer.zip");
    let mut m = serde_json::to_value(&summary.manifest)?;
    m["schema_version"] = json!(callboard_core::store::latest_version() + 1);
    with_manifest(&out, &newer, m)?;
    let target = tempfile::tempdir()?;
    let err = backup::restore(&newer, target.path()).err();
    assert!(matches!(err, Some(BackupError::NewerArchive { .. })), "{err:?}");
    assert!(err.is_some_and(|e| e.to_string().contains("newer Callboard")));
    assert!(!target.path().join(DATABASE_FILE).exists());

    let garbage = t.dir.path().join("garbage.zip");
    std::fs::write(&garbage, b"not a zip at all")?;
    assert!(matches!(
        backup::restore(&garbage, target.path()),
        Err(BackupError::BadArchive(_))
    ));
    assert!(!target.path().join(DATABASE_FILE).exists());
    Ok(())
}

#[tokio::test]
async fn wipe_everything_wants_the_words_takes_a_safety_backup_and_empties_the_data() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    s.rpc("campaign.create", json!({ "name": "Spring service" }))
        .await?;
    std::fs::create_dir_all(s.test.dir.path().join("recordings"))?;
    std::fs::write(s.test.dir.path().join("recordings/a.mp3"), b"x")?;

    let refused = s.rpc("data.wipe", json!({ "confirm": "yes" })).await?;
    assert_eq!(refused.code(), "validation");
    assert_eq!(
        s.rpc("campaign.list", json!({}))
            .await?
            .body
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    let wiped = s
        .rpc("data.wipe", json!({ "confirm": "WIPE EVERYTHING" }))
        .await?;
    assert_eq!(wiped.status, 200, "{:?}", wiped.body);
    assert_eq!(wiped.body["recordings"], 1);
    let safety = wiped.body["safety_backup"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(std::path::Path::new(&safety).is_file());
    assert_eq!(
        s.rpc("campaign.list", json!({}))
            .await?
            .body
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    assert!(!s.test.dir.path().join("recordings/a.mp3").exists());
    // The app keeps working on the empty database.
    let again = s.rpc("campaign.create", json!({ "name": "After wipe" })).await?;
    assert_eq!(again.status, 200, "{:?}", again.body);
    s.stop().await;
    Ok(())
}
