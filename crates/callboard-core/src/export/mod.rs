//! Tables out of Callboard as CSV, JSON or XLSX, one row at a time: [`TableWriter`] takes typed [`Cell`]s and
//! writes the chosen format, so the CLI's `callboard export` ([`datasets`]) and the Calls page's export share
//! one writer. Free text that starts like a formula is defused in CSV (a spreadsheet would run it); XLSX
//! cells are typed strings and numbers, never formulas, and phone numbers stay text in both.

pub mod datasets;

use std::io::Write;

use rust_xlsxwriter::{Format as XlsxFormat, Workbook, XlsxError};

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Int(i64),
    Real(f64),
    /// Free text (names, transcripts, errors): defused in CSV.
    Text(String),
    /// Text that must stay exactly as it is (phone numbers, ids, timestamps, statuses).
    Literal(String),
}

impl Cell {
    pub fn text(v: Option<&str>) -> Cell {
        v.map_or(Cell::Empty, |s| Cell::Text(s.to_owned()))
    }
    pub fn literal(v: Option<&str>) -> Cell {
        v.map_or(Cell::Empty, |s| Cell::Literal(s.to_owned()))
    }
    pub fn real(v: Option<f64>) -> Cell {
        v.map_or(Cell::Empty, Cell::Real)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Json,
    Xlsx,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Xlsx => "xlsx",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write the export: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot write the CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("cannot write the XLSX: {0}")]
    Xlsx(#[from] XlsxError),
    #[error("cannot read what to export: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("{rows} rows do not fit in one XLSX sheet (at most {max}); export as CSV or JSON instead")]
    TooManyRowsForXlsx { rows: u64, max: u32 },
}

/// Rows of one XLSX sheet below its header.
const XLSX_MAX_ROWS: u32 = 1_048_575;

enum Sink<W: Write> {
    Csv(Box<csv::Writer<W>>),
    Json { out: W, rows: u64 },
    Xlsx { out: W, book: Box<Workbook>, row: u32 },
}

/// Writes a header and then rows, in one format, to `out`.
pub struct TableWriter<W: Write> {
    columns: Vec<String>,
    sink: Sink<W>,
}

impl<W: Write> TableWriter<W> {
    pub fn new(format: Format, columns: &[&str], mut out: W) -> Result<TableWriter<W>, ExportError> {
        let sink = match format {
            Format::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(columns)?;
                Sink::Csv(Box::new(w))
            }
            Format::Json => {
                out.write_all(b"[")?;
                Sink::Json { out, rows: 0 }
            }
            Format::Xlsx => {
                let mut book = Box::new(Workbook::new());
                let bold = XlsxFormat::new().set_bold();
                let sheet = book.add_worksheet_with_constant_memory()?;
                for (i, c) in columns.iter().enumerate() {
                    sheet.write_string_with_format(0, i as u16, *c, &bold)?;
                }
                sheet.set_freeze_panes(1, 0)?;
                Sink::Xlsx { out, book, row: 0 }
            }
        };
        Ok(TableWriter {
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            sink,
        })
    }

