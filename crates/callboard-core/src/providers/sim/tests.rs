//! The simulator's media stream against a tiny mock WebSocket server (the real `/media/twilio` route is
//! another module's): the upgrade is signed over the `wss://` URL, the messages follow Twilio's shapes with
//! the call's id and media token, every 20 ms frame of the talk time is sent, and the transcript lines go out
//! on the bus; without a route (404) the transcript still goes out.

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use futures_util::StreamExt;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_util::sync::CancellationToken;

use super::{
    deliver::Counters,
    media,
    plan::{Misbehaviour, OutcomeMix, Plan},
};
use crate::{
    app::{App, AppOptions},
    clock::SystemClock,
    engine::retry::Outcome,
    events::Event,
    secret::Secret,
    store::Store,
    webhooks::{ProviderSecrets, sig_twilio},
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn app_with_public(public: std::net::SocketAddr) -> Result<Arc<App>, Box<dyn std::error::Error>> {
    let app = App::new(
        Store::open_in_memory()?,
        Arc::new(SystemClock),
        AppOptions {
            data_dir: std::env::temp_dir(),
            demo: true,
            public_base_url: None,
        },
    );
    app.set_listeners(public, public);
    app.set_provider_secrets(ProviderSecrets {
        twilio_auth_token: Some(Secret::new("tok")),
        ..Default::default()
    });
    Ok(app)
}

fn answered_plan() -> Plan {
    (0..)
        .map(|i| {
            Plan::draw(
                3,
                i,
                1,
                "+96550001234",
                &OutcomeMix::default(),
                &Misbehaviour::default(),
            )
        })
        .find(|p| p.outcome == Outcome::Answered)
        .unwrap_or_else(|| unreachable!("the default mix answers"))
}

async fn transcript_lines(app: &App, call_id: i64, run: impl Future<Output = ()>) -> Vec<(String, String)> {
    let mut events = app.events.subscribe();
    run.await;
    let mut lines = Vec::new();
    while let Ok(Some(batch)) =
        tokio::time::timeout(std::time::Duration::from_millis(200), events.next_batch()).await
    {
        for e in batch {
            if let Event::CallTranscript {
                call_id: c,
                role,
                text,
                ..
            } = e
                && c == call_id
            {
                lines.push((role, text));
            }
        }
    }
    lines
}

#[tokio::test]
async fn an_answered_call_streams_signed_twilio_media_and_its_transcript() -> TestResult {
    let server = TcpListener::bind("127.0.0.1:0").await?;
    let addr = server.local_addr()?;
    let app = app_with_public(addr)?;
    let seen_signature = Arc::new(Mutex::new(String::new()));
    let (sig, path) = (seen_signature.clone(), Arc::new(Mutex::new(String::new())));
    let seen_path = path.clone();
    let mock = tokio::spawn(async move {
        let (stream, _) = server.accept().await?;
        // tungstenite's handshake callback type fixes the (large) error type.
        #[allow(clippy::result_large_err)]
        let callback = |req: &Request, resp: Response| {
            let header = req
                .headers()
                .get("x-twilio-signature")
                .and_then(|v| v.to_str().ok());
            *sig.lock().unwrap_or_else(|p| p.into_inner()) = header.unwrap_or("").to_owned();
            *path.lock().unwrap_or_else(|p| p.into_inner()) = req.uri().path().to_owned();
            Ok(resp)
        };
        let mut ws = tokio_tungstenite::accept_hdr_async(stream, callback).await?;
        let mut messages = Vec::new();
        while let Some(Ok(m)) = ws.next().await {
            if let Ok(text) = m.to_text()
                && let Ok(v) = serde_json::from_str::<Value>(text)
            {
                messages.push(v);
            }
        }
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(messages)
    });
    let plan = Arc::new(answered_plan());
    let counters = Arc::new(Counters::default());
    let run = media::live(
        app.clone(),
        counters,
        plan.clone(),
        42,
        50.0,
        true,
        CancellationToken::new(),
    );
    let lines = transcript_lines(&app, 42, run).await;
    let messages = mock.await?.map_err(|e| e.to_string())?;

    let expected = sig_twilio::sign(
        "tok",
        &format!("wss://{addr}/media/twilio"),
        &[],
        sig_twilio::Algorithm::Sha1,
    );
    assert_eq!(
        *seen_signature.lock().unwrap_or_else(|p| p.into_inner()),
        expected
    );
    assert_eq!(
        *seen_path.lock().unwrap_or_else(|p| p.into_inner()),
        "/media/twilio"
    );
    let events: Vec<&str> = messages.iter().filter_map(|m| m["event"].as_str()).collect();
    assert_eq!(events.first(), Some(&"connected"));
    assert_eq!(events.get(1), Some(&"start"));
    assert_eq!(events.last(), Some(&"stop"));
    let start = &messages[1]["start"];
    assert_eq!(start["callSid"], plan.call_sid.as_str());
    assert_eq!(start["streamSid"], plan.stream_sid.as_str());
    assert_eq!(start["mediaFormat"]["encoding"], "audio/x-mulaw");
    assert_eq!(start["customParameters"]["call_id"], "42");
    assert_eq!(start["customParameters"]["token"], app.media_token(42).as_str());
    let media: Vec<&Value> = messages.iter().filter(|m| m["event"] == "media").collect();
    assert_eq!(
        media.len() as u64,
        u64::from(plan.talk_secs) * 50,
        "one frame per 20 ms of talk"
    );
    for m in &media {
        let payload =
            base64::engine::general_purpose::STANDARD.decode(m["media"]["payload"].as_str().unwrap_or(""))?;
        assert_eq!(payload.len(), 160);
    }
    assert_eq!(media[1]["media"]["timestamp"], "20");
    let marks = events.iter().filter(|e| **e == "mark").count();
    assert_eq!(marks, plan.script.turns.len());
    let said: Vec<&str> = lines.iter().map(|l| l.1.as_str()).collect();
    let scripted: Vec<&str> = plan.script.turns.iter().map(|t| t.2).collect();
    assert_eq!(said, scripted);
    assert!(lines.iter().all(|l| l.0 == "agent" || l.0 == "contact"));
    Ok(())
}

#[tokio::test]
async fn without_a_media_route_the_transcript_still_goes_out() -> TestResult {
    // A listener that answers every request 404, like a public listener without `/media/twilio`.
    let server = TcpListener::bind("127.0.0.1:0").await?;
    let addr = server.local_addr()?;
    tokio::spawn(async move {
        while let Ok((mut s, _)) = server.accept().await {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut buf = [0u8; 2048];
            let _ = s.read(&mut buf).await;
            let _ = s
                .write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")
                .await;
        }
    });
    let app = app_with_public(addr)?;
    // An agent with a recording disclosure says it first.
    let disclosure = "This call may be recorded.";
    let plan = Arc::new(Plan {
        disclosure: Some(disclosure.into()),
        ..answered_plan()
    });
    let counters = Arc::new(Counters::default());
    let run = media::live(
        app.clone(),
        counters.clone(),
        plan.clone(),
        7,
        200.0,
        true,
        CancellationToken::new(),
    );
    let lines = transcript_lines(&app, 7, run).await;
    assert_eq!(lines.len(), plan.script.turns.len());
    assert_eq!(counters.snapshot().media_streams, 0);
    let first_agent = lines
        .iter()
        .find(|l| l.0 == "agent")
        .map(|l| l.1.as_str())
        .unwrap_or("");
    assert!(first_agent.starts_with(disclosure), "{first_agent}");
    assert_eq!(
        lines.iter().filter(|l| l.1.contains(disclosure)).count(),
        1,
        "said once"
    );
    // The post-call transcript says it the same way.
    let posted = plan.script.transcript_json(plan.disclosure.as_deref());
    assert_eq!(
        posted[0]["message"].as_str().map(|m| m.starts_with(disclosure)),
        Some(true),
        "{posted}"
    );
    Ok(())
}
