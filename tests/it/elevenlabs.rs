//! The ElevenLabs provider against a local mock (see `elevenlabs_mock`): every REST call and its request
//! shape, pagination, errors and retry timing under a manual clock, an engine-paced call whose webhook never
//! came (reconciled by polling), a batch campaign from submit to completed with webhooks through the real
//! listener, a lost submit reply that is found instead of resubmitted, and webhook registration with the
//! auto-disabled alert and re-enable.

use std::{sync::Arc, time::Duration};

use callboard_core::{
    api::{self, Actor, RpcRequest},
    clock::{Clock, to_db},
    engine::{DialError, Engine},
    events::Event,
    providers::{
        self,
        elevenlabs::{
            ElevenLabs, ElevenLabsConfig, ElevenLabsError, MemorySecretSink, batch,
            reconcile::Reconciler,
            retry::{Backoff, RecordingSleeper},
            types::{BatchSubmit, ClientData, OutboundCall, Recipient, WebhookUpdate},
        },
    },
    secret::Secret,
    store::{StoreResult, call_refs, calls},
};
use callboard_testkit::{PUBLIC_BASE_URL, Served, TestApp};
use jiff::SignedDuration;
use serde_json::{Value, json};

use crate::elevenlabs_mock::{KEY, Mock, fixture};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const AGENT: &str = "agent_01k2x7m9q3fz8b6c4n5t0w1r2y";
const PHONE_ID: &str = "phnum_01k2x5tw1l1o0example0001";

struct Rig {
    served: Served,
    mock: Mock,
    el: Arc<ElevenLabs>,
    sleeper: RecordingSleeper,
    sink: Arc<MemorySecretSink>,
}

async fn rig() -> Result<Rig, Box<dyn std::error::Error>> {
    let mock = Mock::default();
    let base = mock.start().await?;
    let t = TestApp::new()?;
    let sleeper = RecordingSleeper {
        clock: Some(t.clock.clone()),
        ..Default::default()
    };
    let sink = Arc::new(MemorySecretSink::default());
    let config = ElevenLabsConfig {
        api_key: Some(Secret::new(KEY)),
        base_url: base,
        ..Default::default()
    };
    let el = Arc::new(ElevenLabs::with_sleeper(
        config,
        Arc::new(t.clock.clone()),
        sink.clone(),
        Arc::new(sleeper.clone()),
        Backoff::new(4, Duration::from_millis(500), Duration::from_secs(20), 7),
    ));
    let _ = t.app.elevenlabs.set(el.clone());
    let served = t.serve().await?;
    Ok(Rig {
        served,
        mock,
        el,
        sleeper,
        sink,
    })
}

async fn rpc(r: &Rig, cmd: &str, args: Value) -> Result<Value, api::ApiError> {
    api::dispatch(
        &r.served.test.app,
        Actor::System,
        RpcRequest {
            cmd: cmd.into(),
            args,
        },
    )
    .await
}

/// A campaign on `provider` with its ElevenLabs setup and contacts (phone, zone, on DNC); returns its id.
async fn campaign(
    r: &Rig,
    provider: &str,
    hours: &str,
    contacts: &[(&str, &str, bool)],
    recording: bool,
) -> Result<i64, Box<dyn std::error::Error>> {
    let name = format!("EL {provider} {}", contacts.first().map_or("", |c| c.0));
    let c = rpc(
        r,
        "campaign.create",
        json!({"name": name, "provider": provider,
        "hours_preset": hours, "time_zone": "America/New_York"}),
    )
    .await?;
    let id = c["id"].as_i64().unwrap_or_default();
    rpc(
        r,
        "elevenlabs.campaign.set",
        json!({"campaign_id": id, "agent_id": AGENT, "phone_number_id": PHONE_ID,
        "recording": recording, "ringing_timeout_secs": 30, "batch_size": 50}),
    )
    .await?;
    let now = to_db(r.served.test.clock.now());
    let list: Vec<(String, String, bool)> = contacts
        .iter()
        .map(|(p, z, d)| ((*p).into(), (*z).into(), *d))
        .collect();
    r.served
        .test
        .app
        .store
        .with_tx(move |tx| -> StoreResult<()> {
            for (i, (phone, zone, dnc)) in list.iter().enumerate() {
                tx.execute(
                    "INSERT INTO contacts(phone_e164, name, time_zone, variables, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                    rusqlite::params![phone, format!("Contact {i}"), zone,
                        json!({"customer_name": format!("Contact {i}"), "policy": {"n": i}}).to_string(), now],
                )?;
                tx.execute(
                    "INSERT INTO campaign_contacts(campaign_id, contact_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
                    rusqlite::params![id, tx.last_insert_rowid(), now],
                )?;
                if *dnc {
                    tx.execute("INSERT INTO dnc_entries(phone_e164, created_at) VALUES (?1, ?2)", rusqlite::params![phone, now])?;
                }
            }
            Ok(())
        })
        .await?;
    rpc(r, "campaign.start", json!({"id": id})).await?;
    Ok(id)
}

