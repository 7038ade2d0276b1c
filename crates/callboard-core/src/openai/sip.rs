//! Realtime SIP: `POST /webhooks/openai` on the public listener. Verify the Standard Webhooks signature
//! (bad or stale → 401, recorded and counted like the other providers), journal the event, and only then
//! answer 200. A `realtime.call.incoming` is decided once per OpenAI call id ([`decide`]: accept with the
//! SIP agent's session config, reject outside the org's hours or over capacity, or refer to the profile's
//! transfer number), recorded with a call row on the board, and the decision is sent to OpenAI's REST API
//! after the answer. A redelivery (same `webhook-id`, or the same call id) changes nothing.

use std::sync::Arc;

use axum::{
    Json, Router,
    body::Bytes,
    extract::{DefaultBodyLimit, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
};
use serde::Deserialize;
use serde_json::{Value, json};

pub use super::sip_decide::{Decision, decide};
use super::{rest::CallsClient, settings, setup};
use crate::{
    app::App,
    clock::to_db,
    events::Event,
    secret_store::SecretName,
    store::{
        StoreError, StoreResult,
        call_events::{self, Journaled, NewEvent},
        calls, openai_profiles,
        openai_profiles::SipCall,
    },
    webhooks::{SignatureError, routes::BODY_LIMIT, sig_openai},
};

pub const ROUTE: &str = "openai";
const PROVIDER: &str = "openai";
/// The provider name of SIP call rows (and of their dialer in `CallControls`).
pub const CALL_PROVIDER: &str = "openai-sip";

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route(
            "/webhooks/openai",
            post(incoming).layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
        .with_state(app)
}

#[derive(Debug, Default, Deserialize)]
struct Envelope {
    #[serde(default)]
    id: String,
    #[serde(default, rename = "type")]
    kind: String,
    created_at: Option<i64>,
    #[serde(default)]
    data: IncomingData,
}

#[derive(Debug, Default, Deserialize)]
struct IncomingData {
    #[serde(default)]
    call_id: String,
}

/// What the journal needs from a verified delivery, and the OpenAI call it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipEvent {
    /// The event type (`realtime.call.incoming`, …), `unknown` when the body names none.
    pub kind: String,
    /// `{type}:{webhook-id}` (the same for every redelivery of one event), else `{type}:{body id}`.
    pub idempotency_key: String,
    /// `data.call_id`, empty when absent (checked with `rest::valid_call_id` before use).
    pub call_id: String,
    pub occurred_at: Option<String>,
}

