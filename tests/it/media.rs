//! The media bridge through the real public listener: the carriers' recorded streams replayed against a
//! mock agent, barge-in and marks per the protocol, DTMF, the recording, refusals before the upgrade, a
//! silent agent, and the end of a call arriving from the status callback first.

use std::time::Duration;

use base64::Engine as _;
use callboard_core::{events::Event, media::audio, webhooks::sig_twilio};
use callboard_testkit::{EXOTEL_SECRET, PUBLIC_BASE_URL, Served, TWILIO_TOKEN, TestApp};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{self, Message, client::IntoClientRequest};

use crate::media_mock::{self, Seen};

type TestResult = Result<(), Box<dyn std::error::Error>>;
type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/telephony");

fn lines(path: &str) -> Vec<Value> {
    std::fs::read_to_string(format!("{FIXTURES}/{path}"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn clip_pcm() -> Vec<i16> {
    let bytes = std::fs::read(format!("{FIXTURES}/audio/clip_8k_pcm16.raw")).unwrap_or_default();
    let mut pcm = Vec::new();
    audio::le_bytes_to_pcm(&bytes, &mut pcm);
    pcm
}

/// Opens `/media/twilio` signed as Twilio signs it (over the public `wss://` URL).
async fn twilio_socket(s: &Served) -> Result<Socket, tungstenite::Error> {
    let ws_base = PUBLIC_BASE_URL.replace("https://", "wss://");
    let sig = sig_twilio::sign(
        TWILIO_TOKEN,
        &format!("{ws_base}/media/twilio"),
        &[],
        sig_twilio::Algorithm::Sha1,
    );
    let mut req = format!("ws://{}/media/twilio", s.running.public_addr).into_client_request()?;
    req.headers_mut().insert(
        "x-twilio-signature",
        sig.parse().map_err(|_| tungstenite::Error::Utf8(String::new()))?,
    );
    Ok(tokio_tungstenite::connect_async(req).await?.0)
}

async fn exotel_socket(s: &Served, secret: &str, query: &str) -> Result<Socket, tungstenite::Error> {
    let url = format!("ws://{}/media/exotel/{secret}{query}", s.running.public_addr);
    Ok(tokio_tungstenite::connect_async(url).await?.0)
}

async fn send(ws: &mut Socket, v: &Value) -> TestResult {
    ws.send(Message::text(v.to_string())).await?;
    Ok(())
}

/// The next JSON text from the bridge; `None` once it closed the socket.
async fn next_json(ws: &mut Socket) -> Option<Value> {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return serde_json::from_str(&t).ok(),
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) | Err(_) => return None,
            Ok(Some(Ok(_))) => {}
        }
    }
}

/// Waits for the bridge to close the carrier socket (it does so after the recording is linked).
async fn until_closed(ws: &mut Socket) -> Vec<Value> {
    let mut got = Vec::new();
    while let Some(v) = next_json(ws).await {
        got.push(v);
    }
    got
}

fn with_call(mut start: Value, carrier_key: &str, call_id: i64, token: &str) -> Value {
    start["start"][carrier_key]["call_id"] = json!(call_id.to_string());
    start["start"][carrier_key]["token"] = json!(token);
    start
}

fn wav_frames(s: &Served, call_id: i64) -> Result<u64, Box<dyn std::error::Error>> {
    let path = s.test.dir.path().join(format!("recordings/call-{call_id}.wav"));
    let bytes = std::fs::read(&path)?;
    assert_eq!(&bytes[0..4], b"RIFF");
    assert_eq!(u16::from_le_bytes([bytes[22], bytes[23]]), 2, "stereo");
    let data = u32::from_le_bytes([bytes[40], bytes[41], bytes[42], bytes[43]]);
    assert_eq!(bytes.len() as u64, 44 + u64::from(data));
    Ok(u64::from(data) / 4)
}

async fn recording_path(s: &Served, call_id: i64) -> Option<String> {
    s.test
        .app
        .store
        .read(move |c| Ok(callboard_core::store::calls::get(c, call_id)?.recording_path))
        .await
        .ok()
        .flatten()
}

