//! Making a missed webhook harmless. Calls still open some time after they started are looked up with
//! `GET /v1/convai/conversations/{id}`; a finished conversation is journaled as the `post_call_transcription`
//! it would have been (same idempotency key, so a late real webhook is a duplicate), plus the recording when
//! the campaign records, and the ordinary applier folds it into the call. Contacts whose call ended that way
//! (or by a real webhook) are then moved on by [`super::settle::sweep`].

use std::{collections::HashMap, time::Duration};

use base64::Engine as _;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::{
    ElevenLabs,
    client::ElevenLabsError,
    types::{ConversationStatus, ConversationView},
};
use crate::{
    app::App,
    clock::to_db,
    engine::retry::Outcome,
    store::{StoreError, StoreResult, call_events, elevenlabs as el_store},
    webhooks::{Provider, extract::classify, hub::Job},
};

/// What a conversation lookup found.
#[derive(Debug, Clone, PartialEq)]
pub enum Looked {
    /// Still going (or being analysed).
    Open,
    /// Over; journaled for the applier. The outcome is what the conversation says.
    Ended(Outcome),
    /// ElevenLabs has no such conversation.
    Missing,
}

/// The retry outcome a conversation record says.
pub fn conversation_outcome(conv: &Value) -> Outcome {
    if conv.get("status").and_then(Value::as_str) == Some("failed") {
        return Outcome::Failed;
    }
    match conv
        .pointer("/metadata/phone_call/call_result")
        .and_then(Value::as_str)
    {
        Some("voicemail") => Outcome::Voicemail,
        Some("busy") => Outcome::Busy,
        Some("no_answer") => Outcome::NoAnswer,
        Some("failed") => Outcome::Failed,
        _ => Outcome::Answered,
    }
}

/// Journals a delivery we built ourselves and queues it for the applier.
pub async fn journal_synthetic(app: &App, body: Vec<u8>) -> StoreResult<()> {
    let c = classify(Provider::Elevenlabs, "", "application/json", &body);
    let event = call_events::NewEvent {
        provider: Provider::Elevenlabs.as_str(),
        kind: c.kind,
        idempotency_key: c.idempotency_key,
        headers: json!({ "x-callboard-source": "reconcile" }),
        body: Some(body),
        body_path: None,
        received_at: to_db(app.clock.now()),
        occurred_at: c.occurred_at,
        sequence: None,
    };
    let journaled = app
        .store
        .with_tx(move |tx| call_events::journal(tx, &event))
        .await?;
    if let call_events::Journaled::New(id) = journaled {
        app.webhooks.enqueue(Job::Apply(id));
    }
    Ok(())
}

/// Looks a conversation up; when it is over, journals it (and its recording when `with_audio`).
pub async fn look_up(
    app: &App,
    el: &ElevenLabs,
    conversation_id: &str,
    with_audio: bool,
) -> Result<Looked, ElevenLabsError> {
    let conv = match el.client.get_conversation(conversation_id).await {
        Ok(c) => c,
        Err(ElevenLabsError::NotFound { .. }) => return Ok(Looked::Missing),
        Err(e) => return Err(e),
    };
    let view: ConversationView = serde_json::from_value(conv.clone()).unwrap_or_default();
    match view.status {
        Some(ConversationStatus::Done | ConversationStatus::Failed) => {}
        _ => return Ok(Looked::Open),
    }
    let outcome = conversation_outcome(&conv);
    let now = app.clock.now().as_second();
    let agent_id = conv.get("agent_id").cloned().unwrap_or(Value::Null);
    if with_audio && view.has_audio != Some(false) {
        match el.client.get_conversation_audio(conversation_id).await {
            Ok(bytes) if !bytes.is_empty() => {
                let audio = base64::engine::general_purpose::STANDARD.encode(&bytes);
                let body = json!({"type": "post_call_audio", "event_timestamp": now, "data": {
                    "agent_id": agent_id, "conversation_id": conversation_id, "full_audio": audio}});
                journal_synthetic(app, body.to_string().into_bytes())
                    .await
                    .map_err(store_err)?;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(conversation_id, error = %e, "cannot fetch the recording"),
        }
    }
    let body = json!({"type": "post_call_transcription", "event_timestamp": now, "data": conv});
    journal_synthetic(app, body.to_string().into_bytes())
        .await
        .map_err(store_err)?;
    Ok(Looked::Ended(outcome))
}

fn store_err(e: StoreError) -> ElevenLabsError {
    ElevenLabsError::Decode {
        what: "the journal".into(),
        message: e.to_string(),
    }
}

/// The reconciler's memory: when each open call may be asked about again.
#[derive(Debug, Default)]
pub struct Reconciler {
    next_check: HashMap<i64, Timestamp>,
}

/// What one reconciliation pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReconcileReport {
    pub checked: usize,
    pub ended: usize,
    pub missing: usize,
    pub settled: usize,
}

impl Reconciler {
    /// Asks ElevenLabs about calls open for longer than the configured delay, then settles contacts whose
    /// call has ended (by webhook or by this pass, once the applier has run).
    pub async fn step(&mut self, app: &App, el: &ElevenLabs) -> StoreResult<ReconcileReport> {
        let mut report = ReconcileReport::default();
        let now = app.clock.now();
        let delay = SignedDuration::try_from(el.client.config().reconcile_after).unwrap_or_default();
        let before = to_db(now - delay);
        let open = app
            .store
            .read(move |c| el_store::open_conversations(c, &before))
            .await?;
        self.next_check
            .retain(|id, _| open.iter().any(|o| o.call_id == *id));
        for call in open {
            if self.next_check.get(&call.call_id).is_some_and(|t| *t > now) {
                continue;
            }
            report.checked += 1;
            let campaign_id = call.campaign_id.unwrap_or_default();
            let recording = app
                .store
                .read(move |c| el_store::setup(c, campaign_id))
                .await?
                .is_some_and(|s| s.recording);
            match look_up(app, el, &call.conversation_id, recording).await {
                Ok(Looked::Ended(_)) => report.ended += 1,
                Ok(Looked::Open) => {
                    let again = (delay / 2).max(SignedDuration::from_secs(30));
                    self.next_check.insert(call.call_id, now + again);
                }
                Ok(Looked::Missing) => {
                    report.missing += 1;
                    let (id, at) = (call.call_id, now);
                    app.store
                        .with_tx(move |tx| {
                            crate::engine::outcome::record(
                                tx,
                                id,
                                Outcome::Failed,
                                Some("ElevenLabs has no record of this conversation"),
                                at,
                            )
                        })
                        .await?;
                }
                Err(e) => {
                    tracing::warn!(call_id = call.call_id, error = %e, "conversation lookup failed; will retry");
                    self.next_check
                        .insert(call.call_id, now + SignedDuration::from_secs(60));
                }
            }
        }
        report.settled = settle_ended(app).await?;
        Ok(report)
    }
}

/// Settles contacts whose ElevenLabs call has ended; emits a change for their campaigns.
pub async fn settle_ended(app: &App) -> StoreResult<usize> {
    let at = app.clock.now();
    app.store.with_tx(move |tx| super::settle::sweep(tx, at)).await
}

/// How long to wait between reconciliation passes.
pub const PASS_EVERY: Duration = Duration::from_secs(15);
