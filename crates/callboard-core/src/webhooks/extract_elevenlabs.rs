//! What ElevenLabs' post-call events say about a call: the transcription (status from `call_result`,
//! transcript, analysis, cost, timing, batch ids), the initiation failure (busy / no-answer / unknown) and the
//! audio, which is decoded straight from the body into `recordings/<conversation>.mp3` without a second copy.

use std::path::Path;

use serde_json::json;

use super::{
    extract::{ExtractError, Extracted, el_result},
    payload_elevenlabs::{self as el, Envelope, text},
};

/// The directory (under the data dir) recordings are written to.
pub const RECORDINGS_DIR: &str = "recordings";

fn conv_refs(x: &mut Extracted, conversation_id: Option<String>) {
    if let Some(c) = conversation_id.filter(|c| !c.is_empty()) {
        x.refs.push(("conversation_id".into(), c.clone()));
        x.provider_call_id = Some(c.clone());
        x.conversation_id = Some(c);
    }
}

pub(super) fn extract(
    kind: &str,
    body: &[u8],
    recordings_in: Option<&Path>,
) -> Result<Extracted, ExtractError> {
    let mut x = Extracted::default();
    match kind {
        "post_call_transcription" => {
            let env: Envelope<el::Transcription> = serde_json::from_slice(body)?;
            let d = env.data;
            conv_refs(&mut x, d.conversation_id);
            x.creates_call = true;
            let m = d.metadata;
            let phone = m.phone_call.unwrap_or_default();
            let sid_kind = if phone.kind.as_deref() == Some("sip_trunking") {
                "sip_call_id"
            } else {
                "call_sid"
            };
            if let Some(sid) = phone.call_sid.clone().filter(|s| !s.is_empty()) {
                x.refs.push((sid_kind.into(), sid));
            }
            if let Some(b) = m
                .batch_call
                .as_ref()
                .and_then(|b| b.batch_call_recipient_id.clone())
            {
                x.refs.push(("batch_recipient_id".into(), b));
            }
            let (status, outcome) = if d.status.as_deref() == Some("failed") {
                ("failed", Some("failed"))
            } else {
                el_result(phone.call_result)
            };
            let f = &mut x.facts;
            f.rank = 70;
            f.occurred_at = super::extract::unix_pub(env.event_timestamp);
            f.status = Some(status.into());
            f.outcome = outcome.map(Into::into);
            f.started_at = super::extract::unix_pub(m.start_time_unix_secs);
            f.answered_at = super::extract::unix_pub(m.accepted_time_unix_secs);
            f.duration_s = m.call_duration_secs;
            f.ended_at = match (m.start_time_unix_secs, m.call_duration_secs) {
                (Some(s), Some(d)) => super::extract::unix_pub(Some(s + d as i64)),
                _ => None,
            };
            // Money only: `cost` is ElevenLabs credits (kept in the analysis), `cost_fiat` the charge.
            f.cost = m.cost_fiat;
            if d.transcript.is_array() {
                f.transcript = Some(d.transcript);
            }
            let analysis = d.analysis.unwrap_or_default();
            f.disposition = analysis.call_successful.map(|s| s.as_str().into());
            f.summary = analysis.transcript_summary;
            let dynamic = d
                .conversation_initiation_client_data
                .as_ref()
                .and_then(|c| c.get("dynamic_variables").cloned());
            f.analysis = Some(json!({
                "title": analysis.call_summary_title,
                "evaluation_criteria_results": analysis.evaluation_criteria_results,
                "data_collection_results": analysis.data_collection_results,
                "termination_reason": m.termination_reason,
                "credits": m.credits,
                "dynamic_variables": dynamic,
                "batch_call_id": m.batch_call.and_then(|b| b.batch_call_id),
            }));
        }
        "call_initiation_failure" => {
            let env: Envelope<el::InitiationFailure> = serde_json::from_slice(body)?;
            let d = env.data;
            conv_refs(&mut x, d.conversation_id);
            x.creates_call = true;
            if let Some(meta) = d.metadata {
                let (kind, key) = match meta.kind.as_deref() {
                    Some("sip") => ("sip_call_id", "call_sid"),
                    _ => ("call_sid", "CallSid"),
                };
                if let Some(sid) = meta.body.get(key).and_then(text) {
                    x.refs.push((kind.into(), sid));
                }
            }
            let reason = d
                .failure_reason
                .unwrap_or_default()
                .to_ascii_lowercase()
                .replace('-', "_");
            let status = match reason.as_str() {
                "busy" => "busy",
                "no_answer" => "no_answer",
                _ => "failed",
            };
            x.facts.rank = 60;
            x.facts.occurred_at = super::extract::unix_pub(env.event_timestamp);
            x.facts.status = Some(status.into());
            x.facts.outcome = Some(status.into());
        }
        "post_call_audio" => {
            let env: Envelope<el::Audio<'_>> = serde_json::from_slice(body)?;
            let d = env.data;
            conv_refs(&mut x, d.conversation_id.clone());
            let conv = d
                .conversation_id
                .filter(|c| !c.is_empty())
                .ok_or_else(|| ExtractError::Invalid("post_call_audio without a conversation_id".into()))?;
            let audio = d
                .full_audio
                .ok_or_else(|| ExtractError::Invalid("post_call_audio without audio".into()))?;
            // Recording switched off in Settings: the audio is not kept (the event is still applied).
            if let Some(data_dir) = recordings_in {
                x.facts.recording_path = Some(write_recording(data_dir, &conv, audio)?);
            }
            x.facts.occurred_at = super::extract::unix_pub(env.event_timestamp);
        }
        _ => {
            // Unknown types are stored and acknowledged; they attach to their call when it has an id.
            let env: Envelope<el::Ids> = serde_json::from_slice(body)?;
            conv_refs(&mut x, env.data.conversation_id);
        }
    }
    Ok(x)
}

/// Decodes base64 audio straight into `recordings/<conversation>.mp3`; returns the path relative to the data dir.
fn write_recording(data_dir: &Path, conversation_id: &str, audio_b64: &str) -> Result<String, ExtractError> {
    let safe: String = conversation_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let rel = format!("{RECORDINGS_DIR}/{safe}.mp3");
    let io = |source| ExtractError::Io {
        path: rel.clone(),
        source,
    };
    std::fs::create_dir_all(data_dir.join(RECORDINGS_DIR)).map_err(io)?;
    let tmp = data_dir.join(format!("{RECORDINGS_DIR}/.{safe}.mp3.part"));
    let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp).map_err(io)?);
    let mut reader =
        base64::read::DecoderReader::new(audio_b64.as_bytes(), &base64::engine::general_purpose::STANDARD);
    std::io::copy(&mut reader, &mut out)
        .map_err(|e| ExtractError::Invalid(format!("bad base64 audio: {e}")))?;
    let file = out.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    std::fs::rename(&tmp, data_dir.join(&rel)).map_err(io)?;
    Ok(rel)
}
