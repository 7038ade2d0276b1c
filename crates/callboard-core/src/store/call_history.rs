//! Finished calls for the Calls page and its export: filters, full-text search across transcripts and
//! summaries (the FTS5 indexes of migration 0018), keyset pages newest first.

use rusqlite::{Connection, params_from_iter, types::Value as SqlValue};

use super::{
    StoreResult,
    attempts::IN_FLIGHT,
    call_board::{BoardCall, SELECT, from_row},
};

/// Which finished calls.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistoryFilter {
    /// Words to find in what was said or in the summary (every word must occur; the last may be a prefix).
    pub search: Option<String>,
    pub campaign_id: Option<i64>,
    pub agent_id: Option<i64>,
    /// Final statuses: `completed`, `transferred`, `voicemail`, `no_answer`, `busy`, `failed`, `cancelled`.
    pub outcomes: Vec<String>,
    /// Ended at or after / before (RFC 3339, UTC as stored).
    pub since: Option<String>,
    pub until: Option<String>,
    /// Keyset: calls with a smaller id than this.
    pub before: Option<i64>,
    pub limit: i64,
}

/// Turns what a person typed into an FTS5 query: each word quoted (so `-`, `:` or `"` are text, not
/// syntax), all required, the last one a prefix so results follow the typing. `None` when nothing is left.
pub fn fts_query(typed: &str) -> Option<String> {
    let words: Vec<String> = typed
        .split_whitespace()
        .map(|w| w.replace('"', "\"\""))
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .map(|w| format!("\"{w}\""))
        .collect();
    let last = words.len().checked_sub(1)?;
    Some(
        words
            .iter()
            .enumerate()
            .map(|(i, w)| if i == last { format!("{w}*") } else { w.clone() })
            .collect::<Vec<_>>()
            .join(" "),
    )
}

fn where_clause(f: &HistoryFilter, keyset: bool) -> (String, Vec<SqlValue>) {
    let mut clauses = vec![format!("k.status NOT IN ({IN_FLIGHT})")];
    let mut args: Vec<SqlValue> = Vec::new();
    if let Some(q) = f.search.as_deref().and_then(fts_query) {
        clauses.push(
            "k.id IN (SELECT call_id FROM call_transcript_lines WHERE id IN \
                 (SELECT rowid FROM call_search_lines WHERE call_search_lines MATCH ?) \
             UNION SELECT rowid FROM call_search_calls WHERE call_search_calls MATCH ?)"
                .into(),
        );
        args.push(SqlValue::Text(q.clone()));
        args.push(SqlValue::Text(q));
    }
    if let Some(c) = f.campaign_id {
        clauses.push("k.campaign_id = ?".into());
        args.push(SqlValue::Integer(c));
    }
    if let Some(a) = f.agent_id {
        clauses.push("k.agent_id = ?".into());
        args.push(SqlValue::Integer(a));
    }
    if !f.outcomes.is_empty() {
        clauses.push(format!("k.status IN ({})", vec!["?"; f.outcomes.len()].join(",")));
        args.extend(f.outcomes.iter().map(|s| SqlValue::Text(s.clone())));
    }
    if let Some(s) = &f.since {
        clauses.push("COALESCE(k.ended_at, k.updated_at) >= ?".into());
        args.push(SqlValue::Text(s.clone()));
    }
    if let Some(u) = &f.until {
        clauses.push("COALESCE(k.ended_at, k.updated_at) < ?".into());
        args.push(SqlValue::Text(u.clone()));
    }
    if keyset && let Some(b) = f.before {
        clauses.push("k.id < ?".into());
        args.push(SqlValue::Integer(b));
    }
    (clauses.join(" AND "), args)
}

/// One page of finished calls, newest first.
pub fn page(conn: &Connection, f: &HistoryFilter) -> StoreResult<Vec<BoardCall>> {
    let (clause, mut args) = where_clause(f, true);
    args.push(SqlValue::Integer(f.limit));
    let sql = format!("{SELECT} WHERE {clause} ORDER BY k.id DESC LIMIT ?");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(args), from_row)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// How many finished calls match (every page, not only this one).
pub fn count(conn: &Connection, f: &HistoryFilter) -> StoreResult<i64> {
    let (clause, args) = where_clause(f, false);
    let sql = format!("SELECT COUNT(*) FROM calls k WHERE {clause}");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params_from_iter(args), |r| r.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::fts_query;
    use proptest::prelude::*;

    #[test]
    fn typed_words_become_a_safe_prefix_query() {
        assert_eq!(fts_query("test drive").as_deref(), Some("\"test\" \"drive\"*"));
        assert_eq!(fts_query("  SUV  ").as_deref(), Some("\"SUV\"*"));
        assert_eq!(
            fts_query("say \"hi\"").as_deref(),
            Some("\"say\" \"\"\"hi\"\"\"*")
        );
        assert_eq!(fts_query(" - : * ").as_deref(), None);
        assert_eq!(fts_query("").as_deref(), None);
    }

    proptest! {
        /// Whatever is typed, the query is valid FTS5 (SQLite accepts it) or there is none.
        #[test]
        fn any_typed_text_is_a_valid_query(typed in "\\PC{0,40}") {
            let conn = rusqlite::Connection::open_in_memory().map_err(|e| TestCaseError::fail(e.to_string()))?;
            conn.execute_batch("CREATE VIRTUAL TABLE t USING fts5(text); INSERT INTO t VALUES ('hello world');")
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            if let Some(q) = fts_query(&typed) {
                let r: rusqlite::Result<i64> =
                    conn.query_row("SELECT COUNT(*) FROM t WHERE t MATCH ?1", [&q], |r| r.get(0));
                prop_assert!(r.is_ok(), "{typed:?} → {q:?}: {r:?}");
            }
        }
    }
}
