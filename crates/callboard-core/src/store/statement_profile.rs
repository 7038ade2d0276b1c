//! Where the writer's SQL time goes, statement by statement: an opt-in diagnostic for the benchmarks. With
//! `CALLBOARD_SQL_PROFILE` set in the environment, the writer connection reports every statement it finishes
//! (SQLite's profile trace) and the totals are kept per SQL text; [`super::Store::stats`] hands them out.
//!
//! SQLite times a statement with its millisecond clock, so one run's figure is 0 or 1 ms: only the totals
//! over many runs mean something (the rounding evens out). Off, it costs nothing: no trace is installed.

use std::{collections::HashMap, sync::Mutex, time::Duration};

use rusqlite::{
    Connection,
    trace::{TraceEvent, TraceEventCodes},
};

/// The environment variable that switches the profile on.
pub const ENV: &str = "CALLBOARD_SQL_PROFILE";

/// One statement's totals.
#[derive(Debug, Clone, PartialEq)]
pub struct StatementTotals {
    /// The statement's text with its whitespace collapsed.
    pub sql: String,
    pub runs: u64,
    pub time: Duration,
}

/// Totals per SQL text, filled by the writer's trace callback.
#[derive(Debug, Default)]
pub struct StatementProfile {
    by_sql: Mutex<HashMap<String, (u64, Duration)>>,
}

impl StatementProfile {
    fn record(&self, sql: &str, time: Duration) {
        let Ok(mut by_sql) = self.by_sql.lock() else {
            return;
        };
        // Looked up by the text SQLite hands over: no allocation but for a statement's first run.
        if let Some(t) = by_sql.get_mut(sql) {
            t.0 += 1;
            t.1 += time;
        } else {
            by_sql.insert(sql.to_owned(), (1, time));
        }
    }

    /// Every statement seen, most total time first.
    pub fn totals(&self) -> Vec<StatementTotals> {
        let Ok(by_sql) = self.by_sql.lock() else {
            return Vec::new();
        };
        let mut out: Vec<StatementTotals> = by_sql
            .iter()
            .map(|(sql, (runs, time))| StatementTotals {
                sql: sql.split_whitespace().collect::<Vec<_>>().join(" "),
                runs: *runs,
                time: *time,
            })
            .collect();
        out.sort_by(|a, b| b.time.cmp(&a.time).then_with(|| a.sql.cmp(&b.sql)));
        out
    }
}

/// Installs the profile on `conn` when [`ENV`] is set.
pub(super) fn install_if_asked(conn: &mut Connection) -> Option<std::sync::Arc<StatementProfile>> {
    std::env::var_os(ENV)?;
    install(conn)
}

fn install(conn: &mut Connection) -> Option<std::sync::Arc<StatementProfile>> {
    let profile = std::sync::Arc::new(StatementProfile::default());
    let sink = profile.clone();
    let installed = conn.trace_v2(
        TraceEventCodes::SQLITE_TRACE_PROFILE,
        Some(move |event: TraceEvent<'_>| {
            if let TraceEvent::Profile(stmt, time) = event {
                sink.record(&stmt.sql(), time);
            }
        }),
    );
    match installed {
        Ok(()) => Some(profile),
        Err(e) => {
            tracing::warn!(error = %e, "cannot install the SQL profile");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_counted_per_statement_text() {
        let mut conn = Connection::open_in_memory().unwrap_or_else(|e| panic!("{e}"));
        let profile = install(&mut conn).unwrap_or_else(|| panic!("no profile"));
        conn.execute_batch("CREATE TABLE t(x)")
            .unwrap_or_else(|e| panic!("{e}"));
        for i in 0..3 {
            conn.prepare_cached("INSERT INTO t(x)\n   VALUES (?1)")
                .and_then(|mut s| s.execute([i]))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let totals = profile.totals();
        let insert = totals
            .iter()
            .find(|t| t.sql == "INSERT INTO t(x) VALUES (?1)")
            .unwrap_or_else(|| panic!("{totals:?}"));
        assert_eq!(insert.runs, 3);
        assert!(totals.iter().any(|t| t.sql == "CREATE TABLE t(x)" && t.runs == 1));
    }
}
