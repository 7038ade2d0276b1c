//! `callboard demo`: one complete simulated campaign through the real listeners on loopback, at accelerated
//! time, then a summary that must reconcile exactly. The simulator dials through the engine, sends signed
//! webhooks to the public listener (misbehaving as asked), the journal and applier end the calls; once the
//! simulator is quiet, the clock jumps past the leases and the engine's reconciliation repairs every call
//! whose ending was lost. Every simulated call must then have exactly one final state in the store, equal to
//! the outcome the simulator planned, and every request it sent must be accounted for by the journal.

use std::{collections::BTreeMap, path::PathBuf, sync::Arc, time::Duration};

use jiff::SignedDuration;
use rusqlite::params;
use serde::Serialize;

use crate::{
    app::{App, AppOptions, DATABASE_FILE},
    campaign::{CampaignInput, CampaignSettings, CampaignStatus},
    clock::{OffsetClock, to_db},
    engine::{Engine, outcome::outcome_name},
    listener,
    providers::{
        self,
        sim::{SimConfig, SimReport},
    },
    store::{Store, StoreResult, campaigns},
};

/// What to run.
#[derive(Debug, Clone)]
pub struct DemoRun {
    pub data_dir: PathBuf,
    pub contacts: usize,
    pub sim: SimConfig,
    /// Give up (and report it) after this long.
    pub timeout: Duration,
}

/// The printed summary. Everything but `elapsed_secs` depends only on the seed and the options.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DemoSummary {
    pub seed: u64,
    pub contacts: usize,
    pub campaign_id: i64,
    /// Calls in the store by (outcome) after the run.
    pub calls_by_outcome: BTreeMap<String, u64>,
    pub simulator: SimReport,
    /// Journal rows written during the run, by status.
    pub journal: BTreeMap<String, u64>,
    /// Calls the engine's reconciliation ended (their endings were dropped, rejected or never sent).
    pub reconciled_calls: u64,
    /// Calls whose final state differs from the simulator's plan, or that are not final (must be 0).
    pub wrong_calls: u64,
    /// Contacts not done after the run (must be 0).
    pub unfinished_contacts: u64,
    /// Every check that failed, in words (empty when the run reconciles).
    pub problems: Vec<String>,
    pub reconciled: bool,
    pub elapsed_secs: f64,
}

fn settings(contacts: usize, seed: u64) -> Result<CampaignSettings, String> {
    CampaignSettings::default()
        .apply(CampaignInput {
            name: Some(format!("Simulated run: {contacts} contacts, seed {seed}")),
            description: Some("Created by `callboard demo`.".into()),
            provider: Some("sim".into()),
            max_concurrent: Some(100),
            calls_per_second: Some(50.0),
            hours_preset: Some("always".into()),
            time_zone: Some("UTC".into()),
            retry_policy: Some(serde_json::json!({"max_attempts": 1})),
            max_call_seconds: Some(3600),
            ..Default::default()
        })
        .map_err(|e| e.to_string())
}

/// Runs the campaign and reconciles; `Err` only when the run could not happen at all.
pub async fn run(options: DemoRun) -> Result<DemoSummary, String> {
    let started = std::time::Instant::now();
    std::fs::create_dir_all(&options.data_dir)
        .map_err(|e| format!("cannot create {}: {e}", options.data_dir.display()))?;
    let store = Store::open(&options.data_dir.join(DATABASE_FILE)).map_err(|e| e.to_string())?;
    let clock = Arc::new(OffsetClock::default());
    let app = App::new(
        store,
        clock.clone(),
        AppOptions {
            data_dir: options.data_dir.clone(),
            demo: false,
            public_base_url: None,
        },
    );
    app.set_provider_secrets(crate::demo::random_secrets(Default::default()));
    let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let bind = |what: &'static str| async move {
        listener::bind(loopback, false)
            .await
            .map_err(|e| format!("cannot listen on loopback for the {what}: {e}"))
    };
    let (ui, public) = (bind("UI").await?, bind("public listener").await?);
    let listeners = listener::start(app.clone(), ui, public, None).map_err(|e| e.to_string())?;
    let result = drive(&app, &clock, &options).await;
    listeners.stop().await;
    app.webhooks.settle().await;
    let mut summary = result?;
    summary.elapsed_secs = (started.elapsed().as_secs_f64() * 10.0).round() / 10.0;
    Ok(summary)
}

