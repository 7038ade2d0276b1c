//! Where the agent's audio is in the contact's ear. After each piece of agent audio we send a `mark`; the
//! carrier echoes it once that audio has played, or, after a `clear`, straight away for every pending mark,
//! which then means "discarded", not "played". This is that bookkeeping, free of I/O so the protocol's
//! order rules are tested directly.

use std::collections::VecDeque;

/// What an echoed mark meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkEcho {
    /// The audio up to this mark played.
    Played,
    /// It was dropped by a `clear`.
    Discarded,
    /// Not a mark we sent (or echoed twice): ignored.
    Unknown,
}

/// Sent marks, by the sample count (at the carrier's rate) they stand after.
#[derive(Debug, Default)]
pub struct Marks {
    next: u64,
    sent_samples: u64,
    played_samples: u64,
    pending: VecDeque<(String, u64)>,
    discarded: VecDeque<String>,
}

impl Marks {
    /// Records `samples` of agent audio sent and names the mark to send after it.
    pub fn after_audio(&mut self, samples: usize) -> String {
        self.next += 1;
        self.sent_samples += samples as u64;
        let name = format!("cb-{}", self.next);
        self.pending.push_back((name.clone(), self.sent_samples));
        name
    }

    /// We sent `clear`: everything pending will come back as discarded; playout stops where it was.
    pub fn cleared(&mut self) {
        self.discarded.extend(self.pending.drain(..).map(|(n, _)| n));
        self.sent_samples = self.played_samples;
    }

    /// The carrier echoed `name`.
    pub fn echoed(&mut self, name: &str) -> MarkEcho {
        if let Some(i) = self.discarded.iter().position(|n| n == name) {
            self.discarded.remove(i);
            return MarkEcho::Discarded;
        }
        match self.pending.iter().position(|(n, _)| n == name) {
            Some(i) => {
                // Marks play in order: an echo implies every earlier one played too.
                for (_, at) in self.pending.drain(..=i) {
                    self.played_samples = at;
                }
                MarkEcho::Played
            }
            None => MarkEcho::Unknown,
        }
    }

    /// Agent audio confirmed played, in samples at the carrier's rate.
    pub fn played_samples(&self) -> u64 {
        self.played_samples
    }

    /// Marks still waiting for their echo (played or discarded).
    pub fn outstanding(&self) -> usize {
        self.pending.len() + self.discarded.len()
    }

    /// Whether everything sent has played (the agent may hang up politely now).
    pub fn drained(&self) -> bool {
        self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn echoes_before_a_clear_are_played_after_it_discarded() {
        let mut m = Marks::default();
        let a = m.after_audio(800);
        let b = m.after_audio(1600);
        assert_eq!(m.echoed(&a), MarkEcho::Played);
        assert_eq!(m.played_samples(), 800);
        m.cleared();
        assert_eq!(m.echoed(&b), MarkEcho::Discarded);
        assert_eq!(m.played_samples(), 800);
        assert_eq!(m.echoed(&b), MarkEcho::Unknown);
        assert_eq!(m.outstanding(), 0);
        let c = m.after_audio(160);
        assert_eq!(m.echoed(&c), MarkEcho::Played);
        assert_eq!(m.played_samples(), 960);
    }

    proptest! {
        #[test]
        fn played_position_never_goes_back_and_never_passes_what_was_sent(
            ops in proptest::collection::vec((0u8..4, 1usize..2000), 0..60),
        ) {
            let mut m = Marks::default();
            let mut names = Vec::new();
            let mut last = 0;
            for (op, n) in ops {
                match op {
                    0 | 1 => names.push(m.after_audio(n)),
                    2 => m.cleared(),
                    _ => if let Some(name) = names.get(n % names.len().max(1)) { m.echoed(name); },
                }
                prop_assert!(m.played_samples() >= last);
                prop_assert!(m.played_samples() <= m.sent_samples.max(m.played_samples()));
                last = m.played_samples();
            }
        }
    }
}
