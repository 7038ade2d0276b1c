//! CSV and TSV, streamed with the `csv` crate: encoding detected from a sample (see [`super::encoding`]),
//! delimiter sniffed among comma, semicolon, tab and pipe, a guard against absurdly long lines. Rows may be
//! ragged; the validation decides what a short or long row means.

use std::{
    borrow::Cow,
    fs::File,
    io::{BufReader, Read, Seek, SeekFrom},
    path::PathBuf,
};

use encoding_rs::UTF_8;

use super::{
    ImportError,
    encoding::{self, Decode, LINE_TOO_LONG, LineGuard},
    record_scan::{self, ScanError},
    source::{RawRow, RowSource, read_up_to},
};

const SAMPLE: usize = 64 * 1024;
/// The longest line accepted (a contact row is a few hundred bytes).
pub const MAX_LINE: usize = 1024 * 1024;
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

type Inner = csv::Reader<Box<dyn Read + Send>>;

pub struct DelimitedRows {
    file: PathBuf,
    reader: Inner,
    record: csv::ByteRecord,
    delimiter: u8,
    utf8: bool,
    rows: u64,
    describe: String,
    /// Lines in the file, from the sample's bytes per line and the file's length.
    estimated_rows: u64,
}

impl DelimitedRows {
    pub fn open(file: PathBuf, tab_default: bool) -> Result<Self, ImportError> {
        let open_err = |source| ImportError::Open {
            file: file.clone(),
            source,
        };
        let mut f = File::open(&file).map_err(open_err)?;
        let mut sample = vec![0u8; SAMPLE];
        let n = read_up_to(&mut f, &mut sample).map_err(open_err)?;
        sample.truncate(n);
        if n == 0 {
            return Err(ImportError::Empty { file });
        }
        let detected = encoding::detect(&sample, n < SAMPLE).map_err(|e| ImportError::NotText {
            file: file.clone(),
            why: e.0,
        })?;
        let text = {
            let (cow, _) = detected
                .encoding
                .decode_without_bom_handling(&sample[detected.bom..]);
            cow.into_owned()
        };
        if text.trim().is_empty() {
            return Err(ImportError::Empty { file });
        }
        let delimiter = sniff(&text).unwrap_or(if tab_default { b'\t' } else { b',' });
        let sample_lines = text.lines().count().max(1) as u64;
        let estimated_rows = if n < SAMPLE {
            sample_lines
        } else {
            let len = f.metadata().map_err(open_err)?.len();
            len.saturating_mul(sample_lines) / n as u64
        };
        f.seek(SeekFrom::Start(detected.bom as u64)).map_err(open_err)?;
        let utf8 = detected.encoding == UTF_8;
        let raw: Box<dyn Read + Send> = if utf8 {
            Box::new(LineGuard::new(BufReader::with_capacity(SAMPLE, f), MAX_LINE))
        } else {
            Box::new(LineGuard::new(Decode::new(f, detected.encoding), MAX_LINE))
        };
        let reader = csv_reader(raw, delimiter);
        let describe = format!(
            "delimited text, {}, delimiter {:?}",
            detected.name(),
            char::from(delimiter)
        );
        Ok(DelimitedRows {
            file,
            reader,
            record: csv::ByteRecord::new(),
            delimiter,
            utf8,
            rows: 0,
            describe,
            estimated_rows,
        })
    }
}

/// The `csv` reader of a file's text.
fn csv_reader(raw: Box<dyn Read + Send>, delimiter: u8) -> Inner {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        // `\r` stays at the end of the last cell (cells are trimmed); this keeps line counting exact.
        .terminator(csv::Terminator::Any(b'\n'))
        .buffer_capacity(SAMPLE)
        .from_reader(raw)
}

impl DelimitedRows {
    fn error(&self, e: csv::Error) -> ImportError {
        self.error_at(self.reader.position().line().max(self.rows + 1), e)
    }

    /// A read error at `row`.
    fn error_at(&self, row: u64, e: csv::Error) -> ImportError {
        let message = match e.kind() {
            csv::ErrorKind::Io(io) if io.to_string() == LINE_TOO_LONG => format!(
                "a line is longer than {} MB; this does not look like a contact list",
                MAX_LINE / (1024 * 1024)
            ),
            _ => e.to_string(),
        };
        ImportError::Row {
            file: self.file.clone(),
            row,
            message,
        }
    }

    /// A quoted cell can hide newlines from the line guard: the record as a whole is capped too. The row named
    /// is the line the record starts on, where its quote opened.
    fn check_record_length(&self) -> Result<(), ImportError> {
        if self.record.as_slice().len() <= MAX_LINE {
            return Ok(());
        }
        Err(self.too_long(self.record.position().map_or(self.rows, |p| p.line())))
    }

