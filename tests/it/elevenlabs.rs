//! The ElevenLabs client and commands against a local mock (see `elevenlabs_mock`): every REST call and its
//! request shape, pagination, errors and retry timing under a manual clock, and every `elevenlabs.*` command.
//! The rig here is shared with `elevenlabs_flows` (campaigns end to end).

use std::{sync::Arc, time::Duration};

use callboard_core::{
    api::{self, Actor, RpcRequest},
    clock::{Clock, to_db},
    engine::DialError,
    providers::{
        self,
        elevenlabs::{
            ElevenLabs, ElevenLabsConfig, ElevenLabsError, MemorySecretSink,
            retry::{Backoff, RecordingSleeper},
            types::{BatchSubmit, ClientData, OutboundCall, Recipient, WebhookUpdate},
        },
    },
    secret::Secret,
    store::StoreResult,
};
use callboard_testkit::{Served, TestApp};
use jiff::SignedDuration;
use serde_json::{Value, json};

use crate::elevenlabs_mock::{KEY, Mock, fixture};

pub(crate) type TestResult = Result<(), Box<dyn std::error::Error>>;

pub(crate) const AGENT: &str = "agent_01k2x7m9q3fz8b6c4n5t0w1r2y";
pub(crate) const PHONE_ID: &str = "phnum_01k2x5tw1l1o0example0001";

pub(crate) struct Rig {
    pub(crate) served: Served,
    pub(crate) mock: Mock,
    pub(crate) el: Arc<ElevenLabs>,
    pub(crate) sleeper: RecordingSleeper,
    pub(crate) sink: Arc<MemorySecretSink>,
}

pub(crate) async fn rig() -> Result<Rig, Box<dyn std::error::Error>> {
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

pub(crate) async fn rpc(r: &Rig, cmd: &str, args: Value) -> Result<Value, api::ApiError> {
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
pub(crate) async fn campaign(
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

pub(crate) async fn contact_states(
    r: &Rig,
    campaign_id: i64,
) -> StoreResult<Vec<(String, String, Option<String>)>> {
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

pub(crate) async fn campaign_status(r: &Rig, id: i64) -> Result<String, api::ApiError> {
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
