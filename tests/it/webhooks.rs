//! Webhooks through the real public listener on port 0, signed in the test: every fixture parses and
//! applies, duplicates are acknowledged and applied once, bad signatures are rejected and recorded, shuffled
//! orders end in the same state, events wait for their call, and a restart applies what was left pending.

use std::collections::BTreeMap;

use callboard_core::{
    clock::Clock,
    events::Event,
    store::{StoreResult, call_events, call_refs, calls},
    webhooks::sig_elevenlabs,
};
use callboard_testkit::{EXOTEL_SECRET, Served, TWILIO_TOKEN, TestApp};
use jiff::SignedDuration;
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const TRANSCRIPTION: &str = include_str!("../fixtures/elevenlabs/webhooks/post_call_transcription.json");
const VOICEMAIL: &str =
    include_str!("../fixtures/elevenlabs/webhooks/post_call_transcription_sip_voicemail.json");
const FAILURE_TWILIO: &str =
    include_str!("../fixtures/elevenlabs/webhooks/call_initiation_failure_twilio.json");
const FAILURE_SIP: &str = include_str!("../fixtures/elevenlabs/webhooks/call_initiation_failure_sip.json");
const AUDIO: &str = include_str!("../fixtures/elevenlabs/webhooks/post_call_audio.json");
const CONV: &str = "conv_01k2x8a4b5c6d7e8f9g0h1j2k3";

fn fixture_body(json_text: &str) -> String {
    let v: Value = serde_json::from_str(json_text).unwrap_or(Value::Null);
    v["body"].as_str().unwrap_or("").to_owned()
}

fn twilio_forms() -> Vec<(&'static str, String)> {
    vec![
        (
            "status",
            fixture_body(include_str!(
                "../fixtures/telephony/twilio/callback_status_01_initiated.json"
            )),
        ),
        (
            "status",
            fixture_body(include_str!(
                "../fixtures/telephony/twilio/callback_status_02_ringing.json"
            )),
        ),
        (
            "status",
            fixture_body(include_str!(
                "../fixtures/telephony/twilio/callback_status_03_in-progress.json"
            )),
        ),
        (
            "status",
            fixture_body(include_str!(
                "../fixtures/telephony/twilio/callback_status_04_completed.json"
            )),
        ),
        (
            "amd",
            fixture_body(include_str!(
                "../fixtures/telephony/twilio/callback_async_amd.json"
            )),
        ),
        (
            "recording",
            fixture_body(include_str!(
                "../fixtures/telephony/twilio/callback_recording_completed.json"
            )),
        ),
        (
            "stream",
            fixture_body(include_str!(
                "../fixtures/telephony/twilio/callback_stream_started.json"
            )),
        ),
        (
            "stream",
            fixture_body(include_str!(
                "../fixtures/telephony/twilio/callback_stream_stopped.json"
            )),
        ),
    ]
}

async fn calls_of(s: &Served) -> StoreResult<Vec<calls::Call>> {
    s.test.app.store.read(calls::list).await
}

async fn events_of(s: &Served) -> StoreResult<Vec<call_events::EventRow>> {
    s.test.app.store.read(call_events::list).await
}

/// The parts of a call that must not depend on arrival order.
fn essence(c: &calls::Call) -> Value {
    json!([
        c.provider,
        c.provider_call_id,
        c.conversation_id,
        c.origin,
        c.status,
        c.outcome,
        c.disposition,
        c.started_at,
        c.answered_at,
        c.ended_at,
        c.duration_s,
        c.cost,
        c.summary,
        c.recording_path
    ])
}