async fn contact_states(r: &Rig, campaign_id: i64) -> StoreResult<Vec<(String, String, Option<String>)>> {
    r.served
        .test
        .app
        .store
        .read(move |c| {
            let mut s = c.prepare(
                "SELECT k.phone_e164, cc.state, cc.last_outcome FROM campaign_contacts cc JOIN contacts k ON k.id = cc.contact_id
                 WHERE cc.campaign_id = ?1 ORDER BY k.phone_e164",
            )?;
            let rows = s.query_map([campaign_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<_, _>>()?;
            Ok(rows)
        })
        .await
}

async fn campaign_status(r: &Rig, id: i64) -> Result<String, api::ApiError> {
    Ok(rpc(r, "campaign.get", json!({"id": id})).await?["status"]
        .as_str()
        .unwrap_or("")
        .to_owned())
}

#[tokio::test]
async fn every_endpoint_sends_the_documented_request_and_reads_the_answer() -> TestResult {
    let r = rig().await?;
    let c = &r.el.client;
    let submit: BatchSubmit = BatchSubmit {
        call_name: "January renewals - wave 1".into(),
        agent_id: AGENT.into(),
        agent_phone_number_id: PHONE_ID.into(),
        scheduled_time_unix: Some(1_767_268_800),
        timezone: Some("America/Los_Angeles".into()),
        recipients: vec![Recipient {
            id: Some("crm-lead-8812".into()),
            phone_number: "+14155550123".into(),
            conversation_initiation_client_data: ClientData::default(),
        }],
        telephony_call_config: None,
        target_concurrency_limit: Some(5),
    };
    let b = c.submit_batch(&submit).await?;
    assert_eq!(b.total_calls_scheduled, Some(1));
    let sent = &r.mock.seen("POST", "/v1/convai/batch-calling/submit")[0].body;
    let want = fixture("batch_submit_request.json");
    for k in [
        "call_name",
        "agent_id",
        "agent_phone_number_id",
        "scheduled_time_unix",
        "timezone",
        "target_concurrency_limit",
    ] {
        assert_eq!(sent[k], want[k], "{k}");
    }
    assert_eq!(sent["recipients"][0]["id"], "crm-lead-8812");
    let second = c
        .submit_batch(&BatchSubmit {
            call_name: "second".into(),
            ..submit.clone()
        })
        .await?;
    // Pagination: pages of one, followed through next_doc.
    let all = c.list_all_batches(Some(AGENT)).await?;
    assert_eq!(
        all.iter().map(|b| b.id.as_str()).collect::<Vec<_>>(),
        vec![second.id.as_str(), b.id.as_str()]
    );
    let pages = r.mock.seen("GET", "/v1/convai/batch-calling/workspace");
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[1].query.get("last_doc"), Some(&second.id));
    assert_eq!(pages[0].query.get("agent_id").map(String::as_str), Some(AGENT));
    let got = c.get_batch(&b.id).await?;
    assert_eq!(got.recipients.len(), 1);
    assert_eq!(c.retry_batch(&b.id).await?.retry_count, Some(1));
    assert_eq!(
        c.cancel_batch(&b.id).await?.status,
        Some(providers::elevenlabs::types::BatchStatus::Cancelled)
    );
    assert!(c.export_batch(&b.id).await?.starts_with("phone_number,status"));

    let call = OutboundCall {
        agent_id: AGENT.into(),
        agent_phone_number_id: PHONE_ID.into(),
        to_number: "+14155550123".into(),
        conversation_initiation_client_data: ClientData {
            user_id: Some("u1".into()),
            ..Default::default()
        },
        call_recording_enabled: Some(true),
        telephony_call_config: None,
    };
    let tw = c.twilio_outbound_call(&call).await?;
    assert!(tw.success && tw.call_sid.is_some_and(|s| s.starts_with("CA")));
    let sip = c.sip_outbound_call(&call).await?;
    assert!(sip.sip_call_id.is_some());
    let sip_body = &r.mock.seen("POST", "/v1/convai/sip-trunk/outbound-call")[0].body;
    assert!(
        sip_body.get("call_recording_enabled").is_none(),
        "the SIP endpoint has no recording flag"
    );
    let conv_id = tw.conversation_id.unwrap_or_default();
    let conv = c.get_conversation(&conv_id).await?;
    assert_eq!(conv["conversation_id"], conv_id.as_str());
    assert!(c.get_conversation_audio(&conv_id).await?.starts_with(b"ID3"));
    let page = c
        .list_conversations(Some(AGENT), Some(1_767_268_000), None, 30)
        .await?;
    assert_eq!(page.conversations.len(), 2);
    let q = &r.mock.seen("GET", "/v1/convai/conversations")[0].query;
    assert_eq!(
        (
            q.get("page_size").map(String::as_str),
            q.get("call_start_after_unix").map(String::as_str)
        ),
        (Some("30"), Some("1767268000"))
    );
    assert!(c.get_signed_url(AGENT).await?.signed_url.starts_with("wss://"));
    let agents = c.list_agents().await?;
    assert_eq!(
        agents.iter().map(|a| a.agent_id.as_str()).collect::<Vec<_>>(),
        vec![AGENT, "agent_b"]
    );
    assert!(agents[0].extra.contains_key("tags"), "unknown fields are kept");
    let numbers = c.list_phone_numbers().await?;
    assert_eq!(numbers[1].provider.as_deref(), Some("sip_trunk"));
    let w = c
        .create_webhook("Callboard", "https://x.example/webhooks/elevenlabs")
        .await?;
    assert_eq!(
        r.mock.seen("POST", "/v1/workspace/webhooks")[0].body,
        json!({"settings":
        {"auth_type": "hmac", "name": "Callboard", "webhook_url": "https://x.example/webhooks/elevenlabs"}})
    );
    assert_eq!(c.list_webhooks().await?.len(), 1);
    c.update_webhook(
        &w.webhook_id,
        &WebhookUpdate {
            is_disabled: true,
            name: "Callboard".into(),
            retry_enabled: None,
        },
    )
    .await?;
    assert!(c.list_webhooks().await?[0].is_disabled);
    // Every request carried the key; none was retried.
    assert!(r.sleeper.delays().is_empty());
    r.served.stop().await;
    Ok(())
}

#[tokio::test]
async fn errors_are_clear_and_retries_wait_as_told() -> TestResult {
    let r = rig().await?;
    let c = &r.el.client;
    let path = "/v1/convai/batch-calling/btcal_x";
    r.mock
        .script("GET", path, 429, Some("3"), json!({"detail": "slow down"}));
    r.mock.script("GET", path, 500, None, json!({"detail": "oops"}));
    r.mock.script("GET", path, 503, None, json!({"detail": "oops"}));
    let before = r.served.test.clock.now();
    // The fourth try reaches the real route: a 404 for an unknown batch.
    let e = c.get_batch("btcal_x").await.err();
    assert!(matches!(e, Some(ElevenLabsError::NotFound { .. })), "{e:?}");
    let d = r.sleeper.delays();
    assert_eq!(d.len(), 3);
    assert_eq!(d[0], Duration::from_secs(3), "Retry-After wins");
    assert!(
        d[1] >= Duration::from_millis(500) && d[1] <= Duration::from_millis(1000),
        "{:?}",
        d[1]
    );
    assert!(
        d[2] >= Duration::from_millis(1000) && d[2] <= Duration::from_millis(2000),
        "{:?}",
        d[2]
    );
    // The waits went through the (manual) clock.
    assert_eq!(
        r.served.test.clock.now() - before,
        SignedDuration::try_from(d.iter().sum::<Duration>())?
    );

    // Giving up after four 500s.
    for _ in 0..4 {
        r.mock.script(
            "GET",
            "/v1/convai/phone-numbers",
            500,
            None,
            json!({"detail": "down"}),
        );
    }
    let e = c.list_phone_numbers().await.err();
    assert!(
        matches!(
            e,
            Some(ElevenLabsError::Server {
                status: 500,
                attempts: 4,
                ..
            })
        ),
        "{e:?}"
    );

    // 422: the field from FastAPI's detail.
    let mut call = OutboundCall {
        agent_id: AGENT.into(),
        agent_phone_number_id: PHONE_ID.into(),
        to_number: "+14155550123".into(),
        conversation_initiation_client_data: ClientData::default(),
        call_recording_enabled: None,
        telephony_call_config: None,
    };
    r.mock.script(
        "POST",
        "/v1/convai/twilio/outbound-call",
        422,
        None,
        fixture("validation_error_422.json"),
    );
    let e = c.twilio_outbound_call(&call).await.err();
    assert_eq!(
        e.as_ref().map(ToString::to_string).unwrap_or_default(),
        "ElevenLabs rejected the request: agent_phone_number_id: Field required"
    );
    assert!(matches!(e.map(DialError::from), Some(DialError::Rejected(_))));

    // A call that may have been placed is never repeated on a 500; a 429 (not processed) is.
    let n = r.sleeper.delays().len();
    r.mock.script(
        "POST",
        "/v1/convai/twilio/outbound-call",
        500,
        None,
        json!({"detail": "boom"}),
    );
    let e = c.twilio_outbound_call(&call).await.err();
    assert!(
        matches!(e.clone().map(DialError::from), Some(DialError::Unavailable(_))),
        "{e:?}"
    );
    assert_eq!(r.sleeper.delays().len(), n, "no retry after a 500 on a call");
    r.mock.script(
        "POST",
        "/v1/convai/twilio/outbound-call",
        429,
        Some("1"),
        json!({}),
    );
    call.to_number = "+14155550124".into();
    assert!(c.twilio_outbound_call(&call).await?.success);
    assert_eq!(r.sleeper.delays().last(), Some(&Duration::from_secs(1)));

    // A bad key.
    let bad = ElevenLabs::with_sleeper(
        ElevenLabsConfig {
            api_key: Some(Secret::new("wrong")),
            base_url: c.config().base_url.clone(),
            ..Default::default()
        },
        Arc::new(r.served.test.clock.clone()),
        Arc::new(MemorySecretSink::default()),
        Arc::new(RecordingSleeper::default()),
        Backoff::default(),
    );
    let e = bad.client.list_agents().await.err();
    assert!(
        matches!(&e, Some(ElevenLabsError::BadKey { status: 401, message }) if message == "Invalid API key"),
        "{e:?}"
    );
    // Through the API: a stable code and the sentence.
    r.mock.script(
        "GET",
        "/v1/convai/agents",
        422,
        None,
        json!({"detail": [{"loc": ["query", "page_size"], "msg": "too big"}]}),
    );
    let e = rpc(&r, "elevenlabs.agents", json!({})).await.err();
    assert_eq!(
        e.map(|e| (e.code, e.message)),
        Some((
            api::ErrorCode::Validation,
            "ElevenLabs rejected the request: query.page_size: too big".to_owned()
        ))
    );
    r.served.stop().await;
    Ok(())
}

#[tokio::test]
async fn an_engine_paced_call_whose_webhook_never_came_is_reconciled() -> TestResult {
    let r = rig().await?;
    let app = r.served.test.app.clone();
    let id = campaign(
        &r,
        "elevenlabs",
        "always",
        &[
            ("+14155550123", "America/New_York", false),
            ("+14155550199", "America/New_York", true),
        ],
        true,
    )
    .await?;
    let mut engine = Engine::new(app.clone(), providers::dialers(&app, 1.0));
    let report = engine.step().await?;
    assert_eq!(report.dialed, 1);
    let sent = r.mock.seen("POST", "/v1/convai/twilio/outbound-call");
    assert_eq!(sent.len(), 1);
    let body = &sent[0].body;
    assert_eq!(body["to_number"], "+14155550123");
    assert_eq!(body["agent_phone_number_id"], PHONE_ID);
    assert_eq!(body["call_recording_enabled"], true);
    assert_eq!(body["telephony_call_config"]["ringing_timeout_secs"], 30);
    let vars = &body["conversation_initiation_client_data"]["dynamic_variables"];
    assert_eq!(vars["customer_name"], "Contact 0");
    assert_eq!(vars["policy"], r#"{"n":0}"#, "objects are sent as JSON text");
    // The ids are stored for the webhooks.
    let call = app.store.read(calls::list).await?.remove(0);
    let refs = app.store.read(move |c| call_refs::of_call(c, call.id)).await?;
    assert!(
        refs.iter()
            .any(|(k, v)| k == "conversation_id" && v == "conv_mock_1"),
        "{refs:?}"
    );
    assert!(refs.iter().any(|(k, v)| k == "call_sid" && v == "CAconv_mock_1"));

    // No webhook. Before the delay nothing is asked; after it, the conversation is still going.
    let mut rec = Reconciler::default();
    assert_eq!(rec.step(&app, &r.el).await?.checked, 0);
    r.served.test.clock.advance(SignedDuration::from_mins(11));
    assert_eq!(rec.step(&app, &r.el).await?.checked, 1);
    assert!(
        r.mock
            .seen("GET", "/v1/convai/conversations/conv_mock_1/audio")
            .is_empty()
    );
    // It ends; the next pass after the re-check delay completes the call from GET conversation.
    if let Some(c) = r.mock.lock().conversations.get_mut("conv_mock_1") {
        c["status"] = json!("done");
    }
    r.served.test.clock.advance(SignedDuration::from_mins(6));
    let rep = rec.step(&app, &r.el).await?;
    assert_eq!(rep.ended, 1);
    assert_eq!(
        r.mock
            .seen("GET", "/v1/convai/conversations/conv_mock_1/audio")
            .len(),
        1,
        "recording fetched"
    );
    app.webhooks.settle().await;
    let call = app.store.read(move |c| calls::get(c, call.id)).await?;
    assert_eq!(
        (call.status.as_str(), call.outcome.as_deref()),
        ("completed", Some("answered"))
    );
    assert!(call.summary.is_some_and(|s| s.contains("PL-204-8812")));
    assert!(call.recording_path.is_some_and(|p| p.ends_with(".mp3")));
    rec.step(&app, &r.el).await?;
    assert_eq!(
        contact_states(&r, id).await?[0],
        ("+14155550123".into(), "done".into(), Some("answered".into()))
    );
    // A late real webhook is a duplicate, and the campaign completes.
    let mut late: Value = serde_json::from_str(include_str!(
        "../fixtures/elevenlabs/webhooks/post_call_transcription.json"
    ))?;
    late["data"]["conversation_id"] = json!("conv_mock_1");
    let answer = r
        .served
        .post_elevenlabs(late.to_string().as_bytes(), None)
        .await?;
    assert_eq!(answer.status, 200);
    engine.step().await?;
    assert_eq!(campaign_status(&r, id).await?, "completed");
    r.served.stop().await;
    Ok(())
}

fn transcription_for(
    conversation: &str,
    phone: &str,
    result: &str,
    batch: Option<(&str, &str)>,
) -> Result<Vec<u8>, serde_json::Error> {
    let mut v: Value = serde_json::from_str(include_str!(
        "../fixtures/elevenlabs/webhooks/post_call_transcription.json"
    ))?;
    v["data"]["conversation_id"] = json!(conversation);
    v["data"]["metadata"]["phone_call"]["external_number"] = json!(phone);
    v["data"]["metadata"]["phone_call"]["call_result"] = json!(result);
    v["data"]["metadata"]["phone_call"]["call_sid"] = json!(format!("CA-{conversation}"));
    v["data"]["metadata"]["batch_call"] = match batch {
        Some((b, rec)) => json!({"batch_call_id": b, "batch_call_recipient_id": rec}),
        None => Value::Null,
    };
    serde_json::to_vec(&v)
}

/// Sets recipient `i` of mock batch `n` (1-based) to `status` with a conversation id.
fn progress(mock: &Mock, n: usize, i: usize, status: &str, conversation: Option<&str>) {
    let mut st = mock.lock();
    if let Some(b) = st.batches.get_mut(n - 1) {
        b["status"] = json!("in_progress");
        b["recipients"][i]["status"] = json!(status);
        if let Some(c) = conversation {
            b["recipients"][i]["conversation_id"] = json!(c);
        }
    }
}

#[tokio::test]
async fn a_batch_campaign_runs_from_submit_to_completed() -> TestResult {
    let r = rig().await?;
    let app = r.served.test.app.clone();
    // At the test start (12:00Z on 2026-03-08) New York is inside the US window and Los Angeles is not.
    let id = campaign(
        &r,
        "elevenlabs-batch",
        "us",
        &[
            ("+12125550001", "America/New_York", false),
            ("+12125550002", "America/New_York", false),
            ("+12125550003", "America/New_York", true),
            ("+13105550004", "America/Los_Angeles", false),
        ],
        false,
    )
    .await?;
    // The engine has no dialer for batch mode and leaves the campaign alone.
    let mut engine = Engine::new(app.clone(), providers::dialers(&app, 1.0));
    assert_eq!(engine.step().await?.dialed, 0);

    let rep = batch::step(&app, &r.el).await?;
    assert_eq!(
        (rep.submitted.len(), rep.suppressed, rep.deferred),
        (1, 1, 1),
        "{rep:?}"
    );
    let submit = &r.mock.seen("POST", "/v1/convai/batch-calling/submit")[0].body;
    let phones: Vec<&str> = submit["recipients"]
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["phone_number"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        phones,
        vec!["+12125550001", "+12125550002"],
        "DNC excluded, out-of-window held"
    );
    assert_eq!(submit["agent_id"], AGENT);
    assert_eq!(
        submit["recipients"][0]["conversation_initiation_client_data"]["dynamic_variables"]["customer_name"],
        "Contact 0"
    );
    let view = rpc(&r, "elevenlabs.campaign.get", json!({"campaign_id": id})).await?;
    assert_eq!(view["batches"][0]["status"], "pending");
    assert_eq!(view["batches"][0]["batch_id"], "btcal_mock_1");

    // Running: both dispatched, one talking.
    progress(&r.mock, 1, 0, "in_progress", Some("conv_b1"));
    progress(&r.mock, 1, 1, "initiated", Some("conv_b2"));
    batch::step(&app, &r.el).await?;
    let all = app.store.read(calls::list).await?;
    assert_eq!(
        all.iter().map(|c| c.status.as_str()).collect::<Vec<_>>(),
        vec!["in_progress", "dialing"]
    );
    assert_eq!(all[0].conversation_id.as_deref(), Some("conv_b1"));
    // Webhooks through the real listener: one answered, one not answered (an initiation failure).
    let a = r
        .served
        .post_elevenlabs(
            &transcription_for(
                "conv_b1",
                "+12125550001",
                "answered",
                Some(("btcal_mock_1", "btrec_mock_1_0")),
            )?,
            None,
        )
        .await?;
    assert_eq!(a.status, 200);
    let mut fail: Value = serde_json::from_str(include_str!(
        "../fixtures/elevenlabs/webhooks/call_initiation_failure_twilio.json"
    ))?;
    fail["data"]["conversation_id"] = json!("conv_b2");
    fail["data"]["failure_reason"] = json!("no-answer");
    assert_eq!(
        r.served
            .post_elevenlabs(fail.to_string().as_bytes(), None)
            .await?
            .status,
        200
    );
    app.webhooks.settle().await;
    progress(&r.mock, 1, 0, "completed", None);
    progress(&r.mock, 1, 1, "failed", None);
    r.mock.lock().batches[0]["status"] = json!("completed");
    batch::step(&app, &r.el).await?;
    Reconciler::default().step(&app, &r.el).await?;
    let states = contact_states(&r, id).await?;
    assert_eq!(
        states[0],
        ("+12125550001".into(), "done".into(), Some("answered".into()))
    );
    assert_eq!(
        (states[1].1.as_str(), states[1].2.as_deref()),
        ("retry_wait", Some("no_answer"))
    );
    assert_eq!(states[2].1, "suppressed");
    assert_eq!(states[3].1, "pending", "held for a later wave");
    assert_eq!(campaign_status(&r, id).await?, "running");
    // "Retry failed + no-response": due now instead of in two hours.
    let requeued = rpc(&r, "elevenlabs.batch.retry", json!({"campaign_id": id})).await?;
    assert_eq!(requeued["contacts"], 1);
    assert_eq!(contact_states(&r, id).await?[1].1, "pending");

    // Three hours on: Los Angeles has opened; both go in wave 2.
    r.served.test.clock.advance(SignedDuration::from_hours(3));
    let rep = batch::step(&app, &r.el).await?;
    assert_eq!(rep.submitted.len(), 1, "{rep:?}");
    let wave2 = &r.mock.seen("POST", "/v1/convai/batch-calling/submit")[1].body;
    assert_eq!(wave2["recipients"].as_array().map(Vec::len), Some(2));
    assert!(wave2["call_name"].as_str().is_some_and(|n| n.contains("wave 2")));
    for i in 0..2 {
        let phone = wave2["recipients"][i]["phone_number"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        let conv = format!("conv_w2_{i}");
        progress(&r.mock, 2, i, "completed", Some(&conv));
        r.served
            .post_elevenlabs(&transcription_for(&conv, &phone, "voicemail", None)?, None)
            .await?;
    }
    r.mock.lock().batches[1]["status"] = json!("completed");
    app.webhooks.settle().await;
    batch::step(&app, &r.el).await?;
    Reconciler::default().step(&app, &r.el).await?;
    let states = contact_states(&r, id).await?;
    assert_eq!(
        states[3],
        (
            "+13105550004".into(),
            "retry_wait".into(),
            Some("voicemail".into())
        )
    );
    // The voicemail retries (4 h later) go in wave 3 and are answered.
    r.served.test.clock.advance(SignedDuration::from_hours(5));
    batch::step(&app, &r.el).await?;
    let wave3 = r.mock.seen("POST", "/v1/convai/batch-calling/submit")[2]
        .body
        .clone();
    for (i, rcp) in wave3["recipients"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let conv = format!("conv_w3_{i}");
        progress(&r.mock, 3, i, "completed", Some(&conv));
        r.served
            .post_elevenlabs(
                &transcription_for(
                    &conv,
                    rcp["phone_number"].as_str().unwrap_or(""),
                    "answered",
                    None,
                )?,
                None,
            )
            .await?;
    }
    r.mock.lock().batches[2]["status"] = json!("completed");
    app.webhooks.settle().await;
    batch::step(&app, &r.el).await?;
    Reconciler::default().step(&app, &r.el).await?;
    let rep = batch::step(&app, &r.el).await?;
    assert_eq!(
        rep.completed,
        vec![id],
        "{rep:?} {:?}",
        contact_states(&r, id).await?
    );
    assert_eq!(campaign_status(&r, id).await?, "completed");
    r.served.stop().await;
    Ok(())
}

#[tokio::test]
async fn a_lost_submit_reply_is_found_not_resubmitted_and_cancel_reaches_elevenlabs() -> TestResult {
    let r = rig().await?;
    let app = r.served.test.app.clone();
    let id = campaign(
        &r,
        "elevenlabs-batch",
        "always",
        &[("+12125550001", "America/New_York", false)],
        false,
    )
    .await?;
    r.mock.lock().submit_despite_error = true;
    r.mock.script(
        "POST",
        "/v1/convai/batch-calling/submit",
        502,
        None,
        json!({"detail": "bad gateway"}),
    );
    let rep = batch::step(&app, &r.el).await?;
    assert_eq!(rep.errors.len(), 1);
    assert_eq!(
        r.mock.lock().batches.len(),
        1,
        "ElevenLabs made the batch despite the 502"
    );
    // Next pass: found by name in the list, adopted; no second submit.
    batch::step(&app, &r.el).await?;
    assert_eq!(r.mock.seen("POST", "/v1/convai/batch-calling/submit").len(), 1);
    assert!(
        !r.mock
            .seen("GET", "/v1/convai/batch-calling/workspace")
            .is_empty()
    );
    let view = rpc(&r, "elevenlabs.campaign.get", json!({"campaign_id": id})).await?;
    assert_eq!(view["batches"][0]["batch_id"], "btcal_mock_1");
    // Cancelling the campaign cancels the batch at ElevenLabs and ends the call.
    rpc(&r, "campaign.cancel", json!({"id": id})).await?;
    batch::step(&app, &r.el).await?;
    assert_eq!(
        r.mock
            .seen("POST", "/v1/convai/batch-calling/btcal_mock_1/cancel")
            .len(),
        1
    );
    let all = app.store.read(calls::list).await?;
    assert_eq!(all[0].status, "cancelled");
    // A rejected batch (422) pauses the campaign with the field named, and its contact is not charged an attempt.
    let id2 = campaign(
        &r,
        "elevenlabs-batch",
        "always",
        &[("+12125550009", "America/New_York", false)],
        false,
    )
    .await?;
    r.mock.script(
        "POST",
        "/v1/convai/batch-calling/submit",
        422,
        None,
        json!({"detail": [{"loc": ["body", "recipients", 0, "phone_number"], "msg": "invalid"}]}),
    );
    batch::step(&app, &r.el).await?;
    let c = rpc(&r, "campaign.get", json!({"id": id2})).await?;
    assert_eq!(c["status"], "paused");
    assert!(
        c["status_reason"]
            .as_str()
            .is_some_and(|s| s.contains("recipients.0.phone_number")),
        "{c}"
    );
    assert_eq!(contact_states(&r, id2).await?[0].1, "pending");
    r.served.stop().await;
    Ok(())
}

#[tokio::test]
async fn webhook_registration_alerts_when_auto_disabled_and_re_enables() -> TestResult {
    let r = rig().await?;
    let mut events = r.served.test.app.events.subscribe();
    let e = rpc(&r, "elevenlabs.webhook.register", json!({"consent": false}))
        .await
        .err();
    assert_eq!(e.map(|e| e.code), Some(api::ErrorCode::Validation));
    let s = rpc(
        &r,
        "elevenlabs.webhook.register",
        json!({"consent": true, "agent_ids": [AGENT]}),
    )
    .await?;
    assert_eq!(s["url"], format!("{PUBLIC_BASE_URL}/webhooks/elevenlabs"));
    let created = &r.mock.seen("POST", "/v1/workspace/webhooks")[0].body;
    assert_eq!(created["settings"]["auth_type"], "hmac");
    let attach = &r.mock.seen("PATCH", &format!("/v1/convai/agents/{AGENT}"))[0].body;
    assert_eq!(
        attach["platform_settings"]["workspace_overrides"]["webhooks"],
        json!({"post_call_webhook_id": "whk_example_0001", "events": ["transcript", "audio", "call_initiation_failure"], "transcript_format": "json"})
    );
    let stored = r.sink.stored.lock().map(|s| s.clone()).unwrap_or_default();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].1.expose(),
        "wsec_EXAMPLEdoNOTuseTHISsecret0123456789abcdef"
    );
    assert_eq!(
        r.served
            .test
            .app
            .webhooks
            .secrets()
            .elevenlabs_webhook
            .map(|s| s.expose().to_owned()),
        Some("wsec_EXAMPLEdoNOTuseTHISsecret0123456789abcdef".into()),
        "the verifier uses the new secret at once"
    );
    // Workspace-wide when no agent is chosen.
    rpc(&r, "elevenlabs.webhook.register", json!({"consent": true})).await?;
    assert_eq!(
        r.mock.seen("PATCH", "/v1/convai/settings")[0].body["webhooks"]["post_call_webhook_id"],
        "whk_example_0001"
    );

    let st = rpc(&r, "elevenlabs.webhook.status", json!({})).await?;
    assert_eq!(st["auto_disabled"], false);
    {
        let mut m = r.mock.lock();
        for w in &mut m.webhooks {
            w["is_disabled"] = json!(true);
            w["is_auto_disabled"] = json!(true);
            w["most_recent_failure_error_code"] = json!(502);
        }
    }
    let st = rpc(&r, "elevenlabs.webhook.status", json!({})).await?;
    assert_eq!(
        (st["auto_disabled"].as_bool(), st["last_failure_code"].as_i64()),
        (Some(true), Some(502))
    );
    let mut alerts = Vec::new();
    while let Ok(Some(batch)) = tokio::time::timeout(Duration::from_secs(2), events.next_batch()).await {
        alerts.extend(batch.into_iter().filter(|e| matches!(e, Event::Alert { .. })));
        if !alerts.is_empty() {
            break;
        }
    }
    assert!(
        matches!(&alerts[..], [Event::Alert { kind, message, .. }] if kind == "elevenlabs_webhook_disabled" && message.contains("502")),
        "{alerts:?}"
    );
    // A second check while still disabled does not alert again.
    rpc(&r, "elevenlabs.webhook.status", json!({})).await?;
    let again = tokio::time::timeout(Duration::from_millis(300), events.next_batch()).await;
    assert!(
        again
            .map(|b| b
                .unwrap_or_default()
                .iter()
                .all(|e| !matches!(e, Event::Alert { .. })))
            .unwrap_or(true)
    );
    // One click re-enables.
    let st = rpc(&r, "elevenlabs.webhook.enable", json!({})).await?;
    assert_eq!(st["auto_disabled"], false);
    let patch = r.mock.seen("PATCH", "/v1/workspace/webhooks/whk_example_0001");
    assert_eq!(
        patch
            .last()
            .map(|p| (p.body["is_disabled"].clone(), p.body["name"].clone())),
        Some((json!(false), json!("Callboard")))
    );
    assert_eq!(r.mock.lock().webhooks[0]["is_disabled"], false);
    r.served.stop().await;
    Ok(())
}

#[tokio::test]
async fn provider_commands_answer_from_elevenlabs() -> TestResult {
    let r = rig().await?;
    let status = rpc(&r, "elevenlabs.status", json!({})).await?;
    assert_eq!(
        (status["configured"].as_bool(), status["region"].as_str()),
        (Some(true), Some("custom"))
    );
    let t = rpc(&r, "elevenlabs.test", json!({})).await?;
    assert_eq!(
        (t["agents"].as_u64(), t["phone_numbers"].as_u64()),
        (Some(2), Some(2))
    );
    let numbers = rpc(&r, "elevenlabs.phone_numbers", json!({})).await?;
    assert_eq!(numbers[0]["phone_number_id"], PHONE_ID);
    // Setup validation names the field; a sim campaign cannot take an ElevenLabs setup.
    let c = rpc(&r, "campaign.create", json!({"name": "plain"})).await?;
    let e = rpc(
        &r,
        "elevenlabs.campaign.set",
        json!({"campaign_id": c["id"], "agent_id": AGENT, "phone_number_id": PHONE_ID}),
    )
    .await
    .err();
    assert!(e.is_some_and(|e| e.message.starts_with("provider:")));
    let c = rpc(
        &r,
        "campaign.create",
        json!({"name": "el", "provider": "elevenlabs"}),
    )
    .await?;
    let e = rpc(
        &r,
        "elevenlabs.campaign.set",
        json!({"campaign_id": c["id"], "agent_id": " ", "phone_number_id": PHONE_ID}),
    )
    .await
    .err();
    assert!(e.is_some_and(|e| e.code == api::ErrorCode::Validation && e.message.starts_with("agent_id")));
    let e = rpc(&r, "elevenlabs.campaign.set", json!({"campaign_id": c["id"], "agent_id": AGENT, "phone_number_id": PHONE_ID, "phone_kind": "pigeon"})).await.err();
    assert!(e.is_some_and(|e| e.message.starts_with("phone_kind")));
    let ok = rpc(&r, "elevenlabs.campaign.set", json!({"campaign_id": c["id"], "agent_id": AGENT, "phone_number_id": "phnum_01k2x5s1pexample00000002", "phone_kind": "sip_trunk"})).await?;
    assert_eq!(ok["phone_kind"], "sip_trunk");
    r.served.stop().await;
    Ok(())
}

#[tokio::test]
async fn every_elevenlabs_command_round_trips_over_http() -> TestResult {
    let r = rig().await?;
    let c = rpc(
        &r,
        "campaign.create",
        json!({"name": "http", "provider": "elevenlabs-batch"}),
    )
    .await?;
    let id = c["id"].clone();
    let cases = [
        ("elevenlabs.status", json!({})),
        ("elevenlabs.test", json!({})),
        ("elevenlabs.agents", json!({})),
        ("elevenlabs.phone_numbers", json!({})),
        (
            "elevenlabs.campaign.set",
            json!({"campaign_id": id, "agent_id": AGENT, "phone_number_id": PHONE_ID}),
        ),
        ("elevenlabs.campaign.get", json!({"campaign_id": id})),
        ("elevenlabs.batch.retry", json!({"campaign_id": id})),
        ("elevenlabs.batch.cancel", json!({"campaign_id": id})),
        ("elevenlabs.webhook.register", json!({"consent": true})),
        ("elevenlabs.webhook.status", json!({})),
        ("elevenlabs.webhook.enable", json!({})),
    ];
    let mut tested = std::collections::BTreeSet::new();
    for (cmd, args) in cases {
        let a = r.served.rpc(cmd, args).await?;
        assert_eq!(a.status, 200, "{cmd}: {:?}", a.body);
        tested.insert(cmd);
    }
    let all: std::collections::BTreeSet<&str> = api::COMMANDS
        .iter()
        .copied()
        .filter(|c| c.starts_with("elevenlabs."))
        .collect();
    assert_eq!(tested, all);
    // Without ElevenLabs set up, the commands say so.
    let plain = TestApp::new()?.serve().await?;
    let a = plain.rpc("elevenlabs.agents", json!({})).await?;
    assert_eq!((a.status, a.code()), (400, "bad_request"));
    plain.stop().await;
    r.served.stop().await;
    Ok(())
}
