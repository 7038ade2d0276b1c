//! The delivery spool through the real listener and store: a provider's 200 does not wait for the store's
//! writer, a second delivery of one key is a duplicate however close behind it comes, deliveries acknowledged
//! before a stop are journaled (once) at the next start, a record torn by a crash is skipped, and a wipe
//! leaves nothing in the spool to come back.

use std::{path::Path, sync::mpsc, time::Duration};

use callboard_core::{
    clock::{Clock, to_db},
    store::{StoreResult, call_events},
    webhooks::spool::{Position, SPOOL_DIR, Spool},
};
use callboard_testkit::{Served, TestApp};
use serde_json::json;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const TRANSCRIPTION: &str = include_str!("../fixtures/elevenlabs/webhooks/post_call_transcription.json");
const AUDIO: &str = include_str!("../fixtures/elevenlabs/webhooks/post_call_audio.json");
const FAILURE_SIP: &str = include_str!("../fixtures/elevenlabs/webhooks/call_initiation_failure_sip.json");

async fn statuses(s: &Served) -> StoreResult<Vec<String>> {
    let rows = s.test.app.store.read(call_events::list).await?;
    Ok(rows.into_iter().map(|e| e.status).collect())
}

fn event(kind: &str, key: &str, body: &str, at: &str) -> call_events::NewEvent {
    call_events::NewEvent {
        provider: "elevenlabs",
        kind: kind.into(),
        idempotency_key: key.into(),
        headers: json!({"route": "elevenlabs", "content-type": "application/json"}),
        body: Some(body.as_bytes().to_vec()),
        body_path: None,
        received_at: at.into(),
        occurred_at: None,
        sequence: None,
    }
}

/// Stops `test` (as a crash would: nothing more is journaled) and starts the app again on its data dir, with
/// whatever that start journals and applies done.
async fn restart(test: TestApp) -> std::io::Result<Served> {
    let now = test.clock.now();
    let TestApp { app, dir, .. } = test;
    drop(app);
    let s = TestApp::reopen(dir, now)?.serve().await?;
    s.test.app.webhooks.settle().await;
    Ok(s)
}

/// [`restart`] for a served app: its listeners stop first.
async fn restart_served(s: Served) -> std::io::Result<Served> {
    let Served { test, running, .. } = s;
    running.stop().await;
    restart(test).await
}

fn segment_file(test: &TestApp, at: Position) -> std::path::PathBuf {
    test.dir
        .path()
        .join(SPOOL_DIR)
        .join(format!("{:020}.log", at.segment))
}

/// Appends as a run that answered the provider and stopped before journaling would have.
fn spool(data_dir: &Path, events: &[call_events::NewEvent]) -> std::io::Result<Vec<Position>> {
    let spool = Spool::open(&data_dir.join(SPOOL_DIR))?;
    events.iter().map(|e| spool.append(e.clone(), |_, p| p)).collect()
}

