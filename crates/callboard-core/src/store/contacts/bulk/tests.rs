//! The import's bulk path against one-by-one inserts, with the columns each batch leaves to their defaults.

use super::*;
use crate::{
    campaign::{CampaignSettings, CampaignStatus},
    store::{Store, StoreError, campaigns},
};

const NOW: &str = "2026-11-27T00:00:00Z";

fn contact(phone: &str, name: &str) -> NewContact {
    NewContact {
        phone_e164: phone.into(),
        name: name.into(),
        time_zone: name.len().is_multiple_of(2).then(|| "Asia/Kuwait".to_owned()),
        time_zones: "[]".into(),
        variables: format!(r#"{{"n":"{name}"}}"#),
        time_zone_source: "number",
        ..NewContact::default()
    }
}

/// Across full and partial batches, ids come back in the order given, a number stored already is
/// updated (not duplicated, not skipped), and members are counted once.
#[test]
fn bulk_inserts_match_one_by_one_inserts() -> Result<(), StoreError> {
    let store = Store::open_in_memory()?;
    let n = BATCH_ROWS * 2 + 7;
    let (ids, added, again, total) = store.with_tx_blocking(move |tx| -> Result<_, StoreError> {
        let settings = CampaignSettings {
            name: "Bulk".into(),
            ..CampaignSettings::default()
        };
        let campaign = campaigns::insert(tx, &settings, CampaignStatus::Draft, NOW)?;
        let mut w = ImportWriter::new(tx)?;
        let existing = w.insert_new(&contact("+96550000100", "Old"), NOW)?;
        let all: Vec<NewContact> = (0..n)
            .map(|i| contact(&format!("+965500{:05}", i), &format!("C{i}")))
            .collect();
        let refs: Vec<ContactFields<'_>> = all.iter().map(NewContact::fields).collect();
        let ids = w.insert_new_all(&refs, NOW)?;
        let added = w.add_all_to_campaign(campaign.id, &ids, NOW)?;
        let again = w.add_all_to_campaign(campaign.id, &ids[..10], NOW)?;
        w.finish()?;
        let total: i64 = tx.query_row(
            "SELECT contacts_total FROM campaigns WHERE id = ?1",
            [campaign.id],
            |r| r.get(0),
        )?;
        assert_eq!(ids[100], existing);
        Ok((ids, added, again, total))
    })?;
    assert_eq!(ids.len(), n);
    assert_eq!((added, again, total), (n as u64, 0, n as i64));
    let stored = store.read_blocking(|c| {
        let mut stmt =
            c.prepare("SELECT id, phone_e164, name, time_zone, variables FROM contacts ORDER BY id")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    })?;
    assert_eq!(stored.len(), n);
    for (i, id) in ids.iter().enumerate() {
        let want = contact(&format!("+965500{:05}", i), &format!("C{i}"));
        let row = stored.iter().find(|r| r.0 == *id).expect("every id is stored");
        assert_eq!(
            (&row.1, &row.2, &row.3, &row.4),
            (&want.phone_e164, &want.name, &want.time_zone, &want.variables)
        );
    }
    Ok(())
}

/// Every column as stored, in insertion order.
fn stored_contacts(store: &Store) -> Result<Vec<Vec<rusqlite::types::Value>>, StoreError> {
    store.read_blocking(|c| {
        let mut stmt = c.prepare("SELECT * FROM contacts ORDER BY id")?;
        let width = stmt.column_count();
        let rows = stmt
            .query_map([], |r| (0..width).map(|i| r.get(i)).collect())?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    })
}

/// Batches that leave different columns at their defaults store exactly what inserting each contact with
/// every column named stores, defaults and `NULL` time zones included; an empty time zone is not taken
/// for a missing one.
#[test]
fn batches_leaving_columns_out_store_what_full_inserts_store() -> Result<(), StoreError> {
    let n = BATCH_ROWS * 3 + 5;
    let all: Vec<NewContact> = (0..n)
        .map(|i| {
            let mut c = NewContact {
                phone_e164: format!("+965600{i:05}"),
                time_zones: "[]".into(),
                variables: "{}".into(),
                time_zone_source: "unknown",
                ..NewContact::default()
            };
            match (i / BATCH_ROWS, i % BATCH_ROWS) {
                // The first batch: every optional column at its default.
                (0, _) => {}
                // The second: a note on one contact, an empty (not missing) time zone on another.
                (1, 7) => c.notes = "call after 5".into(),
                (1, 9) => c.time_zone = Some(String::new()),
                // The third: everything filled in.
                (2, _) => {
                    c.alt_phone_e164 = format!("+965700{i:05}");
                    c.name = format!("N{i}");
                    c.email = format!("n{i}@example.com");
                    c.language = "ar".into();
                    c.time_zone = Some("Asia/Kuwait".into());
                    c.consent_basis = "prior".into();
                    c.external_id = format!("X{i}");
                    c.notes = "n".into();
                }
                // The partial last batch: only an external id on one contact.
                (3, 2) => c.external_id = "last".into(),
                _ => {}
            }
            c
        })
        .collect();
    let (bulk, one_by_one) = (Store::open_in_memory()?, Store::open_in_memory()?);
    let contacts = all.clone();
    bulk.with_tx_blocking(move |tx| -> Result<(), StoreError> {
        let mut w = ImportWriter::new(tx)?;
        let refs: Vec<ContactFields<'_>> = contacts.iter().map(NewContact::fields).collect();
        w.insert_new_all(&refs, NOW)?;
        w.finish()
    })?;
    one_by_one.with_tx_blocking(move |tx| -> Result<(), StoreError> {
        let mut w = ImportWriter::new(tx)?;
        for c in &all {
            w.insert_new(c, NOW)?;
        }
        w.finish()
    })?;
    let (got, want) = (stored_contacts(&bulk)?, stored_contacts(&one_by_one)?);
    assert_eq!(got.len(), n);
    assert_eq!(got, want);
    Ok(())
}

/// With foreign keys not enforced while the writer lives, a campaign deleted meanwhile is found missing
/// by the writer itself, and nothing of the chunk is kept.
#[test]
fn members_of_a_missing_campaign_are_refused() -> Result<(), StoreError> {
    let store = Store::open_in_memory()?;
    let result = store.with_tx_blocking(|tx| -> Result<u64, StoreError> {
        let mut w = ImportWriter::new(tx)?;
        let all = [contact("+96550000001", "A"), contact("+96550000002", "B")];
        let refs: Vec<ContactFields<'_>> = all.iter().map(NewContact::fields).collect();
        let ids = w.insert_new_all(&refs, NOW)?;
        w.add_all_to_campaign(4242, &ids, NOW)
    });
    assert!(matches!(
        result,
        Err(StoreError::NotFound { what: "campaign", .. })
    ));
    let kept: i64 =
        store.read_blocking(|c| Ok(c.query_row("SELECT COUNT(*) FROM contacts", [], |r| r.get(0))?))?;
    assert_eq!(kept, 0);
    Ok(())
}

#[test]
fn batch_sql_numbers_every_row_and_shares_the_timestamp() {
    let sql = insert_sql(2, ALL_NAMED);
    assert!(sql.contains("VALUES (?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?1,?1),(?14,"));
    assert!(sql.ends_with("?25,?1,?1)"));
    let sql = insert_sql(2, ALL_NAMED & !DEFAULTED);
    assert!(sql.starts_with(
        "INSERT OR IGNORE INTO contacts(phone_e164, time_zones, time_zone_source, variables, created_at, updated_at) \
         VALUES (?2,?3,?4,?5,?1,?1),(?6,?7,?8,?9,?1,?1)"
    ));
}

proptest::proptest! {
    /// The columns named for a contact are the ones whose value is not the schema's default, column by column.
    #[test]
    fn a_contact_names_the_columns_it_does_not_leave_at_their_default(
        texts in proptest::collection::vec(proptest::prop_oneof![proptest::strategy::Just(String::new()), "[a-z]{1,3}"], 11),
        has_time_zone: bool,
    ) {
        let contact = NewContact {
            phone_e164: texts[0].clone(),
            alt_phone_e164: texts[1].clone(),
            name: texts[2].clone(),
            email: texts[3].clone(),
            language: texts[4].clone(),
            time_zone: has_time_zone.then(|| texts[5].clone()),
            time_zones: texts[6].clone(),
            time_zone_source: "number",
            consent_basis: texts[7].clone(),
            external_id: texts[8].clone(),
            notes: texts[9].clone(),
            variables: texts[10].clone(),
        };
        let fields = contact.fields();
        let by_value = fields
            .params()
            .into_iter()
            .enumerate()
            .filter(|&(column, value)| DEFAULTED & (1 << column) == 0 || !is_default(column, value))
            .fold(0, |named: Named, (column, _)| named | 1 << column);
        proptest::prop_assert_eq!(named_for(&fields), by_value);
    }
}
