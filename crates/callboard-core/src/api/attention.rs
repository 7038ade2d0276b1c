//! `attention.list` and `attention.ack`: the "needs attention" list (see `live::recorder` for what raises
//! items) and acknowledging an item, audited.

use serde::{Deserialize, Serialize};

use super::{Actor, ApiError, IdArgs};
use crate::{
    app::App,
    clock::to_db,
    events::Event,
    store::{
        StoreResult,
        attention::{self, AttentionItem},
        audit::{self, AuditEntry},
    },
};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// Include acknowledged items (after the open ones).
    #[serde(default)]
    pub include_acked: bool,
    /// At most this many (default 200, at most 1000).
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttentionList {
    pub items: Vec<AttentionItem>,
    /// Open items in all (the sidebar badge).
    pub open: i64,
}

pub async fn list(app: &App, _actor: Actor, args: ListArgs) -> Result<AttentionList, ApiError> {
    let limit = args.limit.unwrap_or(200).clamp(1, 1000);
    let (items, open) = app
        .store
        .read(move |c| {
            Ok((
                attention::list(c, args.include_acked, limit)?,
                attention::open_count(c)?,
            ))
        })
        .await?;
    Ok(AttentionList { items, open })
}

pub async fn ack(app: &App, actor: Actor, args: IdArgs) -> Result<AttentionItem, ApiError> {
    let now = to_db(app.clock.now());
    let (item, open) = app
        .store
        .with_tx(move |tx| -> StoreResult<_> {
            let item = attention::ack(tx, args.id, actor.as_str(), &now)?;
            audit::record(
                tx,
                &now,
                &AuditEntry {
                    actor: actor.as_str(),
                    action: "attention.ack",
                    subject_type: "attention",
                    subject_id: item.id.to_string(),
                    details: serde_json::json!({ "kind": item.kind, "call_id": item.call_id }),
                },
            )?;
            Ok((item, attention::open_count(tx)?))
        })
        .await?;
    app.events.emit(Event::AttentionChanged {
        item: item.clone(),
        open,
    });
    Ok(item)
}
