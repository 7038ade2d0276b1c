use std::io::{self, Read};

use proptest::prelude::*;

use super::*;

#[test]
fn sniffs_the_consistent_delimiter() {
    assert_eq!(sniff("a,b,c\n1,2,3\n4,5,6\n"), Some(b','));
    assert_eq!(sniff("name;phone;note\n\"Ali, Sr\";1;x\nB;2;y\n"), Some(b';'));
    assert_eq!(sniff("a\tb\n1\t2\n"), Some(b'\t'));
    assert_eq!(sniff("a|b|c\n1|2|3\n"), Some(b'|'));
    assert_eq!(sniff("phone\n123\n"), None);
}

/// Hands out `data` at most `step` bytes per read, as a file read in pieces would.
struct InPieces {
    data: Vec<u8>,
    at: usize,
    step: usize,
}

impl Read for InPieces {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.step).min(self.data.len() - self.at);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// A source over `data` as [`DelimitedRows::open`] makes one, with a line limit of `max_line` bytes.
fn source(data: &[u8], delimiter: u8, max_line: usize, step: usize) -> DelimitedRows {
    let raw = InPieces {
        data: data.to_vec(),
        at: 0,
        step,
    };
    DelimitedRows {
        file: PathBuf::from("scan.csv"),
        reader: csv_reader(Box::new(LineGuard::new(raw, max_line)), delimiter),
        record: csv::ByteRecord::new(),
        delimiter,
        utf8: true,
        rows: 0,
        describe: String::new(),
        estimated_rows: 0,
    }
}

/// What a first pass makes of `data`: the count, or the error as the user reads it.
fn outcome(r: Result<u64, ImportError>) -> Result<u64, String> {
    r.map_err(|e| e.to_string())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The scan finds what reading every record finds: the same count of non-blank rows, or the same error at
    /// the same row (a line over the guard's limit, a record over `MAX_LINE`), for any text: quotes opened and
    /// closed anywhere, doubled, unclosed; blank and white-space lines; ragged rows; `\r\n` endings.
    #[test]
    fn the_scan_finds_what_reading_finds(
        bytes in prop::collection::vec(
            prop::sample::select(vec![b'a', b'7', b' ', b'\t', b'"', b',', b';', b'\n', b'\r', 0xC3, 0xA9]),
            0..300,
        ),
        delimiter in prop::sample::select(vec![b',', b';', b'\t']),
        max_line in 4usize..64,
        step in 1usize..40,
    ) {
        let read = outcome(source(&bytes, delimiter, max_line, step).count_records_left());
        let scanned = outcome(source(&bytes, delimiter, max_line, step).count_rows());
        prop_assert_eq!(scanned, read);
    }
}

/// Records longer than [`MAX_LINE`] (quoted newlines hide them from the line guard) fail at the row the record
/// starts on, blank lines before it included as the reader counts them.
#[test]
fn a_record_too_long_is_found_where_it_starts() {
    let mut data = b"Name,Phone\nA,1\n\n".to_vec();
    data.push(b'"');
    data.extend(std::iter::repeat_n(b"x\n".as_slice(), MAX_LINE / 2 + 1).flatten());
    for step in [7, SAMPLE] {
        let read = outcome(source(&data, b',', MAX_LINE, step).count_records_left());
        let scanned = outcome(source(&data, b',', MAX_LINE, step).count_rows());
        assert_eq!(scanned, read);
        assert!(
            scanned
                .as_ref()
                .is_err_and(|e| e.contains("row 3: a row is longer than 1 MB")),
            "{scanned:?}"
        );
    }
}

/// A source that has handed out rows counts the rest by reading them.
#[test]
fn a_source_read_from_counts_the_rows_left() -> Result<(), ImportError> {
    let mut s = source(b"a,1\nb,2\n\n \nc,3\n", b',', MAX_LINE, 3);
    let mut row = RawRow::default();
    assert!(s.next_row_into(&mut row)?);
    assert_eq!(s.count_rows()?, 2);
    Ok(())
}
