//! The live monitor's view of `calls`: board rows joined with their contact, campaign and agent, the live
//! transcript (`call_transcript_lines`), and the status changes a live call goes through before it ends
//! (ringing, in progress, transferred). Endings go through `engine::outcome`, never through here.

use rusqlite::{Connection, Row, params, params_from_iter, types::Value as SqlValue};
use serde::Serialize;

use super::{
    StoreResult,
    attempts::{IN_FLIGHT, IN_FLIGHT_STATUS},
};

/// One transcript turn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TranscriptLine {
    /// `agent` or `contact`.
    pub role: String,
    pub text: String,
    pub at: String,
}

/// A call as the board shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoardCall {
    pub id: i64,
    pub campaign_id: Option<i64>,
    pub campaign_name: Option<String>,
    pub contact_id: Option<i64>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub agent_id: Option<i64>,
    pub agent_name: Option<String>,
    pub provider: String,
    pub provider_call_id: Option<String>,
    pub status: String,
    pub outcome: Option<String>,
    pub disposition: Option<String>,
    pub started_at: Option<String>,
    pub answered_at: Option<String>,
    pub ended_at: Option<String>,
    pub duration_s: Option<f64>,
    pub cost: Option<f64>,
    pub error: Option<String>,
    /// `positive`, `neutral` or `negative` when the analysis says so.
    pub sentiment: Option<String>,
    pub last_line: Option<TranscriptLine>,
    pub created_at: String,
    pub updated_at: String,
}

/// Which calls to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BoardFilter {
    pub campaign_id: Option<i64>,
    pub statuses: Vec<String>,
    pub provider: Option<String>,
    pub ids: Vec<i64>,
    /// Calls that ended before this are left out (calls in flight are always in).
    pub ended_since: Option<String>,
    pub limit: i64,
}

/// A call's sentiment (`calls k`), lower case: the one set live or by the provider (`analysis.sentiment`, a
/// label or `{label}`), else the one the agent collected (`data_collection_results.sentiment.value`: the
/// ElevenLabs post-call analysis, which replaces the whole analysis, keeps it there). A macro so the SQL stays
/// one literal; the board and Analytics use the same text.
macro_rules! sentiment_of_call {
    () => {
        "lower(COALESCE(CASE json_type(k.analysis, '$.sentiment') \
            WHEN 'text' THEN json_extract(k.analysis, '$.sentiment') \
            WHEN 'object' THEN json_extract(k.analysis, '$.sentiment.label') END, \
         CASE json_type(k.analysis, '$.data_collection_results.sentiment.value') \
            WHEN 'text' THEN json_extract(k.analysis, '$.data_collection_results.sentiment.value') END))"
    };
}
pub(crate) use sentiment_of_call;

pub(super) const SELECT: &str = concat!(
    "SELECT k.id, k.campaign_id, cp.name, k.contact_id, ct.name, ct.phone_e164, k.agent_id, ag.name, \
    k.provider, k.provider_call_id, k.status, k.outcome, k.disposition, k.started_at, k.answered_at, k.ended_at, \
    COALESCE(k.duration_s, CASE WHEN k.ended_at IS NOT NULL AND k.answered_at IS NOT NULL \
        THEN ROUND((julianday(k.ended_at) - julianday(k.answered_at)) * 86400.0, 1) END), \
    k.cost, k.error, ",
    sentiment_of_call!(),
    ", tl.role, tl.text, tl.at, k.created_at, k.updated_at \
    FROM calls k \
    LEFT JOIN campaigns cp ON cp.id = k.campaign_id \
    LEFT JOIN contacts ct ON ct.id = k.contact_id \
    LEFT JOIN agents ag ON ag.id = k.agent_id \
    LEFT JOIN call_transcript_lines tl ON tl.id = \
        (SELECT MAX(id) FROM call_transcript_lines WHERE call_id = k.id)"
);

pub(super) fn from_row(r: &Row<'_>) -> rusqlite::Result<BoardCall> {
    let role: Option<String> = r.get(20)?;
    let last_line = match role {
        Some(role) => Some(TranscriptLine {
            role,
            text: r.get(21)?,
            at: r.get(22)?,
        }),
        None => None,
    };
    Ok(BoardCall {
        id: r.get(0)?,
        campaign_id: r.get(1)?,
        campaign_name: r.get(2)?,
        contact_id: r.get(3)?,
        contact_name: r.get(4)?,
        contact_phone: r.get(5)?,
        agent_id: r.get(6)?,
        agent_name: r.get(7)?,
        provider: r.get(8)?,
        provider_call_id: r.get(9)?,
        status: r.get(10)?,
        outcome: r.get(11)?,
        disposition: r.get(12)?,
        started_at: r.get(13)?,
        answered_at: r.get(14)?,
        ended_at: r.get(15)?,
        duration_s: r.get(16)?,
        cost: r.get(17)?,
        error: r.get(18)?,
        sentiment: r.get(19).ok().flatten(),
        last_line,
        created_at: r.get(23)?,
        updated_at: r.get(24)?,
    })
}

