//! The simulator, first cut: a provider with no account that rings, answers (or not) and hangs up on a
//! realistic schedule, so demo mode shows campaigns moving. Outcomes follow a configurable mix (defaults
//! like a real outbound list). This version ends calls in-process through `engine::outcome`; the full
//! simulator (issue 7) sends the providers' signed webhooks and media streams through the public listener.

use std::{sync::Arc, time::Duration};

use futures_util::future::BoxFuture;
use rand::{Rng, SeedableRng, rngs::StdRng};

use crate::{
    app::App,
    engine::{
        CallRef, DialError, DialRequest, Dialed, Dialer, Reconciled, dialer::Capabilities, retry::Outcome,
    },
    events::Event,
};

use super::sim_live;

/// Shares of each outcome, in percent; they need not add up to 100 (they are weights).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutcomeMix {
    pub answered: u32,
    pub no_answer: u32,
    pub busy: u32,
    pub voicemail: u32,
    pub failed: u32,
}

impl Default for OutcomeMix {
    fn default() -> Self {
        OutcomeMix {
            answered: 45,
            no_answer: 25,
            busy: 10,
            voicemail: 15,
            failed: 5,
        }
    }
}

impl OutcomeMix {
    /// Picks an outcome and how long the call lasts (ringing plus talking), in simulated seconds.
    pub fn draw(&self, rng: &mut impl Rng) -> (Outcome, u64) {
        let weights = [
            (Outcome::Answered, self.answered),
            (Outcome::NoAnswer, self.no_answer),
            (Outcome::Busy, self.busy),
            (Outcome::Voicemail, self.voicemail),
            (Outcome::Failed, self.failed),
        ];
        let total: u32 = weights.iter().map(|w| w.1).sum::<u32>().max(1);
        let mut pick = rng.random_range(0..total);
        let mut chosen = Outcome::Answered;
        for (o, w) in weights {
            if pick < w {
                chosen = o;
                break;
            }
            pick -= w;
        }
        let ring = rng.random_range(4..25);
        let talk = match chosen {
            Outcome::Answered => rng.random_range(30..240),
            Outcome::Voicemail => rng.random_range(15..40),
            Outcome::NoAnswer => 30,
            Outcome::Busy | Outcome::Failed | Outcome::Cancelled => 0,
        };
        (chosen, ring + talk)
    }
}

/// The simulated provider. `speed` divides every duration (10.0 = ten times faster than real time).
pub struct SimDialer {
    app: Arc<App>,
    mix: OutcomeMix,
    speed: f64,
    rng: std::sync::Mutex<StdRng>,
    playing: sim_live::Playing,
}

impl SimDialer {
    pub fn new(app: Arc<App>, mix: OutcomeMix, speed: f64, seed: u64) -> Self {
        let speed = if speed.is_finite() && speed > 0.0 {
            speed
        } else {
            1.0
        };
        SimDialer {
            app,
            mix,
            speed,
            rng: std::sync::Mutex::new(StdRng::seed_from_u64(seed)),
            playing: sim_live::Playing::default(),
        }
    }

    /// The call's live plan: ringing takes a sixth of the drawn time (at least 4 s), talking the rest.
    fn plan(&self, o: Outcome, secs: u64) -> sim_live::Plan {
        let script = self
            .rng
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .random_range(0..16);
        let ring = (secs / 6).clamp(4, 25).min(secs);
        let scale = |s: u64| Duration::from_secs_f64(s as f64 / self.speed);
        sim_live::Plan {
            outcome: o,
            ring: scale(ring),
            talk: scale(secs - ring),
            script,
        }
    }
}

impl Dialer for SimDialer {
    fn dial(&self, request: DialRequest) -> BoxFuture<'static, Result<Dialed, DialError>> {
        let (o, secs) = {
            let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
            self.mix.draw(&mut *rng)
        };
        let plan = self.plan(o, secs);
        sim_live::spawn(
            self.app.clone(),
            self.playing.clone(),
            request.call_id,
            request.campaign_id,
            plan,
        );
        Box::pin(async move {
            Ok(Dialed {
                provider_call_id: format!("sim-{}", request.dial_key),
            })
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
        self.playing.stop(call.call_id);
        Box::pin(async { Ok(()) })
    }

    fn whisper(&self, call: CallRef, text: String) -> BoxFuture<'static, Result<(), DialError>> {
        let live = self.playing.is_playing(call.call_id);
        let app = self.app.clone();
        Box::pin(async move {
            if !live {
                return Err(DialError::Rejected("the simulated call is no longer live".into()));
            }
            tracing::info!(
                call_id = call.call_id,
                chars = text.len(),
                "simulator: agent received a whisper"
            );
            // The simulated agent acknowledges the guidance out loud, so the effect is visible.
            app.events.emit(Event::CallTranscript {
                call_id: call.call_id,
                role: "agent".into(),
                text: "Just a moment, let me check one thing for you.".into(),
                at: crate::clock::to_db(app.clock.now()),
            });
            Ok(())
        })
    }

    fn transfer(&self, call: CallRef, _to: String) -> BoxFuture<'static, Result<(), DialError>> {
        let live = self.playing.stop(call.call_id);
        Box::pin(async move {
            if live {
                Ok(())
            } else {
                Err(DialError::Rejected("the simulated call is no longer live".into()))
            }
        })
    }

    fn reconcile(&self, call: CallRef) -> BoxFuture<'static, Result<Reconciled, DialError>> {
        // A restarted simulator has forgotten its calls: those it had placed ended without an answer.
        let answer = match call.provider_call_id {
            Some(id) => Reconciled::Ended {
                provider_call_id: id,
                outcome: Outcome::NoAnswer,
            },
            None => Reconciled::NotFound,
        };
        Box::pin(async move { Ok(answer) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_mix_looks_like_an_outbound_list() {
        let mut rng = StdRng::seed_from_u64(7);
        let mix = OutcomeMix::default();
        let draws: Vec<_> = (0..10_000).map(|_| mix.draw(&mut rng)).collect();
        let share = |o: Outcome| draws.iter().filter(|d| d.0 == o).count() as f64 / 100.0;
        assert!(
            (share(Outcome::Answered) - 45.0).abs() < 2.5,
            "{}",
            share(Outcome::Answered)
        );
        assert!((share(Outcome::Failed) - 5.0).abs() < 1.5);
        assert!(
            draws
                .iter()
                .all(|(o, secs)| *secs >= 4 && (*o != Outcome::Answered || *secs >= 34))
        );
    }
}
