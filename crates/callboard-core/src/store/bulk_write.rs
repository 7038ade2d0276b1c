//! [`BulkWrite`]: what an import holds while it writes, so that the store's WAL checkpoints wait for it
//! (why: [`super::checkpoint`]).

use super::Store;

/// While one lives, the store's background checkpoints and the writer's WAL tail checkpoints wait (until the
/// WAL file passes a bound); dropping it wakes the checkpointer. It keeps its store open.
#[must_use = "checkpoints wait only while the BulkWrite lives"]
pub struct BulkWrite {
    store: Store,
}

impl Store {
    /// Holds WAL checkpoints for a bulk write (an import's chunks, one transaction after another) until the
    /// returned guard is dropped. Nothing is held for an in-memory store, which has no WAL.
    pub fn bulk_write(&self) -> BulkWrite {
        if let Some(hold) = self.checkpoint_hold() {
            hold.begin_bulk_write();
        }
        BulkWrite { store: self.clone() }
    }
}

impl Drop for BulkWrite {
    fn drop(&mut self) {
        if let Some(hold) = self.store.checkpoint_hold() {
            hold.end_bulk_write();
        }
    }
}

impl std::fmt::Debug for BulkWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkWrite").finish_non_exhaustive()
    }
}
