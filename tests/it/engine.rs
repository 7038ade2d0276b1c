//! The engine against a real store with a fake dialer and a manual clock: a simulated campaign across many
//! time zones obeys windows, concurrency, DNC and attempt caps and completes; lost calls are reconciled,
//! never re-dialed.

use std::{collections::HashMap, sync::Arc};

use callboard_core::{
    api::{self, Actor, RpcRequest},
    clock::{Clock, to_db},
    engine::{Dialer, Engine, outcome, retry::Outcome},
    store::StoreResult,
};
use callboard_testkit::{FakeDialer, TestApp};
use jiff::SignedDuration;
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const ZONES: [Option<&str>; 8] = [
    Some("America/New_York"),
    Some("America/Los_Angeles"),
    Some("Europe/London"),
    Some("Asia/Kuwait"),
    Some("Asia/Kolkata"),
    Some("Australia/Sydney"),
    Some("America/Boise America/Los_Angeles"),
    None,
];

async fn rpc(t: &TestApp, cmd: &str, args: Value) -> Result<Value, Box<dyn std::error::Error>> {
    Ok(api::dispatch(
        &t.app,
        Actor::System,
        RpcRequest {
            cmd: cmd.into(),
            args,
        },
    )
    .await?)
}

/// Adds `n` contacts (zones cycling through `ZONES`) to a campaign; returns their phones.
async fn add_contacts(t: &TestApp, campaign_id: i64, n: usize) -> StoreResult<Vec<String>> {
    let now = to_db(t.clock.now());
    t.app
        .store
        .with_tx(move |tx| -> StoreResult<Vec<String>> {
            let mut phones = Vec::new();
            for i in 0..n {
                let phone = format!("+1212555{i:04}");
                tx.execute(
                    "INSERT INTO contacts(phone_e164, name, time_zone, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                    rusqlite::params![phone, format!("Contact {i}"), ZONES[i % ZONES.len()], now],
                )?;
                tx.execute(
                    "INSERT INTO campaign_contacts(campaign_id, contact_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
                    rusqlite::params![campaign_id, tx.last_insert_rowid(), now],
                )?;
                phones.push(phone);
            }
            Ok(phones)
        })
        .await
}

/// A deterministic outcome mix: about half answered, the rest no-answer, busy, voicemail.
fn outcome_for(contact_id: i64, attempt: usize) -> (Outcome, i64) {
    let h = (contact_id as u64)
        .wrapping_mul(2_654_435_761)
        .wrapping_add(attempt as u64 * 40_503)
        % 100;
    let outcome = match h {
        0..50 => Outcome::Answered,
        50..75 => Outcome::NoAnswer,
        75..85 => Outcome::Busy,
        _ => Outcome::Voicemail,
    };
    (outcome, 20 + (h as i64 * 7) % 280)
}

/// The fake dialer registered as the `sim` provider.
fn sim_dialers(fake: &Arc<FakeDialer>) -> HashMap<String, Arc<dyn Dialer>> {
    HashMap::from([("sim".to_owned(), fake.clone() as Arc<dyn Dialer>)])
}

/// The rules a simulated campaign must obey.
struct SimRules {
    hours: &'static str,
    max_concurrent: usize,
    calls_per_second: f64,
    dnc: Vec<String>,
}

struct SimStats {
    completed: bool,
    max_in_flight: usize,
    dials_per_contact: HashMap<i64, usize>,
}