    /// One row, its cells in the header's order.
    pub fn row(&mut self, cells: &[Cell]) -> Result<(), ExportError> {
        match &mut self.sink {
            Sink::Csv(w) => {
                for cell in cells {
                    match cell {
                        Cell::Empty => w.write_field("")?,
                        Cell::Int(n) => w.write_field(n.to_string())?,
                        Cell::Real(n) => w.write_field(n.to_string())?,
                        Cell::Text(s) => w.write_field(defuse(s).as_bytes())?,
                        Cell::Literal(s) => w.write_field(s)?,
                    }
                }
                w.write_record(None::<&[u8]>)?;
            }
            Sink::Json { out, rows } => {
                out.write_all(if *rows == 0 { b"\n  {" } else { b",\n  {" })?;
                for (i, (name, cell)) in self.columns.iter().zip(cells).enumerate() {
                    if i > 0 {
                        out.write_all(b", ")?;
                    }
                    serde_json::to_writer(&mut *out, name).map_err(std::io::Error::other)?;
                    out.write_all(b": ")?;
                    let value = match cell {
                        Cell::Empty => serde_json::Value::Null,
                        Cell::Int(n) => (*n).into(),
                        Cell::Real(n) => {
                            serde_json::Number::from_f64(*n).map_or(serde_json::Value::Null, Into::into)
                        }
                        Cell::Text(s) | Cell::Literal(s) => s.as_str().into(),
                    };
                    serde_json::to_writer(&mut *out, &value).map_err(std::io::Error::other)?;
                }
                out.write_all(b"}")?;
                *rows += 1;
            }
            Sink::Xlsx { book, row, .. } => {
                if *row >= XLSX_MAX_ROWS {
                    return Err(ExportError::TooManyRowsForXlsx {
                        rows: u64::from(*row) + 1,
                        max: XLSX_MAX_ROWS,
                    });
                }
                *row += 1;
                let sheet = book.worksheet_from_index(0)?;
                for (i, cell) in cells.iter().enumerate() {
                    let col = i as u16;
                    match cell {
                        Cell::Empty => {}
                        Cell::Int(n) => {
                            sheet.write_number(*row, col, *n as f64)?;
                        }
                        Cell::Real(n) => {
                            sheet.write_number(*row, col, *n)?;
                        }
                        Cell::Text(s) | Cell::Literal(s) => {
                            sheet.write_string(*row, col, s)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Ends the file (the JSON array's `]`, the XLSX archive) and flushes it.
    pub fn finish(self) -> Result<W, ExportError> {
        match self.sink {
            Sink::Csv(w) => {
                let mut out = (*w).into_inner().map_err(|e| ExportError::Io(e.into_error()))?;
                out.flush()?;
                Ok(out)
            }
            Sink::Json { mut out, rows } => {
                out.write_all(if rows == 0 { b"]\n" } else { b"\n]\n" })?;
                out.flush()?;
                Ok(out)
            }
            Sink::Xlsx {
                mut out, mut book, ..
            } => {
                out.write_all(&book.save_to_buffer()?)?;
                out.flush()?;
                Ok(out)
            }
        }
    }
}

/// Free text that starts like a formula (`=`, `+`, `-`, `@`, tab, CR) gets a leading `'`, so a spreadsheet
/// shows it instead of running it (OWASP CSV injection).
pub fn defuse(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<Vec<Cell>> {
        vec![
            vec![
                Cell::Int(1),
                Cell::Literal("+96566001234".into()),
                Cell::Text("=HYPERLINK(\"x\")".into()),
                Cell::Real(12.5),
            ],
            vec![
                Cell::Int(2),
                Cell::Empty,
                Cell::Text("Said \"yes\", then\nhung up".into()),
                Cell::Empty,
            ],
        ]
    }

    fn write(format: Format) -> Result<Vec<u8>, ExportError> {
        let mut w = TableWriter::new(format, &["id", "phone", "note", "cost"], Vec::new())?;
        for r in rows() {
            w.row(&r)?;
        }
        w.finish()
    }

    #[test]
    fn csv_quotes_defuses_free_text_and_keeps_phone_numbers() -> Result<(), ExportError> {
        let text = String::from_utf8_lossy(&write(Format::Csv)?).into_owned();
        assert_eq!(
            text,
            "id,phone,note,cost\n1,+96566001234,\"'=HYPERLINK(\"\"x\"\")\",12.5\n2,,\"Said \"\"yes\"\", then\nhung up\",\n"
        );
        Ok(())
    }

    #[test]
    fn json_is_an_array_of_objects_in_column_order() -> Result<(), Box<dyn std::error::Error>> {
        let bytes = write(Format::Json)?;
        let v: serde_json::Value = serde_json::from_slice(&bytes)?;
        assert_eq!(v[0]["phone"], "+96566001234");
        assert_eq!(
            v[0]["note"], "=HYPERLINK(\"x\")",
            "JSON is not a spreadsheet: kept as it is"
        );
        assert_eq!(v[0]["cost"], 12.5);
        assert_eq!(v[1]["phone"], serde_json::Value::Null);
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.find("\"id\"") < text.find("\"phone\""), "{text}");
        let empty = TableWriter::new(Format::Json, &["id"], Vec::new())?.finish()?;
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&empty)?,
            serde_json::json!([])
        );
        Ok(())
    }

    #[test]
    fn xlsx_reads_back_typed_with_phone_numbers_as_text() -> Result<(), Box<dyn std::error::Error>> {
        use calamine::{Data, Reader, Xlsx};
        let bytes = write(Format::Xlsx)?;
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes))?;
        let range = book.worksheet_range_at(0).ok_or("no sheet")??;
        let cell = |r: u32, c: u32| range.get_value((r, c)).cloned();
        assert_eq!(cell(0, 1), Some(Data::String("phone".into())));
        assert_eq!(cell(1, 0), Some(Data::Float(1.0)));
        assert_eq!(cell(1, 1), Some(Data::String("+96566001234".into())));
        assert_eq!(
            cell(1, 2),
            Some(Data::String("=HYPERLINK(\"x\")".into())),
            "a string, not a formula"
        );
        assert_eq!(cell(1, 3), Some(Data::Float(12.5)));
        assert_eq!(range.height(), 3);
        Ok(())
    }

    #[test]
    fn formulas_in_free_text_are_defused() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("-2+3"), "'-2+3");
        assert_eq!(defuse("Booked a test drive"), "Booked a test drive");
    }
}
