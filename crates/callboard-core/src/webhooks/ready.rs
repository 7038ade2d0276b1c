//! A journal row read and parsed off the writer thread, ready for the applier's transaction: what the event
//! says, its facts as stored on the row, and the call's columns if the event is the call's only one.

use super::{
    Provider,
    extract::{Extracted, extract},
};
use crate::store::call_events;

/// A row read and parsed off the writer thread, ready to apply.
pub(crate) struct Ready {
    pub(crate) provider: Provider,
    /// What the event says; its facts are moved into `full`.
    pub(crate) x: Extracted,
    /// The facts as the JSON stored on the row, without the transcript and the analysis: those go to the
    /// call's own columns, and only a transcription carries them (one per call), so no later fold needs them
    /// back; storing them again doubled the row (and its share of the WAL).
    pub(crate) facts: String,
    /// The facts in full, for folding this event with the call's earlier ones.
    pub(crate) full: super::extract::Facts,
    /// The call's derived columns if this is its only event (a call the event creates): folded here, so the
    /// writer does not serialise the transcript and analysis again.
    pub(crate) alone: crate::store::calls::Derived,
}

/// What a stored row says, with its facts as the JSON to store (serialised here, off the writer thread), or
/// why it cannot be read.
pub(crate) fn extract_row(
    row: &call_events::Stored,
    data_dir: &std::path::Path,
    keep_audio: bool,
) -> Result<Ready, String> {
    let provider =
        Provider::parse(&row.provider).ok_or_else(|| format!("unknown provider {}", row.provider))?;
    let owned;
    let body: &[u8] = match (&row.body, &row.body_path) {
        (Some(b), _) => b,
        (None, Some(p)) => {
            owned = std::fs::read(data_dir.join(p)).map_err(|e| format!("cannot read {p}: {e}"))?;
            &owned
        }
        (None, None) => &[],
    };
    let recordings_in = keep_audio.then_some(data_dir);
    let mut x =
        extract(provider, &row.kind, &row.content_type, body, recordings_in).map_err(|e| e.to_string())?;
    let mut full = std::mem::take(&mut x.facts);
    let (transcript, analysis) = (full.transcript.take(), full.analysis.take());
    let facts = serde_json::to_string(&full).map_err(|e| format!("cannot store the facts: {e}"))?;
    (full.transcript, full.analysis) = (transcript, analysis);
    let alone = super::fold::fold_facts(vec![(full.clone(), row.idempotency_key.clone(), row.id)]);
    Ok(Ready {
        provider,
        x,
        facts,
        full,
        alone,
    })
}
