//! The simulator: a provider with no account that behaves like a real one from the outside. Per dial it
//! draws a [`plan::Plan`] (outcome, ring and talk times, script, misbehaviour) from an RNG seeded by the
//! run seed and the contact, registers the call's provider ids (`call_refs`, as a real dialer learns them
//! from the provider's answer), and then sends Twilio-format signed status and AMD callbacks and
//! ElevenLabs-format signed post-call webhooks to our own public listener over HTTP, on a speed-scaled
//! schedule; answered calls also stream audio and live transcript lines ([`media`]). The journal, applier
//! and engine take it from there exactly as for real calls. `reconcile` answers from the simulator's own
//! record of each call, like a provider's GET, so a dropped webhook is repaired by reconciliation.

pub mod deliver;
pub mod library;
pub mod media;
pub mod plan;
pub mod script;
#[cfg(test)]
mod tests;
pub mod wire;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, atomic::Ordering},
    time::Duration,
};

use futures_util::future::BoxFuture;
use serde::Serialize;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

pub use self::plan::{Misbehaviour, OutcomeMix};
use self::{
    deliver::{Counters, Sent},
    plan::Plan,
    wire::CallCtx,
};
use crate::{
    app::App,
    clock::to_db,
    engine::{
        CallRef, DialError, DialRequest, Dialed, Dialer, Reconciled, dialer::Capabilities,
        outcome::outcome_name, retry::Outcome,
    },
    events::Event,
    store::call_refs,
};

/// How the simulator behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    pub mix: OutcomeMix,
    /// How much faster than real time calls run (10.0 = ten times faster).
    pub speed: f64,
    /// The run seed: with the same seed and contacts, the same calls.
    pub seed: u64,
    pub misbehaviour: Misbehaviour,
    /// Open media streams for answered calls.
    pub media: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            mix: OutcomeMix::default(),
            speed: 1.0,
            seed: 0,
            misbehaviour: Misbehaviour::default(),
            media: true,
        }
    }
}

/// What the simulator knows about one of its calls (what a provider's GET would answer).
#[derive(Debug, Clone)]
struct Record {
    call_id: i64,
    outcome: Outcome,
    ended: bool,
    hang_up: CancellationToken,
}

#[derive(Debug, Default)]
struct Book {
    by_sid: HashMap<String, Record>,
    sid_by_dial_key: HashMap<String, String>,
    attempts: HashMap<i64, u32>,
}

/// The simulator's own account of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SimReport {
    pub calls: u64,
    /// Calls by planned outcome (`answered`, `no_answer`, …).
    pub outcomes: std::collections::BTreeMap<String, u64>,
    /// Calls that never sent a terminal event on purpose.
    pub hung: u64,
    pub webhooks: Sent,
}

/// The simulated provider.
pub struct SimDialer {
    app: Arc<App>,
    config: SimConfig,
    http: reqwest::Client,
    book: Arc<Mutex<Book>>,
    counters: Arc<Counters>,
    hung: Arc<std::sync::atomic::AtomicU64>,
    /// Calls whose task is still running.
    active: watch::Sender<usize>,
}

impl SimDialer {
    pub fn new(app: Arc<App>, mut config: SimConfig) -> Self {
        if !(config.speed.is_finite() && config.speed > 0.0) {
            config.speed = 1.0;
        }
        SimDialer {
            app,
            config,
            // Always our own listener: never through a proxy from the environment.
            http: reqwest::Client::builder()
                .no_proxy()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap_or_default(),
            book: Arc::default(),
            counters: Arc::default(),
            hung: Arc::default(),
            active: watch::channel(0).0,
        }
    }

    fn book(&self) -> std::sync::MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until no simulated call is running (every webhook it will ever send has been answered).
    pub async fn wait_idle(&self) {
        let mut rx = self.active.subscribe();
        let _ = rx.wait_for(|n| *n == 0).await;
    }

    /// Calls and their planned outcomes, by our call id.
    pub fn calls(&self) -> Vec<(i64, Outcome)> {
        let mut v: Vec<_> = self
            .book()
            .by_sid
            .values()
            .map(|r| (r.call_id, r.outcome))
            .collect();
        v.sort_unstable_by_key(|c| c.0);
        v
    }

    pub fn report(&self) -> SimReport {
        let mut outcomes = std::collections::BTreeMap::new();
        let book = self.book();
        for r in book.by_sid.values() {
            *outcomes.entry(outcome_name(r.outcome).to_owned()).or_insert(0) += 1;
        }
        SimReport {
            calls: book.by_sid.len() as u64,
            outcomes,
            hung: self.hung.load(Ordering::Relaxed),
            webhooks: self.counters.snapshot(),
        }
    }
}

