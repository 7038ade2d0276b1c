//! The engine rules added on top of the dialing loop, through the command table and a real store with a
//! fake dialer and a manual clock: frequency caps across campaigns, scheduled start and end, supervisor and
//! captured callbacks, reserved headroom and the global cap per provider account, and slots freed by a
//! webhook-ended call.

use std::{collections::HashMap, sync::Arc};

use callboard_core::{
    api::{self, Actor, RpcRequest},
    clock::{Clock, to_db},
    engine::{Dialer, Engine, outcome, retry::Outcome},
    store::StoreResult,
};
use callboard_testkit::{FakeDialer, TestApp};
use jiff::SignedDuration;
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

async fn rpc(t: &TestApp, cmd: &str, args: Value) -> Result<Value, Box<dyn std::error::Error>> {
    Ok(api::dispatch(
        &t.app,
        Actor::System,
        RpcRequest {
            cmd: cmd.into(),
            args,
        },
    )
    .await?)
}

async fn rpc_err(t: &TestApp, cmd: &str, args: Value) -> Result<String, Box<dyn std::error::Error>> {
    match api::dispatch(
        &t.app,
        Actor::System,
        RpcRequest {
            cmd: cmd.into(),
            args,
        },
    )
    .await
    {
        Ok(v) => Err(format!("{cmd} should have failed: {v}").into()),
        Err(e) => Ok(e.message),
    }
}

fn dialers(fake: &Arc<FakeDialer>) -> HashMap<String, Arc<dyn Dialer>> {
    HashMap::from([("sim".to_owned(), fake.clone() as Arc<dyn Dialer>)])
}

async fn campaign(t: &TestApp, args: Value) -> Result<i64, Box<dyn std::error::Error>> {
    Ok(rpc(t, "campaign.create", args).await?["id"]
        .as_i64()
        .ok_or("no id")?)
}

/// Creates `n` contacts (UTC) and returns their ids.
async fn contacts(t: &TestApp, n: usize) -> StoreResult<Vec<i64>> {
    let now = to_db(t.clock.now());
    t.app
        .store
        .with_tx(move |tx| -> StoreResult<Vec<i64>> {
            let mut ids = Vec::new();
            for i in 0..n {
                tx.execute(
                    "INSERT INTO contacts(phone_e164, time_zone, created_at, updated_at) VALUES (?1, 'UTC', ?2, ?2)",
                    rusqlite::params![format!("+1646555{i:04}"), now],
                )?;
                ids.push(tx.last_insert_rowid());
            }
            Ok(ids)
        })
        .await
}

async fn enrol(t: &TestApp, campaign_id: i64, contact_ids: &[i64]) -> StoreResult<()> {
    let (now, ids) = (to_db(t.clock.now()), contact_ids.to_vec());
    t.app
        .store
        .with_tx(move |tx| -> StoreResult<()> {
            for id in ids {
                tx.execute(
                    "INSERT INTO campaign_contacts(campaign_id, contact_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
                    rusqlite::params![campaign_id, id, now],
                )?;
            }
            Ok(())
        })
        .await
}

