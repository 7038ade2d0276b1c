//! One contact with everything about them, for the Contacts page's drawer: their details, the campaigns they
//! are in (and where each stands with them), their calls newest first, and their do-not-call entries.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::{
    StoreResult,
    call_board::{self, BoardCall},
    contacts::{CONTACT_COLUMNS, ContactRow, contact_row},
    dnc::{self, DncEntry},
};

/// Most calls listed.
const CALLS_MAX: i64 = 100;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Membership {
    pub campaign_id: i64,
    pub campaign_name: String,
    /// `pending`, `dialing`, `retry_wait`, `done`, `suppressed`, …
    pub state: String,
    pub attempts: i64,
    /// Why they are waiting or set aside (`retry_delay`, `callback_later`, `dnc`, …); empty when nothing.
    pub wait_reason: String,
    pub next_attempt_at: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContactDetail {
    pub contact: ContactRow,
    pub campaigns: Vec<Membership>,
    pub calls: Vec<BoardCall>,
    pub dnc: Vec<DncEntry>,
}

fn contact(conn: &Connection, id: i64) -> StoreResult<ContactRow> {
    super::found(
        "contact",
        id,
        conn.query_row(
            &format!("SELECT {CONTACT_COLUMNS}, NULL, c.created_at FROM contacts c WHERE c.id = ?1"),
            [id],
            contact_row,
        ),
    )
}

/// Where a contact stands in each campaign. No index leads with `contact_id` (one would cost every imported
/// member a B-tree insert), so the few campaigns drive the loop (CROSS JOIN keeps that order) and each is a
/// primary-key lookup, instead of a scan of every campaign's members.
const MEMBERSHIPS_SQL: &str = "SELECT cc.campaign_id, cp.name, cc.state, cc.attempts, IFNULL(cc.wait_reason, ''), \
     CASE WHEN cc.next_attempt_at IS NULL AND cc.state = 'pending' THEN cc.created_at ELSE cc.next_attempt_at END \
     FROM campaigns cp CROSS JOIN campaign_contacts cc \
     ON cc.campaign_id = cp.id AND cc.contact_id = ?1 ORDER BY cp.id DESC";

pub fn get(conn: &Connection, id: i64) -> StoreResult<ContactDetail> {
    let contact = contact(conn, id)?;
    let campaigns = conn
        .prepare_cached(MEMBERSHIPS_SQL)?
        .query_map([id], |r| {
            Ok(Membership {
                campaign_id: r.get(0)?,
                campaign_name: r.get(1)?,
                state: r.get(2)?,
                attempts: r.get(3)?,
                wait_reason: r.get(4)?,
                next_attempt_at: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let calls = call_board::for_contact(conn, id, CALLS_MAX)?;
    let (dnc, _) = dnc::list(conn, &contact.phone_e164, None, 50)?;
    let dnc = dnc
        .into_iter()
        .filter(|e| e.phone_e164 == contact.phone_e164)
        .collect();
    Ok(ContactDetail {
        contact,
        campaigns,
        calls,
        dnc,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn memberships_are_primary_key_lookups_per_campaign() -> Result<(), Box<dyn std::error::Error>> {
        let store = super::super::Store::open_in_memory()?;
        let plan =
            store.read_blocking(|c| super::super::query_plan::query_plan(c, super::MEMBERSHIPS_SQL))?;
        assert!(
            plan.iter().any(
                |l| l.contains("campaign_contacts USING") && l.contains("PRIMARY KEY")
                    || l.contains("sqlite_autoindex_campaign_contacts")
            ),
            "{plan:?}"
        );
        assert!(!plan.iter().any(|l| l.starts_with("SCAN cc")), "{plan:?}");
        Ok(())
    }
}
