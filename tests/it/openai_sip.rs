//! Realtime SIP through the real public listener: a signed `realtime.call.incoming` is journaled, decided
//! once, and the accept / reject / refer request reaches a local mock of OpenAI's REST API with the body the
//! fixtures document; redeliveries change nothing; a bad signature gets 401 and nothing is applied.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    body::Bytes,
    extract::{
        Path,
        ws::{Message, WebSocketUpgrade},
    },
    http::HeaderMap,
    routing::{get, post},
};
use callboard_core::{
    clock::Clock,
    secret_store::{Credentials, EnvOverrides, MemoryStore},
    webhooks::sig_openai,
};
use callboard_testkit::{Served, TestApp};
use jiff::Timestamp;
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// The command prefixes this file round-trips (api.rs leaves them to it).
pub const OPENAI_COMMAND: [&str; 3] = ["openai.", "agent.openai.", "agent.prompt_"];

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SECRET: &str = "whsec_8oFkRpfw1gPdTmwJXL8yRaGMNGvoBm8VfqulpMsqVco=";
const API_KEY: &str = "sk-test-0123456789";
const FIXTURE_CALL: &str = "rtc_u1_0f0e0d0c0b0a09080706050403020100";

fn fixture(path: &str) -> String {
    let path = format!("{}/fixtures/openai-realtime/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).unwrap_or_default()
}

/// One request the mock received: the path, the bearer token and the JSON body.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub auth: String,
    pub body: Value,
}

/// OpenAI's call-control endpoints on `127.0.0.1:0`; every request is sent down the channel. The control
/// socket (`GET /v1/realtime?call_id=`) says one caller line and one agent line, reports what the client sends
/// (path `ws`), and closes once the call is hung up.
pub async fn mock_openai() -> std::io::Result<(String, mpsc::UnboundedReceiver<Seen>)> {
    let (base, rx, _script) = mock_openai_scripted().await?;
    Ok((base, rx))
}

