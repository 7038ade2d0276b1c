//! A lock-free latency histogram for the stages of a hot path (the store's writer jobs and checkpoints, a
//! webhook's wait for its journal commit): power-of-two buckets of microseconds, cheap enough to record on
//! every request, read by the benchmarks to say which stage a slow request waited in.

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use serde::Serialize;

/// Bucket `i` holds durations of `[2^(i-1), 2^i)` µs (bucket 0: under 1 µs); the last one everything longer.
const BUCKETS: usize = 40;

/// Durations recorded so far.
#[derive(Debug)]
pub struct Histogram {
    buckets: [AtomicU64; BUCKETS],
    total_us: AtomicU64,
    max_us: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram::new()
    }
}

/// What a histogram saw. Percentiles are the upper bound of their bucket (at most twice the true value), but
/// never more than the largest duration seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Summary {
    pub count: u64,
    pub mean_us: f64,
    pub p50_us: u64,
    pub p99_us: u64,
    pub p999_us: u64,
    pub max_us: u64,
}

fn bucket_of(us: u64) -> usize {
    ((u64::BITS - us.leading_zeros()) as usize).min(BUCKETS - 1)
}

/// The largest duration bucket `i` holds.
fn bucket_top(i: usize) -> u64 {
    if i == 0 { 0 } else { (1u64 << i) - 1 }
}

impl Histogram {
    pub const fn new() -> Histogram {
        Histogram {
            buckets: [const { AtomicU64::new(0) }; BUCKETS],
            total_us: AtomicU64::new(0),
            max_us: AtomicU64::new(0),
        }
    }

    pub fn record(&self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.buckets[bucket_of(us)].fetch_add(1, Ordering::Relaxed);
        self.total_us.fetch_add(us, Ordering::Relaxed);
        self.max_us.fetch_max(us, Ordering::Relaxed);
    }

    /// What was recorded since the last `take`, and starts again from nothing (a benchmark's phases).
    /// Durations recorded while it runs land in this summary or the next one.
    pub fn take(&self) -> Summary {
        let counts: Vec<u64> = self
            .buckets
            .iter()
            .map(|b| b.swap(0, Ordering::Relaxed))
            .collect();
        let total_us = self.total_us.swap(0, Ordering::Relaxed);
        let max_us = self.max_us.swap(0, Ordering::Relaxed);
        summarise(&counts, total_us, max_us)
    }
}

fn summarise(counts: &[u64], total_us: u64, max_us: u64) -> Summary {
    let count: u64 = counts.iter().sum();
    let at = |p: f64| -> u64 {
        if count == 0 {
            return 0;
        }
        // The smallest bucket with at least p of the durations at or below it.
        let rank = ((count as f64 * p).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, c) in counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return bucket_top(i).min(max_us);
            }
        }
        max_us
    };
    Summary {
        count,
        mean_us: if count == 0 {
            0.0
        } else {
            total_us as f64 / count as f64
        },
        p50_us: at(0.50),
        p99_us: at(0.99),
        p999_us: at(0.999),
        max_us,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn percentiles_bound_the_true_values() {
        let h = Histogram::new();
        for us in 1..=1000u64 {
            h.record(Duration::from_micros(us));
        }
        let s = h.take();
        assert_eq!((s.count, s.max_us), (1000, 1000));
        // True p50 500 µs, p99 990 µs: bucket tops 511 and 1000 (capped at the max).
        assert_eq!((s.p50_us, s.p99_us), (511, 1000));
        assert!((s.mean_us - 500.5).abs() < 1e-9);
        assert_eq!(h.take(), Summary::default());
    }

    proptest! {
        #[test]
        fn a_percentile_is_at_least_the_true_one_and_at_most_twice_it(
            mut us in proptest::collection::vec(1u64..10_000_000, 1..300),
        ) {
            let h = Histogram::new();
            for u in &us {
                h.record(Duration::from_micros(*u));
            }
            let s = h.take();
            us.sort_unstable();
            let truth = |p: f64| us[((us.len() as f64 * p).ceil() as usize).max(1) - 1];
            for (got, p) in [(s.p50_us, 0.5), (s.p99_us, 0.99), (s.p999_us, 0.999)] {
                let t = truth(p);
                prop_assert!(got >= t && got <= 2 * t, "p{p}: {got} for {t}");
            }
            prop_assert_eq!(s.max_us, *us.last().unwrap_or(&0));
        }
    }
}