    /// Counts the non-blank records left by reading each (the reference [`record_scan`] is tested against).
    fn count_records_left(&mut self) -> Result<u64, ImportError> {
        let mut n = 0;
        loop {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(false) => return Ok(n),
                Ok(true) => {
                    self.rows = self.reader.position().line().saturating_sub(1).max(self.rows + 1);
                    // The same as reading the rows would find, before anything is written.
                    self.check_record_length()?;
                    n += u64::from(self.record.iter().any(|c| !c.trim_ascii().is_empty()));
                }
                Err(e) => return Err(self.error(e)),
            }
        }
    }

    /// A record longer than [`MAX_LINE`], starting at `row`.
    fn too_long(&self, row: u64) -> ImportError {
        ImportError::Row {
            file: self.file.clone(),
            row,
            message: format!(
                "a row is longer than {} MB (an unclosed quote?); this does not look like a contact list",
                MAX_LINE / (1024 * 1024)
            ),
        }
    }
}

impl RowSource for DelimitedRows {
    fn next_row(&mut self) -> Result<Option<RawRow>, ImportError> {
        let mut row = RawRow::default();
        Ok(self.next_row_into(&mut row)?.then_some(row))
    }

    fn next_row_into(&mut self, out: &mut RawRow) -> Result<bool, ImportError> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => Ok(false),
            Ok(true) => {
                // The line the record ends on (blank lines count, like the row numbers a spreadsheet shows):
                // with `\n` as the only terminator the reader has counted the record's newline already.
                let row = self.reader.position().line().saturating_sub(1).max(self.rows + 1);
                self.rows = row;
                self.check_record_length()?;
                let mut bad_encoding = false;
                // The cells' strings are reused from the previous row: cleared and refilled, not reallocated.
                out.cells.resize_with(self.record.len(), String::new);
                // One UTF-8 check for the whole record instead of one per cell (6% of the reading
                // thread's time): a cell of a valid record is valid unless its bounds split a character,
                // which `str::get` checks.
                let whole = std::str::from_utf8(self.record.as_slice()).ok();
                for (i, (cell, dst)) in self.record.iter().zip(out.cells.iter_mut()).enumerate() {
                    dst.clear();
                    let text = match whole.zip(self.record.range(i)).and_then(|(w, r)| w.get(r)) {
                        Some(s) => Cow::Borrowed(s),
                        None => String::from_utf8_lossy(cell),
                    };
                    bad_encoding |=
                        matches!(text, Cow::Owned(_)) || (!self.utf8 && text.contains('\u{FFFD}'));
                    dst.push_str(&text);
                }
                out.number = row;
                out.bad_encoding = bad_encoding;
                Ok(true)
            }
            Err(e) => Err(self.error(e)),
        }
    }

    fn describe(&self) -> String {
        self.describe.clone()
    }

    fn estimated_rows(&self) -> Option<u64> {
        Some(self.estimated_rows)
    }

    /// The first pass of a commit: [`record_scan`] on a source nothing has been read from yet (it finds what
    /// reading every record would, without splitting them into fields), else the records left, read one by
    /// one.
    fn count_rows(&mut self) -> Result<u64, ImportError> {
        if self.reader.position().byte() > 0 {
            return self.count_records_left();
        }
        let delimiter = self.delimiter;
        record_scan::count_records(self.reader.get_mut(), delimiter, MAX_LINE).map_err(|e| match e {
            ScanError::Read { line, source } => self.error_at(line, csv::Error::from(source)),
            ScanError::TooLong { line } => self.too_long(line),
        })
    }
}

/// Picks the delimiter that splits the sample's first lines into the same, largest number of fields.
fn sniff(text: &str) -> Option<u8> {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(20).collect();
    // The last line of a sample may be cut.
    let lines = if lines.len() > 2 {
        &lines[..lines.len() - 1]
    } else {
        &lines[..]
    };
    let mut best: Option<(u8, usize, usize)> = None; // (delimiter, lines agreeing, fields)
    for d in DELIMITERS {
        let counts: Vec<usize> = lines.iter().map(|l| count_outside_quotes(l, d)).collect();
        let Some(&mode) = counts
            .iter()
            .filter(|c| **c > 0)
            .max_by_key(|c| counts.iter().filter(|x| x == c).count())
        else {
            continue;
        };
        let agree = counts.iter().filter(|c| **c == mode).count();
        let better = match best {
            None => true,
            Some((_, a, f)) => agree > a || (agree == a && mode > f),
        };
        if better {
            best = Some((d, agree, mode));
        }
    }
    best.map(|(d, _, _)| d)
}

fn count_outside_quotes(line: &str, d: u8) -> usize {
    let mut quoted = false;
    let mut n = 0;
    for b in line.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if b == d && !quoted {
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests;
