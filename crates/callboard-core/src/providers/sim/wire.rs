//! The simulator's webhooks in the providers' own shapes (see the fixtures under `tests/fixtures`): Twilio's
//! form-encoded call-progress and async-AMD callbacks, ElevenLabs' post-call transcription, audio and
//! initiation-failure JSON. Bodies are built when sent, stamped with the time of sending.

use base64::Engine as _;
use jiff::Timestamp;
use serde_json::{Value, json};

use super::plan::{Kind, Plan};
use crate::engine::retry::Outcome;

/// The fake Twilio account the simulator speaks for.
pub const ACCOUNT_SID: &str = "ACsimulator0000000000000000000000";
/// A tiny MP3 (the ElevenLabs fixture's) for `post_call_audio`.
const POST_CALL_MP3: &[u8] = include_bytes!("../../../assets/sim/post_call.mp3");

/// What a body needs besides the plan.
#[derive(Debug, Clone)]
pub struct CallCtx {
    pub call_id: i64,
    pub from: String,
    pub to: String,
    pub agent_id: String,
    pub started: Timestamp,
    pub variables: Value,
    /// The simulator's speed: its timeline runs this many times faster than the clock, so times it reports
    /// as wall-clock instants are scaled (durations stay the simulated ones).
    pub speed: f64,
}

/// A request to send: a path on the public listener and either form pairs (Twilio) or JSON (ElevenLabs).
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Twilio {
        path: &'static str,
        form: Vec<(String, String)>,
    },
    ElevenLabs(Vec<u8>),
}

fn answered_by(o: Outcome) -> &'static str {
    if o == Outcome::Voicemail {
        "machine_end_beep"
    } else {
        "human"
    }
}

fn call_result(o: Outcome) -> &'static str {
    match o {
        Outcome::Answered => "answered",
        Outcome::Voicemail => "voicemail",
        Outcome::Busy => "busy",
        Outcome::NoAnswer => "no_answer",
        Outcome::Failed | Outcome::Cancelled => "failed",
    }
}

fn pairs(list: &[(&str, String)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
}

/// The body of `kind` for this call, as sent at `now`.
pub fn body(kind: Kind, plan: &Plan, ctx: &CallCtx, now: Timestamp) -> Body {
    match kind {
        Kind::Status(status, seq) => {
            let mut f = vec![
                ("AccountSid", ACCOUNT_SID.to_owned()),
                ("ApiVersion", "2010-04-01".to_owned()),
                ("CallSid", plan.call_sid.clone()),
                ("CallStatus", status.to_owned()),
                ("CallbackSource", "call-progress-events".to_owned()),
                ("Called", ctx.to.clone()),
                ("Caller", ctx.from.clone()),
                ("Direction", "outbound-api".to_owned()),
                ("From", ctx.from.clone()),
                ("To", ctx.to.clone()),
                ("SequenceNumber", seq.to_string()),
                (
                    "Timestamp",
                    now.strftime("%a, %d %b %Y %H:%M:%S +0000").to_string(),
                ),
            ];
            if Kind::Status(status, seq).is_terminal() {
                f.push(("CallDuration", plan.talk_secs.to_string()));
                f.push(("Duration", plan.talk_secs.div_ceil(60).to_string()));
                f.push((
                    "SipResponseCode",
                    match status {
                        "busy" => "486",
                        "no-answer" => "487",
                        "failed" => "503",
                        _ => "200",
                    }
                    .to_owned(),
                ));
                if plan.connects() {
                    // Synchronous AMD puts the answer on the status callback too.
                    f.push(("AnsweredBy", answered_by(plan.outcome).to_owned()));
                }
            }
            Body::Twilio {
                path: "/webhooks/twilio/status",
                form: pairs(&f),
            }
        }
        Kind::Amd => Body::Twilio {
            path: "/webhooks/twilio/amd",
            form: pairs(&[
                ("AccountSid", ACCOUNT_SID.to_owned()),
                ("CallSid", plan.call_sid.clone()),
                ("AnsweredBy", answered_by(plan.outcome).to_owned()),
                ("MachineDetectionDuration", "2450".to_owned()),
            ]),
        },
        Kind::Transcription => Body::ElevenLabs(envelope(
            "post_call_transcription",
            now,
            transcription_data(plan, ctx),
        )),
        Kind::Audio => Body::ElevenLabs(envelope(
            "post_call_audio",
            now,
            json!({
                "agent_id": ctx.agent_id,
                "conversation_id": plan.conversation_id,
                "full_audio": base64::engine::general_purpose::STANDARD.encode(POST_CALL_MP3),
            }),
        )),
        Kind::InitiationFailure(reason) => Body::ElevenLabs(envelope(
            "call_initiation_failure",
            now,
            json!({
                "agent_id": ctx.agent_id,
                "conversation_id": plan.conversation_id,
                "failure_reason": reason,
                "metadata": {
                    "type": "twilio",
                    "body": {
                        "AccountSid": ACCOUNT_SID,
                        "CallSid": plan.call_sid,
                        "CallStatus": reason,
                        "Called": ctx.to,
                        "From": ctx.from,
                        "To": ctx.to,
                        "Direction": "outbound-api",
                        "CallDuration": "0",
                    }
                }
            }),
        )),
    }
}

fn envelope(kind: &str, now: Timestamp, data: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"type": kind, "event_timestamp": now.as_second(), "data": data}))
        .unwrap_or_default()
}

