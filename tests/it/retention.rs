//! Recording retention on a real data dir: recordings of calls that ended before the retention period are
//! deleted and unlinked, recent ones stay, a file already gone is unlinked all the same, and a path outside
//! the recordings folder is never touched.

use callboard_core::{
    clock::{Clock, to_db},
    setup::retention::{self, Swept},
    store::StoreResult,
};
use callboard_testkit::TestApp;
use jiff::SignedDuration;
use serde_json::json;

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[tokio::test]
async fn recordings_past_the_retention_period_are_deleted_and_the_calls_kept() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let set = s
        .rpc("settings.update", json!({"recording_retention_days": 30}))
        .await?;
    assert_eq!(set.status, 200, "{}", set.body);
    let dir = s.test.dir.path().to_path_buf();
    std::fs::create_dir_all(dir.join("recordings"))?;
    let now = s.test.clock.now();
    let old = to_db(now - SignedDuration::from_hours(24 * 31));
    let recent = to_db(now - SignedDuration::from_hours(24 * 29));
    // (ended at, recording path, whether the file exists)
    let calls = [
        (old.clone(), "recordings/call-old.wav", true),
        (old.clone(), "recordings/call-gone.wav", false),
        (recent.clone(), "recordings/call-recent.wav", true),
        (old.clone(), "../outside.wav", false),
    ];
    for (_, path, exists) in &calls {
        if *exists {
            std::fs::write(dir.join(path), b"RIFF")?;
        }
    }
    std::fs::write(dir.join("outside.wav"), b"keep me")?;
    let rows: Vec<(String, String)> = calls
        .iter()
        .map(|(at, p, _)| (at.clone(), (*p).to_owned()))
        .collect();
    let ids = s
        .test
        .app
        .store
        .with_tx(move |tx| -> StoreResult<Vec<i64>> {
            let mut ids = Vec::new();
            for (at, path) in rows {
                tx.execute(
                    "INSERT INTO calls(provider, status, ended_at, recording_path, created_at, updated_at) \
                     VALUES ('sim', 'completed', ?1, ?2, ?1, ?1)",
                    [&at, &path],
                )?;
                ids.push(tx.last_insert_rowid());
            }
            Ok(ids)
        })
        .await?;

    let swept = retention::sweep(&s.test.app).await?;
    assert_eq!(
        swept,
        Swept {
            deleted: 1,
            missing: 1,
            failed: 0
        }
    );
    assert!(!dir.join("recordings/call-old.wav").exists());
    assert!(dir.join("recordings/call-recent.wav").exists());
    assert_eq!(std::fs::read(dir.join("outside.wav"))?, b"keep me");
    let paths = s
        .test
        .app
        .store
        .read(move |c| -> StoreResult<Vec<Option<String>>> {
            ids.iter()
                .map(|id| {
                    Ok(
                        c.query_row("SELECT recording_path FROM calls WHERE id = ?1", [id], |r| {
                            r.get(0)
                        })?,
                    )
                })
                .collect()
        })
        .await?;
    assert_eq!(
        paths,
        [
            None,
            None,
            Some("recordings/call-recent.wav".to_owned()),
            Some("../outside.wav".to_owned())
        ],
        "the calls stay; only their expired recordings go"
    );
    assert_eq!(
        retention::sweep(&s.test.app).await?,
        Swept::default(),
        "nothing left to do"
    );
    s.stop().await;
    Ok(())
}
