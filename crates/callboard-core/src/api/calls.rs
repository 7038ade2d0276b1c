//! `call.*` commands: the live board (`call.list`), one call with everything about it (`call.get`), and a
//! supervisor's actions on a call in flight (`call.hang_up`, `call.whisper`, `call.transfer`). Actions go to
//! the provider's dialer first; only what the provider accepted is recorded, with an audit row in the same
//! transaction; a refusal is audited too, so the timeline shows every attempt.

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use super::{
    Actor, ApiError, ErrorCode, IdArgs,
    call_results::{self, CallResults},
    call_timeline::{TimelineEntry, timeline},
};
use crate::{
    app::App,
    clock::to_db,
    engine::{CallRef, DialError, dialer::Capabilities, outcome, retry::Outcome},
    events::Event,
    live,
    store::{
        StoreResult,
        audit::{self, AuditEntry, AuditRow},
        call_board::{self, BoardCall, BoardFilter, CallContact, ProviderEvent, TranscriptLine},
        campaigns,
    },
};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    pub campaign_id: Option<i64>,
    /// Only these statuses.
    #[serde(default)]
    pub status: Vec<String>,
    pub provider: Option<String>,
    /// Exactly these calls (the UI fetching rows it heard of by event); the other filters still apply.
    #[serde(default)]
    pub ids: Vec<i64>,
    /// Calls that ended within this many minutes (default 30, at most 1440); calls in flight are always in.
    pub recent_minutes: Option<i64>,
    /// At most this many (default 500, at most 2000); calls in flight first, then newest first.
    pub limit: Option<i64>,
}

