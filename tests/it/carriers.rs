//! The Twilio and Exotel dialers against local mock REST servers: the create-call and connect-to-flow
//! bodies match the captured fixtures key for key, auth is Basic, and hang-up, transfer and reconcile send
//! and read what the APIs document.

use std::sync::{Arc, Mutex};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode, Uri},
    response::IntoResponse,
    routing::any,
};
use callboard_core::{
    engine::{CallRef, DialError, DialRequest, Dialer, Reconciled, retry::Outcome},
    providers::{
        exotel::{ExotelConfig, ExotelDialer},
        twilio::{TwilioClient, TwilioConfig, TwilioDialer},
    },
    secret::Secret,
    webhooks::sig_twilio::parse_form,
};
use callboard_testkit::{PUBLIC_BASE_URL, TestApp};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/telephony");

/// Method, path, Authorization header and body of one request.
pub(crate) type Request = (String, String, String, String);

#[derive(Clone, Default)]
pub(crate) struct Recorded {
    pub(crate) requests: Arc<Mutex<Vec<Request>>>,
    reply: Arc<Mutex<Vec<(u16, String)>>>,
}

async fn record(
    State(r): State<Recorded>,
    method: axum::http::Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if let Ok(mut reqs) = r.requests.lock() {
        reqs.push((
            method.to_string(),
            uri.path().to_owned(),
            auth,
            String::from_utf8_lossy(&body).into_owned(),
        ));
    }
    let (status, body) = r
        .reply
        .lock()
        .ok()
        .and_then(|mut v| (!v.is_empty()).then(|| v.remove(0)))
        .unwrap_or((500, "{}".into()));
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        body,
    )
}

pub(crate) async fn mock_server(replies: Vec<(u16, String)>) -> std::io::Result<(String, Recorded)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let recorded = Recorded {
        reply: Arc::new(Mutex::new(replies)),
        ..Recorded::default()
    };
    let router = Router::new().fallback(any(record)).with_state(recorded.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok((format!("http://{addr}"), recorded))
}

pub(crate) fn request(call_id: i64, to: &str, from: &str) -> DialRequest {
    DialRequest {
        dial_key: format!("k-{call_id}"),
        call_id,
        campaign_id: 1,
        contact_id: 1,
        phone_e164: to.into(),
        from_number: from.into(),
        agent_id: None,
        variables: serde_json::json!({}),
    }
}

fn keys(form: &[(String, String)]) -> Vec<&str> {
    form.iter().map(|(k, _)| k.as_str()).collect()
}

pub(crate) fn value<'a>(form: &'a [(String, String)], key: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

