//! A call's timeline for the call drawer: its own milestones (queued, dialing, answered, ended), the provider
//! events matched to it, and what people did to it (audit rows), in the order they happened.

use serde::Serialize;

use crate::store::{
    audit::AuditRow,
    call_board::{BoardCall, ProviderEvent},
};

/// One entry of a call's timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEntry {
    pub at: String,
    /// `call` (its own milestones), `provider` (a webhook), or `action` (something a person or the engine did).
    pub source: &'static str,
    pub label: String,
    pub detail: Option<String>,
}

fn provider_name(provider: &str) -> &str {
    match provider {
        "twilio" => "Twilio",
        "elevenlabs" => "ElevenLabs",
        "exotel" => "Exotel",
        "openai" => "OpenAI",
        other => other,
    }
}

/// The webhook types the providers send, in words.
fn event_name(kind: &str) -> &str {
    match kind {
        "status" => "call status",
        "amd" => "answering machine check",
        "recording" => "recording",
        "stream" => "media stream",
        "passthru" => "flow step",
        "post_call_transcription" => "transcript and analysis",
        "post_call_audio" => "call audio",
        "call_initiation_failure" => "call did not start",
        "realtime.call.incoming" => "incoming call",
        other => other,
    }
}

fn action_label(action: &str) -> &str {
    match action {
        "call.hang_up" => "Ended by a supervisor",
        "call.whisper" => "Whisper to the agent",
        "call.transfer" => "Transferred",
        other => other,
    }
}

