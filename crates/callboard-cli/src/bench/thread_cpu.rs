//! CPU time of this process split by thread name, from `/proc/self/task/*/{comm,schedstat}` (nanoseconds on
//! CPU, Linux only). The webhook bench runs its HTTP client on threads named [`CLIENT_THREADS`] and the server
//! everywhere else, so it can say what the server itself costs per webhook on a machine where the client and
//! other workers compete for the same cores. Threads that exit are missed, so the runtimes involved keep their
//! idle threads alive for the whole run.

use std::time::Duration;

/// The name prefix of the bench client's threads.
pub const CLIENT_THREADS: &str = "bench-client";

/// CPU time so far, by side.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CpuSplit {
    /// Every thread not named [`CLIENT_THREADS`] (listener, store, applier, logging, the main thread).
    pub server: Duration,
    pub client: Duration,
}

impl CpuSplit {
    /// What was spent between `earlier` and `self`.
    pub fn since(self, earlier: CpuSplit) -> CpuSplit {
        CpuSplit {
            server: self.server.saturating_sub(earlier.server),
            client: self.client.saturating_sub(earlier.client),
        }
    }
}

/// This process's CPU time by side; `None` where `/proc` has no per-thread figures.
pub fn sample() -> Option<CpuSplit> {
    let mut split = CpuSplit::default();
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let path = task.path();
        // A thread can exit between the listing and the read: skip it.
        let (Ok(comm), Ok(stat)) = (
            std::fs::read_to_string(path.join("comm")),
            std::fs::read_to_string(path.join("schedstat")),
        ) else {
            continue;
        };
        let Some(ns) = stat.split_whitespace().next().and_then(|v| v.parse::<u64>().ok()) else {
            continue;
        };
        let spent = Duration::from_nanos(ns);
        if comm.trim_end().starts_with(CLIENT_THREADS) {
            split.client += spent;
        } else {
            split.server += spent;
        }
    }
    Some(split)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_client_thread_is_counted_on_the_client_side() {
        let Some(before) = sample() else {
            return; // not Linux
        };
        // Spins until its side has been charged 20 ms (however loaded the machine), or gives up after 30 s.
        let spin = std::thread::Builder::new()
            .name(format!("{CLIENT_THREADS}-test"))
            .spawn(move || {
                let started = std::time::Instant::now();
                let mut x = 0u64;
                loop {
                    for _ in 0..100_000 {
                        x = std::hint::black_box(x.wrapping_add(1));
                    }
                    let spent = sample().map(|s| s.since(before)).unwrap_or_default();
                    if spent.client >= Duration::from_millis(20)
                        || started.elapsed() > Duration::from_secs(30)
                    {
                        return spent;
                    }
                }
            })
            .unwrap_or_else(|e| panic!("{e}"));
        let spent = spin.join().unwrap_or_else(|_| panic!("spinner panicked"));
        assert!(spent.client >= Duration::from_millis(20), "{spent:?}");
    }
}
