//! Pacing: how many new calls may start now. A token bucket caps new calls per second (with a burst of at
//! most one second's worth, so a paused-then-resumed campaign does not fire a volley), and the concurrency
//! rule keeps reserved headroom free for inbound calls and other campaigns. Time comes from the caller.

use jiff::{SignedDuration, Timestamp};

/// New calls per second, as a token bucket driven by the caller's clock.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    tokens: f64,
    last: Timestamp,
}

impl RateLimiter {
    /// Starts full: `burst = max(1, per_second)` tokens.
    pub fn new(per_second: f64, now: Timestamp) -> Self {
        let per_second = if per_second.is_finite() && per_second > 0.0 {
            per_second
        } else {
            1.0
        };
        let burst = per_second.max(1.0);
        RateLimiter {
            per_second,
            burst,
            tokens: burst,
            last: now,
        }
    }

    fn refill(&mut self, now: Timestamp) {
        // A clock that steps backwards refills nothing rather than draining the bucket.
        let elapsed = now.duration_since(self.last).as_secs_f64().max(0.0);
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.burst);
        if now > self.last {
            self.last = now;
        }
    }

    /// How many calls may start now (whole tokens).
    pub fn available(&mut self, now: Timestamp) -> u32 {
        self.refill(now);
        // Truncation is the point: only whole tokens are calls; the bucket is at most 50 deep.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let whole = self.tokens.floor() as u32;
        whole
    }

    /// Takes `n` tokens (callers take at most what `available` said).
    pub fn take(&mut self, n: u32, now: Timestamp) {
        self.refill(now);
        self.tokens = (self.tokens - f64::from(n)).max(0.0);
    }

    /// When the next whole token will be there.
    pub fn next_token_at(&mut self, now: Timestamp) -> Timestamp {
        self.refill(now);
        if self.tokens >= 1.0 {
            return now;
        }
        let wait = (1.0 - self.tokens) / self.per_second;
        now + SignedDuration::from_secs_f64(wait)
    }
}

/// Free call slots: `max_concurrent` minus the headroom kept for others, minus the calls in flight.
pub fn free_slots(max_concurrent: u32, reserved_headroom: u32, in_flight: u32) -> u32 {
    max_concurrent
        .saturating_sub(reserved_headroom)
        .saturating_sub(in_flight)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(ms: i64) -> Timestamp {
        Timestamp::UNIX_EPOCH + SignedDuration::from_millis(ms)
    }

    #[test]
    fn refills_at_the_rate_and_caps_the_burst() {
        let mut r = RateLimiter::new(2.0, at(0));
        assert_eq!(r.available(at(0)), 2);
        r.take(2, at(0));
        assert_eq!(r.available(at(0)), 0);
        assert_eq!(r.next_token_at(at(0)), at(500));
        assert_eq!(r.available(at(500)), 1);
        assert_eq!(
            r.available(at(60_000)),
            2,
            "an idle minute does not bank 120 calls"
        );
    }

    #[test]
    fn slow_rates_and_backwards_clocks() {
        let mut r = RateLimiter::new(0.1, at(0));
        r.take(1, at(0));
        assert_eq!(r.available(at(9_000)), 0);
        assert_eq!(r.available(at(10_000)), 1);
        r.take(1, at(10_000));
        assert_eq!(r.available(at(5_000)), 0, "a clock stepping back refills nothing");
        assert_eq!(free_slots(10, 2, 5), 3);
        assert_eq!(free_slots(10, 2, 9), 0);
        assert_eq!(free_slots(1, 5, 0), 0);
    }

    proptest! {
        /// Over any schedule of polls, the calls started in any window of length T never exceed
        /// burst + rate × T.
        #[test]
        fn never_exceeds_the_rate(rate in 0.1f64..50.0, gaps in proptest::collection::vec(0i64..3_000, 1..300)) {
            let mut r = RateLimiter::new(rate, at(0));
            let mut now = 0i64;
            let mut started: Vec<i64> = Vec::new();
            for gap in gaps {
                now += gap;
                let n = r.available(at(now));
                r.take(n, at(now));
                started.extend(std::iter::repeat_n(now, n as usize));
            }
            let burst = rate.max(1.0);
            for (i, &from) in started.iter().enumerate() {
                for span_ms in [0i64, 1_000, 10_000] {
                    let count = started[i..].iter().take_while(|&&t| t <= from + span_ms).count();
                    let allowed = burst + rate * (span_ms as f64) / 1000.0;
                    prop_assert!(count as f64 <= allowed + 1e-9, "{} calls in {} ms at {}/s", count, span_ms, rate);
                }
            }
        }
    }
}
