//! The import's bulk path: new contacts go in as multi-row `INSERT`s (one statement per [`BATCH_ROWS`]
//! contacts instead of one per contact) and a chunk's campaign members as one `INSERT … SELECT` over a JSON
//! array of ids. Per-row statements cost a bind-step-reset round and a VDBE program start each; on the
//! 1M-row bench that was most of the writer's time outside the B-trees. The contacts' texts are bound without a
//! copy ([`BorrowedStatement`]): copying them was a sixth of the writer's time.

use std::fmt::Write as _;

use super::{ImportWriter, NewContact, StoreResult};
use crate::store::borrowed_bind::{BorrowedStatement, Param};

/// Contacts per multi-row insert: 12 parameters a row plus the timestamp, far under SQLite's 32,766.
pub const BATCH_ROWS: usize = 128;

/// The contact columns, in the order of [`ContactFields::params`].
const COLUMNS: [&str; 12] = [
    "phone_e164",
    "alt_phone_e164",
    "name",
    "email",
    "language",
    "time_zone",
    "time_zones",
    "time_zone_source",
    "consent_basis",
    "external_id",
    "notes",
    "variables",
];
const TIME_ZONE: usize = 5;

/// A set of [`COLUMNS`], bit `i` for `COLUMNS[i]`: the ones an insert names.
type Named = u16;
const ALL_NAMED: Named = (1 << COLUMNS.len()) - 1;

/// The columns a batch leaves out when every contact in it has the column's default there (the empty text;
/// no time zone): SQLite writes the default itself, and nothing is bound for them. Most lists have no
/// alternate phone, language, consent, external id or notes; on the 1M-row bench that is five binds of
/// twelve fewer per contact, and five values fewer copied through the statement.
const DEFAULTED: Named = {
    let columns = [1, 2, 3, 4, TIME_ZONE, 8, 9, 10];
    let mut named = 0;
    let mut i = 0;
    while i < columns.len() {
        named |= 1 << columns[i];
        i += 1;
    }
    named
};

/// Whether `value` is what the schema's default for `COLUMNS[column]` stores.
fn is_default(column: usize, value: Param<'_>) -> bool {
    if column == TIME_ZONE {
        value == Param::Null
    } else {
        value == Param::Text("")
    }
}

/// The columns an insert of `batch` must name: all but the defaulted ones every contact leaves at default.
fn named_columns(batch: &[ContactFields<'_>]) -> Named {
    let mut named = ALL_NAMED & !DEFAULTED;
    for c in batch {
        let values = c.params();
        for (column, value) in values.into_iter().enumerate() {
            if named & (1 << column) == 0 && !is_default(column, value) {
                named |= 1 << column;
            }
        }
        if named == ALL_NAMED {
            break;
        }
    }
    named
}

/// `INSERT OR IGNORE` of `rows` contacts naming the columns in `named`; `?1` is the timestamp, then each row's
/// values in column order. A number stored already is skipped, not an error (the caller upserts it): a plain
/// multi-row `INSERT` would abort the whole statement, and need a statement journal to undo its first rows.
fn insert_sql(rows: usize, named: Named) -> String {
    let columns: Vec<&str> = COLUMNS
        .iter()
        .enumerate()
        .filter(|(i, _)| named & (1 << i) != 0)
        .map(|(_, c)| *c)
        .collect();
    let mut sql = format!(
        "INSERT OR IGNORE INTO contacts({}, created_at, updated_at) VALUES ",
        columns.join(", ")
    );
    for r in 0..rows {
        let base = 2 + columns.len() * r;
        sql.push_str(if r == 0 { "(" } else { ",(" });
        for p in base..base + columns.len() {
            let _ = write!(sql, "?{p},");
        }
        sql.push_str("?1,?1)");
    }
    sql
}

/// Full-batch inserts kept prepared per set of named columns; a file whose batches vary more than this
/// prepares the rest as it goes.
const PREPARED_INSERTS: usize = 8;

/// Members added from a JSON array of contact ids, in the array's order. (A multi-row `VALUES` insert of the
/// ids bound as integers measured no faster.)
const ADD_ALL_TO_CAMPAIGN: &str =
    "INSERT OR IGNORE INTO campaign_contacts(campaign_id, contact_id, created_at, updated_at, next_attempt_at)
     SELECT ?1, value, ?2, ?2, ?2 FROM json_each(?3)";

/// A contact's values borrowed from wherever they are kept: a [`NewContact`], or the import's packed chunk
/// (one buffer for all its contacts' text, read front to back by the writer).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ContactFields<'a> {
    pub phone_e164: &'a str,
    pub alt_phone_e164: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub language: &'a str,
    pub time_zone: Option<&'a str>,
    pub time_zones: &'a str,
    pub time_zone_source: &'static str,
    pub consent_basis: &'a str,
    pub external_id: &'a str,
    pub notes: &'a str,
    pub variables: &'a str,
}

