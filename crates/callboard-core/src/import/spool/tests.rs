use std::path::Path;

use super::*;

/// Rows from a list; `fail_at` makes the source fail there, as a workbook broken at that row does.
struct ListRows {
    rows: std::vec::IntoIter<RawRow>,
    fail_at: Option<usize>,
    given: usize,
}

impl ListRows {
    fn boxed(rows: Vec<RawRow>, fail_at: Option<usize>) -> Box<dyn RowSource> {
        Box::new(ListRows {
            rows: rows.into_iter(),
            fail_at,
            given: 0,
        })
    }
}

impl RowSource for ListRows {
    fn next_row(&mut self) -> Result<Option<RawRow>, ImportError> {
        if self.fail_at == Some(self.given) {
            return Err(ImportError::Workbook {
                file: "leads.xlsx".into(),
                message: "broken XML".into(),
            });
        }
        self.given += 1;
        Ok(self.rows.next())
    }

    fn describe(&self) -> String {
        "XLSX, sheet 'Leads'".into()
    }
}

fn row(number: u64, cells: &[&str]) -> RawRow {
    RawRow {
        number,
        cells: cells.iter().map(|c| (*c).to_owned()).collect(),
        bad_encoding: false,
    }
}

fn sample() -> Vec<RawRow> {
    vec![
        row(1, &["Name", "Phone", "Notes"]),
        row(2, &["Ali", "96555123456", "prefers Arabic"]),
        row(3, &["", "", ""]),
        row(5, &["سارة", "+965 5512 3457", ""]),
        RawRow {
            number: 6,
            cells: vec!["M\u{FFFD}ller".into(), "55123458".into()],
            bad_encoding: true,
        },
        row(7, &[]),
        row(
            9,
            &[
                "Priya",
                "098765 43210",
                "a long note, with a comma and \"quotes\"\nand a second line",
            ],
        ),
    ]
}

fn read_all(mut rows: SpooledRows) -> Vec<RawRow> {
    // One buffer for every row, as the import reads: a wide row followed by a narrow one must not leave
    // cells behind.
    let mut out = Vec::new();
    let mut buffer = RawRow::default();
    while rows.next_row_into(&mut buffer).expect("read back") {
        out.push(buffer.clone());
    }
    out
}

fn spool_all(source: Box<dyn RowSource>, dir: &Path) -> Result<Spooled, ImportError> {
    spool(source, dir, Path::new("leads.xlsx"), |_| true)
}

#[test]
fn the_rows_come_back_as_they_were_read() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let Spooled::Read { rows, non_blank } = spool_all(ListRows::boxed(sample(), None), dir.path())? else {
        panic!("not cancelled");
    };
    assert_eq!(
        non_blank, 5,
        "the blank row 3 and the empty row 7 are not counted"
    );
    assert_eq!(rows.describe(), "XLSX, sheet 'Leads'");
    assert_eq!(rows.estimated_rows(), Some(7));
    assert_eq!(read_all(rows), sample());
    assert_eq!(
        std::fs::read_dir(dir.path())?.count(),
        0,
        "the temporary file has no name in the directory"
    );
    Ok(())
}

#[test]
fn next_row_reads_the_same_rows() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let Spooled::Read { mut rows, .. } = spool_all(ListRows::boxed(sample(), None), dir.path())? else {
        panic!("not cancelled");
    };
    let mut out = Vec::new();
    while let Some(r) = rows.next_row()? {
        out.push(r);
    }
    assert_eq!(out, sample());
    assert!(rows.next_row()?.is_none(), "still at the end");
    Ok(())
}

#[test]
fn an_empty_source_spools_no_rows() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let Spooled::Read { rows, non_blank } = spool_all(ListRows::boxed(Vec::new(), None), dir.path())? else {
        panic!("not cancelled");
    };
    assert_eq!(non_blank, 0);
    assert!(read_all(rows).is_empty());
    Ok(())
}

#[test]
fn a_source_that_fails_fails_the_spool_with_its_error() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let err = spool_all(ListRows::boxed(sample(), Some(4)), dir.path())
        .err()
        .ok_or("a broken source must fail the first pass")?;
    assert_eq!(
        err.to_string(),
        "leads.xlsx: cannot read the workbook: broken XML"
    );
    Ok(())
}

#[test]
fn the_caller_hears_how_far_the_pass_has_got_and_can_stop_it() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let many = |n: u64| -> Box<dyn RowSource> {
        ListRows::boxed((1..=n).map(|n| row(n, &["x", "55123456"])).collect(), None)
    };
    let mut told = Vec::new();
    let spooled = spool(
        many(3 * REPORT_EVERY + 5),
        dir.path(),
        Path::new("leads.xlsx"),
        |rows| {
            told.push(rows);
            true
        },
    )?;
    assert!(matches!(spooled, Spooled::Read { non_blank, .. } if non_blank == 3 * REPORT_EVERY + 5));
    assert_eq!(told, [REPORT_EVERY, 2 * REPORT_EVERY, 3 * REPORT_EVERY]);

    let mut asked = 0;
    let spooled = spool(
        many(3 * REPORT_EVERY),
        dir.path(),
        Path::new("leads.xlsx"),
        |_| {
            asked += 1;
            false
        },
    )?;
    assert!(matches!(spooled, Spooled::Cancelled));
    assert_eq!(asked, 1, "it stops at the first answer");
    Ok(())
}

#[test]
fn a_missing_directory_is_a_clear_error() {
    let err = spool_all(
        ListRows::boxed(sample(), None),
        Path::new("/nonexistent/callboard-spool"),
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(
        err.starts_with(
            "leads.xlsx: cannot keep the workbook's rows in a temporary file in /nonexistent/callboard-spool"
        ),
        "{err}"
    );
}
