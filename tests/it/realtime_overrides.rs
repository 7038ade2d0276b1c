//! A supervisor's overrides from the call drawer reach the live Realtime model of a bridged call:
//! `call.set_phase` and `call.escalate` arrive at the mock Realtime server as system items (a response is
//! asked for when the caller must hear it), the conversation keeps its state in step (a call the supervisor
//! transferred is not transferred again when the session drops), and the audit says whether the model was
//! told. (The SIP control socket's side is in `openai_sip`.)

use callboard_testkit::TestApp;
use serde_json::{Value, json};

use crate::{
    realtime_mock::{self, TestResult, next_event, setup, until_closed, use_realtime},
    realtime_tools::{TRANSFER_TO, transferring, twilio_call},
};

fn system_text(v: &Value) -> &str {
    assert_eq!(v["type"], "conversation.item.create", "{v}");
    assert_eq!(v["item"]["role"], "system", "{v}");
    v["item"]["content"][0]["text"].as_str().unwrap_or("")
}

#[tokio::test]
async fn a_supervisors_phase_and_escalation_reach_the_live_model() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let transfers = realtime_mock::TransferLog::install(&s.test.app, "twilio");
    let mut mock = realtime_mock::start().await?;
    use_realtime(&s.test.app, &mock, setup(transferring()));
    let (mut ws, call_id) = twilio_call(&s, &mut mock).await?;

    // A phase that only guides the next turn: a system item, no response.
    let set = s
        .rpc(
            "call.set_phase",
            json!({"id": call_id, "phase": "clarification", "reason": "ask for the date of birth"}),
        )
        .await?;
    assert_eq!(set.status, 200, "{}", set.body);
    let told = next_event(&mut mock).await.ok_or("the model was not told")?;
    let text = system_text(&told);
    assert!(text.contains("clarification phase"), "{text}");
    assert!(text.contains("ask for the date of birth"), "{text}");

    // An escalation with a transfer: the model is told and asked to tell the caller.
    let esc = s
        .rpc(
            "call.escalate",
            json!({"id": call_id, "reason": "caller sounds distressed", "transfer_to": TRANSFER_TO}),
        )
        .await?;
    assert_eq!(esc.status, 200, "{}", esc.body);
    let told = next_event(&mut mock).await.ok_or("the model was not told")?;
    let text = system_text(&told);
    assert!(text.contains("caller sounds distressed"), "{text}");
    assert!(text.contains("transferred to a person"), "{text}");
    assert_eq!(
        next_event(&mut mock).await.ok_or("no response.create")?["type"],
        "response.create"
    );
    assert_eq!(transfers.transfers(), vec![(call_id, TRANSFER_TO.to_owned())]);

    // The session drops: the policy's fallback transfer does not run again for a transferred call.
    mock.say.send(realtime_mock::CLOSE.into())?;
    until_closed(&mut ws).await;
    assert_eq!(transfers.transfers().len(), 1);

    // With no live conversation the override is still stored; the audit says the model was not told.
    let late = s
        .rpc("call.set_phase", json!({"id": call_id, "phase": "completed"}))
        .await?;
    assert_eq!(late.status, 200, "{}", late.body);
    let told: Vec<(String, Value)> = s
        .test
        .app
        .store
        .read(move |c| callboard_core::store::audit::for_subject(c, "call", &call_id.to_string()))
        .await?
        .into_iter()
        .map(|r| (r.action, r.details["told_model"].clone()))
        .collect();
    assert_eq!(
        told,
        [
            ("call.set_phase".to_owned(), json!(true)),
            ("call.escalate".to_owned(), json!(true)),
            ("call.set_phase".to_owned(), json!(false)),
        ]
    );
    s.stop().await;
    Ok(())
}
