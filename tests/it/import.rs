//! Contacts import through the library on real files: the committed fixtures (CSV, Excel's UTF-16 export, an
//! Arabic Windows-1256 CSV, XLSX and ODS with numeric phone cells) and generated bad files.

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use callboard_core::{
    import::{self, Control, ImportError, ImportOptions, Mapping, RowCode, Summary, Target},
    store::{Store, dnc},
};
use rusqlite::Connection;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const NOW: &str = "2026-11-26T12:00:00Z";

/// (phone, name, time_zone, time_zone_source, variables).
type ContactRow = (String, String, String, String, String);

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/import")
        .join(name)
}

struct Db {
    _dir: tempfile::TempDir,
    path: PathBuf,
    store: Store,
    campaign: i64,
}

fn db() -> Result<Db, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("callboard.db");
    let store = Store::open(&path)?;
    let (c, created) = import::find_or_create_campaign(&store, "Spring", "test", NOW)?;
    assert!(created);
    Ok(Db {
        _dir: dir,
        path,
        store,
        campaign: c.id,
    })
}

impl Db {
    fn options(&self, file: &Path, region: &str) -> Result<ImportOptions, Box<dyn std::error::Error>> {
        Ok(ImportOptions::new(file, self.campaign, region.parse()?))
    }

    fn import(&self, file: &Path, region: &str) -> Result<Summary, Box<dyn std::error::Error>> {
        Ok(import::commit(
            &self.store,
            &self.options(file, region)?,
            &Control::default(),
            NOW,
        )?)
    }

