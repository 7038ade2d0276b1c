//! Engine-paced ElevenLabs calls (`provider = elevenlabs`): the engine decides who and when (windows,
//! retries, caps, DNC); each dial is one `POST …/outbound-call` through the campaign's Twilio or SIP-trunk
//! number, with the contact's dynamic variables. The conversation id and the CallSid / SIP call id are
//! stored as the call's ids before `dial` returns, so the post-call webhooks find their call.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde_json::{Map, Value, json};

use super::{
    ElevenLabs,
    client::ElevenLabsError,
    reconcile::{Looked, look_up},
    types::{ClientData, OutboundCall, TelephonyCallConfig},
};
use crate::{
    app::App,
    clock::to_db,
    engine::{CallRef, DialError, DialRequest, Dialed, Dialer, Reconciled},
    store::{StoreResult, call_refs, calls, elevenlabs as el_store},
};

pub struct ElevenLabsDialer {
    app: Arc<App>,
    el: Arc<ElevenLabs>,
}

impl ElevenLabsDialer {
    pub fn new(app: Arc<App>, el: Arc<ElevenLabs>) -> Self {
        ElevenLabsDialer { app, el }
    }
}

/// The user id our calls carry, to find a conversation whose dial reply was lost.
pub fn user_id_for(call_id: i64) -> String {
    format!("callboard-call-{call_id}")
}

/// Dynamic variables from a contact's extra columns: scalars as they are, anything else as JSON text
/// (ElevenLabs refuses objects and arrays), reserved `system__` names dropped.
pub fn dynamic_variables(variables: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    if let Value::Object(m) = variables {
        for (k, v) in m {
            if k.starts_with("system__") || k.is_empty() {
                continue;
            }
            let v = match v {
                Value::Object(_) | Value::Array(_) => Value::String(v.to_string()),
                other => other.clone(),
            };
            out.insert(k.clone(), v);
        }
    }
    out
}

/// Twilio answering-machine detection that hangs up on machines.
fn machine_detection() -> Value {
    json!({"mode": "enable", "actions": [{"action": "hang_up", "answered_by":
        ["machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax"]}]})
}

/// The client data and telephony settings for one recipient of a campaign.
pub fn call_settings(
    setup: &el_store::CampaignSetup,
    variables: &Value,
    user_id: Option<String>,
) -> (ClientData, Option<TelephonyCallConfig>) {
    let overrides = setup
        .overrides
        .as_object()
        .filter(|o| !o.is_empty())
        .map(|o| Value::Object(o.clone()));
    let twilio = setup.phone_kind != "sip_trunk";
    let telephony = TelephonyCallConfig {
        ringing_timeout_secs: setup.ringing_timeout_secs,
        twilio_call_recording_enabled: None,
        twilio_machine_detection: (twilio && setup.machine_detection).then(machine_detection),
    };
    let telephony = (telephony != TelephonyCallConfig::default()).then_some(telephony);
    (
        ClientData {
            dynamic_variables: dynamic_variables(variables),
            conversation_config_override: overrides,
            user_id,
        },
        telephony,
    )
}

fn store_failed(e: crate::store::StoreError) -> DialError {
    DialError::Unavailable(format!("cannot read the campaign's ElevenLabs setup: {e}"))
}

async fn setup_of(app: &App, campaign_id: i64) -> Result<el_store::CampaignSetup, DialError> {
    app.store
        .read(move |c| el_store::setup(c, campaign_id))
        .await
        .map_err(store_failed)?
        .ok_or_else(|| {
            DialError::Rejected(format!(
                "campaign {campaign_id} has no ElevenLabs agent and phone number; choose them in the campaign's setup"
            ))
        })
}

