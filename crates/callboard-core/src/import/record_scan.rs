//! The commit's first pass over delimited text: counts the non-blank records and finds the first record longer
//! than the limit, exactly as reading the file with the `csv` crate would (its quoting rules: a quote opens a
//! quoted field only at the field's start, `""` inside one is a quote, `\n` ends a record outside quotes,
//! blank lines are skipped, rows may be ragged), without splitting records into fields. It goes from newline
//! to newline with `memchr`; only a line with a quote is followed from quote to delimiter to newline. The
//! `csv` reader steps a state machine through every byte: on a 200k-row file that pass took 334 M
//! instructions, this one 125 M, on a 2-core machine whose two cores the reading and writing threads
//! already keep busy. Property tests check it against the `csv` reader.

use std::io::{self, Read};

/// Where the scan is within a record, as the `csv` reader's states (`csv_core::NfaState`) it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between records (blank lines are skipped here).
    StartRecord,
    /// After a delimiter.
    StartField,
    /// In an unquoted field (a quote there is an ordinary byte).
    InField,
    InQuoted,
    /// A quote inside a quoted field: a second quote is a quote, anything else ends the quoting.
    QuoteInQuoted,
}

/// Why the scan stopped.
#[derive(Debug)]
pub enum ScanError {
    /// The reader failed; `line` is where the `csv` reader would say it was.
    Read { line: u64, source: io::Error },
    /// A record's text (its fields' bytes, without quoting and delimiters) is longer than the limit; `line` is
    /// the line the `csv` reader gives as the record's position.
    TooLong { line: u64 },
}

/// The scan's state and counts.
struct Scanner {
    delimiter: u8,
    max_record: usize,
    state: State,
    /// Lines read so far, counted from 1 (the `csv` reader's `position().line()`).
    line: u64,
    /// The line the current record's position is on: the line after the previous record, blank lines before
    /// the record included (as the `csv` reader has it).
    record_line: u64,
    /// Bytes of the current record's fields.
    record_len: usize,
    record_blank: bool,
    records: u64,
}

impl Scanner {
    /// Takes ordinary bytes: field content, which opens an unquoted field where none is open.
    fn content(&mut self, text: &[u8]) {
        if text.is_empty() {
            return;
        }
        if self.state != State::InQuoted {
            self.state = State::InField;
        }
        self.record_len += text.len();
        if self.record_blank && !text.iter().all(u8::is_ascii_whitespace) {
            self.record_blank = false;
        }
    }

    /// Takes a special byte that is text where it stands (a doubled quote, or a delimiter or newline between
    /// quotes).
    fn quoted_text(&mut self, b: u8) {
        self.record_len += 1;
        self.record_blank &= b.is_ascii_whitespace();
    }

    fn end_record(&mut self) -> Result<(), ScanError> {
        if self.record_len > self.max_record {
            return Err(ScanError::TooLong {
                line: self.record_line,
            });
        }
        self.records += u64::from(!self.record_blank);
        self.state = State::StartRecord;
        self.record_line = self.line;
        self.record_len = 0;
        self.record_blank = true;
        Ok(())
    }

    /// Takes one special byte: a quote, the delimiter or a newline.
    fn special(&mut self, b: u8) -> Result<(), ScanError> {
        let quote = b == b'"';
        if b == b'\n' {
            self.line += 1;
        }
        match self.state {
            State::InQuoted if quote => self.state = State::QuoteInQuoted,
            // Inside quotes a delimiter or a newline is text.
            State::InQuoted => self.quoted_text(b),
            State::QuoteInQuoted if quote => {
                self.quoted_text(b);
                self.state = State::InQuoted;
            }
            State::StartRecord | State::StartField if quote => self.state = State::InQuoted,
            State::InField if quote => self.content(&[b]),
            _ if b == self.delimiter => self.state = State::StartField,
            // A blank line between records.
            State::StartRecord => {}
            _ => self.end_record()?,
        }
        Ok(())
    }

