//! Header detection and the automatic mapping, on the headers lists come with.

use super::*;

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

/// Callboard's own contacts export imports again: its header is found (not the first data row, whose
/// time zone source says "number"), and its phone columns are mapped.
#[test]
fn the_contacts_export_header_is_found_and_mapped() {
    let header = strings(&[
        "id",
        "phone_e164",
        "name",
        "time_zone",
        "time_zone_source",
        "status",
        "alt_phone_e164",
        "email",
        "external_id",
    ]);
    let data = strings(&[
        "1",
        "+12122033783",
        "Omar",
        "America/New_York",
        "number",
        "active",
        "",
        "omar@example.com",
        "CRM-7",
    ]);
    assert_eq!(find_header(&[header.clone(), data.clone()]), Some(0));
    // Without its header, the export's data row is still not taken for one.
    assert_eq!(find_header(&[data]), None);
    let m = Mapping::auto(&header);
    let field = |i: usize| m.columns[i].target.clone();
    assert_eq!(field(1), Target::Field(Field::Phone));
    assert_eq!(field(2), Target::Field(Field::FullName));
    assert_eq!(field(3), Target::Field(Field::TimeZone));
    assert_eq!(field(6), Target::Field(Field::AltPhone));
    assert_eq!(field(7), Target::Field(Field::Email));
    // Its own row id is not the contact's external id: the external_id column is.
    assert_eq!(field(0), Target::Variable("id".into()));
    assert_eq!(field(8), Target::Field(Field::ExternalId));
    // A bare "ID" is the external id when nothing says so more plainly.
    let m = Mapping::auto(&strings(&["ID", "Phone"]));
    assert_eq!(m.columns[0].target, Target::Field(Field::ExternalId));
}

#[test]
fn a_number_is_not_a_header_cell() {
    for number in [
        "+96555123456",
        "55123456",
        "+965 5512 3456",
        "(212) 203-3783",
        "098765 43210",
    ] {
        assert!(looks_like_a_number(number), "{number}");
    }
    for header in ["Phone", "Phone 1", "Mobile (+965)", "2026", "Budget 40625", ""] {
        assert!(!looks_like_a_number(header), "{header}");
    }
}

#[test]
fn synonyms_in_three_languages() {
    for h in [
        "Phone",
        "Mobile Number",
        "رقم الهاتف",
        "मोबाइल",
        "PHONE_NO",
        "Tel.",
    ] {
        assert_eq!(field_for(h), Some(Field::Phone), "{h}");
    }
    assert_eq!(field_for("الاسم"), Some(Field::FullName));
    assert_eq!(field_for("नाम"), Some(Field::FullName));
    assert_eq!(field_for("First Name"), Some(Field::FirstName));
    assert_eq!(field_for("Time Zone"), Some(Field::TimeZone));
    assert_eq!(field_for("Car Interest"), None);
}

#[test]
fn unmapped_columns_become_slugged_variables() {
    let m = Mapping::auto(&strings(&[
        "Name",
        "Mobile",
        "Car Interest",
        "",
        "Mobile",
        "Budget (KWD)",
    ]));
    let targets: Vec<_> = m.columns.iter().map(|c| c.target.clone()).collect();
    assert_eq!(
        targets,
        vec![
            Target::Field(Field::FullName),
            Target::Field(Field::Phone),
            Target::Variable("car_interest".into()),
            Target::Ignore,
            Target::Field(Field::AltPhone),
            Target::Variable("budget_kwd".into()),
        ]
    );
}

#[test]
fn header_is_found_below_a_title() {
    let rows = vec![
        strings(&["Leads export 2026-11"]),
        strings(&[]),
        strings(&["Name", "Phone", "Email"]),
        strings(&["Ali", "55123456", "a@x.com"]),
    ];
    assert_eq!(find_header(&rows), Some(2));
    assert_eq!(find_header(&[strings(&["a", "b"])]), None);
}

#[test]
fn signature_ignores_case_and_punctuation() {
    assert_eq!(
        signature(&strings(&["Phone", "Name"])),
        signature(&strings(&["phone ", "NAME"]))
    );
    assert_ne!(
        signature(&strings(&["Phone", "Name"])),
        signature(&strings(&["Name", "Phone"]))
    );
}