impl Dialer for ElevenLabsDialer {
    fn dial(&self, request: DialRequest) -> BoxFuture<'static, Result<Dialed, DialError>> {
        let (app, el) = (self.app.clone(), self.el.clone());
        Box::pin(async move {
            let setup = setup_of(&app, request.campaign_id).await?;
            let (data, telephony) =
                call_settings(&setup, &request.variables, Some(user_id_for(request.call_id)));
            let body = OutboundCall {
                agent_id: setup.agent_id.clone(),
                agent_phone_number_id: setup.phone_number_id.clone(),
                to_number: request.phone_e164.clone(),
                conversation_initiation_client_data: data,
                call_recording_enabled: Some(setup.recording),
                telephony_call_config: telephony,
            };
            let sip = setup.phone_kind == "sip_trunk";
            let answer = if sip {
                el.client.sip_outbound_call(&body).await
            } else {
                el.client.twilio_outbound_call(&body).await
            }
            .map_err(DialError::from)?;
            if !answer.success {
                return Err(DialError::Rejected(
                    answer
                        .message
                        .unwrap_or_else(|| "ElevenLabs did not place the call".into()),
                ));
            }
            let mut refs = Vec::new();
            if let Some(c) = answer.conversation_id.clone().filter(|c| !c.is_empty()) {
                refs.push(("conversation_id", c));
            }
            if let Some(s) = answer.call_sid.clone().filter(|s| !s.is_empty()) {
                refs.push(("call_sid", s));
            }
            if let Some(s) = answer.sip_call_id.clone().filter(|s| !s.is_empty()) {
                refs.push(("sip_call_id", s));
            }
            let provider_call_id = refs
                .first()
                .map_or_else(|| request.dial_key.clone(), |(_, v)| v.clone());
            let (call_id, now) = (request.call_id, to_db(app.clock.now()));
            let stored = app
                .store
                .with_tx(move |tx| -> StoreResult<()> {
                    for (kind, value) in &refs {
                        call_refs::add(tx, call_id, kind, value, &now)?;
                        if *kind == "conversation_id" {
                            el_store::set_conversation(tx, call_id, value, &now)?;
                        }
                    }
                    Ok(())
                })
                .await;
            if let Err(e) = stored {
                // The call is placed; the engine records the provider id, and webhooks can still find it.
                tracing::error!(call_id, error = %e, "cannot store the call's ElevenLabs ids");
            }
            Ok(Dialed { provider_call_id })
        })
    }

    fn hang_up(&self, _call: CallRef) -> BoxFuture<'static, Result<(), DialError>> {
        Box::pin(async {
            Err(DialError::Unsupported(
                "ElevenLabs has no API to end a call in progress; it ends when the agent hangs up or at the agent's \
                 maximum duration"
                    .into(),
            ))
        })
    }

    fn reconcile(&self, call: CallRef) -> BoxFuture<'static, Result<Reconciled, DialError>> {
        let (app, el) = (self.app.clone(), self.el.clone());
        Box::pin(async move {
            let call_id = call.call_id;
            let (refs, row) = app
                .store
                .read(move |c| Ok((call_refs::of_call(c, call_id)?, calls::get(c, call_id)?)))
                .await
                .map_err(store_failed)?;
            let mut conversation = refs
                .iter()
                .find(|(k, _)| k == "conversation_id")
                .map(|(_, v)| v.clone())
                .or(row.conversation_id.clone());
            if conversation.is_none() {
                conversation = find_lost_conversation(&app, &el, &row).await?;
            }
            let Some(conversation) = conversation else {
                return Ok(Reconciled::NotFound);
            };
            let recording = match row.campaign_id {
                Some(id) => setup_of(&app, id).await.map(|s| s.recording).unwrap_or(false),
                None => false,
            };
            match look_up(&app, &el, &conversation, recording)
                .await
                .map_err(DialError::from)?
            {
                Looked::Open => Ok(Reconciled::InProgress {
                    provider_call_id: conversation,
                }),
                Looked::Ended(outcome) => Ok(Reconciled::Ended {
                    provider_call_id: conversation,
                    outcome,
                }),
                Looked::Missing => Ok(Reconciled::NotFound),
            }
        })
    }
}

/// A dial whose reply was lost: look through the agent's conversations started since the call row was
/// created for one carrying this call's user id, and store its id.
async fn find_lost_conversation(
    app: &Arc<App>,
    el: &ElevenLabs,
    row: &calls::Call,
) -> Result<Option<String>, DialError> {
    let Some(campaign_id) = row.campaign_id else {
        return Ok(None);
    };
    let setup = setup_of(app, campaign_id).await?;
    let since = crate::clock::from_db(&row.created_at).map(|t| t.as_second() - 60);
    let page = el
        .client
        .list_conversations(Some(&setup.agent_id), since, None, 50)
        .await
        .map_err(DialError::from)?;
    let want = user_id_for(row.id);
    for summary in page.conversations {
        let conv = match el.client.get_conversation(&summary.conversation_id).await {
            Ok(c) => c,
            Err(ElevenLabsError::NotFound { .. }) => continue,
            Err(e) => return Err(e.into()),
        };
        if conv
            .pointer("/conversation_initiation_client_data/user_id")
            .and_then(Value::as_str)
            == Some(want.as_str())
        {
            let (id, conv_id, now) = (row.id, summary.conversation_id.clone(), to_db(app.clock.now()));
            app.store
                .with_tx(move |tx| -> StoreResult<()> {
                    call_refs::add(tx, id, "conversation_id", &conv_id, &now)?;
                    el_store::set_conversation(tx, id, &conv_id, &now)
                })
                .await
                .map_err(store_failed)?;
            return Ok(Some(summary.conversation_id));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(kind: &str, amd: bool) -> el_store::CampaignSetup {
        el_store::CampaignSetup {
            campaign_id: 1,
            agent_id: "agent".into(),
            phone_number_id: "phnum".into(),
            phone_kind: kind.into(),
            recording: false,
            ringing_timeout_secs: None,
            machine_detection: amd,
            overrides: json!({}),
            batch_size: 10,
        }
    }

    #[test]
    fn variables_are_scalars_and_never_reserved() {
        let v = dynamic_variables(
            &json!({"name": "Ana", "n": 3, "ok": true, "tags": ["a"], "system__x": "no", "": 1}),
        );
        assert_eq!(
            Value::Object(v),
            json!({"name": "Ana", "n": 3, "ok": true, "tags": "[\"a\"]"})
        );
        assert!(dynamic_variables(&Value::Null).is_empty());
    }

    #[test]
    fn machine_detection_only_on_twilio_and_empty_settings_are_left_out() {
        let (data, t) = call_settings(&setup("twilio", true), &json!({}), None);
        assert!(t.and_then(|t| t.twilio_machine_detection).is_some());
        assert_eq!(data.conversation_config_override, None);
        let (_, t) = call_settings(&setup("sip_trunk", true), &json!({}), None);
        assert_eq!(t, None, "nothing to send for SIP without a ringing timeout");
        let mut s = setup("twilio", false);
        s.overrides = json!({"agent": {"language": "ar"}});
        let (data, _) = call_settings(&s, &json!({}), Some("u".into()));
        assert_eq!(
            data.conversation_config_override,
            Some(json!({"agent": {"language": "ar"}}))
        );
        assert_eq!(data.user_id.as_deref(), Some("u"));
    }
}
