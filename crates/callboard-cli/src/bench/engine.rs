//! The engine benchmark: a simulated week (manual clock) of one campaign over contacts in 24 time zones,
//! with an in-process dialer whose calls end after a realistic time with a realistic outcome; the floor under
//! that week (its per-call writes alone, `engine_floor`); and the time to pick the next batch of dialable
//! contacts from 1,000,000.

use std::{collections::HashMap, sync::Arc, time::Instant};

use callboard_core::{
    api::{self, Actor, RpcRequest},
    app::{App, AppOptions},
    clock::{Clock, ManualClock, to_db},
    engine::{Dialer, Engine, StepReport, outcome, retry::Outcome},
    store::{
        PageCounts, Store, StoreResult, attempts, engine_step, forget_frames, frames_by_btree, page_counts,
    },
};
use callboard_testkit::{InstantDialer, WEEK_ZONES};
use clap::Args;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::engine_floor::{self, TracedStep};

#[derive(Debug, Args)]
pub struct EngineBenchArgs {
    /// Contacts in the simulated campaign.
    #[arg(long, default_value_t = 100_000)]
    contacts: usize,
    /// Contacts in the next-batch selection test.
    #[arg(long, default_value_t = 1_000_000)]
    batch_contacts: usize,
    /// Print the figures as one JSON object on the last line.
    #[arg(long)]
    json: bool,
}