async fn wait_reason(t: &TestApp, campaign_id: i64, contact_id: i64) -> StoreResult<(String, String)> {
    t.app
        .store
        .read(move |c| {
            Ok(c.query_row(
                "SELECT state, IFNULL(wait_reason, '') FROM campaign_contacts WHERE campaign_id = ?1 AND contact_id = ?2",
                [campaign_id, contact_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .await
}

async fn end_all(t: &TestApp, fake: &FakeDialer, from: usize, o: Outcome) -> StoreResult<()> {
    let at = t.clock.now();
    let ids: Vec<i64> = fake.dialed()[from..].iter().map(|r| r.call_id).collect();
    t.app
        .store
        .with_tx(move |tx| -> StoreResult<()> {
            for id in ids {
                outcome::record(tx, id, o, None, at)?;
            }
            Ok(())
        })
        .await
}

fn reasons(why: &Value) -> Vec<String> {
    why["by_reason"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["reason"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn the_frequency_cap_counts_calls_across_campaigns() -> TestResult {
    let t = TestApp::new()?;
    rpc(
        &t,
        "engine.settings.set",
        json!({"frequency_cap": {"per_day": 1, "per_week": 5}}),
    )
    .await?;
    let a = campaign(&t, json!({"name": "A", "calls_per_second": 10})).await?;
    let b = campaign(&t, json!({"name": "B", "calls_per_second": 10})).await?;
    let people = contacts(&t, 1).await?;
    enrol(&t, a, &people).await?;
    enrol(&t, b, &people).await?;
    let fake = Arc::new(FakeDialer::default());
    let mut engine = Engine::new(t.app.clone(), dialers(&fake));
    rpc(&t, "campaign.start", json!({"id": a})).await?;
    assert_eq!(engine.step().await?.dialed, 1);
    end_all(&t, &fake, 0, Outcome::Answered).await?;
    rpc(&t, "campaign.start", json!({"id": b})).await?;
    t.clock.advance(SignedDuration::from_mins(30));
    let report = engine.step().await?;
    assert_eq!((report.dialed, report.capped), (0, 1));
    assert_eq!(wait_reason(&t, b, people[0]).await?.1, "frequency_cap");
    let why = rpc(&t, "campaign.why", json!({"id": b})).await?;
    assert!(reasons(&why).contains(&"frequency_cap".to_owned()), "{why}");
    // A day after the first call the cap frees and campaign B calls.
    t.clock.advance(SignedDuration::from_mins(23 * 60 + 30));
    assert_eq!(engine.step().await?.dialed, 1);
    assert_eq!(fake.dialed().len(), 2);
    // Bad settings are refused naming the field, and change nothing.
    let e = rpc_err(
        &t,
        "engine.settings.set",
        json!({"frequency_cap": {"per_day": 9, "per_week": 2}}),
    )
    .await?;
    assert!(e.starts_with("frequency_cap.per_week"), "{e}");
    let s = rpc(&t, "engine.settings.get", json!({})).await?;
    assert_eq!(s["frequency_cap"]["per_day"], 1);
    Ok(())
}

#[tokio::test]
async fn a_scheduled_campaign_starts_and_ends_by_itself() -> TestResult {
    let t = TestApp::new()?;
    let start = t.clock.now() + SignedDuration::from_hours(2);
    let end = start + SignedDuration::from_hours(1);
    let id = campaign(
        &t,
        json!({"name": "Later", "start_at": start.to_string(), "end_at": end.to_string(), "calls_per_second": 1}),
    )
    .await?;
    let people = contacts(&t, 50).await?;
    enrol(&t, id, &people).await?;
    let started = rpc(&t, "campaign.start", json!({"id": id})).await?;
    assert_eq!(started["status"], "scheduled", "{started}");
    let fake = Arc::new(FakeDialer::default());
    let mut engine = Engine::new(t.app.clone(), dialers(&fake));
    assert_eq!(engine.step().await?.dialed, 0);
    t.clock.set(start);
    let report = engine.step().await?;
    assert_eq!(report.scheduled.len(), 1);
    let c = rpc(&t, "campaign.get", json!({"id": id})).await?;
    assert_eq!(
        (c["status"].as_str(), c["status_reason"].as_str()),
        (Some("running"), Some("schedule"))
    );
    assert_eq!(engine.step().await?.dialed, 1);
    t.clock.set(end);
    engine.step().await?;
    let c = rpc(&t, "campaign.get", json!({"id": id})).await?;
    assert_eq!(c["status"], "completed");
    assert_eq!(c["status_reason"], "schedule: end time reached");
    // The schedule is checked field by field.
    let e = rpc_err(
        &t,
        "campaign.create",
        json!({"name": "Bad", "start_at": "tomorrow"}),
    )
    .await?;
    assert!(e.starts_with("start_at"), "{e}");
    let e = rpc_err(
        &t,
        "campaign.create",
        json!({"name": "Bad", "start_at": end.to_string(), "end_at": start.to_string()}),
    )
    .await?;
    assert!(e.starts_with("end_at"), "{e}");
    let e = rpc_err(
        &t,
        "campaign.create",
        json!({"name": "Bad", "max_concurrent": 2, "reserved_headroom": 2}),
    )
    .await?;
    assert!(e.starts_with("reserved_headroom"), "{e}");
    Ok(())
}

#[tokio::test]
async fn an_end_time_can_pause_and_a_resume_is_not_undone() -> TestResult {
    let t = TestApp::new()?;
    let end = t.clock.now() + SignedDuration::from_hours(1);
    let id = campaign(
        &t,
        json!({"name": "Pauses", "end_at": end.to_string(), "end_action": "pause"}),
    )
    .await?;
    enrol(&t, id, &contacts(&t, 3).await?).await?;
    rpc(&t, "campaign.start", json!({"id": id})).await?;
    let fake = Arc::new(FakeDialer::default());
    let mut engine = Engine::new(t.app.clone(), dialers(&fake));
    t.clock.set(end);
    engine.step().await?;
    let c = rpc(&t, "campaign.get", json!({"id": id})).await?;
    assert_eq!(
        (c["status"].as_str(), c["status_reason"].as_str()),
        (Some("paused"), Some("schedule: end time reached"))
    );
    t.clock.advance(SignedDuration::from_mins(5));
    rpc(&t, "campaign.resume", json!({"id": id})).await?;
    t.clock.advance(SignedDuration::from_secs(5));
    engine.step().await?;
    assert_eq!(
        rpc(&t, "campaign.get", json!({"id": id})).await?["status"],
        "running"
    );
    Ok(())
}

#[tokio::test]
async fn callbacks_go_before_the_list_at_their_time() -> TestResult {
    let t = TestApp::new()?;
    let id = campaign(
        &t,
        json!({"name": "Callbacks", "max_concurrent": 1, "calls_per_second": 1}),
    )
    .await?;
    let people = contacts(&t, 5).await?;
    enrol(&t, id, &people).await?;
    let last = people[4];
    let at = t.clock.now() + SignedDuration::from_mins(10);
    let set = rpc(
        &t,
        "contact.callback",
        json!({"campaign_id": id, "contact_id": last, "at": at.to_string()}),
    )
    .await?;
    assert_eq!(set["callback_at"], to_db(at));
    assert_eq!(wait_reason(&t, id, last).await?.1, "callback_later");
    rpc(&t, "campaign.start", json!({"id": id})).await?;
    let fake = Arc::new(FakeDialer::default());
    let mut engine = Engine::new(t.app.clone(), dialers(&fake));
    engine.step().await?;
    assert_ne!(fake.dialed()[0].contact_id, last, "not before its time");
    let why = rpc(&t, "campaign.why", json!({"id": id})).await?;
    assert!(reasons(&why).contains(&"callback_later".to_owned()), "{why}");
    end_all(&t, &fake, 0, Outcome::Answered).await?;
    t.clock.set(at);
    engine.step().await?;
    assert_eq!(
        fake.dialed()[1].contact_id,
        last,
        "the callback goes before the list order"
    );
    // Refusals: past times, unknown contacts, finished campaigns.
    let e = rpc_err(
        &t,
        "contact.callback",
        json!({"campaign_id": id, "contact_id": people[0], "at": "2001-01-01T00:00:00Z"}),
    )
    .await?;
    assert!(e.contains("future"), "{e}");
    let e = rpc_err(
        &t,
        "contact.callback",
        json!({"campaign_id": id, "contact_id": 999, "at": (at + SignedDuration::from_hours(1)).to_string()}),
    )
    .await?;
    assert!(e.contains("not in campaign"), "{e}");
    Ok(())
}

#[tokio::test]
async fn a_callback_captured_in_the_call_is_scheduled_and_a_webhook_ending_frees_the_slot() -> TestResult {
    let t = TestApp::new()?;
    let id = campaign(
        &t,
        json!({"name": "Captured", "max_concurrent": 2, "calls_per_second": 5}),
    )
    .await?;
    let people = contacts(&t, 2).await?;
    enrol(&t, id, &people).await?;
    rpc(&t, "campaign.start", json!({"id": id})).await?;
    let fake = Arc::new(FakeDialer::default());
    let mut engine = Engine::new(t.app.clone(), dialers(&fake));
    assert_eq!(engine.step().await?.dialed, 2);
    let calls = fake.dialed();
    let (first, second) = (calls[0].call_id, calls[1].call_id);
    let callback_at = t.clock.now() + SignedDuration::from_hours(3);
    let at = t.clock.now() + SignedDuration::from_mins(2);
    let analysis =
        json!({"data_collection_results": {"callback_time": {"value": callback_at.to_string()}}}).to_string();
    // As the webhook applier leaves them: the call row ended (status, outcome, analysis), then the settle hook.
    t.app
        .store
        .with_tx(move |tx| -> StoreResult<()> {
            tx.execute(
                "UPDATE calls SET status = 'completed', outcome = 'answered', analysis = ?2, ended_at = ?3 WHERE id = ?1",
                rusqlite::params![first, analysis, to_db(at)],
            )?;
            tx.execute(
                "UPDATE calls SET status = 'busy', outcome = 'busy', ended_at = ?2 WHERE id = ?1",
                rusqlite::params![second, to_db(at)],
            )?;
            outcome::settle_after_webhook(tx, first, at)?;
            outcome::settle_after_webhook(tx, second, at)
        })
        .await?;
    let (state, reason) = wait_reason(&t, id, calls[0].contact_id).await?;
    assert_eq!(
        (state.as_str(), reason.as_str()),
        ("retry_wait", "callback_later")
    );
    let (state, reason) = wait_reason(&t, id, calls[1].contact_id).await?;
    assert_eq!(
        (state.as_str(), reason.as_str()),
        ("retry_wait", "retry_delay"),
        "the busy one waits its retry delay"
    );
    let why = rpc(&t, "campaign.why", json!({"id": id})).await?;
    assert_eq!(why["in_flight"], 0, "{why}");
    t.clock.set(callback_at);
    engine.step().await?;
    assert_eq!(fake.dialed()[2].contact_id, calls[0].contact_id);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headroom_and_the_provider_cap_hold_across_campaigns() -> TestResult {
    let t = TestApp::new()?;
    rpc(&t, "engine.settings.set", json!({"provider_caps": {"sim": 5}})).await?;
    let a = campaign(
        &t,
        json!({"name": "A", "max_concurrent": 4, "reserved_headroom": 1, "calls_per_second": 50}),
    )
    .await?;
    let b = campaign(
        &t,
        json!({"name": "B", "max_concurrent": 4, "reserved_headroom": 1, "calls_per_second": 50}),
    )
    .await?;
    let people = contacts(&t, 40).await?;
    enrol(&t, a, &people[..20]).await?;
    enrol(&t, b, &people[20..]).await?;
    rpc(&t, "campaign.start", json!({"id": a})).await?;
    rpc(&t, "campaign.start", json!({"id": b})).await?;
    let fake = Arc::new(FakeDialer::default());
    let mut engine = Engine::new(t.app.clone(), dialers(&fake));
    let mut ended = 0;
    for round in 0..30 {
        t.clock.advance(SignedDuration::from_secs(2));
        engine.step().await?;
        let dialed = fake.dialed();
        let in_flight = |campaign: i64| {
            dialed[ended..]
                .iter()
                .filter(|r| r.campaign_id == campaign)
                .count()
        };
        assert!(
            in_flight(a) <= 3 && in_flight(b) <= 3,
            "headroom broken in round {round}"
        );
        assert!(
            dialed.len() - ended <= 5,
            "provider cap broken in round {round}: {}",
            dialed.len() - ended
        );
        if round % 3 == 2 {
            end_all(&t, &fake, ended, Outcome::Answered).await?;
            ended = dialed.len();
        }
    }
    let why = rpc(&t, "campaign.why", json!({"id": a})).await?;
    assert_eq!(why["provider_cap"], 5);
    assert_eq!(why["reserved_headroom"], 1);
    assert!(fake.dialed().len() >= 20, "the campaigns did progress");
    Ok(())
}