/// Runs a started campaign with the fake dialer on the manual clock for up to `days`, ending calls with a
/// deterministic outcome mix, and checks at every dial: inside the contact's window, never a DNC number,
/// never more calls in flight than allowed, never more new calls per step than the rate allows.
async fn simulate(
    t: &TestApp,
    id: i64,
    fake: &Arc<FakeDialer>,
    rules: &SimRules,
    days: i64,
) -> Result<SimStats, Box<dyn std::error::Error>> {
    let mut engine = Engine::new(t.app.clone(), sim_dialers(fake));
    let window = outcome::window_for(rules.hours);
    let end_of_run = t.clock.now() + SignedDuration::from_hours(24 * days);
    let mut active: Vec<(i64, jiff::Timestamp, Outcome)> = Vec::new();
    let mut seen = fake.dialed().len();
    let mut stats = SimStats {
        completed: false,
        max_in_flight: 0,
        dials_per_contact: HashMap::new(),
    };
    while t.clock.now() < end_of_run {
        let report = engine.step().await?;
        let now = t.clock.now();
        let new = &fake.dialed()[seen..];
        // Steps are at least 5 s apart: a burst of one second's worth plus 5 s of refill at the most.
        let allowed = rules.calls_per_second.max(1.0) + rules.calls_per_second * 5.0;
        assert!(
            new.len() as f64 <= allowed + 1e-9,
            "{} new calls in one step at {}/s",
            new.len(),
            rules.calls_per_second
        );
        for req in new {
            let zones = outcome::zones_for(
                ZONES[usize::try_from(req.contact_id - 1)? % ZONES.len()],
                "America/Chicago",
            );
            assert!(
                window.is_open_in_all(now, &zones),
                "dialed contact {} outside its window at {now}",
                req.contact_id
            );
            assert!(!rules.dnc.contains(&req.phone_e164), "dialed a DNC number");
            let attempt = stats.dials_per_contact.entry(req.contact_id).or_default();
            *attempt += 1;
            let (o, secs) = outcome_for(req.contact_id, *attempt);
            active.push((req.call_id, now + SignedDuration::from_secs(secs), o));
        }
        seen = fake.dialed().len();
        stats.max_in_flight = stats.max_in_flight.max(active.len());
        assert!(
            active.len() <= rules.max_concurrent,
            "{} calls in flight",
            active.len()
        );
        if !report.completed.is_empty() {
            stats.completed = true;
            break;
        }
        // End the calls that are over, then move time on: a few seconds while calls run, else to the next due contact.
        let (over, running): (Vec<_>, Vec<_>) = active.into_iter().partition(|(_, end, _)| *end <= now);
        active = running;
        for (call_id, end, o) in over {
            t.app
                .store
                .with_tx(move |tx| outcome::record(tx, call_id, o, None, end))
                .await?;
        }
        if active.is_empty() && report.dialed == 0 {
            let next: Option<String> = t
                .app
                .store
                .read(move |c| {
                    Ok(c.query_row(
                        "SELECT MIN(next_attempt_at) FROM campaign_contacts WHERE campaign_id = ?1 AND state IN ('pending','retry_wait')",
                        [id],
                        |r| r.get(0),
                    )?)
                })
                .await?;
            if let Some(next) = next
                .and_then(|n| n.parse::<jiff::Timestamp>().ok())
                .filter(|n| *n > now)
            {
                t.clock.set(next);
                continue;
            }
        }
        t.clock.advance(SignedDuration::from_secs(5));
    }
    Ok(stats)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_campaign_obeys_every_rule_and_completes() -> TestResult {
    let t = TestApp::new()?;
    let campaign = rpc(
        &t,
        "campaign.create",
        json!({"name": "Sim", "hours_preset": "us", "max_concurrent": 5,
        "calls_per_second": 2, "time_zone": "America/Chicago"}),
    )
    .await?;
    let id = campaign["id"].as_i64().ok_or("no id")?;
    let phones = add_contacts(&t, id, 240).await?;
    let now = to_db(t.clock.now());
    let dnc: Vec<String> = phones.iter().step_by(37).cloned().collect();
    let dnc_rows = dnc.clone();
    t.app
        .store
        .with_tx(move |tx| -> StoreResult<()> {
            for p in &dnc_rows {
                tx.execute(
                    "INSERT INTO dnc_entries(phone_e164, created_at) VALUES (?1, ?2)",
                    rusqlite::params![p, now],
                )?;
            }
            Ok(())
        })
        .await?;
    let fake = Arc::new(FakeDialer::default());
    fake.reject
        .lock()
        .map_err(|_| "poisoned")?
        .insert(phones[5].clone());
    rpc(&t, "campaign.start", json!({"id": id})).await?;
    let rules = SimRules {
        hours: "us",
        max_concurrent: 5,
        calls_per_second: 2.0,
        dnc: dnc.clone(),
    };
    let stats = simulate(&t, id, &fake, &rules, 7).await?;
    let (completed, max_in_flight, dials_per_contact) =
        (stats.completed, stats.max_in_flight, stats.dials_per_contact);
    assert!(completed, "the campaign did not complete");
    let why = rpc(&t, "campaign.why", json!({"id": id})).await?;
    assert_eq!(why["status"], "completed");
    let reasons: Vec<&str> = why["by_reason"]
        .as_array()
        .ok_or("no reasons")?
        .iter()
        .filter_map(|r| r["label"].as_str())
        .collect();
    assert!(reasons.contains(&"on a do-not-call list"), "{reasons:?}");
    assert!(reasons.contains(&"done: answered"), "{reasons:?}");
    assert!(max_in_flight <= 5, "{max_in_flight} calls in flight");
    assert!(
        dials_per_contact.values().all(|n| *n <= 3),
        "a contact was dialed more than max attempts"
    );
    let states: Vec<(String, i64)> = t
        .app
        .store
        .read(move |c| {
            let mut s = c.prepare(
                "SELECT state, COUNT(*) FROM campaign_contacts WHERE campaign_id = ?1 GROUP BY state",
            )?;
            Ok(s.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?)
        })
        .await?;
    let count = |state: &str| states.iter().find(|(s, _)| s == state).map_or(0, |(_, n)| *n);
    assert_eq!(count("suppressed"), i64::try_from(dnc.len())?);
    assert_eq!(count("done") + count("suppressed"), 240, "{states:?}");
    assert_eq!(
        rpc(&t, "campaign.get", json!({"id": id})).await?["status"],
        "completed"
    );
    Ok(())
}

#[tokio::test]
async fn lost_calls_are_reconciled_not_redialed() -> TestResult {
    let t = TestApp::new()?;
    let campaign = rpc(
        &t,
        "campaign.create",
        json!({"name": "Crash", "hours_preset": "always", "calls_per_second": 10}),
    )
    .await?;
    let id = campaign["id"].as_i64().ok_or("no id")?;
    let phones = add_contacts(&t, id, 2).await?;
    let fake = Arc::new(FakeDialer::default());
    // The first never reached the provider; the second was placed but the answer got lost.
    fake.unreachable
        .lock()
        .map_err(|_| "poisoned")?
        .insert(phones[0].clone());
    fake.lose_reply
        .lock()
        .map_err(|_| "poisoned")?
        .insert(phones[1].clone());
    rpc(&t, "campaign.start", json!({"id": id})).await?;
    Engine::new(t.app.clone(), sim_dialers(&fake)).step().await?;
    assert_eq!(fake.dialed().len(), 1);
    let why = rpc(&t, "campaign.why", json!({"id": id})).await?;
    assert_eq!(why["in_flight"], 2, "{why}");

    // "Restart": a new engine reconciles before stepping.
    fake.unreachable.lock().map_err(|_| "poisoned")?.clear();
    let mut engine = Engine::new(t.app.clone(), sim_dialers(&fake));
    assert_eq!(engine.reconcile_lost().await?, 2);
    engine.step().await?;
    let dialed = fake.dialed();
    assert_eq!(
        dialed.len(),
        2,
        "the unreached contact is dialed once; the placed one is not dialed again"
    );
    assert_eq!(dialed.iter().filter(|r| r.phone_e164 == phones[1]).count(), 1);
    let attempts: Vec<i64> = t
        .app
        .store
        .read(move |c| {
            let mut s = c.prepare(
                "SELECT attempts FROM campaign_contacts WHERE campaign_id = ?1 ORDER BY contact_id",
            )?;
            Ok(s.query_map([id], |r| r.get(0))?.collect::<Result<Vec<_>, _>>()?)
        })
        .await?;
    assert_eq!(
        attempts,
        vec![1, 1],
        "an attempt that never happened is not counted"
    );
    Ok(())
}

#[tokio::test]
async fn a_failure_spike_pauses_the_campaign() -> TestResult {
    let t = TestApp::new()?;
    let campaign = rpc(
        &t,
        "campaign.create",
        json!({"name": "Bad caller id", "hours_preset": "always",
        "calls_per_second": 50, "max_concurrent": 50}),
    )
    .await?;
    let id = campaign["id"].as_i64().ok_or("no id")?;
    let phones = add_contacts(&t, id, 30).await?;
    let fake = Arc::new(FakeDialer::default());
    fake.reject
        .lock()
        .map_err(|_| "poisoned")?
        .extend(phones.iter().cloned());
    let mut engine = Engine::new(t.app.clone(), sim_dialers(&fake));
    let mut alerts = t.app.events.subscribe();
    rpc(&t, "campaign.start", json!({"id": id})).await?;
    t.clock.advance(SignedDuration::from_secs(1));
    let first = engine.step().await?;
    assert_eq!(first.failed_to_dial, 30);
    t.clock.advance(SignedDuration::from_secs(1));
    let second = engine.step().await?;
    assert_eq!(second.paused, vec![id]);
    let c = rpc(&t, "campaign.get", json!({"id": id})).await?;
    assert_eq!(c["status"], "paused");
    assert!(
        c["status_reason"]
            .as_str()
            .unwrap_or_default()
            .starts_with("circuit breaker"),
        "{c}"
    );
    let mut saw_alert = false;
    while let Ok(Some(batch)) =
        tokio::time::timeout(std::time::Duration::from_secs(1), alerts.next_batch()).await
    {
        saw_alert |= batch.iter().any(
            |e| matches!(e, callboard_core::events::Event::Alert { kind, .. } if kind == "circuit_breaker"),
        );
        if saw_alert {
            break;
        }
    }
    assert!(saw_alert, "no circuit_breaker alert");
    // Resuming starts a fresh count: the old failures do not trip it again at once.
    rpc(&t, "campaign.resume", json!({"id": id})).await?;
    t.clock.advance(SignedDuration::from_secs(1));
    assert!(engine.step().await?.paused.is_empty());
    Ok(())
}

#[tokio::test]
async fn the_watchdog_ends_calls_that_never_end() -> TestResult {
    let t = TestApp::new()?;
    let campaign = rpc(
        &t,
        "campaign.create",
        json!({"name": "Stuck", "hours_preset": "always"}),
    )
    .await?;
    let id = campaign["id"].as_i64().ok_or("no id")?;
    add_contacts(&t, id, 1).await?;
    let fake = Arc::new(FakeDialer::default());
    let mut engine = Engine::new(t.app.clone(), sim_dialers(&fake));
    rpc(&t, "campaign.start", json!({"id": id})).await?;
    assert_eq!(engine.step().await?.dialed, 1);
    t.clock.advance(SignedDuration::from_secs(899));
    engine.step().await?;
    let status = |t: &TestApp| {
        let store = t.app.store.clone();
        async move {
            store
                .read(|c| {
                    Ok(
                        c.query_row("SELECT status, IFNULL(error, '') FROM calls", [], |r| {
                            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                        })?,
                    )
                })
                .await
        }
    };
    assert_eq!(status(&t).await?.0, "dialing");
    t.clock.advance(SignedDuration::from_secs(2));
    engine.step().await?;
    let (s, error) = status(&t).await?;
    assert_eq!(s, "no_answer");
    assert!(error.starts_with("watchdog"), "{error}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crashing_at_a_thousand_points_never_dials_anyone_twice_for_one_attempt() -> TestResult {
    let t = TestApp::new()?;
    let campaign = rpc(
        &t,
        "campaign.create",
        json!({"name": "Crashy", "hours_preset": "always",
        "calls_per_second": 50, "max_concurrent": 8}),
    )
    .await?;
    let id = campaign["id"].as_i64().ok_or("no id")?;
    add_contacts(&t, id, 60).await?;
    let fake = Arc::new(FakeDialer::default());
    rpc(&t, "campaign.start", json!({"id": id})).await?;
    let mut seed = 0x9e37_79b9_u64;
    let mut next = |m: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % m
    };
    let mut active: Vec<(i64, jiff::Timestamp, Outcome)> = Vec::new();
    let mut seen = 0usize;
    let (mut reconciled, mut completed_steps, mut crashed_steps) = (0, 0, 0);
    // Crash points are counted in the step's own progress (the times it is woken to go on: after each store
    // transaction, each dial), not in time: a timer has a 1 ms grain and a step takes about that long, so a time
    // budget crashed nearly every step on one run and nearly none on another. `typical` is how many wake-ups the
    // longest step that finished took (steps with little to do take fewer, so they finish more often).
    let mut typical: u64 = 8;
    for _ in 0..1_000 {
        // A fresh engine each round, as after a restart: reconcile first, then a step cut short at random.
        let mut engine = Engine::new(t.app.clone(), sim_dialers(&fake));
        reconciled += engine.reconcile_lost().await?;
        // The crash point: the step is dropped after a random 0–140% of a typical step's wake-ups, wherever it
        // has got to (before, during or after its transactions and dials).
        let crash_after = next(typical * 14 / 10 + 1);
        let mut step = Box::pin(engine.step());
        let mut wakeups = 0;
        let finished = std::future::poll_fn(|cx| match step.as_mut().poll(cx) {
            std::task::Poll::Ready(r) => std::task::Poll::Ready(Some(r)),
            std::task::Poll::Pending if wakeups >= crash_after => std::task::Poll::Ready(None),
            std::task::Poll::Pending => {
                wakeups += 1;
                std::task::Poll::Pending
            }
        })
        .await;
        drop(step);
        match finished {
            Some(r) => {
                r?;
                completed_steps += 1;
                typical = typical.max(wakeups);
            }
            None => crashed_steps += 1,
        }
        drop(engine);
        let now = t.clock.now();
        for req in &fake.dialed()[seen..] {
            let o = if next(3) == 0 {
                Outcome::Answered
            } else {
                Outcome::NoAnswer
            };
            active.push((
                req.call_id,
                now + SignedDuration::from_secs(i64::try_from(next(60))? + 1),
                o,
            ));
        }
        seen = fake.dialed().len();
        let (over, running): (Vec<_>, Vec<_>) = active.into_iter().partition(|(_, end, _)| *end <= now);
        active = running;
        for (call_id, end, o) in over {
            t.app
                .store
                .with_tx(move |tx| outcome::record(tx, call_id, o, None, end))
                .await?;
        }
        t.clock.advance(SignedDuration::from_secs(20));
    }
    let dialed = fake.dialed();
    let mut per_call: HashMap<i64, usize> = HashMap::new();
    let mut per_contact: HashMap<i64, usize> = HashMap::new();
    for r in &dialed {
        *per_call.entry(r.call_id).or_default() += 1;
        *per_contact.entry(r.contact_id).or_default() += 1;
    }
    assert!(per_call.values().all(|n| *n == 1), "an attempt was dialed twice");
    assert!(
        per_contact.values().all(|n| *n <= 3),
        "a contact was dialed more than max attempts"
    );
    assert!(!dialed.is_empty());
    // The run must really have crashed mid-step, and left calls to reconcile.
    assert!(
        crashed_steps >= 10 && completed_steps >= 10,
        "crashed {crashed_steps}, completed {completed_steps}"
    );
    assert!(reconciled > 0, "no crash left a call to reconcile");
    // Every dial the provider got is accounted for as a placed call, never as 'not placed'.
    let keys: Vec<String> = dialed.iter().map(|r| r.dial_key.clone()).collect();
    let unplaced = t
        .app
        .store
        .read(move |c| {
            let mut n = 0;
            for k in &keys {
                n += c.query_row(
                    "SELECT COUNT(*) FROM calls WHERE dial_key = ?1 AND status = 'not_placed'",
                    [k],
                    |r| r.get::<_, i64>(0),
                )?;
            }
            Ok(n)
        })
        .await?;
    assert_eq!(unplaced, 0);
    Ok(())
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(10))]

    /// Random pacing, hours and retry policies: every rule holds at every dial, no contact is dialed more
    /// than its policy allows, and every contact ends done, suppressed, or waiting with a stated reason.
    #[test]
    fn engine_rules_hold_for_random_policies(
        max_concurrent in 1u32..8,
        cps in 0.2f64..10.0,
        hours in proptest::sample::select(vec!["always", "kw", "in", "us"]),
        max_attempts in 1u32..4,
        retry_busy in proptest::bool::ANY,
        delay in 0u32..240,
        dnc_every in 3usize..20,
    ) {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        runtime.block_on(async move {
            let t = TestApp::new()?;
            let rule = json!({"retry": true, "delay_minutes": delay});
            let campaign = rpc(&t, "campaign.create", json!({"name": "Prop", "hours_preset": hours,
                "max_concurrent": max_concurrent, "calls_per_second": cps, "time_zone": "America/Chicago",
                "retry_policy": {"max_attempts": max_attempts, "no_answer": rule, "voicemail": rule,
                                 "busy": {"retry": retry_busy, "delay_minutes": delay}}})).await?;
            let id = campaign["id"].as_i64().ok_or("no id")?;
            let phones = add_contacts(&t, id, 40).await?;
            let dnc: Vec<String> = phones.iter().step_by(dnc_every).cloned().collect();
            let (rows, now) = (dnc.clone(), to_db(t.clock.now()));
            t.app.store.with_tx(move |tx| -> StoreResult<()> {
                for p in &rows {
                    tx.execute("INSERT INTO dnc_entries(phone_e164, created_at) VALUES (?1, ?2)", rusqlite::params![p, now])?;
                }
                Ok(())
            }).await?;
            rpc(&t, "campaign.start", json!({"id": id})).await?;
            let fake = Arc::new(FakeDialer::default());
            let rules = SimRules { hours, max_concurrent: max_concurrent as usize, calls_per_second: cps, dnc };
            let stats = simulate(&t, id, &fake, &rules, 10).await?;
            assert!(stats.dials_per_contact.values().all(|n| *n <= max_attempts as usize), "too many attempts");
            let unexplained: i64 = t.app.store.read(move |c| Ok(c.query_row(
                "SELECT COUNT(*) FROM campaign_contacts WHERE campaign_id = ?1 AND state NOT IN ('done', 'suppressed')
                   AND next_attempt_at IS NULL AND wait_reason IS NULL",
                [id], |r| r.get(0))?)).await?;
            assert_eq!(unexplained, 0, "a contact is stuck without a reason");
            Ok::<(), Box<dyn std::error::Error>>(())
        }).map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
    }
}
