//! A contacts export from Callboard imports again, as CSV and as XLSX: its header is found (its data rows hold
//! words like "number" that also name a phone column), its columns map back to the contact fields they came
//! from (their variables column unpacked into the variables it holds; the columns about the stored record left
//! out), and the contacts are matched by number, not duplicated.

use std::fs::File;

use callboard_core::{
    export::{
        Format,
        datasets::{Dataset, export},
    },
    import::{self, Control, ImportOptions},
    store::Store,
};
use rusqlite::Connection;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const NOW: &str = "2026-11-28T12:00:00Z";

/// A list whose contacts' time zones come from their numbers (so the export says "number" in their rows).
const LIST: &str = "Name,Mobile,Customer ID,Car Interest\n\
Ali,96555123456,CRM-1,SUV\n\
Sara,+12122033783,CRM-2,Sedan\n\
Noor,55123457,CRM-3,\n";

/// (phone, name, external id, time zone, variables) of every contact, by phone.
type Stored = (String, String, String, String, String);

fn contacts(conn: &Connection) -> rusqlite::Result<Vec<Stored>> {
    conn.prepare(
        "SELECT phone_e164, name, external_id, IFNULL(time_zone, ''), variables FROM contacts ORDER BY phone_e164",
    )?
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
    .collect()
}

#[test]
fn a_contacts_export_imports_again_as_csv_and_xlsx() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("callboard.db");
    let store = Store::open(&path)?;
    let import_into =
        |campaign: &str, file: &std::path::Path| -> Result<import::Summary, Box<dyn std::error::Error>> {
            let (c, _) = import::find_or_create_campaign(&store, campaign, "test", NOW)?;
            let opts = ImportOptions::new(file, c.id, "KW".parse()?);
            Ok(import::commit(&store, &opts, &Control::default(), NOW)?)
        };
    let list = dir.path().join("list.csv");
    std::fs::write(&list, LIST)?;
    assert_eq!(import_into("First", &list)?.imported, 3);
    let conn = Connection::open(&path)?;
    let before = contacts(&conn)?;
    assert!(before.iter().all(|c| c.2.starts_with("CRM-")), "{before:?}");
    assert_eq!(before[0].4, r#"{"car_interest":"Sedan"}"#, "{before:?}");

    for (format, name) in [(Format::Csv, "contacts.csv"), (Format::Xlsx, "contacts.xlsx")] {
        let exported = dir.path().join(name);
        export(&conn, Dataset::Contacts, format, File::create(&exported)?)?;
        let summary = import_into(&format!("Again from {name}"), &exported)?;
        assert_eq!(
            (summary.header_row, summary.imported, summary.invalid),
            (1, 3, 0),
            "{name}: {:?}",
            summary.errors
        );
        // The same contacts, with their names, external ids, time zones and variables (not the export's
        // columns as variables): matched, not duplicated.
        assert_eq!(contacts(&conn)?, before, "{name}");
    }
    Ok(())
}
