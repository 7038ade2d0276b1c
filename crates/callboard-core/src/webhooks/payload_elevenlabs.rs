//! ElevenLabs post-call webhook bodies, parsed leniently: every field defaults, unknown fields are ignored
//! (the raw body stays in the journal), provider enums have an `Unknown` variant, and numbers may arrive as
//! strings. Only what the console uses is typed; the rest stays `serde_json::Value`.

use serde::{Deserialize, Deserializer, de};
use serde_json::Value;

/// `{ "type", "event_timestamp", "data" }`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Envelope<D> {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(deserialize_with = "lenient_i64")]
    pub event_timestamp: Option<i64>,
    pub data: D,
}

/// Just enough of any event to journal it: its type, time and conversation id.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Ids {
    pub conversation_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Transcription {
    pub agent_id: Option<String>,
    pub conversation_id: Option<String>,
    pub status: Option<String>,
    pub transcript: Value,
    pub metadata: Metadata,
    pub analysis: Option<Analysis>,
    pub conversation_initiation_client_data: Option<Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Metadata {
    #[serde(deserialize_with = "lenient_i64")]
    pub start_time_unix_secs: Option<i64>,
    #[serde(deserialize_with = "lenient_i64")]
    pub accepted_time_unix_secs: Option<i64>,
    #[serde(deserialize_with = "lenient_f64")]
    pub call_duration_secs: Option<f64>,
    /// `cost`: ElevenLabs credits, not money.
    #[serde(rename = "cost", deserialize_with = "lenient_f64")]
    pub credits: Option<f64>,
    /// `cost_fiat`: the charge in money, when ElevenLabs gives it (its shape is unconfirmed: a number, or an
    /// object with `amount`; anything else is left out rather than failing the webhook).
    #[serde(deserialize_with = "fiat_amount")]
    pub cost_fiat: Option<f64>,
    pub termination_reason: Option<String>,
    pub phone_call: Option<PhoneCall>,
    pub batch_call: Option<BatchCall>,
}

/// `metadata.phone_call`, a union tagged by `type` (twilio, sip_trunking, exotel, …).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PhoneCall {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub direction: Option<String>,
    pub agent_number: Option<String>,
    pub external_number: Option<String>,
    pub call_result: Option<CallResult>,
    pub call_sid: Option<String>,
    pub stream_sid: Option<String>,
    pub call_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallResult {
    Answered,
    Voicemail,
    Busy,
    NoAnswer,
    Failed,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BatchCall {
    pub batch_call_id: Option<String>,
    pub batch_call_recipient_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Analysis {
    pub call_successful: Option<Success>,
    pub transcript_summary: Option<String>,
    pub call_summary_title: Option<String>,
    pub evaluation_criteria_results: Value,
    pub data_collection_results: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Success {
    Success,
    Failure,
    #[serde(other)]
    Unknown,
}

impl Success {
    pub fn as_str(self) -> &'static str {
        match self {
            Success::Success => "success",
            Success::Failure => "failure",
            Success::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct InitiationFailure {
    pub agent_id: Option<String>,
    pub conversation_id: Option<String>,
    pub failure_reason: Option<String>,
    pub metadata: Option<FailureMetadata>,
}

/// `{"type": "twilio"|"sip", "body": {…}}`; the body's values may be strings or numbers.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FailureMetadata {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub body: Value,
}

/// `post_call_audio`: the audio is borrowed from the body (base64 has no JSON escapes), never copied.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Audio<'a> {
    pub agent_id: Option<String>,
    pub conversation_id: Option<String>,
    #[serde(borrow)]
    pub full_audio: Option<&'a str>,
}

/// A string, a number or null as a string.
pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn lenient_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse::<f64>().ok().map(|f| f as i64),
        Value::Null => None,
        _ => return Err(de::Error::custom("expected a number")),
    })
}

fn lenient_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        Value::Null => None,
        _ => return Err(de::Error::custom("expected a number")),
    })
}

