//! The import's bulk path: new contacts go in as multi-row `INSERT`s (one statement per [`BATCH_ROWS`]
//! contacts instead of one per contact) and a chunk's campaign members as one `INSERT … SELECT` over an
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
pub(super) type Named = u16;
const ALL_NAMED: Named = (1 << COLUMNS.len()) - 1;

/// The columns a batch leaves out when every contact in it has the column's default there (the empty text;
/// no time zone): SQLite writes the default itself, and nothing is bound for them. Most lists have no
/// alternate phone, language, consent, external id or notes; on the 1M-row bench that is five binds of
/// twelve fewer per contact, and five values fewer copied through the statement.
const DEFAULTED: Named = 1 << 1 | 1 << 2 | 1 << 3 | 1 << 4 | 1 << TIME_ZONE | 1 << 8 | 1 << 9 | 1 << 10;

/// Whether `value` is what the schema's default for `COLUMNS[column]` stores.
#[cfg(test)]
fn is_default(column: usize, value: Param<'_>) -> bool {
    if column == TIME_ZONE {
        value == Param::Null
    } else {
        value == Param::Text("")
    }
}

/// The columns an insert of `contact` must name: all but the defaulted ones it leaves at their default (the
/// empty text; no time zone). Asked of the fields directly, not through [`ContactFields::params`]: this runs
/// for every contact of a big import, on the writer's thread.
fn named_for(c: &ContactFields<'_>) -> Named {
    let unless = |column: usize, at_default: bool| Named::from(!at_default) << column;
    ALL_NAMED & !DEFAULTED
        | unless(1, c.alt_phone_e164.is_empty())
        | unless(2, c.name.is_empty())
        | unless(3, c.email.is_empty())
        | unless(4, c.language.is_empty())
        | unless(TIME_ZONE, c.time_zone.is_none())
        | unless(8, c.consent_basis.is_empty())
        | unless(9, c.external_id.is_empty())
        | unless(10, c.notes.is_empty())
}

/// The columns an insert of `batch` must name: all but the defaulted ones every contact leaves at default.
fn named_columns(batch: &[ContactFields<'_>]) -> Named {
    batch
        .iter()
        .fold(ALL_NAMED & !DEFAULTED, |named, c| named | named_for(c))
}

/// The items of `per_column` (one per column of [`COLUMNS`], in order) whose column `named` names.
fn only_named<T>(named: Named, per_column: impl IntoIterator<Item = T>) -> impl Iterator<Item = T> {
    per_column
        .into_iter()
        .enumerate()
        .filter(move |(column, _)| named & (1 << column) != 0)
        .map(|(_, item)| item)
}

/// `INSERT OR IGNORE` of `rows` contacts naming the columns in `named`; `?1` is the timestamp, then each row's
/// values in column order. A number stored already is skipped, not an error (the caller upserts it): a plain
/// multi-row `INSERT` would abort the whole statement, and need a statement journal to undo its first rows.
fn insert_sql(rows: usize, named: Named) -> String {
    let columns: Vec<&str> = only_named(named, COLUMNS).collect();
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

/// Members added from an array of contact ids bound as one value (`rarray`, registered on the writer), in
/// the array's order. They join fresh (no `next_attempt_at`), so they have no queue index entry.
const ADD_ALL_TO_CAMPAIGN: &str =
    "INSERT OR IGNORE INTO campaign_contacts(campaign_id, contact_id, created_at, updated_at)
     SELECT ?1, value, ?2, ?2 FROM rarray(?3)";

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
                params.extend(only_named(named, c.params()));
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
        let ids: rusqlite::vtab::array::Array = std::rc::Rc::new(
            contact_ids
                .iter()
                .map(|&id| rusqlite::types::Value::Integer(id))
                .collect(),
        );
        // New rows get rowids after the largest (while it is below i64::MAX), so the added members' rowids
        // lie between the largest before and the last inserted.
        let before: i64 = self
            .conn
            .prepare_cached("SELECT IFNULL(max(rowid), 0) FROM campaign_contacts")?
            .query_row([], |r| r.get(0))?;
        let added = self
            .conn
            .prepare_cached(ADD_ALL_TO_CAMPAIGN)?
            .execute(rusqlite::params![campaign_id, now, ids])?;
        if added > 0 {
            let last = self.conn.last_insert_rowid();
            self.count_added(
                campaign_id,
                added as i64,
                (before.saturating_add(1).min(last), last),
            );
        }
        Ok(added as u64)
    }
}

#[cfg(test)]
mod tests;
