//! Forgetting a person (a data-subject erasure request): everything Callboard keeps that a person said or that
//! describes them goes, in one transaction: the contact's name, e-mail, external id and variables; every call's
//! transcript, live transcript lines, summary, analysis, intake, tool arguments and outputs; the raw webhook
//! bodies of those calls; quotes in attention items and do-not-call reasons. What stays is what keeps the
//! promise not to call them: the number on the global do-not-call list, and the calls as bare facts (when,
//! how long, outcome, cost) so the figures still add up. Files (recordings, large webhook bodies) are
//! returned for the caller to delete once the transaction has committed.

use rusqlite::{Connection, params};

use super::{StoreError, StoreResult, dnc};

/// What was erased, and the files (relative to the data dir) to delete now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Forgotten {
    pub phone_e164: String,
    pub calls: usize,
    pub files: Vec<String>,
}

/// The reason kept on the do-not-call list instead of anything the person said.
pub const ERASED: &str = "Erased at the person's request";

/// Erases contact `contact_id` (see the module doc); the contact row stays, emptied, with status `deleted`.
pub fn forget_contact(conn: &Connection, contact_id: i64, now: &str) -> StoreResult<Forgotten> {
    use rusqlite::OptionalExtension;
    let phone: String = conn
        .query_row(
            "SELECT phone_e164 FROM contacts WHERE id = ?1",
            [contact_id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| StoreError::NotFound {
            what: "contact",
            id: contact_id.to_string(),
        })?;
    let (calls, files) = erase_calls(conn, "contact_id = ?1", contact_id, now)?;
    dnc::add(conn, &phone, None, "erasure", ERASED, now)?;
    conn.execute(
        "UPDATE dnc_entries SET reason = ?2 WHERE phone_e164 = ?1",
        params![phone, ERASED],
    )?;
    conn.execute(
        "UPDATE contacts SET name = '', email = '', external_id = '', consent_basis = '', variables = '{}', \
         language = '', status = 'deleted', updated_at = ?2 WHERE id = ?1",
        params![contact_id, now],
    )?;
    Ok(Forgotten {
        phone_e164: phone,
        calls,
        files,
    })
}

/// Erases one call's content (a caller with no contact record, e.g. an incoming SIP call): what they said
/// and the webhook bodies go, the call stays as a bare fact. `NotFound` when there is no such call.
pub fn forget_call(conn: &Connection, call_id: i64, now: &str) -> StoreResult<Forgotten> {
    let (calls, files) = erase_calls(conn, "id = ?1", call_id, now)?;
    if calls == 0 {
        return Err(StoreError::NotFound {
            what: "call",
            id: call_id.to_string(),
        });
    }
    Ok(Forgotten {
        phone_e164: String::new(),
        calls,
        files,
    })
}

/// Erases the content of the calls `calls.{which}` selects (bound to `?1` = `key`); returns how many calls
/// and the files to delete.
fn erase_calls(conn: &Connection, which: &str, key: i64, now: &str) -> StoreResult<(usize, Vec<String>)> {
    let calls: Vec<(i64, Option<String>)> = conn
        .prepare(&format!("SELECT id, recording_path FROM calls WHERE {which}"))?
        .query_map([key], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut files: Vec<String> = calls.iter().filter_map(|(_, p)| p.clone()).collect();
    let of_calls = format!("IN (SELECT id FROM calls WHERE {which})");
    let mut bodies = conn.prepare(&format!(
        "SELECT body_path FROM call_events WHERE call_id {of_calls} AND body_path IS NOT NULL"
    ))?;
    files.extend(
        bodies
            .query_map([key], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?,
    );
    for sql in [
        format!("DELETE FROM call_transcript_lines WHERE call_id {of_calls}"),
        format!("DELETE FROM call_intake WHERE call_id {of_calls}"),
        format!("UPDATE call_tool_calls SET arguments = '{{}}', output = '{{}}' WHERE call_id {of_calls}"),
        format!("UPDATE call_phases SET reason = '' WHERE call_id {of_calls}"),
        format!(
            "UPDATE call_events SET body = NULL, body_path = NULL, headers = '{{}}' WHERE call_id {of_calls}"
        ),
    ] {
        conn.execute(&sql, [key])?;
    }
    conn.execute(
        &format!("UPDATE attention_items SET message = ?2 WHERE call_id {of_calls}"),
        params![key, format!("{ERASED}.")],
    )?;
    conn.execute(
        &format!(
            "UPDATE calls SET transcript = NULL, summary = NULL, analysis = '{{}}', recording_path = NULL, \
             updated_at = ?2 WHERE {which}"
        ),
        params![key, now],
    )?;
    Ok((calls.len(), files))
}
