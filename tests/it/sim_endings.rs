//! Where webhooks meet the engine: a carrier's terminal status for a call the engine dialed moves its
//! contact on exactly once (the campaign can complete), and a late progress event never revives a call that
//! has ended.

use std::{collections::HashMap, sync::Arc};

use callboard_core::{
    api::{self, Actor, RpcRequest},
    clock::{Clock, to_db},
    engine::{Dialer, Engine},
    store::{StoreResult, call_refs},
};
use callboard_testkit::{FakeDialer, TWILIO_TOKEN, TestApp};
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

#[tokio::test]
async fn a_terminal_webhook_moves_the_contact_on_and_a_late_one_changes_nothing() -> TestResult {
    let t = TestApp::new()?;
    let campaign = rpc(
        &t,
        "campaign.create",
        json!({"name": "Webhook endings", "provider": "sim", "hours_preset": "always",
               "retry_policy": {"max_attempts": 1}}),
    )
    .await?;
    let id = campaign["id"].as_i64().unwrap_or_default();
    let now = to_db(t.clock.now());
    t.app
        .store
        .with_tx(move |tx| -> StoreResult<()> {
            tx.execute(
                "INSERT INTO contacts(phone_e164, name, created_at, updated_at) VALUES ('+12125550101', 'Ana', ?1, ?1)",
                [&now],
            )?;
            tx.execute(
                "INSERT INTO campaign_contacts(campaign_id, contact_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
                rusqlite::params![id, tx.last_insert_rowid(), now],
            )?;
            Ok(())
        })
        .await?;
    rpc(&t, "campaign.start", json!({"id": id})).await?;
    let fake = Arc::new(FakeDialer::default());
    let mut engine = Engine::new(
        t.app.clone(),
        HashMap::from([("sim".to_owned(), fake.clone() as Arc<dyn Dialer>)]),
    );
    engine.step().await?;
    let dialed = fake.dialed();
    assert_eq!(dialed.len(), 1);
    let call_id = dialed[0].call_id;
    // What a dialer records from the provider's answer.
    let now = to_db(t.clock.now());
    t.app
        .store
        .with_tx(move |tx| call_refs::add(tx, call_id, "call_sid", "CAend0001", &now))
        .await?;
    let s = t.serve().await?;
    let state = |s: &callboard_testkit::Served| {
        let store = s.test.app.store.clone();
        async move {
            store
                .read(move |c| {
                    Ok(c.query_row(
                        "SELECT k.status, IFNULL(k.outcome, ''), cc.state, IFNULL(cc.last_outcome, '')
                         FROM calls k JOIN campaign_contacts cc ON cc.last_call_id = k.id WHERE k.id = ?1",
                        [call_id],
                        |r| {
                            Ok((
                                r.get::<_, String>(0)?,
                                r.get::<_, String>(1)?,
                                r.get::<_, String>(2)?,
                                r.get::<_, String>(3)?,
                            ))
                        },
                    )?)
                })
                .await
        }
    };
    let post = async |status: &str, seq: u32| -> TestResult {
        let form = format!("CallSid=CAend0001&CallStatus={status}&SequenceNumber={seq}&AccountSid=AC1");
        let a = s.post_twilio("status", &form, TWILIO_TOKEN).await?;
        assert_eq!(a.status, 200, "{:?}", a.body);
        s.test.app.webhooks.settle().await;
        Ok(())
    };

    post("initiated", 0).await?;
    post("in-progress", 2).await?;
    let (status, _, contact, _) = state(&s).await?;
    assert_eq!((status.as_str(), contact.as_str()), ("in_progress", "dialing"));
    assert_eq!(engine.step().await?.dialed, 0, "the call still holds its line");

    post("busy", 3).await?;
    let after_end = state(&s).await?;
    assert_eq!(
        after_end,
        ("busy".into(), "busy".into(), "done".into(), "busy".into())
    );

    // Late and repeated: the ringing callback arrives last, the busy one again.
    post("ringing", 1).await?;
    post("busy", 3).await?;
    assert_eq!(state(&s).await?, after_end);
    let report = engine.step().await?;
    assert_eq!(
        report.completed,
        vec![id],
        "the list is exhausted once the webhook ended the call"
    );
    s.stop().await;
    Ok(())
}
