//! Hardening for the webhook routes. Behind a tunnel every peer is 127.0.0.1 and `X-Forwarded-For` can be
//! forged, so limits are keyed by route (which names the provider), not by address. The signature is checked
//! first: a verified delivery is never throttled; deliveries that fail the check share a per-route bucket and
//! get 429 once it is empty (so a flood of forgeries cannot fill the journal). A spike of rejections raises
//! one alert per window: usually a rotated or mistyped webhook secret.

use std::{collections::VecDeque, num::NonZeroU32, sync::Mutex};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use jiff::{SignedDuration, Timestamp};

/// Rejected deliveries recorded per route per second (sustained), and the burst allowed above that.
const REJECTED_PER_SECOND: u32 = 10;
const REJECTED_BURST: u32 = 50;
/// This many rejections within [`ALERT_WINDOW`] raise an alert.
pub const ALERT_THRESHOLD: usize = 10;
pub const ALERT_WINDOW: SignedDuration = SignedDuration::from_secs(60);

pub struct Guard {
    limiter: DefaultKeyedRateLimiter<&'static str>,
    recent: Mutex<Recent>,
}

#[derive(Default)]
struct Recent {
    rejections: VecDeque<Timestamp>,
    last_alert: Option<Timestamp>,
    total: u64,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard").finish_non_exhaustive()
    }
}

impl Default for Guard {
    fn default() -> Self {
        let per_second = NonZeroU32::new(REJECTED_PER_SECOND).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(REJECTED_BURST).unwrap_or(NonZeroU32::MIN);
        Guard {
            limiter: RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst)),
            recent: Mutex::new(Recent::default()),
        }
    }
}

impl Guard {
    /// Whether a delivery that failed its signature check on `route` may still be recorded (else 429).
    pub fn admit_rejected(&self, route: &'static str) -> bool {
        self.limiter.check_key(&route).is_ok()
    }

    /// Counts a rejection at `now`; `Some(n)` when `n` rejections within the window call for an alert (at most
    /// one alert per window).
    pub fn note_rejection(&self, now: Timestamp) -> Option<usize> {
        let mut r = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        r.total += 1;
        r.rejections.push_back(now);
        while r
            .rejections
            .front()
            .is_some_and(|t| now.duration_since(*t) > ALERT_WINDOW)
        {
            r.rejections.pop_front();
        }
        let n = r.rejections.len();
        let quiet = r.last_alert.is_none_or(|t| now.duration_since(t) > ALERT_WINDOW);
        if n >= ALERT_THRESHOLD && quiet {
            r.last_alert = Some(now);
            Some(n)
        } else {
            None
        }
    }

    /// Rejections since start.
    pub fn rejected_total(&self) -> u64 {
        self.recent.lock().unwrap_or_else(|p| p.into_inner()).total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spike_alerts_once_per_window() {
        let g = Guard::default();
        let t0 = Timestamp::UNIX_EPOCH;
        let alerts: Vec<_> = (0..25)
            .filter_map(|i| g.note_rejection(t0 + SignedDuration::from_secs(i)))
            .collect();
        assert_eq!(alerts, vec![ALERT_THRESHOLD]);
        assert!(g.note_rejection(t0 + SignedDuration::from_secs(200)).is_none());
        assert_eq!(g.rejected_total(), 26);
    }

    #[test]
    fn the_bucket_empties_per_route() {
        let g = Guard::default();
        let admitted = (0..200).filter(|_| g.admit_rejected("twilio/status")).count();
        assert!(
            (REJECTED_BURST as usize..REJECTED_BURST as usize + 10).contains(&admitted),
            "{admitted}"
        );
        assert!(g.admit_rejected("elevenlabs"));
    }
}