impl NewContact {
    pub fn fields(&self) -> ContactFields<'_> {
        ContactFields {
            phone_e164: &self.phone_e164,
            alt_phone_e164: &self.alt_phone_e164,
            name: &self.name,
            email: &self.email,
            language: &self.language,
            time_zone: self.time_zone.as_deref(),
            time_zones: &self.time_zones,
            time_zone_source: self.time_zone_source,
            consent_basis: &self.consent_basis,
            external_id: &self.external_id,
            notes: &self.notes,
            variables: &self.variables,
        }
    }
}

impl ContactFields<'_> {
    /// The contact columns every insert and upsert names, in their order (`phone_e164` … `variables`; the
    /// timestamp follows).
    pub(super) fn params(&self) -> [Param<'_>; 12] {
        [
            Param::Text(self.phone_e164),
            Param::Text(self.alt_phone_e164),
            Param::Text(self.name),
            Param::Text(self.email),
            Param::Text(self.language),
            self.time_zone.map_or(Param::Null, Param::Text),
            Param::Text(self.time_zones),
            Param::Text(self.time_zone_source),
            Param::Text(self.consent_basis),
            Param::Text(self.external_id),
            Param::Text(self.notes),
            Param::Text(self.variables),
        ]
    }
}

impl<'c> ImportWriter<'c> {
    /// Inserts contacts believed new, [`BATCH_ROWS`] per statement, and returns their ids in the order given.
    /// A number that exists after all (another writer added it) is updated instead, as [`Self::insert_new`]
    /// does.
    pub fn insert_new_all(&mut self, contacts: &[ContactFields<'_>], now: &str) -> StoreResult<Vec<i64>> {
        let mut ids = Vec::with_capacity(contacts.len());
        let mut params: Vec<Param<'_>> = Vec::with_capacity(1 + COLUMNS.len() * BATCH_ROWS);
        for batch in contacts.chunks(BATCH_ROWS) {
            let named = named_columns(batch);
            params.clear();
            params.push(Param::Text(now));
            for c in batch {
                let values = c.params();
                params.extend(
                    values
                        .into_iter()
                        .enumerate()
                        .filter(|(column, _)| named & (1 << column) != 0)
                        .map(|(_, value)| value),
                );
            }
            // Without an explicit id SQLite gives each new row max(id) + 1 (while that is below i64::MAX), so
            // a batch inserted whole has the ids max+1 ..= max+n in the order given: no RETURNING (which
            // buffers every row in a temporary b-tree) and no per-row lookup.
            let max_before: i64 = self
                .conn
                .prepare_cached("SELECT coalesce(max(id), 0) FROM contacts")?
                .query_row([], |r| r.get(0))?;
            let inserted = if batch.len() == BATCH_ROWS {
                self.full_batch_insert(named)?.execute(&params)?
            } else {
                BorrowedStatement::prepare(self.conn, &insert_sql(batch.len(), named))?.execute(&params)?
            };
            let n = batch.len() as i64;
            let sequential = max_before.checked_add(n).is_some_and(|last| last < i64::MAX);
            if inserted == batch.len() && sequential && self.conn.last_insert_rowid() == max_before + n {
                ids.extend(max_before + 1..=max_before + n);
            } else {
                // Some number was stored already (another writer added it): each contact's id from an
                // upsert, which rewrites the rows just inserted with the same values.
                for c in batch {
                    ids.push(self.upsert_fields(*c, now)?);
                }
            }
        }
        Ok(ids)
    }

    /// The prepared insert of a full batch naming `named`.
    fn full_batch_insert(&mut self, named: Named) -> StoreResult<&mut BorrowedStatement<'c>> {
        let at = match self.bulk_inserts.iter().position(|(n, _)| *n == named) {
            Some(at) => at,
            None => {
                if self.bulk_inserts.len() == PREPARED_INSERTS {
                    self.bulk_inserts.remove(0);
                }
                let stmt = BorrowedStatement::prepare(self.conn, &insert_sql(BATCH_ROWS, named))?;
                self.bulk_inserts.push((named, stmt));
                self.bulk_inserts.len() - 1
            }
        };
        Ok(&mut self.bulk_inserts[at].1)
    }

