//! What the call drawer shows about an AI agent call and a supervisor's overrides: `call.agent_state`
//! (phase and its history, the structured intake, the model's tool calls, usage and cost, the prompt
//! version), `call.escalate` and `call.set_phase` (audited, and told to the call's live Realtime
//! conversation, bridged or SIP, so the model knows at once), and `campaign.realtime_cost`.

use serde::{Deserialize, Serialize};

use super::{Actor, ApiError, ErrorCode, IdArgs};
use crate::{
    app::App,
    clock::to_db,
    openai::realtime::{actions, live::Steer, phase::Phase},
    store::{
        StoreError, StoreResult,
        audit::{self, AuditEntry},
        call_intake::{self, Intake},
        call_phases::{self, PhaseChange},
        call_realtime::{self, RealtimeCall},
        call_tool_calls::{self, ToolCall},
    },
};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentState {
    pub call_id: i64,
    /// The current phase; `None` before an agent session started.
    pub phase: Option<String>,
    pub phases: Vec<PhaseChange>,
    pub intake: Option<Intake>,
    pub tool_calls: Vec<ToolCall>,
    /// Model, prompt version, usage, cost (micro-USD) and end reason of the Realtime session.
    pub realtime: Option<RealtimeCall>,
}

fn not_found(id: i64) -> ApiError {
    ApiError::new(ErrorCode::NotFound, format!("call #{id} does not exist"))
}

async fn state(app: &App, id: i64) -> Result<AgentState, ApiError> {
    let found = app
        .store
        .read(move |c| -> StoreResult<_> {
            if call_realtime::call_context(c, id)?.is_none() {
                return Ok(None);
            }
            Ok(Some((
                call_phases::history(c, id)?,
                call_intake::get(c, id)?,
                call_tool_calls::list(c, id)?,
                call_realtime::get(c, id)?,
            )))
        })
        .await?;
    let (phases, intake, tool_calls, realtime) = found.ok_or_else(|| not_found(id))?;
    Ok(AgentState {
        call_id: id,
        phase: phases.last().map(|p| p.phase.clone()),
        phases,
        intake,
        tool_calls,
        realtime,
    })
}

pub async fn agent_state(app: &App, _actor: Actor, args: IdArgs) -> Result<AgentState, ApiError> {
    state(app, args.id).await
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalateArgs {
    pub id: i64,
    #[serde(default)]
    pub reason: Option<String>,
    /// Also transfer the call to this E.164 number now.
    #[serde(default)]
    pub transfer_to: Option<String>,
}

async fn audit_action(
    app: &App,
    actor: Actor,
    id: i64,
    action: &'static str,
    details: serde_json::Value,
) -> Result<(), ApiError> {
    let now = to_db(app.clock.now());
    app.store
        .with_tx(move |tx| {
            audit::record(
                tx,
                &now,
                &AuditEntry {
                    actor: actor.as_str(),
                    action,
                    subject_type: "call",
                    subject_id: id.to_string(),
                    details,
                },
            )
        })
        .await?;
    Ok(())
}

async fn call_info(app: &App, id: i64) -> Result<actions::CallInfo, ApiError> {
    let ctx = app
        .store
        .read(move |c| call_realtime::call_context(c, id))
        .await?
        .ok_or_else(|| not_found(id))?;
    Ok(actions::CallInfo {
        call_id: id,
        campaign_id: ctx.campaign_id,
        provider: ctx.provider,
    })
}

pub async fn escalate(app: &App, actor: Actor, args: EscalateArgs) -> Result<AgentState, ApiError> {
    let call = call_info(app, args.id).await?;
    let reason = args
        .reason
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| "a supervisor escalated the call".into());
    let to = args
        .transfer_to
        .map(|t| t.trim().replace([' ', '-', '(', ')'], ""));
    if let Some(t) = &to {
        let digits = t.strip_prefix('+').unwrap_or("");
        if !(8..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::new(
                ErrorCode::Validation,
                format!("transfer_to: '{t}' is not an E.164 number like +15551234567"),
            ));
        }
    }
    let policy = crate::openai::realtime::EscalationPolicy {
        transfer_on_escalation: to.is_some(),
        transfer_to: to.clone(),
    };
    let (transferred, _) = actions::escalate(app, &call, &policy, &reason, "high", "supervisor").await;
    let told_model = app.realtime_live.tell(
        call.call_id,
        Steer::Escalated {
            reason: reason.clone(),
            transferring: transferred,
        },
    );
    audit_action(
        app,
        actor,
        call.call_id,
        "call.escalate",
        serde_json::json!({"reason": reason, "transfer_to": to, "transferred": transferred, "told_model": told_model}),
    )
    .await?;
    if to.is_some() && !transferred {
        return Err(ApiError::new(
            ErrorCode::Upstream,
            format!("call #{} was escalated but the transfer failed", call.call_id),
        ));
    }
    state(app, call.call_id).await
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetPhaseArgs {
    pub id: i64,
    pub phase: String,
    #[serde(default)]
    pub reason: Option<String>,
}

pub async fn set_phase(app: &App, actor: Actor, args: SetPhaseArgs) -> Result<AgentState, ApiError> {
    let phase = Phase::parse(&args.phase).ok_or_else(|| {
        ApiError::new(
            ErrorCode::Validation,
            format!(
                "phase: '{}' is not one of greeting, intake, clarification, escalation, completed",
                args.phase
            ),
        )
    })?;
    let call = call_info(app, args.id).await?;
    let reason = args.reason.unwrap_or_else(|| "set by a supervisor".into());
    actions::set_phase(app, call.call_id, phase, &reason, "supervisor").await;
    let told_model = app.realtime_live.tell(
        call.call_id,
        Steer::Phase {
            phase,
            reason: reason.clone(),
        },
    );
    audit_action(
        app,
        actor,
        call.call_id,
        "call.set_phase",
        serde_json::json!({"phase": phase.as_str(), "reason": reason, "told_model": told_model}),
    )
    .await?;
    state(app, call.call_id).await
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampaignCost {
    pub campaign_id: i64,
    /// Calls with a Realtime session.
    pub calls: i64,
    pub cost_micros: f64,
}

pub async fn campaign_cost(app: &App, _actor: Actor, args: IdArgs) -> Result<CampaignCost, ApiError> {
    let id = args.id;
    let (calls, cost_micros) = app
        .store
        .read(move |c| {
            crate::store::campaigns::get(c, id)?;
            call_realtime::campaign_cost(c, id)
        })
        .await
        .map_err(|e| match e {
            StoreError::NotFound { .. } => {
                ApiError::new(ErrorCode::NotFound, format!("campaign #{id} does not exist"))
            }
            other => other.into(),
        })?;
    Ok(CampaignCost {
        campaign_id: id,
        calls,
        cost_micros,
    })
}