fn transcription_data(plan: &Plan, ctx: &CallCtx) -> Value {
    let start = ctx.started.as_second();
    let voicemail = plan.outcome == Outcome::Voicemail;
    let (transcript, analysis) = if voicemail {
        (
            json!([{
                "role": "agent",
                "message": "Hello, sorry we missed you. Please call us back at your convenience. Goodbye.",
                "time_in_call_secs": 0, "tool_calls": [], "tool_results": [], "interrupted": false,
            }]),
            json!({
                "call_successful": "failure",
                "transcript_summary": "Reached voicemail; the agent left a short message.",
                "call_summary_title": "Voicemail",
                "evaluation_criteria_results": {},
                "data_collection_results": {},
            }),
        )
    } else {
        (
            plan.script.transcript_json(plan.disclosure.as_deref()),
            plan.script.analysis_json(),
        )
    };
    let mut dynamic = ctx.variables.as_object().cloned().unwrap_or_default();
    dynamic.insert("system__conversation_id".into(), json!(plan.conversation_id));
    dynamic.insert("system__call_sid".into(), json!(plan.call_sid));
    dynamic.insert("system__called_number".into(), json!(ctx.to));
    dynamic.insert("callboard_call_id".into(), json!(ctx.call_id));
    json!({
        "agent_id": ctx.agent_id,
        "agent_name": "Simulated agent",
        "conversation_id": plan.conversation_id,
        "status": "done",
        "user_id": null,
        "transcript": transcript,
        "metadata": {
            "start_time_unix_secs": start,
            // A wall-clock instant: at 10× the phone was answered a tenth of the ring time after the start,
            // before the call's end is recorded (a scaled answer time would fall after it).
            "accepted_time_unix_secs": start + (f64::from(plan.ring_secs) / ctx.speed.max(0.01)).round() as i64,
            "call_duration_secs": plan.talk_secs,
            "cost": plan.talk_secs * 7,
            "termination_reason": if voicemail { "voicemail detected" } else { "end_call tool was called." },
            "main_language": plan.script.language,
            "phone_call": {
                "type": "twilio",
                "direction": "outbound",
                "phone_number_id": "phnum_simulator",
                "agent_number": ctx.from,
                "external_number": ctx.to,
                "call_result": call_result(plan.outcome),
                "stream_sid": plan.stream_sid,
                "call_sid": plan.call_sid,
            },
        },
        "analysis": analysis,
        "conversation_initiation_client_data": {"dynamic_variables": dynamic},
        "has_audio": true,
        "has_user_audio": true,
        "has_response_audio": true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        providers::sim::plan::{Misbehaviour, OutcomeMix},
        webhooks::{Provider, extract},
    };

    fn ctx() -> CallCtx {
        CallCtx {
            call_id: 9,
            from: "+15005550006".into(),
            to: "+12125550100".into(),
            agent_id: "agent_sim".into(),
            started: Timestamp::UNIX_EPOCH,
            speed: 1.0,
            variables: json!({"name": "Ana"}),
        }
    }

    /// Every body the simulator sends is read back by our own extractor as the outcome it planned.
    #[test]
    fn our_extractor_reads_every_body_as_planned() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        for contact in 0..300 {
            let plan = Plan::draw(
                5,
                contact,
                1,
                "+12125550100",
                &OutcomeMix::default(),
                &Misbehaviour::default(),
            );
            for d in &plan.deliveries {
                let (provider, kind, ct, bytes) = match body(d.kind, &plan, &ctx(), Timestamp::UNIX_EPOCH) {
                    Body::Twilio { path, form } => {
                        let encoded = form_urlencoded::Serializer::new(String::new())
                            .extend_pairs(form)
                            .finish();
                        let route = path.rsplit('/').next().unwrap_or("").to_owned();
                        (
                            Provider::Twilio,
                            route,
                            "application/x-www-form-urlencoded",
                            encoded.into_bytes(),
                        )
                    }
                    Body::ElevenLabs(b) => {
                        let kind = extract::classify(Provider::Elevenlabs, "", "application/json", &b).kind;
                        (Provider::Elevenlabs, kind, "application/json", b)
                    }
                };
                let x = extract::extract(provider, &kind, ct, &bytes, Some(dir.path()))?;
                assert!(
                    x.refs
                        .iter()
                        .any(|r| r.1 == plan.call_sid || r.1 == plan.conversation_id)
                );
                if d.kind.is_terminal() && d.kind != Kind::Audio {
                    let status = x.facts.status.clone().unwrap_or_default();
                    let got = crate::webhooks::ending::outcome_of(&status, x.facts.outcome.as_deref());
                    assert_eq!(got, Some(plan.outcome), "{kind} for {:?}", plan.outcome);
                }
            }
        }
        Ok(())
    }

    /// At 10× the answer is reported a tenth of the ring time after the start, so it falls before the end the
    /// clock records (it used to be the full ring time, after the end).
    #[test]
    fn the_answer_time_is_a_wall_clock_instant_at_any_speed() {
        let plan = (0..50)
            .map(|c| {
                Plan::draw(
                    5,
                    c,
                    1,
                    "+12125550100",
                    &OutcomeMix::default(),
                    &Misbehaviour::default(),
                )
            })
            .find(|p| p.outcome == Outcome::Answered && p.ring_secs >= 10);
        let Some(plan) = plan else {
            panic!("no answered call with a ring of 10 s or more in 50 draws");
        };
        let accepted = |speed: f64| {
            let data = transcription_data(&plan, &CallCtx { speed, ..ctx() });
            data["metadata"]["accepted_time_unix_secs"].as_i64().unwrap_or(-1)
        };
        assert_eq!(accepted(1.0), i64::from(plan.ring_secs));
        assert_eq!(accepted(10.0), (f64::from(plan.ring_secs) / 10.0).round() as i64);
        let ended_wall = (f64::from(plan.ring_secs + plan.talk_secs) / 10.0).ceil() as i64;
        assert!(accepted(10.0) <= ended_wall);
    }
}
