//! Queries on `import_templates`: column mappings saved by header signature and re-applied to files with the
//! same header.

use rusqlite::{Connection, OptionalExtension, params};

use super::StoreResult;

/// A saved mapping; `mapping` is the JSON the import module reads.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Template {
    pub id: i64,
    pub name: String,
    pub signature: String,
    pub mapping: String,
}

/// Saves (or replaces) the template for a header signature.
pub fn save(
    conn: &Connection,
    name: &str,
    signature: &str,
    mapping: &str,
    now: &str,
) -> StoreResult<Template> {
    conn.execute(
        "INSERT INTO import_templates(name, signature, mapping, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)
         ON CONFLICT(signature) DO UPDATE SET name = excluded.name, mapping = excluded.mapping,
             updated_at = excluded.updated_at",
        params![name, signature, mapping, now],
    )?;
    find(conn, signature)?.ok_or_else(|| super::StoreError::Corrupt("template vanished after save".into()))
}

/// The template saved for a header signature, if any.
pub fn find(conn: &Connection, signature: &str) -> StoreResult<Option<Template>> {
    Ok(conn
        .query_row(
            "SELECT id, name, signature, mapping FROM import_templates WHERE signature = ?1",
            [signature],
            |r| {
                Ok(Template {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    signature: r.get(2)?,
                    mapping: r.get(3)?,
                })
            },
        )
        .optional()?)
}
