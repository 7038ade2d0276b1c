//! Where a webhook bench phase's time went on the server, from the histograms the store and the webhook hub
//! keep: what the answer waited for (the duplicate check and the spool append), the journal commit behind it,
//! the writer's jobs, and the WAL checkpoints.

use std::sync::atomic::Ordering;

use callboard_core::{app::App, latency::Summary};

/// Where a phase's time went on the server (from the histograms the store and the webhook hub keep).
#[derive(Debug)]
pub(super) struct Stages {
    accept_wait: Summary,
    journal_wait: Summary,
    ahead_wait: Summary,
    ahead_jobs: Summary,
    normal_jobs: Summary,
    checkpoints: Summary,
    tail_checkpoints: Summary,
    tails_complete: u64,
    restarts: u64,
    wal_frames_max: u64,
}

impl Stages {
    /// What the histograms hold since the last `take`, and starts them again.
    pub(super) fn take(app: &App) -> Stages {
        let store = app.store.stats();
        let c = &store.checkpoints;
        Stages {
            accept_wait: app.webhooks.accept_wait.take(),
            journal_wait: app.webhooks.journal_wait.take(),
            ahead_wait: store.ahead_wait.take(),
            ahead_jobs: store.ahead_jobs.take(),
            normal_jobs: store.normal_jobs.take(),
            checkpoints: c.background.take(),
            tail_checkpoints: c.tail.take(),
            tails_complete: c.tails_complete.swap(0, Ordering::Relaxed),
            restarts: c.restarts.swap(0, Ordering::Relaxed),
            wal_frames_max: c.wal_frames_max.swap(0, Ordering::Relaxed),
        }
    }

    pub(super) fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "accept_wait": self.accept_wait,
            "journal_wait": self.journal_wait,
            "ahead_wait": self.ahead_wait,
            "ahead_jobs": self.ahead_jobs,
            "normal_jobs": self.normal_jobs,
            "checkpoints": self.checkpoints,
            "tail_checkpoints": self.tail_checkpoints,
            "tails_complete": self.tails_complete,
            "restarts": self.restarts,
            "wal_frames_max": self.wal_frames_max,
        })
    }

    pub(super) fn print(&self, phase: &str) {
        let ms = |us: u64| us as f64 / 1000.0;
        let line = |name: &str, s: &Summary| {
            println!(
                "    {name:<22} {:>7} × p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms",
                s.count,
                ms(s.p50_us),
                ms(s.p99_us),
                ms(s.p999_us),
                ms(s.max_us)
            )
        };
        println!("  stages {phase} (histogram bucket tops, at most 2× the true value):");
        line("check + spool (answer)", &self.accept_wait);
        line("spool → journal commit", &self.journal_wait);
        line("writer queue (ahead)", &self.ahead_wait);
        line("writer jobs (ahead)", &self.ahead_jobs);
        line("writer jobs (normal)", &self.normal_jobs);
        line("checkpoints", &self.checkpoints);
        line("tail on the writer", &self.tail_checkpoints);
        println!(
            "    tails complete {}, RESTART checkpoints {}, WAL at most {} frames",
            self.tails_complete, self.restarts, self.wal_frames_max
        );
    }
}
