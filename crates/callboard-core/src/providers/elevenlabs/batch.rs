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

use jiff::SignedDuration;

use super::{
    ElevenLabs,
    client::ElevenLabsError,
    dialer::call_settings,
    types::{Batch, BatchStatus, BatchSubmit, Recipient},
};
use crate::{
    app::App,
    campaign::{CampaignStatus, Transition},
    clock::to_db,
    engine::{
        claim::{self, Held},
        outcome,
    },
    events::Event,
    store::{
        StoreResult, attempts, campaigns,
        elevenlabs::{self as el_store, BatchRow},
        queue,
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
            super::batch_poll::cancel(app, el, &batch).await
        } else {
            super::batch_poll::poll(app, el, &batch).await
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
                let zones = outcome::zones_for(c.time_zone.as_deref(), &campaign.time_zone);
                // One outside its window is held for a later wave: a batch has one start time, so no
                // per-recipient windows.
                match claim::hold(tx, campaign.id, &c, &window, &zones, at, &now)? {
                    Some(Held::Suppressed) => suppressed += 1,
                    Some(Held::Deferred) => deferred += 1,
                    None => picked.push(c),
                }
            }
            if picked.is_empty() {
                queue::tighten_fresh_range(tx, campaign.id)?;
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
            queue::tighten_fresh_range(tx, campaign.id)?;
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
pub(super) async fn adopt(app: &App, row: &BatchRow, batch: &Batch) -> StoreResult<()> {
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
pub(super) async fn release(app: &App, row: &BatchRow, why: &str, status: &str) -> StoreResult<()> {
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

async fn complete_if_done(app: &App, id: i64) -> StoreResult<bool> {
    let now = to_db(app.clock.now());
    let done = app
        .store
        .with_tx(move |tx| -> StoreResult<Option<crate::campaign::Campaign>> {
            if attempts::has_unfinished(tx, id)?
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
