//! From a raw delivery to what the journal and the calls need. [`classify`] runs before the 200 and only
//! names the event (type, idempotency key, provider time); it never fails, so anything verified is stored.
//! [`extract`] runs in the applier: the ids that find the call, whether the event may create the call, and the
//! [`Facts`] it contributes. Facts carry a rank: the call's status comes from the most informative event
//! (a transcription beats a failure notice beats a carrier status beats ringing), never from the last one in.

use std::path::Path;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{
    Provider,
    payload_elevenlabs::{self as el, CallResult, Envelope},
    payload_telephony::Fields,
};
use crate::clock::to_db;

/// The name and key of a delivery, worked out before it is journaled.
#[derive(Debug, Clone, PartialEq)]
pub struct Classified {
    pub kind: String,
    pub idempotency_key: String,
    pub occurred_at: Option<String>,
    pub sequence: Option<i64>,
}

fn digest(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))[..32].to_owned()
}

fn unix(secs: Option<i64>) -> Option<String> {
    secs.and_then(|s| Timestamp::from_second(s).ok()).map(to_db)
}

pub(crate) fn unix_pub(secs: Option<i64>) -> Option<String> {
    unix(secs)
}

/// RFC 2822 (Twilio status callbacks) or RFC 3339 (stream callbacks).
fn provider_time(s: Option<&str>) -> Option<String> {
    let s = s?;
    let ts = s
        .parse::<Timestamp>()
        .ok()
        .or_else(|| jiff::fmt::rfc2822::DateTimeParser::new().parse_timestamp(s).ok())?;
    Some(to_db(ts))
}

/// Names a verified delivery. `route` is the last path segment (`status`, `amd`, …; `""` for ElevenLabs).
pub fn classify(provider: Provider, route: &str, content_type: &str, body: &[u8]) -> Classified {
    match provider {
        Provider::Elevenlabs => {
            let env: Envelope<el::Ids> = serde_json::from_slice(body).unwrap_or_default();
            let kind = if env.kind.is_empty() {
                "unknown".to_owned()
            } else {
                env.kind
            };
            let key = match env.data.conversation_id.filter(|c| !c.is_empty()) {
                Some(c) => format!("{kind}:{c}"),
                None => format!("{kind}:sha256:{}", digest(body)),
            };
            Classified {
                kind,
                idempotency_key: key,
                occurred_at: unix(env.event_timestamp),
                sequence: None,
            }
        }
        Provider::Twilio | Provider::Exotel => {
            let f = Fields::from_body(body, content_type).unwrap_or_default();
            let sid = f.get("CallSid").unwrap_or("-");
            let g = |k: &str| f.get(k).unwrap_or("-").to_owned();
            let key = match (provider, route) {
                (Provider::Twilio, "status") => {
                    let order = f.get("SequenceNumber").or(f.get("Timestamp")).unwrap_or("-");
                    format!("status:{sid}:{}:{order}", g("CallStatus"))
                }
                (Provider::Twilio, "amd") => format!("amd:{sid}:{}", g("AnsweredBy")),
                (Provider::Twilio, "recording") => {
                    format!("recording:{sid}:{}:{}", g("RecordingSid"), g("RecordingStatus"))
                }
                (Provider::Twilio, "stream") => {
                    format!("stream:{sid}:{}:{}", g("StreamSid"), g("StreamEvent"))
                }
                (Provider::Exotel, "status") => {
                    format!("status:{sid}:{}", f.get("EventType").unwrap_or("terminal"))
                }
                _ => format!("{route}:{sid}:{}", digest(body)),
            };
            Classified {
                kind: route.to_owned(),
                idempotency_key: key,
                occurred_at: provider_time(f.get("Timestamp")),
                sequence: f.get("SequenceNumber").and_then(|s| s.parse().ok()),
            }
        }
    }
}

/// What one event says about its call. Serialised into the journal row once it is applied.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Facts {
    /// How informative the event is about the call's outcome (higher wins); 0 says nothing about status.
    pub rank: i32,
    pub sequence: Option<i64>,
    pub occurred_at: Option<String>,
    pub status: Option<String>,
    pub outcome: Option<String>,
    pub disposition: Option<String>,
    pub started_at: Option<String>,
    pub answered_at: Option<String>,
    pub ended_at: Option<String>,
    pub duration_s: Option<f64>,
    pub cost: Option<f64>,
    pub summary: Option<String>,
    pub analysis: Option<serde_json::Value>,
    pub transcript: Option<serde_json::Value>,
    pub recording_path: Option<String>,
    pub recording_url: Option<String>,
}

/// What the applier needs from one event.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extracted {
    /// (kind, value) ids that identify the call.
    pub refs: Vec<(String, String)>,
    /// Whether this event may create the call when none is known (an audio file or AMD result alone may not).
    pub creates_call: bool,
    pub provider_call_id: Option<String>,
    pub conversation_id: Option<String>,
    pub facts: Facts,
}

#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("the body is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot read or write {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{0}")]
    Invalid(String),
}

