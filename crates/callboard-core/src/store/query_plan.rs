//! A statement's query plan (`EXPLAIN QUERY PLAN` detail lines, every parameter NULL), for the benchmarks'
//! evidence and the tests that keep hot statements on their indexes.

use rusqlite::{Connection, params_from_iter, types::Null};

use super::StoreResult;

/// The plan's detail lines in order, e.g. `SEARCH cc USING INDEX … (campaign_id=? AND contact_id=?)`.
pub fn query_plan(conn: &Connection, sql: &str) -> StoreResult<Vec<String>> {
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
    let nulls = params_from_iter(std::iter::repeat_n(Null, stmt.parameter_count()));
    Ok(stmt
        .query_map(nulls, |r| r.get::<_, String>(3))?
        .collect::<Result<Vec<_>, _>>()?)
}
