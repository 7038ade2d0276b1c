//! A workbook broken far down its sheet imports nothing, even in chunks so small that hundreds of them are
//! read before the break is found, and the same workbook whole imports every row. A workbook import cancelled
//! during its first pass (which keeps the sheet's rows for the import: `import/spool.rs`) imports nothing.

use std::{io::Write, path::Path};

use callboard_core::{
    import::{self, Control, ImportError, ImportOptions, Summary},
    store::Store,
};
use rusqlite::Connection;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const NOW: &str = "2026-11-28T12:00:00Z";

/// The smallest XLSX calamine reads: one sheet of inline strings, `rows` data rows under a Name/Phone header,
/// then `tail` written into the sheet's XML as it is (after the last row, before the sheet ends).
fn workbook(path: &Path, rows: u32, tail: &str) -> Result<(), Box<dyn std::error::Error>> {
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c><c r="B1" t="inlineStr"><is><t>Phone</t></is></c></row>"#,
    );
    for i in 0..rows {
        let r = i + 2;
        sheet.push_str(&format!(
            r#"<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>P{i}</t></is></c><c r="B{r}"><v>965{:08}</v></c></row>"#,
            55_000_000 + i
        ));
    }
    sheet.push_str(tail);
    sheet.push_str("</sheetData></worksheet>");
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Leads" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
        ("xl/worksheets/sheet1.xml", sheet.as_str()),
    ];
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path)?);
    for (name, body) in parts {
        zip.start_file(name, zip::write::SimpleFileOptions::default())?;
        zip.write_all(body.as_bytes())?;
    }
    zip.finish()?;
    Ok(())
}

/// Imports `file` into a new campaign in chunks of five rows (so that many chunks are read before the break);
/// returns what the import said and the members the campaign has.
fn import_in_small_chunks(
    file: &Path,
    control: &Control,
) -> Result<(Result<Summary, ImportError>, i64), Box<dyn std::error::Error>> {
    let dir = file.parent().ok_or("no directory")?;
    let path = dir.join(format!(
        "{}.db",
        file.file_stem().and_then(|s| s.to_str()).unwrap_or("import")
    ));
    let store = Store::open(&path)?;
    let (campaign, _) = import::find_or_create_campaign(&store, "Workbook", "test", NOW)?;
    let mut opts = ImportOptions::new(file, campaign.id, "KW".parse()?);
    opts.chunk_rows = 5;
    let result = import::commit(&store, &opts, control, NOW);
    let conn = Connection::open(&path)?;
    let members = conn.query_row("SELECT COUNT(*) FROM campaign_contacts", [], |r| r.get(0))?;
    Ok((result, members))
}

#[test]
fn a_workbook_broken_far_down_its_sheet_imports_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let whole = dir.path().join("whole.xlsx");
    workbook(&whole, 3000, "")?;
    let (result, members) = import_in_small_chunks(&whole, &Control::default())?;
    assert_eq!(result?.imported, 3000);
    assert_eq!(members, 3000);

    // The same rows, then a cell whose XML does not close: the sheet cannot be read past row 3001.
    let broken = dir.path().join("broken.xlsx");
    workbook(
        &broken,
        3000,
        r#"<row r="3002"><c r="A3002" t="inlineStr"><is><t>Late</t></is></c><c r="B3002"><v>96555123456</x></c></row>"#,
    )?;
    let (result, members) = import_in_small_chunks(&broken, &Control::default())?;
    let e = result.err().ok_or("the broken workbook imported")?;
    assert!(e.to_string().contains("broken.xlsx"), "{e}");
    assert_eq!(members, 0, "a broken workbook left rows behind: {e}");

    // The mapping step reads the header only, so it does not reach the break; the full preview does.
    let store = Store::open(&dir.path().join("preview.db"))?;
    let (campaign, _) = import::find_or_create_campaign(&store, "Workbook", "test", NOW)?;
    let opts = ImportOptions::new(&broken, campaign.id, "KW".parse()?);
    let (head, _) = import::inspect(&store, &opts)?;
    assert_eq!((head.header_row, head.total), (1, 0));
    assert!(head.mapping.index_of(import::Field::Phone).is_some());
    assert!(import::preview(&store, &opts, 10).is_err());
    Ok(())
}

#[test]
fn a_workbook_import_cancelled_during_its_first_pass_imports_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("leads.xlsx");
    workbook(&file, 20_000, "")?;
    let cancelled = Control::default();
    cancelled.cancel();
    let (result, members) = import_in_small_chunks(&file, &cancelled)?;
    let summary = result?;
    assert!(summary.cancelled);
    assert_eq!((summary.total, summary.imported, members), (0, 0, 0));

    // Imported again, it reports how far the first pass has read before any row is checked.
    let heard = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let progress = {
        let heard = heard.clone();
        Control::with_progress(move |p| heard.lock().map(|mut h| h.push(p)).unwrap_or_default())
    };
    let (result, members) = import_in_small_chunks(&file, &progress)?;
    let summary = result?;
    assert!(!summary.cancelled);
    assert_eq!(
        (summary.total, summary.imported, members),
        (20_000, 20_000, 20_000)
    );
    let heard = heard.lock().map_err(|_| "poisoned")?.clone();
    let first = heard.first().ok_or("no progress")?;
    assert_eq!(
        (
            first.total_rows,
            first.rows_scanned,
            first.rows_read,
            first.committed
        ),
        (0, 16_384, 0, 0),
        "the first report is the first pass's"
    );
    // The rows in the file count its header row too.
    let last = heard.last().ok_or("no progress")?;
    assert_eq!(
        (last.total_rows, last.rows_scanned, last.committed),
        (20_001, 20_001, 20_000)
    );
    let mut left: Vec<String> = std::fs::read_dir(dir.path())?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    left.sort();
    assert_eq!(left, ["leads.db", "leads.xlsx"], "no spool file is left behind");
    Ok(())
}
