//! Following a submitted batch: polling it and mapping its recipients onto our calls (conversation ids for
//! the webhooks, open statuses, endings when no conversation will report), resolving a submission whose
//! reply was lost, and cancelling. Split from `batch`, which builds and submits the waves.

use jiff::Timestamp;

use super::{
    ElevenLabs,
    batch::{adopt, release},
    client::ElevenLabsError,
    types::{Batch, BatchStatus, RecipientStatus},
};
use crate::{
    app::App,
    clock::to_db,
    engine::{outcome, retry::Outcome},
    store::{
        StoreError, StoreResult, attempts, call_events, call_refs, calls,
        elevenlabs::{self as el_store, BatchRow},
    },
};

/// Our call status for a recipient still being worked on.
fn open_status(s: RecipientStatus) -> Option<&'static str> {
    match s {
        RecipientStatus::Dispatched | RecipientStatus::Initiated => Some("dialing"),
        RecipientStatus::InProgress => Some("in_progress"),
        _ => None,
    }
}

/// Polls a batch and maps its recipients onto our calls.
pub async fn poll(app: &App, el: &ElevenLabs, row: &BatchRow) -> Result<(), String> {
    let Some(batch_id) = row.batch_id.clone() else {
        return resolve_submitting(app, el, row).await;
    };
    let batch = el.client.get_batch(&batch_id).await.map_err(|e| e.to_string())?;
    let status = batch.status.unwrap_or(BatchStatus::Unknown);
    let (row_id, at) = (row.id, app.clock.now());
    let changed = app
        .store
        .with_tx(move |tx| -> StoreResult<Vec<calls::Call>> {
            let before = el_store::batch_calls(tx, row_id)?;
            apply_recipients(tx, row_id, &batch, at)?;
            let mut changed = Vec::new();
            for (after, was) in el_store::batch_calls(tx, row_id)?.into_iter().zip(before) {
                if after.2 != was.2 {
                    changed.push(calls::get(tx, after.1)?);
                }
            }
            Ok(changed)
        })
        .await
        .map_err(|e| e.to_string())?;
    for call in changed {
        app.events.emit(crate::events::Event::CallChanged { call });
    }
    if status.is_final() {
        tracing::info!(batch_id, status = status.as_str(), "batch finished");
    }
    Ok(())
}

/// One transaction: ids, open statuses and endings for every recipient, then the batch's own status.
fn apply_recipients(
    tx: &rusqlite::Transaction<'_>,
    row_id: i64,
    batch: &Batch,
    at: Timestamp,
) -> StoreResult<()> {
    let now = to_db(at);
    let calls = el_store::batch_calls(tx, row_id)?;
    let status = batch.status.unwrap_or(BatchStatus::Unknown);
    for r in &batch.recipients {
        let Some((_, call_id, _)) = calls.iter().find(|(p, _, _)| Some(p) == r.phone_number.as_ref()) else {
            continue;
        };
        let call_id = *call_id;
        let conversation = r.conversation_id.clone().filter(|c| !c.is_empty());
        if let Some(c) = &conversation {
            if el_store::adopt_stray(tx, c, call_id)? {
                // The webhook came first and made a call of its own: fold its events into ours.
                let derived = crate::webhooks::fold::fold(call_events::facts_of_call(tx, call_id)?);
                calls::update_derived(tx, call_id, &derived, &now)?;
            }
            call_refs::add(tx, call_id, "conversation_id", c, &now)?;
            el_store::set_conversation(tx, call_id, c, &now)?;
        }
        if let Some(rid) = r.id.as_ref().filter(|r| !r.is_empty()) {
            call_refs::add(tx, call_id, "batch_recipient_id", rid, &now)?;
        }
        let rs = r.status.unwrap_or(RecipientStatus::Unknown);
        if let Some(open) = open_status(rs) {
            el_store::set_open_status(tx, call_id, open, &now)?;
            continue;
        }
        // With a conversation, the post-call webhook (or the reconciler after its delay) ends the call with
        // the transcript and the real result; without one, the recipient status is all there is.
        let ending = match (rs, conversation.is_some()) {
            (RecipientStatus::Cancelled, _) => Some((Outcome::Cancelled, "the batch was cancelled")),
            (RecipientStatus::Failed, false) => {
                Some((Outcome::Failed, "ElevenLabs could not call this recipient"))
            }
            (RecipientStatus::Voicemail, false) => Some((Outcome::Voicemail, "voicemail (batch status)")),
            (RecipientStatus::Completed, false) => Some((Outcome::Answered, "completed (batch status)")),
            _ => None,
        };
        if let Some((o, why)) = ending {
            outcome::record(tx, call_id, o, Some(why), at)?;
        }
    }
    if status.is_final() {
        // Recipients ElevenLabs never reached (or that were not listed) end with the batch.
        let fallback = if status == BatchStatus::Cancelled {
            Outcome::Cancelled
        } else {
            Outcome::Failed
        };
        for (phone, call_id, call_status) in el_store::batch_calls(tx, row_id)? {
            let listed = batch
                .recipients
                .iter()
                .find(|r| r.phone_number.as_deref() == Some(phone.as_str()));
            let never_called = listed.is_none_or(|r| {
                matches!(r.status, Some(RecipientStatus::Pending) | None) && r.conversation_id.is_none()
            });
            if never_called && attempts::IN_FLIGHT.contains(&format!("'{call_status}'")) {
                outcome::record(
                    tx,
                    call_id,
                    fallback,
                    Some("the batch ended before this recipient was called"),
                    at,
                )?;
            }
        }
    }
    el_store::update_batch(tx, row_id, Some(&batch.id), status.as_str(), None, &now)?;
    Ok(())
}

/// A batch whose submission reply was lost: adopt it if ElevenLabs has it (found by its unique name), else
/// give its contacts back for a fresh wave.
async fn resolve_submitting(app: &App, el: &ElevenLabs, row: &BatchRow) -> Result<(), String> {
    let id = row.campaign_id;
    let agent = app
        .store
        .read(move |c| el_store::setup(c, id))
        .await
        .map_err(|e| e.to_string())?
        .map(|s| s.agent_id);
    let found = el
        .client
        .find_batch_by_name(agent.as_deref(), &row.call_name)
        .await
        .map_err(|e| e.to_string())?;
    match found {
        Some(found) => {
            tracing::info!(batch_id = %found.id, "found the batch whose submission reply was lost");
            adopt(app, row, &found).await.map_err(|e| e.to_string())
        }
        None => release(app, row, "the submission never reached ElevenLabs", "rejected")
            .await
            .map_err(|e| e.to_string()),
    }
}

/// Cancels a campaign's running batch at ElevenLabs and ends its open calls as cancelled.
pub async fn cancel(app: &App, el: &ElevenLabs, row: &BatchRow) -> Result<(), String> {
    if let Some(batch_id) = &row.batch_id {
        match el.client.cancel_batch(batch_id).await {
            Ok(_) | Err(ElevenLabsError::NotFound { .. }) => {}
            Err(e) => return Err(e.to_string()),
        }
    } else {
        return resolve_submitting(app, el, row).await;
    }
    let (row_id, at) = (row.id, app.clock.now());
    app.store
        .with_tx(move |tx| -> StoreResult<()> {
            for (_, call_id, _) in el_store::batch_calls(tx, row_id)? {
                outcome::record(
                    tx,
                    call_id,
                    Outcome::Cancelled,
                    Some("the batch was cancelled"),
                    at,
                )?;
            }
            el_store::update_batch(tx, row_id, None, "cancelled", None, &to_db(at))
        })
        .await
        .map_err(|e: StoreError| e.to_string())
}