    /// (phone, name, time_zone, time_zone_source, variables) of every contact, by phone.
    fn contacts(&self) -> Result<Vec<ContactRow>, Box<dyn std::error::Error>> {
        let conn = Connection::open(&self.path)?;
        let mut stmt = conn.prepare(
            "SELECT phone_e164, name, IFNULL(time_zone, ''), time_zone_source, variables FROM contacts
             ORDER BY phone_e164",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn members(&self) -> Result<i64, Box<dyn std::error::Error>> {
        let conn = Connection::open(&self.path)?;
        Ok(conn.query_row("SELECT COUNT(*) FROM campaign_contacts", [], |r| r.get(0))?)
    }
}

fn codes(s: &Summary) -> Vec<(u64, RowCode)> {
    s.errors.iter().map(|e| (e.row, e.code)).collect()
}

#[test]
fn csv_xlsx_xls_and_ods_give_identical_results() -> TestResult {
    let mut results = Vec::new();
    for name in ["contacts.csv", "contacts.xlsx", "contacts.xls", "contacts.ods"] {
        let db = db()?;
        let mut s = db.import(&fixture(name), "KW")?;
        s.source.clear();
        results.push((name, s, db.contacts()?));
    }
    let (_, summary, contacts) = &results[0];
    assert_eq!(
        (
            summary.total,
            summary.imported,
            summary.invalid,
            summary.duplicates,
            summary.suppressed
        ),
        (10, 6, 3, 1, 0)
    );
    assert_eq!(
        codes(summary),
        vec![
            (6, RowCode::InvalidPhone),
            (7, RowCode::DuplicateInFile),
            (8, RowCode::MissingPhone),
            (9, RowCode::InvalidTimezone)
        ]
    );
    let phones: Vec<&str> = contacts.iter().map(|c| c.0.as_str()).collect();
    // 96555123459.0 / 9.6555123459E+10 became the right digits.
    assert_eq!(
        phones,
        [
            "+12083342100",
            "+12125551234",
            "+919876543210",
            "+96555123456",
            "+96555123457",
            "+96555123459"
        ]
    );
    let priya = contacts
        .iter()
        .find(|c| c.1 == "Priya Sharma")
        .ok_or("Priya missing")?;
    assert_eq!((priya.2.as_str(), priya.3.as_str()), ("Asia/Kolkata", "column"));
    assert_eq!(priya.4, r#"{"car_interest":"Hatchback"}"#);
    for (name, s, c) in &results[1..] {
        assert_eq!(s, summary, "{name}");
        assert_eq!(c, contacts, "{name}");
    }
    Ok(())
}

#[test]
fn excel_utf16_export_with_a_title_row() -> TestResult {
    let db = db()?;
    let s = db.import(&fixture("excel_utf16.csv"), "KW")?;
    assert!(s.source.contains("UTF-16LE"), "{}", s.source);
    assert_eq!(s.header_row, 3);
    assert_eq!((s.total, s.imported), (3, 3), "{:?}", s.errors);
    let contacts = db.contacts()?;
    let names: Vec<&str> = contacts.iter().map(|c| c.1.as_str()).collect();
    assert!(names.contains(&"محمد العلي"), "{names:?}");
    let m = contacts.iter().find(|c| c.1 == "محمد العلي").ok_or("missing")?;
    assert_eq!(m.0, "+96555123460");
    assert_eq!(m.4, "{}");
    Ok(())
}

#[test]
fn windows_1256_semicolon_csv_keeps_arabic_names() -> TestResult {
    let db = db()?;
    let s = db.import(&fixture("arabic_1256.csv"), "KW")?;
    assert!(
        s.source.contains("windows-1256") && s.source.contains("';'"),
        "{}",
        s.source
    );
    assert_eq!((s.total, s.imported, s.invalid), (3, 2, 1));
    let contacts = db.contacts()?;
    assert_eq!(contacts[0].0, "+96555123470");
    assert_eq!(contacts[0].1, "أحمد الكندري");
    assert_eq!(contacts[0].4, r#"{"المدينة":"الكويت"}"#);
    assert_eq!(contacts[1].1, "نورة الصباح");
    Ok(())
}

#[test]
fn rerunning_a_file_duplicates_nobody_and_dnc_is_suppressed() -> TestResult {
    let db = db()?;
    db.store
        .with_tx_blocking(|tx| dnc::add(tx, "+96555123457", None, "manual", "asked", NOW))?;
    let first = db.import(&fixture("contacts.csv"), "KW")?;
    assert_eq!((first.imported, first.suppressed), (5, 1));
    assert!(codes(&first).contains(&(3, RowCode::OnDnc)));
    let again = db.import(&fixture("contacts.xlsx"), "KW")?;
    assert_eq!(again.imported, 0);
    assert_eq!(
        again.duplicates, 6,
        "five already in the campaign, one twice in the file"
    );
    assert!(codes(&again).contains(&(2, RowCode::DuplicateInCampaign)));
    assert_eq!(db.contacts()?.len(), 5);
    assert_eq!(db.members()?, 5);
    Ok(())
}

/// Imported members are queued exactly as a member added any other way: fresh (pending, no due time of their
/// own: due since they joined), inside the campaign's fresh range, and counted in its total (the import does
/// the `campaign_contacts_fresh` and count triggers' work itself; both ways must agree).
#[test]
fn imported_members_are_due_when_they_joined_and_counted() -> TestResult {
    let db = db()?;
    let s = db.import(&fixture("contacts.csv"), "KW")?;
    assert!(s.imported > 0);
    let conn = Connection::open(&db.path)?;
    let fresh_range = |conn: &Connection| -> rusqlite::Result<(i64, i64, i64)> {
        conn.query_row(
            "SELECT queue_fresh_from, queue_fresh_to, contacts_total FROM campaigns WHERE id = ?1",
            [db.campaign],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
    };
    let (members, fresh, first, last): (i64, i64, i64, i64) = conn.query_row(
        "SELECT COUNT(*), SUM(next_attempt_at IS NULL AND state = 'pending' AND created_at = ?1), MIN(rowid), MAX(rowid)
         FROM campaign_contacts",
        [NOW],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    assert_eq!((members, fresh), (s.imported as i64, members));
    assert_eq!(fresh_range(&conn)?, (first, last, members));
    let campaign = db.campaign;
    let due = db
        .store
        .read_blocking(move |c| callboard_core::store::queue::next_due(c, campaign))?;
    assert_eq!(due.as_deref(), Some(NOW));
    // A member added by hand (the trigger's path) joins the same way.
    conn.execute(
        "INSERT INTO contacts(phone_e164, created_at, updated_at) VALUES ('+96555999999', ?1, ?1)",
        [NOW],
    )?;
    conn.execute(
        "INSERT INTO campaign_contacts(campaign_id, contact_id, created_at, updated_at)
         VALUES (?1, last_insert_rowid(), ?2, ?2)",
        rusqlite::params![db.campaign, NOW],
    )?;
    let added = conn.last_insert_rowid();
    let fresh_by_hand: bool = conn.query_row(
        "SELECT next_attempt_at IS NULL AND state = 'pending' FROM campaign_contacts WHERE rowid = ?1",
        [added],
        |r| r.get(0),
    )?;
    assert!(fresh_by_hand);
    assert_eq!(fresh_range(&conn)?, (first, added, members + 1));
    Ok(())
}

/// The import writes with triggers off and does their work itself: a trigger added later on the tables it
/// writes would be skipped silently, so this fails until the import is taught about it.
#[test]
fn the_import_knows_every_trigger_on_the_tables_it_writes() -> TestResult {
    let db = db()?;
    let conn = Connection::open(&db.path)?;
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'trigger'
           AND tbl_name IN ('contacts', 'campaign_contacts')
           AND (tbl_name = 'contacts' OR sql LIKE '%INSERT ON%')
         ORDER BY name",
    )?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    assert_eq!(names, callboard_core::store::contacts::TRIGGERS_DONE_BY_IMPORT);
    // And they are back on once the import is over: a member added by hand is counted.
    db.import(&fixture("contacts.csv"), "KW")?;
    db.store.with_tx_blocking(move |tx| {
        tx.execute(
            "INSERT INTO contacts(phone_e164, created_at, updated_at) VALUES ('+96555999998', ?1, ?1)",
            [NOW],
        )?;
        tx.execute(
            "INSERT INTO campaign_contacts(campaign_id, contact_id, created_at, updated_at)
             VALUES (?1, last_insert_rowid(), ?2, ?2)",
            rusqlite::params![db.campaign, NOW],
        )?;
        Ok::<_, callboard_core::store::StoreError>(())
    })?;
    let (total, members): (i64, i64) = conn.query_row(
        "SELECT contacts_total, (SELECT COUNT(*) FROM campaign_contacts) FROM campaigns WHERE id = ?1",
        [db.campaign],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    assert_eq!(total, members);
    let (newest, fresh_to): (i64, i64) = conn.query_row(
        "SELECT (SELECT MAX(rowid) FROM campaign_contacts), queue_fresh_to FROM campaigns WHERE id = ?1",
        [db.campaign],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    assert_eq!(
        fresh_to, newest,
        "the fresh trigger ran for the hand-added member"
    );
    Ok(())
}

/// The import writes with foreign-key enforcement off and keeps the keys itself: a foreign key added later on
/// the tables it writes would go unchecked, so this fails until the import is taught about it. And enforcement
/// is back on once the import is over.
#[test]
fn the_import_knows_every_foreign_key_on_the_tables_it_writes() -> TestResult {
    let db = db()?;
    let conn = Connection::open(&db.path)?;
    let mut stmt = conn.prepare(
        "SELECT m.name, f.\"from\", f.\"table\" FROM sqlite_master m, pragma_foreign_key_list(m.name) f
         WHERE m.type = 'table' AND m.name IN ('contacts', 'campaign_contacts') ORDER BY m.name, f.\"from\"",
    )?;
    let keys = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let known: Vec<(String, String, String)> = callboard_core::store::contacts::FOREIGN_KEYS_KEPT_BY_IMPORT
        .iter()
        .map(|(t, c, p)| (t.to_string(), c.to_string(), p.to_string()))
        .collect();
    assert_eq!(keys, known);
    db.import(&fixture("contacts.csv"), "KW")?;
    let orphan = db.store.with_tx_blocking(move |tx| {
        tx.execute(
            "INSERT INTO campaign_contacts(campaign_id, contact_id, created_at, updated_at) VALUES (?1, 999999, ?2, ?2)",
            rusqlite::params![db.campaign, NOW],
        )?;
        Ok::<_, callboard_core::store::StoreError>(())
    });
    assert!(
        orphan.is_err_and(|e| e.to_string().contains("FOREIGN KEY")),
        "a member whose contact does not exist is refused after the import"
    );
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::File::create(path)?.write_all(bytes)
}

fn generated_csv(path: &Path, rows: usize) -> std::io::Result<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(f, "Name,Phone")?;
    for i in 0..rows {
        writeln!(f, "Person {i},5{:07}", 5_000_000 + i)?;
    }
    f.flush()
}

#[test]
fn cancel_leaves_whole_chunks_and_a_rerun_completes() -> TestResult {
    let db = db()?;
    let file = db._dir.path().join("many.csv");
    generated_csv(&file, 23)?;
    let mut opts = db.options(&file, "KW")?;
    opts.chunk_rows = 5;
    let mut control = Control::default();
    let canceller = control.clone();
    control.set_progress(move |p| {
        if p.committed >= 5 {
            canceller.cancel();
        }
    });
    let s = import::commit(&db.store, &opts, &control, NOW)?;
    assert!(s.cancelled);
    let members = db.members()?;
    assert!(
        members > 0 && members < 23 && members % 5 == 0,
        "{members} is not whole chunks"
    );
    assert_eq!(s.imported as i64, members);
    let s = import::commit(&db.store, &opts, &Control::default(), NOW)?;
    assert_eq!(s.imported as i64 + members, 23);
    assert_eq!(s.duplicates as i64, members);
    assert_eq!(db.members()?, 23);
    assert_eq!(db.contacts()?.len(), 23);
    Ok(())
}

fn import_err(db: &Db, name: &str, bytes: &[u8]) -> Result<ImportError, Box<dyn std::error::Error>> {
    import_err_in_chunks(db, name, bytes, None)
}

/// [`import_err`] with chunks of `chunk_rows` rows when given.
fn import_err_in_chunks(
    db: &Db,
    name: &str,
    bytes: &[u8],
    chunk_rows: Option<usize>,
) -> Result<ImportError, Box<dyn std::error::Error>> {
    let file = db._dir.path().join(name);
    write(&file, bytes)?;
    let mut opts = db.options(&file, "KW")?;
    if let Some(rows) = chunk_rows {
        opts.chunk_rows = rows;
    }
    match import::commit(&db.store, &opts, &Control::default(), NOW) {
        Ok(s) => Err(format!("{name} imported: {s:?}").into()),
        Err(e) => Ok(e),
    }
}

#[test]
fn bad_files_fail_clearly_and_import_nothing() -> TestResult {
    let db = db()?;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.csv", Vec::new(), "empty"),
        ("blank.csv", b"\n\n  \n".to_vec(), "empty"),
        (
            "garbage.csv",
            (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect(),
            "not a spreadsheet or text",
        ),
        (
            "huge_line.csv",
            vec![b'x'; 50 * 1024 * 1024],
            "row 1: a line is longer than 1 MB",
        ),
        (
            "corrupt.xlsx",
            b"PK\x03\x04this is not really a zip archive".to_vec(),
            "cannot read the workbook",
        ),
        (
            "locked.xlsx",
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest-of-an-encrypted-package".to_vec(),
            "password-protected",
        ),
        ("notes.docx", b"hello".to_vec(), "unsupported file type"),
        (
            "no_phone.csv",
            b"Name,City\nAli,Kuwait\n".to_vec(),
            "no header row with a phone column",
        ),
    ];
    for (name, bytes, want) in cases {
        let e = import_err(&db, name, &bytes)?;
        let msg = e.to_string();
        assert!(
            msg.contains(name),
            "{name}: message does not name the file: {msg}"
        );
        assert!(msg.contains(want), "{name}: {msg}");
    }
    // A broken line far down the file: the first pass finds it before anything is written.
    let mut late = b"Name,Phone\n".to_vec();
    for i in 0..100 {
        late.extend_from_slice(format!("P{i},5{:07}\n", 5_000_000 + i).as_bytes());
    }
    late.extend(std::iter::repeat_n(b'y', 2 * 1024 * 1024));
    let e = import_err(&db, "late.csv", &late)?;
    assert!(e.to_string().contains("row 102"), "{e}");
    assert_eq!(db.members()?, 0);
    assert_eq!(db.contacts()?.len(), 0);
    // The same with small chunks: they are ready before the first pass (on its own thread) has found the
    // broken line, and none is written.
    let e = import_err_in_chunks(&db, "late_chunks.csv", &late, Some(5))?;
    assert!(
        e.to_string().contains("late_chunks.csv") && e.to_string().contains("row 102"),
        "{e}"
    );
    assert_eq!(db.members()?, 0);
    assert_eq!(db.contacts()?.len(), 0);
    Ok(())
}

#[test]
fn ragged_rows_are_reported_per_row() -> TestResult {
    let db = db()?;
    let file = db._dir.path().join("ragged.csv");
    write(
        &file,
        b"Name,Phone\nA,55123456\nB,55123457,surprise\nC\nD,55123458,,\n",
    )?;
    let s = db.import(&file, "KW")?;
    assert_eq!(
        codes(&s),
        vec![(3, RowCode::TooManyColumns), (4, RowCode::MissingPhone)]
    );
    assert_eq!(s.imported, 2);
    Ok(())
}

#[test]
fn bad_utf8_rows_are_bad_encoding() -> TestResult {
    let db = db()?;
    let file = db._dir.path().join("mixed.csv");
    let mut bytes = b"Name,Phone\nAli,55123456\n".to_vec();
    bytes.extend(std::iter::repeat_n(b'a', 70_000)); // past the detection sample
    bytes.extend_from_slice(b",55123457\nCaf\xe9,55123458\n");
    // A two-byte character split by the delimiter: the record's bytes together are valid UTF-8, but neither
    // cell is.
    bytes.extend_from_slice(b"Caf\xc3,\xa955123459\n");
    write(&file, &bytes)?;
    let s = db.import(&file, "KW")?;
    assert_eq!(
        codes(&s),
        vec![(4, RowCode::BadEncoding), (5, RowCode::BadEncoding)]
    );
    Ok(())
}

#[test]
fn saved_templates_are_reapplied_to_the_same_header() -> TestResult {
    let db = db()?;
    let file = db._dir.path().join("crm.csv");
    write(&file, b"Cust,Num,Interest\nAli,55123456,SUV\n")?;
    let e = import::commit(&db.store, &db.options(&file, "KW")?, &Control::default(), NOW);
    assert!(matches!(e, Err(ImportError::NoHeader { .. })));
    let header: Vec<String> = ["Cust", "Num", "Interest"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let mut mapping = Mapping::auto(&header);
    mapping.columns[0].target = Target::Field(import::Field::FullName);
    mapping.columns[1].target = Target::Field(import::Field::Phone);
    import::save_template(&db.store, "CRM export", &header, &mapping, NOW)?;
    let s = db.import(&file, "KW")?;
    assert_eq!(s.imported, 1);
    assert_eq!(s.mapping, mapping);
    let c = db.contacts()?;
    assert_eq!(
        (c[0].1.as_str(), c[0].4.as_str()),
        ("Ali", r#"{"interest":"SUV"}"#)
    );
    Ok(())
}

/// `rows` followed by a row whose quote never closes, then more than 1 MB of lines it swallows.
fn with_an_unclosed_quote(mut rows: Vec<u8>) -> Vec<u8> {
    rows.extend_from_slice(b"\"B,55123457\n");
    for i in 0..200_000 {
        rows.extend_from_slice(format!("line {i}\n").as_bytes());
    }
    rows
}

#[test]
fn an_unclosed_quote_does_not_swallow_the_file() -> TestResult {
    let db = db()?;
    let bytes = with_an_unclosed_quote(b"Name,Phone\nA,55123456\n".to_vec());
    let e = import_err(&db, "unclosed.csv", &bytes)?;
    assert!(e.to_string().contains("unclosed quote"), "{e}");
    assert_eq!(db.members()?, 0);
    Ok(())
}

/// The campaign dials an imported list in the file's order: the import writes each chunk's contacts in phone
/// order, but adds them to the campaign as the file has them, across chunks and with a number stored already
/// (upserted, not inserted) in the middle.
#[test]
fn the_campaign_dials_the_list_in_the_files_order() -> TestResult {
    let db = db()?;
    Connection::open(&db.path)?.execute(
        "INSERT INTO contacts(phone_e164, name, created_at, updated_at) VALUES ('+96555000005', 'Old', ?1, ?1)",
        [NOW],
    )?;
    // Phones going down while the names go up: phone order is the reverse of the file's.
    let mut csv = String::from("Name,Phone\n");
    let names: Vec<String> = (0..12).map(|i| format!("N{i:02}")).collect();
    for (i, name) in names.iter().enumerate() {
        let phone = if i == 6 {
            55_000_005
        } else {
            99_900_000 - i * 10_000
        };
        csv.push_str(&format!("{name},{phone}\n"));
    }
    let file = db._dir.path().join("ordered.csv");
    write(&file, csv.as_bytes())?;
    let mut opts = db.options(&file, "KW")?;
    opts.chunk_rows = 5;
    let s = import::commit(&db.store, &opts, &Control::default(), NOW)?;
    assert_eq!(s.imported, 12);
    // A campaign reusing the list (`campaign.copy_contacts`) keeps its order too.
    let (copy, _) = import::find_or_create_campaign(&db.store, "Copy", "test", NOW)?;
    let from = db.campaign;
    db.store.with_tx_blocking(move |tx| {
        callboard_core::store::campaigns::copy_contacts(tx, copy.id, from, NOW)
    })?;
    let conn = Connection::open(&db.path)?;
    for campaign in [db.campaign, copy.id] {
        let due = db
            .store
            .read_blocking(move |c| callboard_core::store::attempts::candidates(c, campaign, NOW, 100))?;
        let dialed: Vec<String> = due
            .iter()
            .map(|d| {
                conn.query_row("SELECT name FROM contacts WHERE id = ?1", [d.contact_id], |r| {
                    r.get(0)
                })
            })
            .collect::<Result<_, _>>()?;
        assert_eq!(dialed, names, "campaign {campaign}");
    }
    Ok(())
}

/// The first pass finds the swallowing quote too, so chunks read before it are not written: the file is
/// broken as a whole, not after its first rows.
#[test]
fn an_unclosed_quote_after_whole_chunks_imports_nothing() -> TestResult {
    let db = db()?;
    let mut bytes = b"Name,Phone\n".to_vec();
    for i in 0..50 {
        bytes.extend_from_slice(format!("C{i},551{i:05}\n").as_bytes());
    }
    let e = import_err_in_chunks(&db, "late_quote.csv", &with_an_unclosed_quote(bytes), Some(5))?;
    assert!(e.to_string().contains("row 52: a row is longer than 1 MB"), "{e}");
    assert_eq!(db.members()?, 0);
    Ok(())
}

fn messy_cell() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    prop_oneof![
        Just(String::new()),
        Just("55123456".to_owned()),
        Just("+965 5512 3456".to_owned()),
        Just("Asia/Kuwait".to_owned()),
        Just("Mars/Base".to_owned()),
        "[0-9]{8}",
        "[+0-9 ,\"-]{0,12}",
        "[a-zA-Z ;|]{0,8}",
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
    /// Whatever the rows, each one imports or carries exactly one code, and the counts add up.
    #[test]
    fn every_row_imports_or_carries_exactly_one_code(
        rows in proptest::collection::vec(proptest::collection::vec(messy_cell(), 0..5), 1..30)
    ) {
        let run = || -> Result<(), Box<dyn std::error::Error>> {
            let db = db()?;
            let file = db._dir.path().join("random.csv");
            let mut w = csv::Writer::from_writer(std::fs::File::create(&file)?);
            w.write_record(["Name", "Phone", "Time Zone", "Note"])?;
            for r in &rows {
                // The csv writer needs the same width unless flexible; pad and cut like a spreadsheet export.
                let mut cells = r.clone();
                cells.resize(4, String::new());
                w.write_record(&cells)?;
            }
            w.flush()?;
            drop(w);
            let s = db.import(&file, "KW")?;
            let non_blank = rows.iter().filter(|r| r.iter().any(|c| !c.trim().is_empty())).count() as u64;
            assert_eq!(s.total, non_blank);
            assert_eq!(s.total, s.imported + s.invalid + s.duplicates + s.suppressed);
            let mut seen = std::collections::HashSet::new();
            for e in &s.errors {
                assert!(seen.insert(e.row), "row {} has two codes", e.row);
            }
            assert_eq!(s.errors.len() as u64, s.total - s.imported);
            assert_eq!(db.members()?, s.imported as i64);
            Ok(())
        };
        proptest::prop_assert!(run().is_ok(), "{:?}", run().err().map(|e| e.to_string()));
    }
}

#[test]
fn a_contact_added_behind_the_importers_back_is_updated_not_duplicated() -> TestResult {
    use callboard_core::store::contacts::{ImportWriter, NewContact};
    let db = db()?;
    let ids = db
        .store
        .with_tx_blocking(|tx| -> Result<(i64, i64), callboard_core::store::StoreError> {
            let mut w = ImportWriter::new(tx)?;
            let mut c = NewContact {
                phone_e164: "+96555123456".into(),
                name: "First".into(),
                time_zones: "[]".into(),
                variables: "{}".into(),
                time_zone_source: "number",
                ..NewContact::default()
            };
            let a = w.insert_new(&c, NOW)?;
            c.name = "Second".into();
            // Believed new, but the number exists: the insert falls back to an update.
            let b = w.insert_new(&c, NOW)?;
            Ok((a, b))
        })?;
    assert_eq!(ids.0, ids.1);
    let contacts = db.contacts()?;
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0].1, "Second");
    Ok(())
}
