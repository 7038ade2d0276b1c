//! The live part of an answered simulated call: a Twilio-format media stream to `{public}/media/twilio`
//! (`connected`, `start` with the call's id and media token, 20 ms µ-law frames at real time divided by the
//! speed, a `mark` per scripted turn, `stop`), signed with `X-Twilio-Signature` over the `wss://` URL, and an
//! `Event::CallTranscript` for each turn as it is spoken. Without a media route (404) or with media switched
//! off, the transcript lines still go out on time.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use base64::Engine as _;
use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};
use tokio_util::sync::CancellationToken;

use super::{deliver::Counters, plan::Plan, wire::ACCOUNT_SID};
use crate::{app::App, clock::to_db, events::Event, webhooks::sig_twilio};

/// 6 s of speech, G.711 µ-law 8 kHz mono (the telephony fixture clip), looped.
const CLIP: &[u8] = include_bytes!("../../../assets/sim/clip_8k_mulaw.raw");
/// Bytes in one 20 ms frame.
const FRAME: usize = 160;
/// How often frames go out (real time); at higher speeds several frames go per tick.
const TICK: Duration = Duration::from_millis(20);

static NO_ROUTE_LOGGED: AtomicBool = AtomicBool::new(false);

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The URL Twilio would sign: the public base with its scheme made `wss://`.
pub fn signed_url(public_base: &str) -> String {
    let rest = public_base
        .split_once("://")
        .map_or(public_base, |(_, rest)| rest)
        .trim_end_matches('/');
    format!("wss://{rest}/media/twilio")
}

/// Opens the stream; `None` (logged) when there is no listener, no route, or the upgrade fails.
async fn connect(app: &App) -> Option<Socket> {
    let info = app.info();
    let listener = info.public_listener?;
    let public = info.public_base_url.unwrap_or_else(|| listener.clone());
    let ws_url = format!(
        "ws://{}/media/twilio",
        listener.split_once("://").map_or(listener.as_str(), |(_, r)| r)
    );
    let mut request = ws_url.clone().into_client_request().ok()?;
    let token = app.webhooks.secrets().twilio_auth_token;
    let signature = sig_twilio::sign(
        token.as_ref().map_or("", |s| s.expose()),
        &signed_url(&public),
        &[],
        sig_twilio::Algorithm::Sha1,
    );
    request
        .headers_mut()
        .insert("x-twilio-signature", HeaderValue::from_str(&signature).ok()?);
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Some(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) if response.status() == 404 => {
            if !NO_ROUTE_LOGGED.swap(true, Ordering::Relaxed) {
                tracing::debug!(url = %ws_url, "no media route on the public listener; simulating without audio");
            }
            None
        }
        Err(e) => {
            tracing::debug!(error = %e, "simulator: media stream not opened");
            None
        }
    }
}

fn message(v: Value) -> Message {
    Message::text(v.to_string())
}

/// Streams the conversation of `plan` for `call_id` for its talk time; returns early when `stop` fires.
pub async fn live(
    app: Arc<App>,
    counters: Arc<Counters>,
    plan: Arc<Plan>,
    call_id: i64,
    speed: f64,
    with_media: bool,
    stop: CancellationToken,
) {
    let mut socket = if with_media { connect(&app).await } else { None };
    let sid = plan.stream_sid.clone();
    let mut seq = 0u64;
    let mut next_seq = || {
        seq += 1;
        seq.to_string()
    };
    if let Some(s) = socket.as_mut() {
        counters.media_streams.fetch_add(1, Ordering::Relaxed);
        let start = json!({
            "event": "start", "sequenceNumber": next_seq(), "streamSid": sid,
            "start": {
                "accountSid": ACCOUNT_SID, "streamSid": sid, "callSid": plan.call_sid, "tracks": ["inbound"],
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                "customParameters": {"call_id": call_id.to_string(), "token": app.media_token(call_id)},
            },
        });
        let opened = s
            .send(message(
                json!({"event": "connected", "protocol": "Call", "version": "1.0.0"}),
            ))
            .await
            .and(s.send(message(start)).await);
        if opened.is_err() {
            socket = None;
        }
    }
    let total_frames = u64::from(plan.talk_secs) * 50;
    let turns = if plan.outcome == crate::engine::retry::Outcome::Answered {
        plan.script.spoken(plan.disclosure.as_deref())
    } else {
        Vec::new()
    };
    let (mut frames, mut credit, mut spoken) = (0u64, 0.0f64, 0usize);
    // Without a stream only the transcript needs timing: wake ten times less often.
    let period = if socket.is_some() { TICK } else { TICK * 10 };
    let frames_per_tick = speed * (period.as_secs_f64() / TICK.as_secs_f64());
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while frames < total_frames || spoken < turns.len() {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = tick.tick() => {}
        }
        credit += frames_per_tick;
        let due = (credit as u64).min(total_frames.saturating_sub(frames).max(1));
        credit -= due as f64;
        for _ in 0..due {
            if let Some(s) = socket.as_mut() {
                let at = (frames as usize * FRAME) % CLIP.len();
                let payload = base64::engine::general_purpose::STANDARD.encode(&CLIP[at..at + FRAME]);
                let media = json!({
                    "event": "media", "sequenceNumber": next_seq(), "streamSid": sid,
                    "media": {"track": "inbound", "chunk": (frames + 1).to_string(),
                              "timestamp": (frames * 20).to_string(), "payload": payload},
                });
                if s.send(message(media)).await.is_err() {
                    socket = None;
                }
            }
            frames += 1;
        }
        let elapsed_secs = frames / 50;
        while let Some((t, who, text)) = turns.get(spoken) {
            if u64::from(*t) > elapsed_secs {
                break;
            }
            spoken += 1;
            counters.transcript_lines.fetch_add(1, Ordering::Relaxed);
            app.events.emit(Event::CallTranscript {
                call_id,
                role: who.event_role().to_owned(),
                text: text.clone(),
                at: to_db(app.clock.now()),
            });
            if let Some(s) = socket.as_mut() {
                let mark = json!({"event": "mark", "sequenceNumber": next_seq(), "streamSid": sid,
                                  "mark": {"name": format!("turn-{spoken}")}});
                if s.send(message(mark)).await.is_err() {
                    socket = None;
                }
            }
        }
    }
    if let Some(mut s) = socket {
        let stop_msg = json!({"event": "stop", "sequenceNumber": next_seq(), "streamSid": sid,
                              "stop": {"accountSid": ACCOUNT_SID, "callSid": plan.call_sid}});
        let _ = s.send(message(stop_msg)).await;
        let _ = s.close(None).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_url_is_the_public_base_as_wss() {
        assert_eq!(
            signed_url("https://calm-otter.ngrok.app/"),
            "wss://calm-otter.ngrok.app/media/twilio"
        );
        assert_eq!(
            signed_url("http://127.0.0.1:8788"),
            "wss://127.0.0.1:8788/media/twilio"
        );
        assert_eq!(CLIP.len() % FRAME, 0);
    }
}
