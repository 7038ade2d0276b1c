//! Batch mode (`provider = elevenlabs-batch`): a running campaign is called as one ElevenLabs batch at a
//! time. A wave takes the contacts due now that pass our DNC check and whose window is open (the others are
//! deferred, held for a later wave), claims them (call rows with dial keys, as the engine does), records the
//! intent, then submits. While a batch runs it is polled: recipients are matched to calls by phone number,
//! conversation ids stored for the webhooks, statuses mapped to our attempts. When it is over, the next due
//! contacts (retries by our policy, contacts whose window opened) form the next wave; with none left, the
//! campaign completes. Runs on its own task, driven by campaign state, beside the engine (which has no
//! dialer for `elevenlabs-batch` and so leaves these campaigns alone).
//!
//! A submission is never repeated blindly: when its reply is lost the batch stays `submitting`, and the next
//! pass looks for it by its unique name before releasing its contacts for a fresh wave.

use jiff::{SignedDuration, Timestamp};

use super::{
    ElevenLabs,
    client::ElevenLabsError,
    dialer::call_settings,
    types::{Batch, BatchStatus, BatchSubmit, Recipient, RecipientStatus},
};
use crate::{
    app::App,
    campaign::{CampaignStatus, Transition},
    clock::to_db,
    engine::{outcome, retry::Outcome},
    events::Event,
    store::{
        StoreError, StoreResult, attempts, call_events, call_refs, calls, campaigns,
        elevenlabs::{self as el_store, BatchRow},
    },
};

pub const PROVIDER: &str = "elevenlabs-batch";

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchReport {
    pub submitted: Vec<String>,
    pub polled: usize,
    pub deferred: usize,
    pub suppressed: usize,
    pub completed: Vec<i64>,
    pub errors: Vec<String>,
}

/// One pass: poll or cancel running batches, then start a wave for running campaigns without one.
pub async fn step(app: &App, el: &ElevenLabs) -> StoreResult<BatchReport> {
    let mut report = BatchReport::default();
    for campaign_id in app.store.read(el_store::campaigns_with_active_batches).await? {
        let (campaign, batch) = app
            .store
            .read(move |c| {
                Ok((
                    campaigns::get(c, campaign_id)?,
                    el_store::active_batch(c, campaign_id)?,
                ))
            })
            .await?;
        let Some(batch) = batch else { continue };
        let result = if campaign.status == CampaignStatus::Cancelled {
            cancel(app, el, &batch).await
        } else {
            poll(app, el, &batch).await
        };
        report.polled += 1;
        if let Err(e) = result {
            report.errors.push(e.clone());
            tracing::warn!(campaign_id, error = %e, "batch poll failed; will retry");
        }
        emit_campaign(app, campaign_id).await;
    }
    let running: Vec<_> = app
        .store
        .read(attempts::running_campaigns)
        .await?
        .into_iter()
        .filter(|c| c.provider == PROVIDER)
        .collect();
    for campaign in running {
        let id = campaign.id;
        if app
            .store
            .read(move |c| el_store::active_batch(c, id))
            .await?
            .is_some()
        {
            continue;
        }
        match start_wave(app, el, &campaign, &mut report).await? {
            Some(name) => report.submitted.push(name),
            None => {
                if complete_if_done(app, id).await? {
                    report.completed.push(id);
                }
            }
        }
        emit_campaign(app, id).await;
    }
    Ok(report)
}

async fn emit_campaign(app: &App, id: i64) {
    if let Ok(campaign) = app.store.read(move |c| campaigns::get(c, id)).await {
        app.events.emit(Event::CampaignChanged { campaign });
    }
}