    /// Takes a buffer's worth of text.
    fn scan(&mut self, data: &[u8]) -> Result<(), ScanError> {
        let mut at = 0;
        while at < data.len() {
            if self.state == State::StartRecord
                && let Some(n) = memchr::memchr2(b'\n', b'"', &data[at..])
                && data[at + n] == b'\n'
            {
                self.line_without_quotes(&data[at..at + n])?;
                at += n + 1;
                continue;
            }
            // A record with quotes (or the part of a record this buffer holds), one special byte at a time.
            match memchr::memchr3(b'"', self.delimiter, b'\n', &data[at..]) {
                Some(n) => {
                    self.content(&data[at..at + n]);
                    self.special(data[at + n])?;
                    at += n + 1;
                }
                None => {
                    self.content(&data[at..]);
                    at = data.len();
                }
            }
        }
        Ok(())
    }

    /// Takes a whole line without quotes from the start of a record (most lines): it is a record, or a blank
    /// line if empty. Its delimiters need not be found one by one: it is blank if it holds only delimiters and
    /// white space, and its text is its length less its delimiters.
    fn line_without_quotes(&mut self, line: &[u8]) -> Result<(), ScanError> {
        self.line += 1;
        if line.is_empty() {
            return Ok(());
        }
        let d = self.delimiter;
        self.record_blank = line.iter().all(|&b| b == d || b.is_ascii_whitespace());
        // Counted only when it could matter (the line guard keeps lines shorter than the limit anyway).
        self.record_len = if line.len() > self.max_record {
            line.len() - memchr::memchr_iter(d, line).count()
        } else {
            0
        };
        self.end_record()
    }
}

/// The number of non-blank records in `reader`'s text (records whose fields are all empty or white space do
/// not count), or the first problem the `csv` reader would find reading it with the same `delimiter`:
/// a failed read, or a record whose text is longer than `max_record` bytes.
pub fn count_records(mut reader: impl Read, delimiter: u8, max_record: usize) -> Result<u64, ScanError> {
    let mut s = Scanner {
        delimiter,
        max_record,
        state: State::StartRecord,
        line: 1,
        record_line: 1,
        record_len: 0,
        record_blank: true,
        records: 0,
    };
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(source) => {
                return Err(ScanError::Read {
                    // (The `csv` count takes the larger of this and one past its last record, which ended on an
                    // earlier line.)
                    line: s.line,
                    source,
                });
            }
        };
        s.scan(&buf[..n])?;
    }
    // Text after the last newline is a record (even an empty field after a last delimiter).
    if s.state != State::StartRecord {
        s.end_record()?;
    }
    Ok(s.records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(text: &str) -> u64 {
        count_records(text.as_bytes(), b',', 100).unwrap_or(u64::MAX)
    }

    #[test]
    fn counts_records_as_the_csv_reader_splits_them() {
        assert_eq!(count(""), 0);
        assert_eq!(count("a,b\nc,d"), 2);
        // Blank lines, and records whose fields are all white space or empty, do not count.
        assert_eq!(count("a\n\n \n,\n\"\"\n\t,  \r\nb\n"), 2);
        // Quoted newlines, delimiters and doubled quotes are text.
        assert_eq!(count("\"a\nb,c\"\"\n\",x\ny"), 2);
        // A quote after a field's start is text; a quote closed early leaves the rest of the field unquoted.
        assert_eq!(count("a\"b,c\n\"a\"b\nz"), 3);
        // An unclosed quote runs to the end of the file.
        assert_eq!(count("a\n\"b\nc\nd"), 2);
        // A quoted delimiter or quote is not blank.
        assert_eq!(count("\",\"\n\"\"\"\"\n\" \"\n"), 2);
    }

    #[test]
    fn a_long_record_is_reported_at_its_start() {
        let text = "a\n\n\"0123456789\n0123456789\"\nb";
        match count_records(text.as_bytes(), b',', 15) {
            Err(ScanError::TooLong { line }) => assert_eq!(line, 2),
            other => panic!("{other:?}"),
        }
        assert!(count_records(text.as_bytes(), b',', 21).is_ok_and(|n| n == 3));
        // Without quotes too: a record's text is its line less its delimiters.
        let text = b"a\n\naaaa,bbbb,cccc\n";
        match count_records(&text[..], b',', 11) {
            Err(ScanError::TooLong { line }) => assert_eq!(line, 2),
            other => panic!("{other:?}"),
        }
        assert!(count_records(&text[..], b',', 12).is_ok_and(|n| n == 2));
    }
}
