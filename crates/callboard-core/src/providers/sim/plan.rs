//! What one simulated call will do, drawn up front from an RNG seeded by (run seed, contact, attempt): the
//! outcome, ring and talk times, the script, and which of its webhooks misbehave. Nothing here depends on
//! timing, so the same seed gives the same calls whatever the machine's speed.

use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};

use super::script::{self, Script};
use crate::engine::retry::Outcome;

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
    pub fn pick(&self, rng: &mut impl Rng) -> Outcome {
        let weights = [
            (Outcome::Answered, self.answered),
            (Outcome::NoAnswer, self.no_answer),
            (Outcome::Busy, self.busy),
            (Outcome::Voicemail, self.voicemail),
            (Outcome::Failed, self.failed),
        ];
        let total: u32 = weights.iter().map(|w| w.1).sum::<u32>().max(1);
        let mut pick = rng.random_range(0..total);
        for (o, w) in weights {
            if pick < w {
                return o;
            }
            pick -= w;
        }
        Outcome::Answered
    }
}

/// Ways the simulator misbehaves on purpose, to prove the receiving side copes. Percentages are per webhook
/// (duplicate, drop, bad signature) or per call (hang).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Misbehaviour {
    /// Send a webhook twice.
    pub duplicate_pct: f64,
    /// Never send a webhook (the engine's reconciliation must repair the call).
    pub drop_pct: f64,
    /// Send each call's webhooks in a random order, all after the call.
    pub shuffle: bool,
    /// Send `post_call_audio` before `post_call_transcription`.
    pub audio_first: bool,
    /// Sign a webhook with the wrong secret (it must be rejected).
    pub bad_signature_pct: f64,
    /// Never send any terminal event for a call.
    pub hang_pct: f64,
}

/// One webhook of a call's timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Twilio call-progress callback: status and sequence number.
    Status(&'static str, u32),
    /// Twilio async AMD callback.
    Amd,
    Transcription,
    Audio,
    /// ElevenLabs' `call_initiation_failure` with this `failure_reason`.
    InitiationFailure(&'static str),
}

impl Kind {
    /// Whether this event alone tells that the call is over.
    pub fn is_terminal(self) -> bool {
        match self {
            Kind::Status(s, _) => !matches!(s, "initiated" | "ringing" | "in-progress"),
            Kind::Amd => false,
            Kind::Transcription | Kind::Audio | Kind::InitiationFailure(_) => true,
        }
    }
}

/// A webhook to send `at` simulated seconds after the dial, `copies` times (0 = dropped).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Delivery {
    pub at: f64,
    pub kind: Kind,
    pub copies: u8,
    pub bad_signature: bool,
}

/// Everything decided about one call.
#[derive(Debug, Clone)]
pub struct Plan {
    pub outcome: Outcome,
    /// Seconds from the dial until answered or given up.
    pub ring_secs: u32,
    /// Seconds of conversation (answered) or message (voicemail).
    pub talk_secs: u32,
    pub script: &'static Script,
    /// The calling agent's recording disclosure, said before its first line (set once the dial knows it).
    pub disclosure: Option<String>,
    /// When the call is over for the provider (what a GET would say from then on).
    pub end_secs: f64,
    pub deliveries: Vec<Delivery>,
    pub hang: bool,
    /// Ids, deterministic per call.
    pub call_sid: String,
    pub conversation_id: String,
    pub stream_sid: String,
}

/// SplitMix64: spreads (seed, contact, attempt) into an RNG seed.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn hex_id(rng: &mut StdRng, len: usize) -> String {
    (0..len)
        .map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap_or('0'))
        .collect()
}

