//! The REST fixtures parse, requests serialise to the documented shapes, and loose answers are accepted.

use super::*;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(
            "../../../../../../tests/fixtures/elevenlabs/rest/",
            $name
        ))
    };
}

#[test]
fn every_rest_fixture_parses() -> Result<(), serde_json::Error> {
    let b: Batch = serde_json::from_str(fixture!("batch_get_response.json"))?;
    assert_eq!(b.status, Some(BatchStatus::InProgress));
    assert_eq!(b.recipients.len(), 3);
    assert_eq!(b.recipients[1].status, Some(RecipientStatus::Failed));
    assert!(b.extra.contains_key("telephony_call_config"));
    let page: BatchPage = serde_json::from_str(fixture!("batch_list_response.json"))?;
    assert_eq!((page.batch_calls.len(), page.has_more), (1, false));
    for text in [
        fixture!("batch_submit_response.json"),
        fixture!("batch_cancel_response.json"),
        fixture!("batch_retry_response.json"),
    ] {
        let b: Batch = serde_json::from_str(text)?;
        assert!(b.id.starts_with("btcal_"));
    }
    let t: OutboundCallResponse = serde_json::from_str(fixture!("twilio_outbound_call_response.json"))?;
    assert_eq!(t.call_sid.as_deref(), Some("CA5b8f0d2e9a7c41f3b6e2d1c0a9f8e7d6"));
    let s: OutboundCallResponse = serde_json::from_str(fixture!("sip_trunk_outbound_call_response.json"))?;
    assert!(s.sip_call_id.is_some() && s.success);
    let c: ConversationView = serde_json::from_str(fixture!("get_conversation_response.json"))?;
    assert_eq!(c.status, Some(ConversationStatus::Done));
    let u: SignedUrl = serde_json::from_str(fixture!("get_signed_url_response.json"))?;
    assert!(u.signed_url.starts_with("wss://"));
    let w: WebhookCreated = serde_json::from_str(fixture!("workspace_webhook_create_response.json"))?;
    assert_eq!(w.webhook_id, "whk_example_0001");
    Ok(())
}

#[test]
fn requests_match_the_fixture_shapes() -> Result<(), serde_json::Error> {
    let want: Value = serde_json::from_str(fixture!("twilio_outbound_call_request.json"))?;
    let mut vars = Map::new();
    for k in ["customer_name", "policy_number", "renewal_date"] {
        vars.insert(
            k.into(),
            want["conversation_initiation_client_data"]["dynamic_variables"][k].clone(),
        );
    }
    let req = OutboundCall {
        agent_id: "agent_01k2x7m9q3fz8b6c4n5t0w1r2y".into(),
        agent_phone_number_id: "phnum_01k2x5tw1l1o0example0001".into(),
        to_number: "+14155550123".into(),
        conversation_initiation_client_data: ClientData {
            dynamic_variables: vars,
            conversation_config_override: None,
            user_id: Some("crm-lead-8812".into()),
        },
        call_recording_enabled: Some(false),
        telephony_call_config: Some(TelephonyCallConfig {
            ringing_timeout_secs: Some(30),
            ..Default::default()
        }),
    };
    assert_eq!(serde_json::to_value(&req)?, want);
    Ok(())
}

#[test]
fn unknown_enum_values_and_string_numbers_are_accepted() -> Result<(), serde_json::Error> {
    let b: Batch = serde_json::from_str(
        r#"{"id":"b","status":"paused_by_gremlins","total_calls_finished":"4",
            "recipients":[{"status":"teleported","phone_number":"+1"}]}"#,
    )?;
    assert_eq!(b.status, Some(BatchStatus::Unknown));
    assert_eq!(b.total_calls_finished, Some(4));
    assert_eq!(b.recipients[0].status, Some(RecipientStatus::Unknown));
    Ok(())
}
