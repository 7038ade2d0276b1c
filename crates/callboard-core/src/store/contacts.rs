//! Queries on `contacts` and `campaign_contacts` for import: upsert by E.164 (re-importing a file updates, never
//! duplicates) and campaign membership with `INSERT OR IGNORE`.

use std::collections::HashSet;

use rusqlite::{Connection, config::DbConfig, params, params_from_iter};

use super::{
    StoreResult,
    borrowed_bind::{BorrowedStatement, Param},
};

mod bulk;
pub use bulk::{BATCH_ROWS, ContactFields};

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

/// A member joins fresh: pending, with no `next_attempt_at` (due since it joined; see `store::queue`).
const ADD_TO_CAMPAIGN: &str = "INSERT OR IGNORE INTO campaign_contacts(campaign_id, contact_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)";

/// The triggers that fire on the import's inserts, and whose work [`ImportWriter`] does itself while triggers
/// are off, once per chunk in [`ImportWriter::finish`]: `campaign_contacts_count_insert`
/// (`campaigns.contacts_total`) and `campaign_contacts_fresh` (the campaign's fresh members' rowid bounds). A
/// test fails when another trigger appears on these tables.
pub const TRIGGERS_DONE_BY_IMPORT: [&str; 2] = ["campaign_contacts_count_insert", "campaign_contacts_fresh"];

/// The foreign keys on the tables the import writes, which [`ImportWriter`] guarantees itself while their
/// enforcement is off, as (table, column, parent): a member's contact is one this writer has just inserted or
/// upserted, and its campaign is checked once per writer ([`ImportWriter::add_all_to_campaign`]). A test fails
/// when another foreign key appears on these tables.
pub const FOREIGN_KEYS_KEPT_BY_IMPORT: [(&str, &str, &str); 2] = [
    ("campaign_contacts", "campaign_id", "campaigns"),
    ("campaign_contacts", "contact_id", "contacts"),
];

/// Writes one chunk of imported contacts in the caller's transaction, its statements prepared once (per
/// transaction), not looked up per row. Triggers and foreign-key enforcement are off on the connection while
/// it lives (see [`TRIGGERS_DONE_BY_IMPORT`] and [`FOREIGN_KEYS_KEPT_BY_IMPORT`]): per row the triggers cost
/// two extra writes and a statement journal (a copy of every page the insert touches), more than the inserts
/// themselves, and the two parent lookups of each member a sixth of the writer's time. Call
/// [`ImportWriter::finish`] before committing; dropping it switches both back on (SQLite re-prepares
/// statements compiled either way).
#[must_use = "call finish() before committing, or the campaign's counters are not updated"]
pub struct ImportWriter<'c> {
    conn: &'c Connection,
    insert: rusqlite::CachedStatement<'c>,
    upsert: rusqlite::CachedStatement<'c>,
    add: rusqlite::CachedStatement<'c>,
    /// The full-size multi-row inserts of [`Self::insert_new_all`], prepared at first use, by the columns they
    /// name.
    bulk_inserts: Vec<(bulk::Named, BorrowedStatement<'c>)>,
    /// Members added per campaign (what the count and fresh triggers would have recorded one by one).
    added: Vec<Added>,
    /// Campaigns found to exist in this transaction (what the foreign key would have checked per member).
    campaigns_checked: Vec<i64>,
    _checks_off: ChecksOff<'c>,
}

/// Members an [`ImportWriter`] added to one campaign.
struct Added {
    campaign_id: i64,
    members: i64,
    /// The lowest and highest of their rowids.
    rowids: (i64, i64),
}

/// What [`ChecksOff`] switches off.
const CHECKS: [(DbConfig, &str); 2] = [
    (DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, "triggers"),
    (DbConfig::SQLITE_DBCONFIG_ENABLE_FKEY, "foreign keys"),
];

/// Switches triggers and foreign-key enforcement off on a connection until dropped. (Unlike `PRAGMA
/// foreign_keys`, the connection option takes effect inside a transaction; the import's tables have no
/// deferred foreign keys whose pending count could be left behind.)
struct ChecksOff<'c>(&'c Connection);

impl<'c> ChecksOff<'c> {
    fn new(conn: &'c Connection) -> StoreResult<Self> {
        let off = ChecksOff(conn);
        for (check, _) in CHECKS {
            conn.set_db_config(check, false)?;
        }
        Ok(off)
    }
}

