//! Incoming SIP calls journaled but never decided, because the app stopped between the two. OpenAI does not
//! resend a delivery it had a 200 for, and by the next start the caller has been dropped, so answering late
//! would reach nobody. At start-up each such row is closed as missed (applied, with why in its facts) and
//! the supervisor gets one "Missed incoming calls" item naming who called. Before this, the generic journal
//! recovery failed the rows with "unknown provider openai" and tried them again at every start.

use rusqlite::{Connection, params};
use serde::Deserialize;
use serde_json::json;

use crate::{
    app::App,
    clock::to_db,
    events::Event,
    store::{
        StoreResult,
        attention::{self, AttentionItem, NewItem},
        call_events,
    },
};

/// Why a missed row was closed, kept in its facts.
pub const MISSED: &str = "the app stopped before this call was answered";

#[derive(Debug, Default, Deserialize)]
struct Body {
    #[serde(default)]
    data: Data,
}

#[derive(Debug, Default, Deserialize)]
struct Data {
    #[serde(default)]
    sip_headers: Vec<SipHeader>,
}

#[derive(Debug, Deserialize)]
struct SipHeader {
    name: String,
    value: String,
}

/// The caller as the SIP `From` header names them: the number (or SIP user) between `sip:` and `@`, else
/// the whole header; `None` when the body has no `From`.
pub fn caller(body: &[u8]) -> Option<String> {
    let body: Body = serde_json::from_slice(body).unwrap_or_default();
    let from = body
        .data
        .sip_headers
        .into_iter()
        .find(|h| h.name.eq_ignore_ascii_case("from"))?
        .value;
    let user = from
        .split_once("sip:")
        .or_else(|| from.split_once("tel:"))
        .map(|(_, rest)| rest.split(['@', '>', ';']).next().unwrap_or(rest));
    Some(user.unwrap_or(&from).trim().to_owned()).filter(|s| !s.is_empty())
}

/// Incoming calls left undecided. Spelled as the unapplied index's own condition (`status = 'pending' OR
/// status = 'failed'`), which the planner can match: with `IN (…)` it scanned the whole journal at every start.
const UNDECIDED_SQL: &str = "SELECT id, received_at, body FROM call_events WHERE provider = 'openai' \
     AND type = 'realtime.call.incoming' AND (status = 'pending' OR status = 'failed') AND received_at < ?1 ORDER BY id";

/// Closes the incoming-call rows received before `started_at` that were never decided; raises one item
/// for them (bumped when it is still open). Returns the item when there was anything to close.
pub fn close_missed(conn: &Connection, started_at: &str, now: &str) -> StoreResult<Option<AttentionItem>> {
    let mut stmt = conn.prepare(UNDECIDED_SQL)?;
    let rows = stmt
        .query_map(params![started_at], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<Vec<u8>>>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    if rows.is_empty() {
        return Ok(None);
    }
    let mut who = Vec::new();
    for (id, received_at, body) in &rows {
        let from = body.as_deref().and_then(caller);
        let facts = json!({ "ignored": MISSED, "from": from }).to_string();
        call_events::mark_applied(conn, *id, None, &facts, now)?;
        who.push(format!(
            "{} at {}",
            from.as_deref().unwrap_or("an unknown caller"),
            received_at
        ));
    }
    let message = format!(
        "{} incoming call{} reached the SIP line while Callboard was stopping and {} not answered: {}.",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" },
        if rows.len() == 1 { "was" } else { "were" },
        who.join(", ")
    );
    let item = NewItem {
        kind: "missed_call".into(),
        severity: "warning",
        title: "Missed incoming calls".into(),
        message,
        campaign_id: None,
        call_id: None,
        dedupe_key: "sip_missed".into(),
    };
    Ok(Some(attention::raise(conn, &item, now)?.0))
}

/// Runs [`close_missed`] as the app starts (before the listeners, so no live delivery is in flight), and
/// tells the UI about the item.
pub fn close_missed_at_start(app: &App) {
    let now = to_db(app.clock.now());
    let closed = app.store.with_tx_blocking({
        let now = now.clone();
        move |tx| close_missed(tx, &now, &now)
    });
    match closed {
        Ok(Some(item)) => {
            tracing::warn!(message = %item.message, "incoming SIP calls were missed while the app was stopped");
            let open = app.store.read_blocking(attention::open_count).unwrap_or(0);
            app.events.emit(Event::AttentionChanged { item, open });
        }
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "cannot close the SIP calls missed while the app was stopped"),
    }
}

#[cfg(test)]
mod tests {
    use super::caller;

    #[test]
    fn the_start_up_sweep_reads_only_unapplied_rows() -> Result<(), Box<dyn std::error::Error>> {
        let store = crate::store::Store::open_in_memory()?;
        let plan = store.read_blocking(|c| crate::store::query_plan::query_plan(c, super::UNDECIDED_SQL))?;
        assert!(
            plan.iter()
                .any(|l| l.contains("USING INDEX call_events_unapplied")),
            "{plan:?}"
        );
        Ok(())
    }

    #[test]
    fn the_caller_comes_from_the_sip_from_header() {
        let body = br#"{"data":{"sip_headers":[{"name":"From","value":"\"Jane\" <sip:+14155550100@trunk.example.net>;tag=as1"}]}}"#;
        assert_eq!(caller(body).as_deref(), Some("+14155550100"));
        let tel = br#"{"data":{"sip_headers":[{"name":"from","value":"<tel:+96522001234>"}]}}"#;
        assert_eq!(caller(tel).as_deref(), Some("+96522001234"));
        let odd = br#"{"data":{"sip_headers":[{"name":"From","value":"anonymous"}]}}"#;
        assert_eq!(caller(odd).as_deref(), Some("anonymous"));
        assert_eq!(caller(br#"{"data":{}}"#), None);
        assert_eq!(caller(b"not json"), None);
    }
}
