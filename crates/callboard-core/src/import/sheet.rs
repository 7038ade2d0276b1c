//! Workbooks (XLSX, XLSM, XLSB, XLS, ODS) through `calamine`. XLSX and XLSB are streamed cell by cell
//! (`worksheet_cells_reader`: a 1M-row sheet in a few MB); XLS and ODS only exist as a whole range in
//! calamine, so they are loaded whole. Reading runs on its own thread and hands rows over in batches, which
//! also overlaps unzipping with validation. Numbers become text without ever going through `{}` on an f64:
//! `96555123456.0` is the phone `96555123456`. Formula cells give their cached values.

use std::{
    fs::File,
    io::BufReader,
    path::{Path, PathBuf},
    sync::mpsc::{Receiver, SyncSender, sync_channel},
    thread,
};

use calamine::{Data, DataRef, Ods, Reader, Sheets, Xls, Xlsb, Xlsx, open_workbook_auto};

use super::{
    ImportError,
    source::{RawRow, RowSource, SheetChoice},
};

const BATCH: usize = 512;

type Batch = Result<Vec<RawRow>, ImportError>;

pub struct SheetRows {
    rx: Receiver<Batch>,
    pending: std::vec::IntoIter<RawRow>,
    describe: String,
}

impl SheetRows {
    pub fn open(file: PathBuf, sheet: SheetChoice) -> Result<Self, ImportError> {
        let (tx, rx) = sync_channel::<Batch>(8);
        let (info_tx, info_rx) = sync_channel::<Result<String, ImportError>>(1);
        let f = file.clone();
        thread::Builder::new()
            .name("import-sheet".into())
            .spawn(move || read_workbook(f, sheet, info_tx, tx))
            .map_err(|source| ImportError::Open {
                file: file.clone(),
                source,
            })?;
        let describe = info_rx.recv().map_err(|_| ImportError::Workbook {
            file: file.clone(),
            message: "the reader stopped unexpectedly".into(),
        })??;
        Ok(SheetRows {
            rx,
            pending: Vec::new().into_iter(),
            describe,
        })
    }
}

impl RowSource for SheetRows {
    fn next_row(&mut self) -> Result<Option<RawRow>, ImportError> {
        loop {
            if let Some(row) = self.pending.next() {
                return Ok(Some(row));
            }
            match self.rx.recv() {
                Ok(batch) => self.pending = batch?.into_iter(),
                Err(_) => return Ok(None),
            }
        }
    }

    fn describe(&self) -> String {
        self.describe.clone()
    }
}

fn workbook_err(file: &Path, e: impl std::fmt::Display) -> ImportError {
    let message = e.to_string();
    let message = if message.to_ascii_lowercase().contains("password") || message.contains("encrypt") {
        format!("the workbook is password-protected (encrypted): {message}")
    } else {
        message
    };
    ImportError::Workbook {
        file: file.to_path_buf(),
        message,
    }
}

/// The reader thread: opens the workbook, picks the sheet, sends rows.
fn read_workbook(
    file: PathBuf,
    choice: SheetChoice,
    info: SyncSender<Result<String, ImportError>>,
    tx: SyncSender<Batch>,
) {
    let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| open_workbook_auto(&file)));
    let mut book = match opened {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => {
            let _ = info.send(Err(workbook_err(&file, e)));
            return;
        }
        Err(_) => {
            let _ = info.send(Err(workbook_err(&file, "the workbook is malformed")));
            return;
        }
    };
    let names = book.sheet_names();
    if let SheetChoice::Named(n) = &choice
        && !names.contains(n)
    {
        let _ = info.send(Err(workbook_err(
            &file,
            format!("no sheet named '{n}' (sheets: {})", names.join(", ")),
        )));
        return;
    }
    let mut out = Out {
        tx,
        batch: Vec::with_capacity(BATCH),
        info: Some(info),
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        stream(&mut book, &file, &names, &choice, &mut out)
    }));
    let result = result.unwrap_or_else(|_| Err(workbook_err(&file, "the workbook is malformed")));
    match result {
        Ok(()) => out.flush(),
        Err(e) => out.fail(e),
    }
}

struct Out {
    tx: SyncSender<Batch>,
    batch: Vec<RawRow>,
    info: Option<SyncSender<Result<String, ImportError>>>,
}

impl Out {
    fn started(&mut self, describe: String) {
        if let Some(info) = self.info.take() {
            let _ = info.send(Ok(describe));
        }
    }

    /// False when the receiving side is gone (cancelled): stop reading.
    fn push(&mut self, row: RawRow) -> bool {
        self.batch.push(row);
        if self.batch.len() >= BATCH {
            let full = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
            return self.tx.send(Ok(full)).is_ok();
        }
        true
    }

    fn flush(mut self) {
        self.started(String::new());
        if !self.batch.is_empty() {
            let _ = self.tx.send(Ok(std::mem::take(&mut self.batch)));
        }
    }

    fn fail(mut self, e: ImportError) {
        match self.info.take() {
            Some(info) => {
                let _ = info.send(Err(e));
            }
            None => {
                let _ = self.tx.send(Err(e));
            }
        }
    }
}

