//! Listens to the event bus and keeps what the live monitor needs to remember: live transcript turns (stored
//! so a drawer opened mid-call shows the conversation so far) and "needs attention" items raised from the
//! engine's alerts, the webhook guard's alerts, call outcomes (negative sentiment, opt-outs, escalations)
//! and a periodic scan for calls stuck in flight. An opt-out (said on the call, or collected by the agent)
//! also puts the contact's number on the do-not-call list at once. New and updated items go back on the bus as
//! `attention_changed`, so the sidebar badge and the desktop notification follow.

use std::{sync::Arc, time::Duration};

use jiff::SignedDuration;
use tokio_util::sync::CancellationToken;

use crate::{
    app::App,
    clock::to_db,
    events::Event,
    store::{
        StoreResult,
        attention::{self, NewItem},
        call_board::{self, TranscriptLine},
        dnc,
    },
};

/// A call in flight this long after it started, not ended by the watchdog, is reported as stuck.
pub const STUCK_AFTER: SignedDuration = SignedDuration::from_mins(20);
const SCAN_EVERY: Duration = Duration::from_secs(30);
const FINISHED: [&str; 7] = [
    "completed",
    "no_answer",
    "busy",
    "voicemail",
    "failed",
    "cancelled",
    "transferred",
];

/// What a contact says when they want no more calls.
const OPT_OUT_PHRASES: [&str; 6] = [
    "stop calling",
    "don't call",
    "do not call",
    "remove me",
    "unsubscribe",
    "take me off",
];

/// What an opt-out item adds: the number went on the global do-not-call list as the contact asked.
const ON_THE_LIST: &str = "Their number is now on the do-not-call list.";

/// Title and severity of an alert kind.
pub fn describe(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "circuit_breaker" => ("Circuit breaker tripped", "critical"),
        "stuck_call" => ("Stuck call", "warning"),
        "webhook_signature" => ("Webhook signatures failing", "critical"),
        "webhook_disabled" => ("Provider webhook disabled", "critical"),
        "listener_down" => ("Listener down", "critical"),
        "tunnel_down" => ("Tunnel down", "critical"),
        "escalation" => ("Escalation requested", "warning"),
        "negative_sentiment" => ("Negative call", "info"),
        "opt_out" => ("Opt-out request", "warning"),
        _ => ("Alert", "warning"),
    }
}

fn item(kind: &str, message: String, campaign_id: Option<i64>, call_id: Option<i64>, key: String) -> NewItem {
    let (title, severity) = describe(kind);
    NewItem {
        kind: kind.into(),
        severity,
        title: title.into(),
        message,
        campaign_id,
        call_id,
        dedupe_key: key,
    }
}

/// Starts the recorder and the stuck-call scan; both stop with `shutdown`.
pub fn spawn(app: Arc<App>, shutdown: CancellationToken) -> tokio::task::JoinHandle<()> {
    let mut stream = app.events.subscribe();
    tokio::spawn(async move {
        let mut scan = tokio::time::interval(SCAN_EVERY);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                _ = scan.tick() => {
                    if let Err(e) = scan_stuck(&app).await {
                        tracing::warn!(error = %e, "stuck-call scan failed");
                    }
                }
                batch = stream.next_batch() => {
                    let Some(batch) = batch else { break };
                    if let Err(e) = record(&app, batch).await {
                        tracing::warn!(error = %e, "cannot record live events");
                    }
                }
            }
        }
    })
}