/// Calls in flight and those that ended since `ended_since`, newest first.
pub fn list(conn: &Connection, f: &BoardFilter) -> StoreResult<Vec<BoardCall>> {
    let mut clauses: Vec<String> = Vec::new();
    let mut args: Vec<SqlValue> = Vec::new();
    if !f.ids.is_empty() {
        clauses.push(format!("k.id IN ({})", vec!["?"; f.ids.len()].join(",")));
        args.extend(f.ids.iter().map(|i| SqlValue::Integer(*i)));
    } else {
        let since = f.ended_since.clone().unwrap_or_default();
        clauses.push(format!(
            "(k.status IN ({IN_FLIGHT}) OR k.ended_at >= ? OR (k.ended_at IS NULL AND k.updated_at >= ?))"
        ));
        args.push(SqlValue::Text(since.clone()));
        args.push(SqlValue::Text(since));
    }
    if let Some(c) = f.campaign_id {
        clauses.push("k.campaign_id = ?".into());
        args.push(SqlValue::Integer(c));
    }
    if let Some(p) = &f.provider {
        clauses.push("k.provider = ?".into());
        args.push(SqlValue::Text(p.clone()));
    }
    if !f.statuses.is_empty() {
        clauses.push(format!("k.status IN ({})", vec!["?"; f.statuses.len()].join(",")));
        args.extend(f.statuses.iter().map(|s| SqlValue::Text(s.clone())));
    }
    args.push(SqlValue::Integer(f.limit));
    let sql = format!(
        "{SELECT} WHERE {} ORDER BY k.status IN ({IN_FLIGHT}) DESC, k.id DESC LIMIT ?",
        clauses.join(" AND ")
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(args), from_row)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// A contact's calls, newest first.
pub fn for_contact(conn: &Connection, contact_id: i64, limit: i64) -> StoreResult<Vec<BoardCall>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE k.contact_id = ?1 ORDER BY k.id DESC LIMIT ?2"
    ))?;
    let rows = stmt
        .query_map(rusqlite::params![contact_id, limit], from_row)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn get(conn: &Connection, id: i64) -> StoreResult<BoardCall> {
    super::found(
        "call",
        id,
        conn.query_row(&format!("{SELECT} WHERE k.id = ?1"), [id], from_row),
    )
}

/// Moves a call still in flight to `status` (`ringing`, `in_progress`); answering stamps `answered_at`.
/// Returns whether it changed (a call that already ended keeps its ending).
pub fn set_live_status(conn: &Connection, id: i64, status: &str, at: &str) -> StoreResult<bool> {
    let n = conn
        .prepare_cached(&format!(
            "UPDATE calls SET status = ?2, started_at = COALESCE(started_at, ?3), \
             answered_at = CASE WHEN ?2 = 'in_progress' THEN COALESCE(answered_at, ?3) ELSE answered_at END, \
             updated_at = ?3 WHERE id = ?1 AND {IN_FLIGHT_STATUS}"
        ))?
        .execute(params![id, status, at])?;
    Ok(n == 1)
}

/// Marks an ended call as handed to a human (after `engine::outcome` recorded it as answered).
pub fn mark_transferred(conn: &Connection, id: i64, to: &str, at: &str) -> StoreResult<()> {
    conn.execute(
        "UPDATE calls SET status = 'transferred', disposition = COALESCE(disposition, 'transferred'), \
         summary = COALESCE(summary, ?2), updated_at = ?3 WHERE id = ?1",
        params![id, format!("Transferred to {to}"), at],
    )?;
    Ok(())
}

/// Sets what a finished call's analysis said (the simulator's stand-in for a provider's post-call data).
pub fn set_result(
    conn: &Connection,
    id: i64,
    disposition: Option<&str>,
    sentiment: Option<&str>,
    cost: Option<f64>,
) -> StoreResult<()> {
    conn.execute(
        "UPDATE calls SET disposition = COALESCE(?2, disposition), cost = COALESCE(?4, cost), \
         analysis = CASE WHEN ?3 IS NULL THEN analysis ELSE json_set(COALESCE(analysis, '{}'), '$.sentiment', ?3) END \
         WHERE id = ?1",
        params![id, disposition, sentiment, cost],
    )?;
    Ok(())
}

/// Appends live transcript turns.
pub fn append_lines(conn: &Connection, lines: &[(i64, TranscriptLine)]) -> StoreResult<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO call_transcript_lines(call_id, role, text, at) \
         SELECT ?1, ?2, ?3, ?4 WHERE EXISTS(SELECT 1 FROM calls WHERE id = ?1)",
    )?;
    for (call_id, l) in lines {
        stmt.execute(params![call_id, l.role, l.text, l.at])?;
    }
    Ok(())
}