#[tokio::test]
async fn the_twilio_stream_reaches_the_agent_as_the_clip_and_is_recorded() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let mut agent = media_mock::start_agent("ulaw_8000", true).await?;
    media_mock::use_agent(&s.test.app, &agent, Duration::from_secs(5));
    let call_id = media_mock::seed_call(&s.test.app, "twilio").await?;
    let token = s.test.app.media_token(call_id);
    let mut ws = twilio_socket(&s).await?;
    let stream = lines("twilio/twilio_stream.jsonl");
    assert_eq!(stream.len(), 303);
    send(&mut ws, &stream[0]).await?;
    send(
        &mut ws,
        &with_call(stream[1].clone(), "customParameters", call_id, &token),
    )
    .await?;
    // The agent gets the contact's variables first.
    let Seen::Init(init) = media_mock::next_seen(&mut agent).await else {
        panic!("no init")
    };
    assert_eq!(init["dynamic_variables"]["plan"], "gold");
    assert_eq!(init["dynamic_variables"]["name"], "Ana");
    for msg in &stream[2..] {
        send(&mut ws, msg).await?;
    }
    let (heard, _) = media_mock::drain_until_closed(&mut agent).await;
    let heard: Vec<i16> = heard.iter().map(|&b| audio::ulaw_decode(b)).collect();
    let clip: Vec<i16> = clip_pcm()
        .iter()
        .map(|&s| audio::ulaw_decode(audio::ulaw_encode(s)))
        .collect();
    assert_eq!(heard.len(), clip.len());
    assert!(heard == clip, "the agent heard the clip");
    until_closed(&mut ws).await;
    assert_eq!(wav_frames(&s, call_id)?, 48_000, "6 s at 8 kHz");
    assert_eq!(
        recording_path(&s, call_id).await.as_deref(),
        Some(format!("recordings/call-{call_id}.wav").as_str())
    );
    assert!(!s.test.app.media_taps.is_live(call_id));
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn twilio_barge_in_clears_marks_come_back_discarded_and_dtmf_reaches_the_agent() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let mut agent = media_mock::start_agent("ulaw_8000", true).await?;
    media_mock::use_agent(&s.test.app, &agent, Duration::from_secs(5));
    let mut bus = s.test.app.events.subscribe();
    let call_id = media_mock::seed_call(&s.test.app, "twilio").await?;
    let token = s.test.app.media_token(call_id);
    let session = lines("twilio/twilio_bidirectional_session.jsonl");
    let from_twilio: Vec<Value> = session
        .iter()
        .filter(|l| l["dir"] == "twilio->server")
        .map(|l| l["msg"].clone())
        .collect();
    let to_twilio: Vec<Value> = session
        .iter()
        .filter(|l| l["dir"] == "server->twilio")
        .map(|l| l["msg"].clone())
        .collect();
    let mut ws = twilio_socket(&s).await?;
    send(&mut ws, &from_twilio[0]).await?;
    send(
        &mut ws,
        &with_call(from_twilio[1].clone(), "customParameters", call_id, &token),
    )
    .await?;
    assert!(matches!(media_mock::next_seen(&mut agent).await, Seen::Init(_)));
    // The agent greets: the fixture's first outbound payload, as ElevenLabs `audio`.
    let greeting = to_twilio[0]["media"]["payload"].as_str().unwrap_or("");
    agent.say.send(
        json!({"type": "audio", "audio_event": {"audio_base_64": greeting, "event_id": 1}}).to_string(),
    )?;
    let media = next_json(&mut ws).await.unwrap_or_default();
    assert_eq!(media["event"], "media");
    assert_eq!(media["streamSid"], to_twilio[0]["streamSid"]);
    let sent =
        base64::engine::general_purpose::STANDARD.decode(media["media"]["payload"].as_str().unwrap_or(""))?;
    let want = base64::engine::general_purpose::STANDARD.decode(greeting)?;
    assert_eq!(sent.len(), want.len());
    let mark1 = next_json(&mut ws).await.unwrap_or_default();
    assert_eq!(mark1["event"], "mark");
    // Two inbound frames, then Twilio echoes the first mark (played).
    send(&mut ws, &from_twilio[2]).await?;
    send(&mut ws, &from_twilio[3]).await?;
    let mut echo = from_twilio[4].clone();
    echo["mark"]["name"] = mark1["mark"]["name"].clone();
    send(&mut ws, &echo).await?;
    // The answer, then the caller presses 1 and talks over it.
    let answer = to_twilio[2]["media"]["payload"].as_str().unwrap_or("");
    agent.say.send(
        json!({"type": "audio", "audio_event": {"audio_base_64": answer, "event_id": 2}}).to_string(),
    )?;
    assert_eq!(next_json(&mut ws).await.unwrap_or_default()["event"], "media");
    let mark2 = next_json(&mut ws).await.unwrap_or_default();
    send(&mut ws, &from_twilio[5]).await?; // dtmf 1
    let mut dtmf_seen = None;
    while dtmf_seen.is_none() {
        match media_mock::next_seen(&mut agent).await {
            Seen::Message(v) => dtmf_seen = Some(v),
            Seen::Audio(_) => {}
            other => panic!("expected the DTMF, got {other:?}"),
        }
    }
    let dtmf = dtmf_seen.unwrap_or_default();
    assert_eq!(dtmf["type"], "user_message");
    assert!(dtmf["text"].as_str().unwrap_or("").contains('1'));
    agent
        .say
        .send(json!({"type": "interruption", "interruption_event": {"event_id": 2}}).to_string())?;
    let clear = next_json(&mut ws).await.unwrap_or_default();
    assert_eq!(clear, to_twilio[4], "the clear is exactly the protocol's");
    // Audio of the interrupted turn that arrives late is dropped; the pending mark comes back discarded.
    agent.say.send(
        json!({"type": "audio", "audio_event": {"audio_base_64": answer, "event_id": 2}}).to_string(),
    )?;
    agent.say.send(
        json!({"type": "agent_response", "agent_response_event": {"agent_response": "Sure.", "event_id": 3}})
            .to_string(),
    )?;
    let mut echo2 = from_twilio[6].clone();
    echo2["mark"]["name"] = mark2["mark"]["name"].clone();
    send(&mut ws, &echo2).await?;
    let mut transcript = None;
    while transcript.is_none() {
        let Some(batch) = bus.next_batch().await else {
            break;
        };
        transcript = batch.into_iter().find_map(|e| match e {
            Event::CallTranscript {
                call_id: c,
                role,
                text,
                ..
            } if c == call_id => Some((role, text)),
            _ => None,
        });
    }
    assert_eq!(transcript, Some(("agent".to_owned(), "Sure.".to_owned())));
    send(&mut ws, &from_twilio[7]).await?; // stop
    let rest = until_closed(&mut ws).await;
    assert!(
        rest.iter().all(|m| m["event"] != "media"),
        "nothing from before the interruption is played: {rest:?}"
    );
    media_mock::drain_until_closed(&mut agent).await;
    assert_eq!(wav_frames(&s, call_id)?, 320);
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn the_exotel_stream_reaches_a_pcm_agent_unchanged() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let mut agent = media_mock::start_agent("pcm_8000", true).await?;
    media_mock::use_agent(&s.test.app, &agent, Duration::from_secs(5));
    let call_id = media_mock::seed_call(&s.test.app, "exotel").await?;
    let token = s.test.app.media_token(call_id);
    let mut ws = exotel_socket(&s, EXOTEL_SECRET, &format!("?call_id={call_id}&token={token}")).await?;
    let stream = lines("exotel/exotel_stream.jsonl");
    assert_eq!(stream.len(), 63);
    send(&mut ws, &stream[0]).await?;
    send(&mut ws, &stream[1]).await?;
    assert!(matches!(media_mock::next_seen(&mut agent).await, Seen::Init(_)));
    for msg in &stream[2..] {
        send(&mut ws, msg).await?;
    }
    let (heard, _) = media_mock::drain_until_closed(&mut agent).await;
    let clip = std::fs::read(format!("{FIXTURES}/audio/clip_8k_pcm16.raw"))?;
    assert_eq!(heard.len(), clip.len());
    assert!(heard == clip, "the agent heard the clip byte for byte");
    until_closed(&mut ws).await;
    assert_eq!(wav_frames(&s, call_id)?, 48_000);
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn exotel_chunks_marks_clear_and_dtmf_follow_the_voicebot_rules() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let mut agent = media_mock::start_agent("pcm_16000", true).await?;
    media_mock::use_agent(&s.test.app, &agent, Duration::from_secs(5));
    let call_id = media_mock::seed_call(&s.test.app, "exotel").await?;
    let token = s.test.app.media_token(call_id);
    let session = lines("exotel/exotel_bidirectional_session.jsonl");
    let from_exotel: Vec<Value> = session
        .iter()
        .filter(|l| l["dir"] == "exotel->server")
        .map(|l| l["msg"].clone())
        .collect();
    // The call id and token may also come in `start` (Exotel copies URL query pairs there).
    let mut ws = exotel_socket(&s, EXOTEL_SECRET, "").await?;
    send(&mut ws, &from_exotel[0]).await?;
    send(
        &mut ws,
        &with_call(from_exotel[1].clone(), "custom_parameters", call_id, &token),
    )
    .await?;
    assert!(matches!(media_mock::next_seen(&mut agent).await, Seen::Init(_)));
    // 250 ms of 16 kHz agent speech = 4000 bytes at 8 kHz: one 3840-byte chunk now, a padded tail later.
    let speech = base64::engine::general_purpose::STANDARD.encode(vec![0x11u8; 8000]);
    agent.say.send(
        json!({"type": "audio", "audio_event": {"audio_base_64": speech, "event_id": 1}}).to_string(),
    )?;
    let mut sizes = Vec::new();
    let mut marks = Vec::new();
    while sizes.len() < 2 {
        let m = next_json(&mut ws).await.unwrap_or_default();
        match m["event"].as_str() {
            Some("media") => {
                assert!(m["stream_sid"].is_string());
                let p = base64::engine::general_purpose::STANDARD
                    .decode(m["media"]["payload"].as_str().unwrap_or(""))?;
                sizes.push(p.len());
            }
            Some("mark") => marks.push(m["mark"]["name"].clone()),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(sizes, [3840, 3200]);
    assert!(sizes.iter().all(|n| n % 320 == 0 && *n >= 3200));
    send(&mut ws, &from_exotel[2]).await?; // media
    send(&mut ws, &from_exotel[4]).await?; // dtmf 5
    loop {
        match media_mock::next_seen(&mut agent).await {
            Seen::Message(v) => {
                assert!(v["text"].as_str().unwrap_or("").contains('5'));
                break;
            }
            Seen::Audio(a) => assert_eq!(a.len(), 3200, "100 ms at 8 kHz becomes 100 ms at 16 kHz"),
            other => panic!("expected the DTMF, got {other:?}"),
        }
    }
    agent
        .say
        .send(json!({"type": "interruption", "interruption_event": {"event_id": 1}}).to_string())?;
    let clear = loop {
        let m = next_json(&mut ws).await.unwrap_or_default();
        if m["event"] != "mark" {
            break m;
        }
    };
    assert_eq!(clear["event"], "clear");
    assert_eq!(clear["stream_sid"], from_exotel[1]["stream_sid"]);
    send(&mut ws, &from_exotel[5]).await?; // stop
    until_closed(&mut ws).await;
    assert_eq!(wav_frames(&s, call_id)?, 800);
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn sockets_without_a_valid_signature_secret_or_token_are_refused() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let call_id = media_mock::seed_call(&s.test.app, "twilio").await?;
    let unsigned =
        tokio_tungstenite::connect_async(format!("ws://{}/media/twilio", s.running.public_addr)).await;
    assert!(matches!(unsigned, Err(tungstenite::Error::Http(r)) if r.status() == 401));
    let wrong_secret = exotel_socket(&s, "guess", "").await;
    assert!(matches!(wrong_secret, Err(tungstenite::Error::Http(r)) if r.status() == 403));
    let wrong_token = exotel_socket(&s, EXOTEL_SECRET, &format!("?call_id={call_id}&token=00")).await;
    assert!(matches!(wrong_token, Err(tungstenite::Error::Http(r)) if r.status() == 403));
    // Signed, but the token in `start` is for another call: closed without a session.
    let mut ws = twilio_socket(&s).await?;
    let stream = lines("twilio/twilio_stream.jsonl");
    let other_token = s.test.app.media_token(call_id + 1);
    send(
        &mut ws,
        &with_call(stream[1].clone(), "customParameters", call_id, &other_token),
    )
    .await?;
    assert!(until_closed(&mut ws).await.is_empty());
    assert!(!s.test.app.media_sessions.is_live(call_id));
    assert!(
        !s.test
            .dir
            .path()
            .join(format!("recordings/call-{call_id}.wav"))
            .exists()
    );
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn bad_frames_are_skipped_and_a_sim_call_needs_no_agent() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let call_id = media_mock::seed_call(&s.test.app, "sim").await?;
    let token = s.test.app.media_token(call_id);
    let mut ws = twilio_socket(&s).await?;
    let stream = lines("twilio/twilio_stream.jsonl");
    send(
        &mut ws,
        &with_call(stream[1].clone(), "customParameters", call_id, &token),
    )
    .await?;
    ws.send(Message::text("{not json")).await?;
    send(
        &mut ws,
        &json!({"event": "media", "streamSid": "MZother", "media": {"payload": "//8="}}),
    )
    .await?;
    send(&mut ws, &json!({"event": "media", "media": {"payload": "@@@"}})).await?;
    send(&mut ws, &json!({"event": "surprise"})).await?;
    ws.send(Message::binary(vec![1, 2, 3])).await?;
    for msg in &stream[2..52] {
        send(&mut ws, msg).await?;
    }
    send(&mut ws, &stream[302]).await?;
    until_closed(&mut ws).await;
    assert_eq!(
        wav_frames(&s, call_id)?,
        50 * 160,
        "only the good frames are recorded"
    );
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn with_recording_switched_off_a_call_is_bridged_and_nothing_is_kept() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let off = s
        .rpc("settings.update", json!({"recording_enabled": false}))
        .await?;
    assert_eq!(off.status, 200, "{}", off.body);
    let call_id = media_mock::seed_call(&s.test.app, "sim").await?;
    let token = s.test.app.media_token(call_id);
    let mut ws = twilio_socket(&s).await?;
    let stream = lines("twilio/twilio_stream.jsonl");
    send(
        &mut ws,
        &with_call(stream[1].clone(), "customParameters", call_id, &token),
    )
    .await?;
    for msg in &stream[2..52] {
        send(&mut ws, msg).await?;
    }
    send(&mut ws, &stream[302]).await?;
    until_closed(&mut ws).await;
    assert_eq!(recording_path(&s, call_id).await, None);
    let file = s.test.dir.path().join(format!("recordings/call-{call_id}.wav"));
    assert!(!file.exists(), "no recording file");
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn an_agent_that_never_answers_ends_the_call() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let agent = media_mock::start_agent("ulaw_8000", false).await?;
    media_mock::use_agent(&s.test.app, &agent, Duration::from_millis(300));
    let call_id = media_mock::seed_call(&s.test.app, "twilio").await?;
    let token = s.test.app.media_token(call_id);
    let mut ws = twilio_socket(&s).await?;
    let stream = lines("twilio/twilio_stream.jsonl");
    send(
        &mut ws,
        &with_call(stream[1].clone(), "customParameters", call_id, &token),
    )
    .await?;
    send(&mut ws, &stream[2]).await?;
    // The bridge gives up on the agent and closes the stream by itself (no `stop` is ever sent).
    until_closed(&mut ws).await;
    assert!(!s.test.app.media_sessions.is_live(call_id));
    assert_eq!(
        recording_path(&s, call_id).await.as_deref(),
        Some(format!("recordings/call-{call_id}.wav").as_str())
    );
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn a_terminal_status_first_ends_the_session_once() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let mut agent = media_mock::start_agent("ulaw_8000", true).await?;
    media_mock::use_agent(&s.test.app, &agent, Duration::from_secs(5));
    let call_id = media_mock::seed_call(&s.test.app, "twilio").await?;
    let token = s.test.app.media_token(call_id);
    let mut ws = twilio_socket(&s).await?;
    let stream = lines("twilio/twilio_stream.jsonl");
    send(
        &mut ws,
        &with_call(stream[1].clone(), "customParameters", call_id, &token),
    )
    .await?;
    // The session is live once its agent is asked in.
    assert!(matches!(media_mock::next_seen(&mut agent).await, Seen::Init(_)));
    send(&mut ws, &stream[2]).await?;
    send(&mut ws, &stream[3]).await?;
    // The status callback says the call is over (what the webhook applier emits).
    let call = s
        .test
        .app
        .store
        .with_tx(move |tx| {
            tx.execute("UPDATE calls SET status = 'completed' WHERE id = ?1", [call_id])?;
            callboard_core::store::calls::get(tx, call_id)
        })
        .await?;
    s.test.app.events.emit(Event::CallChanged { call });
    until_closed(&mut ws).await;
    assert!(!s.test.app.media_sessions.is_live(call_id));
    let (heard, _) = media_mock::drain_until_closed(&mut agent).await;
    assert_eq!(
        heard.len(),
        320,
        "the agent got both frames before its conversation closed"
    );
    assert_eq!(wav_frames(&s, call_id)?, 320);
    // A late `stop` or a second socket for the ended call changes nothing.
    let mut again = twilio_socket(&s).await?;
    send(
        &mut again,
        &with_call(stream[1].clone(), "customParameters", call_id, &token),
    )
    .await?;
    assert!(until_closed(&mut again).await.is_empty());
    assert_eq!(wav_frames(&s, call_id)?, 320);
    s.stop().await;
    Ok(())
}
