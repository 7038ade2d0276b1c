//! The circuit breaker: when too many recent dials failed, the campaign pauses itself instead of burning
//! through the list (a wrong caller id, an exhausted balance, a provider outage).

use std::collections::VecDeque;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BreakerSettings {
    /// Trip when more than this share of the recent dials failed…
    pub failure_ratio: f64,
    /// …among at least this many recent dials…
    pub min_dials: usize,
    /// …within this many seconds.
    pub window_s: u32,
}

impl Default for BreakerSettings {
    fn default() -> Self {
        BreakerSettings {
            failure_ratio: 0.5,
            min_dials: 20,
            window_s: 120,
        }
    }
}

/// Recent dial results of one campaign.
#[derive(Debug, Clone, Default)]
pub struct CircuitBreaker {
    settings: BreakerSettings,
    recent: VecDeque<(Timestamp, bool)>,
}

/// Why the breaker tripped, for the campaign's status reason and the alert.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tripped {
    pub failed: usize,
    pub dials: usize,
}

impl std::fmt::Display for Tripped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} of the last {} dials failed", self.failed, self.dials)
    }
}

impl CircuitBreaker {
    pub fn new(settings: BreakerSettings) -> Self {
        CircuitBreaker {
            settings,
            recent: VecDeque::new(),
        }
    }

    /// Records one dial result; returns `Some` when the breaker trips. Only the last `min_dials` dials
    /// inside the time window count.
    pub fn record(&mut self, at: Timestamp, failed: bool) -> Option<Tripped> {
        self.recent.push_back((at, failed));
        let horizon = at - SignedDuration::from_secs(i64::from(self.settings.window_s));
        while self.recent.front().is_some_and(|(t, _)| *t < horizon)
            || self.recent.len() > self.settings.min_dials
        {
            self.recent.pop_front();
        }
        let dials = self.recent.len();
        let failures = self.recent.iter().filter(|(_, f)| *f).count();
        #[allow(clippy::cast_precision_loss)]
        let ratio = failures as f64 / dials.max(1) as f64;
        (dials >= self.settings.min_dials && ratio > self.settings.failure_ratio).then_some(Tripped {
            failed: failures,
            dials,
        })
    }

    /// Forgets history (after a supervisor resumes the campaign).
    pub fn reset(&mut self) {
        self.recent.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::UNIX_EPOCH + SignedDuration::from_secs(s)
    }

    #[test]
    fn trips_on_a_failure_spike_only() {
        let mut b = CircuitBreaker::new(BreakerSettings::default());
        for i in 0..19 {
            assert_eq!(b.record(at(i), true), None, "fewer than 20 dials never trip");
        }
        assert_eq!(
            b.record(at(19), true),
            Some(Tripped {
                failed: 20,
                dials: 20
            })
        );
        b.reset();
        for i in 0..40 {
            assert_eq!(
                b.record(at(100 + i), i % 2 == 0),
                None,
                "exactly half failing does not trip"
            );
        }
    }

    #[test]
    fn old_failures_age_out() {
        let mut b = CircuitBreaker::new(BreakerSettings::default());
        for i in 0..15 {
            b.record(at(i), true);
        }
        // Five minutes later the old failures are outside the two-minute window.
        for i in 0..20 {
            assert_eq!(b.record(at(300 + i), i < 8), None);
        }
    }
}