/// A call's transcript: the live turns, else the provider's post-call transcript (a JSON array of turns
/// with `role`/`message` and `time_in_call_secs`, as ElevenLabs sends it).
pub fn transcript(conn: &Connection, call_id: i64) -> StoreResult<Vec<TranscriptLine>> {
    let mut stmt = conn
        .prepare_cached("SELECT role, text, at FROM call_transcript_lines WHERE call_id = ?1 ORDER BY id")?;
    let live: Vec<TranscriptLine> = stmt
        .query_map([call_id], |r| {
            Ok(TranscriptLine {
                role: r.get(0)?,
                text: r.get(1)?,
                at: r.get(2)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    if !live.is_empty() {
        return Ok(live);
    }
    let (stored, base): (Option<String>, Option<String>) = conn.query_row(
        "SELECT transcript, COALESCE(answered_at, started_at, created_at) FROM calls WHERE id = ?1",
        [call_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let turns: Vec<serde_json::Value> = stored
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    Ok(turns
        .iter()
        .filter_map(|t| {
            let text = t.get("message").and_then(|m| m.as_str())?;
            let role = match t.get("role").and_then(|r| r.as_str()) {
                Some("user") | Some("contact") => "contact",
                _ => "agent",
            };
            let offset = t.get("time_in_call_secs").and_then(serde_json::Value::as_f64);
            let at = match (base.as_deref().and_then(crate::clock::from_db), offset) {
                (Some(b), Some(s)) => {
                    crate::clock::to_db(b + jiff::SignedDuration::from_millis((s * 1000.0).round() as i64))
                }
                _ => base.clone().unwrap_or_default(),
            };
            Some(TranscriptLine {
                role: role.into(),
                text: text.into(),
                at,
            })
        })
        .collect())
}

/// A call's contact with its dynamic variables.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallContact {
    pub id: i64,
    pub name: String,
    pub phone_e164: String,
    pub email: String,
    pub language: String,
    pub time_zone: Option<String>,
    pub status: String,
    pub variables: serde_json::Value,
}

pub fn contact_of(conn: &Connection, call_id: i64) -> StoreResult<Option<CallContact>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            "SELECT ct.id, ct.name, ct.phone_e164, ct.email, ct.language, ct.time_zone, ct.status, ct.variables \
             FROM calls k JOIN contacts ct ON ct.id = k.contact_id WHERE k.id = ?1",
            [call_id],
            |r| {
                let vars: String = r.get(7)?;
                Ok(CallContact {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    phone_e164: r.get(2)?,
                    email: r.get(3)?,
                    language: r.get(4)?,
                    time_zone: r.get(5)?,
                    status: r.get(6)?,
                    variables: serde_json::from_str(&vars).unwrap_or(serde_json::Value::Null),
                })
            },
        )
        .optional()?)
}

/// [`stale_in_flight`]'s statement. The in-flight predicate is spelled as the partial index's, so the scan
/// (every 30 s, in a write transaction) visits the calls in flight on `calls_in_flight`, not every call ever
/// made as `status IN (…)` did.
pub(crate) static STALE_IN_FLIGHT_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let k_in_flight = super::attempts::k_in_flight_status();
    format!(
        "SELECT k.id, k.campaign_id, k.status FROM calls k LEFT JOIN campaigns cp ON cp.id = k.campaign_id \
         WHERE {k_in_flight} AND COALESCE(k.started_at, k.created_at) < ?1 \
           AND (cp.status IS NULL OR cp.status != 'running' OR k.updated_at < ?1) LIMIT 200"
    )
});

/// Calls in flight that started before `before` (or never got going since then), with their campaign's
/// status: the watchdog ends those of running campaigns; the rest are stuck.
pub fn stale_in_flight(conn: &Connection, before: &str) -> StoreResult<Vec<(i64, Option<i64>, String)>> {
    let mut stmt = conn.prepare_cached(&STALE_IN_FLIGHT_SQL)?;
    let rows = stmt
        .query_map([before], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// What a dialer needs to find a call at its provider: `(dial_key, provider_call_id)`.
pub fn call_ref(conn: &Connection, id: i64) -> StoreResult<(String, Option<String>)> {
    super::found(
        "call",
        id,
        conn.query_row(
            "SELECT COALESCE(dial_key, ''), provider_call_id FROM calls WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        ),
    )
}

/// One provider event of a call, for its timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProviderEvent {
    pub id: i64,
    pub provider: String,
    pub kind: String,
    pub status: String,
    pub error: Option<String>,
    pub at: String,
    /// What the event said about the call: its status, else its outcome or disposition (`ringing`, `voicemail`).
    pub reported: Option<String>,
}

/// The webhook deliveries matched to a call, oldest first.
pub fn provider_events(conn: &Connection, call_id: i64) -> StoreResult<Vec<ProviderEvent>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, provider, type, status, error, COALESCE(occurred_at, received_at), \
         COALESCE(json_extract(facts, '$.status'), json_extract(facts, '$.outcome'), \
         json_extract(facts, '$.disposition')) FROM call_events \
         WHERE call_id = ?1 AND status != 'duplicate' ORDER BY id",
    )?;
    let rows = stmt
        .query_map([call_id], |r| {
            Ok(ProviderEvent {
                id: r.get(0)?,
                provider: r.get(1)?,
                kind: r.get(2)?,
                status: r.get(3)?,
                error: r.get(4)?,
                at: r.get(5)?,
                reported: r.get(6)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