#[tokio::test]
async fn the_answer_does_not_wait_for_the_writer_and_a_close_duplicate_is_still_one() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    // Hold the store's writer thread, as a long apply batch or a WAL checkpoint would.
    let (release, held) = mpsc::channel::<()>();
    let (started, writer_held) = tokio::sync::oneshot::channel();
    let store = s.test.app.store.clone();
    let holding = tokio::spawn(async move {
        store
            .with_tx(move |_| {
                let _ = started.send(());
                let _ = held.recv_timeout(Duration::from_secs(60));
                StoreResult::Ok(())
            })
            .await
    });
    writer_held.await?;

    let first = s.post_elevenlabs(TRANSCRIPTION.as_bytes(), None).await?;
    let again = s.post_elevenlabs(TRANSCRIPTION.as_bytes(), None).await?;
    assert_eq!(
        (first.status, first.body["status"].as_str()),
        (200, Some("accepted"))
    );
    assert_eq!(
        (again.status, again.body["status"].as_str()),
        (200, Some("duplicate"))
    );
    assert!(
        statuses(&s).await?.is_empty(),
        "nothing can be journaled while the writer is held"
    );

    release.send(())?;
    holding.await??;
    s.test.app.webhooks.settle().await;
    assert_eq!(statuses(&s).await?, ["applied", "duplicate"]);
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn deliveries_acknowledged_before_a_stop_are_journaled_once_at_the_next_start() -> TestResult {
    let test = TestApp::new()?;
    let now = test.clock.now();
    let at = to_db(now);
    let events = [
        event("post_call_transcription", "first", TRANSCRIPTION, &at),
        event("post_call_audio", "second", AUDIO, &at),
    ];
    let positions = spool(test.dir.path(), &events)?;
    // The run before journaled the first one (with its spool position) and stopped.
    let first = events[0].clone();
    let journaled = positions[0].to_db();
    test.app
        .store
        .with_tx(move |tx| {
            call_events::journal(tx, &first)?;
            call_events::set_spool_position(tx, journaled)
        })
        .await?;
    let s = restart(test).await?;
    let rows = s.test.app.store.read(call_events::list).await?;
    let keys: Vec<_> = rows
        .iter()
        .map(|r| (r.idempotency_key.as_str(), r.status.as_str()))
        .collect();
    assert_eq!(keys, [("first", "applied"), ("second", "applied")], "{rows:#?}");
    let position = s.test.app.store.read(call_events::spool_position).await?;
    assert_eq!(position, Some(positions[1].to_db()));

    // Once more: nothing is journaled a second time.
    let s = restart_served(s).await?;
    assert_eq!(statuses(&s).await?, ["applied", "applied"]);
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn a_record_torn_by_a_crash_is_skipped_and_the_rest_goes_through() -> TestResult {
    let test = TestApp::new()?;
    let now = test.clock.now();
    let positions = spool(
        test.dir.path(),
        &[event(
            "post_call_transcription",
            "whole",
            TRANSCRIPTION,
            &to_db(now),
        )],
    )?;
    // The crash came in the middle of the next write (that delivery was never answered).
    let file = segment_file(&test, positions[0]);
    let mut bytes = std::fs::read(&file)?;
    bytes.extend_from_slice(&[200, 0, 0, 0, 1, 2]);
    std::fs::write(&file, bytes)?;
    let s = restart(test).await?;
    assert_eq!(statuses(&s).await?, ["applied"]);
    // And the listener takes new deliveries as before.
    let next = s.post_elevenlabs(FAILURE_SIP.as_bytes(), None).await?;
    assert_eq!(next.status, 200);
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn a_wipe_leaves_nothing_in_the_spool_to_come_back() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    assert_eq!(
        s.post_elevenlabs(TRANSCRIPTION.as_bytes(), None).await?.status,
        200
    );
    s.test.app.webhooks.settle().await;
    let wiped = s
        .rpc("data.wipe", json!({ "confirm": "WIPE EVERYTHING" }))
        .await?;
    assert_eq!(wiped.status, 200, "{}", wiped.body);
    let s = restart_served(s).await?;
    assert!(statuses(&s).await?.is_empty());
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn a_damaged_spool_file_is_kept_aside_and_needs_attention() -> TestResult {
    let test = TestApp::new()?;
    let now = test.clock.now();
    let at = to_db(now);
    let positions = spool(
        test.dir.path(),
        &[
            event("post_call_transcription", "kept", TRANSCRIPTION, &at),
            event("post_call_audio", "after the damage", AUDIO, &at),
        ],
    )?;
    let file = segment_file(&test, positions[0]);
    let mut bytes = std::fs::read(&file)?;
    let inside_the_second = usize::try_from(positions[0].offset)? + 40;
    bytes[inside_the_second] ^= 0x5a;
    std::fs::write(&file, bytes)?;
    let s = restart(test).await?;
    assert_eq!(statuses(&s).await?, ["applied"]);
    assert!(file.with_extension("damaged").exists());
    let items = s.rpc("attention.list", json!({})).await?;
    let text = items.body.to_string();
    assert!(text.contains("webhook_spool_damaged"), "{text}");
    assert!(text.contains(&format!("byte {}", positions[0].offset)), "{text}");
    s.stop().await;
    Ok(())
}