#[tokio::test]
async fn every_elevenlabs_fixture_parses_and_applies() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    for body in [TRANSCRIPTION, VOICEMAIL, FAILURE_TWILIO, FAILURE_SIP, AUDIO] {
        let a = s.post_elevenlabs(body.as_bytes(), None).await?;
        assert_eq!(a.status, 200, "{:?}", a.body);
        assert_eq!(a.body["status"], "accepted");
    }
    s.test.app.webhooks.settle().await;
    let events = events_of(&s).await?;
    assert!(events.iter().all(|e| e.status == "applied"), "{events:#?}");
    let calls = calls_of(&s).await?;
    assert_eq!(calls.len(), 4);
    let by_conv: BTreeMap<_, _> = calls
        .iter()
        .map(|c| (c.conversation_id.clone().unwrap_or_default(), c))
        .collect();
    let main = by_conv[CONV];
    assert_eq!(
        (main.status.as_str(), main.outcome.as_deref()),
        ("completed", Some("answered"))
    );
    assert_eq!(main.disposition.as_deref(), Some("success"));
    assert_eq!(main.origin, "webhook");
    assert_eq!(main.duration_s, Some(74.0));
    assert!(main.summary.as_deref().is_some_and(|t| t.contains("Ana")));
    let recording = main.recording_path.clone().unwrap_or_default();
    let bytes = std::fs::read(s.test.dir.path().join(&recording))?;
    assert!(bytes.starts_with(b"ID3"), "{recording}");
    let refs = s
        .test
        .app
        .store
        .read({
            let id = main.id;
            move |c| call_refs::of_call(c, id)
        })
        .await?;
    let kinds: Vec<&str> = refs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["batch_recipient_id", "call_sid", "conversation_id"]);
    let outcomes: Vec<_> = calls
        .iter()
        .map(|c| (c.status.clone(), c.outcome.clone()))
        .collect();
    assert!(outcomes.contains(&("completed".into(), Some("voicemail".into()))));
    assert!(outcomes.contains(&("no_answer".into(), Some("no_answer".into()))));
    assert!(outcomes.contains(&("busy".into(), Some("busy".into()))));
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn duplicates_get_200_and_apply_once() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let mut subscriber = s.test.app.events.subscribe();
    let first = s.post_elevenlabs(TRANSCRIPTION.as_bytes(), None).await?;
    s.test.clock.advance(SignedDuration::from_secs(90));
    let again = s.post_elevenlabs(TRANSCRIPTION.as_bytes(), None).await?;
    assert_eq!((first.status, again.status), (200, 200));
    assert_eq!(first.body["status"], "accepted");
    assert_eq!(again.body["status"], "duplicate");
    s.test.app.webhooks.settle().await;
    let statuses: Vec<String> = events_of(&s).await?.into_iter().map(|e| e.status).collect();
    assert_eq!(statuses, ["applied", "duplicate"]);
    assert_eq!(calls_of(&s).await?.len(), 1);
    let batch = subscriber.next_batch().await.unwrap_or_default();
    assert!(
        batch.iter().any(|e| matches!(e, Event::CallChanged { .. })),
        "{batch:?}"
    );
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn bad_signatures_are_rejected_recorded_and_never_applied() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let now = s.test.clock.now().as_second();
    let body = TRANSCRIPTION.as_bytes();
    let good = sig_elevenlabs::sign(callboard_testkit::ELEVENLABS_SECRET, now, body);
    let mut tampered = body.to_vec();
    tampered.extend_from_slice(b" ");
    let cases = [
        (tampered.clone(), Some(good.clone())),
        (body.to_vec(), Some(good.replacen("t=", "t=1", 1))),
        (
            body.to_vec(),
            Some(sig_elevenlabs::sign("not-the-secret", now, body)),
        ),
        (
            body.to_vec(),
            Some(sig_elevenlabs::sign(
                callboard_testkit::ELEVENLABS_SECRET,
                now - 31 * 60,
                body,
            )),
        ),
        (body.to_vec(), Some(String::new())),
    ];
    for (body, header) in cases {
        let a = s.post_elevenlabs(&body, header).await?;
        assert_eq!(a.status, 401, "{:?}", a.body);
    }
    let form = fixture_body(include_str!(
        "../fixtures/telephony/twilio/callback_status_04_completed.json"
    ));
    assert_eq!(s.post_twilio("status", &form, "wrong-token").await?.status, 401);
    // Signed for another URL (Twilio called /amd, we are at /status): wrong URL.
    let params = callboard_core::webhooks::sig_twilio::parse_form(form.as_bytes());
    let sig = callboard_core::webhooks::sig_twilio::sign(
        TWILIO_TOKEN,
        &format!("{}/webhooks/twilio/amd", callboard_testkit::PUBLIC_BASE_URL),
        &params,
        callboard_core::webhooks::sig_twilio::Algorithm::Sha1,
    );
    let r = s
        .http
        .post(format!("{}/webhooks/twilio/status", s.public_base()))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-twilio-signature", sig)
        .body(form)
        .send()
        .await?;
    assert_eq!(r.status(), 401);
    let exotel = s.post_exotel("guess", "status", "application/json", "{}").await?;
    assert_eq!(exotel.status, 403);
    s.test.app.webhooks.settle().await;
    let events = events_of(&s).await?;
    assert_eq!(events.len(), 8);
    assert!(
        events.iter().all(|e| e.status == "rejected" && e.error.is_some()),
        "{events:#?}"
    );
    assert!(calls_of(&s).await?.is_empty());
    // No body was kept for an untrusted delivery.
    let bodies: i64 = s
        .test
        .app
        .store
        .read(|c| {
            Ok(c.query_row(
                "SELECT COUNT(*) FROM call_events WHERE body IS NOT NULL",
                [],
                |r| r.get(0),
            )?)
        })
        .await?;
    assert_eq!(bodies, 0);
    s.stop().await;
    Ok(())
}

