//! Header detection and the automatic mapping, on the headers lists come with.

use super::*;

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

/// Callboard's own contacts export imports again: its header is found (not the first data row, whose
/// time zone source says "number"), its columns map back to the fields they were written from, its variables
/// column is read as the variables it holds, and the columns that describe the stored record are left out.
#[test]
fn the_contacts_export_header_is_found_and_mapped() {
    // The export's header as it writes it, so that a column added there is seen here.
    let header = strings(&crate::export::datasets::Dataset::Contacts.columns());
    let data: Vec<String> = header
        .iter()
        .map(|h| match h.as_str() {
            "id" => "1",
            "phone_e164" => "+12122033783",
            "name" => "Omar",
            "time_zone" => "America/New_York",
            "time_zone_source" => "number",
            "status" => "active",
            "email" => "omar@example.com",
            "external_id" => "CRM-7",
            "variables" => r#"{"car_interest":"SUV"}"#,
            "created_at" | "updated_at" => "2026-11-28T12:00:00Z",
            _ => "",
        })
        .map(str::to_owned)
        .collect();
    assert_eq!(find_header(&[header.clone(), data.clone()]), Some(0));
    // Without its header, the export's data row is still not taken for one.
    assert_eq!(find_header(&[data]), None);
    let m = Mapping::auto(&header);
    let target = |name: &str| {
        m.columns
            .iter()
            .find(|c| c.header == name)
            .map(|c| c.target.clone())
    };
    for (column, field) in [
        ("phone_e164", Field::Phone),
        ("alt_phone_e164", Field::AltPhone),
        ("name", Field::FullName),
        ("email", Field::Email),
        ("language", Field::Language),
        ("time_zone", Field::TimeZone),
        ("consent_basis", Field::Consent),
        ("notes", Field::Notes),
        ("external_id", Field::ExternalId),
        ("variables", Field::Variables),
    ] {
        assert_eq!(target(column), Some(Target::Field(field)), "{column}");
    }
    for column in ["id", "status", "time_zone_source", "created_at", "updated_at"] {
        assert_eq!(target(column), Some(Target::Ignore), "{column}");
    }
    assert_eq!(m.columns.len(), header.len());
}

#[test]
fn only_the_exports_own_record_columns_are_left_out() {
    // Another file's status and dates are the list owner's data: variables for the agent.
    let m = Mapping::auto(&strings(&["Phone", "Status", "Created At", "Variables"]));
    let targets: Vec<Target> = m.columns.into_iter().map(|c| c.target).collect();
    assert_eq!(
        targets,
        [
            Target::Field(Field::Phone),
            Target::Variable("status".into()),
            Target::Variable("created_at".into()),
            Target::Field(Field::Variables),
        ]
    );
    // A bare "ID" is the external id when nothing says so more plainly, and a row id when something does.
    let m = Mapping::auto(&strings(&["ID", "Phone"]));
    assert_eq!(m.columns[0].target, Target::Field(Field::ExternalId));
    let m = Mapping::auto(&strings(&["id", "Phone", "Customer ID"]));
    assert_eq!(m.columns[0].target, Target::Variable("id".into()));
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
