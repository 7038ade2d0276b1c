//! Reconciliation and the engine task: calls whose dial outcome was never recorded (a crash between claim
//! and dial) or whose lease ran out are asked about at the provider by their dial key, never re-dialed; every
//! answer frees the slot. The task reconciles on start, then steps every tick, and records the last dial
//! results when it stops.

use tokio_util::sync::CancellationToken;

use super::{Engine, TICK};
use crate::{
    clock::to_db,
    engine::{
        claim,
        dialer::{CallRef, Reconciled},
        outcome,
    },
    store::{StoreResult, attempts, engine_step},
};

impl Engine {
    /// Asks the providers about calls whose dial outcome was never recorded or whose lease ran out; an
    /// answer frees the slot (the attempt did not happen, is still going, or ended with an outcome).
    pub async fn reconcile_lost(&mut self) -> StoreResult<usize> {
        let at = self.app.clock.now();
        self.last_reconcile = Some(at);
        let now = to_db(at);
        let lost = self
            .app
            .store
            .read(move |c| attempts::lost_calls(c, &now))
            .await?;
        // Calls whose dial result is waiting for the next step's commit look lost in the store (`queued`), but
        // the engine knows their fate: asking the provider again would be wrong for a provider that forgets.
        let unrecorded: std::collections::HashSet<i64> = self.unrecorded.iter().map(|r| r.call_id).collect();
        let mut settled = 0;
        for attempts::LostCall {
            call_id,
            dial_key,
            provider_call_id,
            provider,
        } in lost
        {
            if unrecorded.contains(&call_id) {
                continue;
            }
            let Some(dialer) = self.dialers.get(&provider) else {
                continue;
            };
            let call = CallRef {
                call_id,
                dial_key,
                provider_call_id,
            };
            let answer = match dialer.reconcile(call).await {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(call_id, error = %e, "reconciliation failed; will retry");
                    continue;
                }
            };
            let at = self.app.clock.now();
            self.app
                .store
                .with_tx(move |tx| -> StoreResult<()> {
                    match answer {
                        Reconciled::NotFound => attempts::release_unplaced(tx, call_id, &to_db(at)),
                        Reconciled::InProgress { provider_call_id } => {
                            attempts::mark_dialed(tx, call_id, &provider_call_id, &to_db(at))?;
                            // A fresh lease, so the same call is not asked about again at once.
                            engine_step::renew_lease(tx, call_id, &to_db(at + claim::LEASE_MARGIN))
                        }
                        Reconciled::Ended {
                            provider_call_id,
                            outcome: o,
                        } => {
                            attempts::mark_dialed(tx, call_id, &provider_call_id, &to_db(at))?;
                            outcome::record(tx, call_id, o, None, at).map(|_| ())
                        }
                    }
                })
                .await?;
            crate::live::publish_calls(&self.app, vec![call_id]).await;
            settled += 1;
        }
        Ok(settled)
    }

    /// Runs the loop until `shutdown`: reconcile first (a restart after a crash), then step every tick.
    pub fn spawn(mut self, shutdown: CancellationToken) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            if let Err(e) = self.reconcile_lost().await {
                tracing::error!(error = %e, "startup reconciliation failed");
            }
            let mut tick = tokio::time::interval(TICK);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    _ = tick.tick() => {}
                }
                if let Err(e) = self.step().await {
                    tracing::error!(error = %e, "engine step failed");
                }
            }
            if let Err(e) = self.flush().await {
                tracing::warn!(error = %e, "cannot record the last dial results; they will be reconciled");
            }
        })
    }
}