async fn drive(app: &Arc<App>, clock: &OffsetClock, options: &DemoRun) -> Result<DemoSummary, String> {
    let err = |e: crate::store::StoreError| e.to_string();
    let s = settings(options.contacts, options.sim.seed)?;
    let (n, now) = (options.contacts, to_db(app.clock.now()));
    let (campaign_id, first_event) = app
        .store
        .with_tx(move |tx| -> StoreResult<(i64, i64)> {
            let first_event: i64 =
                tx.query_row("SELECT IFNULL(MAX(id), 0) + 1 FROM call_events", [], |r| r.get(0))?;
            let campaign = campaigns::insert(tx, &s, CampaignStatus::Running, &now)?;
            crate::demo::insert_contacts(tx, campaign.id, None, 0, n, 0.0, &now)?;
            Ok((campaign.id, first_event))
        })
        .await
        .map_err(err)?;
    let (dialers, sim) = providers::dialers_with_sim(app, options.sim.clone());
    let mut engine = Engine::new(app.clone(), dialers);
    let deadline = tokio::time::Instant::now() + options.timeout;
    loop {
        engine.step().await.map_err(err)?;
        let waiting = app
            .store
            .read(move |c| {
                Ok(c.query_row(
                    "SELECT COUNT(*) FROM campaign_contacts WHERE campaign_id = ?1 AND state IN ('pending', 'retry_wait')",
                    [campaign_id],
                    |r| r.get::<_, i64>(0),
                )?)
            })
            .await
            .map_err(err)?;
        if waiting == 0 {
            break;
        }
        if tokio::time::Instant::now() > deadline {
            return Err(format!("timed out with {waiting} contacts still to call"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::select! {
        () = sim.wait_idle() => {}
        () = tokio::time::sleep_until(deadline) => return Err("timed out waiting for the simulated calls to end".into()),
    }
    app.webhooks.settle().await;
    // Whatever is still in flight lost its ending: jump past the leases and let the engine ask the provider.
    clock.advance(SignedDuration::from_secs(3600) + SignedDuration::from_mins(15));
    let reconciled_calls = engine.reconcile_lost().await.map_err(err)? as u64;
    engine.step().await.map_err(err)?;
    // The providers' last answers are written with the next step; there is none, so write them now.
    engine.flush().await.map_err(err)?;
    app.webhooks.settle().await;
    check(
        app,
        &sim.report(),
        &sim.calls(),
        campaign_id,
        first_event,
        reconciled_calls,
        options,
    )
    .await
}

async fn check(
    app: &Arc<App>,
    report: &SimReport,
    planned: &[(i64, crate::engine::retry::Outcome)],
    campaign_id: i64,
    first_event: i64,
    reconciled_calls: u64,
    options: &DemoRun,
) -> Result<DemoSummary, String> {
    type Stored = (
        Vec<(i64, String, Option<String>)>,
        Vec<(String, i64)>,
        i64,
        String,
    );
    let (calls, journal, unfinished, status) = app
        .store
        .read(move |c| -> StoreResult<Stored> {
            let mut stmt =
                c.prepare("SELECT id, status, outcome FROM calls WHERE campaign_id = ?1 ORDER BY id")?;
            let calls = stmt
                .query_map([campaign_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            let mut stmt =
                c.prepare("SELECT status, COUNT(*) FROM call_events WHERE id >= ?1 GROUP BY status")?;
            let journal = stmt
                .query_map(params![first_event], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            let unfinished = c.query_row(
                "SELECT COUNT(*) FROM campaign_contacts WHERE campaign_id = ?1 AND state != 'done'",
                [campaign_id],
                |r| r.get(0),
            )?;
            let status = campaigns::get(c, campaign_id)?.status;
            Ok((calls, journal, unfinished, format!("{status:?}")))
        })
        .await
        .map_err(|e| e.to_string())?;
    let mut problems = Vec::new();
    let plan: BTreeMap<i64, _> = planned.iter().copied().collect();
    let mut by_outcome = BTreeMap::new();
    let mut wrong = 0u64;
    for (id, call_status, outcome) in &calls {
        let name = outcome.clone().unwrap_or_else(|| "none".into());
        *by_outcome.entry(name.clone()).or_insert(0u64) += 1;
        let expected = plan.get(id).map(|o| outcome_name(*o));
        let ended = !crate::store::attempts::IN_FLIGHT.contains(&format!("'{call_status}'"));
        if expected != Some(name.as_str()) || !ended {
            wrong += 1;
            if problems.len() < 20 {
                problems.push(format!("call {id}: {call_status}/{name}, planned {expected:?}"));
            }
        }
    }
    let journal: BTreeMap<String, u64> = journal.into_iter().map(|(k, v)| (k, v.max(0) as u64)).collect();
    let unfinished = unfinished.max(0) as u64;
    let j = |k: &str| journal.get(k).copied().unwrap_or(0);
    let w = &report.webhooks;
    if calls.len() as u64 != report.calls || report.calls != options.contacts as u64 {
        problems.push(format!(
            "{} contacts, {} simulated calls, {} calls in the store",
            options.contacts,
            report.calls,
            calls.len()
        ));
    }
    if w.sent != w.received + w.duplicates_ignored + w.rejected + w.errors {
        problems.push(format!(
            "{} webhooks sent but {} answered",
            w.sent,
            w.received + w.duplicates_ignored + w.rejected + w.errors
        ));
    }
    if w.errors > 0 {
        problems.push(format!(
            "{} webhooks met a network error or an unexpected answer",
            w.errors
        ));
    }
    if j("applied") != w.received || j("pending") + j("failed") > 0 {
        problems.push(format!(
            "{} webhooks received but the journal has {} applied, {} pending, {} failed",
            w.received,
            j("applied"),
            j("pending"),
            j("failed")
        ));
    }
    if j("duplicate") != w.duplicates_ignored || j("rejected") > w.rejected {
        problems.push(format!(
            "journal: {} duplicates, {} rejected; simulator: {} duplicates, {} rejected",
            j("duplicate"),
            j("rejected"),
            w.duplicates_ignored,
            w.rejected
        ));
    }
    if unfinished > 0 || status != "Completed" {
        problems.push(format!("campaign {status} with {unfinished} contacts not done"));
    }
    Ok(DemoSummary {
        seed: options.sim.seed,
        contacts: options.contacts,
        campaign_id,
        calls_by_outcome: by_outcome,
        simulator: report.clone(),
        journal,
        reconciled_calls,
        wrong_calls: wrong,
        unfinished_contacts: unfinished,
        reconciled: problems.is_empty(),
        problems,
        elapsed_secs: 0.0,
    })
}