pub async fn list(app: &App, _actor: Actor, args: ListArgs) -> Result<Vec<BoardCall>, ApiError> {
    let recent = SignedDuration::from_mins(args.recent_minutes.unwrap_or(30).clamp(0, 1440));
    let filter = BoardFilter {
        campaign_id: args.campaign_id,
        statuses: args.status,
        provider: args.provider,
        ids: args.ids.into_iter().take(2000).collect(),
        ended_since: Some(to_db(app.clock.now() - recent)),
        limit: args.limit.unwrap_or(500).clamp(1, 2000),
    };
    Ok(app.store.read(move |c| call_board::list(c, &filter)).await?)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallDetail {
    pub call: BoardCall,
    pub contact: Option<CallContact>,
    pub transcript: Vec<TranscriptLine>,
    pub timeline: Vec<TimelineEntry>,
    pub audit: Vec<AuditRow>,
    pub provider_events: Vec<ProviderEvent>,
    pub capabilities: Capabilities,
    /// Whether live audio can be listened to now (the call has a media tap).
    pub listenable: bool,
    pub summary: Option<String>,
    /// A recording is kept (`GET /api/calls/{id}/recording` plays it).
    pub has_recording: bool,
    /// The provider's post-call analysis: evaluation, collected data, credits.
    pub results: CallResults,
    /// Whether the agent's recording disclosure was said in the call's opening; `None` when it has none.
    pub disclosure: Option<crate::disclosure::DisclosureCheck>,
}

pub async fn get(app: &App, _actor: Actor, args: IdArgs) -> Result<CallDetail, ApiError> {
    let id = args.id;
    let (call, contact, transcript, audit, provider_events, (summary, has_recording, analysis, disclosure)) =
        app.store
            .read(move |c| -> StoreResult<_> {
                let call = call_board::get(c, id)?;
                let (summary, has_recording, analysis, disclosure): (
                    Option<String>,
                    bool,
                    Option<String>,
                    String,
                ) = c.query_row(
                    "SELECT k.summary, k.recording_path IS NOT NULL, k.analysis, IFNULL(a.disclosure, '') \
                     FROM calls k LEFT JOIN agents a ON a.id = k.agent_id WHERE k.id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )?;
                Ok((
                    call,
                    call_board::contact_of(c, id)?,
                    call_board::transcript(c, id)?,
                    audit::for_subject(c, "call", &id.to_string())?,
                    call_board::provider_events(c, id)?,
                    (summary, has_recording, analysis, disclosure),
                ))
            })
            .await?;
    let timeline = timeline(&call, &provider_events, &audit);
    let disclosure = crate::disclosure::check(&disclosure, &transcript);
    Ok(CallDetail {
        capabilities: app.call_controls.capabilities(&call.provider),
        listenable: app.media_taps.is_live(id),
        call,
        contact,
        transcript,
        timeline,
        audit,
        provider_events,
        summary,
        has_recording,
        results: call_results::results_of(analysis.as_deref().unwrap_or("{}")),
        disclosure,
    })
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhisperArgs {
    pub id: i64,
    pub text: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferArgs {
    pub id: i64,
    /// The human's number, E.164 (`+15551234567`).
    pub to: String,
}

/// What an action on a call answers: the call as it is now.
pub type ActionOut = BoardCall;

enum Action {
    HangUp,
    Whisper(String),
    Transfer(String),
}

impl Action {
    fn name(&self) -> &'static str {
        match self {
            Action::HangUp => "call.hang_up",
            Action::Whisper(_) => "call.whisper",
            Action::Transfer(_) => "call.transfer",
        }
    }
}

pub async fn hang_up(app: &App, actor: Actor, args: IdArgs) -> Result<ActionOut, ApiError> {
    act(app, actor, args.id, Action::HangUp).await
}

pub async fn whisper(app: &App, actor: Actor, args: WhisperArgs) -> Result<ActionOut, ApiError> {
    let text = args.text.trim().to_owned();
    if text.is_empty() || text.chars().count() > 1000 {
        return Err(ApiError::new(
            ErrorCode::Validation,
            "text: the guidance must be 1 to 1000 characters",
        ));
    }
    act(app, actor, args.id, Action::Whisper(text)).await
}

pub async fn transfer(app: &App, actor: Actor, args: TransferArgs) -> Result<ActionOut, ApiError> {
    let to = args.to.trim().replace([' ', '-', '(', ')'], "");
    let digits = to.strip_prefix('+').unwrap_or("");
    if !(8..=15).contains(&digits.len())
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || digits.starts_with('0')
    {
        return Err(ApiError::new(
            ErrorCode::Validation,
            format!("to: '{}' is not an E.164 number like +15551234567", args.to),
        ));
    }
    act(app, actor, args.id, Action::Transfer(to)).await
}

async fn act(app: &App, actor: Actor, id: i64, action: Action) -> Result<ActionOut, ApiError> {
    let (call, (dial_key, provider_call_id)) = app
        .store
        .read(move |c| Ok((call_board::get(c, id)?, call_board::call_ref(c, id)?)))
        .await?;
    if !crate::store::attempts::IN_FLIGHT_STATUSES.contains(&call.status.as_str()) {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!(
                "call #{id} is not in flight (it is {})",
                call.status.replace('_', " ")
            ),
        ));
    }
    let Some(dialer) = app.call_controls.get(&call.provider) else {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!(
                "this instance has no '{}' dialer to act on call #{id}",
                call.provider
            ),
        ));
    };
    let call_ref = CallRef {
        call_id: id,
        dial_key,
        provider_call_id,
    };
    let mut details = match &action {
        Action::HangUp => serde_json::json!({}),
        Action::Whisper(text) => serde_json::json!({ "text": text }),
        Action::Transfer(to) => serde_json::json!({ "to": to }),
    };
    let result = match &action {
        Action::HangUp => dialer.hang_up(call_ref).await,
        Action::Whisper(text) => dialer.whisper(call_ref, text.clone()).await,
        Action::Transfer(to) => dialer.transfer(call_ref, to.clone()).await,
    };
    let name = action.name();
    let at = app.clock.now();
    let now = to_db(at);
    let answered = call.answered_at.is_some() || call.status == "in_progress";
    let failure = result.as_ref().err().cloned();
    details["ok"] = serde_json::json!(failure.is_none());
    if let Some(e) = &failure {
        details["error"] = serde_json::json!(e.to_string());
    }
    let campaign_id = call.campaign_id;
    let ended_campaign = app
        .store
        .with_tx(move |tx| -> StoreResult<_> {
            if failure.is_none() {
                match &action {
                    Action::HangUp => {
                        let o = if answered {
                            Outcome::Answered
                        } else {
                            Outcome::Cancelled
                        };
                        outcome::record(tx, id, o, Some("ended by a supervisor"), at)?;
                    }
                    Action::Transfer(to) => {
                        outcome::record(tx, id, Outcome::Answered, None, at)?;
                        call_board::mark_transferred(tx, id, to, &now)?;
                    }
                    Action::Whisper(_) => {}
                }
            }
            audit::record(
                tx,
                &now,
                &AuditEntry {
                    actor: actor.as_str(),
                    action: name,
                    subject_type: "call",
                    subject_id: id.to_string(),
                    details,
                },
            )?;
            match campaign_id {
                Some(c) if !matches!(action, Action::Whisper(_)) => campaigns::get(tx, c).map(Some),
                _ => Ok(None),
            }
        })
        .await?;
    if let Some(e) = result.err() {
        return Err(dial_error(id, e));
    }
    if let Some(campaign) = ended_campaign {
        app.events.emit(Event::CampaignChanged { campaign });
    }
    live::publish_calls(app, vec![id]).await;
    Ok(app.store.read(move |c| call_board::get(c, id)).await?)
}

fn dial_error(id: i64, e: DialError) -> ApiError {
    match e {
        DialError::Unsupported(m) => ApiError::new(ErrorCode::Conflict, m),
        DialError::Rejected(m) => ApiError::new(
            ErrorCode::Conflict,
            format!("the provider refused the action on call #{id}: {m}"),
        ),
        DialError::Unavailable(m) => ApiError::new(
            ErrorCode::Internal,
            format!("the provider could not be reached for call #{id}: {m}"),
        ),
    }
}