fn fiat_amount<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let number = |v: &Value| match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    let v = Value::deserialize(d)?;
    Ok(match &v {
        Value::Object(o) => o.get("amount").or_else(|| o.get("value")).and_then(number),
        other => number(other),
    }
    .filter(|n| n.is_finite() && *n >= 0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fixture_parses() -> Result<(), serde_json::Error> {
        let t: Envelope<Transcription> = serde_json::from_str(include_str!(
            "../../../../tests/fixtures/elevenlabs/webhooks/post_call_transcription.json"
        ))?;
        assert_eq!(t.kind, "post_call_transcription");
        assert_eq!(t.event_timestamp, Some(1_767_268_891));
        let phone = t.data.metadata.phone_call.unwrap_or_default();
        assert_eq!(phone.call_result, Some(CallResult::Answered));
        assert!(t.data.metadata.batch_call.is_some());
        let v: Envelope<Transcription> = serde_json::from_str(include_str!(
            "../../../../tests/fixtures/elevenlabs/webhooks/post_call_transcription_sip_voicemail.json"
        ))?;
        let phone = v.data.metadata.phone_call.unwrap_or_default();
        assert_eq!(phone.call_result, Some(CallResult::Voicemail));
        assert_eq!(phone.kind.as_deref(), Some("sip_trunking"));
        for text in [
            include_str!(
                "../../../../tests/fixtures/elevenlabs/webhooks/call_initiation_failure_twilio.json"
            ),
            include_str!("../../../../tests/fixtures/elevenlabs/webhooks/call_initiation_failure_sip.json"),
        ] {
            let f: Envelope<InitiationFailure> = serde_json::from_str(text)?;
            assert!(f.data.failure_reason.is_some());
            assert!(f.data.metadata.is_some());
        }
        let body = include_str!("../../../../tests/fixtures/elevenlabs/webhooks/post_call_audio.json");
        let a: Envelope<Audio<'_>> = serde_json::from_str(body)?;
        assert!(a.data.full_audio.is_some_and(|s| s.starts_with("SUQz")));
        Ok(())
    }

    #[test]
    fn loose_shapes_are_accepted() -> Result<(), serde_json::Error> {
        let t: Envelope<Transcription> = serde_json::from_str(
            r#"{"type":"post_call_transcription","event_timestamp":"1767268891","extra":1,
                "data":{"metadata":{"cost":"12.5","call_duration_secs":"7","phone_call":{"type":"carrier_pigeon","call_result":"left_a_note"}},
                "analysis":{"call_successful":"maybe"}}}"#,
        )?;
        assert_eq!(t.event_timestamp, Some(1_767_268_891));
        assert_eq!(t.data.metadata.credits, Some(12.5));
        assert_eq!(
            t.data.metadata.phone_call.and_then(|p| p.call_result),
            Some(CallResult::Unknown)
        );
        assert_eq!(
            t.data.analysis.and_then(|a| a.call_successful),
            Some(Success::Unknown)
        );
        let empty: Envelope<Transcription> = serde_json::from_str("{}")?;
        assert_eq!(empty.kind, "");
        Ok(())
    }

    #[test]
    fn cost_is_credits_and_the_money_comes_from_cost_fiat_when_given() -> Result<(), serde_json::Error> {
        let m: Metadata = serde_json::from_str(r#"{"cost": 512}"#)?;
        assert_eq!((m.credits, m.cost_fiat), (Some(512.0), None));
        let m: Metadata = serde_json::from_str(r#"{"cost": 512, "cost_fiat": 0.0712}"#)?;
        assert_eq!(m.cost_fiat, Some(0.0712));
        let m: Metadata = serde_json::from_str(r#"{"cost_fiat": {"amount": "0.05", "currency": "USD"}}"#)?;
        assert_eq!(m.cost_fiat, Some(0.05));
        let m: Metadata = serde_json::from_str(r#"{"cost_fiat": [1], "cost": 3}"#)?;
        assert_eq!((m.credits, m.cost_fiat), (Some(3.0), None));
        Ok(())
    }
}