/// Claims the due contacts and submits them as a batch; `None` when nobody is due.
async fn start_wave(
    app: &App,
    el: &ElevenLabs,
    campaign: &attempts::EngineCampaign,
    report: &mut BatchReport,
) -> StoreResult<Option<String>> {
    let id = campaign.id;
    let Some(setup) = app.store.read(move |c| el_store::setup(c, id)).await? else {
        pause(
            app,
            id,
            "no ElevenLabs agent and phone number chosen for batch mode",
        )
        .await?;
        return Ok(None);
    };
    let at = app.clock.now();
    let key = uuid::Uuid::new_v4().simple().to_string();
    let campaign = campaign.clone();
    let size = setup.batch_size.clamp(1, 10_000) as usize;
    let (row, recipients, deferred, suppressed) = app
        .store
        .with_tx(move |tx| -> StoreResult<_> {
            let now = to_db(at);
            let window = outcome::window_for(&campaign.hours_preset);
            let lease_until = to_db(at + SignedDuration::from_hours(24));
            let (mut deferred, mut suppressed) = (0, 0);
            let mut picked = Vec::new();
            for c in attempts::candidates(tx, campaign.id, &now, size * 2 + 32)? {
                if picked.len() == size {
                    break;
                }
                if c.on_dnc {
                    attempts::suppress(tx, campaign.id, c.contact_id, &now)?;
                    suppressed += 1;
                    continue;
                }
                let zones = outcome::zones_for(c.time_zone.as_deref(), &campaign.time_zone);
                if !window.is_open_in_all(at, &zones) {
                    // Held for a later wave: a batch has one start time, so no per-recipient windows.
                    let next = window.next_open_in_all(at, &zones).map(to_db);
                    let reason = if next.is_some() {
                        "outside_window"
                    } else {
                        "window_never_opens"
                    };
                    attempts::defer(tx, campaign.id, c.contact_id, next.as_deref(), reason, &now)?;
                    deferred += 1;
                    continue;
                }
                picked.push(c);
            }
            if picked.is_empty() {
                return Ok((None, Vec::new(), deferred, suppressed));
            }
            let wave = el_store::next_wave(tx, campaign.id)?;
            let name = format!("{} - wave {wave} [cb:{}]", campaign.name, &key[..12]);
            let row = el_store::insert_batch(tx, campaign.id, &key, &name, picked.len() as i64, &now)?;
            let mut recipients = Vec::with_capacity(picked.len());
            for c in picked {
                let dial_key = uuid::Uuid::new_v4().to_string();
                let call_id = attempts::claim(tx, &campaign, &c, &dial_key, &now, &lease_until)?;
                el_store::add_batch_call(tx, row.id, &c.phone_e164, call_id)?;
                let vars: serde_json::Value = serde_json::from_str(&c.variables).unwrap_or_default();
                recipients.push((c.phone_e164, vars, call_id));
            }
            Ok((Some(row), recipients, deferred, suppressed))
        })
        .await?;
    report.deferred += deferred;
    report.suppressed += suppressed;
    let Some(row) = row else { return Ok(None) };
    let body = BatchSubmit {
        call_name: row.call_name.clone(),
        agent_id: setup.agent_id.clone(),
        agent_phone_number_id: setup.phone_number_id.clone(),
        scheduled_time_unix: None,
        timezone: None,
        recipients: recipients
            .iter()
            .map(|(phone, vars, call_id)| {
                let (data, _) = call_settings(&setup, vars, Some(super::dialer::user_id_for(*call_id)));
                Recipient {
                    id: None,
                    phone_number: phone.clone(),
                    conversation_initiation_client_data: data,
                }
            })
            .collect(),
        telephony_call_config: call_settings(&setup, &serde_json::Value::Null, None)
            .1
            .map(|mut t| {
                t.twilio_call_recording_enabled =
                    (setup.phone_kind != "sip_trunk" && setup.recording).then_some(true);
                t
            }),
        target_concurrency_limit: Some(campaign_concurrency(app, id).await),
    };
    match el.client.submit_batch(&body).await {
        Ok(batch) => {
            adopt(app, &row, &batch).await?;
            tracing::info!(campaign_id = id, batch_id = %batch.id, recipients = recipients.len(), "batch submitted");
        }
        Err(e) if e.fate_unknown() => {
            // It may exist: the next pass looks for it by name before anything is submitted again.
            tracing::warn!(campaign_id = id, error = %e, "batch submission's fate is unknown; checking next pass");
            report.errors.push(e.to_string());
        }
        Err(e @ ElevenLabsError::RateLimited { .. }) => {
            release(app, &row, "rate limited; will submit again", "rejected").await?;
            report.errors.push(e.to_string());
        }
        Err(e) => {
            let why = e.to_string();
            release(app, &row, &why, "rejected").await?;
            pause(app, id, &format!("ElevenLabs refused the batch: {why}")).await?;
            report.errors.push(why);
        }
    }
    Ok(Some(row.call_name))
}

async fn campaign_concurrency(app: &App, id: i64) -> u32 {
    app.store
        .read(move |c| campaigns::get(c, id))
        .await
        .map(|c| c.max_concurrent.max(1))
        .unwrap_or(1)
}

