//! The `session.update` the backend sends: the profile's GA session object, with what the bridge must
//! decide itself laid over it: `type: realtime`, the model, `audio/pcmu` both ways (Twilio's µ-law passes
//! through untouched; Exotel's PCM16 8 kHz is transcoded by the bridge, no resampling), input
//! transcription on, and the three call tools (the intake tool carrying the org's schema) added to the
//! profile's own tools.

use serde_json::{Value, json};

use super::RealtimeSetup;
use crate::openai::profile::URGENCY_LEVELS;

pub const TOOL_ESCALATE: &str = "escalate_to_human";
pub const TOOL_INTAKE: &str = "complete_intake";
pub const TOOL_END: &str = "end_call";

/// The transcription model used when the profile names none (its transcripts feed the safety rules).
const DEFAULT_TRANSCRIPTION: &str = "gpt-realtime-whisper";

/// The three call tools the backend carries out; `complete_intake`'s `data` is the org's intake schema.
pub fn call_tools(intake_schema: Option<&Value>) -> Vec<Value> {
    let data = intake_schema
        .cloned()
        .unwrap_or_else(|| json!({"type": "object"}));
    vec![
        json!({"type": "function", "name": TOOL_ESCALATE,
            "description": "Escalate the call to a human at once: emergencies, danger, a request for a person, \
                            distress, or when you are unsure twice in a row.",
            "parameters": {"type": "object", "properties": {
                "reason": {"type": "string", "description": "Why, in one sentence"},
                "urgency": {"type": "string", "enum": URGENCY_LEVELS}},
                "required": ["reason", "urgency"], "additionalProperties": false}}),
        json!({"type": "function", "name": TOOL_INTAKE,
            "description": "Submit the caller's details once collected. Errors come back: fix them and call again.",
            "parameters": {"type": "object", "properties": {"data": data}, "required": ["data"],
                "additionalProperties": false}}),
        json!({"type": "function", "name": TOOL_END,
            "description": "Hang up after you have said goodbye.",
            "parameters": {"type": "object", "properties": {"reason": {"type": "string"}},
                "required": ["reason"], "additionalProperties": false}}),
    ]
}

/// The full `session.update` event.
pub fn session_update(setup: &RealtimeSetup) -> Value {
    let mut session = match &setup.session {
        Value::Object(m) => Value::Object(m.clone()),
        _ => json!({}),
    };
    session["type"] = json!("realtime");
    session["model"] = json!(setup.model);
    if !session["audio"].is_object() {
        session["audio"] = json!({});
    }
    for side in ["input", "output"] {
        if !session["audio"][side].is_object() {
            session["audio"][side] = json!({});
        }
        session["audio"][side]["format"] = json!({"type": "audio/pcmu"});
    }
    if session["audio"]["input"]["transcription"].is_null() {
        session["audio"]["input"]["transcription"] = json!({"model": DEFAULT_TRANSCRIPTION});
    }
    let mut all: Vec<Value> = session["tools"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|t| !matches!(t["name"].as_str(), Some(TOOL_ESCALATE | TOOL_INTAKE | TOOL_END)))
        .collect();
    all.extend(call_tools(setup.intake_schema.as_ref()));
    session["tools"] = Value::Array(all);
    json!({"type": "session.update", "event_id": "cb_session_update", "session": session})
}

/// The input transcription model a session object names (the default when it names none).
pub fn transcription_model(session: &Value) -> String {
    session["audio"]["input"]["transcription"]["model"]
        .as_str()
        .filter(|m| !m.trim().is_empty())
        .unwrap_or(DEFAULT_TRANSCRIPTION)
        .to_owned()
}

/// Whether `session.updated` confirms µ-law both ways (anything else would be static on the line).
pub fn formats_confirmed(session: &Value) -> bool {
    ["input", "output"]
        .iter()
        .all(|side| session["audio"][side]["format"]["type"] == "audio/pcmu")
}

/// Whether the server cancels its own response when the caller starts talking (the GA default).
pub fn server_interrupts(session: &Value) -> bool {
    session["audio"]["input"]["turn_detection"]["interrupt_response"]
        .as_bool()
        .unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openai::realtime::EscalationPolicy;

    fn fixture(path: &str) -> Value {
        let path = format!(
            "{}/../../tests/fixtures/openai-realtime/ws/{path}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_default()).unwrap_or(Value::Null)
    }

    #[test]
    fn the_update_forces_pcmu_and_adds_the_call_tools() {
        let twilio = fixture("client_to_server/session_update_twilio_pcmu.json");
        let mut profile = fixture("client_to_server/session_update_exotel_pcm24k.json")["session"].clone();
        assert_eq!(profile["audio"]["input"]["format"]["type"], "audio/pcm");
        profile["tools"] = json!([{"type": "function", "name": "end_call", "parameters": {}}, {"type": "function", "name": "lookup_order"}]);
        let setup = RealtimeSetup {
            model: "gpt-realtime-2.1".into(),
            session: profile,
            intake_schema: Some(json!({"type": "object", "required": ["name"]})),
            escalation: EscalationPolicy::default(),
            prompt_version: Some(3),
            first_message: None,
        };
        let update = session_update(&setup);
        let s = &update["session"];
        assert_eq!(s["type"], "realtime");
        assert_eq!(
            s["audio"]["input"]["format"],
            twilio["session"]["audio"]["input"]["format"]
        );
        assert_eq!(
            s["audio"]["output"]["format"],
            twilio["session"]["audio"]["output"]["format"]
        );
        assert!(formats_confirmed(s));
        assert_eq!(transcription_model(s), "gpt-transcribe", "the profile's own");
        assert_eq!(transcription_model(&json!({})), DEFAULT_TRANSCRIPTION);
        assert_eq!(
            transcription_model(
                &json!({"audio": {"input": {"transcription": {"model": "gpt-4o-transcribe"}}}})
            ),
            "gpt-4o-transcribe"
        );
        let names: Vec<&str> = s["tools"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["name"].as_str())
            .collect();
        assert_eq!(names, ["lookup_order", TOOL_ESCALATE, TOOL_INTAKE, TOOL_END]);
        assert_eq!(
            s["tools"][2]["parameters"]["properties"]["data"]["required"],
            json!(["name"])
        );
        assert!(!formats_confirmed(
            &fixture("server_to_client/session_created.json")["session"]
        ));
        assert!(formats_confirmed(
            &fixture("server_to_client/session_updated.json")["session"]
        ));
    }
}