    /// Adds contacts (ones this writer inserted or upserted) to a campaign in one statement; those already in
    /// it are left as they are. Returns how many were added.
    pub fn add_all_to_campaign(
        &mut self,
        campaign_id: i64,
        contact_ids: &[i64],
        now: &str,
    ) -> StoreResult<u64> {
        if contact_ids.is_empty() {
            return Ok(0);
        }
        self.check_campaign(campaign_id)?;
        let mut json = String::with_capacity(contact_ids.len() * 8 + 2);
        json.push('[');
        for (i, id) in contact_ids.iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            let _ = write!(json, "{id}");
        }
        json.push(']');
        let added = self
            .conn
            .prepare_cached(ADD_ALL_TO_CAMPAIGN)?
            .execute(rusqlite::params![campaign_id, now, json])?;
        self.count_added(campaign_id, added as i64);
        Ok(added as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        campaign::{CampaignSettings, CampaignStatus},
        store::{Store, StoreError, campaigns},
    };

    const NOW: &str = "2026-11-27T00:00:00Z";

    fn contact(phone: &str, name: &str) -> NewContact {
        NewContact {
            phone_e164: phone.into(),
            name: name.into(),
            time_zone: name.len().is_multiple_of(2).then(|| "Asia/Kuwait".to_owned()),
            time_zones: "[]".into(),
            variables: format!(r#"{{"n":"{name}"}}"#),
            time_zone_source: "number",
            ..NewContact::default()
        }
    }

    /// Across full and partial batches, ids come back in the order given, a number stored already is
    /// updated (not duplicated, not skipped), and members are counted once.
    #[test]
    fn bulk_inserts_match_one_by_one_inserts() -> Result<(), StoreError> {
        let store = Store::open_in_memory()?;
        let n = BATCH_ROWS * 2 + 7;
        let (ids, added, again, total) = store.with_tx_blocking(move |tx| -> Result<_, StoreError> {
            let settings = CampaignSettings {
                name: "Bulk".into(),
                ..CampaignSettings::default()
            };
            let campaign = campaigns::insert(tx, &settings, CampaignStatus::Draft, NOW)?;
            let mut w = ImportWriter::new(tx)?;
            let existing = w.insert_new(&contact("+96550000100", "Old"), NOW)?;
            let all: Vec<NewContact> = (0..n)
                .map(|i| contact(&format!("+965500{:05}", i), &format!("C{i}")))
                .collect();
            let refs: Vec<ContactFields<'_>> = all.iter().map(NewContact::fields).collect();
            let ids = w.insert_new_all(&refs, NOW)?;
            let added = w.add_all_to_campaign(campaign.id, &ids, NOW)?;
            let again = w.add_all_to_campaign(campaign.id, &ids[..10], NOW)?;
            w.finish()?;
            let total: i64 = tx.query_row(
                "SELECT contacts_total FROM campaigns WHERE id = ?1",
                [campaign.id],
                |r| r.get(0),
            )?;
            assert_eq!(ids[100], existing);
            Ok((ids, added, again, total))
        })?;
        assert_eq!(ids.len(), n);
        assert_eq!((added, again, total), (n as u64, 0, n as i64));
        let stored = store.read_blocking(|c| {
            let mut stmt =
                c.prepare("SELECT id, phone_e164, name, time_zone, variables FROM contacts ORDER BY id")?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, String>(4)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })?;
        assert_eq!(stored.len(), n);
        for (i, id) in ids.iter().enumerate() {
            let want = contact(&format!("+965500{:05}", i), &format!("C{i}"));
            let row = stored.iter().find(|r| r.0 == *id).expect("every id is stored");
            assert_eq!(
                (&row.1, &row.2, &row.3, &row.4),
                (&want.phone_e164, &want.name, &want.time_zone, &want.variables)
            );
        }
        Ok(())
    }

    /// Every column as stored, in insertion order.
    fn stored_contacts(store: &Store) -> Result<Vec<Vec<rusqlite::types::Value>>, StoreError> {
        store.read_blocking(|c| {
            let mut stmt = c.prepare("SELECT * FROM contacts ORDER BY id")?;
            let width = stmt.column_count();
            let rows = stmt
                .query_map([], |r| (0..width).map(|i| r.get(i)).collect())?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    /// Batches that leave different columns at their defaults store exactly what inserting each contact with
    /// every column named stores, defaults and `NULL` time zones included; an empty time zone is not taken
    /// for a missing one.
    #[test]
    fn batches_leaving_columns_out_store_what_full_inserts_store() -> Result<(), StoreError> {
        let n = BATCH_ROWS * 3 + 5;
        let all: Vec<NewContact> = (0..n)
            .map(|i| {
                let mut c = NewContact {
                    phone_e164: format!("+965600{i:05}"),
                    time_zones: "[]".into(),
                    variables: "{}".into(),
                    time_zone_source: "unknown",
                    ..NewContact::default()
                };
                match (i / BATCH_ROWS, i % BATCH_ROWS) {
                    // The first batch: every optional column at its default.
                    (0, _) => {}
                    // The second: a note on one contact, an empty (not missing) time zone on another.
                    (1, 7) => c.notes = "call after 5".into(),
                    (1, 9) => c.time_zone = Some(String::new()),
                    // The third: everything filled in.
                    (2, _) => {
                        c.alt_phone_e164 = format!("+965700{i:05}");
                        c.name = format!("N{i}");
                        c.email = format!("n{i}@example.com");
                        c.language = "ar".into();
                        c.time_zone = Some("Asia/Kuwait".into());
                        c.consent_basis = "prior".into();
                        c.external_id = format!("X{i}");
                        c.notes = "n".into();
                    }
                    // The partial last batch: only an external id on one contact.
                    (3, 2) => c.external_id = "last".into(),
                    _ => {}
                }
                c
            })
            .collect();
        let (bulk, one_by_one) = (Store::open_in_memory()?, Store::open_in_memory()?);
        let contacts = all.clone();
        bulk.with_tx_blocking(move |tx| -> Result<(), StoreError> {
            let mut w = ImportWriter::new(tx)?;
            let refs: Vec<ContactFields<'_>> = contacts.iter().map(NewContact::fields).collect();
            w.insert_new_all(&refs, NOW)?;
            w.finish()
        })?;
        one_by_one.with_tx_blocking(move |tx| -> Result<(), StoreError> {
            let mut w = ImportWriter::new(tx)?;
            for c in &all {
                w.insert_new(c, NOW)?;
            }
            w.finish()
        })?;
        let (got, want) = (stored_contacts(&bulk)?, stored_contacts(&one_by_one)?);
        assert_eq!(got.len(), n);
        assert_eq!(got, want);
        Ok(())
    }

    /// With foreign keys not enforced while the writer lives, a campaign deleted meanwhile is found missing
    /// by the writer itself, and nothing of the chunk is kept.
    #[test]
    fn members_of_a_missing_campaign_are_refused() -> Result<(), StoreError> {
        let store = Store::open_in_memory()?;
        let result = store.with_tx_blocking(|tx| -> Result<u64, StoreError> {
            let mut w = ImportWriter::new(tx)?;
            let all = [contact("+96550000001", "A"), contact("+96550000002", "B")];
            let refs: Vec<ContactFields<'_>> = all.iter().map(NewContact::fields).collect();
            let ids = w.insert_new_all(&refs, NOW)?;
            w.add_all_to_campaign(4242, &ids, NOW)
        });
        assert!(matches!(
            result,
            Err(StoreError::NotFound { what: "campaign", .. })
        ));
        let kept: i64 =
            store.read_blocking(|c| Ok(c.query_row("SELECT COUNT(*) FROM contacts", [], |r| r.get(0))?))?;
        assert_eq!(kept, 0);
        Ok(())
    }

    #[test]
    fn batch_sql_numbers_every_row_and_shares_the_timestamp() {
        let sql = insert_sql(2, ALL_NAMED);
        assert!(sql.contains("VALUES (?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?1,?1),(?14,"));
        assert!(sql.ends_with("?25,?1,?1)"));
        let sql = insert_sql(2, ALL_NAMED & !DEFAULTED);
        assert!(sql.starts_with(
            "INSERT OR IGNORE INTO contacts(phone_e164, time_zones, time_zone_source, variables, created_at, updated_at) \
             VALUES (?2,?3,?4,?5,?1,?1),(?6,?7,?8,?9,?1,?1)"
        ));
    }
}
