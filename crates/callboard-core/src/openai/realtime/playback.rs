//! Where the model's speech is in the caller's ear, for barge-in. Each audio delta gets a bridge event id
//! and its place in its item (µ-law: 8 bytes per ms); the bridge reports, from the carrier's mark echoes,
//! how far into which event the audio has played. When the caller starts talking over unplayed audio the
//! backend interrupts the bridge (a carrier `clear`) and truncates the item at what was heard: the last
//! confirmed position plus the time since that echo, never past what was sent (marks arrive late, audio
//! keeps playing in between). Deltas of the interrupted response that still arrive are dropped. No I/O.

use std::collections::{HashSet, VecDeque};

use jiff::Timestamp;

/// µ-law at 8 kHz.
pub const BYTES_PER_MS: u64 = 8;

#[derive(Debug, Clone)]
struct Sent {
    id: u64,
    item_id: String,
    start_ms: u64,
    ms: u64,
}

#[derive(Debug, Clone, Default)]
struct Item {
    id: String,
    sent_ms: u64,
    played_ms: u64,
    played_at: Option<Timestamp>,
}

/// What a barge-in calls for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BargeIn {
    /// Drop bridge audio up to this event id (send `clear`).
    pub interrupt_upto: u64,
    /// `conversation.item.truncate` of this item at this many ms.
    pub truncate: (String, u64),
}

#[derive(Debug, Default)]
pub struct Playback {
    next_id: u64,
    sent: VecDeque<Sent>,
    item: Option<Item>,
    active_response: Option<String>,
    cancelled: HashSet<String>,
}

/// Sent deltas remembered while unplayed (a minute of 20 ms deltas; older ones are long played).
const MAX_SENT: usize = 3_000;

impl Playback {
    pub fn response_created(&mut self, response_id: &str) {
        self.active_response = Some(response_id.to_owned());
    }

    pub fn response_done(&mut self, response_id: &str) {
        if self.active_response.as_deref() == Some(response_id) {
            self.active_response = None;
        }
    }

    /// A response in progress (a new `response.create` now would be refused).
    pub fn response_active(&self) -> bool {
        self.active_response.is_some()
    }

    /// An audio delta of `len` bytes: its bridge event id, or `None` when its response was interrupted.
    pub fn delta(&mut self, response_id: &str, item_id: &str, len: usize) -> Option<u64> {
        if self.cancelled.contains(response_id) {
            return None;
        }
        self.next_id += 1;
        let ms = len as u64 / BYTES_PER_MS;
        let item = match &mut self.item {
            Some(i) if i.id == item_id => i,
            _ => self.item.insert(Item {
                id: item_id.to_owned(),
                ..Item::default()
            }),
        };
        self.sent.push_back(Sent {
            id: self.next_id,
            item_id: item_id.to_owned(),
            start_ms: item.sent_ms,
            ms,
        });
        item.sent_ms += ms;
        if self.sent.len() > MAX_SENT {
            self.sent.pop_front();
        }
        Some(self.next_id)
    }

    /// The bridge confirmed `ms` of event `id` played (everything before it too).
    pub fn played(&mut self, id: u64, ms: u64, now: Timestamp) {
        let Some(pos) = self.sent.iter().position(|s| s.id == id) else {
            return;
        };
        let sent = &self.sent[pos];
        if let Some(item) = self.item.as_mut().filter(|i| i.id == sent.item_id) {
            let at = sent.start_ms + ms.min(sent.ms);
            if at >= item.played_ms {
                item.played_ms = at;
                item.played_at = Some(now);
            }
        }
        // Keep the event itself: a later echo may still land inside it (Exotel chunks span deltas).
        self.sent.drain(..pos);
    }

    /// The caller started talking. Returns the barge-in when the current item has audio not yet heard;
    /// the active response (if any) is marked interrupted either way so its late deltas are dropped.
    pub fn speech_started(&mut self, now: Timestamp) -> Option<BargeIn> {
        if let Some(r) = self.active_response.take() {
            self.cancelled.insert(r);
        }
        let item = self.item.as_ref()?;
        let heard = match item.played_at {
            Some(at) => {
                let since = now.duration_since(at).as_millis().max(0) as u64;
                (item.played_ms + since).min(item.sent_ms)
            }
            None => 0,
        };
        // Nothing unconfirmed: it all played (a late mark still counts as unplayed audio to clear).
        if item.sent_ms == 0 || item.played_ms >= item.sent_ms {
            return None;
        }
        let barge = BargeIn {
            interrupt_upto: self.next_id,
            truncate: (item.id.clone(), heard),
        };
        // What is left of this item will never play.
        self.item = None;
        self.sent.clear();
        Some(barge)
    }

    /// The interrupted response this id names (for tests and logs).
    pub fn is_cancelled(&self, response_id: &str) -> bool {
        self.cancelled.contains(response_id)
    }
}

#[cfg(test)]
mod tests {
    use jiff::SignedDuration;

    use super::*;

    fn t(ms: i64) -> Timestamp {
        Timestamp::UNIX_EPOCH + SignedDuration::from_millis(ms)
    }

    /// The Twilio session fixture: a 1000 ms and a 600 ms delta, mark at 1000 echoed at t=11240, the
    /// caller talks at t=11480: truncate at min(1600, 1000 + 240) = 1240; the late delta is dropped.
    #[test]
    fn the_fixture_barge_in() {
        let mut p = Playback::default();
        p.response_created("r3");
        let a = p.delta("r3", "item2", 8_000).unwrap_or(0);
        let b = p.delta("r3", "item2", 4_800).unwrap_or(0);
        p.played(a, 1_000, t(11_240));
        let barge = p.speech_started(t(11_480));
        assert_eq!(
            barge,
            Some(BargeIn {
                interrupt_upto: b,
                truncate: ("item2".into(), 1_240)
            })
        );
        assert_eq!(p.delta("r3", "item2", 160), None, "late delta dropped");
        assert!(!p.response_active());
        assert!(p.is_cancelled("r3"));
    }

    /// The Exotel fixture: one 250 ms delta sent as a 200 ms chunk and a padded tail; the 200 ms mark is
    /// echoed at 2300 and the caller talks at 2400: min(250, 200 + 100) = 250.
    #[test]
    fn the_exotel_fixture_barge_in_and_nothing_when_all_was_heard() {
        let mut p = Playback::default();
        p.response_created("r1");
        let a = p.delta("r1", "item1", 2_000).unwrap_or(0);
        p.played(a, 200, t(2_300));
        assert_eq!(p.speech_started(t(2_400)).map(|b| b.truncate.1), Some(250));
        let mut p = Playback::default();
        let a = p.delta("r1", "item1", 2_400).unwrap_or(0);
        p.played(a, 300, t(800));
        assert_eq!(p.speech_started(t(6_900)), None, "the greeting had played");
        let mut p = Playback::default();
        p.delta("r1", "item1", 2_400);
        assert_eq!(
            p.speech_started(t(5)).map(|b| b.truncate.1),
            Some(0),
            "nothing confirmed yet"
        );
    }

    #[test]
    fn an_echo_for_an_older_item_does_not_move_the_new_one() {
        let mut p = Playback::default();
        let a = p.delta("r1", "i1", 800).unwrap_or(0);
        let _b = p.delta("r2", "i2", 800);
        p.played(a, 100, t(0));
        assert_eq!(
            p.speech_started(t(50)).map(|b| b.truncate),
            Some(("i2".into(), 0))
        );
    }
}
