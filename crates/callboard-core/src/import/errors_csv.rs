//! The errors of an import as a CSV the user can open, fix and import back: one line per failed row with
//! its file row number, code and message, then the row's original cells under the file's own header. The
//! three error columns are ignored when the file comes back (see [`super::header::ERROR_COLUMNS`]), so a
//! corrected errors file maps like the original and merges its rows into the campaign.

use std::io::Write;

use super::{Summary, header::ERROR_COLUMNS};

/// Writes `summary`'s errors as CSV (UTF-8 with a BOM, so Excel reads Arabic and Hindi names right).
pub fn write(out: impl Write, summary: &Summary) -> csv::Result<()> {
    let mut out = out;
    out.write_all("\u{feff}".as_bytes())?;
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(out);
    let header: Vec<&str> = summary
        .mapping
        .columns
        .iter()
        .map(|c| c.header.as_str())
        .collect();
    w.write_record(ERROR_COLUMNS.iter().copied().chain(header.iter().copied()))?;
    let mut line: Vec<String> = Vec::new();
    for e in &summary.errors {
        line.clear();
        line.push(e.row.to_string());
        line.push(e.code.as_str().to_owned());
        line.push(e.message.clone());
        line.extend(e.values.iter().map(|v| defuse(v)));
        w.write_record(&line)?;
    }
    w.flush()?;
    Ok(())
}

/// The errors CSV as bytes.
pub fn to_bytes(summary: &Summary) -> csv::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(64 + summary.errors.len() * 96);
    write(&mut buf, summary)?;
    Ok(buf)
}

/// Leaves phone numbers alone but keeps a cell that starts like a formula (`=`, `@`) from running when the
/// file is opened in a spreadsheet. `+965…` and `-` are left as they are: they are phone numbers here.
fn defuse(cell: &str) -> String {
    if cell.starts_with(['=', '@']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{
        RowCode, RowError,
        header::{Mapping, Target},
    };

    #[test]
    fn one_line_per_error_with_the_original_cells() -> Result<(), Box<dyn std::error::Error>> {
        let header: Vec<String> = ["Name", "Phone"].iter().map(|s| (*s).to_owned()).collect();
        let summary = Summary {
            mapping: Mapping::auto(&header),
            errors: vec![RowError {
                row: 7,
                code: RowCode::InvalidPhone,
                message: "'12' is not valid, really".into(),
                values: vec!["Ali, Jr.".into(), "12".into(), "=HYPERLINK()".into()],
            }],
            ..Summary::default()
        };
        let text = String::from_utf8(to_bytes(&summary)?)?;
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines[0], "Error row,Error code,Error message,Name,Phone");
        assert_eq!(
            lines[1],
            "7,INVALID_PHONE,\"'12' is not valid, really\",\"Ali, Jr.\",12,'=HYPERLINK()"
        );
        // Read back, the error columns are ignored and the rest maps as the original did.
        let back: Vec<String> = lines[0].split(',').map(str::to_owned).collect();
        let m = Mapping::auto(&back);
        assert!(m.columns[..3].iter().all(|c| c.target == Target::Ignore));
        assert_eq!(m.columns[3..], Mapping::auto(&header).columns[..]);
        assert_eq!(
            crate::import::header::signature(&back),
            crate::import::header::signature(&header)
        );
        Ok(())
    }
}
