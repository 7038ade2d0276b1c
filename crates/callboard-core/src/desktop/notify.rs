//! Which events become native notifications. A newly raised, unacknowledged "needs attention" item does
//! (not a repeat that bumps an open item's count, not an acknowledgement), unless notifications are turned
//! off in Settings (`notifications.alerts`). A burst is rate-limited: at most [`BURST`] notifications per
//! [`WINDOW`]; what arrives beyond that is held and shown as one "12 new items need attention" when the
//! window ends; while the spike goes on, one summary per window and nothing one by one. A failure spike
//! gives a handful of notifications, not 200.
//!
//! Pure: time is a monotonic offset the caller passes in (`Duration` since it started), so tests need no
//! clock and the shell decides when to call [`Notifier::flush`] from [`Notifier::next_flush`].

use std::{collections::HashSet, time::Duration};

use crate::{events::Event, store::attention::AttentionItem};

/// Notifications shown one by one within a window before the rest are coalesced.
pub const BURST: usize = 3;
/// The rate-limiting window.
pub const WINDOW: Duration = Duration::from_secs(30);
/// Titles a coalesced notification names before "and N more".
const NAMED_IN_SUMMARY: usize = 3;

/// One notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub body: String,
}

impl Notice {
    fn for_item(item: &Held) -> Notice {
        Notice {
            title: format!("Callboard · {}", item.title),
            body: item.message.clone(),
        }
    }

    fn summary(held: &[Held]) -> Notice {
        let mut names: Vec<&str> = Vec::new();
        for h in held {
            if names.len() == NAMED_IN_SUMMARY {
                break;
            }
            if !names.contains(&h.title.as_str()) {
                names.push(&h.title);
            }
        }
        let distinct: HashSet<&str> = held.iter().map(|h| h.title.as_str()).collect();
        let more = distinct.len().saturating_sub(names.len());
        let mut body = names.join(", ");
        if more > 0 {
            body.push_str(&format!(" and {more} more"));
        }
        body.push_str(". Open Callboard › Needs attention.");
        Notice {
            title: format!("Callboard · {} new items need attention", held.len()),
            body,
        }
    }
}

#[derive(Debug, Clone)]
struct Held {
    id: i64,
    title: String,
    message: String,
}

/// The rate limiter and the set of items already notified.
#[derive(Debug)]
pub struct Notifier {
    burst: usize,
    window: Duration,
    window_start: Option<Duration>,
    shown_in_window: usize,
    held: Vec<Held>,
    /// Items already shown or held: an item raised again after a lagged bus is not shown twice.
    seen: HashSet<i64>,
}

impl Default for Notifier {
    fn default() -> Self {
        Notifier::new(BURST, WINDOW)
    }
}

/// Whether this event brings a newly raised, unacknowledged item.
pub fn new_item(event: &Event) -> Option<&AttentionItem> {
    match event {
        Event::AttentionChanged { item, .. } if item.acked_at.is_none() && item.count <= 1 => Some(item),
        _ => None,
    }
}

impl Notifier {
    pub fn new(burst: usize, window: Duration) -> Notifier {
        Notifier {
            burst: burst.max(1),
            window,
            window_start: None,
            shown_in_window: 0,
            held: Vec::new(),
            seen: HashSet::new(),
        }
    }

    /// What to show now for `event`; `enabled` is the Settings opt-out, `now` the caller's monotonic time.
    pub fn on_event(&mut self, event: &Event, enabled: bool, now: Duration) -> Vec<Notice> {
        if let Event::AttentionChanged { item, .. } = event
            && item.acked_at.is_some()
        {
            // Acknowledged before its turn came: no longer worth a notification.
            self.held.retain(|h| h.id != item.id);
            return Vec::new();
        }
        let Some(item) = new_item(event) else {
            return Vec::new();
        };
        if !enabled || !self.seen.insert(item.id) {
            return Vec::new();
        }
        let held = Held {
            id: item.id,
            title: item.title.clone(),
            message: item.message.clone(),
        };
        if self.window_start.is_none_or(|start| now >= start + self.window) {
            // A new window, unless items are still held from the last one (the flush opens the next).
            if self.held.is_empty() {
                self.window_start = Some(now);
                self.shown_in_window = 0;
            }
        }
        if self.held.is_empty() && self.shown_in_window < self.burst {
            self.shown_in_window += 1;
            return vec![Notice::for_item(&held)];
        }
        self.held.push(held);
        Vec::new()
    }

