//! When to try an ElevenLabs request again: 429 and 5xx (and a dropped connection) are retried with
//! exponential backoff and jitter, and a `Retry-After` from the server wins. Waiting goes through a
//! [`Sleeper`], so tests see every delay the client asked for without sleeping.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use futures_util::future::BoxFuture;
use rand::{Rng, SeedableRng, rngs::StdRng};

/// Waits. The real one sleeps on tokio's timer; tests record the delay and return at once.
pub trait Sleeper: Send + Sync + 'static {
    fn sleep(&self, delay: Duration) -> BoxFuture<'static, ()>;
}

/// Sleeps for real.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, delay: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(delay))
    }
}

/// Records each delay and returns at once; also moves a manual clock forward by it, so code that reads the
/// clock after a wait sees the time pass.
#[derive(Debug, Default, Clone)]
pub struct RecordingSleeper {
    pub delays: Arc<Mutex<Vec<Duration>>>,
    pub clock: Option<crate::clock::ManualClock>,
}

impl RecordingSleeper {
    pub fn delays(&self) -> Vec<Duration> {
        self.delays.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Sleeper for RecordingSleeper {
    fn sleep(&self, delay: Duration) -> BoxFuture<'static, ()> {
        self.delays.lock().unwrap_or_else(|p| p.into_inner()).push(delay);
        if let Some(c) = &self.clock {
            c.advance(jiff::SignedDuration::try_from(delay).unwrap_or_default());
        }
        Box::pin(async {})
    }
}

/// How many times and how long to wait between tries.
#[derive(Debug)]
pub struct Backoff {
    /// Tries in all, the first included.
    pub max_attempts: u32,
    pub base: Duration,
    pub cap: Duration,
    /// The longest `Retry-After` honoured; a longer one gives up (the caller reports the 429).
    pub max_retry_after: Duration,
    rng: Mutex<StdRng>,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new(4, Duration::from_millis(500), Duration::from_secs(20), 0)
    }
}

impl Backoff {
    /// `seed` fixes the jitter (tests); production seeds from the process id and time of start.
    pub fn new(max_attempts: u32, base: Duration, cap: Duration, seed: u64) -> Backoff {
        Backoff {
            max_attempts: max_attempts.max(1),
            base,
            cap,
            max_retry_after: Duration::from_secs(120),
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
        }
    }

    /// The wait before try number `attempt + 1` (attempt counts from 1), given the server's `Retry-After`.
    /// Without one: "equal jitter", half of `base·2^(attempt-1)` (capped) plus a random share of the other
    /// half, so clients that failed together do not come back together. `None`: give up.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        if let Some(after) = retry_after {
            return (after <= self.max_retry_after).then_some(after);
        }
        let exp = self
            .base
            .saturating_mul(1u32.checked_shl(attempt.saturating_sub(1)).unwrap_or(u32::MAX))
            .min(self.cap);
        let half = exp / 2;
        let millis = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
        let extra = self
            .rng
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .random_range(0..=millis);
        Some(half + Duration::from_millis(extra))
    }
}

/// `Retry-After` as seconds (ElevenLabs sends seconds; an HTTP date is read against `now`).
pub fn parse_retry_after(value: &str, now: jiff::Timestamp) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let at = jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(v)
        .ok()?;
    let wait = at.duration_since(now);
    Some(Duration::try_from(wait).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn retry_after_wins_and_is_capped() {
        let b = Backoff::default();
        assert_eq!(
            b.delay(1, Some(Duration::from_secs(3))),
            Some(Duration::from_secs(3))
        );
        assert_eq!(b.delay(1, Some(Duration::from_secs(600))), None);
        assert_eq!(b.delay(4, None), None);
    }

    #[test]
    fn retry_after_forms() {
        let now: jiff::Timestamp = "2026-01-01T12:00:00Z"
            .parse()
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 2026 12:00:07 GMT", now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    proptest! {
        #[test]
        fn backoff_grows_within_bounds(seed in any::<u64>(), attempt in 1u32..10) {
            let b = Backoff::new(20, Duration::from_millis(500), Duration::from_secs(20), seed);
            let d = b.delay(attempt, None).unwrap_or_default();
            let exp = (Duration::from_millis(500) * 2u32.pow(attempt - 1)).min(Duration::from_secs(20));
            prop_assert!(d >= exp / 2 && d <= exp, "{d:?} vs {exp:?}");
        }
    }
}
