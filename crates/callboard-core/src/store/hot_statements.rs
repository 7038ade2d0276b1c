//! Hot statements stay prepared once. SQLite re-prepares a cached statement on every new binding when
//! planning it compared a parameter with a literal (here: a join on `calls` filtered by `id = ?1`); then the
//! statement cache saves nothing and the writer parses the query again for every event.

use rusqlite::StatementStatus;

use super::{Store, StoreResult, attempts};

#[test]
fn call_context_is_prepared_once_for_any_call() -> StoreResult<()> {
    let store = Store::open_in_memory()?;
    store.with_tx_blocking(|tx| -> StoreResult<()> {
        for id in 100..=104 {
            attempts::call_context(tx, id)?;
        }
        let cached = tx.prepare_cached(attempts::CALL_CONTEXT_SQL)?;
        assert_eq!(cached.get_status(StatementStatus::RePrepare), 0);
        // Still a rowid lookup.
        let plan = super::query_plan::query_plan(tx, attempts::CALL_CONTEXT_SQL)?;
        assert!(
            plan.iter()
                .any(|step| step.contains("SEARCH k USING INTEGER PRIMARY KEY")),
            "{plan:?}"
        );
        Ok(())
    })
}
