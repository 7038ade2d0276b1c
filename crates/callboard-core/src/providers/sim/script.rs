//! The simulator's scripted conversations: believable calls for the demo markets (a Kuwait car dealership,
//! Indian home loans and real estate, US insurance renewals, a service intake that escalates), each with
//! timed turns, a summary, a success evaluation, data collection values and a sentiment. The post-call
//! transcription, the live transcript events and the talk time of an answered call all come from here.

use serde_json::{Value, json};

/// Who speaks a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    Agent,
    Contact,
}

impl Speaker {
    /// ElevenLabs' `role` in a transcript.
    pub fn elevenlabs_role(self) -> &'static str {
        match self {
            Speaker::Agent => "agent",
            Speaker::Contact => "user",
        }
    }

    /// `Event::CallTranscript`'s role.
    pub fn event_role(self) -> &'static str {
        match self {
            Speaker::Agent => "agent",
            Speaker::Contact => "contact",
        }
    }
}

/// One scripted call.
#[derive(Debug)]
pub struct Script {
    pub id: &'static str,
    /// The dialing code this script fits (`+965`, `+91`, `+1`); `""` fits any number.
    pub market: &'static str,
    pub language: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
    /// `success`, `failure` or `unknown`.
    pub success: &'static str,
    pub sentiment: &'static str,
    /// (seconds into the call, speaker, text).
    pub turns: &'static [(u32, Speaker, &'static str)],
    /// (criteria id, result, rationale).
    pub criteria: &'static [(&'static str, &'static str, &'static str)],
    /// (data collection id, value as JSON text, rationale).
    pub data: &'static [(&'static str, &'static str, &'static str)],
}

pub use super::library::SCRIPTS;

/// The scripts for a number: those of its market, plus the ones that fit any number.
pub fn for_number(phone_e164: &str) -> Vec<&'static Script> {
    let fits = |s: &&Script| s.market.is_empty() || phone_e164.starts_with(s.market);
    let own: Vec<_> = SCRIPTS
        .iter()
        .filter(|s| !s.market.is_empty() && phone_e164.starts_with(s.market))
        .collect();
    if own.is_empty() {
        SCRIPTS
            .iter()
            .filter(|s| s.market.is_empty() || s.market == "+1")
            .collect()
    } else {
        SCRIPTS.iter().filter(fits).collect()
    }
}

impl Script {
    /// How long the conversation lasts, in seconds (the last turn plus time to say it).
    pub fn duration_secs(&self) -> u32 {
        self.turns.last().map_or(10, |t| t.0 + 5)
    }

    /// The turns as spoken, the agent's first line opened by its recording disclosure when it has one
    /// (as a real agent set up with one says it).
    pub fn spoken(&self, disclosure: Option<&str>) -> Vec<(u32, Speaker, String)> {
        let mut opened = false;
        self.turns
            .iter()
            .map(|&(t, who, text)| {
                let text = match disclosure {
                    Some(d) if who == Speaker::Agent && !opened => {
                        opened = true;
                        crate::disclosure::opening(d, text)
                    }
                    _ => text.to_owned(),
                };
                (t, who, text)
            })
            .collect()
    }

    /// ElevenLabs' `transcript` array.
    pub fn transcript_json(&self, disclosure: Option<&str>) -> Value {
        Value::Array(
            self.spoken(disclosure)
                .into_iter()
                .map(|(t, who, text)| {
                    json!({
                        "role": who.elevenlabs_role(),
                        "message": text,
                        "time_in_call_secs": t,
                        "tool_calls": [],
                        "tool_results": [],
                        "feedback": null,
                        "interrupted": false,
                        "source_medium": if who == Speaker::Contact { Some("audio") } else { None },
                    })
                })
                .collect(),
        )
    }

    /// ElevenLabs' `analysis` object.
    pub fn analysis_json(&self) -> Value {
        let criteria: serde_json::Map<String, Value> = self
            .criteria
            .iter()
            .map(|(id, result, why)| {
                (
                    (*id).to_owned(),
                    json!({"criteria_id": id, "result": result, "rationale": why}),
                )
            })
            .collect();
        let mut data: serde_json::Map<String, Value> = self
            .data
            .iter()
            .map(|(id, value, why)| {
                let value: Value = serde_json::from_str(value).unwrap_or(Value::Null);
                (
                    (*id).to_owned(),
                    json!({"data_collection_id": id, "value": value, "rationale": why}),
                )
            })
            .collect();
        data.insert(
            "sentiment".into(),
            json!({"data_collection_id": "sentiment", "value": self.sentiment, "rationale": "Tone of the contact's turns."}),
        );
        json!({
            "evaluation_criteria_results": criteria,
            "data_collection_results": data,
            "call_successful": self.success,
            "transcript_summary": self.summary,
            "call_summary_title": self.title,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_market_has_scripts_and_every_script_is_complete() {
        for number in ["+96550001234", "+919800012345", "+12125550100", "+447700900000"] {
            assert!(!for_number(number).is_empty(), "{number}");
        }
        assert!(for_number("+96550001234").iter().any(|s| s.language == "ar"));
        assert!(for_number("+919800012345").iter().any(|s| s.language == "hi"));
        for s in SCRIPTS {
            assert!(
                s.turns.windows(2).all(|w| w[0].0 < w[1].0),
                "{} turns in order",
                s.id
            );
            for key in ["interested_model", "callback_time", "opt_out"] {
                assert!(s.data.iter().any(|d| d.0 == key), "{} has {key}", s.id);
            }
            let a = s.analysis_json();
            assert_eq!(a["data_collection_results"]["sentiment"]["value"], s.sentiment);
            assert!(
                s.data.iter().all(|d| serde_json::from_str::<Value>(d.1).is_ok()),
                "{}",
                s.id
            );
        }
        let opt_outs = SCRIPTS
            .iter()
            .filter(|s| s.turns.iter().any(|t| t.2.contains("don't call me again")))
            .count();
        assert!(opt_outs >= 2);
    }
}