#[tokio::test]
async fn twilio_create_call_matches_the_captured_request_and_the_rest_follows_the_api() -> TestResult {
    let t = TestApp::new()?;
    let created = std::fs::read_to_string(format!("{FIXTURES}/twilio/rest_create_call_response_201.json"))?;
    let (base, rec) = mock_server(vec![
        (201, created),
        (200, r#"{"sid":"CAfedcba9876543210fedcba9876543210","status":"in-progress"}"#.into()),
        (200, r#"{"sid":"CAfedcba9876543210fedcba9876543210","status":"completed","answered_by":"machine_start"}"#.into()),
        (400, r#"{"code":21220,"message":"Call is not in-progress","status":400}"#.into()),
        (200, "{}".into()),
        (404, r#"{"code":20404,"message":"not found"}"#.into()),
    ])
    .await?;
    let sid = "AC0123456789abcdef0123456789abcdef";
    let config = TwilioConfig {
        account_sid: sid.into(),
        auth_token: Secret::new("0123456789abcdef0123456789abcdef"),
        base_url: base,
        ring_timeout_s: 30,
        time_limit_s: 900,
        record: true,
        machine_detection: true,
    };
    let client = Arc::new(TwilioClient::new(config));
    let dialer = TwilioDialer::new(t.app.clone(), client);
    let dialed = dialer.dial(request(7, "+14155550123", "+15005550006")).await?;
    assert_eq!(dialed.provider_call_id, "CAfedcba9876543210fedcba9876543210");
    let call = CallRef {
        call_id: 7,
        dial_key: "k-7".into(),
        provider_call_id: Some(dialed.provider_call_id.clone()),
    };
    dialer.transfer(call.clone(), "+14155550199".into()).await?;
    assert_eq!(
        dialer.reconcile(call.clone()).await?,
        Reconciled::Ended {
            provider_call_id: dialed.provider_call_id.clone(),
            outcome: Outcome::Voicemail
        }
    );
    // Hanging up a ringing call: `completed` is refused, `canceled` goes through.
    dialer.hang_up(call.clone()).await?;
    assert_eq!(dialer.reconcile(call).await?, Reconciled::NotFound);

    let reqs = rec.requests.lock().map(|r| r.clone()).unwrap_or_default();
    let (method, path, auth, body) = &reqs[0];
    assert_eq!(
        (method.as_str(), path.as_str()),
        ("POST", format!("/2010-04-01/Accounts/{sid}/Calls.json").as_str())
    );
    assert_eq!(
        auth,
        "Basic QUMwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjowMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZg=="
    );
    let ours = parse_form(body.as_bytes());
    let fixture = parse_form(&std::fs::read(format!(
        "{FIXTURES}/twilio/rest_create_call_request.form"
    ))?);
    assert_eq!(keys(&ours), keys(&fixture), "same keys, same order, same repeats");
    for k in [
        "To",
        "From",
        "StatusCallbackMethod",
        "Timeout",
        "Record",
        "MachineDetection",
        "AsyncAmd",
        "TimeLimit",
    ] {
        assert_eq!(value(&ours, k), value(&fixture, k), "{k}");
    }
    let events = |f: &[(String, String)], k: &str| {
        f.iter()
            .filter(|(x, _)| x == k)
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        events(&ours, "StatusCallbackEvent"),
        events(&fixture, "StatusCallbackEvent")
    );
    assert_eq!(
        events(&ours, "RecordingStatusCallbackEvent"),
        events(&fixture, "RecordingStatusCallbackEvent")
    );
    assert_eq!(
        value(&ours, "StatusCallback"),
        format!("{PUBLIC_BASE_URL}/webhooks/twilio/status")
    );
    let twiml = value(&ours, "Twiml");
    let ws = PUBLIC_BASE_URL.replace("https://", "wss://");
    assert!(
        twiml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Connect><Stream "),
        "{twiml}"
    );
    assert!(twiml.contains(&format!("url=\"{ws}/media/twilio\"")), "{twiml}");
    assert!(
        twiml.contains("<Parameter name=\"call_id\" value=\"7\" />"),
        "{twiml}"
    );
    assert!(
        twiml.contains(&format!(
            "<Parameter name=\"token\" value=\"{}\" />",
            t.app.media_token(7)
        )),
        "{twiml}"
    );
    assert!(twiml.ends_with("</Stream></Connect></Response>"));

    let transfer = parse_form(reqs[1].3.as_bytes());
    assert_eq!(
        reqs[1].1,
        format!("/2010-04-01/Accounts/{sid}/Calls/CAfedcba9876543210fedcba9876543210.json")
    );
    assert_eq!(
        value(&transfer, "Twiml"),
        "<Response><Dial>+14155550199</Dial></Response>"
    );
    assert_eq!(reqs[2].0, "GET");
    assert_eq!(
        parse_form(reqs[3].3.as_bytes()),
        [("Status".to_owned(), "completed".to_owned())]
    );
    assert_eq!(
        parse_form(reqs[4].3.as_bytes()),
        [("Status".to_owned(), "canceled".to_owned())]
    );
    Ok(())
}

#[tokio::test]
async fn twilio_refusals_and_outages_are_told_apart() -> TestResult {
    let t = TestApp::new()?;
    let (base, _rec) = mock_server(vec![
        (
            400,
            r#"{"code":21211,"message":"Invalid 'To' Phone Number","status":400}"#.into(),
        ),
        (503, "upstream down".into()),
    ])
    .await?;
    let client = Arc::new(TwilioClient::new(TwilioConfig {
        account_sid: "AC1".into(),
        auth_token: Secret::new("t"),
        base_url: base,
        ring_timeout_s: 30,
        time_limit_s: 900,
        record: false,
        machine_detection: false,
    }));
    let dialer = TwilioDialer::new(t.app.clone(), client);
    match dialer.dial(request(1, "+1", "+2")).await {
        Err(DialError::Rejected(m)) => assert!(m.contains("Invalid 'To'"), "{m}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(matches!(
        dialer.dial(request(2, "+1", "+2")).await,
        Err(DialError::Unavailable(_))
    ));
    Ok(())
}

#[tokio::test]
async fn exotel_connect_to_flow_matches_the_documented_request() -> TestResult {
    let t = TestApp::new()?;
    let connected = std::fs::read_to_string(format!("{FIXTURES}/exotel/rest_connect_response_200.json"))?;
    let (base, rec) = mock_server(vec![
        (200, connected),
        (
            200,
            r#"{"Call":{"Sid":"b6a0c1d2e3f4a5b6c7d8e9f0a1b2c3d4","Status":"no-answer"}}"#.into(),
        ),
    ])
    .await?;
    let dialer = ExotelDialer::new(
        t.app.clone(),
        ExotelConfig {
            account_sid: "exampleaccount1".into(),
            api_key: "key".into(),
            api_token: Secret::new("token"),
            base_url: base,
            flow_id: "926".into(),
            webhook_secret: Secret::new("exo-secret"),
            ring_timeout_s: 30,
            time_limit_s: 900,
            record: true,
        },
    );
    let id = crate::media_mock::seed_call(&t.app, "exotel").await?;
    let dialed = dialer.dial(request(id, "+919876543210", "08047491899")).await?;
    assert_eq!(dialed.provider_call_id, "b6a0c1d2e3f4a5b6c7d8e9f0a1b2c3d4");
    let call = CallRef {
        call_id: id,
        dial_key: "k".into(),
        provider_call_id: Some(dialed.provider_call_id.clone()),
    };
    assert_eq!(
        dialer.reconcile(call.clone()).await?,
        Reconciled::Ended {
            provider_call_id: dialed.provider_call_id,
            outcome: Outcome::NoAnswer
        }
    );
    // No hang-up API and no live stream: said plainly.
    assert!(matches!(
        dialer.hang_up(call).await,
        Err(DialError::Unsupported(_))
    ));

    let reqs = rec.requests.lock().map(|r| r.clone()).unwrap_or_default();
    assert_eq!(reqs[0].1, "/v1/Accounts/exampleaccount1/Calls/connect.json");
    assert_eq!(reqs[0].2, "Basic a2V5OnRva2Vu");
    let ours = parse_form(reqs[0].3.as_bytes());
    let fixture = parse_form(&std::fs::read(format!(
        "{FIXTURES}/exotel/rest_connect_to_flow_request.form"
    ))?);
    assert_eq!(keys(&ours), keys(&fixture));
    for k in [
        "From",
        "CallerId",
        "Url",
        "CallType",
        "TimeLimit",
        "TimeOut",
        "Record",
        "StatusCallbackEvents[0]",
        "StatusCallbackEvents[1]",
        "StatusCallbackContentType",
    ] {
        assert_eq!(value(&ours, k), value(&fixture, k), "{k}");
    }
    assert_eq!(value(&ours, "CustomField"), id.to_string());
    assert_eq!(
        value(&ours, "StatusCallback"),
        format!("{PUBLIC_BASE_URL}/webhooks/exotel/exo-secret/status")
    );
    assert_eq!(
        reqs[1].1,
        "/v1/Accounts/exampleaccount1/Calls/b6a0c1d2e3f4a5b6c7d8e9f0a1b2c3d4.json"
    );
    // Callbacks carrying CustomField find the call.
    let found = t
        .app
        .store
        .read(move |c| callboard_core::store::call_refs::find(c, &[("custom_field".into(), id.to_string())]))
        .await?;
    assert_eq!(found, Some(id));
    Ok(())
}