fn push_ref(refs: &mut Vec<(String, String)>, kind: &str, value: Option<String>) {
    if let Some(v) = value.filter(|v| !v.is_empty()) {
        refs.push((kind.to_owned(), v));
    }
}

/// Reads what a journaled event says. `recordings_in` is the data dir recordings are written under, `None`
/// when recording is switched off (a provider's audio is then dropped).
pub fn extract(
    provider: Provider,
    kind: &str,
    content_type: &str,
    body: &[u8],
    recordings_in: Option<&Path>,
) -> Result<Extracted, ExtractError> {
    match provider {
        Provider::Elevenlabs => super::extract_elevenlabs::extract(kind, body, recordings_in),
        Provider::Twilio => {
            let f = Fields::from_body(body, content_type).map_err(ExtractError::Invalid)?;
            Ok(twilio(kind, &f))
        }
        Provider::Exotel => {
            let f = Fields::from_body(body, content_type).map_err(ExtractError::Invalid)?;
            Ok(exotel(kind, &f))
        }
    }
}

pub(crate) fn el_result(r: Option<CallResult>) -> (&'static str, Option<&'static str>) {
    match r {
        Some(CallResult::Answered) => ("completed", Some("answered")),
        Some(CallResult::Voicemail) => ("completed", Some("voicemail")),
        Some(CallResult::Busy) => ("busy", Some("busy")),
        Some(CallResult::NoAnswer) => ("no_answer", Some("no_answer")),
        Some(CallResult::Failed) => ("failed", Some("failed")),
        Some(CallResult::Unknown) | None => ("completed", None),
    }
}

/// A carrier's call status: (status, outcome, rank). Terminal ones outrank progress ones.
fn carrier_status(s: &str) -> Option<(&'static str, Option<&'static str>, i32)> {
    Some(match s.to_ascii_lowercase().replace('_', "-").as_str() {
        "queued" | "initiated" => ("initiated", None, 10),
        "ringing" => ("ringing", None, 20),
        "in-progress" | "answered" => ("in_progress", None, 30),
        "completed" => ("completed", None, 50),
        "busy" => ("busy", Some("busy"), 50),
        "no-answer" => ("no_answer", Some("no_answer"), 50),
        "failed" => ("failed", Some("failed"), 50),
        "canceled" | "cancelled" => ("canceled", Some("canceled"), 50),
        _ => return None,
    })
}

/// AMD's `AnsweredBy` as an outcome (Twilio and Exotel spellings, any case).
fn answered_by(v: &str) -> Option<&'static str> {
    let v = v.to_ascii_lowercase();
    if v == "human" {
        Some("answered")
    } else if v.starts_with("machine") {
        Some("voicemail")
    } else if v == "fax" {
        Some("failed")
    } else {
        None
    }
}

fn twilio(kind: &str, f: &Fields) -> Extracted {
    let sid = f.get("CallSid").map(str::to_owned);
    let mut x = Extracted {
        provider_call_id: sid.clone(),
        ..Default::default()
    };
    push_ref(&mut x.refs, "call_sid", sid);
    x.facts.sequence = f.get("SequenceNumber").and_then(|s| s.parse().ok());
    x.facts.occurred_at = provider_time(f.get("Timestamp"));
    match kind {
        "status" => {
            x.creates_call = true;
            if let Some((status, outcome, rank)) = f.get("CallStatus").and_then(carrier_status) {
                x.facts.rank = rank;
                x.facts.status = Some(status.into());
                x.facts.outcome = outcome
                    .or_else(|| f.get("AnsweredBy").and_then(answered_by))
                    .map(Into::into);
                if rank == 30 {
                    x.facts.answered_at = x.facts.occurred_at.clone();
                }
                if rank == 50 {
                    x.facts.ended_at = x.facts.occurred_at.clone();
                    x.facts.duration_s = f.number("CallDuration");
                }
            }
        }
        "amd" => {
            x.facts.rank = 35;
            x.facts.outcome = f.get("AnsweredBy").and_then(answered_by).map(Into::into);
        }
        "recording" => x.facts.recording_url = f.get("RecordingUrl").map(Into::into),
        _ => {}
    }
    x
}

fn exotel(kind: &str, f: &Fields) -> Extracted {
    let sid = f.get("CallSid").map(str::to_owned);
    let mut x = Extracted {
        provider_call_id: sid.clone(),
        ..Default::default()
    };
    push_ref(&mut x.refs, "exotel_call_sid", sid);
    if kind == "status" {
        x.creates_call = true;
        push_ref(&mut x.refs, "custom_field", f.get("CustomField").map(Into::into));
        let status = if f.get("EventType") == Some("answered") {
            Some("answered")
        } else {
            f.get("Status")
        };
        if let Some((status, outcome, rank)) = status.and_then(carrier_status) {
            x.facts.rank = rank;
            x.facts.status = Some(status.into());
            let amd = f.exotel_answered_by();
            x.facts.outcome = outcome
                .or_else(|| amd.as_deref().and_then(answered_by))
                .map(Into::into);
            if rank == 50 {
                x.facts.duration_s = f.number("ConversationDuration");
            }
        }
        x.facts.recording_url = f.get("RecordingUrl").map(Into::into);
    }
    x
}
