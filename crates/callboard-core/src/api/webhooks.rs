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

/// How much of a body the viewer shows.
pub const BODY_VIEW_MAX: usize = 64 * 1024;

/// One delivery for the body viewer: its kept headers and the first [`BODY_VIEW_MAX`] bytes of its body
/// (read from its file when a large body waits there).
pub async fn get(
    app: &App,
    _actor: Actor,
    args: super::IdArgs,
) -> Result<call_events::EventDetail, ApiError> {
    let id = args.id;
    let mut detail = app
        .store
        .read(move |c| call_events::detail(c, id, BODY_VIEW_MAX))
        .await?;
    if detail.body.is_none()
        && let Some(rel) = detail.body_path.clone()
    {
        detail.body = read_head(&app.data_dir().join(rel)).await;
    }
    Ok(detail)
}

async fn read_head(path: &std::path::Path) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let file = tokio::fs::File::open(path).await.ok()?;
    let mut head = Vec::with_capacity(BODY_VIEW_MAX);
    file.take(BODY_VIEW_MAX as u64)
        .read_to_end(&mut head)
        .await
        .ok()?;
    Some(String::from_utf8_lossy(&head).into_owned())
}
