//! Queries on `contacts` and `campaign_contacts` for import: upsert by E.164 (re-importing a file updates, never
//! duplicates) and campaign membership with `INSERT OR IGNORE`.

use std::collections::HashSet;

use rusqlite::{Connection, params};

use super::StoreResult;

/// A contact ready to store (already validated and normalised).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewContact {
    pub phone_e164: String,
    pub alt_phone_e164: String,
    pub name: String,
    pub email: String,
    pub language: String,
    pub time_zone: Option<String>,
    /// JSON array of every zone.
    pub time_zones: String,
    pub time_zone_source: &'static str,
    pub consent_basis: String,
    pub external_id: String,
    pub notes: String,
    /// JSON object of dynamic variables.
    pub variables: String,
}

const UPSERT: &str = "INSERT INTO contacts(phone_e164, alt_phone_e164, name, email, language, time_zone, time_zones,
                          time_zone_source, consent_basis, external_id, notes, variables, created_at, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)
     ON CONFLICT(phone_e164) DO UPDATE SET
         alt_phone_e164 = COALESCE(NULLIF(excluded.alt_phone_e164, ''), alt_phone_e164),
         name = COALESCE(NULLIF(excluded.name, ''), name),
         email = COALESCE(NULLIF(excluded.email, ''), email),
         language = COALESCE(NULLIF(excluded.language, ''), language),
         time_zone = excluded.time_zone,
         time_zones = excluded.time_zones,
         time_zone_source = excluded.time_zone_source,
         consent_basis = COALESCE(NULLIF(excluded.consent_basis, ''), consent_basis),
         external_id = COALESCE(NULLIF(excluded.external_id, ''), external_id),
         notes = COALESCE(NULLIF(excluded.notes, ''), notes),
         variables = json_patch(variables, excluded.variables),
         updated_at = excluded.updated_at
     RETURNING id";

const INSERT_NEW: &str = "INSERT INTO contacts(phone_e164, alt_phone_e164, name, email, language, time_zone, time_zones,
                          time_zone_source, consent_basis, external_id, notes, variables, created_at, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)";

const ADD_TO_CAMPAIGN: &str =
    "INSERT OR IGNORE INTO campaign_contacts(campaign_id, contact_id, created_at, updated_at)
     VALUES (?1, ?2, ?3, ?3)";

/// Writes imported contacts with its two statements prepared once (per transaction), not looked up per row.
pub struct ImportWriter<'c> {
    conn: &'c Connection,
    insert: rusqlite::CachedStatement<'c>,
    upsert: rusqlite::CachedStatement<'c>,
    add: rusqlite::CachedStatement<'c>,
}

impl<'c> ImportWriter<'c> {
    pub fn new(conn: &'c Connection) -> StoreResult<Self> {
        Ok(ImportWriter {
            conn,
            insert: conn.prepare_cached(INSERT_NEW)?,
            upsert: conn.prepare_cached(UPSERT)?,
            add: conn.prepare_cached(ADD_TO_CAMPAIGN)?,
        })
    }

    /// Inserts a contact believed new (a plain insert is cheaper than an upsert); if the number exists after
    /// all (another writer added it), updates it instead. Returns the contact's id.
    pub fn insert_new(&mut self, c: &NewContact, now: &str) -> StoreResult<i64> {
        let inserted = self.insert.execute(params![
            c.phone_e164,
            c.alt_phone_e164,
            c.name,
            c.email,
            c.language,
            c.time_zone,
            c.time_zones,
            c.time_zone_source,
            c.consent_basis,
            c.external_id,
            c.notes,
            c.variables,
            now
        ]);
        match inserted {
            Ok(_) => Ok(self.conn.last_insert_rowid()),
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
                self.upsert(c, now)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Inserts or updates (by phone) one contact; non-empty imported values win, empty ones keep what is
    /// stored. Returns the contact's id.
    pub fn upsert(&mut self, c: &NewContact, now: &str) -> StoreResult<i64> {
        Ok(self.upsert.query_row(
            params![
                c.phone_e164,
                c.alt_phone_e164,
                c.name,
                c.email,
                c.language,
                c.time_zone,
                c.time_zones,
                c.time_zone_source,
                c.consent_basis,
                c.external_id,
                c.notes,
                c.variables,
                now
            ],
            |r| r.get(0),
        )?)
    }

    /// Adds a contact to a campaign; a contact already in it is left as it is. True if it was added.
    pub fn add_to_campaign(&mut self, campaign_id: i64, contact_id: i64, now: &str) -> StoreResult<bool> {
        Ok(self.add.execute(params![campaign_id, contact_id, now])? == 1)
    }
}

/// The E.164 numbers already in a campaign.
pub fn campaign_phones(conn: &Connection, campaign_id: i64) -> StoreResult<HashSet<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.phone_e164 FROM campaign_contacts cc JOIN contacts c ON c.id = cc.contact_id
         WHERE cc.campaign_id = ?1",
    )?;
    let phones = stmt
        .query_map([campaign_id], |r| r.get(0))?
        .collect::<Result<HashSet<String>, _>>()?;
    Ok(phones)
}

/// Every stored contact's number (for telling new contacts from known ones before writing).
pub fn all_phones(conn: &Connection) -> StoreResult<Vec<String>> {
    let mut stmt = conn.prepare("SELECT phone_e164 FROM contacts")?;
    let phones = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(phones)
}

/// Number of contacts in a campaign.
pub fn count_in_campaign(conn: &Connection, campaign_id: i64) -> StoreResult<i64> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM campaign_contacts WHERE campaign_id = ?1",
        [campaign_id],
        |r| r.get(0),
    )?)
}