async fn run_twilio(
    order: &[usize],
    duplicate_every: usize,
) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    let s = TestApp::new()?.serve().await?;
    let forms = twilio_forms();
    for (n, &i) in order.iter().enumerate() {
        let (kind, body) = &forms[i];
        let a = s.post_twilio(kind, body, TWILIO_TOKEN).await?;
        assert_eq!(a.status, 200, "{kind}: {:?}", a.body);
        if duplicate_every > 0 && n % duplicate_every == 0 {
            assert_eq!(
                s.post_twilio(kind, body, TWILIO_TOKEN).await?.body["status"],
                "duplicate"
            );
        }
    }
    s.test.app.webhooks.settle().await;
    let events = events_of(&s).await?;
    assert!(
        events
            .iter()
            .all(|e| e.status == "applied" || e.status == "duplicate"),
        "{events:#?}"
    );
    let calls = calls_of(&s).await?;
    s.stop().await;
    Ok(calls.iter().map(essence).collect())
}

#[tokio::test]
async fn twilio_callbacks_in_any_order_give_the_same_call() -> TestResult {
    let in_order = run_twilio(&[0, 1, 2, 3, 4, 5, 6, 7], 0).await?;
    assert_eq!(in_order.len(), 1);
    let call = &in_order[0];
    assert_eq!(call[4], "completed");
    // The async AMD result says a machine answered; the terminal status does not overrule it.
    assert_eq!(call[5], "voicemail");
    assert_eq!(call[10], 37.0);
    // Terminal first, then the progress events late, with duplicates: same state.
    assert_eq!(run_twilio(&[3, 7, 5, 4, 2, 0, 6, 1], 2).await?, in_order);
    assert_eq!(run_twilio(&[6, 5, 4, 1, 3, 2, 0, 7], 1).await?, in_order);
    Ok(())
}

