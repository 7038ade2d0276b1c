//! Imports running in the background for the API: each has an id, a [`Control`] to cancel it, and its last
//! known state, so `import.status` can answer after the fact and `import.cancel` can reach it.

use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use serde::{Deserialize, Serialize};

use super::{Control, Progress, Summary};

/// Where a background import is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum JobState {
    Running { progress: Option<Progress> },
    Done { summary: Summary },
    Failed { code: String, message: String },
}

struct Job {
    campaign_id: i64,
    control: Control,
    state: JobState,
}

/// The registry of background imports. Finished jobs stay until the app closes (they are small: the summary).
#[derive(Default)]
pub struct Jobs {
    next: AtomicU64,
    jobs: Mutex<HashMap<u64, Job>>,
}

impl std::fmt::Debug for Jobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jobs").finish_non_exhaustive()
    }
}

impl Jobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Job>> {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a new running import.
    pub fn start(&self, campaign_id: i64, control: Control) -> u64 {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        self.lock().insert(
            id,
            Job {
                campaign_id,
                control,
                state: JobState::Running { progress: None },
            },
        );
        id
    }

    pub fn set(&self, id: u64, state: JobState) {
        if let Some(job) = self.lock().get_mut(&id) {
            job.state = state;
        }
    }

    /// (campaign id, state) of an import.
    pub fn get(&self, id: u64) -> Option<(i64, JobState)> {
        self.lock().get(&id).map(|j| (j.campaign_id, j.state.clone()))
    }

    /// Asks a running import to stop; false if there is no such import or it has finished.
    pub fn cancel(&self, id: u64) -> Option<bool> {
        let jobs = self.lock();
        let job = jobs.get(&id)?;
        let running = matches!(job.state, JobState::Running { .. });
        if running {
            job.control.cancel();
        }
        Some(running)
    }
}