/// Stores one batch of events: transcript turns and attention items.
pub async fn record(app: &App, batch: Vec<Event>) -> StoreResult<()> {
    let mut lines = Vec::new();
    let mut items = Vec::new();
    let mut ended = Vec::new();
    for e in batch {
        match e {
            Event::CallTranscript {
                call_id,
                role,
                text,
                at,
            } => {
                let lower = text.to_lowercase();
                if role == "contact" && OPT_OUT_PHRASES.iter().any(|p| lower.contains(p)) {
                    items.push(item(
                        "opt_out",
                        format!("The contact asked not to be called again: “{text}”. {ON_THE_LIST}"),
                        None,
                        Some(call_id),
                        format!("opt_out:{call_id}"),
                    ));
                }
                lines.push((call_id, TranscriptLine { role, text, at }));
            }
            Event::Alert {
                kind,
                campaign_id,
                message,
            } => {
                let key = format!("{kind}:{}:{message}", campaign_id.unwrap_or(0));
                items.push(item(&kind, message, campaign_id, None, key));
            }
            Event::WebhookAlert {
                provider,
                route,
                rejected,
                message,
            } => items.push(item(
                "webhook_signature",
                format!("{message} ({rejected} rejected on {route})"),
                None,
                None,
                format!("webhook_signature:{provider}:{route}"),
            )),
            Event::CallChanged { call } if FINISHED.contains(&call.status.as_str()) => ended.push(call.id),
            _ => {}
        }
    }
    if lines.is_empty() && items.is_empty() && ended.is_empty() {
        return Ok(());
    }
    let now = to_db(app.clock.now());
    let raised = app
        .store
        .with_tx(move |tx| -> StoreResult<_> {
            call_board::append_lines(tx, &lines)?;
            for id in ended {
                // A call deleted meanwhile has nothing to report; the rest of the batch still counts.
                match call_board::get(tx, id) {
                    Ok(call) => items.extend(outcome_items(&call, collected_opt_out(tx, id)?)),
                    Err(crate::store::StoreError::NotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            let mut raised = Vec::new();
            for i in &items {
                // A call's one-off condition is raised once, even after it was acknowledged.
                if i.call_id.is_some() && attention::ever_raised(tx, &i.dedupe_key)? {
                    continue;
                }
                // Honoured at once, not when someone reads the item: no campaign may call the number again.
                // Once only, so a number a supervisor took off the list stays off.
                if let (Some(call_id), "opt_out") = (i.call_id, i.kind.as_str()) {
                    dnc::opt_out_contact_of_call(tx, call_id, &i.message, &now)?;
                }
                raised.push(attention::raise(tx, i, &now)?.0);
            }
            let open = attention::open_count(tx)?;
            Ok((raised, open))
        })
        .await?;
    let (raised, open) = raised;
    for item in raised {
        app.events.emit(Event::AttentionChanged { item, open });
    }
    Ok(())
}

/// Whether the agent collected an opt-out on the call (a data-collection item `opt_out`, `do_not_call` or
/// the like that is true, or "yes").
fn collected_opt_out(conn: &rusqlite::Connection, call_id: i64) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM calls k, json_each(CASE WHEN json_valid(k.analysis) THEN k.analysis \
             ELSE '{}' END, '$.data_collection_results') d WHERE k.id = ?1 \
             AND (lower(d.key) LIKE '%opt%out%' OR lower(d.key) LIKE '%do%not%call%') \
             AND (json_type(d.value, '$.value') = 'true' OR lower(json_extract(d.value, '$.value')) IN ('yes', 'true')))",
        )?
        .query_row([call_id], |r| r.get(0))?)
}

/// What a finished call needs a human for (`opted_out`: the agent collected an opt-out).
fn outcome_items(call: &call_board::BoardCall, opted_out: bool) -> Vec<NewItem> {
    let who = call
        .contact_name
        .clone()
        .filter(|n| !n.is_empty())
        .or_else(|| call.contact_phone.clone())
        .unwrap_or_else(|| format!("call #{}", call.id));
    let disposition = call.disposition.as_deref().unwrap_or("").to_lowercase();
    let mut out = Vec::new();
    if call.sentiment.as_deref() == Some("negative") {
        out.push(item(
            "negative_sentiment",
            format!("The conversation with {who} went badly; listen to it or call back."),
            call.campaign_id,
            Some(call.id),
            format!("negative_sentiment:{}", call.id),
        ));
    }
    if opted_out || disposition.contains("opt") || disposition.contains("do_not_call") {
        out.push(item(
            "opt_out",
            format!("{who} asked not to be called again. {ON_THE_LIST}"),
            call.campaign_id,
            Some(call.id),
            format!("opt_out:{}", call.id),
        ));
    }
    if disposition.contains("escalat") {
        out.push(item(
            "escalation",
            format!("The agent escalated the call with {who} to a human."),
            call.campaign_id,
            Some(call.id),
            format!("escalation:{}", call.id),
        ));
    }
    out
}

