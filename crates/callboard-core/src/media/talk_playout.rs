//! Where the browser is in the agent's speech during "Talk to agent". The bridge learns what a caller heard
//! from the carrier's mark echoes; a browser sends none, but it plays the agent's audio in order and in real
//! time as it arrives, so each audio event starts when the one before it ends (or when it arrives, if the
//! player was idle). The estimate is reported to the backend as `AgentInput::Played`, so a barge-in
//! truncates the model's turn where the user stopped hearing it (OpenAI Realtime), as on a call. Pure: the
//! caller passes the time in.

use std::{collections::VecDeque, time::Duration};

use tokio::time::Instant;

#[derive(Debug, Clone, Copy)]
struct Queued {
    id: u64,
    start: Instant,
    ms: u64,
}

#[derive(Debug, Default)]
pub struct Playout {
    queue: VecDeque<Queued>,
    /// When everything queued has played.
    end: Option<Instant>,
    /// The last position reported, so an unchanged one is not sent again.
    reported: Option<(u64, u64)>,
}

impl Playout {
    /// Audio event `id`, `ms` long, went to the browser at `now`.
    pub fn sent(&mut self, id: u64, ms: u64, now: Instant) {
        let start = self.end.filter(|end| *end > now).unwrap_or(now);
        self.queue.push_back(Queued { id, start, ms });
        self.end = Some(start + Duration::from_millis(ms));
    }

    /// The browser dropped what it had not played yet (an interruption flushes its player).
    pub fn flush(&mut self) {
        self.queue.clear();
        self.end = None;
    }

    /// The event playing at `now` and how many ms into it, when that changed since the last report.
    pub fn position(&mut self, now: Instant) -> Option<(u64, u64)> {
        // Events that finished before the current one started are behind us.
        while self.queue.len() > 1 && self.queue.get(1).is_some_and(|next| next.start <= now) {
            self.queue.pop_front();
        }
        let current = self.queue.front().filter(|q| q.start <= now)?;
        let into = (now.duration_since(current.start).as_millis() as u64).min(current.ms);
        let position = (current.id, into);
        if self.reported == Some(position) {
            return None;
        }
        self.reported = Some(position);
        Some(position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_play_back_to_back_and_a_flush_starts_over() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut p = Playout::default();
        // Two 100 ms events arrive together: the second plays from 100 ms.
        p.sent(1, 100, at(0));
        p.sent(2, 100, at(0));
        assert_eq!(p.position(at(40)), Some((1, 40)));
        assert_eq!(p.position(at(40)), None, "unchanged");
        assert_eq!(p.position(at(150)), Some((2, 50)));
        assert_eq!(p.position(at(500)), Some((2, 100)), "all played");
        assert_eq!(p.position(at(600)), None);
        // A later event after a pause starts when it arrives.
        p.sent(3, 200, at(1_000));
        assert_eq!(p.position(at(1_050)), Some((3, 50)));
        p.flush();
        assert_eq!(p.position(at(1_100)), None);
        p.sent(4, 100, at(1_100));
        assert_eq!(p.position(at(1_120)), Some((4, 20)));
    }
}