pub fn run_cli(args: EngineBenchArgs) -> std::process::ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let json_output = args.json;
    match runtime.block_on(run(args)) {
        Ok(figures) => {
            if json_output {
                println!("{figures}");
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bench engine failed: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn outcome_for(call_id: i64) -> (Outcome, i64) {
    let h = (call_id as u64).wrapping_mul(2_654_435_761) % 100;
    let o = match h {
        0..45 => Outcome::Answered,
        45..70 => Outcome::NoAnswer,
        70..80 => Outcome::Busy,
        80..95 => Outcome::Voicemail,
        _ => Outcome::Failed,
    };
    (o, 15 + (h as i64 * 13) % 240)
}

/// The simulation steps every 5 s. A step that changed nothing (no dial, no deferral, no hang-up) leaves the
/// engine waiting on a call to end or a contact to become due, so the steps before the first of those on
/// the 5 s grid would change nothing either: skip to it. The same steps that do something run at the same
/// times as without the skip, so the simulated week is the same.
fn next_step_at(now: Timestamp, report: &StepReport, active: &[(i64, Timestamp, Outcome)]) -> Timestamp {
    const STEP: SignedDuration = SignedDuration::from_secs(5);
    let idle = report.dialed == 0
        && report.deferred == 0
        && report.suppressed == 0
        && report.capped == 0
        && report.failed_to_dial == 0
        && report.hung_up == 0
        && report.paused.is_empty()
        && report.scheduled.is_empty();
    let next_event = active
        .iter()
        .map(|(_, end, _)| *end)
        .chain(report.next_due_at.filter(|n| *n > now))
        .min();
    match next_event {
        Some(event) if idle && event > now + STEP => {
            // The first grid step at or after the event.
            let steps = (event.duration_since(now).as_millis() + STEP.as_millis() - 1) / STEP.as_millis();
            now + STEP * i32::try_from(steps).unwrap_or(i32::MAX)
        }
        _ => now + STEP,
    }
}

/// The writer connection's page counts so far.
async fn writer_pages(app: &Arc<App>) -> Result<PageCounts, String> {
    app.store
        .with_tx(|tx| -> StoreResult<_> { Ok(page_counts(tx)) })
        .await
        .map_err(err)
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

async fn seed(app: &Arc<App>, name: &str, n: usize, max_concurrent: u32) -> Result<i64, String> {
    let created = api::dispatch(
        app,
        Actor::System,
        RpcRequest {
            cmd: "campaign.create".into(),
            args: json!({"name": name, "hours_preset": "us", "max_concurrent": max_concurrent, "calls_per_second": 50,
                         "time_zone": "America/Chicago",
                         // Synthetic outcomes: the breaker must not pause the measured week.
                         "breaker": {"failure_ratio": 1.0}}),
        },
    )
    .await
    .map_err(|e| e.message)?;
    let id = created["id"].as_i64().ok_or("no campaign id")?;
    let now = to_db(app.clock.now());
    app.store
        .with_tx(move |tx| -> StoreResult<()> {
            let mut contact = tx.prepare(
                "INSERT INTO contacts(phone_e164, time_zone, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
            )?;
            let mut member = tx.prepare(
                "INSERT INTO campaign_contacts(campaign_id, contact_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
            )?;
            for i in 0..n {
                contact.execute(rusqlite::params![format!("+{}{:09}", id, i), WEEK_ZONES[i % WEEK_ZONES.len()], now])?;
                member.execute(rusqlite::params![id, tx.last_insert_rowid(), now])?;
            }
            Ok(())
        })
        .await
        .map_err(err)?;
    Ok(id)
}

/// A store in a temporary directory and an app on a manual clock at the week's start.
fn fresh_app() -> Result<(tempfile::TempDir, Arc<App>, ManualClock), String> {
    let dir = tempfile::tempdir().map_err(err)?;
    let clock = ManualClock::new(ManualClock::default_start());
    let store = Store::open(&dir.path().join("callboard.db")).map_err(err)?;
    let options = AppOptions {
        data_dir: dir.path().to_owned(),
        demo: false,
        public_base_url: None,
    };
    let app = App::new(store, Arc::new(clock.clone()), options);
    Ok((dir, app, clock))
}

/// The week's campaign of `contacts`, started.
async fn week_campaign(app: &Arc<App>, contacts: usize) -> Result<i64, String> {
    let id = seed(app, "bench week", contacts, 500).await?;
    api::dispatch(
        app,
        Actor::System,
        RpcRequest {
            cmd: "campaign.start".into(),
            args: json!({"id": id}),
        },
    )
    .await
    .map_err(|e| e.message)?;
    Ok(id)
}

async fn run(args: EngineBenchArgs) -> Result<Value, String> {
    let (_dir, app, clock) = fresh_app()?;
    week_campaign(&app, args.contacts).await?;
    let dialer = Arc::new(InstantDialer::default());
    let mut engine = Engine::new(
        app.clone(),
        HashMap::from([("sim".to_owned(), dialer.clone() as Arc<dyn Dialer>)]),
    );

    let pages_before = writer_pages(&app).await?;
    // The WAL frames counted so far (the seeding) are dropped: only the week's are shown.
    forget_frames();
    let started = Instant::now();
    let week_end = clock.now() + SignedDuration::from_hours(24 * 7);
    let mut active: Vec<(i64, Timestamp, Outcome)> = Vec::new();
    let (mut steps, mut calls, mut completed) = (0u64, 0u64, false);
    // What was placed and ended when, for the floor below.
    let mut trace: Vec<TracedStep> = Vec::new();
    while clock.now() < week_end {
        steps += 1;
        let report = engine.step().await.map_err(err)?;
        let now = clock.now();
        let placed = dialer.take_placed();
        for req in &placed {
            let (o, secs) = outcome_for(req.call_id);
            active.push((req.call_id, now + SignedDuration::from_secs(secs), o));
            calls += 1;
        }
        if !report.completed.is_empty() {
            completed = true;
            break;
        }
        let (over, running): (Vec<_>, Vec<_>) = active.into_iter().partition(|(_, end, _)| *end <= now);
        active = running;
        trace.push(TracedStep {
            at: now,
            placed,
            ended: over.clone(),
        });
        if !over.is_empty() {
            app.store
                .with_tx(move |tx| -> StoreResult<()> {
                    for (call_id, end, o) in over {
                        outcome::record(tx, call_id, o, None, end)?;
                    }
                    Ok(())
                })
                .await
                .map_err(err)?;
        }
        if active.is_empty()
            && report.dialed == 0
            && let Some(next) = report.next_due_at.filter(|n| *n > now)
        {
            clock.set(next);
            continue;
        }
        clock.set(next_step_at(now, &report, &active));
    }
    // The last step's dial results, as the engine task records them when it stops.
    engine.flush().await.map_err(err)?;
    let week_wall_s = started.elapsed().as_secs_f64();
    let pages = writer_pages(&app).await?.since(pages_before);
    let frames = app.store.with_tx(|tx| frames_by_btree(tx)).await.map_err(err)?;
    super::print_statement_profile("engine", &app.store, "call", calls);
    println!(
        "engine: simulated {} contacts in {} zones: {calls} calls in {steps} steps, {} in {week_wall_s:.2} s wall",
        args.contacts,
        WEEK_ZONES.len(),
        if completed {
            "campaign completed"
        } else {
            "a week passed"
        },
    );

    // Steadier than the wall time on a busy machine: what a change does to the pages written and read shows
    // in these even when the wall time is lost in the noise.
    println!(
        "engine: writer pages: {} written to the WAL ({:.2} per call), {} read from the file ({:.2} per call), {} found in the cache",
        pages.written,
        pages.written as f64 / calls.max(1) as f64,
        pages.missed,
        pages.missed as f64 / calls.max(1) as f64,
        pages.hit,
    );

    super::print_wal_frames("engine", frames, "call", calls, 2);

    let contacts = args.contacts;
    let floor = engine_floor::measure(&trace, || async move {
        let (dir, app, _clock) = fresh_app()?;
        week_campaign(&app, contacts).await?;
        Ok((dir, app))
    })
    .await?;
    println!(
        "engine: floor: the week's per-call writes alone (no reads, no decisions) take {:.2} s with the endings in \
         their own transactions, {:.2} s with them riding in the next step's",
        floor.separate_s, floor.merged_s
    );

    let batch_id = seed(&app, "bench batch", args.batch_contacts, 500).await?;
    let now = to_db(clock.now());
    let mut samples = Vec::new();
    for _ in 0..11 {
        let now = now.clone();
        let t = Instant::now();
        let picked = app
            .store
            .read(move |c| attempts::candidates(c, batch_id, &now, 500 * 4 + 32))
            .await
            .map_err(err)?;
        samples.push(t.elapsed().as_secs_f64() * 1000.0);
        if picked.is_empty() {
            return Err("the batch query picked nobody".into());
        }
    }
    samples.sort_by(f64::total_cmp);
    let plan = app.store.read(engine_step::candidates_plan).await.map_err(err)?;
    println!("engine: next batch query plan:");
    for line in &plan {
        println!("engine:   {line}");
    }
    if !plan
        .iter()
        .any(|l| l.contains("USING INDEX campaign_contacts_queue"))
    {
        return Err("the next-batch query does not use the campaign_contacts_queue index".into());
    }
    // The list was just added, so the batch is its fresh members: a rowid range, not the campaign's list.
    if !plan
        .iter()
        .any(|l| l.contains("SEARCH cc USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"))
    {
        return Err("the next-batch query does not read fresh members as a rowid range".into());
    }
    let next_batch_ms = samples[samples.len() / 2];
    println!(
        "engine: next batch of {} from {} contacts: {next_batch_ms:.2} ms (median of 11)",
        500 * 4 + 32,
        args.batch_contacts
    );
    Ok(
        json!({ "week_wall_s": week_wall_s, "floor_separate_s": floor.separate_s, "floor_merged_s": floor.merged_s, "week_pages_written": pages.written, "week_pages_read": pages.missed, "week_calls": calls, "week_completed": completed, "next_batch_ms": next_batch_ms }),
    )
}