/// Runs one call's timeline: live media from the answer, each webhook at its time, the record marked ended
/// when the provider would consider it over.
async fn run_call(sim: CallTask, plan: Arc<Plan>, ctx: CallCtx, stop: CancellationToken) {
    let CallTask {
        app,
        http,
        counters,
        book,
        config,
    } = sim;
    let started = tokio::time::Instant::now();
    let at = |secs: f64| started + Duration::from_secs_f64(secs.max(0.0) / config.speed);
    let mut live = None;
    let mut ended = false;
    let mark_ended = |book: &Mutex<Book>| {
        if let Some(r) = book
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .by_sid
            .get_mut(&plan.call_sid)
        {
            r.ended = true;
        }
    };
    for d in plan.deliveries.clone() {
        if plan.connects() && live.is_none() && d.at >= f64::from(plan.ring_secs) {
            tokio::time::sleep_until(at(f64::from(plan.ring_secs))).await;
            live = Some(tokio::spawn(media::live(
                app.clone(),
                counters.clone(),
                plan.clone(),
                ctx.call_id,
                config.speed,
                config.media,
                stop.clone(),
            )));
        }
        if !ended && d.at >= plan.end_secs {
            tokio::time::sleep_until(at(plan.end_secs)).await;
            mark_ended(&book);
            ended = true;
        }
        tokio::select! {
            () = tokio::time::sleep_until(at(d.at)) => {}
            () = stop.cancelled() => {}
        }
        if !call_exists(&app, ctx.call_id).await {
            // The call was deleted under us (`demo.leave`): a provider would keep calling; we stop.
            stop.cancel();
            break;
        }
        counters.planned.fetch_add(1, Ordering::Relaxed);
        if d.copies == 0 {
            counters.dropped.fetch_add(1, Ordering::Relaxed);
        }
        for _ in 0..d.copies {
            let body = wire::body(d.kind, &plan, &ctx, app.clock.now());
            deliver::send(&app, &http, &counters, body, d.bad_signature).await;
        }
    }
    if !ended {
        tokio::time::sleep_until(at(plan.end_secs)).await;
        mark_ended(&book);
    }
    if let Some(live) = live {
        let _ = live.await;
    }
}

