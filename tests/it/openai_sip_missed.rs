//! Incoming SIP calls the app journaled but stopped before deciding: at the next start they are closed as
//! missed (applied, with the reason and the caller in their facts), one "Missed incoming calls" item names
//! who called, and the journal recovery that runs when the listeners start leaves them alone (it used to fail
//! them with "unknown provider openai" at every start). A row received after the start is not touched.

use callboard_core::{
    clock::{Clock, to_db},
    openai::sip_missed,
    store::call_events::{self, Journaled, NewEvent},
};
use callboard_testkit::TestApp;
use jiff::SignedDuration;
use serde_json::json;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn incoming(key: &str, body: &str, received_at: String) -> NewEvent {
    NewEvent {
        provider: "openai",
        kind: "realtime.call.incoming".into(),
        idempotency_key: format!("realtime.call.incoming:{key}"),
        headers: json!({"route": "/webhooks/openai"}),
        body: Some(body.as_bytes().to_vec()),
        body_path: None,
        received_at,
        occurred_at: None,
        sequence: None,
    }
}

#[tokio::test]
async fn sip_calls_journaled_before_a_stop_are_closed_as_missed_at_the_next_start() -> TestResult {
    let t = TestApp::new()?;
    let fixture = std::fs::read_to_string(format!(
        "{}/fixtures/openai-realtime/webhooks/realtime_call_incoming.json",
        env!("CARGO_MANIFEST_DIR")
    ))?;
    let now = t.clock.now();
    let before = to_db(now - SignedDuration::from_secs(40));
    let anonymous = r#"{"type":"realtime.call.incoming","data":{"call_id":"rtc_2"}}"#;
    let later = to_db(now + SignedDuration::from_secs(1));
    let rows = [
        incoming("wh_1", &fixture, before.clone()),
        incoming("wh_2", anonymous, before),
        incoming("wh_3", anonymous, later),
    ];
    let ids = t
        .app
        .store
        .with_tx(move |tx| {
            rows.iter()
                .map(|r| match call_events::journal(tx, r)? {
                    Journaled::New(id) | Journaled::Duplicate { id, .. } => Ok(id),
                })
                .collect::<callboard_core::store::StoreResult<Vec<i64>>>()
        })
        .await?;

    // As the app's start does it: on a blocking thread, before the listeners.
    let app = t.app.clone();
    tokio::task::spawn_blocking(move || sip_missed::close_missed_at_start(&app)).await?;
    let s = t.serve().await?;
    s.test.app.webhooks.settle().await;

    let rows: Vec<(String, String)> = s
        .test
        .app
        .store
        .read(move |c| {
            ids.iter()
                .map(|id| {
                    c.query_row(
                        "SELECT status, IFNULL(facts, '') FROM call_events WHERE id = ?1",
                        [id],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(Into::into)
        })
        .await?;
    assert_eq!(rows[0].0, "applied", "{rows:?}");
    assert!(
        rows[0].1.contains("+14155550100") && rows[0].1.contains(sip_missed::MISSED),
        "{rows:?}"
    );
    assert_eq!(rows[1].0, "applied");
    assert_eq!(
        rows[2].0, "pending",
        "received after the start: not this sweep's to close"
    );

    let items = s.rpc("attention.list", json!({})).await?.body;
    let item = items["items"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["kind"] == "missed_call"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(item["title"], "Missed incoming calls", "{items}");
    let message = item["message"].as_str().unwrap_or("");
    assert!(
        message.starts_with("2 incoming calls reached the SIP line"),
        "{message}"
    );
    assert!(
        message.contains("+14155550100 at ") && message.contains("an unknown caller at "),
        "{message}"
    );

    // A second start with nothing left to close raises nothing more.
    let app = s.test.app.clone();
    tokio::task::spawn_blocking(move || sip_missed::close_missed_at_start(&app)).await?;
    let again = s.rpc("attention.list", json!({})).await?.body;
    let missed = again["items"]
        .as_array()
        .map_or(0, |a| a.iter().filter(|i| i["kind"] == "missed_call").count());
    assert_eq!(missed, 1);
    assert_eq!(
        again["items"]
            .as_array()
            .and_then(|a| a.iter().find(|i| i["kind"] == "missed_call"))
            .map(|i| i["count"].clone()),
        Some(json!(1))
    );
    Ok(())
}
