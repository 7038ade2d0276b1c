//! The import's writing thread: chunks from the reading thread go into the store, one transaction per chunk
//! or two, the first one committed only once the first pass has found the whole file readable.

use std::sync::{
    atomic::{AtomicU64, Ordering},
    mpsc::{Receiver, Sender, TryRecvError},
};

use super::{Control, Progress};
use crate::{
    import::packed::Packed,
    store::{Store, StoreError, contacts::ImportWriter},
};

/// Chunks one transaction may take, when the next is ready as the last is written. Each commit rewrites every
/// page of the phone index that its random numbers touched, most of the index for a big file: on the 1M-row
/// bench up to two chunks per commit wrote 0.039–0.042 instead of 0.055 phone-index pages to the WAL per row.
/// (100,000-row chunks wrote 0.031 but held 55 MB more in memory; a shared transaction holds no more.)
const CHUNKS_PER_TRANSACTION: usize = 2;
/// Chunks the first transaction may take while the first pass is still reading (bounds what a broken file or
/// a cancel rolls back, and the WAL it leaves; the first pass reads far faster than the writer writes, so it
/// is usually done long before).
const FIRST_TRANSACTION_CHUNKS: usize = 8;

/// Why the writer's transaction was rolled back instead of committed.
enum Rollback {
    Store(StoreError),
    /// The first pass found the file broken (it reports how) before anything was committed.
    Broken,
    /// Cancelled before the first pass finished: nothing is committed then, since the file is not known to
    /// be whole.
    Cancelled,
}

impl From<StoreError> for Rollback {
    fn from(e: StoreError) -> Self {
        Rollback::Store(e)
    }
}

/// The first pass's verdict if it has come: `Ok(Some(rows))`, or `Err` for a broken file (or a first pass that
/// died); `Ok(None)` while it is still reading.
fn poll_gate(gate: &Receiver<Option<u64>>) -> Result<Option<u64>, Rollback> {
    match gate.try_recv() {
        Ok(Some(rows)) => Ok(Some(rows)),
        Err(TryRecvError::Empty) => Ok(None),
        Ok(None) | Err(TryRecvError::Disconnected) => Err(Rollback::Broken),
    }
}

/// The committer's loop: one transaction per chunk (or [`CHUNKS_PER_TRANSACTION`] when the reader keeps up)
/// until the channel closes or the import is cancelled. The first transaction is written while the first
/// pass still reads the file, and committed once that pass has found the whole file readable (or rolled back
/// if not): the writer does not wait idle for it, and a broken file still imports nothing. On the 1M-row
/// bench the writer used to start 0.45 s after the reader.
#[allow(clippy::too_many_arguments)]
pub(super) fn write_chunks(
    store: &Store,
    control: &Control,
    mut rx: Receiver<Packed>,
    done: &Sender<Packed>,
    mut gate: Receiver<Option<u64>>,
    campaign_id: i64,
    now: &str,
    rows_read: &AtomicU64,
) -> Result<u64, StoreError> {
    let mut committed = 0u64;
    // The exact row count, once the first pass has read the whole file without an error.
    let mut exact_total = None;
    while let Ok(first) = rx.recv() {
        if control.is_cancelled() {
            break;
        }
        let (now, done, in_tx_control) = (now.to_owned(), done.clone(), control.clone());
        let stepped = store.with_tx_blocking(move |tx| -> Result<_, Rollback> {
            let mut w = ImportWriter::new(tx)?;
            let (mut n, mut chunk, mut taken, mut total) = (0, first, 1, exact_total);
            loop {
                n += write_chunk(&mut w, &chunk, campaign_id, &now)?;
                // Its rows are in the transaction: the buffers go back to the reading thread now, so no more
                // than two chunks are ever in memory however many share a transaction.
                let _ = done.send(chunk);
                if in_tx_control.is_cancelled() {
                    break;
                }
                if total.is_none() {
                    total = poll_gate(&gate)?;
                }
                let next = match total {
                    Some(_) if taken == CHUNKS_PER_TRANSACTION => break,
                    // Only a chunk the reader is handing over right now (the writer is the slower side, so
                    // it usually is): a transaction never waits on the reader once the file is known whole.
                    Some(_) => rx.try_recv().ok(),
                    None if taken == FIRST_TRANSACTION_CHUNKS => break,
                    // Until then, waiting for the next chunk is what the writer would do anyway.
                    None => rx.recv().ok(),
                };
                match next {
                    Some(next) => (chunk, taken) = (next, taken + 1),
                    None => break,
                }
            }
            // Nothing is committed before the first pass has read the whole file.
            let total = match total {
                Some(total) => total,
                None if in_tx_control.is_cancelled() => return Err(Rollback::Cancelled),
                None => gate.recv().ok().flatten().ok_or(Rollback::Broken)?,
            };
            w.finish()?;
            Ok((n, rx, total, gate))
        });
        let (n, total_rows);
        (n, rx, total_rows, gate) = match stepped {
            Ok(stepped) => stepped,
            Err(Rollback::Store(e)) => return Err(e),
            // The caller reports the first pass's error, or the cancel, with nothing written.
            Err(Rollback::Broken | Rollback::Cancelled) => break,
        };
        exact_total = Some(total_rows);
        committed += n;
        control.report(Progress {
            total_rows,
            rows_scanned: total_rows,
            rows_read: rows_read.load(Ordering::Relaxed),
            committed,
        });
    }
    Ok(committed)
}