async fn call_exists(app: &App, call_id: i64) -> bool {
    app.store
        .read(move |c| {
            Ok(c.query_row(
                "SELECT EXISTS(SELECT 1 FROM calls WHERE id = ?1)",
                [call_id],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap_or(true)
}

/// What a call's task shares with the dialer.
struct CallTask {
    app: Arc<App>,
    http: reqwest::Client,
    counters: Arc<Counters>,
    book: Arc<Mutex<Book>>,
    config: SimConfig,
}

impl SimDialer {
    /// The token that ends a call still being played, found by its sid or dial key.
    fn hang_up_token(&self, call: &CallRef) -> Option<CancellationToken> {
        let book = self.book();
        let sid = call
            .provider_call_id
            .clone()
            .or_else(|| book.sid_by_dial_key.get(&call.dial_key).cloned())?;
        book.by_sid
            .get(&sid)
            .filter(|r| !r.ended)
            .map(|r| r.hang_up.clone())
    }
}

impl Dialer for SimDialer {
    fn dial(&self, request: DialRequest) -> BoxFuture<'static, Result<Dialed, DialError>> {
        let attempt = {
            let mut book = self.book();
            let n = book.attempts.entry(request.contact_id).or_insert(0);
            *n += 1;
            *n
        };
        let c = &self.config;
        let mut plan = Plan::draw(
            c.seed,
            request.contact_id,
            attempt,
            &request.phone_e164,
            &c.mix,
            &c.misbehaviour,
        );
        if plan.hang {
            self.hung.fetch_add(1, Ordering::Relaxed);
        }
        let stop = CancellationToken::new();
        {
            let mut book = self.book();
            book.by_sid.insert(
                plan.call_sid.clone(),
                Record {
                    call_id: request.call_id,
                    outcome: plan.outcome,
                    ended: false,
                    hang_up: stop.clone(),
                },
            );
            book.sid_by_dial_key
                .insert(request.dial_key.clone(), plan.call_sid.clone());
        }
        let ctx = CallCtx {
            call_id: request.call_id,
            from: if request.from_number.is_empty() {
                "+15005550006".to_owned()
            } else {
                request.from_number.clone()
            },
            to: request.phone_e164.clone(),
            agent_id: format!("agent_sim_{}", request.agent_id.unwrap_or(0)),
            started: self.app.clock.now(),
            variables: request.variables.clone(),
            speed: self.config.speed,
        };
        let task = CallTask {
            app: self.app.clone(),
            http: self.http.clone(),
            counters: self.counters.clone(),
            book: self.book.clone(),
            config: self.config.clone(),
        };
        self.active.send_modify(|n| *n += 1);
        let active = self.active.clone();
        let app = self.app.clone();
        Box::pin(async move {
            // The provider's answer carries its ids; recording them before any webhook can arrive lets the
            // applier find the call by them.
            let (call_id, sid, conv) = (
                request.call_id,
                plan.call_sid.clone(),
                plan.conversation_id.clone(),
            );
            let now = to_db(app.clock.now());
            let linked = app
                .store
                .with_tx(move |tx| {
                    call_refs::add(tx, call_id, "call_sid", &sid, &now)?;
                    call_refs::add(tx, call_id, "conversation_id", &conv, &now)
                })
                .await;
            if let Err(e) = linked {
                active.send_modify(|n| *n -= 1);
                return Err(DialError::Unavailable(format!(
                    "cannot record the call's ids: {e}"
                )));
            }
            // The agent says its recording disclosure first, as a real one set up with it does.
            let agent_id = request.agent_id;
            plan.disclosure = app
                .store
                .read(move |c| crate::store::agents::disclosure_of(c, agent_id))
                .await
                .ok()
                .flatten();
            let plan = Arc::new(plan);
            let provider_call_id = plan.call_sid.clone();
            tokio::spawn(async move {
                run_call(task, plan, ctx, stop).await;
                active.send_modify(|n| *n -= 1);
            });
            Ok(Dialed { provider_call_id })
        })
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            hang_up: true,
            whisper: true,
            transfer: true,
        }
    }

    fn hang_up(&self, call: CallRef) -> BoxFuture<'static, Result<(), DialError>> {
        // Ending a call the script already finished is fine: the provider would say it is over.
        if let Some(stop) = self.hang_up_token(&call) {
            stop.cancel();
        }
        Box::pin(async { Ok(()) })
    }

    fn whisper(&self, call: CallRef, text: String) -> BoxFuture<'static, Result<(), DialError>> {
        let live = self.hang_up_token(&call).is_some_and(|t| !t.is_cancelled());
        let app = self.app.clone();
        Box::pin(async move {
            if !live {
                return Err(DialError::Rejected("the simulated call is no longer live".into()));
            }
            tracing::info!(
                call_id = call.call_id,
                chars = text.len(),
                "simulator: the agent got a whisper"
            );
            // The simulated agent acknowledges the guidance out loud, so its effect shows in the transcript.
            app.events.emit(Event::CallTranscript {
                call_id: call.call_id,
                role: "agent".into(),
                text: "Just a moment, let me check one thing for you.".into(),
                at: to_db(app.clock.now()),
            });
            Ok(())
        })
    }

    fn transfer(&self, call: CallRef, _to: String) -> BoxFuture<'static, Result<(), DialError>> {
        // The agent leaves the call: the simulated conversation ends here, as a bridged-away call would.
        let stop = self.hang_up_token(&call).filter(|t| !t.is_cancelled());
        Box::pin(async move {
            match stop {
                Some(stop) => {
                    stop.cancel();
                    Ok(())
                }
                None => Err(DialError::Rejected("the simulated call is no longer live".into())),
            }
        })
    }

    fn reconcile(&self, call: CallRef) -> BoxFuture<'static, Result<Reconciled, DialError>> {
        let book = self.book();
        let sid = call
            .provider_call_id
            .clone()
            .or_else(|| book.sid_by_dial_key.get(&call.dial_key).cloned());
        let answer = match sid.as_ref().and_then(|s| book.by_sid.get(s).map(|r| (s, r))) {
            Some((sid, r)) if r.ended => Reconciled::Ended {
                provider_call_id: sid.clone(),
                outcome: r.outcome,
            },
            Some((sid, _)) => Reconciled::InProgress {
                provider_call_id: sid.clone(),
            },
            // A restarted simulator has forgotten its calls: those it had placed ended unanswered.
            None => match call.provider_call_id {
                Some(id) => Reconciled::Ended {
                    provider_call_id: id,
                    outcome: Outcome::NoAnswer,
                },
                None => Reconciled::NotFound,
            },
        };
        Box::pin(async move { Ok(answer) })
    }
}
