//! What `callboard export` writes (design.md §3): every call, every contact, or the webhook journal, with the
//! columns scripts rely on first and the useful extras after them. Rows stream from one read transaction
//! straight into the writer, so a million contacts never sit in memory.

use std::io::Write;

use rusqlite::{Connection, Row, types::ValueRef};

use super::{Cell, ExportError, Format, TableWriter};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dataset {
    Calls,
    Contacts,
    Events,
}

/// How a column's value is written.
#[derive(Clone, Copy)]
enum Kind {
    /// Ids, phone numbers, statuses, timestamps: exactly as stored.
    Literal,
    /// Names, errors, notes: defused in CSV.
    Text,
    /// Integers and reals as numbers.
    Number,
}

use Kind::{Literal, Number, Text};

/// A call's success evaluation from its analysis (`calls k`), one cell: `booked: success; polite: failure`.
/// A macro so the SQL stays one literal (`concat!`); the Calls page's export uses the same text.
macro_rules! evaluation_sql {
    () => {
        "(SELECT group_concat(e.key || ': ' || COALESCE(json_extract(e.value, '$.result'), 'unknown'), '; ') \
         FROM json_each(CASE WHEN json_valid(k.analysis) THEN k.analysis ELSE '{}' END, \
         '$.evaluation_criteria_results') e)"
    };
}

/// The data the agent collected, one cell: `interested_model: Land Cruiser; opt_out: no` (items it did not
/// get are left out; `true`/`false` read `yes`/`no`, as on the Calls page).
macro_rules! collected_sql {
    () => {
        "(SELECT group_concat(d.key || ': ' || CASE json_type(d.value, '$.value') WHEN 'true' THEN 'yes' \
         WHEN 'false' THEN 'no' ELSE json_extract(d.value, '$.value') END, '; ') \
         FROM json_each(CASE WHEN json_valid(k.analysis) THEN k.analysis ELSE '{}' END, \
         '$.data_collection_results') d \
         WHERE COALESCE(json_type(d.value, '$.value'), 'null') <> 'null' AND json_extract(d.value, '$.value') <> '')"
    };
}

/// `SELECT` of what is known after the call `?1` as three text cells: summary, evaluation, collected data.
pub const AFTER_CALL_SQL: &str = concat!(
    "SELECT k.summary, ",
    evaluation_sql!(),
    ", ",
    collected_sql!(),
    " FROM calls k WHERE k.id = ?1"
);

struct Spec {
    columns: &'static [(&'static str, Kind)],
    sql: &'static str,
}

const CALLS: Spec = Spec {
    columns: &[
        ("id", Number),
        ("campaign", Text),
        ("contact_phone", Literal),
        ("provider", Literal),
        ("provider_call_id", Literal),
        ("status", Literal),
        ("outcome", Literal),
        ("started_at", Literal),
        ("ended_at", Literal),
        ("duration_s", Number),
        ("contact_name", Text),
        ("agent", Text),
        ("disposition", Text),
        ("answered_at", Literal),
        ("cost", Number),
        ("error", Text),
        ("summary", Text),
        ("evaluation", Text),
        ("collected", Text),
    ],
    sql: concat!(
        "SELECT k.id, cp.name, ct.phone_e164, k.provider, k.provider_call_id, k.status, k.outcome, \
         k.started_at, k.ended_at, k.duration_s, ct.name, ag.name, k.disposition, k.answered_at, k.cost, \
         k.error, k.summary, ",
        evaluation_sql!(),
        ", ",
        collected_sql!(),
        " FROM calls k LEFT JOIN campaigns cp ON cp.id = k.campaign_id \
         LEFT JOIN contacts ct ON ct.id = k.contact_id LEFT JOIN agents ag ON ag.id = k.agent_id \
         ORDER BY k.id"
    ),
};

const CONTACTS: Spec = Spec {
    columns: &[
        ("id", Number),
        ("phone_e164", Literal),
        ("name", Text),
        ("time_zone", Literal),
        ("time_zone_source", Literal),
        ("status", Literal),
        ("alt_phone_e164", Literal),
        ("email", Text),
        ("language", Literal),
        ("external_id", Text),
        ("consent_basis", Text),
        ("notes", Text),
        ("variables", Text),
        ("created_at", Literal),
        ("updated_at", Literal),
    ],
    sql: "SELECT id, phone_e164, name, time_zone, time_zone_source, status, alt_phone_e164, email, language, \
          external_id, consent_basis, notes, variables, created_at, updated_at FROM contacts ORDER BY id",
};

const EVENTS: Spec = Spec {
    columns: &[
        ("id", Number),
        ("provider", Literal),
        ("type", Literal),
        ("idempotency_key", Literal),
        ("status", Literal),
        ("error", Text),
        ("received_at", Literal),
    ],
    sql: "SELECT id, provider, type, idempotency_key, status, error, received_at \
          FROM call_events ORDER BY id",
};

impl Dataset {
    fn spec(self) -> &'static Spec {
        match self {
            Dataset::Calls => &CALLS,
            Dataset::Contacts => &CONTACTS,
            Dataset::Events => &EVENTS,
        }
    }

    /// The column names, in the order written.
    pub fn columns(self) -> Vec<&'static str> {
        self.spec().columns.iter().map(|(name, _)| *name).collect()
    }
}

fn cell(row: &Row<'_>, i: usize, kind: Kind) -> rusqlite::Result<Cell> {
    Ok(match (row.get_ref(i)?, kind) {
        (ValueRef::Null, _) => Cell::Empty,
        (ValueRef::Integer(n), Number) => Cell::Int(n),
        (ValueRef::Real(n), Number) => Cell::Real(n),
        (ValueRef::Integer(n), _) => Cell::Literal(n.to_string()),
        (ValueRef::Real(n), _) => Cell::Literal(n.to_string()),
        (ValueRef::Text(t) | ValueRef::Blob(t), Text) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
        (ValueRef::Text(t) | ValueRef::Blob(t), _) => Cell::Literal(String::from_utf8_lossy(t).into_owned()),
    })
}

/// Writes every row of `dataset` to `out` in `format`; returns how many rows were written, and `out` back.
pub fn export<W: Write>(
    conn: &Connection,
    dataset: Dataset,
    format: Format,
    out: W,
) -> Result<(u64, W), ExportError> {
    let spec = dataset.spec();
    let mut writer = TableWriter::new(format, &dataset.columns(), out)?;
    let mut stmt = conn.prepare(spec.sql).map_err(crate::store::StoreError::from)?;
    let mut rows = stmt.query([]).map_err(crate::store::StoreError::from)?;
    let mut cells = Vec::with_capacity(spec.columns.len());
    let mut n = 0;
    while let Some(row) = rows.next().map_err(crate::store::StoreError::from)? {
        cells.clear();
        for (i, (_, kind)) in spec.columns.iter().enumerate() {
            cells.push(cell(row, i, *kind).map_err(crate::store::StoreError::from)?);
        }
        writer.row(&cells)?;
        n += 1;
    }
    Ok((n, writer.finish()?))
}
