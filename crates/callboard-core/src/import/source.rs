//! Opening a file as a stream of rows, whatever its format: the format is chosen by extension and checked
//! against the first bytes (a password-protected XLSX is an OLE container, not a zip).

use std::{
    fs::File,
    io::Read,
    path::{Path, PathBuf},
};

use super::{ImportError, delimited::DelimitedRows, sheet::SheetRows};

/// One row as read: its 1-based row number in the file (as a spreadsheet shows it) and its cells.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawRow {
    pub number: u64,
    pub cells: Vec<String>,
    /// Some cell was not valid in the file's encoding (it holds U+FFFD instead).
    pub bad_encoding: bool,
}

impl RawRow {
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.trim().is_empty())
    }
}

/// A stream of rows.
pub trait RowSource: Send {
    fn next_row(&mut self) -> Result<Option<RawRow>, ImportError>;
    /// [`RowSource::next_row`] into `row`, whose buffers a source may reuse (a big import reads a million
    /// rows: one allocation per cell per row was a tenth of the reading thread's time). False at the end.
    fn next_row_into(&mut self, row: &mut RawRow) -> Result<bool, ImportError> {
        match self.next_row()? {
            Some(r) => {
                *row = r;
                Ok(true)
            }
            None => Ok(false),
        }
    }
    /// A short description for the preview (format, encoding, delimiter, sheet).
    fn describe(&self) -> String;
    /// About how many rows the source holds, known without reading it all (sizes the import's chunks while
    /// the first pass counts them exactly); `None` when only reading it all would tell.
    fn estimated_rows(&self) -> Option<u64> {
        None
    }
    /// Reads to the end, counting non-blank rows; fails like [`RowSource::next_row`] would.
    fn count_rows(&mut self) -> Result<u64, ImportError> {
        let mut n = 0;
        while let Some(r) = self.next_row()? {
            n += u64::from(!r.is_blank());
        }
        Ok(n)
    }
}

/// Which sheet of a workbook to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SheetChoice {
    /// The first sheet that has any cell.
    #[default]
    FirstNonEmpty,
    Named(String),
}

const ZIP: &[u8] = b"PK\x03\x04";
const OLE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Whether [`open`] reads `path` as delimited text (streamed) rather than as a workbook.
pub fn is_delimited(path: &Path) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    matches!(ext.as_str(), "csv" | "tsv" | "txt" | "tab" | "")
}

/// Opens `path` as rows.
pub fn open(path: &Path, sheet: &SheetChoice) -> Result<Box<dyn RowSource>, ImportError> {
    let file = path.to_path_buf();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mut magic = [0u8; 8];
    let n = File::open(path)
        .and_then(|mut f| read_up_to(&mut f, &mut magic))
        .map_err(|source| ImportError::Open {
            file: file.clone(),
            source,
        })?;
    if n == 0 {
        return Err(ImportError::Empty { file });
    }
    let magic = &magic[..n];
    match ext.as_str() {
        "xlsx" | "xlsm" | "xlsb" | "ods" => {
            if magic.starts_with(OLE) && ext != "ods" {
                return Err(ImportError::Workbook {
                    file,
                    message:
                        "the workbook is password-protected (encrypted); save it without a password and \
                              try again"
                            .into(),
                });
            }
            if !magic.starts_with(ZIP) {
                return Err(corrupt(file, &ext));
            }
            Ok(Box::new(SheetRows::open(file, sheet.clone())?))
        }
        "xls" => {
            if !magic.starts_with(OLE) {
                return Err(corrupt(file, &ext));
            }
            Ok(Box::new(SheetRows::open(file, sheet.clone())?))
        }
        "csv" | "tsv" | "txt" | "tab" | "" => {
            Ok(Box::new(DelimitedRows::open(file, ext == "tsv" || ext == "tab")?))
        }
        _ if magic.starts_with(ZIP) || magic.starts_with(OLE) => {
            Ok(Box::new(SheetRows::open(file, sheet.clone())?))
        }
        other => Err(ImportError::Unsupported {
            file,
            ext: other.to_owned(),
        }),
    }
}

fn corrupt(file: PathBuf, ext: &str) -> ImportError {
    ImportError::Workbook {
        file,
        message: format!("the file is damaged or not really a .{ext} workbook"),
    }
}

/// Reads until `buf` is full or the file ends.
pub(crate) fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}