impl Drop for ChecksOff<'_> {
    fn drop(&mut self) {
        for (check, name) in CHECKS {
            if let Err(e) = self.0.set_db_config(check, true) {
                tracing::error!(error = %e, "could not switch SQLite {name} back on after an import chunk");
            }
        }
    }
}

impl<'c> ImportWriter<'c> {
    pub fn new(conn: &'c Connection) -> StoreResult<Self> {
        let checks_off = ChecksOff::new(conn)?;
        Ok(ImportWriter {
            conn,
            insert: conn.prepare_cached(INSERT_NEW)?,
            upsert: conn.prepare_cached(UPSERT)?,
            add: conn.prepare_cached(ADD_TO_CAMPAIGN)?,
            bulk_inserts: Vec::new(),
            added: Vec::new(),
            campaigns_checked: Vec::new(),
            _checks_off: checks_off,
        })
    }

    /// Does the count and fresh triggers' work for the whole chunk (imported members are fresh: `pending`,
    /// so only `contacts_total` moves, and their rowids widen the campaign's fresh range), then switches
    /// triggers back on.
    pub fn finish(self) -> StoreResult<()> {
        for a in &self.added {
            self.conn.execute(
                "UPDATE campaigns SET contacts_total = contacts_total + ?2,
                     queue_fresh_from = min(IFNULL(queue_fresh_from, ?3), ?3),
                     queue_fresh_to = max(IFNULL(queue_fresh_to, ?4), ?4)
                 WHERE id = ?1",
                params![a.campaign_id, a.members, a.rowids.0, a.rowids.1],
            )?;
        }
        Ok(())
    }