/// The call's milestones, its provider events and the actions on it, in time order.
pub fn timeline(call: &BoardCall, events: &[ProviderEvent], audit: &[AuditRow]) -> Vec<TimelineEntry> {
    let mut out = vec![TimelineEntry {
        at: call.created_at.clone(),
        source: "call",
        label: "Queued".into(),
        detail: call.campaign_name.clone(),
    }];
    let mut milestone = |at: &Option<String>, label: &str, detail: Option<String>| {
        if let Some(at) = at {
            out.push(TimelineEntry {
                at: at.clone(),
                source: "call",
                label: label.into(),
                detail,
            });
        }
    };
    milestone(&call.started_at, "Dialing", call.provider_call_id.clone());
    milestone(&call.answered_at, "Answered", None);
    milestone(
        &call.ended_at,
        "Ended",
        Some(
            [Some(call.status.replace('_', " ")), call.error.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · "),
        ),
    );
    for e in events {
        // The journal's own state only when it is not the usual `applied`.
        let journal = match (&e.error, e.status.as_str()) {
            (Some(err), status) => Some(format!("{status}: {err}")),
            (None, "applied") => None,
            (None, status) => Some(status.to_owned()),
        };
        let said = e.reported.as_ref().map(|r| r.replace('_', " "));
        out.push(TimelineEntry {
            at: e.at.clone(),
            source: "provider",
            label: format!("{} {}", provider_name(&e.provider), event_name(&e.kind)),
            detail: Some(
                [said, journal]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · "),
            )
            .filter(|d| !d.is_empty()),
        });
    }
    for a in audit {
        let ok = a
            .details
            .get("ok")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(true);
        let what = a
            .details
            .get("text")
            .or_else(|| a.details.get("to"))
            .and_then(serde_json::Value::as_str)
            .map(|s| format!("“{s}”"));
        let err = a.details.get("error").and_then(serde_json::Value::as_str);
        let detail = [
            Some(format!("by {}", a.actor)),
            what,
            err.map(|e| format!("refused: {e}")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
        out.push(TimelineEntry {
            at: a.at.clone(),
            source: "action",
            label: if ok {
                action_label(&a.action).to_owned()
            } else {
                format!("{} (failed)", action_label(&a.action))
            },
            detail: Some(detail),
        });
    }
    order(call, out)
}

/// Sorts the entries by time, the way they happened. Providers stamp events to the second (ElevenLabs'
/// `start_time_unix_secs`, Twilio's `Timestamp`) while our own times have microseconds, so a call queued at
/// 12:00:05.4 can read as dialed at 12:00:05.0. Nothing about a call happens before it was queued, its
/// milestones happen in their order, and what a provider reports follows the dial: each entry sorts no
/// earlier than those. The times shown stay as recorded.
fn order(call: &BoardCall, entries: Vec<TimelineEntry>) -> Vec<TimelineEntry> {
    let queued = call.created_at.clone();
    let dialed = call.started_at.clone().unwrap_or_default().max(queued.clone());
    let mut milestone_floor = queued.clone();
    let mut keyed: Vec<(String, TimelineEntry)> = entries
        .into_iter()
        .map(|e| {
            let key = match e.source {
                "call" => {
                    milestone_floor = e.at.clone().max(milestone_floor.clone());
                    milestone_floor.clone()
                }
                "provider" => e.at.clone().max(dialed.clone()),
                _ => e.at.clone().max(queued.clone()),
            };
            (key, e)
        })
        .collect();
    // Stable: equal times keep the order they were pushed in (milestones, provider events, actions).
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed.into_iter().map(|(_, e)| e).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call() -> BoardCall {
        BoardCall {
            id: 1,
            campaign_id: Some(1),
            campaign_name: Some("Spring service".into()),
            contact_id: Some(1),
            contact_name: None,
            contact_phone: None,
            agent_id: None,
            agent_name: None,
            provider: "elevenlabs".into(),
            provider_call_id: Some("conv_1".into()),
            status: "completed".into(),
            outcome: None,
            disposition: None,
            // Ours to the microsecond; the provider's to the second.
            created_at: "2026-11-27T12:00:05.400000Z".into(),
            started_at: Some("2026-11-27T12:00:05.000000Z".into()),
            answered_at: Some("2026-11-27T12:00:07.000000Z".into()),
            ended_at: Some("2026-11-27T12:00:40.000000Z".into()),
            duration_s: Some(35.0),
            cost: None,
            error: None,
            sentiment: None,
            last_line: None,
            updated_at: "2026-11-27T12:00:41.000000Z".into(),
        }
    }

    #[test]
    fn provider_times_to_the_second_do_not_put_dialing_before_queued() {
        let events = [ProviderEvent {
            id: 7,
            provider: "twilio".into(),
            kind: "status".into(),
            status: "applied".into(),
            error: None,
            at: "2026-11-27T12:00:05.000000Z".into(),
            reported: Some("in_progress".into()),
        }];
        let audit = [AuditRow {
            id: 3,
            at: "2026-11-27T12:00:20.000000Z".into(),
            actor: "ui".into(),
            action: "call.whisper".into(),
            details: serde_json::json!({"text": "offer the loaner"}),
        }];
        let t = timeline(&call(), &events, &audit);
        let labels: Vec<&str> = t.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Queued",
                "Dialing",
                "Twilio call status",
                "Answered",
                "Whisper to the agent",
                "Ended"
            ]
        );
        assert_eq!(
            t[2].detail.as_deref(),
            Some("in progress"),
            "the journal's usual `applied` is not shown"
        );
        // The times shown are the recorded ones.
        assert_eq!(t[1].at, "2026-11-27T12:00:05.000000Z");
        assert_eq!(t[4].detail.as_deref(), Some("by ui · “offer the loaner”"));
    }

    #[test]
    fn entries_keep_time_order_when_the_times_are_ours() {
        let mut c = call();
        c.started_at = Some("2026-11-27T12:00:05.500000Z".into());
        let audit = [AuditRow {
            id: 3,
            at: "2026-11-27T12:00:06.000000Z".into(),
            actor: "engine".into(),
            action: "call.hang_up".into(),
            details: serde_json::json!({"ok": false, "error": "not in flight"}),
        }];
        // Twilio's "initiated", stamped to the second, can predate our dial's own time: it still follows it.
        let initiated = [ProviderEvent {
            id: 8,
            provider: "twilio".into(),
            kind: "status".into(),
            status: "applied".into(),
            error: None,
            at: "2026-11-27T12:00:05.000000Z".into(),
            reported: Some("initiated".into()),
        }];
        let labels: Vec<String> = timeline(&c, &initiated, &audit)
            .into_iter()
            .map(|e| e.label)
            .collect();
        assert_eq!(
            labels,
            [
                "Queued",
                "Dialing",
                "Twilio call status",
                "Ended by a supervisor (failed)",
                "Answered",
                "Ended"
            ]
        );
    }

    #[test]
    fn provider_events_say_what_they_reported_and_any_trouble() {
        let event = |kind: &str, status: &str, error: Option<&str>, reported: Option<&str>| ProviderEvent {
            id: 1,
            provider: "elevenlabs".into(),
            kind: kind.into(),
            status: status.into(),
            error: error.map(Into::into),
            at: "2026-11-27T12:00:30.000000Z".into(),
            reported: reported.map(Into::into),
        };
        let events = [
            event("post_call_audio", "applied", None, None),
            event(
                "call_initiation_failure",
                "failed",
                Some("no call with that id"),
                Some("no_answer"),
            ),
            event("something_new", "pending", None, None),
        ];
        let t = timeline(&call(), &events, &[]);
        let provider: Vec<(&str, Option<&str>)> = t
            .iter()
            .filter(|e| e.source == "provider")
            .map(|e| (e.label.as_str(), e.detail.as_deref()))
            .collect();
        assert_eq!(
            provider,
            [
                ("ElevenLabs call audio", None),
                (
                    "ElevenLabs call did not start",
                    Some("no answer · failed: no call with that id")
                ),
                ("ElevenLabs something_new", Some("pending")),
            ]
        );
    }
}