/// [`mock_openai`] whose (first) control socket also sends each line the test puts in the returned sender.
pub async fn mock_openai_scripted() -> std::io::Result<(
    String,
    mpsc::UnboundedReceiver<Seen>,
    mpsc::UnboundedSender<String>,
)> {
    let (tx, rx) = mpsc::unbounded_channel();
    let tx = Arc::new(Mutex::new(tx));
    let (script_tx, script_rx) = mpsc::unbounded_channel::<String>();
    let script = Arc::new(tokio::sync::Mutex::new(Some(script_rx)));
    let hung_up = Arc::new(tokio::sync::Notify::new());
    let (ws_tx, ws_hung_up) = (tx.clone(), hung_up.clone());
    let control = get(move |upgrade: WebSocketUpgrade| {
        let (tx, hung_up, script) = (ws_tx.clone(), ws_hung_up.clone(), script.clone());
        async move {
            upgrade.on_upgrade(move |mut socket| async move {
                let mut script = script.lock().await.take();
                for event in [
                    json!({"type": "conversation.item.input_audio_transcription.completed", "item_id": "item_1",
                           "content_index": 0, "transcript": "My basement is flooding."}),
                    json!({"type": "response.output_audio_transcript.done", "response_id": "resp_1", "item_id": "item_2",
                           "output_index": 0, "content_index": 0, "transcript": "I am sorry to hear that."}),
                ] {
                    let _ = socket.send(Message::Text(event.to_string().into())).await;
                }
                loop {
                    tokio::select! {
                        () = hung_up.notified() => break,
                        line = async {
                            match script.as_mut() {
                                Some(rx) => rx.recv().await,
                                None => std::future::pending().await,
                            }
                        } => match line {
                            Some(text) => { let _ = socket.send(Message::Text(text.into())).await; }
                            None => script = None,
                        },
                        frame = socket.recv() => match frame {
                            Some(Ok(Message::Text(t))) => {
                                let seen = Seen { path: "ws".into(), auth: String::new(),
                                    body: serde_json::from_str(t.as_str()).unwrap_or(Value::Null) };
                                let _ = tx.lock().map(|t| t.send(seen));
                            }
                            Some(Ok(_)) => {}
                            _ => break,
                        },
                    }
                }
                let _ = socket.send(Message::Close(None)).await;
            })
        }
    });
    let app = Router::new().route("/v1/realtime", control).route(
        "/v1/realtime/calls/{id}/{action}",
        post(
            move |Path((id, action)): Path<(String, String)>, headers: HeaderMap, body: Bytes| {
                let tx = tx.clone();
                async move {
                    let seen = Seen {
                        path: format!("/v1/realtime/calls/{id}/{action}"),
                        auth: headers
                            .get("authorization")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_owned(),
                        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                    };
                    let _ = tx.lock().map(|t| t.send(seen));
                    ""
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((base, rx, script_tx))
}

pub async fn next(rx: &mut mpsc::UnboundedReceiver<Seen>) -> Result<Seen, Box<dyn std::error::Error>> {
    Ok(tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await?
        .ok_or("the mock stopped")?)
}

/// The next REST request (control socket frames skipped).
pub async fn next_rest(rx: &mut mpsc::UnboundedReceiver<Seen>) -> Result<Seen, Box<dyn std::error::Error>> {
    loop {
        let seen = next(rx).await?;
        if seen.path != "ws" {
            return Ok(seen);
        }
    }
}

pub async fn served(base: &str) -> Result<Served, Box<dyn std::error::Error>> {
    let t = TestApp::new()?;
    t.clock.set(Timestamp::from_second(1_795_000_005)?); // 2026-11-18 11:06 UTC, a Wednesday
    let env: HashMap<&str, String> = [
        ("CALLBOARD_OPENAI_BASE_URL", base.to_owned()),
        ("CALLBOARD_OPENAI_API_KEY", API_KEY.to_owned()),
        ("CALLBOARD_OPENAI_WEBHOOK_SECRET", SECRET.to_owned()),
    ]
    .into_iter()
    .collect();
    t.app.set_credentials(Credentials::new(
        MemoryStore::new(),
        EnvOverrides::from_lookup(|k| env.get(k).cloned()),
        None,
    ));
    Ok(t.serve().await?)
}

async fn deliver(
    s: &Served,
    id: &str,
    ts: i64,
    sig: &str,
    body: &str,
) -> Result<(u16, Value), reqwest::Error> {
    let resp = s
        .http
        .post(format!("{}/webhooks/openai", s.public_base()))
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", sig)
        .body(body.to_owned())
        .send()
        .await?;
    Ok((resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null)))
}

/// A signed delivery of an incoming call with `call_id`, at the clock's now.
pub async fn incoming(
    s: &Served,
    webhook_id: &str,
    call_id: &str,
) -> Result<(u16, Value), Box<dyn std::error::Error>> {
    let body = fixture("webhooks/realtime_call_incoming.json").replace(FIXTURE_CALL, call_id);
    let ts = s.test.clock.now().as_second();
    let sig = sig_openai::sign(SECRET, webhook_id, ts, body.as_bytes())?;
    Ok(deliver(s, webhook_id, ts, &sig, &body).await?)
}

/// An OpenAI Realtime agent with the given weekly hours, set to answer SIP calls.
pub async fn sip_agent(s: &Served, window: &str, sip: Value) -> Result<i64, Box<dyn std::error::Error>> {
    let created = s
        .rpc(
            "agent.create",
            json!({ "name": "Harbour Clinic", "provider": "openai-realtime" }),
        )
        .await?;
    let agent_id = created.body["id"].as_i64().ok_or("no agent id")?;
    let mut profile = s
        .rpc("agent.openai.get", json!({ "agent_id": agent_id }))
        .await?
        .body["profile"]
        .clone();
    assert_eq!(profile["model"], "gpt-realtime-2.1");
    profile["org"]["hours"] = json!({ "timezone": "UTC", "window": serde_json::from_str::<Value>(window)? });
    profile["escalation"] = json!({ "transfer_to": "+14155550123", "transfer_on_escalation": true });
    let set = s
        .rpc(
            "agent.openai.set",
            json!({ "agent_id": agent_id, "profile": profile }),
        )
        .await?;
    assert_eq!(set.status, 200, "{:?}", set.body);
    let mut sip = sip;
    sip["agent_id"] = json!(agent_id);
    let set = s.rpc("openai.sip.set", sip).await?;
    assert_eq!(set.status, 200, "{:?}", set.body);
    Ok(agent_id)
}

pub const ALWAYS: &str = r#"{"days":[[{"start":"00:00","end":null}],[{"start":"00:00","end":null}],[{"start":"00:00","end":null}],[{"start":"00:00","end":null}],[{"start":"00:00","end":null}],[{"start":"00:00","end":null}],[{"start":"00:00","end":null}]],"blocked_dates":[]}"#;
const NEVER: &str = r#"{"days":[[],[],[],[],[],[],[]],"blocked_dates":[]}"#;

pub fn sip_settings(reject_outside_hours: bool) -> Value {
    json!({ "agent_id": null, "max_concurrent": 5, "reject_outside_hours": reject_outside_hours })
}

async fn sip_calls(s: &Served) -> Result<Vec<(String, String, Option<i64>)>, Box<dyn std::error::Error>> {
    Ok(s.test
        .app
        .store
        .read(|c| {
            let mut stmt = c.prepare(
                "SELECT s.openai_call_id, s.decision, c.prompt_version_id FROM openai_sip_calls s \
                 JOIN calls c ON c.id = s.call_id ORDER BY c.id",
            )?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await?)
}

#[tokio::test]
async fn an_incoming_call_is_journaled_then_accepted_with_the_profile_session() -> TestResult {
    let (base, mut rx) = mock_openai().await?;
    let s = served(&base).await?;
    let agent_id = sip_agent(&s, ALWAYS, sip_settings(true)).await?;

    // The documented delivery, byte for byte, with its recorded headers.
    let req: Value = serde_json::from_str(&fixture("webhooks/realtime_call_incoming.request.json"))?;
    let h = &req["headers"];
    let body = fixture("webhooks/realtime_call_incoming.json");
    let (status, answer) = deliver(
        &s,
        h["webhook-id"].as_str().unwrap_or(""),
        1_795_000_000,
        h["webhook-signature"].as_str().unwrap_or(""),
        &body,
    )
    .await?;
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("accepted")),
        "{answer}"
    );

    let seen = next_rest(&mut rx).await?;
    assert_eq!(seen.path, format!("/v1/realtime/calls/{FIXTURE_CALL}/accept"));
    assert_eq!(seen.auth, format!("Bearer {API_KEY}"));
    let preview = s
        .rpc("agent.prompt_preview", json!({ "agent_id": agent_id }))
        .await?
        .body;
    assert_eq!(
        seen.body, preview["session"],
        "the accept body is the profile's session config"
    );
    // The same shape as the documented accept body.
    let documented: Value = serde_json::from_str(&fixture("rest/calls_accept_request.json"))?;
    for key in ["type", "model", "instructions", "audio", "tools", "tool_choice"] {
        assert!(
            seen.body.get(key).is_some() && documented.get(key).is_some(),
            "{key}"
        );
    }
    assert_eq!(seen.body["type"], "realtime");
    assert_eq!(seen.body["audio"]["output"]["voice"], "marin");

    // Journaled and applied, with the call on the board running the recorded prompt version.
    let versions = s
        .rpc("agent.prompt_versions", json!({ "agent_id": agent_id }))
        .await?
        .body;
    let version_id = versions[0]["id"].as_i64();
    assert_eq!(versions[0]["text"], preview["text"]);
    assert_eq!(
        sip_calls(&s).await?,
        vec![(FIXTURE_CALL.to_owned(), "accept".to_owned(), version_id)]
    );
    let board = s.rpc("call.list", json!({})).await?.body;
    let row = board
        .as_array()
        .and_then(|b| b.iter().find(|c| c["provider_call_id"] == FIXTURE_CALL))
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(row["status"], "in_progress", "{board}");
    let journal = s.rpc("webhook.list", json!({})).await?.body;
    assert!(
        journal.to_string().contains("realtime.call.incoming"),
        "{journal}"
    );

    // The same delivery again: 200 duplicate. The same call under a new webhook-id: not decided twice.
    let (status, answer) = deliver(
        &s,
        h["webhook-id"].as_str().unwrap_or(""),
        1_795_000_000,
        h["webhook-signature"].as_str().unwrap_or(""),
        &body,
    )
    .await?;
    assert_eq!((status, answer["status"].as_str()), (200, Some("duplicate")));
    let (status, _) = incoming(&s, "wh_redelivered_same_call", FIXTURE_CALL).await?;
    assert_eq!(status, 200);
    // A different call afterwards is the next request the mock sees: nothing was sent for the repeats.
    incoming(&s, "wh_second_call", "rtc_second").await?;
    assert_eq!(
        next_rest(&mut rx).await?.path,
        "/v1/realtime/calls/rtc_second/accept"
    );
    assert_eq!(sip_calls(&s).await?.len(), 2);
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn outside_hours_is_rejected_or_referred_and_bad_signatures_apply_nothing() -> TestResult {
    let (base, mut rx) = mock_openai().await?;
    let s = served(&base).await?;
    let agent_id = sip_agent(&s, NEVER, sip_settings(true)).await?;

    // A forged delivery: 401, recorded as rejected, nothing decided, nothing sent.
    let body = fixture("webhooks/realtime_call_incoming.json");
    let now = s.test.clock.now().as_second();
    let forged = sig_openai::sign(
        "whsec_aMCeMjTjYRjkENNVIBC3jl3I+1zn/D58IHRfTMBp2tI=",
        "wh_forged",
        now,
        body.as_bytes(),
    )?;
    let (status, answer) = deliver(&s, "wh_forged", now, &forged, &body).await?;
    assert_eq!((status, answer["code"].as_str()), (401, Some("bad_signature")));
    // Stale: signed six minutes ago with the right secret.
    let old = now - 360;
    let stale = sig_openai::sign(SECRET, "wh_stale", old, body.as_bytes())?;
    assert_eq!(deliver(&s, "wh_stale", old, &stale, &body).await?.0, 401);
    assert!(sip_calls(&s).await?.is_empty());
    assert_eq!(s.test.app.webhooks.guard.rejected_total(), 2);

    // Closed: rejected with 480 (the fixture's reject shape).
    incoming(&s, "wh_closed", "rtc_closed").await?;
    let seen = next_rest(&mut rx).await?;
    assert_eq!(seen.path, "/v1/realtime/calls/rtc_closed/reject");
    assert_eq!(seen.body, json!({ "status_code": 480 }));
    let documented: Value = serde_json::from_str(&fixture("rest/calls_reject_request.json"))?;
    assert!(documented["status_code"].is_u64() && seen.body["status_code"].is_u64());

    // Closed, but set to refer after hours: referred to the profile's transfer number.
    let mut sip = sip_settings(false);
    sip["agent_id"] = json!(agent_id);
    assert_eq!(s.rpc("openai.sip.set", sip).await?.status, 200);
    incoming(&s, "wh_refer", "rtc_refer").await?;
    let seen = next_rest(&mut rx).await?;
    assert_eq!(seen.path, "/v1/realtime/calls/rtc_refer/refer");
    let documented: Value = serde_json::from_str(&fixture("rest/calls_refer_request.json"))?;
    assert_eq!(seen.body, documented, "tel:+14155550123, as documented");
    let decisions: Vec<String> = sip_calls(&s).await?.into_iter().map(|(_, d, _)| d).collect();
    assert_eq!(decisions, ["reject", "refer"]);
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn profiles_are_validated_and_prices_have_published_defaults() -> TestResult {
    let (base, _rx) = mock_openai().await?;
    let s = served(&base).await?;
    let agent_id = sip_agent(&s, ALWAYS, sip_settings(true)).await?;
    let mut profile = s
        .rpc("agent.openai.get", json!({ "agent_id": agent_id }))
        .await?
        .body["profile"]
        .clone();
    profile["org"]["intake_schema"] =
        json!({ "type": "object", "properties": { "urgency": { "type": "colour" } } });
    let bad = s
        .rpc(
            "agent.openai.set",
            json!({ "agent_id": agent_id, "profile": profile.clone() }),
        )
        .await?;
    assert_eq!(bad.status, 422, "{:?}", bad.body);
    assert!(
        bad.body.to_string().contains("org.intake_schema"),
        "{:?}",
        bad.body
    );
    // Nothing stored: the profile still has the default schema.
    let now = s
        .rpc("agent.openai.get", json!({ "agent_id": agent_id }))
        .await?
        .body;
    assert!(now["profile"]["org"]["intake_schema"]["properties"]["reason"].is_object());

    let prices = s.rpc("openai.prices.get", json!({})).await?.body;
    assert_eq!(prices["models"]["gpt-realtime-2.1"]["audio_output"], 64.0);
    let mut changed = prices.clone();
    changed["models"]["gpt-realtime-2.1-mini"]["audio_input"] = json!(-3);
    assert_eq!(s.rpc("openai.prices.set", changed).await?.status, 422);
    let mut changed = prices;
    changed["models"]["gpt-realtime-2.1-mini"]["audio_input"] = json!(9.5);
    assert_eq!(s.rpc("openai.prices.set", changed).await?.status, 200);
    let again = s.rpc("openai.prices.get", json!({})).await?.body;
    assert_eq!(again["models"]["gpt-realtime-2.1-mini"]["audio_input"], 9.5);

    let sip = s.rpc("openai.sip.get", json!({})).await?;
    assert_eq!(sip.body["agent_id"].as_i64(), Some(agent_id));
    let preview = s
        .rpc(
            "agent.prompt_preview",
            json!({ "agent_id": agent_id, "profile": profile }),
        )
        .await?;
    assert_eq!(preview.code(), "validation", "a draft is checked like a save");
    let versions = s
        .rpc("agent.prompt_versions", json!({ "agent_id": agent_id }))
        .await?;
    assert_eq!(versions.body, json!([]), "no call has used it yet");

    // A non-OpenAI agent cannot answer SIP calls.
    let sim = s
        .rpc("agent.create", json!({ "name": "Sim", "provider": "sim" }))
        .await?
        .body;
    let refused = s
        .rpc(
            "openai.sip.set",
            json!({ "agent_id": sim["id"], "max_concurrent": 5, "reject_outside_hours": true }),
        )
        .await?;
    assert_eq!(refused.status, 400);
    let covered = [
        "agent.openai.get",
        "agent.openai.set",
        "agent.prompt_preview",
        "agent.prompt_versions",
        "openai.prices.get",
        "openai.prices.set",
        "openai.sip.get",
        "openai.sip.set",
    ];
    let all: Vec<&str> = callboard_core::api::COMMANDS
        .iter()
        .copied()
        .filter(|c| OPENAI_COMMAND.iter().any(|p| c.starts_with(p)))
        .collect();
    assert_eq!(all, covered, "every OpenAI command is round-tripped in this file");
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn an_accepted_call_feeds_the_live_view_and_hangs_up_from_the_console() -> TestResult {
    let (base, mut rx) = mock_openai().await?;
    let s = served(&base).await?;
    sip_agent(&s, ALWAYS, sip_settings(true)).await?;
    // What launch does: the console acts on SIP calls through their dialer.
    let mut controls = HashMap::new();
    callboard_core::openai::sip_dialer::add_to(&s.test.app, &mut controls);
    s.test.app.call_controls.set(controls);
    let mut events = s.test.app.events.subscribe();
    incoming(&s, "wh_live", "rtc_live").await?;
    assert_eq!(
        next_rest(&mut rx).await?.path,
        "/v1/realtime/calls/rtc_live/accept"
    );
    // The control socket opens with the call id and asks the agent to speak first.
    let first = next(&mut rx).await?;
    assert_eq!(
        (first.path.as_str(), &first.body),
        ("ws", &json!({ "type": "response.create" }))
    );

    let mut lines = Vec::new();
    while lines.len() < 2 {
        let batch = tokio::time::timeout(Duration::from_secs(20), events.next_batch())
            .await?
            .ok_or("the bus closed")?;
        for e in batch {
            if let callboard_core::events::Event::CallTranscript { role, text, .. } = e {
                lines.push((role, text));
            }
        }
    }
    assert_eq!(
        lines,
        [
            ("contact".to_owned(), "My basement is flooding.".to_owned()),
            ("agent".to_owned(), "I am sorry to hear that.".to_owned())
        ]
    );

    // Hang up from the console: the REST hangup reaches OpenAI and the call ends on the board.
    let board = s
        .rpc("call.list", json!({ "provider": "openai-sip" }))
        .await?
        .body;
    let id = board[0]["id"].as_i64().ok_or("no SIP call on the board")?;
    assert_eq!(board[0]["status"], "in_progress");
    let detail = s.rpc("call.get", json!({ "id": id })).await?.body;
    assert_eq!(detail["capabilities"]["hang_up"], true, "{detail}");
    let hung = s.rpc("call.hang_up", json!({ "id": id })).await?;
    assert_eq!(hung.status, 200, "{:?}", hung.body);
    assert_eq!(
        next_rest(&mut rx).await?.path,
        "/v1/realtime/calls/rtc_live/hangup"
    );
    let after = s.rpc("call.get", json!({ "id": id })).await?.body;
    assert_eq!(after["call"]["status"], "completed", "{after}");
    s.stop().await;
    Ok(())
}
