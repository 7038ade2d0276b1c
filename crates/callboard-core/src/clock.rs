//! The only place that reads the wall clock. Everything time-dependent takes a `Clock`, so tests can run a
//! day of campaign in milliseconds with a manual clock (tokio's paused time does not move wall-clock time).

use std::fmt::Debug;

use jiff::Timestamp;

/// A source of "now".
pub trait Clock: Send + Sync + Debug + 'static {
    fn now(&self) -> Timestamp;
}

/// The real wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that only moves when told to: tests, simulations and benchmarks run days of campaign in
/// milliseconds with it.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: std::sync::Arc<std::sync::Mutex<Timestamp>>,
}

impl ManualClock {
    pub fn new(start: Timestamp) -> Self {
        ManualClock {
            now: std::sync::Arc::new(std::sync::Mutex::new(start)),
        }
    }

    /// 2026-03-08T12:00:00Z, a Sunday (and the US spring-forward day), unless a test needs another.
    pub fn default_start() -> Timestamp {
        Timestamp::from_second(1_772_971_200).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    pub fn advance(&self, by: jiff::SignedDuration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now = now.checked_add(by).unwrap_or(*now);
    }

    pub fn set(&self, to: Timestamp) {
        *self.now.lock().unwrap_or_else(|p| p.into_inner()) = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The wall clock plus an offset that only grows: `callboard demo` jumps it forward once the simulated
/// calls are over, so expired leases are reconciled without waiting for them in real time.
#[derive(Debug, Clone, Default)]
pub struct OffsetClock {
    offset: std::sync::Arc<std::sync::Mutex<jiff::SignedDuration>>,
}

impl OffsetClock {
    pub fn advance(&self, by: jiff::SignedDuration) {
        let mut offset = self.offset.lock().unwrap_or_else(|p| p.into_inner());
        *offset = offset.checked_add(by).unwrap_or(*offset);
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> Timestamp {
        let offset = *self.offset.lock().unwrap_or_else(|p| p.into_inner());
        let now = Timestamp::now();
        now.checked_add(offset).unwrap_or(now)
    }
}

/// RFC 3339 text as stored in the database: UTC with exactly six fractional digits, so that text order is
/// time order in SQL comparisons and indexes.
pub fn to_db(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Parses a stored timestamp (any RFC 3339 form).
pub fn from_db(text: &str) -> Option<Timestamp> {
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::SignedDuration;

    #[test]
    fn stored_text_sorts_like_time() {
        let base: Timestamp = "2026-11-26T20:10:27Z".parse().unwrap_or(Timestamp::UNIX_EPOCH);
        let later = base + SignedDuration::from_micros(514_054);
        assert_eq!(to_db(base), "2026-11-26T20:10:27.000000Z");
        assert!(to_db(base) < to_db(later));
        assert_eq!(from_db(&to_db(later)), Some(later));
    }
}
