//! File-level import errors: the file cannot be read at all (as opposed to a bad row, which carries a
//! [`super::RowCode`] and never stops the import). Every message names the file and, where it applies, the row.

use std::path::PathBuf;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{file}: cannot open: {source}")]
    Open { file: PathBuf, source: std::io::Error },
    #[error("{file}: the file is empty")]
    Empty { file: PathBuf },
    #[error("{file}: not a spreadsheet or text file ({why})")]
    NotText { file: PathBuf, why: String },
    #[error("{file}: row {row}: {message}")]
    Row {
        file: PathBuf,
        row: u64,
        message: String,
    },
    #[error("{file}: cannot read the workbook: {message}")]
    Workbook { file: PathBuf, message: String },
    #[error("{file}: no header row with a phone column in the first {rows} rows")]
    NoHeader { file: PathBuf, rows: usize },
    #[error("{file}: unsupported file type '{ext}' (use CSV, TSV, TXT, XLSX, XLSM, XLSB, XLS or ODS)")]
    Unsupported { file: PathBuf, ext: String },
    #[error("{0}")]
    Invalid(String),
    #[error("the import was cancelled")]
    Cancelled,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ImportError {
    /// A stable code for the API edge.
    pub fn code(&self) -> &'static str {
        match self {
            ImportError::Open { .. } => "FILE_OPEN",
            ImportError::Empty { .. } => "FILE_EMPTY",
            ImportError::NotText { .. } => "FILE_NOT_TEXT",
            ImportError::Row { .. } => "FILE_ROW",
            ImportError::Workbook { .. } => "FILE_WORKBOOK",
            ImportError::NoHeader { .. } => "NO_HEADER",
            ImportError::Unsupported { .. } => "FILE_UNSUPPORTED",
            ImportError::Invalid(_) => "INVALID",
            ImportError::Cancelled => "CANCELLED",
            ImportError::Store(_) => "STORE",
        }
    }
}