/// Reads a delivery's body leniently (anything verified is journaled, whatever it holds).
pub fn classify(webhook_id: &str, body: &[u8]) -> SipEvent {
    let env: Envelope = serde_json::from_slice(body).unwrap_or_default();
    let kind = if env.kind.is_empty() {
        "unknown".to_owned()
    } else {
        env.kind
    };
    // Standard Webhooks: the webhook-id is the same for every redelivery of one event.
    let idempotency_key = match webhook_id {
        "" => format!("{kind}:{}", env.id),
        id => format!("{kind}:{id}"),
    };
    SipEvent {
        kind,
        idempotency_key,
        call_id: env.data.call_id,
        occurred_at: crate::webhooks::extract::unix_pub(env.created_at),
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

fn answer(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

#[tracing::instrument(skip_all, fields(webhook_id = header(&headers, "webhook-id")))]
async fn incoming(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let credentials = app.credentials();
    let secret = tokio::task::spawn_blocking(move || credentials.get(SecretName::OpenaiWebhookSecret))
        .await
        .ok()
        .and_then(Result::ok)
        .flatten();
    let verdict = sig_openai::verify(
        secret.as_ref().map_or("", |s| s.expose()),
        sig_openai::Headers {
            id: header(&headers, "webhook-id"),
            timestamp: header(&headers, "webhook-timestamp"),
            signature: header(&headers, "webhook-signature"),
        },
        &body,
        app.clock.now(),
    );
    let now = to_db(app.clock.now());
    let mut kept = serde_json::Map::new();
    kept.insert("route".into(), ROUTE.into());
    for name in ["content-type", "user-agent", "webhook-id", "webhook-timestamp"] {
        if !header(&headers, name).is_empty() {
            kept.insert(name.into(), header(&headers, name).into());
        }
    }
    let kept = Value::Object(kept);
    if let Err(e) = verdict {
        return reject(&app, e, kept, now).await;
    }
    let SipEvent {
        kind,
        idempotency_key,
        call_id,
        occurred_at,
    } = classify(header(&headers, "webhook-id"), &body);
    let event = NewEvent {
        provider: PROVIDER,
        kind: kind.clone(),
        idempotency_key,
        headers: kept,
        body: Some(body.to_vec()),
        body_path: None,
        received_at: now.clone(),
        occurred_at,
        sequence: None,
    };
    let id = match app.webhooks.journal_event(event, false).await {
        Ok(Journaled::New(id)) => id,
        Ok(Journaled::Duplicate { id, original }) => {
            emit(&app, id, &kind, "duplicate");
            return answer(
                StatusCode::OK,
                json!({ "status": "duplicate", "id": id, "original": original }),
            );
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot journal an OpenAI webhook; asking OpenAI to retry");
            return answer(
                StatusCode::SERVICE_UNAVAILABLE,
                json!({ "code": "unavailable", "message": "cannot store the event; retry" }),
            );
        }
    };
    emit(&app, id, &kind, "pending");
    if kind == "realtime.call.incoming" && super::rest::valid_call_id(&call_id) {
        match record_decision(&app, id, call_id.clone(), now).await {
            Ok(Some((decision, call, session))) => {
                emit(&app, id, &kind, "applied");
                let row = call.id;
                app.events.emit(Event::CallChanged { call });
                let app = app.clone();
                tokio::spawn(async move { send_decision(&app, &call_id, row, decision, session).await });
            }
            Ok(None) => emit(&app, id, &kind, "applied"),
            Err(e) => tracing::error!(error = %e, "cannot record the SIP call decision"),
        }
    } else {
        let why = if kind == "realtime.call.incoming" {
            "no usable call_id"
        } else {
            "not handled"
        };
        let (at, facts) = (to_db(app.clock.now()), json!({ "ignored": why }).to_string());
        let marked = app
            .store
            .with_tx(move |tx| call_events::mark_applied(tx, id, None, &facts, &at))
            .await;
        match marked {
            Ok(()) => emit(&app, id, &kind, "applied"),
            Err(e) => tracing::error!(error = %e, "cannot mark an OpenAI webhook row"),
        }
    }
    answer(StatusCode::OK, json!({ "status": "accepted", "id": id }))
}

type Recorded = Option<(Decision, calls::Call, Option<Value>)>;

/// Decides and records, in one transaction: the decision row (once per call id), a call row for the board,
/// its prompt version, and the journal row marked applied. `None` when the call was already decided.
async fn record_decision(
    app: &Arc<App>,
    event_id: i64,
    openai_call_id: String,
    now: String,
) -> StoreResult<Recorded> {
    let at = app.clock.now();
    app.store
        .with_tx(move |tx| -> StoreResult<Recorded> {
            if openai_profiles::sip_call(tx, &openai_call_id)?.is_some() {
                let facts = json!({ "duplicate_call": openai_call_id }).to_string();
                call_events::mark_applied(tx, event_id, None, &facts, &now)?;
                return Ok(None);
            }
            let sip = settings::sip(tx)?;
            let setup = match sip.agent_id {
                Some(agent) => match setup::setup_for(tx, agent, &now) {
                    Ok(s) => Some(s),
                    Err(StoreError::NotFound { .. }) => None,
                    Err(e) => return Err(e),
                },
                None => None,
            };
            let in_flight = openai_profiles::sip_calls_in_flight(tx)?;
            let decision = decide(&sip, setup.as_ref().map(|s| &s.profile), at, in_flight);
            let (status, outcome, disposition) = match &decision {
                Decision::Accept => ("in_progress", None, None),
                Decision::Reject { .. } => ("cancelled", Some("cancelled"), Some("rejected")),
                Decision::Refer { .. } => ("transferred", Some("answered"), Some("referred")),
            };
            let call_id = calls::insert_from_webhook(tx, CALL_PROVIDER, Some(&openai_call_id), None, &now)?;
            tx.execute(
                "UPDATE calls SET origin = 'sip', direction = 'inbound', agent_id = ?2, status = ?3, outcome = ?4, \
                 disposition = ?5, started_at = ?6, answered_at = CASE WHEN ?3 = 'in_progress' THEN ?6 END, \
                 ended_at = CASE WHEN ?3 = 'in_progress' THEN NULL ELSE ?6 END, summary = NULLIF(?7, '') WHERE id = ?1",
                rusqlite::params![
                    call_id,
                    setup.as_ref().map(|s| s.agent_id),
                    status,
                    outcome,
                    disposition,
                    now,
                    decision.reason()
                ],
            )?;
            if let (Decision::Accept, Some(version)) = (&decision, setup.as_ref().and_then(|s| s.prompt_version)) {
                openai_profiles::set_call_version(tx, call_id, version)?;
            }
            openai_profiles::record_sip_decision(
                tx,
                &SipCall {
                    openai_call_id: openai_call_id.clone(),
                    call_id: Some(call_id),
                    agent_id: setup.as_ref().map(|s| s.agent_id),
                    decision: decision.name().into(),
                    reason: decision.reason().into(),
                    request_status: "pending".into(),
                    error: None,
                },
                &now,
            )?;
            let facts = json!({ "decision": decision.name(), "reason": decision.reason() }).to_string();
            call_events::mark_applied(tx, event_id, Some(call_id), &facts, &now)?;
            let call = calls::get(tx, call_id)?;
            Ok(Some((decision, call, setup.map(|s| s.session))))
        })
        .await
}

/// Sends the decision to OpenAI and records how it went (a failed accept ends the call row).
async fn send_decision(app: &Arc<App>, call_id: &str, row: i64, decision: Decision, session: Option<Value>) {
    let credentials = app.credentials();
    let creds = tokio::task::spawn_blocking(move || credentials.openai()).await;
    let mut follow = None;
    let result = match creds {
        Ok(Ok(c)) => match c.api_key {
            Some(key) => {
                let client = CallsClient::new(&c.base_url, key.clone());
                let sent = match &decision {
                    Decision::Accept => {
                        client
                            .accept(call_id, session.as_ref().unwrap_or(&Value::Null))
                            .await
                    }
                    Decision::Reject { status_code, .. } => client.reject(call_id, *status_code).await,
                    Decision::Refer { target_uri, .. } => client.refer(call_id, target_uri).await,
                };
                if sent.is_ok() && decision == Decision::Accept {
                    follow = Some((c.base_url.clone(), key));
                }
                sent.map_err(|e| e.to_string())
            }
            None => Err("no OpenAI API key is set".to_owned()),
        },
        _ => Err("cannot read the OpenAI credentials".to_owned()),
    };
    if let Some((base_url, key)) = follow {
        // The live view: transcripts and the end of the call, from the call's control socket.
        tokio::spawn(super::sip_control::follow(
            app.clone(),
            base_url,
            key,
            call_id.to_owned(),
            row,
        ));
    }
    if let Err(e) = &result {
        tracing::warn!(call_id, decision = decision.name(), error = %e, "OpenAI did not take the SIP decision");
    }
    let (id, now, error) = (call_id.to_owned(), to_db(app.clock.now()), result.err());
    let failed_accept = error.is_some() && decision == Decision::Accept;
    let stored = app
        .store
        .with_tx(move |tx| -> StoreResult<()> {
            openai_profiles::finish_sip_request(tx, &id, error.as_deref(), &now)?;
            if failed_accept {
                tx.execute(
                    "UPDATE calls SET status = 'failed', outcome = 'failed', ended_at = ?2, summary = ?3 \
                     WHERE provider = ?4 AND provider_call_id = ?1",
                    rusqlite::params![id, now, error, CALL_PROVIDER],
                )?;
            }
            Ok(())
        })
        .await;
    if let Err(e) = stored {
        tracing::error!(error = %e, "cannot record how the SIP decision went");
    }
}

fn emit(app: &App, id: i64, kind: &str, status: &str) {
    app.events.emit(Event::WebhookReceived {
        id,
        provider: PROVIDER.to_owned(),
        kind: kind.to_owned(),
        status: status.to_owned(),
    });
}

/// Records a failed check without the body, counts it towards the spike alert, answers 401 (429 past the
/// route's budget), as `webhooks::routes` does for the other providers.
async fn reject(app: &Arc<App>, e: SignatureError, kept: Value, now: String) -> Response {
    if !app.webhooks.guard.admit_rejected(ROUTE) {
        return answer(
            StatusCode::TOO_MANY_REQUESTS,
            json!({ "code": "rate_limited", "message": "too many rejected deliveries" }),
        );
    }
    tracing::warn!(provider = PROVIDER, reason = %e, "webhook rejected");
    let error = e.to_string();
    match app
        .store
        .with_tx(move |tx| call_events::reject(tx, PROVIDER, ROUTE, &kept, &error, &now))
        .await
    {
        Ok(id) => emit(app, id, ROUTE, "rejected"),
        Err(err) => tracing::error!(error = %err, "cannot record a rejected webhook"),
    }
    if let Some(n) = app.webhooks.guard.note_rejection(app.clock.now()) {
        app.events.emit(Event::WebhookAlert {
            provider: PROVIDER.to_owned(),
            route: ROUTE.to_owned(),
            rejected: n,
            message: format!(
                "{n} webhooks failed their signature check within a minute: webhook secret mismatch?"
            ),
        });
    }
    answer(
        StatusCode::UNAUTHORIZED,
        json!({ "code": "bad_signature", "message": e.to_string() }),
    )
}