#[tokio::test]
async fn elevenlabs_events_in_any_order_give_the_same_call() -> TestResult {
    let mut results = Vec::new();
    for order in [[0usize, 1], [1, 0]] {
        let s = TestApp::new()?.serve().await?;
        let bodies = [TRANSCRIPTION, AUDIO];
        for i in order {
            assert_eq!(s.post_elevenlabs(bodies[i].as_bytes(), None).await?.status, 200);
            assert_eq!(
                s.post_elevenlabs(bodies[i].as_bytes(), None).await?.body["status"],
                "duplicate"
            );
        }
        s.test.app.webhooks.settle().await;
        let events = events_of(&s).await?;
        assert_eq!(
            events.iter().filter(|e| e.status == "applied").count(),
            2,
            "{events:#?}"
        );
        results.push(calls_of(&s).await?.iter().map(essence).collect::<Vec<_>>());
        s.stop().await;
    }
    assert_eq!(results[0], results[1]);
    assert_eq!(
        results[0][0][13],
        "recordings/conv_01k2x8a4b5c6d7e8f9g0h1j2k3.mp3"
    );
    Ok(())
}

#[tokio::test]
async fn audio_before_its_call_waits_then_applies() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    assert_eq!(s.post_elevenlabs(AUDIO.as_bytes(), None).await?.status, 200);
    s.test.app.webhooks.settle().await;
    let waiting = events_of(&s).await?;
    assert_eq!(waiting[0].status, "pending");
    assert!(
        waiting[0].error.as_deref().is_some_and(|e| e.contains(CONV)),
        "{waiting:?}"
    );
    assert!(calls_of(&s).await?.is_empty());
    assert_eq!(
        s.post_elevenlabs(TRANSCRIPTION.as_bytes(), None).await?.status,
        200
    );
    s.test.app.webhooks.settle().await;
    let events = events_of(&s).await?;
    assert!(
        events
            .iter()
            .all(|e| e.status == "applied" && e.call_id.is_some()),
        "{events:#?}"
    );
    assert!(calls_of(&s).await?[0].recording_path.is_some());
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn exotel_status_and_passthru_apply() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let answered = include_str!("../fixtures/telephony/exotel/callback_status_answered.json");
    let terminal = include_str!("../fixtures/telephony/exotel/callback_status_terminal.json");
    for body in [terminal, answered] {
        let a = s
            .post_exotel(EXOTEL_SECRET, "status", "application/json", body)
            .await?;
        assert_eq!(a.status, 200, "{:?}", a.body);
    }
    let passthru = "CallSid=b6a0c1d2e3f4a5b6c7d8e9f0a1b2c3d4&Stream%5BStatus%5D=completed&Stream%5BDisconnectedBy%5D=bot";
    let r = s
        .http
        .get(format!(
            "{}/webhooks/exotel/{EXOTEL_SECRET}/passthru?{passthru}",
            s.public_base()
        ))
        .send()
        .await?;
    assert_eq!(r.status(), 200);
    let other =
        include_str!("../fixtures/telephony/exotel/callback_status_no-answer.form").replace("b6a0", "ffff");
    let form = "application/x-www-form-urlencoded";
    assert_eq!(
        s.post_exotel(EXOTEL_SECRET, "status", form, &other).await?.status,
        200
    );
    s.test.app.webhooks.settle().await;
    let events = events_of(&s).await?;
    assert!(events.iter().all(|e| e.status == "applied"), "{events:#?}");
    let calls = calls_of(&s).await?;
    assert_eq!(calls.len(), 2);
    assert_eq!(
        (calls[0].status.as_str(), calls[0].duration_s),
        ("completed", Some(35.0))
    );
    assert_eq!(
        (calls[1].status.as_str(), calls[1].outcome.as_deref()),
        ("no_answer", Some("no_answer"))
    );
    assert!(events.iter().all(|e| !e.idempotency_key.contains(EXOTEL_SECRET)));
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn unknown_event_types_are_stored_and_acknowledged() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let body =
        br#"{"type":"answering_machine_detection","event_timestamp":"1767268891","data":{"novel":true}}"#;
    let a = s.post_elevenlabs(body, None).await?;
    assert_eq!(a.status, 200);
    s.test.app.webhooks.settle().await;
    let events = events_of(&s).await?;
    assert_eq!(
        (events[0].kind.as_str(), events[0].status.as_str()),
        ("answering_machine_detection", "applied")
    );
    // Verified but unreadable: stored and acknowledged, then marked failed with the reason.
    let not_json = s.post_elevenlabs(b"not json at all", None).await?;
    assert_eq!(not_json.status, 200);
    s.test.app.webhooks.settle().await;
    let events = events_of(&s).await?;
    assert_eq!(events[1].status, "failed");
    assert!(
        events[1].error.as_deref().is_some_and(|e| e.contains("JSON")),
        "{events:?}"
    );
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn a_large_audio_body_is_accepted_only_on_its_route() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    assert_eq!(
        s.post_elevenlabs(TRANSCRIPTION.as_bytes(), None).await?.status,
        200
    );
    let audio_bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let b64 = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(&audio_bytes)
    };
    let body = json!({"type": "post_call_audio", "event_timestamp": 1767268897,
                      "data": {"agent_id": "a", "conversation_id": CONV, "full_audio": b64}})
    .to_string();
    let a = s.post_elevenlabs(body.as_bytes(), None).await?;
    assert_eq!(a.status, 200, "{:?}", a.body);
    s.test.app.webhooks.settle().await;
    let call = &calls_of(&s).await?[0];
    let written = std::fs::read(
        s.test
            .dir
            .path()
            .join(call.recording_path.clone().unwrap_or_default()),
    )?;
    assert_eq!(written, audio_bytes);
    let inbox = s.test.dir.path().join("webhooks/inbox");
    assert_eq!(
        std::fs::read_dir(inbox)?.count(),
        0,
        "the raw body file is removed once applied"
    );
    let big_form = format!("CallSid=CA1&Padding={}", "x".repeat(2 * 1024 * 1024));
    assert_eq!(
        s.post_twilio("status", &big_form, TWILIO_TOKEN).await?.status,
        413
    );
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn a_rejection_spike_alerts_and_then_gets_429() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let mut subscriber = s.test.app.events.subscribe();
    let mut statuses = Vec::new();
    for _ in 0..70 {
        statuses.push(s.post_elevenlabs(b"{}", Some("t=1,v0=00".into())).await?.status);
    }
    assert_eq!(statuses[0], 401);
    assert_eq!(statuses[69], 429);
    let mut alerted = false;
    while !alerted {
        let Some(batch) = subscriber.next_batch().await else {
            break;
        };
        alerted = batch.iter().any(|e| matches!(e, Event::WebhookAlert { .. }));
    }
    assert!(alerted);
    // A verified delivery still goes through while the rejection budget is spent.
    assert_eq!(
        s.post_elevenlabs(TRANSCRIPTION.as_bytes(), None).await?.status,
        200
    );
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn a_restart_applies_rows_left_pending() -> TestResult {
    let test = TestApp::new()?;
    let now = test.clock.now();
    // A crash after the 200 and before the apply: rows journaled, nothing applied.
    let received_at = callboard_core::clock::to_db(now);
    for (key, body) in [
        ("post_call_transcription", TRANSCRIPTION),
        ("post_call_audio", AUDIO),
    ] {
        let event = call_events::NewEvent {
            provider: "elevenlabs",
            kind: key.to_owned(),
            idempotency_key: format!("{key}:{CONV}"),
            headers: json!({"content-type": "application/json"}),
            body: Some(body.as_bytes().to_vec()),
            body_path: None,
            received_at: received_at.clone(),
            occurred_at: None,
            sequence: None,
        };
        test.app
            .store
            .with_tx(move |tx| call_events::journal(tx, &event))
            .await?;
    }
    let TestApp { app, dir, .. } = test;
    drop(app);
    let s = TestApp::reopen(dir, now)?.serve().await?;
    s.test.app.webhooks.settle().await;
    let events = events_of(&s).await?;
    assert!(events.iter().all(|e| e.status == "applied"), "{events:#?}");
    let calls = calls_of(&s).await?;
    assert_eq!(calls.len(), 1);
    assert!(calls[0].recording_path.is_some());
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn twilio_json_bodies_and_exotel_multipart_are_accepted() -> TestResult {
    use callboard_core::webhooks::sig_twilio;
    let s = TestApp::new()?.serve().await?;
    let body = r#"{"CallSid":"CAjson0001","CallStatus":"busy"}"#;
    let hash = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(body.as_bytes()))
    };
    let path = format!("/webhooks/twilio/status?bodySHA256={hash}");
    let url = format!("{}{path}", callboard_testkit::PUBLIC_BASE_URL);
    let sig = sig_twilio::sign(TWILIO_TOKEN, &url, &[], sig_twilio::Algorithm::Sha1);
    let post = |b: &'static str| {
        s.http
            .post(format!("{}{path}", s.public_base()))
            .header("content-type", "application/json")
            .header("x-twilio-signature", sig.clone())
            .body(b)
            .send()
    };
    assert_eq!(
        post(r#"{"CallSid":"CAjson0001","CallStatus":"completed"}"#)
            .await?
            .status(),
        401
    );
    assert_eq!(post(body).await?.status(), 200);
    let multipart = "--XyZ\r\nContent-Disposition: form-data; name=\"CallSid\"\r\n\r\nexo-mp-1\r\n--XyZ\r\n\
                     Content-Disposition: form-data; name=\"Status\"\r\n\r\nbusy\r\n--XyZ--\r\n";
    let a = s
        .post_exotel(
            EXOTEL_SECRET,
            "status",
            "multipart/form-data; boundary=XyZ",
            multipart,
        )
        .await?;
    assert_eq!(a.status, 200);
    s.test.app.webhooks.settle().await;
    let calls = calls_of(&s).await?;
    let got: Vec<_> = calls
        .iter()
        .map(|c| {
            (
                c.provider.as_str(),
                c.provider_call_id.as_deref(),
                c.status.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("twilio", Some("CAjson0001"), "busy"),
            ("exotel", Some("exo-mp-1"), "busy")
        ]
    );
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn exotel_allow_list_checks_the_address_the_tunnel_reports() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    s.test
        .app
        .webhooks
        .set_exotel_allowed(Some("203.0.113.0/24, 198.51.100.7".parse()?));
    let body = include_str!("../fixtures/telephony/exotel/callback_status_answered.json");
    let post = |forwarded: &'static str| {
        s.http
            .post(format!(
                "{}/webhooks/exotel/{EXOTEL_SECRET}/status",
                s.public_base()
            ))
            .header("content-type", "application/json")
            .header("x-forwarded-for", forwarded)
            .body(body)
            .send()
    };
    // The tunnel agent appends the real address last; what the client claimed before it is ignored.
    assert_eq!(post("10.9.9.9, 203.0.113.50").await?.status(), 200);
    assert_eq!(post("203.0.113.50, 192.0.2.1").await?.status(), 403);
    // The test talks from loopback with no forwarded address: loopback is not on the list either.
    let plain = s
        .post_exotel(EXOTEL_SECRET, "status", "application/json", body)
        .await?;
    assert_eq!(plain.status, 403);
    s.test.app.webhooks.settle().await;
    let rejected: Vec<String> = events_of(&s)
        .await?
        .into_iter()
        .filter(|e| e.status == "rejected")
        .map(|e| e.error.unwrap_or_default())
        .collect();
    assert_eq!(rejected.len(), 2, "{rejected:?}");
    assert!(rejected[0].contains("192.0.2.1"), "{rejected:?}");
    assert!(rejected[1].contains("127.0.0.1"), "{rejected:?}");
    // Without a list, any address passes again.
    s.test.app.webhooks.set_exotel_allowed(None);
    assert_eq!(post("192.0.2.1").await?.status(), 200);
    s.stop().await;
    Ok(())
}
