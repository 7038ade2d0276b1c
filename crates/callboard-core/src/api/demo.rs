//! `demo.start` and `demo.leave`: put demo data (agents, a few thousand contacts across Kuwait, India and the
//! US, campaigns in every state, one running on the simulator) into the current data dir, or remove exactly
//! that data and the demo label. Both answer the new `app.info` and tell every UI to reload (`Resync`).

use super::{Actor, ApiError, NoArgs};
use crate::{
    app::{App, AppInfo},
    clock::to_db,
    demo,
    events::Event,
    store::audit::{self, AuditEntry},
};

fn entry(actor: Actor, action: &'static str, details: serde_json::Value) -> AuditEntry<'static> {
    AuditEntry {
        actor: actor.as_str(),
        action,
        subject_type: "app",
        subject_id: "demo".into(),
        details,
    }
}

pub async fn start(app: &App, actor: Actor, _args: NoArgs) -> Result<AppInfo, ApiError> {
    let at = app.clock.now();
    let now = to_db(at);
    let seeded = app
        .store
        .with_tx(move |tx| -> Result<bool, ApiError> {
            let seeded = demo::seed_once(tx, at)?;
            audit::record(
                tx,
                &now,
                &entry(actor, "demo.start", serde_json::json!({ "seeded": seeded })),
            )?;
            Ok(seeded)
        })
        .await?;
    // The simulator signs its webhooks; without configured secrets it signs with random ones.
    app.set_provider_secrets(demo::random_secrets(app.webhooks.secrets()));
    app.set_demo(true);
    tracing::info!(seeded, "demo mode started");
    app.events.emit(Event::Resync);
    Ok(app.info())
}

pub async fn leave(app: &App, actor: Actor, _args: NoArgs) -> Result<AppInfo, ApiError> {
    let now = to_db(app.clock.now());
    let removed = app
        .store
        .with_tx(move |tx| -> Result<Option<Vec<i64>>, ApiError> {
            let removed = demo::leave(tx)?;
            audit::record(
                tx,
                &now,
                &entry(
                    actor,
                    "demo.leave",
                    serde_json::json!({ "removed": removed.is_some(), "campaigns": removed }),
                ),
            )?;
            Ok(removed)
        })
        .await?;
    app.set_demo(false);
    let campaigns = removed.unwrap_or_default();
    tracing::info!(campaigns = campaigns.len(), "left demo mode");
    // Named deletions, not only the reload: a UI drops a campaign it hears was deleted even if the engine's
    // last word about it (sent as its transaction committed, just before this one) arrives after the reload.
    for id in campaigns {
        app.events.emit(Event::CampaignDeleted { id });
    }
    app.events.emit(Event::Resync);
    Ok(app.info())
}