/// Records ElevenLabs' id and status for a batch, and marks its calls as placed.
async fn adopt(app: &App, row: &BatchRow, batch: &Batch) -> StoreResult<()> {
    let (row_id, batch_id) = (row.id, batch.id.clone());
    let status = batch.status.unwrap_or(BatchStatus::Pending).as_str().to_owned();
    let now = to_db(app.clock.now());
    app.store
        .with_tx(move |tx| -> StoreResult<()> {
            el_store::update_batch(tx, row_id, Some(&batch_id), &status, None, &now)?;
            for (phone, call_id, _) in el_store::batch_calls(tx, row_id)? {
                attempts::mark_dialed(tx, call_id, &format!("{batch_id}:{phone}"), &now)?;
            }
            Ok(())
        })
        .await
}

/// A submission that did not happen: its contacts go back to the queue uncounted.
async fn release(app: &App, row: &BatchRow, why: &str, status: &str) -> StoreResult<()> {
    let (row_id, why, status) = (row.id, why.to_owned(), status.to_owned());
    let now = to_db(app.clock.now());
    app.store
        .with_tx(move |tx| -> StoreResult<()> {
            for (_, call_id, _) in el_store::batch_calls(tx, row_id)? {
                attempts::release_unplaced(tx, call_id, &now)?;
            }
            el_store::update_batch(tx, row_id, None, &status, Some(&why), &now)
        })
        .await
}

async fn pause(app: &App, id: i64, reason: &str) -> StoreResult<()> {
    let (reason_owned, now) = (reason.to_owned(), to_db(app.clock.now()));
    let paused = app
        .store
        .with_tx(move |tx| -> StoreResult<Option<crate::campaign::Campaign>> {
            let current = campaigns::get(tx, id)?;
            match current.status.apply(Transition::Pause) {
                Ok(s) => Ok(Some(campaigns::set_status(tx, id, s, &reason_owned, &now)?)),
                Err(_) => Ok(None),
            }
        })
        .await?;
    if let Some(campaign) = paused {
        app.events.emit(Event::CampaignChanged { campaign });
    }
    app.events.emit(Event::Alert {
        kind: "elevenlabs_batch".into(),
        campaign_id: Some(id),
        message: reason.to_owned(),
    });
    Ok(())
}

/// Our call status for a recipient still being worked on.
fn open_status(s: RecipientStatus) -> Option<&'static str> {
    match s {
        RecipientStatus::Dispatched | RecipientStatus::Initiated => Some("dialing"),
        RecipientStatus::InProgress => Some("in_progress"),
        _ => None,
    }
}

/// Polls a batch and maps its recipients onto our calls.
async fn poll(app: &App, el: &ElevenLabs, row: &BatchRow) -> Result<(), String> {
    let Some(batch_id) = row.batch_id.clone() else {
        return resolve_submitting(app, el, row).await;
    };
    let batch = el.client.get_batch(&batch_id).await.map_err(|e| e.to_string())?;
    let status = batch.status.unwrap_or(BatchStatus::Unknown);
    let (row_id, at) = (row.id, app.clock.now());
    app.store
        .with_tx(move |tx| apply_recipients(tx, row_id, &batch, at))
        .await
        .map_err(|e| e.to_string())?;
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
    let all = el
        .client
        .list_all_batches(agent.as_deref())
        .await
        .map_err(|e| e.to_string())?;
    match all.into_iter().find(|b| b.name == row.call_name) {
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

async fn complete_if_done(app: &App, id: i64) -> StoreResult<bool> {
    let now = to_db(app.clock.now());
    let done = app
        .store
        .with_tx(move |tx| -> StoreResult<Option<crate::campaign::Campaign>> {
            if attempts::unfinished(tx, id)? > 0
                || attempts::in_flight(tx, id)? > 0
                || el_store::active_batch(tx, id)?.is_some()
            {
                return Ok(None);
            }
            let current = campaigns::get(tx, id)?;
            match current.status.apply(Transition::Complete) {
                Ok(CampaignStatus::Completed) => Ok(Some(campaigns::set_status(
                    tx,
                    id,
                    CampaignStatus::Completed,
                    "list exhausted",
                    &now,
                )?)),
                _ => Ok(None),
            }
        })
        .await?;
    Ok(done.is_some())
}
