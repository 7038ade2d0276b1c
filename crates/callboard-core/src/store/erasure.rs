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
    let calls: Vec<(i64, Option<String>)> = conn
        .prepare("SELECT id, recording_path FROM calls WHERE contact_id = ?1")?
        .query_map([contact_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut files: Vec<String> = calls.iter().filter_map(|(_, p)| p.clone()).collect();
    let mut bodies = conn.prepare(
        "SELECT body_path FROM call_events WHERE call_id IN (SELECT id FROM calls WHERE contact_id = ?1) \
         AND body_path IS NOT NULL",
    )?;
    files.extend(
        bodies
            .query_map([contact_id], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?,
    );
    let of_calls = "IN (SELECT id FROM calls WHERE contact_id = ?1)";
    for sql in [
        format!("DELETE FROM call_transcript_lines WHERE call_id {of_calls}"),
        format!("DELETE FROM call_intake WHERE call_id {of_calls}"),
        format!("UPDATE call_tool_calls SET arguments = '{{}}', output = '{{}}' WHERE call_id {of_calls}"),
        format!("UPDATE call_phases SET reason = '' WHERE call_id {of_calls}"),
        format!(
            "UPDATE call_events SET body = NULL, body_path = NULL, headers = '{{}}' WHERE call_id {of_calls}"
        ),
    ] {
        conn.execute(&sql, [contact_id])?;
    }
    conn.execute(
        &format!("UPDATE attention_items SET message = ?2 WHERE call_id {of_calls}"),
        params![contact_id, format!("{ERASED}.")],
    )?;
    conn.execute(
        "UPDATE calls SET transcript = NULL, summary = NULL, analysis = '{}', recording_path = NULL, \
         updated_at = ?2 WHERE contact_id = ?1",
        params![contact_id, now],
    )?;
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
        calls: calls.len(),
        files,
    })
}
