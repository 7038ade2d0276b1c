//! The circuit breaker: when too many recent dials failed, the campaign pauses itself instead of burning
//! through the list (a wrong caller id, an exhausted balance, a provider outage). It is a pure function of
//! the campaign's recent call endings as stored, so it survives restarts and needs no state of its own.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BreakerSettings {
    /// Trip when more than this share of the recent dials failed…
    pub failure_ratio: f64,
    /// …among at least this many of the most recent dials…
    pub min_dials: usize,
    /// …that ended within this many seconds.
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

/// Why the breaker tripped, for the campaign's status reason and the alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tripped {
    pub failed: usize,
    pub dials: usize,
}

impl std::fmt::Display for Tripped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "circuit breaker: {} of the last {} dials failed",
            self.failed, self.dials
        )
    }
}

impl BreakerSettings {
    /// `recent`: (ended at, failed) of the campaign's most recent calls, newest first.
    pub fn evaluate(&self, recent: &[(Timestamp, bool)], now: Timestamp) -> Option<Tripped> {
        let horizon = now - SignedDuration::from_secs(i64::from(self.window_s));
        let window: Vec<bool> = recent
            .iter()
            .take(self.min_dials)
            .filter(|(t, _)| *t >= horizon)
            .map(|(_, f)| *f)
            .collect();
        let dials = window.len();
        let failed = window.iter().filter(|f| **f).count();
        #[allow(clippy::cast_precision_loss)]
        let ratio = failed as f64 / dials.max(1) as f64;
        (dials >= self.min_dials && ratio > self.failure_ratio).then_some(Tripped { failed, dials })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::UNIX_EPOCH + SignedDuration::from_secs(s)
    }

    /// Newest first, one second apart, ending at `end`.
    fn history(end: i64, failed: &[bool]) -> Vec<(Timestamp, bool)> {
        failed
            .iter()
            .enumerate()
            .map(|(i, f)| (at(end - i as i64), *f))
            .collect()
    }

    #[test]
    fn trips_on_a_failure_spike_only() {
        let b = BreakerSettings::default();
        assert_eq!(
            b.evaluate(&history(100, &[true; 19]), at(100)),
            None,
            "fewer than 20 dials never trip"
        );
        assert_eq!(
            b.evaluate(&history(100, &[true; 20]), at(100)),
            Some(Tripped {
                failed: 20,
                dials: 20
            })
        );
        let half: Vec<bool> = (0..20).map(|i| i % 2 == 0).collect();
        assert_eq!(
            b.evaluate(&history(100, &half), at(100)),
            None,
            "exactly half failing does not trip"
        );
    }

    #[test]
    fn old_failures_age_out() {
        let b = BreakerSettings::default();
        assert_eq!(b.evaluate(&history(100, &[true; 20]), at(400)), None);
    }

    proptest! {
        #[test]
        fn trips_exactly_when_the_recent_ratio_is_exceeded(failed in proptest::collection::vec(any::<bool>(), 0..60)) {
            let b = BreakerSettings::default();
            let recent = history(1_000, &failed);
            let last: Vec<bool> = failed.iter().take(20).copied().collect();
            let expected = last.len() == 20 && last.iter().filter(|f| **f).count() > 10;
            prop_assert_eq!(b.evaluate(&recent, at(1_000)).is_some(), expected);
        }
    }
}
