//! The live monitor through the real listener: the call board and a call's detail, and a supervisor's actions
//! reaching the provider's dialer (audited and on the timeline). The feeds (listen, attention, figures) are in
//! `live_feeds`.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use callboard_core::{
    clock::{Clock, to_db},
    engine::{CallRef, DialError, DialRequest, Dialed, Dialer, Engine, Reconciled, dialer::Capabilities},
    events::Event,
    live::recorder,
    store::StoreResult,
};
use callboard_testkit::{Served, TestApp};
use futures_util::future::BoxFuture;
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A provider that places every call and records what a supervisor asked of it; it can whisper, and
/// transfer only when told.
#[derive(Default)]
pub(crate) struct ControlDialer {
    actions: Mutex<Vec<String>>,
    can_transfer: bool,
}

impl ControlDialer {
    pub(crate) fn actions(&self) -> Vec<String> {
        self.actions.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
    fn log(&self, what: String) {
        self.actions.lock().unwrap_or_else(|p| p.into_inner()).push(what);
    }
}

impl Dialer for ControlDialer {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            hang_up: true,
            whisper: true,
            transfer: self.can_transfer,
        }
    }
    fn transfer(&self, call: CallRef, to: String) -> BoxFuture<'static, Result<(), DialError>> {
        if !self.can_transfer {
            return Box::pin(async {
                Err(DialError::Unsupported(
                    "this provider cannot transfer calls".into(),
                ))
            });
        }
        self.log(format!("transfer {} {to}", call.call_id));
        Box::pin(async { Ok(()) })
    }
    fn dial(&self, r: DialRequest) -> BoxFuture<'static, Result<Dialed, DialError>> {
        Box::pin(async move {
            Ok(Dialed {
                provider_call_id: format!("CA-{}", r.call_id),
            })
        })
    }
    fn hang_up(&self, call: CallRef) -> BoxFuture<'static, Result<(), DialError>> {
        self.log(format!(
            "hang_up {} {}",
            call.call_id,
            call.provider_call_id.unwrap_or_default()
        ));
        Box::pin(async { Ok(()) })
    }
    fn reconcile(&self, _call: CallRef) -> BoxFuture<'static, Result<Reconciled, DialError>> {
        Box::pin(async { Ok(Reconciled::NotFound) })
    }
    fn whisper(&self, call: CallRef, text: String) -> BoxFuture<'static, Result<(), DialError>> {
        self.log(format!("whisper {} {text}", call.call_id));
        Box::pin(async { Ok(()) })
    }
}

/// A served app with a running campaign on the `twilio` provider whose `n` contacts have been dialed (calls in
/// flight), the dialer registered for the API.
pub(crate) async fn with_calls(
    n: usize,
) -> Result<(Served, Arc<ControlDialer>, i64), Box<dyn std::error::Error>> {
    let s = TestApp::new()?.serve().await?;
    let (dialer, campaign_id) = dial_calls(&s, n, false).await?;
    Ok((s, dialer, campaign_id))
}

/// Adds a running `twilio` campaign with `n` contacts to a served app, dials them with a [`ControlDialer`]
/// (registered for the API too); returns the dialer and the campaign's id.
pub(crate) async fn dial_calls(
    s: &Served,
    n: usize,
    can_transfer: bool,
) -> Result<(Arc<ControlDialer>, i64), Box<dyn std::error::Error>> {
    let dialer = Arc::new(ControlDialer {
        can_transfer,
        ..Default::default()
    });
    let dialers: HashMap<String, Arc<dyn Dialer>> =
        HashMap::from([("twilio".to_owned(), dialer.clone() as Arc<dyn Dialer>)]);
    s.test.app.call_controls.set(dialers.clone());
    let now = to_db(s.test.clock.now());
    let campaign_id = s
        .test
        .app
        .store
        .with_tx(move |tx| -> StoreResult<i64> {
            tx.execute(
                "INSERT INTO agents(name, provider, created_at, updated_at) VALUES ('Ava', 'sim', ?1, ?1)",
                [&now],
            )?;
            let agent = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO campaigns(name, status, provider, agent_id, max_concurrent, calls_per_second, created_at, updated_at) \
                 VALUES ('Renewals', 'running', 'twilio', ?1, 50, 50, ?2, ?2)",
                rusqlite::params![agent, now],
            )?;
            let campaign = tx.last_insert_rowid();
            for i in 0..n {
                tx.execute(
                    "INSERT INTO contacts(phone_e164, name, variables, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                    rusqlite::params![format!("+1212555{i:04}"), format!("Contact {i}"), json!({"plan": "gold", "row": i}).to_string(), now],
                )?;
                tx.execute(
                    "INSERT INTO campaign_contacts(campaign_id, contact_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
                    rusqlite::params![campaign, tx.last_insert_rowid(), now],
                )?;
            }
            Ok(campaign)
        })
        .await?;
    let mut engine = Engine::new(s.test.app.clone(), dialers);
    let report = engine.step().await?;
    assert_eq!(report.dialed, n);
    // The providers' answers are recorded with the next step, or when the engine stops.
    engine.flush().await?;
    Ok((dialer, campaign_id))
}

