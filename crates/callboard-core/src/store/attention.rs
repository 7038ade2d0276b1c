//! "Needs attention" (`attention_items`): things a supervisor should look at, recorded from the engine's and
//! the webhook guard's alerts and from call outcomes. An item stays open until acknowledged; the same thing
//! alerting again while its item is open bumps the item's count instead of adding a row (`dedupe_key`).

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use super::StoreResult;

/// One item, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttentionItem {
    pub id: i64,
    pub kind: String,
    /// `critical`, `warning` or `info`.
    pub severity: String,
    pub title: String,
    pub message: String,
    pub campaign_id: Option<i64>,
    pub call_id: Option<i64>,
    /// How many times it was raised while open.
    pub count: i64,
    pub created_at: String,
    pub last_seen_at: String,
    pub acked_at: Option<String>,
    pub acked_by: Option<String>,
}

/// An item to raise.
#[derive(Debug, Clone, PartialEq)]
pub struct NewItem {
    pub kind: String,
    pub severity: &'static str,
    pub title: String,
    pub message: String,
    pub campaign_id: Option<i64>,
    pub call_id: Option<i64>,
    pub dedupe_key: String,
}

const COLUMNS: &str = "id, kind, severity, title, message, campaign_id, call_id, count, created_at, last_seen_at, acked_at, acked_by";

fn from_row(r: &Row<'_>) -> rusqlite::Result<AttentionItem> {
    Ok(AttentionItem {
        id: r.get(0)?,
        kind: r.get(1)?,
        severity: r.get(2)?,
        title: r.get(3)?,
        message: r.get(4)?,
        campaign_id: r.get(5)?,
        call_id: r.get(6)?,
        count: r.get(7)?,
        created_at: r.get(8)?,
        last_seen_at: r.get(9)?,
        acked_at: r.get(10)?,
        acked_by: r.get(11)?,
    })
}

/// Raises an item, or bumps the open one with the same key. Returns the item and whether it is new.
pub fn raise(conn: &Connection, item: &NewItem, at: &str) -> StoreResult<(AttentionItem, bool)> {
    let open: Option<i64> = conn
        .query_row(
            "SELECT id FROM attention_items WHERE dedupe_key = ?1 AND acked_at IS NULL",
            [&item.dedupe_key],
            |r| r.get(0),
        )
        .optional()?;
    let (id, new) = match open {
        Some(id) => {
            conn.execute(
                "UPDATE attention_items SET count = count + 1, last_seen_at = ?2, message = ?3 WHERE id = ?1",
                params![id, at, item.message],
            )?;
            (id, false)
        }
        None => {
            // A campaign or call that no longer exists is not worth failing the alert for.
            conn.execute(
                "INSERT INTO attention_items(kind, severity, title, message, campaign_id, call_id, dedupe_key, \
                 created_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, \
                 (SELECT id FROM campaigns WHERE id = ?5), (SELECT id FROM calls WHERE id = ?6), ?7, ?8, ?8)",
                params![
                    item.kind,
                    item.severity,
                    item.title,
                    item.message,
                    item.campaign_id,
                    item.call_id,
                    item.dedupe_key,
                    at
                ],
            )?;
            (conn.last_insert_rowid(), true)
        }
    };
    Ok((get(conn, id)?, new))
}

pub fn get(conn: &Connection, id: i64) -> StoreResult<AttentionItem> {
    super::found(
        "attention item",
        id,
        conn.query_row(
            &format!("SELECT {COLUMNS} FROM attention_items WHERE id = ?1"),
            [id],
            from_row,
        ),
    )
}

/// Open items (newest first), then, with `include_acked`, the acknowledged ones too; at most `limit`.
pub fn list(conn: &Connection, include_acked: bool, limit: i64) -> StoreResult<Vec<AttentionItem>> {
    let filter = if include_acked {
        ""
    } else {
        "WHERE acked_at IS NULL"
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM attention_items {filter} \
         ORDER BY acked_at IS NOT NULL, last_seen_at DESC, id DESC LIMIT ?1"
    ))?;
    let rows = stmt.query_map([limit], from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn open_count(conn: &Connection) -> StoreResult<i64> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM attention_items WHERE acked_at IS NULL",
        [],
        |r| r.get(0),
    )?)
}

/// Acknowledges an item (again: keeps the first acknowledgement). Returns the item.
pub fn ack(conn: &Connection, id: i64, by: &str, at: &str) -> StoreResult<AttentionItem> {
    conn.execute(
        "UPDATE attention_items SET acked_at = ?2, acked_by = ?3 WHERE id = ?1 AND acked_at IS NULL",
        params![id, at, by],
    )?;
    get(conn, id)
}

/// Whether an item with this key was ever raised (open or acknowledged): one-off conditions such as a call
/// found stuck are raised once, not again after they were acknowledged.
pub fn ever_raised(conn: &Connection, dedupe_key: &str) -> StoreResult<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM attention_items WHERE dedupe_key = ?1)",
        [dedupe_key],
        |r| r.get(0),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn item(key: &str) -> NewItem {
        NewItem {
            kind: "circuit_breaker".into(),
            severity: "critical",
            title: "Circuit breaker tripped".into(),
            message: "20 of 20 failed".into(),
            campaign_id: Some(999),
            call_id: None,
            dedupe_key: key.into(),
        }
    }

    #[test]
    fn a_repeat_bumps_the_open_item_and_an_ack_closes_it() -> StoreResult<()> {
        let store = Store::open_in_memory()?;
        store.with_tx_blocking(|tx| {
            let (first, new) = raise(tx, &item("k"), "2026-01-01T00:00:00.000000Z")?;
            assert!(new);
            // The campaign does not exist: kept without it rather than failing.
            assert_eq!(first.campaign_id, None);
            let (again, new) = raise(tx, &item("k"), "2026-01-01T00:01:00.000000Z")?;
            assert!(!new);
            assert_eq!((again.id, again.count), (first.id, 2));
            assert_eq!(open_count(tx)?, 1);
            let acked = ack(tx, first.id, "ui", "2026-01-01T00:02:00.000000Z")?;
            assert_eq!(acked.acked_by.as_deref(), Some("ui"));
            assert_eq!(open_count(tx)?, 0);
            let (third, new) = raise(tx, &item("k"), "2026-01-01T00:03:00.000000Z")?;
            assert!(new && third.id != first.id);
            assert_eq!(list(tx, false, 10)?.len(), 1);
            assert_eq!(list(tx, true, 10)?.len(), 2);
            assert!(ever_raised(tx, "k")?);
            Ok(())
        })
    }
}