impl Plan {
    /// The plan for `attempt` (1-based) of `contact_id` under `seed`.
    pub fn draw(
        seed: u64,
        contact_id: i64,
        attempt: u32,
        phone_e164: &str,
        outcomes: &OutcomeMix,
        bad: &Misbehaviour,
    ) -> Plan {
        let key = mix(seed ^ mix(contact_id as u64 ^ mix(u64::from(attempt))));
        let mut rng = StdRng::seed_from_u64(key);
        let outcome = outcomes.pick(&mut rng);
        let scripts = script::for_number(phone_e164);
        let script = scripts[rng.random_range(0..scripts.len())];
        let ring_secs = match outcome {
            Outcome::NoAnswer => 30,
            Outcome::Busy | Outcome::Failed => rng.random_range(1..4),
            _ => rng.random_range(4..25),
        };
        let talk_secs = match outcome {
            Outcome::Answered => script.duration_secs(),
            Outcome::Voicemail => rng.random_range(15..40),
            _ => 0,
        };
        let (ring, talk) = (f64::from(ring_secs), f64::from(talk_secs));
        let end = ring + talk;
        use Kind::*;
        let mut kinds: Vec<(f64, Kind)> = vec![(0.0, Status("initiated", 0))];
        match outcome {
            Outcome::Answered | Outcome::Voicemail => kinds.extend([
                (1.0, Status("ringing", 1)),
                (ring, Status("in-progress", 2)),
                (ring + 2.0, Amd),
                (end, Status("completed", 3)),
                (end + 3.0, Transcription),
                (end + 4.0, Audio),
            ]),
            Outcome::NoAnswer => kinds.extend([
                (1.0, Status("ringing", 1)),
                (end, Status("no-answer", 2)),
                (end + 1.0, InitiationFailure("no-answer")),
            ]),
            Outcome::Busy => kinds.extend([(end, Status("busy", 1)), (end + 1.0, InitiationFailure("busy"))]),
            Outcome::Failed | Outcome::Cancelled => kinds.extend([
                (end, Status("failed", 1)),
                (end + 1.0, InitiationFailure("unknown")),
            ]),
        }
        let hang = rng.random_bool((bad.hang_pct / 100.0).clamp(0.0, 1.0));
        let mut deliveries: Vec<Delivery> = kinds
            .into_iter()
            .map(|(at, kind)| {
                let dropped = rng.random_bool((bad.drop_pct / 100.0).clamp(0.0, 1.0));
                let twice = rng.random_bool((bad.duplicate_pct / 100.0).clamp(0.0, 1.0));
                let bad_signature = rng.random_bool((bad.bad_signature_pct / 100.0).clamp(0.0, 1.0));
                let copies = if dropped || (hang && kind.is_terminal()) {
                    0
                } else if twice {
                    2
                } else {
                    1
                };
                Delivery {
                    at,
                    kind,
                    copies,
                    bad_signature,
                }
            })
            .collect();
        if bad.audio_first {
            let find = |d: &[Delivery], k: Kind| d.iter().position(|x| x.kind == k);
            if let (Some(t), Some(a)) = (find(&deliveries, Transcription), find(&deliveries, Audio)) {
                let (ta, aa) = (deliveries[t].at, deliveries[a].at);
                deliveries[t].at = aa;
                deliveries[a].at = ta;
                deliveries.swap(t, a);
            }
        }
        if bad.shuffle {
            deliveries.shuffle(&mut rng);
            let last = end + 5.0;
            for (i, d) in deliveries.iter_mut().enumerate() {
                d.at = last + i as f64 * 0.5;
            }
        }
        let call_sid = format!("CA{}", hex_id(&mut rng, 32));
        let conversation_id = format!("conv_{}", hex_id(&mut rng, 26));
        let stream_sid = format!("MZ{}", hex_id(&mut rng, 32));
        Plan {
            outcome,
            ring_secs,
            talk_secs,
            script,
            disclosure: None,
            end_secs: end,
            deliveries,
            hang,
            call_sid,
            conversation_id,
            stream_sid,
        }
    }

    /// Whether the contact picked up (or a machine did): there is a conversation to stream.
    pub fn connects(&self) -> bool {
        matches!(self.outcome, Outcome::Answered | Outcome::Voicemail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_mix_looks_like_an_outbound_list() {
        let mix = OutcomeMix::default();
        let plans: Vec<_> = (0..10_000)
            .map(|i| Plan::draw(7, i, 1, "+12125550100", &mix, &Misbehaviour::default()))
            .collect();
        let share = |o: Outcome| plans.iter().filter(|p| p.outcome == o).count() as f64 / 100.0;
        assert!(
            (share(Outcome::Answered) - 45.0).abs() < 2.5,
            "{}",
            share(Outcome::Answered)
        );
        assert!((share(Outcome::Failed) - 5.0).abs() < 1.5);
        assert!(
            plans
                .iter()
                .all(|p| p.end_secs >= 1.0 && (!p.connects() || p.ring_secs >= 4))
        );
        assert!(
            plans
                .iter()
                .all(|p| p.deliveries.iter().all(|d| d.copies == 1 && !d.bad_signature))
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_call_and_another_seed_another() {
        let bad = Misbehaviour {
            duplicate_pct: 10.0,
            drop_pct: 5.0,
            shuffle: true,
            ..Default::default()
        };
        let a = Plan::draw(42, 17, 1, "+96550001234", &OutcomeMix::default(), &bad);
        let b = Plan::draw(42, 17, 1, "+96550001234", &OutcomeMix::default(), &bad);
        assert_eq!(
            (a.outcome, &a.call_sid, &a.deliveries),
            (b.outcome, &b.call_sid, &b.deliveries)
        );
        let c = Plan::draw(43, 17, 1, "+96550001234", &OutcomeMix::default(), &bad);
        assert_ne!(a.call_sid, c.call_sid);
    }

    #[test]
    fn a_hung_call_sends_nothing_terminal_and_audio_first_swaps() {
        let hang = Misbehaviour {
            hang_pct: 100.0,
            audio_first: true,
            ..Default::default()
        };
        for i in 0..200 {
            let p = Plan::draw(1, i, 1, "+12125550100", &OutcomeMix::default(), &hang);
            assert!(
                p.deliveries
                    .iter()
                    .all(|d| !d.kind.is_terminal() || d.copies == 0)
            );
            let pos = |k| p.deliveries.iter().position(|d| d.kind == k);
            if let (Some(t), Some(a)) = (pos(Kind::Transcription), pos(Kind::Audio)) {
                assert!(a < t && p.deliveries[a].at < p.deliveries[t].at);
            }
        }
    }
}
