//! The simulated week: one campaign over many contacts in 24 time zones (Asia/Kuwait and Asia/Kolkata among
//! them, and zones whose clocks change inside the week: Europe on 29 March 2026, Australia, Lord Howe and New
//! Zealand on 5 April), a manual clock from Sunday 29 March 2026 00:00 UTC, and an instant dialer whose
//! calls end after a deterministic time with a deterministic outcome. Every dial is checked against the
//! contact's window, the concurrency and rate limits with headroom, DNC and max attempts, and the frequency
//! cap; at the end every contact is done, suppressed, or waiting with a stated reason.
//!
//! The test runs 5,000 contacts (10,000 take minutes in a debug build on a shared 2-core machine; set
//! `CALLBOARD_WEEK_CONTACTS` for more); `callboard bench engine` runs the same kind of week at 100,000 in a
//! release build.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use callboard_core::{
    api::{self, Actor, RpcRequest},
    clock::{Clock, to_db},
    engine::{Dialer, Engine, outcome, retry::Outcome},
    store::StoreResult,
};
use callboard_testkit::{InstantDialer, TestApp, WEEK_ZONES};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn outcome_for(contact_id: i64, attempt: usize) -> (Outcome, i64) {
    let h = (contact_id as u64)
        .wrapping_mul(2_654_435_761)
        .wrapping_add(attempt as u64 * 40_503)
        % 100;
    let o = match h {
        0..45 => Outcome::Answered,
        45..70 => Outcome::NoAnswer,
        70..80 => Outcome::Busy,
        80..96 => Outcome::Voicemail,
        _ => Outcome::Failed,
    };
    (o, 15 + (h as i64 * 13) % 240)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_week_across_24_zones_obeys_every_rule() -> TestResult {
    let n: usize = std::env::var("CALLBOARD_WEEK_CONTACTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let (max_concurrent, headroom, cps) = (120u32, 20u32, 8.0f64);
    let t = TestApp::new()?;
    let start: Timestamp = "2026-03-29T00:00:00Z".parse()?;
    t.clock.set(start);
    let created = api::dispatch(
        &t.app,
        Actor::System,
        RpcRequest {
            cmd: "campaign.create".into(),
            args: json!({"name": "Week", "hours_preset": "us", "max_concurrent": max_concurrent,
                "reserved_headroom": headroom, "calls_per_second": cps, "time_zone": "America/Chicago",
                "retry_policy": {"max_attempts": 3},
                // The outcome stream is synthetic; the breaker has its own test and must not pause this one.
                "breaker": {"failure_ratio": 1.0}}),
        },
    )
    .await?;
    let id = created["id"].as_i64().ok_or("no id")?;
    let now = to_db(start);
    let dnc: HashSet<i64> = t
        .app
        .store
        .with_tx(move |tx| -> StoreResult<HashSet<i64>> {
            let mut dnc = HashSet::new();
            for i in 0..n {
                let phone = format!("+1{:010}", 2_000_000_000 + i);
                tx.execute(
                    "INSERT INTO contacts(phone_e164, time_zone, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
                    rusqlite::params![phone, WEEK_ZONES[i % WEEK_ZONES.len()], now],
                )?;
                let contact = tx.last_insert_rowid();
                tx.execute(
                    "INSERT INTO campaign_contacts(campaign_id, contact_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
                    rusqlite::params![id, contact, now],
                )?;
                if i % 97 == 5 {
                    tx.execute(
                        "INSERT INTO dnc_entries(phone_e164, created_at) VALUES (?1, ?2)",
                        rusqlite::params![phone, now],
                    )?;
                    dnc.insert(contact);
                }
            }
            Ok(dnc)
        })
        .await?;
    let zone_of =
        |contact_id: i64| WEEK_ZONES[usize::try_from(contact_id - 1).unwrap_or(0) % WEEK_ZONES.len()];
    let dialer = Arc::new(InstantDialer::default());
    let mut engine = Engine::new(
        t.app.clone(),
        HashMap::from([("sim".to_owned(), dialer.clone() as Arc<dyn Dialer>)]),
    );
    api::dispatch(
        &t.app,
        Actor::System,
        RpcRequest {
            cmd: "campaign.start".into(),
            args: json!({"id": id}),
        },
    )
    .await?;
    let window = outcome::window_for("us");
    let week_end = start + SignedDuration::from_hours(24 * 7);
    let step = SignedDuration::from_secs(15);
    let mut active: Vec<(i64, Timestamp, Outcome)> = Vec::new();
    let mut dials: HashMap<i64, Vec<Timestamp>> = HashMap::new();
    let mut seen_keys: HashSet<String> = HashSet::new();
    let (mut completed, mut calls, mut change_day_dials) = (false, 0usize, 0usize);
    let mut last_step_at = start;
    while t.clock.now() < week_end {
        let report = engine.step().await?;
        let now = t.clock.now();
        let placed = dialer.take_placed();
        // Rate: a burst of at most one second's worth plus the refill since the last step.
        let since = now.duration_since(last_step_at).as_secs_f64();
        assert!(
            placed.len() as f64 <= cps.max(1.0) + cps * since + 1e-9,
            "{} calls in one step",
            placed.len()
        );
        for req in placed {
            let zone = zone_of(req.contact_id);
            let zones = outcome::zones_for(Some(zone), "America/Chicago");
            assert!(
                window.is_open_in_all(now, &zones),
                "contact {} ({zone}) dialed at {now}",
                req.contact_id
            );
            assert!(
                !dnc.contains(&req.contact_id),
                "dialed DNC contact {}",
                req.contact_id
            );
            assert!(
                seen_keys.insert(req.dial_key.clone()),
                "a dial key was used twice"
            );
            let history = dials.entry(req.contact_id).or_default();
            history.push(now);
            assert!(
                history.len() <= 3,
                "contact {} dialed more than max attempts",
                req.contact_id
            );
            let today = history
                .iter()
                .filter(|t| now.duration_since(**t) < SignedDuration::from_hours(24))
                .count();
            assert!(
                today <= 3,
                "contact {} over the daily frequency cap",
                req.contact_id
            );
            if zone.starts_with("Europe/")
                && zones.first().map(|z| z.to_datetime(now).date()) == Some(jiff::civil::date(2026, 3, 29))
            {
                change_day_dials += 1;
            }
            let (o, secs) = outcome_for(req.contact_id, history.len());
            active.push((req.call_id, now + SignedDuration::from_secs(secs), o));
            calls += 1;
        }
        assert!(
            active.len() <= (max_concurrent - headroom) as usize,
            "{} calls in flight (limit {} minus {} headroom)",
            active.len(),
            max_concurrent,
            headroom
        );
        if !report.completed.is_empty() {
            completed = true;
            break;
        }
        let (over, running): (Vec<_>, Vec<_>) = active.into_iter().partition(|(_, end, _)| *end <= now);
        active = running;
        if !over.is_empty() {
            t.app
                .store
                .with_tx(move |tx| -> StoreResult<()> {
                    for (call_id, end, o) in over {
                        outcome::record(tx, call_id, o, None, end)?;
                    }
                    Ok(())
                })
                .await?;
        }
        last_step_at = now;
        let mut next = now + step;
        if report.dialed == 0 {
            // Nothing placed: jump to the next thing that can happen (a call ending or a contact due).
            let soonest_end = active.iter().map(|(_, end, _)| *end).min();
            let due = report.next_due_at.filter(|d| *d > now);
            if let Some(soonest) = [soonest_end, due].into_iter().flatten().min() {
                next = next.max(soonest);
            }
        }
        t.clock.set(next);
    }
    if !completed {
        let why = api::dispatch(
            &t.app,
            Actor::System,
            RpcRequest {
                cmd: "campaign.why".into(),
                args: json!({"id": id}),
            },
        )
        .await?;
        return Err(format!("the campaign did not complete within the week ({calls} calls): {why}").into());
    }
    assert!(
        change_day_dials > 0,
        "nobody in Europe was called on their clock-change day"
    );
    let unexplained: i64 = t
        .app
        .store
        .read(move |c| {
            Ok(c.query_row(
                "SELECT COUNT(*) FROM campaign_contacts WHERE campaign_id = ?1 AND state NOT IN ('done', 'suppressed')
                   AND wait_reason IS NULL",
                [id],
                |r| r.get(0),
            )?)
        })
        .await?;
    assert_eq!(unexplained, 0);
    let suppressed: i64 = t
        .app
        .store
        .read(move |c| {
            Ok(c.query_row(
                "SELECT COUNT(*) FROM campaign_contacts WHERE campaign_id = ?1 AND state = 'suppressed'",
                [id],
                |r| r.get(0),
            )?)
        })
        .await?;
    assert_eq!(usize::try_from(suppressed)?, dnc.len());
    Ok(())
}
