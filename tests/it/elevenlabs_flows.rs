//! ElevenLabs campaigns end to end against the mock, through the real listener and store: an engine-paced
//! call whose webhook never came (reconciled by polling), a batch campaign from submit to completed with
//! webhooks through the listener, a lost submit reply that is found instead of resubmitted, and webhook
//! auto-registration with the auto-disabled alert and re-enable.

use std::time::Duration;

use callboard_core::{
    api,
    engine::Engine,
    events::Event,
    providers::{
        self,
        elevenlabs::{batch, reconcile::Reconciler},
    },
    store::{call_refs, calls},
};
use callboard_testkit::PUBLIC_BASE_URL;
use jiff::SignedDuration;
use serde_json::{Value, json};

use crate::{
    elevenlabs::{AGENT, PHONE_ID, TestResult, campaign, campaign_status, contact_states, rig, rpc},
    elevenlabs_mock::Mock,
};

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
async fn a_dial_whose_reply_was_lost_is_found_by_its_user_id_not_dialed_again() -> TestResult {
    let r = rig().await?;
    let app = r.served.test.app.clone();
    let id = campaign(
        &r,
        "elevenlabs",
        "always",
        &[("+14155550177", "America/New_York", false)],
        false,
    )
    .await?;
    r.mock.lock().call_despite_error = true;
    r.mock.script(
        "POST",
        "/v1/convai/twilio/outbound-call",
        504,
        None,
        json!({"detail": "gateway timeout"}),
    );
    let mut engine = Engine::new(app.clone(), providers::dialers(&app, 1.0));
    let report = engine.step().await?;
    assert_eq!(report.failed_to_dial, 1, "{report:?}");
    let call = app.store.read(calls::list).await?.remove(0);
    assert_eq!(call.status, "queued", "fate unknown: left for reconciliation");
    // The engine asks the dialer; it finds the conversation carrying this call's user id.
    assert_eq!(engine.reconcile_lost().await?, 1);
    let call = app.store.read(move |c| calls::get(c, call.id)).await?;
    assert_eq!(
        (call.status.as_str(), call.provider_call_id.as_deref()),
        ("dialing", Some("conv_mock_1"))
    );
    let refs = app.store.read(move |c| call_refs::of_call(c, call.id)).await?;
    assert!(
        refs.contains(&("conversation_id".to_owned(), "conv_mock_1".to_owned())),
        "{refs:?}"
    );
    assert_eq!(
        r.mock.seen("POST", "/v1/convai/twilio/outbound-call").len(),
        1,
        "never dialed twice"
    );
    // A call ElevenLabs never saw is released, uncounted.
    r.mock.lock().call_despite_error = false;
    let id2 = campaign(
        &r,
        "elevenlabs",
        "always",
        &[("+14155550178", "America/New_York", false)],
        false,
    )
    .await?;
    r.mock.script(
        "POST",
        "/v1/convai/twilio/outbound-call",
        502,
        None,
        json!({"detail": "bad gateway"}),
    );
    rpc(&r, "campaign.pause", json!({"id": id})).await?;
    engine.step().await?;
    engine.reconcile_lost().await?;
    let states = contact_states(&r, id2).await?;
    assert_eq!(states[0].1, "pending", "{states:?}");
    r.served.stop().await;
    Ok(())
}
