//! Typed events on a broadcast bus. Every change a command makes emits one; the Tauri shell and the UI
//! listener's WebSocket forward them to the UI in batches, so a burst of changes is one repaint.

use std::time::Duration;

use serde::Serialize;
use tokio::sync::broadcast;

use crate::{
    agent::Agent,
    api::ApiError,
    campaign::Campaign,
    import::{Progress, Summary},
};

/// Something the UI should know changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// Created or updated: the UI upserts by id.
    CampaignChanged {
        campaign: Campaign,
    },
    CampaignDeleted {
        id: i64,
    },
    AgentChanged {
        agent: Agent,
    },
    /// Something a supervisor should look at (a tripped breaker, a stuck call, …).
    Alert {
        kind: String,
        campaign_id: Option<i64>,
        message: String,
    },
    /// A background import committed another chunk.
    ImportProgress {
        import_id: u64,
        campaign_id: i64,
        progress: Progress,
    },
    /// A background import ended: `summary` (its error list cut to the first 100) or `error`.
    ImportFinished {
        import_id: u64,
        campaign_id: i64,
        summary: Option<Summary>,
        error: Option<ApiError>,
    },
    /// A call was created or changed (e.g. by a provider webhook).
    CallChanged {
        call: crate::store::calls::Call,
    },
    /// One line of a call's live transcript (from the agent backend or the simulator), as it is spoken.
    CallTranscript {
        call_id: i64,
        /// `agent` or `contact`.
        role: String,
        text: String,
        /// When it was said (RFC 3339).
        at: String,
    },
    /// A webhook delivery was journaled or changed status (pending, duplicate, rejected, applied, failed).
    WebhookReceived {
        id: i64,
        provider: String,
        kind: String,
        status: String,
    },
    /// Many deliveries failed their signature check in a short time: probably a wrong webhook secret.
    WebhookAlert {
        provider: String,
        route: String,
        rejected: usize,
        message: String,
    },
    /// A "needs attention" item was raised, bumped or acknowledged; `open` is how many are open now.
    AttentionChanged {
        item: crate::store::attention::AttentionItem,
        open: i64,
    },
    /// An AI agent call moved to another conversation phase (`greeting`, `intake`, `clarification`,
    /// `escalation`, `completed`); `source` is `agent`, `rule` or `supervisor`.
    CallPhase {
        call_id: i64,
        phase: String,
        reason: String,
        source: String,
        at: String,
    },
    /// The receiver fell behind and missed events: the UI should refetch everything.
    Resync,
}

/// How long a forwarder gathers events into one batch.
pub const BATCH_WINDOW: Duration = Duration::from_millis(100);
/// Most events one batch carries.
pub const BATCH_MAX: usize = 500;
const CAPACITY: usize = 4096;

/// The bus. Cloning shares it.
#[derive(Debug, Clone)]
pub struct EventBus {
    tx: broadcast::Sender<Event>,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus {
            tx: broadcast::channel(CAPACITY).0,
        }
    }
}

impl EventBus {
    pub fn emit(&self, event: Event) {
        // No subscriber is fine: nobody is watching.
        let _ = self.tx.send(event);
    }

    pub fn subscribe(&self) -> EventStream {
        EventStream {
            rx: self.tx.subscribe(),
            pending: Vec::new(),
            deadline: None,
        }
    }
}

/// One subscriber's view of the bus, read in batches.
#[derive(Debug)]
pub struct EventStream {
    rx: broadcast::Receiver<Event>,
    /// The batch being gathered, kept here so that [`EventStream::next_batch`] is cancel-safe: a forwarder
    /// that `select!`s on it together with pings or socket reads loses nothing.
    pending: Vec<Event>,
    deadline: Option<tokio::time::Instant>,
}

impl EventStream {
    /// Waits for the next event, then gathers whatever else arrives within [`BATCH_WINDOW`] (up to
    /// [`BATCH_MAX`]). `None` when the bus is gone. A lagging receiver gets a `Resync` instead of the events
    /// it lost. Cancel-safe.
    pub async fn next_batch(&mut self) -> Option<Vec<Event>> {
        if self.pending.is_empty() {
            let first = self.recv().await?;
            self.pending.push(first);
        }
        let deadline = *self
            .deadline
            .get_or_insert_with(|| tokio::time::Instant::now() + BATCH_WINDOW);
        while self.pending.len() < BATCH_MAX {
            match tokio::time::timeout_at(deadline, self.recv()).await {
                Ok(Some(e)) => self.pending.push(e),
                Ok(None) | Err(_) => break,
            }
        }
        self.deadline = None;
        Some(std::mem::take(&mut self.pending))
    }

    async fn recv(&mut self) -> Option<Event> {
        match self.rx.recv().await {
            Ok(e) => Some(e),
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(missed = n, "event subscriber lagged; asking the UI to resync");
                Some(Event::Resync)
            }
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_burst_arrives_as_one_batch() {
        let bus = EventBus::default();
        let mut stream = bus.subscribe();
        for id in 0..10 {
            bus.emit(Event::CampaignDeleted { id });
        }
        let batch = stream.next_batch().await.unwrap_or_default();
        assert_eq!(batch.len(), 10);
        assert_eq!(batch[9], Event::CampaignDeleted { id: 9 });
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_batch_loses_nothing() {
        let bus = EventBus::default();
        let mut stream = bus.subscribe();
        bus.emit(Event::CampaignDeleted { id: 1 });
        // Cancel while the batch is being gathered (inside the batching window).
        let cancelled = tokio::time::timeout(BATCH_WINDOW / 2, stream.next_batch()).await;
        assert!(cancelled.is_err());
        bus.emit(Event::CampaignDeleted { id: 2 });
        let batch = stream.next_batch().await.unwrap_or_default();
        assert_eq!(
            batch,
            vec![Event::CampaignDeleted { id: 1 }, Event::CampaignDeleted { id: 2 }]
        );
    }

    #[test]
    fn events_serialize_with_a_type_tag() {
        let json = serde_json::to_value(Event::CampaignDeleted { id: 7 }).unwrap_or_default();
        assert_eq!(json, serde_json::json!({"type": "campaign_deleted", "id": 7}));
    }
}
