//! What the bridge itself adds to a frame's trip, measured at our own sockets: from the moment a carrier
//! frame is read to the moment its audio is written to the agent's socket (inbound), and from an agent
//! audio message read to its carrier `media` written (outbound). Off unless a benchmark turns it on; when on,
//! each frame costs two clock reads and one relaxed atomic add into a fixed histogram shared by every
//! session (no lock, no allocation).

use std::{
    sync::atomic::{AtomicBool, AtomicU64, Ordering},
    time::Duration,
};

/// 1 µs buckets below this many µs…
const FINE_US: u64 = 2_000;
/// …then 100 µs buckets up to this many µs; beyond it everything lands in one last bucket.
const COARSE_US: u64 = 100_000;
const COARSE_STEP: u64 = 100;
const BUCKETS: usize = (FINE_US + (COARSE_US - FINE_US) / COARSE_STEP + 1) as usize;

fn bucket_of(us: u64) -> usize {
    if us < FINE_US {
        us as usize
    } else if us < COARSE_US {
        (FINE_US + (us - FINE_US) / COARSE_STEP) as usize
    } else {
        BUCKETS - 1
    }
}

/// The largest value (µs) a bucket holds.
fn bucket_top(i: usize) -> u64 {
    let i = i as u64;
    if i < FINE_US {
        i
    } else if (i as usize) < BUCKETS - 1 {
        FINE_US + (i - FINE_US + 1) * COARSE_STEP - 1
    } else {
        COARSE_US
    }
}

/// Counts of latencies by bucket.
#[derive(Debug)]
struct Histogram {
    buckets: Box<[AtomicU64]>,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

impl Histogram {
    fn record(&self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.buckets[bucket_of(us)].fetch_add(1, Ordering::Relaxed);
    }

    fn take(&self) -> Vec<u64> {
        self.buckets
            .iter()
            .map(|b| b.swap(0, Ordering::Relaxed))
            .collect()
    }
}

/// A finished window of measurements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatencySummary {
    counts: Vec<u64>,
}

impl LatencySummary {
    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The `p` quantile (0..=1) in µs, rounded up to its bucket's top (exact below 2 ms, within 100 µs up
    /// to 100 ms, "100 ms or more" beyond); 0 when nothing was measured.
    pub fn percentile_us(&self, p: f64) -> u64 {
        let total = self.count();
        if total == 0 {
            return 0;
        }
        // The rank of the sample at quantile p, 1-based, as nearest-rank defines it.
        let rank = ((p.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return bucket_top(i);
            }
        }
        bucket_top(BUCKETS - 1)
    }

    /// Both directions together.
    pub fn merged(&self, other: &LatencySummary) -> LatencySummary {
        LatencySummary {
            counts: self
                .counts
                .iter()
                .zip(&other.counts)
                .map(|(a, b)| a + b)
                .collect(),
        }
    }
}

/// The bridge's own per-frame latency, by direction.
#[derive(Debug, Default)]
pub struct LatencyProbe {
    on: AtomicBool,
    inbound: Histogram,
    outbound: Histogram,
}

impl LatencyProbe {
    pub fn set_enabled(&self, on: bool) {
        self.on.store(on, Ordering::Relaxed);
    }

    pub fn enabled(&self) -> bool {
        self.on.load(Ordering::Relaxed)
    }

    /// Carrier frame read → its audio written to the agent's socket.
    pub fn inbound(&self, d: Duration) {
        self.inbound.record(d);
    }

    /// Agent audio read → the carrier's `media` written.
    pub fn outbound(&self, d: Duration) {
        self.outbound.record(d);
    }

    /// What was measured since the last call (inbound, outbound); the counts start again from zero.
    pub fn take(&self) -> (LatencySummary, LatencySummary) {
        (
            LatencySummary {
                counts: self.inbound.take(),
            },
            LatencySummary {
                counts: self.outbound.take(),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn percentiles_of_a_known_window() {
        let probe = LatencyProbe::default();
        for us in 1..=100u64 {
            probe.inbound(Duration::from_micros(us));
        }
        probe.outbound(Duration::from_millis(250));
        let (inbound, outbound) = probe.take();
        assert_eq!(inbound.count(), 100);
        assert_eq!(inbound.percentile_us(0.5), 50);
        assert_eq!(inbound.percentile_us(0.99), 99);
        assert_eq!(outbound.percentile_us(0.5), COARSE_US);
        assert_eq!(inbound.merged(&outbound).count(), 101);
        // Taking empties the window.
        assert_eq!(probe.take().0.count(), 0);
        assert_eq!(probe.take().0.percentile_us(0.5), 0);
    }

    proptest! {
        /// The reported quantile is never below the exact one and above it by less than a bucket.
        #[test]
        fn a_percentile_is_the_exact_one_rounded_up_to_its_bucket(
            mut values in proptest::collection::vec(0u64..150_000, 1..300),
            p in 0.0f64..=1.0,
        ) {
            let probe = LatencyProbe::default();
            for v in &values {
                probe.inbound(Duration::from_micros(*v));
            }
            values.sort_unstable();
            let rank = ((p * values.len() as f64).ceil() as usize).max(1);
            let exact = values[rank - 1];
            let got = probe.take().0.percentile_us(p);
            if exact >= COARSE_US {
                prop_assert_eq!(got, COARSE_US);
            } else {
                prop_assert!(got >= exact, "got {} exact {}", got, exact);
                let step = if exact < FINE_US { 1 } else { COARSE_STEP };
                prop_assert!(got - exact < step, "got {} exact {}", got, exact);
            }
        }
    }
}
