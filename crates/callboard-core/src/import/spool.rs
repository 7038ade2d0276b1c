//! A workbook's first pass keeps the rows it reads. Reading a sheet (unzipping it, parsing its XML, decoding
//! its cells) is most of a workbook import's time, and no row may be written before the first pass has read
//! the whole sheet: a workbook broken far down its sheet must import nothing. The first pass used to read the
//! workbook only to count its rows, and the import then read it all again. Now the first pass writes each row
//! to an anonymous temporary file next to the database, and the import reads the rows back from there: the
//! same rows, blank ones included, in the same order, as the workbook reader gave them.
//!
//! The file has no name (it is gone when closed, even after a crash) and holds, per row: its number (u64),
//! its bad-encoding flag (u8), its cell count (u32), then each cell as a length (u32) and UTF-8 bytes, all
//! little-endian.

use std::{
    fs::File,
    io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write},
    path::{Path, PathBuf},
};

use super::{
    ImportError,
    source::{RawRow, RowSource},
};

/// Rows read between two calls of the caller's `keep_going` (progress and the cancel flag).
const REPORT_EVERY: u64 = 16_384;

/// How a first pass that keeps its rows ended.
pub enum Spooled {
    /// The whole source was read: its rows, and how many of them are not blank.
    Read { rows: SpooledRows, non_blank: u64 },
    /// `keep_going` said to stop before the end.
    Cancelled,
}

/// Reads `source` to its end into a temporary file in `dir`, failing as the source fails. `file` names the
/// imported file in errors. `keep_going` is told how many rows have been read every [`REPORT_EVERY`] rows,
/// and stops the pass when it returns false.
pub fn spool(
    mut source: Box<dyn RowSource>,
    dir: &Path,
    file: &Path,
    mut keep_going: impl FnMut(u64) -> bool,
) -> Result<Spooled, ImportError> {
    let io_err = |e: io::Error| spool_error(file, dir, e);
    let mut out = BufWriter::with_capacity(1 << 16, tempfile::tempfile_in(dir).map_err(io_err)?);
    let (mut rows, mut non_blank) = (0u64, 0u64);
    let mut row = RawRow::default();
    while source.next_row_into(&mut row)? {
        write_row(&mut out, &row).map_err(io_err)?;
        rows += 1;
        non_blank += u64::from(!row.is_blank());
        if rows.is_multiple_of(REPORT_EVERY) && !keep_going(rows) {
            return Ok(Spooled::Cancelled);
        }
    }
    let mut spooled = out.into_inner().map_err(|e| io_err(e.into_error()))?;
    spooled.seek(SeekFrom::Start(0)).map_err(io_err)?;
    Ok(Spooled::Read {
        rows: SpooledRows {
            reader: BufReader::with_capacity(1 << 16, spooled),
            remaining: rows,
            describe: source.describe(),
            file: file.to_path_buf(),
        },
        non_blank,
    })
}

fn spool_error(file: &Path, dir: &Path, e: io::Error) -> ImportError {
    ImportError::Invalid(format!(
        "{}: cannot keep the workbook's rows in a temporary file in {}: {e}",
        file.display(),
        dir.display()
    ))
}

fn write_row(out: &mut impl Write, row: &RawRow) -> io::Result<()> {
    out.write_all(&row.number.to_le_bytes())?;
    out.write_all(&[u8::from(row.bad_encoding)])?;
    out.write_all(&len_u32(row.cells.len())?.to_le_bytes())?;
    for cell in &row.cells {
        out.write_all(&len_u32(cell.len())?.to_le_bytes())?;
        out.write_all(cell.as_bytes())?;
    }
    Ok(())
}

fn len_u32(n: usize) -> io::Result<u32> {
    u32::try_from(n).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a cell of over 4 GB"))
}

/// The rows a first pass kept, read back in order.
pub struct SpooledRows {
    reader: BufReader<File>,
    remaining: u64,
    describe: String,
    file: PathBuf,
}

impl SpooledRows {
    fn read_row(&mut self, row: &mut RawRow) -> io::Result<()> {
        let mut u64_bytes = [0u8; 8];
        self.reader.read_exact(&mut u64_bytes)?;
        row.number = u64::from_le_bytes(u64_bytes);
        let mut flag = [0u8; 1];
        self.reader.read_exact(&mut flag)?;
        row.bad_encoding = flag[0] != 0;
        let cells = self.read_len()?;
        row.cells.truncate(cells);
        row.cells.resize_with(cells, String::new);
        for cell in &mut row.cells {
            let len = self.read_len()?;
            let mut bytes = std::mem::take(cell).into_bytes();
            bytes.clear();
            bytes.resize(len, 0);
            self.reader.read_exact(&mut bytes)?;
            *cell = String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        }
        Ok(())
    }

    fn read_len(&mut self) -> io::Result<usize> {
        let mut bytes = [0u8; 4];
        self.reader.read_exact(&mut bytes)?;
        usize::try_from(u32::from_le_bytes(bytes)).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "a length beyond this machine's memory",
            )
        })
    }
}

impl RowSource for SpooledRows {
    fn next_row(&mut self) -> Result<Option<RawRow>, ImportError> {
        let mut row = RawRow::default();
        Ok(self.next_row_into(&mut row)?.then_some(row))
    }

    fn next_row_into(&mut self, row: &mut RawRow) -> Result<bool, ImportError> {
        if self.remaining == 0 {
            return Ok(false);
        }
        self.read_row(row).map_err(|e| {
            ImportError::Invalid(format!(
                "{}: cannot read back the workbook's rows from their temporary file: {e}",
                self.file.display()
            ))
        })?;
        self.remaining -= 1;
        Ok(true)
    }

    fn describe(&self) -> String {
        self.describe.clone()
    }

    fn estimated_rows(&self) -> Option<u64> {
        Some(self.remaining)
    }
}

#[cfg(test)]
mod tests;
