//! What a Realtime call does to the rest of the product: phase changes (stored and emitted), escalations
//! (an attention item, the bus, and a transfer through the call controls when the policy says so), tool
//! calls logged, the intake stored, usage and cost added, the end reason kept. Failures here are logged
//! and never end the call: the conversation matters more than its bookkeeping.

use crate::{
    app::App,
    clock::to_db,
    engine::dialer::CallRef,
    events::Event,
    store::{StoreResult, attention, call_board, call_intake, call_phases, call_realtime, call_tool_calls},
};

use super::{
    EscalationPolicy,
    cost::{self, Prices, Usage},
    phase::Phase,
};

/// The call a session runs for.
#[derive(Debug, Clone)]
pub struct CallInfo {
    pub call_id: i64,
    pub campaign_id: Option<i64>,
    /// The carrier (`twilio`, `exotel`): whose call controls transfer it.
    pub provider: String,
}

fn log_err<T>(call_id: i64, what: &str, r: StoreResult<T>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::error!(call_id, error = %e, "cannot store the call's {what}");
            None
        }
    }
}

/// Records and announces a phase change.
pub async fn set_phase(app: &App, call_id: i64, phase: Phase, reason: &str, source: &str) {
    let change = call_phases::PhaseChange {
        phase: phase.as_str().to_owned(),
        reason: reason.to_owned(),
        source: source.to_owned(),
        at: to_db(app.clock.now()),
    };
    let stored = change.clone();
    let r = app
        .store
        .with_tx(move |tx| call_phases::record(tx, call_id, &stored))
        .await;
    if log_err(call_id, "phase", r).is_some() {
        app.events.emit(Event::CallPhase {
            call_id,
            phase: change.phase,
            reason: change.reason,
            source: change.source,
            at: change.at,
        });
    }
}

/// Flags the call for a supervisor. Returns whether a transfer was started and a line for the model.
pub async fn escalate(
    app: &App,
    call: &CallInfo,
    policy: &EscalationPolicy,
    reason: &str,
    urgency: &str,
    source: &str,
) -> (bool, String) {
    let severity = match urgency {
        "emergency" | "high" => "critical",
        _ => "warning",
    };
    let item = attention::NewItem {
        kind: "escalation".into(),
        severity,
        title: format!("Call #{} needs a person ({urgency})", call.call_id),
        message: reason.to_owned(),
        campaign_id: call.campaign_id,
        call_id: Some(call.call_id),
        dedupe_key: format!("escalation:call:{}", call.call_id),
    };
    let now = to_db(app.clock.now());
    let raised = app
        .store
        .with_tx(move |tx| -> StoreResult<_> {
            let (item, _) = attention::raise(tx, &item, &now)?;
            Ok((item, attention::open_count(tx)?))
        })
        .await;
    if let Some((item, open)) = log_err(call.call_id, "escalation", raised) {
        app.events.emit(Event::AttentionChanged { item, open });
    }
    set_phase(app, call.call_id, Phase::Escalation, reason, source).await;
    let Some(number) = policy.transfer_number() else {
        return (false, "A supervisor has been alerted and will follow up.".into());
    };
    match transfer(app, call, number).await {
        Ok(()) => (true, format!("Transferring the caller to {number} now.")),
        Err(e) => {
            tracing::warn!(call_id = call.call_id, error = %e, "escalation transfer failed");
            (
                false,
                "A supervisor has been alerted; the transfer failed, so stay with the caller.".into(),
            )
        }
    }
}

/// Hands the call to `number` through the carrier's call controls.
pub async fn transfer(app: &App, call: &CallInfo, number: &str) -> Result<(), String> {
    let dialer = app
        .call_controls
        .get(&call.provider)
        .ok_or_else(|| format!("no '{}' call controls to transfer with", call.provider))?;
    let id = call.call_id;
    let (dial_key, provider_call_id) = app
        .store
        .read(move |c| call_board::call_ref(c, id))
        .await
        .map_err(|e| e.to_string())?;
    dialer
        .transfer(
            CallRef {
                call_id: id,
                dial_key,
                provider_call_id,
            },
            number.to_owned(),
        )
        .await
        .map_err(|e| e.to_string())
}

pub async fn record_tool(app: &App, call_id: i64, call: call_tool_calls::ToolCall) {
    let r = app
        .store
        .with_tx(move |tx| call_tool_calls::record(tx, call_id, &call))
        .await;
    log_err(call_id, "tool call", r);
}

pub async fn store_intake(app: &App, call_id: i64, data: serde_json::Value) -> bool {
    let at = to_db(app.clock.now());
    let r = app
        .store
        .with_tx(move |tx| call_intake::put(tx, call_id, &data, &at))
        .await;
    log_err(call_id, "intake", r).is_some()
}

pub async fn start_session(app: &App, call_id: i64, model: &str, prompt_version: Option<i64>) {
    let (model, at) = (model.to_owned(), to_db(app.clock.now()));
    let r = app
        .store
        .with_tx(move |tx| call_realtime::start(tx, call_id, &model, prompt_version, &at))
        .await;
    log_err(call_id, "Realtime session", r);
}

pub async fn add_usage(app: &App, call_id: i64, usage: Usage, prices: &Prices) {
    let micros = cost::cost_micros(&usage, prices);
    let at = to_db(app.clock.now());
    let r = app
        .store
        .with_tx(move |tx| call_realtime::add_usage(tx, call_id, &usage, micros, &at))
        .await;
    log_err(call_id, "usage", r);
}

pub async fn ended(app: &App, call_id: i64, reason: &str) {
    let (reason, at) = (reason.to_owned(), to_db(app.clock.now()));
    let r = app
        .store
        .with_tx(move |tx| call_realtime::set_ended(tx, call_id, &reason, &at))
        .await;
    log_err(call_id, "end reason", r);
}

/// Flags the call without escalating it (a high-priority word).
pub async fn flag(app: &App, call: &CallInfo, why: &str) {
    let item = attention::NewItem {
        kind: "priority".into(),
        severity: "warning",
        title: format!("Call #{} may be high priority", call.call_id),
        message: why.to_owned(),
        campaign_id: call.campaign_id,
        call_id: Some(call.call_id),
        dedupe_key: format!("priority:call:{}", call.call_id),
    };
    let now = to_db(app.clock.now());
    let raised = app
        .store
        .with_tx(move |tx| -> StoreResult<_> {
            let (item, _) = attention::raise(tx, &item, &now)?;
            Ok((item, attention::open_count(tx)?))
        })
        .await;
    if let Some((item, open)) = log_err(call.call_id, "priority flag", raised) {
        app.events.emit(Event::AttentionChanged { item, open });
    }
}
