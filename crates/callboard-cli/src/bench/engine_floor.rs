//! The floor under the engine week: the same week's per-call writes replayed on a fresh store, with no read,
//! no decision and no event: each call's intent (call row and claimed contact), its dial result, its ending
//! and its contact's next step, through the store functions the engine uses, in the transactions the engine
//! and the endings use. Whatever the engine decides and reads comes on top of this, so this is the least a
//! week of these calls costs on this machine with this schema and one commit before each dial.

use std::{collections::HashMap, sync::Arc, time::Instant};

use callboard_core::{
    app::App,
    clock::to_db,
    engine::{DialRequest, outcome, retry::Outcome},
    store::{StoreError, StoreResult, attempts},
};
use callboard_testkit::InstantDialer;
use jiff::{SignedDuration, Timestamp};

/// One step of the week as it happened: the calls placed, and the calls that ended after it.
#[derive(Debug, Default)]
pub struct TracedStep {
    pub at: Timestamp,
    pub placed: Vec<DialRequest>,
    pub ended: Vec<(i64, Timestamp, Outcome)>,
}

/// A call's ending as replayed: its contact, and whether that contact is called again later in the week.
#[derive(Debug, Clone)]
struct Ending {
    call_id: i64,
    contact_id: i64,
    at: String,
    outcome: Outcome,
    again: bool,
}

/// How long the replay took: with the endings in transactions of their own (as the week has them), and
/// with them riding in the next step's transaction.
#[derive(Debug, Clone, Copy)]
pub struct Floor {
    pub separate_s: f64,
    pub merged_s: f64,
}

/// Replays `trace` twice on fresh stores made by `fresh` (each seeded like the week's, its campaign started):
/// endings in their own transactions, then riding with the next step.
pub async fn measure<F, Fut>(trace: &[TracedStep], fresh: F) -> Result<Floor, String>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<(tempfile::TempDir, Arc<App>), String>>,
{
    let endings = endings(trace);
    // Each replay's store is closed (and its WAL checkpointed) before the next replay starts, so that one's
    // checkpoints do not run beside it.
    let mut seconds = [0.0; 2];
    for (merged, s) in [false, true].into_iter().zip(&mut seconds) {
        let (_dir, app) = fresh().await?;
        *s = replay(&app, trace, &endings, merged).await?;
    }
    let [separate_s, merged_s] = seconds;
    Ok(Floor { separate_s, merged_s })
}

/// Each step's endings, with whether the contact is placed again after it.
fn endings(trace: &[TracedStep]) -> Vec<Vec<Ending>> {
    let contact_of: HashMap<i64, i64> = trace
        .iter()
        .flat_map(|s| s.placed.iter().map(|p| (p.call_id, p.contact_id)))
        .collect();
    let mut last_placed: HashMap<i64, usize> = HashMap::new();
    for (i, step) in trace.iter().enumerate() {
        for p in &step.placed {
            last_placed.insert(p.contact_id, i);
        }
    }
    trace
        .iter()
        .enumerate()
        .map(|(i, step)| {
            step.ended
                .iter()
                .filter_map(|(call_id, at, outcome)| {
                    let contact_id = *contact_of.get(call_id)?;
                    Some(Ending {
                        call_id: *call_id,
                        contact_id,
                        at: to_db(*at),
                        outcome: *outcome,
                        again: last_placed.get(&contact_id).is_some_and(|last| *last > i),
                    })
                })
                .collect()
        })
        .collect()
}

async fn replay(
    app: &Arc<App>,
    trace: &[TracedStep],
    endings: &[Vec<Ending>],
    merged: bool,
) -> Result<f64, String> {
    let campaign = app
        .store
        .read(attempts::running_campaigns)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .next()
        .ok_or("the replay's campaign is not running")?;
    let campaign = Arc::new(campaign);
    let mut attempts_made: HashMap<i64, u32> = HashMap::new();
    let mut dialed: Vec<i64> = Vec::new();
    let mut carried: Vec<Ending> = Vec::new();
    let started = Instant::now();
    for (step, ended) in trace.iter().zip(endings) {
        let now = to_db(step.at);
        let lease_until = to_db(step.at + SignedDuration::from_mins(10));
        let claims: Vec<(DialRequest, u32)> = step
            .placed
            .iter()
            .map(|p| {
                let made = attempts_made.entry(p.contact_id).or_default();
                *made += 1;
                (p.clone(), *made - 1)
            })
            .collect();
        let claiming = campaign.clone();
        let previous = std::mem::take(&mut dialed);
        let in_step = std::mem::take(&mut carried);
        dialed = app
            .store
            .with_tx(move |tx| -> StoreResult<Vec<i64>> {
                end_all(tx, claiming.id, &in_step)?;
                record_dialed(tx, &previous, &now)?;
                let mut placed = Vec::with_capacity(claims.len());
                for (p, attempts) in &claims {
                    let candidate = attempts::Candidate {
                        contact_id: p.contact_id,
                        phone_e164: p.phone_e164.clone(),
                        time_zone: None,
                        variables: String::new(),
                        attempts: *attempts,
                        on_dnc: false,
                    };
                    let id = attempts::claim(tx, &claiming, &candidate, &p.dial_key, &now, &lease_until)?;
                    if id != p.call_id {
                        return Err(StoreError::Corrupt(format!(
                            "the replay gave call {id} the id the week gave call {}",
                            p.call_id
                        )));
                    }
                    placed.push(id);
                }
                Ok(placed)
            })
            .await
            .map_err(|e| e.to_string())?;
        if merged {
            carried = ended.clone();
        } else {
            end_in_own_tx(app, campaign.id, ended.clone()).await?;
        }
    }
    end_in_own_tx(app, campaign.id, carried).await?;
    // The last step's dial results, as the engine's flush records them when it stops.
    if let (false, Some(last)) = (dialed.is_empty(), trace.last()) {
        let now = to_db(last.at);
        app.store
            .with_tx(move |tx| record_dialed(tx, &dialed, &now))
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(started.elapsed().as_secs_f64())
}

async fn end_in_own_tx(app: &Arc<App>, campaign_id: i64, ended: Vec<Ending>) -> Result<(), String> {
    if ended.is_empty() {
        return Ok(());
    }
    app.store
        .with_tx(move |tx| end_all(tx, campaign_id, &ended))
        .await
        .map_err(|e| e.to_string())
}

/// What the in-process dialer said to each call placed: accepted, under the id it gave.
fn record_dialed(tx: &rusqlite::Connection, call_ids: &[i64], now: &str) -> StoreResult<()> {
    for id in call_ids {
        attempts::mark_dialed(tx, *id, &InstantDialer::provider_call_id(*id), now)?;
    }
    Ok(())
}

/// A call's ending and its contact's next step (again at the ending's time, or done).
fn end_all(tx: &rusqlite::Connection, campaign_id: i64, ended: &[Ending]) -> StoreResult<()> {
    for e in ended {
        attempts::end_call(
            tx,
            e.call_id,
            outcome::final_status(e.outcome),
            outcome::outcome_name(e.outcome),
            None,
            &e.at,
        )?;
        let next = e.again.then_some(e.at.as_str());
        let reason = if e.again { "retry_delay" } else { "max_attempts" };
        attempts::after_attempt(
            tx,
            campaign_id,
            e.contact_id,
            outcome::outcome_name(e.outcome),
            next,
            reason,
            &e.at,
        )?;
    }
    Ok(())
}
