//! From a profile and its rendered prompt to the GA Realtime session object (`type: realtime`): the same
//! object goes into a bridged call's `session.update` (with the carrier's audio format added by
//! [`with_audio_format`]) and into the SIP accept body (where SIP negotiates the codec, so no format).
//! The tools are the three the Realtime backend executes: `escalate_to_human`, `complete_intake` (its
//! `data` is the org's intake schema) and `end_call`.

use serde_json::{Value, json};

use super::profile::{OpenaiProfile, TurnDetection};

/// The tool definitions for `profile` (the Realtime backend's three call tools, with the org's schema).
pub fn tools(profile: &OpenaiProfile) -> Value {
    Value::Array(crate::openai::realtime::session_config::call_tools(Some(
        &profile.org.intake_schema,
    )))
}

fn turn_detection(t: &TurnDetection) -> Value {
    match t {
        TurnDetection::ServerVad {
            threshold,
            prefix_padding_ms,
            silence_duration_ms,
            idle_timeout_ms,
            create_response,
            interrupt_response,
        } => {
            let mut v = json!({
                "type": "server_vad",
                "threshold": threshold,
                "prefix_padding_ms": prefix_padding_ms,
                "silence_duration_ms": silence_duration_ms,
                "create_response": create_response,
                "interrupt_response": interrupt_response,
            });
            if let Some(ms) = idle_timeout_ms {
                v["idle_timeout_ms"] = json!(ms);
            }
            v
        }
        TurnDetection::SemanticVad {
            eagerness,
            create_response,
            interrupt_response,
        } => json!({
            "type": "semantic_vad",
            "eagerness": eagerness,
            "create_response": create_response,
            "interrupt_response": interrupt_response,
        }),
    }
}

/// The GA session object for `profile` with `rendered_prompt` as its instructions. No audio format: the
/// caller of a bridged session adds one with [`with_audio_format`].
pub fn session_config(profile: &OpenaiProfile, rendered_prompt: &str) -> Value {
    // Transcription takes the base language ("en" of "en-US").
    let language = profile.language.split('-').next().unwrap_or("en");
    json!({
        "type": "realtime",
        "model": profile.model,
        "instructions": rendered_prompt,
        "output_modalities": ["audio"],
        "audio": {
            "input": {
                "transcription": {
                    "model": profile.transcription_model,
                    "language": language,
                },
                "turn_detection": turn_detection(&profile.turn_detection),
            },
            "output": { "voice": profile.voice },
        },
        "tools": tools(profile),
        "tool_choice": "auto",
    })
}

/// Sets both audio formats, e.g. `audio/pcmu` for Twilio (an object, never the beta string form).
pub fn with_audio_format(mut session: Value, format: &str) -> Value {
    let f = json!({ "type": format });
    session["audio"]["input"]["format"] = f.clone();
    session["audio"]["output"]["format"] = f;
    session
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openai::{profile::Eagerness, prompt};

    const ACCEPT_FIXTURE: &str =
        include_str!("../../../../tests/fixtures/openai-realtime/rest/calls_accept_request.json");

    #[test]
    fn the_session_has_the_documented_ga_shape() {
        let p = OpenaiProfile::starter("Harbour Clinic", "cedar", "ar-KW", "");
        let text = prompt::render(&p);
        let s = session_config(&p, &text);
        let fixture: Value = serde_json::from_str(ACCEPT_FIXTURE).unwrap_or(Value::Null);
        // Every top-level key we send is one the documented accept body uses (plus output_modalities).
        for key in s
            .as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            assert!(
                fixture.get(&key).is_some() || key == "output_modalities",
                "unexpected key {key}"
            );
        }
        assert_eq!(s["type"], "realtime");
        assert_eq!(s["model"], "gpt-realtime-2.1");
        assert_eq!(s["instructions"], text.as_str());
        assert_eq!(s["audio"]["output"]["voice"], "cedar");
        assert_eq!(
            s["audio"]["input"]["transcription"]["model"],
            "gpt-realtime-whisper"
        );
        assert_eq!(s["audio"]["input"]["transcription"]["language"], "ar");
        assert_eq!(s["audio"]["input"]["turn_detection"]["type"], "server_vad");
        assert_eq!(s["audio"]["input"]["turn_detection"]["idle_timeout_ms"], 8000);
        assert!(s["audio"]["input"].get("format").is_none());
        let names: Vec<&str> = s["tools"]
            .as_array()
            .map(|t| t.iter().filter_map(|t| t["name"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(names, ["escalate_to_human", "complete_intake", "end_call"]);
        assert_eq!(
            s["tools"][1]["parameters"]["properties"]["data"],
            p.org.intake_schema
        );
        for tool in s["tools"].as_array().into_iter().flatten() {
            assert_eq!(tool["type"], fixture["tools"][0]["type"]);
        }
    }

    #[test]
    fn semantic_vad_and_formats() {
        let mut p = OpenaiProfile::starter("X", "marin", "en", "");
        p.turn_detection = TurnDetection::SemanticVad {
            eagerness: Eagerness::Low,
            create_response: true,
            interrupt_response: false,
        };
        let s = with_audio_format(session_config(&p, "hi"), "audio/pcmu");
        assert_eq!(
            s["audio"]["input"]["turn_detection"],
            json!({"type": "semantic_vad", "eagerness": "low", "create_response": true, "interrupt_response": false})
        );
        assert_eq!(s["audio"]["input"]["format"], json!({"type": "audio/pcmu"}));
        assert_eq!(s["audio"]["output"]["format"], json!({"type": "audio/pcmu"}));
    }
}