    /// Inserts a contact believed new (a plain insert is cheaper than an upsert); if the number exists after
    /// all (another writer added it), updates it instead. Returns the contact's id.
    pub fn insert_new(&mut self, c: &NewContact, now: &str) -> StoreResult<i64> {
        let c = c.fields();
        let inserted = self
            .insert
            .execute(params_from_iter(c.params().into_iter().chain([Param::Text(now)])));
        match inserted {
            Ok(_) => Ok(self.conn.last_insert_rowid()),
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
                self.upsert_fields(c, now)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Inserts or updates (by phone) one contact; non-empty imported values win, empty ones keep what is
    /// stored. Returns the contact's id.
    pub fn upsert(&mut self, c: &NewContact, now: &str) -> StoreResult<i64> {
        self.upsert_fields(c.fields(), now)
    }

    /// [`ImportWriter::upsert`] of a contact kept elsewhere than in a [`NewContact`].
    pub fn upsert_fields(&mut self, c: ContactFields<'_>, now: &str) -> StoreResult<i64> {
        Ok(self.upsert.query_row(
            params_from_iter(c.params().into_iter().chain([Param::Text(now)])),
            |r| r.get(0),
        )?)
    }

    /// Adds a contact (one this writer inserted or upserted) to a campaign; a contact already in it is left as
    /// it is. True if it was added.
    pub fn add_to_campaign(&mut self, campaign_id: i64, contact_id: i64, now: &str) -> StoreResult<bool> {
        self.check_campaign(campaign_id)?;
        let added = self.add.execute(params![campaign_id, contact_id, now])? == 1;
        if added {
            let rowid = self.conn.last_insert_rowid();
            self.count_added(campaign_id, 1, (rowid, rowid));
        }
        Ok(added)
    }

    /// The campaign exists (its foreign key is not enforced while the writer lives): checked once.
    fn check_campaign(&mut self, campaign_id: i64) -> StoreResult<()> {
        if self.campaigns_checked.contains(&campaign_id) {
            return Ok(());
        }
        let found = self
            .conn
            .prepare_cached("SELECT 1 FROM campaigns WHERE id = ?1")?
            .query_row([campaign_id], |_| Ok(()));
        super::found("campaign", campaign_id, found)?;
        self.campaigns_checked.push(campaign_id);
        Ok(())
    }

    /// Remembers `members` added to a campaign with rowids within `rowids`, for [`ImportWriter::finish`].
    fn count_added(&mut self, campaign_id: i64, members: i64, rowids: (i64, i64)) {
        match self.added.iter_mut().find(|a| a.campaign_id == campaign_id) {
            Some(a) => {
                a.members += members;
                a.rowids = (a.rowids.0.min(rowids.0), a.rowids.1.max(rowids.1));
            }
            None => self.added.push(Added {
                campaign_id,
                members,
                rowids,
            }),
        }
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

/// What `contact.list` shows of a contact.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ContactRow {
    pub id: i64,
    pub phone_e164: String,
    pub name: String,
    pub email: String,
    pub language: String,
    pub time_zone: Option<String>,
    pub time_zone_source: String,
    /// `active`, `opted_out` or `deleted`.
    pub status: String,
    pub external_id: String,
    /// The agent's dynamic variables (extra columns of the import).
    pub variables: serde_json::Value,
    /// The contact's state in the campaign filtered on (`pending`, `done`, …); null without that filter.
    pub campaign_state: Option<String>,
    pub created_at: String,
}

/// Which contacts, and which page: newest first, `before` is the last id of the previous page.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Digits match anywhere in the number; anything else matches the name or e-mail.
    pub search: String,
    pub status: Option<String>,
    pub campaign_id: Option<i64>,
    pub before: Option<i64>,
    pub limit: u32,
}

/// One page of contacts (keyset pagination by id, so page 5,000 costs what page 1 does), and the number of
/// contacts matching the filter when `before` is unset (the first page).
pub fn list(conn: &Connection, f: &ListFilter) -> StoreResult<(Vec<ContactRow>, Option<i64>)> {
    use rusqlite::types::Value;
    let (from, id_col, state_col) = match f.campaign_id {
        Some(_) => (
            "FROM campaign_contacts cc JOIN contacts c ON c.id = cc.contact_id WHERE cc.campaign_id = ?",
            "cc.contact_id",
            "cc.state",
        ),
        None => ("FROM contacts c WHERE 1 = 1", "c.id", "NULL"),
    };
    let mut filters = String::new();
    let mut args: Vec<Value> = f.campaign_id.map(Value::Integer).into_iter().collect();
    let search = f.search.trim();
    if !search.is_empty() {
        if let Some(digits) = crate::phone::digits_if_a_number(search) {
            filters.push_str(" AND c.phone_e164 LIKE ?");
            args.push(Value::Text(format!("%{digits}%")));
        } else {
            let pattern = format!("%{}%", like_escape(search));
            filters.push_str(" AND (c.name LIKE ? ESCAPE '\\' OR c.email LIKE ? ESCAPE '\\')");
            args.push(Value::Text(pattern.clone()));
            args.push(Value::Text(pattern));
        }
    }
    if let Some(s) = &f.status {
        filters.push_str(" AND c.status = ?");
        args.push(Value::Text(s.clone()));
    }
    let total = match (f.before, f.campaign_id) {
        (Some(_), _) => None,
        // A campaign's size without a join to a million contacts.
        (None, Some(c)) if filters.is_empty() => Some(count_in_campaign(conn, c)?),
        (None, _) => Some(conn.query_row(
            &format!("SELECT COUNT(*) {from}{filters}"),
            rusqlite::params_from_iter(args.iter()),
            |r| r.get(0),
        )?),
    };
    let mut page_args = args;
    let keyset = match f.before {
        Some(b) => {
            page_args.push(Value::Integer(b));
            format!(" AND {id_col} < ?")
        }
        None => String::new(),
    };
    page_args.push(Value::Integer(i64::from(f.limit.max(1))));
    let sql = format!(
        "SELECT {CONTACT_COLUMNS}, {state_col}, c.created_at {from}{filters}{keyset} ORDER BY {id_col} DESC LIMIT ?"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(page_args.iter()), contact_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((rows, total))
}

/// The columns [`contact_row`] reads (`contacts c`), then the campaign state and `c.created_at`.
pub(super) const CONTACT_COLUMNS: &str = "c.id, c.phone_e164, c.name, c.email, c.language, c.time_zone, \
    c.time_zone_source, c.status, c.external_id, c.variables";

/// A row of `SELECT {CONTACT_COLUMNS}, <campaign state>, c.created_at`.
pub(super) fn contact_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ContactRow> {
    let variables: String = r.get(9)?;
    Ok(ContactRow {
        id: r.get(0)?,
        phone_e164: r.get(1)?,
        name: r.get(2)?,
        email: r.get(3)?,
        language: r.get(4)?,
        time_zone: r.get(5)?,
        time_zone_source: r.get(6)?,
        status: r.get(7)?,
        external_id: r.get(8)?,
        variables: serde_json::from_str(&variables).unwrap_or_default(),
        campaign_state: r.get(10)?,
        created_at: r.get(11)?,
    })
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub(super) fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