fn stream(
    book: &mut Sheets<BufReader<File>>,
    file: &Path,
    names: &[String],
    choice: &SheetChoice,
    out: &mut Out,
) -> Result<(), ImportError> {
    let candidates: Vec<&String> = match choice {
        SheetChoice::Named(n) => names.iter().filter(|s| *s == n).collect(),
        SheetChoice::FirstNonEmpty => names.iter().collect(),
    };
    for name in candidates {
        let sent = match book {
            Sheets::Xlsx(x) => stream_xlsx(x, file, name, out)?,
            Sheets::Xlsb(x) => stream_xlsb(x, file, name, out)?,
            Sheets::Xls(x) => send_range(x, file, name, "XLS", out)?,
            Sheets::Ods(x) => send_range(x, file, name, "ODS", out)?,
        };
        if sent {
            return Ok(());
        }
    }
    Err(ImportError::Empty {
        file: file.to_path_buf(),
    })
}

/// Groups cells (which arrive in row order) into rows. True if the sheet had any cell.
macro_rules! stream_cells {
    ($reader:expr, $file:expr, $name:expr, $kind:literal, $out:expr) => {{
        let mut reader = $reader.map_err(|e| workbook_err($file, e))?;
        let mut row: Option<RawRow> = None;
        let mut any = false;
        while let Some(cell) = reader.next_cell().map_err(|e| workbook_err($file, e))? {
            let (r, c) = cell.get_position();
            let text = data_ref_text(cell.get_value());
            if text.is_empty() {
                continue;
            }
            if !any {
                any = true;
                $out.started(format!("{} workbook, sheet '{}'", $kind, $name));
            }
            let number = u64::from(r) + 1;
            if row.as_ref().is_some_and(|x| x.number != number) {
                if let Some(done) = row.take() {
                    if !$out.push(done) {
                        return Ok(true);
                    }
                }
            }
            let current = row.get_or_insert_with(|| RawRow {
                number,
                ..RawRow::default()
            });
            let c = c as usize;
            if current.cells.len() <= c {
                current.cells.resize(c + 1, String::new());
            }
            current.cells[c] = text;
        }
        if let Some(done) = row {
            $out.push(done);
        }
        Ok(any)
    }};
}

fn stream_xlsx(
    x: &mut Xlsx<BufReader<File>>,
    file: &Path,
    name: &str,
    out: &mut Out,
) -> Result<bool, ImportError> {
    stream_cells!(x.worksheet_cells_reader(name), file, name, "XLSX", out)
}

fn stream_xlsb(
    x: &mut Xlsb<BufReader<File>>,
    file: &Path,
    name: &str,
    out: &mut Out,
) -> Result<bool, ImportError> {
    stream_cells!(x.worksheet_cells_reader(name), file, name, "XLSB", out)
}

trait WholeRange {
    fn range(&mut self, name: &str) -> Result<calamine::Range<Data>, String>;
}

impl WholeRange for Xls<BufReader<File>> {
    fn range(&mut self, name: &str) -> Result<calamine::Range<Data>, String> {
        self.worksheet_range(name).map_err(|e| e.to_string())
    }
}

impl WholeRange for Ods<BufReader<File>> {
    fn range(&mut self, name: &str) -> Result<calamine::Range<Data>, String> {
        self.worksheet_range(name).map_err(|e| e.to_string())
    }
}

fn send_range(
    book: &mut impl WholeRange,
    file: &Path,
    name: &str,
    kind: &str,
    out: &mut Out,
) -> Result<bool, ImportError> {
    let range = book.range(name).map_err(|e| workbook_err(file, e))?;
    let Some((r0, c0)) = range.start() else {
        return Ok(false);
    };
    if range.is_empty() {
        return Ok(false);
    }
    out.started(format!("{kind} workbook, sheet '{name}'"));
    for (i, cells) in range.rows().enumerate() {
        let mut row = RawRow {
            number: u64::from(r0) + i as u64 + 1,
            cells: vec![String::new(); c0 as usize],
            bad_encoding: false,
        };
        row.cells.extend(cells.iter().map(data_text));
        while row.cells.last().is_some_and(String::is_empty) {
            row.cells.pop();
        }
        if !row.cells.is_empty() && !out.push(row) {
            break;
        }
    }
    Ok(true)
}

fn data_text(d: &Data) -> String {
    match d {
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        Data::DateTime(d) => number_text(d.as_f64()),
        Data::Error(_) | Data::Empty => String::new(),
    }
}

fn data_ref_text(d: &DataRef<'_>) -> String {
    match d {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        DataRef::DateTime(d) => number_text(d.as_f64()),
        DataRef::Error(_) | DataRef::Empty => String::new(),
    }
}

/// A numeric cell as text: whole numbers as their digits (`96555123456.0` → `96555123456`), others in the
/// shortest form that round-trips.
pub fn number_text(f: f64) -> String {
    // 2^53: every whole f64 below it is exact.
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
        (f as i64).to_string()
    } else {
        f.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_become_digits() {
        assert_eq!(number_text(96555123456.0), "96555123456");
        assert_eq!(number_text(9.6555123456E10), "96555123456");
        assert_eq!(number_text(919876543210.0), "919876543210");
        assert_eq!(number_text(-3.0), "-3");
        assert_eq!(number_text(2.5), "2.5");
    }
}
