//! Contacts import: a CSV/TSV/XLSX/XLSB/XLS/ODS file becomes contacts in a campaign. The pipeline is
//! `source` (rows from any format, streamed) → `header` (find the header row, map columns) → `validate`
//! (one outcome per row: a contact or exactly one [`RowCode`]) → `commit` (chunked transactions on the
//! store's writer, cancellable, re-runnable without duplicates). Nothing here touches the async executor:
//! callers run [`preview`] and [`commit`] on a blocking thread.

mod campaign;
mod commit;
mod delimited;
pub mod encoding;
mod error;
pub mod errors_csv;
pub mod gsheets;
pub mod header;
pub mod jobs;
mod packed;
mod plan;
mod prefetch;
mod record_scan;
pub mod sheet;
pub mod source;
mod spool;
pub mod uploads;
mod validate;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use campaign::find_or_create as find_or_create_campaign;
pub use commit::{Control, Progress, commit};
pub use error::ImportError;
pub use header::{Field, Mapping, Target};
pub use plan::{Plan, PreviewRow, inspect, preview};
pub use source::SheetChoice;
pub use validate::{RowCode, RowError, unexcel};

use crate::phone::Region;

/// Rows per transaction at least: large enough to amortise the commit, small enough that a cancel is quick.
/// Big files use larger chunks (see `commit`).
pub const CHUNK_ROWS: usize = 5_000;
/// Most row errors kept in a summary (counts stay exact).
pub const MAX_ERRORS: usize = 100_000;

/// What to import, and where.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub file: PathBuf,
    pub campaign_id: i64,
    /// Default region for numbers without a country code.
    pub region: Region,
    /// When set, numbers from other regions are rejected with `WRONG_REGION`.
    pub allowed_regions: Option<Vec<String>>,
    pub sheet: SheetChoice,
    /// A mapping chosen by the user; otherwise a saved template for the header, otherwise the automatic one.
    pub mapping: Option<Mapping>,
    /// The smallest chunk; a big file is written in about twenty chunks of up to 50,000 rows.
    pub chunk_rows: usize,
}

impl ImportOptions {
    pub fn new(file: impl Into<PathBuf>, campaign_id: i64, region: Region) -> Self {
        ImportOptions {
            file: file.into(),
            campaign_id,
            region,
            allowed_regions: None,
            sheet: SheetChoice::default(),
            mapping: None,
            chunk_rows: CHUNK_ROWS,
        }
    }
}

/// The outcome of an import (or of a preview, which writes nothing).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Data rows (blank rows and the header excluded).
    pub total: u64,
    pub imported: u64,
    /// Rows with any code other than a duplicate or do-not-call.
    pub invalid: u64,
    /// `DUPLICATE_IN_FILE` and `DUPLICATE_IN_CAMPAIGN`.
    pub duplicates: u64,
    /// `ON_DNC`.
    pub suppressed: u64,
    pub errors: Vec<RowError>,
    /// True when more than [`MAX_ERRORS`] rows failed and only the first ones are listed.
    pub errors_truncated: bool,
    pub cancelled: bool,
    /// The 1-based file row holding the header.
    pub header_row: u64,
    pub mapping: Mapping,
    /// Format, encoding, delimiter or sheet.
    pub source: String,
}

impl Summary {
    fn record(&mut self, e: RowError) {
        match e.code {
            RowCode::DuplicateInFile | RowCode::DuplicateInCampaign => self.duplicates += 1,
            RowCode::OnDnc => self.suppressed += 1,
            _ => self.invalid += 1,
        }
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(e);
        } else {
            self.errors_truncated = true;
        }
    }
}

/// Saves `mapping` as the template for files whose header is `header`; later imports of such files use it.
pub fn save_template(
    store: &crate::store::Store,
    name: &str,
    header: &[String],
    mapping: &Mapping,
    now: &str,
) -> Result<crate::store::import_templates::Template, ImportError> {
    let signature = header::signature(header);
    let json = serde_json::to_string(mapping).map_err(|e| ImportError::Invalid(e.to_string()))?;
    let (name, now) = (name.to_owned(), now.to_owned());
    Ok(store.with_tx_blocking(move |tx| {
        crate::store::import_templates::save(tx, &name, &signature, &json, &now)
    })?)
}