    /// When the held items are due (the end of the current window); `None` when nothing is held.
    pub fn next_flush(&self) -> Option<Duration> {
        if self.held.is_empty() {
            return None;
        }
        Some(self.window_start.unwrap_or_default() + self.window)
    }

    /// Shows what was held, as one notification, once the window is over. Turning notifications off drops it.
    pub fn flush(&mut self, enabled: bool, now: Duration) -> Option<Notice> {
        let due = self.next_flush()?;
        if now < due {
            return None;
        }
        let held = std::mem::take(&mut self.held);
        // The summary spends a fresh window: while a spike goes on, what comes next is held for the next
        // summary instead of popping up one by one again (at most one notification per window until a
        // quiet window passes and a new item opens a window of its own).
        self.window_start = Some(now);
        self.shown_in_window = self.burst;
        if !enabled {
            return None;
        }
        Some(match held.as_slice() {
            [one] => Notice::for_item(one),
            _ => Notice::summary(&held),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: i64, title: &str, count: i64, acked: bool) -> Event {
        Event::AttentionChanged {
            item: AttentionItem {
                id,
                kind: "call_failed".into(),
                severity: "warning".into(),
                title: title.into(),
                message: format!("message {id}"),
                campaign_id: None,
                call_id: None,
                count,
                created_at: "2026-01-01T00:00:00Z".into(),
                last_seen_at: "2026-01-01T00:00:00Z".into(),
                acked_at: acked.then(|| "2026-01-01T00:01:00Z".into()),
                acked_by: acked.then(|| "ui".into()),
            },
            open: 1,
        }
    }

    const T0: Duration = Duration::ZERO;

    #[test]
    fn only_new_unacknowledged_items_notify() {
        let mut n = Notifier::default();
        let shown = n.on_event(&item(1, "Breaker tripped", 1, false), true, T0);
        assert_eq!(
            shown,
            vec![Notice {
                title: "Callboard · Breaker tripped".into(),
                body: "message 1".into()
            }]
        );
        // A repeat bumping the open item, an acknowledgement, the same item again, other events: nothing.
        assert!(n.on_event(&item(2, "Stuck call", 2, false), true, T0).is_empty());
        assert!(
            n.on_event(&item(1, "Breaker tripped", 1, true), true, T0)
                .is_empty()
        );
        assert!(
            n.on_event(&item(1, "Breaker tripped", 1, false), true, T0)
                .is_empty()
        );
        assert!(n.on_event(&Event::CampaignDeleted { id: 1 }, true, T0).is_empty());
        assert!(n.on_event(&Event::Resync, true, T0).is_empty());
    }

    #[test]
    fn the_opt_out_silences_everything() {
        let mut n = Notifier::default();
        for id in 0..10 {
            assert!(n.on_event(&item(id, "x", 1, false), false, T0).is_empty());
        }
        assert_eq!(n.next_flush(), None);
        // Turned back on: items it never showed are new to it.
        assert_eq!(n.on_event(&item(11, "y", 1, false), true, T0).len(), 1);
    }

    #[test]
    fn a_spike_of_200_gives_three_notifications_then_one_summary() {
        let mut n = Notifier::default();
        let mut shown = Vec::new();
        for id in 0..200 {
            let title = if id % 2 == 0 {
                "Call failed"
            } else {
                "Carrier rejected"
            };
            shown.extend(n.on_event(
                &item(id, title, 1, false),
                true,
                Duration::from_millis(id as u64 * 10),
            ));
        }
        assert_eq!(shown.len(), BURST);
        assert_eq!(n.next_flush(), Some(WINDOW));
        assert_eq!(
            n.flush(true, WINDOW - Duration::from_millis(1)),
            None,
            "not due yet"
        );
        let summary = n.flush(true, WINDOW).unwrap_or_else(|| Notice {
            title: "missing".into(),
            body: String::new(),
        });
        assert_eq!(summary.title, "Callboard · 197 new items need attention");
        assert_eq!(
            summary.body,
            "Carrier rejected, Call failed. Open Callboard › Needs attention."
        );
        assert_eq!(n.next_flush(), None);
        assert_eq!(n.flush(true, WINDOW * 2), None, "nothing left");
    }

    #[test]
    fn a_spike_that_goes_on_gives_one_summary_per_window() {
        let mut n = Notifier::new(1, Duration::from_secs(10));
        let mut id = 0;
        let mut count = 0;
        for second in 0..35u64 {
            let now = Duration::from_secs(second);
            if let Some(_summary) = n.flush(true, now) {
                count += 1;
            }
            id += 1;
            count += n.on_event(&item(id, "Call failed", 1, false), true, now).len();
        }
        // One at 0 s, then one summary at 10, 20 and 30 s.
        assert_eq!(count, 4);
        assert_eq!(n.next_flush(), Some(Duration::from_secs(40)));
    }

    #[test]
    fn after_a_summary_a_spike_that_goes_on_is_held_for_the_next_summary() {
        // Three one by one, then nothing but one summary per window: none of the items arriving just after
        // a summary pops up on its own (the desktop e2e test once saw the summary and two more within 0.5 s).
        let mut n = Notifier::default();
        let mut shown = Vec::new();
        for tenth in 0..1000u64 {
            let now = Duration::from_millis(tenth * 100);
            shown.extend(n.flush(true, now).map(|s| (now, s)));
            shown.extend(
                n.on_event(&item(tenth as i64, "Call failed", 1, false), true, now)
                    .into_iter()
                    .map(|s| (now, s)),
            );
        }
        let at: Vec<u64> = shown.iter().map(|(t, _)| t.as_secs()).collect();
        assert_eq!(at, vec![0, 0, 0, 30, 60, 90], "{shown:?}");
        assert!(
            shown[3..]
                .iter()
                .all(|(_, s)| s.title.ends_with("new items need attention"))
        );
        // The spike over, a window later an item shows at once again.
        assert!(n.flush(true, Duration::from_secs(120)).is_some());
        let late = Duration::from_secs(151);
        assert_eq!(
            n.on_event(&item(5000, "Breaker tripped", 1, false), true, late)
                .len(),
            1
        );
    }

    #[test]
    fn a_quiet_period_resets_the_window() {
        let mut n = Notifier::new(2, Duration::from_secs(10));
        assert_eq!(n.on_event(&item(1, "a", 1, false), true, T0).len(), 1);
        assert_eq!(n.on_event(&item(2, "b", 1, false), true, T0).len(), 1);
        assert!(n.on_event(&item(3, "c", 1, false), true, T0).is_empty());
        // The one held item is shown as itself, not as "1 new items".
        let one = n.flush(true, Duration::from_secs(10));
        assert_eq!(one.map(|x| x.title), Some("Callboard · c".into()));
        assert_eq!(
            n.on_event(&item(4, "d", 1, false), true, Duration::from_secs(60))
                .len(),
            1
        );
        assert_eq!(
            n.on_event(&item(5, "e", 1, false), true, Duration::from_secs(61))
                .len(),
            1
        );
    }

    #[test]
    fn held_items_acknowledged_or_opted_out_are_dropped() {
        let mut n = Notifier::new(1, Duration::from_secs(10));
        assert_eq!(n.on_event(&item(1, "a", 1, false), true, T0).len(), 1);
        assert!(n.on_event(&item(2, "b", 1, false), true, T0).is_empty());
        assert!(n.on_event(&item(3, "c", 1, false), true, T0).is_empty());
        assert!(n.on_event(&item(2, "b", 1, true), true, T0).is_empty());
        let left = n.flush(true, Duration::from_secs(10));
        assert_eq!(left.map(|x| x.title), Some("Callboard · c".into()));
        assert!(
            n.on_event(&item(4, "d", 1, false), true, Duration::from_secs(11))
                .is_empty()
        );
        assert_eq!(
            n.flush(false, Duration::from_secs(20)),
            None,
            "turned off meanwhile"
        );
        assert_eq!(n.next_flush(), None);
    }
}