pub(crate) async fn board(s: &Served, args: Value) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    let a = s.rpc("call.list", args).await?;
    assert_eq!(a.status, 200, "{}", a.body);
    Ok(a.body.as_array().cloned().unwrap_or_default())
}

#[tokio::test]
async fn the_board_lists_calls_in_flight_with_names_and_a_call_has_its_details() -> TestResult {
    let (s, _, campaign_id) = with_calls(3).await?;
    let calls = board(&s, json!({})).await?;
    assert_eq!(calls.len(), 3);
    let first = &calls[0];
    assert_eq!(first["status"], "dialing");
    assert_eq!(first["campaign_name"], "Renewals");
    assert_eq!(first["agent_name"], "Ava");
    assert!(
        first["contact_name"]
            .as_str()
            .is_some_and(|n| n.starts_with("Contact "))
    );
    assert!(
        first["provider_call_id"]
            .as_str()
            .is_some_and(|p| p.starts_with("CA-"))
    );
    assert_eq!(board(&s, json!({"campaign_id": campaign_id + 1})).await?.len(), 0);
    assert_eq!(board(&s, json!({"status": ["ringing"]})).await?.len(), 0);
    assert_eq!(
        board(&s, json!({"provider": "twilio", "limit": 2})).await?.len(),
        2
    );
    let id = first["id"].as_i64().unwrap_or_default();
    assert_eq!(board(&s, json!({"ids": [id]})).await?.len(), 1);

    // A live transcript line reaches the board's row and the call's transcript once recorded.
    recorder::record(
        &s.test.app,
        vec![Event::CallTranscript {
            call_id: id,
            role: "agent".into(),
            text: "Hello, is this a good time?".into(),
            at: to_db(s.test.clock.now()),
        }],
    )
    .await?;
    let d = s.rpc("call.get", json!({"id": id})).await?;
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(d.body["call"]["last_line"]["text"], "Hello, is this a good time?");
    assert_eq!(d.body["transcript"][0]["role"], "agent");
    assert_eq!(d.body["contact"]["variables"]["plan"], "gold");
    assert_eq!(
        d.body["capabilities"],
        json!({"hang_up": true, "whisper": true, "transfer": false})
    );
    assert_eq!(d.body["listenable"], false);
    let labels: Vec<&str> = d.body["timeline"]
        .as_array()
        .map(|t| t.iter().filter_map(|e| e["label"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(labels, ["Queued", "Dialing"]);

    let missing = s.rpc("call.get", json!({"id": 9999})).await?;
    assert_eq!((missing.status, missing.code()), (404, "not_found"));
    let bad = s.rpc("call.list", json!({"colour": "red"})).await?;
    assert_eq!(bad.code(), "bad_request");
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn end_call_and_whisper_reach_the_provider_and_are_audited_on_the_timeline() -> TestResult {
    let (s, dialer, _) = with_calls(2).await?;
    let mut events = s.test.app.events.subscribe();
    let id = board(&s, json!({})).await?[0]["id"].as_i64().unwrap_or_default();

    let w = s
        .rpc(
            "call.whisper",
            json!({"id": id, "text": "Offer the weekend slot"}),
        )
        .await?;
    assert_eq!(w.status, 200, "{}", w.body);
    let empty = s.rpc("call.whisper", json!({"id": id, "text": "  "})).await?;
    assert_eq!(empty.code(), "validation");
    // This provider cannot transfer: refused, and the refusal is audited too.
    let t = s
        .rpc("call.transfer", json!({"id": id, "to": "+15551234567"}))
        .await?;
    assert_eq!(t.code(), "conflict", "{}", t.body);
    let bad_number = s
        .rpc("call.transfer", json!({"id": id, "to": "0800 FLOWERS"}))
        .await?;
    assert_eq!(bad_number.code(), "validation");

    let h = s.rpc("call.hang_up", json!({"id": id})).await?;
    assert_eq!(h.status, 200, "{}", h.body);
    // Not answered yet: the attempt counts as cancelled.
    assert_eq!(h.body["status"], "cancelled");
    assert_eq!(
        dialer.actions(),
        [
            format!("whisper {id} Offer the weekend slot"),
            format!("hang_up {id} CA-{id}")
        ]
    );
    let again = s.rpc("call.hang_up", json!({"id": id})).await?;
    assert_eq!(again.code(), "conflict");

    let d = s.rpc("call.get", json!({"id": id})).await?.body;
    let actions: Vec<(String, String)> = d["audit"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["action"].as_str().unwrap_or("").to_owned(),
                        e["actor"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let ui = "ui".to_owned();
    assert_eq!(
        actions,
        [
            ("call.whisper".to_owned(), ui.clone()),
            ("call.transfer".to_owned(), ui.clone()),
            ("call.hang_up".to_owned(), ui)
        ]
    );
    let timeline: Vec<String> = d["timeline"]
        .as_array()
        .map(|t| {
            t.iter()
                .filter(|e| e["source"] == "action")
                .filter_map(|e| e["label"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        timeline,
        [
            "Whisper to the agent",
            "Transferred (failed)",
            "Ended by a supervisor"
        ]
    );
    assert!(d["call"]["ended_at"].is_string());

    // The UI heard about it.
    let mut saw_ended = false;
    while let Ok(Some(batch)) =
        tokio::time::timeout(std::time::Duration::from_secs(2), events.next_batch()).await
    {
        saw_ended |= batch
            .iter()
            .any(|e| matches!(e, Event::CallChanged { call } if call.id == id && call.status == "cancelled"));
        if saw_ended {
            break;
        }
    }
    assert!(saw_ended, "no call_changed for the ended call");
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn an_action_on_a_provider_without_a_dialer_is_refused() -> TestResult {
    let (s, _, _) = with_calls(1).await?;
    s.test.app.call_controls.set(HashMap::new());
    let id = board(&s, json!({})).await?[0]["id"].as_i64().unwrap_or_default();
    let h = s.rpc("call.hang_up", json!({"id": id})).await?;
    assert_eq!(h.code(), "conflict");
    assert!(
        h.body["message"].as_str().unwrap_or("").contains("'twilio'"),
        "{}",
        h.body
    );
    let d = s.rpc("call.get", json!({"id": id})).await?.body;
    assert_eq!(
        d["capabilities"],
        json!({"hang_up": false, "whisper": false, "transfer": false})
    );
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn a_transferred_call_stays_transferred_when_the_carrier_ends_the_agents_leg() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let (_dialer, _) = dial_calls(&s, 1, true).await?;
    let id = board(&s, json!({})).await?[0]["id"].as_i64().unwrap_or_default();
    let t = s
        .rpc("call.transfer", json!({"id": id, "to": "+15551234567"}))
        .await?;
    assert_eq!(t.body["status"], "transferred", "{}", t.body);
    // The carrier then reports the agent's leg over, as Twilio does once the call is bridged away.
    let form = format!(
        "CallSid=CA-{id}&CallStatus=completed&AccountSid=AC0123456789abcdef0123456789abcdef&Direction=outbound-api&CallDuration=37&SequenceNumber=3"
    );
    let a = s
        .post_twilio("status", &form, callboard_testkit::TWILIO_TOKEN)
        .await?;
    assert_eq!(a.status, 200, "{:?}", a.body);
    s.test.app.webhooks.settle().await;
    let d = s.rpc("call.get", json!({"id": id})).await?.body;
    assert_eq!(d["call"]["status"], "transferred", "{}", d["call"]);
    assert_eq!(d["call"]["disposition"], "transferred");
    // The drawer's timeline says what the carrier reported, in words.
    let reported: Vec<(String, String)> = d["timeline"]
        .as_array()
        .map(|t| {
            t.iter()
                .filter(|e| e["source"] == "provider")
                .map(|e| {
                    (
                        e["label"].as_str().unwrap_or("").to_owned(),
                        e["detail"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        reported,
        [("Twilio call status".to_owned(), "completed".to_owned())],
        "{}",
        d["timeline"]
    );
    s.stop().await;
    Ok(())
}