/// Writes one chunk's contacts (new numbers in multi-row inserts, known ones upserted one by one) and then
/// all its members in one statement; returns how many rows it held.
fn write_chunk(
    w: &mut ImportWriter<'_>,
    chunk: &Packed,
    campaign_id: i64,
    now: &str,
) -> Result<u64, StoreError> {
    // Contacts go in in the chunk's order (by phone); their ids are put back in the file's order, in which
    // the members are added: the campaign dials them in that order.
    // One walk over the chunk (each contact's fields are cut out of its text once).
    let (mut new, mut new_at, mut known) = (
        Vec::with_capacity(chunk.len()),
        Vec::with_capacity(chunk.len()),
        Vec::new(),
    );
    for c in chunk.in_order() {
        if c.known {
            known.push(c);
        } else {
            new.push(c.fields);
            new_at.push(c.position);
        }
    }
    let mut in_file_order = vec![0; chunk.len()];
    for (id, at) in w.insert_new_all(&new, now)?.into_iter().zip(new_at) {
        in_file_order[at] = id;
    }
    for c in known {
        in_file_order[c.position] = w.upsert_fields(c.fields, now)?;
    }
    w.add_all_to_campaign(campaign_id, &in_file_order, now)?;
    Ok(chunk.len() as u64)
}

#[cfg(test)]
mod tests {
    use std::{sync::mpsc::sync_channel, thread};

    use super::*;
    use crate::{
        campaign::{CampaignSettings, CampaignStatus},
        store::{campaigns, contacts::ContactFields},
    };

    const NOW: &str = "2026-11-28T00:00:00Z";

    /// A chunk of `n` new contacts numbered from `first`.
    fn chunk(first: usize, n: usize) -> Packed {
        let phones: Vec<String> = (first..first + n).map(|i| format!("+9655{i:07}")).collect();
        let mut chunk = Packed::default();
        for phone in &phones {
            let fields = ContactFields {
                phone_e164: phone,
                time_zones: "[]",
                time_zone_source: "number",
                variables: "{}",
                ..ContactFields::default()
            };
            chunk.push(&fields, false);
        }
        chunk
    }

    /// Hands three chunks to a writer whose first pass has not finished (each hand-over is a rendezvous, so
    /// the writer took them, and wrote the first two, before the verdict), then gives the first pass's
    /// `verdict`. Returns what the writer says it committed and the contacts stored.
    fn write_before_the_verdict(verdict: Option<u64>) -> Result<(u64, i64), StoreError> {
        let store = Store::open_in_memory()?;
        let campaign_id = store.with_tx_blocking(|tx| -> Result<i64, StoreError> {
            let settings = CampaignSettings {
                name: "Gate".into(),
                ..CampaignSettings::default()
            };
            Ok(campaigns::insert(tx, &settings, CampaignStatus::Draft, NOW)?.id)
        })?;
        let (chunks, rx) = sync_channel::<Packed>(0);
        let (gate_tx, gate) = sync_channel::<Option<u64>>(1);
        let (done, _returned) = std::sync::mpsc::channel();
        let writer = {
            let store = store.clone();
            thread::spawn(move || {
                write_chunks(
                    &store,
                    &Control::default(),
                    rx,
                    &done,
                    gate,
                    campaign_id,
                    NOW,
                    &AtomicU64::new(30),
                )
            })
        };
        for first in [0, 10, 20] {
            chunks.send(chunk(first, 10)).map_err(|_| StoreError::Closed)?;
        }
        drop(chunks);
        gate_tx.send(verdict).map_err(|_| StoreError::Closed)?;
        let committed = writer.join().map_err(|_| StoreError::Panicked)??;
        let stored =
            store.read_blocking(|c| Ok(c.query_row("SELECT COUNT(*) FROM contacts", [], |r| r.get(0))?))?;
        Ok((committed, stored))
    }

    #[test]
    fn chunks_written_before_the_first_pass_finishes_are_committed_when_it_finds_the_file_whole()
    -> Result<(), StoreError> {
        assert_eq!(write_before_the_verdict(Some(30))?, (30, 30));
        Ok(())
    }

    #[test]
    fn chunks_written_before_the_first_pass_finds_the_file_broken_are_rolled_back() -> Result<(), StoreError>
    {
        assert_eq!(write_before_the_verdict(None)?, (0, 0));
        Ok(())
    }
}
