//! `webhook.list`: recent deliveries from the journal with per-provider counters, for the Settings → Webhooks
//! view (applied, duplicate, rejected, pending/failed with their error).

use serde::{Deserialize, Serialize};

use super::{Actor, ApiError};
use crate::{app::App, store::call_events};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// How many of the newest rows (default 200, at most 1000).
    #[serde(default)]
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Counter {
    pub provider: String,
    pub status: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct WebhookList {
    pub events: Vec<call_events::EventRow>,
    pub counts: Vec<Counter>,
    /// Deliveries refused for a bad signature since this instance started (the journal keeps them too).
    pub rejected_since_start: u64,
}

pub async fn list(app: &App, _actor: Actor, args: ListArgs) -> Result<WebhookList, ApiError> {
    let limit = args.limit.unwrap_or(200).clamp(1, 1000);
    let (events, counts) = app
        .store
        .read(move |c| Ok((call_events::recent(c, limit)?, call_events::counts(c)?)))
        .await?;
    Ok(WebhookList {
        events,
        counts: counts
            .into_iter()
            .map(|(provider, status, count)| Counter {
                provider,
                status,
                count,
            })
            .collect(),
        rejected_since_start: app.webhooks.guard.rejected_total(),
    })
}