/// Raises an item for each call in flight far longer than any call should last that the watchdog is not
/// going to end (its campaign is not running, or the call stopped changing).
pub async fn scan_stuck(app: &App) -> StoreResult<usize> {
    let now = app.clock.now();
    let before = to_db(now - STUCK_AFTER);
    let stamp = to_db(now);
    let (raised, open) = app
        .store
        .with_tx(move |tx| -> StoreResult<_> {
            let mut raised = Vec::new();
            for (id, campaign_id, status) in call_board::stale_in_flight(tx, &before)? {
                let key = format!("stuck_call:{id}");
                if attention::ever_raised(tx, &key)? {
                    continue;
                }
                let i = item(
                    "stuck_call",
                    format!(
                        "Call #{id} has been {} for over {} minutes; end it or check the provider.",
                        status.replace('_', " "),
                        STUCK_AFTER.as_mins()
                    ),
                    campaign_id,
                    Some(id),
                    key,
                );
                raised.push(attention::raise(tx, &i, &stamp)?.0);
            }
            Ok((raised, attention::open_count(tx)?))
        })
        .await?;
    let n = raised.len();
    for item in raised {
        app.events.emit(Event::AttentionChanged { item, open });
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ended(sentiment: Option<&str>, disposition: Option<&str>) -> call_board::BoardCall {
        call_board::BoardCall {
            id: 7,
            campaign_id: Some(1),
            campaign_name: None,
            contact_id: Some(3),
            contact_name: Some("Noura".into()),
            contact_phone: Some("+96550000000".into()),
            agent_id: None,
            agent_name: None,
            provider: "sim".into(),
            provider_call_id: None,
            status: "completed".into(),
            outcome: Some("answered".into()),
            disposition: disposition.map(Into::into),
            started_at: None,
            answered_at: None,
            ended_at: None,
            duration_s: None,
            cost: None,
            error: None,
            sentiment: sentiment.map(Into::into),
            last_line: None,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    #[test]
    fn a_finished_call_needs_attention_for_negative_sentiment_opt_outs_and_escalations() {
        let kinds = |c, opted_out| {
            outcome_items(&c, opted_out)
                .into_iter()
                .map(|i| i.kind)
                .collect::<Vec<_>>()
        };
        assert!(kinds(ended(Some("positive"), Some("success")), false).is_empty());
        assert_eq!(
            kinds(ended(Some("positive"), Some("success")), true),
            ["opt_out"],
            "collected by the agent"
        );
        assert_eq!(
            kinds(ended(Some("negative"), Some("opt_out")), false),
            ["negative_sentiment", "opt_out"]
        );
        assert_eq!(kinds(ended(None, Some("escalated")), false), ["escalation"]);
        let item = &outcome_items(&ended(Some("negative"), None), false)[0];
        assert_eq!(
            (item.call_id, item.dedupe_key.as_str()),
            (Some(7), "negative_sentiment:7")
        );
        assert!(item.message.contains("Noura"));
    }

    #[test]
    fn every_kind_the_ui_explains_has_a_title() {
        for kind in [
            "circuit_breaker",
            "stuck_call",
            "webhook_signature",
            "webhook_disabled",
            "listener_down",
            "tunnel_down",
            "escalation",
            "negative_sentiment",
            "opt_out",
        ] {
            assert_ne!(describe(kind).0, "Alert", "{kind}");
        }
    }
}
